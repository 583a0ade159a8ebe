//! Contact search and the contact card.

use switchboard_core::matching::last_digits_key;
use switchboard_core::{fold, DialPlan, Number, NumberKind, Source};

use crate::model::{CompanyRef, ContactCard, ContactSummary, PhoneEntry};
use crate::{Result, Store, StoreError};

/// Fewest digits for a search to look at numbers.
const MIN_NUMBER_DIGITS: usize = 4;
/// How many trailing digits of a full number a search compares (formats differ before).
const SEARCH_TAIL: usize = 9;
/// Words this long or longer go through the trigram index.
const TRIGRAM: usize = 3;

impl Store {
    /// Contacts whose name, company or e-mail holds every word of `query` (accents and case
    /// ignored; words of three letters or more through the trigram index, and up to two
    /// shorter words), or, when `query` is a number in any format, whose number ends like it.
    pub async fn search(
        &self,
        query: &str,
        plan: &DialPlan,
        limit: u32,
    ) -> Result<Vec<ContactSummary>> {
        let limit = i64::from(limit.clamp(1, 1_000));
        let digits: String = query.chars().filter(char::is_ascii_digit).collect();
        let looks_like_number = digits.len() >= MIN_NUMBER_DIGITS
            && query.chars().all(|c| !c.is_alphabetic() || c == 'x');
        if looks_like_number {
            let tail = match Number::parse(query, plan, Source::Field) {
                Ok(Number::External { e164, .. }) => {
                    let nsn = e164.national_significant();
                    nsn[nsn.len().saturating_sub(SEARCH_TAIL)..].to_owned()
                }
                _ => digits,
            };
            let key = last_digits_key(&tail);
            let end = format!("{key}:");
            let rows = sqlx::query_as!(
                ContactSummary,
                r#"SELECT DISTINCT c.id AS "id!: i64", c.display_name, co.name AS "company?",
                          p.raw AS "number?"
                   FROM phone_numbers p
                   JOIN contacts c ON c.id = p.contact_id
                   LEFT JOIN companies co ON co.id = c.company_id
                   WHERE p.tail_key >= ?1 AND p.tail_key < ?2
                   ORDER BY c.display_name COLLATE NOCASE
                   LIMIT ?3"#,
                key,
                end,
                limit
            )
            .fetch_all(&self.pool)
            .await?;
            return Ok(rows);
        }
        let folded = fold(query);
        let (long, short): (Vec<&str>, Vec<&str>) = folded
            .split(' ')
            .filter(|w| !w.is_empty())
            .partition(|w| w.chars().count() >= TRIGRAM);
        let short1 = short.first().copied().unwrap_or_default();
        let short2 = short.get(1).copied().unwrap_or_default();
        if long.is_empty() {
            // Only short words (or none): walk the name index, filtering as it goes.
            let rows = sqlx::query_as!(
                ContactSummary,
                r#"SELECT c.id AS "id!: i64", c.display_name, co.name AS "company?",
                          (SELECT raw FROM phone_numbers p WHERE p.contact_id = c.id
                           ORDER BY p.kind = 'work' DESC, p.id LIMIT 1) AS "number?: String"
                   FROM contacts c
                   LEFT JOIN companies co ON co.id = c.company_id
                   WHERE instr(c.search_text, ?1) > 0 AND instr(c.search_text, ?2) > 0
                   ORDER BY c.display_name COLLATE NOCASE
                   LIMIT ?3"#,
                short1,
                short2,
                limit
            )
            .fetch_all(&self.pool)
            .await?;
            return Ok(rows);
        }
        // Every word of 3 letters or more through the trigram index, as a quoted phrase.
        let phrase = long
            .iter()
            .map(|w| format!("\"{}\"", w.replace('"', "\"\"")))
            .collect::<Vec<_>>()
            .join(" ");
        let rows = sqlx::query_as!(
            ContactSummary,
            r#"SELECT c.id AS "id!: i64", c.display_name, co.name AS "company?",
                      (SELECT raw FROM phone_numbers p WHERE p.contact_id = c.id
                       ORDER BY p.kind = 'work' DESC, p.id LIMIT 1) AS "number?: String"
               FROM contacts c
               LEFT JOIN companies co ON co.id = c.company_id
               WHERE c.id IN (SELECT rowid FROM contacts_fts WHERE contacts_fts MATCH ?1)
                 AND instr(c.search_text, ?2) > 0 AND instr(c.search_text, ?3) > 0
               ORDER BY c.display_name COLLATE NOCASE
               LIMIT ?4"#,
            phrase,
            short1,
            short2,
            limit
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows)
    }

    /// `limit` contacts in name order from position `offset` (0 is the first): the whole
    /// list, a page at a time, for a window that scrolls through all of it.
    pub async fn contact_page(&self, offset: u32, limit: u32) -> Result<Vec<ContactSummary>> {
        let limit = i64::from(limit.clamp(1, 1_000));
        let offset = i64::from(offset);
        let rows = sqlx::query_as!(
            ContactSummary,
            r#"SELECT c.id AS "id!: i64", c.display_name, co.name AS "company?",
                      (SELECT raw FROM phone_numbers p WHERE p.contact_id = c.id
                       ORDER BY p.kind = 'work' DESC, p.id LIMIT 1) AS "number?: String"
               FROM contacts c
               LEFT JOIN companies co ON co.id = c.company_id
               ORDER BY c.display_name COLLATE NOCASE, c.id
               LIMIT ?1 OFFSET ?2"#,
            limit,
            offset
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows)
    }

    /// Everything about contact `id`.
    pub async fn contact(&self, id: i64) -> Result<ContactCard> {
        let row = sqlx::query!(
            r#"SELECT c.id AS "id!: i64", c.display_name, c.given_name, c.family_name, c.email,
                      c.notes, co.id AS "company_id?: i64", co.name AS "company?"
               FROM contacts c LEFT JOIN companies co ON co.id = c.company_id
               WHERE c.id = ?1"#,
            id
        )
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NoSuchContact(id))?;
        let numbers = sqlx::query!(
            r#"SELECT id AS "id!: i64", kind, raw, e164 FROM phone_numbers
               WHERE contact_id = ?1 ORDER BY id"#,
            id
        )
        .fetch_all(&self.pool)
        .await?;
        let company_numbers = sqlx::query!(
            r#"SELECT id AS "id!: i64", kind, raw, e164 FROM phone_numbers
               WHERE company_id = ?1 ORDER BY id"#,
            row.company_id
        )
        .fetch_all(&self.pool)
        .await?;
        let entry = |id: i64, kind: String, raw: String, e164: Option<String>| PhoneEntry {
            id,
            kind: kind.parse().unwrap_or(NumberKind::Work),
            raw,
            e164,
        };
        Ok(ContactCard {
            id: row.id,
            display_name: row.display_name,
            given_name: row.given_name,
            family_name: row.family_name,
            company: row
                .company_id
                .zip(row.company)
                .map(|(id, name)| CompanyRef { id, name }),
            email: row.email,
            notes: row.notes,
            numbers: numbers
                .into_iter()
                .map(|n| entry(n.id, n.kind, n.raw, n.e164))
                .collect(),
            company_numbers: company_numbers
                .into_iter()
                .map(|n| entry(n.id, n.kind, n.raw, n.e164))
                .collect(),
        })
    }
}
