//! Hold and resume (RFC 3264 §8.4): a re-INVITE offering sendonly, then sendrecv; and the
//! answers to the other side's re-INVITEs and other in-dialog requests, so that none of them
//! is left to the stack's default reply.

use std::net::IpAddr;

use rsipstack::dialog::dialog::{Dialog, TransactionHandle};
use rsipstack::dialog::dialog_layer::DialogLayer;
use rsipstack::dialog::DialogId;
use rsipstack::sip::{Header, Method, Request, StatusCode, StatusCodeKind};
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
    let (id, local) = calls
        .with(|c| {
            c.get_mut(call)
                .and_then(|e| Some((e.confirmed.clone()?, e.next_sdp(ip))))
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
    let response = dialog
        .reinvite_with_glare_retry(
            Some(vec![Header::ContentType("application/sdp".into())]),
            Some(sdp::offer(&local, direction).into_bytes()),
            GLARE_ATTEMPTS,
        )
        .await
        .map_err(|e| SipError::Stack(e.to_string()))?;
    match response {
        Some(r) if r.status_code.kind() == StatusCodeKind::Successful => {
            let held = sdp::direction(&String::from_utf8_lossy(&r.body));
            let remote_holds = matches!(held, Direction::SendOnly | Direction::Inactive);
            let state = calls.with(|c| {
                c.get_mut(call).map(|e| {
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
                handle
                    .respond(
                        StatusCode::OK,
                        Some(vec![Header::ContentType("application/sdp".into())]),
                        Some(answer.into_bytes()),
                    )
                    .await
            }
            None => handle.reply(StatusCode::NotAcceptableHere).await,
        }
    } else {
        handle.reply(StatusCode::OK).await
    };
    if outcome.is_err() {
        tracing::debug!(call = %id.call_id, "in-dialog reply not sent: the transaction is gone");
    }
}
