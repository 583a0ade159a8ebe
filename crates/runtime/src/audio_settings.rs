//! The agent's sound and call settings: the microphone, speaker and ringer by name, the
//! ringtone, echo cancellation and noise suppression, the codecs in order of preference, the
//! simultaneous-call limit, auto-answer, and where and when calls are recorded. Kept in the
//! settings table, used when the phone starts, and applied at once to a running phone, calls
//! in progress included.

use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use switchboard_media::headset::{DeviceChoice, HeadsetConfig};
use switchboard_media::tones::TonePlan;

use crate::{settings, Error, Handle, PhoneOptions, RecordingOptions};

/// The codecs Switchboard speaks, in the default order.
pub const CODECS: [&str; 4] = ["G722", "PCMU", "PCMA", "opus"];
/// Most simultaneous calls the setting allows.
pub const MAX_CALLS: u8 = 8;

/// The sound and call settings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(default)]
pub struct AudioSettings {
    /// The microphone's id or name; empty: the system's default.
    pub microphone: String,
    /// Where calls are heard; empty: the system's default.
    pub speaker: String,
    /// Where calls ring; empty: the speaker.
    pub ringer: String,
    /// A WAV file looped while a call rings; empty: the network's ring tone.
    pub ringtone: String,
    /// Take the speaker's echo out of the microphone.
    pub echo_cancellation: bool,
    /// Take the background noise out of the microphone.
    pub noise_suppression: bool,
    /// The codecs calls offer and accept, best first (of `G722`, `PCMU`, `PCMA`, `opus`).
    pub codecs: Vec<String>,
    /// Most calls at once (1 to 8); more are refused with 486 Busy Here.
    pub max_calls: u8,
    /// Answer an incoming call at once when no other call is up (hands-free desks).
    pub auto_answer: bool,
    /// Answer, with a beep, the calls that ask for it in their headers (intercom, paging:
    /// `Call-Info: ...;answer-after=N`, `Alert-Info` auto-answer) when no other call is up.
    pub intercom: bool,
    /// The folder of the call recordings (an absolute path to a folder that exists); empty:
    /// `recordings` beside the database, made when needed.
    pub recording_folder: String,
    /// Record every call from its first sound.
    pub record_every_call: bool,
}

impl Default for AudioSettings {
    fn default() -> Self {
        Self {
            microphone: String::new(),
            speaker: String::new(),
            ringer: String::new(),
            ringtone: String::new(),
            echo_cancellation: true,
            noise_suppression: true,
            codecs: CODECS.iter().map(|c| (*c).to_owned()).collect(),
            max_calls: 4,
            auto_answer: false,
            intercom: false,
            recording_folder: String::new(),
            record_every_call: false,
        }
    }
}

/// A sound device the system offers, for the settings' lists.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SoundDevice {
    /// What the system calls it.
    pub name: String,
    /// Its stable id (what the settings keep).
    pub id: String,
    /// It records.
    pub input: bool,
    /// It plays.
    pub output: bool,
}

