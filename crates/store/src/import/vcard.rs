//! vCard 3.0 (RFC 2426) and 4.0 (RFC 6350): FN, N, ORG, TEL, EMAIL, NOTE. Folded lines are
//! unfolded, values unescaped, groups (`item1.TEL`) and unknown properties ignored.

use std::io::{BufRead, BufReader, Read};

use switchboard_core::NumberKind;

use super::{Draft, RowError};

/// The cards of a vCard file, each a draft or an error with the line of its BEGIN.
pub(super) struct Cards<R: Read> {
    lines: std::io::Split<BufReader<R>>,
    line_no: u64,
    /// A physical line read ahead while unfolding.
    pending: Option<(u64, String)>,
}

impl<R: Read> Cards<R> {
    pub(super) fn new(reader: R) -> Self {
        Self {
            lines: BufReader::new(reader).split(b'\n'),
            line_no: 0,
            pending: None,
        }
    }

    fn physical(&mut self) -> Option<(u64, String)> {
        if let Some(p) = self.pending.take() {
            return Some(p);
        }
        let bytes = self.lines.next()?.ok()?;
        self.line_no += 1;
        let mut text = match String::from_utf8(bytes) {
            Ok(s) => s,
            Err(e) => encoding_rs::WINDOWS_1252
                .decode_without_bom_handling(e.as_bytes())
                .0
                .into_owned(),
        };
        if self.line_no == 1 {
            text = text.trim_start_matches('\u{feff}').to_owned();
        }
        if text.ends_with('\r') {
            text.pop();
        }
        Some((self.line_no, text))
    }

    /// The next logical line (continuations starting with a space or tab joined).
    fn logical(&mut self) -> Option<(u64, String)> {
        let (no, mut line) = self.physical()?;
        while let Some((next_no, next)) = self.physical() {
            if let Some(rest) = next.strip_prefix([' ', '\t']) {
                line.push_str(rest);
            } else {
                self.pending = Some((next_no, next));
                break;
            }
        }
        Some((no, line))
    }
}

/// Undoes vCard escapes: `\n`, `\,`, `\;`, `\\`.
fn unescape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n' | 'N') => out.push('\n'),
                Some(other) => out.push(other),
                None => {}
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Splits a structured value (N, ORG) on unescaped `;`.
fn components(value: &str) -> Vec<String> {
    let mut parts = vec![String::new()];
    let mut escaped = false;
    for c in value.chars() {
        match (escaped, c) {
            (false, '\\') => escaped = true,
            (false, ';') => parts.push(String::new()),
            (true, c) => {
                escaped = false;
                if let Some(last) = parts.last_mut() {
                    last.push('\\');
                    last.push(c);
                }
            }
            (false, c) => {
                if let Some(last) = parts.last_mut() {
                    last.push(c);
                }
            }
        }
    }
    parts.iter().map(|p| unescape(p.trim())).collect()
}

/// The kind a TEL's TYPE parameters give (`TYPE=CELL`, `TYPE="work,voice"`, `TYPE=home`).
fn tel_kind(params: &str) -> NumberKind {
    let p = params.to_ascii_lowercase();
    if p.contains("fax") {
        NumberKind::Fax
    } else if p.contains("cell") || p.contains("mobile") {
        NumberKind::Mobile
    } else if p.contains("home") {
        NumberKind::Home
    } else {
        NumberKind::Work
    }
}

impl<R: Read> Iterator for Cards<R> {
    type Item = Result<Draft, RowError>;

    fn next(&mut self) -> Option<Self::Item> {
        let mut card: Option<Draft> = None;
        loop {
            let Some((no, line)) = self.logical() else {
                return card.map(|c| {
                    Err(RowError::new(
                        c.line,
                        "import_no_end",
                        "the card has no END:VCARD",
                    ))
                });
            };
            if line.trim().is_empty() {
                continue;
            }
            let Some((head, value)) = line.split_once(':') else {
                if card.is_some() {
                    return Some(Err(RowError::new(
                        no,
                        "import_bad_line",
                        "a line without \":\" inside the card",
                    )));
                }
                continue;
            };
            let (name, params) = head.split_once(';').unwrap_or((head, ""));
            let name = name.rsplit('.').next().unwrap_or(name).to_ascii_uppercase();
            match (name.as_str(), card.as_mut()) {
                ("BEGIN", None) if value.trim().eq_ignore_ascii_case("VCARD") => {
                    card = Some(Draft {
                        line: no,
                        ..Draft::default()
                    });
                }
                ("BEGIN", Some(open)) => {
                    let start = open.line;
                    self.pending = Some((no, line.clone()));
                    return Some(Err(RowError::new(
                        start,
                        "import_no_end",
                        "the card has no END:VCARD",
                    )));
                }
                ("END", Some(_)) => return card.map(Ok),
                (_, None) => {}
                ("FN", Some(c)) => c.display_name = unescape(value.trim()),
                ("N", Some(c)) => {
                    let parts = components(value);
                    c.family_name = parts.first().cloned().unwrap_or_default();
                    c.given_name = parts.get(1).cloned().unwrap_or_default();
                }
                ("ORG", Some(c)) => {
                    c.company = components(value).first().cloned().unwrap_or_default();
                }
                ("TEL", Some(c)) => c.numbers.push((tel_kind(params), unescape(value.trim()))),
                ("EMAIL", Some(c)) if c.email.is_empty() => c.email = unescape(value.trim()),
                ("NOTE", Some(c)) => c.notes = unescape(value),
                _ => {}
            }
        }
    }
}
