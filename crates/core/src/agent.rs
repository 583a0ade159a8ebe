//! The agent's working state (Ready, Not ready with a reason, Wrap-up, Do not disturb,
//! Offline) and the after-call work that follows each answered call, the way contact-center
//! suites run it (Genesys after-call-work modes; OVH CCS "temps de repos"). Sans-IO: time comes
//! in as `now`, changes go out as [`AgentEvent`]s, the wrap-up countdown is the one timer.

use std::collections::VecDeque;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Where the agent stands. Only a Ready agent takes calls.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum Presence {
    /// Takes calls.
    Ready,
    /// Away from the calls for a reason (break, training, back office...).
    NotReady,
    /// After-call work: notes and disposition of the call that just ended.
    WrapUp,
    /// Do not disturb.
    DoNotDisturb,
    /// Logged out of the calls.
    Offline,
}

impl Presence {
    /// Every presence, in the order the agent's menu shows them.
    pub const ALL: [Self; 5] = [
        Self::Ready,
        Self::NotReady,
        Self::WrapUp,
        Self::DoNotDisturb,
        Self::Offline,
    ];

    /// The stable code (`ready`, `not_ready`, `wrap_up`, `do_not_disturb`, `offline`).
    pub fn code(self) -> &'static str {
        match self {
            Self::Ready => "ready",
            Self::NotReady => "not_ready",
            Self::WrapUp => "wrap_up",
            Self::DoNotDisturb => "do_not_disturb",
            Self::Offline => "offline",
        }
    }

    /// The presence of a stable code.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.code() == code)
    }
}

/// What follows an answered call.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "mode", rename_all = "snake_case")]
pub enum WrapUpMode {
    /// Nothing: the agent stays Ready.
    #[default]
    Off,
    /// The wrap-up form is offered, the agent stays Ready and may enter Wrap-up for it.
    Optional,
    /// The agent is in Wrap-up until they leave it themselves.
    Mandatory,
    /// The agent is in Wrap-up for `seconds`, then Ready again (they may leave earlier).
    Timed {
        /// Length of the wrap-up, 1 to 3600.
        seconds: u32,
    },
}

/// The rules of the agent's states.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct AgentRules {
    /// After-call work.
    pub wrap_up: WrapUpMode,
    /// Wrap-up cannot be left before the call has a disposition code.
    pub require_disposition: bool,
    /// The reasons offered for Not ready; when there are some, one of them is required.
    pub reasons: Vec<String>,
}

/// Longest wrap-up countdown, in seconds.
pub const MAX_WRAP_UP_SECS: u32 = 3600;
/// Most Not-ready reasons.
pub const MAX_REASONS: usize = 30;
/// Longest Not-ready reason, in characters.
pub const MAX_REASON_LEN: usize = 60;

impl AgentRules {
    /// Checks the rules a settings screen or a file gives.
    pub fn validate(&self) -> Result<(), AgentError> {
        if let WrapUpMode::Timed { seconds } = self.wrap_up {
            if !(1..=MAX_WRAP_UP_SECS).contains(&seconds) {
                return Err(AgentError::WrapUpLength(seconds));
            }
        }
        if self.reasons.len() > MAX_REASONS {
            return Err(AgentError::TooManyReasons(self.reasons.len()));
        }
        for (i, reason) in self.reasons.iter().enumerate() {
            let trimmed = reason.trim();
            if trimmed.is_empty() || trimmed.chars().count() > MAX_REASON_LEN {
                return Err(AgentError::BadReason(reason.clone()));
            }
            if self.reasons[..i].iter().any(|r| r.trim() == trimmed) {
                return Err(AgentError::BadReason(reason.clone()));
            }
        }
        Ok(())
    }
}

/// A change the agent could not make.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AgentError {
    /// Wrap-up cannot end before the call has a disposition code.
    #[error("give the call a disposition code before leaving wrap-up")]
    DispositionRequired {
        /// The call in wrap-up.
        call: String,
    },
    /// Wrap-up is for a call that just ended; there is none.
    #[error("there is no ended call to wrap up")]
    NothingToWrapUp,
    /// Not ready needs one of the configured reasons.
    #[error("choose a reason for Not ready among: {0}")]
    ReasonRequired(String),
    /// The wrap-up countdown is out of range.
    #[error("a wrap-up lasts 1 to 3600 seconds, not {0}")]
    WrapUpLength(u32),
    /// Too many Not-ready reasons.
    #[error("at most 30 Not-ready reasons, not {0}")]
    TooManyReasons(usize),
    /// A Not-ready reason is empty, too long or given twice.
    #[error("the Not-ready reason {0:?} is empty, longer than 60 characters or given twice")]
    BadReason(String),
}

