//! The store's errors, each with a stable code for the UI and scripts.

use std::path::PathBuf;

/// What went wrong in the store.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The database could not be opened, created or migrated.
    #[error("cannot open the database {path}: {source}")]
    Open {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: sqlx::Error,
    },
    /// The schema migration failed.
    #[error("cannot update the database schema: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A query failed.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// No contact with that id.
    #[error("no contact with id {0}")]
    NoSuchContact(i64),
    /// A field of the contact form cannot be stored.
    #[error("{field}: {problem}")]
    ContactField {
        /// The form's field (`display_name`, `email`, `number_N`).
        field: String,
        /// What is wrong with it.
        problem: crate::ContactProblem,
    },
    /// No call with that id in the history.
    #[error("no call with id {0} in the history")]
    NoSuchCall(i64),
    /// A text is longer than the store keeps.
    #[error("{field} is longer than {max} characters")]
    TooLong {
        /// The field.
        field: &'static str,
        /// The most characters it takes.
        max: usize,
    },
    /// A file could not be read or written.
    #[error("cannot read or write {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The import file is not usable as a whole (no header, unknown format).
    #[error("{0}")]
    ImportFormat(String),
    /// A stored setting does not have the expected shape.
    #[error("the setting {key} is invalid: {reason}")]
    Setting {
        /// The setting's key.
        key: String,
        /// Why.
        reason: String,
    },
}

impl StoreError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Open { .. } => "store_open",
            Self::Migrate(_) => "store_migrate",
            Self::Database(_) => "store_database",
            Self::NoSuchContact(_) => "store_no_such_contact",
            Self::ContactField { problem, .. } => problem.code(),
            Self::NoSuchCall(_) => "store_no_such_call",
            Self::TooLong { .. } => "store_too_long",
            Self::Io { .. } => "store_io",
            Self::ImportFormat(_) => "import_format",
            Self::Setting { .. } => "store_setting",
        }
    }

    /// The form field a refusal is about, for the message at it.
    pub fn field(&self) -> Option<&str> {
        match self {
            Self::ContactField { field, .. } => Some(field),
            Self::TooLong { field, .. } => Some(field),
            _ => None,
        }
    }
}

/// Short for the store's results.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;
