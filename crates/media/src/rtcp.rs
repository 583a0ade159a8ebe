//! RTCP (RFC 3550 §6), sans I/O: sender and receiver reports with a CNAME, the reception
//! statistics they carry (loss, interarrival jitter), and the round-trip time read from the
//! reports the far end sends back about our stream (§6.4.1: LSR and DLSR).

/// Seconds between 1900 (NTP's epoch) and 1970.
const NTP_UNIX_OFFSET: u64 = 2_208_988_800;

/// The wall clock as a 64-bit NTP timestamp (32.32 fixed point seconds since 1900).
pub fn ntp_now() -> u64 {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let seconds = since.as_secs() + NTP_UNIX_OFFSET;
    let fraction = (u64::from(since.subsec_nanos()) << 32) / 1_000_000_000;
    (seconds << 32) | fraction
}

/// The middle 32 bits of an NTP timestamp (16.16 seconds): the unit of LSR and DLSR.
pub fn compact(ntp: u64) -> u32 {
    (ntp >> 16) as u32
}

/// One reception report block (§6.4.1).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReportBlock {
    /// The source this block is about.
    pub ssrc: u32,
    /// Packets lost since the last report, as a fraction of 256.
    pub fraction_lost: u8,
    /// Packets lost since the start (24 bits, signed).
    pub cumulative_lost: i32,
    /// The highest sequence number received, extended with its wrap count.
    pub highest_sequence: u32,
    /// Interarrival jitter, in timestamp units.
    pub jitter: u32,
    /// The compact NTP time of the last sender report received from that source (0: none).
    pub last_sr: u32,
    /// Since then, in 1/65536 s.
    pub delay_since_last_sr: u32,
}

/// What a sender report says about its sender's stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SenderInfo {
    /// The sender's wall clock.
    pub ntp: u64,
    /// The RTP timestamp matching it.
    pub rtp_timestamp: u32,
    /// Packets sent.
    pub packets: u32,
    /// Payload octets sent.
    pub octets: u32,
}

/// What a compound RTCP packet held that we use.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Compound {
    /// The sender's SSRC (of its first report).
    pub ssrc: u32,
    /// Its sender information, when it sent a sender report.
    pub sender: Option<SenderInfo>,
    /// Its reception report blocks.
    pub reports: Vec<ReportBlock>,
    /// Whether it said goodbye (BYE).
    pub bye: bool,
}

fn put_block(out: &mut Vec<u8>, b: &ReportBlock) {
    out.extend_from_slice(&b.ssrc.to_be_bytes());
    let lost = (b.cumulative_lost.clamp(-0x80_0000, 0x7f_ffff) as u32) & 0x00ff_ffff;
    out.extend_from_slice(&((u32::from(b.fraction_lost) << 24) | lost).to_be_bytes());
    out.extend_from_slice(&b.highest_sequence.to_be_bytes());
    out.extend_from_slice(&b.jitter.to_be_bytes());
    out.extend_from_slice(&b.last_sr.to_be_bytes());
    out.extend_from_slice(&b.delay_since_last_sr.to_be_bytes());
}

/// Writes the header of a packet of `kind` with `count`, its length filled in by `finish`.
fn header(out: &mut Vec<u8>, count: u8, kind: u8) -> usize {
    let start = out.len();
    out.extend_from_slice(&[0x80 | (count & 0x1f), kind, 0, 0]);
    start
}

fn finish(out: &mut Vec<u8>, start: usize) {
    // Padding to 32 bits, then the length in 32-bit words minus one.
    while (out.len() - start) % 4 != 0 {
        out.push(0);
    }
    let words = ((out.len() - start) / 4 - 1) as u16;
    out[start + 2..start + 4].copy_from_slice(&words.to_be_bytes());
}

