//! What a call ends with, from the SIP status that ended it (RFC 3261 §21), in the words an
//! agent reads.

use serde::Serialize;

/// Why a call ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum EndReason {
    /// The agent hung up.
    HungUp,
    /// The other party hung up.
    RemoteHungUp,
    /// The agent cancelled the call before it was answered.
    Cancelled,
    /// The caller gave up before the agent answered: a missed call.
    RemoteCancelled,
    /// The agent refused the call.
    Rejected,
    /// The agent transferred the call; the parties talk without us.
    Transferred,
    /// Busy (486, 600).
    Busy,
    /// The called party declined (603).
    Declined,
    /// No such number or user (404, 604, 484 incomplete).
    NotFound,
    /// Nobody answered (408, 480 after ringing; a ring timeout).
    NoAnswer,
    /// The called party cannot be reached now (480, 410, 503).
    Unavailable,
    /// Our credentials were refused (401, 403, 407).
    Refused,
    /// The connection was lost: the other side stopped answering (its session expired
    /// without a refresh, RFC 4028 §10).
    Lost,
    /// Any other failure, with the status when there was one.
    Failed {
        /// The SIP status, or 0 when none came (network error).
        status: u16,
    },
}

impl EndReason {
    /// The reason's stable name, as in events (`hung_up`, `remote_cancelled`, `busy`...).
    pub fn code(&self) -> &'static str {
        match self {
            Self::HungUp => "hung_up",
            Self::RemoteHungUp => "remote_hung_up",
            Self::Cancelled => "cancelled",
            Self::RemoteCancelled => "remote_cancelled",
            Self::Rejected => "rejected",
            Self::Transferred => "transferred",
            Self::Busy => "busy",
            Self::Declined => "declined",
            Self::NotFound => "not_found",
            Self::NoAnswer => "no_answer",
            Self::Unavailable => "unavailable",
            Self::Refused => "refused",
            Self::Lost => "lost",
            Self::Failed { .. } => "failed",
        }
    }
}

/// The end reason for a final non-2xx response to our INVITE.
pub fn end_reason_for_status(status: u16) -> EndReason {
    match status {
        486 | 600 => EndReason::Busy,
        603 => EndReason::Declined,
        404 | 484 | 604 => EndReason::NotFound,
        408 => EndReason::NoAnswer,
        410 | 480 | 503 => EndReason::Unavailable,
        487 => EndReason::Cancelled,
        401 | 403 | 407 => EndReason::Refused,
        status => EndReason::Failed { status },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_the_names_events_carry() {
        for reason in [
            EndReason::HungUp,
            EndReason::RemoteCancelled,
            EndReason::Busy,
            EndReason::Lost,
            EndReason::Failed { status: 500 },
        ] {
            let json = serde_json::to_value(reason).expect("json");
            assert_eq!(json["reason"], reason.code(), "{reason:?}");
        }
    }

    #[test]
    fn statuses_map_to_what_the_agent_reads() {
        let cases = [
            (486, EndReason::Busy),
            (600, EndReason::Busy),
            (603, EndReason::Declined),
            (404, EndReason::NotFound),
            (484, EndReason::NotFound),
            (408, EndReason::NoAnswer),
            (480, EndReason::Unavailable),
            (503, EndReason::Unavailable),
            (487, EndReason::Cancelled),
            (403, EndReason::Refused),
            (488, EndReason::Failed { status: 488 }),
            (500, EndReason::Failed { status: 500 }),
        ];
        for (status, reason) in cases {
            assert_eq!(end_reason_for_status(status), reason, "{status}");
        }
    }
}