impl AgentError {
    /// A stable code for front ends.
    pub fn code(&self) -> &'static str {
        match self {
            Self::DispositionRequired { .. } => "disposition_required",
            Self::NothingToWrapUp => "nothing_to_wrap_up",
            Self::ReasonRequired(_) => "reason_required",
            Self::WrapUpLength(_) => "wrap_up_length",
            Self::TooManyReasons(_) => "too_many_reasons",
            Self::BadReason(_) => "bad_reason",
        }
    }
}

/// Why the state changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum ChangeCause {
    /// The agent (or the CTI API on their behalf) chose it.
    Agent,
    /// An answered call ended: wrap-up began.
    CallEnded,
    /// The wrap-up countdown ran out.
    WrapUpExpired,
}

/// What the agent's state machine reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AgentEvent {
    /// The presence changed.
    Changed {
        /// The new presence.
        presence: Presence,
        /// The Not-ready reason.
        reason: Option<String>,
        /// The call in wrap-up.
        call: Option<String>,
        /// Why.
        cause: ChangeCause,
    },
    /// Optional wrap-up: the form for `call` is offered while the agent stays Ready.
    WrapUpOffered {
        /// The call that ended.
        call: String,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct WrapUp {
    call: String,
    deadline: Option<Duration>,
}

/// The agent's state.
#[derive(Clone, Debug)]
pub struct Agent {
    presence: Presence,
    reason: Option<String>,
    since: Duration,
    rules: AgentRules,
    wrap_up: Option<WrapUp>,
    /// The last answered call that ended, until the agent moves on from it.
    last_call: Option<String>,
    /// An answered call ended while other calls were still up: its wrap-up waits for the
    /// last of them.
    unwrapped: Option<String>,
    /// Optional wrap-up: the call whose form is offered while the agent stays Ready.
    offered: Option<String>,
    /// Calls given a disposition code.
    disposed: Vec<String>,
    events: VecDeque<AgentEvent>,
}

impl Agent {
    /// An agent in `presence` (with its Not-ready `reason`) since `now`, under `rules`.
    pub fn new(
        presence: Presence,
        reason: Option<String>,
        rules: AgentRules,
        now: Duration,
    ) -> Self {
        Self {
            // Nobody starts in a wrap-up of a call they do not have.
            presence: if presence == Presence::WrapUp {
                Presence::Ready
            } else {
                presence
            },
            reason: reason.filter(|_| presence == Presence::NotReady),
            since: now,
            rules,
            wrap_up: None,
            last_call: None,
            unwrapped: None,
            offered: None,
            disposed: Vec::new(),
            events: VecDeque::new(),
        }
    }

    /// The presence now.
    pub fn presence(&self) -> Presence {
        self.presence
    }

    /// The Not-ready reason.
    pub fn reason(&self) -> Option<&str> {
        self.reason.as_deref()
    }

    /// When the presence began.
    pub fn since(&self) -> Duration {
        self.since
    }

    /// The rules in force.
    pub fn rules(&self) -> &AgentRules {
        &self.rules
    }

    /// The call in wrap-up and when the countdown ends.
    pub fn wrap_up(&self) -> Option<(&str, Option<Duration>)> {
        self.wrap_up.as_ref().map(|w| (w.call.as_str(), w.deadline))
    }

    /// Whether a new call may ring: only for a Ready agent.
    pub fn admits_calls(&self) -> bool {
        self.presence == Presence::Ready
    }

    /// New rules. A running countdown keeps its end; wrap-up turned off ends it.
    pub fn set_rules(&mut self, rules: AgentRules, now: Duration) {
        let off = rules.wrap_up == WrapUpMode::Off;
        self.rules = rules;
        if off && self.presence == Presence::WrapUp {
            self.change(Presence::Ready, None, ChangeCause::Agent, now);
        }
    }

    /// The next thing to report.
    pub fn poll_event(&mut self) -> Option<AgentEvent> {
        self.events.pop_front()
    }

    fn change(
        &mut self,
        presence: Presence,
        reason: Option<String>,
        cause: ChangeCause,
        now: Duration,
    ) {
        if presence != Presence::WrapUp {
            self.wrap_up = None;
        }
        if self.presence == presence && self.reason == reason {
            return;
        }
        self.offered = None;
        self.presence = presence;
        self.reason = reason.clone();
        self.since = now;
        self.events.push_back(AgentEvent::Changed {
            presence,
            reason,
            call: self.wrap_up.as_ref().map(|w| w.call.clone()),
            cause,
        });
    }

    /// The agent chooses `presence` (with a reason for Not ready).
    pub fn set(
        &mut self,
        presence: Presence,
        reason: Option<&str>,
        now: Duration,
    ) -> Result<(), AgentError> {
        if let Some(w) = &self.wrap_up {
            if presence != Presence::WrapUp
                && self.rules.require_disposition
                && !self.disposed.contains(&w.call)
            {
                return Err(AgentError::DispositionRequired {
                    call: w.call.clone(),
                });
            }
        }
        let reason = match presence {
            Presence::NotReady => {
                let given = reason.map(str::trim).filter(|r| !r.is_empty());
                if self.rules.reasons.is_empty() {
                    given.map(str::to_owned)
                } else {
                    let known = given
                        .and_then(|g| self.rules.reasons.iter().find(|r| r.trim() == g).cloned());
                    Some(
                        known.ok_or_else(|| {
                            AgentError::ReasonRequired(self.rules.reasons.join(", "))
                        })?,
                    )
                }
            }
            _ => None,
        };
        if presence == Presence::WrapUp && self.wrap_up.is_none() {
            let call = self.last_call.clone().ok_or(AgentError::NothingToWrapUp)?;
            self.wrap_up = Some(WrapUp {
                call,
                deadline: None,
            });
        }
        self.change(presence, reason, ChangeCause::Agent, now);
        Ok(())
    }

    /// The call got its disposition code: its wrap-up may end.
    pub fn handle_disposition(&mut self, call: &str) {
        if !self.disposed.iter().any(|c| c == call) {
            // Only the latest calls matter: the one in wrap-up and the one just offered.
            if self.disposed.len() >= 8 {
                self.disposed.remove(0);
            }
            self.disposed.push(call.to_owned());
        }
    }

    /// A call ended (`answered`: it was a conversation; `lines_left`: the agent's calls
    /// still up). When the last call ends, a Ready agent goes into the wrap-up the rules ask
    /// for, of the last answered call (a consultation's end is not the customer's); an agent
    /// who chose another state meanwhile stays in it.
    pub fn handle_call_ended(
        &mut self,
        call: &str,
        answered: bool,
        lines_left: usize,
        now: Duration,
    ) {
        if answered {
            self.last_call = Some(call.to_owned());
            self.unwrapped = Some(call.to_owned());
        }
        if lines_left > 0 {
            return;
        }
        let Some(call) = self.unwrapped.take() else {
            return;
        };
        if self.presence != Presence::Ready {
            return;
        }
        let deadline = match self.rules.wrap_up {
            WrapUpMode::Off => return,
            WrapUpMode::Optional => {
                self.offered = Some(call.clone());
                self.events.push_back(AgentEvent::WrapUpOffered { call });
                return;
            }
            WrapUpMode::Mandatory => None,
            WrapUpMode::Timed { seconds } => Some(now + Duration::from_secs(seconds.into())),
        };
        self.wrap_up = Some(WrapUp { call, deadline });
        self.change(Presence::WrapUp, None, ChangeCause::CallEnded, now);
    }

    /// Optional wrap-up: the call whose form is offered, until the agent takes a call or
    /// goes into its wrap-up.
    pub fn offered(&self) -> Option<&str> {
        self.offered.as_deref()
    }

    /// When [`Agent::handle_timeout`] is next due.
    pub fn next_timeout(&self) -> Option<Duration> {
        self.wrap_up.as_ref().and_then(|w| w.deadline)
    }

    /// Ends a wrap-up whose countdown ran out: the agent is Ready again. A time-boxed wrap-up
    /// ends even without a disposition code (the code can still be given in the history).
    pub fn handle_timeout(&mut self, now: Duration) {
        if self.next_timeout().is_some_and(|d| d <= now) {
            self.change(Presence::Ready, None, ChangeCause::WrapUpExpired, now);
        }
    }
}
