//! The headless agent's devices: a WAV file as the microphone (looped) and a WAV file as the
//! speaker, both at the phone's 16 kHz mono.

use std::path::Path;

use crate::{MediaError, RATE};

/// A WAV file played as the microphone, round and round.
#[derive(Debug)]
pub struct WavSource {
    samples: Vec<i16>,
    at: usize,
}

impl WavSource {
    /// Reads `path` (16-bit PCM, any rate, mono or stereo) and brings it to 16 kHz mono.
    pub fn open(path: &Path) -> Result<Self, MediaError> {
        let shown = path.display().to_string();
        let mut reader = hound::WavReader::open(path).map_err(|e| MediaError::Wav {
            path: shown.clone(),
            reason: e.to_string(),
        })?;
        let spec = reader.spec();
        if spec.sample_format != hound::SampleFormat::Int
            || spec.bits_per_sample != 16
            || !(1..=2).contains(&spec.channels)
        {
            return Err(MediaError::WavFormat {
                path: shown,
                found: format!(
                    "{} bits, {} channels, {:?}",
                    spec.bits_per_sample, spec.channels, spec.sample_format
                ),
            });
        }
        let raw: Vec<i16> = reader
            .samples::<i16>()
            .collect::<Result<_, _>>()
            .map_err(|e| MediaError::Wav {
                path: shown,
                reason: e.to_string(),
            })?;
        let mono: Vec<i16> = if spec.channels == 2 {
            raw.chunks(2)
                .map(|c| ((i32::from(c[0]) + i32::from(*c.get(1).unwrap_or(&c[0]))) / 2) as i16)
                .collect()
        } else {
            raw
        };
        Ok(Self {
            samples: resample(&mono, spec.sample_rate, RATE),
            at: 0,
        })
    }

    /// Fills `frame` with the next samples (silence for an empty file).
    pub fn fill(&mut self, frame: &mut [i16]) {
        if self.samples.is_empty() {
            frame.fill(0);
            return;
        }
        for sample in frame {
            *sample = self.samples[self.at];
            self.at = (self.at + 1) % self.samples.len();
        }
    }
}

/// Linear interpolation from `from` Hz to `to` Hz: enough for a test tone or a prompt (the
/// devices' resampler comes with them).
fn resample(samples: &[i16], from: u32, to: u32) -> Vec<i16> {
    if from == to || samples.is_empty() {
        return samples.to_vec();
    }
    let len = (samples.len() as u64 * u64::from(to) / u64::from(from)) as usize;
    (0..len)
        .map(|i| {
            let pos = i as f64 * f64::from(from) / f64::from(to);
            let left = pos.floor() as usize;
            let right = (left + 1).min(samples.len() - 1);
            let frac = pos - left as f64;
            (f64::from(samples[left]) * (1.0 - frac) + f64::from(samples[right]) * frac) as i16
        })
        .collect()
}

/// A WAV file written as the speaker: 16 kHz, mono, 16-bit.
pub struct WavSink {
    writer: hound::WavWriter<std::io::BufWriter<std::fs::File>>,
    path: String,
}

impl std::fmt::Debug for WavSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WavSink").field("path", &self.path).finish()
    }
}

impl WavSink {
    /// Creates (or replaces) `path`.
    pub fn create(path: &Path) -> Result<Self, MediaError> {
        let spec = hound::WavSpec {
            channels: 1,
            sample_rate: RATE,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let shown = path.display().to_string();
        let writer = hound::WavWriter::create(path, spec).map_err(|e| MediaError::Wav {
            path: shown.clone(),
            reason: e.to_string(),
        })?;
        Ok(Self {
            writer,
            path: shown,
        })
    }

    /// Appends `samples` and brings the file up to date (its header included), so that the
    /// recording is whole up to here even if the program is killed.
    pub fn write(&mut self, samples: &[i16]) -> Result<(), MediaError> {
        let fail = |e: hound::Error| MediaError::Wav {
            path: self.path.clone(),
            reason: e.to_string(),
        };
        for &s in samples {
            self.writer.write_sample(s).map_err(fail)?;
        }
        self.writer.flush().map_err(fail)
    }

    /// Completes the file's header.
    pub fn finish(self) -> Result<(), MediaError> {
        let path = self.path;
        self.writer.finalize().map_err(|e| MediaError::Wav {
            path,
            reason: e.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_written_file_is_read_back_and_loops() {
        let dir = std::env::temp_dir().join(format!("switchboard-wav-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let path = dir.join("t.wav");
        let mut sink = WavSink::create(&path).expect("create");
        sink.write(&[1, 2, 3]).expect("write");
        sink.finish().expect("finish");
        let mut source = WavSource::open(&path).expect("open");
        let mut frame = [0i16; 5];
        source.fill(&mut frame);
        assert_eq!(frame, [1, 2, 3, 1, 2]);
        let missing = WavSource::open(&dir.join("none.wav")).expect_err("missing");
        assert_eq!(missing.code(), "media_wav");
        std::fs::remove_dir_all(&dir).expect("clean up");
    }

    #[test]
    fn other_rates_are_brought_to_the_phones_rate() {
        let at_16k: Vec<i16> = (0..320).map(|i| i as i16).collect();
        let down = resample(&at_16k, 16_000, 8000);
        assert_eq!(down.len(), 160);
        assert_eq!(&down[..3], [0, 2, 4]);
        let at_8k: Vec<i16> = (0..160).map(|i| (i * 2) as i16).collect();
        let up = resample(&at_8k, 8000, RATE);
        assert_eq!(up.len(), 320);
        assert_eq!(&up[..4], [0, 1, 2, 3]);
    }
}
