//! The codecs against known vectors made by other implementations (SoX for G.711; FFmpeg 5.1
//! for G.722 and Opus, its own coders, not ours nor libopus): every G.711 code decodes to the
//! same level and every sample to the same code but at decision boundaries; the reference's
//! G.722 and Opus streams decode as the reference decoder hears them; our G.722 keeps a
//! signal as well as the reference coder. `vectors/README.md` says how each file was made.

use switchboard_media::codec::Codec;
use switchboard_media::g711::{alaw_decode, alaw_encode, ulaw_decode, ulaw_encode};
use switchboard_media::FRAME;

/// Signed 16-bit little-endian samples.
fn samples(bytes: &[u8]) -> Vec<i16> {
    bytes
        .chunks_exact(2)
        .map(|b| i16::from_le_bytes([b[0], b[1]]))
        .collect()
}

const WIDE: &[u8] = include_bytes!("vectors/wideband.s16");

/// The first index where two sequences differ, with both values, for a readable failure.
fn first_difference<T: PartialEq + Copy>(a: &[T], b: &[T]) -> Option<(usize, T, T)> {
    a.iter()
        .zip(b)
        .enumerate()
        .find(|(_, (x, y))| x != y)
        .map(|(i, (x, y))| (i, *x, *y))
}

#[test]
fn g711_codes_decode_to_the_reference_levels_and_every_sample_encodes_as_the_reference() {
    let every_sample: Vec<i16> = (i16::MIN..=i16::MAX).collect();
    let every_code: Vec<u8> = (0..=255).collect();
    for (name, encode, decode, coded, levels) in [
        (
            "PCMU",
            ulaw_encode as fn(i16) -> u8,
            ulaw_decode as fn(u8) -> i16,
            &include_bytes!("vectors/g711_all.ulaw")[..],
            &include_bytes!("vectors/g711_codes.ulaw.s16")[..],
        ),
        (
            "PCMA",
            alaw_encode,
            alaw_decode,
            &include_bytes!("vectors/g711_all.alaw")[..],
            &include_bytes!("vectors/g711_codes.alaw.s16")[..],
        ),
    ] {
        let heard: Vec<i16> = every_code.iter().map(|&c| decode(c)).collect();
        assert_eq!(
            first_difference(&heard, &samples(levels)),
            None,
            "{name}: decoded"
        );
        let ours: Vec<u8> = every_sample.iter().map(|&s| encode(s)).collect();
        // Table-driven encoders (this one is SoX's) place each decision level up to 4
        // samples (under one 13-bit step) away from where the recommendation's segment
        // arithmetic puts it: they may differ only there, and only by choosing the other of
        // the two levels around the sample.
        let mut differ = 0;
        for (&sample, (&a, &b)) in every_sample.iter().zip(ours.iter().zip(coded)) {
            // mu-law's two codes for 0.
            if decode(a) == decode(b) {
                continue;
            }
            differ += 1;
            let (low, high) = (decode(a).min(decode(b)), decode(a).max(decode(b)));
            let neighbours = every_code
                .iter()
                .map(|&c| decode(c))
                .all(|level| level <= low || level >= high);
            assert!(
                neighbours && (low..=high).contains(&sample),
                "{name}: {sample} coded {a}, the reference {b}"
            );
        }
        // At most 4 samples at each of the 255 boundaries between levels.
        assert!(differ <= 4 * 255, "{name}: {differ} samples differ");
    }
}

