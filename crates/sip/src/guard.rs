//! The UDP socket under the stack, with a guard in front of it. The stack drops a datagram it
//! cannot parse, or whose Call-ID or CSeq it cannot read, without a word; the sender then
//! retransmits for half a minute and never learns why. The guard reads each request first and
//! answers what the stack would not (RFC 3261 §8.2.1, §8.2.2, §18.3, §21.4.1): 400 with the
//! problem in the reason phrase, 501 for a method unknown here, 505 for another SIP version.
//! Everything else goes to the stack untouched.

use std::net::SocketAddr;

use rsipstack::sip::prelude::HeadersExt;
use rsipstack::sip::{Header, Method, Request, SipMessage};

/// The methods this user agent serves: the Allow header of its 405, 501 and OPTIONS answers
/// (RFC 3261 §20.5).
pub(crate) const ALLOW: &str =
    "INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, UPDATE, NOTIFY, REFER, PRACK";

/// What the guard does with one datagram.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Well-formed, a keep-alive, or a response: the stack's.
    Pass,
    /// Nothing can be said back (not SIP, a broken response, an ACK, no Via to answer to).
    Drop,
    /// Answered here with `response`, sent to the sender's address at `port` (`None`: the
    /// port it sent from).
    Answer {
        response: Vec<u8>,
        port: Option<u16>,
    },
}

/// A request's problem, as its answer says it.
struct Problem {
    code: u16,
    reason: String,
}

impl Problem {
    fn bad(reason: impl Into<String>) -> Self {
        Self {
            code: 400,
            reason: reason.into(),
        }
    }
}

/// Reads one datagram and says what becomes of it.
pub(crate) fn screen(packet: &[u8]) -> Verdict {
    // Keep-alives (RFC 5626 §4.4.1: CRLF pings, answered by the stack with a CRLF pong).
    if packet.iter().all(u8::is_ascii_whitespace) {
        return Verdict::Pass;
    }
    let parsed = SipMessage::try_from(packet);
    let head = Head::read(packet);
    let Some(request_line) = head.request_line() else {
        // A response, or not SIP at all: the stack takes what it can parse.
        return if parsed.is_ok() {
            Verdict::Pass
        } else {
            Verdict::Drop
        };
    };
    let problem = match &parsed {
        // §21.5.7: another version is refused, whatever the rest says.
        _ if request_line.version != "SIP/2.0" => Some(Problem {
            code: 505,
            reason: "Version Not Supported".into(),
        }),
        Ok(SipMessage::Request(request)) => check(request, &head, packet.len()),
        Ok(SipMessage::Response(_)) => None,
        Err(_) => Some(unparsed(&request_line)),
    };
    let Some(problem) = problem else {
        return Verdict::Pass;
    };
    // Never an answer to an ACK (§17.2.1); without a Via, nowhere to send one (§18.2.2).
    if request_line.method == "ACK" || head.values("via").is_empty() {
        return Verdict::Drop;
    }
    Verdict::Answer {
        response: head.answer(&problem),
        port: head.reply_port(),
    }
}

/// The problem of a request the stack parsed, if any: the header fields every request needs
/// (§8.1.1) and a body as long as it says (§18.3).
fn check(request: &Request, head: &Head, len: usize) -> Option<Problem> {
    if request.via_header().is_err() {
        return Some(Problem::bad("Missing Via Header Field"));
    }
    if request.top_via_header().is_err() {
        return Some(Problem::bad("Bad Via Header Field"));
    }
    match request.from_header() {
        Err(_) => return Some(Problem::bad("Missing From Header Field")),
        Ok(from) if from.uri().is_err() => return Some(Problem::bad("Bad From Header Field")),
        Ok(_) => {}
    }
    match request.to_header() {
        Err(_) => return Some(Problem::bad("Missing To Header Field")),
        Ok(to) if to.uri().is_err() => return Some(Problem::bad("Bad To Header Field")),
        Ok(_) => {}
    }
    match request.call_id_header() {
        Err(_) => return Some(Problem::bad("Missing Call-ID Header Field")),
        Ok(id) if id.value().trim().is_empty() => {
            return Some(Problem::bad("Bad Call-ID Header Field"))
        }
        Ok(_) => {}
    }
    match request.cseq_header() {
        Err(_) => return Some(Problem::bad("Missing CSeq Header Field")),
        // §8.2.2 does not say; §20.16: the CSeq's method matches the request's.
        Ok(cseq) => {
            let matches = cseq.seq().is_ok() && cseq.method().is_ok_and(|m| m == request.method);
            if !matches {
                return Some(Problem::bad("Bad CSeq Header Field"));
            }
        }
    }
    let declared = request.headers.iter().find_map(|h| match h {
        Header::ContentLength(l) => Some(l.value().trim().parse::<usize>()),
        _ => None,
    });
    match declared {
        Some(Err(_)) => Some(Problem::bad("Bad Content-Length Header Field")),
        // §18.3: a datagram that ends before the body it announces is an error.
        Some(Ok(declared)) if declared > len.saturating_sub(head.body_start) => {
            Some(Problem::bad("Body Shorter Than Content-Length"))
        }
        _ => None,
    }
}