fn named(text: &str) -> Option<String> {
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

impl AudioSettings {
    /// The headset these settings describe, with the tones of `plan`.
    pub fn headset(&self, plan: TonePlan) -> HeadsetConfig {
        HeadsetConfig {
            devices: DeviceChoice {
                microphone: named(&self.microphone),
                speaker: named(&self.speaker),
                ringer: named(&self.ringer),
            },
            plan,
            ringtone: named(&self.ringtone).map(PathBuf::from),
            echo_cancellation: self.echo_cancellation,
            noise_suppression: self.noise_suppression,
        }
    }

    /// Phone options with these settings (the headset's tones those of `plan`).
    pub fn phone_options(&self, plan: TonePlan) -> PhoneOptions {
        PhoneOptions {
            headset: Some(self.headset(plan)),
            codecs: Some(self.codecs.clone()),
            max_calls: usize::from(self.max_calls),
            ..PhoneOptions::default()
        }
    }

    fn check(&self) -> Result<(), Error> {
        let refuse = |field: &'static str, reason: String| Error::InvalidField { field, reason };
        if self.codecs.is_empty() {
            return Err(refuse("codecs", "at least one codec".into()));
        }
        for (i, c) in self.codecs.iter().enumerate() {
            if !CODECS.iter().any(|k| k.eq_ignore_ascii_case(c)) {
                return Err(refuse("codecs", format!("unknown codec {c}")));
            }
            if self.codecs[..i].iter().any(|o| o.eq_ignore_ascii_case(c)) {
                return Err(refuse("codecs", format!("{c} is listed twice")));
            }
        }
        if !(1..=MAX_CALLS).contains(&self.max_calls) {
            return Err(refuse("max_calls", format!("between 1 and {MAX_CALLS}")));
        }
        if let Some(folder) = named(&self.recording_folder) {
            let path = std::path::Path::new(&folder);
            if !path.is_absolute() {
                return Err(refuse(
                    "recording_folder",
                    "a full path, from the root (/...)".into(),
                ));
            }
            if !path.is_dir() {
                return Err(refuse(
                    "recording_folder",
                    format!("there is no folder {folder}"),
                ));
            }
        }
        if let Some(path) = named(&self.ringtone) {
            switchboard_media::wav::WavSource::open(std::path::Path::new(&path))
                .map_err(|e| refuse("ringtone", e.to_string()))?;
        }
        Ok(())
    }
}

/// The sound devices the system offers now.
pub fn sound_device_list() -> Result<Vec<SoundDevice>, Error> {
    Ok(crate::sound_devices()?
        .into_iter()
        .map(|d| SoundDevice {
            name: d.name,
            id: d.id,
            input: d.input,
            output: d.output,
        })
        .collect())
}

impl Handle {
    /// Answers the incoming call `line` by itself when it is the only call and either
    /// auto-answer is on, or the caller asks for it (`requested`: after so many seconds) and
    /// intercom calls are allowed; an intercom call is answered with a beep.
    pub(crate) fn auto_answer(&self, line: &str, requested: Option<u32>) {
        let audio = self.settings().audio;
        let Some((delay, beep)) = answer_by_itself(&audio, requested) else {
            return;
        };
        let lone = |handle: &Handle, line: &str| {
            handle.board().is_ok_and(|lines| match lines.as_slice() {
                [only] => only.line == line && only.status == crate::Status::RingingIn,
                _ => false,
            })
        };
        if !lone(self, line) {
            return;
        }
        let handle = self.clone();
        let line = line.to_owned();
        tokio::spawn(async move {
            // The caller's own delay (a paging system's announcement tone first).
            tokio::time::sleep(delay).await;
            // Still ringing, still alone.
            if !lone(&handle, &line) {
                return;
            }
            match handle.phone().and_then(|p| p.answer(&line)) {
                Ok(()) if beep => {
                    if let Ok(phone) = handle.phone() {
                        phone.intercom_beep();
                    }
                }
                Ok(()) => {}
                Err(e) => tracing::warn!(line, "auto-answer failed: {e}"),
            }
        });
    }

    /// The sound and call settings in force.
    pub fn audio_settings(&self) -> AudioSettings {
        self.settings().audio
    }

    /// The phone's options from the settings: the agent's headset with the tones of the dial
    /// plan's country, the codecs, the call limit, and recording.
    pub fn phone_options(&self) -> PhoneOptions {
        let settings = self.settings();
        let plan = TonePlan::for_country(settings.dial_plan.country.code());
        PhoneOptions {
            recording: self.recording_options(&settings.audio),
            ..settings.audio.phone_options(plan)
        }
    }

    /// Where and when calls are recorded with `audio`; the default folder is made here (a
    /// folder the agent named must exist: it may be a share that is not mounted).
    fn recording_options(&self, audio: &AudioSettings) -> RecordingOptions {
        let folder = match named(&audio.recording_folder) {
            Some(folder) => PathBuf::from(folder),
            None => {
                if let Err(e) = std::fs::create_dir_all(&self.default_recordings) {
                    tracing::warn!(folder = %self.default_recordings.display(), "cannot make the recordings' folder: {e}");
                }
                self.default_recordings.clone()
            }
        };
        RecordingOptions {
            folder: Some(folder),
            automatic: audio.record_every_call,
        }
    }

    /// Checks, stores and applies the sound and call settings: at once on a running phone
    /// (its calls go on, on the new devices); a refused field is named and nothing changes.
    pub async fn save_audio_settings(&self, audio: &AudioSettings) -> Result<(), Error> {
        let audio = AudioSettings {
            microphone: audio.microphone.trim().to_owned(),
            speaker: audio.speaker.trim().to_owned(),
            ringer: audio.ringer.trim().to_owned(),
            ringtone: audio.ringtone.trim().to_owned(),
            recording_folder: audio.recording_folder.trim().to_owned(),
            ..audio.clone()
        };
        audio.check()?;
        if let Ok(phone) = self.phone() {
            let plan = TonePlan::for_country(self.settings().dial_plan.country.code());
            let codecs: Vec<&str> = audio.codecs.iter().map(String::as_str).collect();
            phone.reconfigure(&audio.headset(plan), &codecs, usize::from(audio.max_calls))?;
            phone.set_recording(self.recording_options(&audio));
        }
        self.store.set_setting(settings::AUDIO, &audio).await?;
        self.settings
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .audio = audio;
        Ok(())
    }
}

/// Whether a lone incoming call is answered by itself: after how long, and with the
/// intercom's beep.
fn answer_by_itself(audio: &AudioSettings, requested: Option<u32>) -> Option<(Duration, bool)> {
    match requested {
        Some(seconds) if audio.intercom => Some((Duration::from_secs(u64::from(seconds)), true)),
        _ if audio.auto_answer => Some((Duration::ZERO, false)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_call_is_answered_by_itself_only_when_the_agent_allows_it() {
        let mut audio = AudioSettings::default();
        assert_eq!(answer_by_itself(&audio, None), None);
        assert_eq!(answer_by_itself(&audio, Some(0)), None, "intercom off");
        audio.intercom = true;
        assert_eq!(
            answer_by_itself(&audio, Some(2)),
            Some((Duration::from_secs(2), true))
        );
        assert_eq!(
            answer_by_itself(&audio, None),
            None,
            "an ordinary call rings"
        );
        audio.auto_answer = true;
        assert_eq!(
            answer_by_itself(&audio, None),
            Some((Duration::ZERO, false))
        );
    }
}