#[test]
fn g722_decodes_the_reference_stream_as_the_reference_does_and_encodes_as_well() {
    let input = samples(WIDE);
    let reference = include_bytes!("vectors/wideband.g722");
    let expected = samples(include_bytes!("vectors/wideband.g722.s16"));

    // The reference's 64 kbit/s stream: 75 frames of 20 ms, 160 bytes each.
    let mut decoder = Codec::G722.decoder().expect("decoder");
    let mut heard = Vec::new();
    for payload in reference.chunks(FRAME / 2) {
        decoder.decode(payload, &mut heard);
    }
    assert_eq!(heard.len(), expected.len());
    // The two decoders part only in their first milliseconds (predictor start-up): 71 dB
    // apart over the rest when measured.
    let agreement = snr_db(&expected, &heard);
    assert!(agreement > 60.0, "the decoders agree to {agreement:.1} dB");

    // Our stream, through our decoder, keeps the input as well as the reference coder does.
    let mut encoder = Codec::G722.encoder().expect("encoder");
    let mut decoder = Codec::G722.decoder().expect("decoder");
    let mut ours = Vec::new();
    for frame in input.chunks_exact(FRAME) {
        let mut payload = Vec::new();
        encoder.encode(frame, &mut payload);
        assert_eq!(payload.len(), FRAME / 2, "64 kbit/s");
        decoder.decode(&payload, &mut ours);
    }
    let theirs = snr_db(&input, &expected);
    let mine = snr_db(&input, &ours);
    assert!(theirs > 25.0, "the reference keeps {theirs:.1} dB");
    assert!(
        mine > theirs - 0.5,
        "ours keeps {mine:.1} dB, the reference {theirs:.1} dB"
    );
}

/// The packets of an Ogg Opus file (RFC 7845): page segments joined by their lacing values,
/// the identification and comment headers left out.
fn ogg_packets(mut file: &[u8]) -> Vec<Vec<u8>> {
    let mut packets = Vec::new();
    let mut packet = Vec::new();
    while file.len() >= 27 {
        assert_eq!(&file[..4], b"OggS", "an Ogg page");
        let segments = usize::from(file[26]);
        let lacing = &file[27..27 + segments];
        let mut body = &file[27 + segments..];
        for &size in lacing {
            packet.extend_from_slice(&body[..usize::from(size)]);
            body = &body[usize::from(size)..];
            // A lacing value under 255 ends a packet.
            if size < 255 {
                packets.push(std::mem::take(&mut packet));
            }
        }
        let length = 27 + segments + lacing.iter().map(|&s| usize::from(s)).sum::<usize>();
        file = &file[length..];
    }
    packets.retain(|p| !p.starts_with(b"OpusHead") && !p.starts_with(b"OpusTags"));
    packets
}

/// The signal-to-noise ratio of `heard` against `expected`, at the lag (0..400 samples of
/// `heard` ahead) where they agree best, over the middle of the signal.
fn snr_db(expected: &[i16], heard: &[i16]) -> f64 {
    (0..400)
        .map(|lag| {
            let (mut signal, mut noise) = (0.0f64, 0.0f64);
            for (i, &x) in expected.iter().enumerate().skip(1600).take(16_000) {
                let y = f64::from(heard[i + lag]);
                signal += f64::from(x).powi(2);
                noise += (f64::from(x) - y).powi(2);
            }
            10.0 * (signal / noise.max(1.0)).log10()
        })
        .fold(f64::MIN, f64::max)
}

#[test]
fn opus_from_another_encoder_decodes_as_the_reference_decoder_hears_it() {
    let packets = ogg_packets(include_bytes!("vectors/wideband.opus.ogg"));
    // 1.5 s in 20 ms packets, and the encoder's delay in one more.
    assert_eq!(packets.len(), 76);
    let mut decoder = Codec::Opus.decoder().expect("decoder");
    let mut heard = Vec::new();
    for packet in &packets {
        let before = heard.len();
        decoder.decode(packet, &mut heard);
        assert!(heard.len() > before, "every packet decodes");
    }
    // The reference decoder's output, at 16 kHz; its resampler and ours are not the same
    // filter, so the two agree to within a small noise, far under what the codec itself adds.
    let expected = samples(include_bytes!("vectors/wideband.opus.s16"));
    let agreement = snr_db(&expected, &heard);
    let fidelity = snr_db(&samples(WIDE), &heard);
    assert!(
        agreement > 35.0,
        "ours and the reference decoder's agree to {agreement:.1} dB"
    );
    assert!(fidelity > 10.0, "the input comes back at {fidelity:.1} dB");
}
