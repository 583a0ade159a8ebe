//! G.711 (ITU-T G.711, 1988): 16-bit linear samples to 8-bit mu-law (PCMU, payload type 0)
//! and A-law (PCMA, payload type 8), and back. Segment encoding as the recommendation
//! describes it: a sign bit, a 3-bit segment (exponent) and a 4-bit step inside it.

/// Added before mu-law segmenting so that the segments line up on powers of two.
const ULAW_BIAS: i32 = 0x84;
/// The largest magnitude mu-law represents (after the bias it still fits 15 bits).
const ULAW_CLIP: i32 = 32_635;

/// The segment of a biased magnitude: the position of its highest bit above bit 7.
fn segment(magnitude: i32) -> i32 {
    let mut segment = 7;
    let mut mask = 0x4000;
    while segment > 0 && magnitude & mask == 0 {
        segment -= 1;
        mask >>= 1;
    }
    segment
}

/// One linear sample to mu-law.
pub fn ulaw_encode(sample: i16) -> u8 {
    let value = i32::from(sample);
    let sign = if value < 0 { 0x80 } else { 0 };
    let magnitude = value.abs().min(ULAW_CLIP) + ULAW_BIAS;
    let exponent = segment(magnitude);
    let mantissa = (magnitude >> (exponent + 3)) & 0x0F;
    // The code is sent inverted (the recommendation's even-bit rule for mu-law).
    !((sign | (exponent << 4) | mantissa) as u8)
}

/// One mu-law byte to a linear sample.
pub fn ulaw_decode(code: u8) -> i16 {
    let code = !code;
    let exponent = i32::from((code >> 4) & 0x07);
    let mantissa = i32::from(code & 0x0F);
    let magnitude = (((mantissa << 3) + ULAW_BIAS) << exponent) - ULAW_BIAS;
    let value = if code & 0x80 != 0 {
        -magnitude
    } else {
        magnitude
    };
    // |value| <= 32124: always in range.
    value as i16
}

/// One linear sample to A-law.
pub fn alaw_encode(sample: i16) -> u8 {
    let value = i32::from(sample);
    // A-law codes magnitudes of one's complement: -1 and 0 are the two smallest codes.
    let (sign, magnitude) = if value >= 0 {
        (0x80, value)
    } else {
        (0x00, -value - 1)
    };
    let code = if magnitude < 256 {
        (magnitude >> 4) & 0x0F
    } else {
        // Segments 1..7: the highest bit at 8..14.
        let exponent = (31 - magnitude.leading_zeros() as i32 - 7).min(7);
        let mantissa = (magnitude >> (exponent + 3)) & 0x0F;
        (exponent << 4) | mantissa
    };
    ((sign | code) ^ 0x55) as u8
}

/// One A-law byte to a linear sample.
pub fn alaw_decode(code: u8) -> i16 {
    let code = code ^ 0x55;
    let exponent = i32::from((code >> 4) & 0x07);
    let mantissa = i32::from(code & 0x0F);
    let magnitude = if exponent == 0 {
        (mantissa << 4) + 8
    } else {
        ((mantissa << 4) + 0x108) << (exponent - 1)
    };
    let value = if code & 0x80 != 0 {
        magnitude
    } else {
        -magnitude
    };
    // |value| <= 32256: always in range.
    value as i16
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_codes() {
        // Silence, and the extremes, as the recommendation's tables give them.
        assert_eq!(ulaw_encode(0), 0xFF);
        assert_eq!(ulaw_decode(0xFF), 0);
        assert_eq!(ulaw_decode(0x7F), 0);
        assert_eq!(ulaw_decode(0x80), 32_124);
        assert_eq!(ulaw_decode(0x00), -32_124);
        assert_eq!(ulaw_encode(i16::MAX), 0x80);
        assert_eq!(ulaw_encode(i16::MIN), 0x00);
        assert_eq!(alaw_encode(0), 0xD5);
        assert_eq!(alaw_encode(-1), 0x55);
        assert_eq!(alaw_decode(0xD5), 8);
        assert_eq!(alaw_decode(0x55), -8);
        assert_eq!(alaw_decode(0xAA), 32_256);
        assert_eq!(alaw_decode(0x2A), -32_256);
        assert_eq!(alaw_encode(i16::MAX), 0xAA);
        assert_eq!(alaw_encode(i16::MIN), 0x2A);
    }

    #[test]
    fn every_code_decodes_and_encodes_back_to_itself() {
        for code in 0..=255u8 {
            let back = ulaw_encode(ulaw_decode(code));
            // 0x7F and 0xFF are both zero; zero encodes as 0xFF.
            if code != 0x7F {
                assert_eq!(back, code, "mu-law {code:#04x}");
            }
            assert_eq!(alaw_encode(alaw_decode(code)), code, "A-law {code:#04x}");
        }
    }

    #[test]
    fn round_trip_error_stays_within_half_a_step_of_the_segment() {
        for sample in i16::MIN..=i16::MAX {
            let x = i32::from(sample);
            // mu-law: steps of 2^(segment + 3) over the biased magnitude; the decoder gives
            // the middle of the step.
            let clipped = x.clamp(-ULAW_CLIP, ULAW_CLIP);
            let half = 1 << (segment(clipped.abs() + ULAW_BIAS) + 2);
            let u = i32::from(ulaw_decode(ulaw_encode(sample)));
            assert!((u - clipped).abs() <= half, "mu-law {sample} -> {u}");
            // A-law: steps of 16 in the first two segments, then doubling.
            let m = if x >= 0 { x } else { -x - 1 };
            let half = if m < 256 {
                8
            } else {
                1 << (31 - m.leading_zeros() as i32 - 7 + 2)
            };
            let a = i32::from(alaw_decode(alaw_encode(sample)));
            assert!((a - x).abs() <= half + 1, "A-law {sample} -> {a}");
        }
    }
}
