//! The dial plan: how numbers an agent sees become what the PBX must receive.
//!
//! The settings are the ones a CTI deployment asks for (Sage CRM CTI, "Plan de numérotation"):
//! the default country, the default area code for local numbers dialled without it, the
//! external-line prefix, the length of internal extensions, and the format the PBX expects
//! for external numbers.

use std::fmt;
use std::str::FromStr;

use phonenumber::country::Id;
use serde::{Deserialize, Serialize};

/// How external numbers are written for the PBX.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum DialFormat {
    /// `+` and the E.164 digits: `+441615527789`. No external-line prefix.
    #[default]
    E164,
    /// External-line prefix, the international access code, country code and national number:
    /// `9` `00` `44` `1615527789`.
    International,
    /// Numbers of the plan's country in national form with the trunk prefix (`0161...`),
    /// foreign numbers in international form; both after the external-line prefix.
    National,
}

impl FromStr for DialFormat {
    type Err = PlanError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "e164" | "+e164" => Ok(Self::E164),
            "international" | "00" => Ok(Self::International),
            "national" => Ok(Self::National),
            other => Err(PlanError::Format(other.to_owned())),
        }
    }
}

/// A country of the plan, as its ISO 3166-1 alpha-2 code.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Country(Id);

impl Country {
    /// The libphonenumber region of this country.
    pub fn id(self) -> Id {
        self.0
    }

    /// The two-letter code, upper case.
    pub fn code(&self) -> &str {
        self.0.as_ref()
    }

    /// The country calling code (33 for France).
    pub fn calling_code(self) -> u16 {
        self.metadata()
            .map_or(0, phonenumber::Metadata::country_code)
    }

    /// The digits dialled before a country code from this country (`00`, `011` in the US).
    pub fn international_access_code(self) -> &'static str {
        match self.0 {
            Id::US | Id::CA => "011",
            _ => "00",
        }
    }

    /// The trunk prefix dialled before a national number (`0` in France, `1` in the US).
    pub fn trunk_prefix(self) -> &'static str {
        self.metadata()
            .and_then(phonenumber::Metadata::national_prefix)
            .unwrap_or("")
    }

    fn metadata(self) -> Option<&'static phonenumber::Metadata> {
        phonenumber::metadata::DATABASE.by_id(self.code())
    }
}

impl fmt::Debug for Country {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl fmt::Display for Country {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Country {
    type Err = PlanError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let upper = s.trim().to_ascii_uppercase();
        let id = Id::from_str(&upper).map_err(|_| PlanError::Country(s.to_owned()))?;
        let country = Self(id);
        if country.metadata().is_none() {
            return Err(PlanError::Country(s.to_owned()));
        }
        Ok(country)
    }
}

impl From<Id> for Country {
    fn from(id: Id) -> Self {
        Self(id)
    }
}

impl Serialize for Country {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for Country {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// The agent's dial plan.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct DialPlan {
    /// Country of numbers written without a country code.
    pub country: Country,
    /// Area code (without trunk prefix) added to local numbers dialled without it; empty: none.
    pub area_code: String,
    /// Digits the PBX needs to reach an outside line (`9`, `0`); empty: none.
    pub external_prefix: String,
    /// Length of internal extensions; 0: the PBX has no extensions.
    pub extension_len: u8,
    /// How external numbers are sent to the PBX.
    pub format: DialFormat,
}

impl Default for DialPlan {
    fn default() -> Self {
        Self {
            country: Country(Id::FR),
            area_code: String::new(),
            external_prefix: String::new(),
            extension_len: 4,
            format: DialFormat::E164,
        }
    }
}

impl DialPlan {
    /// Checks every field; the settings screen and the CLI refuse a plan that fails.
    pub fn validate(&self) -> Result<(), PlanError> {
        let trunk = self.country.trunk_prefix();
        if !self.area_code.chars().all(|c| c.is_ascii_digit())
            || self.area_code.len() > 6
            || (!trunk.is_empty() && self.area_code.starts_with(trunk))
        {
            return Err(PlanError::AreaCode(self.area_code.clone()));
        }
        if !self.external_prefix.chars().all(|c| c.is_ascii_digit())
            || self.external_prefix.len() > 3
        {
            return Err(PlanError::ExternalPrefix(self.external_prefix.clone()));
        }
        if self.extension_len > 8 {
            return Err(PlanError::ExtensionLength(self.extension_len));
        }
        Ok(())
    }
}

/// A dial-plan setting that cannot be used.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    /// Not an ISO 3166 country that has a numbering plan.
    #[error("unknown country code \"{0}\" (expected two letters such as FR or GB)")]
    Country(String),
    /// The area code holds something other than up to six digits.
    #[error("the area code \"{0}\" must be up to 6 digits, without the leading 0")]
    AreaCode(String),
    /// The external-line prefix holds something other than up to three digits.
    #[error("the external-line prefix \"{0}\" must be up to 3 digits")]
    ExternalPrefix(String),
    /// Extensions longer than 8 digits are not supported.
    #[error("the extension length {0} is too long (at most 8)")]
    ExtensionLength(u8),
    /// Unknown PBX number format.
    #[error("unknown dialling format \"{0}\" (expected e164, international or national)")]
    Format(String),
}

impl PlanError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Country(_) => "plan_country",
            Self::AreaCode(_) => "plan_area_code",
            Self::ExternalPrefix(_) => "plan_external_prefix",
            Self::ExtensionLength(_) => "plan_extension_length",
            Self::Format(_) => "plan_format",
        }
    }
}
