//! The agent's working states as they change, each with its UTC time, so that the
//! statistics can say how long the agent spent in each.

use serde::Serialize;

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
    /// `agent`, `call_ended`, `wrap_up_expired` or `start`.
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

    /// The latest change, if any.
    pub async fn last_agent_state(&self) -> Result<Option<StateChange>> {
        Ok(sqlx::query_as!(
            StateChange,
            r#"SELECT at AS "at!: String", presence, reason, cause
             FROM agent_states ORDER BY id DESC LIMIT 1"#
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
}
