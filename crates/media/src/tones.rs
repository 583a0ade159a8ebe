//! The tones the agent hears from the phone itself: ringback while the far end rings without
//! early media, busy and congestion when a call fails, the call-waiting beep, and a short DTMF
//! tone as key feedback. Frequencies and cadences follow each country's network (ITU-T E.180
//! Supplement 2), so a French agent hears the French tones and a British agent the British
//! ones. Pure: frames are computed from a sample count, no clock.

use crate::{FRAME, RATE};

/// Whose network tones to play.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TonePlan {
    /// France: 440 Hz.
    #[default]
    France,
    /// The United Kingdom: 400 Hz, 400 + 450 Hz ringback.
    UnitedKingdom,
}

impl TonePlan {
    /// The plan of a country by its ISO 3166 code (`FR`, `GB`); France for others.
    pub fn for_country(code: &str) -> Self {
        if code.eq_ignore_ascii_case("GB") || code.eq_ignore_ascii_case("UK") {
            Self::UnitedKingdom
        } else {
            Self::France
        }
    }
}

/// A tone the phone plays.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tone {
    /// The far end is ringing (no early media from the network).
    Ringback,
    /// The far end is busy.
    Busy,
    /// The network or the far end cannot take the call.
    Congestion,
    /// A second call is ringing while the agent is in a call.
    CallWaiting,
    /// Feedback for a DTMF key the agent pressed.
    Key(char),
    /// A call was answered by itself (intercom): two short high beeps, once.
    Intercom,
}

/// One step of a cadence: how long in milliseconds, and the one or two frequencies sounding
/// (0: none; both 0: a pause).
type Step = (u32, f32, f32);

/// The steps of `tone` in `plan`, and whether they repeat.
fn cadence(plan: TonePlan, tone: Tone) -> (Vec<Step>, bool) {
    const PAUSE: f32 = 0.0;
    let steps = match (plan, tone) {
        (TonePlan::France, Tone::Ringback) => vec![(1500, 440.0, PAUSE), (3500, PAUSE, PAUSE)],
        (TonePlan::France, Tone::Busy | Tone::Congestion) => {
            vec![(500, 440.0, PAUSE), (500, PAUSE, PAUSE)]
        }
        (TonePlan::France, Tone::CallWaiting) => vec![(300, 440.0, PAUSE), (9700, PAUSE, PAUSE)],
        (TonePlan::UnitedKingdom, Tone::Ringback) => vec![
            (400, 400.0, 450.0),
            (200, PAUSE, PAUSE),
            (400, 400.0, 450.0),
            (2000, PAUSE, PAUSE),
        ],
        (TonePlan::UnitedKingdom, Tone::Busy) => vec![(375, 400.0, PAUSE), (375, PAUSE, PAUSE)],
        (TonePlan::UnitedKingdom, Tone::Congestion) => vec![
            (400, 400.0, PAUSE),
            (350, PAUSE, PAUSE),
            (225, 400.0, PAUSE),
            (525, PAUSE, PAUSE),
        ],
        (TonePlan::UnitedKingdom, Tone::CallWaiting) => vec![
            (100, 400.0, PAUSE),
            (100, PAUSE, PAUSE),
            (100, 400.0, PAUSE),
            (2700, PAUSE, PAUSE),
        ],
        (_, Tone::Intercom) => {
            return (
                vec![(120, 880.0, PAUSE), (80, PAUSE, PAUSE), (120, 880.0, PAUSE)],
                false,
            )
        }
        // 100 ms of the key's DTMF pair (ITU-T Q.23), once.
        (_, Tone::Key(key)) => {
            return (
                crate::dtmf::frequencies(key)
                    .map(|(low, high)| vec![(100, low, high)])
                    .unwrap_or_default(),
                false,
            )
        }
    };
    (steps, true)
}

/// Each component's level: about -13 dBm0, comfortable on a headset, and two components
/// together stay far from clipping.
const LEVEL: f32 = 4000.0;

/// Plays one tone, frame after frame.
#[derive(Clone, Debug)]
pub struct ToneGenerator {
    steps: Vec<Step>,
    repeats: bool,
    /// Samples played since the tone began.
    at: u64,
}

impl ToneGenerator {
    /// `tone` as `plan` sounds it, from its start.
    pub fn new(plan: TonePlan, tone: Tone) -> Self {
        let (steps, repeats) = cadence(plan, tone);
        Self {
            steps,
            repeats,
            at: 0,
        }
    }

    /// Whether a tone that does not repeat is over.
    pub fn finished(&self) -> bool {
        !self.repeats && self.at >= self.period()
    }

    fn period(&self) -> u64 {
        self.steps
            .iter()
            .map(|&(ms, _, _)| u64::from(ms) * u64::from(RATE) / 1000)
            .sum()
    }

