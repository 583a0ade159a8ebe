//! Calls through kamailio with a real baresip: out and in, answer, ring, hang-up both ways,
//! cancel, busy, unknown number, hold, blind transfer both ways, DTMF as SIP INFO.

use switchboard_core::call::EndReason;
use switchboard_e2e::baresip::{Answer, Baresip};
use switchboard_sip::{AccountConfig, CallState, Engine, Refusal, SipEvent, Transport};

mod common;
use common::{bed, incoming, next, state, Bed, WAIT};

#[tokio::test(flavor = "multi_thread")]
async fn call_answered_then_hung_up_by_us() {
    let mut b = bed(Answer::Auto).await;
    let call = b.engine.dial("main", "1002").expect("dial");
    assert_eq!(
        state(&mut b.events, &call).await,
        CallState::Dialing {
            to: format!("sip:1002@{}", b.kamailio.hostport())
        }
    );
    let mut s = state(&mut b.events, &call).await;
    if s == CallState::Ringing {
        s = state(&mut b.events, &call).await;
    }
    assert_eq!(s, CallState::Connected);
    let established = b.peer.wait_event("CALL_ESTABLISHED", WAIT);
    assert_eq!(
        established["id"],
        call.as_str(),
        "the peer sees our Call-ID"
    );
    assert!(established["peeruri"]
        .as_str()
        .unwrap_or("")
        .contains("1001"));
    b.engine.hangup(&call).await.expect("hang up");
    assert_eq!(
        state(&mut b.events, &call).await,
        CallState::Ended {
            reason: EndReason::HungUp
        }
    );
    b.peer.wait_event("CALL_CLOSED", WAIT);
    let err = b.engine.hangup(&call).await.expect_err("already over");
    assert_eq!(err.code(), "sip_no_such_call");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_peer_hangs_up() {
    let mut b = bed(Answer::Manual).await;
    let call = b.engine.dial("main", "1002").expect("dial");
    assert!(matches!(
        state(&mut b.events, &call).await,
        CallState::Dialing { .. }
    ));
    assert_eq!(state(&mut b.events, &call).await, CallState::Ringing);
    b.peer.wait_event("CALL_INCOMING", WAIT);
    b.peer.command("accept", "");
    assert_eq!(state(&mut b.events, &call).await, CallState::Connected);
    b.peer.wait_event("CALL_ESTABLISHED", WAIT);
    b.peer.command("hangup", "");
    assert_eq!(
        state(&mut b.events, &call).await,
        CallState::Ended {
            reason: EndReason::RemoteHungUp
        }
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn cancel_while_ringing() {
    let mut b = bed(Answer::Manual).await;
    let call = b.engine.dial("main", "1002").expect("dial");
    assert!(matches!(
        state(&mut b.events, &call).await,
        CallState::Dialing { .. }
    ));
    assert_eq!(state(&mut b.events, &call).await, CallState::Ringing);
    b.peer.wait_event("CALL_INCOMING", WAIT);
    b.engine.hangup(&call).await.expect("cancel");
    assert_eq!(
        state(&mut b.events, &call).await,
        CallState::Ended {
            reason: EndReason::Cancelled
        }
    );
    b.peer.wait_event("CALL_CLOSED", WAIT);
}

#[tokio::test(flavor = "multi_thread")]
async fn busy_and_unknown_numbers_end_with_their_reason() {
    let mut b = bed(Answer::Manual).await;
    let call = b.engine.dial("main", "1002").expect("dial");
    assert!(matches!(
        state(&mut b.events, &call).await,
        CallState::Dialing { .. }
    ));
    assert_eq!(state(&mut b.events, &call).await, CallState::Ringing);
    b.peer.wait_event("CALL_INCOMING", WAIT);
    // baresip refuses a ringing call with 486 Busy Here.
    b.peer.command("hangup", "");
    assert_eq!(
        state(&mut b.events, &call).await,
        CallState::Ended {
            reason: EndReason::Busy
        }
    );
    let nobody = b.engine.dial("main", "1999").expect("dial");
    assert!(matches!(
        state(&mut b.events, &nobody).await,
        CallState::Dialing { .. }
    ));
    assert_eq!(
        state(&mut b.events, &nobody).await,
        CallState::Ended {
            reason: EndReason::NotFound
        }
    );
    let err = b
        .engine
        .dial("nobody", "1002")
        .expect_err("no such account");
    assert_eq!(err.code(), "sip_account");
}

#[tokio::test(flavor = "multi_thread")]
async fn incoming_call_answered_then_the_caller_hangs_up() {
    let mut b = bed(Answer::Manual).await;
    b.peer
        .command("dial", &format!("sip:1001@{}", b.kamailio.hostport()));
    let (call, ringing) = incoming(&mut b.events).await;
    match ringing {
        CallState::Incoming { user, from, .. } => {
            assert_eq!(user, "1002");
            assert!(from.contains("1002@"), "{from}");
        }
        other => panic!("{other:?}"),
    }
    b.peer.wait_event("CALL_RINGING", WAIT);
    b.engine.answer(&call).expect("answer");
    assert_eq!(state(&mut b.events, &call).await, CallState::Connected);
    let remote_sdp = b.peer.wait_event("CALL_ESTABLISHED", WAIT);
    assert_eq!(remote_sdp["id"], call.as_str());
    b.peer.command("hangup", "");
    assert_eq!(
        state(&mut b.events, &call).await,
        CallState::Ended {
            reason: EndReason::RemoteHungUp
        }
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn incoming_call_answered_then_hung_up_by_us() {
    let mut b = bed(Answer::Manual).await;
    b.peer
        .command("dial", &format!("sip:1001@{}", b.kamailio.hostport()));
    let (call, _) = incoming(&mut b.events).await;
    b.engine.answer(&call).expect("answer");
    assert_eq!(state(&mut b.events, &call).await, CallState::Connected);
    b.peer.wait_event("CALL_ESTABLISHED", WAIT);
    b.engine.hangup(&call).await.expect("hang up");
    assert_eq!(
        state(&mut b.events, &call).await,
        CallState::Ended {
            reason: EndReason::HungUp
        }
    );
    b.peer.wait_event("CALL_CLOSED", WAIT);
}

#[tokio::test(flavor = "multi_thread")]
async fn incoming_call_rejected_busy_and_a_caller_who_gives_up() {
    let mut b = bed(Answer::Manual).await;
    b.peer
        .command("dial", &format!("sip:1001@{}", b.kamailio.hostport()));
    let (call, _) = incoming(&mut b.events).await;
    b.engine.reject(&call, Refusal::Busy).expect("reject");
    assert_eq!(
        state(&mut b.events, &call).await,
        CallState::Ended {
            reason: EndReason::Rejected
        }
    );
    let closed = b.peer.wait_event("CALL_CLOSED", WAIT);
    assert!(
        closed["param"].as_str().unwrap_or("").contains("486"),
        "{closed}"
    );

    b.peer
        .command("dial", &format!("sip:1001@{}", b.kamailio.hostport()));
    let (missed, _) = incoming(&mut b.events).await;
    b.peer.wait_event("CALL_RINGING", WAIT);
    b.peer.command("hangup", "");
    assert_eq!(
        state(&mut b.events, &missed).await,
        CallState::Ended {
            reason: EndReason::RemoteCancelled
        }
    );
    let err = b.engine.answer(&missed).expect_err("gone");
    assert_eq!(err.code(), "sip_no_such_call");
}

/// Dials the auto-answering peer and waits until the call is connected.
async fn connected_call(b: &mut Bed) -> String {
    let call = b.engine.dial("main", "1002").expect("dial");
    loop {
        match state(&mut b.events, &call).await {
            CallState::Connected => break,
            CallState::Dialing { .. } | CallState::Ringing => {}
            other => panic!("{other:?}"),
        }
    }
    b.peer.wait_event("CALL_ESTABLISHED", WAIT);
    call
}

#[tokio::test(flavor = "multi_thread")]
async fn hold_and_resume_both_ways() {
    let mut b = bed(Answer::Auto).await;
    let call = connected_call(&mut b).await;
    b.engine.hold(&call).await.expect("hold");
    assert_eq!(state(&mut b.events, &call).await, CallState::OnHold);
    b.peer.wait_event("CALL_REMOTE_SDP", WAIT);
    b.engine.resume(&call).await.expect("resume");
    assert_eq!(state(&mut b.events, &call).await, CallState::Connected);

    b.peer.command("hold", "");
    assert_eq!(state(&mut b.events, &call).await, CallState::HeldByRemote);
    b.peer.command("resume", "");
    assert_eq!(state(&mut b.events, &call).await, CallState::Connected);
    b.engine.hangup(&call).await.expect("hang up");
    assert_eq!(
        state(&mut b.events, &call).await,
        CallState::Ended {
            reason: EndReason::HungUp
        }
    );
    let err = b.engine.hold(&call).await.expect_err("over");
    assert_eq!(err.code(), "sip_no_such_call");
}

#[tokio::test(flavor = "multi_thread")]
async fn blind_transfer_to_another_phone_and_a_failed_one() {
    let mut b = bed(Answer::Auto).await;
    let mut target = Baresip::start(
        &mut b.started,
        b.dir.path(),
        &b.kamailio,
        "1003",
        "pw1003",
        Answer::Auto,
    );
    // A target that does not exist: the caller stays on hold with us.
    let call = connected_call(&mut b).await;
    let err = b.engine.transfer(&call, "1999").await;
    assert_eq!(state(&mut b.events, &call).await, CallState::OnHold);
    assert!(matches!(
        state(&mut b.events, &call).await,
        CallState::Transferring { .. }
    ));
    if let Err(e) = err {
        panic!("the REFER itself is accepted: {e}");
    }
    loop {
        match next(&mut b.events).await {
            SipEvent::TransferFailed { call: id, status } => {
                assert_eq!((id.as_str(), status), (call.as_str(), 404));
                break;
            }
            SipEvent::Call { state, .. } => panic!("unexpected {state:?}"),
            _ => {}
        }
    }
    assert_eq!(state(&mut b.events, &call).await, CallState::OnHold);
    b.engine
        .resume(&call)
        .await
        .expect("the agent takes the caller back");
    assert_eq!(state(&mut b.events, &call).await, CallState::Connected);

    // To 1003: the caller (1002) is connected to it and our leg ends.
    b.engine.transfer(&call, "1003").await.expect("transfer");
    assert_eq!(state(&mut b.events, &call).await, CallState::OnHold);
    assert_eq!(
        state(&mut b.events, &call).await,
        CallState::Transferring {
            to: format!("sip:1003@{}", b.kamailio.hostport())
        }
    );
    assert_eq!(
        state(&mut b.events, &call).await,
        CallState::Ended {
            reason: EndReason::Transferred
        }
    );
    let joined = target.wait_event("CALL_ESTABLISHED", WAIT);
    assert!(
        joined["peeruri"].as_str().unwrap_or("").contains("1002"),
        "{joined}"
    );
    b.peer.wait_event("TRANSFER", WAIT);
}

#[tokio::test(flavor = "multi_thread")]
async fn dtmf_as_sip_info_between_two_agents() {
    let mut b = bed(Answer::Auto).await;
    let (other, mut other_events) = Engine::start("127.0.0.1:0".parse().expect("addr"))
        .await
        .expect("second engine");
    let _registrar = other
        .register(
            "main",
            AccountConfig {
                registrar: format!("sip:{}", b.kamailio.hostport()),
                user: "1003".into(),
                auth_user: None,
                password: "pw1003".into(),
                display_name: None,
                transport: Transport::Udp,
                expires: 600,
                outbound_proxy: None,
                tls_ca: None,
            },
        )
        .expect("account");
    loop {
        if let SipEvent::Registered { .. } = next(&mut other_events).await {
            break;
        }
    }
    let call = b.engine.dial("main", "1003").expect("dial");
    let (incoming_call, _) = incoming(&mut other_events).await;
    assert_eq!(incoming_call, call, "one Call-ID end to end");
    other.answer(&call).expect("answer");
    loop {
        if state(&mut b.events, &call).await == CallState::Connected {
            break;
        }
    }
    let err = b
        .engine
        .send_dtmf_info(&call, "1x")
        .await
        .expect_err("not a digit");
    assert_eq!(err.code(), "sip_account");
    b.engine.send_dtmf_info(&call, "12#").await.expect("INFO");
    let mut digits = String::new();
    while digits.len() < 3 {
        if let SipEvent::Dtmf { call: id, digit } = next(&mut other_events).await {
            assert_eq!(id, call);
            digits.push(digit);
        }
    }
    assert_eq!(digits, "12#");
    b.engine.hangup(&call).await.expect("hang up");
    other.shutdown();
}

#[tokio::test(flavor = "multi_thread")]
async fn being_transferred_accepted_then_refused() {
    let mut b = bed(Answer::Manual).await;
    let mut target = Baresip::start(
        &mut b.started,
        b.dir.path(),
        &b.kamailio,
        "1003",
        "pw1003",
        Answer::Auto,
    );
    let target_uri = format!("sip:1003@{}", b.kamailio.hostport());
    // The first call: the baresip asks us to go to 1003; the agent accepts.
    b.peer
        .command("dial", &format!("sip:1001@{}", b.kamailio.hostport()));
    let (call, _) = incoming(&mut b.events).await;
    b.engine.answer(&call).expect("answer");
    assert_eq!(state(&mut b.events, &call).await, CallState::Connected);
    b.peer.wait_event("CALL_ESTABLISHED", WAIT);
    b.peer.command("transfer", &target_uri);
    loop {
        match next(&mut b.events).await {
            SipEvent::TransferRequested {
                call: id,
                to,
                attended,
            } => {
                assert_eq!(
                    (id.as_str(), to.as_str(), attended),
                    (call.as_str(), target_uri.as_str(), false)
                );
                break;
            }
            SipEvent::Call { state, .. } => panic!("unexpected {state:?}"),
            _ => {}
        }
    }
    let new = b.engine.accept_transfer(&call).await.expect("accept");
    assert_ne!(new, call);
    let mut new_connected = false;
    let mut old_ended = None;
    while !(new_connected && old_ended.is_some()) {
        if let SipEvent::Call { call: id, state } = next(&mut b.events).await {
            match state {
                CallState::Connected if id == new => new_connected = true,
                CallState::Ended { reason } if id == call => old_ended = Some(reason),
                CallState::Dialing { .. } | CallState::Ringing if id == new => {}
                other => panic!("{id}: unexpected {other:?}"),
            }
        }
    }
    assert_eq!(old_ended, Some(EndReason::Transferred));
    let joined = target.wait_event("CALL_ESTABLISHED", WAIT);
    assert!(
        joined["peeruri"].as_str().unwrap_or("").contains("1001"),
        "{joined}"
    );
    b.peer.wait_event("CALL_CLOSED", WAIT);
    b.engine.hangup(&new).await.expect("hang up");
    assert_eq!(
        state(&mut b.events, &new).await,
        CallState::Ended {
            reason: EndReason::HungUp
        }
    );

    // The second call: the agent refuses (603).
    b.peer
        .command("dial", &format!("sip:1001@{}", b.kamailio.hostport()));
    let (call, _) = incoming(&mut b.events).await;
    b.engine.answer(&call).expect("answer");
    assert_eq!(state(&mut b.events, &call).await, CallState::Connected);
    b.peer.wait_event("CALL_ESTABLISHED", WAIT);
    b.peer.command("transfer", &target_uri);
    loop {
        if let SipEvent::TransferRequested { .. } = next(&mut b.events).await {
            break;
        }
    }
    b.engine.refuse_transfer(&call).await.expect("refuse");
    b.peer.wait_event("TRANSFER_FAILED", WAIT);
    let err = b
        .engine
        .refuse_transfer(&call)
        .await
        .expect_err("answered already");
    assert_eq!(err.code(), "sip_no_such_call");
    // baresip 1.0 ends its call after a refused transfer: we see it hang up.
    assert_eq!(
        state(&mut b.events, &call).await,
        CallState::Ended {
            reason: EndReason::RemoteHungUp
        }
    );
}
