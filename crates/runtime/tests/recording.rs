//! Call recording against a real phone: every call recorded into the folder, the agent on the
//! left and the other party on the right, a pause cut out of the file, and a folder that is
//! not there is an event while the call goes on; the app's settings choose the folder and
//! whether every call is recorded, and the board shows a line's recording and sound.

use switchboard_core::desk::LineState;
use switchboard_e2e::audio::{dominant_frequency, rms, write_tone_wav};
use switchboard_e2e::baresip::{Answer, Baresip};
use switchboard_e2e::{wait_until, Started};
use switchboard_runtime::{
    AudioSettings, Handle, OpenOptions, PhoneEvent, PhoneOptions, RecordingOptions,
    RecordingReport, RecordingStatus, SipEvent,
};
use tokio::sync::mpsc::UnboundedReceiver;

mod common;
use common::{
    account_for, baresip_for, kamailio_for, next, phone_for, reach, registered, start_local, WAIT,
};

async fn recording_event(
    events: &mut UnboundedReceiver<PhoneEvent>,
    state: &str,
) -> RecordingReport {
    loop {
        if let PhoneEvent::Recording(r) = next(events).await {
            if r.state == state {
                return r;
            }
            assert_ne!(r.state, "failed", "{r:?}");
        }
    }
}

/// Bytes the callee has recorded so far (its clock: 16,000 a second).
fn recorded(callee: &Baresip) -> u64 {
    callee
        .recordings()
        .first()
        .and_then(|p| std::fs::metadata(p).ok())
        .map_or(0, |m| m.len())
}

#[tokio::test(flavor = "multi_thread")]
async fn every_call_is_recorded_in_stereo_without_its_pause() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut started = Started::default();
    let kamailio = kamailio_for(&mut started, dir.path(), &["1001", "1002"]);
    // The callee answers and plays 440 Hz; the agent's microphone plays 1 kHz.
    let callee = baresip_for(&mut started, dir.path(), &kamailio, "1002", Answer::Auto);
    let mic = dir.path().join("mic.wav");
    write_tone_wav(&mic, 1000.0, 1, 8000);
    let folder = dir.path().join("recordings");
    std::fs::create_dir(&folder).expect("folder");
    let options = PhoneOptions {
        mic_wav: Some(mic),
        recording: RecordingOptions {
            folder: Some(folder.clone()),
            automatic: true,
        },
        ..PhoneOptions::default()
    };
    let (phone, mut events) = phone_for(&kamailio, "1001", options).await;
    let line = phone.dial("main", "1002").expect("dial");
    phone.label(&line, "Marie Dupont");
    let started_rec = recording_event(&mut events, "started").await;
    assert_eq!(started_rec.call, line);
    let name = std::path::Path::new(&started_rec.file)
        .file_name()
        .expect("a file name")
        .to_string_lossy()
        .into_owned();
    assert!(name.ends_with("_out_1002_Marie-Dupont.wav"), "named {name}");
    // Two seconds of call, then a pause of two seconds (by the callee's clock), then one more.
    wait_until("two seconds of call", WAIT, || {
        recorded(&callee) > 44 + 2 * 16_000
    });
    phone.pause_recording(&line, true).expect("pause");
    recording_event(&mut events, "paused").await;
    let at_pause = recorded(&callee);
    wait_until("two seconds paused", WAIT, || {
        recorded(&callee) > at_pause + 2 * 16_000
    });
    phone.pause_recording(&line, false).expect("resume");
    recording_event(&mut events, "resumed").await;
    let at_resume = recorded(&callee);
    wait_until("one more second", WAIT, || {
        recorded(&callee) > at_resume + 16_000
    });
    let call_seconds = (recorded(&callee) - 44) as f64 / 16_000.0;
    phone.hangup(&line).expect("hang up");
    let stopped = recording_event(&mut events, "stopped").await;
    assert_eq!(stopped.file, started_rec.file);
    let seconds = stopped.seconds.expect("seconds").value();
    // The file lacks the pause: about two seconds shorter than the call.
    assert!(
        seconds < call_seconds - 1.5 && seconds > 2.5,
        "recorded {seconds} s of a {call_seconds} s call"
    );

    let mut reader = hound::WavReader::open(&stopped.file).expect("the recording");
    assert_eq!(reader.spec().channels, 2);
    let samples: Vec<i16> = reader
        .samples::<i16>()
        .collect::<Result<_, _>>()
        .expect("samples");
    let (left, right): (Vec<i16>, Vec<i16>) = samples.chunks_exact(2).map(|c| (c[0], c[1])).unzip();
    let rate = reader.spec().sample_rate;
    assert!((left.len() as f64 / f64::from(rate) - seconds).abs() < 0.05);
    // Away from the first packets: the agent left, the callee right.
    let second = rate as usize;
    let left = &left[second..2 * second];
    let right = &right[second..2 * second];
    assert!(rms(left) > 1000.0 && rms(right) > 1000.0);
    assert!(dominant_frequency(left, rate, 300, 3000).abs_diff(1000) <= 5);
    assert!(dominant_frequency(right, rate, 300, 3000).abs_diff(440) <= 5);
    phone.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_folder_is_an_event_and_the_call_goes_on() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut started = Started::default();
    let kamailio = kamailio_for(&mut started, dir.path(), &["1001", "1002"]);
    let callee = baresip_for(&mut started, dir.path(), &kamailio, "1002", Answer::Auto);
    let options = PhoneOptions {
        recording: RecordingOptions {
            folder: Some(dir.path().join("not-there")),
            automatic: false,
        },
        ..PhoneOptions::default()
    };
    let (phone, mut events) = phone_for(&kamailio, "1001", options).await;
    let line = phone.dial("main", "1002").expect("dial");
    has_sound(&mut events, &line).await;
    let refused = phone.record(&line, true).expect_err("no folder");
    assert_eq!(refused.code(), "media_recording");
    let failed = loop {
        if let PhoneEvent::Recording(r) = next(&mut events).await {
            break r;
        }
    };
    assert_eq!(
        (failed.state, failed.call.as_str()),
        ("failed", line.as_str())
    );
    assert!(
        failed.reason.to_lowercase().contains("no such file"),
        "{failed:?}"
    );
    // The call goes on: the callee keeps hearing it.
    let before = recorded(&callee);
    wait_until("the call going on", WAIT, || {
        recorded(&callee) > before + 16_000
    });
    phone.hangup(&line).expect("hang up");
    reach(
        &mut events,
        &line,
        LineState::Ended {
            reason: switchboard_core::call::EndReason::HungUp,
        },
    )
    .await;
    phone.shutdown().await;
}

