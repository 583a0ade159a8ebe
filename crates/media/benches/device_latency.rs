//! The delay the sound devices add: a click played on the headset's speaker comes back on its
//! microphone (a PulseAudio null sink and its monitor, started here), counted in samples of
//! the call's own clock: what a call's frame spends in the speaker's path and the
//! microphone's path together (`cargo bench -p switchboard-media --bench device_latency`).
//!
//! Beside it, the same loop with nothing of ours in it: two bare cpal streams in the shape the
//! headset asks for (16 kHz, 10 ms callbacks), the click written in the speaker's callback and
//! timed when the microphone's callback hands it back. That is the floor the sound server
//! and its buffers set; what the headset adds is the difference.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use cpal::traits::{DeviceTrait, HostTrait, StreamTrait};

use switchboard_e2e::pulse::Pulse;
use switchboard_media::headset::{Headset, HeadsetConfig};
use switchboard_media::{FRAME, RATE};

/// Round trips through the bare streams: a click every half second, written at the start of
/// a speaker callback, timed from that callback to the microphone callback that brings it.
fn bare_round_trips() -> Vec<Duration> {
    let host = cpal::default_host();
    let speaker = host.default_output_device().expect("the null sink");
    let microphone = host.default_input_device().expect("its monitor");
    let config = cpal::StreamConfig {
        channels: 1,
        sample_rate: RATE,
        buffer_size: cpal::BufferSize::Fixed(RATE / 100),
    };
    let epoch = Instant::now();
    // When the click pending went out (ns since `epoch`), 0 when none.
    let sent = Arc::new(AtomicU64::new(0));
    let (delays_tx, delays) = std::sync::mpsc::channel();
    let out_sent = Arc::clone(&sent);
    let mut written: u64 = 0;
    let output = speaker
        .build_output_stream::<f32, _, _>(
            config,
            move |data: &mut [f32], _: &cpal::OutputCallbackInfo| {
                data.fill(0.0);
                // Every half second, after the first second.
                if written > u64::from(RATE) && out_sent.load(Ordering::Relaxed) == 0 {
                    for (i, s) in data.iter_mut().take(RATE as usize / 200).enumerate() {
                        let t = i as f32 / RATE as f32;
                        *s = 0.6 * (std::f32::consts::TAU * 1000.0 * t + 0.5).sin();
                    }
                    out_sent.store(epoch.elapsed().as_nanos() as u64, Ordering::Relaxed);
                    written = 0;
                }
                written += data.len() as u64;
            },
            |e| eprintln!("speaker: {e}"),
            None,
        )
        .expect("speaker stream");
    let input = microphone
        .build_input_stream::<f32, _, _>(
            config,
            move |data: &[f32], _: &cpal::InputCallbackInfo| {
                let at = sent.load(Ordering::Relaxed);
                if at != 0 && data.iter().any(|s| s.abs() > 0.15) {
                    let now = epoch.elapsed().as_nanos() as u64;
                    let _ = delays_tx.send(Duration::from_nanos(now.saturating_sub(at)));
                    sent.store(0, Ordering::Relaxed);
                }
            },
            |e| eprintln!("microphone: {e}"),
            None,
        )
        .expect("microphone stream");
    output.play().expect("speaker plays");
    input.play().expect("microphone records");
    // The first clicks, while the streams settle, are not counted.
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut got: Vec<Duration> = Vec::new();
    while got.len() < 70 && Instant::now() < deadline {
        if let Ok(d) = delays.recv_timeout(Duration::from_secs(2)) {
            got.push(d);
        }
    }
    got.into_iter().skip(10).collect()
}

fn percentiles(mut delays: Vec<Duration>) -> (f64, f64) {
    assert!(!delays.is_empty(), "no click came back");
    delays.sort();
    let at = |q: f64| delays[((delays.len() - 1) as f64 * q) as usize].as_secs_f64() * 1e3;
    (at(0.5), at(0.99))
}

fn main() {
    let floor = {
        let _pulse = Pulse::start(&["headset"]);
        bare_round_trips()
    };
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
    // The bench plays a call's part: paced by the headset's tick, as a call's session is.
    let pacer = port.pacer();
    let clock = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("runtime");
    let mut delays = Vec::new();
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
        clock.block_on(pacer.next_frame());
    }
    let clicks = (delays.len(), floor.len());
    let (ours50, ours99) = percentiles(delays);
    let (floor50, floor99) = percentiles(floor);
    println!(
        "\n| speaker -> microphone ({} clicks through the headset, {} bare) | p50 | p99 |",
        clicks.0, clicks.1
    );
    println!("|---|---|---|");
    println!(
        "| through the headset (a call's frame heard back) | {ours50:.1} ms | {ours99:.1} ms |"
    );
    println!(
        "| bare cpal streams (the sound server's floor) | {floor50:.1} ms | {floor99:.1} ms |"
    );
    println!(
        "| the headset's own share, each way (half the difference) | {:.1} ms | |",
        (ours50 - floor50) / 2.0
    );
}
