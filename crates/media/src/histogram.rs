//! Durations counted in a fixed, small table (log-linear buckets, about 6 % wide), so that a
//! call of any length keeps its delay figures in constant memory.

use std::time::Duration;

/// Sub-buckets per power of two.
const SUB: u32 = 16;
/// Powers of two covered, from 1 µs.
const POWERS: u32 = 32;

/// A histogram of durations.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Histogram {
    counts: Vec<u64>,
    total: u64,
}

impl Default for Histogram {
    fn default() -> Self {
        Self {
            counts: vec![0; (SUB * POWERS) as usize],
            total: 0,
        }
    }
}

fn bucket(micros: u64) -> usize {
    if micros < u64::from(SUB) {
        return micros as usize;
    }
    let power = 63 - micros.leading_zeros(); // >= 4
    let sub = (micros >> (power - 4)) & u64::from(SUB - 1);
    (((power - 3) * SUB) as u64 + sub).min(u64::from(SUB * POWERS) - 1) as usize
}

/// The lower edge of a bucket, in microseconds.
fn lower(index: usize) -> u64 {
    let index = index as u64;
    if index < u64::from(SUB) {
        return index;
    }
    let power = index / u64::from(SUB) + 3;
    let sub = index % u64::from(SUB);
    (u64::from(SUB) + sub) << (power - 4)
}

impl Histogram {
    /// Counts one duration.
    pub fn record(&mut self, d: Duration) {
        let micros = u64::try_from(d.as_micros()).unwrap_or(u64::MAX);
        self.counts[bucket(micros)] += 1;
        self.total += 1;
    }

    /// How many were counted.
    pub fn count(&self) -> u64 {
        self.total
    }

    /// The duration below which a fraction `p` (0..=1) of the counts fall (a bucket's lower
    /// edge); zero when empty.
    pub fn percentile(&self, p: f64) -> Duration {
        if self.total == 0 {
            return Duration::ZERO;
        }
        let wanted = ((self.total as f64) * p).ceil().max(1.0) as u64;
        let mut seen = 0;
        for (i, &c) in self.counts.iter().enumerate() {
            seen += c;
            if seen >= wanted {
                return Duration::from_micros(lower(i));
            }
        }
        Duration::from_micros(lower(self.counts.len() - 1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_within_a_bucket() {
        let mut h = Histogram::default();
        for ms in 1..=100u64 {
            h.record(Duration::from_millis(ms));
        }
        assert_eq!(h.count(), 100);
        let p50 = h.percentile(0.5).as_secs_f64() * 1000.0;
        let p99 = h.percentile(0.99).as_secs_f64() * 1000.0;
        assert!((47.0..=50.0).contains(&p50), "{p50}");
        assert!((93.0..=99.0).contains(&p99), "{p99}");
        assert_eq!(Histogram::default().percentile(0.5), Duration::ZERO);
        let mut tiny = Histogram::default();
        tiny.record(Duration::from_micros(3));
        assert_eq!(tiny.percentile(1.0), Duration::from_micros(3));
    }

    #[test]
    fn buckets_are_ordered() {
        let mut previous = 0;
        for micros in 0..1_000_000u64 {
            let b = bucket(micros);
            assert!(b >= previous);
            assert!(
                lower(b) <= micros,
                "{micros} in bucket {b} from {}",
                lower(b)
            );
            previous = b;
        }
    }
}
