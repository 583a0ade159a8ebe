//! Incoming calls: ring (180), then answer (200 with our SDP answer, RFC 3264) or reject
//! (486 busy, 603 decline). A caller who gives up (CANCEL) ends the call as missed.

use std::net::SocketAddr;

use rsipstack::dialog::dialog::DialogStateSender;
use rsipstack::dialog::dialog_layer::DialogLayer;
use rsipstack::sip::prelude::{HeadersExt, ToTypedHeader};
use rsipstack::sip::{Header, StatusCode, Uri};
use rsipstack::transaction::transaction::Transaction;
use switchboard_core::call::EndReason;
use switchboard_core::session_timer::{CalleeTimer, SessionTimer};
use tokio::sync::mpsc;

use crate::call::{emit, end, CallState, Calls, Entry};
use crate::event::SipEvent;
use crate::screen::{forward_contact, Screening};
use crate::sdp;
use crate::SipError;

/// What the agent does with a ringing call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// 486 Busy Here.
    Busy,
    /// 603 Decline.
    Decline,
}

/// Takes a new INVITE: creates the dialog, rings, and reports the call.
pub(crate) fn take(
    layer: &DialogLayer,
    calls: &Calls,
    events: &mpsc::UnboundedSender<SipEvent>,
    states: DialogStateSender,
    local: SocketAddr,
    mut tx: Transaction,
) {
    let request = &tx.original;
    let call_id = request
        .call_id_header()
        .map(|h| h.value().to_owned())
        .unwrap_or_default();
    let (from, user, display_name) = match request.from_header().and_then(|h| h.typed()) {
        Ok(f) => (
            f.uri.to_string(),
            f.uri
                .auth
                .as_ref()
                .map(|a| a.user.clone())
                .unwrap_or_default(),
            f.display_name.clone().filter(|n| !n.is_empty()),
        ),
        Err(_) => (String::new(), String::new(), None),
    };
    // Refused or forwarded before it rings; an INVITE with Replaces continues a call the
    // agent already has and is never screened.
    let screening = if replaces_header(request).is_some() {
        Screening::Ring
    } else {
        calls.2.judge(&user, display_name.as_deref())
    };
    let (status, reason, forwarded_to) = match screening {
        Screening::Ring => (0, String::new(), None),
        Screening::Forward { to, reason } => {
            let domain = request
                .to_header()
                .ok()
                .and_then(|h| h.typed().ok())
                .map(|t| t.uri.host_with_port.to_string())
                .unwrap_or_else(|| local.to_string());
            let contact = Header::Other("Contact".into(), forward_contact(&to, &domain));
            (302, reason, Some((to, contact)))
        }
        Screening::Refuse { status, reason } => (status, reason, None),
    };
    if status != 0 {
        let (forwarded_to, contact) = forwarded_to.unzip();
        tokio::spawn(async move {
            match contact {
                Some(contact) => {
                    tx.reply_with(StatusCode::MovedTemporarily, vec![contact], None)
                        .await
                }
                None => tx.reply(StatusCode::from(status)).await,
            }
        });
        let _ = events.send(SipEvent::Screened {
            call: call_id,
            user,
            display_name,
            status,
            reason,
            forwarded_to,
        });
        return;
    }
    // RFC 3261 §13.3.1.1: an offer we cannot answer (no codec in common, not SDP) is refused
    // with 488 at once rather than ringing a call the agent could never answer.
    if !sdp::acceptable(&String::from_utf8_lossy(&request.body), calls.order()) {
        tokio::spawn(async move { tx.reply(StatusCode::NotAcceptableHere).await });
        return;
    }
    // RFC 4028 §8.1: an interval below our minimum is refused with 422 and our Min-SE.
    let timer = SessionTimer::for_callee(
        crate::session::session_expires(&request.headers),
        crate::session::supports_timer(&request.headers),
        crate::session::now(),
    );
    if let CalleeTimer::TooSmall { min_se } = timer {
        tokio::spawn(async move {
            let min_se = Header::Other("Min-SE".into(), min_se.to_string());
            tx.reply_with(StatusCode::SessionIntervalTooSmall, vec![min_se], None)
                .await
        });
        return;
    }
    // Our Contact: where the INVITE came in (over TCP or TLS, our end of that connection, so
    // that the caller's BYE comes back through it).
    let contact = match tx.connection.as_ref().map(|c| c.get_addr()) {
        Some(addr)
            if matches!(
                addr.r#type,
                Some(
                    rsipstack::sip::transport::Transport::Tcp
                        | rsipstack::sip::transport::Transport::Tls
                )
            ) =>
        {
            Uri::try_from(
                format!(
                    "sip:{};transport={}",
                    addr.addr,
                    addr.r#type
                        .map_or_else(String::new, |t| t.to_string().to_ascii_lowercase())
                )
                .as_str(),
            )
            .ok()
        }
        _ => Uri::try_from(format!("sip:{local}").as_str()).ok(),
    };
    let dialog = match layer.get_or_create_server_invite(&tx, states, None, contact) {
        Ok(d) => d,
        Err(e) => {
            tracing::debug!("cannot take the INVITE: {e}");
            tokio::spawn(async move { tx.reply(StatusCode::ServerInternalError).await });
            return;
        }
    };
    let media = match crate::call::bind_pair(local.ip()) {
        Ok(m) => m,
        Err(e) => {
            tracing::warn!("no audio port for an incoming call: {e}");
            tokio::spawn(async move { tx.reply(StatusCode::ServiceUnavailable).await });
            return;
        }
    };
    // RFC 3891: an INVITE with Replaces takes over one of our answered calls (an attended
    // transfer ending here); one that matches nothing gets 481.
    let replaces = match replaces_header(request) {
        None => None,
        Some(value) => match replaced_call(calls, &value) {
            Some(old) => Some(old),
            None => {
                tokio::spawn(
                    async move { tx.reply(StatusCode::CallTransactionDoesNotExist).await },
                );
                return;
            }
        },
    };
    let context = call_context(request);
    let mut entry = Entry::new(Some(dialog.clone()), media, from.clone(), calls.order());
    entry.ringing = true;
    entry.local_user = request.uri.auth.as_ref().map(|a| a.user.clone());
    if let CalleeTimer::Run(answer, timer) = timer {
        entry.timer = Some(timer);
        entry.timer_answer = Some(answer);
    }
    calls.with(|c| c.insert(call_id.clone(), entry));
    let mut handler = dialog.clone();
    tokio::spawn(async move {
        if let Err(e) = handler.handle(&mut tx).await {
            tracing::debug!("incoming INVITE transaction: {e}");
        }
    });
    if let Err(e) = dialog.ringing(None, None) {
        tracing::debug!("180 not sent: {e}");
    }
    emit(
        events,
        &call_id,
        CallState::Incoming {
            from,
            user,
            display_name,
            replaces: replaces.clone(),
            context,
        },
    );
    if let Some(old) = replaces {
        if let Err(e) = accept(calls, &call_id, local) {
            tracing::warn!(call = %call_id, "the replacing call could not be answered: {e}");
            return;
        }
        let id = calls.with(|c| {
            c.get_mut(&old).and_then(|e| {
                e.ending = Some(EndReason::Transferred);
                e.confirmed.clone()
            })
        });
        if let Some(rsipstack::dialog::dialog::Dialog::Invite(d)) =
            id.and_then(|id| layer.get_dialog(&id))
        {
            tokio::spawn(async move { d.hangup().await });
        }
    }
}

