//! The CRM lookup: when a call comes in, the caller's number is looked up in the agent's CRM
//! over HTTP (a URL template returning JSON, its fields picked with JSON pointers, RFC 6901),
//! within a timeout (800 ms by default), with a cache. The screen pop shows the local
//! contacts at once; the CRM's answer follows as a `crm` event. The call never waits for it.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use switchboard_core::callscreen::{check_template, fill, CallScreenFields};

use crate::{secrets, settings, Error, Handle, PhoneEvent};

/// The CRM lookup as the agent sets it (settings key `crm`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(default)]
pub struct CrmSettings {
    /// The lookup's address with `{e164}` and `{number}` (each percent-encoded); empty:
    /// no lookup.
    pub url: String,
    /// How long to wait for the answer, in milliseconds (100 to 10,000).
    pub timeout_ms: u32,
    /// How long an answer is kept, in seconds (0: not kept).
    pub cache_seconds: u32,
    /// Where the contact's name is in the answer (a JSON pointer: `/name`, `/0/full_name`).
    pub name: String,
    /// Where the company is.
    pub company: String,
    /// Where the record's id is.
    pub id: String,
    /// Where the record's web page is.
    pub link: String,
}

impl Default for CrmSettings {
    fn default() -> Self {
        Self {
            url: String::new(),
            timeout_ms: 800,
            cache_seconds: 300,
            name: "/name".into(),
            company: "/company".into(),
            id: "/id".into(),
            link: "/url".into(),
        }
    }
}

/// The CRM's record of a caller.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct CrmRecord {
    /// The contact's name.
    pub name: Option<String>,
    /// The company.
    pub company: Option<String>,
    /// The record's id in the CRM.
    pub id: Option<String>,
    /// The record's page (http or https only).
    pub link: Option<String>,
}

/// What the CRM said about an incoming call (the `crm` event).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct CrmReport {
    /// Always `"crm"`.
    pub event: &'static str,
    /// The call.
    pub call: String,
    /// The record, or none when the CRM knows no such number.
    pub record: Option<CrmRecord>,
    /// Why there is no answer (timeout, error), when the lookup failed.
    pub failure: Option<String>,
}

/// The token's name in the keyring.
const TOKEN: &str = "token";
/// Most answers kept.
const MAX_CACHED: usize = 2_000;
/// Largest answer read, in bytes.
const MAX_ANSWER: usize = 256 * 1024;

/// Answers kept: the number, when it was asked, what came.
#[derive(Debug, Default)]
pub(crate) struct CrmCache(Mutex<HashMap<String, (Instant, Option<CrmRecord>)>>);

fn pointer_field(pointer: &str) -> Result<(), Error> {
    if pointer.is_empty() || pointer.starts_with('/') {
        Ok(())
    } else {
        Err(Error::InvalidField {
            field: "crm_fields",
            reason: format!("{pointer:?} is not a JSON pointer (/name, /0/company)"),
        })
    }
}

impl CrmSettings {
    fn check(&self) -> Result<(), Error> {
        if !self.url.is_empty() {
            check_template(&self.url).map_err(|e| Error::InvalidField {
                field: "crm_url",
                reason: e.to_string(),
            })?;
        }
        if !(100..=10_000).contains(&self.timeout_ms) {
            return Err(Error::InvalidField {
                field: "crm_timeout",
                reason: "100 to 10,000 milliseconds".into(),
            });
        }
        for pointer in [&self.name, &self.company, &self.id, &self.link] {
            pointer_field(pointer)?;
        }
        Ok(())
    }
}

/// A text value at `pointer` in `answer` (numbers written out), cut to 200 characters.
fn text_at(answer: &serde_json::Value, pointer: &str) -> Option<String> {
    if pointer.is_empty() {
        return None;
    }
    let text = match answer.pointer(pointer)? {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Number(n) => n.to_string(),
        _ => return None,
    };
    let text: String = text.chars().filter(|c| !c.is_control()).take(200).collect();
    (!text.trim().is_empty()).then(|| text.trim().to_owned())
}

/// The record in a CRM's answer; `None` when it holds none of the fields.
fn record_of(answer: &serde_json::Value, settings: &CrmSettings) -> Option<CrmRecord> {
    let record = CrmRecord {
        name: text_at(answer, &settings.name),
        company: text_at(answer, &settings.company),
        id: text_at(answer, &settings.id),
        // A page the window opens: only the web's own schemes.
        link: text_at(answer, &settings.link)
            .filter(|l| l.starts_with("https://") || l.starts_with("http://")),
    };
    (record.name.is_some() || record.company.is_some() || record.id.is_some()).then_some(record)
}

/// The HTTP client, with rustls on ring.
fn client() -> &'static reqwest::Client {
    static CLIENT: OnceLock<reqwest::Client> = OnceLock::new();
    CLIENT.get_or_init(|| {
        // The TLS provider is chosen when the Handle opens.
        reqwest::Client::builder()
            .user_agent(concat!("Switchboard/", env!("CARGO_PKG_VERSION")))
            .redirect(reqwest::redirect::Policy::limited(3))
            .build()
            .unwrap_or_default()
    })
}

impl Handle {
    /// The CRM lookup's settings.
    pub fn crm_settings(&self) -> CrmSettings {
        self.settings().crm
    }

