//! The agent's states and wrap-up on a virtual clock.

use std::time::Duration;

use switchboard_core::{
    Agent, AgentError, AgentEvent, AgentRules, ChangeCause, Presence, WrapUpMode,
};

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

fn events(agent: &mut Agent) -> Vec<AgentEvent> {
    std::iter::from_fn(|| agent.poll_event()).collect()
}

fn rules(wrap_up: WrapUpMode) -> AgentRules {
    AgentRules {
        wrap_up,
        require_disposition: false,
        reasons: vec!["Pause".into(), "Formation".into()],
    }
}

#[test]
fn only_a_ready_agent_takes_calls() {
    let mut agent = Agent::new(Presence::Offline, None, rules(WrapUpMode::Off), secs(0));
    assert!(!agent.admits_calls());
    agent.set(Presence::Ready, None, secs(5)).expect("ready");
    assert!(agent.admits_calls());
    assert_eq!(agent.since(), secs(5));
    for p in [Presence::DoNotDisturb, Presence::Offline] {
        agent.set(p, None, secs(6)).expect("allowed");
        assert!(!agent.admits_calls(), "{p:?}");
    }
    agent
        .set(Presence::NotReady, Some("Pause"), secs(7))
        .expect("not ready");
    assert!(!agent.admits_calls());
    assert_eq!(agent.reason(), Some("Pause"));
}

#[test]
fn not_ready_needs_one_of_the_configured_reasons() {
    let mut agent = Agent::new(Presence::Ready, None, rules(WrapUpMode::Off), secs(0));
    assert_eq!(
        agent.set(Presence::NotReady, None, secs(1)),
        Err(AgentError::ReasonRequired("Pause, Formation".into()))
    );
    assert!(agent
        .set(Presence::NotReady, Some("Lunch"), secs(1))
        .is_err());
    assert_eq!(
        agent.presence(),
        Presence::Ready,
        "a refused change changes nothing"
    );
    agent
        .set(Presence::NotReady, Some(" Formation "), secs(2))
        .expect("known reason");
    assert_eq!(agent.reason(), Some("Formation"));
    // Without configured reasons, any reason or none will do.
    let mut free = Agent::new(Presence::Ready, None, AgentRules::default(), secs(0));
    free.set(Presence::NotReady, None, secs(1))
        .expect("no reason");
    assert_eq!(free.reason(), None);
}

#[test]
fn every_change_is_reported_once_with_its_cause() {
    let mut agent = Agent::new(Presence::Ready, None, rules(WrapUpMode::Off), secs(0));
    agent.set(Presence::Ready, None, secs(1)).expect("same");
    assert!(events(&mut agent).is_empty(), "no change, no event");
    assert_eq!(agent.since(), secs(0));
    agent
        .set(Presence::DoNotDisturb, None, secs(2))
        .expect("dnd");
    assert_eq!(
        events(&mut agent),
        [AgentEvent::Changed {
            presence: Presence::DoNotDisturb,
            reason: None,
            call: None,
            cause: ChangeCause::Agent,
        }]
    );
}

#[test]
fn timed_wrap_up_counts_down_then_makes_the_agent_ready() {
    let mut agent = Agent::new(
        Presence::Ready,
        None,
        rules(WrapUpMode::Timed { seconds: 30 }),
        secs(0),
    );
    agent.handle_call_ended("c1", true, 0, secs(100));
    assert_eq!(agent.presence(), Presence::WrapUp);
    assert!(!agent.admits_calls());
    assert_eq!(agent.wrap_up(), Some(("c1", Some(secs(130)))));
    assert_eq!(agent.next_timeout(), Some(secs(130)));
    assert_eq!(
        events(&mut agent),
        [AgentEvent::Changed {
            presence: Presence::WrapUp,
            reason: None,
            call: Some("c1".into()),
            cause: ChangeCause::CallEnded,
        }]
    );
    agent.handle_timeout(secs(129));
    assert_eq!(agent.presence(), Presence::WrapUp, "one second left");
    agent.handle_timeout(secs(130));
    assert_eq!(agent.presence(), Presence::Ready);
    assert_eq!(agent.since(), secs(130));
    assert_eq!(agent.next_timeout(), None);
    assert!(matches!(
        events(&mut agent).as_slice(),
        [AgentEvent::Changed {
            presence: Presence::Ready,
            cause: ChangeCause::WrapUpExpired,
            ..
        }]
    ));
}

#[test]
fn the_agent_may_leave_a_timed_wrap_up_early() {
    let mut agent = Agent::new(
        Presence::Ready,
        None,
        rules(WrapUpMode::Timed { seconds: 30 }),
        secs(0),
    );
    agent.handle_call_ended("c1", true, 0, secs(10));
    agent.set(Presence::Ready, None, secs(15)).expect("early");
    assert_eq!(agent.next_timeout(), None, "the countdown is gone");
    agent.handle_timeout(secs(40));
    assert_eq!(
        agent.since(),
        secs(15),
        "nothing happens at the old deadline"
    );
}

#[test]
fn mandatory_wrap_up_lasts_until_the_agent_leaves_it_with_a_disposition() {
    let mut r = rules(WrapUpMode::Mandatory);
    r.require_disposition = true;
    let mut agent = Agent::new(Presence::Ready, None, r, secs(0));
    agent.handle_call_ended("c1", true, 0, secs(10));
    assert_eq!(agent.next_timeout(), None);
    agent.handle_timeout(secs(100_000));
    assert_eq!(agent.presence(), Presence::WrapUp, "no countdown");
    assert_eq!(
        agent.set(Presence::Ready, None, secs(20)),
        Err(AgentError::DispositionRequired { call: "c1".into() })
    );
    assert_eq!(agent.presence(), Presence::WrapUp);
    agent.handle_disposition("c1");
    agent
        .set(Presence::Ready, None, secs(21))
        .expect("disposed");
    assert!(agent.admits_calls());
}

