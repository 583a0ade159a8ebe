//! The desktop around the window: one instance per database, OS notifications, the call
//! screen in the default browser, global shortcuts and the tray icon. Each piece forwards to
//! the runtime [`Handle`] or to a Tauri plugin; the words come from the window, which knows
//! the agent's language.

use std::path::Path;
use std::sync::{Mutex, PoisonError};

use serde::Deserialize;
use switchboard_core::Source;
use switchboard_runtime::{DeskSettings, ErrorReport, Handle};
use tauri::menu::{Menu, MenuItem};
use tauri::tray::TrayIconBuilder;
use tauri::{AppHandle, Manager, State};
use tauri_plugin_clipboard_manager::ClipboardExt;
use tauri_plugin_global_shortcut::{GlobalShortcutExt, Shortcut, ShortcutEvent, ShortcutState};
use tauri_plugin_notification::NotificationExt;
use tauri_plugin_opener::OpenerExt;
use tauri_specta::Event;

use crate::phone::Notice;

type Outcome<T = ()> = Result<T, ErrorReport>;

/// The tray icon's id.
const TRAY: &str = "main";

/// The session-bus name that makes one instance per database on Linux: the app's identifier
/// alone for the agent's own database, with a digest of the path for another one (a second
/// profile, a test), so that each keeps its own window.
pub fn instance_id(identifier: &str, db: Option<&Path>) -> String {
    match db {
        None => identifier.to_owned(),
        Some(path) => {
            // FNV-1a: stable across runs and builds, unlike the standard hasher.
            let digest = path
                .as_os_str()
                .as_encoded_bytes()
                .iter()
                .fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
                    (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
                });
            format!("{identifier}.db_{digest:016x}")
        }
    }
}

