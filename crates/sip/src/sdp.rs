//! SDP offer/answer for audio (RFC 3264): PCMU and PCMA with RFC 4733 telephone events, and
//! the direction attributes that carry hold (§8.4: hold is an offer with sendonly, answered
//! recvonly; resume is sendrecv).

use std::net::IpAddr;

/// Which way media flows, from the writer's point of view.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Direction {
    /// Both ways (a normal call).
    SendRecv,
    /// The writer sends only (it holds the other side).
    SendOnly,
    /// The writer receives only (it is held).
    RecvOnly,
    /// No media (both hold).
    Inactive,
}

impl Direction {
    fn attribute(self) -> &'static str {
        match self {
            Self::SendRecv => "sendrecv",
            Self::SendOnly => "sendonly",
            Self::RecvOnly => "recvonly",
            Self::Inactive => "inactive",
        }
    }

    /// §6.1: the answer's direction for an offer in `self`, when we would like `wish`.
    pub(crate) fn answer(self, holding: bool) -> Self {
        match (self, holding) {
            (Self::SendRecv, false) => Self::SendRecv,
            (Self::SendRecv, true) => Self::SendOnly,
            (Self::SendOnly, false) => Self::RecvOnly,
            (Self::RecvOnly, false) => Self::SendOnly,
            (Self::SendOnly | Self::RecvOnly | Self::Inactive, _) => Self::Inactive,
        }
    }
}

/// The direction an SDP declares for its audio (media level first, then session level).
pub(crate) fn direction(sdp: &str) -> Direction {
    let mut session = Direction::SendRecv;
    let mut media = None;
    let mut in_audio = false;
    for line in sdp.lines().map(str::trim) {
        if line.starts_with("m=") {
            in_audio = line.starts_with("m=audio ");
            continue;
        }
        let found = match line {
            "a=sendrecv" => Direction::SendRecv,
            "a=sendonly" => Direction::SendOnly,
            "a=recvonly" => Direction::RecvOnly,
            "a=inactive" => Direction::Inactive,
            _ => continue,
        };
        if in_audio {
            media = Some(found);
        } else if media.is_none() {
            session = found;
        }
    }
    media.unwrap_or(session)
}

/// Our side of a session: where audio is received, and the origin line's numbers (§5: the
/// version goes up with every new offer or answer).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Local {
    pub ip: IpAddr,
    pub port: u16,
    pub session: u64,
    pub version: u64,
}

fn head(local: &Local) -> String {
    let ip = local.ip;
    let family = if ip.is_ipv6() { "IP6" } else { "IP4" };
    format!(
        "v=0\r\no=switchboard {} {} IN {family} {ip}\r\ns=Switchboard\r\nc=IN {family} {ip}\r\nt=0 0\r\n",
        local.session, local.version
    )
}

/// Our offer: PCMU, PCMA and telephone events.
pub(crate) fn offer(local: &Local, direction: Direction) -> String {
    format!(
        "{}m=audio {} RTP/AVP 0 8 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n\
         a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\na=ptime:20\r\na={}\r\n",
        head(local),
        local.port,
        direction.attribute()
    )
}

/// Whether we can answer `remote` (an INVITE's body): no body (we make the offer), or an
/// offer with a codec in common (RFC 3264 §6).
pub(crate) fn acceptable(remote: &str) -> bool {
    let probe = Local {
        ip: IpAddr::from([127, 0, 0, 1]),
        port: 0,
        session: 0,
        version: 0,
    };
    answer(remote, &probe, false).is_some()
}

/// Payload types we can answer with, best first: PCMU, PCMA.
const AUDIO: [&str; 2] = ["0", "8"];

