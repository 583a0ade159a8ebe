//! What the SIP layer reports.

use serde::Serialize;

/// An event of the SIP layer, for the runtime and the front ends.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
#[non_exhaustive]
pub enum SipEvent {
    /// A REGISTER is being sent (`attempt` counts the tries since the last success).
    Registering {
        /// The account's id.
        account: String,
        /// 1 for the first try, then 2, 3... while it keeps failing.
        attempt: u32,
    },
    /// The registrar accepted the registration.
    Registered {
        /// The account's id.
        account: String,
        /// Lifetime granted, in seconds.
        expires: u32,
    },
    /// The registration failed; it is tried again after `retry_in_ms`.
    RegistrationFailed {
        /// The account's id.
        account: String,
        /// The registrar's final status, or none when it did not answer (timeout, network).
        status: Option<u16>,
        /// The reason phrase or the transport error.
        reason: String,
        /// When the next attempt starts, in milliseconds.
        retry_in_ms: u64,
    },
    /// A call changed state.
    Call {
        /// The call's id (its SIP Call-ID).
        call: String,
        /// The new state.
        #[serde(flatten)]
        state: crate::call::CallState,
    },
    /// The other side asks to transfer us (REFER): accept or refuse it.
    TransferRequested {
        /// The call the REFER came on.
        call: String,
        /// Where we would be sent.
        to: String,
        /// Whether it replaces an existing call of the target (attended transfer).
        attended: bool,
    },
    /// The call's audio was agreed (offer and answer): where to send it and in what. Media
    /// starts on the call's own port ([`crate::Engine::media_socket`]).
    Media {
        /// The call.
        call: String,
        /// The far end's RTP address.
        remote: std::net::SocketAddr,
        /// The codec's encoding name (`PCMU`, `PCMA`).
        codec: String,
        /// Its payload type in this call.
        payload_type: u8,
        /// The payload type of RFC 4733 telephone events (DTMF in the audio), if agreed.
        telephone_event: Option<u8>,
        /// The far end's RTCP address.
        remote_rtcp: std::net::SocketAddr,
        /// The payload types the far end sends audio and telephone events with (ours when we
        /// made the offer).
        receive: (u8, Option<u8>),
    },
    /// The other side sent a DTMF digit as SIP INFO.
    Dtmf {
        /// The call.
        call: String,
        /// 0-9, *, #, A-D.
        digit: char,
    },
    /// A blind transfer failed; the call is still on hold here.
    TransferFailed {
        /// The call.
        call: String,
        /// The status the target answered (0: no answer at all).
        status: u16,
    },
    /// A new call was refused or forwarded before it rang (agent not available, call
    /// filtering).
    Screened {
        /// The call's id (its SIP Call-ID).
        call: String,
        /// The caller's user part (their number).
        user: String,
        /// The caller's display name.
        display_name: Option<String>,
        /// The status answered: 486, 603, or 302 when forwarded.
        status: u16,
        /// Why (`filtered`, `filtered_anonymous`, `agent_unavailable`, `forwarded`).
        reason: String,
        /// Where the caller was sent, when forwarded.
        forwarded_to: Option<String>,
    },
    /// The account is no longer registered (removed by the agent).
    Unregistered {
        /// The account's id.
        account: String,
    },
}
