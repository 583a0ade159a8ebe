//! Who is calling: classify the caller's identity, then rank the contacts the store found.
//!
//! Order, as a CTI screen pop lists them: the caller's own number stored on a contact
//! (exact E.164), then a number with the same last N significant digits (a number stored
//! without country code, or with a typo in the prefix), then the company's switchboard or a
//! number range the caller's number starts with ("a number whose number or prefix equals the
//! caller ID"). Every match is kept, each with its reason.

use std::collections::HashMap;

use serde::Serialize;

use crate::dialplan::DialPlan;
use crate::number::{Number, Source, E164};

/// The identity a call arrives with: user part and display name of P-Asserted-Identity,
/// or of From when there is none.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CallerIdentity {
    /// The user part (`+441615527789`, `2004`, `anonymous`).
    pub user: String,
    /// The display name, if any.
    pub display_name: Option<String>,
}

/// Why a caller cannot be looked up.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum UnknownReason {
    /// The caller asked for anonymity (`anonymous`, RFC 3323).
    Anonymous,
    /// The network withheld the number (`withheld`, `restricted`, `private`, `unavailable`).
    Withheld,
    /// The identity holds something that is not a number.
    Unrecognised,
}

/// What the caller is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Caller {
    /// A public number: look it up.
    External {
        /// The caller's number.
        #[cfg_attr(feature = "specta", specta(type = String))]
        e164: E164,
    },
    /// A colleague: the number has the extension length.
    Internal {
        /// The extension.
        extension: String,
        /// The name the PBX gave, if any.
        name: Option<String>,
    },
    /// Nothing to look up.
    Unknown {
        /// Why.
        reason: UnknownReason,
    },
}

const WITHHELD: [&str; 6] = [
    "withheld",
    "restricted",
    "private",
    "unavailable",
    "unknown",
    "masqué",
];

/// Classifies the caller's identity under `plan`.
pub fn classify(identity: &CallerIdentity, plan: &DialPlan) -> Caller {
    let user = identity.user.trim().to_lowercase();
    let name = identity
        .display_name
        .as_deref()
        .map(|n| n.trim().trim_matches('"').to_lowercase())
        .unwrap_or_default();
    if user == "anonymous" || name == "anonymous" || name == "anonyme" {
        return Caller::Unknown {
            reason: UnknownReason::Anonymous,
        };
    }
    if user.is_empty() || WITHHELD.contains(&user.as_str()) || WITHHELD.contains(&name.as_str()) {
        return Caller::Unknown {
            reason: UnknownReason::Withheld,
        };
    }
    match Number::parse(&identity.user, plan, Source::Field) {
        Ok(Number::External { e164, .. }) => Caller::External { e164 },
        Ok(Number::Internal { extension }) => Caller::Internal {
            extension,
            name: identity.display_name.clone().filter(|n| !n.is_empty()),
        },
        // A caller cannot be a service code: digits of the extension length that the plan
        // would dial as a short code (1002 is a carrier code in France) are a colleague.
        Ok(Number::Short { digits, .. })
            if digits.len() == usize::from(plan.extension_len)
                && digits.bytes().all(|b| b.is_ascii_digit()) =>
        {
            Caller::Internal {
                extension: digits,
                name: identity.display_name.clone().filter(|n| !n.is_empty()),
            }
        }
        _ => Caller::Unknown {
            reason: UnknownReason::Unrecognised,
        },
    }
}

/// The index key for last-digits matching: the digits reversed, so that "same last N digits"
/// is a prefix search the store answers from an index, for any N.
pub fn last_digits_key(digits: &str) -> String {
    digits.chars().rev().filter(char::is_ascii_digit).collect()
}

/// The prefixes of a caller's number that a stored number range could equal (the E.164
/// digits, shortest first, from [`MIN_RANGE_DIGITS`] to all but the last).
pub fn range_prefixes(caller: &E164) -> Vec<String> {
    let digits = caller.digits();
    (MIN_RANGE_DIGITS..digits.len())
        .map(|n| digits[..n].to_owned())
        .collect()
}

/// Matching settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct MatchConfig {
    /// How many trailing significant digits must agree for a "same last digits" match.
    pub last_digits: u8,
}

