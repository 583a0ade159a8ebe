//! The audio codecs a call offers and answers with (RFC 3551 static payload types, RFC 7587
//! for Opus), their order, and the payload types of telephone events (RFC 4733).

/// An audio codec we offer and answer with.
pub(crate) struct Codec {
    /// Its payload type in our offers (the static one where RTP has one, RFC 3551).
    pub(crate) payload_type: u8,
    /// The encoding name of `a=rtpmap`.
    pub(crate) name: &'static str,
    /// The RTP clock rate.
    pub(crate) clock_rate: u32,
    /// What follows the clock rate in `a=rtpmap` (Opus: `/2`, RFC 7587 §7).
    pub(crate) rtpmap_tail: &'static str,
    /// Its `a=fmtp` parameters, if any.
    pub(crate) fmtp: Option<&'static str>,
}

/// The codecs, in the default order: HD voice first (G.722 at 64 kbit/s, what desk phones
/// have), then G.711 that every network takes, then Opus (RFC 7587: mono, wide band, FEC).
pub(crate) const CODECS: [Codec; 4] = [
    Codec {
        payload_type: 9,
        name: "G722",
        clock_rate: 8000,
        rtpmap_tail: "",
        fmtp: None,
    },
    Codec {
        payload_type: 0,
        name: "PCMU",
        clock_rate: 8000,
        rtpmap_tail: "",
        fmtp: None,
    },
    Codec {
        payload_type: 8,
        name: "PCMA",
        clock_rate: 8000,
        rtpmap_tail: "",
        fmtp: None,
    },
    Codec {
        payload_type: 111,
        name: "opus",
        clock_rate: 48_000,
        rtpmap_tail: "/2",
        fmtp: Some("useinbandfec=1; maxplaybackrate=16000; sprop-maxcapturerate=16000"),
    },
];

/// The codecs a call offers and answers with, best first: indexes into [`CODECS`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CodecOrder {
    ids: [u8; 4],
    len: u8,
}

impl Default for CodecOrder {
    fn default() -> Self {
        Self {
            ids: [0, 1, 2, 3],
            len: 4,
        }
    }
}

impl CodecOrder {
    /// The order of `names` (`G722`, `PCMU`, `PCMA`, `opus`, any case); an unknown or
    /// repeated name, or none at all, is refused with the offending name.
    pub fn from_names(names: &[&str]) -> Result<Self, String> {
        let mut order = Self {
            ids: [0; 4],
            len: 0,
        };
        for name in names {
            let id = CODECS
                .iter()
                .position(|c| c.name.eq_ignore_ascii_case(name.trim()))
                .ok_or_else(|| format!("unknown codec {name} (G722, PCMU, PCMA, opus)"))?;
            let id = id as u8;
            if order.ids[..usize::from(order.len)].contains(&id) {
                return Err(format!("codec {name} is listed twice"));
            }
            order.ids[usize::from(order.len)] = id;
            order.len += 1;
        }
        if order.len == 0 {
            return Err("no codec".into());
        }
        Ok(order)
    }

    /// The codecs' names in this order.
    pub fn names(&self) -> Vec<&'static str> {
        self.codecs().map(|c| c.name).collect()
    }

    pub(crate) fn codecs(&self) -> impl Iterator<Item = &'static Codec> + '_ {
        self.ids[..usize::from(self.len)]
            .iter()
            .map(|&i| &CODECS[usize::from(i)])
    }
}

/// The payload type of RFC 4733 telephone events at 8 kHz in our offers, and at 48 kHz for
/// Opus (the events' clock is the audio codec's, RFC 4733 §2.1).
pub(crate) const TELEPHONE_EVENT: u8 = 101;
pub(crate) const TELEPHONE_EVENT_48K: u8 = 102;

/// The payload types our offers give `codec` and its telephone events.
pub(crate) fn offered_types(codec: &str, clock: u32) -> Option<(u8, Option<u8>)> {
    let ours = CODECS.iter().find(|c| c.name.eq_ignore_ascii_case(codec))?;
    let events = if clock == 48_000 {
        TELEPHONE_EVENT_48K
    } else {
        TELEPHONE_EVENT
    };
    Some((ours.payload_type, Some(events)))
}
