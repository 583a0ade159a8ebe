//! The agent's SIP accounts as settings: kept in the database without their password, which
//! goes into the OS keyring (see `secrets`), registered when the phone starts and again
//! whenever one is saved.

use serde::{Deserialize, Serialize};
use switchboard_sip::{AccountConfig, Transport};

use crate::{secrets, Error, Handle};

/// Key of the accounts in the settings.
const ACCOUNTS: &str = "accounts";

/// One SIP account as the settings hold it (no password).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct AccountSettings {
    /// A short name the agent chooses (`main`, `sales`).
    pub id: String,
    /// The registrar: `sip:pbx.example.com` or `sip:192.0.2.10:5060`.
    pub registrar: String,
    /// The user (extension) of the account.
    pub user: String,
    /// The authentication user, when it differs.
    pub auth_user: Option<String>,
    /// The name the people called see.
    pub display_name: Option<String>,
    /// `udp`, `tcp` or `tls`.
    pub transport: String,
    /// Where requests go first (a session border controller): `IP:PORT` or `sip:IP:PORT`.
    pub outbound_proxy: Option<String>,
    /// Registration lifetime asked for, in seconds (60 to 86,400).
    pub expires: u32,
}

/// A setting refused: which field, and why, for the message at the field.
fn field(field: &'static str, reason: impl Into<String>) -> Error {
    Error::InvalidField {
        field,
        reason: reason.into(),
    }
}

fn blank_is_none(value: &Option<String>) -> Option<String> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

impl AccountSettings {
    /// Checks every field; returns the account for the SIP layer (without its password).
    fn config(&self) -> Result<AccountConfig, Error> {
        let id = self.id.trim();
        if id.is_empty() || id.len() > 32 || id.chars().any(char::is_whitespace) {
            return Err(field(
                "id",
                "a short name without spaces (32 characters at most)",
            ));
        }
        let registrar = self.registrar.trim();
        let host = registrar
            .strip_prefix("sip:")
            .or_else(|| registrar.strip_prefix("sips:"))
            .ok_or_else(|| field("registrar", "starts with sip: (sip:pbx.example.com)"))?;
        if host.is_empty() || host.contains(['@', ' ', ';', '?']) {
            return Err(field(
                "registrar",
                "a host, with a port if needed: sip:host:5060",
            ));
        }
        let user = self.user.trim();
        if user.is_empty() || user.contains(['@', ' ', ':']) {
            return Err(field(
                "user",
                "the extension or user name, without @ or spaces",
            ));
        }
        let transport = match self.transport.as_str() {
            "udp" => Transport::Udp,
            "tcp" => Transport::Tcp,
            "tls" => Transport::Tls,
            _ => return Err(field("transport", "udp, tcp or tls")),
        };
        if !(60..=86_400).contains(&self.expires) {
            return Err(field("expires", "between 60 and 86400 seconds"));
        }
        let outbound_proxy = blank_is_none(&self.outbound_proxy);
        if let Some(proxy) = &outbound_proxy {
            let address = proxy.strip_prefix("sip:").unwrap_or(proxy);
            if address.parse::<std::net::SocketAddr>().is_err() {
                return Err(field(
                    "outbound_proxy",
                    "an address and port: 192.0.2.10:5060",
                ));
            }
        }
        Ok(AccountConfig {
            registrar: registrar.to_owned(),
            user: user.to_owned(),
            auth_user: blank_is_none(&self.auth_user),
            password: String::new(),
            display_name: blank_is_none(&self.display_name),
            transport,
            expires: self.expires,
            outbound_proxy,
            tls_ca: None,
        })
    }
}

impl Handle {
    /// The accounts of the settings (no passwords).
    pub async fn account_settings(&self) -> Result<Vec<AccountSettings>, Error> {
        Ok(self
            .store
            .setting::<Vec<AccountSettings>>(ACCOUNTS)
            .await?
            .unwrap_or_default())
    }

    /// Checks and saves an account (a new one, or the one with its id), its password into
    /// the keyring (`None` keeps the stored one), and registers it when the phone runs.
    pub async fn save_account(
        &self,
        account: AccountSettings,
        password: Option<String>,
    ) -> Result<(), Error> {
        let mut config = account.config()?;
        let id = account.id.trim().to_owned();
        config.password = match password.filter(|p| !p.is_empty()) {
            Some(password) => {
                secrets::set(secrets::SIP, &id, &password)?;
                password
            }
            None => secrets::get(secrets::SIP, &id)?
                .ok_or_else(|| field("password", "the account's password is needed"))?,
        };
        let mut accounts = self.account_settings().await?;
        let saved = AccountSettings {
            id: id.clone(),
            ..account
        };
        match accounts.iter_mut().find(|a| a.id == id) {
            Some(existing) => *existing = saved,
            None => accounts.push(saved),
        }
        self.store.set_setting(ACCOUNTS, &accounts).await?;
        if let Ok(phone) = self.phone() {
            phone.add_account(&id, config).await?;
        }
        Ok(())
    }

    /// Removes an account, its password, and its registration.
    pub async fn delete_account(&self, id: &str) -> Result<(), Error> {
        let mut accounts = self.account_settings().await?;
        accounts.retain(|a| a.id != id);
        self.store.set_setting(ACCOUNTS, &accounts).await?;
        if let Err(e) = secrets::delete(secrets::SIP, id) {
            tracing::warn!(account = id, "password not removed: {e}");
        }
        if let Ok(phone) = self.phone() {
            phone.remove_account(id).await;
        }
        Ok(())
    }

    /// Registers every account of the settings (at start); returns what could not be.
    pub async fn register_saved_accounts(&self) -> Result<Vec<String>, Error> {
        let phone = self.phone()?;
        let mut problems = Vec::new();
        for account in self.account_settings().await? {
            let outcome = match (account.config(), secrets::get(secrets::SIP, &account.id)) {
                (Ok(mut config), Ok(Some(password))) => {
                    config.password = password;
                    phone.add_account(&account.id, config).await
                }
                (Err(e), _) | (_, Err(e)) => Err(e),
                (_, Ok(None)) => Err(field("password", "no password in the keyring")),
            };
            if let Err(e) = outcome {
                problems.push(format!("account {}: {e}", account.id));
            }
        }
        Ok(problems)
    }
}
