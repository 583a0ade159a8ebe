//! The agent's desk: the lines and how they relate, with the rules a call centre expects.
//!
//! Sans-IO, in the style of quinn-proto: the front end calls a command (`dial`, `answer`,
//! `hold`, `consult`, ...) or reports what the SIP layer saw (`handle_*`), then drains
//! [`Desk::poll_action`] (what SIP must do) and [`Desk::poll_event`] (what the agent sees).
//! Time comes in as `now` (time since any fixed origin); [`Desk::next_timeout`] says when
//! [`Desk::handle_timeout`] is due. Rules:
//! - one line has the agent's audio: dialling, answering or resuming holds the active line;
//! - at most `limit` lines at once; a call beyond it is refused with 486 (OVH CCS "appels
//!   simultanés");
//! - consult holds the caller and dials a colleague; the attended transfer (REFER with
//!   Replaces) is only sent once the caller's hold was answered;
//! - an outgoing call nobody answers within the ring timeout is cancelled.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::time::Duration;

use serde::Serialize;

use crate::call::EndReason;

mod alert;
mod conference;
mod controls;
mod dtmf;
mod error;
mod inputs;
mod timeout;

pub use alert::Alert;
pub use controls::Control;
use error::name;
pub use error::DeskError;

/// A line's id: the SIP Call-ID of its call.
pub type LineId = String;

/// A line's state, in the manuals' words.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum LineState {
    /// Outgoing, nothing heard back yet.
    Dialing,
    /// Outgoing, the far end rings.
    RingingOut,
    /// Outgoing, the far end plays early media (announcement, ringback).
    EarlyMedia,
    /// Incoming, ringing here.
    RingingIn,
    /// Talking.
    Connected,
    /// A hold re-INVITE is on its way.
    Holding,
    /// Held by the agent.
    OnHold,
    /// A resume re-INVITE is on its way.
    Resuming,
    /// Handed over (REFER sent); waiting for the target.
    Transferring,
    /// In the agent's conference (a resume re-INVITE may still be on its way).
    InConference,
    /// Over.
    Ended {
        /// Why.
        #[serde(flatten)]
        reason: EndReason,
    },
}

impl LineState {
    fn is_live(&self) -> bool {
        !matches!(self, Self::Ended { .. })
    }

    /// Whether the line has (or is about to have) the agent's audio.
    fn is_active(&self) -> bool {
        matches!(
            self,
            Self::Dialing
                | Self::RingingOut
                | Self::EarlyMedia
                | Self::Connected
                | Self::Resuming
                | Self::InConference
        )
    }
}

/// What the SIP layer must do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// Send an INVITE for the new line.
    Invite {
        /// The line.
        line: LineId,
        /// The number or address.
        to: String,
    },
    /// Answer the ringing line (200).
    Accept(LineId),
    /// Refuse the ringing line with 486 (busy) or 603 (decline).
    Reject {
        /// The line.
        line: LineId,
        /// 486 or 603.
        status: u16,
    },
    /// CANCEL the unanswered outgoing line.
    Cancel(LineId),
    /// BYE.
    Bye(LineId),
    /// re-INVITE with sendonly.
    Hold(LineId),
    /// re-INVITE with sendrecv.
    Resume(LineId),
    /// REFER `line` to `to` (blind transfer).
    Refer {
        /// The caller's line.
        line: LineId,
        /// The target.
        to: String,
    },
    /// REFER `line` to the other party of `replaces`, with Replaces (RFC 3891).
    ReferReplaces {
        /// The caller's line.
        line: LineId,
        /// The consult line whose dialog the caller takes over.
        replaces: LineId,
    },
    /// Send DTMF digits to the party on `line` only.
    Dtmf {
        /// The line.
        line: LineId,
        /// Digits among `0-9 * # A-D`.
        digits: String,
    },
}

/// What the agent sees.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum DeskEvent {
    /// A line changed state.
    Line {
        /// The line.
        line: LineId,
        /// Its new state.
        #[serde(flatten)]
        state: LineState,
    },
    /// A call was refused because the agent already has `limit` lines.
    Refused {
        /// The refused call.
        line: LineId,
    },
    /// The other side refused a hold (e.g. 488); the line is still connected.
    HoldRefused {
        /// The line.
        line: LineId,
    },
    /// The other side put the line on hold (`held`) or took it off.
    RemoteHold {
        /// The line.
        line: LineId,
        /// Whether the other side now holds it.
        held: bool,
    },
    /// A transfer failed; the caller is back on hold with the agent.
    TransferFailed {
        /// The caller's line.
        line: LineId,
        /// The status the target answered.
        status: u16,
    },
}

#[derive(Clone, Debug)]
struct Line {
    state: LineState,
    /// For outgoing lines not answered yet: when to give up.
    ring_deadline: Option<Duration>,
    /// An incoming line the agent answered, until SIP says it is: hanging up then waits
    /// for the answer and sends BYE (a 486 after our 200 would go nowhere, RFC 3261 §13.3.1.4).
    answering: Answering,
}

