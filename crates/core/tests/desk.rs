//! The desk's flows on a virtual clock, with the SIP side scripted by the test.

use std::time::Duration;

use switchboard_core::call::EndReason;
use switchboard_core::desk::{Action, Alert, Desk, DeskError, DeskEvent, LineState};

const RING: Duration = Duration::from_secs(30);

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

fn actions(desk: &mut Desk) -> Vec<Action> {
    std::iter::from_fn(|| desk.poll_action()).collect()
}

fn events(desk: &mut Desk) -> Vec<DeskEvent> {
    std::iter::from_fn(|| desk.poll_event()).collect()
}

fn line(desk: &Desk, id: &str) -> LineState {
    desk.state(id).cloned().expect("known line")
}

/// An answered incoming call on line "a".
fn connected(desk: &mut Desk) {
    desk.handle_incoming("a");
    desk.answer("a").expect("answer");
    desk.handle_answered("a");
    actions(desk);
    events(desk);
}

#[test]
fn answering_a_second_call_holds_the_first() {
    let mut desk = Desk::new(3, RING);
    connected(&mut desk);
    desk.handle_incoming("b");
    assert_eq!(line(&desk, "b"), LineState::RingingIn, "call waiting");
    assert_eq!(line(&desk, "a"), LineState::Connected);
    desk.answer("b").expect("answer");
    assert_eq!(
        actions(&mut desk),
        [Action::Hold("a".into()), Action::Accept("b".into())]
    );
    desk.handle_hold_result("a", true);
    desk.handle_answered("b");
    assert_eq!(line(&desk, "a"), LineState::OnHold);
    assert_eq!(desk.active(), Some("b"));
    desk.resume("a").expect("swap back");
    assert_eq!(
        actions(&mut desk),
        [Action::Hold("b".into()), Action::Resume("a".into())]
    );
}

#[test]
fn the_simultaneous_call_limit_refuses_with_486() {
    let mut desk = Desk::new(2, RING);
    connected(&mut desk);
    desk.handle_incoming("b");
    desk.handle_incoming("c");
    assert_eq!(
        actions(&mut desk),
        [Action::Reject {
            line: "c".into(),
            status: 486
        }]
    );
    assert!(events(&mut desk).contains(&DeskEvent::Refused { line: "c".into() }));
    assert_eq!(desk.state("c"), None);
    assert_eq!(
        desk.dial("d", "2004", secs(0)),
        Err(DeskError::LimitReached(2))
    );
    desk.handle_ended("b", EndReason::RemoteCancelled);
    desk.dial("d", "2004", secs(0))
        .expect("a line is free again");
    // Lowered to one while two lines are up: both stay, a third is refused.
    desk.set_limit(1);
    desk.handle_incoming("e");
    assert!(actions(&mut desk).contains(&Action::Reject {
        line: "e".into(),
        status: 486
    }));
    assert!(desk.state("d").is_some(), "the lines already up stay");
    assert_eq!(
        desk.dial("f", "2004", secs(0)),
        Err(DeskError::LimitReached(1))
    );
}

#[test]
fn actions_are_allowed_only_where_they_make_sense() {
    let mut desk = Desk::new(4, RING);
    desk.handle_incoming("a");
    assert_eq!(desk.hold("a"), Err(DeskError::NotNow("ringing here")));
    assert_eq!(desk.resume("a"), Err(DeskError::NotNow("ringing here")));
    assert_eq!(desk.complete_transfer(), Err(DeskError::NoConsult));
    assert_eq!(desk.hold("zz"), Err(DeskError::NoSuchLine));
    desk.dial("b", "2004", secs(0)).expect("dial");
    assert_eq!(desk.answer("b"), Err(DeskError::NotNow("dialing")));
    assert_eq!(
        desk.blind_transfer("b", "2005"),
        Err(DeskError::NotNow("dialing"))
    );
    desk.hangup("b").expect("cancel");
    assert_eq!(actions(&mut desk).last(), Some(&Action::Cancel("b".into())));
    desk.hangup("a").expect("refuse");
    assert_eq!(
        actions(&mut desk),
        [Action::Reject {
            line: "a".into(),
            status: 486
        }]
    );
    assert_eq!(
        desk.hangup("a"),
        Err(DeskError::NoSuchLine),
        "already ended"
    );
    assert_eq!(DeskError::HoldPending.code(), "desk_hold_pending");
}

