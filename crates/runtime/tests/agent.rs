//! The agent's working state and call screening with real callers: a baresip through
//! kamailio is refused while the agent is not ready, a caller on the block list is declined,
//! a forwarded caller (SIPp) receives the 302 with the colleague's address, and a timed
//! wrap-up follows an answered call then gives the agent back to the calls by itself.

use switchboard_core::desk::LineState;
use switchboard_core::{AgentRules, FilterMode, FilterSettings, Presence, WrapUpMode};
use switchboard_e2e::baresip::Answer;
use switchboard_e2e::sipp::Sipp;
use switchboard_e2e::Started;
use switchboard_runtime::{
    AgentSettings, AgentView, ChangeCause, Handle, OpenOptions, PhoneEvent, PhoneOptions, SipEvent,
    StatsPeriod, Unavailable,
};
use tokio::sync::mpsc::UnboundedReceiver;

mod common;
use common::{
    baresip_for, desk_for, kamailio_for, newest, next, reach, ringing_in, start_local, WAIT,
};

/// Waits for the agent event that puts the agent in `presence`.
async fn agent_in(events: &mut UnboundedReceiver<PhoneEvent>, presence: Presence) -> AgentView {
    loop {
        if let PhoneEvent::Agent(view) = next(events).await {
            if view.presence == presence {
                return view;
            }
        }
    }
}

