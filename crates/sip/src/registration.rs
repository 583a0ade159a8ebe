//! One account's registration: REGISTER with digest authentication, refreshed before it
//! expires, retried with exponential backoff after a failure, removed (expires 0) on request.
//! Every step is reported as a [`SipEvent`].

use std::time::Duration;

use rsipstack::dialog::authenticate::Credential;
use rsipstack::dialog::registration::Registration;
use rsipstack::sip::{StatusCodeKind, Uri};
use rsipstack::transaction::endpoint::EndpointInnerRef;
use switchboard_core::registration::{refresh_after, retry_after};
use tokio::sync::{mpsc, oneshot};

use crate::account::{AccountConfig, Transport};
use crate::event::SipEvent;
use crate::SipError;

/// A running registration; [`Registrar::unregister`] ends it.
#[derive(Debug)]
pub struct Registrar {
    stop: oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
}

impl Registrar {
    /// Removes the registration (REGISTER with expires 0) and waits until it is done.
    pub async fn unregister(self) {
        let _ = self.stop.send(());
        let _ = self.task.await;
    }
}

/// The registrar URI for the account, with its transport.
fn registrar_uri(account: &AccountConfig) -> Result<Uri, SipError> {
    let mut text = account.registrar.trim().to_owned();
    if !text.starts_with("sip:") && !text.starts_with("sips:") {
        text = format!("sip:{text}");
    }
    // The same checks as a dial target: a host, an optional port, no headers.
    switchboard_core::SipUri::parse(&text)
        .map_err(|e| SipError::Account(format!("registrar {text}: {e}")))?;
    match account.transport {
        _ if text.contains(";transport=") => {}
        Transport::Udp => {}
        Transport::Tcp => text.push_str(";transport=tcp"),
        Transport::Tls => text.push_str(";transport=tls"),
    }
    Uri::try_from(text.as_str()).map_err(|e| SipError::Account(format!("registrar {text}: {e}")))
}

pub(crate) fn start(
    endpoint: EndpointInnerRef,
    id: String,
    account: AccountConfig,
    events: mpsc::UnboundedSender<SipEvent>,
) -> Result<Registrar, SipError> {
    let server = registrar_uri(&account)?;
    let proxy = account.outbound_proxy_addr()?;
    if account.user.trim().is_empty() {
        return Err(SipError::Account("the user name is empty".into()));
    }
    let (stop, stopped) = oneshot::channel();
    let task = tokio::spawn(run(endpoint, id, account, server, proxy, events, stopped));
    Ok(Registrar { stop, task })
}

async fn run(
    endpoint: EndpointInnerRef,
    id: String,
    account: AccountConfig,
    server: Uri,
    proxy: Option<std::net::SocketAddr>,
    events: mpsc::UnboundedSender<SipEvent>,
    mut stop: oneshot::Receiver<()>,
) {
    let credential = Credential {
        username: account.user.clone(),
        password: account.password.clone(),
        realm: None,
        auth_username: account.auth_user.clone().filter(|u| !u.is_empty()),
    };
    let mut registration = Registration::new(endpoint, Some(credential));
    registration.outbound_proxy = proxy;
    let emit = |event| {
        // Nobody listening any more only means the engine is shutting down.
        let _ = events.send(event);
    };
    let mut failures = 0u32;
    let mut registered = false;
    loop {
        emit(SipEvent::Registering {
            account: id.clone(),
            attempt: failures + 1,
        });
        // Over TCP or TLS the Contact names our end of the connection (a new one after the
        // registrar restarted); a connection that cannot be opened fails the REGISTER below.
        let endpoint = registration.endpoint.clone();
        if let Ok(Some(contact)) = account.stream_contact(&endpoint.transport_layer).await {
            registration.contact =
                Uri::try_from(contact.as_str())
                    .ok()
                    .map(|uri| rsipstack::sip::typed::Contact {
                        display_name: None,
                        uri,
                        params: vec![],
                    });
        }
        let outcome = tokio::select! {
            r = registration.register(server.clone(), Some(account.expires)) => r,
            _ = &mut stop => break,
        };
        let wait = match outcome {
            Ok(response) if response.status_code.kind() == StatusCodeKind::Successful => {
                failures = 0;
                registered = true;
                let expires = registration.expires();
                emit(SipEvent::Registered {
                    account: id.clone(),
                    expires,
                });
                refresh_after(expires)
            }
            Ok(response) => {
                failures += 1;
                registered = false;
                let wait = retry_after(failures);
                emit(SipEvent::RegistrationFailed {
                    account: id.clone(),
                    status: Some(response.status_code.code()),
                    reason: response.status_code.text().to_owned(),
                    retry_in_ms: duration_ms(wait),
                });
                wait
            }
            Err(e) => {
                failures += 1;
                registered = false;
                let wait = retry_after(failures);
                emit(SipEvent::RegistrationFailed {
                    account: id.clone(),
                    status: None,
                    reason: e.to_string(),
                    retry_in_ms: duration_ms(wait),
                });
                wait
            }
        };
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = &mut stop => break,
        }
    }
    if registered {
        if let Err(e) = registration.register(server, Some(0)).await {
            tracing::warn!(account = %id, "un-REGISTER failed: {e}");
        }
    }
    emit(SipEvent::Unregistered { account: id });
}

fn duration_ms(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}