/// The call's context from the INVITE's headers.
fn call_context(request: &rsipstack::sip::Request) -> switchboard_core::CallContext {
    let pairs: Vec<(String, String)> = request
        .headers
        .iter()
        .map(|h| {
            let text = h.to_string();
            let value = text
                .split_once(':')
                .map_or("", |(_, v)| v.trim())
                .to_owned();
            (h.name().to_owned(), value)
        })
        .collect();
    let own = request.uri.auth.as_ref().map(|a| a.user.as_str());
    switchboard_core::CallContext::from_headers(
        pairs.iter().map(|(n, v)| (n.as_str(), v.as_str())),
        own,
    )
}

/// The Replaces header's value, if the request has one.
fn replaces_header(request: &rsipstack::sip::Request) -> Option<String> {
    request.headers.iter().find_map(|h| match h {
        Header::Replaces(r) => Some(r.value().to_owned()),
        Header::Other(name, value) if name.eq_ignore_ascii_case("replaces") => Some(value.clone()),
        _ => None,
    })
}

/// The answered call a Replaces value names: `call-id;to-tag=OURS;from-tag=THEIRS`
/// (RFC 3891 §3: tags as seen by us, the recipient).
fn replaced_call(calls: &Calls, value: &str) -> Option<String> {
    let mut parts = value.split(';').map(str::trim);
    let call_id = parts.next()?.to_owned();
    let (mut to_tag, mut from_tag) = (None, None);
    for p in parts {
        match p.split_once('=') {
            Some((k, v)) if k.eq_ignore_ascii_case("to-tag") => to_tag = Some(v.to_owned()),
            Some((k, v)) if k.eq_ignore_ascii_case("from-tag") => from_tag = Some(v.to_owned()),
            _ => {}
        }
    }
    let (to_tag, from_tag) = (to_tag?, from_tag?);
    calls.with(|c| {
        c.iter()
            .find(|(_, e)| {
                e.confirmed.as_ref().is_some_and(|id| {
                    id.call_id == call_id && id.local_tag == to_tag && id.remote_tag == from_tag
                })
            })
            .map(|(k, _)| k.clone())
    })
}

