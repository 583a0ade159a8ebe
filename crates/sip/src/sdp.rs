//! SDP offer/answer for audio (RFC 3264): PCMU and PCMA with RFC 4733 telephone events, and
//! the direction attributes that carry hold (§8.4: hold is an offer with sendonly, answered
//! recvonly; resume is sendrecv).

use std::net::IpAddr;

use sdp_types::{Attribute, Connection, Media, MediaType, Origin, Session, Time, TransportProto};

pub(crate) use crate::codecs::CodecOrder;
use crate::codecs::{offered_types, Codec, CODECS, TELEPHONE_EVENT, TELEPHONE_EVENT_48K};

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

/// The direction an SDP declares for its audio (media level first, then session level; no
/// attribute means sendrecv, RFC 3264 §5.1). Anything that does not parse is sendrecv too.
pub(crate) fn direction(sdp: &str) -> Direction {
    let Ok(session) = Session::parse(sdp.as_bytes()) else {
        return Direction::SendRecv;
    };
    let of = |attributes: &[Attribute]| {
        attributes.iter().find_map(|a| match a.attribute.as_str() {
            "sendrecv" => Some(Direction::SendRecv),
            "sendonly" => Some(Direction::SendOnly),
            "recvonly" => Some(Direction::RecvOnly),
            "inactive" => Some(Direction::Inactive),
            _ => None,
        })
    };
    audio(&session)
        .and_then(|m| of(&m.attributes))
        .or_else(|| of(&session.attributes))
        .unwrap_or(Direction::SendRecv)
}

/// The first audio stream of a session.
fn audio(session: &Session) -> Option<&Media> {
    session.medias.iter().find(|m| m.media == "audio")
}

/// Our side of a session: where audio is received, and the origin line's numbers (§5: the
/// version goes up with every new offer or answer).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Local {
    pub ip: IpAddr,
    pub port: u16,
    pub session: u64,
    pub version: u64,
    /// The codecs to offer and answer with, best first.
    pub order: CodecOrder,
}

/// The session around our audio stream `media`.
fn write(local: &Local, media: Media) -> String {
    let mut origin = Origin::with_ip_addr(local.session, local.version, local.ip);
    origin.set_username("switchboard");
    let mut session = Session::new(origin, "Switchboard");
    session.set_connection(Connection::from_ip_addr(local.ip));
    session.add_time(Time::new(0, 0));
    session.add_media(media);
    let mut out = Vec::new();
    // Writing into memory cannot fail.
    let _ = session.write(&mut out);
    String::from_utf8_lossy(&out).into_owned()
}

/// Our audio stream: `formats` with their rtpmap, telephone events as `events` (payload
/// type, clock rate), 20 ms packets, and the direction.
fn stream(local: &Local, formats: &[&Codec], events: &[(u8, u32)], direction: Direction) -> Media {
    let mut fmt: Vec<String> = formats.iter().map(|c| c.payload_type.to_string()).collect();
    fmt.extend(events.iter().map(|(pt, _)| pt.to_string()));
    let mut media = Media::new(
        MediaType::Audio,
        local.port,
        TransportProto::RtpAvp,
        fmt.join(" "),
    );
    for codec in formats {
        media.add_attribute_with_value(
            "rtpmap",
            format!(
                "{} {}/{}{}",
                codec.payload_type, codec.name, codec.clock_rate, codec.rtpmap_tail
            ),
        );
        if let Some(fmtp) = codec.fmtp {
            media.add_attribute_with_value("fmtp", format!("{} {fmtp}", codec.payload_type));
        }
    }
    for (pt, rate) in events {
        media.add_attribute_with_value("rtpmap", format!("{pt} telephone-event/{rate}"));
        media.add_attribute_with_value("fmtp", format!("{pt} 0-16"));
    }
    media.add_attribute_with_value("ptime", "20");
    media.add_attribute_from_str(direction.attribute());
    media
}

/// Our offer: our codecs in our order, and telephone events at each of their clock rates.
pub(crate) fn offer(local: &Local, direction: Direction) -> String {
    let codecs: Vec<&Codec> = local.order.codecs().collect();
    let mut events = vec![(TELEPHONE_EVENT, 8000)];
    if codecs.iter().any(|c| c.clock_rate == 48_000) {
        events.push((TELEPHONE_EVENT_48K, 48_000));
    }
    write(local, stream(local, &codecs, &events, direction))
}

