//! The local CTI API: a CRM's page (or a script) on the agent's own computer dials, answers,
//! hangs up, holds, resumes and transfers calls, sets the agent's state and follows every
//! call event, over HTTP and a WebSocket under `/v1/`, on a loopback address only.
//!
//! A web page the agent happens to visit could reach the loopback too, so every request must
//! carry the bearer token the agent copied into their CRM, and a request that a browser sends
//! from a page whose origin is not on the allow-list is refused before anything happens (no
//! toll fraud through the agent's phone). Requests are rate-limited. See docs/cti-api.md.

mod guard;
mod routes;

use std::net::SocketAddr;
use std::sync::Arc;

use switchboard_runtime::Handle;
use tokio::net::TcpListener;

pub use guard::{generate_token, RateLimit};

/// How the API is served.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CtiConfig {
    /// Where to listen: a loopback address (`127.0.0.1:7474`; port 0 for any free one).
    pub listen: SocketAddr,
    /// The bearer token every request carries.
    pub token: String,
    /// The web origins allowed to call from a browser (`https://crm.example.com`).
    pub origins: Vec<String>,
    /// Requests allowed per second, and in a burst.
    pub rate: RateLimit,
}

/// Why the API cannot start.
#[derive(Debug, thiserror::Error)]
pub enum CtiError {
    /// Only loopback addresses are served.
    #[error("the CTI API listens on a loopback address only (127.0.0.1 or ::1), not {0}")]
    NotLoopback(SocketAddr),
    /// The token is too short to protect anything.
    #[error("the CTI token must have at least 16 characters")]
    WeakToken,
    /// An origin is not `scheme://host[:port]`.
    #[error("{0:?} is not a web origin (scheme://host[:port])")]
    BadOrigin(String),
    /// The address cannot be listened on.
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        /// The address.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
}

impl CtiError {
    /// A stable code for front ends.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotLoopback(_) => "cti_not_loopback",
            Self::WeakToken => "cti_weak_token",
            Self::BadOrigin(_) => "cti_bad_origin",
            Self::Listen { .. } => "cti_listen",
        }
    }
}

/// The running API.
#[derive(Debug)]
pub struct Cti {
    addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    /// Tells the open event streams to close.
    streams: tokio::sync::watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl CtiConfig {
    /// Checks the address, the token and the origins.
    pub fn check(&self) -> Result<(), CtiError> {
        if !self.listen.ip().is_loopback() {
            return Err(CtiError::NotLoopback(self.listen));
        }
        if self.token.chars().count() < 16 {
            return Err(CtiError::WeakToken);
        }
        for origin in &self.origins {
            if !guard::is_origin(origin) {
                return Err(CtiError::BadOrigin(origin.clone()));
            }
        }
        Ok(())
    }
}

impl Cti {
    /// Serves the API for `handle` as `config` says.
    pub async fn start(handle: Handle, config: CtiConfig) -> Result<Self, CtiError> {
        config.check()?;
        let listener =
            TcpListener::bind(config.listen)
                .await
                .map_err(|source| CtiError::Listen {
                    addr: config.listen,
                    source,
                })?;
        let addr = listener.local_addr().map_err(|source| CtiError::Listen {
            addr: config.listen,
            source,
        })?;
        let guard = Arc::new(guard::Guard::new(&config));
        let (streams, stopped) = tokio::sync::watch::channel(false);
        let app = routes::router(handle, guard, stopped);
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let served = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await;
            if let Err(e) = served {
                tracing::warn!("the CTI API stopped: {e}");
            }
        });
        tracing::info!(%addr, "CTI API listening");
        Ok(Self {
            addr,
            stop: Some(stop),
            streams,
            task,
        })
    }

    /// The address it listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops serving; open event streams are closed (a client holding an old token hears
    /// nothing more).
    pub async fn stop(mut self) {
        let _ = self.streams.send(true);
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.task.abort();
        let _ = (&mut self.task).await;
    }
}
