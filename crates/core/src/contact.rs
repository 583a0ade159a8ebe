//! What a contact's number is for, number ranges, and the folded text used for search.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::dialplan::DialPlan;
use crate::number::{Number, NumberError, Source};

/// What a stored number is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum NumberKind {
    /// Office line.
    Work,
    /// Mobile phone.
    Mobile,
    /// Home line.
    Home,
    /// Fax (never dialled for voice, still matched).
    Fax,
    /// A company's switchboard, shared by its people.
    Switchboard,
    /// A block of numbers (a DDI range): every number starting with the prefix.
    Range,
}

impl NumberKind {
    /// Every kind, in the order a card lists them.
    pub const ALL: [Self; 6] = [
        Self::Work,
        Self::Mobile,
        Self::Home,
        Self::Fax,
        Self::Switchboard,
        Self::Range,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Work => "work",
            Self::Mobile => "mobile",
            Self::Home => "home",
            Self::Fax => "fax",
            Self::Switchboard => "switchboard",
            Self::Range => "range",
        }
    }
}

impl fmt::Display for NumberKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for NumberKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| format!("unknown number kind {s:?}"))
    }
}

/// Reads a number range (`+44 161 552 77..`, `0161 552 77`) as the E.164 digits its numbers
/// start with. National ranges take the plan's country code in place of the trunk prefix.
pub fn parse_range(raw: &str, plan: &DialPlan) -> Result<String, NumberError> {
    let text = raw.trim();
    if text.chars().any(char::is_control) {
        return Err(NumberError::ControlCharacter);
    }
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    let international = text.starts_with('+');
    let country = plan.country;
    let access = country.international_access_code();
    let trunk = country.trunk_prefix();
    let prefix = if international {
        digits
    } else if let Some(rest) = digits.strip_prefix(access) {
        rest.to_owned()
    } else if let Some(rest) = digits.strip_prefix(trunk).filter(|_| !trunk.is_empty()) {
        format!("{}{rest}", country.calling_code())
    } else {
        return Err(NumberError::NotValid {
            country: country.code().into(),
        });
    };
    if prefix.len() < crate::matching::MIN_RANGE_DIGITS {
        return Err(NumberError::TooShort {
            country: "a number range".into(),
        });
    }
    if prefix.len() > 15 {
        return Err(NumberError::TooLong {
            digits: prefix.len(),
            max: 15,
        });
    }
    Ok(prefix)
}

/// A stored number read with the dial plan: its E.164 form when it is a public number.
pub fn stored_e164(raw: &str, plan: &DialPlan) -> Result<Option<String>, NumberError> {
    match Number::parse(raw, plan, Source::Field)? {
        Number::External { e164, .. } => Ok(Some(e164.as_str().to_owned())),
        _ => Ok(None),
    }
}

/// Lower case without accents or extra spaces: what search compares, so that "Genevieve"
/// finds "Geneviève" and "ETIENNE" finds "Étienne".
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars().flat_map(char::to_lowercase) {
        let base = match c {
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' => 'a',
            'ç' => 'c',
            'è' | 'é' | 'ê' | 'ë' => 'e',
            'ì' | 'í' | 'î' | 'ï' => 'i',
            'ñ' => 'n',
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' => 'o',
            'ù' | 'ú' | 'û' | 'ü' => 'u',
            'ý' | 'ÿ' => 'y',
            'œ' => {
                out.push('o');
                'e'
            }
            'æ' => {
                out.push('a');
                'e'
            }
            'ß' => {
                out.push('s');
                's'
            }
            c if c.is_whitespace() => ' ',
            c => c,
        };
        if base == ' ' && (out.is_empty() || out.ends_with(' ')) {
            continue;
        }
        out.push(base);
    }
    if out.ends_with(' ') {
        out.pop();
    }
    out
}
