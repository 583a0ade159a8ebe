//! What every request passes before it does anything: the rate limit, the browser origin
//! allow-list and the bearer token.

use std::sync::{Mutex, PoisonError};
use std::time::Instant;

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};

use crate::CtiConfig;

/// How many requests are allowed: `per_minute` on average, `burst` at once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimit {
    /// Average requests per minute.
    pub per_minute: u32,
    /// Requests allowed back to back.
    pub burst: u32,
}

impl Default for RateLimit {
    /// Far above what a CRM page or an agent clicking needs, far below a dialling robot.
    fn default() -> Self {
        Self {
            per_minute: 120,
            burst: 30,
        }
    }
}

/// A new random token: 32 bytes from the OS, in hex.
pub fn generate_token() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 32];
    getrandom::getrandom(&mut bytes)?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// `scheme://host[:port]`, as browsers send in `Origin`.
pub(crate) fn is_origin(text: &str) -> bool {
    let Some((scheme, rest)) = text.split_once("://") else {
        return false;
    };
    matches!(scheme, "http" | "https")
        && !rest.is_empty()
        && !rest.contains(['/', '?', '#', '@', ' '])
}

/// Why a request is turned away.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// Too many requests: try again after this many seconds.
    Rate(u64),
    /// A page from an origin not on the allow-list.
    Origin,
    /// No token, or the wrong one.
    Token,
}

impl Refusal {
    pub(crate) fn status(self) -> StatusCode {
        match self {
            Self::Rate(_) => StatusCode::TOO_MANY_REQUESTS,
            Self::Origin => StatusCode::FORBIDDEN,
            Self::Token => StatusCode::UNAUTHORIZED,
        }
    }

    pub(crate) fn code(self) -> &'static str {
        match self {
            Self::Rate(_) => "rate_limited",
            Self::Origin => "forbidden_origin",
            Self::Token => "unauthorized",
        }
    }

    pub(crate) fn message(self) -> String {
        match self {
            Self::Rate(s) => format!("too many requests: try again in {s} s"),
            Self::Origin => "this web origin is not allowed to use the phone".into(),
            Self::Token => "a valid bearer token is required (Authorization: Bearer ...)".into(),
        }
    }
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

/// The checks, with the rate limit's bucket.
#[derive(Debug)]
pub(crate) struct Guard {
    token: String,
    origins: Vec<String>,
    rate: RateLimit,
    bucket: Mutex<Bucket>,
}

/// Compares without stopping at the first difference, so timing says nothing of the token.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

impl Guard {
    pub(crate) fn new(config: &CtiConfig) -> Self {
        Self {
            token: config.token.clone(),
            origins: config
                .origins
                .iter()
                .map(|o| o.trim_end_matches('/').to_ascii_lowercase())
                .collect(),
            rate: config.rate,
            bucket: Mutex::new(Bucket {
                tokens: f64::from(config.rate.burst.max(1)),
                at: Instant::now(),
            }),
        }
    }

    /// Takes one request from the bucket.
    fn take(&self) -> Result<(), Refusal> {
        let mut bucket = self.bucket.lock().unwrap_or_else(PoisonError::into_inner);
        let now = Instant::now();
        let per_second = f64::from(self.rate.per_minute.max(1)) / 60.0;
        let refill = now.duration_since(bucket.at).as_secs_f64() * per_second;
        bucket.tokens = (bucket.tokens + refill).min(f64::from(self.rate.burst.max(1)));
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            let wait = ((1.0 - bucket.tokens) / per_second).ceil();
            // Whole seconds, at least one.
            Err(Refusal::Rate(
                format!("{wait:.0}").parse().unwrap_or(1).max(1),
            ))
        }
    }

    /// The request's origin, when a browser sent one.
    pub(crate) fn origin<'h>(&self, headers: &'h HeaderMap) -> Option<&'h str> {
        headers.get(header::ORIGIN).and_then(|v| v.to_str().ok())
    }

    /// Whether `origin` may call (requests without one come from programs, not pages).
    pub(crate) fn allows(&self, origin: &str) -> bool {
        let origin = origin.trim_end_matches('/').to_ascii_lowercase();
        self.origins.contains(&origin)
    }

    /// The checks of an ordinary request; `query_token` is the WebSocket's `access_token`
    /// (browsers cannot set headers on a WebSocket). The origin and the token come first:
    /// requests without them do nothing and do not use up the rate of the agent's CRM.
    pub(crate) fn admit(
        &self,
        headers: &HeaderMap,
        query_token: Option<&str>,
    ) -> Result<(), Refusal> {
        if let Some(origin) = self.origin(headers) {
            if !self.allows(origin) {
                return Err(Refusal::Origin);
            }
        }
        let bearer = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
            .map(str::trim);
        match bearer.or(query_token) {
            Some(given) if same(given, &self.token) => self.take(),
            _ => Err(Refusal::Token),
        }
    }

    /// The CORS headers of an answer to an allowed page.
    pub(crate) fn cors(&self, headers: &HeaderMap) -> Vec<(header::HeaderName, HeaderValue)> {
        match self.origin(headers) {
            Some(origin) if self.allows(origin) => {
                let mut out = vec![(header::VARY, HeaderValue::from_static("Origin"))];
                if let Ok(value) = HeaderValue::from_str(origin) {
                    out.push((header::ACCESS_CONTROL_ALLOW_ORIGIN, value));
                }
                out
            }
            _ => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_scheme_and_host_only() {
        assert!(is_origin("https://crm.example.com"));
        assert!(is_origin("http://127.0.0.1:8080"));
        assert!(!is_origin("crm.example.com"));
        assert!(!is_origin("https://crm.example.com/page"));
        assert!(!is_origin("file://x"));
    }

    #[test]
    fn tokens_are_long_and_different() {
        let a = generate_token().expect("random");
        let b = generate_token().expect("random");
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
        assert!(same(&a, &a.clone()));
        assert!(!same(&a, &b));
    }
}
