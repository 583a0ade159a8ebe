//! What the phone itself should sound, read off the lines: the ring of an incoming call, the
//! call-waiting beep when the agent is already in a call, the ringback of an outgoing call
//! whose far end rings without early media.

use super::{Desk, LineState};

/// The phone's own sounds now.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Alert {
    /// A call rings here and the agent is in no other call: the ringer rings.
    pub ring: bool,
    /// A call rings here while the agent is in a call: a beep in the headset instead.
    pub call_waiting: bool,
    /// The agent's outgoing call rings at the far end, which sends no early media.
    pub ringback: bool,
}

impl Desk {
    /// What the phone should sound now.
    pub fn alert(&self) -> Alert {
        let states = || self.lines.values().map(|l| &l.state);
        let ringing_in = states().any(|s| *s == LineState::RingingIn);
        let in_a_call = states().any(|s| s.is_live() && *s != LineState::RingingIn);
        Alert {
            ring: ringing_in && !in_a_call,
            call_waiting: ringing_in && in_a_call,
            ringback: states().any(|s| *s == LineState::RingingOut),
        }
    }
}
