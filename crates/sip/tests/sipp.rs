//! Exact message sequences against SIPp scenarios (tests/sipp/*.xml): session timers
//! (RFC 4028) both ways, 422 and its retry, a late-offer INVITE, and the NOTIFYs of a
//! refused transfer. Each scenario checks what it receives (headers, SDP) and fails SIPp
//! otherwise; each test checks what the agent sees.

use std::time::Duration;

use switchboard_core::call::EndReason;
use switchboard_e2e::kamailio::Kamailio;
use switchboard_e2e::sipp::Sipp;
use switchboard_e2e::Started;
use switchboard_sip::{AccountConfig, CallState, Engine, Registrar, SipEvent, Transport};
use tokio::sync::mpsc::UnboundedReceiver;

/// Long enough for the 45 s refresh and the 60 s expiry of a 90 s session.
const LONG: Duration = Duration::from_secs(80);

struct Bed {
    dir: tempfile::TempDir,
    _started: Started,
    engine: Engine,
    _registrar: Registrar,
    events: UnboundedReceiver<SipEvent>,
}

/// An engine with a registered account (calls to SIPp go straight to its address).
async fn bed() -> Bed {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut started = Started::default();
    let kamailio = Kamailio::start(&mut started, dir.path(), &[("1001", "pw1001")]);
    let (engine, mut events) = Engine::start("127.0.0.1:0".parse().expect("addr"))
        .await
        .expect("engine");
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
    let registrar = engine.register("main", account).expect("account");
    loop {
        match next(&mut events, LONG).await {
            SipEvent::Registered { .. } => break,
            SipEvent::RegistrationFailed { reason, .. } => panic!(
                "not registered: {reason}\nkamailio's log ends:\n{}",
                kamailio.log_tail(30)
            ),
            _ => {}
        }
    }
    Bed {
        dir,
        _started: started,
        engine,
        _registrar: registrar,
        events,
    }
}

async fn next(events: &mut UnboundedReceiver<SipEvent>, limit: Duration) -> SipEvent {
    tokio::time::timeout(limit, events.recv())
        .await
        .expect("an event in time")
        .expect("the engine is running")
}

/// Waits for `call` to reach `wanted`, listing the states seen on the way if it never does.
async fn reach(events: &mut UnboundedReceiver<SipEvent>, call: &str, wanted: &CallState) {
    let mut seen = Vec::new();
    loop {
        let event = tokio::time::timeout(LONG, events.recv())
            .await
            .unwrap_or_else(|_| panic!("{call} never reached {wanted:?}; saw {seen:?}"))
            .expect("the engine is running");
        if let SipEvent::Call { call: id, state } = &event {
            if id == call && state == wanted {
                return;
            }
        }
        seen.push(event);
    }
}

/// Lets SIPp finish (blocking, off the runtime's threads) and fails with its report.
async fn finish(mut sipp: Sipp, limit: Duration) {
    tokio::task::spawn_blocking(move || sipp.finish(limit))
        .await
        .expect("the wait ran")
        .unwrap_or_else(|report| panic!("the SIPp scenario failed: {report}"));
}

/// SIPp hangs up `call`: the scenario passed, and the agent saw the call end so. The
/// scenario's end comes first: when it fails before its BYE, its report says why.
async fn hung_up_by_sipp(b: &mut Bed, call: &str, sipp: Sipp) {
    finish(sipp, LONG).await;
    reach(
        &mut b.events,
        call,
        &CallState::Ended {
            reason: EndReason::RemoteHungUp,
        },
    )
    .await;
}

/// Starts the UAS scenario `name` and calls it.
fn dial_uas(b: &mut Bed, name: &str, scenario: &str) -> (Sipp, String) {
    let sipp = Sipp::start(b.dir.path(), name, scenario, &[]);
    let call = b
        .engine
        .dial("main", &format!("sip:uas@{}", sipp.addr))
        .expect("dial");
    (sipp, call)
}

/// A call placed to the engine by a UAC scenario.
struct Caller {
    sipp: Sipp,
    call: String,
    /// The caller's user, as the agent sees it.
    user: String,
    /// Where SIPp takes its audio.
    media_port: u16,
}

