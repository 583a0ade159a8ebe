//! Calls carry sound both ways: a baresip plays its 440 Hz tone into a call to the agent and
//! the agent's recording holds that tone; the agent plays a 1 kHz WAV and the baresip's
//! recording holds 1 kHz.

use std::time::Duration;

use switchboard_core::desk::{DeskEvent, LineState};
use switchboard_e2e::audio::{dominant_frequency, read_wav, rms, tone_power, write_tone_wav};
use switchboard_e2e::baresip::{Answer, Baresip};
use switchboard_e2e::kamailio::Kamailio;
use switchboard_e2e::sipp::Sipp;
use switchboard_e2e::{wait_until, Started};
use switchboard_runtime::{MediaReport, Phone, PhoneEvent, PhoneOptions, SipEvent};
use tokio::sync::mpsc::UnboundedReceiver;

mod common;
use common::{next, phone_for, reach, reach_all, WAIT};

/// The phone's sound: what its speaker files hold, in samples a second.
const RATE: u32 = switchboard_media::RATE;
/// A second of it.
const SECOND: usize = RATE as usize;

#[tokio::test(flavor = "multi_thread")]
async fn the_agent_hears_the_callers_tone_and_dtmf_goes_both_ways() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut started = Started::default();
    let kamailio = Kamailio::start(
        &mut started,
        dir.path(),
        &[("1001", "pw1001"), ("1002", "pw1002")],
    );
    let mut caller = Baresip::start(
        &mut started,
        dir.path(),
        &kamailio,
        "1002",
        "pw1002",
        Answer::Manual,
    );
    let options = PhoneOptions {
        speaker_wav: Some(dir.path().join("heard-{call}.wav")),
        ..PhoneOptions::default()
    };
    let (phone, mut events) = phone_for(&kamailio, "1001", options).await;

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
    phone.answer(&line).expect("answer");
    let (codec, payload_type, telephone_event) = loop {
        if let PhoneEvent::Sip(SipEvent::Media {
            call,
            codec,
            payload_type,
            telephone_event,
            ..
        }) = next(&mut events).await
        {
            assert_eq!(call, line);
            break (codec, payload_type, telephone_event);
        }
    };
    assert_eq!((codec.as_str(), payload_type), ("PCMU", 0));
    assert!(telephone_event.is_some(), "DTMF goes in the audio");
    caller.wait_event("CALL_ESTABLISHED", WAIT);

    // Two seconds of the caller's sound: 44-byte header and two bytes a sample.
    let file = dir.path().join(format!(
        "heard-{}.wav",
        line.replace(|c: char| !c.is_ascii_alphanumeric() && c != '-', "_")
    ));
    wait_until("two seconds of recorded sound", WAIT, || {
        std::fs::metadata(&file).is_ok_and(|m| m.len() > 44 + 2 * 2 * SECOND as u64)
    });
    // DTMF both ways in the audio (RFC 4733): ours reaches the caller, the caller's reaches
    // the agent.
    phone.dtmf(&line, "5").expect("dtmf");
    let key = caller.wait_event("CALL_DTMF_START", WAIT);
    assert_eq!(key["param"], "5", "{key}");
    caller.command("sndcode", "7");
    loop {
        if let PhoneEvent::Sip(SipEvent::Dtmf { call, digit }) = next(&mut events).await {
            assert_eq!((call.as_str(), digit), (line.as_str(), '7'));
            break;
        }
    }
    phone.hangup(&line).expect("hang up");
    let report = loop {
        if let PhoneEvent::MediaEnded(report) = next(&mut events).await {
            break report;
        }
    };
    assert!(report.received >= 100, "{report:?}");
    assert!(report.sent >= 100, "{report:?}");

    let (samples, rate) = read_wav(&file);
    assert_eq!(rate, RATE);
    // The tone, away from the first packets.
    let tone = &samples[SECOND / 2..samples.len().min(5 * SECOND / 2)];
    assert!(rms(tone) > 1000.0, "sound, not silence: rms {}", rms(tone));
    let heard = dominant_frequency(tone, rate, 300, 3000);
    assert!(heard.abs_diff(440) <= 5, "heard {heard} Hz");
    phone.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_callee_hears_the_agents_microphone() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut started = Started::default();
    let kamailio = Kamailio::start(
        &mut started,
        dir.path(),
        &[("1001", "pw1001"), ("1002", "pw1002")],
    );
    let mut callee = Baresip::start(
        &mut started,
        dir.path(),
        &kamailio,
        "1002",
        "pw1002",
        Answer::Auto,
    );
    // The agent's "microphone": a 1 kHz tone at 16 kHz (brought to the call's 8 kHz).
    let mic = dir.path().join("mic.wav");
    write_tone_wav(&mic, 1000.0, 1, 16_000);
    let options = PhoneOptions {
        mic_wav: Some(mic),
        quality_every: Duration::from_secs(1),
        ..PhoneOptions::default()
    };
    let (phone, mut events) = phone_for(&kamailio, "1001", options).await;
    let line = phone.dial("main", "1002").expect("dial");
    while !matches!(
        next(&mut events).await,
        PhoneEvent::Sip(SipEvent::Media { .. })
    ) {}
    callee.wait_event("CALL_ESTABLISHED", WAIT);
    // Two seconds of what the callee heard (its recorder writes 8 kHz or more, 16-bit).
    wait_until("two seconds recorded by the callee", WAIT, || {
        callee
            .recordings()
            .first()
            .and_then(|p| std::fs::metadata(p).ok())
            .is_some_and(|m| m.len() > 44 + 2 * 16_000)
    });
    // A clean loopback call scores high once started. The first report's second holds the
    // call's start, where a single frame concealed on a loaded machine is already 2 % (seen
    // once in a full run); the second report is about a call under way.
    let mut reports = 0;
    let quality = loop {
        if let PhoneEvent::Quality(q) = next(&mut events).await {
            reports += 1;
            if reports == 2 {
                break q;
            }
        }
    };
    assert_eq!(quality.call, line);
    assert!(quality.mos.value() >= 4.3, "{quality:?}");
    assert!(quality.loss_percent.value() < 1.0, "{quality:?}");
    // Once the callee's RTCP reports come back about our sender reports: the round trip on
    // loopback, and no loss of our sound.
    let reported = loop {
        if let PhoneEvent::Quality(q) = next(&mut events).await {
            if q.rtt_ms.is_some() {
                break q;
            }
        }
    };
    let rtt = reported.rtt_ms.map(|r| r.value()).unwrap_or_default();
    assert!(rtt < 50.0, "{reported:?}");
    assert_eq!(
        reported.far_loss_percent.map(|l| l.value()),
        Some(0.0),
        "{reported:?}"
    );
    phone.hangup(&line).expect("hang up");
    callee.wait_event("CALL_CLOSED", WAIT);
    let recording = callee.recordings().first().cloned().expect("a recording");
    let (samples, rate) = read_wav(&recording);
    let tone = &samples[rate as usize / 2..(rate as usize * 2).min(samples.len())];
    assert!(rms(tone) > 1000.0, "sound, not silence: rms {}", rms(tone));
    let heard = dominant_frequency(tone, rate, 300, 3000);
    assert!(heard.abs_diff(1000) <= 5, "the callee heard {heard} Hz");
    phone.shutdown().await;
}

