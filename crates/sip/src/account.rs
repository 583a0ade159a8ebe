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
}

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

    /// The address of record: `sip:USER@REGISTRAR-HOST`.
    pub fn aor(&self) -> String {
        let host = self
            .registrar
            .trim_start_matches("sips:")
            .trim_start_matches("sip:");
        format!("sip:{}@{host}", self.user)
    }
}
