//! What an incoming call's SIP headers say about why it reached the agent: the number or
//! alias the caller dialled, the line it was diverted from, the queue, the IVR choice and a
//! subject. PBXs and contact-center platforms put these in standard headers (RFC 3455, RFC
//! 5806, RFC 7044, RFC 3261) or in their own `X-` headers; the pop shows them.

use serde::Serialize;

/// Longest value kept from a header, in characters.
const MAX_VALUE: usize = 120;

/// The context of an incoming call, each part when a header gave it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct CallContext {
    /// The number or alias the caller dialled (`P-Called-Party-ID`, RFC 3455 §4.2, or the
    /// `To` user when it is not the agent's own).
    pub dialled: Option<String>,
    /// The number the call was first meant for before it was diverted here: the oldest
    /// `Diversion` entry (RFC 5806 lists the most recent first), else the first entry of
    /// `History-Info` (RFC 7044).
    pub diverted_from: Option<String>,
    /// The queue it waited in (`X-Queue`, `X-Queue-Name`, `X-ACD-Queue`).
    pub queue: Option<String>,
    /// The caller's choice in the voice menu (`X-IVR`, `X-IVR-Choice`, `X-IVR-Path`).
    pub ivr: Option<String>,
    /// The call's subject (`Subject`, RFC 3261 §20.36).
    pub subject: Option<String>,
    /// The caller asks to be answered without the agent (intercom, paging), after this many
    /// seconds: `Call-Info: ...;answer-after=N`, an `Alert-Info` naming auto-answer, or
    /// `Answer-Mode: Auto` (RFC 5373).
    pub auto_answer: Option<u32>,
}

/// Longest delay an auto-answer request may ask for, in seconds.
const MAX_ANSWER_AFTER: u32 = 60;

/// The delay an auto-answer header asks for, if it asks for one.
fn auto_answer_of(name: &str, value: &str) -> Option<u32> {
    let lower = value.to_ascii_lowercase();
    match name {
        "call-info" => lower.split(';').find_map(|p| {
            let (key, n) = p.split_once('=')?;
            (key.trim() == "answer-after")
                .then(|| n.trim().trim_matches('"').parse::<u32>().ok())
                .flatten()
                .map(|n| n.min(MAX_ANSWER_AFTER))
        }),
        "alert-info" => [
            "autoanswer",
            "auto-answer",
            "auto answer",
            "intercom",
            "ring answer",
        ]
        .iter()
        .any(|w| lower.contains(w))
        .then_some(0),
        "answer-mode" | "priv-answer-mode" => lower.trim().starts_with("auto").then_some(0),
        _ => None,
    }
}

impl CallContext {
    /// Reads the context from an INVITE's headers, as (name, value) pairs in order;
    /// `own_user` is the user of the request URI (the agent's own address).
    pub fn from_headers<'a>(
        headers: impl IntoIterator<Item = (&'a str, &'a str)>,
        own_user: Option<&str>,
    ) -> Self {
        let mut context = Self::default();
        let (mut called, mut to) = (None, None);
        let (mut diversions, mut history) = (Vec::new(), Vec::new());
        for (name, value) in headers {
            let name = name.trim().to_ascii_lowercase();
            if context.auto_answer.is_none() {
                context.auto_answer = auto_answer_of(&name, value);
            }
            let slot = match name.as_str() {
                "p-called-party-id" => &mut called,
                "to" | "t" => &mut to,
                // One header may list several entries, separated by commas.
                "diversion" => {
                    diversions.extend(split_list(value).filter_map(|v| uri_user(&v)));
                    continue;
                }
                "history-info" => {
                    history.extend(split_list(value).filter_map(|v| uri_user(&v)));
                    continue;
                }
                "x-queue" | "x-queue-name" | "x-acd-queue" => &mut context.queue,
                "x-ivr" | "x-ivr-choice" | "x-ivr-path" => &mut context.ivr,
                "subject" | "s" => &mut context.subject,
                _ => continue,
            };
            if slot.is_some() {
                continue;
            }
            *slot = match name.as_str() {
                "p-called-party-id" | "to" | "t" => {
                    split_list(value).next().and_then(|v| uri_user(&v))
                }
                _ => clean(value),
            };
        }
        let to = to.filter(|user| Some(user.as_str()) != own_user);
        context.dialled = called.or(to);
        context.diverted_from = diversions.pop().or_else(|| {
            // History-Info's first entry is the target originally asked for.
            (history.len() >= 2).then(|| history.swap_remove(0))
        });
        context
    }

    /// Whether no header said anything.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// Printable text only, trimmed and cut to [`MAX_VALUE`] characters; `None` when empty.
fn clean(value: &str) -> Option<String> {
    let text: String = value
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_VALUE)
        .collect();
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