/// The samples of a WAV file now (it is kept whole while written).
fn samples_now(path: &std::path::Path) -> usize {
    std::fs::metadata(path).map_or(0, |m| (m.len().saturating_sub(44) / 2) as usize)
}

#[tokio::test(flavor = "multi_thread")]
async fn sound_stops_while_held_or_muted_and_comes_back() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut started = Started::default();
    let kamailio = Kamailio::start(
        &mut started,
        dir.path(),
        &[("1001", "pw1001"), ("1002", "pw1002")],
    );
    let mic = dir.path().join("mic.wav");
    write_tone_wav(&mic, 1000.0, 1, 8000);
    let (agent, mut agent_events) = phone_for(
        &kamailio,
        "1001",
        PhoneOptions {
            mic_wav: Some(mic),
            ..PhoneOptions::default()
        },
    )
    .await;
    let heard = dir.path().join("heard.wav");
    let (other, mut other_events) = phone_for(
        &kamailio,
        "1002",
        PhoneOptions {
            speaker_wav: Some(heard.clone()),
            ..PhoneOptions::default()
        },
    )
    .await;
    let line = agent.dial("main", "1002").expect("dial");
    let theirs = loop {
        if let PhoneEvent::Desk(DeskEvent::Line {
            line,
            state: LineState::RingingIn,
        }) = next(&mut other_events).await
        {
            break line;
        }
    };
    other.answer(&theirs).expect("answer");
    reach(&mut agent_events, &line, LineState::Connected).await;
    let second = SECOND;
    wait_until("a second of sound", WAIT, || samples_now(&heard) > second);
    agent.hold(&line).expect("hold");
    reach(&mut agent_events, &line, LineState::OnHold).await;
    let held_at = samples_now(&heard);
    wait_until("a second and a half on hold", WAIT, || {
        samples_now(&heard) > held_at + 3 * second / 2
    });
    agent.resume(&line).expect("resume");
    reach(&mut agent_events, &line, LineState::Connected).await;
    let resumed_at = samples_now(&heard);
    wait_until("a second and a half after resume", WAIT, || {
        samples_now(&heard) > resumed_at + 3 * second / 2
    });
    // Muted: the other side hears silence, then the tone again when unmuted.
    agent.set_muted(true);
    let muted_at = samples_now(&heard);
    wait_until("a second and a half muted", WAIT, || {
        samples_now(&heard) > muted_at + 3 * second / 2
    });
    agent.set_muted(false);
    let unmuted_at = samples_now(&heard);
    wait_until("a second and a half unmuted", WAIT, || {
        samples_now(&heard) > unmuted_at + 3 * second / 2
    });
    agent.hangup(&line).expect("hang up");
    while !matches!(next(&mut other_events).await, PhoneEvent::MediaEnded(_)) {}

    let (samples, _) = read_wav(&heard);
    let tenth = second / 10;
    // Each window ends before the next change was seen here: the sound changes as soon as the
    // phone has the new state, and the test reads the file's length only after it had the
    // event, a little later on a loaded machine.
    let before = &samples[3 * tenth..held_at - tenth];
    let during = &samples[held_at + 4 * tenth..resumed_at - 2 * tenth];
    let after = &samples[resumed_at + 4 * tenth..muted_at - tenth];
    let muted = &samples[muted_at + 4 * tenth..unmuted_at - 2 * tenth];
    let unmuted = &samples[unmuted_at + 4 * tenth..samples.len() - tenth];
    assert!(
        rms(before) > 1000.0,
        "tone before the hold: {}",
        rms(before)
    );
    let f = dominant_frequency(before, RATE, 300, 3000);
    assert!(f.abs_diff(1000) <= 5, "before: {f} Hz");
    assert!(rms(during) < 50.0, "silence while held: {}", rms(during));
    assert!(rms(after) > 1000.0, "tone after resume: {}", rms(after));
    let f = dominant_frequency(after, RATE, 300, 3000);
    assert!(f.abs_diff(1000) <= 5, "after: {f} Hz");
    assert!(rms(muted) < 50.0, "silence while muted: {}", rms(muted));
    assert!(rms(unmuted) > 1000.0, "tone after unmute: {}", rms(unmuted));
    for phone in [agent, other] {
        phone.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_far_end_that_goes_silent_is_reported() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut started = Started::default();
    let kamailio = Kamailio::start(&mut started, dir.path(), &[("1001", "pw1001")]);
    let options = PhoneOptions {
        silence_timeout: Duration::from_secs(2),
        ..PhoneOptions::default()
    };
    let (phone, mut events) = phone_for(&kamailio, "1001", options).await;
    let mut sipp = Sipp::start(
        dir.path(),
        "mute_uas",
        include_str!("sipp/mute_uas.xml"),
        &[],
    );
    let line = phone
        .dial("main", &format!("sip:uas@{}", sipp.addr))
        .expect("dial");
    reach(&mut events, &line, LineState::Connected).await;
    let silent = loop {
        if let PhoneEvent::MediaSilence(s) = next(&mut events).await {
            break s;
        }
    };
    assert_eq!(
        (silent.event, silent.call.as_str(), silent.seconds),
        ("media_silent", line.as_str(), 2)
    );
    phone.hangup(&line).expect("hang up");
    tokio::task::spawn_blocking(move || sipp.finish(WAIT))
        .await
        .expect("wait")
        .expect("the SIPp scenario");
    phone.shutdown().await;
}

