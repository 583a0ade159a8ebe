//! Switchboard's media: the sound of a call. G.711 codecs, RTP packets, a per-call RTP
//! session, and the file devices of the headless agent (a WAV as microphone, a WAV as
//! speaker). The real-time audio devices, jitter buffer, DTMF and the conference mix build on
//! these pieces.

pub mod codec;
pub mod device;
pub mod dtmf;
pub mod g711;
pub mod headset;
pub mod histogram;
pub mod jitter;
pub mod mixer;
pub mod quality;
pub mod recorder;
pub mod rtcp;
pub mod rtp;
pub mod session;
pub mod tones;
pub mod voice;
pub mod wav;

pub use codec::Codec;
pub use session::{MediaSession, SessionConfig, SessionEvent};

/// Samples per second of the phone's sound: wide band (G.722, Opus carry it whole; G.711
/// calls are brought to it and from it).
pub const RATE: u32 = 16_000;
/// Samples in one 20 ms frame at [`RATE`].
pub const FRAME: usize = 320;

/// What can go wrong with media.
#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    /// A WAV file could not be read or written.
    #[error("WAV file {path}: {reason}")]
    Wav {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
    /// The WAV file is not one the agent can play.
    #[error("WAV file {path} must be 16-bit PCM, mono or stereo (it is {found})")]
    WavFormat {
        /// The file.
        path: String,
        /// What it is.
        found: String,
    },
    /// The other side did not agree to telephone events (RFC 4733) on this call.
    #[error("the other side takes no DTMF telephone events on this call")]
    NoTelephoneEvents,
    /// Not a DTMF key.
    #[error("'{0}' is not a DTMF key (0-9, *, #, A-D)")]
    NotAKey(char),
    /// A call's recording could not be created or written (folder missing, disk full).
    #[error("recording {path}: {reason}")]
    Recording {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
    /// A codec could not be set up.
    #[error("codec: {0}")]
    Codec(String),
    /// A sound device could not be listed or opened.
    #[error("sound device: {0}")]
    Device(String),
    /// The call's audio socket failed.
    #[error("audio socket: {0}")]
    Socket(String),
}

impl MediaError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Wav { .. } => "media_wav",
            Self::WavFormat { .. } => "media_wav_format",
            Self::Socket(_) => "media_socket",
            Self::Device(_) => "media_device",
            Self::Codec(_) => "media_codec",
            Self::Recording { .. } => "media_recording",
            Self::NoTelephoneEvents => "media_no_telephone_events",
            Self::NotAKey(_) => "media_not_a_key",
        }
    }
}