/// A compound packet (§6.1): a sender report when `sender` is given (we sent since the last
/// report), a receiver report otherwise, then our CNAME; and a BYE when `bye`.
pub fn build(
    ssrc: u32,
    sender: Option<SenderInfo>,
    reports: &[ReportBlock],
    cname: &str,
    bye: bool,
) -> Vec<u8> {
    let mut out = Vec::with_capacity(128);
    let reports = &reports[..reports.len().min(31)];
    let start = header(
        &mut out,
        reports.len() as u8,
        if sender.is_some() { 200 } else { 201 },
    );
    out.extend_from_slice(&ssrc.to_be_bytes());
    if let Some(s) = sender {
        out.extend_from_slice(&s.ntp.to_be_bytes());
        out.extend_from_slice(&s.rtp_timestamp.to_be_bytes());
        out.extend_from_slice(&s.packets.to_be_bytes());
        out.extend_from_slice(&s.octets.to_be_bytes());
    }
    for b in reports {
        put_block(&mut out, b);
    }
    finish(&mut out, start);
    // SDES with one chunk: our SSRC and CNAME, then the end item (and padding).
    let start = header(&mut out, 1, 202);
    out.extend_from_slice(&ssrc.to_be_bytes());
    let name = &cname.as_bytes()[..cname.len().min(255)];
    out.push(1);
    out.push(name.len() as u8);
    out.extend_from_slice(name);
    out.push(0);
    finish(&mut out, start);
    if bye {
        let start = header(&mut out, 1, 203);
        out.extend_from_slice(&ssrc.to_be_bytes());
        finish(&mut out, start);
    }
    out
}

fn be32(data: &[u8], at: usize) -> Option<u32> {
    data.get(at..at + 4)
        .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
}

fn blocks(data: &[u8], at: usize, count: usize) -> Option<Vec<ReportBlock>> {
    (0..count)
        .map(|i| {
            let p = at + i * 24;
            let lost = be32(data, p + 4)?;
            // 24-bit two's complement.
            let cumulative = ((lost & 0x00ff_ffff) << 8) as i32 >> 8;
            Some(ReportBlock {
                ssrc: be32(data, p)?,
                fraction_lost: (lost >> 24) as u8,
                cumulative_lost: cumulative,
                highest_sequence: be32(data, p + 8)?,
                jitter: be32(data, p + 12)?,
                last_sr: be32(data, p + 16)?,
                delay_since_last_sr: be32(data, p + 20)?,
            })
        })
        .collect()
}

/// Reads a compound RTCP packet; `None` when it is not one (malformed input is never an
/// error of the call: it is ignored).
pub fn parse(data: &[u8]) -> Option<Compound> {
    let mut found = Compound::default();
    let mut at = 0;
    let mut first = true;
    while at + 4 <= data.len() {
        let version = data[at] >> 6;
        let count = usize::from(data[at] & 0x1f);
        let kind = data[at + 1];
        let len = (usize::from(u16::from_be_bytes([data[at + 2], data[at + 3]])) + 1) * 4;
        if version != 2 || at + len > data.len() || (first && !(200..=201).contains(&kind)) {
            return None;
        }
        let packet = &data[at..at + len];
        match kind {
            200 => {
                let ssrc = be32(packet, 4)?;
                let ntp_high = be32(packet, 8)?;
                let ntp_low = be32(packet, 12)?;
                if first {
                    found.ssrc = ssrc;
                    found.sender = Some(SenderInfo {
                        ntp: (u64::from(ntp_high) << 32) | u64::from(ntp_low),
                        rtp_timestamp: be32(packet, 16)?,
                        packets: be32(packet, 20)?,
                        octets: be32(packet, 24)?,
                    });
                }
                found.reports.extend(blocks(packet, 28, count)?);
            }
            201 => {
                if first {
                    found.ssrc = be32(packet, 4)?;
                }
                found.reports.extend(blocks(packet, 8, count)?);
            }
            203 => found.bye = true,
            _ => {}
        }
        first = false;
        at += len;
    }
    (!first).then_some(found)
}

/// Reception statistics of one source (§6.4.1, Appendix A.1 and A.8).
#[derive(Clone, Debug, Default)]
pub struct Reception {
    ssrc: u32,
    started: bool,
    base: u32,
    /// Highest extended sequence number.
    highest: u32,
    received: u32,
    expected_prior: u32,
    received_prior: u32,
    /// Interarrival jitter, in timestamp units, times 16 (A.8).
    jitter: u32,
    /// The last packet's relative transit time.
    transit: Option<u32>,
    /// The last sender report's compact NTP time, and when (our compact NTP) it came.
    last_sr: Option<(u32, u32)>,
}

