//! What the engine's call tests share: a registered engine beside a baresip through
//! kamailio, and waits on the engine's events.

use std::time::Duration;

use switchboard_e2e::baresip::{Answer, Baresip};
use switchboard_e2e::kamailio::Kamailio;
use switchboard_e2e::Started;
use switchboard_sip::{AccountConfig, CallState, Engine, Registrar, SipEvent, Transport};
use tokio::sync::mpsc::UnboundedReceiver;

pub const WAIT: Duration = Duration::from_secs(20);

/// A registered engine (1001), a baresip (1002) and kamailio with users 1001-1004.
pub struct Bed {
    pub dir: tempfile::TempDir,
    pub started: Started,
    pub kamailio: Kamailio,
    pub engine: Engine,
    pub _registrar: Registrar,
    pub events: UnboundedReceiver<SipEvent>,
    pub peer: Baresip,
}

pub async fn bed(answer: Answer) -> Bed {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut started = Started::default();
    let kamailio = Kamailio::start(
        &mut started,
        dir.path(),
        &[
            ("1001", "pw1001"),
            ("1002", "pw1002"),
            ("1003", "pw1003"),
            ("1004", "pw1004"),
        ],
    );
    let peer = Baresip::start(
        &mut started,
        dir.path(),
        &kamailio,
        "1002",
        "pw1002",
        answer,
    );
    let (engine, mut events) = Engine::start("127.0.0.1:0".parse().expect("addr"))
        .await
        .expect("engine");
    let account = AccountConfig {
        registrar: format!("sip:{}", kamailio.hostport()),
        user: "1001".into(),
        auth_user: None,
        password: "pw1001".into(),
        display_name: Some("Agent One".into()),
        transport: Transport::Udp,
        expires: 600,
        outbound_proxy: None,
        tls_ca: None,
    };
    let registrar = engine.register("main", account).expect("account");
    loop {
        match next(&mut events).await {
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
        started,
        kamailio,
        engine,
        _registrar: registrar,
        events,
        peer,
    }
}

pub async fn next(events: &mut UnboundedReceiver<SipEvent>) -> SipEvent {
    tokio::time::timeout(WAIT, events.recv())
        .await
        .expect("an event in time")
        .expect("the engine is running")
}

/// The next state of `call`.
pub async fn state(events: &mut UnboundedReceiver<SipEvent>, call: &str) -> CallState {
    loop {
        if let SipEvent::Call { call: id, state } = next(events).await {
            assert_eq!(id, call);
            return state;
        }
    }
}

/// Waits for an incoming call and returns its id.
pub async fn incoming(events: &mut UnboundedReceiver<SipEvent>) -> (String, CallState) {
    loop {
        if let SipEvent::Call { call, state } = next(events).await {
            assert!(matches!(state, CallState::Incoming { .. }), "{state:?}");
            return (call, state);
        }
    }
}
