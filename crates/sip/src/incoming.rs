//! Incoming calls: ring (180), then answer (200 with our SDP answer, RFC 3264) or reject
//! (486 busy, 603 decline). A caller who gives up (CANCEL) ends the call as missed.

use std::net::{SocketAddr, UdpSocket};

use rsipstack::dialog::dialog::DialogStateSender;
use rsipstack::dialog::dialog_layer::DialogLayer;
use rsipstack::sip::prelude::{HeadersExt, ToTypedHeader};
use rsipstack::sip::{Header, StatusCode, Uri};
use rsipstack::transaction::transaction::Transaction;
use switchboard_core::call::EndReason;
use tokio::sync::mpsc;

use crate::call::{emit, end, offer, CallState, Calls, Entry};
use crate::event::SipEvent;
use crate::SipError;

/// What the agent does with a ringing call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// 486 Busy Here.
    Busy,
    /// 603 Decline.
    Decline,
}

/// Payload types we can answer with, best first: PCMU, PCMA.
const AUDIO: [&str; 2] = ["0", "8"];

/// Our answer to `remote` (an SDP offer), or our own offer when the INVITE had none
/// (late offer, RFC 3261 §13.2.1). None when no codec is common.
pub(crate) fn answer(remote: &str, local: SocketAddr, port: u16) -> Option<String> {
    let session = u64::from(port) << 16 | u64::from(local.port());
    let Some(media) = remote.lines().find(|l| l.starts_with("m=audio ")) else {
        return Some(offer(local.ip(), port, session));
    };
    let formats: Vec<&str> = media.split_whitespace().skip(3).collect();
    let codec = AUDIO.iter().find(|c| formats.contains(c))?;
    let events = remote
        .lines()
        .filter_map(|l| l.strip_prefix("a=rtpmap:"))
        .find(|l| l.to_ascii_lowercase().contains("telephone-event/8000"))
        .and_then(|l| l.split_whitespace().next())
        .filter(|pt| formats.contains(pt));
    let ip = local.ip();
    let family = if ip.is_ipv6() { "IP6" } else { "IP4" };
    let name = if *codec == "0" { "PCMU" } else { "PCMA" };
    let mut sdp = format!(
        "v=0\r\no=switchboard {session} {session} IN {family} {ip}\r\ns=Switchboard\r\n\
         c=IN {family} {ip}\r\nt=0 0\r\nm=audio {port} RTP/AVP {codec}{}\r\n\
         a=rtpmap:{codec} {name}/8000\r\n",
        events.map(|pt| format!(" {pt}")).unwrap_or_default()
    );
    if let Some(pt) = events {
        sdp.push_str(&format!(
            "a=rtpmap:{pt} telephone-event/8000\r\na=fmtp:{pt} 0-16\r\n"
        ));
    }
    sdp.push_str("a=ptime:20\r\na=sendrecv\r\n");
    Some(sdp)
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
    let contact = Uri::try_from(format!("sip:{local}").as_str()).ok();
    let dialog = match layer.get_or_create_server_invite(&tx, states, None, contact) {
        Ok(d) => d,
        Err(e) => {
            tracing::debug!("cannot take the INVITE: {e}");
            tokio::spawn(async move { tx.reply(StatusCode::ServerInternalError).await });
            return;
        }
    };
    let media = match UdpSocket::bind((local.ip(), 0)) {
        Ok(m) => m,
        Err(e) => {
            tracing::warn!("no audio port for an incoming call: {e}");
            tokio::spawn(async move { tx.reply(StatusCode::ServiceUnavailable).await });
            return;
        }
    };
    calls.with(|c| {
        c.insert(
            call_id.clone(),
            Entry {
                incoming: Some(dialog.clone()),
                early: None,
                confirmed: None,
                ringing: true,
                media,
            },
        )
    });
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
        },
    );
}

/// Answers a ringing incoming call.
pub(crate) fn accept(calls: &Calls, call: &str, local: SocketAddr) -> Result<(), SipError> {
    let (dialog, port) = calls
        .with(|c| {
            c.get(call).and_then(|e| {
                let port = e.media.local_addr().ok()?.port();
                Some((e.incoming.clone()?, port))
            })
        })
        .ok_or_else(|| SipError::NoSuchCall(call.to_owned()))?;
    let offer = String::from_utf8_lossy(&dialog.initial_request().body).into_owned();
    let Some(sdp) = answer(&offer, local, port) else {
        // RFC 3264 §6: no common codec; the call cannot be answered.
        dialog
            .reject(Some(StatusCode::NotAcceptableHere), None)
            .map_err(|e| SipError::Stack(e.to_string()))?;
        return Err(SipError::Stack(
            "no codec in common with the caller (488 sent)".into(),
        ));
    };
    dialog
        .accept(
            Some(vec![Header::ContentType("application/sdp".into())]),
            Some(sdp.into_bytes()),
        )
        .map_err(|e| SipError::Stack(e.to_string()))
}

/// Refuses a ringing incoming call.
pub(crate) fn reject(
    calls: &Calls,
    events: &mpsc::UnboundedSender<SipEvent>,
    call: &str,
    how: Refusal,
) -> Result<(), SipError> {
    let dialog = calls
        .with(|c| c.get(call).and_then(|e| e.incoming.clone()))
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

#[cfg(test)]
mod tests {
    use super::*;

    fn local() -> SocketAddr {
        "127.0.0.1:5062".parse().expect("addr")
    }

    #[test]
    fn the_answer_picks_a_common_codec_and_keeps_telephone_events() {
        let offer = "v=0\r\nc=IN IP4 127.0.0.1\r\nm=audio 4000 RTP/AVP 8 0 96\r\n\
                     a=rtpmap:96 telephone-event/8000\r\n";
        let sdp = answer(offer, local(), 30000).expect("answer");
        assert!(sdp.contains("m=audio 30000 RTP/AVP 0 96\r\n"), "{sdp}");
        assert!(sdp.contains("a=rtpmap:96 telephone-event/8000"), "{sdp}");
        assert!(sdp.contains("c=IN IP4 127.0.0.1"), "{sdp}");
        let alaw = "m=audio 4000 RTP/AVP 8\r\n";
        let sdp = answer(alaw, local(), 30000).expect("answer");
        assert!(sdp.contains("m=audio 30000 RTP/AVP 8\r\n"), "{sdp}");
        assert!(!sdp.contains("telephone-event"), "{sdp}");
    }

    #[test]
    fn no_common_codec_gives_no_answer_and_no_offer_gives_ours() {
        assert_eq!(
            answer("m=audio 4000 RTP/AVP 9 18\r\n", local(), 30000),
            None
        );
        let late = answer("", local(), 30000).expect("offer");
        assert!(late.contains("m=audio 30000 RTP/AVP 0 8 101"), "{late}");
    }
}
