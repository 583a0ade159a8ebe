//! The settings in force, read from the store at start-up. A stored value that cannot be
//! read is reported and left in place; the default is used until the agent saves a new one.

use serde::Serialize;
use switchboard_core::{DialPlan, MatchConfig};
use switchboard_store::{Store, StoreError};

/// Key of the dial plan.
pub(crate) const DIAL_PLAN: &str = "dial_plan";
/// Set once the database has been opened by the app (the demo data is offered only before).
pub(crate) const INITIALISED: &str = "initialised";
/// Key of the matching settings.
pub(crate) const MATCHING: &str = "matching";
/// Key of the desk's preferences.
pub(crate) const DESK: &str = "desk";
/// Key of the sound and call settings.
pub(crate) const AUDIO: &str = "audio";
/// Key of the agent's working rules.
pub(crate) const AGENT: &str = "agent";
/// Key of the CTI API's settings.
pub(crate) const CTI: &str = "cti";
/// Key of the caller ID settings.
pub(crate) const CALLER_ID: &str = "caller_id";
/// Key of the CRM lookup's settings.
pub(crate) const CRM: &str = "crm";

/// Everything the engine reads from settings.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Settings {
    /// How numbers are read and dialled.
    pub dial_plan: DialPlan,
    /// How callers are matched to contacts.
    pub matching: MatchConfig,
    /// The desk's preferences (call screen, notifications, shortcuts).
    pub desk: crate::DeskSettings,
    /// The sound and call settings.
    pub audio: crate::AudioSettings,
    /// The agent's working rules: wrap-up, reasons, unavailability, filter, dispositions.
    pub agent: crate::AgentSettings,
    /// The local CTI API.
    pub cti: crate::CtiSettings,
    /// The outbound caller ID.
    pub caller_id: crate::CallerIdSettings,
    /// The CRM lookup.
    pub crm: crate::CrmSettings,
}

impl Settings {
    /// Loads the settings; returns them with the problems found.
    pub(crate) async fn load(store: &Store) -> Result<(Self, Vec<String>), StoreError> {
        let mut settings = Self::default();
        let mut warnings = Vec::new();
        if let Some(plan) = read::<DialPlan>(store, DIAL_PLAN, &mut warnings).await? {
            match plan.validate() {
                Ok(()) => settings.dial_plan = plan,
                Err(e) => warnings.push(format!("stored dial plan ignored: {e}")),
            }
        }
        if let Some(m) = read(store, MATCHING, &mut warnings).await? {
            settings.matching = m;
        }
        if let Some(desk) = read(store, DESK, &mut warnings).await? {
            settings.desk = desk;
        }
        if let Some(audio) = read(store, AUDIO, &mut warnings).await? {
            settings.audio = audio;
        }
        if let Some(agent) = read(store, AGENT, &mut warnings).await? {
            settings.agent = agent;
        }
        if let Some(cti) = read(store, CTI, &mut warnings).await? {
            settings.cti = cti;
        }
        if let Some(caller_id) = read(store, CALLER_ID, &mut warnings).await? {
            settings.caller_id = caller_id;
        }
        if let Some(crm) = read(store, CRM, &mut warnings).await? {
            settings.crm = crm;
        }
        Ok((settings, warnings))
    }
}

/// One stored setting: `None` when there is none, or when it cannot be read (said in
/// `warnings`).
async fn read<T: serde::de::DeserializeOwned>(
    store: &Store,
    key: &str,
    warnings: &mut Vec<String>,
) -> Result<Option<T>, StoreError> {
    match store.setting::<T>(key).await {
        Ok(found) => Ok(found),
        Err(e @ StoreError::Setting { .. }) => {
            warnings.push(e.to_string());
            Ok(None)
        }
        Err(e) => Err(e),
    }
}
