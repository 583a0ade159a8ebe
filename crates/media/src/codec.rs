//! The call's codecs over the phone's 16 kHz sound: G.711 (PCMU, PCMA) at 8 kHz through a
//! half-band filter each way, G.722 at 16 kHz (HD voice on most desk phones), and Opus at
//! 16 kHz (RFC 7587: its RTP clock is 48 kHz whatever the audio's rate), with in-band FEC and
//! its own loss concealment.

use audio_codec::g722::{G722Decoder, G722Encoder};
use audio_codec::{Decoder as _, Encoder as _};

use crate::g711::{alaw_decode, alaw_encode, ulaw_decode, ulaw_encode};
use crate::{MediaError, FRAME, RATE};

/// A codec of the call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Codec {
    /// G.711 mu-law, narrow band.
    Pcmu,
    /// G.711 A-law, narrow band.
    Pcma,
    /// G.722, wide band (64 kbit/s).
    G722,
    /// Opus, wide band here.
    Opus,
}

impl Codec {
    /// The codec of an rtpmap encoding name (`PCMU`, `g722`, `opus`...), if it is one of ours.
    pub fn from_name(name: &str) -> Option<Self> {
        match name.to_ascii_uppercase().as_str() {
            "PCMU" => Some(Self::Pcmu),
            "PCMA" => Some(Self::Pcma),
            "G722" => Some(Self::G722),
            "OPUS" => Some(Self::Opus),
            _ => None,
        }
    }

    /// Its RTP clock rate (RFC 3551 §4.5.2: 8 kHz for G.722 too; RFC 7587: 48 kHz for Opus).
    pub fn clock_rate(self) -> u32 {
        match self {
            Self::Opus => 48_000,
            _ => 8000,
        }
    }

    /// RTP timestamp units in one 20 ms frame.
    pub fn frame_units(self) -> u32 {
        self.clock_rate() / 50
    }

    /// Whether it carries wide-band sound (7 kHz).
    pub fn wideband(self) -> bool {
        matches!(self, Self::G722 | Self::Opus)
    }

    /// A new encoder.
    pub fn encoder(self) -> Result<Encoder, MediaError> {
        Ok(match self {
            Self::Pcmu | Self::Pcma => Encoder::G711(self, Box::new(HalfBand::new())),
            Self::G722 => Encoder::G722(Box::new(G722Encoder::new())),
            Self::Opus => {
                let opus_error = |e: opus::Error| MediaError::Codec(format!("Opus: {e}"));
                let mut encoder =
                    opus::Encoder::new(RATE, opus::Channels::Mono, opus::Application::Voip)
                        .map_err(opus_error)?;
                // 24 kbit/s of wide-band voice; redundancy against a few percent of loss.
                encoder
                    .set_bitrate(opus::Bitrate::Bits(24_000))
                    .map_err(opus_error)?;
                encoder.set_inband_fec(true).map_err(opus_error)?;
                encoder.set_packet_loss_perc(5).map_err(opus_error)?;
                // Speech, at a complexity a softphone uses (5 of 10: the analysis for music
                // and the costliest searches are left out; voice keeps its quality).
                encoder
                    .set_signal(opus::Signal::Voice)
                    .map_err(opus_error)?;
                encoder.set_complexity(5).map_err(opus_error)?;
                Encoder::Opus(Box::new(encoder))
            }
        })
    }

    /// A new decoder.
    pub fn decoder(self) -> Result<Decoder, MediaError> {
        let inner = match self {
            Self::Pcmu | Self::Pcma => Decoding::G711(self, Box::new(HalfBand::new())),
            Self::G722 => Decoding::G722(Box::new(G722Decoder::new())),
            Self::Opus => Decoding::Opus(Box::new(
                opus::Decoder::new(RATE, opus::Channels::Mono)
                    .map_err(|e| MediaError::Codec(format!("Opus: {e}")))?,
            )),
        };
        Ok(Decoder {
            inner,
            last: Vec::new(),
        })
    }
}

