//! The desktop shell: typed commands that forward to the runtime [`Handle`]. No logic here.

mod audio;
mod contacts;
mod desktop;
mod phone;
mod workflow;

use switchboard_core::Source;
use switchboard_runtime::{ErrorReport, Handle, NumberInfo, OpenOptions, PlanForm};
use switchboard_store::{ContactCard, ContactSummary};
use tauri::{Manager, State};
use tauri_plugin_deep_link::DeepLinkExt;

/// Most contacts a search returns to the window: one more than it lists (200), so that it
/// can say when there are more.
const SEARCH_LIMIT: u32 = 201;

/// Contacts whose name, company or e-mail holds the words of `query`, or whose number ends
/// like it.
#[tauri::command]
#[specta::specta]
async fn search_contacts(
    handle: State<'_, Handle>,
    query: String,
) -> Result<Vec<ContactSummary>, ErrorReport> {
    handle
        .search(&query, SEARCH_LIMIT)
        .await
        .map_err(|e| e.report())
}

/// One contact's card.
#[tauri::command]
#[specta::specta]
async fn get_contact(handle: State<'_, Handle>, id: i64) -> Result<ContactCard, ErrorReport> {
    handle.contact(id).await.map_err(|e| e.report())
}

/// A number from a contact field, read with the dial plan: what the PBX will receive.
#[tauri::command]
#[specta::specta]
fn normalize_number(handle: State<'_, Handle>, input: String) -> Result<NumberInfo, ErrorReport> {
    handle
        .normalize(&input, Source::Field)
        .map_err(|e| e.report())
}

/// The dial plan in force, as the settings form shows it.
#[tauri::command]
#[specta::specta]
fn dial_plan(handle: State<'_, Handle>) -> PlanForm {
    handle.plan_form()
}

/// Checks, stores and applies the dial plan of the settings form.
#[tauri::command]
#[specta::specta]
async fn save_dial_plan(handle: State<'_, Handle>, plan: PlanForm) -> Result<(), ErrorReport> {
    handle.save_plan_form(&plan).await.map_err(|e| e.report())
}

/// The typed command set, shared by the app and the bindings test.
pub fn commands() -> tauri_specta::Builder<tauri::Wry> {
    tauri_specta::Builder::<tauri::Wry>::new()
        .commands(tauri_specta::collect_commands![
            search_contacts,
            get_contact,
            normalize_number,
            dial_plan,
            save_dial_plan,
            contacts::contact_page,
            contacts::contact_count,
            contacts::contact_form,
            contacts::save_contact,
            contacts::delete_contact,
            contacts::restore_contact,
            contacts::note_call,
            contacts::save_draft,
            contacts::drafts,
            contacts::import_contacts,
            contacts::pick_import_file,
            audio::audio_settings,
            audio::save_audio_settings,
            audio::sound_devices,
            audio::test_tone,
            audio::mic_level,
            desktop::desk_settings,
            desktop::save_desk_settings,
            desktop::taken_shortcuts,
            desktop::open_call_screen,
            desktop::open_recording,
            desktop::open_web_page,
            desktop::notify,
            desktop::set_tray,
            phone::desk_view,
            phone::dial,
            phone::answer,
            phone::reject,
            phone::hangup,
            phone::hold,
            phone::resume,
            phone::blind_transfer,
            phone::consult,
            phone::complete_transfer,
            phone::cancel_consult,
            phone::accept_transfer,
            phone::refuse_transfer,
            phone::merge,
            phone::remove_party,
            phone::mute_listen,
            phone::dtmf,
            phone::mute,
            phone::record,
            phone::history,
            phone::account_settings,
            phone::save_account,
            phone::delete_account,
            workflow::agent_view,
            workflow::set_agent_state,
            workflow::agent_settings,
            workflow::save_agent_settings,
            workflow::take_links,
            workflow::register_link_handler,
            workflow::cti_view,
            workflow::save_cti_settings,
            workflow::new_cti_token,
            workflow::stats,
            workflow::export_stats,
            workflow::caller_id,
            workflow::save_caller_id,
            workflow::choose_caller_id,
            workflow::crm_settings,
            workflow::save_crm_settings,
        ])
        .events(tauri_specta::collect_events![
            phone::DeskChanged,
            phone::Popped,
            phone::Notice,
            contacts::ImportProgressed,
            workflow::AgentChanged,
            workflow::LinkOpened,
            workflow::CrmAnswered
        ])
}

