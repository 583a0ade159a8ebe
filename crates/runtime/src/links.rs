//! Links opened outside the app (`tel:`, RFC 3966; `sip:`/`sips:`, RFC 3261 §19.1;
//! `callto:`): the number is read with the dial plan, as if typed in the dial box, then
//! dialled at once or offered for the agent to confirm, by setting.

use serde::Serialize;
use switchboard_core::Source;

use crate::{Error, Handle, NumberInfo};

/// The schemes Switchboard handles.
pub const LINK_SCHEMES: [&str; 4] = ["tel", "sip", "sips", "callto"];

/// Whether `text` is a link Switchboard handles (an argument of the command line, a URL the
/// OS hands over).
pub fn is_link(text: &str) -> bool {
    text.split_once(':').is_some_and(|(scheme, _)| {
        LINK_SCHEMES
            .iter()
            .any(|s| s.eq_ignore_ascii_case(scheme.trim()))
    })
}

/// What became of a link.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum LinkOutcome {
    /// Dialled: the new line.
    Dialled {
        /// The new line.
        call: String,
        /// The number dialled.
        number: NumberInfo,
    },
    /// To confirm: the number read.
    Confirm {
        /// The number to dial if the agent confirms.
        number: NumberInfo,
        /// The link, decoded: what the dial box dials on confirmation.
        input: String,
    },
}

impl Handle {
    /// Takes a link opened outside the app. A link that is no number says what is wrong and
    /// dials nothing.
    pub fn open_link(&self, link: &str) -> Result<LinkOutcome, Error> {
        let link = link.trim();
        // A link's number is percent-encoded (RFC 3966 §5.1.5: `%2B` for +).
        let decoded = percent_decode(link);
        let number = self.normalize(&decoded, Source::DialBox)?;
        if self.desk_settings().dial_links_at_once {
            let call = self.dial(&decoded, Source::DialBox)?;
            Ok(LinkOutcome::Dialled { call, number })
        } else {
            Ok(LinkOutcome::Confirm {
                number,
                input: decoded,
            })
        }
    }
}

/// `%XX` sequences decoded; a broken one is kept as it is (and refused by the dial plan).
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (bytes[i], bytes.get(i + 1), bytes.get(i + 2)) {
            (b'%', Some(&h), Some(&l)) if hex(h).is_some() && hex(l).is_some() => {
                let value = hex(h).unwrap_or(0) * 16 + hex(l).unwrap_or(0);
                out.push(u8::try_from(value).unwrap_or(b'?'));
                i += 3;
            }
            (b, ..) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_are_told_from_other_arguments() {
        assert!(is_link("tel:+33144556677"));
        assert!(is_link("TEL:0144556677"));
        assert!(is_link("callto://0144556677"));
        assert!(is_link("sip:2004@pbx.example"));
        assert!(!is_link("--debug"));
        assert!(!is_link("https://example.com"));
        assert!(!is_link("/home/agent/file.csv"));
    }

    #[test]
    fn percent_encoded_numbers_are_decoded() {
        assert_eq!(percent_decode("tel:%2B33144556677"), "tel:+33144556677");
        assert_eq!(percent_decode("tel:01%2044"), "tel:01 44");
        assert_eq!(percent_decode("tel:%zz1"), "tel:%zz1");
        assert_eq!(percent_decode("tel:1%2"), "tel:1%2");
    }
}