/// A half-band low-pass filter between 8 and 16 kHz (a windowed sinc, 31 taps): it keeps
/// what G.711 carries (up to 3.4 kHz) and removes the images and aliases of the rate change.
#[derive(Clone, Debug)]
pub struct HalfBand {
    taps: [f32; TAPS],
    history: [f32; TAPS],
    at: usize,
}

const TAPS: usize = 31;

impl HalfBand {
    fn new() -> Self {
        let mut taps = [0f32; TAPS];
        let middle = (TAPS / 2) as f32;
        for (k, tap) in taps.iter_mut().enumerate() {
            let x = k as f32 - middle;
            let sinc = if x == 0.0 {
                0.5
            } else {
                (std::f32::consts::PI * x / 2.0).sin() / (std::f32::consts::PI * x)
            };
            // Blackman window.
            let w = 0.42 - 0.5 * (std::f32::consts::TAU * k as f32 / (TAPS - 1) as f32).cos()
                + 0.08 * (2.0 * std::f32::consts::TAU * k as f32 / (TAPS - 1) as f32).cos();
            *tap = sinc * w;
        }
        let sum: f32 = taps.iter().sum();
        for tap in &mut taps {
            *tap /= sum;
        }
        Self {
            taps,
            history: [0.0; TAPS],
            at: 0,
        }
    }

    /// Filters one sample.
    fn push(&mut self, sample: f32) -> f32 {
        self.history[self.at] = sample;
        self.at = (self.at + 1) % TAPS;
        let mut sum = 0.0;
        for (k, tap) in self.taps.iter().enumerate() {
            sum += tap * self.history[(self.at + k) % TAPS];
        }
        sum
    }
}

fn to_i16(x: f32) -> i16 {
    x.round().clamp(-32768.0, 32767.0) as i16
}

/// Encodes the phone's 20 ms frames for the call.
pub enum Encoder {
    /// G.711, after bringing the frame down to 8 kHz.
    G711(Codec, Box<HalfBand>),
    /// G.722.
    G722(Box<G722Encoder>),
    /// Opus.
    Opus(Box<opus::Encoder>),
}

impl std::fmt::Debug for Encoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::G711(Codec::Pcma, _) => "Encoder(PCMA)",
            Self::G711(..) => "Encoder(PCMU)",
            Self::G722(_) => "Encoder(G722)",
            Self::Opus(_) => "Encoder(Opus)",
        })
    }
}

impl std::fmt::Debug for Decoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match &self.inner {
            Decoding::G711(Codec::Pcma, _) => "Decoder(PCMA)",
            Decoding::G711(..) => "Decoder(PCMU)",
            Decoding::G722(_) => "Decoder(G722)",
            Decoding::Opus(_) => "Decoder(Opus)",
        })
    }
}

impl Encoder {
    /// Appends the payload of one frame ([`FRAME`] samples at [`RATE`]) to `out`.
    pub fn encode(&mut self, frame: &[i16], out: &mut Vec<u8>) {
        match self {
            Self::G711(codec, filter) => {
                for pair in frame.chunks_exact(2) {
                    let _ = filter.push(f32::from(pair[0]));
                    let s = to_i16(filter.push(f32::from(pair[1])));
                    out.push(match codec {
                        Codec::Pcma => alaw_encode(s),
                        _ => ulaw_encode(s),
                    });
                }
            }
            Self::G722(encoder) => {
                let start = out.len();
                out.resize(start + FRAME, 0);
                let n = encoder.encode_into(frame, &mut out[start..]).unwrap_or(0);
                out.truncate(start + n);
            }
            Self::Opus(encoder) => {
                let start = out.len();
                out.resize(start + 400, 0);
                let n = encoder.encode(frame, &mut out[start..]).unwrap_or(0);
                out.truncate(start + n);
            }
        }
    }
}