/// Waits for the call screened before it rang; returns its status.
async fn screened(events: &mut UnboundedReceiver<PhoneEvent>) -> (u16, Option<String>) {
    loop {
        if let PhoneEvent::Sip(SipEvent::Screened {
            status,
            forwarded_to,
            ..
        }) = next(events).await
        {
            return (status, forwarded_to);
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_call_is_refused_while_the_agent_is_not_ready_and_declined_when_filtered() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut started = Started::default();
    let kamailio = kamailio_for(&mut started, dir.path(), &["1001", "1002"]);
    let mut caller = baresip_for(&mut started, dir.path(), &kamailio, "1002", Answer::Manual);
    let (handle, phone, mut events) =
        desk_for(dir.path(), &kamailio, "1001", PhoneOptions::default()).await;
    let agent = format!("sip:1001@{}", kamailio.hostport());
    let rules = AgentSettings {
        rules: AgentRules {
            reasons: vec!["Pause".into(), "Formation".into()],
            ..AgentRules::default()
        },
        ..AgentSettings::default()
    };
    handle.save_agent_settings(&rules).await.expect("rules");
    assert_eq!(
        handle.agent().presence,
        Presence::Ready,
        "a new agent is ready"
    );

    let refused = handle
        .set_agent_state(Presence::NotReady, Some("Déjeuner"))
        .await;
    assert_eq!(
        refused.map(|_| ()).map_err(|e| e.code()),
        Err("reason_required")
    );
    let view = handle
        .set_agent_state(Presence::NotReady, Some("Pause"))
        .await
        .expect("not ready");
    assert_eq!(
        (view.presence, view.reason.as_deref()),
        (Presence::NotReady, Some("Pause"))
    );
    agent_in(&mut events, Presence::NotReady).await;

    caller.command("dial", &agent);
    let closed = caller.wait_event("CALL_CLOSED", WAIT);
    assert!(
        closed["param"].as_str().unwrap_or("").contains("486"),
        "the caller hears busy: {closed}"
    );
    assert_eq!(screened(&mut events).await, (486, None));
    let row = newest(&handle, "the refused call", |r| r.ended_at.is_some()).await;
    assert_eq!(
        (row.remote_raw.as_str(), row.end_reason.as_deref()),
        ("1002", Some("agent_unavailable"))
    );

    // Ready again, the same caller rings.
    handle
        .set_agent_state(Presence::Ready, None)
        .await
        .expect("ready");
    caller.command("dial", &agent);
    let line = ringing_in(&mut events).await;
    phone.hangup(&line).expect("refuse it");
    caller.wait_event("CALL_CLOSED", WAIT);

    // On the block list (an extension here), the caller is declined whatever the state.
    let block = AgentSettings {
        filter: FilterSettings {
            mode: FilterMode::Block,
            entries: vec!["1002".into()],
            refuse_anonymous: false,
        },
        ..rules
    };
    handle.save_agent_settings(&block).await.expect("filter");
    caller.command("dial", &agent);
    let closed = caller.wait_event("CALL_CLOSED", WAIT);
    assert!(
        closed["param"].as_str().unwrap_or("").contains("603"),
        "declined: {closed}"
    );
    assert_eq!(screened(&mut events).await, (603, None));
    let row = newest(&handle, "the filtered call", |r| {
        r.end_reason.as_deref() == Some("filtered")
    })
    .await;
    assert_eq!(row.remote_raw, "1002");

    // Every change is kept with its time, for the statistics.
    let changes = handle
        .agent_states_since("2000-01-01T00:00:00Z")
        .await
        .expect("log");
    let presences: Vec<&str> = changes.iter().map(|c| c.presence.as_str()).collect();
    assert_eq!(presences, ["ready", "not_ready", "ready"], "{changes:?}");
    assert_eq!(changes[1].reason.as_deref(), Some("Pause"));
    phone.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unavailable_agent_forwards_the_caller_to_a_colleague() {
    let dir = tempfile::tempdir().expect("tempdir");
    let handle = Handle::open(&dir.path().join("agent.db"), OpenOptions::default())
        .await
        .expect("database");
    let forward = AgentSettings {
        unavailable: Unavailable::Forward { to: "2005".into() },
        ..AgentSettings::default()
    };
    handle.save_agent_settings(&forward).await.expect("saved");
    handle
        .set_agent_state(Presence::DoNotDisturb, None)
        .await
        .expect("dnd");
    let mut events = start_local(&handle, PhoneOptions::default()).await;
    let target = handle.phone().expect("phone").local_addr().to_string();
    let mut sipp = Sipp::start(
        dir.path(),
        "forwarded_uac",
        include_str!("sipp/forwarded_uac.xml"),
        &[&target],
    );
    assert_eq!(screened(&mut events).await, (302, Some("2005".into())));
    tokio::task::spawn_blocking(move || sipp.finish(WAIT))
        .await
        .expect("join")
        .expect("the caller got a 302 whose Contact is sip:2005@ the called domain");
    let row = newest(&handle, "the forwarded call", |r| r.ended_at.is_some()).await;
    assert_eq!(row.end_reason.as_deref(), Some("forwarded"));
    handle.phone().expect("phone").shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_timed_wrap_up_follows_an_answered_call_and_ends_by_itself() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut started = Started::default();
    let kamailio = kamailio_for(&mut started, dir.path(), &["1001", "1002"]);
    let mut caller = baresip_for(&mut started, dir.path(), &kamailio, "1002", Answer::Manual);
    let (handle, phone, mut events) =
        desk_for(dir.path(), &kamailio, "1001", PhoneOptions::default()).await;
    let rules = AgentSettings {
        rules: AgentRules {
            wrap_up: WrapUpMode::Timed { seconds: 2 },
            ..AgentRules::default()
        },
        ..AgentSettings::default()
    };
    handle.save_agent_settings(&rules).await.expect("rules");
    caller.command("dial", &format!("sip:1001@{}", kamailio.hostport()));
    let line = ringing_in(&mut events).await;
    phone.answer(&line).expect("answer");
    reach(&mut events, &line, LineState::Connected).await;
    phone.hold(&line).expect("hold");
    reach(&mut events, &line, LineState::OnHold).await;
    phone.resume(&line).expect("resume");
    reach(&mut events, &line, LineState::Connected).await;
    phone.hangup(&line).expect("hang up");

    let wrap = agent_in(&mut events, Presence::WrapUp).await;
    assert_eq!(wrap.cause, ChangeCause::CallEnded);
    let wrap_up = wrap.wrap_up.expect("the call in wrap-up");
    assert_eq!(wrap_up.call, line);
    let row = handle.history(1).await.expect("history").remove(0);
    assert_eq!(
        wrap_up.history_id,
        Some(row.id),
        "the notes go to the call's row"
    );
    assert!(
        wrap_up.remaining_ms.is_some_and(|ms| ms <= 2000),
        "{wrap_up:?}"
    );
    // Refused while in wrap-up.
    caller.wait_event("CALL_CLOSED", WAIT);
    caller.command("dial", &format!("sip:1001@{}", kamailio.hostport()));
    let closed = caller.wait_event("CALL_CLOSED", WAIT);
    assert!(
        closed["param"].as_str().unwrap_or("").contains("486"),
        "{closed}"
    );

    let ready = agent_in(&mut events, Presence::Ready).await;
    assert_eq!(ready.cause, ChangeCause::WrapUpExpired);
    assert!(handle.agent().wrap_up.is_none());

    // The statistics of the hour around it count the call, its hold and its wrap-up.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_millis() as i64;
    let period = StatsPeriod {
        label: "hour".into(),
        from_ms: now - 3_600_000,
        to_ms: now + 3_600_000,
        slices: vec![now - 3_600_000, now],
    };
    let stats = handle.stats(&period).await.expect("stats");
    assert_eq!(
        (stats.calls_in, stats.answered, stats.missed, stats.screened),
        (2, 1, 0, 1),
        "the answered call and the one refused in wrap-up: {stats:?}"
    );
    assert!(stats.hold_ms > 0, "{stats:?}");
    assert!(stats.talk_ms >= stats.hold_ms, "{stats:?}");
    assert!(
        stats.wrap_up_ms >= 2_000,
        "the two seconds of wrap-up: {stats:?}"
    );
    assert_eq!(
        stats.average_handle_ms,
        stats.talk_ms + stats.hold_ms + stats.wrap_up_ms
    );
    assert_eq!(stats.slices.iter().map(|s| s.calls_in).sum::<u32>(), 2);
    let csv = handle.stats_csv(&[period]).await.expect("csv");
    let rows: Vec<&str> = csv.lines().collect();
    assert_eq!(rows.len(), 2, "{csv}");
    assert!(rows[0].starts_with("period,from,to,calls_in,calls_out,answered,missed"));
    assert!(rows[1].starts_with("hour,"), "{csv}");
    assert_eq!(rows[1].split(',').nth(3), Some("2"));
    phone.shutdown().await;
}