/// Tells the window's web engine that it shows one local page of forms and lists: on Linux
/// WebKitGTK then draws without GPU compositing (whose buffers were 70 MB of the web
/// process with 100,000 contacts, for a page with nothing to animate) and keeps no page or
/// resource caches (its "document viewer" cache model).
pub fn lean_webview(app: &AppHandle) {
    #[cfg(target_os = "linux")]
    if let Some(window) = app.get_webview_window("main") {
        let result = window.with_webview(|view| {
            use webkit2gtk::{
                CacheModel, HardwareAccelerationPolicy, SettingsExt, WebContextExt, WebViewExt,
            };
            let view = view.inner();
            if let Some(settings) = WebViewExt::settings(&view) {
                settings.set_hardware_acceleration_policy(HardwareAccelerationPolicy::Never);
            }
            if let Some(context) = view.context() {
                context.set_cache_model(CacheModel::DocumentViewer);
            }
        });
        if let Err(e) = result {
            tracing::warn!("the web view's cache model is unchanged: {e}");
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = app;
}

/// Brings the window to the front (a second launch, the tray, a notification).
pub fn show_window(app: &AppHandle) {
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
    }
}

/// Tells the window about something that did not happen outside it (a shortcut, the tray).
fn notice(app: &AppHandle, code: &str) {
    let _ = Notice {
        line: String::new(),
        code: code.to_owned(),
    }
    .emit(app);
}

/// The desk's preferences in force.
#[tauri::command]
#[specta::specta]
pub fn desk_settings(handle: State<'_, Handle>) -> DeskSettings {
    handle.desk_settings()
}

/// Checks, stores and applies the desk's preferences (the shortcuts at once); returns the
/// shortcut fields whose keys another application holds (saved, but not working).
#[tauri::command]
#[specta::specta]
pub async fn save_desk_settings(
    app: AppHandle,
    handle: State<'_, Handle>,
    desk: DeskSettings,
) -> Outcome<Vec<String>> {
    handle
        .save_desk_settings(&desk)
        .await
        .map_err(|e| e.report())?;
    Ok(apply_shortcuts(&app, &handle.desk_settings()))
}

/// The shortcut fields (`answer_shortcut`, `dial_clipboard_shortcut`) whose keys another
/// application held when they were last registered (at start, or at the last save).
#[tauri::command]
#[specta::specta]
pub fn taken_shortcuts(taken: State<'_, TakenShortcuts>) -> Vec<String> {
    taken
        .0
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clone()
}

/// The shortcut fields another application held at the last registration: kept, because
/// the registration at start happens before the window listens.
#[derive(Default)]
pub struct TakenShortcuts(Mutex<Vec<String>>);

/// Opens the call screen of a call in the default browser when the agent set one; `false`
/// when the window should show the contact card instead.
#[tauri::command]
#[specta::specta]
pub async fn open_call_screen(
    app: AppHandle,
    handle: State<'_, Handle>,
    call: String,
    number: String,
    contact_id: Option<i64>,
) -> Outcome<bool> {
    let Some(url) = handle
        .call_screen(&call, &number, contact_id)
        .await
        .map_err(|e| e.report())?
    else {
        return Ok(false);
    };
    app.opener()
        .open_url(url, None::<&str>)
        .map_err(|e| ErrorReport {
            code: "open_url".into(),
            message: e.to_string(),
            field: None,
        })?;
    Ok(true)
}

/// Opens a web page (a CRM record) in the default browser: http and https only.
#[tauri::command]
#[specta::specta]
pub fn open_web_page(app: AppHandle, url: String) -> Outcome {
    if !(url.starts_with("https://") || url.starts_with("http://")) {
        return Err(ErrorReport {
            code: "open_url".into(),
            message: "only http and https pages are opened".into(),
            field: None,
        });
    }
    app.opener()
        .open_url(url, None::<&str>)
        .map_err(|e| ErrorReport {
            code: "open_url".into(),
            message: e.to_string(),
            field: None,
        })
}

/// Plays a call's recording with the system's player; `false` when it was not recorded.
#[tauri::command]
#[specta::specta]
pub async fn open_recording(app: AppHandle, handle: State<'_, Handle>, id: i64) -> Outcome<bool> {
    let Some(file) = handle.recording_of(id).await.map_err(|e| e.report())? else {
        return Ok(false);
    };
    app.opener()
        .open_path(file.display().to_string(), None::<&str>)
        .map_err(|e| ErrorReport {
            code: "open_url".into(),
            message: e.to_string(),
            field: None,
        })?;
    Ok(true)
}

/// Shows an OS notification (a call ringing while the window is not in front).
#[tauri::command]
#[specta::specta]
pub fn notify(app: AppHandle, title: String, body: String) -> Outcome {
    app.notification()
        .builder()
        .title(title)
        .body(body)
        .show()
        .map_err(|e| ErrorReport {
            code: "notify".into(),
            message: e.to_string(),
            field: None,
        })
}

/// One entry of the tray's menu.
#[derive(Clone, Debug, Deserialize, specta::Type)]
pub struct TrayItem {
    /// `state` (the agent's state in words, not to be chosen), `show`, `answer`, `hangup`
    /// or `quit`.
    pub id: String,
    /// Its words, in the agent's language.
    pub label: String,
    /// Whether it can be chosen now.
    pub enabled: bool,
}

/// Sets the tray icon's tooltip (the agent's state) and menu.
#[tauri::command]
#[specta::specta]
pub fn set_tray(app: AppHandle, tooltip: String, items: Vec<TrayItem>) -> Outcome {
    let Some(tray) = app.tray_by_id(TRAY) else {
        return Ok(());
    };
    let fail = |e: tauri::Error| ErrorReport {
        code: "tray".into(),
        message: e.to_string(),
        field: None,
    };
    let entries = items
        .iter()
        .map(|i| MenuItem::with_id(&app, &i.id, &i.label, i.enabled, None::<&str>))
        .collect::<Result<Vec<_>, _>>()
        .map_err(fail)?;
    let refs: Vec<&dyn tauri::menu::IsMenuItem<tauri::Wry>> = entries
        .iter()
        .map(|e| e as &dyn tauri::menu::IsMenuItem<tauri::Wry>)
        .collect();
    let menu = Menu::with_items(&app, &refs).map_err(fail)?;
    tray.set_menu(Some(menu)).map_err(fail)?;
    tray.set_tooltip(Some(tooltip)).map_err(fail)
}

/// Runs a tray menu entry or a shortcut's action.
fn act(app: &AppHandle, action: &str) {
    let handle = app.state::<Handle>();
    let done = match action {
        "show" => {
            show_window(app);
            return;
        }
        "quit" => {
            app.exit(0);
            return;
        }
        "answer" => handle.answer_ringing().map(|line| line.is_some()),
        "hangup" => handle.hang_up_current().map(|line| line.is_some()),
        "dial_clipboard" => match app.clipboard().read_text() {
            Ok(text) => handle.dial(text.trim(), Source::Field).map(|_| true),
            Err(e) => {
                tracing::info!("nothing to dial in the clipboard: {e}");
                Ok(false)
            }
        },
        _ => Ok(true),
    };
    match done {
        Ok(true) => {}
        Ok(false) => notice(app, &format!("nothing_to_{action}")),
        Err(e) => notice(app, e.code()),
    }
}

/// Whether a D-Bus session bus can be reached: the Linux tray (AppIndicator) lives on it,
/// and its menu library crashes the app when updated without one.
fn has_session_bus() -> bool {
    if !cfg!(target_os = "linux") {
        return true;
    }
    std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some_and(|a| !a.is_empty())
        || std::env::var_os("XDG_RUNTIME_DIR")
            .is_some_and(|dir| Path::new(&dir).join("bus").exists())
}

/// Creates the tray icon (its menu comes from the window). A system without the
/// AppIndicator library or without a session bus (a headless machine) has no tray; the app
/// runs without one.
pub fn create_tray(app: &AppHandle) {
    if !has_session_bus() {
        tracing::info!("no tray icon: no D-Bus session bus");
        return;
    }
    let mut builder = TrayIconBuilder::with_id(TRAY)
        .tooltip("Switchboard")
        .on_menu_event(|app, event| act(app, event.id().as_ref()));
    if let Some(icon) = app.default_window_icon() {
        builder = builder.icon(icon.clone());
    }
    // The Linux tray library is loaded when first used and panics when it is missing.
    let app_for_tray = app.clone();
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || {
        builder.build(&app_for_tray)
    })) {
        Ok(Ok(_)) => {}
        Ok(Err(e)) => tracing::warn!("no tray icon: {e}"),
        Err(_) => tracing::warn!("no tray icon: the system's AppIndicator library is missing"),
    }
}

