//! Drafts: what the agent has typed and not saved yet, one text per key (the window chooses
//! the keys and what the text holds). Written as it is typed, deleted once saved for real.

use serde::Serialize;

use crate::{Result, Store, StoreError};

/// Longest draft key, in characters.
pub const MAX_DRAFT_KEY: usize = 100;
/// Longest draft, in characters (a contact form with long notes fits many times over).
pub const MAX_DRAFT: usize = 200_000;

/// One unsaved text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Draft {
    /// What it is a draft of (`contact`, `call:42`).
    pub key: String,
    /// What was typed.
    pub body: String,
    /// When it was last written (RFC 3339, UTC).
    pub saved_at: String,
}

impl Store {
    /// Keeps `body` as the draft `key`; an empty body deletes the draft.
    pub async fn save_draft(&self, key: &str, body: &str) -> Result<()> {
        if key.is_empty() || key.chars().count() > MAX_DRAFT_KEY {
            return Err(StoreError::TooLong {
                field: "key",
                max: MAX_DRAFT_KEY,
            });
        }
        if body.chars().count() > MAX_DRAFT {
            return Err(StoreError::TooLong {
                field: "body",
                max: MAX_DRAFT,
            });
        }
        if body.is_empty() {
            sqlx::query!("DELETE FROM drafts WHERE key = ?1", key)
                .execute(&self.pool)
                .await?;
        } else {
            sqlx::query!(
                "INSERT INTO drafts (key, body) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET body = excluded.body,
                     saved_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')",
                key,
                body
            )
            .execute(&self.pool)
            .await?;
        }
        Ok(())
    }

    /// Every draft, oldest first.
    pub async fn drafts(&self) -> Result<Vec<Draft>> {
        Ok(sqlx::query_as!(
            Draft,
            "SELECT key, body, saved_at FROM drafts ORDER BY saved_at, key"
        )
        .fetch_all(&self.pool)
        .await?)
    }
}
