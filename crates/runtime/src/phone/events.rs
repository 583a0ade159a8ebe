//! What the phone reports: one stream of typed events for every front end.

use serde::Serialize;
use switchboard_core::desk::DeskEvent;
use switchboard_sip::{CallState, SipEvent};

/// A call's media has stopped: how much went each way.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MediaReport {
    /// Always `"media_ended"`.
    pub event: &'static str,
    /// The call.
    pub call: String,
    /// RTP packets sent.
    pub sent: u64,
    /// RTP packets received.
    pub received: u64,
}

/// What the phone reports.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum PhoneEvent {
    /// Registration, and the caller's identity of an incoming call (for the screen pop).
    Sip(SipEvent),
    /// A line's state, a refused call, a hold or transfer outcome.
    Desk(DeskEvent),
    /// An action the desk asked for could not be carried out.
    Failed(ActionFailed),
    /// Who is calling: the contacts matching an incoming call (after its `incoming` event).
    Pop(ScreenPop),
    /// A call's media stopped (its recording, if any, is complete).
    MediaEnded(MediaReport),
    /// A call's far end went silent (no RTP while not held), or came back.
    MediaSilence(MediaSilence),
    /// The agent's microphone was muted or unmuted.
    Mute(MuteState),
    /// How a call sounds lately.
    Quality(QualityReport),
    /// Which device plays a role of the headset now, or that a role has none.
    Device(DeviceReport),
    /// A call's recording started, paused, resumed, stopped or failed.
    Recording(RecordingReport),
    /// A number was dialled (or consulted): the new line and what was dialled, before the
    /// line's first state.
    Dialled(DialledReport),
    /// The agent's working state changed.
    Agent(crate::AgentView),
    /// What the CRM knows of an incoming call's caller (after its pop).
    Crm(crate::CrmReport),
}

/// A line the agent dialled, and the number as it was dialled.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DialledReport {
    /// Always `"dialled"`.
    pub event: &'static str,
    /// The new line.
    pub call: String,
    /// What was dialled.
    pub to: String,
}

/// What happened to a call's recording.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RecordingReport {
    /// Always `"recording"`.
    pub event: &'static str,
    /// The call.
    pub call: String,
    /// `started`, `paused`, `resumed`, `stopped` or `failed`.
    pub state: &'static str,
    /// The file (empty for `paused` and `resumed`).
    pub file: String,
    /// Seconds recorded, once `stopped`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seconds: Option<Hundredths>,
    /// Why it `failed` (the call goes on).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub reason: String,
}

impl RecordingReport {
    pub(crate) fn new(call: String, event: switchboard_media::recorder::RecordingEvent) -> Self {
        use switchboard_media::recorder::RecordingEvent;
        let (state, file, seconds, reason) = match event {
            RecordingEvent::Started(path) => {
                ("started", path.display().to_string(), None, String::new())
            }
            RecordingEvent::Paused => ("paused", String::new(), None, String::new()),
            RecordingEvent::Resumed => ("resumed", String::new(), None, String::new()),
            RecordingEvent::Stopped { path, seconds } => (
                "stopped",
                path.display().to_string(),
                Some(Hundredths::new(seconds)),
                String::new(),
            ),
            RecordingEvent::Failed { path, reason } => {
                ("failed", path.display().to_string(), None, reason)
            }
        };
        Self {
            event: "recording",
            call,
            state,
            file,
            seconds,
            reason,
        }
    }
}

/// A role of the headset (`microphone`, `speaker`, `ringer`) on a device now (`device`), or
/// without one (`device_lost`, with the reason).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DeviceReport {
    /// `"device"` or `"device_lost"`.
    pub event: &'static str,
    /// The role.
    pub role: &'static str,
    /// The device's name (empty when lost).
    pub device: String,
    /// The device's id (empty when lost).
    pub id: String,
    /// Whether this is the system's default standing in for the chosen device.
    pub fallback: bool,
    /// Why the role has no device (empty otherwise).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub reason: String,
}

