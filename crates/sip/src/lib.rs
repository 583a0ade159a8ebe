//! Switchboard's SIP user agent, the only crate that knows the SIP stack (rsipstack).
//! This first part holds the endpoint and account registration.

mod account;
mod call;
mod codecs;
mod dtmf;
mod error;
mod event;
mod guard;
mod hold;
mod identity;
mod incoming;
mod registration;
mod screen;
mod sdp;
mod session;
mod transfer;
mod transferee;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};

use rsipstack::dialog::dialog::DialogStateSender;
use rsipstack::dialog::dialog_layer::DialogLayer;
use rsipstack::transaction::endpoint::EndpointInnerRef;
use rsipstack::transport::udp::UdpConnection;
use rsipstack::transport::TransportLayer;
use rsipstack::EndpointBuilder;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

pub use account::{AccountConfig, Transport};
pub use call::CallState;
pub use error::SipError;
pub use event::SipEvent;
pub use identity::{IdentityHeader, Presentation};
pub use incoming::Refusal;
pub use registration::Registrar;
pub use screen::{Screen, Screening};

/// How long an in-dialog request for one of our calls may wait for the stack to file the
/// call's dialog (it does so just after sending the ACK).
const DIALOG_GRACE: std::time::Duration = std::time::Duration::from_millis(500);

/// The local SIP endpoint: one UDP socket (TCP connections are opened on demand), the
/// transaction layer, and the accounts registered through it.
pub struct Engine {
    inner: EndpointInnerRef,
    cancel: CancellationToken,
    events: mpsc::UnboundedSender<SipEvent>,
    local: SocketAddr,
    layer: Arc<DialogLayer>,
    states: DialogStateSender,
    calls: call::Calls,
    accounts: Mutex<HashMap<String, AccountConfig>>,
    referrals: transferee::Referrals,
    /// The TLS trust anchors of the accounts registered so far (PEM).
    tls_roots: Mutex<Vec<u8>>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("local", &self.local)
            .finish()
    }
}

/// Gives the stack [`DIALOG_GRACE`] to reach a state it files just after an ACK: `Some`
/// with what `check` found, or `None` when the time is up. (The stack has no notification
/// for it; it is looked at every 2 ms.)
async fn within_grace<T>(mut check: impl FnMut() -> Option<T>) -> Option<T> {
    let deadline = tokio::time::Instant::now() + DIALOG_GRACE;
    loop {
        if let Some(found) = check() {
            return Some(found);
        }
        if tokio::time::Instant::now() >= deadline {
            return None;
        }
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    }
}

/// Whether `dialog` is (or becomes, within the grace) confirmed: its 2xx acknowledged.
async fn confirmed_soon(dialog: &rsipstack::dialog::dialog::Dialog) -> bool {
    let rsipstack::dialog::dialog::Dialog::Invite(invite) = dialog else {
        return true;
    };
    within_grace(|| {
        let state = invite.state();
        (state.is_confirmed() || state.is_terminated()).then_some(())
    })
    .await
    .is_some()
}

