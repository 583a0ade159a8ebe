//! Registration against a real kamailio with digest authentication.

use std::time::Duration;

use switchboard_e2e::kamailio::Kamailio;
use switchboard_e2e::Started;
use switchboard_sip::{AccountConfig, Engine, SipEvent, Transport};
use tokio::sync::mpsc::UnboundedReceiver;

const WAIT: Duration = Duration::from_secs(20);

fn account(kamailio: &Kamailio, user: &str, password: &str, expires: u32) -> AccountConfig {
    AccountConfig {
        registrar: format!("sip:{}", kamailio.hostport()),
        user: user.into(),
        auth_user: None,
        password: password.into(),
        display_name: None,
        transport: Transport::Udp,
        expires,
        outbound_proxy: None,
        tls_ca: None,
    }
}

async fn next(events: &mut UnboundedReceiver<SipEvent>) -> SipEvent {
    tokio::time::timeout(WAIT, events.recv())
        .await
        .expect("an event in time")
        .expect("the engine is running")
}

/// The next event that is not `Registering`.
async fn outcome(events: &mut UnboundedReceiver<SipEvent>) -> SipEvent {
    loop {
        match next(events).await {
            SipEvent::Registering { .. } => {}
            other => return other,
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn registers_refreshes_and_unregisters() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut started = Started::default();
    let kamailio = Kamailio::start(&mut started, dir.path(), &[("1001", "pw1001")]);
    let (engine, mut events) = Engine::start("127.0.0.1:0".parse().expect("addr"))
        .await
        .expect("engine");
    let registrar = engine
        .register("main", account(&kamailio, "1001", "pw1001", 2))
        .expect("account");
    assert_eq!(
        next(&mut events).await,
        SipEvent::Registering {
            account: "main".into(),
            attempt: 1
        }
    );
    assert_eq!(
        outcome(&mut events).await,
        SipEvent::Registered {
            account: "main".into(),
            expires: 2
        }
    );
    let contacts = kamailio.contacts("1001");
    assert_eq!(contacts.len(), 1, "{}", kamailio.log());
    assert!(
        contacts[0].contains(&engine.local_addr().to_string()),
        "{contacts:?} vs {}",
        engine.local_addr()
    );
    // A 2-second registration is refreshed before it lapses.
    assert_eq!(
        outcome(&mut events).await,
        SipEvent::Registered {
            account: "main".into(),
            expires: 2
        }
    );
    registrar.unregister().await;
    loop {
        match next(&mut events).await {
            SipEvent::Unregistered { account } => {
                assert_eq!(account, "main");
                break;
            }
            SipEvent::Registering { .. } | SipEvent::Registered { .. } => {}
            other => panic!("unexpected {other:?}"),
        }
    }
    assert!(
        kamailio.contacts("1001").is_empty(),
        "the binding is removed"
    );
    engine.shutdown();
}

#[tokio::test(flavor = "multi_thread")]
async fn registers_over_tcp() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut started = Started::default();
    let kamailio = Kamailio::start(&mut started, dir.path(), &[("1002", "pw1002")]);
    let (engine, mut events) = Engine::start("127.0.0.1:0".parse().expect("addr"))
        .await
        .expect("engine");
    let tcp = AccountConfig {
        transport: Transport::Tcp,
        ..account(&kamailio, "1002", "pw1002", 600)
    };
    let registrar = engine.register("tcp", tcp).expect("account");
    assert_eq!(
        outcome(&mut events).await,
        SipEvent::Registered {
            account: "tcp".into(),
            expires: 600
        }
    );
    assert_eq!(kamailio.contacts("1002").len(), 1);
    let log = kamailio.log();
    assert!(
        log.lines()
            .any(|l| l.contains("REQ REGISTER") && l.ends_with("/tcp")),
        "the REGISTER went over TCP:\n{log}"
    );
    registrar.unregister().await;
    assert!(kamailio.contacts("1002").is_empty());
    engine.shutdown();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_password_fails_with_the_status_and_backs_off() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut started = Started::default();
    let kamailio = Kamailio::start(&mut started, dir.path(), &[("1001", "pw1001")]);
    let (engine, mut events) = Engine::start("127.0.0.1:0".parse().expect("addr"))
        .await
        .expect("engine");
    let registrar = engine
        .register("main", account(&kamailio, "1001", "wrong", 600))
        .expect("account");
    for (attempt, retry) in [(1, 1_000), (2, 2_000)] {
        assert_eq!(
            next(&mut events).await,
            SipEvent::Registering {
                account: "main".into(),
                attempt
            }
        );
        match next(&mut events).await {
            SipEvent::RegistrationFailed {
                status,
                retry_in_ms,
                ..
            } => {
                assert_eq!(status, Some(401));
                assert_eq!(retry_in_ms, retry);
            }
            other => panic!("expected a failure, got {other:?}"),
        }
    }
    assert!(kamailio.contacts("1001").is_empty());
    registrar.unregister().await;
    engine.shutdown();
}

#[test]
fn a_registrar_that_is_not_a_sip_uri_is_refused() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let (engine, _events) = Engine::start("127.0.0.1:0".parse().expect("addr"))
            .await
            .expect("engine");
        let bad = AccountConfig {
            registrar: "sip:[not a host".into(),
            user: "1001".into(),
            auth_user: None,
            password: String::new(),
            display_name: None,
            transport: Transport::Udp,
            expires: 600,
            outbound_proxy: None,
            tls_ca: None,
        };
        let err = engine.register("x", bad).expect_err("refused");
        assert_eq!(err.code(), "sip_account");
        engine.shutdown();
    });
}

#[tokio::test(flavor = "multi_thread")]
async fn a_restarted_registrar_gets_the_registration_back() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut started = Started::default();
    let mut kamailio = Kamailio::start(&mut started, dir.path(), &[("1001", "pw1001")]);
    let (engine, mut events) = Engine::start("127.0.0.1:0".parse().expect("addr"))
        .await
        .expect("engine");
    let registrar = engine
        .register("main", account(&kamailio, "1001", "pw1001", 2))
        .expect("account");
    assert!(matches!(
        outcome(&mut events).await,
        SipEvent::Registered { .. }
    ));
    // The new kamailio starts with no binding (they live in memory): only a REGISTER sent
    // after the restart can put ours back.
    kamailio.restart(&mut started);
    // The next refresh (at most a second away for a 2 s registration) restores it.
    assert!(matches!(
        outcome(&mut events).await,
        SipEvent::Registered { .. }
    ));
    kamailio.wait_registered("1001", true, WAIT);
    registrar.unregister().await;
    engine.shutdown();
}