    /// Checks and stores the CRM lookup's settings, and its bearer token in the keyring
    /// (`None` keeps the stored one, an empty one forgets it). The cache is emptied.
    pub async fn save_crm_settings(
        &self,
        crm: &CrmSettings,
        token: Option<&str>,
    ) -> Result<(), Error> {
        let crm = CrmSettings {
            url: crm.url.trim().to_owned(),
            ..crm.clone()
        };
        crm.check()?;
        match token.map(str::trim) {
            Some("") => secrets::delete(secrets::CRM, TOKEN)?,
            Some(token) => secrets::set(secrets::CRM, TOKEN, token)?,
            None => {}
        }
        self.store.set_setting(settings::CRM, &crm).await?;
        self.settings
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .crm = crm;
        self.crm_cache
            .0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
        Ok(())
    }

    /// Looks up `call`'s caller in the CRM and publishes what it said; nothing when no
    /// lookup is set or the caller has no public number (a colleague, a hidden number).
    /// `e164` and `number` as for the call screen.
    pub(crate) fn crm_lookup(&self, call: &str, e164: &str, number: &str) {
        let crm = self.crm_settings();
        if crm.url.is_empty() || e164.is_empty() {
            return;
        }
        let key = e164.to_owned();
        let fresh = Duration::from_secs(crm.cache_seconds.into());
        let cached = self
            .crm_cache
            .0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&key)
            .filter(|(at, _)| at.elapsed() < fresh)
            .map(|(_, record)| record.clone());
        if let Some(record) = cached {
            self.publish(PhoneEvent::Crm(CrmReport {
                event: "crm",
                call: call.to_owned(),
                record,
                failure: None,
            }));
            return;
        }
        let fields = CallScreenFields {
            e164: e164.to_owned(),
            number: number.to_owned(),
            name: String::new(),
            contact_id: String::new(),
            call: call.to_owned(),
        };
        let url = match fill(&crm.url, &fields) {
            Ok(url) => url,
            Err(e) => return tracing::warn!("CRM lookup address: {e}"),
        };
        let token = secrets::get(secrets::CRM, TOKEN).unwrap_or_else(|e| {
            tracing::warn!("CRM token unreadable: {e}");
            None
        });
        let handle = self.clone();
        let call = call.to_owned();
        tokio::spawn(async move {
            let outcome = ask(&url, token.as_deref(), &crm).await;
            let (record, failure) = match outcome {
                Ok(record) => {
                    let mut cache = handle
                        .crm_cache
                        .0
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner);
                    if cache.len() >= MAX_CACHED {
                        cache.clear();
                    }
                    cache.insert(key, (Instant::now(), record.clone()));
                    (record, None)
                }
                Err(why) => {
                    tracing::info!(call, "CRM lookup failed: {why}");
                    (None, Some(why))
                }
            };
            handle.publish(PhoneEvent::Crm(CrmReport {
                event: "crm",
                call,
                record,
                failure,
            }));
        });
    }
}

/// One lookup: the record, `None` for a number the CRM does not know (404 or no field), or
/// why it failed.
async fn ask(
    url: &str,
    token: Option<&str>,
    crm: &CrmSettings,
) -> Result<Option<CrmRecord>, String> {
    let mut request = client()
        .get(url)
        .timeout(Duration::from_millis(crm.timeout_ms.into()))
        .header("Accept", "application/json");
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.map_err(|e| {
        if e.is_timeout() {
            format!("no answer within {} ms", crm.timeout_ms)
        } else {
            format!("the CRM cannot be reached ({e})")
        }
    })?;
    if response.status() == reqwest::StatusCode::NOT_FOUND {
        return Ok(None);
    }
    if !response.status().is_success() {
        return Err(format!("the CRM answered {}", response.status()));
    }
    let too_large = || "the CRM's answer is larger than 256 KiB".to_owned();
    if response
        .content_length()
        .is_some_and(|n| n > MAX_ANSWER as u64)
    {
        return Err(too_large());
    }
    // Read piece by piece, up to the limit: a CRM that sends on and on is cut off.
    let mut response = response;
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| format!("the CRM's answer did not come whole ({e})"))?
    {
        if body.len() + chunk.len() > MAX_ANSWER {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    let answer: serde_json::Value =
        serde_json::from_slice(&body).map_err(|e| format!("the CRM's answer is not JSON ({e})"))?;
    Ok(record_of(&answer, crm))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fields_are_picked_with_json_pointers() {
        let settings = CrmSettings {
            name: "/0/contact/full_name".into(),
            company: "/0/account".into(),
            id: "/0/id".into(),
            link: "/0/href".into(),
            ..CrmSettings::default()
        };
        let answer = serde_json::json!([{
            "id": 4711,
            "contact": {"full_name": " Claire Duval "},
            "account": "Duval SARL",
            "href": "javascript:alert(1)"
        }]);
        assert_eq!(
            record_of(&answer, &settings),
            Some(CrmRecord {
                name: Some("Claire Duval".into()),
                company: Some("Duval SARL".into()),
                id: Some("4711".into()),
                link: None,
            }),
            "a link that is not a web page is dropped"
        );
        assert_eq!(record_of(&serde_json::json!([]), &settings), None);
        assert_eq!(
            record_of(&serde_json::json!({"x": 1}), &CrmSettings::default()),
            None
        );
    }

    #[test]
    fn settings_are_checked() {
        let mut crm = CrmSettings {
            url: "https://crm.example/lookup?phone={e164}".into(),
            ..CrmSettings::default()
        };
        assert!(crm.check().is_ok());
        crm.timeout_ms = 50;
        assert!(crm.check().is_err());
        crm.timeout_ms = 800;
        crm.name = "name".into();
        assert!(crm.check().is_err());
        crm.name = "/name".into();
        crm.url = "https://{e164}.crm.example/".into();
        assert!(crm.check().is_err(), "the host is literal");
    }
}