impl Engine {
    /// Binds `bind` (port 0: any free port) and starts the stack. Returns the engine and the
    /// stream of its events.
    pub async fn start(
        bind: SocketAddr,
    ) -> Result<(Self, mpsc::UnboundedReceiver<SipEvent>), SipError> {
        let bind_err = |e: rsipstack::Error| SipError::Bind {
            addr: bind.to_string(),
            reason: e.to_string(),
        };
        let cancel = CancellationToken::new();
        let transport = TransportLayer::new(cancel.clone());
        let socket = tokio::net::UdpSocket::bind(bind)
            .await
            .map_err(|e| bind_err(e.into()))?;
        let udp = UdpConnection::from_socket(
            Arc::new(guard::GuardedSocket(socket)),
            None,
            Some(cancel.child_token()),
        )
        .await
        .map_err(bind_err)?;
        let local = udp.get_addr().get_socketaddr().map_err(bind_err)?;
        transport.add_transport(udp.into());
        let endpoint = EndpointBuilder::new()
            .with_cancel_token(cancel.clone())
            .with_transport_layer(transport)
            .with_user_agent("Switchboard")
            .build();
        let inner = endpoint.inner.clone();
        let mut incoming = endpoint
            .incoming_transactions()
            .map_err(|e| SipError::Stack(e.to_string()))?;
        tokio::spawn(async move { endpoint.serve().await });
        let layer = Arc::new(DialogLayer::new(inner.clone()));
        let (states, state_receiver) = layer.new_dialog_state_channel();
        let (events, receiver) = mpsc::unbounded_channel();
        let calls = call::Calls::default();
        let referrals = transferee::Referrals::default();
        tokio::spawn(call::follow(
            layer.clone(),
            referrals.clone(),
            calls.clone(),
            state_receiver,
            events.clone(),
            local.ip(),
        ));
        // Requests from outside: those of a known dialog (BYE, re-INVITE, ...) go to it, those
        // of an unknown one get 481; a new INVITE is a call; OPTIONS is answered; any other
        // method gets 405 (RFC 3261 §8.2.1). What the stack cannot read at all is answered
        // before it (the guard).
        let dialogs = layer.clone();
        let (in_calls, in_events, in_states) = (calls.clone(), events.clone(), states.clone());
        tokio::spawn(async move {
            use rsipstack::sip::prelude::HeadersExt;
            use rsipstack::sip::{Method, StatusCode};
            while let Some(mut tx) = incoming.recv().await {
                if let Some(mut dialog) = dialogs.match_dialog(&tx) {
                    // Its own task: some requests (REFER) wait for the agent's answer.
                    tokio::spawn(async move {
                        // A re-INVITE sent right after the ACK of the call's 200 can be here
                        // before the stack has taken the ACK; the stack would take it for the
                        // first INVITE and never answer. Let the ACK land first, and if it
                        // does not, answer 491 so that the other side tries again (RFC 3261
                        // §14.2: an INVITE transaction of ours is still in progress).
                        if tx.original.method == Method::Invite && !confirmed_soon(&dialog).await {
                            let _ = tx.reply(StatusCode::RequestPending).await;
                            return;
                        }
                        if let Err(e) = dialog.handle(&mut tx).await {
                            tracing::debug!("in-dialog request failed: {e}");
                        }
                    });
                    continue;
                }
                // RFC 3261 §12.2.2: a request naming a dialog we do not have gets 481.
                let in_dialog = tx
                    .original
                    .to_header()
                    .is_ok_and(|to| to.value().to_ascii_lowercase().contains(";tag="));
                // One of our outgoing calls: the stack files its dialog only after the ACK has
                // gone, so a request the far end sends right away (a hold re-INVITE) can come
                // first. Give the dialog a moment to appear before answering 481.
                let ours = in_dialog
                    && tx
                        .original
                        .call_id_header()
                        .is_ok_and(|id| in_calls.with(|c| c.contains_key(id.value())));
                if ours && tx.original.method != Method::Ack {
                    let dialogs = dialogs.clone();
                    tokio::spawn(async move {
                        match within_grace(|| dialogs.match_dialog(&tx)).await {
                            Some(mut dialog) => {
                                if let Err(e) = dialog.handle(&mut tx).await {
                                    tracing::debug!("in-dialog request failed: {e}");
                                }
                            }
                            None => {
                                let _ = tx.reply(StatusCode::CallTransactionDoesNotExist).await;
                            }
                        }
                    });
                    continue;
                }
                // RFC 3261 §11.2 and §21.4.6: the answer to OPTIONS and a 405 list what we
                // serve.
                let allow = vec![rsipstack::sip::Header::Allow(
                    rsipstack::sip::headers::Allow::new(guard::ALLOW),
                )];
                let status = match tx.original.method {
                    Method::Ack => continue,
                    _ if in_dialog => StatusCode::CallTransactionDoesNotExist,
                    Method::Invite => {
                        incoming::take(
                            &dialogs,
                            &in_calls,
                            &in_events,
                            in_states.clone(),
                            local,
                            tx,
                        );
                        continue;
                    }
                    Method::Options => StatusCode::OK,
                    Method::Cancel | Method::Bye => StatusCode::CallTransactionDoesNotExist,
                    _ => StatusCode::MethodNotAllowed,
                };
                let headers = match status {
                    StatusCode::OK | StatusCode::MethodNotAllowed => allow,
                    _ => Vec::new(),
                };
                if let Err(e) = tx.reply_with(status, headers, None).await {
                    tracing::debug!("reply failed: {e}");
                }
            }
        });
        Ok((
            Self {
                inner,
                cancel,
                events,
                local,
                layer,
                states,
                calls,
                accounts: Mutex::new(HashMap::new()),
                referrals,
                tls_roots: Mutex::new(Vec::new()),
            },
            receiver,
        ))
    }

