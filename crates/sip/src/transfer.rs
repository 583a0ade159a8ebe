//! Blind transfer (RFC 3515): the caller is held, then sent a REFER to the target; the
//! NOTIFYs carry the target's answer as a sipfrag. On success we hang up our leg (RFC 5589
//! §6.1); on failure the caller stays on hold with us and the agent can resume.

use std::net::IpAddr;

use rsipstack::dialog::dialog::Dialog;
use rsipstack::dialog::dialog_layer::DialogLayer;
use rsipstack::sip::{Request, StatusCodeKind};
use switchboard_core::call::EndReason;
use tokio::sync::mpsc;

use crate::call::{emit, CallState, Calls};
use crate::event::SipEvent;
use crate::{hold, SipError};

/// Transfers an answered `call` to `target` (a `sip:` address).
pub(crate) async fn blind(
    layer: &DialogLayer,
    calls: &Calls,
    events: &mpsc::UnboundedSender<SipEvent>,
    call: &str,
    target: String,
    ip: IpAddr,
) -> Result<(), SipError> {
    let refer_to = format!("<{target}>");
    refer(layer, calls, events, call, target, refer_to, ip).await
}

/// Percent-encodes what a URI header value may not hold as is (RFC 3261 §19.1.1).
fn escape(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z'
            | b'a'..=b'z'
            | b'0'..=b'9'
            | b'-'
            | b'_'
            | b'.'
            | b'!'
            | b'~'
            | b'*'
            | b'\''
            | b'('
            | b')' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Attended transfer (RFC 3891 §7): refers the held `call` to the party of the answered
/// `consult` call, asking it to replace the consult dialog (tags as the target sees them:
/// its tag is our remote tag).
pub(crate) async fn attended(
    layer: &DialogLayer,
    calls: &Calls,
    events: &mpsc::UnboundedSender<SipEvent>,
    call: &str,
    consult: &str,
    ip: IpAddr,
) -> Result<(), SipError> {
    let (id, target) = calls
        .with(|c| {
            c.get(consult)
                .and_then(|e| Some((e.confirmed.clone()?, e.remote.clone())))
        })
        .ok_or_else(|| SipError::NoSuchCall(consult.to_owned()))?;
    let replaces = format!(
        "{};to-tag={};from-tag={}",
        id.call_id, id.remote_tag, id.local_tag
    );
    let refer_to = format!("<{target}?Replaces={}>", escape(&replaces));
    refer(layer, calls, events, call, target, refer_to, ip).await
}

/// Holds `call` if needed and sends the REFER.
async fn refer(
    layer: &DialogLayer,
    calls: &Calls,
    events: &mpsc::UnboundedSender<SipEvent>,
    call: &str,
    target: String,
    refer_to: String,
    ip: IpAddr,
) -> Result<(), SipError> {
    let holding = calls
        .with(|c| c.get(call).map(|e| e.holding))
        .ok_or_else(|| SipError::NoSuchCall(call.to_owned()))?;
    if !holding {
        hold::set_hold(layer, calls, events, call, ip, true).await?;
    }
    let dialog = calls
        .with(|c| {
            c.get_mut(call).and_then(|e| {
                e.transfer = Some(target.clone());
                e.confirmed.clone()
            })
        })
        .and_then(|id| layer.get_dialog(&id))
        .ok_or_else(|| SipError::NoSuchCall(call.to_owned()))?;
    emit(events, call, CallState::Transferring { to: target.clone() });
    let Dialog::Invite(dialog) = dialog else {
        return Err(SipError::NoSuchCall(call.to_owned()));
    };
    let response = dialog
        .refer(refer_to, None, None)
        .await
        .map_err(|e| SipError::Stack(e.to_string()));
    let refused = match response {
        Ok(Some(r)) if r.status_code.kind() == StatusCodeKind::Successful => {
            // From now on the call ends as transferred, whichever side hangs up first
            // (RFC 5589 lets the transferee send its BYE); a failure NOTIFY takes it back.
            calls.with(|c| {
                c.get_mut(call)
                    .map(|e| e.ending = Some(EndReason::Transferred))
            });
            return Ok(());
        }
        Ok(Some(r)) => r.status_code.code(),
        Ok(None) => 0,
        Err(e) => {
            failed(calls, events, call, 0);
            return Err(e);
        }
    };
    failed(calls, events, call, refused);
    Err(SipError::Refused { status: refused })
}

/// The transfer of `call` failed with `status`: it is still on hold here.
fn failed(calls: &Calls, events: &mpsc::UnboundedSender<SipEvent>, call: &str, status: u16) {
    let known = calls.with(|c| {
        c.get_mut(call)
            .map(|e| {
                e.transfer = None;
                e.ending = None;
            })
            .is_some()
    });
    if known {
        let _ = events.send(SipEvent::TransferFailed {
            call: call.to_owned(),
            status,
        });
        emit(events, call, CallState::OnHold);
    }
}

/// A NOTIFY about our REFER: on the final 2xx, hang up our leg; on a final failure, report.
pub(crate) async fn notified(
    layer: &DialogLayer,
    calls: &Calls,
    events: &mpsc::UnboundedSender<SipEvent>,
    call: &str,
    request: &Request,
) {
    let pending = calls.with(|c| c.get(call).is_some_and(|e| e.transfer.is_some()));
    let Some(status) = sipfrag_status(&request.body).filter(|_| pending) else {
        return;
    };
    match status {
        100..=199 => {}
        200..=299 => {
            let id = calls.with(|c| {
                c.get_mut(call).and_then(|e| {
                    e.ending = Some(EndReason::Transferred);
                    e.confirmed.clone()
                })
            });
            if let Some(Dialog::Invite(d)) = id.and_then(|id| layer.get_dialog(&id)) {
                if let Err(e) = d.hangup().await {
                    tracing::warn!(call, "BYE after the transfer failed: {e}");
                }
            }
        }
        _ => failed(calls, events, call, status),
    }
}

/// The status of a `message/sipfrag` body (RFC 3420): its first line, `SIP/2.0 404 Not Found`
/// (peers end it with CRLF or a bare LF).
fn sipfrag_status(body: &[u8]) -> Option<u16> {
    let text = std::str::from_utf8(body).ok()?;
    let mut words = text.lines().next()?.split_whitespace();
    words.next().filter(|v| v.eq_ignore_ascii_case("SIP/2.0"))?;
    words
        .next()?
        .parse()
        .ok()
        .filter(|code| (100..700).contains(code))
}

#[cfg(test)]
mod tests {
    use super::sipfrag_status;

    #[test]
    fn sipfrag_status_lines() {
        assert_eq!(sipfrag_status(b"SIP/2.0 100 Trying\n"), Some(100));
        assert_eq!(
            sipfrag_status(b"SIP/2.0 200 OK\r\nContent-Length: 0\r\n"),
            Some(200)
        );
        assert_eq!(sipfrag_status(b"SIP/2.0 404 Not Found"), Some(404));
        for bad in [
            &b""[..],
            b"HTTP/1.1 200 OK",
            b"SIP/2.0 abc",
            b"SIP/2.0 999 x",
            b"\xff\xfe",
        ] {
            assert_eq!(sipfrag_status(bad), None);
        }
    }
}
