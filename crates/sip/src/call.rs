//! Outgoing calls: INVITE with an SDP offer (digest authentication on 401/407), ringing,
//! answer, hang-up (BYE) or cancel (CANCEL while ringing), and the end reason of a call that
//! fails. Each step is a [`SipEvent::Call`].

use std::collections::HashMap;
use std::net::{IpAddr, UdpSocket};
use std::sync::{Arc, Mutex, PoisonError};

use rsipstack::dialog::authenticate::Credential;
use rsipstack::dialog::dialog::{Dialog, DialogState, DialogStateReceiver, TerminatedReason};
use rsipstack::dialog::dialog_layer::DialogLayer;
use rsipstack::dialog::invitation::InviteOption;
use rsipstack::dialog::DialogId;
use rsipstack::sip::{StatusCodeKind, Uri};
use serde::Serialize;
use switchboard_core::call::{end_reason_for_status, EndReason};
use switchboard_core::session_timer::{parse_min_se, SessionExpires, SessionTimer, MIN_SE};
use tokio::sync::mpsc;

use crate::account::AccountConfig;
use crate::event::SipEvent;
use crate::sdp::{self, Direction};
use crate::SipError;

/// Where a call stands, as the agent sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum CallState {
    /// The INVITE is on its way.
    Dialing {
        /// The called address.
        to: String,
    },
    /// The far end rings (180, or 183 without SDP).
    Ringing,
    /// The far end plays its own sound before answering (183 with SDP): an announcement or
    /// its ringback.
    EarlyMedia,
    /// A call comes in and rings here (180 sent); answer or reject it.
    Incoming {
        /// The caller's address (`sip:+33123456789@pbx`).
        from: String,
        /// The caller's user part (number or extension), for the screen pop.
        user: String,
        /// The caller's display name, if any.
        display_name: Option<String>,
        /// The call this one replaces (an attended transfer ending here, RFC 3891): it was
        /// answered at once.
        replaces: Option<String>,
        /// What the headers say about why the call came here (dialled number, queue...).
        context: switchboard_core::CallContext,
    },
    /// Answered (200 OK, ACK sent), or resumed.
    Connected,
    /// The agent put the call on hold (the other side answered our sendonly offer).
    OnHold,
    /// The other side put us on hold.
    HeldByRemote,
    /// A blind transfer to `to` is in progress (the caller is on hold meanwhile).
    Transferring {
        /// The target.
        to: String,
    },
    /// Over.
    Ended {
        /// Why.
        #[serde(flatten)]
        reason: EndReason,
    },
}

/// A call in progress.
pub(crate) struct Entry {
    /// The dialog of an incoming call (answered or rejected through it).
    pub(crate) incoming: Option<rsipstack::dialog::invite_dialog::InviteDialog>,
    /// The dialog as first created (to cancel while ringing).
    pub(crate) early: Option<DialogId>,
    /// The dialog once answered (to send BYE).
    pub(crate) confirmed: Option<DialogId>,
    pub(crate) ringing: bool,
    /// The far end sends early media (a provisional answer with SDP).
    pub(crate) early_media: bool,
    /// The other party's address (the called URI, or the caller's From).
    pub(crate) remote: String,
    /// The agent holds this call.
    pub(crate) holding: bool,
    /// The other side holds this call.
    pub(crate) held: bool,
    /// The target of a blind transfer in progress.
    pub(crate) transfer: Option<String>,
    /// Why the call will end, when we know better than the stack (a transfer's BYE).
    pub(crate) ending: Option<EndReason>,
    /// The SDP origin's session id and last version (RFC 3264 §5, §8).
    pub(crate) session: u64,
    pub(crate) version: u64,
    /// The port offered for audio, held so that nobody else takes it before media starts.
    pub(crate) media: UdpSocket,
    /// The next port, for RTCP (RFC 3550 §11).
    pub(crate) rtcp: UdpSocket,
    /// The codecs this call offers and answers with.
    pub(crate) order: sdp::CodecOrder,
    /// The SDP of our 2xx to an incoming call: the answer to its offer, or our offer when
    /// the INVITE had none (late offer).
    pub(crate) answer_sdp: Option<String>,
    /// The id of the account an outgoing call was placed from.
    pub(crate) account: Option<String>,
    /// The user an incoming call was addressed to (which of our accounts it rang).
    pub(crate) local_user: Option<String>,
    /// The session timer (RFC 4028), when the call has one.
    pub(crate) timer: Option<SessionTimer>,
    /// For an incoming call that asked for a session timer: the `Session-Expires` our 2xx
    /// carries.
    pub(crate) timer_answer: Option<SessionExpires>,
}