impl Reception {
    /// A packet arrived: `sequence` and `timestamp` of `ssrc`, at `arrival` in timestamp
    /// units of our clock.
    pub fn packet(&mut self, ssrc: u32, sequence: u16, timestamp: u32, arrival: u64) {
        if !self.started || ssrc != self.ssrc {
            *self = Self {
                ssrc,
                started: true,
                base: u32::from(sequence),
                highest: u32::from(sequence),
                ..Self::default()
            };
        } else {
            let cycles = self.highest & 0xffff_0000;
            let last = self.highest as u16;
            let ahead = sequence.wrapping_sub(last);
            if ahead != 0 && ahead < 0x8000 {
                // In order (possibly after a gap); a smaller number means a wrap.
                let wrapped = if sequence < last { 0x1_0000 } else { 0 };
                self.highest = cycles.wrapping_add(wrapped) | u32::from(sequence);
            }
        }
        self.received = self.received.wrapping_add(1);
        // A.8: J += (|D| - J) / 16, computed on J * 16.
        // Modulo 2^32, as the timestamps are (they start anywhere and wrap).
        let transit = (arrival as u32).wrapping_sub(timestamp);
        if let Some(previous) = self.transit {
            let d = (transit.wrapping_sub(previous) as i32).unsigned_abs();
            // J*16 += |D| - J (A.8), in 64 bits so a burst cannot wrap it.
            let j16 = i64::from(self.jitter) + i64::from(d) - i64::from((self.jitter + 8) >> 4);
            self.jitter = j16.clamp(0, i64::from(u32::MAX >> 1)) as u32;
        }
        self.transit = Some(transit);
    }

    /// A sender report came from this source at our compact NTP time `now`.
    pub fn sender_report(&mut self, info: &SenderInfo, now: u32) {
        self.last_sr = Some((compact(info.ntp), now));
    }

    /// The report block about this source at our compact NTP time `now` (none before its
    /// first packet); the fraction lost covers the time since the previous block.
    pub fn block(&mut self, now: u32) -> Option<ReportBlock> {
        if !self.started {
            return None;
        }
        let expected = self.highest.wrapping_sub(self.base).wrapping_add(1);
        let lost = i64::from(expected) - i64::from(self.received);
        let expected_interval = expected.wrapping_sub(self.expected_prior);
        let received_interval = self.received.wrapping_sub(self.received_prior);
        self.expected_prior = expected;
        self.received_prior = self.received;
        let lost_interval = i64::from(expected_interval) - i64::from(received_interval);
        let fraction = if expected_interval == 0 || lost_interval <= 0 {
            0
        } else {
            ((lost_interval << 8) / i64::from(expected_interval)).min(255) as u8
        };
        let (last_sr, delay) = self
            .last_sr
            .map_or((0, 0), |(sr, at)| (sr, now.wrapping_sub(at)));
        Some(ReportBlock {
            ssrc: self.ssrc,
            fraction_lost: fraction,
            cumulative_lost: lost.clamp(-0x80_0000, 0x7f_ffff) as i32,
            highest_sequence: self.highest,
            jitter: self.jitter >> 4,
            last_sr,
            delay_since_last_sr: delay,
        })
    }
}

/// The round trip read from a report block about our stream that came at our compact NTP
/// time `now` (§6.4.1: A - LSR - DLSR); none when the far end had no sender report of ours.
pub fn round_trip(block: &ReportBlock, now: u32) -> Option<std::time::Duration> {
    if block.last_sr == 0 {
        return None;
    }
    let rtt = now
        .wrapping_sub(block.last_sr)
        .wrapping_sub(block.delay_since_last_sr);
    // More than a minute is a clock jump or a stale report, not a round trip.
    (rtt < 60 << 16).then(|| std::time::Duration::from_micros((u64::from(rtt) * 1_000_000) >> 16))
}

/// A call's RTCP as the session runs it: what we sent and received, the reports to send,
/// and what the far end's reports tell (its loss of our sound, the round trip).
#[derive(Debug)]
pub struct Reporter {
    ssrc: u32,
    cname: String,
    reception: Reception,
    packets: u32,
    octets: u32,
    sent_lately: bool,
    /// The latest round trip measured.
    pub rtt: Option<std::time::Duration>,
    /// The loss of our sound the far end reported last, in percent.
    pub far_loss_percent: Option<f64>,
}

