//! Writing a batch of checked contacts in one transaction: a handful of statements per
//! batch (rows travel as one JSON array), so a million rows import in seconds.

use serde::Serialize;
use switchboard_core::matching::last_digits_key;
use switchboard_core::{fold, parse_range, stored_e164, DialPlan, NumberError, NumberKind};

use super::company_key;
use crate::{Result, Store};

/// A number ready to store.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub(crate) struct Number {
    pub(crate) kind: NumberKind,
    pub(crate) raw: String,
    pub(crate) e164: Option<String>,
    pub(crate) tail: Option<String>,
    pub(crate) range: Option<String>,
}

impl Number {
    /// Reads a number of `kind` as entered, with the dial plan.
    pub(crate) fn read(kind: NumberKind, raw: &str, plan: &DialPlan) -> Result<Self, NumberError> {
        if kind == NumberKind::Range {
            parse_range(raw, plan).map(|prefix| Self::range(raw, prefix))
        } else {
            stored_e164(raw, plan).map(|e164| Self::phone(kind, raw, e164))
        }
    }

    pub(crate) fn phone(kind: NumberKind, raw: &str, e164: Option<String>) -> Self {
        let digits = e164.clone().unwrap_or_else(|| raw.to_owned());
        let tail = last_digits_key(&digits);
        Self {
            kind,
            raw: raw.to_owned(),
            e164,
            tail: (!tail.is_empty()).then_some(tail),
            range: None,
        }
    }

    pub(crate) fn range(raw: &str, prefix: String) -> Self {
        Self {
            kind: NumberKind::Range,
            raw: raw.to_owned(),
            e164: None,
            tail: None,
            range: Some(prefix),
        }
    }

    /// Switchboards and ranges of a contact with a company belong to the company.
    pub(crate) fn is_company_number(&self) -> bool {
        matches!(self.kind, NumberKind::Switchboard | NumberKind::Range)
    }
}

/// A contact (or a company alone) checked and ready to store.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub(crate) struct Prepared {
    pub(crate) display_name: String,
    pub(crate) given_name: String,
    pub(crate) family_name: String,
    pub(crate) company: String,
    pub(crate) company_key: String,
    pub(crate) email: String,
    pub(crate) notes: String,
    pub(crate) search_text: String,
    pub(crate) dedup_key: String,
    #[serde(skip)]
    pub(crate) numbers: Vec<Number>,
}

impl Prepared {
    pub(crate) fn new(
        display_name: String,
        given_name: String,
        family_name: String,
        company: String,
        email: String,
        notes: String,
        numbers: Vec<Number>,
    ) -> Self {
        let company_key = company_key(&company);
        let mut keys: Vec<String> = numbers
            .iter()
            .map(|n| {
                n.e164
                    .clone()
                    .or_else(|| n.range.clone())
                    .unwrap_or_else(|| n.raw.clone())
            })
            .collect();
        keys.sort();
        let dedup_key = format!(
            "{}\u{1f}{company_key}\u{1f}{}",
            fold(&display_name),
            keys.join(",")
        );
        let search_text = fold(&format!("{display_name} {company} {email}"));
        Self {
            display_name,
            given_name,
            family_name,
            company,
            company_key,
            email,
            notes,
            search_text,
            dedup_key,
            numbers,
        }
    }

    fn is_company_only(&self) -> bool {
        self.display_name.is_empty()
    }
}

#[derive(Serialize)]
struct Company<'a> {
    name: &'a str,
    key: &'a str,
}

/// A number with its owner: a contact's dedup key, or a company's key.
#[derive(Serialize)]
struct OwnedNumber<'a> {
    owner: &'a str,
    #[serde(flatten)]
    number: &'a Number,
}

fn json<T: Serialize>(value: &T) -> String {
    // Serialising plain strings and numbers cannot fail.
    serde_json::to_string(value).unwrap_or_else(|_| "[]".into())
}

/// A batch ready for the writer: every row already serialised (on the reader thread), so
/// that writing is four statements and nothing else.
#[derive(Debug, Default)]
pub(crate) struct Batch {
    rows: u64,
    companies: String,
    company_only: String,
    people: String,
    own_numbers: String,
    shared_numbers: String,
}

