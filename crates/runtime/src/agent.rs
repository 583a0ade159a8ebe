//! The agent's working state in the running app: Ready, Not ready, Wrap-up, Do not disturb,
//! Offline ([`switchboard_core::Agent`] on the app's clock), every change stored with its
//! time and published as an `agent` event; and the screening of new calls: a call the
//! call filter refuses gets 603, a call arriving while the agent is not Ready gets 486 or is
//! forwarded (302), by setting; both are written in the history.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError, RwLock};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use switchboard_core::matching::classify;
use switchboard_core::{
    Agent, AgentEvent, AgentRules, CallFilter, CallerIdentity, ChangeCause, DialPlan,
    FilterSettings, Presence, Verdict,
};
use switchboard_sip::{Screen, Screening};

use switchboard_store::StateChange;

use crate::{settings, Error, Handle, PhoneEvent};

/// What happens to a call that arrives while the agent is not Ready.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Unavailable {
    /// 486 Busy Here: the PBX tries another agent or its own busy treatment.
    #[default]
    Refuse,
    /// 302 to a colleague, a queue or a voicemail.
    Forward {
        /// A number or a SIP address.
        to: String,
    },
}

/// The agent's working rules (settings key `agent`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(default)]
pub struct AgentSettings {
    /// After-call work, the disposition rule and the Not-ready reasons.
    pub rules: AgentRules,
    /// Calls arriving while not Ready.
    pub unavailable: Unavailable,
    /// The call filter.
    pub filter: FilterSettings,
    /// The disposition codes offered in wrap-up and in the history.
    pub dispositions: Vec<String>,
}

/// The call in wrap-up.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct WrapUpView {
    /// The call (its SIP Call-ID).
    pub call: String,
    /// Its history row, where the notes and disposition go.
    pub history_id: Option<i64>,
    /// Milliseconds left in a timed wrap-up.
    pub remaining_ms: Option<u64>,
}

/// The agent's state as front ends and the CTI API show it; also the `agent` event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct AgentView {
    /// Always `"agent"`.
    pub event: &'static str,
    /// The state.
    pub presence: Presence,
    /// The Not-ready reason.
    pub reason: Option<String>,
    /// Seconds in this state.
    pub seconds: u64,
    /// Why it changed last.
    pub cause: ChangeCause,
    /// The wrap-up in progress.
    pub wrap_up: Option<WrapUpView>,
    /// Optional wrap-up: the call just ended whose notes and disposition the agent may give
    /// (by choosing Wrap-up).
    pub offered: Option<WrapUpView>,
    /// The Not-ready reasons to choose from.
    pub reasons: Vec<String>,
    /// The disposition codes to choose from.
    pub dispositions: Vec<String>,
    /// Whether leaving wrap-up needs a disposition code.
    pub require_disposition: bool,
}

/// The running agent: core's state machine on the app's clock, the filter ready to judge.
#[derive(Debug)]
pub(crate) struct AgentDesk {
    agent: Mutex<Agent>,
    cause: Mutex<ChangeCause>,
    start: Instant,
    filter: RwLock<CallFilter>,
    /// History rows of the latest calls, for the wrap-up's notes.
    rows: Mutex<HashMap<String, i64>>,
    /// The wrap-up countdown's task.
    timer: Mutex<Option<tokio::task::JoinHandle<()>>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl AgentDesk {
    pub(crate) fn new(
        (presence, reason): (Presence, Option<String>),
        settings: &AgentSettings,
        plan: &DialPlan,
    ) -> Self {
        Self {
            agent: Mutex::new(Agent::new(
                presence,
                reason,
                settings.rules.clone(),
                Duration::ZERO,
            )),
            cause: Mutex::new(ChangeCause::Agent),
            start: Instant::now(),
            filter: RwLock::new(CallFilter::new(&settings.filter, plan).unwrap_or_default()),
            rows: Mutex::new(HashMap::new()),
            timer: Mutex::new(None),
        }
    }

    fn now(&self) -> Duration {
        self.start.elapsed()
    }

    /// The presence and its reason.
    pub(crate) fn state(&self) -> (Presence, Option<String>) {
        let agent = lock(&self.agent);
        (agent.presence(), agent.reason().map(str::to_owned))
    }
}

/// The filter's refusals and their history reasons.
fn verdict_reason(verdict: &Verdict) -> Option<&'static str> {
    match verdict {
        Verdict::Pass => None,
        Verdict::Blocked { .. } => Some("filtered"),
        Verdict::NotAllowed => Some("filtered"),
        Verdict::Anonymous => Some("filtered_anonymous"),
    }
}

