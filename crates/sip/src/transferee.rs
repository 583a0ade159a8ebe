//! Being transferred (RFC 3515 as the REFER's recipient): the REFER is answered 202 at once
//! with a first NOTIFY (100 Trying, §2.4.5), so the transferor never waits on a person, and
//! becomes an event the agent accepts or refuses. Accepted: an INVITE to the Refer-To target
//! (with its Replaces header, RFC 3891, when it carries one), a NOTIFY with the outcome, and
//! on success the old call ends. Refused: a NOTIFY 603, and the call goes on.
//!
//! The NOTIFYs about one call go out one after the other, each once the previous one was
//! answered: sent from separate tasks, a refusal right after the REFER could overtake the
//! 100 Trying, and the far end refuses a request whose CSeq is lower than the last it saw
//! (RFC 3261 §12.2.2), so it would never learn the outcome.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use rsipstack::dialog::dialog::{Dialog, TransactionHandle};
use rsipstack::dialog::dialog_layer::DialogLayer;
use rsipstack::dialog::DialogId;
use rsipstack::sip::prelude::HeadersExt;
use rsipstack::sip::{Request, StatusCode};
use switchboard_core::call::EndReason;
use tokio::sync::mpsc;

use crate::call::Calls;
use crate::event::SipEvent;
use crate::SipError;

/// A REFER waiting for the agent's answer.
#[derive(Debug)]
struct Pending {
    target: String,
    replaces: Option<String>,
}

/// A NOTIFY to send about a call's REFER, and whether to hang up after it.
#[derive(Debug)]
struct Notice {
    status: StatusCode,
    state: &'static str,
    then_bye: bool,
}

/// REFERs waiting for the agent, new calls standing in for old ones, and the queue of
/// NOTIFYs of each call.
#[derive(Debug, Default, Clone)]
pub(crate) struct Referrals {
    pending: Arc<Mutex<HashMap<String, Pending>>>,
    /// New call -> the call that asked for it.
    replacing: Arc<Mutex<HashMap<String, String>>>,
    notices: Arc<Mutex<HashMap<String, mpsc::UnboundedSender<Notice>>>>,
}

/// The target and, when present, the Replaces value of a Refer-To header value such as
/// `<sip:carol@pbx?Replaces=abc%40pbx%3Bto-tag%3D1%3Bfrom-tag%3D2>`.
pub(crate) fn refer_to(value: &str) -> Option<(String, Option<String>)> {
    let inner = value.trim();
    let inner = inner
        .split_once('<')
        .and_then(|(_, rest)| rest.split_once('>'))
        .map_or(inner, |(uri, _)| uri);
    let (uri, headers) = inner.split_once('?').unwrap_or((inner, ""));
    if !(uri.starts_with("sip:") || uri.starts_with("sips:")) {
        return None;
    }
    let replaces = headers.split('&').find_map(|h| {
        let (name, value) = h.split_once('=')?;
        name.eq_ignore_ascii_case("replaces")
            .then(|| unescape(value))
    });
    Some((uri.to_owned(), replaces))
}

