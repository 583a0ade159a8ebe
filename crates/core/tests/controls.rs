//! Each line's controls on a virtual clock: exactly the commands the desk accepts in its
//! state, checked after every step of call waiting, a conference, consultations and a
//! transfer, with the SIP side scripted by the test.

use std::time::Duration;

use switchboard_core::call::EndReason;
use switchboard_core::desk::{Control, Desk, DeskError, LineState};

const RING: Duration = Duration::from_secs(30);

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

/// Drops what the desk asked for and reported: only its state matters here.
fn settle(desk: &mut Desk) {
    while desk.poll_action().is_some() {}
    while desk.poll_event().is_some() {}
}

/// Whether the desk accepts `control` on `line` (tried on a copy).
fn accepts(desk: &Desk, line: &str, control: Control) -> bool {
    let mut d = desk.clone();
    match control {
        Control::Answer => d.answer(line).is_ok(),
        Control::Reject => d.reject(line, false).is_ok(),
        // A call still ringing (one that can still be answered) is refused with Reject:
        // its one button for that, though the desk takes a hang-up too (the CTI API's).
        Control::Hangup => {
            let ringing =
                d.state(line) == Some(&LineState::RingingIn) && d.clone().answer(line).is_ok();
            !ringing && d.hangup(line).is_ok()
        }
        Control::Hold => d.hold(line).is_ok(),
        Control::Resume => d.resume(line).is_ok(),
        Control::BlindTransfer => d.blind_transfer(line, "2004").is_ok(),
        Control::Consult => d.consult(line, "colleague", "2004", secs(0)).is_ok(),
        Control::CompleteTransfer => {
            d.consultation()
                .is_some_and(|(a, b)| a == line || b == line)
                && d.complete_transfer().is_ok()
        }
        Control::CancelConsult => {
            d.consultation()
                .is_some_and(|(a, b)| a == line || b == line)
                && d.cancel_consult().is_ok()
        }
        Control::Merge => {
            matches!(
                d.state(line),
                Some(LineState::Connected | LineState::OnHold)
            ) && d.merge().is_ok()
        }
        Control::RemoveParty => d.remove_party(line).is_ok(),
        Control::Dtmf => d.dtmf(line, "1").is_ok(),
        // No desk command: the media engine's, for a line that has sound.
        Control::MuteListen => d.state(line) == Some(&LineState::InConference),
        Control::Record => matches!(
            d.state(line),
            Some(LineState::Connected | LineState::InConference)
        ),
    }
}

const CONTROLS: [Control; 14] = [
    Control::Answer,
    Control::Reject,
    Control::Hangup,
    Control::Hold,
    Control::Resume,
    Control::BlindTransfer,
    Control::Consult,
    Control::CompleteTransfer,
    Control::CancelConsult,
    Control::Merge,
    Control::RemoveParty,
    Control::MuteListen,
    Control::Dtmf,
    Control::Record,
];

/// Every line's controls are exactly the commands the desk accepts, after each step.
fn controls_follow_the_rules(limit: usize, steps: &[&dyn Fn(&mut Desk)]) {
    let mut desk = Desk::new(limit, RING);
    for (n, step) in steps.iter().enumerate() {
        step(&mut desk);
        settle(&mut desk);
        for line in ["a", "b", "c", "colleague"] {
            let shown = desk.controls(line);
            for control in CONTROLS {
                assert_eq!(
                    shown.contains(&control),
                    accepts(&desk, line, control),
                    "step {n}, line {line} ({:?}): {control:?} in {shown:?}",
                    desk.state(line)
                );
            }
        }
    }
}

#[test]
fn each_line_shows_the_controls_its_state_allows_and_only_those() {
    let ok = |r: Result<(), DeskError>| r.expect("allowed");
    // Call waiting, a swap, a conference, a party removed.
    controls_follow_the_rules(
        4,
        &[
            &|d| d.handle_incoming("a"),
            &|d| ok(d.answer("a")),
            &|d| d.handle_answered("a"),
            &|d| d.handle_incoming("b"),
            &|d| ok(d.answer("b")),
            &|d| d.handle_hold_result("a", true),
            &|d| d.handle_answered("b"),
            &|d| ok(d.merge()),
            &|d| d.handle_resume_result("a", true),
            &|d| ok(d.hold_conference()),
            &|d| d.handle_hold_result("a", true),
            &|d| d.handle_hold_result("b", true),
            &|d| ok(d.resume_conference()),
            &|d| ok(d.remove_party("b")),
            &|d| d.handle_ended("b", EndReason::HungUp),
            &|d| d.handle_remote_hold("a", true),
        ],
    );
    // A consultation completed, then one cancelled; the caller released.
    controls_follow_the_rules(
        4,
        &[
            &|d| d.handle_incoming("a"),
            &|d| ok(d.answer("a")),
            &|d| d.handle_answered("a"),
            &|d| ok(d.consult("a", "colleague", "2004", secs(0))),
            &|d| d.handle_ringing("colleague", false),
            &|d| d.handle_hold_result("a", true),
            &|d| d.handle_answered("colleague"),
            &|d| ok(d.complete_transfer()),
            &|d| d.handle_transfer_failed("a", 403),
            &|d| ok(d.cancel_consult()),
            &|d| d.handle_ended("colleague", EndReason::HungUp),
            &|d| ok(d.hangup("a")),
        ],
    );
    // Dialling out at the limit: no consultation without a free line.
    controls_follow_the_rules(
        2,
        &[
            &|d| ok(d.dial("a", "0612345678", secs(0))),
            &|d| d.handle_ringing("a", true),
            &|d| d.handle_answered("a"),
            &|d| d.handle_incoming("b"),
            &|d| ok(d.answer("b")),
            &|d| d.handle_hold_result("a", true),
            &|d| d.handle_answered("b"),
            &|d| ok(d.blind_transfer("b", "2004")),
            &|d| d.handle_ended("b", EndReason::Transferred),
            &|d| ok(d.resume("a")),
        ],
    );
}

#[test]
fn a_ringing_call_offers_answer_and_reject_then_once_answered_hang_up() {
    let mut desk = Desk::new(3, RING);
    desk.handle_incoming("a");
    assert_eq!(desk.controls("a"), [Control::Answer, Control::Reject]);
    desk.answer("a").expect("answer");
    assert_eq!(desk.controls("a"), [Control::Hangup]);
    assert!(desk.controls("nobody").is_empty());
}