/// Starts the UAC scenario `name` against the engine (its audio on a free port) and waits
/// for the first call of it that rings the agent.
async fn called_by(b: &mut Bed, name: &str, scenario: &str, options: &[&str]) -> Caller {
    let target = b.engine.local_addr().to_string();
    let media_port = std::net::UdpSocket::bind("127.0.0.1:0")
        .and_then(|s| s.local_addr())
        .expect("a free port")
        .port();
    let sipp = Sipp::start(
        b.dir.path(),
        name,
        scenario,
        &[&[target.as_str(), "-mp", &media_port.to_string()], options].concat(),
    );
    loop {
        if let SipEvent::Call {
            call,
            state: CallState::Incoming { user, .. },
        } = next(&mut b.events, LONG).await
        {
            return Caller {
                sipp,
                call,
                user,
                media_port,
            };
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn we_refresh_the_session_the_other_side_asked_us_to() {
    let mut b = bed().await;
    let (sipp, call) = dial_uas(&mut b, "refresh_uas", include_str!("sipp/refresh_uas.xml"));
    reach(&mut b.events, &call, &CallState::Connected).await;
    // The scenario hangs up only after our refresh came (at 45 s) and was answered.
    hung_up_by_sipp(&mut b, &call, sipp).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_session_nobody_refreshes_is_ended_as_lost() {
    let mut b = bed().await;
    let (sipp, call) = dial_uas(&mut b, "expiry_uas", include_str!("sipp/expiry_uas.xml"));
    reach(&mut b.events, &call, &CallState::Connected).await;
    reach(
        &mut b.events,
        &call,
        &CallState::Ended {
            reason: EndReason::Lost,
        },
    )
    .await;
    finish(sipp, LONG).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_422_is_retried_with_the_interval_asked_for() {
    let mut b = bed().await;
    let sipp = Sipp::start(
        b.dir.path(),
        "too_small_uas",
        include_str!("sipp/too_small_uas.xml"),
        &[],
    );

    let call = b
        .engine
        .dial("main", &format!("sip:uas@{}", sipp.addr))
        .expect("dial");
    reach(&mut b.events, &call, &CallState::Connected).await;
    b.engine.hangup(&call).await.expect("hang up");
    reach(
        &mut b.events,
        &call,
        &CallState::Ended {
            reason: EndReason::HungUp,
        },
    )
    .await;
    finish(sipp, LONG).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_late_offer_is_answered_and_a_short_session_refused_with_422() {
    let mut b = bed().await;
    // The INVITE refused with 422 never rings: the first call the agent sees is the second.
    let Caller {
        sipp,
        call,
        user,
        media_port,
    } = called_by(
        &mut b,
        "late_offer_uac",
        include_str!("sipp/late_offer_uac.xml"),
        &[],
    )
    .await;
    assert_eq!(user, "0612345678");
    b.engine.answer(&call).expect("answer");
    reach(&mut b.events, &call, &CallState::Connected).await;
    // The audio is what the ACK answered, to where it said.
    match next(&mut b.events, LONG).await {
        SipEvent::Media {
            call: media_call,
            remote,
            codec,
            payload_type,
            ..
        } => {
            assert_eq!(media_call, call);
            assert_eq!((codec.as_str(), payload_type), ("PCMA", 8));
            assert_eq!(
                remote,
                std::net::SocketAddr::from(([127, 0, 0, 1], media_port))
            );
        }
        other => panic!("expected the call's media, got {other:?}"),
    }
    hung_up_by_sipp(&mut b, &call, sipp).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_transfer_refused_at_once_is_notified_after_the_trying() {
    let mut b = bed().await;
    let Caller { sipp, call, .. } = called_by(
        &mut b,
        "refer_refused_uac",
        include_str!("sipp/refer_refused_uac.xml"),
        // A NOTIFY before the 202 is answered by SIPp itself (see the scenario).
        &["-aa"],
    )
    .await;
    b.engine.answer(&call).expect("answer");
    reach(&mut b.events, &call, &CallState::Connected).await;
    loop {
        if let SipEvent::TransferRequested { call: id, to, .. } = next(&mut b.events, LONG).await {
            assert_eq!(id, call);
            assert!(to.starts_with("sip:1003@"), "{to}");
            break;
        }
    }
    // The agent says no as soon as asked: the 603 must still follow the 100 (the scenario
    // checks both NOTIFYs and their CSeq order).
    b.engine.refuse_transfer(&call).await.expect("refuse");
    hung_up_by_sipp(&mut b, &call, sipp).await;
    let notifies = notifies_received(b.dir.path(), "refer_refused_uac");
    let seen: Vec<(&str, &str)> = notifies
        .iter()
        .map(|n| (n.state.as_str(), n.fragment.as_str()))
        .collect();
    assert_eq!(
        seen,
        [
            ("active", "SIP/2.0 100 Trying"),
            ("terminated", "SIP/2.0 603 Decline")
        ],
        "{notifies:?}"
    );
    assert!(notifies[1].cseq > notifies[0].cseq, "{notifies:?}");
}

/// A NOTIFY about a REFER, as the transferor received it.
#[derive(Debug)]
struct Notify {
    cseq: u32,
    /// `Subscription-State`, without its parameters.
    state: String,
    /// The status line in the body (`message/sipfrag`).
    fragment: String,
}

/// The NOTIFYs SIPp's scenario `name` received, in their order, each once (a retransmission
/// has the CSeq of the first), from its message log.
fn notifies_received(dir: &std::path::Path, name: &str) -> Vec<Notify> {
    let log = std::fs::read_dir(dir)
        .expect("the test's folder")
        .flatten()
        .find(|e| {
            let file = e.file_name().to_string_lossy().into_owned();
            file.starts_with(&format!("{name}_")) && file.ends_with("_messages.log")
        })
        .and_then(|e| std::fs::read_to_string(e.path()).ok())
        .expect("SIPp's message log");
    let mut notifies: Vec<Notify> = Vec::new();
    for block in log.split("\n-----------------------------------------------") {
        let Some((head, message)) = block.split_once("\n\n") else {
            continue;
        };
        if !head.contains("message received") || !message.starts_with("NOTIFY ") {
            continue;
        }
        let header = |name: &str| {
            message
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .map(|v| v.trim().to_owned())
                .unwrap_or_default()
        };
        let cseq = header("CSeq:")
            .split_whitespace()
            .next()
            .and_then(|n| n.parse().ok())
            .expect("a CSeq");
        if notifies.iter().any(|n| n.cseq == cseq) {
            continue;
        }
        let state = header("Subscription-State:");
        // The body's first line: the first after the empty one that ends the headers.
        let fragment = message
            .lines()
            .skip_while(|l| !l.trim().is_empty())
            .find(|l| !l.trim().is_empty())
            .unwrap_or("")
            .trim()
            .to_owned();
        notifies.push(Notify {
            cseq,
            state: state.split(';').next().unwrap_or("").trim().to_owned(),
            fragment,
        });
    }
    notifies
}

#[tokio::test(flavor = "multi_thread")]
async fn odd_and_unanswerable_requests_get_the_rfc_answers_and_never_ring() {
    let mut b = bed().await;
    let target = b.engine.local_addr().to_string();
    let sipp = Sipp::start(
        b.dir.path(),
        "hostile_uac",
        include_str!("sipp/hostile_uac.xml"),
        &[&target],
    );
    finish(sipp, LONG).await;
    // Neither refused INVITE rang the agent.
    while let Ok(event) = b.events.try_recv() {
        assert!(
            !matches!(
                event,
                SipEvent::Call {
                    state: CallState::Incoming { .. },
                    ..
                }
            ),
            "{event:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn early_media_is_told_apart_from_ringing() {
    let mut b = bed().await;
    let (sipp, call) = dial_uas(
        &mut b,
        "early_media_uas",
        include_str!("sipp/early_media_uas.xml"),
    );
    let mut states = Vec::new();
    while states.last() != Some(&CallState::Connected) {
        if let SipEvent::Call { call: id, state } = next(&mut b.events, LONG).await {
            assert_eq!(id, call);
            states.push(state);
        }
    }
    // The 180 after the 183 changes nothing: the caller already hears the far end.
    assert_eq!(
        states[1..],
        [CallState::EarlyMedia, CallState::Connected],
        "{states:?}"
    );
    b.engine.hangup(&call).await.expect("hang up");
    reach(
        &mut b.events,
        &call,
        &CallState::Ended {
            reason: EndReason::HungUp,
        },
    )
    .await;
    finish(sipp, LONG).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_hold_that_meets_a_glare_is_sent_again_and_succeeds() {
    let mut b = bed().await;
    let (sipp, call) = dial_uas(&mut b, "glare_uas", include_str!("sipp/glare_uas.xml"));
    reach(&mut b.events, &call, &CallState::Connected).await;
    b.engine
        .hold(&call)
        .await
        .expect("held after the 491 and a retry");
    reach(&mut b.events, &call, &CallState::OnHold).await;
    b.engine.hangup(&call).await.expect("hang up");
    reach(
        &mut b.events,
        &call,
        &CallState::Ended {
            reason: EndReason::HungUp,
        },
    )
    .await;
    finish(sipp, LONG).await;
}