/// Why the stack could not parse a request: its method, its Request-URI, or something else.
fn unparsed(line: &RequestLine) -> Problem {
    if line.method.parse::<Method>().is_err() {
        return Problem {
            code: 501,
            reason: "Not Implemented".into(),
        };
    }
    if rsipstack::sip::Uri::try_from(line.uri.as_str()).is_err() {
        return Problem::bad("Bad Request-URI");
    }
    Problem::bad("Bad Request")
}

/// A request line read as text: `METHOD SP Request-URI SP SIP-Version` (§7.1).
struct RequestLine {
    method: String,
    uri: String,
    version: String,
}

/// The header section of a datagram, read as text so that it can be answered even when it
/// does not parse: the start line and each header field (folded lines joined, §7.3.1).
struct Head {
    start: String,
    /// Each field's name (long form, lower case) and whole line.
    fields: Vec<(String, String)>,
    /// Where the body starts (the end of the datagram when there is no empty line).
    body_start: usize,
}

impl Head {
    fn read(packet: &[u8]) -> Self {
        let (section, body_start) = match find(packet, b"\r\n\r\n") {
            Some(i) => (&packet[..i], i + 4),
            None => (packet, packet.len()),
        };
        let text = String::from_utf8_lossy(section);
        let mut lines = text.split('\n').map(|l| l.trim_end_matches('\r'));
        let start = lines.next().unwrap_or_default().to_owned();
        let mut fields: Vec<(String, String)> = Vec::new();
        for line in lines {
            if line.starts_with([' ', '\t']) {
                if let Some((_, whole)) = fields.last_mut() {
                    whole.push(' ');
                    whole.push_str(line.trim());
                }
                continue;
            }
            let Some((name, _)) = line.split_once(':') else {
                continue;
            };
            let name = match name.trim().to_ascii_lowercase().as_str() {
                "v" => "via".to_owned(),
                "f" => "from".to_owned(),
                "t" => "to".to_owned(),
                "i" => "call-id".to_owned(),
                "l" => "content-length".to_owned(),
                other => other.to_owned(),
            };
            fields.push((name, line.to_owned()));
        }
        Self {
            start,
            fields,
            body_start,
        }
    }

    /// The request line, when the start line is one: three parts, a method made of token
    /// characters, a SIP version. `None` for a status line or anything else.
    fn request_line(&self) -> Option<RequestLine> {
        let mut parts = self.start.split_whitespace();
        let (method, uri, version) = (parts.next()?, parts.next()?, parts.next()?);
        let token = |c: char| c.is_ascii_alphanumeric() || "-.!%*_+`'~".contains(c);
        let is_request = parts.next().is_none()
            && method.chars().all(token)
            && version.to_ascii_uppercase().starts_with("SIP/");
        is_request.then(|| RequestLine {
            method: method.to_owned(),
            uri: uri.to_owned(),
            version: version.to_owned(),
        })
    }

