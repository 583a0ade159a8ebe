//! RTP packets (RFC 3550) of one audio stream, sans I/O: the sending side numbers and stamps
//! the packets, the receiving side reads them.

use std::hash::{BuildHasher, Hasher};

/// A random number from the standard library's per-process random keys (RFC 3550 §5.1: the
/// SSRC, first sequence number and timestamp start at random values).
fn random_u64() -> u64 {
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(0x5357_4954_4348);
    hasher.finish()
}

/// The sending side of a stream.
#[derive(Debug)]
pub struct Packetizer {
    payload_type: u8,
    ssrc: u32,
    sequence: u16,
    timestamp: u32,
}

impl Packetizer {
    /// A stream of `payload_type` with random SSRC, first sequence number and timestamp.
    pub fn new(payload_type: u8) -> Self {
        let bits = random_u64();
        Self {
            payload_type,
            ssrc: (bits >> 32) as u32,
            sequence: (bits >> 16) as u16,
            timestamp: random_u64() as u32,
        }
    }

    /// This stream's SSRC.
    pub fn ssrc(&self) -> u32 {
        self.ssrc
    }

    /// The timestamp the next audio packet will carry.
    pub fn timestamp(&self) -> u32 {
        self.timestamp
    }

    /// Lets `samples` sample periods pass without an audio packet (one sent as an event).
    pub fn skip(&mut self, samples: u32) {
        self.timestamp = self.timestamp.wrapping_add(samples);
    }

    /// A packet of another payload type in the same stream (RFC 4733 events): the next
    /// sequence number, the given `timestamp` and `marker`.
    pub fn other(
        &mut self,
        payload_type: u8,
        marker: bool,
        timestamp: u32,
        payload: &[u8],
    ) -> Vec<u8> {
        let packet = rtp_types::RtpPacketBuilder::new()
            .payload_type(payload_type)
            .marker_bit(marker)
            .sequence_number(self.sequence)
            .timestamp(timestamp)
            .ssrc(self.ssrc)
            .payload(payload)
            .write_vec_unchecked();
        self.sequence = self.sequence.wrapping_add(1);
        packet
    }

    /// The next packet, carrying `payload` worth `samples` sample periods.
    pub fn packet(&mut self, payload: &[u8], samples: u32) -> Vec<u8> {
        let packet = rtp_types::RtpPacketBuilder::new()
            .payload_type(self.payload_type)
            .sequence_number(self.sequence)
            .timestamp(self.timestamp)
            .ssrc(self.ssrc)
            .payload(payload)
            .write_vec_unchecked();
        self.sequence = self.sequence.wrapping_add(1);
        self.timestamp = self.timestamp.wrapping_add(samples);
        packet
    }
}

/// A packet received.
#[derive(Debug, PartialEq, Eq)]
pub struct Received<'a> {
    /// Its payload type.
    pub payload_type: u8,
    /// Its sequence number.
    pub sequence: u16,
    /// Its timestamp.
    pub timestamp: u32,
    /// Its source.
    pub ssrc: u32,
    /// The payload.
    pub payload: &'a [u8],
}

/// Reads an RTP packet; `None` for anything else (RTCP, STUN, garbage).
pub fn parse(data: &[u8]) -> Option<Received<'_>> {
    let packet = rtp_types::RtpPacket::parse(data).ok()?;
    // RTCP shares the port when muxed (RFC 5761): its types 72-76 sit where a marker bit and
    // a payload type would be.
    if (72..=76).contains(&packet.payload_type()) {
        return None;
    }
    Some(Received {
        payload_type: packet.payload_type(),
        sequence: packet.sequence_number(),
        timestamp: packet.timestamp(),
        ssrc: packet.ssrc(),
        payload: &data[packet.payload_offset()..packet.payload_offset() + packet.payload_len()],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packets_are_numbered_stamped_and_read_back() {
        let mut out = Packetizer::new(8);
        let first = out.packet(&[1, 2, 3], 160);
        let second = out.packet(&[4, 5], 160);
        let a = parse(&first).expect("RTP");
        let b = parse(&second).expect("RTP");
        assert_eq!(a.payload_type, 8);
        assert_eq!(a.payload, [1, 2, 3]);
        assert_eq!(b.payload, [4, 5]);
        assert_eq!(b.sequence, a.sequence.wrapping_add(1));
        assert_eq!(b.timestamp, a.timestamp.wrapping_add(160));
        assert_eq!(a.ssrc, out.ssrc());
        assert_eq!(first.len(), 12 + 3, "a bare 12-byte header");
        assert_eq!(first[0] >> 6, 2, "version 2");
    }

    #[test]
    fn what_is_not_rtp_is_ignored() {
        assert_eq!(parse(&[]), None);
        assert_eq!(parse(b"garbage that is no RTP at all"), None);
        // An RTCP receiver report (version 2, type 201).
        assert_eq!(parse(&[0x80, 201, 0, 1, 0, 0, 0, 1]), None);
    }
}
