//! Contacts the agent creates, edits and deletes by hand: each field checked (the error names
//! it), numbers read with the dial plan, and a deleted contact kept whole so it can come back
//! with its id and its calls.

use serde::{Deserialize, Serialize};
use sqlx::{Sqlite, Transaction};
use switchboard_core::{DialPlan, NumberError, NumberKind};

use crate::import::{Number, Prepared};
use crate::{Result, Store, StoreError};

/// One number of the contact form.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct NumberField {
    /// What the number is for.
    pub kind: NumberKind,
    /// As typed or pasted.
    pub raw: String,
}

/// A contact as the card's form holds it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ContactForm {
    /// The contact being edited; `None` for a new one.
    pub id: Option<i64>,
    /// Name shown; made from the first and last names when empty.
    pub display_name: String,
    /// First name.
    pub given_name: String,
    /// Last name.
    pub family_name: String,
    /// Company name (created when new).
    pub company: String,
    /// E-mail address.
    pub email: String,
    /// Free-text notes.
    pub notes: String,
    /// Numbers; blank ones are left out.
    pub numbers: Vec<NumberField>,
}

/// A deleted contact, whole: give it back to [`Store::restore_contact`] to undo.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct DeletedContact {
    /// The contact as it was (its `id` set).
    pub form: ContactForm,
    /// When it was first created.
    pub created_at: String,
    /// The history rows that were linked to it.
    pub calls: Vec<i64>,
}

/// Why a field of the contact form is refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ContactProblem {
    /// Neither a name nor a first or last name.
    #[error("a contact needs a name")]
    NoName,
    /// Not an e-mail address.
    #[error("not an e-mail address (name@domain)")]
    BadEmail,
    /// A number the dial plan cannot read.
    #[error(transparent)]
    Number(NumberError),
    /// Another contact has the same name, company and numbers.
    #[error("a contact with this name, company and numbers already exists")]
    Duplicate,
}

impl ContactProblem {
    /// Stable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NoName => "contact_no_name",
            Self::BadEmail => "contact_bad_email",
            Self::Number(e) => e.code(),
            Self::Duplicate => "contact_duplicate",
        }
    }
}

fn refuse(field: impl Into<String>, problem: ContactProblem) -> StoreError {
    StoreError::ContactField {
        field: field.into(),
        problem,
    }
}

fn valid_email(email: &str) -> bool {
    match email.split_once('@') {
        Some((user, domain)) => {
            !user.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !domain.contains('@')
                && !email.chars().any(char::is_whitespace)
        }
        None => false,
    }
}

impl ContactForm {
    /// Checks every field and reads the numbers; the error names the first bad field
    /// (`display_name`, `email`, `number_N` for the form's N-th number from 0).
    fn prepare(&self, plan: &DialPlan) -> Result<Prepared> {
        let given = self.given_name.trim();
        let family = self.family_name.trim();
        let mut name = self.display_name.trim().to_owned();
        if name.is_empty() {
            name = format!("{given} {family}").trim().to_owned();
        }
        if name.is_empty() {
            return Err(refuse("display_name", ContactProblem::NoName));
        }
        let email = self.email.trim();
        if !email.is_empty() && !valid_email(email) {
            return Err(refuse("email", ContactProblem::BadEmail));
        }
        let mut numbers = Vec::with_capacity(self.numbers.len());
        for (i, field) in self.numbers.iter().enumerate() {
            let raw = field.raw.trim();
            if raw.is_empty() {
                continue;
            }
            let number = Number::read(field.kind, raw, plan)
                .map_err(|e| refuse(format!("number_{i}"), ContactProblem::Number(e)))?;
            numbers.push(number);
        }
        Ok(Prepared::new(
            name,
            given.to_owned(),
            family.to_owned(),
            self.company.trim().to_owned(),
            email.to_owned(),
            self.notes.trim().to_owned(),
            numbers,
        ))
    }
}