/// Our answer to `remote` (an offer); our own offer when there is none (late offer, RFC 3261
/// §13.2.1); `None` when no codec is common or the offer has no audio at all (a body that is
/// not SDP included).
pub(crate) fn answer(remote: &str, local: &Local, holding: bool) -> Option<String> {
    if remote.trim().is_empty() {
        let wish = if holding {
            Direction::SendOnly
        } else {
            Direction::SendRecv
        };
        return Some(offer(local, wish));
    }
    let media = remote.lines().find(|l| l.starts_with("m=audio "))?;
    let formats: Vec<&str> = media.split_whitespace().skip(3).collect();
    let codec = AUDIO.iter().find(|c| formats.contains(c))?;
    let events = remote
        .lines()
        .filter_map(|l| l.strip_prefix("a=rtpmap:"))
        .find(|l| l.to_ascii_lowercase().contains("telephone-event/8000"))
        .and_then(|l| l.split_whitespace().next())
        .filter(|pt| formats.contains(pt));
    let name = if *codec == "0" { "PCMU" } else { "PCMA" };
    let mut sdp = format!(
        "{}m=audio {} RTP/AVP {codec}{}\r\na=rtpmap:{codec} {name}/8000\r\n",
        head(local),
        local.port,
        events.map(|pt| format!(" {pt}")).unwrap_or_default()
    );
    if let Some(pt) = events {
        sdp.push_str(&format!(
            "a=rtpmap:{pt} telephone-event/8000\r\na=fmtp:{pt} 0-16\r\n"
        ));
    }
    let dir = direction(remote).answer(holding);
    sdp.push_str(&format!("a=ptime:20\r\na={}\r\n", dir.attribute()));
    Some(sdp)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn local() -> Local {
        Local {
            ip: "127.0.0.1".parse().expect("ip"),
            port: 30000,
            session: 7,
            version: 1,
        }
    }

    #[test]
    fn the_answer_picks_a_common_codec_and_keeps_telephone_events() {
        let offer = "v=0\r\nc=IN IP4 127.0.0.1\r\nm=audio 4000 RTP/AVP 8 0 96\r\n\
                     a=rtpmap:96 telephone-event/8000\r\n";
        let sdp = answer(offer, &local(), false).expect("answer");
        assert!(sdp.contains("m=audio 30000 RTP/AVP 0 96\r\n"), "{sdp}");
        assert!(sdp.contains("a=rtpmap:96 telephone-event/8000"), "{sdp}");
        assert!(sdp.contains("c=IN IP4 127.0.0.1"), "{sdp}");
        assert!(sdp.ends_with("a=sendrecv\r\n"), "{sdp}");
        let alaw = "m=audio 4000 RTP/AVP 8\r\n";
        let sdp = answer(alaw, &local(), false).expect("answer");
        assert!(sdp.contains("m=audio 30000 RTP/AVP 8\r\n"), "{sdp}");
        assert!(!sdp.contains("telephone-event"), "{sdp}");
    }

    #[test]
    fn no_common_codec_gives_no_answer_and_no_offer_gives_ours() {
        assert_eq!(
            answer("m=audio 4000 RTP/AVP 9 18\r\n", &local(), false),
            None
        );
        let late = answer("", &local(), false).expect("offer");
        assert!(late.contains("m=audio 30000 RTP/AVP 0 8 101"), "{late}");
        assert!(acceptable("\r\n"), "no body: a late offer");
        assert!(!acceptable("this is not SDP"));
        assert!(
            !acceptable("v=0\r\nm=video 5000 RTP/AVP 96\r\n"),
            "no audio"
        );
        assert!(acceptable("v=0\r\nm=audio 5000 RTP/AVP 18 8\r\n"));
    }

    #[test]
    fn hold_is_answered_per_rfc_3264() {
        let held = "m=audio 4000 RTP/AVP 0\r\na=sendonly\r\n";
        assert_eq!(direction(held), Direction::SendOnly);
        let sdp = answer(held, &local(), false).expect("answer");
        assert_eq!(direction(&sdp), Direction::RecvOnly);
        let both = answer(held, &local(), true).expect("answer");
        assert_eq!(direction(&both), Direction::Inactive);
        let session_level = "v=0\r\na=inactive\r\nm=audio 4000 RTP/AVP 0\r\n";
        assert_eq!(direction(session_level), Direction::Inactive);
        assert_eq!(direction("m=audio 4000 RTP/AVP 0\r\n"), Direction::SendRecv);
        assert_eq!(Direction::SendRecv.answer(true), Direction::SendOnly);
        assert_eq!(Direction::RecvOnly.answer(false), Direction::SendOnly);
        assert_eq!(
            direction(&offer(&local(), Direction::SendOnly)),
            Direction::SendOnly
        );
    }
}
