//! The call history: one row per call, written as the call goes (started, answered, ended,
//! its recording), so a call is in the history from its first ring even if the app is killed
//! before it ends. Times are UTC, written by SQLite.

use serde::Serialize;

use crate::{Result, Store};

/// A call's direction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// It came in.
    In,
    /// The agent dialled it.
    Out,
}

impl Direction {
    fn as_str(self) -> &'static str {
        match self {
            Self::In => "in",
            Self::Out => "out",
        }
    }
}

/// A call as it begins.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewCall<'a> {
    /// In or out.
    pub direction: Direction,
    /// The other party's number as SIP gave it or as dialled.
    pub remote_raw: &'a str,
    /// That number in E.164, when it is a public one.
    pub remote_e164: Option<&'a str>,
    /// The contact it matched, if any.
    pub contact_id: Option<i64>,
}

/// A row of the history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct HistoryEntry {
    /// Row id.
    pub id: i64,
    /// In or out.
    pub direction: Direction,
    /// The other party's number as given.
    pub remote_raw: String,
    /// In E.164, when public.
    pub remote_e164: Option<String>,
    /// The matched contact.
    pub contact_id: Option<i64>,
    /// When it began (RFC 3339, UTC).
    pub started_at: String,
    /// When it was answered, if it was.
    pub answered_at: Option<String>,
    /// When it ended, if it has.
    pub ended_at: Option<String>,
    /// Why it ended (`hung_up`, `remote_cancelled` for a missed call, `busy`...).
    pub end_reason: Option<String>,
    /// The recording's file, if the call was recorded.
    pub recording: Option<String>,
}

impl Store {
    /// Adds a call that begins now; returns its row id.
    pub async fn history_begin(&self, call: &NewCall<'_>) -> Result<i64> {
        let direction = call.direction.as_str();
        let id = sqlx::query_scalar!(
            "INSERT INTO call_history (direction, remote_raw, remote_e164, contact_id, started_at)
             VALUES (?1, ?2, ?3, ?4, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
             RETURNING id",
            direction,
            call.remote_raw,
            call.remote_e164,
            call.contact_id
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(id)
    }

    /// The call `id` was answered now (the first answer counts).
    pub async fn history_answered(&self, id: i64) -> Result<()> {
        sqlx::query!(
            "UPDATE call_history SET answered_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
             WHERE id = ?1 AND answered_at IS NULL",
            id
        )
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The call `id` ended now, for `reason`.
    pub async fn history_ended(&self, id: i64, reason: &str) -> Result<()> {
        sqlx::query!(
            "UPDATE call_history SET ended_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'),
                 end_reason = ?2
             WHERE id = ?1 AND ended_at IS NULL",
            id,
            reason
        )
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The call `id` is recorded in `file`.
    pub async fn history_recording(&self, id: i64, file: &str) -> Result<()> {
        sqlx::query!(
            "UPDATE call_history SET recording = ?2 WHERE id = ?1",
            id,
            file
        )
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The latest `limit` calls, newest first.
    pub async fn history(&self, limit: u32) -> Result<Vec<HistoryEntry>> {
        let rows = sqlx::query!(
            r#"SELECT id AS "id!", direction, remote_raw, remote_e164, contact_id, started_at,
                      answered_at, ended_at, end_reason, recording
               FROM call_history ORDER BY started_at DESC, id DESC LIMIT ?1"#,
            limit
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| HistoryEntry {
                id: r.id,
                direction: if r.direction == "in" {
                    Direction::In
                } else {
                    Direction::Out
                },
                remote_raw: r.remote_raw,
                remote_e164: r.remote_e164,
                contact_id: r.contact_id,
                started_at: r.started_at,
                answered_at: r.answered_at,
                ended_at: r.ended_at,
                end_reason: r.end_reason,
                recording: r.recording,
            })
            .collect())
    }
}