/// A unique-key refusal from SQLite is a duplicate contact.
fn duplicate_or(e: sqlx::Error) -> StoreError {
    match &e {
        sqlx::Error::Database(d) if d.is_unique_violation() => {
            refuse("display_name", ContactProblem::Duplicate)
        }
        _ => e.into(),
    }
}

/// The company's id, created if new; `None` without a company.
async fn company_id(tx: &mut Transaction<'_, Sqlite>, p: &Prepared) -> Result<Option<i64>> {
    if p.company_key.is_empty() {
        return Ok(None);
    }
    sqlx::query!(
        "INSERT INTO companies (name, name_key) VALUES (?1, ?2) ON CONFLICT (name_key) DO NOTHING",
        p.company,
        p.company_key
    )
    .execute(&mut **tx)
    .await?;
    let id = sqlx::query_scalar!(
        r#"SELECT id AS "id!: i64" FROM companies WHERE name_key = ?1"#,
        p.company_key
    )
    .fetch_one(&mut **tx)
    .await?;
    Ok(Some(id))
}

/// Stores the numbers of contact `id`: its own, and its company's switchboards and ranges.
async fn write_numbers(
    tx: &mut Transaction<'_, Sqlite>,
    id: i64,
    company: Option<i64>,
    numbers: &[Number],
) -> Result<()> {
    sqlx::query!("DELETE FROM phone_numbers WHERE contact_id = ?1", id)
        .execute(&mut **tx)
        .await?;
    for n in numbers {
        let kind = n.kind.as_str();
        let (contact, company) = match company {
            Some(company) if n.is_company_number() => (None, Some(company)),
            _ => (Some(id), None),
        };
        sqlx::query!(
            "INSERT INTO phone_numbers (contact_id, company_id, kind, raw, e164, tail_key,
                                        range_prefix)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT DO NOTHING",
            contact,
            company,
            kind,
            n.raw,
            n.e164,
            n.tail,
            n.range
        )
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Inserts a contact; `id` and `created_at` when it comes back from a deletion (a new id if
/// its own was taken meanwhile).
async fn insert(
    tx: &mut Transaction<'_, Sqlite>,
    p: &Prepared,
    id: Option<i64>,
    created_at: Option<&str>,
) -> Result<i64> {
    let company = company_id(tx, p).await?;
    let id = sqlx::query_scalar!(
        r#"INSERT INTO contacts (id, company_id, display_name, given_name, family_name, email,
                                 notes, search_text, dedup_key, created_at)
           VALUES ((SELECT CASE WHEN EXISTS (SELECT 1 FROM contacts WHERE id = ?1) THEN NULL
                                ELSE ?1 END),
                   ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9,
                   COALESCE(?10, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')))
           RETURNING id AS "id!: i64""#,
        id,
        company,
        p.display_name,
        p.given_name,
        p.family_name,
        p.email,
        p.notes,
        p.search_text,
        p.dedup_key,
        created_at
    )
    .fetch_one(&mut **tx)
    .await
    .map_err(duplicate_or)?;
    write_numbers(tx, id, company, &p.numbers).await?;
    Ok(id)
}

impl Store {
    /// Creates (`form.id` is `None`) or updates a contact from the card's form; returns its
    /// id. Each refused field is a [`StoreError::ContactField`] naming it.
    pub async fn save_contact(&self, form: &ContactForm, plan: &DialPlan) -> Result<i64> {
        let p = form.prepare(plan)?;
        let mut tx = self.pool.begin().await?;
        let id = match form.id {
            None => insert(&mut tx, &p, None, None).await?,
            Some(id) => {
                let company = company_id(&mut tx, &p).await?;
                let changed = sqlx::query!(
                    "UPDATE contacts SET company_id = ?2, display_name = ?3, given_name = ?4,
                         family_name = ?5, email = ?6, notes = ?7, search_text = ?8,
                         dedup_key = ?9,
                         updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
                     WHERE id = ?1",
                    id,
                    company,
                    p.display_name,
                    p.given_name,
                    p.family_name,
                    p.email,
                    p.notes,
                    p.search_text,
                    p.dedup_key
                )
                .execute(&mut *tx)
                .await
                .map_err(duplicate_or)?
                .rows_affected();
                if changed == 0 {
                    return Err(StoreError::NoSuchContact(id));
                }
                write_numbers(&mut tx, id, company, &p.numbers).await?;
                id
            }
        };
        tx.commit().await?;
        Ok(id)
    }

    /// The form that edits contact `id`: its fields and its own numbers.
    pub async fn contact_form(&self, id: i64) -> Result<ContactForm> {
        let card = self.contact(id).await?;
        Ok(ContactForm {
            id: Some(card.id),
            display_name: card.display_name,
            given_name: card.given_name,
            family_name: card.family_name,
            company: card.company.map(|c| c.name).unwrap_or_default(),
            email: card.email,
            notes: card.notes,
            numbers: card
                .numbers
                .into_iter()
                .map(|n| NumberField {
                    kind: n.kind,
                    raw: n.raw,
                })
                .collect(),
        })
    }

    /// Deletes contact `id` (its company and the company's numbers stay); returns it whole
    /// for [`Store::restore_contact`].
    pub async fn delete_contact(&self, id: i64) -> Result<DeletedContact> {
        let form = self.contact_form(id).await?;
        let mut tx = self.pool.begin().await?;
        let created_at = sqlx::query_scalar!("SELECT created_at FROM contacts WHERE id = ?1", id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NoSuchContact(id))?;
        let calls = sqlx::query_scalar!(
            r#"SELECT id AS "id!: i64" FROM call_history WHERE contact_id = ?1 ORDER BY id"#,
            id
        )
        .fetch_all(&mut *tx)
        .await?;
        sqlx::query!("DELETE FROM contacts WHERE id = ?1", id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(DeletedContact {
            form,
            created_at,
            calls,
        })
    }

    /// Puts a deleted contact back, with its id when still free, its numbers and its links
    /// to the history; returns its id.
    pub async fn restore_contact(&self, deleted: &DeletedContact, plan: &DialPlan) -> Result<i64> {
        let p = deleted.form.prepare(plan)?;
        let mut tx = self.pool.begin().await?;
        let id = insert(&mut tx, &p, deleted.form.id, Some(&deleted.created_at)).await?;
        let calls = serde_json::to_string(&deleted.calls).unwrap_or_else(|_| "[]".into());
        sqlx::query!(
            "UPDATE call_history SET contact_id = ?1
             WHERE contact_id IS NULL AND id IN (SELECT value FROM json_each(?2))",
            id,
            calls
        )
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_needs_a_user_and_a_dotted_domain() {
        for good in ["a@b.fr", "jean.dupont@acme.example"] {
            assert!(valid_email(good), "{good}");
        }
        for bad in ["a", "a@b", "@b.fr", "a@.fr", "a@b.", "a b@c.fr", "a@b@c.fr"] {
            assert!(!valid_email(bad), "{bad}");
        }
    }

    #[test]
    fn the_name_comes_from_first_and_last_names_and_is_required() {
        let plan = DialPlan::default();
        let form = ContactForm {
            given_name: " Anne ".into(),
            family_name: "Martin".into(),
            ..ContactForm::default()
        };
        assert_eq!(form.prepare(&plan).expect("ok").display_name, "Anne Martin");
        let none = ContactForm {
            company: "ACME".into(),
            ..ContactForm::default()
        };
        match none.prepare(&plan) {
            Err(StoreError::ContactField { field, problem }) => {
                assert_eq!(
                    (field.as_str(), problem),
                    ("display_name", ContactProblem::NoName)
                );
            }
            other => panic!("{other:?}"),
        }
    }
}
