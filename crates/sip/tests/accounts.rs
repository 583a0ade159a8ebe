//! Accounts beyond plain UDP: through an outbound proxy, over TLS, and several on one phone
//! (a transfer goes out from the account its call belongs to).

use switchboard_core::call::EndReason;
use switchboard_e2e::baresip::{Answer, Baresip};
use switchboard_e2e::kamailio::Kamailio;
use switchboard_e2e::Started;
use switchboard_sip::{AccountConfig, CallState, Engine, SipEvent, Transport};

mod common;
use common::{bed, incoming, next, state, WAIT};

#[tokio::test(flavor = "multi_thread")]
async fn an_account_behind_an_outbound_proxy_registers_and_calls() {
    let mut b = bed(Answer::Auto).await;
    // A domain that resolves nowhere (.test is reserved): only the proxy can carry it.
    let account = AccountConfig {
        registrar: "sip:switchboard.test".into(),
        user: "1003".into(),
        auth_user: None,
        password: "pw1003".into(),
        display_name: None,
        transport: Transport::Udp,
        expires: 600,
        outbound_proxy: Some(format!("sip:{}", b.kamailio.hostport())),
        tls_ca: None,
    };
    let _proxied = b.engine.register("proxied", account).expect("account");
    loop {
        match next(&mut b.events).await {
            SipEvent::Registered { account, .. } if account == "proxied" => break,
            SipEvent::RegistrationFailed { reason, .. } => panic!(
                "not registered: {reason}\nkamailio's log ends:\n{}",
                b.kamailio.log_tail(30)
            ),
            _ => {}
        }
    }
    let call = b.engine.dial("proxied", "1002").expect("dial");
    let mut s = state(&mut b.events, &call).await;
    while matches!(s, CallState::Dialing { .. } | CallState::Ringing) {
        s = state(&mut b.events, &call).await;
    }
    assert_eq!(s, CallState::Connected);
    let established = b.peer.wait_event("CALL_ESTABLISHED", WAIT);
    assert!(
        established["peeruri"]
            .as_str()
            .unwrap_or("")
            .contains("1003@switchboard.test"),
        "{established}"
    );
    b.engine.hangup(&call).await.expect("hang up");
    b.peer.wait_event("CALL_CLOSED", WAIT);
    let bad = AccountConfig {
        registrar: "sip:switchboard.test".into(),
        user: "1003".into(),
        auth_user: None,
        password: "pw1003".into(),
        display_name: None,
        transport: Transport::Udp,
        expires: 600,
        outbound_proxy: Some("not a proxy".into()),
        tls_ca: None,
    };
    assert_eq!(
        b.engine.register("bad", bad).expect_err("refused").code(),
        "sip_account"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_account_over_tls_registers_and_calls_both_ways() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut started = Started::default();
    let kamailio = Kamailio::start_with_tls(
        &mut started,
        dir.path(),
        &[("1001", "pw1001"), ("1002", "pw1002")],
    );
    let mut peer = Baresip::start(
        &mut started,
        dir.path(),
        &kamailio,
        "1002",
        "pw1002",
        Answer::Auto,
    );
    let (engine, mut events) = Engine::start("127.0.0.1:0".parse().expect("addr"))
        .await
        .expect("engine");
    let tls_port = kamailio.tls_port.expect("a TLS listener");
    let account = AccountConfig {
        registrar: format!("sip:{}:{tls_port}", kamailio.host),
        user: "1001".into(),
        auth_user: None,
        password: "pw1001".into(),
        display_name: None,
        transport: Transport::Tls,
        expires: 600,
        outbound_proxy: None,
        tls_ca: Some(kamailio.tls_ca()),
    };
    let _registrar = engine.register("main", account).expect("account");
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
    let call = engine.dial("main", "1002").expect("dial");
    let mut s = state(&mut events, &call).await;
    while matches!(s, CallState::Dialing { .. } | CallState::Ringing) {
        s = state(&mut events, &call).await;
    }
    assert_eq!(s, CallState::Connected);
    peer.wait_event("CALL_ESTABLISHED", WAIT);
    engine.hangup(&call).await.expect("hang up");
    peer.wait_event("CALL_CLOSED", WAIT);
    // Registered with our end of the TLS connection: calls in come back through it.
    let contacts = kamailio.contacts("1001");
    assert!(
        contacts.len() == 1 && contacts[0].to_ascii_lowercase().ends_with(";transport=tls"),
        "{contacts:?}"
    );
    // And a call in.
    peer.command("dial", &format!("sip:1001@{}", kamailio.hostport()));
    let incoming = loop {
        if let SipEvent::Call {
            call,
            state: CallState::Incoming { .. },
        } = next(&mut events).await
        {
            break call;
        }
    };
    engine.answer(&incoming).expect("answer");
    assert_eq!(state(&mut events, &incoming).await, CallState::Connected);
    peer.wait_event("CALL_ESTABLISHED", WAIT);
    peer.command("hangup", "");
    assert_eq!(
        state(&mut events, &incoming).await,
        CallState::Ended {
            reason: EndReason::RemoteHungUp
        }
    );
    let log = kamailio.log();
    assert!(
        log.contains("REQ REGISTER") && log.contains("/tls"),
        "{log}"
    );
    assert!(
        log.lines()
            .any(|l| l.contains("REQ INVITE sip:1002@") && l.ends_with("/tls")),
        "the call went over TLS: {log}"
    );
    assert!(
        log.lines()
            .any(|l| l.contains("REQ BYE") && l.ends_with("/tls")),
        "our BYE went over TLS: {log}"
    );
    drop(started);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_transfer_goes_out_from_the_account_the_call_came_to() {
    let mut b = bed(Answer::Manual).await;
    // A second line on the same phone: 1004.
    let second = AccountConfig {
        registrar: format!("sip:{}", b.kamailio.hostport()),
        user: "1004".into(),
        auth_user: None,
        password: "pw1004".into(),
        display_name: None,
        transport: Transport::Udp,
        expires: 600,
        outbound_proxy: None,
        tls_ca: None,
    };
    let _second = b.engine.register("second", second).expect("account");
    loop {
        if let SipEvent::Registered { account, .. } = next(&mut b.events).await {
            if account == "second" {
                break;
            }
        }
    }
    let mut target = Baresip::start(
        &mut b.started,
        b.dir.path(),
        &b.kamailio,
        "1003",
        "pw1003",
        Answer::Auto,
    );
    b.peer
        .command("dial", &format!("sip:1004@{}", b.kamailio.hostport()));
    let (call, _) = incoming(&mut b.events).await;
    b.engine.answer(&call).expect("answer");
    assert_eq!(state(&mut b.events, &call).await, CallState::Connected);
    b.peer.wait_event("CALL_ESTABLISHED", WAIT);
    b.peer
        .command("transfer", &format!("sip:1003@{}", b.kamailio.hostport()));
    while !matches!(
        next(&mut b.events).await,
        SipEvent::TransferRequested { .. }
    ) {}
    let new = b.engine.accept_transfer(&call).await.expect("accept");
    let joined = target.wait_event("CALL_ESTABLISHED", WAIT);
    assert!(
        joined["peeruri"].as_str().unwrap_or("").contains("1004@"),
        "the target sees the line the caller had called: {joined}"
    );
    b.engine.hangup(&new).await.expect("hang up");
    target.wait_event("CALL_CLOSED", WAIT);
}
