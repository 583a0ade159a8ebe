//! The headset on real devices: a PulseAudio server of the test's own with null sinks, through
//! cpal. What the headset plays on a sink comes back on that sink's monitor, which the tests
//! use as the microphone, so each check goes through the real device path both ways.

use std::sync::mpsc;
use std::time::{Duration, Instant};

use switchboard_e2e::audio::{dominant_frequency_of, rms};
use switchboard_e2e::pulse::Pulse;
use switchboard_media::headset::{
    DeviceChoice, DeviceEvent, Headset, HeadsetConfig, HeadsetPort, Role,
};
use switchboard_media::tones::{Tone, TonePlan};
use switchboard_media::{FRAME, RATE};

const WAIT: Duration = Duration::from_secs(15);

/// The tests play into the microphone through the speaker's monitor: that is an echo, which
/// the headset would cancel. They hear it raw.
fn raw() -> HeadsetConfig {
    HeadsetConfig {
        echo_cancellation: false,
        noise_suppression: false,
        ..HeadsetConfig::default()
    }
}

fn start(config: HeadsetConfig) -> (Headset, mpsc::Receiver<DeviceEvent>) {
    let (tx, rx) = mpsc::channel();
    let headset = Headset::start(
        config,
        Box::new(move |e| {
            let _ = tx.send(e);
        }),
    )
    .expect("the headset starts");
    (headset, rx)
}

type Wanted<'a> = (&'a str, Box<dyn Fn(&DeviceEvent) -> bool + 'a>);

/// Waits until each wanted event came, in any order; panics with what came instead.
fn expect(events: &mpsc::Receiver<DeviceEvent>, mut wanted: Vec<Wanted<'_>>) {
    let deadline = Instant::now() + WAIT;
    let mut seen = Vec::new();
    while !wanted.is_empty() {
        let Some(left) = deadline.checked_duration_since(Instant::now()) else {
            break;
        };
        match events.recv_timeout(left) {
            Ok(e) => {
                wanted.retain(|(_, w)| !w(&e));
                seen.push(e);
            }
            Err(_) => break,
        }
    }
    let missing: Vec<&str> = wanted.iter().map(|(what, _)| *what).collect();
    assert!(missing.is_empty(), "no {missing:?}; events: {seen:?}");
}

fn using<'a>(what: &'a str, role: Role, id: &'a str, fallback: bool) -> Wanted<'a> {
    (
        what,
        Box::new(move |e| {
            matches!(e, DeviceEvent::Using { role: r, id: i, fallback: f, .. }
                if *r == role && i == id && *f == fallback)
        }),
    )
}

/// Runs the port like a call does, one frame every 20 ms: `say` gives each frame to play
/// (`None`: nothing), and what the microphone gives is kept. Stops once `loud` frames with
/// sound came back, or after `limit`.
fn talk(
    port: &mut HeadsetPort,
    say: impl FnMut(u64) -> Option<[i16; FRAME]>,
    loud: usize,
    limit: Duration,
) -> Vec<[i16; FRAME]> {
    listen(port, say, |heard| loud_count(heard) >= loud, limit)
}

fn loud_count(frames: &[[i16; FRAME]]) -> usize {
    frames.iter().filter(|f| rms(&f[..]) > 500.0).count()
}

/// Like [`talk`], until `done` says so.
fn listen(
    port: &mut HeadsetPort,
    mut say: impl FnMut(u64) -> Option<[i16; FRAME]>,
    mut done: impl FnMut(&[[i16; FRAME]]) -> bool,
    limit: Duration,
) -> Vec<[i16; FRAME]> {
    let start = Instant::now();
    let mut next = start;
    let mut heard = Vec::new();
    let mut n = 0;
    // The audio clock of the test's "call": a frame every 20 ms, as a session sends.
    while start.elapsed() < limit {
        if let Some(frame) = say(n) {
            port.play(&frame);
        }
        n += 1;
        let mut frame = [0; FRAME];
        port.fill(&mut frame);
        heard.push(frame);
        if done(&heard) {
            break;
        }
        next += Duration::from_millis(20);
        std::thread::sleep(next.saturating_duration_since(Instant::now()));
    }
    heard
}

fn sine(frequency: f64, n: u64) -> [i16; FRAME] {
    let mut frame = [0; FRAME];
    for (i, s) in frame.iter_mut().enumerate() {
        let t = (n as f64 * FRAME as f64 + i as f64) / f64::from(RATE);
        *s = (10_000.0 * (std::f64::consts::TAU * frequency * t).sin()) as i16;
    }
    frame
}

/// The stretches of sound in what was heard: loud frames that follow each other.
fn loud_runs(frames: &[[i16; FRAME]]) -> Vec<Vec<i16>> {
    frames
        .split(|f| rms(&f[..]) <= 500.0)
        .filter(|run| !run.is_empty())
        .map(|run| run.iter().flatten().copied().collect())
        .collect()
}