/// Where an incoming line stands between the agent's answer and SIP's.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Answering {
    /// Not answered by the agent.
    #[default]
    No,
    /// The 200 is on its way.
    Sent,
    /// The 200 is on its way and the agent already hung up.
    ThenHangUp,
}

/// The agent's lines.
#[derive(Clone, Debug)]
pub struct Desk {
    lines: BTreeMap<LineId, Line>,
    limit: usize,
    ring_timeout: Duration,
    /// (caller, colleague) while consulting.
    consult: Option<(LineId, LineId)>,
    /// The parties of a conference the agent put on hold as a whole: resumed together, they
    /// are in conference again.
    held_conference: BTreeSet<LineId>,
    actions: VecDeque<Action>,
    events: VecDeque<DeskEvent>,
}

impl Desk {
    /// A desk allowing `limit` simultaneous lines, cancelling unanswered outgoing calls after
    /// `ring_timeout`.
    pub fn new(limit: usize, ring_timeout: Duration) -> Self {
        Self {
            lines: BTreeMap::new(),
            limit: limit.max(1),
            ring_timeout,
            consult: None,
            held_conference: BTreeSet::new(),
            actions: VecDeque::new(),
            events: VecDeque::new(),
        }
    }

    /// Changes the simultaneous-line limit (at least 1). Lines already up stay; new calls are
    /// refused until there are fewer than the limit.
    pub fn set_limit(&mut self, limit: usize) {
        self.limit = limit.max(1);
    }

    /// The next thing the SIP layer must do.
    pub fn poll_action(&mut self) -> Option<Action> {
        self.actions.pop_front()
    }

    /// The next thing the agent must see.
    pub fn poll_event(&mut self) -> Option<DeskEvent> {
        self.events.pop_front()
    }

    /// The state of `line`, if it is known.
    pub fn state(&self, line: &str) -> Option<&LineState> {
        self.lines.get(line).map(|l| &l.state)
    }

    /// The consultation in progress: (caller, colleague).
    pub fn consultation(&self) -> Option<(&str, &str)> {
        self.consult.as_ref().map(|(a, b)| (a.as_str(), b.as_str()))
    }

    fn live(&self) -> usize {
        self.lines.values().filter(|l| l.state.is_live()).count()
    }

    fn set(&mut self, line: &str, state: LineState) {
        if let Some(l) = self.lines.get_mut(line) {
            if l.state != state {
                l.state = state.clone();
                if !matches!(
                    state,
                    LineState::Dialing | LineState::RingingOut | LineState::EarlyMedia
                ) {
                    l.ring_deadline = None;
                }
                self.events.push_back(DeskEvent::Line {
                    line: line.to_owned(),
                    state,
                });
            }
        }
    }

    fn get(&self, line: &str) -> Result<&LineState, DeskError> {
        self.lines
            .get(line)
            .map(|l| &l.state)
            .filter(|s| s.is_live())
            .ok_or(DeskError::NoSuchLine)
    }

    /// Holds whatever has the agent's audio, other than `except`: the talking line, or the
    /// whole conference (resumed later as a conference).
    fn hold_active(&mut self, except: &str) {
        let active: Vec<(LineId, bool)> = self
            .lines
            .iter()
            .filter(|(id, l)| {
                id.as_str() != except
                    && matches!(l.state, LineState::Connected | LineState::InConference)
            })
            .map(|(id, l)| (id.clone(), l.state == LineState::InConference))
            .collect();
        for (id, in_conference) in active {
            if in_conference {
                self.held_conference.insert(id.clone());
            }
            self.actions.push_back(Action::Hold(id.clone()));
            self.set(&id, LineState::Holding);
        }
    }

    /// Takes `line` out of the held conference; one party left is no conference.
    fn out_of_held_conference(&mut self, line: &str) {
        self.held_conference.remove(line);
        if self.held_conference.len() == 1 {
            self.held_conference.clear();
        }
    }

    fn add(&mut self, line: &str, state: LineState, ring_deadline: Option<Duration>) {
        self.lines.insert(
            line.to_owned(),
            Line {
                state: state.clone(),
                ring_deadline,
                answering: Answering::No,
            },
        );
        self.events.push_back(DeskEvent::Line {
            line: line.to_owned(),
            state,
        });
    }

    /// Dials `to` on a new line `line`, holding the active call first.
    pub fn dial(&mut self, line: &str, to: &str, now: Duration) -> Result<(), DeskError> {
        if self.live() >= self.limit {
            return Err(DeskError::LimitReached(self.limit));
        }
        self.hold_active(line);
        self.add(line, LineState::Dialing, Some(now + self.ring_timeout));
        self.actions.push_back(Action::Invite {
            line: line.to_owned(),
            to: to.to_owned(),
        });
        Ok(())
    }

    /// Answers a ringing incoming line, holding the active call first.
    pub fn answer(&mut self, line: &str) -> Result<(), DeskError> {
        match self.get(line)? {
            LineState::RingingIn if !self.answering(line) => {}
            LineState::RingingIn => return Err(DeskError::NotNow("being answered")),
            other => return Err(DeskError::NotNow(name(other))),
        }
        self.hold_active(line);
        if let Some(l) = self.lines.get_mut(line) {
            l.answering = Answering::Sent;
        }
        self.actions.push_back(Action::Accept(line.to_owned()));
        Ok(())
    }