/// How a codec decodes.
enum Decoding {
    /// G.711, brought up to 16 kHz.
    G711(Codec, Box<HalfBand>),
    /// G.722.
    G722(Box<G722Decoder>),
    /// Opus.
    Opus(Box<opus::Decoder>),
}

/// Decodes the call's payloads into the phone's 20 ms frames, and conceals lost ones.
pub struct Decoder {
    inner: Decoding,
    /// The last frame played, for concealment.
    last: Vec<i16>,
}

impl Decoder {
    /// Appends the samples of one payload to `out` (a frame is [`FRAME`] samples); a payload
    /// that does not decode appends nothing.
    pub fn decode(&mut self, payload: &[u8], out: &mut Vec<i16>) {
        let start = out.len();
        match &mut self.inner {
            Decoding::G711(codec, filter) => {
                for &byte in payload {
                    let s = match codec {
                        Codec::Pcma => alaw_decode(byte),
                        _ => ulaw_decode(byte),
                    };
                    // Zero-stuffing doubles the rate; the filter (gain 2) fills the gaps.
                    out.push(to_i16(2.0 * filter.push(f32::from(s))));
                    out.push(to_i16(2.0 * filter.push(0.0)));
                }
            }
            Decoding::G722(decoder) => {
                out.resize(start + payload.len() * 2, 0);
                let n = decoder.decode_into(payload, &mut out[start..]).unwrap_or(0);
                out.truncate(start + n);
            }
            Decoding::Opus(decoder) => {
                out.resize(start + 6 * FRAME, 0);
                let n = decoder
                    .decode(payload, &mut out[start..], false)
                    .unwrap_or(0);
                out.truncate(start + n);
            }
        }
        self.last.clear();
        self.last.extend_from_slice(&out[start..]);
    }