/// Writes the TypeScript bindings of [`commands`] to `path`.
pub fn export_bindings(path: &std::path::Path) -> Result<(), String> {
    commands()
        .export(
            specta_typescript::Typescript::default()
                .bigint(specta_typescript::BigIntExportBehavior::Number),
            path,
        )
        .map_err(|e| e.to_string())
}

/// Starts the app: opens the database (`SWITCHBOARD_DB` or the user's data folder; demo
/// contacts on first run) and shows the window.
pub fn run() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("SWITCHBOARD_LOG")
                .unwrap_or_else(|_| "info".into()),
        )
        .init();
    let builder = commands();
    let context = tauri::generate_context!();
    let db: Option<std::path::PathBuf> = std::env::var_os("SWITCHBOARD_DB").map(Into::into);
    let instance = desktop::instance_id(&context.config().identifier, db.as_deref());
    let result = tauri::Builder::default()
        // First: a second launch on the same database brings this window forward and ends.
        .plugin(
            tauri_plugin_single_instance::Builder::new()
                .callback(|app, args, _cwd| {
                    desktop::show_window(app);
                    // A link clicked elsewhere starts the app again with it: dial it here.
                    workflow::open_links(app, args);
                })
                .dbus_id(instance)
                .build(),
        )
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_opener::init())
        .plugin(tauri_plugin_clipboard_manager::init())
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_deep_link::init())
        .plugin(desktop::shortcut_plugin())
        .invoke_handler(builder.invoke_handler())
        .setup(move |app| {
            builder.mount_events(app);
            let path = match db {
                Some(p) => p,
                None => Handle::default_db_path().map_err(|e| e.to_string())?,
            };
            let handle = tauri::async_runtime::block_on(Handle::open(
                &path,
                OpenOptions { demo_data: true },
            ))
            .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
            tracing::info!(db = %path.display(), "contacts opened");
            // The phone: SIP on SWITCHBOARD_SIP_BIND (any free port of every interface by
            // default), the agent's sound, call and recording settings.
            let bind = match std::env::var("SWITCHBOARD_SIP_BIND") {
                Ok(text) => text
                    .parse()
                    .map_err(|e| format!("SWITCHBOARD_SIP_BIND={text}: {e}"))?,
                Err(_) => std::net::SocketAddr::from(([0, 0, 0, 0], 0)),
            };
            let options = handle.phone_options();
            let events = tauri::async_runtime::block_on(handle.start_phone(bind, options))
                .map_err(|e| format!("cannot start the phone: {e}"))?;
            tauri::async_runtime::spawn(phone::forward(
                app.handle().clone(),
                handle.clone(),
                events,
            ));
            let workflow = std::sync::Arc::new(workflow::Workflow::default());
            app.manage(workflow.clone());
            let accounts = handle.clone();
            let app_handle = app.handle().clone();
            tauri::async_runtime::spawn(async move {
                match accounts.register_saved_accounts().await {
                    Ok(problems) => {
                        for problem in problems {
                            tracing::warn!("{problem}");
                        }
                    }
                    Err(e) => tracing::warn!("accounts not registered: {e}"),
                }
                // The link the app was started with, once there is an account to dial from.
                workflow::open_links(&app_handle, std::env::args().skip(1));
                workflow::serve(&accounts, &workflow).await;
            });
            // macOS hands links over as events (Linux and Windows as a new launch's
            // arguments, which the single-instance callback takes).
            let links = app.handle().clone();
            app.deep_link().on_open_url(move |event| {
                let urls: Vec<String> = event.urls().iter().map(ToString::to_string).collect();
                workflow::open_links(&links, urls);
            });
            desktop::lean_webview(app.handle());
            desktop::create_tray(app.handle());
            app.manage(desktop::TakenShortcuts::default());
            desktop::apply_shortcuts(app.handle(), &handle.desk_settings());
            app.manage(handle);
            Ok(())
        })
        .build(context);
    match result {
        // On the way out: calls still up end properly, the database closes with the stop
        // noted (the agent's time per state ends here).
        Ok(app) => app.run(|app, event| {
            if let tauri::RunEvent::Exit = event {
                if let Some(handle) = app.try_state::<Handle>() {
                    let handle = handle.inner().clone();
                    tauri::async_runtime::block_on(async move {
                        if let Err(e) = handle.stop_phone().await {
                            tracing::warn!("the phone did not stop cleanly: {e}");
                        }
                        handle.close().await;
                    });
                }
            }
        }),
        Err(e) => {
            tracing::error!("Switchboard stopped: {e}");
            std::process::exit(1);
        }
    }
}
