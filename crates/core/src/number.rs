//! Phone numbers: parse what an agent typed or a CRM field holds into a typed value, then
//! write it for the PBX ([`Number::dial_string`]) or for a person ([`Number::display`]).
//!
//! Parsing and formatting of public numbers is libphonenumber's (the `phonenumber` crate);
//! this module decides which reading of the digits the dial plan means.

use std::fmt;

use phonenumber::{Mode, PhoneNumber};
use serde::{Serialize, Serializer};

use crate::dialplan::{DialFormat, DialPlan};
use crate::shortcode::{self, ShortKind};
use crate::sipuri::SipUri;

/// Where the text comes from, which decides how strict parsing is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// Typed or pasted into the dial box: letters are refused with a message.
    DialBox,
    /// A stored field (contact, CRM, CSV): every non-digit is ignored, as CTI does.
    Field,
}

/// Longest input looked at, in characters; anything longer is refused unread.
const MAX_INPUT: usize = 256;
/// Most digits a dialled number can have: 15 (E.164) plus external and international prefixes.
const MAX_DIGITS: usize = 20;

/// A number in E.164 form (`+33123456789`), valid by construction.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct E164(String);

impl E164 {
    /// Checks a stored E.164 string (`+` and digits, valid in libphonenumber's metadata).
    pub fn parse(s: &str) -> Result<Self, NumberError> {
        let ok = s.starts_with('+') && s.len() > 2 && s[1..].bytes().all(|b| b.is_ascii_digit());
        match phonenumber::parse(None, s) {
            Ok(n) if ok && n.is_valid() => Ok(Self(s.to_owned())),
            _ => Err(NumberError::NotValid {
                country: "international".into(),
            }),
        }
    }

    /// The `+`-prefixed string.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The digits without `+`.
    pub fn digits(&self) -> &str {
        &self.0[1..]
    }

    fn phone(&self) -> Option<PhoneNumber> {
        phonenumber::parse(None, &self.0).ok()
    }

    /// The country calling code (44 for `+44...`).
    pub fn calling_code(&self) -> u16 {
        self.phone().map_or(0, |p| p.code().value())
    }

    /// The national significant number (`1615527789` for `+441615527789`).
    pub fn national_significant(&self) -> String {
        let cc = self.calling_code().to_string();
        self.digits()
            .strip_prefix(cc.as_str())
            .unwrap_or(self.digits())
            .to_owned()
    }

    /// International human format: `+44 161 552 7789`.
    pub fn international(&self) -> String {
        self.phone().map_or_else(
            || self.0.clone(),
            |p| p.format().mode(Mode::International).to_string(),
        )
    }

    /// National human format: `0161 552 7789`.
    pub fn national(&self) -> String {
        self.phone().map_or_else(
            || self.0.clone(),
            |p| p.format().mode(Mode::National).to_string(),
        )
    }
}

impl fmt::Display for E164 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for E164 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "E164({})", self.0)
    }
}

impl Serialize for E164 {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

/// What kind of short number.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ShortNumberKind {
    /// Police, fire, ambulance, 112.
    Emergency,
    /// A national service code (3919, 118 218, 101).
    Service,
    /// A PBX feature code with `*` or `#` (`*8`, `#31#`).
    Feature,
}

/// A parsed dial target.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Number {
    /// A colleague's extension on the PBX.
    Internal {
        /// The extension digits.
        extension: String,
    },
    /// A public number.
    External {
        /// The number in E.164.
        e164: E164,
        /// An extension to dial after connection (`;ext=12`).
        extension: Option<String>,
    },
    /// A short, emergency or feature code, dialled as it is.
    Short {
        /// The digits, with `*` and `#` for feature codes.
        digits: String,
        /// What the code is.
        short: ShortNumberKind,
    },
    /// A SIP address.
    Uri {
        /// The address.
        uri: SipUri,
    },
}

