//! The sound and call settings as the window saves them: each refused field named, kept
//! across a restart, and applied to a running phone at once: the headset moves to the newly
//! chosen devices (a PulseAudio server of the test's own, null sinks as the devices) and the
//! test tone sounds on the new speaker.

use switchboard_e2e::audio::dominant_frequency;
use switchboard_e2e::pulse::Pulse;
use switchboard_runtime::{AudioSettings, Error, Handle, OpenOptions, PhoneEvent, TonePlan};
use tokio::sync::mpsc::UnboundedReceiver;

mod common;
use common::{loud_samples, next, start_local, wait_for_sound};

/// Waits for the headset to play `role` on the device `id`.
async fn using(events: &mut UnboundedReceiver<PhoneEvent>, role: &str, id: &str) {
    loop {
        if let PhoneEvent::Device(d) = next(events).await {
            if d.event == "device" && d.role == role && d.id == id {
                return;
            }
        }
    }
}

fn refused_field(result: Result<(), Error>) -> String {
    match result {
        Err(e) => e
            .report()
            .field
            .unwrap_or_else(|| panic!("no field in {e}")),
        Ok(()) => panic!("accepted"),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn new_devices_apply_during_the_session_and_the_test_tone_sounds_there() {
    let dir = tempfile::tempdir().expect("tempdir");
    let pulse = Pulse::start(&["builtin"]);
    let _usb = pulse.add_sink("usb");
    let usb = pulse.record("usb.monitor");
    let path = dir.path().join("agent.db");
    let handle = Handle::open(&path, OpenOptions::default())
        .await
        .expect("open");
    let builtin = AudioSettings {
        microphone: "builtin.monitor".into(),
        speaker: "builtin".into(),
        // The monitors are the microphones here: an echo the canceller would take out.
        echo_cancellation: false,
        noise_suppression: false,
        codecs: vec!["PCMA".into(), "PCMU".into()],
        max_calls: 2,
        ..AudioSettings::default()
    };
    handle
        .save_audio_settings(&builtin)
        .await
        .expect("saved before the phone starts");
    let mut events = start_local(
        &handle,
        handle.audio_settings().phone_options(TonePlan::France),
    )
    .await;
    using(&mut events, "speaker", "builtin").await;

    let moved = AudioSettings {
        microphone: "usb.monitor".into(),
        speaker: " usb ".into(),
        ..builtin.clone()
    };
    handle.save_audio_settings(&moved).await.expect("moved");
    using(&mut events, "speaker", "usb").await;
    assert!(handle.phone().expect("phone").test_tone());
    wait_for_sound(&usb, "the test tone on the USB speaker", 25);
    let loud = loud_samples(&usb.samples());
    let f = dominant_frequency(&loud, 8_000, 300, 3_400);
    assert!(
        (435..=445).contains(&f),
        "the French ring tone, 440 Hz: {f} Hz"
    );

    for (bad, field) in [
        (
            AudioSettings {
                codecs: vec!["G729".into()],
                ..moved.clone()
            },
            "codecs",
        ),
        (
            AudioSettings {
                codecs: vec!["PCMA".into(), "pcma".into()],
                ..moved.clone()
            },
            "codecs",
        ),
        (
            AudioSettings {
                max_calls: 0,
                ..moved.clone()
            },
            "max_calls",
        ),
        (
            AudioSettings {
                ringtone: "/nonexistent/ring.wav".into(),
                ..moved.clone()
            },
            "ringtone",
        ),
    ] {
        assert_eq!(refused_field(handle.save_audio_settings(&bad).await), field);
    }
    let kept = handle.audio_settings();
    assert_eq!(
        kept.speaker, "usb",
        "trimmed, and unchanged by the refusals"
    );
    handle.phone().expect("phone").shutdown().await;
    handle.close().await;
    let reopened = Handle::open(&path, OpenOptions::default())
        .await
        .expect("reopen");
    assert_eq!(reopened.audio_settings(), kept);
}
