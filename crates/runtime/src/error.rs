//! One error type for every front end, with the stable code of the layer it came from.

use serde::Serialize;
use switchboard_core::{NumberError, PlanError};
use switchboard_store::StoreError;

/// What a command of the [`crate::Handle`] can fail with.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The text is not a number that can be dialled.
    #[error(transparent)]
    Number(#[from] NumberError),
    /// A dial-plan setting cannot be used.
    #[error(transparent)]
    Plan(#[from] PlanError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The SIP layer failed.
    #[error(transparent)]
    Sip(#[from] switchboard_sip::SipError),
    /// The desk does not allow this now.
    #[error(transparent)]
    Desk(#[from] switchboard_core::desk::DeskError),
    /// The agent's state cannot change that way now.
    #[error(transparent)]
    Agent(#[from] switchboard_core::AgentError),
    /// Sound: a device, a WAV file.
    #[error(transparent)]
    Media(#[from] switchboard_media::MediaError),
    /// The line has no sound (yet, or any more) to record.
    #[error("line {0} has no sound to record")]
    NoSound(String),
    /// Recording was asked for but no folder is set for recordings.
    #[error("no folder is set for recordings")]
    NoRecordingFolder,
    /// A setting's field cannot be used (the message goes at the field).
    #[error("{field}: {reason}")]
    InvalidField {
        /// The field, as the settings name it (`registrar`, `user`...).
        field: &'static str,
        /// What is wrong and what is expected.
        reason: String,
    },
    /// The OS keyring refused to keep or give a password.
    #[error("the keyring: {0}")]
    Keyring(String),
    /// No SIP account to call from.
    #[error("no SIP account is set up to call from")]
    NoAccount,
    /// The telephone is already running.
    #[error("the telephone is already started")]
    PhoneStarted,
    /// The telephone is not started.
    #[error("the telephone is not started")]
    PhoneNotStarted,
    /// No place for the data: the OS gave no home or data directory.
    #[error("cannot find a data directory for this user; pass --db FILE")]
    NoDataDir,
}

impl Error {
    /// Stable machine-readable code; the UI translates by code, never by message.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Number(e) => e.code(),
            Self::Plan(e) => e.code(),
            Self::Store(e) => e.code(),
            Self::Sip(e) => e.code(),
            Self::Desk(e) => e.code(),
            Self::Media(e) => e.code(),
            Self::Agent(e) => e.code(),
            Self::NoDataDir => "no_data_dir",
            Self::NoSound(_) => "no_sound",
            Self::NoRecordingFolder => "no_recording_folder",
            Self::NoAccount => "no_account",
            Self::InvalidField { .. } => "invalid_field",
            Self::Keyring(_) => "keyring",
            Self::PhoneStarted => "phone_started",
            Self::PhoneNotStarted => "phone_not_started",
        }
    }

    /// The error as a front end shows it: `{"code": ..., "message": ...}`.
    pub fn report(&self) -> ErrorReport {
        ErrorReport {
            code: self.code().to_owned(),
            message: self.to_string(),
            field: match self {
                Self::InvalidField { field, .. } => Some((*field).to_owned()),
                Self::Store(e) => e.field().map(str::to_owned),
                // plan_area_code: the form's area_code.
                Self::Plan(e) => e.code().strip_prefix("plan_").map(str::to_owned),
                _ => None,
            },
        }
    }
}

/// An error ready to show or serialise.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ErrorReport {
    /// Stable code.
    pub code: String,
    /// English message for logs and scripts.
    pub message: String,
    /// The setting's field a refusal is about (`invalid_field`), for the message at it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}
