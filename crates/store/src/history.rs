//! The call history: one row per call, written as the call goes (started, answered, ended,
//! its recording), so a call is in the history from its first ring even if the app is killed
//! before it ends. Times are UTC, written by SQLite.

use serde::Serialize;

use crate::{Result, Store, StoreError};

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
    /// That contact's name.
    pub contact_name: Option<String>,
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
    /// The agent's disposition code (the call's outcome for the business), if set.
    pub disposition: Option<String>,
    /// The agent's notes about the call.
    pub notes: String,
}

/// Longest notes kept for one call, in characters.
pub const MAX_CALL_NOTES: usize = 10_000;
/// Longest disposition code, in characters.
pub const MAX_DISPOSITION: usize = 100;

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

    /// Sets the agent's notes of call `id` (during or after the call), and its disposition
    /// code: `None` keeps the code it has, an empty one clears it.
    pub async fn history_note(
        &self,
        id: i64,
        notes: &str,
        disposition: Option<&str>,
    ) -> Result<()> {
        let notes = notes.trim_end();
        let keep = disposition.is_none();
        let disposition = disposition.map(str::trim).filter(|d| !d.is_empty());
        if notes.chars().count() > MAX_CALL_NOTES {
            return Err(StoreError::TooLong {
                field: "notes",
                max: MAX_CALL_NOTES,
            });
        }
        if disposition.is_some_and(|d| d.chars().count() > MAX_DISPOSITION) {
            return Err(StoreError::TooLong {
                field: "disposition",
                max: MAX_DISPOSITION,
            });
        }
        let changed = sqlx::query!(
            "UPDATE call_history
             SET notes = ?2, disposition = CASE WHEN ?4 THEN disposition ELSE ?3 END
             WHERE id = ?1",
            id,
            notes,
            disposition,
            keep
        )
        .execute(&self.pool)
        .await?
        .rows_affected();
        if changed == 0 {
            return Err(StoreError::NoSuchCall(id));
        }
        Ok(())
    }

    /// The latest `limit` calls, newest first.
    pub async fn history(&self, limit: u32) -> Result<Vec<HistoryEntry>> {
        let rows = sqlx::query_as!(
            Row,
            r#"SELECT h.id AS "id!", h.direction, h.remote_raw, h.remote_e164, h.contact_id,
                      c.display_name AS "contact_name?", h.started_at, h.answered_at,
                      h.ended_at, h.end_reason, h.recording, h.disposition, h.notes
               FROM call_history h LEFT JOIN contacts c ON c.id = h.contact_id
               ORDER BY h.started_at DESC, h.id DESC LIMIT ?1"#,
            limit
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(Row::entry).collect())
    }

    /// The recording of call `id`, if it was recorded.
    pub async fn history_recording_of(&self, id: i64) -> Result<Option<String>> {
        let row = sqlx::query_scalar!("SELECT recording FROM call_history WHERE id = ?1", id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NoSuchCall(id))?;
        Ok(row)
    }

    /// The latest `limit` calls with a caller: from or to `e164`, or linked to one of
    /// `contacts`; newest first.
    pub async fn calls_with(
        &self,
        e164: Option<&str>,
        contacts: &[i64],
        limit: u32,
    ) -> Result<Vec<HistoryEntry>> {
        let ids = serde_json::to_string(contacts).unwrap_or_else(|_| "[]".into());
        let rows = sqlx::query_as!(
            Row,
            r#"SELECT h.id AS "id!", h.direction, h.remote_raw, h.remote_e164, h.contact_id,
                      c.display_name AS "contact_name?", h.started_at, h.answered_at,
                      h.ended_at, h.end_reason, h.recording, h.disposition, h.notes
               FROM call_history h LEFT JOIN contacts c ON c.id = h.contact_id
               WHERE h.id IN (SELECT id FROM call_history WHERE remote_e164 = ?1
                              UNION
                              SELECT id FROM call_history
                              WHERE contact_id IN (SELECT value FROM json_each(?2)))
               ORDER BY h.started_at DESC, h.id DESC LIMIT ?3"#,
            e164,
            ids,
            limit
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(Row::entry).collect())
    }
}

/// A history row as SQLite gives it.
struct Row {
    id: i64,
    direction: String,
    remote_raw: String,
    remote_e164: Option<String>,
    contact_id: Option<i64>,
    contact_name: Option<String>,
    started_at: String,
    answered_at: Option<String>,
    ended_at: Option<String>,
    end_reason: Option<String>,
    recording: Option<String>,
    disposition: Option<String>,
    notes: String,
}

impl Row {
    fn entry(self) -> HistoryEntry {
        HistoryEntry {
            id: self.id,
            direction: if self.direction == "in" {
                Direction::In
            } else {
                Direction::Out
            },
            remote_raw: self.remote_raw,
            remote_e164: self.remote_e164,
            contact_id: self.contact_id,
            contact_name: self.contact_name,
            started_at: self.started_at,
            answered_at: self.answered_at,
            ended_at: self.ended_at,
            end_reason: self.end_reason,
            recording: self.recording,
            disposition: self.disposition,
            notes: self.notes,
        }
    }
}
