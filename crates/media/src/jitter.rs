//! The adaptive jitter buffer, sans I/O: packets go in as they arrive (in any order, twice,
//! or never), one 20 ms frame comes out per tick. It waits for a target depth that follows
//! the measured jitter (RFC 3550 §6.4.1 estimator) between 20 and 60 ms, puts late packets
//! back in order, drops duplicates and packets too late to play, says when a frame is lost
//! (the codec conceals it: Opus from its redundancy or its own concealment, G.711 and G.722
//! by repeating the last frame fading out), and drops a frame when the far end's clock runs
//! fast and the buffer grows. It holds the packets' payloads: they are decoded as they play,
//! in order.

use std::collections::BTreeMap;
use std::time::Duration;

/// Frame length.
const FRAME_MS: f64 = 20.0;
/// Depth limits, in frames.
const MIN_TARGET: usize = 1;
const MAX_TARGET: usize = 3;
/// Frames of concealment before a lost stream is silence.
const MAX_CONCEALED: u32 = 3;

/// What a tick plays.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Playout<T> {
    /// A frame received.
    Audio(T),
    /// The frame is lost: conceal it (the next one, if it is waiting, may carry it again).
    Lost(Option<T>),
    /// Nothing to play (not started, or the stream stopped).
    Silence,
}

/// Counters for call quality.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct JitterStats {
    /// Frames played as received.
    pub played: u64,
    /// Frames concealed.
    pub concealed: u64,
    /// Duplicates dropped.
    pub duplicates: u64,
    /// Packets that came after their turn and were dropped.
    pub late: u64,
    /// Frames dropped to keep the delay down (the far end's clock runs fast).
    pub dropped: u64,
}

/// One stream's jitter buffer, of frames `T` (the packets' payloads).
#[derive(Debug)]
pub struct JitterBuffer<T> {
    /// The RTP clock, in ticks per millisecond.
    clock_khz: f64,
    /// Frames waiting, with their arrival time.
    frames: BTreeMap<u64, (T, Duration)>,
    /// When the frame played last arrived (for the playout delay).
    played_arrival: Option<Duration>,
    /// The extended sequence number to play next.
    next: Option<u64>,
    /// The highest extended sequence number seen (to extend 16-bit numbers).
    highest: Option<u64>,
    /// Interarrival jitter, in milliseconds.
    jitter: f64,
    /// The last packet's (arrival - timestamp) in milliseconds.
    transit: Option<f64>,
    playing: bool,
    concealed_run: u32,
    stats: JitterStats,
}

impl<T: Clone> JitterBuffer<T> {
    /// An empty buffer for a stream whose RTP clock is `clock_rate` Hz.
    pub fn new(clock_rate: u32) -> Self {
        Self {
            clock_khz: f64::from(clock_rate.max(1)) / 1000.0,
            frames: BTreeMap::new(),
            played_arrival: None,
            next: None,
            highest: None,
            jitter: 0.0,
            transit: None,
            playing: false,
            concealed_run: 0,
            stats: JitterStats::default(),
        }
    }

    /// The counters so far.
    pub fn stats(&self) -> JitterStats {
        self.stats
    }

    /// The measured jitter.
    pub fn jitter(&self) -> Duration {
        Duration::from_secs_f64(self.jitter / 1000.0)
    }

    /// The depth it waits for, in frames: one, plus the jitter twice over, within 20-60 ms.
    pub fn target(&self) -> usize {
        (1 + (2.0 * self.jitter / FRAME_MS + 0.5).floor() as usize).clamp(MIN_TARGET, MAX_TARGET)
    }

    /// Frames waiting.
    pub fn depth(&self) -> usize {
        self.frames.len()
    }

    /// The 16-bit sequence number `seq` as a 64-bit one near the highest seen (RFC 3550
    /// appendix A.1).
    fn extend(&self, seq: u16) -> u64 {
        let Some(highest) = self.highest else {
            return u64::from(seq) + (1 << 16);
        };
        let cycle = highest & !0xFFFF;
        let candidates = [cycle.wrapping_sub(1 << 16), cycle, cycle + (1 << 16)];
        candidates
            .iter()
            .map(|c| c + u64::from(seq))
            .min_by_key(|v| v.abs_diff(highest))
            .unwrap_or(u64::from(seq))
    }

    /// A packet that is no sound of its own (a telephone event in the stream) fills its
    /// place with `frame`, leaving the jitter estimate alone.
    pub fn fill(&mut self, seq: u16, frame: T, arrival: Duration) {
        let ext = self.extend(seq);
        self.insert(ext, frame, arrival);
    }