#[test]
fn unanswered_calls_and_agents_who_left_ready_get_no_wrap_up() {
    let mut agent = Agent::new(Presence::Ready, None, rules(WrapUpMode::Mandatory), secs(0));
    agent.handle_call_ended("missed", false, 0, secs(5));
    assert_eq!(
        agent.presence(),
        Presence::Ready,
        "a missed call is no work"
    );
    agent
        .set(Presence::NotReady, Some("Pause"), secs(6))
        .expect("pause");
    agent.handle_call_ended("c1", true, 0, secs(7));
    assert_eq!(
        agent.presence(),
        Presence::NotReady,
        "the agent's choice stands"
    );
    assert_eq!(agent.reason(), Some("Pause"));
}

#[test]
fn optional_wrap_up_offers_the_form_and_keeps_the_agent_ready() {
    let mut agent = Agent::new(Presence::Ready, None, rules(WrapUpMode::Optional), secs(0));
    assert_eq!(
        agent.set(Presence::WrapUp, None, secs(1)),
        Err(AgentError::NothingToWrapUp)
    );
    agent.handle_call_ended("c1", true, 0, secs(5));
    assert!(agent.admits_calls());
    assert_eq!(
        events(&mut agent),
        [AgentEvent::WrapUpOffered { call: "c1".into() }]
    );
    agent.set(Presence::WrapUp, None, secs(6)).expect("chosen");
    assert_eq!(agent.wrap_up(), Some(("c1", None)));
    assert!(!agent.admits_calls());
}

#[test]
fn turning_wrap_up_off_ends_a_running_one() {
    let mut agent = Agent::new(Presence::Ready, None, rules(WrapUpMode::Mandatory), secs(0));
    agent.handle_call_ended("c1", true, 0, secs(5));
    agent.set_rules(rules(WrapUpMode::Off), secs(6));
    assert_eq!(agent.presence(), Presence::Ready);
    assert_eq!(agent.wrap_up(), None);
}

#[test]
fn rules_are_checked() {
    let mut r = rules(WrapUpMode::Timed { seconds: 0 });
    assert_eq!(r.validate(), Err(AgentError::WrapUpLength(0)));
    r.wrap_up = WrapUpMode::Timed { seconds: 3600 };
    assert_eq!(r.validate(), Ok(()));
    r.reasons.push("pause ".into());
    r.reasons.push("Pause ".into());
    assert_eq!(r.validate(), Err(AgentError::BadReason("Pause ".into())));
    r.reasons = vec![String::new()];
    assert!(r.validate().is_err());
    r.reasons = (0..31).map(|i| format!("R{i}")).collect();
    assert_eq!(r.validate(), Err(AgentError::TooManyReasons(31)));
}

#[test]
fn nobody_starts_in_wrap_up() {
    let agent = Agent::new(
        Presence::WrapUp,
        None,
        rules(WrapUpMode::Mandatory),
        secs(0),
    );
    assert_eq!(agent.presence(), Presence::Ready);
    assert!(Presence::ALL
        .iter()
        .all(|p| Presence::from_code(p.code()) == Some(*p)));
}

#[test]
fn the_wrap_up_waits_for_the_last_call_and_is_the_customers() {
    let mut agent = Agent::new(
        Presence::Ready,
        None,
        rules(WrapUpMode::Timed { seconds: 30 }),
        secs(0),
    );
    // The colleague consulted hangs up: the customer is still on hold.
    agent.handle_call_ended("consult", true, 1, secs(10));
    assert_eq!(agent.presence(), Presence::Ready);
    assert_eq!(agent.next_timeout(), None, "no countdown during a call");
    agent.handle_call_ended("customer", true, 0, secs(50));
    assert_eq!(agent.wrap_up(), Some(("customer", Some(secs(80)))));
    // A missed call ending last still gives the answered one its wrap-up.
    let mut other = Agent::new(Presence::Ready, None, rules(WrapUpMode::Mandatory), secs(0));
    other.handle_call_ended("talked", true, 1, secs(5));
    other.handle_call_ended("missed", false, 0, secs(6));
    assert_eq!(other.wrap_up(), Some(("talked", None)));
}

#[test]
fn optional_wrap_up_is_offered_until_the_agent_moves_on() {
    let mut agent = Agent::new(Presence::Ready, None, rules(WrapUpMode::Optional), secs(0));
    agent.handle_call_ended("c1", true, 0, secs(5));
    assert_eq!(agent.offered(), Some("c1"));
    agent.set(Presence::WrapUp, None, secs(6)).expect("taken");
    assert_eq!(agent.offered(), None);
    assert_eq!(agent.wrap_up(), Some(("c1", None)));
}

#[test]
fn a_not_ready_agent_comes_back_with_their_reason() {
    let agent = Agent::new(
        Presence::NotReady,
        Some("Pause".into()),
        rules(WrapUpMode::Off),
        secs(0),
    );
    assert_eq!(agent.reason(), Some("Pause"));
    let ready = Agent::new(
        Presence::Ready,
        Some("Pause".into()),
        rules(WrapUpMode::Off),
        secs(0),
    );
    assert_eq!(ready.reason(), None, "a reason goes with Not ready only");
}