/// The global-shortcut plugin, calling [`act`] for the agent's shortcuts.
pub fn shortcut_plugin() -> tauri::plugin::TauriPlugin<tauri::Wry> {
    tauri_plugin_global_shortcut::Builder::new()
        .with_handler(|app, shortcut: &Shortcut, event: ShortcutEvent| {
            if event.state() != ShortcutState::Pressed {
                return;
            }
            let desk = app.state::<Handle>().desk_settings();
            let is = |text: &str| text.parse::<Shortcut>().is_ok_and(|s| s == *shortcut);
            if is(&desk.answer_shortcut) {
                act(app, "answer");
            } else if is(&desk.dial_clipboard_shortcut) {
                act(app, "dial_clipboard");
            }
        })
        .build()
}

/// Registers the agent's global shortcuts, replacing the previous ones; returns the fields
/// whose keys another application holds (kept for [`taken_shortcuts`]); the other one
/// still works.
pub fn apply_shortcuts(app: &AppHandle, desk: &DeskSettings) -> Vec<String> {
    let shortcuts = app.global_shortcut();
    if let Err(e) = shortcuts.unregister_all() {
        tracing::warn!("global shortcuts not released: {e}");
    }
    let mut taken = Vec::new();
    for (field, text) in [
        ("answer_shortcut", &desk.answer_shortcut),
        ("dial_clipboard_shortcut", &desk.dial_clipboard_shortcut),
    ] {
        if text.is_empty() {
            continue;
        }
        if let Err(e) = shortcuts.register(text.as_str()) {
            tracing::warn!("global shortcut {text} not registered: {e}");
            taken.push(field.to_owned());
        }
    }
    if let Some(kept) = app.try_state::<TakenShortcuts>() {
        kept.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone_from(&taken);
    }
    taken
}

#[cfg(test)]
mod tests {
    use super::instance_id;
    use std::path::Path;

    #[test]
    fn each_database_has_its_own_instance_name() {
        let id = "app.switchboard.desk";
        assert_eq!(instance_id(id, None), id);
        let a = instance_id(id, Some(Path::new("/tmp/a/agent.db")));
        let b = instance_id(id, Some(Path::new("/tmp/b/agent.db")));
        assert_ne!(a, b);
        assert_eq!(a, instance_id(id, Some(Path::new("/tmp/a/agent.db"))));
        // A D-Bus name element: letters, digits and underscores, not starting with a digit.
        let last = a.rsplit('.').next().expect("element");
        assert!(
            last.starts_with("db_") && last.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        );
    }
}