impl Reporter {
    /// Reports about the stream `ssrc` (ours), signed `cname`.
    pub fn new(ssrc: u32, cname: String) -> Self {
        Self {
            ssrc,
            cname,
            reception: Reception::default(),
            packets: 0,
            octets: 0,
            sent_lately: false,
            rtt: None,
            far_loss_percent: None,
        }
    }

    /// We sent a packet with `payload` octets.
    pub fn sent(&mut self, payload: usize) {
        self.packets = self.packets.wrapping_add(1);
        self.octets = self.octets.wrapping_add(payload as u32);
        self.sent_lately = true;
    }

    /// A packet of the far end's stream arrived (`arrival` in its timestamp units).
    pub fn received(&mut self, ssrc: u32, sequence: u16, timestamp: u32, arrival: u64) {
        self.reception.packet(ssrc, sequence, timestamp, arrival);
    }

    /// The compound packet to send now (`ntp`: the wall clock; `rtp_timestamp`: our stream's
    /// clock now), a BYE at the end when `bye`.
    pub fn report(&mut self, ntp: u64, rtp_timestamp: u32, bye: bool) -> Vec<u8> {
        let sender = (self.sent_lately || bye).then_some(SenderInfo {
            ntp,
            rtp_timestamp,
            packets: self.packets,
            octets: self.octets,
        });
        self.sent_lately = false;
        let blocks: Vec<ReportBlock> = self.reception.block(compact(ntp)).into_iter().collect();
        build(self.ssrc, sender, &blocks, &self.cname, bye)
    }

