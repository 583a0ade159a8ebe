//! The agent's call screen: a web address template (a CRM's contact page) filled with the
//! call's caller, such as `https://crm.example/contacts?phone={e164}`. Each value is
//! percent-encoded (RFC 3986 §2.1), so a caller's number or name can never change the
//! address beyond its own placeholder.

use serde::Serialize;

/// The placeholders a template may use.
pub const PLACEHOLDERS: [&str; 5] = ["e164", "number", "name", "contact_id", "call"];

/// What fills a template.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct CallScreenFields {
    /// The caller's number in E.164 (`+33199009999`), empty when not a public number.
    pub e164: String,
    /// The number as it came (`0199009999`, an extension).
    pub number: String,
    /// The matched contact's name, empty when unknown.
    pub name: String,
    /// The matched contact's id, empty when unknown.
    pub contact_id: String,
    /// The call's id.
    pub call: String,
}

/// Why a template cannot be used.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TemplateError {
    /// Not an `http://` or `https://` address with a host.
    #[error("the call screen must be an http:// or https:// address")]
    NotWeb,
    /// A `{name}` that is not one of [`PLACEHOLDERS`], or a brace left open.
    #[error(
        "unknown placeholder {0} (use {{e164}}, {{number}}, {{name}}, {{contact_id}} or {{call}})"
    )]
    Placeholder(String),
    /// Spaces or control characters.
    #[error("the address holds a space or a control character")]
    Character,
}

impl TemplateError {
    /// Stable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotWeb => "call_screen_not_web",
            Self::Placeholder(_) => "call_screen_placeholder",
            Self::Character => "call_screen_character",
        }
    }
}

/// The parts of a template: text, and placeholders by name.
fn parts(template: &str) -> Result<Vec<(bool, &str)>, TemplateError> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push((false, &rest[..open]));
        let after = &rest[open + 1..];
        let close = after
            .find('}')
            .ok_or_else(|| TemplateError::Placeholder(format!("{{{after}")))?;
        let name = &after[..close];
        if !PLACEHOLDERS.contains(&name) {
            return Err(TemplateError::Placeholder(format!("{{{name}}}")));
        }
        out.push((true, name));
        rest = &after[close + 1..];
    }
    if rest.contains('}') {
        return Err(TemplateError::Placeholder("}".into()));
    }
    out.push((false, rest));
    Ok(out)
}

/// Checks a template: a web address whose placeholders are all known.
pub fn check_template(template: &str) -> Result<(), TemplateError> {
    if template
        .chars()
        .any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(TemplateError::Character);
    }
    let lower = template.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"))
        .ok_or(TemplateError::NotWeb)?;
    let host_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    if rest[..host_end].is_empty() || rest[..host_end].contains('{') {
        // The host is fixed: a placeholder there could send the caller's data anywhere.
        return Err(TemplateError::NotWeb);
    }
    parts(template).map(|_| ())
}

/// Everything but RFC 3986's unreserved characters, percent-encoded.
fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The template with its placeholders filled.
pub fn fill(template: &str, fields: &CallScreenFields) -> Result<String, TemplateError> {
    check_template(template)?;
    let mut out = String::with_capacity(template.len() + 32);
    for (is_field, text) in parts(template)? {
        if !is_field {
            out.push_str(text);
            continue;
        }
        let value = match text {
            "e164" => &fields.e164,
            "number" => &fields.number,
            "name" => &fields.name,
            "contact_id" => &fields.contact_id,
            _ => &fields.call,
        };
        out.push_str(&encode(value));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn duval() -> CallScreenFields {
        CallScreenFields {
            e164: "+33199009999".into(),
            number: "0199009999".into(),
            name: "Claire Duval & Fils".into(),
            contact_id: "7".into(),
            call: "abc@10.0.0.1".into(),
        }
    }

    #[test]
    fn placeholders_are_filled_and_encoded() {
        let url = fill(
            "https://crm.example/contacts?phone={e164}&n={name}&id={contact_id}#{call}",
            &duval(),
        )
        .expect("filled");
        assert_eq!(
            url,
            "https://crm.example/contacts?phone=%2B33199009999&n=Claire%20Duval%20%26%20Fils&id=7#abc%4010.0.0.1"
        );
        let unknown = CallScreenFields {
            number: "0612345678".into(),
            ..CallScreenFields::default()
        };
        assert_eq!(
            fill(
                "http://crm.local/new?tel={number}&id={contact_id}",
                &unknown
            )
            .expect("filled"),
            "http://crm.local/new?tel=0612345678&id="
        );
    }

    #[test]
    fn bad_templates_say_why() {
        let cases = [
            ("crm.example/{e164}", TemplateError::NotWeb),
            ("javascript:alert({e164})", TemplateError::NotWeb),
            ("https://{name}.example/", TemplateError::NotWeb),
            ("https:///path", TemplateError::NotWeb),
            (
                "https://crm.example/{phone}",
                TemplateError::Placeholder("{phone}".into()),
            ),
            (
                "https://crm.example/{e164",
                TemplateError::Placeholder("{e164".into()),
            ),
            (
                "https://crm.example/e164}",
                TemplateError::Placeholder("}".into()),
            ),
            ("https://crm.example/a b", TemplateError::Character),
        ];
        for (template, want) in cases {
            assert_eq!(check_template(template), Err(want), "{template}");
        }
        assert_eq!(check_template("HTTPS://CRM.example/c?p={e164}"), Ok(()));
    }
}