    /// The whole lines of the fields named `name`.
    fn values(&self, name: &str) -> Vec<&str> {
        self.fields
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, whole)| whole.as_str())
            .collect()
    }

    /// Where the answer goes (§18.2.2 with RFC 3581): the port the request came from when the
    /// top Via asks for rport, else the Via's sent-by port, else 5060.
    fn reply_port(&self) -> Option<u16> {
        let via = self.values("via").first().copied().unwrap_or_default();
        let value = via.split_once(':').map(|(_, v)| v).unwrap_or_default();
        // The top one of a comma-separated list.
        let top = value.split(',').next().unwrap_or_default();
        let mut params = top.split(';');
        let sent_by = params.next().unwrap_or_default().split_whitespace().last();
        let rport = params.any(|p| p.trim().eq_ignore_ascii_case("rport"));
        if rport {
            return None;
        }
        let port = sent_by
            .and_then(|s| s.rsplit_once(':'))
            .filter(|(host, _)| !host.contains(':') || host.ends_with(']'))
            .and_then(|(_, port)| port.parse().ok());
        Some(port.unwrap_or(5060))
    }

    /// The answer to this request (§8.2.6.2): its Via lines, From, To (with a tag of ours when
    /// it has none), Call-ID and CSeq copied, and the Allow list with a 501.
    fn answer(&self, problem: &Problem) -> Vec<u8> {
        let mut out = format!("SIP/2.0 {} {}\r\n", problem.code, problem.reason);
        for name in ["via", "from", "to", "call-id", "cseq"] {
            for line in self.values(name) {
                out.push_str(line);
                if name == "to" && !line.to_ascii_lowercase().contains(";tag=") {
                    out.push_str(";tag=");
                    out.push_str(&rsipstack::transaction::random_text(10));
                }
                out.push_str("\r\n");
            }
        }
        if problem.code == 501 {
            out.push_str(&format!("Allow: {ALLOW}\r\n"));
        }
        out.push_str("Server: Switchboard\r\nContent-Length: 0\r\n\r\n");
        out.into_bytes()
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The engine's UDP socket: the guard reads each datagram before the stack does, answers the
/// requests it must refuse, and hands on the rest.
pub(crate) struct GuardedSocket(pub(crate) tokio::net::UdpSocket);

#[async_trait::async_trait]
impl rsipstack::platform::net::UdpSocket for GuardedSocket {
    async fn recv_from(&self, buf: &mut [u8]) -> rsipstack::Result<(usize, SocketAddr)> {
        loop {
            let (len, from) = self.0.recv_from(buf).await?;
            match screen(&buf[..len]) {
                Verdict::Pass => return Ok((len, from)),
                Verdict::Drop => tracing::debug!(%from, len, "dropped a datagram"),
                Verdict::Answer { response, port } => {
                    let to = SocketAddr::new(from.ip(), port.unwrap_or(from.port()));
                    tracing::debug!(%from, "refused a malformed request");
                    if let Err(e) = self.0.send_to(&response, to).await {
                        tracing::debug!(%to, "answer not sent: {e}");
                    }
                }
            }
        }
    }

    async fn send_to(&self, buf: &[u8], addr: SocketAddr) -> rsipstack::Result<usize> {
        Ok(self.0.send_to(buf, addr).await?)
    }

    fn local_addr(&self) -> rsipstack::Result<SocketAddr> {
        Ok(self.0.local_addr()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "OPTIONS sip:agent@127.0.0.1 SIP/2.0\r\n\
        Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKguard\r\n\
        Max-Forwards: 70\r\n\
        From: <sip:probe@127.0.0.1>;tag=p1\r\n\
        To: <sip:agent@127.0.0.1>\r\n\
        Call-ID: guard-1@127.0.0.1\r\n\
        CSeq: 7 OPTIONS\r\n\
        Content-Length: 0\r\n\r\n";

    fn answer(packet: &str) -> (String, Option<u16>) {
        match screen(packet.as_bytes()) {
            Verdict::Answer { response, port } => {
                (String::from_utf8(response).expect("text"), port)
            }
            other => panic!("{other:?} for {packet:?}"),
        }
    }

    #[test]
    fn a_well_formed_request_and_responses_go_to_the_stack() {
        assert_eq!(screen(GOOD.as_bytes()), Verdict::Pass);
        assert_eq!(
            screen(b"SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP a;branch=z9hG4bK1\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:a@b>\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\n\r\n"),
            Verdict::Pass
        );
        assert_eq!(screen(b"\x00\xff\xfe garbage"), Verdict::Drop);
        assert_eq!(screen(b"\r\n\r\n"), Verdict::Pass);
        assert_eq!(screen(b"\r\n"), Verdict::Pass);
    }

    #[test]
    fn a_missing_header_is_named_and_the_answer_copies_the_request() {
        let packet = GOOD.replace("Call-ID: guard-1@127.0.0.1\r\n", "");
        let (text, port) = answer(&packet);
        assert!(text.starts_with("SIP/2.0 400 Missing Call-ID Header Field\r\n"));
        assert!(text.contains("Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKguard\r\n"));
        assert!(text.contains("CSeq: 7 OPTIONS\r\n"));
        assert!(text.contains("To: <sip:agent@127.0.0.1>;tag="), "{text}");
        assert!(text.ends_with("Content-Length: 0\r\n\r\n"));
        assert_eq!(port, Some(5070));
    }

    #[test]
    fn each_problem_gets_its_status() {
        let cases = [
            (
                GOOD.replace("OPTIONS sip", "FROBNICATE sip"),
                "501 Not Implemented",
            ),
            (
                GOOD.replace("SIP/2.0\r\nVia", "SIP/3.0\r\nVia"),
                "505 Version Not Supported",
            ),
            (
                GOOD.replace("CSeq: 7 OPTIONS", "CSeq: 7 INVITE"),
                "400 Bad CSeq Header Field",
            ),
            (
                GOOD.replace("CSeq: 7 OPTIONS", "CSeq: seven OPTIONS"),
                "400 Bad CSeq Header Field",
            ),
            (
                GOOD.replace("Content-Length: 0", "Content-Length: 40"),
                "400 Body Shorter Than Content-Length",
            ),
            (
                GOOD.replace("Content-Length: 0", "Content-Length: many"),
                "400 Bad Content-Length Header Field",
            ),
            (
                GOOD.replace("From: <sip:probe@127.0.0.1>;tag=p1\r\n", ""),
                "400 Missing From Header Field",
            ),
            (
                GOOD.replace("OPTIONS sip:agent@127.0.0.1", "OPTIONS sip:"),
                "400 Bad Request-URI",
            ),
        ];
        for (packet, status) in cases {
            let (text, _) = answer(&packet);
            assert!(
                text.starts_with(&format!("SIP/2.0 {status}\r\n")),
                "{status}: {text}"
            );
        }
        let (text, _) = answer(&GOOD.replace("OPTIONS sip", "FROBNICATE sip"));
        assert!(text.contains(&format!("Allow: {ALLOW}\r\n")));
    }

    #[test]
    fn compact_and_folded_fields_are_read_and_rport_sends_back_to_the_source() {
        let packet = "FOO sip:agent@127.0.0.1 SIP/2.0\r\n\
            v: SIP/2.0/UDP 127.0.0.1:5070;rport;branch=z9hG4bKc\r\n\
            f: <sip:probe@127.0.0.1>\r\n  ;tag=p2\r\n\
            t: <sip:agent@127.0.0.1>;tag=ours\r\n\
            i: compact\r\n\
            CSeq: 1 FOO\r\n\r\n";
        let (text, port) = answer(packet);
        assert!(text.starts_with("SIP/2.0 501 Not Implemented\r\n"));
        assert!(
            text.contains("f: <sip:probe@127.0.0.1> ;tag=p2\r\n"),
            "{text}"
        );
        assert!(text.contains("t: <sip:agent@127.0.0.1>;tag=ours\r\n"));
        assert!(text.contains("i: compact\r\n"));
        assert_eq!(port, None);
    }

    #[test]
    fn an_ack_or_a_request_without_via_is_never_answered() {
        let ack = GOOD
            .replace("OPTIONS sip", "ACK sip")
            .replace("CSeq: 7 OPTIONS", "CSeq: 7 ACK")
            .replace("Call-ID: guard-1@127.0.0.1\r\n", "");
        assert_eq!(screen(ack.as_bytes()), Verdict::Drop);
        let no_via = GOOD
            .replace(
                "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKguard\r\n",
                "",
            )
            .replace("OPTIONS sip", "FOO sip");
        assert_eq!(screen(no_via.as_bytes()), Verdict::Drop);
    }
}
