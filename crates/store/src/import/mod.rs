//! Importing contacts from CSV and vCard files: streamed, in batched transactions, with every
//! bad row reported by line while the good rows go in. Re-importing a file adds nothing: a
//! contact is known by its name, company and numbers.

mod batch;
mod csv;
mod vcard;

use std::io::Read;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use serde::Serialize;
use switchboard_core::{fold, DialPlan, NumberKind};

use crate::{Result, Store, StoreError};

pub(crate) use batch::{Batch, Number, Prepared};

/// Rows per transaction.
const BATCH: usize = 25_000;
/// How often an import says how far it has got, whatever the batches (a bar that moves
/// a few times a second, not once per batch).
const PROGRESS_EVERY: std::time::Duration = std::time::Duration::from_millis(100);
/// Row errors kept in the summary; more are counted, not listed.
const MAX_LISTED_ERRORS: usize = 1_000;

/// The kind of file being imported.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ImportFormat {
    /// Comma- or semicolon-separated values with a header line.
    Csv,
    /// vCard 3.0 or 4.0.
    VCard,
}

impl ImportFormat {
    /// Guesses from the file name, then from the first bytes.
    pub fn detect(path: &Path, head: &[u8]) -> Self {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        let text = String::from_utf8_lossy(head)
            .trim_start_matches('\u{feff}')
            .to_ascii_uppercase();
        if matches!(ext.as_deref(), Some("vcf" | "vcard"))
            || text.trim_start().starts_with("BEGIN:VCARD")
        {
            Self::VCard
        } else {
            Self::Csv
        }
    }
}

/// How far an import has got.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ImportProgress {
    /// Rows (or cards) read so far.
    pub rows: u64,
    /// Bytes read so far.
    pub bytes: u64,
    /// Size of the file, when known.
    pub total_bytes: Option<u64>,
}

/// A row that was not imported, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct RowError {
    /// Line in the file where the row (or card) starts, from 1.
    pub line: u64,
    /// What is wrong, in English.
    pub reason: String,
    /// Stable code of what is wrong (`import_no_name`, `number_too_short`...), to translate.
    pub code: String,
    /// The kind of the number refused, when a number was.
    pub kind: Option<NumberKind>,
    /// The value refused, as written in the file, when one was.
    pub value: Option<String>,
}

impl RowError {
    /// A row refused as a whole.
    pub(crate) fn new(line: u64, code: &str, reason: impl Into<String>) -> Self {
        Self {
            line,
            reason: reason.into(),
            code: code.to_owned(),
            kind: None,
            value: None,
        }
    }
}

/// What an import did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ImportSummary {
    /// New contacts or companies.
    pub imported: u64,
    /// Rows refused (see `errors`).
    pub skipped: u64,
    /// Rows already in the database (or twice in the file).
    pub duplicates: u64,
    /// The refused rows, the first 1,000 of them.
    pub errors: Vec<RowError>,
}

/// A contact as read from a file, before checks.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Draft {
    /// Line where it starts.
    pub line: u64,
    /// Full name, if given.
    pub display_name: String,
    /// First name.
    pub given_name: String,
    /// Last name.
    pub family_name: String,
    /// Company name.
    pub company: String,
    /// E-mail.
    pub email: String,
    /// Notes.
    pub notes: String,
    /// Numbers as entered, with their kind.
    pub numbers: Vec<(NumberKind, String)>,
}

impl Draft {
    /// Checks the draft and reads its numbers with the plan.
    fn prepare(mut self, plan: &DialPlan) -> Result<Prepared, RowError> {
        let line = self.line;
        if self.display_name.trim().is_empty() {
            self.display_name = format!("{} {}", self.given_name.trim(), self.family_name.trim())
                .trim()
                .to_owned();
        }
        let name = self.display_name.trim().to_owned();
        let company = self.company.trim().to_owned();
        if name.is_empty() && company.is_empty() {
            return Err(RowError::new(
                line,
                "import_no_name",
                "no name and no company",
            ));
        }
        let mut numbers = Vec::with_capacity(self.numbers.len());
        for (kind, raw) in &self.numbers {
            for part in raw.split('|').map(str::trim).filter(|p| !p.is_empty()) {
                let number = Number::read(*kind, part, plan).map_err(|e| RowError {
                    line,
                    reason: format!("{kind} number \"{part}\": {e}"),
                    code: e.code().to_owned(),
                    kind: Some(*kind),
                    value: Some(part.to_owned()),
                })?;
                numbers.push(number);
            }
        }
        Ok(Prepared::new(
            name,
            self.given_name.trim().to_owned(),
            self.family_name.trim().to_owned(),
            company,
            self.email.trim().to_owned(),
            self.notes.trim().to_owned(),
            numbers,
        ))
    }
}

/// The folded key a company is known by.
pub(crate) fn company_key(name: &str) -> String {
    fold(name)
}