/// Two neighbouring ports for a call's audio: an even one for RTP and the next for RTCP
/// (RFC 3550 §11), each bound so nobody else takes it.
pub(crate) fn bind_pair(ip: IpAddr) -> std::io::Result<(UdpSocket, UdpSocket)> {
    let mut last = None;
    for _ in 0..32 {
        let rtp = UdpSocket::bind((ip, 0))?;
        let port = rtp.local_addr()?.port();
        if port % 2 != 0 || port == u16::MAX {
            continue;
        }
        match UdpSocket::bind((ip, port + 1)) {
            Ok(rtcp) => return Ok((rtp, rtcp)),
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| std::io::Error::other("no free pair of ports")))
}

/// The calls of the engine, by call id (the SIP Call-ID).
impl Entry {
    pub(crate) fn new(
        incoming: Option<rsipstack::dialog::invite_dialog::InviteDialog>,
        (media, rtcp): (UdpSocket, UdpSocket),
        remote: String,
        order: sdp::CodecOrder,
    ) -> Self {
        let port = media.local_addr().map_or(0, |a| a.port());
        Self {
            incoming,
            early: None,
            confirmed: None,
            ringing: false,
            early_media: false,
            remote,
            holding: false,
            held: false,
            transfer: None,
            ending: None,
            session: u64::from(port) << 32 | u64::from(std::process::id()),
            version: 0,
            media,
            rtcp,
            order,
            answer_sdp: None,
            account: None,
            local_user: None,
            timer: None,
            timer_answer: None,
        }
    }

    /// Our side of the session as last sent (for a refresh that changes nothing).
    pub(crate) fn same_sdp(&self, ip: IpAddr) -> sdp::Local {
        sdp::Local {
            ip,
            port: self.media.local_addr().map_or(0, |a| a.port()),
            session: self.session,
            version: self.version,
            order: self.order,
        }
    }

    /// Our side of the next offer or answer (its version one higher).
    pub(crate) fn next_sdp(&mut self, ip: IpAddr) -> sdp::Local {
        self.version += 1;
        sdp::Local {
            ip,
            port: self.media.local_addr().map_or(0, |a| a.port()),
            session: self.session,
            version: self.version,
            order: self.order,
        }
    }
}

impl std::fmt::Debug for Entry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Entry")
            .field("incoming", &self.incoming.is_some())
            .field("early", &self.early)
            .field("confirmed", &self.confirmed)
            .finish()
    }
}

#[derive(Debug, Default, Clone)]
pub(crate) struct Calls(
    Arc<Mutex<HashMap<String, Entry>>>,
    Arc<Mutex<sdp::CodecOrder>>,
    pub(crate) crate::screen::Screener,
);