    /// An RTCP packet came at the wall clock `ntp`; malformed ones are ignored.
    pub fn incoming(&mut self, data: &[u8], ntp: u64) {
        let Some(compound) = parse(data) else {
            return;
        };
        if let Some(info) = &compound.sender {
            self.reception.sender_report(info, compact(ntp));
        }
        for block in compound.reports.iter().filter(|b| b.ssrc == self.ssrc) {
            if let Some(rtt) = round_trip(block, compact(ntp)) {
                self.rtt = Some(rtt);
            }
            self.far_loss_percent = Some(f64::from(block.fraction_lost) * 100.0 / 256.0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sender_report_reads_back_with_its_blocks_and_cname() {
        let block = ReportBlock {
            ssrc: 0x1234_5678,
            fraction_lost: 25,
            cumulative_lost: -3,
            highest_sequence: 0x0001_0005,
            jitter: 40,
            last_sr: 0xabcd_0000,
            delay_since_last_sr: 0x0002_8000,
        };
        let sender = SenderInfo {
            ntp: 0xe000_0000_8000_0000,
            rtp_timestamp: 160,
            packets: 50,
            octets: 8000,
        };
        let packet = build(
            0xdead_beef,
            Some(sender),
            &[block],
            "agent@switchboard",
            true,
        );
        assert_eq!(packet.len() % 4, 0);
        let read = parse(&packet).expect("parses");
        assert_eq!(read.ssrc, 0xdead_beef);
        assert_eq!(read.sender, Some(sender));
        assert_eq!(read.reports, [block]);
        assert!(read.bye);
        let rr = parse(&build(7, None, &[], "x", false)).expect("receiver report");
        assert_eq!(
            (rr.ssrc, rr.sender, rr.reports.len(), rr.bye),
            (7, None, 0, false)
        );
    }

    #[test]
    fn garbage_is_not_rtcp() {
        assert_eq!(parse(&[]), None);
        assert_eq!(parse(&[0x80, 200, 0, 50]), None, "longer than the datagram");
        assert_eq!(parse(&[0x80, 0, 0, 0]), None, "an RTP packet");
        assert_eq!(parse(&[0x80, 202, 0, 0]), None, "must start with a report");
        let mut truncated = build(1, None, &[ReportBlock::default()], "x", false);
        truncated[0] = 0x81;
        truncated[3] = 1; // claims a block it has no room for
        assert_eq!(parse(&truncated[..8]), None);
    }

    #[test]
    fn losses_wraps_and_jitter_are_counted() {
        let mut r = Reception::default();
        // 65,530 .. 65,535, 0 .. 9 with 3 and 4 lost: 16 expected, 14 received.
        let mut ts = 0u32;
        let mut arrival = 1_000u64;
        for seq in (65_530u32..65_546).map(|s| s as u16) {
            if seq != 3 && seq != 4 {
                r.packet(9, seq, ts, arrival);
            }
            ts += 160;
            arrival += 160;
        }
        let b = r.block(0).expect("a block");
        assert_eq!(b.ssrc, 9);
        assert_eq!(b.highest_sequence, 0x0001_0009);
        assert_eq!(b.cumulative_lost, 2);
        assert_eq!(b.fraction_lost, (2 * 256 / 16) as u8);
        assert_eq!(b.jitter, 0, "a perfect clock has no jitter");
        // The next interval loses nothing.
        r.packet(9, 10, ts, arrival + 400);
        let b = r.block(0).expect("a block");
        assert_eq!(b.fraction_lost, 0);
        assert!(b.jitter > 0, "a late packet shows as jitter");
        // Across the timestamp's wrap, the jitter stays a jitter.
        let mut w = Reception::default();
        for i in 0..20u32 {
            let ts = (u32::MAX - 800).wrapping_add(i * 160);
            w.packet(3, i as u16, ts, u64::from(i) * 160 + 5);
        }
        assert!(
            w.block(0).is_some_and(|b| b.jitter < 10),
            "{:?}",
            w.block(0)
        );
        // A duplicate or old packet does not move the highest number back.
        r.packet(9, 2, 0, arrival);
        assert_eq!(r.block(0).map(|b| b.highest_sequence), Some(0x0001_000a));
    }

    #[test]
    fn two_reporters_measure_the_round_trip_from_each_others_reports() {
        let (mut a, mut b) = (Reporter::new(1, "a".into()), Reporter::new(2, "b".into()));
        for seq in 0..50u16 {
            a.sent(160);
            b.received(1, seq, u32::from(seq) * 160, u64::from(seq) * 160);
        }
        // a's SR at t0 reaches b 10 ms later; b answers 100 ms after that; 10 ms back.
        let t0: u64 = 3_900_000_000 << 32;
        let ms = |n: u64| (n << 32) / 1000;
        let sr = a.report(t0, 8000, false);
        b.incoming(&sr, t0 + ms(10));
        let rr = b.report(t0 + ms(110), 0, false);
        a.incoming(&rr, t0 + ms(120));
        let rtt = a.rtt.expect("a round trip");
        assert!((rtt.as_secs_f64() - 0.020).abs() < 0.001, "{rtt:?}");
        assert_eq!(a.far_loss_percent, Some(0.0));
        assert_eq!(b.rtt, None, "b sent nothing, so no report about it");
        a.incoming(b"not rtcp", t0);
        assert_eq!(a.rtt, Some(rtt));
    }

    #[test]
    fn the_round_trip_is_arrival_minus_lsr_minus_dlsr() {
        // Our SR went out at compact time 1000.0 s; the far end held it 0.25 s; its report
        // came back at 1000.3 s: 50 ms on the wire.
        let sent = 1000 << 16;
        let block = ReportBlock {
            last_sr: sent,
            delay_since_last_sr: 1 << 14,
            ..ReportBlock::default()
        };
        let now = sent + (3 << 16) / 10;
        let rtt = round_trip(&block, now).expect("an rtt");
        assert!((rtt.as_secs_f64() - 0.05).abs() < 0.001, "{rtt:?}");
        assert_eq!(round_trip(&ReportBlock::default(), now), None);
        let mut r = Reception::default();
        r.packet(1, 1, 0, 0);
        r.sender_report(
            &SenderInfo {
                ntp: u64::from(sent) << 16,
                rtp_timestamp: 0,
                packets: 1,
                octets: 160,
            },
            sent + (1 << 14),
        );
        let b = r.block(sent + (1 << 15)).expect("block");
        assert_eq!((b.last_sr, b.delay_since_last_sr), (sent, 1 << 14));
    }
}
