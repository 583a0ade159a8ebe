//! The call history, written as calls go: an answered and recorded incoming call, a missed
//! one, a call the agent dialled, each with the contact of its number, and a dialled call
//! refused at once.

use switchboard_core::desk::LineState;
use switchboard_e2e::Started;
use switchboard_runtime::{PhoneEvent, PhoneOptions, RecordingOptions};
use tokio::sync::mpsc::UnboundedReceiver;

mod common;
use common::{desk_for, kamailio_for, newest, next, phone_for, reach, ringing_in};

async fn incoming_line(events: &mut UnboundedReceiver<PhoneEvent>) -> String {
    loop {
        if let PhoneEvent::Pop(pop) = next(events).await {
            return pop.call;
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn calls_go_into_the_history_with_their_contact_and_recording() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut started = Started::default();
    let kamailio = kamailio_for(&mut started, dir.path(), &["1001", "0199009999"]);
    let folder = dir.path().join("recordings");
    std::fs::create_dir(&folder).expect("folder");
    let options = PhoneOptions {
        recording: RecordingOptions {
            folder: Some(folder),
            automatic: true,
        },
        ..PhoneOptions::default()
    };
    let (handle, agent, mut events) = desk_for(dir.path(), &kamailio, "1001", options).await;
    // The household line of the demo contacts Claire and Marc Duval.
    let (caller, mut caller_events) =
        phone_for(&kamailio, "0199009999", PhoneOptions::default()).await;
    let duvals = handle.search("Duval", 10).await.expect("search");
    let duval_ids: Vec<i64> = duvals.iter().map(|c| c.id).collect();

    // 1. Answered, recorded, hung up by the caller.
    let theirs = caller.dial("main", "1001").expect("dial");
    let line = incoming_line(&mut events).await;
    agent.answer(&line).expect("answer");
    let file = loop {
        if let PhoneEvent::Recording(r) = next(&mut events).await {
            assert_eq!(r.state, "started", "{r:?}");
            break r.file;
        }
    };
    assert!(file.contains("_in_0199009999_"), "{file}");
    assert!(
        file.ends_with("Duval.wav"),
        "named after the contact: {file}"
    );
    reach(&mut caller_events, &theirs, LineState::Connected).await;
    caller.hangup(&theirs).expect("hang up");
    let row = newest(&handle, "the answered call's end", |r| r.ended_at.is_some()).await;
    assert_eq!(row.direction, switchboard_runtime::CallDirection::In);
    assert_eq!(row.remote_raw, "0199009999");
    assert_eq!(row.remote_e164.as_deref(), Some("+33199009999"));
    assert!(
        row.contact_id.is_some_and(|id| duval_ids.contains(&id)),
        "{row:?}"
    );
    assert!(row.answered_at.is_some(), "{row:?}");
    assert_eq!(row.end_reason.as_deref(), Some("remote_hung_up"));
    assert_eq!(row.recording.as_deref(), Some(file.as_str()));
    assert!(row.started_at <= row.answered_at.clone().unwrap_or_default());

    // 2. Missed: the caller gives up before the agent answers.
    let theirs = caller.dial("main", "1001").expect("dial");
    incoming_line(&mut events).await;
    reach(&mut caller_events, &theirs, LineState::RingingOut).await;
    caller.hangup(&theirs).expect("give up");
    let missed = newest(&handle, "the missed call", |r| {
        r.id != row.id && r.ended_at.is_some()
    })
    .await;
    assert_eq!(missed.answered_at, None);
    assert_eq!(missed.end_reason.as_deref(), Some("remote_cancelled"));
    assert_eq!(missed.recording, None);

    // 3. The agent calls the number back.
    let out = agent.dial("main", "0199009999").expect("dial");
    let theirs = ringing_in(&mut caller_events).await;
    caller.answer(&theirs).expect("answer");
    reach(&mut events, &out, LineState::Connected).await;
    agent.hangup(&out).expect("hang up");
    let back = newest(&handle, "the call back", |r| {
        r.id != missed.id && r.ended_at.is_some()
    })
    .await;
    assert_eq!(back.direction, switchboard_runtime::CallDirection::Out);
    assert_eq!(back.remote_raw, "0199009999");
    assert!(
        back.contact_id.is_some_and(|id| duval_ids.contains(&id)),
        "{back:?}"
    );
    assert_eq!(back.end_reason.as_deref(), Some("hung_up"));
    assert!(back.recording.is_some(), "recorded too: {back:?}");

    // 4. A number nobody answers to: refused at once (404), still in the history with the
    // number dialled, even though the line ended before the history was written.
    let gone = agent.dial("main", "0612345678").expect("dial");
    let mut dialled = false;
    loop {
        match next(&mut events).await {
            PhoneEvent::Dialled(d) if d.call == gone => {
                assert_eq!(d.to, "0612345678");
                dialled = true;
            }
            PhoneEvent::Desk(switchboard_core::desk::DeskEvent::Line { line, state })
                if line == gone =>
            {
                assert!(dialled, "`dialled` comes before the line's first state");
                if let LineState::Ended { .. } = state {
                    break;
                }
            }
            _ => {}
        }
    }
    let refused = newest(&handle, "the refused call", |r| {
        r.id != back.id && r.ended_at.is_some()
    })
    .await;
    assert_eq!(refused.direction, switchboard_runtime::CallDirection::Out);
    assert_eq!(refused.remote_raw, "0612345678");
    assert_eq!(refused.remote_e164.as_deref(), Some("+33612345678"));
    assert_eq!(refused.answered_at, None);
    assert_eq!(refused.end_reason.as_deref(), Some("not_found"));

    for phone in [agent, caller] {
        phone.shutdown().await;
    }
    handle.close().await;
}
