//! The agent's desk preferences: the call screen (a CRM address, or the contact card), OS
//! notifications, and the two global keyboard shortcuts. Kept in the settings table; each
//! field checked on save and a refused one named.

use serde::{Deserialize, Serialize};
use switchboard_core::callscreen::{check_template, fill, CallScreenFields};
use switchboard_core::matching::classify;
use switchboard_core::{Caller, CallerIdentity};

use crate::{settings, Error, Handle};

/// The desk's preferences.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(default)]
pub struct DeskSettings {
    /// The web address a click on a call opens, with placeholders (`{e164}`, `{number}`,
    /// `{name}`, `{contact_id}`, `{call}`); empty: the contact card in the window.
    pub call_screen_url: String,
    /// An OS notification for a call that rings while the window is not in front.
    pub notify: bool,
    /// The global shortcut that answers the ringing call (`Ctrl+Alt+A`); empty: none.
    pub answer_shortcut: String,
    /// The global shortcut that dials the number in the clipboard; empty: none.
    pub dial_clipboard_shortcut: String,
    /// A `tel:`, `sip:` or `callto:` link opened elsewhere is dialled at once (`true`) or
    /// shown for the agent to confirm.
    pub dial_links_at_once: bool,
}

impl Default for DeskSettings {
    fn default() -> Self {
        Self {
            call_screen_url: String::new(),
            notify: true,
            answer_shortcut: "Ctrl+Alt+A".into(),
            dial_clipboard_shortcut: "Ctrl+Alt+D".into(),
            dial_links_at_once: false,
        }
    }
}

/// Modifier names a shortcut may use.
const MODIFIERS: [&str; 7] = [
    "ctrl",
    "control",
    "alt",
    "shift",
    "super",
    "cmd",
    "cmdorctrl",
];

/// Whether two shortcuts are the same keys however written (`Alt+Ctrl+A`, `control+alt+a`
/// and `Ctrl+Alt+A` are one; `CmdOrCtrl` is Ctrl here as on Linux and Windows).
fn same_keys(a: &str, b: &str) -> bool {
    fn canonical(text: &str) -> (Vec<&'static str>, String) {
        let mut parts: Vec<String> = text
            .split('+')
            .map(|p| p.trim().to_ascii_lowercase())
            .collect();
        let key = parts.pop().unwrap_or_default();
        let mut modifiers: Vec<&'static str> = parts
            .iter()
            .map(|m| match m.as_str() {
                "ctrl" | "control" | "cmdorctrl" => "ctrl",
                "alt" => "alt",
                "shift" => "shift",
                _ => "super",
            })
            .collect();
        modifiers.sort_unstable();
        modifiers.dedup();
        (modifiers, key)
    }
    canonical(a) == canonical(b)
}

/// Checks a shortcut written `Modifier+...+Key`: at least one modifier (a bare key would
/// steal it from every other app) and not Shift alone with a letter or digit (a capital
/// letter or a symbol typed elsewhere), and one letter, digit or F1-F24.
pub fn check_shortcut(text: &str) -> Result<(), String> {
    let parts: Vec<&str> = text.split('+').map(str::trim).collect();
    let Some((key, modifiers)) = parts.split_last() else {
        return Err("empty".into());
    };
    if modifiers.is_empty() {
        return Err("a shortcut needs Ctrl, Alt, Shift or Super".into());
    }
    if let Some(m) = modifiers
        .iter()
        .find(|m| !MODIFIERS.contains(&m.to_ascii_lowercase().as_str()))
    {
        return Err(format!("{m} is not Ctrl, Alt, Shift or Super"));
    }
    let upper = key.to_ascii_uppercase();
    let function = upper
        .strip_prefix('F')
        .and_then(|n| n.parse::<u8>().ok())
        .is_some_and(|n| (1..=24).contains(&n));
    let single = upper.len() == 1 && upper.chars().all(|c| c.is_ascii_alphanumeric());
    if !function && !single {
        return Err(format!("{key} is not a letter, a digit or F1 to F24"));
    }
    // Shift with a letter or digit is a character typed in every other application.
    if single && modifiers.iter().all(|m| m.eq_ignore_ascii_case("shift")) {
        return Err(format!(
            "Shift+{key} types a character: add Ctrl, Alt or Super"
        ));
    }
    Ok(())
}

impl DeskSettings {
    fn check(&self) -> Result<(), Error> {
        let url = self.call_screen_url.trim();
        if !url.is_empty() {
            check_template(url).map_err(|e| Error::InvalidField {
                field: "call_screen_url",
                reason: e.to_string(),
            })?;
        }
        for (field, value) in [
            ("answer_shortcut", &self.answer_shortcut),
            ("dial_clipboard_shortcut", &self.dial_clipboard_shortcut),
        ] {
            if !value.trim().is_empty() {
                check_shortcut(value).map_err(|reason| Error::InvalidField { field, reason })?;
            }
        }
        if !self.answer_shortcut.trim().is_empty()
            && same_keys(&self.answer_shortcut, &self.dial_clipboard_shortcut)
        {
            return Err(Error::InvalidField {
                field: "dial_clipboard_shortcut",
                reason: "the same keys as the answer shortcut".into(),
            });
        }
        Ok(())
    }
}

impl Handle {
    /// The desk's preferences in force.
    pub fn desk_settings(&self) -> DeskSettings {
        self.settings().desk
    }

    /// Checks, stores and applies the desk's preferences.
    pub async fn save_desk_settings(&self, desk: &DeskSettings) -> Result<(), Error> {
        let desk = DeskSettings {
            call_screen_url: desk.call_screen_url.trim().to_owned(),
            answer_shortcut: desk.answer_shortcut.trim().to_owned(),
            dial_clipboard_shortcut: desk.dial_clipboard_shortcut.trim().to_owned(),
            ..desk.clone()
        };
        desk.check()?;
        self.store.set_setting(settings::DESK, &desk).await?;
        self.settings
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .desk = desk;
        Ok(())
    }

    /// The call screen of a call from `number` (as it came) matched to contact
    /// `contact_id`: the web address to open, or `None` when the agent uses the card.
    pub async fn call_screen(
        &self,
        call: &str,
        number: &str,
        contact_id: Option<i64>,
    ) -> Result<Option<String>, Error> {
        let settings = self.settings();
        let template = settings.desk.call_screen_url;
        if template.is_empty() {
            return Ok(None);
        }
        // The number read the way the screen pop reads a caller.
        let identity = CallerIdentity {
            user: number.to_owned(),
            display_name: None,
        };
        let e164 = match classify(&identity, &settings.dial_plan) {
            Caller::External { e164 } => e164.to_string(),
            _ => String::new(),
        };
        let name = match contact_id {
            Some(id) => self.store.contact(id).await?.display_name,
            None => String::new(),
        };
        let fields = CallScreenFields {
            e164,
            number: number.to_owned(),
            name,
            contact_id: contact_id.map(|id| id.to_string()).unwrap_or_default(),
            call: call.to_owned(),
        };
        fill(&template, &fields)
            .map(Some)
            .map_err(|e| Error::InvalidField {
                field: "call_screen_url",
                reason: e.to_string(),
            })
    }
}
