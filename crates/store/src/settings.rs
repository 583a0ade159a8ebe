//! Settings: one JSON value per key. A stored value that no longer reads is reported, never
//! silently replaced.

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::{Result, Store, StoreError};

impl Store {
    /// The setting `key`, or `None` when it was never set.
    pub async fn setting<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>> {
        let value = sqlx::query_scalar!("SELECT value FROM settings WHERE key = ?1", key)
            .fetch_optional(&self.pool)
            .await?;
        value
            .map(|v| {
                serde_json::from_str(&v).map_err(|e| StoreError::Setting {
                    key: key.to_owned(),
                    reason: e.to_string(),
                })
            })
            .transpose()
    }

    /// Stores the setting `key`.
    pub async fn set_setting<T: Serialize + Sync>(&self, key: &str, value: &T) -> Result<()> {
        let json = serde_json::to_string(value).map_err(|e| StoreError::Setting {
            key: key.to_owned(),
            reason: e.to_string(),
        })?;
        sqlx::query!(
            "INSERT INTO settings (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value,
                 updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')",
            key,
            json
        )
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