impl AgentSettings {
    fn check(&self, plan: &DialPlan) -> Result<(), Error> {
        self.rules.validate().map_err(|e| Error::InvalidField {
            field: match e {
                switchboard_core::AgentError::WrapUpLength(_) => "wrap_up",
                _ => "reasons",
            },
            reason: e.to_string(),
        })?;
        if let Unavailable::Forward { to } = &self.unavailable {
            if to.trim().is_empty()
                || to
                    .chars()
                    .any(|c| c.is_whitespace() || c == '<' || c == '>')
            {
                return Err(Error::InvalidField {
                    field: "forward_to",
                    reason: "a number or a SIP address without spaces".into(),
                });
            }
        }
        if let Err(errors) = CallFilter::new(&self.filter, plan) {
            return Err(Error::InvalidField {
                field: "filter",
                reason: errors
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("; "),
            });
        }
        if self.dispositions.len() > 100
            || self.dispositions.iter().any(|d| {
                d.trim().is_empty() || d.chars().count() > switchboard_store::MAX_DISPOSITION
            })
        {
            return Err(Error::InvalidField {
                field: "dispositions",
                reason: "at most 100 codes, each 1 to 100 characters".into(),
            });
        }
        Ok(())
    }
}

impl Handle {
    /// The agent's state now.
    pub fn agent(&self) -> AgentView {
        let settings = self.settings().agent;
        let agent = lock(&self.agent.agent);
        let now = self.agent.now();
        let rows = lock(&self.agent.rows);
        AgentView {
            event: "agent",
            presence: agent.presence(),
            reason: agent.reason().map(str::to_owned),
            seconds: now.saturating_sub(agent.since()).as_secs(),
            cause: *lock(&self.agent.cause),
            wrap_up: agent.wrap_up().map(|(call, deadline)| WrapUpView {
                call: call.to_owned(),
                history_id: rows.get(call).copied(),
                remaining_ms: deadline
                    .map(|d| u64::try_from(d.saturating_sub(now).as_millis()).unwrap_or(u64::MAX)),
            }),
            offered: agent.offered().map(|call| WrapUpView {
                call: call.to_owned(),
                history_id: rows.get(call).copied(),
                remaining_ms: None,
            }),
            reasons: settings.rules.reasons,
            dispositions: settings.dispositions,
            require_disposition: settings.rules.require_disposition,
        }
    }

    /// The agent (or the CTI API for them) sets their state.
    pub async fn set_agent_state(
        &self,
        presence: Presence,
        reason: Option<&str>,
    ) -> Result<AgentView, Error> {
        {
            let mut agent = lock(&self.agent.agent);
            let now = self.agent.now();
            agent.set(presence, reason, now)?;
        }
        self.agent_changes().await;
        Ok(self.agent())
    }

    /// The agent's changes of state at or after `from` (RFC 3339), preceded by the one in
    /// force then.
    pub async fn agent_states_since(&self, from: &str) -> Result<Vec<StateChange>, Error> {
        Ok(self.store.agent_states_since(from).await?)
    }

    /// The agent's working rules.
    pub fn agent_settings(&self) -> AgentSettings {
        self.settings().agent
    }

    /// Checks, stores and applies the agent's working rules.
    pub async fn save_agent_settings(&self, new: &AgentSettings) -> Result<(), Error> {
        let plan = self.settings().dial_plan;
        let mut new = new.clone();
        new.rules.reasons = new
            .rules
            .reasons
            .iter()
            .map(|r| r.trim().to_owned())
            .collect();
        new.dispositions = new
            .dispositions
            .iter()
            .map(|d| d.trim().to_owned())
            .collect();
        new.check(&plan)?;
        self.store.set_setting(settings::AGENT, &new).await?;
        let filter = CallFilter::new(&new.filter, &plan).unwrap_or_default();
        *self
            .agent
            .filter
            .write()
            .unwrap_or_else(PoisonError::into_inner) = filter;
        let rules = new.rules.clone();
        self.settings
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .agent = new;
        {
            let now = self.agent.now();
            lock(&self.agent.agent).set_rules(rules, now);
        }
        self.agent_changes().await;
        Ok(())
    }

    /// Stores and publishes what the agent's state machine reports, and arms the wrap-up
    /// countdown the state has now.
    pub(crate) async fn agent_changes(&self) {
        let events: Vec<AgentEvent> = {
            let mut agent = lock(&self.agent.agent);
            std::iter::from_fn(|| agent.poll_event()).collect()
        };
        for event in events {
            let (presence, reason, cause) = match event {
                AgentEvent::Changed {
                    presence,
                    reason,
                    cause,
                    ..
                } => (presence, reason, cause),
                // The form is offered: the window shows it.
                AgentEvent::WrapUpOffered { .. } => {
                    self.publish(PhoneEvent::Agent(self.agent()));
                    continue;
                }
            };
            *lock(&self.agent.cause) = cause;
            let cause_code = match cause {
                ChangeCause::Agent => "agent",
                ChangeCause::CallEnded => "call_ended",
                ChangeCause::WrapUpExpired => "wrap_up_expired",
            };
            if let Err(e) = self
                .store
                .agent_state_changed(presence.code(), reason.as_deref(), cause_code)
                .await
            {
                tracing::warn!("agent state not stored: {e}");
            }
            self.publish(PhoneEvent::Agent(self.agent()));
        }
        self.arm_wrap_up_timer();
    }

