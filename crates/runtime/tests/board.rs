//! The board a window shows: the account registered; a caller from the demo contacts rings, is answered, held, and
//! consulted about with a colleague; each line shows its number in human format, its
//! contact, its state, since when, and exactly the controls its state allows.

use std::time::{Duration, Instant};

use switchboard_core::desk::{Control, LineState};
use switchboard_core::Source;
use switchboard_e2e::Started;
use switchboard_runtime::{Handle, LineView, PhoneEvent, PhoneOptions, Registration, Status};

mod common;
use common::{desk_for, kamailio_for, next, phone_for, reach, ringing_in, WAIT};

/// Waits until the board satisfies `done`; returns it.
async fn board(handle: &Handle, what: &str, done: impl Fn(&[LineView]) -> bool) -> Vec<LineView> {
    let start = Instant::now();
    loop {
        let lines = handle.board().expect("board");
        if done(&lines) {
            return lines;
        }
        assert!(
            start.elapsed() < WAIT,
            "the board never showed {what}: {lines:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn status_of(lines: &[LineView], line: &str) -> Option<Status> {
    lines.iter().find(|l| l.line == line).map(|l| l.status)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_board_follows_a_call_through_hold_and_consultation() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut started = Started::default();
    let kamailio = kamailio_for(&mut started, dir.path(), &["1001", "0199009999", "2004"]);
    let (handle, agent, mut events) =
        desk_for(dir.path(), &kamailio, "1001", PhoneOptions::default()).await;
    assert!(handle.board().expect("board").is_empty());
    let accounts = agent.accounts();
    assert_eq!(accounts.len(), 1);
    assert_eq!(accounts[0].account, "main");
    assert!(
        matches!(accounts[0].registration, Registration::Registered { expires } if expires > 0),
        "{accounts:?}"
    );

    // The household line of the demo contacts Claire and Marc Duval calls.
    let (caller, mut caller_events) =
        phone_for(&kamailio, "0199009999", PhoneOptions::default()).await;
    let theirs = caller.dial("main", "1001").expect("dial");
    let line = loop {
        if let PhoneEvent::Pop(pop) = next(&mut events).await {
            break pop.call;
        }
    };
    let ringing = board(&handle, "the ringing call with its contact", |l| {
        l.len() == 1 && l[0].contact.is_some()
    })
    .await;
    let view = &ringing[0];
    assert_eq!(view.line, line);
    assert!(view.incoming);
    assert_eq!(view.number, "0199009999");
    assert_eq!(view.display.as_deref(), Some("+33 1 99 00 99 99"));
    assert!(view.contact.as_deref().is_some_and(|c| c.contains("Duval")));
    assert_eq!(view.status, Status::RingingIn);
    assert_eq!(view.controls, [Control::Answer, Control::Reject]);
    assert_eq!(view.connected_ms, None);

    // Answered from a thread outside the runtime, as a window's main thread does.
    let from_window = agent.clone();
    let answering = line.clone();
    std::thread::spawn(move || from_window.answer(&answering))
        .join()
        .expect("the window's thread")
        .expect("answer");
    let talking = board(&handle, "the answered call", |l| {
        status_of(l, &line) == Some(Status::Connected)
    })
    .await;
    let view = &talking[0];
    assert!(view.connected_ms.is_some_and(|c| c >= view.started_ms));
    for control in [Control::Hold, Control::BlindTransfer, Control::Consult] {
        assert!(view.controls.contains(&control), "{control:?}");
    }
    assert!(!view.controls.contains(&Control::Answer));

    // The caller puts the agent on hold, then takes it off.
    reach(&mut caller_events, &theirs, LineState::Connected).await;
    caller.hold(&theirs).expect("hold");
    board(&handle, "the far end's hold", |l| l[0].held_by_remote).await;
    caller.resume(&theirs).expect("resume");
    board(&handle, "the far end's resume", |l| !l[0].held_by_remote).await;

    // The agent consults a colleague: the caller waits on hold.
    let (colleague, mut colleague_events) =
        phone_for(&kamailio, "2004", PhoneOptions::default()).await;
    // Typed in the dial box: read with the dial plan (an extension here).
    let wrong = handle.consult(&line, "20O4", Source::DialBox);
    assert_eq!(
        wrong.map_err(|e| e.code()),
        Err("number_letters"),
        "a letter O"
    );
    let consult = handle
        .consult(&line, " 2004 ", Source::DialBox)
        .expect("consult");
    let ring = ringing_in(&mut colleague_events).await;
    colleague.answer(&ring).expect("answer");
    let consulting = board(&handle, "the consultation", |l| {
        status_of(l, &line) == Some(Status::OnHold)
            && status_of(l, &consult) == Some(Status::Connected)
    })
    .await;
    let (held, colleague_line) = (&consulting[0], &consulting[1]);
    assert_eq!(held.line, line, "oldest first");
    assert!(!held.consulting);
    assert!(colleague_line.consulting);
    assert!(!colleague_line.incoming);
    assert_eq!(colleague_line.number, "2004");
    for view in [held, colleague_line] {
        assert!(view.controls.contains(&Control::CompleteTransfer));
        assert!(view.controls.contains(&Control::CancelConsult));
    }
    assert!(held.controls.contains(&Control::Resume));

    // Cancelled: the colleague's line goes, the caller stays held.
    agent.cancel_consult().expect("cancel");
    let after = board(&handle, "the consultation cancelled", |l| l.len() == 1).await;
    assert_eq!(after[0].status, Status::OnHold);
    assert!(!after[0].controls.contains(&Control::CompleteTransfer));
    agent.hangup(&line).expect("release the caller");
    board(&handle, "an empty board", |l| l.is_empty()).await;

    // The caller calls again and sends the agent on to the colleague (a blind transfer of
    // the agent): the board asks, the agent accepts, the new call replaces the request.
    let theirs = caller.dial("main", "1001").expect("dial");
    let line = loop {
        if let PhoneEvent::Pop(pop) = next(&mut events).await {
            break pop.call;
        }
    };
    agent.answer(&line).expect("answer");
    reach(&mut caller_events, &theirs, LineState::Connected).await;
    caller
        .transfer(&theirs, "2004")
        .expect("transfer the agent");
    let asked = board(&handle, "the transfer request", |l| {
        l.iter().any(|v| v.transfer_request.is_some())
    })
    .await;
    let request = asked[0].transfer_request.clone().expect("request");
    assert!(request.to.contains("2004"), "{request:?}");
    assert!(!request.attended);
    let new = agent.accept_transfer(&line).await.expect("accept");
    let ring = ringing_in(&mut colleague_events).await;
    colleague.answer(&ring).expect("answer");
    let transferred = board(&handle, "the call to the colleague", |l| {
        l.len() == 1 && status_of(l, &new) == Some(Status::Connected)
    })
    .await;
    assert_eq!(transferred[0].transfer_request, None);
    assert!(
        transferred[0].number.contains("2004"),
        "{:?}",
        transferred[0]
    );
    agent.hangup(&new).expect("hang up");
    board(&handle, "an empty board", |l| l.is_empty()).await;

    for phone in [agent, caller, colleague] {
        phone.shutdown().await;
    }
    handle.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_caller_from_a_company_shows_with_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut started = Started::default();
    let kamailio = kamailio_for(&mut started, dir.path(), &["1001", "0199009970"]);
    let (handle, _agent, mut events) =
        desk_for(dir.path(), &kamailio, "1001", PhoneOptions::default()).await;
    // Louis Fontaine of the bookshop Librairie des Quais, in the demo contacts, calls.
    let (caller, _caller_events) =
        phone_for(&kamailio, "0199009970", PhoneOptions::default()).await;
    caller.dial("main", "1001").expect("dial");
    ringing_in(&mut events).await;
    let lines = board(&handle, "the caller with the company", |l| {
        l.len() == 1 && l[0].company.is_some()
    })
    .await;
    assert_eq!(
        (lines[0].contact.as_deref(), lines[0].company.as_deref()),
        (Some("Louis Fontaine"), Some("Librairie des Quais"))
    );
    handle.stop_phone().await.expect("stopped");
}