/// Answers a ringing incoming call.
pub(crate) fn accept(calls: &Calls, call: &str, local: SocketAddr) -> Result<(), SipError> {
    let (dialog, local, timer) = calls
        .with(|c| {
            c.get_mut(call).and_then(|e| {
                let dialog = e.incoming.clone()?;
                Some((dialog, e.next_sdp(local.ip()), e.timer_answer))
            })
        })
        .ok_or_else(|| SipError::NoSuchCall(call.to_owned()))?;
    let offer = String::from_utf8_lossy(&dialog.initial_request().body).into_owned();
    let Some(sdp) = sdp::answer(&offer, &local, false) else {
        // RFC 3264 §6: no common codec; the call cannot be answered.
        dialog
            .reject(Some(StatusCode::NotAcceptableHere), None)
            .map_err(|e| SipError::Stack(e.to_string()))?;
        return Err(SipError::Stack(
            "no codec in common with the caller (488 sent)".into(),
        ));
    };
    let mut headers = vec![Header::ContentType("application/sdp".into())];
    headers.extend(
        timer
            .map(crate::session::answer_headers)
            .unwrap_or_default(),
    );
    // A late offer (no SDP in the INVITE) gets our offer here and its answer in the ACK
    // (RFC 3261 §13.2.1), read when the ACK confirms the dialog.
    calls.with(|c| {
        if let Some(e) = c.get_mut(call) {
            e.answer_sdp = Some(sdp.clone());
        }
    });
    dialog
        .accept(Some(headers), Some(sdp.into_bytes()))
        .map_err(|e| SipError::Stack(e.to_string()))
}

/// Refuses a ringing incoming call.
pub(crate) fn reject(
    calls: &Calls,
    events: &mpsc::UnboundedSender<SipEvent>,
    call: &str,
    how: Refusal,
) -> Result<(), SipError> {
    // The ending is known before the stack reports the dialog's end, whichever comes first.
    let dialog = calls
        .with(|c| {
            c.get_mut(call).and_then(|e| {
                e.ending = Some(EndReason::Rejected);
                e.incoming.clone()
            })
        })
        .ok_or_else(|| SipError::NoSuchCall(call.to_owned()))?;
    let status = match how {
        Refusal::Busy => StatusCode::BusyHere,
        Refusal::Decline => StatusCode::Decline,
    };
    dialog
        .reject(Some(status), None)
        .map_err(|e| SipError::Stack(e.to_string()))?;
    end(calls, events, call, EndReason::Rejected);
    Ok(())
}
