//! DTMF as RTP telephone events (RFC 4733), sans I/O: a digit becomes a run of event packets
//! sharing the event's start timestamp, the first with the marker bit, the duration growing
//! every 20 ms, the last three marked as the end (§2.5.1.4: the end is sent three times); a
//! received event is reported once, at its first packet.

/// The event code of a DTMF key (§3.2): 0-9, `*` 10, `#` 11, A-D 12-15.
pub fn event_code(key: char) -> Option<u8> {
    match key.to_ascii_uppercase() {
        d @ '0'..='9' => Some(d as u8 - b'0'),
        '*' => Some(10),
        '#' => Some(11),
        l @ 'A'..='D' => Some(l as u8 - b'A' + 12),
        _ => None,
    }
}

/// The key of an event code, if it is a DTMF one.
pub fn key(code: u8) -> Option<char> {
    match code {
        0..=9 => Some(char::from(b'0' + code)),
        10 => Some('*'),
        11 => Some('#'),
        12..=15 => Some(char::from(b'A' + code - 12)),
        _ => None,
    }
}

/// How long a key is held: 100 ms, five packets of 20 ms.
const PACKETS: u16 = 5;
/// The volume sent (§2.5.2.2: -10 dBm0, a usual level).
const VOLUME: u8 = 10;

/// One telephone-event packet to send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventPacket {
    /// The first packet of the event (RTP marker bit).
    pub marker: bool,
    /// The four payload bytes.
    pub payload: [u8; 4],
}

/// The key's pair of frequencies in Hz (ITU-T Q.23): its row's low one, its column's high one.
pub fn frequencies(key: char) -> Option<(f32, f32)> {
    const LOW: [f32; 4] = [697.0, 770.0, 852.0, 941.0];
    const HIGH: [f32; 4] = [1209.0, 1336.0, 1477.0, 1633.0];
    const ROWS: [&str; 4] = ["123A", "456B", "789C", "*0#D"];
    let key = key.to_ascii_uppercase();
    ROWS.iter()
        .enumerate()
        .find_map(|(r, row)| row.find(key).map(|c| (LOW[r], HIGH[c])))
}

/// The packets of one key, in order, one per 20 ms of `frame_units` timestamp units (the
/// events' clock is the audio codec's, RFC 4733 §2.1).
pub fn packets(key: char, frame_units: u32) -> Option<Vec<EventPacket>> {
    let code = event_code(key)?;
    let step = u16::try_from(frame_units).unwrap_or(u16::MAX / PACKETS);
    let mut out: Vec<EventPacket> = (1..=PACKETS)
        .map(|n| EventPacket {
            marker: n == 1,
            payload: payload(code, false, n * step),
        })
        .collect();
    for _ in 0..3 {
        out.push(EventPacket {
            marker: false,
            payload: payload(code, true, PACKETS * step),
        });
    }
    Some(out)
}

fn payload(code: u8, end: bool, duration: u16) -> [u8; 4] {
    let [hi, lo] = duration.to_be_bytes();
    [code, if end { 0x80 } else { 0 } | VOLUME, hi, lo]
}

/// The receiving side: reports each event once.
#[derive(Debug, Default)]
pub struct EventReceiver {
    /// The timestamp of the last event reported.
    last: Option<u32>,
}

impl EventReceiver {
    /// The key a telephone-event packet with `timestamp` starts, if it starts a new one.
    pub fn receive(&mut self, timestamp: u32, payload: &[u8]) -> Option<char> {
        let code = *payload.first()?;
        if payload.len() < 4 || self.last == Some(timestamp) {
            return None;
        }
        self.last = Some(timestamp);
        key(code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_codes() {
        let keys = "0123456789*#ABCD";
        for (code, k) in keys.chars().enumerate() {
            assert_eq!(event_code(k), Some(code as u8));
            assert_eq!(key(code as u8), Some(k));
        }
        assert_eq!(event_code('b'), Some(13));
        assert_eq!(event_code('x'), None);
        assert_eq!(key(16), None, "16 is flash, not a key");
    }

    #[test]
    fn a_key_is_five_packets_then_three_ends() {
        let sent = packets('5', 160).expect("a key");
        assert_eq!(sent.len(), 8);
        assert!(sent[0].marker && sent[1..].iter().all(|p| !p.marker));
        assert_eq!(sent[0].payload, [5, 10, 0, 160]);
        assert_eq!(sent[4].payload, [5, 10, 0x03, 0x20], "800 = 100 ms");
        for end in &sent[5..] {
            assert_eq!(end.payload, [5, 0x80 | 10, 0x03, 0x20]);
        }
        assert_eq!(packets('?', 160), None);
        // Opus calls count in 48 kHz: 960 per packet.
        let opus = packets('5', 960).expect("a key");
        assert_eq!(
            opus[4].payload,
            [5, 10, 0x12, 0xc0],
            "4800 = 100 ms at 48 kHz"
        );
    }

    #[test]
    fn each_event_is_reported_once() {
        let mut rx = EventReceiver::default();
        let sent = packets('#', 160).expect("a key");
        let got: Vec<char> = sent
            .iter()
            .filter_map(|p| rx.receive(1000, &p.payload))
            .collect();
        assert_eq!(got, ['#']);
        assert_eq!(rx.receive(2000, &[1, 10, 0, 160]), Some('1'));
        assert_eq!(rx.receive(3000, &[1]), None, "too short");
    }
}