/// Undoes %XX escapes of a URI header value.
fn unescape(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Some(b) = value
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
            {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

impl Referrals {
    /// A REFER arrived on `call`: accept the request (202, NOTIFY 100), keep it for the
    /// agent and tell them.
    pub(crate) async fn requested(
        &self,
        layer: &DialogLayer,
        calls: &Calls,
        events: &mpsc::UnboundedSender<SipEvent>,
        call: &str,
        request: &Request,
        handle: TransactionHandle,
    ) {
        let target = request.refer_to_header().and_then(|h| refer_to(h.value()));
        let Some((target, replaces)) = target else {
            // RFC 3515 §2.4.2: a REFER without a usable Refer-To is a bad request.
            let _ = handle.reply(StatusCode::BadRequest).await;
            return;
        };
        self.pending
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(
                call.to_owned(),
                Pending {
                    target: target.clone(),
                    replaces: replaces.clone(),
                },
            );
        if handle.reply(StatusCode::Accepted).await.is_err() {
            tracing::debug!(call, "202 not sent: the REFER transaction is gone");
        }
        self.notify(layer, calls, call, StatusCode::Trying, "active", false);
        let _ = events.send(SipEvent::TransferRequested {
            call: call.to_owned(),
            to: target,
            attended: replaces.is_some(),
        });
    }

    fn take(&self, call: &str) -> Result<Pending, SipError> {
        self.pending
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(call)
            .ok_or_else(|| SipError::NoSuchCall(call.to_owned()))
    }

    /// The agent refuses the transfer: NOTIFY 603, terminated.
    pub(crate) async fn refuse(
        &self,
        layer: &DialogLayer,
        calls: &Calls,
        call: &str,
    ) -> Result<(), SipError> {
        self.take(call)?;
        self.notify(
            layer,
            calls,
            call,
            StatusCode::Decline,
            "terminated;reason=noresource",
            false,
        );
        Ok(())
    }

    /// The agent accepts: the new call is placed by `dial` (with the Replaces value when the
    /// REFER carried one); returns the new call's id.
    pub(crate) fn accept(
        &self,
        call: &str,
        dial: impl FnOnce(&str, Option<&str>) -> Result<String, SipError>,
    ) -> Result<String, SipError> {
        let pending = self.take(call)?;
        let new = dial(&pending.target, pending.replaces.as_deref())?;
        self.replacing
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(new.clone(), call.to_owned());
        Ok(new)
    }

    /// A call we placed for a transfer was answered or failed: tell the transferor, and on
    /// success end the old call.
    pub(crate) fn outcome(
        &self,
        layer: &DialogLayer,
        calls: &Calls,
        new: &str,
        answered: Option<EndReason>,
    ) {
        let old = self
            .replacing
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(new);
        let Some(old) = old else { return };
        calls.with(|c| {
            if let Some(e) = c.get_mut(&old) {
                if answered.is_none() {
                    e.ending = Some(EndReason::Transferred);
                }
            }
        });
        let status = match answered {
            None => StatusCode::OK,
            Some(EndReason::Busy) => StatusCode::BusyHere,
            Some(EndReason::Declined) => StatusCode::Decline,
            Some(EndReason::NotFound) => StatusCode::NotFound,
            Some(EndReason::NoAnswer) => StatusCode::RequestTimeout,
            Some(_) => StatusCode::ServiceUnavailable,
        };
        // On success the old call ends once the transferor has the outcome.
        self.notify(
            layer,
            calls,
            &old,
            status,
            "terminated;reason=noresource",
            answered.is_none(),
        );
    }

    /// `call` ended: its queue of NOTIFYs closes once the ones queued are sent.
    pub(crate) fn forget(&self, call: &str) {
        self.notices
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(call);
    }

    /// Queues a sipfrag NOTIFY about the REFER on `call` (RFC 3515 §2.4.5), and a BYE after
    /// it when `then_bye`. The queue's task sends them in order, each after the previous one
    /// was answered, off the loop of call events, which must go on meanwhile (the transferor
    /// may hang up at the same moment, RFC 5589 §6, and its BYE is one of those events).
    fn notify(
        &self,
        layer: &DialogLayer,
        calls: &Calls,
        call: &str,
        status: StatusCode,
        state: &'static str,
        then_bye: bool,
    ) {
        let notice = Notice {
            status,
            state,
            then_bye,
        };
        let mut queues = self.notices.lock().unwrap_or_else(PoisonError::into_inner);
        let notice = match queues.get(call) {
            Some(queue) => match queue.send(notice) {
                Ok(()) => return,
                Err(mpsc::error::SendError(notice)) => notice,
            },
            None => notice,
        };
        let id: Option<DialogId> = calls.with(|c| c.get(call).and_then(|e| e.confirmed.clone()));
        let Some(Dialog::Invite(dialog)) = id.and_then(|id| layer.get_dialog(&id)) else {
            return;
        };
        let (queue, mut notices) = mpsc::unbounded_channel::<Notice>();
        let _ = queue.send(notice);
        queues.insert(call.to_owned(), queue);
        let call = call.to_owned();
        tokio::spawn(async move {
            while let Some(notice) = notices.recv().await {
                if let Err(e) = dialog.notify_refer(notice.status, notice.state).await {
                    tracing::debug!(call, "NOTIFY not sent: {e}");
                }
                if notice.then_bye {
                    if let Err(e) = dialog.bye().await {
                        tracing::debug!(call, "BYE not sent: {e}");
                    }
                }
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::refer_to;

    #[test]
    fn refer_to_values() {
        assert_eq!(
            refer_to("<sip:1003@pbx.example>"),
            Some(("sip:1003@pbx.example".into(), None))
        );
        assert_eq!(
            refer_to("<sip:carol@pbx?Replaces=abc%40pbx%3Bto-tag%3D1%3Bfrom-tag%3D2>;x=y"),
            Some((
                "sip:carol@pbx".into(),
                Some("abc@pbx;to-tag=1;from-tag=2".into())
            ))
        );
        assert_eq!(
            refer_to("sip:bob@host"),
            Some(("sip:bob@host".into(), None))
        );
        assert_eq!(refer_to("<mailto:x@y>"), None);
        assert_eq!(refer_to("<sip:x@y?Replaces=%4"), None, "unbalanced <");
        assert_eq!(
            refer_to("<sip:x@y?Replaces=%4>"),
            Some(("sip:x@y".into(), Some("%4".into())))
        );
    }
}