    /// Adds the next frame of the tone to `frame` (mixing it over what is there).
    pub fn add_to(&mut self, frame: &mut [i16; FRAME]) {
        let period = self.period();
        if period == 0 {
            return;
        }
        for sample in frame.iter_mut() {
            if self.finished() {
                return;
            }
            let t = self.at;
            self.at += 1;
            let mut into = t % period;
            let mut freqs = (0.0, 0.0);
            for &(ms, low, high) in &self.steps {
                let len = u64::from(ms) * u64::from(RATE) / 1000;
                if into < len {
                    freqs = (low, high);
                    break;
                }
                into -= len;
            }
            let seconds = (t % u64::from(RATE)) as f32 / RATE as f32;
            let value: f32 = [freqs.0, freqs.1]
                .iter()
                .filter(|&&f| f > 0.0)
                .map(|f| LEVEL * (std::f32::consts::TAU * f * seconds).sin())
                .sum();
            *sample = crate::mixer::limit(i32::from(*sample) + value as i32);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Frames of `tone` for `ms` milliseconds.
    fn render(plan: TonePlan, tone: Tone, ms: usize) -> Vec<i16> {
        let mut generator = ToneGenerator::new(plan, tone);
        let mut out = Vec::new();
        for _ in 0..ms / 20 {
            let mut frame = [0; FRAME];
            generator.add_to(&mut frame);
            out.extend_from_slice(&frame);
        }
        out
    }

    /// Whether 20 ms starting at `ms` carry sound.
    fn sounds(samples: &[i16], ms: usize) -> bool {
        let start = ms * (RATE as usize / 1000);
        samples[start..start + FRAME]
            .iter()
            .any(|s| s.unsigned_abs() > 100)
    }

    /// Zero crossings per second over `ms` milliseconds from `from`: twice the frequency of a
    /// pure tone.
    fn crossings(samples: &[i16], from: usize, ms: usize) -> f64 {
        let per_ms = RATE as usize / 1000;
        let part = &samples[from * per_ms..(from + ms) * per_ms];
        let n = part.windows(2).filter(|w| (w[0] < 0) != (w[1] < 0)).count();
        n as f64 * 1000.0 / ms as f64
    }

    #[test]
    fn french_ringback_is_440_hz_for_one_and_a_half_seconds_every_five() {
        let s = render(TonePlan::France, Tone::Ringback, 10_000);
        assert!(sounds(&s, 0) && sounds(&s, 1480));
        assert!(!sounds(&s, 1500) && !sounds(&s, 4980));
        assert!(sounds(&s, 5000) && !sounds(&s, 6500));
        let hz = crossings(&s, 0, 1000) / 2.0;
        assert!((hz - 440.0).abs() < 2.0, "{hz} Hz");
    }

    #[test]
    fn british_busy_is_400_hz_in_375_ms_beats() {
        let s = render(TonePlan::UnitedKingdom, Tone::Busy, 1500);
        assert!(sounds(&s, 0) && sounds(&s, 340));
        assert!(!sounds(&s, 380) && !sounds(&s, 720));
        assert!(sounds(&s, 760));
        let hz = crossings(&s, 0, 360) / 2.0;
        assert!((hz - 400.0).abs() < 5.0, "{hz} Hz");
    }

    #[test]
    fn british_ringback_is_a_double_ring() {
        let s = render(TonePlan::UnitedKingdom, Tone::Ringback, 3000);
        assert!(sounds(&s, 0) && !sounds(&s, 420) && sounds(&s, 620) && !sounds(&s, 1020));
        assert!(!sounds(&s, 2980));
        let hz = crossings(&s, 0, 400) / 2.0;
        // Two tones 50 Hz apart beat; the crossings fall between them.
        assert!((400.0..450.0).contains(&hz), "{hz} Hz");
    }

    #[test]
    fn a_key_sounds_100_ms_once_then_is_finished() {
        let mut generator = ToneGenerator::new(TonePlan::France, Tone::Key('5'));
        let mut sound = Vec::new();
        for _ in 0..10 {
            let mut frame = [0; FRAME];
            generator.add_to(&mut frame);
            sound.extend_from_slice(&frame);
        }
        assert!(generator.finished());
        assert!(sounds(&sound, 0) && sounds(&sound, 80));
        assert!(!sounds(&sound, 100) && !sounds(&sound, 180));
        // An unknown key makes no sound at all.
        let mut none = ToneGenerator::new(TonePlan::France, Tone::Key('x'));
        let mut frame = [0; FRAME];
        none.add_to(&mut frame);
        assert!(frame.iter().all(|&s| s == 0));
    }

    #[test]
    fn a_tone_mixes_over_what_is_already_in_the_frame() {
        let mut frame = [1000; FRAME];
        ToneGenerator::new(TonePlan::France, Tone::Busy).add_to(&mut frame);
        let mean: i64 = frame.iter().map(|&s| i64::from(s)).sum::<i64>() / FRAME as i64;
        assert!((900..1100).contains(&mean), "{mean}");
    }

    #[test]
    fn plans_by_country() {
        assert_eq!(TonePlan::for_country("gb"), TonePlan::UnitedKingdom);
        assert_eq!(TonePlan::for_country("FR"), TonePlan::France);
    }
}