/// Why a text is not a number that can be dialled.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum NumberError {
    /// Nothing but spaces.
    #[error("the number is empty")]
    Empty,
    /// A letter in the dial box.
    #[error("letters are not allowed in a number (found \"{letter}\")")]
    Letters {
        /// The first letter found.
        letter: char,
    },
    /// A character that is neither a digit nor an accepted separator.
    #[error("the character \"{character}\" is not allowed; use digits, spaces, + ( ) - . * #")]
    InvalidCharacter {
        /// The character.
        character: char,
    },
    /// A control character (tab, escape, NUL...) inside the text.
    #[error("the number contains an invisible control character")]
    ControlCharacter,
    /// `+` somewhere else than first.
    #[error("\"+\" may only appear at the start of the number")]
    MisplacedPlus,
    /// More digits than any number has.
    #[error("the number is too long ({digits} digits, at most {max})")]
    TooLong {
        /// How many digits (or characters) were given.
        digits: usize,
        /// The limit.
        max: usize,
    },
    /// Fewer digits than any number of the country.
    #[error("the number is too short for {country}")]
    TooShort {
        /// The plan's country, or "international".
        country: String,
    },
    /// Digits that are not a number in use in the country.
    #[error("this is not a valid number for {country}")]
    NotValid {
        /// The plan's country, or "international".
        country: String,
    },
    /// A `sip:` address that cannot be used.
    #[error("invalid SIP address: {0}")]
    BadUri(String),
    /// A `xyz:` scheme other than tel, sip, sips, callto.
    #[error("the address type \"{0}:\" cannot be dialled (use tel:, sip: or a number)")]
    UnsupportedScheme(String),
}

impl NumberError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Empty => "number_empty",
            Self::Letters { .. } => "number_letters",
            Self::InvalidCharacter { .. } => "number_invalid_character",
            Self::ControlCharacter => "number_control_character",
            Self::MisplacedPlus => "number_misplaced_plus",
            Self::TooLong { .. } => "number_too_long",
            Self::TooShort { .. } => "number_too_short",
            Self::NotValid { .. } => "number_not_valid",
            Self::BadUri(_) => "number_bad_uri",
            Self::UnsupportedScheme(_) => "number_unsupported_scheme",
        }
    }
}

/// Maps any Unicode decimal digit libphonenumber knows (ASCII, full-width, Arabic-Indic,
/// Eastern Arabic-Indic, Devanagari) to its ASCII digit.
fn ascii_digit(c: char) -> Option<u8> {
    let bases = ['0', '\u{FF10}', '\u{0660}', '\u{06F0}', '\u{0966}'];
    bases.iter().find_map(|&base| {
        let d = (c as u32).wrapping_sub(base as u32);
        (d < 10).then(|| b'0' + d as u8)
    })
}

/// Spaces an agent may paste: ASCII space, no-break and narrow no-break (French formatting).
fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\u{00A0}' | '\u{202F}' | '\u{2009}')
}

/// Digits (and `*#`) pulled out of the text, with a leading `+` if there was one.
struct Digits {
    plus: bool,
    digits: String,
    extension: Option<String>,
}

