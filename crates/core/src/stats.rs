//! The agent's statistics over a period (today, this week): calls in and out, answered,
//! missed, talk, hold and wrap-up time, average handle time (talk + hold + wrap-up per
//! handled call, as contact-center suites count it), time in each state, and the calls per
//! slice of the period for the charts. Times are milliseconds since 1970 (UTC); the
//! caller gives the period's bounds and slices in the agent's own time zone.

use serde::Serialize;

use crate::agent::Presence;

/// One call of the history.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallRecord {
    /// It came in.
    pub incoming: bool,
    /// When it began.
    pub started_ms: i64,
    /// When it was answered.
    pub answered_ms: Option<i64>,
    /// When it ended (none: in progress).
    pub ended_ms: Option<i64>,
    /// Why it ended.
    pub end_reason: Option<String>,
    /// How long it was on hold.
    pub held_ms: i64,
}

/// One change of the agent's state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StateRecord {
    /// When.
    pub at_ms: i64,
    /// The new state; `None` when the app stopped (no state until it starts again).
    pub presence: Option<Presence>,
}

/// The calls of one slice of the period.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Slice {
    /// Where it begins.
    pub from_ms: i64,
    /// Calls that came in.
    pub calls_in: u32,
    /// Calls placed.
    pub calls_out: u32,
}

/// Time in one state.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct StateTime {
    /// The state.
    pub presence: Presence,
    /// How long, in milliseconds.
    pub ms: i64,
}

/// The statistics of a period.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Stats {
    /// The period's start.
    pub from_ms: i64,
    /// Its end.
    pub to_ms: i64,
    /// Calls that came in (screened ones included).
    pub calls_in: u32,
    /// Calls placed.
    pub calls_out: u32,
    /// Incoming calls answered.
    pub answered: u32,
    /// Incoming calls that rang and were not answered.
    pub missed: u32,
    /// Incoming calls refused or forwarded before ringing (filter, not ready, limit).
    pub screened: u32,
    /// Placed calls that were answered.
    pub connected_out: u32,
    /// Time talking (answered to ended, less the time on hold), in milliseconds.
    pub talk_ms: i64,
    /// Time callers were on hold.
    pub hold_ms: i64,
    /// Time in wrap-up.
    pub wrap_up_ms: i64,
    /// (talk + hold + wrap-up) per handled call (answered in, connected out).
    pub average_handle_ms: i64,
    /// Time in each state, in the menu's order.
    pub time_in: Vec<StateTime>,
    /// The calls per slice.
    pub slices: Vec<Slice>,
}

/// End reasons of calls the phone refused or forwarded before they rang.
pub const SCREENED: [&str; 5] = [
    "filtered",
    "filtered_anonymous",
    "agent_unavailable",
    "forwarded",
    "limit",
];

/// Computes the statistics of `[from_ms, to_ms)` at `now_ms` from the calls and the state
/// changes (oldest first; the one in force at `from_ms` included); `edges` are the starts of
/// the slices, within the period, in order.
pub fn compute(
    calls: &[CallRecord],
    states: &[StateRecord],
    (from_ms, to_ms): (i64, i64),
    now_ms: i64,
    edges: &[i64],
) -> Stats {
    let end = to_ms.min(now_ms);
    let mut stats = Stats {
        from_ms,
        to_ms,
        slices: edges
            .iter()
            .map(|&from_ms| Slice {
                from_ms,
                ..Slice::default()
            })
            .collect(),
        ..Stats::default()
    };
    for call in calls
        .iter()
        .filter(|c| (from_ms..to_ms).contains(&c.started_ms))
    {
        let screened = call
            .end_reason
            .as_deref()
            .is_some_and(|r| SCREENED.contains(&r));
        if call.incoming {
            stats.calls_in += 1;
            match (screened, call.answered_ms, call.ended_ms) {
                (true, ..) => stats.screened += 1,
                (false, Some(_), _) => stats.answered += 1,
                (false, None, Some(_)) => stats.missed += 1,
                (false, None, None) => {}
            }
        } else {
            stats.calls_out += 1;
            if call.answered_ms.is_some() {
                stats.connected_out += 1;
            }
        }
        if let Some(answered) = call.answered_ms {
            let ended = call.ended_ms.unwrap_or(now_ms).max(answered);
            let held = call.held_ms.clamp(0, ended - answered);
            stats.talk_ms += ended - answered - held;
            stats.hold_ms += held;
        }
        if let Some(slice) = edges
            .iter()
            .rposition(|&e| e <= call.started_ms)
            .and_then(|i| stats.slices.get_mut(i))
        {
            if call.incoming {
                slice.calls_in += 1;
            } else {
                slice.calls_out += 1;
            }
        }
    }
    stats.time_in = Presence::ALL
        .iter()
        .map(|&presence| StateTime { presence, ms: 0 })
        .collect();
    for (i, change) in states.iter().enumerate() {
        let Some(presence) = change.presence else {
            continue;
        };
        let next = states.get(i + 1).map_or(end, |n| n.at_ms);
        let span = next.min(end) - change.at_ms.max(from_ms);
        if span > 0 {
            if let Some(t) = stats.time_in.iter_mut().find(|t| t.presence == presence) {
                t.ms += span;
            }
        }
    }
    stats.wrap_up_ms = stats
        .time_in
        .iter()
        .find(|t| t.presence == Presence::WrapUp)
        .map_or(0, |t| t.ms);
    let handled = i64::from(stats.answered + stats.connected_out);
    if handled > 0 {
        stats.average_handle_ms = (stats.talk_ms + stats.hold_ms + stats.wrap_up_ms) / handled;
    }
    stats
}