/// The rtpmap of each payload type the stream lists: (type, lower-case name, clock rate).
fn rtpmaps(media: &Media) -> Vec<(u8, String, u32)> {
    media
        .attributes
        .iter()
        .filter(|a| a.attribute == "rtpmap")
        .filter_map(|a| {
            let (pt, encoding) = a.value.as_deref()?.trim().split_once(' ')?;
            let mut parts = encoding.trim().split('/');
            let name = parts.next()?.to_ascii_lowercase();
            let rate = parts.next()?.parse().ok()?;
            Some((pt.parse().ok()?, name, rate))
        })
        .collect()
}

/// Our answer to `remote` (an offer); our own offer when there is none (late offer, RFC 3261
/// §13.2.1); `None` when it is not SDP, has no audio, or no codec is common (RFC 3264 §6).
pub(crate) fn answer(remote: &str, local: &Local, holding: bool) -> Option<String> {
    if remote.trim().is_empty() {
        let wish = if holding {
            Direction::SendOnly
        } else {
            Direction::SendRecv
        };
        return Some(offer(local, wish));
    }
    let remote_session = Session::parse(remote.as_bytes()).ok()?;
    let media = audio(&remote_session).filter(|m| m.port != 0)?;
    let offered: Vec<u8> = media
        .fmt
        .split_whitespace()
        .filter_map(|f| f.parse().ok())
        .collect();
    let maps = rtpmaps(media);
    // A payload type is what its rtpmap says, or the static type of RFC 3551 without one.
    let means = |pt: u8, name: &str, rate: u32| match maps.iter().find(|(p, _, _)| *p == pt) {
        Some((_, n, r)) => n.eq_ignore_ascii_case(name) && *r == rate,
        None => CODECS
            .iter()
            .any(|c| c.payload_type == pt && c.name == name && pt < 96),
    };
    // Our best codec the offer has, under the offer's payload type for it (§6.1).
    let (codec, pt) = local.order.codecs().find_map(|c| {
        offered
            .iter()
            .find(|&&pt| means(pt, c.name, c.clock_rate))
            .map(|&pt| (c, pt))
    })?;
    let chosen = Codec {
        payload_type: pt,
        name: codec.name,
        clock_rate: codec.clock_rate,
        rtpmap_tail: codec.rtpmap_tail,
        fmtp: codec.fmtp,
    };
    // Telephone events at the chosen codec's clock (RFC 4733 §2.1).
    let events: Vec<(u8, u32)> = offered
        .iter()
        .copied()
        .find(|&pt| means(pt, "telephone-event", codec.clock_rate))
        .map(|pt| (pt, codec.clock_rate))
        .into_iter()
        .collect();
    let dir = direction(remote).answer(holding);
    Some(write(local, stream(local, &[&chosen], &events, dir)))
}

/// The audio of a call once offer and answer are known: where to send it and in what.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Negotiated {
    /// The far end's RTP address (its connection address and audio port).
    pub remote: std::net::SocketAddr,
    /// The codec's encoding name (`PCMU`).
    pub codec: String,
    /// Its payload type in this call.
    pub payload_type: u8,
    /// The payload type of RFC 4733 telephone events, when the answer keeps them.
    pub events: Option<u8>,
    /// Where the far end receives RTCP: its `a=rtcp` (RFC 3605), or the port after its RTP
    /// port (RFC 3550 §11).
    pub remote_rtcp: std::net::SocketAddr,
    /// The payload types the far end sends with: those of our offer when we made it (RFC
    /// 3264 §6.1: an answer may number the codec differently), the same otherwise.
    pub receive: (u8, Option<u8>),
}