impl Number {
    /// Parses `input` with the `plan`. Never panics, whatever the input.
    pub fn parse(input: &str, plan: &DialPlan, source: Source) -> Result<Self, NumberError> {
        let count = input.chars().count();
        if count > MAX_INPUT {
            return Err(NumberError::TooLong {
                digits: count,
                max: MAX_DIGITS,
            });
        }
        let text = input.trim_matches(|c: char| c.is_whitespace());
        if text.is_empty() {
            return Err(NumberError::Empty);
        }
        let lower = text.get(..7).unwrap_or(text).to_ascii_lowercase();
        if lower.starts_with("sip:") || lower.starts_with("sips:") {
            return SipUri::parse(text).map(|uri| Self::Uri { uri });
        }
        let digits = if source == Source::Field {
            scan(text, source)?
        } else if lower.starts_with("tel:") {
            tel_digits(&text[4..])?
        } else if lower.starts_with("callto:") {
            let rest = text[7..].trim_start_matches('/');
            scan(rest, source)?
        } else {
            if let Some((scheme, _)) = text.split_once(':') {
                let is_scheme = !scheme.is_empty()
                    && scheme
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '+');
                if is_scheme && source == Source::DialBox {
                    return Err(NumberError::UnsupportedScheme(scheme.to_owned()));
                }
            }
            scan(text, source)?
        };
        resolve(digits, plan)
    }

    /// What the PBX must receive for this number under `plan`.
    pub fn dial_string(&self, plan: &DialPlan) -> String {
        match self {
            Self::Internal { extension } => extension.clone(),
            Self::Short {
                digits,
                short: ShortNumberKind::Feature,
            } => digits.clone(),
            Self::Short { digits, .. } => format!("{}{digits}", plan.external_prefix),
            Self::Uri { uri } => uri.to_string(),
            Self::External { e164, .. } => {
                let prefix = &plan.external_prefix;
                let country = plan.country;
                let international = || {
                    format!(
                        "{prefix}{}{}",
                        country.international_access_code(),
                        e164.digits()
                    )
                };
                match plan.format {
                    DialFormat::E164 => e164.as_str().to_owned(),
                    DialFormat::International => international(),
                    DialFormat::National if e164.calling_code() == country.calling_code() => {
                        let national: String = e164
                            .national()
                            .chars()
                            .filter(char::is_ascii_digit)
                            .collect();
                        format!("{prefix}{national}")
                    }
                    DialFormat::National => international(),
                }
            }
        }
    }

    /// The human format: `+44 161 552 7789`, `2004`, `112`, `sip:1002@pbx.example`.
    pub fn display(&self) -> String {
        match self {
            Self::Internal { extension } => extension.clone(),
            Self::External { e164, extension } => match extension {
                Some(ext) => format!("{} ext. {ext}", e164.international()),
                None => e164.international(),
            },
            Self::Short { digits, .. } => digits.clone(),
            Self::Uri { uri } => uri.to_string(),
        }
    }

    /// The E.164 form, for external numbers.
    pub fn e164(&self) -> Option<&E164> {
        match self {
            Self::External { e164, .. } => Some(e164),
            _ => None,
        }
    }
}

/// RFC 3966 §3: `tel:` global-number (`+` digits and visual separators) or local number,
/// then `;ext=`, `;phone-context=` and other parameters (ignored, §5.3).
fn tel_digits(rest: &str) -> Result<Digits, NumberError> {
    let mut parts = rest.split(';');
    let number = parts.next().unwrap_or("");
    let mut found = scan(number, Source::DialBox)?;
    for param in parts {
        let (name, value) = param.split_once('=').unwrap_or((param, ""));
        match name.to_ascii_lowercase().as_str() {
            "ext" => {
                let ext = scan(value, Source::DialBox)?;
                if ext.plus || ext.digits.is_empty() {
                    return Err(NumberError::InvalidCharacter { character: ';' });
                }
                found.extension = Some(ext.digits);
            }
            // §5.1.5: a local number's context, when it is a global number prefix.
            "phone-context" if !found.plus && value.starts_with('+') => {
                let ctx = scan(value, Source::DialBox)?;
                found = Digits {
                    plus: true,
                    digits: format!("{}{}", ctx.digits, found.digits),
                    extension: found.extension,
                };
            }
            _ => {}
        }
    }
    Ok(found)
}

