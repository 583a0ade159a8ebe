//! Media costs and delays, printed as a table (`cargo bench -p switchboard-media --bench media
//! [-- SECONDS]`, 10 s by default):
//! - the client-added one-way delay, read with timestamps inside two live sessions sending to
//!   each other on loopback: microphone read to packet sent, and packet arrival to playing
//!   (the jitter buffer's wait included), beside the 20 ms a packet holds;
//! - the processing time of one 20 ms frame in each stage.

use std::hint::black_box;
use std::time::{Duration, Instant};

use switchboard_media::jitter::JitterBuffer;
use switchboard_media::mixer::Mixer;
use switchboard_media::rtp::{parse, Packetizer};
use switchboard_media::session::Stats;
use switchboard_media::{Codec, MediaSession, SessionConfig, FRAME};

fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1e3)
}

/// The time of one call of `f`, averaged over `n`.
fn per_call(n: u32, mut f: impl FnMut()) -> Duration {
    let start = Instant::now();
    for _ in 0..n {
        f();
    }
    start.elapsed() / n
}

fn main() {
    let seconds: u64 = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(10);
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let (a, b) = runtime.block_on(async {
        let sa = std::net::UdpSocket::bind("127.0.0.1:0").expect("socket");
        let sb = std::net::UdpSocket::bind("127.0.0.1:0").expect("socket");
        let config = |remote| SessionConfig {
            remote,
            codec: Codec::Pcmu,
            payload_type: 0,
            rtcp: None,
            receive: (0, None),
            audio: switchboard_media::session::Audio::Files {
                mic: None,
                speaker: None,
            },
            events: None,
            silence_timeout: Duration::from_secs(3600),
            quality_every: Duration::from_secs(3600),
            mix: None,
        };
        let (ra, rb) = (
            sa.local_addr().expect("address"),
            sb.local_addr().expect("address"),
        );
        let a = MediaSession::start(sa, config(rb), Box::new(|_| {})).expect("session");
        let b = MediaSession::start(sb, config(ra), Box::new(|_| {})).expect("session");
        tokio::time::sleep(Duration::from_secs(seconds)).await;
        (
            a.stop().await.expect("stats"),
            b.stop().await.expect("stats"),
        )
    });
    let both = |f: fn(&Stats) -> Duration| (f(&a) + f(&b)) / 2;
    let send50 = both(|s| s.capture_to_send.percentile(0.5));
    let send99 = both(|s| s.capture_to_send.percentile(0.99));
    let play50 = both(|s| s.arrival_to_play.percentile(0.5));
    let play99 = both(|s| s.arrival_to_play.percentile(0.99));
    let packet = Duration::from_millis(20);
    println!();
    println!(
        "| one-way delay added here ({} frames each way, loopback) | p50 | p99 |",
        a.capture_to_send.count()
    );
    println!("|---|---|---|");
    println!(
        "| microphone read -> packet sent | {} | {} |",
        ms(send50),
        ms(send99)
    );
    println!(
        "| packet arrived -> played (jitter buffer) | {} | {} |",
        ms(play50),
        ms(play99)
    );
    println!(
        "| a packet's own length | {} | {} |",
        ms(packet),
        ms(packet)
    );
    println!(
        "| total (goal <= 60 ms) | {} | {} |",
        ms(send50 + play50 + packet),
        ms(send99 + play99 + packet)
    );

    // Processing of one frame.
    let samples: Vec<i16> = (0..FRAME).map(|i| (i as i16 * 200) - 16_000).collect();
    let mut bytes = Vec::with_capacity(FRAME);
    let mut back = Vec::with_capacity(FRAME);
    let mut codec_rows = Vec::new();
    for (name, codec) in [
        ("G.711", Codec::Pcmu),
        ("G.722", Codec::G722),
        ("Opus", Codec::Opus),
    ] {
        let mut encoder = codec.encoder().expect("encoder");
        let mut decoder = codec.decoder().expect("decoder");
        let encode = per_call(20_000, || {
            bytes.clear();
            encoder.encode(black_box(&samples), &mut bytes);
        });
        let decode = per_call(20_000, || {
            back.clear();
            decoder.decode(black_box(&bytes), &mut back);
        });
        codec_rows.push((format!("{name} encode"), encode));
        codec_rows.push((format!("{name} decode"), decode));
    }
    let mut out = Packetizer::new(0);
    let rtp = per_call(200_000, || {
        let packet = out.packet(black_box(&bytes), 160);
        black_box(parse(&packet).map(|p| p.payload.len()));
    });
    let mut jb = JitterBuffer::new(8000);
    let mut seq = 0u16;
    let jitter = per_call(200_000, || {
        jb.push(
            seq,
            u32::from(seq) * 160,
            bytes.clone(),
            Duration::from_millis(u64::from(seq) * 20),
        );
        seq = seq.wrapping_add(1);
        black_box(jb.pop());
    });
    let mixer = Mixer::new();
    for id in ["a", "b", "c", "d"] {
        mixer.join(id);
    }
    let mut mixed = vec![0i16; FRAME];
    let mix = per_call(200_000, || {
        mixer.exchange("a", black_box(&samples), &samples, &mut mixed);
    });
    println!();
    println!("| stage, one 20 ms frame | time |");
    println!("|---|---|");
    codec_rows.extend([
        ("RTP build + parse".to_owned(), rtp),
        ("jitter buffer push + pop".to_owned(), jitter),
        ("conference mix, 4 parties".to_owned(), mix),
    ]);
    for (stage, t) in codec_rows {
        println!("| {stage} | {:.2} us |", t.as_secs_f64() * 1e6);
    }
}