impl Calls {
    /// The codecs new calls offer and answer with.
    pub(crate) fn order(&self) -> sdp::CodecOrder {
        *self.1.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Changes them (for calls to come).
    pub(crate) fn set_order(&self, order: sdp::CodecOrder) {
        *self.1.lock().unwrap_or_else(PoisonError::into_inner) = order;
    }

    pub(crate) fn with<T>(&self, f: impl FnOnce(&mut HashMap<String, Entry>) -> T) -> T {
        f(&mut self.0.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

/// Why a call ended; `incoming` says which side we are (the stack names UAC and UAS).
fn reason(reason: &TerminatedReason, incoming: bool) -> EndReason {
    match reason {
        TerminatedReason::UacBye if incoming => EndReason::RemoteHungUp,
        TerminatedReason::UasBye if incoming => EndReason::HungUp,
        TerminatedReason::UacCancel if incoming => EndReason::RemoteCancelled,
        TerminatedReason::UacBye => EndReason::HungUp,
        TerminatedReason::UasBye => EndReason::RemoteHungUp,
        TerminatedReason::UacCancel => EndReason::Cancelled,
        TerminatedReason::UacBusy | TerminatedReason::UasBusy => EndReason::Busy,
        TerminatedReason::UasDecline => EndReason::Declined,
        TerminatedReason::Timeout => EndReason::NoAnswer,
        TerminatedReason::ProxyAuthRequired => EndReason::Refused,
        TerminatedReason::ProxyError(s)
        | TerminatedReason::UacOther(s)
        | TerminatedReason::UasOther(s) => end_reason_for_status(s.code()),
    }
}

pub(crate) fn emit(events: &mpsc::UnboundedSender<SipEvent>, call: &str, state: CallState) {
    // Nobody listening any more only means the engine is shutting down.
    let _ = events.send(SipEvent::Call {
        call: call.to_owned(),
        state,
    });
}

/// Ends `call` once: the first of the dialog's end and the INVITE's outcome reports it.
pub(crate) fn end(
    calls: &Calls,
    events: &mpsc::UnboundedSender<SipEvent>,
    call: &str,
    why: EndReason,
) {
    if calls.with(|c| c.remove(call)).is_some() {
        emit(events, call, CallState::Ended { reason: why });
    }
}

/// Turns the stack's dialog states into call events.
pub(crate) async fn follow(
    layer: Arc<DialogLayer>,
    referrals: crate::transferee::Referrals,
    calls: Calls,
    mut states: DialogStateReceiver,
    events: mpsc::UnboundedSender<SipEvent>,
    ip: IpAddr,
) {
    while let Some(state) = states.recv().await {
        match state {
            DialogState::Calling(id) => {
                calls.with(|c| c.get_mut(&id.call_id).map(|e| e.early = Some(id.clone())));
            }
            DialogState::Early(id, response) => {
                // A provisional answer with SDP (183 Session Progress, RFC 3960) brings the
                // far end's own sound: an announcement or its ringback, not ours to play.
                let media = !response.body.is_empty();
                let shown = calls.with(|c| match c.get_mut(&id.call_id) {
                    Some(e) if media && !e.early_media => {
                        e.ringing = true;
                        e.early_media = true;
                        Some(CallState::EarlyMedia)
                    }
                    Some(e) if !e.ringing => {
                        e.ringing = true;
                        Some(CallState::Ringing)
                    }
                    _ => None,
                });
                if let Some(state) = shown {
                    emit(&events, &id.call_id, state);
                }
            }
            DialogState::Confirmed(id, response) => {
                // Only the first confirmation is the answer; later ones follow re-INVITEs.
                let answered = calls.with(|c| {
                    c.get_mut(&id.call_id)
                        .map(|e| {
                            let first = e.confirmed.replace(id.clone()).is_none();
                            if first {
                                // Ours from the 2xx we received; theirs agreed at the INVITE,
                                // counted from now.
                                e.timer = match e.incoming {
                                    None => crate::session::for_caller(&response.headers),
                                    Some(_) => e.timer.map(|mut t| {
                                        t.refreshed(crate::session::now(), None, false);
                                        t
                                    }),
                                };
                            }
                            (first, e.timer.is_some())
                        })
                        .unwrap_or((false, false))
                });
                // What the call's audio is: from the 2xx we received, or from the offer we
                // answered.
                let agreed = answered.0.then(|| {
                    calls.with(|c| {
                        let e = c.get(&id.call_id)?;
                        match (&e.incoming, &e.answer_sdp) {
                            (None, _) => {
                                let theirs = String::from_utf8_lossy(&response.body);
                                sdp::negotiated(&theirs, &theirs)
                            }
                            (Some(dialog), Some(ours)) => {
                                let offer = dialog.initial_request().body;
                                let offer = String::from_utf8_lossy(&offer);
                                if offer.trim().is_empty() {
                                    // Late offer: the far end answered ours in the ACK
                                    // (RFC 3264 §6.1: its payload types may differ).
                                    let ack = dialog.last_remote_ack()?.body;
                                    let theirs = String::from_utf8_lossy(&ack);
                                    sdp::negotiated(&theirs, &theirs)
                                } else {
                                    sdp::negotiated(ours, &offer)
                                }
                            }
                            (Some(_), None) => None,
                        }
                    })
                });
                if answered.1 && answered.0 {
                    crate::session::start(layer.clone(), calls.clone(), id.call_id.clone(), ip);
                }
                if answered.0 {
                    emit(&events, &id.call_id, CallState::Connected);
                    if let Some(Some(agreed)) = agreed {
                        let _ = events.send(SipEvent::Media {
                            call: id.call_id.clone(),
                            remote: agreed.remote,
                            codec: agreed.codec,
                            payload_type: agreed.payload_type,
                            telephone_event: agreed.events,
                            remote_rtcp: agreed.remote_rtcp,
                            receive: agreed.receive,
                        });
                    }
                    referrals.outcome(&layer, &calls, &id.call_id, None);
                }
            }
            DialogState::Terminated(id, why) => {
                let known =
                    calls.with(|c| c.get(&id.call_id).map(|e| (e.incoming.is_some(), e.ending)));
                // A caller who hangs up at once after our 200 can have its BYE handled before
                // its ACK confirmed the dialog here: the call was answered all the same (the
                // BYE says the caller had the dialog, RFC 3261 §15), so it is said so first.
                let answered_unconfirmed = calls.with(|c| {
                    c.get(&id.call_id).is_some_and(|e| {
                        e.incoming.is_some() && e.answer_sdp.is_some() && e.confirmed.is_none()
                    })
                });
                // A 422 to our INVITE is retried by the dialling task (RFC 4028 §7.4).
                let too_small = matches!(&why, TerminatedReason::UasOther(s) if s.code() == 422);
                if let Some((incoming, ending)) =
                    known.filter(|(incoming, _)| !too_small || *incoming)
                {
                    let why = ending.unwrap_or_else(|| reason(&why, incoming));
                    if answered_unconfirmed && why == EndReason::RemoteHungUp {
                        emit(&events, &id.call_id, CallState::Connected);
                    }
                    end(&calls, &events, &id.call_id, why);
                    referrals.outcome(&layer, &calls, &id.call_id, Some(why));
                }
                referrals.forget(&id.call_id);
            }
            DialogState::Updated(id, request, handle)
            | DialogState::Info(id, request, handle)
            | DialogState::Options(id, request, handle)
            | DialogState::Notify(id, request, handle)
            | DialogState::Refer(id, request, handle)
            | DialogState::Message(id, request, handle) => {
                if request.method == rsipstack::sip::Method::Refer {
                    referrals
                        .requested(&layer, &calls, &events, &id.call_id, &request, handle)
                        .await;
                    continue;
                }
                crate::hold::answer_request(&calls, &events, &id, &request, handle, ip).await;
                if request.method == rsipstack::sip::Method::Info {
                    if let Some(digit) = crate::dtmf::received(&request) {
                        let _ = events.send(SipEvent::Dtmf {
                            call: id.call_id.clone(),
                            digit,
                        });
                    }
                }
                if request.method == rsipstack::sip::Method::Notify {
                    crate::transfer::notified(&layer, &calls, &events, &id.call_id, &request).await;
                }
            }
            _ => {}
        }
    }
}

/// Everything a new call needs from the engine.
pub(crate) struct Dial<'a> {
    pub layer: &'a Arc<DialogLayer>,
    pub calls: &'a Calls,
    pub events: &'a mpsc::UnboundedSender<SipEvent>,
    pub states: rsipstack::dialog::dialog::DialogStateSender,
    /// The SIP address; audio is offered on the same IP.
    pub local: std::net::SocketAddr,
}

/// Calls `to` (a number or user, or a `sip:` address) from `account`; returns the call id.
/// A fresh Call-ID.
pub(crate) fn new_call_id() -> String {
    format!("{}@switchboard", rsipstack::transaction::random_text(24))
}

/// Calls `to` from `account` as `call_id`.
pub(crate) fn dial(
    d: Dial<'_>,
    account: &AccountConfig,
    to: &str,
    call_id: String,
    presentation: &crate::Presentation,
    extra: Vec<rsipstack::sip::Header>,
) -> Result<String, SipError> {
    let presented = crate::identity::present(presentation, account);
    let mut headers = presented.headers;
    headers.extend(extra);
    let host = account.domain();
    let callee = if to.starts_with("sip:") || to.starts_with("sips:") {
        to.to_owned()
    } else {
        format!("sip:{to}@{host}")
    };
    let uri = |text: &str| {
        Uri::try_from(text).map_err(|e| SipError::Account(format!("address {text}: {e}")))
    };
    let local_ip = d.local.ip();
    let media = bind_pair(local_ip).map_err(|e| SipError::Bind {
        addr: format!("{local_ip}:0 (audio)"),
        reason: e.to_string(),
    })?;
    // Through the outbound proxy when the account has one, and over the account's transport.
    let destination = account.destination()?;
    let mut entry = Entry::new(None, media, callee.clone(), d.calls.order());
    let local_sdp = entry.next_sdp(local_ip);
    let option = InviteOption {
        caller_display_name: presented.display_name,
        caller: uri(&presented.caller)?,
        callee: uri(&callee)?,
        contact: uri(&format!("sip:{}@{}", account.user, d.local))?,
        credential: Some(Credential {
            username: account.user.clone(),
            password: account.password.clone(),
            realm: None,
            auth_username: account.auth_user.clone().filter(|u| !u.is_empty()),
        }),
        content_type: Some("application/sdp".into()),
        offer: Some(sdp::offer(&local_sdp, Direction::SendRecv).into_bytes()),
        call_id: Some(call_id.clone()),
        destination,
        headers: Some(with_timer(&headers, MIN_SE)),
        ..Default::default()
    };
    d.calls.with(|c| c.insert(call_id.clone(), entry));
    emit(d.events, &call_id, CallState::Dialing { to: callee });
    let (layer, calls, events, states) =
        (d.layer.clone(), d.calls.clone(), d.events.clone(), d.states);
    let id = call_id.clone();
    let account = account.clone();
    tokio::spawn(async move {
        let mut option = option;
        // Over TCP or TLS the far end reaches us back through our connection.
        match account
            .stream_contact(&layer.endpoint.transport_layer)
            .await
        {
            Ok(Some(contact)) => {
                if let Ok(uri) = Uri::try_from(contact.as_str()) {
                    option.contact = uri;
                }
            }
            Ok(None) => {}
            Err(e) => tracing::debug!(call = %id, "no connection for the Contact yet: {e}"),
        }
        let mut attempts = 0;
        let outcome = loop {
            attempts += 1;
            let outcome = layer.do_invite(option.clone(), states.clone()).await;
            // RFC 4028 §7.4: a 422 names the smallest interval the other side accepts; ask
            // again with it (a few times at most: a raised Min-SE never shrinks).
            let raised = match &outcome {
                Ok((_, Some(r))) if r.status_code.code() == 422 && attempts < SE_ATTEMPTS => {
                    crate::session::header(&r.headers, "min-se", None)
                        .and_then(|v| parse_min_se(&v))
                }
                _ => None,
            };
            match raised {
                Some(min_se) => option.headers = Some(with_timer(&headers, min_se)),
                None => break outcome,
            }
        };
        match outcome {
            Ok((_, Some(response)))
                if response.status_code.kind() != StatusCodeKind::Successful =>
            {
                end(
                    &calls,
                    &events,
                    &id,
                    end_reason_for_status(response.status_code.code()),
                );
            }
            Ok(_) => {}
            Err(e) => {
                tracing::debug!(call = %id, "INVITE failed: {e}");
                end(&calls, &events, &id, EndReason::Failed { status: 0 });
            }
        }
    });
    Ok(call_id)
}

/// How many INVITEs a call may send after 422 (Session Interval Too Small).
const SE_ATTEMPTS: usize = 3;

/// The caller's extra headers and the session timer's (RFC 4028 §7.1).
fn with_timer(headers: &[rsipstack::sip::Header], min_se: u32) -> Vec<rsipstack::sip::Header> {
    let mut all = headers.to_vec();
    all.extend(crate::session::invite_headers(min_se));
    all
}

/// Hangs up `call`: BYE when answered, CANCEL while it rings.
pub(crate) async fn hangup(layer: &DialogLayer, calls: &Calls, call: &str) -> Result<(), SipError> {
    let ids = calls
        .with(|c| c.get(call).map(|e| (e.confirmed.clone(), e.early.clone())))
        .ok_or_else(|| SipError::NoSuchCall(call.to_owned()))?;
    let dialog = [ids.0, ids.1]
        .into_iter()
        .flatten()
        .find_map(|id| layer.get_dialog(&id));
    match dialog {
        Some(Dialog::Invite(d)) => d.hangup().await.map_err(|e| SipError::Stack(e.to_string())),
        _ => Err(SipError::NoSuchCall(call.to_owned())),
    }
}
