//! The delay the sound devices add: a click played on the headset's speaker comes back on its
//! microphone (a PulseAudio null sink and its monitor, started here), counted in samples of
//! the call's own clock: what a call's frame spends in the speaker's path and the
//! microphone's path together (`cargo bench -p switchboard-media --bench device_latency`).

use std::time::{Duration, Instant};

use switchboard_e2e::pulse::Pulse;
use switchboard_media::headset::{Headset, HeadsetConfig};
use switchboard_media::{FRAME, RATE};

fn main() {
    let _pulse = Pulse::start(&["headset"]);
    // The loop is an echo: heard raw.
    let headset = Headset::start(
        HeadsetConfig {
            echo_cancellation: false,
            noise_suppression: false,
            ..HeadsetConfig::default()
        },
        Box::new(|_| {}),
    )
    .expect("the headset starts");
    let mut port = headset.port();
    let mut delays = Vec::new();
    let mut next = Instant::now();
    let mut frame_no: u64 = 0;
    // A click every half second; where it comes back, in samples.
    let mut sent_at: Option<u64> = None;
    let deadline = Instant::now() + Duration::from_secs(90);
    while delays.len() < 60 && Instant::now() < deadline {
        let mut out = [0i16; FRAME];
        if frame_no % 25 == 10 && sent_at.is_none() {
            // A 5 ms burst of 1 kHz: sharp enough to time, within what the devices carry.
            for (i, s) in out.iter_mut().take(RATE as usize / 200).enumerate() {
                let t = i as f64 / f64::from(RATE);
                *s = (20_000.0 * (std::f64::consts::TAU * 1000.0 * t + 0.5).sin()) as i16;
            }
            sent_at = Some(frame_no * FRAME as u64);
        }
        port.play(&out);
        let mut heard = [0i16; FRAME];
        port.fill(&mut heard);
        if let (Some(sent), Some(i)) = (sent_at, heard.iter().position(|s| s.abs() > 5_000)) {
            let back = frame_no * FRAME as u64 + i as u64;
            // The first six seconds let the devices and the queues settle.
            if frame_no > 300 {
                delays.push(Duration::from_secs_f64(
                    (back - sent) as f64 / f64::from(RATE),
                ));
            }
            sent_at = None;
        }
        // A click lost (the devices were still opening): the next one.
        if sent_at.is_some_and(|sent| frame_no * FRAME as u64 > sent + 20 * FRAME as u64) {
            sent_at = None;
        }
        frame_no += 1;
        next += Duration::from_millis(20);
        std::thread::sleep(next.saturating_duration_since(Instant::now()));
    }
    assert!(!delays.is_empty(), "no click came back");
    delays.sort();
    let at = |q: f64| delays[((delays.len() - 1) as f64 * q) as usize];
    println!(
        "\n| speaker -> microphone through the devices ({} clicks) | p50 | p99 |",
        delays.len()
    );
    println!("|---|---|---|");
    println!(
        "| both device paths (a call's frame heard back) | {:.1} ms | {:.1} ms |",
        at(0.5).as_secs_f64() * 1e3,
        at(0.99).as_secs_f64() * 1e3
    );
}
