//! Voice processing of the agent's microphone (sonora, a port of WebRTC's audio processing):
//! echo cancellation, so the caller does not hear themselves come back from the agent's
//! speaker, and noise suppression, so the open-space around the agent stays out of the call.
//! It works on the headset's 20 ms frames at 16 kHz, in two 10 ms halves as it requires; what
//! was played (the render side) is given before the microphone frames that may echo it.

use sonora::config::{EchoCanceller, NoiseSuppression, NoiseSuppressionLevel};
use sonora::{AudioProcessing, Config, StreamConfig};

use crate::{FRAME, RATE};

/// Samples of the 10 ms blocks the processing takes.
const HALF: usize = FRAME / 2;

/// The microphone's processing; does nothing when both parts are off.
pub struct VoiceProcessing {
    apm: Option<AudioProcessing>,
    out: [i16; HALF],
}

impl std::fmt::Debug for VoiceProcessing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VoiceProcessing")
            .field("on", &self.apm.is_some())
            .finish()
    }
}

impl VoiceProcessing {
    /// Echo cancellation and noise suppression, each on or off.
    pub fn new(echo_cancellation: bool, noise_suppression: bool) -> Self {
        let config = Config {
            echo_canceller: echo_cancellation.then(EchoCanceller::default),
            noise_suppression: noise_suppression.then(|| NoiseSuppression {
                level: NoiseSuppressionLevel::Moderate,
                ..NoiseSuppression::default()
            }),
            ..Config::default()
        };
        let stream = StreamConfig::new(RATE, 1);
        let apm = (echo_cancellation || noise_suppression).then(|| {
            AudioProcessing::builder()
                .config(config)
                .capture_config(stream)
                .render_config(stream)
                .build()
        });
        Self {
            apm,
            out: [0; HALF],
        }
    }

    /// What the speaker plays now (the echo to expect).
    pub fn render(&mut self, frame: &[i16; FRAME]) {
        if let Some(apm) = self.apm.as_mut() {
            for half in frame.chunks_exact(HALF) {
                // A frame the processing refuses is a frame it does not learn from.
                let _ = apm.process_render_i16(half, &mut self.out);
            }
        }
    }

    /// Cleans what the microphone recorded, in place.
    pub fn capture(&mut self, frame: &mut [i16; FRAME]) {
        if let Some(apm) = self.apm.as_mut() {
            for half in frame.chunks_exact_mut(HALF) {
                if apm.process_capture_i16(half, &mut self.out).is_ok() {
                    half.copy_from_slice(&self.out);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Broadband noise (a speech-like spectrum is what the canceller locks onto).
    fn noise(seed: &mut u32) -> [i16; FRAME] {
        let mut frame = [0; FRAME];
        for s in &mut frame {
            *seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            *s = ((*seed >> 16) as i16) / 4;
        }
        frame
    }

    fn energy(frames: &[[i16; FRAME]]) -> f64 {
        frames
            .iter()
            .flatten()
            .map(|&s| f64::from(s) * f64::from(s))
            .sum()
    }

    /// The microphone hears the speaker 40 ms later at a third of its level, nothing else.
    fn echo_left(processing: &mut VoiceProcessing) -> f64 {
        let mut seed = 7;
        let played: Vec<[i16; FRAME]> = (0..150).map(|_| noise(&mut seed)).collect();
        let mut heard = Vec::new();
        for (i, frame) in played.iter().enumerate() {
            processing.render(frame);
            let mut mic = [0i16; FRAME];
            if i >= 2 {
                for (m, &s) in mic.iter_mut().zip(&played[i - 2]) {
                    *m = s / 3;
                }
            }
            processing.capture(&mut mic);
            heard.push(mic);
        }
        // After two seconds to converge.
        energy(&heard[100..])
    }

    #[test]
    fn the_speakers_echo_is_taken_out_of_the_microphone() {
        let raw = echo_left(&mut VoiceProcessing::new(false, false));
        let cleaned = echo_left(&mut VoiceProcessing::new(true, false));
        let db = 10.0 * (raw / cleaned.max(1.0)).log10();
        assert!(db > 15.0, "echo reduced by {db:.1} dB only");
    }

    #[test]
    fn off_leaves_the_microphone_untouched() {
        let mut off = VoiceProcessing::new(false, false);
        let mut frame = [1234; FRAME];
        off.render(&[5; FRAME]);
        off.capture(&mut frame);
        assert_eq!(frame, [1234; FRAME]);
    }
}
