//! The telephone's commands and events: each command one call on the runtime [`Handle`].

use serde::Serialize;
use switchboard_core::desk::DeskEvent;
use switchboard_core::Source;
use switchboard_runtime::{
    AccountSettings, DeskView, ErrorReport, Handle, HistoryEntry, PhoneEvent, Refusal, ScreenPop,
};
use tauri::{AppHandle, State};
use tauri_specta::Event;

type Outcome<T = ()> = Result<T, ErrorReport>;

fn report(e: switchboard_runtime::Error) -> ErrorReport {
    e.report()
}

/// The softphone panel changed: its whole view.
#[derive(Clone, Debug, Serialize, specta::Type, Event)]
pub struct DeskChanged(pub DeskView);

/// A call came in: who is calling.
#[derive(Clone, Debug, Serialize, specta::Type, Event)]
pub struct Popped(pub ScreenPop);

/// Something the agent asked for did not happen (a refused hold, a failed transfer...).
#[derive(Clone, Debug, Serialize, specta::Type, Event)]
pub struct Notice {
    /// The line concerned.
    pub line: String,
    /// A stable code the window translates.
    pub code: String,
}

/// The panel's view now.
#[tauri::command]
#[specta::specta]
pub fn desk_view(handle: State<'_, Handle>) -> Outcome<DeskView> {
    handle.desk_view().map_err(report)
}

/// Dials a number typed, pasted or clicked (`clicked`: a stored field, where every
/// non-digit is ignored); returns the new line.
#[tauri::command]
#[specta::specta]
pub fn dial(handle: State<'_, Handle>, to: String, clicked: bool) -> Outcome<String> {
    let source = if clicked {
        Source::Field
    } else {
        Source::DialBox
    };
    handle.dial(&to, source).map_err(report)
}

/// Answers a ringing call (holding the one in progress).
#[tauri::command]
#[specta::specta]
pub fn answer(handle: State<'_, Handle>, line: String) -> Outcome {
    handle.phone().and_then(|p| p.answer(&line)).map_err(report)
}

/// Refuses a ringing call: busy (486) or declined (603).
#[tauri::command]
#[specta::specta]
pub fn reject(handle: State<'_, Handle>, line: String, decline: bool) -> Outcome {
    let how = if decline {
        Refusal::Decline
    } else {
        Refusal::Busy
    };
    handle
        .phone()
        .and_then(|p| p.reject(&line, how))
        .map_err(report)
}

/// Hangs up (or cancels, or refuses) a line.
#[tauri::command]
#[specta::specta]
pub fn hangup(handle: State<'_, Handle>, line: String) -> Outcome {
    handle.phone().and_then(|p| p.hangup(&line)).map_err(report)
}

/// Puts a call on hold.
#[tauri::command]
#[specta::specta]
pub fn hold(handle: State<'_, Handle>, line: String) -> Outcome {
    handle.phone().and_then(|p| p.hold(&line)).map_err(report)
}

/// Takes a call off hold (holding the one in progress).
#[tauri::command]
#[specta::specta]
pub fn resume(handle: State<'_, Handle>, line: String) -> Outcome {
    handle.phone().and_then(|p| p.resume(&line)).map_err(report)
}

/// Transfers a call to a number without speaking first.
#[tauri::command]
#[specta::specta]
pub fn blind_transfer(handle: State<'_, Handle>, line: String, to: String) -> Outcome {
    handle.transfer(&line, &to, Source::DialBox).map_err(report)
}

/// Holds a call and dials a colleague; returns the consultation's line.
#[tauri::command]
#[specta::specta]
pub fn consult(handle: State<'_, Handle>, line: String, to: String) -> Outcome<String> {
    handle.consult(&line, &to, Source::DialBox).map_err(report)
}

/// Hands the held caller over to the consulted colleague.
#[tauri::command]
#[specta::specta]
pub fn complete_transfer(handle: State<'_, Handle>) -> Outcome {
    handle
        .phone()
        .and_then(|p| p.complete_transfer())
        .map_err(report)
}

/// Hangs up on the colleague; the caller stays on hold.
#[tauri::command]
#[specta::specta]
pub fn cancel_consult(handle: State<'_, Handle>) -> Outcome {
    handle
        .phone()
        .and_then(|p| p.cancel_consult())
        .map_err(report)
}

/// Accepts the other party's request to transfer the agent; returns the new line.
#[tauri::command]
#[specta::specta]
pub async fn accept_transfer(handle: State<'_, Handle>, line: String) -> Outcome<String> {
    let phone = handle.phone().map_err(report)?;
    phone.accept_transfer(&line).await.map_err(report)
}

