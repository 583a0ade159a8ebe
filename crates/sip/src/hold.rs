//! Hold and resume (RFC 3264 §8.4): a re-INVITE offering sendonly, then sendrecv; and the
//! answers to the other side's re-INVITEs and other in-dialog requests, so that none of them
//! is left to the stack's default reply.

use std::net::IpAddr;

use rsipstack::dialog::dialog::{Dialog, TransactionHandle};
use rsipstack::dialog::dialog_layer::DialogLayer;
use rsipstack::dialog::DialogId;
use rsipstack::sip::{Header, Method, Request, StatusCode, StatusCodeKind};
use switchboard_core::session_timer::{CalleeTimer, SessionTimer};
use tokio::sync::mpsc;

use crate::call::{emit, CallState, Calls};
use crate::event::SipEvent;
use crate::sdp::{self, Direction};
use crate::SipError;

/// How many times a re-INVITE is sent again after 491 (glare, RFC 3261 §14.1).
const GLARE_ATTEMPTS: usize = 3;

/// The state to show for a call from who holds it.
fn shown(holding: bool, held: bool) -> CallState {
    match (holding, held) {
        (true, _) => CallState::OnHold,
        (false, true) => CallState::HeldByRemote,
        (false, false) => CallState::Connected,
    }
}

/// Puts an answered call on hold (`hold`) or resumes it.
pub(crate) async fn set_hold(
    layer: &DialogLayer,
    calls: &Calls,
    events: &mpsc::UnboundedSender<SipEvent>,
    call: &str,
    ip: IpAddr,
    hold: bool,
) -> Result<(), SipError> {
    let (id, local, timer) = calls
        .with(|c| {
            c.get_mut(call).and_then(|e| {
                let timer = e.timer.map(|t| t.refresh_header());
                Some((e.confirmed.clone()?, e.next_sdp(ip), timer))
            })
        })
        .ok_or_else(|| SipError::NoSuchCall(call.to_owned()))?;
    let Some(Dialog::Invite(dialog)) = layer.get_dialog(&id) else {
        return Err(SipError::NoSuchCall(call.to_owned()));
    };
    let direction = if hold {
        Direction::SendOnly
    } else {
        Direction::SendRecv
    };
    // A re-INVITE refreshes the session too (RFC 4028 §7.4).
    let mut headers = vec![Header::ContentType("application/sdp".into())];
    if let Some(se) = timer {
        headers.push(Header::Supported("timer".into()));
        headers.push(Header::SessionExpires(se.to_string().into()));
    }
    let response = dialog
        .reinvite_with_glare_retry(
            Some(headers),
            Some(sdp::offer(&local, direction).into_bytes()),
            GLARE_ATTEMPTS,
        )
        .await
        .map_err(|e| SipError::Stack(e.to_string()))?;
    match response {
        Some(r) if r.status_code.kind() == StatusCodeKind::Successful => {
            let held = sdp::direction(&String::from_utf8_lossy(&r.body));
            let remote_holds = matches!(held, Direction::SendOnly | Direction::Inactive);
            let answered = crate::session::session_expires(&r.headers);
            let state = calls.with(|c| {
                c.get_mut(call).map(|e| {
                    if let Some(t) = e.timer.as_mut() {
                        t.refreshed(crate::session::now(), answered, true);
                    }
                    e.holding = hold;
                    e.held = remote_holds;
                    shown(e.holding, e.held)
                })
            });
            if let Some(state) = state {
                emit(events, call, state);
            }
            Ok(())
        }
        // The call goes on as it was (e.g. 488: the other side refuses hold).
        Some(r) => Err(SipError::Refused {
            status: r.status_code.code(),
        }),
        None => Err(SipError::NoSuchCall(call.to_owned())),
    }
}

/// Answers an in-dialog request the dialog handed over: a re-INVITE gets our answer (and may
/// put us on hold or take us off), anything else 200 (REFER is the transferee's).
pub(crate) async fn answer_request(
    calls: &Calls,
    events: &mpsc::UnboundedSender<SipEvent>,
    id: &DialogId,
    request: &Request,
    handle: TransactionHandle,
    ip: IpAddr,
) {
    // RFC 4028 §9: a re-INVITE or UPDATE refreshes the session; our 2xx says the interval
    // and refresher agreed, and one below our minimum is refused with 422.
    let refresh = if matches!(request.method, Method::Invite | Method::Update) {
        let running = calls.with(|c| c.get(&id.call_id).is_some_and(|e| e.timer.is_some()));
        let asked = crate::session::session_expires(&request.headers);
        match SessionTimer::for_callee(
            asked,
            crate::session::supports_timer(&request.headers),
            crate::session::now(),
        ) {
            CalleeTimer::TooSmall { min_se } => {
                let min_se = Header::Other("Min-SE".into(), min_se.to_string());
                if handle
                    .respond(
                        StatusCode::SessionIntervalTooSmall,
                        Some(vec![min_se]),
                        None,
                    )
                    .await
                    .is_err()
                {
                    tracing::debug!(call = %id.call_id, "422 not sent: the transaction is gone");
                }
                return;
            }
            CalleeTimer::Run(agreed, _) if running => {
                calls.with(|c| {
                    if let Some(t) = c.get_mut(&id.call_id).and_then(|e| e.timer.as_mut()) {
                        t.refreshed(crate::session::now(), Some(agreed), false);
                    }
                });
                crate::session::answer_headers(agreed)
            }
            // A refresh without Session-Expires still shows the other side is there.
            _ => {
                calls.with(|c| {
                    if let Some(t) = c.get_mut(&id.call_id).and_then(|e| e.timer.as_mut()) {
                        t.refreshed(crate::session::now(), None, false);
                    }
                });
                Vec::new()
            }
        }
    } else {
        Vec::new()
    };
    let outcome = if request.method == Method::Invite {
        let offer = String::from_utf8_lossy(&request.body).into_owned();
        let prepared = calls.with(|c| c.get_mut(&id.call_id).map(|e| (e.holding, e.next_sdp(ip))));
        match prepared.and_then(|(holding, local)| sdp::answer(&offer, &local, holding)) {
            Some(answer) => {
                let held = !offer.is_empty()
                    && matches!(
                        sdp::direction(&offer),
                        Direction::SendOnly | Direction::Inactive
                    );
                let changed = calls.with(|c| {
                    c.get_mut(&id.call_id).and_then(|e| {
                        let before = e.held;
                        e.held = held;
                        (before != held).then(|| shown(e.holding, e.held))
                    })
                });
                if let Some(state) = changed {
                    emit(events, &id.call_id, state);
                }
                let mut headers = vec![Header::ContentType("application/sdp".into())];
                headers.extend(refresh);
                handle
                    .respond(StatusCode::OK, Some(headers), Some(answer.into_bytes()))
                    .await
            }
            None => handle.reply(StatusCode::NotAcceptableHere).await,
        }
    } else if !refresh.is_empty() {
        handle.respond(StatusCode::OK, Some(refresh), None).await
    } else {
        handle.reply(StatusCode::OK).await
    };
    if outcome.is_err() {
        tracing::debug!(call = %id.call_id, "in-dialog reply not sent: the transaction is gone");
    }
}
