//! The screen pop of a call a contact-center platform passes on: the caller's contacts, what
//! the SIP headers say (dialled number, diversion, queue, menu choice, subject), and the last
//! calls with this caller with the agent's notes. The caller is SIPp on loopback.

use switchboard_core::CallContext;
use switchboard_e2e::sipp::Sipp;
use switchboard_runtime::{
    CallDirection, Handle, OpenOptions, PhoneEvent, PhoneOptions, Refusal, ScreenPop,
};
use tokio::sync::mpsc::UnboundedReceiver;

mod common;
use common::{newest, next, start_local, WAIT};

async fn pop(events: &mut UnboundedReceiver<PhoneEvent>) -> ScreenPop {
    loop {
        if let PhoneEvent::Pop(pop) = next(events).await {
            return pop;
        }
    }
}

/// One call from the scenario, refused by the agent once its pop is in; returns the pop.
async fn call_in(
    dir: &std::path::Path,
    handle: &Handle,
    events: &mut UnboundedReceiver<PhoneEvent>,
) -> ScreenPop {
    let target = handle.phone().expect("phone").local_addr().to_string();
    let mut sipp = Sipp::start(
        dir,
        "queue_call_uac",
        include_str!("sipp/queue_call_uac.xml"),
        &[&target],
    );
    let pop = pop(events).await;
    handle
        .phone()
        .expect("phone")
        .reject(&pop.call, Refusal::Busy)
        .expect("reject");
    tokio::task::spawn_blocking(move || sipp.finish(WAIT))
        .await
        .expect("join")
        .expect("the caller saw 180 then 486");
    pop
}

#[tokio::test(flavor = "multi_thread")]
async fn the_pop_shows_the_calls_context_and_the_last_calls_with_their_notes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let handle = Handle::open(
        &dir.path().join("agent.db"),
        OpenOptions { demo_data: true },
    )
    .await
    .expect("database");
    let mut events = start_local(&handle, PhoneOptions::default()).await;

    let first = call_in(dir.path(), &handle, &mut events).await;
    assert_eq!(
        first.context,
        CallContext {
            dialled: Some("0800123456".into()),
            diverted_from: Some("0145000000".into()),
            queue: Some("Support niveau 1".into()),
            ivr: Some("2 - Facturation".into()),
            subject: Some("Commande 1234".into()),
            auto_answer: None,
        }
    );
    let names: Vec<String> = first
        .lookup
        .matches
        .iter()
        .filter_map(|m| m.contact.as_ref().map(|c| c.display_name.clone()))
        .collect();
    assert_eq!(
        names,
        ["Claire Duval", "Marc Duval"],
        "both people of the household line"
    );
    assert!(
        first.recent.is_empty(),
        "a first call has no earlier calls: {:?}",
        first.recent
    );

    // The agent writes what the call was about in its history row.
    let row = handle.history(1).await.expect("history").remove(0);
    assert_eq!(row.remote_raw, "0199009999");
    handle
        .note_call(row.id, "Facture 1234 contestée, rappeler", Some("callback"))
        .await
        .expect("note");

    let second = call_in(dir.path(), &handle, &mut events).await;
    assert_eq!(second.recent.len(), 1, "{:?}", second.recent);
    let last = &second.recent[0];
    assert_eq!(
        (
            last.id,
            last.direction,
            last.notes.as_str(),
            last.disposition.as_deref()
        ),
        (
            row.id,
            CallDirection::In,
            "Facture 1234 contestée, rappeler",
            Some("callback")
        )
    );
    assert_eq!(last.end_reason.as_deref(), Some("rejected"), "{last:?}");
    handle.phone().expect("phone").shutdown().await;
}

/// A call from 0612345678 (`scenario`, which expects to be answered then hangs up) to a
/// phone with `audio`; returns its pop once the caller saw the answer and the history row
/// says it was answered.
async fn answered_by_itself(
    audio: switchboard_runtime::AudioSettings,
    name: &str,
    scenario: &str,
) -> ScreenPop {
    let dir = tempfile::tempdir().expect("tempdir");
    let handle = Handle::open(&dir.path().join("agent.db"), OpenOptions::default())
        .await
        .expect("database");
    handle.save_audio_settings(&audio).await.expect("saved");
    let mut events = start_local(&handle, PhoneOptions::default()).await;
    let target = handle.phone().expect("phone").local_addr().to_string();
    let mut sipp = Sipp::start(dir.path(), name, scenario, &[&target]);
    let popped = pop(&mut events).await;
    tokio::task::spawn_blocking(move || sipp.finish(WAIT))
        .await
        .expect("join")
        .expect("the caller was answered (200) without a click, then hung up");
    // The history row follows the call's events as the engine handles them.
    let row = newest(&handle, "the call's end", |r| r.ended_at.is_some()).await;
    assert_eq!(row.remote_raw, "0612345678", "{popped:?}");
    assert!(row.answered_at.is_some(), "answered: {row:?}");
    handle.phone().expect("phone").shutdown().await;
    popped
}

#[tokio::test(flavor = "multi_thread")]
async fn with_auto_answer_a_lone_call_is_answered_without_a_click() {
    let audio = switchboard_runtime::AudioSettings {
        auto_answer: true,
        ..switchboard_runtime::AudioSettings::default()
    };
    answered_by_itself(audio, "answered_uac", include_str!("sipp/answered_uac.xml")).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_intercom_call_asking_for_it_is_answered_by_itself() {
    let audio = switchboard_runtime::AudioSettings {
        intercom: true,
        ..switchboard_runtime::AudioSettings::default()
    };
    let popped =
        answered_by_itself(audio, "intercom_uac", include_str!("sipp/intercom_uac.xml")).await;
    assert_eq!(popped.context.auto_answer, Some(1), "{:?}", popped.context);
}