    /// A packet arrived at `arrival` (any fixed origin) with RTP `seq`, `timestamp` (in
    /// units of the stream's clock) and its `frame`.
    pub fn push(&mut self, seq: u16, timestamp: u32, frame: T, arrival: Duration) {
        let ext = self.extend(seq);
        // RFC 3550 §6.4.1: J += (|D| - J) / 16, D the change in transit time.
        let transit = arrival.as_secs_f64() * 1000.0 - f64::from(timestamp) / self.clock_khz;
        if let Some(previous) = self.transit {
            let d = (transit - previous).abs();
            // A jump of seconds is a new talk spurt or a clock step, not jitter.
            if d < 1000.0 {
                self.jitter += (d - self.jitter) / 16.0;
            }
        }
        self.transit = Some(transit);
        self.insert(ext, frame, arrival);
    }

    fn insert(&mut self, ext: u64, frame: T, arrival: Duration) {
        if self.next.is_some_and(|n| ext < n) {
            self.stats.late += 1;
            return;
        }
        if self.frames.contains_key(&ext) {
            self.stats.duplicates += 1;
            return;
        }
        self.highest = Some(self.highest.map_or(ext, |h| h.max(ext)));
        self.frames.insert(ext, (frame, arrival));
    }

    /// When the frame the last [`JitterBuffer::pop`] played had arrived (`None` when it
    /// played no received frame).
    pub fn played_arrival(&self) -> Option<Duration> {
        self.played_arrival
    }