/// Waits for the call's sound to start.
async fn has_sound(events: &mut UnboundedReceiver<PhoneEvent>, line: &str) {
    loop {
        if let PhoneEvent::Sip(SipEvent::Media { call, .. }) = next(events).await {
            if call == line {
                return;
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_settings_choose_the_folder_and_the_board_shows_the_recording_and_the_sound() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut started = Started::default();
    let kamailio = kamailio_for(&mut started, dir.path(), &["1001", "1002"]);
    let _callee = baresip_for(&mut started, dir.path(), &kamailio, "1002", Answer::Auto);
    let handle = Handle::open(&dir.path().join("agent.db"), OpenOptions::default())
        .await
        .expect("database");

    // Nothing set: `recordings` beside the database, made for the agent.
    let options = handle.phone_options();
    let default = dir.path().join("recordings");
    assert_eq!(options.recording.folder.as_deref(), Some(default.as_path()));
    assert!(!options.recording.automatic);
    assert!(default.is_dir());
    // A folder given as a relative path, or one that is not there, is refused at its field.
    for bad in ["recordings", "/nowhere/recordings"] {
        let refused = handle
            .save_audio_settings(&AudioSettings {
                recording_folder: bad.into(),
                ..handle.audio_settings()
            })
            .await
            .expect_err(bad)
            .report();
        assert_eq!(refused.field.as_deref(), Some("recording_folder"), "{bad}");
    }

    // The files stand in for the headset; sound reports every second.
    let mut events = start_local(
        &handle,
        PhoneOptions {
            headset: None,
            quality_every: std::time::Duration::from_secs(1),
            ..options
        },
    )
    .await;
    let phone = handle.phone().expect("started");
    phone
        .add_account("main", account_for(&kamailio, "1001"))
        .await
        .expect("account");
    registered(&mut events).await;
    let line = phone.dial("main", "1002").expect("dial");
    has_sound(&mut events, &line).await;
    let board = |handle: &Handle| {
        handle
            .board()
            .expect("board")
            .into_iter()
            .find(|l| l.line == line)
            .expect("the line")
    };
    assert_eq!(board(&handle).recording, RecordingStatus::Off);
    phone.record(&line, true).expect("record");
    let on = recording_event(&mut events, "started").await;
    assert!(
        std::path::Path::new(&on.file).starts_with(&default),
        "{}",
        on.file
    );
    assert_eq!(board(&handle).recording, RecordingStatus::On);
    // A clean loopback call: its sound is measured, and not poor.
    loop {
        if let PhoneEvent::Quality(q) = next(&mut events).await {
            if q.call == line {
                break;
            }
        }
    }
    let quality = board(&handle).quality.expect("the line's sound");
    assert!(!quality.poor && quality.mos.value() > 4.0, "{quality:?}");
    phone.record(&line, false).expect("stop");
    let off = recording_event(&mut events, "stopped").await;
    assert_eq!(off.file, on.file);
    assert_eq!(board(&handle).recording, RecordingStatus::Off);

    // From now on every call is recorded, elsewhere: the running phone follows at once.
    let elsewhere = dir.path().join("elsewhere");
    std::fs::create_dir(&elsewhere).expect("folder");
    handle
        .save_audio_settings(&AudioSettings {
            recording_folder: elsewhere.display().to_string(),
            record_every_call: true,
            ..handle.audio_settings()
        })
        .await
        .expect("saved");
    phone.hangup(&line).expect("hang up");
    let second = phone.dial("main", "1002").expect("dial again");
    let auto = recording_event(&mut events, "started").await;
    assert_eq!(auto.call, second);
    assert!(
        std::path::Path::new(&auto.file).starts_with(&elsewhere),
        "{}",
        auto.file
    );
    phone.hangup(&second).expect("hang up");
    recording_event(&mut events, "stopped").await;
    handle.stop_phone().await.expect("stopped");
}
