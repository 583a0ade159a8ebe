//! The runtime's event pump: every event of the phone goes to the front end's stream and
//! to the listeners, into the history, and an incoming call gets its screen pop (then the
//! CRM lookup and auto-answer). Stopping it drains what the phone still sent, so that a
//! front end that stops the phone sees every last event (the unregistrations).

use switchboard_core::Caller;
use tokio::sync::{mpsc, oneshot};

use crate::{contacts, history, phone, Handle, PhoneEvent, ScreenPop};

/// Asks the pump to drain and stop, and says when it did.
pub(crate) type Stop = oneshot::Sender<oneshot::Sender<()>>;

/// Runs until `stop` (or until the phone's stream ends).
pub(crate) async fn run(
    handle: Handle,
    mut from_phone: mpsc::UnboundedReceiver<PhoneEvent>,
    mut stop: oneshot::Receiver<oneshot::Sender<()>>,
) {
    // Each call goes into the history as it happens.
    let mut log = history::CallLog::default();
    loop {
        tokio::select! {
            event = from_phone.recv() => match event {
                Some(event) => one(&handle, &mut log, event).await,
                None => break,
            },
            asked = &mut stop => {
                while let Ok(event) = from_phone.try_recv() {
                    one(&handle, &mut log, event).await;
                }
                if let Ok(done) = asked {
                    let _ = done.send(());
                }
                break;
            }
        }
    }
}

async fn one(handle: &Handle, log: &mut history::CallLog, event: PhoneEvent) {
    let pop = phone::incoming_caller(&event);
    // The board first, so that a window that reads it on this event sees it.
    if let Ok(phone) = handle.phone() {
        phone.note_media(&event);
    }
    handle.publish(event.clone());
    log.follow(handle, &event).await;
    let Some((call, identity, context)) = pop else {
        return;
    };
    let lookup = match handle.lookup(&identity).await {
        Ok(lookup) => lookup,
        Err(e) => return tracing::warn!(call, "screen pop lookup failed: {e}"),
    };
    // The calls before this one (read before its own row is written).
    let recent = handle
        .calls_with(&lookup, contacts::POP_RECENT_CALLS)
        .await
        .unwrap_or_else(|e| {
            tracing::warn!(call, "no recent calls for the pop: {e}");
            Vec::new()
        });
    log.incoming(handle, &call, &identity.user, &lookup).await;
    let requested = context.auto_answer;
    let e164 = match &lookup.caller {
        Caller::External { e164 } => e164.to_string(),
        _ => String::new(),
    };
    handle.publish(PhoneEvent::Pop(ScreenPop::new(
        call.clone(),
        lookup,
        context,
        recent,
    )));
    // The CRM's answer follows the pop; the call does not wait.
    handle.crm_lookup(&call, &e164, &identity.user);
    handle.auto_answer(&call, requested);
}