#[test]
fn consult_then_complete_waits_for_the_hold_answer() {
    let mut desk = Desk::new(3, RING);
    connected(&mut desk);
    desk.consult("a", "c", "2004", secs(10)).expect("consult");
    assert_eq!(
        actions(&mut desk),
        [
            Action::Hold("a".into()),
            Action::Invite {
                line: "c".into(),
                to: "2004".into()
            }
        ]
    );
    desk.handle_ringing("c", false);
    desk.handle_answered("c");
    assert_eq!(desk.complete_transfer(), Err(DeskError::HoldPending));
    assert!(
        actions(&mut desk).is_empty(),
        "no REFER before the hold is answered"
    );
    desk.handle_hold_result("a", true);
    desk.complete_transfer().expect("complete");
    assert_eq!(
        actions(&mut desk),
        [Action::ReferReplaces {
            line: "a".into(),
            replaces: "c".into()
        }]
    );
    assert_eq!(line(&desk, "a"), LineState::Transferring);
    desk.handle_ended("c", EndReason::RemoteHungUp);
    desk.handle_ended("a", EndReason::HungUp);
    assert_eq!(
        line(&desk, "a"),
        LineState::Ended {
            reason: EndReason::Transferred
        }
    );
    assert_eq!(desk.consultation(), None);
}

/// A consultation with "c" completed: the REFER with Replaces is out for caller "a".
fn transfer_completed() -> Desk {
    let mut desk = Desk::new(3, RING);
    connected(&mut desk);
    desk.consult("a", "c", "2004", secs(10)).expect("consult");
    desk.handle_answered("c");
    desk.handle_hold_result("a", true);
    desk.complete_transfer().expect("complete");
    actions(&mut desk);
    desk
}

#[test]
fn a_target_that_keeps_the_replaced_consult_call_is_hung_up_on() {
    // The transfer succeeded, but the target never ended the consult dialog it replaced.
    let mut desk = transfer_completed();
    desk.handle_ended("a", EndReason::HungUp);
    assert_eq!(actions(&mut desk), [Action::Bye("c".into())]);
    assert_eq!(desk.consultation(), None);
    // A consult line the target did end gets nothing more.
    let mut desk = transfer_completed();
    desk.handle_ended("c", EndReason::RemoteHungUp);
    desk.handle_ended("a", EndReason::HungUp);
    assert!(actions(&mut desk).is_empty());
}

#[test]
fn consult_then_cancel_keeps_the_caller_on_hold() {
    let mut desk = Desk::new(3, RING);
    connected(&mut desk);
    desk.consult("a", "c", "2004", secs(0)).expect("consult");
    desk.handle_hold_result("a", true);
    desk.handle_answered("c");
    actions(&mut desk);
    assert_eq!(
        desk.consult("a", "d", "2005", secs(0)),
        Err(DeskError::ConsultInProgress)
    );
    desk.cancel_consult().expect("cancel");
    assert_eq!(actions(&mut desk), [Action::Bye("c".into())]);
    desk.handle_ended("c", EndReason::HungUp);
    assert_eq!(line(&desk, "a"), LineState::OnHold);
    desk.resume("a").expect("back to the caller");
    assert_eq!(actions(&mut desk), [Action::Resume("a".into())]);
    desk.handle_resume_result("a", true);
    assert_eq!(line(&desk, "a"), LineState::Connected);
}

