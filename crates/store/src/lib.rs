//! Switchboard's storage: the only crate that speaks SQL.
//!
//! One SQLite file in WAL mode with foreign keys on; the schema is migrated on open; every
//! query is checked at build time against the committed offline data in `.sqlx/`.

mod agent;
mod contacts;
mod drafts;
mod editing;
mod error;
mod export;
mod history;
mod import;
mod lookup;
mod model;
mod settings;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::SqlitePool;

pub use agent::StateChange;
pub use drafts::{Draft, MAX_DRAFT, MAX_DRAFT_KEY};
pub use editing::{ContactForm, ContactProblem, DeletedContact, NumberField};
pub use error::{Result, StoreError};
pub use history::{Direction, HistoryEntry, NewCall, MAX_CALL_NOTES, MAX_DISPOSITION};
pub use import::{ImportFormat, ImportProgress, ImportSummary, RowError};
pub use lookup::LOOKUP_QUERIES;
pub use model::{CompanyRef, ContactCard, ContactSummary, PhoneEntry, PopMatch};

/// The demo contacts (invented people and companies), loaded into an empty database.
pub const DEMO_CONTACTS: &str = include_str!("../../../resources/demo-contacts.csv");

/// An open database.
#[derive(Clone, Debug)]
pub struct Store {
    pool: SqlitePool,
}

impl Store {
    /// Opens (creating if needed) the database at `path` and brings its schema up to date.
    pub async fn open(path: &Path) -> Result<Self> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| StoreError::Io {
                path: dir.to_owned(),
                source,
            })?;
        }
        let open_err = |source| StoreError::Open {
            path: path.to_owned(),
            source,
        };
        let options = SqliteConnectOptions::from_str("sqlite:")
            .map_err(open_err)?
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5))
            // 64 MiB of page cache per connection: the number indexes of a million contacts
            // stay in memory instead of being re-read from the OS at every lookup and insert.
            .pragma("cache_size", "-65536")
            .pragma("temp_store", "memory");
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await
            .map_err(open_err)?;
        sqlx::migrate!("./migrations").run(&pool).await?;
        Ok(Self { pool })
    }

    /// Whether the database holds no contact and no company.
    pub async fn is_empty(&self) -> Result<bool> {
        let n = sqlx::query_scalar!(
            r#"SELECT (SELECT COUNT(*) FROM contacts) + (SELECT COUNT(*) FROM companies) AS "n!: i64""#
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(n == 0)
    }

    /// How many contacts are stored.
    pub async fn contact_count(&self) -> Result<i64> {
        Ok(
            sqlx::query_scalar!(r#"SELECT COUNT(*) AS "n!: i64" FROM contacts"#)
                .fetch_one(&self.pool)
                .await?,
        )
    }

    /// The plan SQLite chooses for `sql` (one line per step), for checking index use.
    pub async fn query_plan(&self, sql: &str) -> Result<Vec<String>> {
        let rows: Vec<(i64, i64, i64, String)> =
            sqlx::query_as(&format!("EXPLAIN QUERY PLAN {sql}"))
                .fetch_all(&self.pool)
                .await?;
        Ok(rows.into_iter().map(|r| r.3).collect())
    }

    /// Closes every connection (the WAL is checkpointed).
    pub async fn close(&self) {
        self.pool.close().await;
    }
}