/// Refuses the other party's request to transfer the agent.
#[tauri::command]
#[specta::specta]
pub async fn refuse_transfer(handle: State<'_, Handle>, line: String) -> Outcome {
    let phone = handle.phone().map_err(report)?;
    phone.refuse_transfer(&line).await.map_err(report)
}

/// Merges the calls into one conference.
#[tauri::command]
#[specta::specta]
pub fn merge(handle: State<'_, Handle>) -> Outcome {
    handle.phone().and_then(|p| p.merge()).map_err(report)
}

/// Takes a party out of the conference.
#[tauri::command]
#[specta::specta]
pub fn remove_party(handle: State<'_, Handle>, line: String) -> Outcome {
    handle
        .phone()
        .and_then(|p| p.remove_party(&line))
        .map_err(report)
}

/// Stops (`on`) or lets a conference party hear the others.
#[tauri::command]
#[specta::specta]
pub fn mute_listen(handle: State<'_, Handle>, line: String, on: bool) -> Outcome {
    handle
        .phone()
        .and_then(|p| p.set_listens(&line, !on))
        .map_err(report)
}

/// Sends keys to one party.
#[tauri::command]
#[specta::specta]
pub fn dtmf(handle: State<'_, Handle>, line: String, digits: String) -> Outcome {
    handle
        .phone()
        .and_then(|p| p.dtmf(&line, &digits))
        .map_err(report)
}

/// Mutes or unmutes the microphone.
#[tauri::command]
#[specta::specta]
pub fn mute(app: AppHandle, handle: State<'_, Handle>, on: bool) -> Outcome {
    handle.phone().map(|p| p.set_muted(on)).map_err(report)?;
    changed(&app, &handle);
    Ok(())
}

/// Starts or stops recording a call.
#[tauri::command]
#[specta::specta]
pub fn record(handle: State<'_, Handle>, line: String, on: bool) -> Outcome {
    handle
        .phone()
        .and_then(|p| p.record(&line, on))
        .map_err(report)
}

/// The latest `limit` calls of the history, newest first.
#[tauri::command]
#[specta::specta]
pub async fn history(handle: State<'_, Handle>, limit: u32) -> Outcome<Vec<HistoryEntry>> {
    handle.history(limit.min(10_000)).await.map_err(report)
}

/// The SIP accounts of the settings.
#[tauri::command]
#[specta::specta]
pub async fn account_settings(handle: State<'_, Handle>) -> Outcome<Vec<AccountSettings>> {
    handle.account_settings().await.map_err(report)
}

/// Saves an account (the password into the keyring; empty keeps the stored one) and
/// registers it.
#[tauri::command]
#[specta::specta]
pub async fn save_account(
    handle: State<'_, Handle>,
    account: AccountSettings,
    password: String,
) -> Outcome {
    handle
        .save_account(account, Some(password))
        .await
        .map_err(report)
}

/// Removes an account.
#[tauri::command]
#[specta::specta]
pub async fn delete_account(handle: State<'_, Handle>, id: String) -> Outcome {
    handle.delete_account(&id).await.map_err(report)
}

/// Sends the panel's view to the window.
fn changed(app: &AppHandle, handle: &Handle) {
    if let Ok(view) = handle.desk_view() {
        let _ = DeskChanged(view).emit(app);
    }
}

fn notice(app: &AppHandle, line: &str, code: &str) {
    let _ = Notice {
        line: line.to_owned(),
        code: code.to_owned(),
    }
    .emit(app);
}

/// Forwards the telephone's events to the window until the phone stops.
pub async fn forward(
    app: AppHandle,
    handle: Handle,
    mut events: tokio::sync::mpsc::UnboundedReceiver<PhoneEvent>,
) {
    while let Some(event) = events.recv().await {
        match &event {
            PhoneEvent::Pop(pop) => {
                let _ = Popped(pop.clone()).emit(&app);
            }
            PhoneEvent::Failed(failed) => notice(&app, &failed.line, &failed.code),
            PhoneEvent::Desk(DeskEvent::HoldRefused { line }) => {
                notice(&app, line, "hold_refused");
            }
            PhoneEvent::Desk(DeskEvent::TransferFailed { line, .. }) => {
                notice(&app, line, "transfer_failed");
            }
            PhoneEvent::Desk(DeskEvent::Refused { line }) => notice(&app, line, "call_refused"),
            PhoneEvent::Sip(switchboard_runtime::SipEvent::Screened { call, .. }) => {
                notice(&app, call, "call_screened");
            }
            PhoneEvent::Crm(answer) => {
                let _ = crate::workflow::CrmAnswered(answer.clone()).emit(&app);
            }
            PhoneEvent::Agent(view) => {
                let _ = crate::workflow::AgentChanged(view.clone()).emit(&app);
            }
            _ => {}
        }
        changed(&app, &handle);
    }
}
