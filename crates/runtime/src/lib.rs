//! The one API surface of Switchboard: a [`Handle`] over the store and the domain logic.
//! The desktop app and the CLI call only this.

mod accounts;
mod agent;
mod audio_settings;
mod caller_id;
mod contacts;
mod crm;
mod cti_settings;
mod desk_settings;
mod dialling;
mod error;
mod history;
mod links;
mod phone;
mod plan_form;
mod pump;
mod secrets;
mod settings;
mod stats;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock, RwLock};

use serde::Serialize;
use switchboard_core::matching::classify;
use switchboard_core::{Caller, CallerIdentity, DialPlan, Number, Presence, Source};
use switchboard_store::{
    ContactCard, ContactSummary, ImportFormat, ImportProgress, ImportSummary, PopMatch, Store,
    DEMO_CONTACTS,
};

pub use accounts::AccountSettings;
pub use agent::{AgentSettings, AgentView, Unavailable, WrapUpView};
pub use audio_settings::{sound_device_list, AudioSettings, SoundDevice, CODECS, MAX_CALLS};
pub use caller_id::{CallerIdChoice, CallerIdSettings, IdentityField, PresentedNumber};
pub use crm::{CrmRecord, CrmReport, CrmSettings};
pub use cti_settings::CtiSettings;
pub use desk_settings::{check_shortcut, DeskSettings};
pub use dialling::DeskView;
pub use error::{Error, ErrorReport};
pub use links::{is_link, LinkOutcome, LINK_SCHEMES};
pub use phone::{
    AccountView, ActionFailed, DeviceReport, DialledReport, Hundredths, LineQuality, LineView,
    MediaReport, MediaSilence, MuteState, Phone, PhoneEvent, PhoneOptions, QualityReport,
    RecordingOptions, RecordingReport, RecordingStatus, Registration, ScreenPop, Status,
    TransferRequest,
};
pub use plan_form::PlanForm;
pub use settings::Settings;
pub use stats::StatsPeriod;
pub use switchboard_core::stats::{Slice, StateTime, Stats};
pub use switchboard_core::{
    AgentRules, ChangeCause, FilterMode, FilterSettings, Presence as AgentPresence, WrapUpMode,
};
pub use switchboard_media::device::DeviceInfo;
pub use switchboard_media::headset::{DeviceChoice, HeadsetConfig};
pub use switchboard_media::tones::TonePlan;
pub use switchboard_store::{
    ContactForm, DeletedContact, Direction as CallDirection, Draft, HistoryEntry, NumberField,
    StateChange,
};

/// The sound devices the system offers now (microphones, speakers, headsets).
pub fn sound_devices() -> Result<Vec<DeviceInfo>, Error> {
    Ok(switchboard_media::device::devices()?)
}
pub use switchboard_sip::{AccountConfig, CallState, Refusal, SipError, SipEvent, Transport};

/// A number read with the dial plan, as every front end shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct NumberInfo {
    /// `external`, `internal`, `short` or `uri`.
    pub kind: &'static str,
    /// E.164 for external numbers.
    pub e164: Option<String>,
    /// What the PBX receives.
    pub dial: String,
    /// The human format.
    pub display: String,
}

impl NumberInfo {
    fn new(number: &Number, plan: &DialPlan) -> Self {
        Self {
            kind: match number {
                Number::Internal { .. } => "internal",
                Number::External { .. } => "external",
                Number::Short { .. } => "short",
                Number::Uri { .. } => "uri",
            },
            e164: number.e164().map(|e| e.as_str().to_owned()),
            dial: number.dial_string(plan),
            display: number.display(),
        }
    }
}

/// Who is calling: the caller's identity read with the plan, and every matching contact.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Lookup {
    /// External, internal (a colleague) or unknown with the reason.
    pub caller: Caller,
    /// The caller's number in human format (empty when unknown).
    pub display: String,
    /// Ranked matches for an external caller; the colleague for an internal one.
    pub matches: Vec<PopMatch>,
}

/// How to open the data.
#[derive(Clone, Debug, Default)]
pub struct OpenOptions {
    /// Load the demo contacts when the database is new and empty.
    pub demo_data: bool,
}

/// The running engine: cheap to clone, shared by every front end task.
#[derive(Clone, Debug)]
pub struct Handle {
    store: Store,
    settings: Arc<RwLock<Settings>>,
    warnings: Arc<Vec<String>>,
    /// The telephone, once started.
    phone: Arc<OnceLock<Phone>>,
    /// The agent's working state.
    agent: Arc<agent::AgentDesk>,
    /// Every event, for any number of listeners (the CTI API's clients).
    bus: tokio::sync::broadcast::Sender<PhoneEvent>,
    /// The front end's own stream, once the phone started.
    outlet: Arc<OnceLock<tokio::sync::mpsc::UnboundedSender<PhoneEvent>>>,
    /// The CRM's latest answers.
    crm_cache: Arc<crm::CrmCache>,
    /// Stops the event pump of the phone.
    pump_stop: Arc<std::sync::Mutex<Option<pump::Stop>>>,
    /// Where recordings go when the settings name no folder: `recordings` beside the
    /// database.
    default_recordings: PathBuf,
}