impl Default for MatchConfig {
    fn default() -> Self {
        Self { last_digits: 9 }
    }
}

/// The kind of stored number a candidate was found through.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Via {
    /// One of the contact's own numbers.
    Own,
    /// A switchboard number, the contact's or its company's.
    Switchboard,
    /// A number range (prefix) of the contact or its company.
    Range,
}

/// A contact the store found for a caller, with the stored number it was found through.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Candidate {
    /// The contact, or `None` for a company with no contacts.
    pub contact_id: Option<i64>,
    /// The company, if any.
    pub company_id: Option<i64>,
    /// Name shown first, used to order matches of equal rank.
    pub name: String,
    /// The stored number's E.164 form, or for a range, its prefix digits with `+`.
    pub stored: String,
    /// How the stored number relates to the contact.
    pub via: Via,
}

/// Why a contact matches.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum MatchReason {
    /// An internal caller: the colleague whose extension this is.
    Extension,
    /// The caller's number is one of the contact's own numbers.
    Exact,
    /// The last `digits` significant digits agree.
    LastDigits {
        /// How many.
        digits: u8,
    },
    /// The caller's number is the switchboard of the contact's company.
    CompanySwitchboard,
    /// The caller's number starts with a stored number range.
    NumberRange {
        /// The range's prefix, E.164 digits with `+`.
        prefix: String,
    },
}

impl MatchReason {
    /// Lower is better: the order above, a longer number range before a shorter one.
    fn rank(&self) -> (u8, std::cmp::Reverse<usize>) {
        use std::cmp::Reverse;
        match self {
            Self::Extension | Self::Exact => (0, Reverse(0)),
            Self::LastDigits { digits } => (1, Reverse(usize::from(*digits))),
            Self::CompanySwitchboard => (2, Reverse(0)),
            Self::NumberRange { prefix } => (3, Reverse(prefix.len())),
        }
    }
}

/// Fewest digits a stored number range may have (country code included): shorter ranges
/// would match whole regions.
pub const MIN_RANGE_DIGITS: usize = 6;

/// One ranked match.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Match {
    /// Who.
    pub candidate: Candidate,
    /// Why.
    pub reason: MatchReason,
}

/// Why `candidate` matches `caller`, if it does.
fn reason(caller: &E164, candidate: &Candidate, config: MatchConfig) -> Option<MatchReason> {
    let stored = candidate.stored.trim_start_matches('+');
    if candidate.via == Via::Range {
        let whole = stored.len() >= MIN_RANGE_DIGITS && caller.digits().starts_with(stored);
        return whole.then(|| MatchReason::NumberRange {
            prefix: candidate.stored.clone(),
        });
    }
    if stored == caller.digits() {
        return Some(match candidate.via {
            Via::Own => MatchReason::Exact,
            Via::Switchboard | Via::Range => MatchReason::CompanySwitchboard,
        });
    }
    let n = usize::from(config.last_digits);
    let significant = caller.national_significant();
    let same_tail = n > 0
        && significant.len() >= n
        && stored.len() >= n
        && stored[stored.len() - n..] == significant[significant.len() - n..];
    same_tail.then_some(MatchReason::LastDigits {
        digits: config.last_digits,
    })
}

/// Ranks the store's candidates for `caller`: each contact (or company) once, with its best
/// reason, best first, then by name. Candidates that do not match are dropped.
pub fn rank(
    caller: &E164,
    candidates: impl IntoIterator<Item = Candidate>,
    config: MatchConfig,
) -> Vec<Match> {
    let mut best: HashMap<(Option<i64>, Option<i64>), Match> = HashMap::new();
    for candidate in candidates {
        let Some(reason) = reason(caller, &candidate, config) else {
            continue;
        };
        let key = (candidate.contact_id, candidate.company_id);
        match best.get(&key) {
            Some(held) if held.reason.rank() <= reason.rank() => {}
            _ => {
                best.insert(key, Match { candidate, reason });
            }
        }
    }
    let mut ranked: Vec<Match> = best.into_values().collect();
    ranked.sort_by(|a, b| {
        (a.reason.rank(), &a.candidate.name, a.candidate.contact_id).cmp(&(
            b.reason.rank(),
            &b.candidate.name,
            b.candidate.contact_id,
        ))
    });
    ranked
}
