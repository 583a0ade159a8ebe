//! The agent's workflow around the calls: their working state and rules, links opened
//! elsewhere (`tel:`, `sip:`, `callto:`), and the local CTI API the shell serves. Each
//! command forwards to the runtime [`Handle`] or to the `switchboard-cti` crate.

use std::sync::Arc;

use serde::Serialize;
use switchboard_core::Presence;
use switchboard_cti::{generate_token, Cti, CtiConfig, RateLimit};
use switchboard_runtime::{
    is_link, AgentSettings, AgentView, CallerIdChoice, CallerIdSettings, CrmReport, CrmSettings,
    CtiSettings, ErrorReport, Handle, LinkOutcome, Stats, StatsPeriod,
};
use tauri::{AppHandle, Manager, State};
use tauri_plugin_deep_link::DeepLinkExt;
use tauri_plugin_dialog::DialogExt;
use tauri_specta::Event;

use crate::desktop::show_window;
use crate::phone::Notice;

type Outcome<T = ()> = Result<T, ErrorReport>;

/// The agent's state changed (the window's state menu and wrap-up countdown).
#[derive(Clone, Debug, Serialize, specta::Type, Event)]
pub struct AgentChanged(pub AgentView);

/// A link was opened elsewhere: dialled, or to confirm.
#[derive(Clone, Debug, Serialize, specta::Type, Event)]
pub struct LinkOpened(pub LinkOutcome);

/// The CTI API as the settings show it.
#[derive(Clone, Debug, Serialize, specta::Type)]
pub struct CtiView {
    /// The settings.
    pub settings: CtiSettings,
    /// The token to paste into the CRM (none until the API was first turned on).
    pub token: Option<String>,
    /// Where it listens now.
    pub listening: Option<String>,
    /// Why it does not, when it should.
    pub problem: Option<String>,
}

/// The running API, and the links opened before the window took them.
#[derive(Debug, Default)]
pub struct Workflow {
    cti: tokio::sync::Mutex<Option<Cti>>,
    problem: std::sync::Mutex<Option<String>>,
    links: std::sync::Mutex<Links>,
}

/// Links go to the window by event once it has taken the first ones; until then they wait.
#[derive(Debug, Default)]
struct Links {
    window_ready: bool,
    waiting: Vec<LinkOutcome>,
}

fn report(e: switchboard_runtime::Error) -> ErrorReport {
    e.report()
}

/// The agent's state now.
#[tauri::command]
#[specta::specta]
pub fn agent_view(handle: State<'_, Handle>) -> AgentView {
    handle.agent()
}

/// The agent sets their state (with a reason for Not ready).
#[tauri::command]
#[specta::specta]
pub async fn set_agent_state(
    handle: State<'_, Handle>,
    presence: Presence,
    reason: Option<String>,
) -> Outcome<AgentView> {
    handle
        .set_agent_state(presence, reason.as_deref())
        .await
        .map_err(report)
}

/// The agent's working rules.
#[tauri::command]
#[specta::specta]
pub fn agent_settings(handle: State<'_, Handle>) -> AgentSettings {
    handle.agent_settings()
}

/// Checks, stores and applies the agent's working rules.
#[tauri::command]
#[specta::specta]
pub async fn save_agent_settings(handle: State<'_, Handle>, settings: AgentSettings) -> Outcome {
    handle.save_agent_settings(&settings).await.map_err(report)
}

/// Links opened before the window listened (the app was started by one).
#[tauri::command]
#[specta::specta]
pub fn take_links(workflow: State<'_, Arc<Workflow>>) -> Vec<LinkOutcome> {
    let mut links = workflow.links.lock().unwrap_or_else(|e| e.into_inner());
    links.window_ready = true;
    std::mem::take(&mut links.waiting)
}

/// Makes Switchboard the handler of `tel:`, `sip:` and `callto:` links for this user
/// (installed packages do it themselves).
#[tauri::command]
#[specta::specta]
pub fn register_link_handler(app: AppHandle) -> Outcome {
    app.deep_link().register_all().map_err(|e| ErrorReport {
        code: "link_handler".into(),
        message: e.to_string(),
        field: None,
    })
}

/// Takes the links among `args` (a launch's command line, a URL the OS hands over): each
/// dialled or offered to the window, which comes to the front.
pub fn open_links<S: AsRef<str>>(app: &AppHandle, args: impl IntoIterator<Item = S>) {
    let links: Vec<String> = args
        .into_iter()
        .filter(|a| is_link(a.as_ref()))
        .map(|a| a.as_ref().to_owned())
        .collect();
    if links.is_empty() {
        return;
    }
    let handle = app.state::<Handle>();
    let workflow = app.state::<Arc<Workflow>>();
    for link in links {
        match handle.open_link(&link) {
            Ok(outcome) => {
                let mut links = workflow.links.lock().unwrap_or_else(|e| e.into_inner());
                if links.window_ready {
                    let _ = LinkOpened(outcome).emit(app);
                } else {
                    links.waiting.push(outcome);
                }
            }
            Err(e) => {
                tracing::warn!("link not dialled: {e}");
                let _ = Notice {
                    line: String::new(),
                    code: e.code().to_owned(),
                }
                .emit(app);
            }
        }
    }
    show_window(app);
}

/// The CTI API's settings, token and state.
#[tauri::command]
#[specta::specta]
pub async fn cti_view(
    handle: State<'_, Handle>,
    workflow: State<'_, Arc<Workflow>>,
) -> Outcome<CtiView> {
    view(&handle, &workflow).await
}

