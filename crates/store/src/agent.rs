//! The agent's working states as they change, each with its UTC time, so that the
//! statistics can say how long the agent spent in each.

use serde::Serialize;

use switchboard_core::stats::{CallRecord, StateRecord};
use switchboard_core::Presence;

use crate::{Result, Store};

/// One change of state.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct StateChange {
    /// When (RFC 3339, UTC).
    pub at: String,
    /// `ready`, `not_ready`, `wrap_up`, `do_not_disturb` or `offline`.
    pub presence: String,
    /// The Not-ready reason.
    pub reason: Option<String>,
    /// `agent`, `call_ended`, `wrap_up_expired`, `start` or `stop` (the app stopped).
    pub cause: String,
}

impl Store {
    /// Writes a change of state that happens now; returns its time.
    pub async fn agent_state_changed(
        &self,
        presence: &str,
        reason: Option<&str>,
        cause: &str,
    ) -> Result<String> {
        let at = sqlx::query_scalar!(
            r#"INSERT INTO agent_states (at, presence, reason, cause)
             VALUES (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), ?1, ?2, ?3)
             RETURNING at AS "at!: String""#,
            presence,
            reason,
            cause
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(at)
    }

    /// The latest state the agent was in (the app's stops aside), if any.
    pub async fn last_agent_state(&self) -> Result<Option<StateChange>> {
        Ok(sqlx::query_as!(
            StateChange,
            r#"SELECT at AS "at!: String", presence, reason, cause
             FROM agent_states WHERE cause != 'stop' ORDER BY id DESC LIMIT 1"#
        )
        .fetch_optional(&self.pool)
        .await?)
    }

    /// The changes at or after `from` (RFC 3339), oldest first, preceded by the one in force
    /// at `from`.
    pub async fn agent_states_since(&self, from: &str) -> Result<Vec<StateChange>> {
        Ok(sqlx::query_as!(
            StateChange,
            r#"SELECT at AS "at!: String", presence, reason, cause FROM agent_states
             WHERE id >= COALESCE((SELECT MAX(id) FROM agent_states WHERE at < ?1), 0)
             ORDER BY id"#,
            from
        )
        .fetch_all(&self.pool)
        .await?)
    }

    /// The calls begun in `[from_ms, to_ms)`, oldest first.
    pub async fn call_times(&self, from_ms: i64, to_ms: i64) -> Result<Vec<CallRecord>> {
        let rows = sqlx::query!(
            r#"SELECT direction,
                CAST(ROUND((julianday(started_at) - 2440587.5) * 86400000.0) AS INTEGER) AS "started_ms!: i64",
                CAST(ROUND((julianday(answered_at) - 2440587.5) * 86400000.0) AS INTEGER) AS "answered_ms: i64",
                CAST(ROUND((julianday(ended_at) - 2440587.5) * 86400000.0) AS INTEGER) AS "ended_ms: i64",
                end_reason, held_ms
             FROM call_history
             WHERE started_at >= strftime('%Y-%m-%dT%H:%M:%fZ', ?1 / 1000.0, 'unixepoch')
               AND started_at < strftime('%Y-%m-%dT%H:%M:%fZ', ?2 / 1000.0, 'unixepoch')
             ORDER BY started_at"#,
            from_ms,
            to_ms
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| CallRecord {
                incoming: r.direction == "in",
                started_ms: r.started_ms,
                answered_ms: r.answered_ms,
                ended_ms: r.ended_ms,
                end_reason: r.end_reason,
                held_ms: r.held_ms,
            })
            .collect())
    }

    /// The changes of state in `[from_ms, to_ms)`, preceded by the one in force at
    /// `from_ms`, oldest first.
    pub async fn state_times(&self, from_ms: i64, to_ms: i64) -> Result<Vec<StateRecord>> {
        let rows = sqlx::query!(
            r#"SELECT CAST(ROUND((julianday(at) - 2440587.5) * 86400000.0) AS INTEGER) AS "at_ms!: i64",
                presence, cause
             FROM agent_states
             WHERE id >= COALESCE((SELECT MAX(id) FROM agent_states
                     WHERE at < strftime('%Y-%m-%dT%H:%M:%fZ', ?1 / 1000.0, 'unixepoch')), 0)
               AND at < strftime('%Y-%m-%dT%H:%M:%fZ', ?2 / 1000.0, 'unixepoch')
             ORDER BY id"#,
            from_ms,
            to_ms
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| StateRecord {
                at_ms: r.at_ms,
                // From a stop of the app, no state until it starts again.
                presence: (r.cause != "stop")
                    .then(|| Presence::from_code(&r.presence))
                    .flatten(),
            })
            .collect())
    }

    /// Adds `ms` to the time call `id` spent on hold.
    pub async fn history_held(&self, id: i64, ms: i64) -> Result<()> {
        sqlx::query!(
            "UPDATE call_history SET held_ms = held_ms + ?2 WHERE id = ?1",
            id,
            ms
        )
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