    /// (Re)arms the wrap-up countdown for the deadline in force now (none: no countdown).
    fn arm_wrap_up_timer(&self) {
        let mut timer = lock(&self.agent.timer);
        // Read under the timer's lock: two callers arm in turn, each from the state then.
        let deadline = lock(&self.agent.agent).next_timeout();
        if let Some(old) = timer.take() {
            old.abort();
        }
        let Some(deadline) = deadline else { return };
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let handle = self.clone();
        let wait = deadline.saturating_sub(self.agent.now());
        *timer = Some(runtime.spawn(async move {
            tokio::time::sleep(wait).await;
            {
                let now = handle.agent.now();
                lock(&handle.agent.agent).handle_timeout(now);
            }
            // Stored and published by a task of its own: re-arming aborts this one.
            tokio::spawn(async move { handle.agent_changes().await });
        }));
    }

    /// A call's history row (for its wrap-up).
    pub(crate) fn note_row(&self, call: &str, row: i64) {
        let mut rows = lock(&self.agent.rows);
        if rows.len() > 64 {
            rows.clear();
        }
        rows.insert(call.to_owned(), row);
    }

    /// A call ended: wrap-up, by the rules, once it was the last one.
    pub(crate) async fn agent_call_ended(&self, call: &str, answered: bool) {
        let lines_left = self
            .phone()
            .map(|p| p.board().iter().filter(|l| l.line != call).count())
            .unwrap_or(0);
        {
            let now = self.agent.now();
            lock(&self.agent.agent).handle_call_ended(call, answered, lines_left, now);
        }
        self.agent_changes().await;
    }

    /// History row `id` got a disposition code: its call's wrap-up may end.
    pub(crate) fn agent_disposed(&self, id: i64) {
        let call = lock(&self.agent.rows)
            .iter()
            .find(|(_, row)| **row == id)
            .map(|(call, _)| call.clone());
        if let Some(call) = call {
            lock(&self.agent.agent).handle_disposition(&call);
        }
    }

    /// The rule the SIP engine applies to each new call before it rings.
    pub(crate) fn screen(&self) -> Screen {
        let handle = self.clone();
        std::sync::Arc::new(move |user: &str, display_name: Option<&str>| {
            let settings = handle.settings();
            let caller = classify(
                &CallerIdentity {
                    user: user.to_owned(),
                    display_name: display_name.map(str::to_owned),
                },
                &settings.dial_plan,
            );
            let verdict = handle
                .agent
                .filter
                .read()
                .unwrap_or_else(PoisonError::into_inner)
                .judge(&caller);
            if let Some(reason) = verdict_reason(&verdict) {
                return Screening::Refuse {
                    status: 603,
                    reason: reason.to_owned(),
                };
            }
            if lock(&handle.agent.agent).admits_calls() {
                return Screening::Ring;
            }
            match settings.agent.unavailable {
                Unavailable::Refuse => Screening::Refuse {
                    status: 486,
                    reason: "agent_unavailable".into(),
                },
                Unavailable::Forward { to } => Screening::Forward {
                    to: handle.forward_target(&to),
                    reason: "forwarded".into(),
                },
            }
        })
    }

    /// Where a forwarded caller goes: a SIP address as written; a number on the domain of
    /// the account calls go out from (the phone system's, never this phone's own address).
    fn forward_target(&self, to: &str) -> String {
        let to = to.trim();
        if to.starts_with("sip:") || to.starts_with("sips:") || to.contains('@') {
            return to.to_owned();
        }
        let domain = self
            .calling_account()
            .ok()
            .and_then(|id| self.phone().ok()?.account_domain(&id));
        match domain {
            Some(domain) => format!("sip:{to}@{domain}"),
            None => to.to_owned(),
        }
    }

    /// Rebuilds the call filter under a new dial plan (its entries are read with it).
    pub(crate) fn refilter(&self, plan: &DialPlan) {
        let filter = CallFilter::new(&self.settings().agent.filter, plan).unwrap_or_default();
        *self
            .agent
            .filter
            .write()
            .unwrap_or_else(PoisonError::into_inner) = filter;
    }
}