    /// Refuses a ringing incoming line: `decline` sends 603, otherwise 486 (busy).
    pub fn reject(&mut self, line: &str, decline: bool) -> Result<(), DeskError> {
        match self.get(line)? {
            LineState::RingingIn if self.answering(line) => {
                return Err(DeskError::NotNow("being answered"));
            }
            LineState::RingingIn => {}
            other => return Err(DeskError::NotNow(name(other))),
        }
        self.actions.push_back(Action::Reject {
            line: line.to_owned(),
            status: if decline { 603 } else { 486 },
        });
        self.set(
            line,
            LineState::Ended {
                reason: EndReason::Rejected,
            },
        );
        Ok(())
    }

    /// Hangs up: cancels an unanswered call, refuses a ringing one, ends an answered one
    /// (one being answered as soon as SIP confirms it).
    pub fn hangup(&mut self, line: &str) -> Result<(), DeskError> {
        let action = match self.get(line)? {
            LineState::Dialing | LineState::RingingOut | LineState::EarlyMedia => {
                Action::Cancel(line.to_owned())
            }
            LineState::RingingIn if self.answering(line) => {
                if let Some(l) = self.lines.get_mut(line) {
                    l.answering = Answering::ThenHangUp;
                }
                return Ok(());
            }
            LineState::RingingIn => return self.reject(line, false),
            _ => Action::Bye(line.to_owned()),
        };
        self.actions.push_back(action);
        Ok(())
    }

    /// Puts an answered line on hold.
    pub fn hold(&mut self, line: &str) -> Result<(), DeskError> {
        match self.get(line)? {
            LineState::Connected => {}
            other => return Err(DeskError::NotNow(name(other))),
        }
        self.actions.push_back(Action::Hold(line.to_owned()));
        self.set(line, LineState::Holding);
        Ok(())
    }

    /// Takes a line off hold, holding the active call first.
    pub fn resume(&mut self, line: &str) -> Result<(), DeskError> {
        match self.get(line)? {
            LineState::OnHold => {}
            other => return Err(DeskError::NotNow(name(other))),
        }
        // Resumed alone, a party of a held conference talks privately with the agent.
        self.out_of_held_conference(line);
        self.hold_active(line);
        self.actions.push_back(Action::Resume(line.to_owned()));
        self.set(line, LineState::Resuming);
        Ok(())
    }

    /// Blind transfer of an answered line to `to`.
    pub fn blind_transfer(&mut self, line: &str, to: &str) -> Result<(), DeskError> {
        match self.get(line)? {
            LineState::Connected | LineState::OnHold => {}
            other => return Err(DeskError::NotNow(name(other))),
        }
        self.actions.push_back(Action::Refer {
            line: line.to_owned(),
            to: to.to_owned(),
        });
        self.set(line, LineState::Transferring);
        Ok(())
    }

    /// Consults a colleague: holds the caller's line and dials `to` on line `consult`.
    pub fn consult(
        &mut self,
        caller: &str,
        consult: &str,
        to: &str,
        now: Duration,
    ) -> Result<(), DeskError> {
        if self.consult.is_some() {
            return Err(DeskError::ConsultInProgress);
        }
        match self.get(caller)? {
            LineState::Connected | LineState::Holding | LineState::OnHold => {}
            other => return Err(DeskError::NotNow(name(other))),
        }
        self.dial(consult, to, now)?;
        self.consult = Some((caller.to_owned(), consult.to_owned()));
        Ok(())
    }

    /// Completes the attended transfer: the caller is referred to the colleague, replacing
    /// the consult call. Only once the caller's hold was answered (RFC 3891 §3).
    pub fn complete_transfer(&mut self) -> Result<(), DeskError> {
        let (caller, consult) = self.consult.clone().ok_or(DeskError::NoConsult)?;
        match self.get(&caller)? {
            LineState::OnHold => {}
            LineState::Holding => return Err(DeskError::HoldPending),
            other => return Err(DeskError::NotNow(name(other))),
        }
        match self.get(&consult)? {
            LineState::Connected | LineState::OnHold => {}
            other => return Err(DeskError::NotNow(name(other))),
        }
        self.actions.push_back(Action::ReferReplaces {
            line: caller.clone(),
            replaces: consult,
        });
        self.set(&caller, LineState::Transferring);
        Ok(())
    }

    /// Ends the consultation: hangs up the colleague's line; the caller stays on hold until
    /// the agent resumes or releases (hangs up) it.
    pub fn cancel_consult(&mut self) -> Result<(), DeskError> {
        let (_, consult) = self.consult.take().ok_or(DeskError::NoConsult)?;
        self.hangup(&consult)
    }

    /// The line that has the agent's audio, if any.
    pub fn active(&self) -> Option<&str> {
        self.lines
            .iter()
            .find(|(_, l)| l.state.is_active())
            .map(|(id, _)| id.as_str())
    }
}
