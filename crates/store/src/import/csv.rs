//! CSV rows: `,` `;` or tab separated (guessed from the header line), UTF-8 with or without
//! BOM or Latin-1 (Windows-1252, as spreadsheet exports write it), header names in English
//! or French.

use std::io::{BufRead, BufReader, Read};

use switchboard_core::{fold, NumberKind};

use super::{Draft, RowError};
use crate::{Result, StoreError};

/// What a column holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Column {
    Name,
    Given,
    Family,
    Company,
    Email,
    Notes,
    Phone(NumberKind),
    Ignored,
}

/// Maps a header cell to its column, by folded name.
fn column(header: &str) -> Column {
    let h = fold(header).replace(['_', '-', '.'], " ");
    let h = h.trim();
    match h {
        "name" | "full name" | "display name" | "nom complet" | "contact" | "fn" => Column::Name,
        "first name" | "given name" | "prenom" | "firstname" => Column::Given,
        "last name" | "family name" | "surname" | "nom" | "nom de famille" | "lastname" => {
            Column::Family
        }
        "company" | "organisation" | "organization" | "societe" | "entreprise" | "org"
        | "account" | "compte" => Column::Company,
        "email" | "e mail" | "mail" | "courriel" | "adresse e mail" => Column::Email,
        "notes" | "note" | "comments" | "commentaire" | "commentaires" | "remarques" => {
            Column::Notes
        }
        "phone"
        | "telephone"
        | "tel"
        | "work"
        | "work phone"
        | "business phone"
        | "bureau"
        | "telephone bureau"
        | "tel bureau"
        | "telephone professionnel" => Column::Phone(NumberKind::Work),
        "mobile" | "mobile phone" | "cell" | "cell phone" | "portable" | "telephone portable"
        | "tel portable" | "gsm" => Column::Phone(NumberKind::Mobile),
        "home" | "home phone" | "domicile" | "telephone domicile" | "tel domicile" => {
            Column::Phone(NumberKind::Home)
        }
        "fax" | "telecopie" => Column::Phone(NumberKind::Fax),
        "switchboard" | "standard" | "main number" | "company phone" => {
            Column::Phone(NumberKind::Switchboard)
        }
        "range" | "number range" | "prefix" | "plage" | "plage de numeros" | "prefixe" => {
            Column::Phone(NumberKind::Range)
        }
        _ => Column::Ignored,
    }
}

/// Decodes a cell: UTF-8 when it is, Windows-1252 (a superset of Latin-1) otherwise.
fn decode(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_owned(),
        Err(_) => encoding_rs::WINDOWS_1252
            .decode_without_bom_handling(bytes)
            .0
            .into_owned(),
    }
}

/// The rows of a CSV file, each a draft or an error with its line.
pub(super) struct Rows<R: Read> {
    reader: csv::Reader<BufReader<R>>,
    columns: Vec<Column>,
    record: csv::ByteRecord,
}

impl<R: Read> Rows<R> {
    pub(super) fn new(reader: R) -> Result<Self> {
        let mut buffered = BufReader::with_capacity(1 << 16, reader);
        let head = buffered
            .fill_buf()
            .map_err(|e| StoreError::ImportFormat(format!("cannot read the file: {e}")))?;
        let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
        let first_line = head.split(|b| *b == b'\n').next().unwrap_or(&[]);
        let count = |d: u8| first_line.iter().filter(|b| **b == d).count();
        let delimiter = [b';', b'\t', b',']
            .into_iter()
            .max_by_key(|d| count(*d))
            .filter(|d| count(*d) > 0)
            .unwrap_or(b',');
        if buffered.buffer().starts_with(b"\xEF\xBB\xBF") {
            buffered.consume(3);
        }
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .flexible(true)
            .has_headers(true)
            .from_reader(buffered);
        let headers = reader
            .byte_headers()
            .map_err(|e| StoreError::ImportFormat(format!("cannot read the header line: {e}")))?;
        let columns: Vec<Column> = headers.iter().map(|h| column(&decode(h))).collect();
        let has_name = columns.iter().any(|c| {
            matches!(
                c,
                Column::Name | Column::Given | Column::Family | Column::Company
            )
        });
        if !has_name {
            return Err(StoreError::ImportFormat(
                "the header line has no name or company column (expected e.g. name, company, \
                 phone, mobile, email, notes)"
                    .into(),
            ));
        }
        Ok(Self {
            reader,
            columns,
            record: csv::ByteRecord::new(),
        })
    }
}

impl<R: Read> Iterator for Rows<R> {
    type Item = Result<Draft, RowError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let read = self.reader.read_byte_record(&mut self.record);
            let line = self.record.position().map_or(0, csv::Position::line);
            match read {
                Ok(false) => return None,
                Err(e) => {
                    let line = e.position().map_or(line, csv::Position::line);
                    return Some(Err(RowError::new(
                        line,
                        "import_unreadable_row",
                        format!("unreadable row: {e}"),
                    )));
                }
                Ok(true) => {}
            }
            if self
                .record
                .iter()
                .all(|cell| cell.iter().all(u8::is_ascii_whitespace))
            {
                continue;
            }
            if self.record.len() > self.columns.len() {
                return Some(Err(RowError::new(
                    line,
                    "import_too_many_cells",
                    format!(
                        "{} cells where the header has {} columns",
                        self.record.len(),
                        self.columns.len()
                    ),
                )));
            }
            let mut draft = Draft {
                line,
                ..Draft::default()
            };
            for (cell, column) in self.record.iter().zip(&self.columns) {
                let text = decode(cell);
                if text.trim().is_empty() {
                    continue;
                }
                match column {
                    Column::Name => draft.display_name = text,
                    Column::Given => draft.given_name = text,
                    Column::Family => draft.family_name = text,
                    Column::Company => draft.company = text,
                    Column::Email => draft.email = text,
                    Column::Notes => draft.notes = text,
                    Column::Phone(kind) => draft.numbers.push((*kind, text)),
                    Column::Ignored => {}
                }
            }
            return Some(Ok(draft));
        }
    }
}