/// Pulls the digits out of `text`. In the dial box only separators are skipped and anything
/// else is an error; in a field every non-digit is skipped, and `ext`, `x` or `poste` start an
/// extension.
fn scan(text: &str, source: Source) -> Result<Digits, NumberError> {
    let mut out = Digits {
        plus: false,
        digits: String::new(),
        extension: None,
    };
    let mut in_extension = false;
    let mut ext = String::new();
    let mut seen_digit = false;
    let mut chars = text.char_indices();
    while let Some((i, c)) = chars.next() {
        if let Some(d) = ascii_digit(c) {
            seen_digit = true;
            if in_extension {
                &mut ext
            } else {
                &mut out.digits
            }
            .push(d as char);
            continue;
        }
        if c.is_control() && !(source == Source::Field && c.is_whitespace()) {
            return Err(NumberError::ControlCharacter);
        }
        match (source, c) {
            (_, '+') if !seen_digit && !out.plus && out.digits.is_empty() => out.plus = true,
            (Source::DialBox, '+') => return Err(NumberError::MisplacedPlus),
            (_, '*' | '#') if !in_extension => out.digits.push(c),
            (Source::DialBox, '(' | ')' | '-' | '.') => {}
            (Source::DialBox, c) if is_space(c) => {}
            (Source::DialBox, c) if c.is_alphabetic() => {
                return Err(NumberError::Letters { letter: c });
            }
            (Source::DialBox, c) => return Err(NumberError::InvalidCharacter { character: c }),
            (Source::Field, _) if seen_digit && !in_extension => {
                let rest = text[i..].get(..5).unwrap_or(&text[i..]).to_lowercase();
                for marker in ["ext", "poste", "x"] {
                    if rest.starts_with(marker) {
                        in_extension = true;
                        for _ in 1..marker.len() {
                            chars.next();
                        }
                        break;
                    }
                }
            }
            (Source::Field, _) => {}
        }
    }
    if !ext.is_empty() {
        out.extension = Some(ext);
    }
    Ok(out)
}

fn valid(parsed: Result<PhoneNumber, phonenumber::ParseError>) -> Option<E164> {
    let number = parsed.ok().filter(PhoneNumber::is_valid)?;
    Some(E164(number.format().mode(Mode::E164).to_string()))
}

/// Decides which number the digits are, in the order an agent means them.
fn resolve(found: Digits, plan: &DialPlan) -> Result<Number, NumberError> {
    let Digits {
        plus,
        digits,
        extension,
    } = found;
    let country = plan.country;
    let too_short = || NumberError::TooShort {
        country: if plus {
            "international".into()
        } else {
            country.code().into()
        },
    };
    if digits.is_empty() {
        return Err(if plus {
            too_short()
        } else {
            NumberError::Empty
        });
    }
    if digits.len() > MAX_DIGITS {
        return Err(NumberError::TooLong {
            digits: digits.len(),
            max: MAX_DIGITS,
        });
    }
    if digits.contains(['*', '#']) {
        if plus {
            return Err(NumberError::InvalidCharacter { character: '+' });
        }
        return Ok(Number::Short {
            digits,
            short: ShortNumberKind::Feature,
        });
    }
    let external = |e164| Number::External {
        e164,
        extension: extension.clone(),
    };
    if plus {
        return valid(phonenumber::parse(None, format!("+{digits}")))
            .map(external)
            .ok_or_else(|| {
                if digits.len() < 7 {
                    too_short()
                } else {
                    NumberError::NotValid {
                        country: "international".into(),
                    }
                }
            });
    }
    if let Some(kind) = shortcode::classify(country.id(), &digits) {
        let short = match kind {
            ShortKind::Emergency => ShortNumberKind::Emergency,
            ShortKind::Service => ShortNumberKind::Service,
        };
        return Ok(Number::Short { digits, short });
    }
    if plan.extension_len > 0 && digits.len() == usize::from(plan.extension_len) {
        return Ok(Number::Internal { extension: digits });
    }
    let national = |d: &str| valid(phonenumber::parse(Some(country.id()), d));
    let local = |d: &str| {
        if plan.area_code.is_empty() || d.starts_with(country.trunk_prefix()) {
            return None;
        }
        let full = format!("{}{}{d}", country.trunk_prefix(), plan.area_code);
        national(&full)
    };
    let with_country_code = |d: &str| {
        if d.len() >= 10 {
            valid(phonenumber::parse(None, format!("+{d}")))
        } else {
            None
        }
    };
    let attempt = |d: &str| national(d).or_else(|| local(d));
    let stripped = (!plan.external_prefix.is_empty())
        .then(|| digits.strip_prefix(plan.external_prefix.as_str()))
        .flatten()
        .filter(|rest| !rest.is_empty());
    attempt(&digits)
        .or_else(|| stripped.and_then(attempt))
        .or_else(|| with_country_code(&digits))
        .map(external)
        .ok_or_else(|| {
            if digits.len() < 6 {
                too_short()
            } else {
                NumberError::NotValid {
                    country: country.code().into(),
                }
            }
        })
}
