//! The SIP layer's errors.

/// What the SIP layer can fail with.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SipError {
    /// A codec list that cannot be used.
    #[error("codecs: {0}")]
    Codecs(String),
    /// The local address cannot be bound.
    #[error("cannot listen on {addr}: {reason}")]
    Bind {
        /// The address asked for.
        addr: String,
        /// Why.
        reason: String,
    },
    /// An account setting cannot be used.
    #[error("invalid account: {0}")]
    Account(String),
    /// No call with that id (already ended, or never existed).
    #[error("no call {0}")]
    NoSuchCall(String),
    /// The other side refused a request (e.g. 488 to a hold).
    #[error("refused by the other side ({status})")]
    Refused {
        /// The SIP status it answered.
        status: u16,
    },
    /// The SIP stack failed.
    #[error("SIP stack: {0}")]
    Stack(String),
}

impl SipError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Bind { .. } => "sip_bind",
            Self::Codecs(_) => "sip_codecs",
            Self::Account(_) => "sip_account",
            Self::NoSuchCall(_) => "sip_no_such_call",
            Self::Refused { .. } => "sip_refused",
            Self::Stack(_) => "sip_stack",
        }
    }
}
