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
}

impl Settings {
    /// Loads the settings; returns them with the problems found.
    pub(crate) async fn load(store: &Store) -> Result<(Self, Vec<String>), StoreError> {
        let mut settings = Self::default();
        let mut warnings = Vec::new();
        match store.setting::<DialPlan>(DIAL_PLAN).await {
            Ok(Some(plan)) => match plan.validate() {
                Ok(()) => settings.dial_plan = plan,
                Err(e) => warnings.push(format!("stored dial plan ignored: {e}")),
            },
            Ok(None) => {}
            Err(e @ StoreError::Setting { .. }) => warnings.push(e.to_string()),
            Err(e) => return Err(e),
        }
        match store.setting::<MatchConfig>(MATCHING).await {
            Ok(Some(m)) => settings.matching = m,
            Ok(None) => {}
            Err(e @ StoreError::Setting { .. }) => warnings.push(e.to_string()),
            Err(e) => return Err(e),
        }
        match store.setting::<crate::DeskSettings>(DESK).await {
            Ok(Some(desk)) => settings.desk = desk,
            Ok(None) => {}
            Err(e @ StoreError::Setting { .. }) => warnings.push(e.to_string()),
            Err(e) => return Err(e),
        }
        match store.setting::<crate::AudioSettings>(AUDIO).await {
            Ok(Some(audio)) => settings.audio = audio,
            Ok(None) => {}
            Err(e @ StoreError::Setting { .. }) => warnings.push(e.to_string()),
            Err(e) => return Err(e),
        }
        match store.setting::<crate::AgentSettings>(AGENT).await {
            Ok(Some(agent)) => settings.agent = agent,
            Ok(None) => {}
            Err(e @ StoreError::Setting { .. }) => warnings.push(e.to_string()),
            Err(e) => return Err(e),
        }
        Ok((settings, warnings))
    }
}