#[test]
fn consult_target_busy_or_caller_gone() {
    let mut desk = Desk::new(3, RING);
    connected(&mut desk);
    desk.consult("a", "c", "2004", secs(0)).expect("consult");
    desk.handle_hold_result("a", true);
    desk.handle_ended("c", EndReason::Busy);
    assert_eq!(
        line(&desk, "c"),
        LineState::Ended {
            reason: EndReason::Busy
        }
    );
    assert_eq!(desk.consultation(), None);
    assert_eq!(
        line(&desk, "a"),
        LineState::OnHold,
        "the caller waits for the agent"
    );

    desk.consult("a", "d", "2005", secs(0))
        .expect("consult again");
    desk.handle_answered("d");
    desk.handle_ended("a", EndReason::RemoteHungUp);
    assert_eq!(
        desk.complete_transfer(),
        Err(DeskError::NoConsult),
        "the caller hung up"
    );
    assert_eq!(
        line(&desk, "d"),
        LineState::Connected,
        "the colleague's call goes on"
    );
}

#[test]
fn a_refused_hold_leaves_the_call_connected() {
    let mut desk = Desk::new(3, RING);
    connected(&mut desk);
    desk.hold("a").expect("hold");
    desk.handle_hold_result("a", false);
    assert_eq!(line(&desk, "a"), LineState::Connected);
    assert!(events(&mut desk).contains(&DeskEvent::HoldRefused { line: "a".into() }));
}

#[test]
fn an_unanswered_call_is_cancelled_at_the_ring_timeout() {
    let mut desk = Desk::new(3, RING);
    desk.dial("b", "2004", secs(100)).expect("dial");
    actions(&mut desk);
    assert_eq!(desk.next_timeout(), Some(secs(130)));
    desk.handle_ringing("b", true);
    assert_eq!(line(&desk, "b"), LineState::EarlyMedia);
    desk.handle_timeout(secs(129));
    assert!(actions(&mut desk).is_empty());
    desk.handle_timeout(secs(130));
    assert_eq!(actions(&mut desk), [Action::Cancel("b".into())]);
    assert_eq!(
        line(&desk, "b"),
        LineState::Ended {
            reason: EndReason::NoAnswer
        }
    );
    assert_eq!(desk.next_timeout(), None);
    desk.dial("c", "2005", secs(200)).expect("dial");
    desk.handle_answered("c");
    assert_eq!(
        desk.next_timeout(),
        None,
        "an answered call has no ring timeout"
    );
}

#[test]
fn a_failed_blind_transfer_brings_the_caller_back_on_hold() {
    let mut desk = Desk::new(3, RING);
    connected(&mut desk);
    desk.blind_transfer("a", "2009").expect("transfer");
    assert_eq!(
        actions(&mut desk),
        [Action::Refer {
            line: "a".into(),
            to: "2009".into()
        }]
    );
    desk.handle_transfer_failed("a", 404);
    assert_eq!(line(&desk, "a"), LineState::OnHold);
    assert!(events(&mut desk).contains(&DeskEvent::TransferFailed {
        line: "a".into(),
        status: 404
    }));
}

#[test]
fn conference_merge_remove_and_leave() {
    let mut desk = Desk::new(4, RING);
    connected(&mut desk);
    assert_eq!(desk.merge(), Err(DeskError::NothingToMerge));
    desk.consult("a", "c", "2004", secs(0)).expect("consult");
    desk.handle_hold_result("a", true);
    desk.handle_answered("c");
    actions(&mut desk);
    desk.merge().expect("merge");
    assert_eq!(actions(&mut desk), [Action::Resume("a".into())]);
    assert_eq!(desk.conference(), ["a", "c"]);
    assert_eq!(
        desk.consultation(),
        None,
        "the consultation became the conference"
    );
    // A third party joins: answering holds the conference, merging brings it back.
    desk.handle_incoming("d");
    desk.answer("d").expect("answer");
    assert_eq!(
        actions(&mut desk),
        [
            Action::Hold("a".into()),
            Action::Hold("c".into()),
            Action::Accept("d".into())
        ],
        "the conference does not hear the new caller before the merge"
    );
    desk.handle_hold_result("a", true);
    desk.handle_hold_result("c", true);
    desk.handle_answered("d");
    desk.merge().expect("merge the third");
    assert_eq!(
        actions(&mut desk),
        [Action::Resume("a".into()), Action::Resume("c".into())]
    );
    assert_eq!(desk.conference(), ["a", "c", "d"]);
    desk.remove_party("d").expect("remove");
    assert_eq!(actions(&mut desk), [Action::Bye("d".into())]);
    desk.handle_ended("d", EndReason::HungUp);
    assert_eq!(desk.conference(), ["a", "c"]);
    // Leaving with two parties transfers them to each other.
    desk.leave_conference().expect("leave");
    assert_eq!(
        actions(&mut desk),
        [Action::ReferReplaces {
            line: "a".into(),
            replaces: "c".into()
        }]
    );
    desk.handle_ended("a", EndReason::HungUp);
    assert_eq!(
        line(&desk, "a"),
        LineState::Ended {
            reason: EndReason::Transferred
        }
    );
    assert_eq!(
        line(&desk, "c"),
        LineState::Connected,
        "one party left: a plain call"
    );
    desk.handle_ended("c", EndReason::RemoteHungUp);
    assert_eq!(desk.leave_conference(), Err(DeskError::NoConference));
    assert_eq!(desk.remove_party("c"), Err(DeskError::NoConference));
}