    /// A frame in place of a lost one. Opus rebuilds it from the next packet's redundancy
    /// (`next`, when it is already here) or conceals it itself; G.711 and G.722 repeat the
    /// last frame at half its level each time.
    pub fn conceal(&mut self, next: Option<&[u8]>) -> Vec<i16> {
        if let Decoding::Opus(decoder) = &mut self.inner {
            let mut out = vec![0i16; FRAME];
            let decoded = match next {
                Some(next) => decoder.decode(next, &mut out, true),
                None => decoder.decode(&[], &mut out, false),
            };
            if let Ok(n) = decoded {
                out.truncate(n);
                return out;
            }
        }
        for s in &mut self.last {
            *s /= 2;
        }
        if self.last.is_empty() {
            return vec![0; FRAME];
        }
        self.last.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `seconds` of a sine at `frequency`, at the phone's rate.
    fn sine(frequency: f32, seconds: f32) -> Vec<i16> {
        (0..(RATE as f32 * seconds) as usize)
            .map(|i| {
                (8000.0 * (std::f32::consts::TAU * frequency * i as f32 / RATE as f32).sin()) as i16
            })
            .collect()
    }

    /// Encodes and decodes `input` frame by frame.
    fn round_trip(codec: Codec, input: &[i16]) -> Vec<i16> {
        let mut encoder = codec.encoder().expect("encoder");
        let mut decoder = codec.decoder().expect("decoder");
        let mut output = Vec::new();
        for frame in input.chunks_exact(FRAME) {
            let mut payload = Vec::new();
            encoder.encode(frame, &mut payload);
            decoder.decode(&payload, &mut output);
        }
        output
    }

    /// The signal-to-noise ratio of `output` against `input` delayed by the best lag.
    fn snr(input: &[i16], output: &[i16]) -> f64 {
        (0..200)
            .map(|lag| {
                let (mut signal, mut noise) = (0.0f64, 0.0f64);
                for (i, &x) in input[..input.len() - 200].iter().enumerate().skip(2000) {
                    let y = f64::from(output[i + lag]);
                    signal += f64::from(x) * f64::from(x);
                    noise += (f64::from(x) - y) * (f64::from(x) - y);
                }
                10.0 * (signal / noise.max(1.0)).log10()
            })
            .fold(f64::MIN, f64::max)
    }

    #[test]
    fn each_codec_carries_a_voice_band_tone() {
        let input = sine(1000.0, 1.0);
        for (codec, bytes, least_snr) in [
            (Codec::Pcmu, FRAME / 2, 25.0),
            (Codec::Pcma, FRAME / 2, 25.0),
            (Codec::G722, FRAME / 2, 25.0),
            (Codec::Opus, 0, 15.0),
        ] {
            let mut encoder = codec.encoder().expect("encoder");
            let mut payload = Vec::new();
            encoder.encode(&input[..FRAME], &mut payload);
            if bytes > 0 {
                assert_eq!(payload.len(), bytes, "{codec:?} payload");
            } else {
                assert!(
                    !payload.is_empty() && payload.len() < 200,
                    "{codec:?} payload"
                );
            }
            let output = round_trip(codec, &input);
            assert_eq!(output.len(), input.len(), "{codec:?} keeps the length");
            let quality = snr(&input, &output);
            assert!(quality > least_snr, "{codec:?}: {quality:.1} dB");
        }
    }

    #[test]
    fn only_wide_band_codecs_carry_6_khz() {
        let input = sine(6000.0, 1.0);
        let power = |s: &[i16]| s[2000..].iter().map(|&x| f64::from(x).powi(2)).sum::<f64>();
        for codec in [Codec::Pcmu, Codec::G722, Codec::Opus] {
            let kept = power(&round_trip(codec, &input)) / power(&input);
            if codec.wideband() {
                assert!(kept > 0.3, "{codec:?} kept {kept:.3} of 6 kHz");
            } else {
                assert!(kept < 0.01, "{codec:?} let {kept:.3} of 6 kHz through");
            }
        }
    }

    #[test]
    fn lost_frames_are_concealed_and_clocks_named() {
        let input = sine(440.0, 0.2);
        let mut encoder = Codec::Opus.encoder().expect("encoder");
        let mut decoder = Codec::Opus.decoder().expect("decoder");
        let payloads: Vec<Vec<u8>> = input
            .chunks_exact(FRAME)
            .map(|f| {
                let mut p = Vec::new();
                encoder.encode(f, &mut p);
                p
            })
            .collect();
        let mut out = Vec::new();
        decoder.decode(&payloads[0], &mut out);
        let from_fec = decoder.conceal(Some(&payloads[2]));
        assert_eq!(from_fec.len(), FRAME);
        assert!(
            from_fec.iter().any(|&s| s.abs() > 1000),
            "the lost frame rebuilt"
        );
        let guessed = decoder.conceal(None);
        assert_eq!(guessed.len(), FRAME);
        // G.711: the last frame again, fading.
        let mut g711 = Codec::Pcmu.decoder().expect("decoder");
        let mut out = Vec::new();
        g711.decode(&[0x80; FRAME / 2], &mut out);
        let level = |f: &[i16]| f.iter().map(|s| i32::from(s.abs())).max().unwrap_or(0);
        let first = level(&g711.conceal(None));
        let second = level(&g711.conceal(None));
        assert!(
            first > 0 && second <= first / 2 + 1,
            "{first} then {second}"
        );
        assert_eq!(
            Codec::G722.decoder().expect("decoder").conceal(None),
            vec![0; FRAME]
        );
        assert_eq!(
            (Codec::Opus.clock_rate(), Codec::Opus.frame_units()),
            (48_000, 960)
        );
        assert_eq!(
            (Codec::G722.clock_rate(), Codec::G722.frame_units()),
            (8000, 160)
        );
        assert_eq!(Codec::from_name("opus"), Some(Codec::Opus));
        assert_eq!(Codec::from_name("G729"), None);
    }
}
