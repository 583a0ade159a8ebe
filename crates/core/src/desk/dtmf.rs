//! DTMF keys sent to one party (an IVR, a conference party's voicemail): only that party's
//! line carries them, never the rest of a conference.

use super::{Action, Desk, DeskError, LineState};
use crate::desk::error::name;

impl Desk {
    /// Sends `digits` to the party on `line` (answered, alone or in the conference). Digits
    /// are `0-9 * # A-D`; lower-case letters are taken as upper-case, spaces are ignored.
    pub fn dtmf(&mut self, line: &str, digits: &str) -> Result<(), DeskError> {
        if let Some(bad) = digits.chars().find(|c| {
            !c.is_whitespace()
                && !matches!(c.to_ascii_uppercase(), '0'..='9' | '*' | '#' | 'A'..='D')
        }) {
            return Err(DeskError::BadDigit(bad));
        }
        let keys: String = digits
            .chars()
            .filter(|c| !c.is_whitespace())
            .map(|c| c.to_ascii_uppercase())
            .collect();
        if keys.is_empty() {
            return Err(DeskError::NoDigits);
        }
        match self.get(line)? {
            LineState::Connected | LineState::InConference => {}
            other => return Err(DeskError::NotNow(name(other))),
        }
        self.actions.push_back(Action::Dtmf {
            line: line.to_owned(),
            digits: keys,
        });
        Ok(())
    }
}