impl Batch {
    pub(crate) fn new(prepared: &[Prepared]) -> Self {
        let companies: Vec<Company<'_>> = prepared
            .iter()
            .filter(|p| !p.company_key.is_empty())
            .map(|p| Company {
                name: &p.company,
                key: &p.company_key,
            })
            .collect();
        let company_only: Vec<&str> = prepared
            .iter()
            .filter(|p| p.is_company_only())
            .map(|p| p.company_key.as_str())
            .collect();
        let people: Vec<&Prepared> = prepared.iter().filter(|p| !p.is_company_only()).collect();
        let mut own = Vec::new();
        let mut shared = Vec::new();
        for p in prepared {
            for number in &p.numbers {
                let company_owned = !p.company_key.is_empty()
                    && (number.is_company_number() || p.is_company_only());
                let (list, owner) = if company_owned {
                    (&mut shared, p.company_key.as_str())
                } else {
                    (&mut own, p.dedup_key.as_str())
                };
                list.push(OwnedNumber { owner, number });
            }
        }
        Self {
            rows: prepared.len() as u64,
            companies: json(&companies),
            company_only: json(&company_only),
            people: json(&people),
            own_numbers: json(&own),
            shared_numbers: json(&shared),
        }
    }
}

impl Store {
    /// Stores a batch in one transaction; returns (new, duplicates).
    pub(crate) async fn insert_batch(&self, batch: Batch) -> Result<(u64, u64)> {
        let mut tx = self.pool.begin().await?;
        // Contacts created by this batch have ids above this one: only they get numbers
        // (a duplicate's numbers are already stored).
        let before =
            sqlx::query_scalar!(r#"SELECT COALESCE(MAX(id), 0) AS "id!: i64" FROM contacts"#)
                .fetch_one(&mut *tx)
                .await?;
        // A row holding only a company is new when its company is.
        let new_company_only = sqlx::query_scalar!(
            r#"SELECT COUNT(*) AS "n!: i64" FROM json_each(?1)
               WHERE NOT EXISTS (SELECT 1 FROM companies WHERE name_key = value)"#,
            batch.company_only
        )
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query!(
            r#"INSERT INTO companies (name, name_key)
               SELECT json_extract(value, '$.name'), json_extract(value, '$.key')
               FROM json_each(?1) WHERE true
               ON CONFLICT (name_key) DO NOTHING"#,
            batch.companies
        )
        .execute(&mut *tx)
        .await?;
        let new_people = sqlx::query!(
            r#"INSERT INTO contacts (company_id, display_name, given_name, family_name, email,
                                     notes, search_text, dedup_key)
               SELECT (SELECT id FROM companies
                       WHERE name_key = json_extract(j.value, '$.company_key')),
                      json_extract(j.value, '$.display_name'),
                      json_extract(j.value, '$.given_name'),
                      json_extract(j.value, '$.family_name'),
                      json_extract(j.value, '$.email'),
                      json_extract(j.value, '$.notes'),
                      json_extract(j.value, '$.search_text'),
                      json_extract(j.value, '$.dedup_key')
               FROM json_each(?1) j WHERE true
               ON CONFLICT (dedup_key) DO NOTHING"#,
            batch.people
        )
        .execute(&mut *tx)
        .await?
        .rows_affected();
        sqlx::query!(
            r#"INSERT INTO phone_numbers (contact_id, kind, raw, e164, tail_key, range_prefix)
               SELECT c.id, json_extract(j.value, '$.kind'), json_extract(j.value, '$.raw'),
                      json_extract(j.value, '$.e164'), json_extract(j.value, '$.tail'),
                      json_extract(j.value, '$.range')
               FROM json_each(?1) j
               JOIN contacts c ON c.dedup_key = json_extract(j.value, '$.owner')
               WHERE c.id > ?2"#,
            batch.own_numbers,
            before
        )
        .execute(&mut *tx)
        .await?;
        sqlx::query!(
            r#"INSERT INTO phone_numbers (company_id, kind, raw, e164, tail_key, range_prefix)
               SELECT (SELECT id FROM companies WHERE name_key = json_extract(value, '$.owner')),
                      json_extract(value, '$.kind'), json_extract(value, '$.raw'),
                      json_extract(value, '$.e164'), json_extract(value, '$.tail'),
                      json_extract(value, '$.range')
               FROM json_each(?1) WHERE true
               ON CONFLICT DO NOTHING"#,
            batch.shared_numbers
        )
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        let new = new_people + new_company_only as u64;
        Ok((new, batch.rows - new))
    }
}
