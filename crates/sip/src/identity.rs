//! How the agent presents themself on a call they place: as the account, as another number
//! of theirs (a service number) in the From header or asserted to the PBX with
//! P-Preferred-Identity (RFC 3325 §9.2), or anonymously: an anonymous From (RFC 3323
//! §4.1.1.3) with `Privacy: id` asking the network to withhold the identity it asserts
//! (RFC 3325 §9.3), which it still learns from P-Preferred-Identity.

use rsipstack::sip::Header;
use serde::{Deserialize, Serialize};

use crate::AccountConfig;

/// Where another number of the agent is put.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdentityHeader {
    /// In From: the PBX passes it on as it is (trunks that trust their users).
    #[default]
    From,
    /// In P-Preferred-Identity: the PBX checks it and asserts it (RFC 3325).
    PPreferredIdentity,
}

/// The identity a call goes out with.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "as", rename_all = "snake_case")]
pub enum Presentation {
    /// The account's own user and display name.
    #[default]
    Account,
    /// Another number of the agent's.
    Number {
        /// The user part sent (the number as the PBX wants it).
        user: String,
        /// The name shown with it.
        display_name: Option<String>,
        /// Where it goes.
        header: IdentityHeader,
    },
    /// Withheld.
    Anonymous,
}

/// What an INVITE carries for a presentation.
#[derive(Debug)]
pub(crate) struct Presented {
    /// From's address.
    pub(crate) caller: String,
    /// From's display name.
    pub(crate) display_name: Option<String>,
    /// Privacy and P-Preferred-Identity, as needed.
    pub(crate) headers: Vec<Header>,
}

/// A display name as a quoted string (RFC 3261 §25.1: `"` and `\` escaped).
fn quoted(name: &str) -> String {
    let escaped: String = name
        .chars()
        .filter(|c| !c.is_control())
        .flat_map(|c| match c {
            '"' | '\\' => vec!['\\', c],
            c => vec![c],
        })
        .collect();
    format!("\"{escaped}\"")
}

fn identity(display_name: Option<&str>, uri: &str) -> Header {
    let value = match display_name.filter(|n| !n.trim().is_empty()) {
        Some(name) => format!("{} <{uri}>", quoted(name)),
        None => format!("<{uri}>"),
    };
    Header::Other("P-Preferred-Identity".into(), value)
}

pub(crate) fn present(presentation: &Presentation, account: &AccountConfig) -> Presented {
    let host = account.domain();
    let own = format!("sip:{}@{host}", account.user);
    match presentation {
        Presentation::Account => Presented {
            caller: own,
            display_name: account.display_name.clone(),
            headers: Vec::new(),
        },
        Presentation::Number {
            user,
            display_name,
            header: IdentityHeader::From,
        } => Presented {
            caller: format!("sip:{user}@{host}"),
            display_name: display_name
                .clone()
                .or_else(|| account.display_name.clone()),
            headers: Vec::new(),
        },
        Presentation::Number {
            user,
            display_name,
            header: IdentityHeader::PPreferredIdentity,
        } => Presented {
            caller: own,
            display_name: account.display_name.clone(),
            headers: vec![identity(
                display_name.as_deref(),
                &format!("sip:{user}@{host}"),
            )],
        },
        Presentation::Anonymous => Presented {
            caller: "sip:anonymous@anonymous.invalid".into(),
            display_name: Some("Anonymous".into()),
            headers: vec![
                Header::Other("Privacy".into(), "id".into()),
                identity(account.display_name.as_deref(), &own),
            ],
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account() -> AccountConfig {
        AccountConfig {
            registrar: "sip:pbx.example".into(),
            user: "1001".into(),
            auth_user: None,
            password: String::new(),
            display_name: Some("Agent \"A\"".into()),
            transport: crate::Transport::Udp,
            expires: 600,
            outbound_proxy: None,
            tls_ca: None,
        }
    }

    #[test]
    fn anonymous_calls_hide_from_and_ask_for_privacy() {
        let p = present(&Presentation::Anonymous, &account());
        assert_eq!(p.caller, "sip:anonymous@anonymous.invalid");
        let headers: Vec<String> = p.headers.iter().map(ToString::to_string).collect();
        assert_eq!(
            headers,
            [
                "Privacy: id",
                "P-Preferred-Identity: \"Agent \\\"A\\\"\" <sip:1001@pbx.example>"
            ]
        );
    }

    #[test]
    fn another_number_goes_in_from_or_in_p_preferred_identity() {
        let number = |header| Presentation::Number {
            user: "+33800123456".into(),
            display_name: Some("Support".into()),
            header,
        };
        let from = present(&number(IdentityHeader::From), &account());
        assert_eq!(from.caller, "sip:+33800123456@pbx.example");
        assert_eq!(from.display_name.as_deref(), Some("Support"));
        assert!(from.headers.is_empty());
        let asserted = present(&number(IdentityHeader::PPreferredIdentity), &account());
        assert_eq!(asserted.caller, "sip:1001@pbx.example");
        assert_eq!(
            asserted.headers[0].to_string(),
            "P-Preferred-Identity: \"Support\" <sip:+33800123456@pbx.example>"
        );
    }
}
