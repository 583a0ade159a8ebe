//! The desk's rules on live calls: call waiting holds the first caller, and a call beyond the
//! limit is refused with 486 — as the baresips see it.

use switchboard_core::desk::{DeskEvent, LineState};
use switchboard_e2e::baresip::{Answer, Baresip};
use switchboard_e2e::kamailio::Kamailio;
use switchboard_e2e::Started;
use switchboard_runtime::{AccountConfig, PhoneEvent, PhoneOptions, SipEvent, Transport};
use tokio::sync::mpsc::UnboundedReceiver;

mod common;
use common::{next, phone_for, reach, reach_all, ringing_in, start_local, WAIT};

/// Waits until the other side holds (`held`) or resumes `line`.
async fn remote_hold(events: &mut UnboundedReceiver<PhoneEvent>, line: &str, held: bool) {
    loop {
        if let PhoneEvent::Desk(DeskEvent::RemoteHold { line: l, held: h }) = next(events).await {
            if l == line && h == held {
                return;
            }
        }
    }
}

/// Waits for the next DTMF key received: (call, key).
async fn dtmf(events: &mut UnboundedReceiver<PhoneEvent>) -> (String, char) {
    loop {
        if let PhoneEvent::Sip(SipEvent::Dtmf { call, digit }) = next(events).await {
            return (call, digit);
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn call_waiting_holds_the_first_caller_and_the_limit_refuses_with_486() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut started = Started::default();
    let users = [
        ("1001", "pw1001"),
        ("1002", "pw1002"),
        ("1003", "pw1003"),
        ("1004", "pw1004"),
    ];
    let kamailio = Kamailio::start(&mut started, dir.path(), &users);
    let mut first = Baresip::start(
        &mut started,
        dir.path(),
        &kamailio,
        "1002",
        "pw1002",
        Answer::Manual,
    );
    let mut second = Baresip::start(
        &mut started,
        dir.path(),
        &kamailio,
        "1003",
        "pw1003",
        Answer::Manual,
    );
    let mut third = Baresip::start(
        &mut started,
        dir.path(),
        &kamailio,
        "1004",
        "pw1004",
        Answer::Manual,
    );
    let options = PhoneOptions {
        max_calls: 2,
        ..PhoneOptions::default()
    };
    let (phone, mut events) = phone_for(&kamailio, "1001", options).await;
    let agent = format!("sip:1001@{}", kamailio.hostport());

    first.command("dial", &agent);
    let a = ringing_in(&mut events).await;
    phone.answer(&a).expect("answer the first");
    reach(&mut events, &a, LineState::Connected).await;
    first.wait_event("CALL_ESTABLISHED", WAIT);

    second.command("dial", &agent);
    let b = ringing_in(&mut events).await;
    assert_ne!(a, b);
    phone.answer(&b).expect("answer the second");
    // The first caller is put on hold and the second answered (the two requests go out
    // together; their answers come in either order).
    let (mut held, mut answered) = (false, false);
    while !(held && answered) {
        if let PhoneEvent::Desk(DeskEvent::Line { line, state }) = next(&mut events).await {
            held |= line == a && state == LineState::OnHold;
            answered |= line == b && state == LineState::Connected;
        }
    }
    first.wait_event("CALL_REMOTE_SDP", WAIT);
    second.wait_event("CALL_ESTABLISHED", WAIT);

    third.command("dial", &agent);
    let closed = third.wait_event("CALL_CLOSED", WAIT);
    assert!(
        closed["param"].as_str().unwrap_or("").contains("486"),
        "{closed}"
    );
    loop {
        if let PhoneEvent::Desk(DeskEvent::Refused { .. }) = next(&mut events).await {
            break;
        }
    }

    phone.hangup(&b).expect("hang up the second");
    reach(
        &mut events,
        &b,
        LineState::Ended {
            reason: switchboard_core::call::EndReason::HungUp,
        },
    )
    .await;
    phone.resume(&a).expect("back to the first");
    reach(&mut events, &a, LineState::Connected).await;
    phone.hangup(&a).expect("hang up");
    reach(
        &mut events,
        &a,
        LineState::Ended {
            reason: switchboard_core::call::EndReason::HungUp,
        },
    )
    .await;
    first.wait_event("CALL_CLOSED", WAIT);
    phone.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn blind_transfer_through_the_desk() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut started = Started::default();
    let users = [("1001", "pw1001"), ("1002", "pw1002"), ("1003", "pw1003")];
    let kamailio = Kamailio::start(&mut started, dir.path(), &users);
    let mut caller = Baresip::start(
        &mut started,
        dir.path(),
        &kamailio,
        "1002",
        "pw1002",
        Answer::Manual,
    );
    let mut target = Baresip::start(
        &mut started,
        dir.path(),
        &kamailio,
        "1003",
        "pw1003",
        Answer::Auto,
    );
    let (phone, mut events) = phone_for(&kamailio, "1001", PhoneOptions::default()).await;
    caller.command("dial", &format!("sip:1001@{}", kamailio.hostport()));
    let line = ringing_in(&mut events).await;
    assert_eq!(
        phone.transfer(&line, "1003").map_err(|e| e.code()),
        Err("desk_not_now")
    );
    phone.answer(&line).expect("answer");
    reach(&mut events, &line, LineState::Connected).await;
    caller.wait_event("CALL_ESTABLISHED", WAIT);
    phone.transfer(&line, "1003").expect("transfer");
    reach(&mut events, &line, LineState::Transferring).await;
    reach(
        &mut events,
        &line,
        LineState::Ended {
            reason: switchboard_core::call::EndReason::Transferred,
        },
    )
    .await;
    let joined = target.wait_event("CALL_ESTABLISHED", WAIT);
    assert!(
        joined["peeruri"].as_str().unwrap_or("").contains("1002"),
        "{joined}"
    );
    target.command("hangup", "");
    phone.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn being_transferred_shows_the_new_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut started = Started::default();
    let users = [("1001", "pw1001"), ("1002", "pw1002"), ("1003", "pw1003")];
    let kamailio = Kamailio::start(&mut started, dir.path(), &users);
    let mut caller = Baresip::start(
        &mut started,
        dir.path(),
        &kamailio,
        "1002",
        "pw1002",
        Answer::Manual,
    );
    let mut target = Baresip::start(
        &mut started,
        dir.path(),
        &kamailio,
        "1003",
        "pw1003",
        Answer::Auto,
    );
    let (phone, mut events) = phone_for(&kamailio, "1001", PhoneOptions::default()).await;
    caller.command("dial", &format!("sip:1001@{}", kamailio.hostport()));
    let old = ringing_in(&mut events).await;
    phone.answer(&old).expect("answer");
    reach(&mut events, &old, LineState::Connected).await;
    caller.wait_event("CALL_ESTABLISHED", WAIT);
    caller.command("transfer", &format!("sip:1003@{}", kamailio.hostport()));
    loop {
        if let PhoneEvent::Sip(SipEvent::TransferRequested { call, .. }) = next(&mut events).await {
            assert_eq!(call, old);
            break;
        }
    }
    let new = phone.accept_transfer(&old).await.expect("accept");
    reach(&mut events, &new, LineState::Connected).await;
    reach(
        &mut events,
        &old,
        LineState::Ended {
            reason: switchboard_core::call::EndReason::Transferred,
        },
    )
    .await;
    target.wait_event("CALL_ESTABLISHED", WAIT);
    phone.hangup(&new).expect("the new line is the desk's");
    reach(
        &mut events,
        &new,
        LineState::Ended {
            reason: switchboard_core::call::EndReason::HungUp,
        },
    )
    .await;
    assert_eq!(
        phone.hold(&old).map_err(|e| e.code()),
        Err("desk_no_such_line"),
        "the old line ended when the transfer succeeded"
    );
    phone.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn consult_then_cancel_then_consult_then_complete() {
    use switchboard_core::call::EndReason;
    let dir = tempfile::tempdir().expect("tempdir");
    let mut started = Started::default();
    let users = [("1001", "pw1001"), ("1002", "pw1002"), ("1003", "pw1003")];
    let kamailio = Kamailio::start(&mut started, dir.path(), &users);
    let (desk, mut desk_events) = phone_for(&kamailio, "1001", PhoneOptions::default()).await;
    let (caller, mut caller_events) = phone_for(&kamailio, "1002", PhoneOptions::default()).await;
    let (colleague, mut colleague_events) =
        phone_for(&kamailio, "1003", PhoneOptions::default()).await;

    let first = caller.dial("main", "1001").expect("dial");
    let at_desk = ringing_in(&mut desk_events).await;
    desk.answer(&at_desk).expect("answer");
    reach(&mut desk_events, &at_desk, LineState::Connected).await;
    reach(&mut caller_events, &first, LineState::Connected).await;

    // A consultation the agent abandons: the caller stays on hold, then is resumed.
    let consult = desk.consult(&at_desk, "main", "1003").expect("consult");
    reach(&mut desk_events, &at_desk, LineState::OnHold).await;
    let ringing = ringing_in(&mut colleague_events).await;
    colleague.answer(&ringing).expect("answer");
    reach(&mut desk_events, &consult, LineState::Connected).await;
    desk.cancel_consult().expect("cancel");
    reach(
        &mut desk_events,
        &consult,
        LineState::Ended {
            reason: EndReason::HungUp,
        },
    )
    .await;
    assert_eq!(
        desk.complete_transfer().map_err(|e| e.code()),
        Err("desk_no_consult")
    );
    desk.resume(&at_desk).expect("back to the caller");
    reach(&mut desk_events, &at_desk, LineState::Connected).await;

    // A consultation completed: the caller ends up with the colleague.
    let consult = desk
        .consult(&at_desk, "main", "1003")
        .expect("consult again");
    reach(&mut desk_events, &at_desk, LineState::OnHold).await;
    let at_colleague = ringing_in(&mut colleague_events).await;
    colleague.answer(&at_colleague).expect("answer");
    reach(&mut desk_events, &consult, LineState::Connected).await;
    desk.complete_transfer().expect("complete");
    let asked = loop {
        if let PhoneEvent::Sip(SipEvent::TransferRequested { call, attended, .. }) =
            next(&mut caller_events).await
        {
            assert!(attended);
            break call;
        }
    };
    assert_eq!(asked, first);
    let second = caller.accept_transfer(&first).await.expect("accept");
    reach(&mut caller_events, &second, LineState::Connected).await;
    reach(
        &mut desk_events,
        &at_desk,
        LineState::Ended {
            reason: EndReason::Transferred,
        },
    )
    .await;
    for phone in [desk, caller, colleague] {
        phone.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn conference_held_resumed_dtmf_to_one_party_then_the_agent_leaves() {
    use switchboard_core::call::EndReason;
    let dir = tempfile::tempdir().expect("tempdir");
    let mut started = Started::default();
    let users = [("1001", "pw1001"), ("1002", "pw1002"), ("1003", "pw1003")];
    let kamailio = Kamailio::start(&mut started, dir.path(), &users);
    let (desk, mut desk_events) = phone_for(&kamailio, "1001", PhoneOptions::default()).await;
    let (one, mut one_events) = phone_for(&kamailio, "1002", PhoneOptions::default()).await;
    let (two, mut two_events) = phone_for(&kamailio, "1003", PhoneOptions::default()).await;

    let from_one = one.dial("main", "1001").expect("dial");
    let a = ringing_in(&mut desk_events).await;
    desk.answer(&a).expect("answer");
    reach(&mut desk_events, &a, LineState::Connected).await;
    let from_two = two.dial("main", "1001").expect("dial");
    let b = ringing_in(&mut desk_events).await;
    desk.answer(&b)
        .expect("answer the second: the first is held");
    reach_all(
        &mut desk_events,
        &[(&a, LineState::OnHold), (&b, LineState::Connected)],
    )
    .await;
    reach(&mut one_events, &from_one, LineState::Connected).await;

    desk.merge().expect("merge");
    reach(&mut desk_events, &a, LineState::InConference).await;
    // The held caller was resumed: its phone sees the hold lifted.
    remote_hold(&mut one_events, &from_one, false).await;

    // Hold all: both callers are held; resume all: both are back in the conference.
    desk.hold_conference().expect("hold the conference");
    remote_hold(&mut one_events, &from_one, true).await;
    remote_hold(&mut two_events, &from_two, true).await;
    reach_all(
        &mut desk_events,
        &[(&a, LineState::OnHold), (&b, LineState::OnHold)],
    )
    .await;
    desk.resume_conference().expect("resume the conference");
    remote_hold(&mut one_events, &from_one, false).await;
    remote_hold(&mut two_events, &from_two, false).await;
    reach_all(
        &mut desk_events,
        &[(&a, LineState::InConference), (&b, LineState::InConference)],
    )
    .await;

    // DTMF to one party: only that caller gets the key.
    desk.dtmf(&a, "5").expect("dtmf to the first caller");
    assert_eq!(dtmf(&mut one_events).await, (from_one.clone(), '5'));
    desk.dtmf(&b, "7").expect("dtmf to the second caller");
    assert_eq!(
        dtmf(&mut two_events).await,
        (from_two.clone(), '7'),
        "the second caller never got the first caller's key"
    );

    // The agent leaves: the two callers are put through to each other. One of them (the
    // desk picks it) is asked to call the other with Replaces.
    desk.leave_conference().expect("leave");
    let asked_one = loop {
        tokio::select! {
            e = next(&mut one_events) => if let PhoneEvent::Sip(SipEvent::TransferRequested { call, attended, .. }) = e {
                assert_eq!((call.as_str(), attended), (from_one.as_str(), true));
                break true;
            },
            e = next(&mut two_events) => if let PhoneEvent::Sip(SipEvent::TransferRequested { call, attended, .. }) = e {
                assert_eq!((call.as_str(), attended), (from_two.as_str(), true));
                break false;
            },
        }
    };
    let (asked, asked_events, asked_line, other_events, other_line) = if asked_one {
        (&one, &mut one_events, &from_one, &mut two_events, &from_two)
    } else {
        (&two, &mut two_events, &from_two, &mut one_events, &from_one)
    };
    let joined = asked.accept_transfer(asked_line).await.expect("accept");
    reach(asked_events, &joined, LineState::Connected).await;
    let transferred = || LineState::Ended {
        reason: EndReason::Transferred,
    };
    reach(other_events, other_line, transferred()).await;
    // The agent's line to the asked caller ends by the transfer; the other caller's phone
    // swapped calls and hung up on the agent.
    assert!([&a, &b].contains(&asked_line) && [&a, &b].contains(&other_line));
    reach_all(
        &mut desk_events,
        &[
            (asked_line, transferred()),
            (
                other_line,
                LineState::Ended {
                    reason: EndReason::RemoteHungUp,
                },
            ),
        ],
    )
    .await;
    for phone in [desk, one, two] {
        phone.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_incoming_call_pops_the_contacts_of_the_callers_number() {
    use switchboard_core::MatchReason;
    use switchboard_runtime::{Handle, OpenOptions};
    let dir = tempfile::tempdir().expect("tempdir");
    let mut started = Started::default();
    // The caller's account is a national number: the PBX presents it as 01 99 00 99 99.
    let users = [("1001", "pw1001"), ("0199009999", "pw0199009999")];
    let kamailio = Kamailio::start(&mut started, dir.path(), &users);
    let handle = Handle::open(
        &dir.path().join("agent.db"),
        OpenOptions { demo_data: true },
    )
    .await
    .expect("database");
    let mut desk_events = start_local(&handle, PhoneOptions::default()).await;
    let again = handle
        .start_phone(
            "127.0.0.1:0".parse().expect("addr"),
            PhoneOptions::default(),
        )
        .await
        .expect_err("one phone per agent");
    assert_eq!(again.code(), "phone_started");
    let desk = handle.phone().expect("started");
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
    desk.add_account("main", account).await.expect("account");
    while !matches!(
        next(&mut desk_events).await,
        PhoneEvent::Sip(SipEvent::Registered { .. })
    ) {}
    let (caller, _caller_events) =
        phone_for(&kamailio, "0199009999", PhoneOptions::default()).await;

    caller.dial("main", "1001").expect("dial");
    let pop = loop {
        if let PhoneEvent::Pop(pop) = next(&mut desk_events).await {
            break pop;
        }
    };
    assert_eq!(pop.lookup.display, "+33 1 99 00 99 99");
    let mut names: Vec<(String, MatchReason)> = pop
        .lookup
        .matches
        .iter()
        .map(|m| {
            (
                m.contact
                    .as_ref()
                    .map(|c| c.display_name.clone())
                    .unwrap_or_default(),
                m.reason.clone(),
            )
        })
        .collect();
    names.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        names,
        [
            ("Claire Duval".to_owned(), MatchReason::Exact),
            ("Marc Duval".to_owned(), MatchReason::Exact)
        ],
        "the household line's two contacts"
    );
    let line = ringing_in(&mut desk_events).await;
    assert_eq!(line, pop.call);
    for phone in [desk, caller] {
        phone.shutdown().await;
    }
    handle.close().await;
}
