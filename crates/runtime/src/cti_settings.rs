//! The CTI API's settings: on or off (off until the agent turns it on), its loopback port,
//! the web origins allowed to use it; its bearer token is kept in the keyring, never in the
//! database. The desktop shell serves the API with them.

use serde::{Deserialize, Serialize};

use crate::{secrets, settings, Error, Handle};

/// The CTI API as the agent sets it (settings key `cti`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(default)]
pub struct CtiSettings {
    /// Serve the API.
    pub enabled: bool,
    /// The port on 127.0.0.1.
    pub port: u16,
    /// The web origins whose pages may use it (`https://crm.example.com`).
    pub origins: Vec<String>,
}

impl Default for CtiSettings {
    fn default() -> Self {
        Self {
            enabled: false,
            port: 7474,
            origins: Vec::new(),
        }
    }
}

/// `scheme://host[:port]`, as browsers send in `Origin`.
fn is_origin(text: &str) -> bool {
    text.split_once("://").is_some_and(|(scheme, rest)| {
        matches!(scheme, "http" | "https")
            && !rest.is_empty()
            && !rest.contains(['/', '?', '#', '@', ' '])
    })
}

impl CtiSettings {
    fn check(&self) -> Result<(), Error> {
        if self.port < 1024 {
            return Err(Error::InvalidField {
                field: "port",
                reason: "a port from 1024 to 65535".into(),
            });
        }
        if let Some(bad) = self.origins.iter().find(|o| !is_origin(o)) {
            return Err(Error::InvalidField {
                field: "origins",
                reason: format!("{bad:?} is not scheme://host[:port] (https://crm.example.com)"),
            });
        }
        Ok(())
    }
}

/// The token's name in the keyring.
const TOKEN: &str = "token";

impl Handle {
    /// The CTI API's settings.
    pub fn cti_settings(&self) -> CtiSettings {
        self.settings().cti
    }

    /// Checks and stores the CTI API's settings (the shell then serves it anew).
    pub async fn save_cti_settings(&self, cti: &CtiSettings) -> Result<(), Error> {
        let cti = CtiSettings {
            origins: cti
                .origins
                .iter()
                .map(|o| o.trim().trim_end_matches('/').to_owned())
                .filter(|o| !o.is_empty())
                .collect(),
            ..cti.clone()
        };
        cti.check()?;
        self.store.set_setting(settings::CTI, &cti).await?;
        self.settings
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .cti = cti;
        Ok(())
    }

    /// The API's token, if one is kept.
    pub fn cti_token(&self) -> Result<Option<String>, Error> {
        secrets::get(secrets::CTI, TOKEN)
    }

    /// Keeps a new token for the API (the old one stops working when the API restarts).
    pub fn set_cti_token(&self, token: &str) -> Result<(), Error> {
        if token.chars().count() < 16 {
            return Err(Error::InvalidField {
                field: "token",
                reason: "at least 16 characters".into(),
            });
        }
        secrets::set(secrets::CTI, TOKEN, token)
    }
}
