//! Why the desk refuses a command.

use super::LineState;

/// A command that the desk's state does not allow.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DeskError {
    /// No live line with that id.
    #[error("no such line")]
    NoSuchLine,
    /// The agent already has as many lines as allowed.
    #[error("the limit of {0} simultaneous calls is reached")]
    LimitReached(usize),
    /// The line is not in a state where this makes sense.
    #[error("not possible while the line is {0}")]
    NotNow(&'static str),
    /// There is no consultation in progress.
    #[error("no consultation in progress")]
    NoConsult,
    /// A conference needs an answered call and a held one (or more parties).
    #[error("a conference needs a call on hold and an answered call")]
    NothingToMerge,
    /// There is no conference.
    #[error("no conference in progress")]
    NoConference,
    /// A consultation is already in progress.
    #[error("a consultation is already in progress")]
    ConsultInProgress,
    /// The caller's hold has not been confirmed yet (RFC 3891 transfers wait for it).
    #[error("the caller's hold is not confirmed yet")]
    HoldPending,
    /// A DTMF digit outside `0-9 * # A-D`.
    #[error("'{0}' is not a DTMF key (0-9, *, #, A-D)")]
    BadDigit(char),
    /// No DTMF digits were given.
    #[error("no DTMF digits given")]
    NoDigits,
}

impl DeskError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NoSuchLine => "desk_no_such_line",
            Self::LimitReached(_) => "desk_limit",
            Self::NotNow(_) => "desk_not_now",
            Self::NoConsult => "desk_no_consult",
            Self::NothingToMerge => "desk_nothing_to_merge",
            Self::NoConference => "desk_no_conference",
            Self::ConsultInProgress => "desk_consult_in_progress",
            Self::HoldPending => "desk_hold_pending",
            Self::BadDigit(_) => "desk_bad_digit",
            Self::NoDigits => "desk_no_digits",
        }
    }
}

/// The state's name in an error message.
pub(super) fn name(state: &LineState) -> &'static str {
    match state {
        LineState::Dialing => "dialing",
        LineState::RingingOut => "ringing",
        LineState::EarlyMedia => "in early media",
        LineState::RingingIn => "ringing here",
        LineState::Connected => "connected",
        LineState::Holding => "being put on hold",
        LineState::OnHold => "on hold",
        LineState::Resuming => "being resumed",
        LineState::Transferring => "transferring",
        LineState::InConference => "in conference",
        LineState::Ended { .. } => "ended",
    }
}