/// The comma-separated entries of a header, commas inside `<...>` or quotes kept.
fn split_list(value: &str) -> impl Iterator<Item = String> + '_ {
    let mut parts = Vec::new();
    let (mut depth, mut quoted, mut start) = (0i32, false, 0);
    for (i, c) in value.char_indices() {
        match c {
            '"' => quoted = !quoted,
            '<' if !quoted => depth += 1,
            '>' if !quoted => depth -= 1,
            ',' if !quoted && depth <= 0 => {
                parts.push(value[start..i].to_owned());
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(value[start..].to_owned());
    parts.into_iter()
}

/// The user part of a name-addr (`"Sales" <sip:0800123456@pbx;user=phone>;reason=...`),
/// or of a `tel:` URI; `None` without one.
fn uri_user(value: &str) -> Option<String> {
    let value = value.trim();
    let uri = match (value.find('<'), value.find('>')) {
        (Some(a), Some(b)) if a < b => &value[a + 1..b],
        _ => value.split(';').next().unwrap_or_default(),
    };
    let uri = uri.trim();
    let lower = uri.get(..5).unwrap_or(uri).to_ascii_lowercase();
    let rest = if lower.starts_with("sips:") {
        &uri[5..]
    } else if lower.starts_with("sip:") || lower.starts_with("tel:") {
        &uri[4..]
    } else {
        return None;
    };
    let user = match rest.find('@') {
        Some(at) => &rest[..at],
        None if lower.starts_with("tel:") => rest,
        None => return None,
    };
    let user = user.split([';', '?']).next().unwrap_or_default();
    clean(&percent_decoded(user))
}

/// `%2B33` is `+33`: user parts may be escaped (RFC 3261 §19.1.2).
fn percent_decoded(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(headers: &[(&str, &str)], own: Option<&str>) -> CallContext {
        CallContext::from_headers(headers.iter().copied(), own)
    }

    #[test]
    fn a_queue_call_through_a_pbx() {
        let ctx = read(
            &[
                ("From", "\"Jean\" <sip:+33612345678@pbx>;tag=a"),
                ("To", "<sip:0800123456@pbx;user=phone>"),
                ("X-Queue", " Support niveau 1 "),
                ("X-IVR-Choice", "2 - Facturation"),
                ("Subject", "Commande 1234"),
            ],
            Some("agent7"),
        );
        assert_eq!(ctx.dialled.as_deref(), Some("0800123456"));
        assert_eq!(ctx.queue.as_deref(), Some("Support niveau 1"));
        assert_eq!(ctx.ivr.as_deref(), Some("2 - Facturation"));
        assert_eq!(ctx.subject.as_deref(), Some("Commande 1234"));
        assert_eq!(ctx.diverted_from, None);
    }

    #[test]
    fn the_agents_own_address_is_not_a_dialled_number() {
        let ctx = read(&[("To", "<sip:agent7@pbx>")], Some("agent7"));
        assert!(ctx.is_empty(), "{ctx:?}");
        let called = read(
            &[
                ("To", "<sip:agent7@pbx>"),
                ("P-Called-Party-ID", "<tel:%2B442079460000>"),
            ],
            Some("agent7"),
        );
        assert_eq!(called.dialled.as_deref(), Some("+442079460000"));
    }

    #[test]
    fn a_caller_may_ask_to_be_answered_at_once_or_after_a_delay() {
        let after = |headers: &[(&str, &str)]| read(headers, None).auto_answer;
        assert_eq!(
            after(&[("Call-Info", "<sip:pbx.example>;answer-after=0")]),
            Some(0)
        );
        assert_eq!(
            after(&[("Call-Info", "<sip:pbx.example>; Answer-After = 3")]),
            Some(3)
        );
        assert_eq!(
            after(&[("Call-Info", "<sip:pbx>;answer-after=3600")]),
            Some(60),
            "bounded"
        );
        assert_eq!(
            after(&[(
                "Alert-Info",
                "<http://127.0.0.1/Bellcore-dr4>;info=alert-autoanswer"
            )]),
            Some(0)
        );
        assert_eq!(after(&[("Alert-Info", "Ring Answer")]), Some(0));
        assert_eq!(after(&[("Answer-Mode", "Auto;require")]), Some(0));
        assert_eq!(after(&[("Answer-Mode", "Manual")]), None);
        assert_eq!(
            after(&[("Call-Info", "<http://x/photo.jpg>;purpose=icon")]),
            None
        );
        assert_eq!(
            after(&[("Alert-Info", "<http://x/ring.wav>")]),
            None,
            "a distinctive ring is not an answer"
        );
    }

    #[test]
    fn diversion_then_history_info() {
        let diverted = read(
            &[
                (
                    "Diversion",
                    "<sip:1001@pbx>;reason=no-answer;counter=1, <sip:1002@pbx>",
                ),
                ("Diversion", "<sip:1003@pbx>"),
            ],
            None,
        );
        assert_eq!(
            diverted.diverted_from.as_deref(),
            Some("1003"),
            "the oldest diversion"
        );
        let history = read(
            &[(
                "History-Info",
                "<sip:sales@pbx.example?Reason=SIP%3Bcause%3D302>;index=1, <sip:1004@pbx>;index=1.1",
            )],
            None,
        );
        assert_eq!(history.diverted_from.as_deref(), Some("sales"));
        let direct = read(&[("History-Info", "<sip:1004@pbx>;index=1")], None);
        assert_eq!(direct.diverted_from, None, "one entry: no diversion");
    }

    #[test]
    fn hostile_values_are_cleaned_and_cut() {
        let long = "Q".repeat(500);
        let ctx = read(
            &[
                ("x-queue", "Ventes\u{0}\u{1b}[31m"),
                ("X-IVR", &long),
                ("Subject", "   "),
                ("Diversion", "not a uri"),
                ("To", "<mailto:x@y>"),
            ],
            None,
        );
        assert_eq!(ctx.queue.as_deref(), Some("Ventes[31m"));
        assert_eq!(ctx.ivr.map(|v| v.chars().count()), Some(MAX_VALUE));
        assert_eq!(
            (ctx.subject, ctx.diverted_from, ctx.dialled),
            (None, None, None)
        );
    }
}