/// The strongest frequency of the sound heard, stretch by stretch (see
/// [`dominant_frequency_of`]).
fn heard_frequency(frames: &[[i16; FRAME]]) -> u32 {
    dominant_frequency_of(&loud_runs(frames), RATE, 300, 3400)
}

#[test]
fn a_call_played_on_the_speaker_comes_back_on_the_microphone() {
    let _pulse = Pulse::start(&["headset"]);
    let (headset, events) = start(raw());
    expect(
        &events,
        vec![
            using("microphone", Role::Microphone, "headset.monitor", false),
            using("speaker", Role::Speaker, "headset", false),
        ],
    );
    let mut port = headset.port();
    let heard = talk(&mut port, |n| Some(sine(1000.0, n)), 50, WAIT);
    let loud = loud_count(&heard);
    assert!(loud >= 50, "only {loud} frames came back");
    let f = heard_frequency(&heard);
    assert!((995..=1005).contains(&f), "heard {f} Hz");
    // The level meter, read while the tone still sounds.
    let mut level = 0;
    listen(
        &mut port,
        |n| Some(sine(1000.0, n)),
        |_| {
            level = level.max(headset.mic_level());
            level > 1000
        },
        WAIT,
    );
    assert!(level > 1000, "level {level}");
}

/// Two seconds of the busy tone from a headset started with French tones, after moving to
/// `plan` when one is given (as a new dial plan does).
fn two_seconds_of_busy(plan: Option<TonePlan>) -> Vec<[i16; FRAME]> {
    let _pulse = Pulse::start(&["headset"]);
    let (headset, events) = start(raw());
    expect(
        &events,
        vec![using("speaker", Role::Speaker, "headset", false)],
    );
    let mut port = headset.port();
    if let Some(plan) = plan {
        headset.set_plan(plan);
    }
    // The first sound marks the start; then two seconds are listened to.
    headset.set_tone(Some(Tone::Busy), Some(Duration::from_secs(5)));
    let heard = talk(&mut port, |_| None, 1, WAIT);
    assert!(
        heard.last().is_some_and(|f| rms(&f[..]) > 500.0),
        "the tone came"
    );
    talk(&mut port, |_| None, usize::MAX, Duration::from_secs(2))
}

#[test]
fn the_busy_tone_sounds_in_french_beats() {
    let heard = two_seconds_of_busy(None);
    let loud = heard.iter().filter(|f| rms(&f[..]) > 500.0).count();
    // 0.5 s on, 0.5 s off: about half the frames sound.
    let share = loud as f64 / heard.len() as f64;
    assert!(
        (0.35..0.65).contains(&share),
        "{loud} of {} frames sound",
        heard.len()
    );
    let f = heard_frequency(&heard);
    assert!((435..=445).contains(&f), "heard {f} Hz");
}

#[test]
fn the_tones_follow_a_new_country_while_the_headset_runs() {
    // Started with French tones (440 Hz); the dial plan moves to the United Kingdom (400 Hz).
    let f = heard_frequency(&two_seconds_of_busy(Some(TonePlan::UnitedKingdom)));
    assert!((395..=405).contains(&f), "heard {f} Hz");
}

#[test]
fn the_ringtone_plays_on_the_ringer_and_stops() {
    let _pulse = Pulse::start(&["headset", "ringer"]);
    let ringtone = concat!(env!("CARGO_MANIFEST_DIR"), "/../../resources/ringtone.wav");
    let (headset, events) = start(HeadsetConfig {
        devices: DeviceChoice {
            // Listening to the ringer's device.
            microphone: Some("ringer.monitor".into()),
            speaker: Some("headset".into()),
            ringer: Some("ringer".into()),
        },
        ringtone: Some(ringtone.into()),
        ..raw()
    });
    expect(
        &events,
        vec![using(
            "microphone",
            Role::Microphone,
            "ringer.monitor",
            false,
        )],
    );
    let mut port = headset.port();
    headset.set_ringing(true);
    expect(
        &events,
        vec![using("ringer", Role::Ringer, "ringer", false)],
    );
    let heard = talk(&mut port, |_| None, 25, WAIT);
    let f = heard_frequency(&heard);
    // The ringtone's chime: G5 (784 Hz) and E5 (659 Hz).
    assert!(
        (654..=664).contains(&f) || (779..=789).contains(&f),
        "heard {f} Hz"
    );
    headset.set_ringing(false);
    // Once stopped, the ringer falls quiet: nothing for longer than the ringtone's loop
    // (3.2 s, of which 1.6 s silent), after the sound already on its way.
    let heard = listen(&mut port, |_| None, |h| h.len() >= 200, WAIT);
    let late = loud_count(&heard[10..]);
    assert_eq!(late, 0, "the ring went on after it was stopped");
}