/// Checks and stores the API's settings, and serves it anew (or stops it).
#[tauri::command]
#[specta::specta]
pub async fn save_cti_settings(
    handle: State<'_, Handle>,
    workflow: State<'_, Arc<Workflow>>,
    settings: CtiSettings,
) -> Outcome<CtiView> {
    handle.save_cti_settings(&settings).await.map_err(report)?;
    serve(&handle, &workflow).await;
    view(&handle, &workflow).await
}

/// A new token: the old one stops working at once.
#[tauri::command]
#[specta::specta]
pub async fn new_cti_token(
    handle: State<'_, Handle>,
    workflow: State<'_, Arc<Workflow>>,
) -> Outcome<CtiView> {
    let token = generate_token().map_err(|e| ErrorReport {
        code: "cti_token".into(),
        message: e.to_string(),
        field: None,
    })?;
    handle.set_cti_token(&token).map_err(report)?;
    serve(&handle, &workflow).await;
    view(&handle, &workflow).await
}

async fn view(handle: &Handle, workflow: &Workflow) -> Outcome<CtiView> {
    let listening = workflow
        .cti
        .lock()
        .await
        .as_ref()
        .map(|c| c.local_addr().to_string());
    Ok(CtiView {
        settings: handle.cti_settings(),
        token: handle.cti_token().map_err(report)?,
        listening,
        problem: workflow
            .problem
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone(),
    })
}

/// Serves the API as the settings say (stopping the running one first); a token is made
/// the first time.
pub async fn serve(handle: &Handle, workflow: &Workflow) {
    let mut running = workflow.cti.lock().await;
    if let Some(old) = running.take() {
        old.stop().await;
    }
    let settings = handle.cti_settings();
    let outcome = if settings.enabled {
        start(handle, &settings).await.map(Some)
    } else {
        Ok(None)
    };
    let problem = match outcome {
        Ok(cti) => {
            *running = cti;
            None
        }
        Err(problem) => {
            tracing::warn!("the CTI API is not served: {problem}");
            Some(problem)
        }
    };
    *workflow.problem.lock().unwrap_or_else(|e| e.into_inner()) = problem;
}

async fn start(handle: &Handle, settings: &CtiSettings) -> Result<Cti, String> {
    let token = match handle.cti_token().map_err(|e| e.to_string())? {
        Some(token) => token,
        None => {
            let token = generate_token().map_err(|e| e.to_string())?;
            handle.set_cti_token(&token).map_err(|e| e.to_string())?;
            token
        }
    };
    let config = CtiConfig {
        listen: std::net::SocketAddr::from(([127, 0, 0, 1], settings.port)),
        token,
        origins: settings.origins.clone(),
        rate: RateLimit::default(),
    };
    Cti::start(handle.clone(), config)
        .await
        .map_err(|e| e.to_string())
}

/// The agent's statistics over a period.
#[tauri::command]
#[specta::specta]
pub async fn stats(handle: State<'_, Handle>, period: StatsPeriod) -> Outcome<Stats> {
    handle.stats(&period).await.map_err(report)
}

/// Saves the statistics of `periods` as CSV where the agent chooses; `false` when they
/// closed the file chooser.
#[tauri::command]
#[specta::specta]
pub async fn export_stats(
    app: AppHandle,
    handle: State<'_, Handle>,
    periods: Vec<StatsPeriod>,
) -> Outcome<bool> {
    let chosen = app
        .dialog()
        .file()
        .add_filter("CSV", &["csv"])
        .set_file_name("switchboard-stats.csv")
        .blocking_save_file()
        .and_then(|f| f.into_path().ok());
    let Some(path) = chosen else {
        return Ok(false);
    };
    handle.export_stats(&periods, &path).await.map_err(report)?;
    Ok(true)
}

/// The numbers the agent may present, and the caller ID of the next calls.
#[tauri::command]
#[specta::specta]
pub fn caller_id(handle: State<'_, Handle>) -> CallerIdSettings {
    handle.caller_id()
}

/// Checks and stores the numbers the agent may present.
#[tauri::command]
#[specta::specta]
pub async fn save_caller_id(handle: State<'_, Handle>, settings: CallerIdSettings) -> Outcome {
    handle.save_caller_id(&settings).await.map_err(report)
}

/// Chooses the caller ID of the next calls.
#[tauri::command]
#[specta::specta]
pub async fn choose_caller_id(handle: State<'_, Handle>, choice: CallerIdChoice) -> Outcome {
    handle.choose_caller_id(choice).await.map_err(report)
}

/// What the CRM knows of a ringing call's caller.
#[derive(Clone, Debug, Serialize, specta::Type, Event)]
pub struct CrmAnswered(pub CrmReport);

/// The CRM lookup's settings.
#[tauri::command]
#[specta::specta]
pub fn crm_settings(handle: State<'_, Handle>) -> CrmSettings {
    handle.crm_settings()
}

/// Checks and stores the CRM lookup's settings; `token` (when given) goes to the keyring,
/// empty forgets it.
#[tauri::command]
#[specta::specta]
pub async fn save_crm_settings(
    handle: State<'_, Handle>,
    settings: CrmSettings,
    token: Option<String>,
) -> Outcome {
    handle
        .save_crm_settings(&settings, token.as_deref())
        .await
        .map_err(report)
}
