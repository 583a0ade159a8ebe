//! Screening a new call before it rings: the agent's state and call filter decide, through a
//! rule the runtime installs, whether the INVITE rings, is refused (486 Busy Here, 603
//! Decline) or is sent elsewhere (302 Moved Temporarily, RFC 3261 §21.3.3: the caller's side
//! recurses to the Contact).

use std::sync::{Arc, PoisonError, RwLock};

/// What to do with a new call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Screening {
    /// Let it ring.
    Ring,
    /// Refuse it with this final status (486 or 603).
    Refuse {
        /// The status.
        status: u16,
        /// Why, for whoever follows the events (`filtered`, `agent_unavailable`...).
        reason: String,
    },
    /// Send the caller to `to` (a number or a SIP address).
    Forward {
        /// The target.
        to: String,
        /// Why.
        reason: String,
    },
}

/// The rule: the caller's user part and display name in, a decision out.
pub type Screen = Arc<dyn Fn(&str, Option<&str>) -> Screening + Send + Sync>;

/// The rule in force (none: every call rings).
#[derive(Clone, Default)]
pub(crate) struct Screener(Arc<RwLock<Option<Screen>>>);

impl std::fmt::Debug for Screener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Screener").finish_non_exhaustive()
    }
}

impl Screener {
    pub(crate) fn set(&self, screen: Option<Screen>) {
        *self.0.write().unwrap_or_else(PoisonError::into_inner) = screen;
    }

    pub(crate) fn judge(&self, user: &str, display_name: Option<&str>) -> Screening {
        self.0
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
            .map_or(Screening::Ring, |screen| screen(user, display_name))
    }
}

/// The Contact of a 302 to `to`: a SIP address as given (the runtime gives the account's
/// domain with a number), else a number on the domain the call was addressed to.
pub(crate) fn forward_contact(to: &str, domain: &str) -> String {
    let to = to.trim();
    if to.starts_with("sip:") || to.starts_with("sips:") {
        format!("<{to}>")
    } else if to.contains('@') {
        format!("<sip:{to}>")
    } else {
        format!("<sip:{to}@{domain}>")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_number_is_forwarded_on_the_called_domain() {
        assert_eq!(
            forward_contact(" 2005 ", "pbx.example"),
            "<sip:2005@pbx.example>"
        );
        assert_eq!(
            forward_contact("sip:queue@acd.example", "pbx.example"),
            "<sip:queue@acd.example>"
        );
        assert_eq!(forward_contact("bob@x.example", "p"), "<sip:bob@x.example>");
    }
}