    /// The local address SIP listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.local
    }

    /// Starts registering `account` under the id `id` (events carry it).
    pub fn register(&self, id: &str, account: AccountConfig) -> Result<Registrar, SipError> {
        if account.transport == Transport::Tls {
            // The stack has one trust store for its TLS connections: the system's authorities
            // and the accounts' own CAs.
            let roots = account.tls_roots()?;
            let mut all = self
                .tls_roots
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            all.extend(roots);
            self.inner
                .transport_layer
                .set_tls_config(rsipstack::transport::tls::TlsConfig {
                    ca_certs: Some(all.clone()),
                    ..Default::default()
                });
        }
        let registrar = registration::start(
            self.inner.clone(),
            id.to_owned(),
            account.clone(),
            self.events.clone(),
        )?;
        self.accounts
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(id.to_owned(), account);
        Ok(registrar)
    }

    /// Calls `to` (digits or a user of the account's domain, or a `sip:` address) from
    /// `account`; returns the call id its events carry.
    pub fn dial(&self, account: &str, to: &str) -> Result<String, SipError> {
        self.dial_as(account, to, call::new_call_id())
    }

    /// A fresh call id for [`Engine::dial_as`].
    pub fn new_call_id(&self) -> String {
        call::new_call_id()
    }

    /// Like [`Engine::dial`], with the call id chosen by the caller (it must be new).
    pub fn dial_as(&self, account: &str, to: &str, call_id: String) -> Result<String, SipError> {
        self.dial_presenting(account, to, call_id, &Presentation::Account)
    }

    /// Like [`Engine::dial_as`], presenting the agent as `presentation` says (another
    /// number, or anonymously).
    pub fn dial_presenting(
        &self,
        account: &str,
        to: &str,
        call_id: String,
        presentation: &Presentation,
    ) -> Result<String, SipError> {
        let config = self
            .accounts
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(account)
            .cloned()
            .ok_or_else(|| SipError::Account(format!("no account {account:?}")))?;
        let call = call::dial(
            call::Dial {
                layer: &self.layer,
                calls: &self.calls,
                events: &self.events,
                states: self.states.clone(),
                local: self.local,
            },
            &config,
            to,
            call_id,
            presentation,
            Vec::new(),
        )?;
        self.belongs_to(&call, account);
        Ok(call)
    }

    /// The account `call` belongs to: the one it was dialled from, or the one whose user an
    /// incoming call was addressed to; failing both, any (agents usually have one).
    fn account_of(&self, call: &str) -> Result<(String, AccountConfig), SipError> {
        let (id, user) = self
            .calls
            .with(|c| {
                c.get(call)
                    .map(|e| (e.account.clone(), e.local_user.clone()))
            })
            .unwrap_or_default();
        let accounts = self.accounts.lock().unwrap_or_else(PoisonError::into_inner);
        id.and_then(|id| accounts.get_key_value(&id))
            .or_else(|| {
                let user = user?;
                accounts.iter().find(|(_, a)| a.user == user)
            })
            .or_else(|| accounts.iter().next())
            .map(|(id, a)| (id.clone(), a.clone()))
            .ok_or_else(|| SipError::Account("no account to dial from".into()))
    }

    /// Files `call` under the account `id` (for its transfers).
    fn belongs_to(&self, call: &str, id: &str) {
        self.calls.with(|c| {
            if let Some(e) = c.get_mut(call) {
                e.account = Some(id.to_owned());
            }
        });
    }

    /// Accepts the transfer the other side of `call` asked for: we call the target (that
    /// call's id is returned) and the old call ends when it answers.
    pub async fn accept_transfer(&self, call: &str) -> Result<String, SipError> {
        // The new call goes out from the account the transferred call belongs to.
        let (id, account) = self.account_of(call)?;
        let dial = |target: &str, replaces: Option<&str>| {
            let headers = replaces
                .map(|r| vec![rsipstack::sip::Header::Other("Replaces".into(), r.into())])
                .unwrap_or_default();
            let new = call::dial(
                call::Dial {
                    layer: &self.layer,
                    calls: &self.calls,
                    events: &self.events,
                    states: self.states.clone(),
                    local: self.local,
                },
                &account,
                target,
                call::new_call_id(),
                &Presentation::Account,
                headers,
            )?;
            self.belongs_to(&new, &id);
            Ok(new)
        };
        self.referrals.accept(call, dial)
    }

    /// Refuses the transfer the other side of `call` asked for (NOTIFY 603).
    pub async fn refuse_transfer(&self, call: &str) -> Result<(), SipError> {
        self.referrals.refuse(&self.layer, &self.calls, call).await
    }

    /// Answers the ringing incoming `call`.
    pub fn answer(&self, call: &str) -> Result<(), SipError> {
        incoming::accept(&self.calls, call, self.local)
    }

    /// Refuses the ringing incoming `call` (486 busy or 603 decline).
    pub fn reject(&self, call: &str, how: Refusal) -> Result<(), SipError> {
        incoming::reject(&self.calls, &self.events, call, how)
    }

    /// The domain of account `id` (its registrar's host), if there is such an account.
    pub fn account_domain(&self, id: &str) -> Option<String> {
        self.accounts
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(id)
            .map(AccountConfig::domain)
    }

    /// Installs the rule that screens new calls before they ring (none: every call rings).
    pub fn set_screen(&self, screen: Option<Screen>) {
        self.calls.2.set(screen);
    }

    /// Puts an answered call on hold (re-INVITE with sendonly).
    pub async fn hold(&self, call: &str) -> Result<(), SipError> {
        hold::set_hold(
            &self.layer,
            &self.calls,
            &self.events,
            call,
            self.local.ip(),
            true,
        )
        .await
    }

    /// Takes a call off hold (re-INVITE with sendrecv).
    pub async fn resume(&self, call: &str) -> Result<(), SipError> {
        hold::set_hold(
            &self.layer,
            &self.calls,
            &self.events,
            call,
            self.local.ip(),
            false,
        )
        .await
    }

    /// Blind transfer: holds the answered `call` and refers it to `to` (digits or a user of
    /// the account's domain, or a `sip:` address). Progress comes as events.
    pub async fn transfer(&self, call: &str, to: &str) -> Result<(), SipError> {
        let target = if to.starts_with("sip:") || to.starts_with("sips:") {
            to.to_owned()
        } else {
            let host = self.account_of(call)?.1.domain();
            format!("sip:{to}@{host}")
        };
        transfer::blind(
            &self.layer,
            &self.calls,
            &self.events,
            call,
            target,
            self.local.ip(),
        )
        .await
    }

    /// Sends DTMF `digits` on an answered call as SIP INFO (application/dtmf-relay).
    pub async fn send_dtmf_info(&self, call: &str, digits: &str) -> Result<(), SipError> {
        dtmf::send(&self.layer, &self.calls, call, digits).await
    }

    /// Attended transfer: refers the held `call` to the party of the answered `consult`
    /// call, replacing the consult call (RFC 3891). Progress comes as events.
    pub async fn attended_transfer(&self, call: &str, consult: &str) -> Result<(), SipError> {
        transfer::attended(
            &self.layer,
            &self.calls,
            &self.events,
            call,
            consult,
            self.local.ip(),
        )
        .await
    }

    /// The call's audio port (the one offered in SDP), for the media session.
    pub fn media_socket(&self, call: &str) -> Result<std::net::UdpSocket, SipError> {
        self.calls
            .with(|c| c.get(call).map(|e| e.media.try_clone()))
            .ok_or_else(|| SipError::NoSuchCall(call.to_owned()))?
            .map_err(|e| SipError::Stack(format!("audio port: {e}")))
    }

    /// The codecs calls offer and answer with from now on, best first (`G722`, `PCMU`,
    /// `PCMA`, `opus`); by default all four in that order.
    pub fn set_codecs(&self, names: &[&str]) -> Result<(), SipError> {
        let order = sdp::CodecOrder::from_names(names).map_err(SipError::Codecs)?;
        self.calls.set_order(order);
        Ok(())
    }

    /// The codecs calls offer, best first.
    pub fn codecs(&self) -> Vec<&'static str> {
        self.calls.order().names()
    }

    /// The call's RTCP port (the one after its audio port).
    pub fn rtcp_socket(&self, call: &str) -> Result<std::net::UdpSocket, SipError> {
        self.calls
            .with(|c| c.get(call).map(|e| e.rtcp.try_clone()))
            .ok_or_else(|| SipError::NoSuchCall(call.to_owned()))?
            .map_err(|e| SipError::Stack(format!("RTCP port: {e}")))
    }

    /// Hangs up `call`: BYE when answered, CANCEL while it rings.
    pub async fn hangup(&self, call: &str) -> Result<(), SipError> {
        call::hangup(&self.layer, &self.calls, call).await
    }

    /// Stops the stack (registrations should be removed first).
    pub fn shutdown(&self) {
        self.cancel.cancel();
    }
}
