//! Calls carry sound: a baresip plays its 440 Hz tone into a call to the agent; the agent's
//! recording of the call holds that tone.

use std::time::Duration;

use switchboard_core::desk::{DeskEvent, LineState};
use switchboard_e2e::audio::{dominant_frequency, read_wav, rms};
use switchboard_e2e::baresip::{Answer, Baresip};
use switchboard_e2e::kamailio::Kamailio;
use switchboard_e2e::{wait_until, Started};
use switchboard_runtime::{AccountConfig, Phone, PhoneEvent, PhoneOptions, SipEvent, Transport};
use tokio::sync::mpsc::UnboundedReceiver;

const WAIT: Duration = Duration::from_secs(20);

async fn next(events: &mut UnboundedReceiver<PhoneEvent>) -> PhoneEvent {
    tokio::time::timeout(WAIT, events.recv())
        .await
        .expect("an event in time")
        .expect("the phone is running")
}

#[tokio::test(flavor = "multi_thread")]
async fn the_agent_hears_the_callers_tone() {
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
    let (phone, mut events) = Phone::start("127.0.0.1:0".parse().expect("addr"), options)
        .await
        .expect("phone");
    let account = AccountConfig {
        registrar: format!("sip:{}", kamailio.hostport()),
        user: "1001".into(),
        auth_user: None,
        password: "pw1001".into(),
        display_name: None,
        transport: Transport::Udp,
        expires: 600,
        outbound_proxy: None,
        tls_ca: None,
    };
    phone.add_account("main", account).await.expect("account");
    while !matches!(
        next(&mut events).await,
        PhoneEvent::Sip(SipEvent::Registered { .. })
    ) {}

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
    let (codec, payload_type) = loop {
        if let PhoneEvent::Sip(SipEvent::Media {
            call,
            codec,
            payload_type,
            ..
        }) = next(&mut events).await
        {
            assert_eq!(call, line);
            break (codec, payload_type);
        }
    };
    assert_eq!((codec.as_str(), payload_type), ("PCMU", 0));
    caller.wait_event("CALL_ESTABLISHED", WAIT);

    // Two seconds of the caller's sound: 44-byte header and 16,000 bytes a second.
    let file = dir.path().join(format!(
        "heard-{}.wav",
        line.replace(|c: char| !c.is_ascii_alphanumeric() && c != '-', "_")
    ));
    wait_until("two seconds of recorded sound", WAIT, || {
        std::fs::metadata(&file).is_ok_and(|m| m.len() > 44 + 2 * 16_000)
    });
    phone.hangup(&line).expect("hang up");
    let report = loop {
        if let PhoneEvent::MediaEnded(report) = next(&mut events).await {
            break report;
        }
    };
    assert!(report.received >= 100, "{report:?}");
    assert!(report.sent >= 100, "{report:?}");

    let (samples, rate) = read_wav(&file);
    assert_eq!(rate, 8000);
    // The tone, away from the first packets.
    let tone = &samples[4000..samples.len().min(20_000)];
    assert!(rms(tone) > 1000.0, "sound, not silence: rms {}", rms(tone));
    let heard = dominant_frequency(tone, rate, 300, 3000);
    assert!(heard.abs_diff(440) <= 5, "heard {heard} Hz");
    phone.shutdown().await;
}
