//! Session timers on live calls (RFC 4028): our INVITEs ask for one, our answers agree to the
//! caller's, and a task per call refreshes the session with a re-INVITE at half the interval
//! when we are the refresher, or ends the call with BYE when the other side's refresh never
//! comes. The timing rules are `switchboard_core::session_timer`'s.

use std::net::IpAddr;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use rsipstack::dialog::dialog::Dialog;
use rsipstack::dialog::dialog_layer::DialogLayer;
use rsipstack::sip::{Header, Headers, StatusCodeKind};
use switchboard_core::call::EndReason;
use switchboard_core::session_timer::{
    Refresher, SessionExpires, SessionTimer, TimerAction, MIN_SE, PREFERRED_SE,
};

use crate::call::Calls;
use crate::sdp::{self, Direction};

/// How many times a refresh is sent again after 491 (glare, RFC 3261 §14.1).
const GLARE_ATTEMPTS: usize = 3;

/// The session timers' clock: time since the first call to it.
pub(crate) fn now() -> Duration {
    static ORIGIN: OnceLock<Instant> = OnceLock::new();
    ORIGIN.get_or_init(Instant::now).elapsed()
}

/// The value of the first header named `name` (or its compact form `compact`).
pub(crate) fn header(headers: &Headers, name: &str, compact: Option<&str>) -> Option<String> {
    headers.iter().find_map(|h| {
        let line = h.to_string();
        let (n, v) = line.split_once(':')?;
        let n = n.trim();
        (n.eq_ignore_ascii_case(name) || compact.is_some_and(|c| n.eq_ignore_ascii_case(c)))
            .then(|| v.trim().to_owned())
    })
}

/// Whether the headers list `timer` in a Supported header.
pub(crate) fn supports_timer(headers: &Headers) -> bool {
    headers.iter().any(|h| {
        let line = h.to_string();
        line.split_once(':').is_some_and(|(n, v)| {
            let n = n.trim();
            (n.eq_ignore_ascii_case("supported") || n.eq_ignore_ascii_case("k"))
                && v.split(',').any(|t| t.trim().eq_ignore_ascii_case("timer"))
        })
    })
}

/// The `Session-Expires` of a message, if it has a valid one.
pub(crate) fn session_expires(headers: &Headers) -> Option<SessionExpires> {
    header(headers, "session-expires", Some("x")).and_then(|v| SessionExpires::parse(&v))
}

/// What an INVITE of ours carries (RFC 4028 §7.1): support for timers and the interval we
/// ask for, at least `min_se` (raised after a 422).
pub(crate) fn invite_headers(min_se: u32) -> Vec<Header> {
    let delta = PREFERRED_SE.max(min_se);
    vec![
        Header::Supported("timer".into()),
        Header::SessionExpires(delta.to_string().into()),
        Header::Other("Min-SE".into(), min_se.max(MIN_SE).to_string()),
    ]
}

/// What our 2xx to a request that asked for a session timer carries (RFC 4028 §9): the
/// interval and refresher, and `Require: timer` when the caller refreshes.
pub(crate) fn answer_headers(se: SessionExpires) -> Vec<Header> {
    let mut headers = vec![Header::SessionExpires(se.to_string().into())];
    if se.refresher == Some(Refresher::Uac) {
        headers.push(Header::Require("timer".into()));
    }
    headers
}

/// Runs `call`'s session timer until the call or its timer is gone.
pub(crate) fn start(layer: std::sync::Arc<DialogLayer>, calls: Calls, call: String, ip: IpAddr) {
    tokio::spawn(async move {
        loop {
            let due = calls.with(|c| c.get(&call).and_then(|e| e.timer.map(|t| t.due())));
            let Some(due) = due else { return };
            tokio::time::sleep(due.saturating_sub(now())).await;
            let action = calls.with(|c| {
                c.get_mut(&call)
                    .and_then(|e| e.timer.as_mut())
                    .and_then(|t| t.handle_timeout(now()))
            });
            match action {
                // Refreshed meanwhile: the deadline moved on.
                None => {}
                Some(TimerAction::Refresh) => refresh(&layer, &calls, &call, ip).await,
                Some(TimerAction::Expire) => {
                    tracing::info!(call = %call, "session expired without refresh: hanging up");
                    expire(&layer, &calls, &call).await;
                    return;
                }
            }
        }
    });
}

/// Sends the refresh re-INVITE: the same SDP (same version: nothing changed, RFC 3264 §8)
/// with our `Session-Expires`.
async fn refresh(layer: &DialogLayer, calls: &Calls, call: &str, ip: IpAddr) {
    let prepared = calls.with(|c| {
        let e = c.get(call)?;
        Some((
            e.confirmed.clone()?,
            e.same_sdp(ip),
            e.holding,
            e.timer?.refresh_header(),
        ))
    });
    let Some((id, local, holding, se)) = prepared else {
        return;
    };
    let Some(Dialog::Invite(dialog)) = layer.get_dialog(&id) else {
        return;
    };
    let direction = if holding {
        Direction::SendOnly
    } else {
        Direction::SendRecv
    };
    let headers = vec![
        Header::ContentType("application/sdp".into()),
        Header::Supported("timer".into()),
        Header::SessionExpires(se.to_string().into()),
    ];
    let response = dialog
        .reinvite_with_glare_retry(
            Some(headers),
            Some(sdp::offer(&local, direction).into_bytes()),
            GLARE_ATTEMPTS,
        )
        .await;
    match response {
        Ok(Some(r)) if r.status_code.kind() == StatusCodeKind::Successful => {
            let answered = session_expires(&r.headers);
            calls.with(|c| {
                if let Some(t) = c.get_mut(call).and_then(|e| e.timer.as_mut()) {
                    t.refreshed(now(), answered, true);
                }
            });
            tracing::debug!(call, "session refreshed");
        }
        // RFC 3261 §14.1: 481 or 408 to a re-INVITE ends the dialog.
        Ok(Some(r)) if matches!(r.status_code.code(), 408 | 481) => {
            expire(layer, calls, call).await;
        }
        // Any other failure: the session runs to its end, when the timer ends the call.
        other => {
            let status = other.ok().flatten().map(|r| r.status_code.code());
            tracing::info!(call, ?status, "session refresh failed");
        }
    }
}

/// Ends a call whose session expired: BYE, reported as a lost connection.
async fn expire(layer: &DialogLayer, calls: &Calls, call: &str) {
    let id = calls.with(|c| {
        c.get_mut(call).and_then(|e| {
            e.ending = Some(EndReason::Lost);
            e.confirmed.clone()
        })
    });
    if let Some(Dialog::Invite(d)) = id.and_then(|id| layer.get_dialog(&id)) {
        if let Err(e) = d.hangup().await {
            tracing::debug!(call, "BYE after the session expired: {e}");
        }
    }
}

/// The timer for a call we placed, from the 2xx's headers.
pub(crate) fn for_caller(headers: &Headers) -> Option<SessionTimer> {
    SessionTimer::for_caller(session_expires(headers), now())
}
