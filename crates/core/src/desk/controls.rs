//! Which controls the agent can use on a line now: exactly the commands the desk would
//! accept, so a window shows those buttons and no others (Sage CRM CTI's call list offers
//! only the actions of the call's state).

use serde::Serialize;

use super::{Desk, LineState};

/// A control of a line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum Control {
    /// Answer the ringing call.
    Answer,
    /// Refuse the ringing call.
    Reject,
    /// Hang up (cancel, refuse, or end the call; "Libérer" for a held caller).
    Hangup,
    /// Put the call on hold.
    Hold,
    /// Take the call off hold.
    Resume,
    /// Transfer the call to a number without speaking first.
    BlindTransfer,
    /// Hold the call and dial a colleague.
    Consult,
    /// Hand the held caller over to the consulted colleague.
    CompleteTransfer,
    /// Hang up on the colleague; the caller stays on hold.
    CancelConsult,
    /// Merge the calls into one conference.
    Merge,
    /// Take this party out of the conference.
    RemoveParty,
    /// Let this conference party speak but not hear the others.
    MuteListen,
    /// Send keys to this party.
    Dtmf,
    /// Record the call.
    Record,
}

impl Desk {
    /// The controls the agent can use on `line` now (none for an unknown or ended line).
    pub fn controls(&self, line: &str) -> Vec<Control> {
        let Ok(state) = self.get(line) else {
            return Vec::new();
        };
        let mut controls = Vec::new();
        let room = self.live() < self.limit;
        let consulting = self.consult.is_some();
        match state {
            // Once answered (until SIP confirms it), only hanging up is left.
            LineState::RingingIn if self.answering(line) => {}
            LineState::RingingIn => controls.extend([Control::Answer, Control::Reject]),
            LineState::Connected => {
                controls.extend([Control::Hold, Control::BlindTransfer]);
                if room && !consulting {
                    controls.push(Control::Consult);
                }
                controls.extend([Control::Dtmf, Control::Record]);
            }
            LineState::Holding if room && !consulting => controls.push(Control::Consult),
            LineState::OnHold => {
                controls.extend([Control::Resume, Control::BlindTransfer]);
                if room && !consulting {
                    controls.push(Control::Consult);
                }
            }
            LineState::InConference => {
                controls.extend([
                    Control::RemoveParty,
                    Control::MuteListen,
                    Control::Dtmf,
                    Control::Record,
                ]);
            }
            _ => {}
        }
        if let Some((caller, colleague)) = &self.consult {
            if line == caller || line == colleague {
                let ready = self.state(caller) == Some(&LineState::OnHold)
                    && matches!(
                        self.state(colleague),
                        Some(LineState::Connected | LineState::OnHold)
                    );
                if ready {
                    controls.push(Control::CompleteTransfer);
                }
                controls.push(Control::CancelConsult);
            }
        }
        let mergeable = |s: &LineState| {
            matches!(
                s,
                LineState::Connected | LineState::OnHold | LineState::InConference
            )
        };
        if matches!(state, LineState::Connected | LineState::OnHold)
            && self.lines.values().filter(|l| mergeable(&l.state)).count() >= 2
        {
            controls.push(Control::Merge);
        }
        if self.held_conference.contains(line) {
            controls.push(Control::RemoveParty);
        }
        // A call still ringing is refused with Reject, the one button for it.
        if !matches!(state, LineState::RingingIn) || self.answering(line) {
            controls.push(Control::Hangup);
        }
        controls
    }
}
