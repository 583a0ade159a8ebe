//! How the phone is set up: the desk's rules, where the sound goes (the headset or the
//! headless agent's files), recording, codecs.

use std::path::PathBuf;
use std::time::Duration;

use switchboard_media::headset::HeadsetConfig;

/// Where and when calls are recorded.
#[derive(Clone, Debug, Default)]
pub struct RecordingOptions {
    /// The folder of the recordings (none: calls cannot be recorded).
    pub folder: Option<PathBuf>,
    /// Record every call from its first sound.
    pub automatic: bool,
}

/// How the desk behaves, and where the sound goes: the headset's devices, or the headless
/// agent's audio files.
#[derive(Clone, Debug)]
pub struct PhoneOptions {
    /// Most lines at once; calls beyond are refused with 486.
    pub max_calls: usize,
    /// How long an outgoing call may ring unanswered before it is cancelled.
    pub ring_timeout: Duration,
    /// A WAV file played as the microphone on every call (silence without one).
    pub mic_wav: Option<PathBuf>,
    /// Where to record what the far end sends, as a WAV file; `{call}` in the name is replaced
    /// by the call's id (otherwise each call replaces the file).
    pub speaker_wav: Option<PathBuf>,
    /// How long without RTP from the far end (while not held) before a `media_silent` event.
    pub silence_timeout: Duration,
    /// How often each call reports its quality (`quality` events).
    pub quality_every: Duration,
    /// The agent's sound devices, with the phone's tones and ringtone; without them, calls
    /// use the WAV files above.
    pub headset: Option<HeadsetConfig>,
    /// Call recording.
    pub recording: RecordingOptions,
    /// The codecs to offer and answer with, best first (`G722`, `PCMU`, `PCMA`, `opus`);
    /// none: all four in that order.
    pub codecs: Option<Vec<String>>,
}

impl Default for PhoneOptions {
    fn default() -> Self {
        Self {
            max_calls: 4,
            ring_timeout: Duration::from_secs(60),
            mic_wav: None,
            speaker_wav: None,
            silence_timeout: Duration::from_secs(10),
            quality_every: Duration::from_secs(5),
            headset: None,
            recording: RecordingOptions::default(),
            codecs: None,
        }
    }
}