#[test]
fn an_unplugged_device_falls_back_to_the_default_and_comes_back() {
    let pulse = Pulse::start(&["builtin"]);
    let usb = pulse.add_sink("usb");
    let (headset, events) = start(HeadsetConfig {
        devices: DeviceChoice {
            microphone: Some("usb.monitor".into()),
            speaker: Some("usb".into()),
            ringer: None,
        },
        ..raw()
    });
    expect(
        &events,
        vec![
            using("the USB microphone", Role::Microphone, "usb.monitor", false),
            using("the USB speaker", Role::Speaker, "usb", false),
        ],
    );
    pulse.remove(&usb);
    expect(
        &events,
        vec![
            using("the fallback speaker", Role::Speaker, "builtin", true),
            using(
                "the fallback microphone",
                Role::Microphone,
                "builtin.monitor",
                true,
            ),
        ],
    );
    // Sound goes on through the fallback.
    let mut port = headset.port();
    let heard = talk(&mut port, |n| Some(sine(600.0, n)), 25, WAIT);
    let f = heard_frequency(&heard);
    assert!((595..=605).contains(&f), "heard {f} Hz");
    // Plugged in again: back on it.
    pulse.add_sink("usb");
    expect(
        &events,
        vec![
            using("the USB speaker again", Role::Speaker, "usb", false),
            using(
                "the USB microphone again",
                Role::Microphone,
                "usb.monitor",
                false,
            ),
        ],
    );
}

#[test]
fn the_agent_moves_to_other_devices_during_a_call() {
    let pulse = Pulse::start(&["builtin"]);
    let _usb = pulse.add_sink("usb");
    let (headset, events) = start(HeadsetConfig {
        devices: DeviceChoice {
            microphone: Some("builtin.monitor".into()),
            speaker: Some("builtin".into()),
            ringer: None,
        },
        ..raw()
    });
    expect(
        &events,
        vec![
            using(
                "the built-in microphone",
                Role::Microphone,
                "builtin.monitor",
                false,
            ),
            using("the built-in speaker", Role::Speaker, "builtin", false),
        ],
    );
    let mut port = headset.port();
    let before = talk(&mut port, |n| Some(sine(700.0, n)), 10, WAIT);
    assert!(
        loud_count(&before) >= 10,
        "the call sounds before the change"
    );
    headset
        .reconfigure(&HeadsetConfig {
            devices: DeviceChoice {
                microphone: Some("usb.monitor".into()),
                speaker: Some("usb".into()),
                ringer: None,
            },
            ..raw()
        })
        .expect("reconfigured");
    expect(
        &events,
        vec![
            using("the USB microphone", Role::Microphone, "usb.monitor", false),
            using("the USB speaker", Role::Speaker, "usb", false),
        ],
    );
    // The same call's port goes on, now through the USB devices (the last frames: the first
    // may still be the old device's).
    let heard = talk(&mut port, |n| Some(sine(900.0, n)), 25, WAIT);
    let f = heard_frequency(&heard[heard.len() - 10..]);
    assert!((895..=905).contains(&f), "heard {f} Hz");
    let missing = headset.reconfigure(&HeadsetConfig {
        ringtone: Some("/nonexistent/ring.wav".into()),
        ..raw()
    });
    assert!(
        missing.is_err(),
        "a ringtone that cannot be read is refused"
    );
}

/// Broadband noise frames (what the echo canceller locks onto, like speech).
fn noise(n: u64) -> [i16; FRAME] {
    let mut seed = (n as u32).wrapping_mul(2_654_435_761) | 1;
    let mut frame = [0; FRAME];
    for s in &mut frame {
        seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        *s = ((seed >> 16) as i16) / 4;
    }
    frame
}

/// The typical (median) energy of a 20 ms frame the microphone gave over the last four of
/// eight seconds of noise played on the speaker. The canceller converges in about a second;
/// a hiccup of a loaded machine moves the echo's delay and lets a few frames through while it
/// converges again, which the median does not count as the echo the agent hears all along.
fn echo_energy(config: HeadsetConfig) -> f64 {
    let (headset, events) = start(config);
    expect(
        &events,
        vec![using("speaker", Role::Speaker, "headset", false)],
    );
    let mut port = headset.port();
    let heard = listen(&mut port, |n| Some(noise(n)), |h| h.len() >= 400, WAIT);
    let mut energies: Vec<f64> = heard[200..]
        .iter()
        .map(|f| f.iter().map(|&s| f64::from(s) * f64::from(s)).sum())
        .collect();
    energies.sort_by(f64::total_cmp);
    energies[energies.len() / 2]
}

#[test]
fn the_speakers_echo_is_cancelled_from_the_microphone() {
    let _pulse = Pulse::start(&["headset"]);
    let raw_echo = echo_energy(raw());
    assert!(raw_echo > 0.0, "the speaker's sound reaches the microphone");
    let cancelled = echo_energy(HeadsetConfig {
        noise_suppression: false,
        ..HeadsetConfig::default()
    });
    let db = 10.0 * (raw_echo / cancelled.max(1.0)).log10();
    assert!(db > 15.0, "the echo is only {db:.1} dB lower");
}