    /// The frame of this tick.
    pub fn pop(&mut self) -> Playout<T> {
        self.played_arrival = None;
        if !self.playing {
            if self.frames.len() < self.target() {
                return Playout::Silence;
            }
            self.playing = true;
            self.next = self.frames.keys().next().copied();
        }
        // Too deep: the far end sends faster than we play. Drop the oldest frame.
        if self.frames.len() > self.target() + 2 {
            if let Some((&first, _)) = self.frames.iter().next() {
                self.frames.remove(&first);
                self.next = Some(first + 1);
                self.stats.dropped += 1;
            }
        }
        let Some(next) = self.next else {
            return Playout::Silence;
        };
        if let Some((frame, arrival)) = self.frames.remove(&next) {
            self.next = Some(next + 1);
            self.played_arrival = Some(arrival);
            self.concealed_run = 0;
            self.stats.played += 1;
            return Playout::Audio(frame);
        }
        // The frame is missing. With later frames waiting it is lost (or later than the
        // buffer allows): conceal it and go on. With none, the stream paused: wait for it.
        let lost = !self.frames.is_empty();
        if lost {
            self.next = Some(next + 1);
        }
        if self.stats.played == 0 || self.concealed_run >= MAX_CONCEALED {
            return Playout::Silence;
        }
        self.concealed_run += 1;
        self.stats.concealed += 1;
        Playout::Lost(self.frames.get(&(next + 1)).map(|(f, _)| f.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    /// A frame that says `n` (times 100, as the tests read it).
    fn frame(n: i16) -> i16 {
        n * 100
    }

    fn first_sample(p: &Playout<i16>) -> Option<i16> {
        match p {
            Playout::Audio(s) => Some(*s),
            Playout::Lost(_) | Playout::Silence => None,
        }
    }

    /// Sends frames `order` (sequence numbers from 100), each arriving 20 ms after the last,
    /// and plays `ticks` ticks.
    fn run(order: &[u16], ticks: usize) -> (Vec<Playout<i16>>, JitterBuffer<i16>) {
        let mut jb = JitterBuffer::new(8000);
        let mut out = Vec::new();
        for (i, &n) in order.iter().enumerate() {
            let seq = 100 + n;
            jb.push(
                seq,
                u32::from(seq) * 160,
                frame(n as i16),
                ms(20 * i as u64),
            );
            out.push(jb.pop());
        }
        for _ in 0..ticks {
            out.push(jb.pop());
        }
        (out, jb)
    }

    fn audio(out: &[Playout<i16>]) -> Vec<i16> {
        out.iter()
            .filter_map(|p| match p {
                Playout::Audio(s) => Some(s / 100),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn in_order_plays_in_order() {
        let (out, jb) = run(&[0, 1, 2, 3, 4], 0);
        assert_eq!(audio(&out), [0, 1, 2, 3, 4]);
        assert_eq!(jb.stats().concealed, 0);
        assert_eq!(jb.target(), 1, "no jitter: one frame deep");
    }

    #[test]
    fn reordered_packets_are_put_back_in_order() {
        // 2 arrives before 1; with a frame waiting, 1 is not yet given up.
        let mut jb = JitterBuffer::new(8000);
        jb.push(100, 0, frame(0), ms(0));
        jb.push(101, 160, frame(1), ms(20));
        assert_eq!(first_sample(&jb.pop()), Some(0));
        jb.push(103, 480, frame(3), ms(40));
        jb.push(102, 320, frame(2), ms(41));
        let rest: Vec<Option<i16>> = (0..3).map(|_| first_sample(&jb.pop())).collect();
        assert_eq!(rest, [Some(100), Some(200), Some(300)]);
        assert_eq!(jb.stats().concealed, 0);
    }

    #[test]
    fn duplicates_are_dropped_and_late_packets_too() {
        let mut jb = JitterBuffer::new(8000);
        jb.push(100, 0, frame(0), ms(0));
        jb.push(100, 0, frame(0), ms(1));
        assert_eq!(jb.stats().duplicates, 1);
        assert_eq!(first_sample(&jb.pop()), Some(0));
        jb.push(102, 320, frame(2), ms(40));
        jb.push(103, 480, frame(3), ms(60));
        // 101 is missing while 102 and 103 wait: lost, with 102 offered for its redundancy.
        assert_eq!(jb.pop(), Playout::Lost(Some(200)));
        jb.push(101, 160, frame(1), ms(70));
        assert_eq!(jb.stats().late, 1, "101 came after its turn");
        assert_eq!(first_sample(&jb.pop()), Some(200));
    }

    #[test]
    fn a_stopped_stream_is_concealed_three_times_then_silence() {
        let mut jb = JitterBuffer::new(8000);
        assert_eq!(
            jb.pop(),
            Playout::Silence,
            "nothing yet: nothing to conceal"
        );
        jb.push(100, 0, frame(8), ms(0));
        assert_eq!(first_sample(&jb.pop()), Some(800));
        // The stream stops: three concealed frames, then silence; nothing is skipped.
        let tail: Vec<Playout<i16>> = (0..4).map(|_| jb.pop()).collect();
        assert_eq!(
            tail,
            [
                Playout::Lost(None),
                Playout::Lost(None),
                Playout::Lost(None),
                Playout::Silence
            ]
        );
        jb.push(101, 160, frame(1), ms(100));
        assert_eq!(first_sample(&jb.pop()), Some(100), "the stream goes on");
        assert_eq!(jb.stats().concealed, 3);
    }

    #[test]
    fn an_event_in_the_stream_fills_its_place_without_being_lost() {
        let mut jb = JitterBuffer::new(8000);
        jb.push(100, 0, frame(1), ms(0));
        jb.fill(101, frame(0), ms(20));
        jb.push(102, 320, frame(2), ms(40));
        let played: Vec<Option<i16>> = (0..3).map(|_| first_sample(&jb.pop())).collect();
        assert_eq!(played, [Some(100), Some(0), Some(200)]);
        assert_eq!(jb.stats().concealed, 0);
    }

    #[test]
    fn jitter_is_measured_in_the_streams_clock() {
        // Opus: 48 kHz, 960 per 20 ms; arrivals exactly on time show no jitter.
        let mut jb = JitterBuffer::new(48_000);
        for i in 0..50u16 {
            jb.push(i, u32::from(i) * 960, frame(1), ms(u64::from(i) * 20));
            jb.pop();
        }
        assert!(jb.jitter() < ms(1), "{:?}", jb.jitter());
    }

    #[test]
    fn jitter_raises_the_target_within_60_ms() {
        let mut jb = JitterBuffer::new(8000);
        for i in 0..200u16 {
            // Packets every 20 ms of timestamp, arriving +-25 ms around their time.
            let wobble = if i % 2 == 0 { 0 } else { 50 };
            jb.push(
                i,
                u32::from(i) * 160,
                frame(1),
                ms(u64::from(i) * 20 + wobble),
            );
            jb.pop();
        }
        assert!(jb.jitter() > ms(20), "{:?}", jb.jitter());
        assert_eq!(jb.target(), 3, "60 ms at most");
    }

    #[test]
    fn a_fast_far_end_does_not_grow_the_delay() {
        let mut jb = JitterBuffer::new(8000);
        // 101 packets arrive for every 100 ticks.
        let mut seq = 0u16;
        for tick in 0..1000u64 {
            jb.push(seq, u32::from(seq) * 160, frame(1), ms(tick * 20));
            seq = seq.wrapping_add(1);
            if tick % 100 == 0 {
                jb.push(seq, u32::from(seq) * 160, frame(1), ms(tick * 20));
                seq = seq.wrapping_add(1);
            }
            jb.pop();
        }
        assert!(jb.depth() <= jb.target() + 2, "depth {}", jb.depth());
        assert!(jb.stats().dropped >= 5, "{:?}", jb.stats());
    }

    #[test]
    fn sequence_numbers_wrap() {
        let order: Vec<u16> = (65_530..=65_535).chain(0..5).collect();
        let mut jb = JitterBuffer::new(8000);
        let mut played = 0;
        for (i, &seq) in order.iter().enumerate() {
            jb.push(seq, i as u32 * 160, frame(1), ms(20 * i as u64));
            if matches!(jb.pop(), Playout::Audio(_)) {
                played += 1;
            }
        }
        assert_eq!(played, order.len());
        assert_eq!(jb.stats().late, 0);
    }
}