impl Handle {
    /// The database file used when none is given: `switchboard.db` in the OS's data folder
    /// (`~/.local/share/switchboard` on Linux).
    pub fn default_db_path() -> Result<PathBuf, Error> {
        directories::ProjectDirs::from("", "", "switchboard")
            .map(|d| d.data_dir().join("switchboard.db"))
            .ok_or(Error::NoDataDir)
    }

    /// Opens the database at `path` and loads the settings.
    pub async fn open(path: &Path, options: OpenOptions) -> Result<Self, Error> {
        // HTTPS (the CRM lookup, and any other client of the process) runs on ring, which
        // SIP over TLS builds already; another part of the process may have chosen first.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let store = Store::open(path).await?;
        // Only on the very first run: an agent who later empties the list keeps it empty.
        let first_run = store
            .setting::<bool>(settings::INITIALISED)
            .await?
            .is_none();
        if first_run {
            store.set_setting(settings::INITIALISED, &true).await?;
        }
        if options.demo_data && first_run && store.is_empty().await? {
            let plan = DialPlan::default();
            let summary = store
                .import_reader(
                    DEMO_CONTACTS.as_bytes(),
                    ImportFormat::Csv,
                    None,
                    &plan,
                    |_| {},
                )
                .await?;
            tracing::info!(imported = summary.imported, "demo contacts loaded");
        }
        let (settings, warnings) = Settings::load(&store).await?;
        for w in &warnings {
            tracing::warn!("{w}");
        }
        // The agent comes back in the state they left (a wrap-up has no call any more).
        let (presence, reason) = store
            .last_agent_state()
            .await?
            .and_then(|s| Some((Presence::from_code(&s.presence)?, s.reason)))
            .unwrap_or((Presence::Ready, None));
        let agent = agent::AgentDesk::new((presence, reason), &settings.agent, &settings.dial_plan);
        let (presence, reason) = agent.state();
        store
            .agent_state_changed(presence.code(), reason.as_deref(), "start")
            .await?;
        Ok(Self {
            store,
            settings: Arc::new(RwLock::new(settings)),
            warnings: Arc::new(warnings),
            phone: Arc::new(OnceLock::new()),
            agent: Arc::new(agent),
            bus: tokio::sync::broadcast::channel(1024).0,
            outlet: Arc::new(OnceLock::new()),
            crm_cache: Arc::new(crm::CrmCache::default()),
            pump_stop: Arc::new(std::sync::Mutex::new(None)),
            default_recordings: std::path::absolute(path)
                .ok()
                .and_then(|p| p.parent().map(|d| d.join("recordings")))
                .unwrap_or_else(|| PathBuf::from("recordings")),
        })
    }

    /// Starts the telephone: SIP on `bind` (port 0: any free port), the agent's desk with
    /// `options`. Returns the one stream of telephone events, where every incoming call is
    /// followed by its screen pop (the caller looked up in the contacts).
    pub async fn start_phone(
        &self,
        bind: SocketAddr,
        options: PhoneOptions,
    ) -> Result<tokio::sync::mpsc::UnboundedReceiver<PhoneEvent>, Error> {
        if self.phone.get().is_some() {
            return Err(Error::PhoneStarted);
        }
        let (phone, from_phone) = Phone::start(bind, options).await?;
        if let Err(phone) = self.phone.set(phone) {
            phone.shutdown().await;
            return Err(Error::PhoneStarted);
        }
        let (events, receiver) = tokio::sync::mpsc::unbounded_channel();
        let _ = self.outlet.set(events);
        if let Ok(phone) = self.phone() {
            phone.set_screen(Some(self.screen()));
        }
        let (stop, stopped) = tokio::sync::oneshot::channel();
        *self
            .pump_stop
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(stop);
        tokio::spawn(pump::run(self.clone(), from_phone, stopped));
        Ok(receiver)
    }

    /// Stops the telephone: its calls end, its accounts unregister, and every event it sent
    /// is in the stream of [`Handle::start_phone`] when this returns.
    pub async fn stop_phone(&self) -> Result<(), Error> {
        self.phone()?.shutdown().await;
        let stop = self
            .pump_stop
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        if let Some(stop) = stop {
            let (done, drained) = tokio::sync::oneshot::channel();
            if stop.send(done).is_ok() {
                let _ = drained.await;
            }
        }
        Ok(())
    }

