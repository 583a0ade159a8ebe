//! `find_by_number`: the screen pop's query. Every statement here is answered from indexes
//! (the test `lookup_uses_indexes_only` reads their plans), so a lookup stays under a
//! millisecond with a million contacts.

use std::collections::HashMap;

use sqlx::FromRow;
use switchboard_core::matching::{last_digits_key, range_prefixes, rank};
use switchboard_core::{Candidate, MatchConfig, MatchReason, NumberKind, Via, E164};

use crate::model::{CompanyRef, ContactSummary, PopMatch};
use crate::{Result, Store};

/// Stored numbers equal to the caller's E.164.
const EXACT: &str = "SELECT id, contact_id, company_id, kind, raw, e164 AS stored \
     FROM phone_numbers WHERE e164 = ?1";
/// Stored numbers whose reversed digits start with the caller's last N digits reversed.
const TAIL: &str = "SELECT id, contact_id, company_id, kind, raw, e164 AS stored \
     FROM phone_numbers WHERE tail_key >= ?1 AND tail_key < ?2 LIMIT 200";
/// Number ranges equal to one of the caller's prefixes (at most 9: 6 to 14 digits).
const RANGES: &str = "SELECT id, contact_id, company_id, kind, raw, '+' || range_prefix AS stored \
     FROM phone_numbers WHERE range_prefix IN (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";
/// A contact with its company.
const CONTACT: &str = "SELECT c.id, c.display_name, co.id AS company_id, co.name AS company \
     FROM contacts c LEFT JOIN companies co ON co.id = c.company_id WHERE c.id = ?1";
/// The people of a company a switchboard or range belongs to (ranking orders them).
const COMPANY_PEOPLE: &str =
    "SELECT c.id, c.display_name, co.id AS company_id, co.name AS company \
     FROM companies co LEFT JOIN contacts c ON c.company_id = co.id WHERE co.id = ?1 \
     LIMIT 100";

/// Colleagues with this extension (stored without E.164; the key is the digits reversed).
const EXTENSION: &str = "SELECT c.id, c.display_name, co.id AS company_id, co.name AS company \
     FROM phone_numbers p JOIN contacts c ON c.id = p.contact_id \
     LEFT JOIN companies co ON co.id = c.company_id \
     WHERE p.tail_key = ?1 AND p.e164 IS NULL";

/// Every statement a lookup runs, for the query-plan test.
pub const LOOKUP_QUERIES: [&str; 6] = [EXACT, TAIL, RANGES, CONTACT, COMPANY_PEOPLE, EXTENSION];

/// A match's identity: (contact, company).
type Key = (Option<i64>, Option<i64>);
/// What a pop shows of a match.
type Shown = (Option<ContactSummary>, Option<CompanyRef>);

#[derive(FromRow)]
struct Hit {
    contact_id: Option<i64>,
    company_id: Option<i64>,
    kind: String,
    raw: String,
    stored: Option<String>,
}

#[derive(FromRow)]
struct Person {
    id: Option<i64>,
    display_name: Option<String>,
    company_id: Option<i64>,
    company: Option<String>,
}

impl Store {
    /// The colleagues whose extension is `extension`.
    pub async fn find_extension(&self, extension: &str) -> Result<Vec<PopMatch>> {
        let people: Vec<Person> = sqlx::query_as(EXTENSION)
            .bind(last_digits_key(extension))
            .fetch_all(&self.pool)
            .await?;
        Ok(people
            .into_iter()
            .filter_map(|p| {
                let company = p
                    .company_id
                    .zip(p.company)
                    .map(|(id, name)| CompanyRef { id, name });
                Some(PopMatch {
                    contact: Some(ContactSummary {
                        id: p.id?,
                        display_name: p.display_name.unwrap_or_default(),
                        company: company.as_ref().map(|c| c.name.clone()),
                        number: Some(extension.to_owned()),
                    }),
                    company,
                    matched_number: extension.to_owned(),
                    reason: MatchReason::Extension,
                })
            })
            .collect())
    }

    /// Every contact (or company) the caller's number may belong to, ranked, with reasons.
    pub async fn find_by_number(
        &self,
        caller: &E164,
        config: MatchConfig,
    ) -> Result<Vec<PopMatch>> {
        let mut conn = self.pool.acquire().await?;
        let mut hits: Vec<Hit> = sqlx::query_as(EXACT)
            .bind(caller.as_str())
            .fetch_all(&mut *conn)
            .await?;
        let n = usize::from(config.last_digits);
        let significant = caller.national_significant();
        if n > 0 && significant.len() >= n {
            let key = last_digits_key(&significant[significant.len() - n..]);
            let end = format!("{key}:"); // ':' sorts right after '9'
            hits.extend(
                sqlx::query_as::<_, Hit>(TAIL)
                    .bind(&key)
                    .bind(&end)
                    .fetch_all(&mut *conn)
                    .await?,
            );
        }
        let prefixes = range_prefixes(caller);
        let mut ranges = sqlx::query_as::<_, Hit>(RANGES);
        for i in 0..9 {
            ranges = ranges.bind(prefixes.get(i).cloned());
        }
        hits.extend(ranges.fetch_all(&mut *conn).await?);

        let mut people: HashMap<Key, Shown> = HashMap::new();
        let mut candidates = Vec::new();
        for hit in hits {
            let Some(stored) = hit.stored else { continue };
            let kind: NumberKind = hit.kind.parse().unwrap_or(NumberKind::Work);
            let via = match kind {
                NumberKind::Range => Via::Range,
                NumberKind::Switchboard => Via::Switchboard,
                _ if hit.contact_id.is_none() => Via::Switchboard,
                _ => Via::Own,
            };
            let rows: Vec<Person> = match (hit.contact_id, hit.company_id) {
                (Some(id), _) => {
                    sqlx::query_as(CONTACT)
                        .bind(id)
                        .fetch_all(&mut *conn)
                        .await?
                }
                (None, Some(id)) => {
                    sqlx::query_as(COMPANY_PEOPLE)
                        .bind(id)
                        .fetch_all(&mut *conn)
                        .await?
                }
                (None, None) => Vec::new(),
            };
            for person in rows {
                let company = person
                    .company_id
                    .zip(person.company)
                    .map(|(id, name)| CompanyRef { id, name });
                let contact = person.id.map(|id| ContactSummary {
                    id,
                    display_name: person.display_name.clone().unwrap_or_default(),
                    company: company.as_ref().map(|c| c.name.clone()),
                    number: Some(hit.raw.clone()),
                });
                let name = contact
                    .as_ref()
                    .map(|c| c.display_name.clone())
                    .or_else(|| company.as_ref().map(|c| c.name.clone()))
                    .unwrap_or_default();
                let key = (person.id, company.as_ref().map(|c| c.id));
                candidates.push(Candidate {
                    contact_id: key.0,
                    company_id: key.1,
                    name,
                    stored: stored.clone(),
                    via,
                });
                people.entry(key).or_insert((contact, company));
            }
        }
        Ok(rank(caller, candidates, config)
            .into_iter()
            .filter_map(|m| {
                let key = (m.candidate.contact_id, m.candidate.company_id);
                let (contact, company) = people.get(&key)?.clone();
                Some(PopMatch {
                    contact,
                    company,
                    matched_number: m.candidate.stored,
                    reason: m.reason,
                })
            })
            .collect())
    }
}
