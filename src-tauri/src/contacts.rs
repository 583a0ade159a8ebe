//! The contacts the agent edits, and the notes of calls: each command one call on the
//! runtime [`Handle`].

use serde::Serialize;
use switchboard_runtime::{ContactForm, DeletedContact, Draft, ErrorReport, Handle};
use switchboard_store::{ContactSummary, ImportProgress, ImportSummary};
use tauri::{AppHandle, State};
use tauri_plugin_dialog::DialogExt;
use tauri_specta::Event;

type Outcome<T = ()> = Result<T, ErrorReport>;

/// A page of the whole contact list in name order.
#[tauri::command]
#[specta::specta]
pub async fn contact_page(
    handle: State<'_, Handle>,
    offset: u32,
    limit: u32,
) -> Outcome<Vec<ContactSummary>> {
    handle
        .contact_page(offset, limit)
        .await
        .map_err(|e| e.report())
}

/// How many contacts there are.
#[tauri::command]
#[specta::specta]
pub async fn contact_count(handle: State<'_, Handle>) -> Outcome<u32> {
    handle.contact_count().await.map_err(|e| e.report())
}

/// The form that edits contact `id`.
#[tauri::command]
#[specta::specta]
pub async fn contact_form(handle: State<'_, Handle>, id: i64) -> Outcome<ContactForm> {
    handle.contact_form(id).await.map_err(|e| e.report())
}

/// Creates (no `id`) or updates a contact; returns its id. A refused field is named.
#[tauri::command]
#[specta::specta]
pub async fn save_contact(handle: State<'_, Handle>, form: ContactForm) -> Outcome<i64> {
    handle.save_contact(&form).await.map_err(|e| e.report())
}

/// Deletes a contact; returns it whole, for undo.
#[tauri::command]
#[specta::specta]
pub async fn delete_contact(handle: State<'_, Handle>, id: i64) -> Outcome<DeletedContact> {
    handle.delete_contact(id).await.map_err(|e| e.report())
}

/// Undoes a deletion; returns the contact's id.
#[tauri::command]
#[specta::specta]
pub async fn restore_contact(handle: State<'_, Handle>, deleted: DeletedContact) -> Outcome<i64> {
    handle
        .restore_contact(&deleted)
        .await
        .map_err(|e| e.report())
}

/// Sets the notes of a call of the history and its disposition code (none keeps the code it
/// has, an empty one clears it).
#[tauri::command]
#[specta::specta]
pub async fn note_call(
    handle: State<'_, Handle>,
    id: i64,
    notes: String,
    disposition: Option<String>,
) -> Outcome {
    handle
        .note_call(id, &notes, disposition.as_deref())
        .await
        .map_err(|e| e.report())
}

/// Keeps what the agent is typing (a contact form, a call's notes) under `key`, as it is
/// typed; an empty `body` deletes the draft once the real thing is saved.
#[tauri::command]
#[specta::specta]
pub async fn save_draft(handle: State<'_, Handle>, key: String, body: String) -> Outcome {
    handle.save_draft(&key, &body).await.map_err(|e| e.report())
}

/// What the agent typed and did not save (the window was closed or killed).
#[tauri::command]
#[specta::specta]
pub async fn drafts(handle: State<'_, Handle>) -> Outcome<Vec<Draft>> {
    handle.drafts().await.map_err(|e| e.report())
}

/// How far the running import has got.
#[derive(Clone, Debug, Serialize, specta::Type, Event)]
pub struct ImportProgressed(pub ImportProgress);

/// Imports a CSV or vCard file of contacts, reporting progress after each batch; returns
/// what was imported and every refused row with its line.
#[tauri::command]
#[specta::specta]
pub async fn import_contacts(
    app: AppHandle,
    handle: State<'_, Handle>,
    path: String,
) -> Outcome<ImportSummary> {
    handle
        .import(std::path::Path::new(path.trim()), |progress| {
            let _ = ImportProgressed(progress).emit(&app);
        })
        .await
        .map_err(|e| e.report())
}

/// The system's file chooser for a contact file; `None` when the agent closes it.
#[tauri::command]
#[specta::specta]
pub async fn pick_import_file(app: AppHandle) -> Option<String> {
    app.dialog()
        .file()
        .add_filter("CSV, vCard", &["csv", "txt", "vcf", "vcard"])
        .blocking_pick_file()
        .and_then(|f| f.into_path().ok())
        .map(|p| p.display().to_string())
}
