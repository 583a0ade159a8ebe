//! The history and the state log as the statistics read them: times in milliseconds since
//! 1970, the period's bounds, the state in force at its start, the app's stops.

use sqlx::sqlite::SqlitePoolOptions;
use switchboard_core::stats::CallRecord;
use switchboard_core::Presence;
use switchboard_store::Store;

/// A database seeded with calls and state changes at known times, through SQLite itself.
async fn seeded() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("seeded.db");
    let store = Store::open(&path).await.expect("store");
    let pool = SqlitePoolOptions::new()
        .connect(&format!("sqlite:{}", path.display()))
        .await
        .expect("second connection");
    sqlx::raw_sql(
        "INSERT INTO call_history (direction, remote_raw, started_at, answered_at, ended_at, end_reason, held_ms)
         VALUES ('in', '0612345678', '2026-11-30T23:59:00.000Z', '2026-11-30T23:59:10.000Z', '2026-12-01T00:02:00.000Z', 'hung_up', 0),
                ('in', '0612345678', '2026-12-01T09:00:00.000Z', '2026-12-01T09:00:05.500Z', '2026-12-01T09:10:05.500Z', 'hung_up', 60000),
                ('out', '2004', '2026-12-01T10:00:00.000Z', NULL, '2026-12-01T10:00:30.000Z', 'no_answer', 0),
                ('in', '0899123456', '2026-12-01T11:00:00.000Z', NULL, '2026-12-01T11:00:00.000Z', 'filtered', 0),
                ('in', '0612345678', '2026-12-02T08:00:00.000Z', NULL, NULL, NULL, 0);
         INSERT INTO agent_states (at, presence, reason, cause)
         VALUES ('2026-11-30T18:00:00.000Z', 'ready', NULL, 'agent'),
                ('2026-11-30T19:00:00.000Z', 'offline', NULL, 'stop'),
                ('2026-12-01T08:00:00.000Z', 'ready', NULL, 'start'),
                ('2026-12-01T12:00:00.000Z', 'not_ready', 'Pause', 'agent'),
                ('2026-12-02T08:00:00.000Z', 'ready', NULL, 'agent');",
    )
    .execute(&pool)
    .await
    .expect("seed");
    pool.close().await;
    (dir, store)
}

/// 2026-12-01T00:00:00Z in milliseconds.
const DEC_1: i64 = 1_796_083_200_000;
const HOUR: i64 = 3_600_000;

#[tokio::test]
async fn the_calls_of_a_day_in_milliseconds() {
    let (_dir, store) = seeded().await;
    let calls = store
        .call_times(DEC_1, DEC_1 + 24 * HOUR)
        .await
        .expect("calls");
    assert_eq!(calls.len(), 3, "the day's calls only: {calls:?}");
    assert_eq!(
        calls[0],
        CallRecord {
            incoming: true,
            started_ms: DEC_1 + 9 * HOUR,
            answered_ms: Some(DEC_1 + 9 * HOUR + 5_500),
            ended_ms: Some(DEC_1 + 9 * HOUR + 605_500),
            end_reason: Some("hung_up".into()),
            held_ms: 60_000,
        }
    );
    assert!(!calls[1].incoming);
    assert_eq!(calls[2].end_reason.as_deref(), Some("filtered"));
}

#[tokio::test]
async fn the_state_in_force_at_the_start_and_the_stops() {
    let (_dir, store) = seeded().await;
    let states = store
        .state_times(DEC_1, DEC_1 + 24 * HOUR)
        .await
        .expect("states");
    let seen: Vec<(i64, Option<Presence>)> = states
        .iter()
        .map(|s| ((s.at_ms - DEC_1) / HOUR, s.presence))
        .collect();
    assert_eq!(
        seen,
        [
            (-5, None),
            (8, Some(Presence::Ready)),
            (12, Some(Presence::NotReady))
        ],
        "the stop before midnight is in force at the start; the next day's change is not in"
    );
    let held = store
        .call_times(DEC_1, DEC_1 + 24 * HOUR)
        .await
        .expect("calls")[0]
        .held_ms;
    store.history_held(2, 1_500).await.expect("held");
    let now = store
        .call_times(DEC_1, DEC_1 + 24 * HOUR)
        .await
        .expect("calls")[0]
        .held_ms;
    assert_eq!(now - held, 1_500);
}
