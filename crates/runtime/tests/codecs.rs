//! Wide-band calls against baresip: G.722 and Opus are agreed, and the sound goes both ways
//! whole, up to 6 kHz, which G.711 cannot carry; the codec order decides what is offered.

use switchboard_e2e::audio::{dominant_frequency, read_wav, rms, write_tone_wav};
use switchboard_e2e::baresip::{Answer, Baresip};
use switchboard_e2e::{wait_until, Started};
use switchboard_runtime::{PhoneEvent, PhoneOptions, SipEvent};

mod common;
use common::{kamailio_for, next, phone_for, reach_all, WAIT};

/// The agent plays 6 kHz and records; the callee (baresip with `codecs` only) plays its
/// 440 Hz and records. Returns the codec agreed, what the agent heard (its main frequency)
/// and what the callee heard.
async fn call_with(codecs: &str, agent_codecs: Option<Vec<String>>) -> (String, u32, u32) {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut started = Started::default();
    let kamailio = kamailio_for(&mut started, dir.path(), &["1001", "1002"]);
    let callee = Baresip::start_with_codecs(
        &mut started,
        dir.path(),
        &kamailio,
        ("1002", "pw1002"),
        Answer::Auto,
        codecs,
    );
    let mic = dir.path().join("mic.wav");
    write_tone_wav(&mic, 6000.0, 1, 16_000);
    let heard = dir.path().join("heard.wav");
    let options = PhoneOptions {
        mic_wav: Some(mic),
        speaker_wav: Some(heard.clone()),
        codecs: agent_codecs,
        ..PhoneOptions::default()
    };
    let (phone, mut events) = phone_for(&kamailio, "1001", options).await;
    let line = phone.dial("main", "1002").expect("dial");
    let codec = loop {
        if let PhoneEvent::Sip(SipEvent::Media { codec, .. }) = next(&mut events).await {
            break codec;
        }
    };
    // Two seconds of call, by the agent's recording (16 kHz mono: 32,000 bytes a second).
    wait_until("two seconds of call", WAIT, || {
        std::fs::metadata(&heard).is_ok_and(|m| m.len() > 44 + 2 * 32_000)
    });
    phone.hangup(&line).expect("hang up");
    while !matches!(next(&mut events).await, PhoneEvent::MediaEnded(_)) {}
    let (ours, rate) = read_wav(&heard);
    let ours = &ours[rate as usize / 2..];
    assert!(rms(ours) > 500.0, "the agent heard silence");
    let agent_heard = dominant_frequency(ours, rate, 300, 7000);
    let recording = callee.recordings().first().cloned().expect("a recording");
    let (theirs, rate) = read_wav(&recording);
    let theirs = &theirs[rate as usize / 2..(rate as usize * 3 / 2).min(theirs.len())];
    let callee_heard = if rms(theirs) > 500.0 {
        dominant_frequency(theirs, rate, 300, 7000)
    } else {
        0
    };
    phone.shutdown().await;
    (codec, agent_heard, callee_heard)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_g722_call_carries_wide_band_sound_both_ways() {
    let (codec, agent_heard, callee_heard) = call_with("G722", None).await;
    assert_eq!(codec, "G722");
    assert!(
        agent_heard.abs_diff(440) <= 5,
        "the agent heard {agent_heard} Hz"
    );
    assert!(
        callee_heard.abs_diff(6000) <= 10,
        "the callee heard {callee_heard} Hz of our 6 kHz"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_opus_call_carries_wide_band_sound_both_ways() {
    let (codec, agent_heard, callee_heard) = call_with("opus/48000/2", None).await;
    assert_eq!(codec, "OPUS");
    assert!(
        agent_heard.abs_diff(440) <= 5,
        "the agent heard {agent_heard} Hz"
    );
    assert!(
        callee_heard.abs_diff(6000) <= 10,
        "the callee heard {callee_heard} Hz of our 6 kHz"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_g711_call_cannot_carry_6_khz_and_the_order_is_ours() {
    // The callee takes G.722 and PCMU; the agent prefers PCMU.
    let order = Some(vec!["PCMU".to_owned(), "G722".to_owned()]);
    let (codec, agent_heard, callee_heard) = call_with("G722,PCMU", order).await;
    assert_eq!(codec, "PCMU");
    assert!(
        agent_heard.abs_diff(440) <= 5,
        "the agent heard {agent_heard} Hz"
    );
    assert_eq!(callee_heard, 0, "6 kHz does not pass narrow band");
}

/// The samples of a WAV file so far (it is kept whole while written).
fn samples_now(path: &std::path::Path) -> usize {
    std::fs::metadata(path).map_or(0, |m| (m.len().saturating_sub(44) / 2) as usize)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_conference_of_three_callers_on_three_codecs_mixes_everyone_but_oneself() {
    use switchboard_core::desk::{DeskEvent, LineState};
    use switchboard_e2e::audio::tone_power;
    let dir = tempfile::tempdir().expect("tempdir");
    let mut started = Started::default();
    let users = ["1001", "1002", "1003", "1004"];
    let kamailio = kamailio_for(&mut started, dir.path(), &users);
    // The agent at 1 kHz on every codec; each caller on one codec with its own tone.
    let people = [
        ("1001", 1000.0, None),
        ("1002", 440.0, Some("PCMU")),
        ("1003", 700.0, Some("G722")),
        ("1004", 1300.0, Some("opus")),
    ];
    let mut phones = Vec::new();
    for (user, tone, codec) in people {
        let mic = dir.path().join(format!("mic-{user}.wav"));
        write_tone_wav(&mic, tone, 1, 16_000);
        let options = PhoneOptions {
            mic_wav: Some(mic),
            speaker_wav: Some(dir.path().join(format!("heard-{user}.wav"))),
            codecs: codec.map(|c: &str| vec![c.to_owned()]),
            ..PhoneOptions::default()
        };
        phones.push(phone_for(&kamailio, user, options).await);
    }
    let mut phones = phones.into_iter();
    let (agent, mut agent_events) = phones.next().expect("agent");
    let mut callers: Vec<_> = phones.collect();
    let mut lines = Vec::new();
    for (i, (phone, events)) in callers.iter_mut().enumerate() {
        // Calling the next one holds the conference or the call so far.
        let line = agent.dial("main", users[i + 1]).expect("dial");
        let theirs = loop {
            if let PhoneEvent::Desk(DeskEvent::Line {
                line,
                state: LineState::RingingIn,
            }) = next(events).await
            {
                break line;
            }
        };
        phone.answer(&theirs).expect("answer");
        // The new call answered, and the calls so far held (their re-INVITEs answered).
        let mut wanted: Vec<(&str, LineState)> = vec![(line.as_str(), LineState::Connected)];
        wanted.extend(
            lines
                .iter()
                .map(|l: &String| (l.as_str(), LineState::OnHold)),
        );
        reach_all(&mut agent_events, &wanted).await;
        if i > 0 {
            agent.merge().expect("merge");
            // Every line so far is in the conference.
            let mut joined: Vec<String> = Vec::new();
            while joined.len() <= i {
                if let PhoneEvent::Desk(DeskEvent::Line {
                    line,
                    state: LineState::InConference,
                }) = next(&mut agent_events).await
                {
                    if !joined.contains(&line) {
                        joined.push(line);
                    }
                }
            }
        }
        lines.push(line);
    }
    let files: Vec<_> = users[1..]
        .iter()
        .map(|u| dir.path().join(format!("heard-{u}.wav")))
        .collect();
    let from: Vec<usize> = files.iter().map(|f| samples_now(f)).collect();
    // Two seconds of the whole conference (16 kHz recordings).
    wait_until("two seconds of conference", WAIT, || {
        files
            .iter()
            .zip(&from)
            .all(|(f, &start)| samples_now(f) > start + 2 * 16_000)
    });
    for line in &lines {
        agent.hangup(line).expect("hang up");
    }
    for (i, file) in files.iter().enumerate() {
        let (samples, rate) = read_wav(file);
        let part = &samples[from[i] + rate as usize / 2..];
        let own = people[i + 1].1 as u32;
        let others: Vec<u32> = people
            .iter()
            .map(|p| p.1 as u32)
            .filter(|&f| f != own)
            .collect();
        let powers: Vec<f64> = others.iter().map(|&f| tone_power(part, rate, f)).collect();
        let (weakest, loudest) = powers
            .iter()
            .fold((f64::MAX, 0f64), |(lo, hi), &p| (lo.min(p), hi.max(p)));
        let shown = file.display();
        assert!(
            weakest > 0.1 * loudest,
            "{shown} hears {others:?} Hz unevenly: {powers:?}"
        );
        let mine = tone_power(part, rate, own);
        assert!(
            mine < 0.01 * weakest,
            "{shown} hears its own {own} Hz: {mine:e}"
        );
    }
    agent.shutdown().await;
    for (phone, _) in callers {
        phone.shutdown().await;
    }
}
