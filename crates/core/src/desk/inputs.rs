//! What the SIP layer reports to the desk: calls coming in, ringing, answered, held or not,
//! transfers failing, calls ending. Each input is ignored when the line is not in a state
//! where it can happen.

use std::time::Duration;

use super::{Action, Answering, Desk, DeskEvent, LineState};
use crate::call::EndReason;

impl Desk {
    /// SIP placed an outgoing call on its own (we accepted to be transferred): the desk
    /// follows it like a dialled line. The call it replaces ends by itself.
    pub fn adopt(&mut self, line: &str, now: Duration) {
        if self.state(line).is_none() {
            self.add(line, LineState::Dialing, Some(now + self.ring_timeout));
        }
    }

    /// SIP: a call comes in on `line`. Beyond the limit it is refused with 486.
    pub fn handle_incoming(&mut self, line: &str) {
        if self.live() >= self.limit {
            self.actions.push_back(Action::Reject {
                line: line.to_owned(),
                status: 486,
            });
            self.events.push_back(DeskEvent::Refused {
                line: line.to_owned(),
            });
            return;
        }
        self.add(line, LineState::RingingIn, None);
    }

    /// SIP: the far end rings (`early_media`: with media).
    pub fn handle_ringing(&mut self, line: &str, early_media: bool) {
        if matches!(
            self.state(line),
            Some(LineState::Dialing | LineState::RingingOut)
        ) {
            let state = if early_media {
                LineState::EarlyMedia
            } else {
                LineState::RingingOut
            };
            self.set(line, state);
        }
    }

    /// SIP: the call is answered (ours or theirs).
    pub fn handle_answered(&mut self, line: &str) {
        if self.state(line).is_some_and(LineState::is_live) {
            self.set(line, LineState::Connected);
            if let Some(l) = self.lines.get_mut(line) {
                let hang_up = l.answering == Answering::ThenHangUp;
                l.answering = Answering::No;
                if hang_up {
                    self.actions.push_back(Action::Bye(line.to_owned()));
                }
            }
        }
    }

    /// Whether the agent answered `line` and SIP has not said so yet.
    pub(crate) fn answering(&self, line: &str) -> bool {
        self.lines
            .get(line)
            .is_some_and(|l| l.answering != Answering::No)
    }

    /// SIP: our hold re-INVITE was answered (`accepted`) or refused.
    pub fn handle_hold_result(&mut self, line: &str, accepted: bool) {
        if self.state(line) != Some(&LineState::Holding) {
            return;
        }
        if accepted {
            self.set(line, LineState::OnHold);
        } else {
            self.set(line, LineState::Connected);
            self.events.push_back(DeskEvent::HoldRefused {
                line: line.to_owned(),
            });
        }
    }

    /// SIP: our resume re-INVITE was answered (`accepted`) or refused.
    pub fn handle_resume_result(&mut self, line: &str, accepted: bool) {
        if self.state(line) == Some(&LineState::Resuming) {
            let state = if accepted && self.held_conference.remove(line) {
                LineState::InConference
            } else if accepted {
                LineState::Connected
            } else {
                LineState::OnHold
            };
            self.set(line, state);
        }
    }

    /// SIP: a transfer of `line` failed with `status`; the caller is on hold with us again.
    pub fn handle_transfer_failed(&mut self, line: &str, status: u16) {
        if self.state(line) == Some(&LineState::Transferring) {
            self.set(line, LineState::OnHold);
            self.events.push_back(DeskEvent::TransferFailed {
                line: line.to_owned(),
                status,
            });
        }
    }

    /// SIP: the other side held (`held`) or resumed the line.
    pub fn handle_remote_hold(&mut self, line: &str, held: bool) {
        if self.state(line).is_some_and(LineState::is_live) {
            self.events.push_back(DeskEvent::RemoteHold {
                line: line.to_owned(),
                held,
            });
        }
    }

    /// SIP: `line` ended.
    pub fn handle_ended(&mut self, line: &str, reason: EndReason) {
        if !self.state(line).is_some_and(LineState::is_live) {
            return;
        }
        let reason = match self.state(line) {
            Some(LineState::Transferring) if reason == EndReason::HungUp => EndReason::Transferred,
            _ => reason,
        };
        self.set(line, LineState::Ended { reason });
        self.out_of_held_conference(line);
        // A conference of one is a plain call.
        if let [last] = self.conference().as_slice() {
            let last = (*last).to_owned();
            self.set(&last, LineState::Connected);
        }
        if let Some((caller, consult)) = self.consult.clone() {
            if caller == line || consult == line {
                self.consult = None;
            }
            // The transfer target ends the replaced consult dialog itself (RFC 3891 §3); one
            // that keeps both would leave the agent on the line: hang it up.
            if caller == line
                && reason == EndReason::Transferred
                && self.state(&consult).is_some_and(LineState::is_live)
            {
                self.actions.push_back(Action::Bye(consult));
            }
        }
    }
}
