//! Call recording: on demand or for every call, into the folder of the settings, one stereo
//! WAV per call (the agent left, the other party right) named with the date and time, the
//! direction, the number and the contact, so a folder of recordings reads like a call log.

use std::path::PathBuf;
use std::sync::PoisonError;

use switchboard_media::recorder::{CallRecorder, RecordCommand, RecordingEvent};

use super::{Inner, Phone, PhoneEvent, RecordingReport};
use crate::Error;

impl Inner {
    /// Remembers a call's direction and the other party's number.
    pub(super) fn remember(&self, call: &str, incoming: bool, number: &str) {
        self.remotes
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(call.to_owned(), (incoming, number.to_owned()));
    }

    /// Forgets an ended call.
    pub(super) fn forget(&self, call: &str) {
        self.remotes
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(call);
        self.labels
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(call);
        self.companies
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(call);
    }

    /// The file for a recording of `call` starting now:
    /// `2026-11-22_14-03-07_in_0612345678_Marie-Dupont.wav`.
    fn recording_file(&self, call: &str) -> Result<PathBuf, Error> {
        let folder = self
            .recording
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .folder
            .clone()
            .ok_or(Error::NoRecordingFolder)?;
        let (incoming, number) = self
            .remotes
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(call)
            .cloned()
            .unwrap_or((true, String::new()));
        let label = self
            .labels
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(call)
            .cloned();
        let when = jiff::Zoned::now().strftime("%Y-%m-%d_%H-%M-%S").to_string();
        let mut name = format!(
            "{when}_{}_{}",
            if incoming { "in" } else { "out" },
            file_part(&number)
        );
        if let Some(label) = label.filter(|l| !l.trim().is_empty()) {
            name.push('_');
            name.push_str(&file_part(&label));
        }
        // Two recordings of one call in the same second get a counter.
        let mut path = folder.join(format!("{name}.wav"));
        let mut n = 2;
        while path.exists() {
            path = folder.join(format!("{name}_{n}.wav"));
            n += 1;
        }
        Ok(path)
    }

    /// Starts recording `call`. A failure (no folder, folder missing, disk full) is a
    /// `recording` event with state `failed`, and the call goes on.
    pub(super) fn start_recording(&self, call: &str) -> Result<(), Error> {
        let media = self.media.lock().unwrap_or_else(PoisonError::into_inner);
        let session = media
            .get(call)
            .ok_or_else(|| Error::NoSound(call.to_owned()))?;
        let created = self
            .recording_file(call)
            .and_then(|path| CallRecorder::create(&path).map_err(Error::from));
        match created {
            Ok(recorder) => {
                session.record(RecordCommand::Start(recorder));
                Ok(())
            }
            Err(e) => {
                let path = match &e {
                    Error::Media(switchboard_media::MediaError::Recording { path, .. }) => {
                        PathBuf::from(path)
                    }
                    _ => PathBuf::new(),
                };
                let reason = match &e {
                    Error::Media(switchboard_media::MediaError::Recording { reason, .. }) => {
                        reason.clone()
                    }
                    other => other.to_string(),
                };
                self.send(PhoneEvent::Recording(RecordingReport::new(
                    call.to_owned(),
                    RecordingEvent::Failed { path, reason },
                )));
                Err(e)
            }
        }
    }
}

/// Text as a part of a file name: letters, digits, `+` and `-` kept (accents too), spaces
/// and the rest as `-`; at most 48 characters (a file name has 255 bytes at most).
fn file_part(text: &str) -> String {
    let part: String = text
        .trim()
        .chars()
        .take(48)
        .map(|c| {
            if c.is_alphanumeric() || c == '+' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    if part.is_empty() {
        "unknown".to_owned()
    } else {
        part
    }
}

impl Phone {
    /// Where and when calls are recorded from now on (a recording in progress goes on in
    /// its file).
    pub fn set_recording(&self, options: super::RecordingOptions) {
        *self
            .inner
            .recording
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = options;
    }

    /// Starts (`true`) or stops recording `line`.
    pub fn record(&self, line: &str, on: bool) -> Result<(), Error> {
        if on {
            return self.inner.start_recording(line);
        }
        self.inner
            .media
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(line)
            .ok_or_else(|| Error::NoSound(line.to_owned()))?
            .record(RecordCommand::Stop);
        Ok(())
    }

    /// Pauses (`true`) or resumes the recording of `line` (a card number read out loud is
    /// left out of the file).
    pub fn pause_recording(&self, line: &str, paused: bool) -> Result<(), Error> {
        self.inner
            .media
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(line)
            .ok_or_else(|| Error::NoSound(line.to_owned()))?
            .record(RecordCommand::Pause(paused));
        Ok(())
    }

    /// The other party's number of a live line (as it came in, or as dialled).
    pub fn remote(&self, line: &str) -> Option<String> {
        self.inner
            .remotes
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(line)
            .map(|(_, number)| number.clone())
    }

    /// Names the contact of `line` (the screen pop's, or the one dialled), for its
    /// recording's file name.
    pub fn label(&self, line: &str, contact: &str) {
        self.inner
            .labels
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(line.to_owned(), contact.to_owned());
    }

    /// Names the company of the contact of `line`, shown beside the contact on the board.
    pub fn label_company(&self, line: &str, company: &str) {
        self.inner
            .companies
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(line.to_owned(), company.to_owned());
    }
}

#[cfg(test)]
mod tests {
    use super::file_part;

    #[test]
    fn names_keep_letters_digits_and_plus() {
        assert_eq!(file_part("+33 6 12 34 56 78"), "+33-6-12-34-56-78");
        assert_eq!(file_part("Hélène O'Brien / ACME"), "Hélène-O-Brien---ACME");
        assert_eq!(file_part("  "), "unknown");
        assert_eq!(file_part("../../etc"), "------etc");
        assert_eq!(file_part(&"é".repeat(300)).chars().count(), 48);
    }
}