/// The agent (1001) speaking at 1 kHz, a first caller (1002) at 440 Hz and a second (1003)
/// at 700 Hz, each recording what it hears into `recording` (`USER` in it is the user,
/// `{call}` the call).
async fn speaking_phones(
    kamailio: &Kamailio,
    dir: &std::path::Path,
    recording: &str,
) -> Vec<(Phone, UnboundedReceiver<PhoneEvent>)> {
    let mut phones = Vec::new();
    for (user, tone) in [("1001", 1000.0), ("1002", 440.0), ("1003", 700.0)] {
        let mic = dir.join(format!("mic-{user}.wav"));
        write_tone_wav(&mic, tone, 1, 8000);
        let options = PhoneOptions {
            mic_wav: Some(mic),
            speaker_wav: Some(dir.join(recording.replace("USER", user))),
            ..PhoneOptions::default()
        };
        phones.push(phone_for(kamailio, user, options).await);
    }
    phones
}

/// After a transfer: the recording `file` holds the other party's `wanted` tone (from its
/// second half-second on) and not the agent's 1 kHz.
fn hears_only_the_other(file: &std::path::Path, wanted: u32) {
    let (samples, _) = read_wav(file);
    let part = &samples[SECOND / 2..samples.len().min(3 * SECOND / 2)];
    let heard = dominant_frequency(part, RATE, 300, 3000);
    assert!(
        heard.abs_diff(wanted) <= 5,
        "{}: {heard} Hz",
        file.display()
    );
    assert!(
        tone_power(part, RATE, 1000) < 0.01 * tone_power(part, RATE, wanted),
        "the agent is out of it"
    );
}