    /// Sends an event to the front end's stream and to every listener.
    pub(crate) fn publish(&self, event: PhoneEvent) {
        if let Some(outlet) = self.outlet.get() {
            let _ = outlet.send(event.clone());
        }
        // No listener is no error.
        let _ = self.bus.send(event);
    }

    /// Every event from now on (the same as the stream of [`Handle::start_phone`]), for
    /// one more listener. A listener too slow to keep up with 1,024 events loses the oldest.
    pub fn subscribe(&self) -> tokio::sync::broadcast::Receiver<PhoneEvent> {
        self.bus.subscribe()
    }

    /// The latest `limit` calls of the history, newest first.
    pub async fn history(&self, limit: u32) -> Result<Vec<HistoryEntry>, Error> {
        Ok(self.store.history(limit).await?)
    }

    /// The telephone started by [`Handle::start_phone`]: its commands (register, dial,
    /// answer, hold, transfer, conference...).
    pub fn phone(&self) -> Result<Phone, Error> {
        self.phone.get().cloned().ok_or(Error::PhoneNotStarted)
    }

    /// Problems found in the stored settings at start-up (the defaults are used instead).
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// The settings in force.
    pub fn settings(&self) -> Settings {
        self.settings
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Checks, stores and applies a new dial plan.
    pub async fn set_dial_plan(&self, plan: DialPlan) -> Result<(), Error> {
        plan.validate()?;
        self.store.set_setting(settings::DIAL_PLAN, &plan).await?;
        self.refilter(&plan);
        // Ringback, busy and the others sound as in the plan's country at once.
        if let Ok(phone) = self.phone() {
            phone.set_tone_plan(TonePlan::for_country(plan.country.code()));
        }
        self.settings
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .dial_plan = plan;
        Ok(())
    }

    /// Reads `input` (typed in the dial box, or a stored field) with the dial plan.
    pub fn normalize(&self, input: &str, source: Source) -> Result<NumberInfo, Error> {
        let plan = self.settings().dial_plan;
        normalize_with(input, &plan, source)
    }

    /// The agent's live lines, oldest first, each number in human format.
    pub fn board(&self) -> Result<Vec<LineView>, Error> {
        let mut lines = self.phone()?.board();
        for line in &mut lines {
            line.display = self
                .normalize(&line.number, Source::Field)
                .ok()
                .map(|n| n.display);
        }
        Ok(lines)
    }

    /// Contacts matching `query` (words of a name, company or e-mail, or a number).
    pub async fn search(&self, query: &str, limit: u32) -> Result<Vec<ContactSummary>, Error> {
        let plan = self.settings().dial_plan;
        Ok(self.store.search(query, &plan, limit).await?)
    }

    /// One contact's card.
    pub async fn contact(&self, id: i64) -> Result<ContactCard, Error> {
        Ok(self.store.contact(id).await?)
    }

    /// Who a caller is: classify the identity and find the matching contacts.
    pub async fn lookup(&self, identity: &CallerIdentity) -> Result<Lookup, Error> {
        let settings = self.settings();
        let caller = classify(identity, &settings.dial_plan);
        let (display, matches) = match &caller {
            Caller::External { e164 } => (
                e164.international(),
                self.store.find_by_number(e164, settings.matching).await?,
            ),
            Caller::Internal { extension, .. } => (
                extension.clone(),
                self.store.find_extension(extension).await?,
            ),
            Caller::Unknown { .. } => (String::new(), Vec::new()),
        };
        Ok(Lookup {
            caller,
            display,
            matches,
        })
    }

    /// Imports a CSV or vCard file.
    pub async fn import(
        &self,
        path: &Path,
        progress: impl FnMut(ImportProgress) + Send,
    ) -> Result<ImportSummary, Error> {
        let plan = self.settings().dial_plan;
        Ok(self.store.import_file(path, &plan, progress).await?)
    }

    /// Writes every contact to a CSV file; returns how many.
    pub async fn export(&self, path: &Path) -> Result<u64, Error> {
        let io = |source| switchboard_store::StoreError::Io {
            path: path.to_owned(),
            source,
        };
        let file = std::fs::File::create(path).map_err(io)?;
        Ok(self.store.export_csv(std::io::BufWriter::new(file)).await?)
    }

    /// Closes the database cleanly, noting that the agent's state ends here (for the time
    /// per state).
    pub async fn close(&self) {
        if let Err(e) = self
            .store
            .agent_state_changed("offline", None, "stop")
            .await
        {
            tracing::warn!("the stop is not noted: {e}");
        }
        self.store.close().await;
    }
}

/// Reads `input` with an explicit plan (the CLI's `normalize` without a database).
pub fn normalize_with(input: &str, plan: &DialPlan, source: Source) -> Result<NumberInfo, Error> {
    plan.validate()?;
    let number = Number::parse(input, plan, source)?;
    Ok(NumberInfo::new(&number, plan))
}