impl From<switchboard_media::headset::DeviceEvent> for DeviceReport {
    fn from(event: switchboard_media::headset::DeviceEvent) -> Self {
        use switchboard_media::headset::DeviceEvent;
        match event {
            DeviceEvent::Using {
                role,
                device,
                id,
                fallback,
            } => Self {
                event: "device",
                role: role.name(),
                device,
                id,
                fallback,
                reason: String::new(),
            },
            DeviceEvent::Lost { role, reason } => Self {
                event: "device_lost",
                role: role.name(),
                device: String::new(),
                id: String::new(),
                fallback: false,
                reason,
            },
        }
    }
}

/// A figure with two decimals (a MOS, a percentage): exact to compare, a number in JSON.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Hundredths(pub u32);

impl Hundredths {
    /// The nearest figure with two decimals (negative values are 0).
    pub fn new(value: f64) -> Self {
        Self((value * 100.0).round().max(0.0) as u32)
    }

    /// As a number.
    pub fn value(self) -> f64 {
        f64::from(self.0) / 100.0
    }
}

impl Serialize for Hundredths {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_f64(self.value())
    }
}

/// How a call sounds: what this side measured over the last few seconds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct QualityReport {
    /// Always `"quality"`.
    pub event: &'static str,
    /// The call.
    pub call: String,
    /// Sound lost or too late, in percent.
    pub loss_percent: Hundredths,
    /// The measured jitter, in milliseconds.
    pub jitter_ms: u32,
    /// The estimated MOS: 4.3 and above is good, under 3.6 agents hear it.
    pub mos: Hundredths,
    /// The round trip to the far end in milliseconds, from its RTCP reports (none before
    /// the first, or with a far end that sends none).
    pub rtt_ms: Option<Hundredths>,
    /// How much of the agent's sound the far end lost lately, in percent (its RTCP reports).
    pub far_loss_percent: Option<Hundredths>,
}

/// Whether the agent's microphone is muted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MuteState {
    /// Always `"mute"`.
    pub event: &'static str,
    /// Muted.
    pub on: bool,
}

/// No RTP from the far end for a while (`media_silent`), or RTP again (`media_back`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MediaSilence {
    /// `"media_silent"` or `"media_back"`.
    pub event: &'static str,
    /// The call.
    pub call: String,
    /// How long nothing came, in seconds (0 for `media_back`).
    pub seconds: u64,
}

/// The screen pop of an incoming call.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ScreenPop {
    /// Always `"pop"`.
    pub event: &'static str,
    /// The incoming call.
    pub call: String,
    /// The caller and the matching contacts.
    #[serde(flatten)]
    pub lookup: crate::Lookup,
    /// What the SIP headers say: dialled number, queue, IVR choice...
    pub context: switchboard_core::CallContext,
    /// The latest calls with this caller (with their notes), newest first.
    pub recent: Vec<crate::HistoryEntry>,
}

impl ScreenPop {
    pub(crate) fn new(
        call: String,
        lookup: crate::Lookup,
        context: switchboard_core::CallContext,
        recent: Vec<crate::HistoryEntry>,
    ) -> Self {
        Self {
            event: "pop",
            call,
            lookup,
            context,
            recent,
        }
    }
}

/// The call, caller and context of an incoming-call event, to look up.
pub(crate) fn incoming_caller(
    event: &PhoneEvent,
) -> Option<(
    String,
    switchboard_core::CallerIdentity,
    switchboard_core::CallContext,
)> {
    match event {
        PhoneEvent::Sip(SipEvent::Call {
            call,
            state:
                CallState::Incoming {
                    user,
                    display_name,
                    replaces: None,
                    context,
                    ..
                },
        }) => Some((
            call.clone(),
            switchboard_core::CallerIdentity {
                user: user.clone(),
                display_name: display_name.clone(),
            },
            context.clone(),
        )),
        _ => None,
    }
}

/// An action that failed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ActionFailed {
    /// Always `"error"`.
    pub event: &'static str,
    /// The line concerned.
    pub line: String,
    /// Stable code.
    pub code: String,
    /// Message.
    pub message: String,
}