/// Reads what was agreed: the codec is the first format of the `answer` (RFC 3264 §6.1),
/// the address the far end's (`remote`, its own SDP: the offer or the answer). When the
/// answer is the far end's (`remote` is `answer`), we made the offer, and the far end sends
/// with its payload types.
pub(crate) fn negotiated(answer: &str, remote: &str) -> Option<Negotiated> {
    let we_offered = answer == remote;
    let answer = Session::parse(answer.as_bytes()).ok()?;
    let media = audio(&answer).filter(|m| m.port != 0)?;
    let payload_type: u8 = media.fmt.split_whitespace().next()?.parse().ok()?;
    let maps = rtpmaps(media);
    let (codec, clock) = maps
        .iter()
        .find(|(pt, _, _)| *pt == payload_type)
        .map(|(_, name, rate)| (name.to_ascii_uppercase(), *rate))
        .or_else(|| {
            CODECS
                .iter()
                .find(|c| c.payload_type == payload_type && payload_type < 96)
                .map(|c| (c.name.to_ascii_uppercase(), c.clock_rate))
        })?;
    // Telephone events at the codec's clock (RFC 4733 §2.1).
    let events = maps
        .iter()
        .find(|(_, name, rate)| name == "telephone-event" && *rate == clock)
        .map(|(pt, _, _)| *pt)
        .filter(|pt| media.fmt.split_whitespace().any(|f| f == pt.to_string()));
    let theirs = Session::parse(remote.as_bytes()).ok()?;
    let their_media = audio(&theirs).filter(|m| m.port != 0)?;
    let connection = their_media
        .connections
        .first()
        .or(theirs.connection.as_ref())?;
    let ip = connection.try_address().ok()?.ip;
    let rtcp = their_media
        .attributes
        .iter()
        .find(|a| a.attribute == "rtcp")
        .and_then(|a| rtcp_attribute(a.value.as_deref()?, ip))
        .unwrap_or_else(|| std::net::SocketAddr::new(ip, their_media.port.saturating_add(1)));
    let receive = if we_offered {
        offered_types(&codec, clock).unwrap_or((payload_type, events))
    } else {
        (payload_type, events)
    };
    Some(Negotiated {
        remote: std::net::SocketAddr::new(ip, their_media.port),
        codec,
        payload_type,
        events,
        remote_rtcp: rtcp,
        receive,
    })
}

/// `a=rtcp:PORT [IN IP4 ADDRESS]` (RFC 3605 §2.1), the address defaulting to `ip`.
fn rtcp_attribute(value: &str, ip: IpAddr) -> Option<std::net::SocketAddr> {
    let mut parts = value.split_whitespace();
    let port: u16 = parts.next()?.parse().ok()?;
    let address = match (parts.next(), parts.next(), parts.next()) {
        (Some("IN"), Some(_), Some(addr)) => addr.parse().ok()?,
        _ => ip,
    };
    Some(std::net::SocketAddr::new(address, port))
}

