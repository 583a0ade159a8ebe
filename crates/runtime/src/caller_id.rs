//! The outbound caller ID (Genesys "identification de l'appelant"): the numbers the agent
//! may present, where the PBX expects them (From or P-Preferred-Identity), and the choice
//! for the next calls, which stays until the agent changes it: the account's own number,
//! one of the list, or anonymous.

use serde::{Deserialize, Serialize};
use switchboard_core::Source;
use switchboard_sip::{IdentityHeader, Presentation};

use crate::{settings, Error, Handle};

/// A number the agent may present.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PresentedNumber {
    /// The number, as typed (read with the dial plan).
    pub number: String,
    /// What it is (`Support`, `Ventes`): also the name shown to the called party.
    pub label: String,
}

/// Where the PBX expects the presented number.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum IdentityField {
    /// The From header.
    #[default]
    From,
    /// The P-Preferred-Identity header (RFC 3325).
    PPreferredIdentity,
}

/// The caller ID of the next calls.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "as", rename_all = "snake_case")]
pub enum CallerIdChoice {
    /// The account's own number.
    #[default]
    Account,
    /// A number of the list.
    Number {
        /// The number, as in the list.
        number: String,
    },
    /// Withheld (Privacy: id).
    Anonymous,
}

/// The caller ID settings (settings key `caller_id`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(default)]
pub struct CallerIdSettings {
    /// The numbers the agent may present.
    pub numbers: Vec<PresentedNumber>,
    /// Where they go.
    pub field: IdentityField,
    /// The choice for the next calls (the last one made).
    pub choice: CallerIdChoice,
}

/// Most numbers in the list.
const MAX_NUMBERS: usize = 20;

impl Handle {
    /// The caller ID settings and the current choice.
    pub fn caller_id(&self) -> CallerIdSettings {
        self.settings().caller_id
    }

    /// Checks and stores the list of numbers and where they go (a choice no longer in the
    /// list goes back to the account's number).
    pub async fn save_caller_id(&self, new: &CallerIdSettings) -> Result<(), Error> {
        let mut new = new.clone();
        if new.numbers.len() > MAX_NUMBERS {
            return Err(Error::InvalidField {
                field: "numbers",
                reason: format!("at most {MAX_NUMBERS} numbers"),
            });
        }
        for entry in &mut new.numbers {
            entry.number = entry.number.trim().to_owned();
            entry.label = entry.label.trim().to_owned();
            // A number (the user part of an address), never a SIP address.
            if self.normalize(&entry.number, Source::DialBox)?.kind == "uri" {
                return Err(Error::InvalidField {
                    field: "numbers",
                    reason: format!("{}: a phone number, not a SIP address", entry.number),
                });
            }
            if entry.label.is_empty() || entry.label.chars().count() > 60 {
                return Err(Error::InvalidField {
                    field: "label",
                    reason: format!("{}: a label of 1 to 60 characters", entry.number),
                });
            }
        }
        if let CallerIdChoice::Number { number } = &new.choice {
            if !new.numbers.iter().any(|n| &n.number == number) {
                new.choice = CallerIdChoice::Account;
            }
        }
        self.store.set_setting(settings::CALLER_ID, &new).await?;
        self.settings
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .caller_id = new;
        Ok(())
    }

    /// Chooses the caller ID of the next calls; it stays the default until changed.
    pub async fn choose_caller_id(&self, choice: CallerIdChoice) -> Result<(), Error> {
        let mut settings = self.caller_id();
        if let CallerIdChoice::Number { number } = &choice {
            if !settings.numbers.iter().any(|n| &n.number == number) {
                return Err(Error::InvalidField {
                    field: "caller_id",
                    reason: format!("{number} is not one of the numbers to present"),
                });
            }
        }
        settings.choice = choice;
        self.save_caller_id(&settings).await
    }

    /// How the next call presents the agent: a number the dial plan no longer reads falls
    /// back to the account's own (and says so in the log), so that calls still go out.
    pub(crate) fn presentation(&self) -> Presentation {
        self.chosen_presentation().unwrap_or_else(|e| {
            tracing::warn!("the chosen caller ID cannot be used ({e}): the account's is");
            Presentation::Account
        })
    }

    fn chosen_presentation(&self) -> Result<Presentation, Error> {
        let settings = self.caller_id();
        Ok(match &settings.choice {
            CallerIdChoice::Account => Presentation::Account,
            CallerIdChoice::Anonymous => Presentation::Anonymous,
            CallerIdChoice::Number { number } => {
                let label = settings
                    .numbers
                    .iter()
                    .find(|n| &n.number == number)
                    .map(|n| n.label.clone());
                Presentation::Number {
                    user: self.normalize(number, Source::DialBox)?.dial,
                    display_name: label,
                    header: match settings.field {
                        IdentityField::From => IdentityHeader::From,
                        IdentityField::PPreferredIdentity => IdentityHeader::PPreferredIdentity,
                    },
                }
            }
        })
    }
}
