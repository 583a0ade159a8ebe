//! Call filtering on the client, as OVH CCS offers it on the PBX: a block list or an allow
//! list of numbers and number ranges (prefixes), and refusal of anonymous calls.

use serde::{Deserialize, Serialize};

use crate::dialplan::DialPlan;
use crate::matching::{Caller, UnknownReason};
use crate::number::{Number, Source};

/// Which list is in force.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum FilterMode {
    /// No list: every caller rings.
    #[default]
    Off,
    /// The listed numbers are refused.
    Block,
    /// Only the listed numbers ring (colleagues always do).
    Allow,
}

/// The filter as the agent sets it: entries as typed (`+33 6 12 34 56 78`, `0899*`, `1234`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct FilterSettings {
    /// Block list, allow list or none.
    pub mode: FilterMode,
    /// Numbers, or ranges ending with `*`.
    pub entries: Vec<String>,
    /// Refuse callers who hide their number.
    pub refuse_anonymous: bool,
}

/// Most entries in the list.
pub const MAX_FILTER_ENTRIES: usize = 10_000;

/// A list entry that cannot be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("entry {line} ({entry:?}): {problem}")]
pub struct FilterError {
    /// Its place in the list, from 1.
    pub line: usize,
    /// As typed.
    pub entry: String,
    /// What is wrong.
    pub problem: &'static str,
}

/// One entry read with the dial plan: what a public caller's E.164 number is compared with
/// (`+33899`), and what a colleague's extension is compared with.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Entry {
    international: Option<String>,
    local: Option<String>,
    prefix: bool,
}

/// Why a call is refused.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum Verdict {
    /// It may ring.
    Pass,
    /// The number is on the block list (`entry` as the agent typed it).
    Blocked {
        /// The entry that matched.
        entry: String,
    },
    /// An allow list is in force and the number is not on it.
    NotAllowed,
    /// The caller hides their number.
    Anonymous,
}

/// The filter, ready to judge callers.
#[derive(Clone, Debug, Default)]
pub struct CallFilter {
    mode: FilterMode,
    entries: Vec<(Entry, String)>,
    refuse_anonymous: bool,
}

fn read_entry(text: &str, plan: &DialPlan) -> Result<Entry, &'static str> {
    let cleaned: String = text
        .chars()
        .filter(|c| !matches!(c, ' ' | '.' | '-' | '(' | ')' | '/' | '\u{a0}'))
        .collect();
    let (body, prefix) = match cleaned.strip_suffix('*') {
        Some(body) => (body, true),
        None => (cleaned.as_str(), false),
    };
    let digits = body.strip_prefix('+').unwrap_or(body);
    if digits.is_empty() {
        return Err("no digits");
    }
    if !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err("only digits, spaces, a leading + and a final * are allowed");
    }
    if !prefix {
        // A whole number, read exactly as a caller's number is.
        return match Number::parse(body, plan, Source::Field) {
            Ok(Number::External { e164, .. }) => Ok(Entry {
                international: Some(e164.as_str().to_owned()),
                local: None,
                prefix,
            }),
            Ok(Number::Internal { extension, .. }) => Ok(Entry {
                international: None,
                local: Some(extension),
                prefix,
            }),
            Ok(Number::Short { digits, .. }) => Ok(Entry {
                international: None,
                local: Some(digits),
                prefix,
            }),
            Ok(Number::Uri { .. }) | Err(_) => Err("not a number the dial plan can read"),
        };
    }
    // The start of a range: in international form when written so, or after the trunk
    // prefix; otherwise extensions (and, in countries without a trunk prefix, national
    // numbers too).
    let country = plan.country;
    let access = country.international_access_code();
    let trunk = country.trunk_prefix();
    let code = country.calling_code();
    let (international, local) = if body.starts_with('+') {
        (Some(format!("+{digits}")), None)
    } else if let Some(rest) = digits.strip_prefix(access).filter(|_| !access.is_empty()) {
        (Some(format!("+{rest}")), None)
    } else if let Some(rest) = digits.strip_prefix(trunk).filter(|_| !trunk.is_empty()) {
        (Some(format!("+{code}{rest}")), None)
    } else if trunk.is_empty() {
        (Some(format!("+{code}{digits}")), Some(digits.to_owned()))
    } else {
        (None, Some(digits.to_owned()))
    };
    // `00*` or `+3*` would refuse whole continents: a range names a country and more.
    if international
        .as_deref()
        .is_some_and(|i| i.len() < 4 && local.is_none())
    {
        return Err("a range needs a country code and at least one more digit");
    }
    Ok(Entry {
        international,
        local,
        prefix,
    })
}

impl CallFilter {
    /// Reads the agent's settings with the dial plan; every unreadable entry is reported
    /// with its place.
    pub fn new(settings: &FilterSettings, plan: &DialPlan) -> Result<Self, Vec<FilterError>> {
        let mut errors = Vec::new();
        if settings.entries.len() > MAX_FILTER_ENTRIES {
            errors.push(FilterError {
                line: MAX_FILTER_ENTRIES + 1,
                entry: settings.entries[MAX_FILTER_ENTRIES].clone(),
                problem: "the list holds at most 10,000 entries",
            });
        }
        let mut entries = Vec::new();
        for (i, text) in settings.entries.iter().enumerate().take(MAX_FILTER_ENTRIES) {
            if text.trim().is_empty() {
                continue;
            }
            match read_entry(text, plan) {
                Ok(entry) => entries.push((entry, text.trim().to_owned())),
                Err(problem) => errors.push(FilterError {
                    line: i + 1,
                    entry: text.clone(),
                    problem,
                }),
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Self {
            mode: settings.mode,
            entries,
            refuse_anonymous: settings.refuse_anonymous,
        })
    }

    /// The entry matching a public number (`international`) or an extension.
    fn find(&self, number: &str, international: bool) -> Option<&str> {
        self.entries
            .iter()
            .find(|(e, _)| {
                let side = if international {
                    &e.international
                } else {
                    &e.local
                };
                side.as_deref().is_some_and(|digits| {
                    if e.prefix {
                        number.starts_with(digits)
                    } else {
                        number == digits
                    }
                })
            })
            .map(|(_, typed)| typed.as_str())
    }

    /// Judges a caller.
    pub fn judge(&self, caller: &Caller) -> Verdict {
        let number = match caller {
            Caller::External { e164 } => e164.as_str().to_owned(),
            Caller::Internal { extension, .. } => extension.clone(),
            Caller::Unknown {
                reason: UnknownReason::Anonymous | UnknownReason::Withheld,
            } => {
                return if self.refuse_anonymous {
                    Verdict::Anonymous
                } else if self.mode == FilterMode::Allow {
                    Verdict::NotAllowed
                } else {
                    Verdict::Pass
                };
            }
            Caller::Unknown { .. } => String::new(),
        };
        let international = matches!(caller, Caller::External { .. });
        match self.mode {
            FilterMode::Off => Verdict::Pass,
            FilterMode::Block => match self.find(&number, international) {
                Some(entry) => Verdict::Blocked {
                    entry: entry.to_owned(),
                },
                None => Verdict::Pass,
            },
            // Colleagues are never kept out by an allow list of customers.
            FilterMode::Allow if matches!(caller, Caller::Internal { .. }) => Verdict::Pass,
            FilterMode::Allow => match self.find(&number, international) {
                Some(_) => Verdict::Pass,
                None => Verdict::NotAllowed,
            },
        }
    }
}