/// Whether we can answer `remote` (an INVITE's body): no body (we make the offer), or an
/// offer with a codec in common (RFC 3264 §6).
pub(crate) fn acceptable(remote: &str, order: CodecOrder) -> bool {
    let probe = Local {
        ip: IpAddr::from([127, 0, 0, 1]),
        port: 0,
        session: 0,
        version: 0,
        order,
    };
    answer(remote, &probe, false).is_some()
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
            order: CodecOrder::default(),
        }
    }

    /// A whole SDP around `body` (session-level attributes and the media).
    fn remote(body: &str) -> String {
        format!("v=0\r\no=- 1 1 IN IP4 192.0.2.7\r\ns=-\r\nc=IN IP4 192.0.2.7\r\nt=0 0\r\n{body}")
    }

    #[test]
    fn the_answer_picks_a_common_codec_and_keeps_telephone_events() {
        let offer = remote(
            "m=audio 4000 RTP/AVP 8 0 96\r\na=rtpmap:96 telephone-event/8000\r\n\
             a=fmtp:96 0-15\r\n",
        );
        let sdp = answer(&offer, &local(), false).expect("answer");
        assert!(sdp.contains("m=audio 30000 RTP/AVP 0 96\r\n"), "{sdp}");
        assert!(sdp.contains("a=rtpmap:0 PCMU/8000"), "{sdp}");
        assert!(sdp.contains("a=rtpmap:96 telephone-event/8000"), "{sdp}");
        assert!(sdp.contains("c=IN IP4 127.0.0.1"), "{sdp}");
        assert!(sdp.contains("o=switchboard 7 1 IN IP4 127.0.0.1"), "{sdp}");
        assert!(sdp.ends_with("a=sendrecv\r\n"), "{sdp}");
        let alaw = remote("m=audio 4000 RTP/AVP 8\r\n");
        let sdp = answer(&alaw, &local(), false).expect("answer");
        assert!(sdp.contains("m=audio 30000 RTP/AVP 8\r\n"), "{sdp}");
        assert!(!sdp.contains("telephone-event"), "{sdp}");
        // A dynamic payload type is what its rtpmap says (RFC 3264 §6.1: the answer keeps it).
        let dynamic = remote("m=audio 4000 RTP/AVP 97\r\na=rtpmap:97 pcma/8000\r\n");
        let sdp = answer(&dynamic, &local(), false).expect("answer");
        assert!(sdp.contains("m=audio 30000 RTP/AVP 97\r\n"), "{sdp}");
        assert!(sdp.contains("a=rtpmap:97 PCMA/8000"), "{sdp}");
        // And a static number remapped to something else is not PCMU.
        let remapped = remote("m=audio 4000 RTP/AVP 0\r\na=rtpmap:0 iLBC/8000\r\n");
        assert_eq!(answer(&remapped, &local(), false), None);
    }

    #[test]
    fn no_common_codec_gives_no_answer_and_no_offer_gives_ours() {
        assert_eq!(
            answer(&remote("m=audio 4000 RTP/AVP 4 18\r\n"), &local(), false),
            None
        );
        let late = answer("", &local(), false).expect("offer");
        assert!(
            late.contains("m=audio 30000 RTP/AVP 9 0 8 111 101 102\r\n"),
            "{late}"
        );
        assert!(late.contains("a=rtpmap:111 opus/48000/2"), "{late}");
        assert!(
            late.contains("a=rtpmap:102 telephone-event/48000"),
            "{late}"
        );
        assert!(late.contains("a=fmtp:101 0-16"), "{late}");
        assert!(
            acceptable("\r\n", CodecOrder::default()),
            "no body: a late offer"
        );
        assert!(!acceptable("this is not SDP", CodecOrder::default()));
        assert!(
            !acceptable(
                &remote("m=video 5000 RTP/AVP 96\r\n"),
                CodecOrder::default()
            ),
            "no audio"
        );
        assert!(
            !acceptable(&remote("m=audio 0 RTP/AVP 0\r\n"), CodecOrder::default()),
            "audio refused (port 0)"
        );
        assert!(acceptable(
            &remote("m=audio 5000 RTP/AVP 18 8\r\n"),
            CodecOrder::default()
        ));
    }

    #[test]
    fn the_codec_order_decides_offer_and_answer() {
        let order = CodecOrder::from_names(&["pcma", "G722"]).expect("order");
        assert_eq!(order.names(), ["PCMA", "G722"]);
        let ours_first = Local { order, ..local() };
        let sdp = offer(&ours_first, Direction::SendRecv);
        assert!(sdp.contains("m=audio 30000 RTP/AVP 8 9 101\r\n"), "{sdp}");
        // Offered G.711 both ways and G.722: our first choice that is offered wins.
        let both = remote("m=audio 4000 RTP/AVP 0 8 9\r\n");
        let sdp = answer(&both, &ours_first, false).expect("answer");
        assert!(sdp.contains("m=audio 30000 RTP/AVP 8\r\n"), "{sdp}");
        // Opus answered with its 48 kHz telephone events.
        let opus_only = CodecOrder::from_names(&["opus"]).expect("order");
        let offer_opus = remote(
            "m=audio 4000 RTP/AVP 96 97 98\r\na=rtpmap:96 opus/48000/2\r\n\
             a=rtpmap:97 telephone-event/8000\r\na=rtpmap:98 telephone-event/48000\r\n",
        );
        let ours = answer(
            &offer_opus,
            &Local {
                order: opus_only,
                ..local()
            },
            false,
        )
        .expect("answer");
        assert!(ours.contains("m=audio 30000 RTP/AVP 96 98\r\n"), "{ours}");
        let agreed = negotiated(&ours, &offer_opus).expect("agreed");
        assert_eq!((agreed.codec.as_str(), agreed.events), ("OPUS", Some(98)));
        // We offered opus as 111 and events as 102; an answer numbering them 96 and 98 is
        // what we send with, and the far end sends with ours (RFC 3264 §6.1).
        let renumbered = remote(
            "m=audio 4000 RTP/AVP 96 98\r\na=rtpmap:96 opus/48000/2\r\n\
             a=rtpmap:98 telephone-event/48000\r\n",
        );
        let agreed = negotiated(&renumbered, &renumbered).expect("agreed");
        assert_eq!((agreed.payload_type, agreed.events), (96, Some(98)));
        assert_eq!(agreed.receive, (111, Some(102)));
        // Bad lists are refused by name.
        assert!(CodecOrder::from_names(&["G729"]).is_err());
        assert!(CodecOrder::from_names(&["PCMU", "pcmu"]).is_err());
        assert!(CodecOrder::from_names(&[]).is_err());
    }

    #[test]
    fn what_was_agreed_is_read_from_offer_and_answer() {
        let offer = remote("m=audio 4000 RTP/AVP 8 0 96\r\na=rtpmap:96 telephone-event/8000\r\n");
        let ours = answer(&offer, &local(), false).expect("answer");
        let agreed = negotiated(&ours, &offer).expect("agreed");
        assert_eq!(agreed.remote, "192.0.2.7:4000".parse().expect("addr"));
        assert_eq!(
            agreed.remote_rtcp,
            "192.0.2.7:4001".parse().expect("addr"),
            "RTCP on the next port by default"
        );
        let elsewhere = remote("m=audio 4000 RTP/AVP 0\r\na=rtcp:5003 IN IP4 198.51.100.2\r\n");
        let other = negotiated(&elsewhere, &elsewhere).expect("agreed");
        assert_eq!(
            other.remote_rtcp,
            "198.51.100.2:5003".parse().expect("addr")
        );
        let port_only = remote("m=audio 4000 RTP/AVP 0\r\na=rtcp:5009\r\n");
        let other = negotiated(&port_only, &port_only).expect("agreed");
        assert_eq!(other.remote_rtcp, "192.0.2.7:5009".parse().expect("addr"));
        assert_eq!((agreed.codec.as_str(), agreed.payload_type), ("PCMU", 0));
        assert_eq!(agreed.events, Some(96));
        // As the caller: the far end's answer names the codec and the address.
        let theirs = remote("m=audio 5000 RTP/AVP 8\r\nc=IN IP4 192.0.2.9\r\n");
        let agreed = negotiated(&theirs, &theirs).expect("agreed");
        assert_eq!(agreed.remote, "192.0.2.9:5000".parse().expect("addr"));
        assert_eq!((agreed.codec.as_str(), agreed.payload_type), ("PCMA", 8));
        assert_eq!(agreed.events, None);
        assert_eq!(negotiated("not SDP", &theirs), None);
    }

    #[test]
    fn hold_is_answered_per_rfc_3264() {
        let held = remote("m=audio 4000 RTP/AVP 0\r\na=sendonly\r\n");
        assert_eq!(direction(&held), Direction::SendOnly);
        let sdp = answer(&held, &local(), false).expect("answer");
        assert_eq!(direction(&sdp), Direction::RecvOnly);
        let both = answer(&held, &local(), true).expect("answer");
        assert_eq!(direction(&both), Direction::Inactive);
        let session_level = remote("a=inactive\r\nm=audio 4000 RTP/AVP 0\r\n");
        assert_eq!(direction(&session_level), Direction::Inactive);
        assert_eq!(
            direction(&remote("m=audio 4000 RTP/AVP 0\r\n")),
            Direction::SendRecv
        );
        assert_eq!(Direction::SendRecv.answer(true), Direction::SendOnly);
        assert_eq!(Direction::RecvOnly.answer(false), Direction::SendOnly);
        assert_eq!(
            direction(&offer(&local(), Direction::SendOnly)),
            Direction::SendOnly
        );
    }
}