/// Counts the bytes a reader has given, for progress.
struct Counting<R> {
    inner: R,
    bytes: Arc<AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.bytes.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

impl Store {
    /// Imports the contact file at `path` (CSV or vCard, detected), reading numbers with
    /// `plan`, calling `progress` after each batch.
    pub async fn import_file(
        &self,
        path: &Path,
        plan: &DialPlan,
        progress: impl FnMut(ImportProgress) + Send,
    ) -> Result<ImportSummary> {
        let io = |source| StoreError::Io {
            path: path.to_owned(),
            source,
        };
        let mut file = std::fs::File::open(path).map_err(io)?;
        let total = file.metadata().map_err(io)?.len();
        let mut head = [0u8; 512];
        let n = file.read(&mut head).map_err(io)?;
        let format = ImportFormat::detect(path, &head[..n]);
        let reader = std::io::Cursor::new(head[..n].to_vec()).chain(file);
        self.import_reader(reader, format, Some(total), plan, progress)
            .await
    }

    /// Imports from any reader (the demo data, a test's bytes).
    pub async fn import_reader(
        &self,
        reader: impl Read + Send + 'static,
        format: ImportFormat,
        total_bytes: Option<u64>,
        plan: &DialPlan,
        mut progress: impl FnMut(ImportProgress) + Send,
    ) -> Result<ImportSummary> {
        let bytes = Arc::new(AtomicU64::new(0));
        let rows_read = Arc::new(AtomicU64::new(0));
        let counting = Counting {
            inner: reader,
            bytes: Arc::clone(&bytes),
        };
        let read_so_far = {
            let (bytes, rows) = (Arc::clone(&bytes), Arc::clone(&rows_read));
            move || ImportProgress {
                rows: rows.load(Ordering::Relaxed),
                bytes: bytes.load(Ordering::Relaxed),
                total_bytes,
            }
        };
        // Reading and checking rows (CSV, number parsing) runs on its own thread while the
        // previous batch is written: the two halves of an import overlap on two cores.
        let (tx, mut rx) = tokio::sync::mpsc::channel::<Result<Chunk>>(2);
        let plan = plan.clone();
        let reader = tokio::task::spawn_blocking(move || {
            let source: Box<dyn Iterator<Item = Result<Draft, RowError>>> = match format {
                ImportFormat::Csv => match csv::Rows::new(counting) {
                    Ok(rows) => Box::new(rows),
                    Err(e) => {
                        // The receiver reports it; if it is gone there is no one to tell.
                        let _ = tx.blocking_send(Err(e));
                        return;
                    }
                },
                ImportFormat::VCard => Box::new(vcard::Cards::new(counting)),
            };
            let mut chunk = Chunk::default();
            for row in source {
                rows_read.fetch_add(1, Ordering::Relaxed);
                match row.and_then(|draft| draft.prepare(&plan)) {
                    Ok(prepared) => chunk.prepared.push(prepared),
                    Err(e) => chunk.errors.push(e),
                }
                if chunk.prepared.len() >= BATCH {
                    chunk.seal();
                    if tx.blocking_send(Ok(std::mem::take(&mut chunk))).is_err() {
                        return;
                    }
                }
            }
            chunk.seal();
            let _ = tx.blocking_send(Ok(chunk));
        });
        let mut summary = ImportSummary::default();
        let mut tick = tokio::time::interval(PROGRESS_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            // While rows are read and while a batch is written, the bar still moves.
            let chunk = tokio::select! {
                chunk = rx.recv() => match chunk {
                    Some(chunk) => chunk?,
                    None => break,
                },
                _ = tick.tick() => {
                    progress(read_so_far());
                    continue;
                }
            };
            summary.skipped += chunk.errors.len() as u64;
            let room = MAX_LISTED_ERRORS.saturating_sub(summary.errors.len());
            summary.errors.extend(chunk.errors.into_iter().take(room));
            if let Some(batch) = chunk.batch {
                let insert = self.insert_batch(batch);
                tokio::pin!(insert);
                let (new, dup) = loop {
                    tokio::select! {
                        done = &mut insert => break done?,
                        _ = tick.tick() => progress(read_so_far()),
                    }
                };
                summary.imported += new;
                summary.duplicates += dup;
            }
            progress(read_so_far());
        }
        reader
            .await
            .map_err(|e| StoreError::ImportFormat(format!("the file reader stopped: {e}")))?;
        Ok(summary)
    }
}

/// A batch read, checked and serialised by the reader thread.
#[derive(Default)]
struct Chunk {
    prepared: Vec<Prepared>,
    batch: Option<Batch>,
    errors: Vec<RowError>,
}

impl Chunk {
    /// Serialises the rows for the writer.
    fn seal(&mut self) {
        if !self.prepared.is_empty() {
            self.batch = Some(Batch::new(&std::mem::take(&mut self.prepared)));
        }
    }
}
