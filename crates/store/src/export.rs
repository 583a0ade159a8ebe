//! CSV export: one line per contact, one column per kind of number (several numbers of a
//! kind joined with " | "), readable again by the import.

use std::io::Write;

use crate::{Result, Store, StoreError};

const HEADER: [&str; 12] = [
    "name",
    "first name",
    "last name",
    "company",
    "work",
    "mobile",
    "home",
    "fax",
    "switchboard",
    "range",
    "email",
    "notes",
];

impl Store {
    /// Writes every contact to `out` as CSV; returns how many.
    pub async fn export_csv(&self, out: impl Write) -> Result<u64> {
        let rows = sqlx::query!(
            r#"SELECT c.display_name, c.given_name, c.family_name, c.email, c.notes,
                      co.name AS "company?",
                      (SELECT group_concat(raw, ' | ') FROM phone_numbers p
                       WHERE p.contact_id = c.id AND p.kind = 'work') AS "work?: String",
                      (SELECT group_concat(raw, ' | ') FROM phone_numbers p
                       WHERE p.contact_id = c.id AND p.kind = 'mobile') AS "mobile?: String",
                      (SELECT group_concat(raw, ' | ') FROM phone_numbers p
                       WHERE p.contact_id = c.id AND p.kind = 'home') AS "home?: String",
                      (SELECT group_concat(raw, ' | ') FROM phone_numbers p
                       WHERE p.contact_id = c.id AND p.kind = 'fax') AS "fax?: String",
                      (SELECT group_concat(raw, ' | ') FROM phone_numbers p
                       WHERE (p.contact_id = c.id OR p.company_id = c.company_id)
                         AND p.kind = 'switchboard') AS "switchboard?: String",
                      (SELECT group_concat(raw, ' | ') FROM phone_numbers p
                       WHERE (p.contact_id = c.id OR p.company_id = c.company_id)
                         AND p.kind = 'range') AS "range?: String"
               FROM contacts c LEFT JOIN companies co ON co.id = c.company_id
               ORDER BY c.id"#
        )
        .fetch_all(&self.pool)
        .await?;
        let io = |e: csv::Error| StoreError::Io {
            path: "export".into(),
            source: e.into(),
        };
        let mut writer = csv::Writer::from_writer(out);
        writer.write_record(HEADER).map_err(io)?;
        for r in &rows {
            writer
                .write_record([
                    r.display_name.as_str(),
                    &r.given_name,
                    &r.family_name,
                    r.company.as_deref().unwrap_or(""),
                    r.work.as_deref().unwrap_or(""),
                    r.mobile.as_deref().unwrap_or(""),
                    r.home.as_deref().unwrap_or(""),
                    r.fax.as_deref().unwrap_or(""),
                    r.switchboard.as_deref().unwrap_or(""),
                    r.range.as_deref().unwrap_or(""),
                    &r.email,
                    &r.notes,
                ])
                .map_err(io)?;
        }
        writer.flush().map_err(|source| StoreError::Io {
            path: "export".into(),
            source,
        })?;
        Ok(rows.len() as u64)
    }
}
