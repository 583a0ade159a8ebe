//! The agent's statistics from a seeded history and state log.

use switchboard_core::agent::Presence;
use switchboard_core::stats::{compute, CallRecord, StateRecord};

const MIN: i64 = 60_000;
const HOUR: i64 = 60 * MIN;

fn call(incoming: bool, started: i64, answered: Option<i64>, ended: Option<i64>) -> CallRecord {
    CallRecord {
        incoming,
        started_ms: started,
        answered_ms: answered,
        ended_ms: ended,
        end_reason: None,
        held_ms: 0,
    }
}

fn state(at: i64, presence: Option<Presence>) -> StateRecord {
    StateRecord {
        at_ms: at,
        presence,
    }
}

#[test]
fn a_morning_of_calls() {
    // The day from 0 to 24 h; the morning's work from 8 h; now is 12 h.
    let day = (0, 24 * HOUR);
    let now = 12 * HOUR;
    let mut held = call(
        true,
        9 * HOUR,
        Some(9 * HOUR + MIN),
        Some(9 * HOUR + 11 * MIN),
    );
    held.held_ms = 2 * MIN;
    let mut filtered = call(true, 10 * HOUR, None, Some(10 * HOUR));
    filtered.end_reason = Some("filtered".into());
    let calls = [
        // Yesterday: not counted.
        call(true, -HOUR, Some(-HOUR), Some(-HOUR + MIN)),
        held,
        call(true, 9 * HOUR + 30 * MIN, None, Some(9 * HOUR + 31 * MIN)),
        filtered,
        call(
            false,
            10 * HOUR + 30 * MIN,
            Some(10 * HOUR + 31 * MIN),
            Some(10 * HOUR + 35 * MIN),
        ),
        call(false, 11 * HOUR, None, Some(11 * HOUR + MIN)),
        // In progress since 11:50.
        call(true, 11 * HOUR + 49 * MIN, Some(11 * HOUR + 50 * MIN), None),
    ];
    let states = [
        state(-2 * HOUR, Some(Presence::Offline)),
        state(8 * HOUR, Some(Presence::Ready)),
        state(9 * HOUR + 11 * MIN, Some(Presence::WrapUp)),
        state(9 * HOUR + 12 * MIN, Some(Presence::Ready)),
        state(10 * HOUR, Some(Presence::NotReady)),
        state(10 * HOUR + 15 * MIN, Some(Presence::Ready)),
    ];
    let edges: Vec<i64> = (0..24).map(|h| h * HOUR).collect();
    let stats = compute(&calls, &states, day, now, &edges);

    assert_eq!(
        (
            stats.calls_in,
            stats.calls_out,
            stats.answered,
            stats.missed,
            stats.screened
        ),
        (4, 2, 2, 1, 1)
    );
    assert_eq!(stats.connected_out, 1);
    // 10 min (2 of them on hold) + 4 min + 10 min so far.
    assert_eq!(stats.talk_ms, 22 * MIN);
    assert_eq!(stats.hold_ms, 2 * MIN);
    assert_eq!(stats.wrap_up_ms, MIN);
    // (22 + 2 + 1) min over 3 handled calls.
    assert_eq!(stats.average_handle_ms, 25 * MIN / 3);
    let time = |p| stats.time_in.iter().find(|t| t.presence == p).map(|t| t.ms);
    assert_eq!(
        time(Presence::Offline),
        Some(8 * HOUR),
        "from midnight, not before"
    );
    assert_eq!(time(Presence::NotReady), Some(15 * MIN));
    assert_eq!(
        time(Presence::Ready),
        Some(71 * MIN + 48 * MIN + 105 * MIN),
        "8:00-9:11, 9:12-10:00, 10:15-12:00 (now)"
    );
    assert_eq!(stats.slices[9].calls_in, 2);
    assert_eq!(stats.slices[10].calls_in, 1);
    assert_eq!(stats.slices[10].calls_out, 1);
    assert_eq!(stats.slices[11].calls_out, 1);
    assert_eq!(stats.slices[11].calls_in, 1);
    assert_eq!(stats.slices[8].calls_in + stats.slices[8].calls_out, 0);
}

#[test]
fn a_stopped_app_counts_in_no_state_and_an_empty_period_divides_by_nothing() {
    let states = [
        state(0, Some(Presence::Ready)),
        state(HOUR, None),
        state(3 * HOUR, Some(Presence::Ready)),
    ];
    let stats = compute(&[], &states, (0, 24 * HOUR), 4 * HOUR, &[]);
    assert_eq!(
        stats
            .time_in
            .iter()
            .find(|t| t.presence == Presence::Ready)
            .map(|t| t.ms),
        Some(2 * HOUR)
    );
    assert_eq!(stats.average_handle_ms, 0);
    assert_eq!(stats.calls_in + stats.calls_out, 0);
}
