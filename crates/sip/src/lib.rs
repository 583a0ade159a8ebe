//! Switchboard's SIP user agent, the only crate that knows the SIP stack (rsipstack).
//! This first part holds the endpoint and account registration.

mod account;
mod error;
mod event;
mod registration;

use std::net::SocketAddr;

use rsipstack::transaction::endpoint::EndpointInnerRef;
use rsipstack::transport::udp::UdpConnection;
use rsipstack::transport::TransportLayer;
use rsipstack::EndpointBuilder;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

pub use account::{AccountConfig, Transport};
pub use error::SipError;
pub use event::SipEvent;
pub use registration::Registrar;

/// The local SIP endpoint: one UDP socket (TCP connections are opened on demand), the
/// transaction layer, and the accounts registered through it.
pub struct Engine {
    inner: EndpointInnerRef,
    cancel: CancellationToken,
    events: mpsc::UnboundedSender<SipEvent>,
    local: SocketAddr,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("local", &self.local)
            .finish()
    }
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
        let udp = UdpConnection::create_connection(bind, None, Some(cancel.child_token()))
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
        // Requests from outside: OPTIONS is answered; calls are not taken yet by this
        // engine, so INVITE gets 480 and anything else 405 (RFC 3261 §8.2.1).
        tokio::spawn(async move {
            use rsipstack::sip::{Method, StatusCode};
            while let Some(mut tx) = incoming.recv().await {
                let status = match tx.original.method {
                    Method::Ack => continue,
                    Method::Options => StatusCode::OK,
                    Method::Invite => StatusCode::TemporarilyUnavailable,
                    Method::Cancel => StatusCode::CallTransactionDoesNotExist,
                    _ => StatusCode::MethodNotAllowed,
                };
                if let Err(e) = tx.reply(status).await {
                    tracing::debug!("reply failed: {e}");
                }
            }
        });
        let (events, receiver) = mpsc::unbounded_channel();
        Ok((
            Self {
                inner,
                cancel,
                events,
                local,
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
        registration::start(
            self.inner.clone(),
            id.to_owned(),
            account,
            self.events.clone(),
        )
    }

    /// Stops the stack (registrations should be removed first).
    pub fn shutdown(&self) {
        self.cancel.cancel();
    }
}
