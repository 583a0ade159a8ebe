//! What the store returns: plain data, ready to serialise for the window and the CLI.

use serde::Serialize;
use switchboard_core::{MatchReason, NumberKind};

/// A company, by id and name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct CompanyRef {
    /// Row id.
    pub id: i64,
    /// Name as entered.
    pub name: String,
}

/// One stored number.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PhoneEntry {
    /// Row id.
    pub id: i64,
    /// What the number is for.
    pub kind: NumberKind,
    /// As entered.
    pub raw: String,
    /// E.164, when the dial plan could read it as a public number.
    pub e164: Option<String>,
}

/// A line of a contact list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ContactSummary {
    /// Row id.
    pub id: i64,
    /// Name shown.
    pub display_name: String,
    /// Company name, if any.
    pub company: Option<String>,
    /// The first number (work, then mobile, ...), if any.
    pub number: Option<String>,
}

/// Everything about one contact.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ContactCard {
    /// Row id.
    pub id: i64,
    /// Name shown.
    pub display_name: String,
    /// First name.
    pub given_name: String,
    /// Last name.
    pub family_name: String,
    /// Company, if any.
    pub company: Option<CompanyRef>,
    /// E-mail address.
    pub email: String,
    /// Free-text notes.
    pub notes: String,
    /// The contact's own numbers.
    pub numbers: Vec<PhoneEntry>,
    /// The company's numbers (switchboard, ranges).
    pub company_numbers: Vec<PhoneEntry>,
}

/// One contact (or company) matched to a caller, with why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PopMatch {
    /// The contact, or `None` when a company without contacts matched.
    pub contact: Option<ContactSummary>,
    /// The company, if any.
    pub company: Option<CompanyRef>,
    /// The stored number that matched (E.164, or `+` and a range's prefix).
    pub matched_number: String,
    /// Why it matched.
    pub reason: MatchReason,
}
