//! The phone on real sound devices (a PulseAudio server of the test's own, null sinks as the
//! headset and the ringer): an incoming call rings on the ringer, and once answered the
//! caller's sound is played on the headset, whose monitor is the agent's microphone, so the
//! caller hears itself come back through the whole device path. An outgoing call rings back
//! in the headset, and a busy callee sounds busy.

use switchboard_core::call::EndReason;
use switchboard_core::desk::{DeskEvent, LineState};
use switchboard_e2e::audio::{dominant_frequency, read_wav, rms};
use switchboard_e2e::baresip::Answer;
use switchboard_e2e::pulse::Pulse;
use switchboard_e2e::{wait_until, Started};
use switchboard_runtime::{DeviceChoice, HeadsetConfig, PhoneEvent, PhoneOptions};

mod common;
use common::{
    baresip_for, kamailio_for, loud_frames, loud_samples, next, phone_for, reach, wait_for_sound,
    WAIT,
};

/// The headset on the sink `headset` (its monitor as the microphone), ringing on `ringer`.
fn headset() -> PhoneOptions {
    PhoneOptions {
        headset: Some(HeadsetConfig {
            devices: DeviceChoice {
                microphone: Some("headset.monitor".into()),
                speaker: Some("headset".into()),
                ringer: Some("ringer".into()),
            },
            ringtone: Some(
                concat!(env!("CARGO_MANIFEST_DIR"), "/../../resources/ringtone.wav").into(),
            ),
            // The headset's monitor is its microphone: what the caller hears back is an
            // echo, which the canceller would take out.
            echo_cancellation: false,
            noise_suppression: false,
            ..HeadsetConfig::default()
        }),
        ..PhoneOptions::default()
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_incoming_call_rings_then_its_sound_goes_through_the_headset() {
    let dir = tempfile::tempdir().expect("tempdir");
    let pulse = Pulse::start(&["headset", "ringer"]);
    let ringer = pulse.record("ringer.monitor");
    let mut started = Started::default();
    let kamailio = kamailio_for(&mut started, dir.path(), &["1001", "1002"]);
    let mut caller = baresip_for(&mut started, dir.path(), &kamailio, "1002", Answer::Manual);
    let (phone, mut events) = phone_for(&kamailio, "1001", headset()).await;

    caller.command("dial", &format!("sip:1001@{}", kamailio.hostport()));
    let line = loop {
        if let PhoneEvent::Desk(DeskEvent::Line {
            line,
            state: LineState::RingingIn,
        }) = next(&mut events).await
        {
            break line;
        }
    };
    // Half a second of the ringtone's chime on the ringer.
    wait_for_sound(&ringer, "the ringtone", 25);
    let loud = loud_samples(&ringer.samples());
    let f = dominant_frequency(&loud, 8000, 300, 3400);
    assert!(
        f.abs_diff(784) <= 5 || f.abs_diff(659) <= 5,
        "the ringer played {f} Hz"
    );

    phone.answer(&line).expect("answer");
    reach(&mut events, &line, LineState::Connected).await;
    caller.wait_event("CALL_ESTABLISHED", WAIT);
    let answered_at = ringer.samples().len();
    // The caller hears its own 440 Hz come back: played on the headset, taken by its
    // microphone, sent back. Three seconds of it.
    wait_until("three seconds recorded by the caller", WAIT, || {
        caller
            .recordings()
            .first()
            .and_then(|p| std::fs::metadata(p).ok())
            .is_some_and(|m| m.len() > 44 + 3 * 16_000)
    });
    // The ringer fell quiet when the call was answered: a whole ringtone loop (3.2 s) with
    // nothing after the first 200 ms.
    wait_until("the ringer's recording after the answer", WAIT, || {
        ringer.samples().len() > answered_at + 4 * 8000
    });
    let after = loud_frames(&ringer.samples()[answered_at + 1600..]);
    assert!(after.iter().all(|l| !l), "the ringer went on ringing");

    phone.hangup(&line).expect("hang up");
    caller.wait_event("CALL_CLOSED", WAIT);
    let recording = caller.recordings().first().cloned().expect("a recording");
    let (samples, rate) = read_wav(&recording);
    let back = &samples[rate as usize * 3 / 2..samples.len().min(rate as usize * 3)];
    assert!(
        rms(back) > 500.0,
        "the caller heard silence: rms {}",
        rms(back)
    );
    let f = dominant_frequency(back, rate, 300, 3000);
    assert!(f.abs_diff(440) <= 5, "the caller heard {f} Hz");
    phone.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_outgoing_call_rings_back_then_sounds_busy() {
    let dir = tempfile::tempdir().expect("tempdir");
    let pulse = Pulse::start(&["headset", "ringer"]);
    let headset_sound = pulse.record("headset.monitor");
    let mut started = Started::default();
    let kamailio = kamailio_for(&mut started, dir.path(), &["1001", "1002"]);
    let mut callee = baresip_for(&mut started, dir.path(), &kamailio, "1002", Answer::Manual);
    let (phone, mut events) = phone_for(&kamailio, "1001", headset()).await;
    let line = phone.dial("main", "1002").expect("dial");
    reach(&mut events, &line, LineState::RingingOut).await;
    callee.wait_event("CALL_INCOMING", WAIT);
    // The French ringback: 440 Hz, 1.5 s on.
    wait_for_sound(&headset_sound, "the ringback", 25);
    let loud = loud_samples(&headset_sound.samples());
    let f = dominant_frequency(&loud, 8000, 300, 3400);
    assert!(f.abs_diff(440) <= 5, "the ringback is {f} Hz");

    // The callee refuses: busy.
    callee.command("hangup", "");
    let reason = loop {
        if let PhoneEvent::Desk(DeskEvent::Line {
            line: l,
            state: LineState::Ended { reason },
        }) = next(&mut events).await
        {
            assert_eq!(l, line);
            break reason;
        }
    };
    assert_eq!(reason, EndReason::Busy);
    let ended_at = headset_sound.samples().len();
    wait_until("two seconds after the refusal", WAIT, || {
        headset_sound.samples().len() > ended_at + 2 * 8000 + 1600
    });
    // Busy: 0.5 s on, 0.5 s off, so two seconds hold at least three changes (the ringback
    // holds one at most).
    let frames = loud_frames(&headset_sound.samples()[ended_at + 1600..ended_at + 1600 + 16_000]);
    let changes = frames.windows(2).filter(|w| w[0] != w[1]).count();
    assert!(changes >= 3, "{changes} changes: {frames:?}");
    let share = frames.iter().filter(|&&l| l).count() as f64 / frames.len() as f64;
    assert!((0.3..0.7).contains(&share), "sounding {share}");
    phone.shutdown().await;
}