/// Answers the next call ringing on `phone`.
async fn answer_next(phone: &Phone, events: &mut UnboundedReceiver<PhoneEvent>) -> String {
    loop {
        if let PhoneEvent::Desk(DeskEvent::Line {
            line,
            state: LineState::RingingIn,
        }) = next(events).await
        {
            phone.answer(&line).expect("answer");
            return line;
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn in_a_conference_each_party_hears_the_agent_and_the_other() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut started = Started::default();
    let users = [("1001", "pw1001"), ("1002", "pw1002"), ("1003", "pw1003")];
    let kamailio = Kamailio::start(&mut started, dir.path(), &users);
    // The agent speaks at 1 kHz, the first caller at 440 Hz, the second at 700 Hz.
    let phones = speaking_phones(&kamailio, dir.path(), "heard-USER.wav").await;
    let [(agent, mut agent_events), (one, mut one_events), (two, mut two_events)]: [_; 3] =
        phones.try_into().expect("three phones");
    let first = agent.dial("main", "1002").expect("dial");
    answer_next(&one, &mut one_events).await;
    reach(&mut agent_events, &first, LineState::Connected).await;
    let second = agent.dial("main", "1003").expect("dial the second");
    answer_next(&two, &mut two_events).await;
    reach_all(
        &mut agent_events,
        &[(&second, LineState::Connected), (&first, LineState::OnHold)],
    )
    .await;
    agent.merge().expect("merge");
    // The first caller was held: its phone sees the hold lifted.
    loop {
        if let PhoneEvent::Desk(DeskEvent::RemoteHold { held: false, .. }) =
            next(&mut one_events).await
        {
            break;
        }
    }
    let heard_one = dir.path().join("heard-1002.wav");
    let heard_two = dir.path().join("heard-1003.wav");
    let (from_one, from_two) = (samples_now(&heard_one), samples_now(&heard_two));
    wait_until("two seconds of conference", WAIT, || {
        samples_now(&heard_one) > from_one + 2 * SECOND
            && samples_now(&heard_two) > from_two + 2 * SECOND
    });
    // Mute-listen the first caller: it hears nothing, and the second still hears it.
    agent.set_listens(&first, false).expect("mute-listen");
    let (deaf_one, deaf_two) = (samples_now(&heard_one), samples_now(&heard_two));
    wait_until("a second and a half of mute-listen", WAIT, || {
        samples_now(&heard_one) > deaf_one + 3 * SECOND / 2
            && samples_now(&heard_two) > deaf_two + 3 * SECOND / 2
    });
    assert!(agent.set_listens("nobody", false).is_err());
    agent.hangup(&first).expect("hang up");
    agent.hangup(&second).expect("hang up");
    for events in [&mut one_events, &mut two_events] {
        while !matches!(next(events).await, PhoneEvent::MediaEnded(_)) {}
    }
    // Half a second in (the resume settles), one and a half seconds of conference.
    // Both wanted tones are there at comparable levels, and the party's own tone is not
    // (under a hundredth of the weaker one).
    let hears = |file: &std::path::Path, (from, to): (usize, usize), wanted: [u32; 2], own: u32| {
        let (samples, _) = read_wav(file);
        let part = &samples[from + SECOND / 2..to];
        let [a, b] = wanted.map(|f| tone_power(part, RATE, f));
        let shown = file.display();
        assert!(
            a.min(b) > 0.1 * a.max(b),
            "{wanted:?} Hz in {shown}: {a:e} and {b:e}"
        );
        let mine = tone_power(part, RATE, own);
        assert!(
            mine < 0.01 * a.min(b),
            "its own {own} Hz in {shown}: {mine:e}"
        );
    };
    hears(&heard_one, (from_one, deaf_one), [1000, 700], 440);
    hears(&heard_two, (from_two, deaf_two), [1000, 440], 700);
    let (deaf, _) = read_wav(&heard_one);
    let deaf = &deaf[deaf_one + SECOND / 2..deaf_one + 3 * SECOND / 2];
    assert!(
        rms(deaf) < 50.0,
        "the mute-listened caller hears silence: {}",
        rms(deaf)
    );
    hears(
        &heard_two,
        (deaf_two, deaf_two + 3 * SECOND / 2),
        [1000, 440],
        700,
    );
    for phone in [agent, one, two] {
        phone.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn after_a_blind_transfer_the_caller_and_the_target_hear_each_other() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut started = Started::default();
    let users = [("1001", "pw1001"), ("1002", "pw1002"), ("1003", "pw1003")];
    let kamailio = Kamailio::start(&mut started, dir.path(), &users);
    let phones = speaking_phones(&kamailio, dir.path(), "heard-USER-{call}.wav").await;
    let [(agent, mut agent_events), (caller, mut caller_events), (target, mut target_events)]: [_;
        3] = phones.try_into().expect("three phones");
    // The caller reaches the agent, who transfers it blind to 1003.
    caller.dial("main", "1001").expect("dial");
    let at_agent = answer_next(&agent, &mut agent_events).await;
    reach(&mut agent_events, &at_agent, LineState::Connected).await;
    agent.transfer(&at_agent, "1003").expect("transfer");
    let asked = loop {
        if let PhoneEvent::Sip(SipEvent::TransferRequested { call, .. }) =
            next(&mut caller_events).await
        {
            break call;
        }
    };
    let joined = caller.accept_transfer(&asked).await.expect("accept");
    let at_target = answer_next(&target, &mut target_events).await;
    reach(&mut caller_events, &joined, LineState::Connected).await;
    // What the caller hears on the new call, and the target on its call.
    let safe = |call: &str| call.replace(|c: char| !c.is_ascii_alphanumeric() && c != '-', "_");
    let caller_file = dir.path().join(format!("heard-1002-{}.wav", safe(&joined)));
    let target_file = dir
        .path()
        .join(format!("heard-1003-{}.wav", safe(&at_target)));
    wait_until("a second and a half on the transferred call", WAIT, || {
        samples_now(&caller_file) > 12_000 && samples_now(&target_file) > 12_000
    });
    caller.hangup(&joined).expect("hang up");
    while !matches!(next(&mut target_events).await, PhoneEvent::MediaEnded(_)) {}
    while !matches!(next(&mut caller_events).await, PhoneEvent::MediaEnded(MediaReport { ref call, .. }) if *call == joined)
    {
    }
    hears_only_the_other(&caller_file, 700);
    hears_only_the_other(&target_file, 440);
    for phone in [agent, caller, target] {
        phone.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn after_an_attended_transfer_the_caller_and_the_colleague_hear_each_other() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut started = Started::default();
    let users = [("1001", "pw1001"), ("1002", "pw1002"), ("1003", "pw1003")];
    let kamailio = Kamailio::start(&mut started, dir.path(), &users);
    let phones = speaking_phones(&kamailio, dir.path(), "heard-USER-{call}.wav").await;
    let [(agent, mut agent_events), (caller, mut caller_events), (colleague, mut colleague_events)]: [_; 3] =
        phones.try_into().expect("three phones");
    caller.dial("main", "1001").expect("dial");
    let at_agent = answer_next(&agent, &mut agent_events).await;
    reach(&mut agent_events, &at_agent, LineState::Connected).await;
    // Consult the colleague, then complete: the caller replaces the consult call.
    let consult = agent.consult(&at_agent, "main", "1003").expect("consult");
    let at_colleague = answer_next(&colleague, &mut colleague_events).await;
    reach_all(
        &mut agent_events,
        &[
            (&consult, LineState::Connected),
            (&at_agent, LineState::OnHold),
        ],
    )
    .await;
    agent.complete_transfer().expect("complete");
    let asked = loop {
        if let PhoneEvent::Sip(SipEvent::TransferRequested { call, attended, .. }) =
            next(&mut caller_events).await
        {
            assert!(attended);
            break call;
        }
    };
    let joined = caller.accept_transfer(&asked).await.expect("accept");
    reach(&mut caller_events, &joined, LineState::Connected).await;
    // On the colleague's phone the replacing call came in and was answered at once.
    let replacing = loop {
        if let PhoneEvent::Sip(SipEvent::Call {
            call,
            state:
                switchboard_runtime::CallState::Incoming {
                    replaces: Some(old),
                    ..
                },
        }) = next(&mut colleague_events).await
        {
            assert_eq!(old, at_colleague);
            break call;
        }
    };
    let safe = |call: &str| call.replace(|c: char| !c.is_ascii_alphanumeric() && c != '-', "_");
    let caller_file = dir.path().join(format!("heard-1002-{}.wav", safe(&joined)));
    let colleague_file = dir
        .path()
        .join(format!("heard-1003-{}.wav", safe(&replacing)));
    wait_until("a second and a half after the transfer", WAIT, || {
        samples_now(&caller_file) > 12_000 && samples_now(&colleague_file) > 12_000
    });
    caller.hangup(&joined).expect("hang up");
    while !matches!(next(&mut colleague_events).await, PhoneEvent::MediaEnded(MediaReport { ref call, .. }) if *call == replacing)
    {
    }
    while !matches!(next(&mut caller_events).await, PhoneEvent::MediaEnded(MediaReport { ref call, .. }) if *call == joined)
    {
    }
    hears_only_the_other(&caller_file, 700);
    hears_only_the_other(&colleague_file, 440);
    for phone in [agent, caller, colleague] {
        phone.shutdown().await;
    }
}
