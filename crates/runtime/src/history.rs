//! The call history, written from the phone's events as calls go: a row when a call comes
//! in (with the contact of its screen pop) or is dialled (with the contact of the number,
//! from the `dialled` event, which comes before the line's first state however fast it ends),
//! its answer, its end and reason, and its recording's file.

use std::collections::{HashMap, HashSet};

use switchboard_core::desk::{DeskEvent, LineState};
use switchboard_core::{Caller, CallerIdentity};
use switchboard_sip::SipEvent;
use switchboard_store::{Direction, NewCall};

use crate::{Handle, Lookup, PhoneEvent};

/// The history rows of the calls in progress.
#[derive(Debug, Default)]
pub(crate) struct CallLog {
    rows: HashMap<String, i64>,
    /// The live calls that were answered (their end may start a wrap-up).
    answered: HashSet<String>,
    /// The calls on hold now, and since when.
    held: HashMap<String, std::time::Instant>,
}

/// The best match's contact id and name (or its company's name).
fn contact_of(lookup: &Lookup) -> (Option<i64>, Option<String>) {
    let Some(best) = lookup.matches.first() else {
        return (None, None);
    };
    let id = best.contact.as_ref().map(|c| c.id);
    let name = best
        .contact
        .as_ref()
        .map(|c| c.display_name.clone())
        .or_else(|| best.company.as_ref().map(|c| c.name.clone()));
    (id, name)
}

/// The best match's company, when its contact is a person of one (a company matched alone
/// is already the name).
fn company_of(lookup: &Lookup) -> Option<&str> {
    let best = lookup.matches.first()?;
    best.contact.as_ref()?;
    best.company.as_ref().map(|c| c.name.as_str())
}

/// Names the contact and the company of `call` for the board and the recordings.
fn label(handle: &Handle, call: &str, name: Option<&str>, company: Option<&str>) {
    let Ok(phone) = handle.phone() else {
        return;
    };
    if let Some(name) = name {
        phone.label(call, name);
    }
    if let Some(company) = company {
        phone.label_company(call, company);
    }
}

fn e164_of(lookup: &Lookup) -> Option<String> {
    match &lookup.caller {
        Caller::External { e164 } => Some(e164.to_string()),
        _ => None,
    }
}

impl CallLog {
    /// A call came in: its row, from the screen pop's lookup.
    pub(crate) async fn incoming(
        &mut self,
        handle: &Handle,
        call: &str,
        user: &str,
        lookup: &Lookup,
    ) {
        let (contact_id, name) = contact_of(lookup);
        label(handle, call, name.as_deref(), company_of(lookup));
        let e164 = e164_of(lookup);
        self.begin(
            handle,
            call,
            Direction::In,
            user,
            e164.as_deref(),
            contact_id,
        )
        .await;
    }

    async fn begin(
        &mut self,
        handle: &Handle,
        call: &str,
        direction: Direction,
        raw: &str,
        e164: Option<&str>,
        contact_id: Option<i64>,
    ) {
        let new = NewCall {
            direction,
            remote_raw: raw,
            remote_e164: e164,
            contact_id,
        };
        match handle.store.history_begin(&new).await {
            Ok(id) => {
                self.rows.insert(call.to_owned(), id);
                handle.note_row(call, id);
            }
            Err(e) => tracing::warn!(call, "history: {e}"),
        }
    }

    /// Counts the time a call spends on hold, into its row.
    async fn follow_hold(&mut self, handle: &Handle, line: &str, state: &LineState) {
        if *state == LineState::OnHold {
            self.held
                .entry(line.to_owned())
                .or_insert_with(std::time::Instant::now);
            return;
        }
        let (Some(since), Some(&id)) = (self.held.remove(line), self.rows.get(line)) else {
            return;
        };
        // Whole milliseconds, rounded up: every hold counts.
        let ms = i64::try_from(since.elapsed().as_micros().div_ceil(1000)).unwrap_or(i64::MAX);
        if let Err(e) = handle.store.history_held(id, ms).await {
            tracing::warn!(line, "hold time not kept: {e}");
        }
    }

    /// Follows one event of the phone.
    pub(crate) async fn follow(&mut self, handle: &Handle, event: &PhoneEvent) {
        let store = &handle.store;
        if let PhoneEvent::Desk(DeskEvent::Line { line, state }) = event {
            self.follow_hold(handle, line, state).await;
        }
        let outcome = match event {
            PhoneEvent::Desk(DeskEvent::Line { line, state }) => match state {
                LineState::Connected => {
                    self.answered.insert(line.clone());
                    match self.rows.get(line) {
                        Some(&id) => store.history_answered(id).await,
                        None => Ok(()),
                    }
                }
                LineState::Ended { reason } => {
                    let outcome = match self.rows.remove(line) {
                        Some(id) => store.history_ended(id, reason.code()).await,
                        None => Ok(()),
                    };
                    let answered = self.answered.remove(line);
                    handle.agent_call_ended(line, answered).await;
                    outcome
                }
                _ => Ok(()),
            },
            PhoneEvent::Dialled(dialled) => {
                let identity = CallerIdentity {
                    user: dialled.to.clone(),
                    display_name: None,
                };
                let lookup = handle.lookup(&identity).await.ok();
                let (contact_id, name) = lookup.as_ref().map_or((None, None), contact_of);
                let company = lookup.as_ref().and_then(company_of);
                label(handle, &dialled.call, name.as_deref(), company);
                let e164 = lookup.as_ref().and_then(e164_of);
                self.begin(
                    handle,
                    &dialled.call,
                    Direction::Out,
                    &dialled.to,
                    e164.as_deref(),
                    contact_id,
                )
                .await;
                Ok(())
            }
            // Refused by the desk: the agent already had all the calls they may.
            PhoneEvent::Desk(DeskEvent::Refused { line }) => match self.rows.remove(line) {
                Some(id) => store.history_ended(id, "limit").await,
                None => Ok(()),
            },
            // Refused or forwarded before it rang: in the history with why.
            PhoneEvent::Sip(SipEvent::Screened {
                user,
                display_name,
                reason,
                ..
            }) => {
                let identity = CallerIdentity {
                    user: user.clone(),
                    display_name: display_name.clone(),
                };
                let lookup = handle.lookup(&identity).await.ok();
                let (contact_id, _) = lookup.as_ref().map_or((None, None), contact_of);
                let e164 = lookup.as_ref().and_then(e164_of);
                let new = NewCall {
                    direction: Direction::In,
                    remote_raw: user,
                    remote_e164: e164.as_deref(),
                    contact_id,
                };
                match store.history_begin(&new).await {
                    Ok(id) => store.history_ended(id, reason).await,
                    Err(e) => Err(e),
                }
            }
            PhoneEvent::Recording(r) if r.state == "started" => match self.rows.get(&r.call) {
                Some(&id) => store.history_recording(id, &r.file).await,
                None => Ok(()),
            },
            _ => Ok(()),
        };
        if let Err(e) = outcome {
            tracing::warn!("history: {e}");
        }
    }
}