/// A conference of "a" and "c" with every re-INVITE answered.
fn conference(desk: &mut Desk) {
    connected(desk);
    desk.consult("a", "c", "2004", secs(0)).expect("consult");
    desk.handle_hold_result("a", true);
    desk.handle_answered("c");
    desk.merge().expect("merge");
    desk.handle_resume_result("a", true);
    actions(desk);
    events(desk);
}

#[test]
fn a_conference_is_held_and_resumed_as_a_whole() {
    let mut desk = Desk::new(4, RING);
    conference(&mut desk);
    desk.hold_conference().expect("hold all");
    assert_eq!(
        actions(&mut desk),
        [Action::Hold("a".into()), Action::Hold("c".into())]
    );
    assert_eq!(
        desk.resume_conference(),
        Err(DeskError::HoldPending),
        "not before the holds are answered"
    );
    desk.handle_hold_result("a", true);
    desk.handle_hold_result("c", true);
    assert_eq!(desk.conference(), Vec::<&str>::new());
    assert_eq!(desk.held_conference(), ["a", "c"]);
    assert_eq!(desk.active(), None, "nobody has the agent's audio");
    // A call in between: dialled while the conference waits.
    desk.dial("e", "2005", secs(1)).expect("dial");
    desk.handle_answered("e");
    actions(&mut desk);
    desk.resume_conference().expect("resume all");
    assert_eq!(
        actions(&mut desk),
        [
            Action::Hold("e".into()),
            Action::Resume("a".into()),
            Action::Resume("c".into())
        ]
    );
    desk.handle_hold_result("e", true);
    desk.handle_resume_result("a", true);
    desk.handle_resume_result("c", true);
    assert_eq!(desk.conference(), ["a", "c"]);
    assert_eq!(line(&desk, "e"), LineState::OnHold);
    assert!(desk.held_conference().is_empty());
    assert_eq!(desk.resume_conference(), Err(DeskError::NoConference));
}

#[test]
fn dialling_from_a_conference_holds_it_and_a_party_resumed_alone_leaves_it() {
    let mut desk = Desk::new(4, RING);
    conference(&mut desk);
    desk.dial("e", "2005", secs(1)).expect("dial");
    assert_eq!(
        actions(&mut desk),
        [
            Action::Hold("a".into()),
            Action::Hold("c".into()),
            Action::Invite {
                line: "e".into(),
                to: "2005".into()
            }
        ]
    );
    desk.handle_hold_result("a", true);
    desk.handle_hold_result("c", true);
    desk.handle_ended("e", EndReason::Busy);
    // Talking to "c" alone: it leaves the held conference, "a" waits on hold.
    desk.resume("c").expect("resume c");
    desk.handle_resume_result("c", true);
    assert_eq!(line(&desk, "c"), LineState::Connected);
    assert!(
        desk.held_conference().is_empty(),
        "a conference of one is no conference"
    );
    assert_eq!(line(&desk, "a"), LineState::OnHold);
}

