//! A SIP account as the agent configures it.

use serde::{Deserialize, Serialize};

/// How SIP messages travel to the registrar.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Transport {
    /// UDP (the default).
    #[default]
    Udp,
    /// TCP.
    Tcp,
    /// TLS over TCP (port 5061 unless the registrar names one).
    Tls,
}

/// One SIP account.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountConfig {
    /// Registrar address: `sip:pbx.example` or `sip:127.0.0.1:5060`.
    pub registrar: String,
    /// User part of the address of record (`1001`).
    pub user: String,
    /// Digest user name when it differs from `user`.
    #[serde(default)]
    pub auth_user: Option<String>,
    /// Digest password (the app takes it from the OS keyring; never logged).
    #[serde(skip_serializing)]
    pub password: String,
    /// Name shown to the people called.
    #[serde(default)]
    pub display_name: Option<String>,
    /// Transport to the registrar.
    #[serde(default)]
    pub transport: Transport,
    /// Registration lifetime asked for, in seconds.
    #[serde(default = "default_expires")]
    pub expires: u32,
    /// Where every request goes first when the registrar's domain is not directly reachable
    /// (a session border controller): `IP:PORT` or `sip:IP:PORT`. The domain stays in the
    /// addresses.
    #[serde(default)]
    pub outbound_proxy: Option<String>,
    /// For TLS: a PEM file of the CA that signed the PBX's certificate, trusted besides the
    /// system's authorities (a private PBX's own CA).
    #[serde(default)]
    pub tls_ca: Option<std::path::PathBuf>,
}

/// Debian's bundle of the system's certificate authorities (package ca-certificates).
const SYSTEM_CAS: &str = "/etc/ssl/certs/ca-certificates.crt";

fn default_expires() -> u32 {
    600
}

impl std::fmt::Debug for AccountConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccountConfig")
            .field("registrar", &self.registrar)
            .field("user", &self.user)
            .field("auth_user", &self.auth_user)
            .field("password", &"<hidden>")
            .field("transport", &self.transport)
            .field("expires", &self.expires)
            .field("outbound_proxy", &self.outbound_proxy)
            .field("tls_ca", &self.tls_ca)
            .finish()
    }
}

impl AccountConfig {
    /// The registrar's host and port, without scheme or parameters: the account's domain.
    pub fn domain(&self) -> String {
        self.registrar
            .trim()
            .trim_start_matches("sips:")
            .trim_start_matches("sip:")
            .split(';')
            .next()
            .unwrap_or_default()
            .to_owned()
    }

    /// The outbound proxy's socket address, if the account has one.
    pub fn outbound_proxy_addr(&self) -> Result<Option<std::net::SocketAddr>, crate::SipError> {
        let Some(proxy) = self.outbound_proxy.as_deref().map(str::trim) else {
            return Ok(None);
        };
        if proxy.is_empty() {
            return Ok(None);
        }
        let hostport = proxy
            .trim_start_matches("sip:")
            .split(';')
            .next()
            .unwrap_or_default();
        let with_port = if hostport.contains(':') {
            hostport.to_owned()
        } else {
            format!("{hostport}:5060")
        };
        std::net::ToSocketAddrs::to_socket_addrs(&with_port)
            .ok()
            .and_then(|mut a| a.next())
            .map(Some)
            .ok_or_else(|| {
                crate::SipError::Account(format!("outbound proxy {proxy:?} is not an address"))
            })
    }

    /// The stack's name for the account's transport.
    pub(crate) fn stack_transport(&self) -> rsipstack::sip::transport::Transport {
        use rsipstack::sip::transport::Transport as Stack;
        match self.transport {
            Transport::Udp => Stack::Udp,
            Transport::Tcp => Stack::Tcp,
            Transport::Tls => Stack::Tls,
        }
    }

    /// Where the account's requests go first: the outbound proxy if it has one; over TCP or
    /// TLS the registrar itself (so that calls take the account's transport, not UDP); over
    /// UDP wherever the request's address leads.
    pub(crate) fn destination(
        &self,
    ) -> Result<Option<rsipstack::transport::SipAddr>, crate::SipError> {
        let mut to = match self.outbound_proxy_addr()? {
            Some(addr) => rsipstack::transport::SipAddr::from(addr),
            None if self.transport == Transport::Udp => return Ok(None),
            None => {
                let domain = self.domain();
                let hostport = if domain.contains(':') || self.transport != Transport::Tls {
                    domain
                } else {
                    format!("{domain}:5061")
                };
                let addr = rsipstack::sip::HostWithPort::try_from(hostport.as_str())
                    .map_err(|e| crate::SipError::Account(format!("registrar {hostport}: {e}")))?;
                rsipstack::transport::SipAddr { r#type: None, addr }
            }
        };
        to.r#type = Some(self.stack_transport());
        Ok(Some(to))
    }

    /// The Contact over TCP or TLS (`None` over UDP, where it is the engine's socket): the
    /// local end of the connection to the registrar (opened now if needed), with its
    /// transport, so that the registrar sends our calls back through that very connection (we
    /// listen on no TCP or TLS port of our own; RFC 5626 §4.2 works the same way).
    pub(crate) async fn stream_contact(
        &self,
        transport: &rsipstack::transport::TransportLayer,
    ) -> Result<Option<String>, crate::SipError> {
        let Some(target) = self
            .destination()?
            .filter(|_| self.transport != Transport::Udp)
        else {
            return Ok(None);
        };
        let (connection, _) = transport
            .lookup(&target, None)
            .await
            .map_err(|e| crate::SipError::Stack(format!("connection to {target}: {e}")))?;
        let local = connection.get_addr().addr.to_string();
        let name = match self.transport {
            Transport::Tcp => "tcp",
            Transport::Tls | Transport::Udp => "tls",
        };
        Ok(Some(format!("sip:{}@{local};transport={name}", self.user)))
    }

    /// The TLS trust anchors for this account: the system's authorities and its own CA file.
    pub(crate) fn tls_roots(&self) -> Result<Vec<u8>, crate::SipError> {
        let mut pem = std::fs::read(SYSTEM_CAS).unwrap_or_default();
        if let Some(path) = &self.tls_ca {
            let own = std::fs::read(path).map_err(|e| {
                crate::SipError::Account(format!("TLS CA file {}: {e}", path.display()))
            })?;
            pem.push(b'\n');
            pem.extend(own);
        }
        Ok(pem)
    }

    /// The address of record: `sip:USER@REGISTRAR-HOST`.
    pub fn aor(&self) -> String {
        let host = self
            .registrar
            .trim_start_matches("sips:")
            .trim_start_matches("sip:");
        format!("sip:{}@{host}", self.user)
    }
}
