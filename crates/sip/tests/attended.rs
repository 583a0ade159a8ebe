//! Attended transfer between three of our own agents through kamailio: the agent (1001)
//! holds the caller (1002), consults a colleague (1003), then completes the transfer; the
//! caller's phone calls the colleague with Replaces and the colleague's phone swaps calls.

use std::time::Duration;

use switchboard_core::call::EndReason;
use switchboard_e2e::kamailio::Kamailio;
use switchboard_e2e::Started;
use switchboard_sip::{AccountConfig, CallState, Engine, Registrar, SipEvent, Transport};
use tokio::sync::mpsc::UnboundedReceiver;

const WAIT: Duration = Duration::from_secs(20);

struct Agent {
    engine: Engine,
    events: UnboundedReceiver<SipEvent>,
    _registrar: Registrar,
}

async fn agent(kamailio: &Kamailio, user: &str) -> Agent {
    let (engine, mut events) = Engine::start("127.0.0.1:0".parse().expect("addr"))
        .await
        .expect("engine");
    let registrar = engine
        .register(
            "main",
            AccountConfig {
                registrar: format!("sip:{}", kamailio.hostport()),
                user: user.into(),
                auth_user: None,
                password: format!("pw{user}"),
                display_name: None,
                transport: Transport::Udp,
                expires: 600,
                outbound_proxy: None,
                tls_ca: None,
            },
        )
        .expect("account");
    loop {
        match next(&mut events).await {
            SipEvent::Registered { .. } => break,
            SipEvent::RegistrationFailed { reason, .. } => panic!("{user}: {reason}"),
            _ => {}
        }
    }
    Agent {
        engine,
        events,
        _registrar: registrar,
    }
}

async fn next(events: &mut UnboundedReceiver<SipEvent>) -> SipEvent {
    tokio::time::timeout(WAIT, events.recv())
        .await
        .expect("an event in time")
        .expect("the engine is running")
}

/// Waits for `call` to reach `want`, skipping its other states and other events.
async fn reach(events: &mut UnboundedReceiver<SipEvent>, call: &str, want: CallState) {
    loop {
        if let SipEvent::Call { call: id, state } = next(events).await {
            if id == call && state == want {
                return;
            }
        }
    }
}

/// Waits until every (call, state) pair has been seen, in any order.
async fn reach_all(events: &mut UnboundedReceiver<SipEvent>, wanted: &[(&str, CallState)]) {
    let mut missing: Vec<&(&str, CallState)> = wanted.iter().collect();
    while !missing.is_empty() {
        if let SipEvent::Call { call, state } = next(events).await {
            missing.retain(|(id, want)| !(*id == call && *want == state));
        }
    }
}

/// Waits for an incoming call; returns its id and what it replaces.
async fn incoming(events: &mut UnboundedReceiver<SipEvent>) -> (String, Option<String>) {
    loop {
        if let SipEvent::Call {
            call,
            state: CallState::Incoming { replaces, .. },
        } = next(events).await
        {
            return (call, replaces);
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn consult_then_complete_the_transfer() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut started = Started::default();
    let users = [("1001", "pw1001"), ("1002", "pw1002"), ("1003", "pw1003")];
    let kamailio = Kamailio::start(&mut started, dir.path(), &users);
    let mut desk = agent(&kamailio, "1001").await;
    let mut caller = agent(&kamailio, "1002").await;
    let mut colleague = agent(&kamailio, "1003").await;

    // The caller reaches the agent.
    let first = caller.engine.dial("main", "1001").expect("dial");
    let (at_desk, _) = incoming(&mut desk.events).await;
    desk.engine.answer(&at_desk).expect("answer");
    reach(&mut desk.events, &at_desk, CallState::Connected).await;
    reach(&mut caller.events, &first, CallState::Connected).await;

    // The agent holds the caller and consults the colleague.
    desk.engine.hold(&at_desk).await.expect("hold");
    reach(&mut caller.events, &first, CallState::HeldByRemote).await;
    let consult = desk.engine.dial("main", "1003").expect("consult");
    let (at_colleague, _) = incoming(&mut colleague.events).await;
    colleague.engine.answer(&at_colleague).expect("answer");
    reach(&mut desk.events, &consult, CallState::Connected).await;

    // Complete: the caller is asked to replace the consult call.
    desk.engine
        .attended_transfer(&at_desk, &consult)
        .await
        .expect("REFER accepted");
    let (asked_on, attended) = loop {
        if let SipEvent::TransferRequested { call, attended, to } = next(&mut caller.events).await {
            assert!(to.contains("1003"), "{to}");
            break (call, attended);
        }
    };
    assert_eq!((asked_on.as_str(), attended), (first.as_str(), true));
    let second = caller.engine.accept_transfer(&first).await.expect("accept");

    // The colleague's phone takes the new call in place of the consult call.
    let (taken, replaces) = incoming(&mut colleague.events).await;
    assert_eq!(replaces.as_deref(), Some(at_colleague.as_str()));
    let transferred = || CallState::Ended {
        reason: EndReason::Transferred,
    };
    reach_all(
        &mut colleague.events,
        &[
            (&taken, CallState::Connected),
            (&at_colleague, transferred()),
        ],
    )
    .await;
    reach_all(
        &mut caller.events,
        &[(&second, CallState::Connected), (&first, transferred())],
    )
    .await;
    // The agent is out of both calls.
    reach_all(
        &mut desk.events,
        &[
            (&at_desk, transferred()),
            (
                &consult,
                CallState::Ended {
                    reason: EndReason::RemoteHungUp,
                },
            ),
        ],
    )
    .await;
    caller.engine.hangup(&second).await.expect("hang up");
    reach(
        &mut colleague.events,
        &taken,
        CallState::Ended {
            reason: EndReason::RemoteHungUp,
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_invite_replacing_nothing_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut started = Started::default();
    let users = [("1001", "pw1001"), ("1002", "pw1002")];
    let kamailio = Kamailio::start(&mut started, dir.path(), &users);
    let mut desk = agent(&kamailio, "1001").await;
    let mut caller = agent(&kamailio, "1002").await;
    // A call to the desk, then an attended transfer to a consult call that does not exist.
    let call = caller.engine.dial("main", "1001").expect("dial");
    let (at_desk, _) = incoming(&mut desk.events).await;
    desk.engine.answer(&at_desk).expect("answer");
    reach(&mut caller.events, &call, CallState::Connected).await;
    let err = desk
        .engine
        .attended_transfer(&at_desk, "no-such-consult")
        .await
        .expect_err("no consult call");
    assert_eq!(err.code(), "sip_no_such_call");
}
