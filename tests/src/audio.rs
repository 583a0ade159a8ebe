//! What a recording holds: its strongest frequency, found with the Goertzel filter swept in
//! 1 Hz steps (the tests check a tone to within a few hertz).

/// The energy of `samples` (taken at `rate`) at `frequency` Hz (Goertzel).
pub fn tone_power(samples: &[i16], rate: u32, frequency: u32) -> f64 {
    let w = 2.0 * std::f64::consts::PI * f64::from(frequency) / f64::from(rate);
    let coeff = 2.0 * w.cos();
    let (mut s1, mut s2) = (0.0f64, 0.0f64);
    for &x in samples {
        let s0 = f64::from(x) + coeff * s1 - s2;
        s2 = s1;
        s1 = s0;
    }
    s1 * s1 + s2 * s2 - coeff * s1 * s2
}

/// The frequency (Hz) in `lo..=hi` with the most energy in `samples` taken at `rate`.
pub fn dominant_frequency(samples: &[i16], rate: u32, lo: u32, hi: u32) -> u32 {
    dominant_frequency_of(&[samples], rate, lo, hi)
}

/// Like [`dominant_frequency`], over stretches of sound heard apart (the beats of a cadence,
/// what came between two gaps of a device): their energies add up, so the phase jump from one
/// stretch to the next does not smear the tone.
pub fn dominant_frequency_of<S: AsRef<[i16]>>(parts: &[S], rate: u32, lo: u32, hi: u32) -> u32 {
    let power = |f: u32| -> f64 { parts.iter().map(|p| tone_power(p.as_ref(), rate, f)).sum() };
    (lo..=hi)
        .max_by(|&a, &b| power(a).total_cmp(&power(b)))
        .unwrap_or(lo)
}

/// The samples of a 16-bit WAV file (the first channel) and its rate.
pub fn read_wav(path: &std::path::Path) -> (Vec<i16>, u32) {
    let mut reader =
        hound::WavReader::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let spec = reader.spec();
    let samples: Vec<i16> = reader
        .samples::<i16>()
        .step_by(usize::from(spec.channels))
        .collect::<Result<_, _>>()
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    (samples, spec.sample_rate)
}

/// Writes `seconds` of a `frequency` Hz sine at half scale, mono 16-bit at `rate`.
pub fn write_tone_wav(path: &std::path::Path, frequency: f64, seconds: u32, rate: u32) {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: rate,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut writer = hound::WavWriter::create(path, spec).expect("tone file");
    for i in 0..seconds * rate {
        let t = f64::from(i) / f64::from(rate);
        let sample = 16_000.0 * (2.0 * std::f64::consts::PI * frequency * t).sin();
        writer.write_sample(sample as i16).expect("tone sample");
    }
    writer.finalize().expect("tone file");
}

/// The root-mean-square level of `samples` (0 for silence, about 23,000 for a full-scale
/// sine).
pub fn rms(samples: &[i16]) -> f64 {
    if samples.is_empty() {
        return 0.0;
    }
    let sum: f64 = samples.iter().map(|&s| f64::from(s) * f64::from(s)).sum();
    (sum / samples.len() as f64).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_a_tone() {
        let tone: Vec<i16> = (0..8000)
            .map(|i| {
                (8000.0 * (2.0 * std::f64::consts::PI * 440.0 * f64::from(i) / 8000.0).sin()) as i16
            })
            .collect();
        assert_eq!(dominant_frequency(&tone, 8000, 300, 3000), 440);
        // Two stretches, the second out of phase with the first: still 440 Hz.
        let apart = [&tone[..3000], &tone[3037..6000]];
        assert_eq!(dominant_frequency_of(&apart, 8000, 300, 3000), 440);
        assert!(rms(&tone) > 5000.0);
        assert_eq!(rms(&[0; 100]), 0.0);
    }
}