#[test]
fn split_makes_separate_held_calls() {
    let mut desk = Desk::new(4, RING);
    conference(&mut desk);
    desk.split().expect("split");
    assert_eq!(
        actions(&mut desk),
        [Action::Hold("a".into()), Action::Hold("c".into())]
    );
    desk.handle_hold_result("a", true);
    desk.handle_hold_result("c", true);
    assert_eq!(line(&desk, "a"), LineState::OnHold);
    assert_eq!(line(&desk, "c"), LineState::OnHold);
    assert_eq!(desk.resume_conference(), Err(DeskError::NoConference));
    desk.resume("a").expect("talk to a");
    desk.handle_resume_result("a", true);
    assert_eq!(line(&desk, "a"), LineState::Connected, "not a conference");
    assert_eq!(desk.split(), Err(DeskError::NoConference));
}

#[test]
fn dtmf_goes_to_one_party_and_bad_keys_are_named() {
    let mut desk = Desk::new(4, RING);
    conference(&mut desk);
    desk.dtmf("c", "12 3#b").expect("dtmf");
    assert_eq!(
        actions(&mut desk),
        [Action::Dtmf {
            line: "c".into(),
            digits: "123#B".into()
        }]
    );
    assert_eq!(desk.dtmf("c", "12x"), Err(DeskError::BadDigit('x')));
    assert_eq!(desk.dtmf("c", " "), Err(DeskError::NoDigits));
    assert_eq!(desk.dtmf("zz", "1"), Err(DeskError::NoSuchLine));
    desk.hold_conference().expect("hold");
    assert_eq!(
        desk.dtmf("a", "1"),
        Err(DeskError::NotNow("being put on hold")),
        "keys to a held party would be lost"
    );
    assert!(actions(&mut desk)
        .iter()
        .all(|a| !matches!(a, Action::Dtmf { .. })));
}

#[test]
fn the_phone_rings_alone_beeps_in_a_call_and_rings_back_while_dialling() {
    let mut desk = Desk::new(3, RING);
    assert_eq!(desk.alert(), Alert::default());
    desk.handle_incoming("a");
    assert!(desk.alert().ring && !desk.alert().call_waiting);
    desk.answer("a").expect("answer");
    desk.handle_answered("a");
    assert_eq!(desk.alert(), Alert::default(), "answered: quiet");
    desk.handle_incoming("b");
    let waiting = desk.alert();
    assert!(
        waiting.call_waiting && !waiting.ring,
        "a call while in a call beeps"
    );
    desk.handle_ended("b", EndReason::RemoteCancelled);
    assert_eq!(desk.alert(), Alert::default());
    desk.dial("c", "0612345678", secs(1)).expect("dial");
    assert!(
        !desk.alert().ringback,
        "no ringback before the far end rings"
    );
    desk.handle_ringing("c", false);
    assert!(desk.alert().ringback);
    desk.handle_ringing("c", true);
    assert!(!desk.alert().ringback, "early media brings its own sound");
}

#[test]
fn hanging_up_a_call_being_answered_waits_for_the_answer_then_sends_bye() {
    let mut desk = Desk::new(3, RING);
    desk.handle_incoming("a");
    desk.answer("a").expect("answer");
    assert_eq!(actions(&mut desk), [Action::Accept("a".into())]);
    assert_eq!(
        desk.answer("a"),
        Err(DeskError::NotNow("being answered")),
        "one answer is enough"
    );
    desk.hangup("a").expect("hang up at once");
    assert!(
        actions(&mut desk).is_empty(),
        "no 486 after the 200 already sent"
    );
    assert_eq!(line(&desk, "a"), LineState::RingingIn);
    desk.handle_answered("a");
    assert_eq!(actions(&mut desk), [Action::Bye("a".into())]);
    assert_eq!(
        line(&desk, "a"),
        LineState::Connected,
        "until the BYE is done"
    );
}
