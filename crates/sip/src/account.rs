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

    /// The address of record: `sip:USER@REGISTRAR-HOST`.
    pub fn aor(&self) -> String {
        let host = self
            .registrar
            .trim_start_matches("sips:")
            .trim_start_matches("sip:");
        format!("sip:{}@{host}", self.user)
    }
}
