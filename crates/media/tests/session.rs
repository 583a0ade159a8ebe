//! A call's session against a peer that sends packets of another length than its own 20 ms
//! (a peer ignoring our `a=ptime:20`): a raw socket sends G.711 RTP, the session records what
//! it plays into a WAV file, and the test listens to it.

use std::time::Duration;

use switchboard_e2e::audio::{dominant_frequency, read_wav, rms};
use switchboard_media::g711::ulaw_encode;
use switchboard_media::rtp::Packetizer;
use switchboard_media::session::Audio;
use switchboard_media::{Codec, MediaSession, SessionConfig, FRAME};

/// Sends 3 s of a 1 kHz tone in packets of `ms` milliseconds, one every `ms`, and returns what
/// the session played.
async fn played_from_packets_of(ms: u32) -> (Vec<i16>, u32) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let ours = std::net::UdpSocket::bind("127.0.0.1:0").expect("socket");
    let peer = tokio::net::UdpSocket::bind("127.0.0.1:0")
        .await
        .expect("socket");
    let to = ours.local_addr().expect("address");
    let heard = dir.path().join("heard.wav");
    let session = MediaSession::start(
        ours,
        SessionConfig {
            remote: peer.local_addr().expect("address"),
            codec: Codec::Pcmu,
            payload_type: 0,
            rtcp: None,
            receive: (0, None),
            audio: Audio::Files {
                mic: None,
                speaker: Some(heard.clone()),
            },
            events: None,
            silence_timeout: Duration::from_secs(3600),
            quality_every: Duration::from_secs(3600),
            mix: None,
        },
        Box::new(|_| {}),
    )
    .expect("session");
    let samples = 8 * ms; // at 8 kHz
    let mut out = Packetizer::new(0);
    let mut clock = tokio::time::interval(Duration::from_millis(u64::from(ms)));
    let mut t = 0u32;
    for _ in 0..3000 / ms {
        clock.tick().await;
        let payload: Vec<u8> = (0..samples)
            .map(|i| {
                let x = f64::from(t + i) / 8000.0;
                ulaw_encode((8000.0 * (std::f64::consts::TAU * 1000.0 * x).sin()) as i16)
            })
            .collect();
        t += samples;
        peer.send_to(&out.packet(&payload, samples), to)
            .await
            .expect("send");
    }
    session.stop().await.expect("the session ends");
    read_wav(&heard)
}

/// A 1 kHz sine of amplitude 8,000, as RMS.
const TONE_RMS: f64 = 8000.0 / std::f64::consts::SQRT_2;

/// Checks that the tone's steady part (the first and last half second left out) was played
/// whole: no more than one 20 ms frame in twenty off the typical level by more than a quarter
/// (cuts, gaps, concealment), the typical level the tone's own (not part tone and part
/// padding), and 1 kHz.
fn assert_heard_whole(samples: &[i16], rate: u32) {
    assert_eq!(rate as usize / 50, FRAME, "the session's own rate");
    let frame = rate as usize / 50;
    let half = rate as usize / 2;
    let steady = &samples[half..samples.len().saturating_sub(half)];
    let levels: Vec<f64> = steady.chunks_exact(frame).map(rms).collect();
    let total = levels.len();
    assert!(total >= 80, "only {total} frames of tone were played");
    let mut sorted = levels.clone();
    sorted.sort_by(f64::total_cmp);
    let typical = sorted[total / 2];
    let uneven = levels
        .iter()
        .filter(|l| (*l / typical - 1.0).abs() > 0.25)
        .count();
    assert!(
        uneven * 20 <= total,
        "{uneven} of {total} frames are cut or concealed"
    );
    assert!(
        (typical / TONE_RMS - 1.0).abs() < 0.15,
        "level {typical:.0} for {TONE_RMS:.0}"
    );
    let f = dominant_frequency(steady, rate, 300, 3400);
    assert!(f.abs_diff(1000) <= 5, "heard {f} Hz");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_peer_sending_30_ms_packets_is_heard_whole() {
    let (samples, rate) = played_from_packets_of(30).await;
    assert_heard_whole(&samples, rate);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_peer_sending_10_ms_packets_is_heard_whole() {
    let (samples, rate) = played_from_packets_of(10).await;
    assert_heard_whole(&samples, rate);
}
