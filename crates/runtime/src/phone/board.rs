//! The agent's board: the accounts, registered here, with their registration state, and
//! every live line as a window shows it (the number, the contact, the state in the manuals'
//! words, since when, the controls the state allows, whether it is recorded and how it
//! sounds), kept from the desk's own events and the calls' sound reports.

use std::collections::{BTreeMap, HashMap};
use std::sync::PoisonError;

use serde::Serialize;
use switchboard_core::desk::{Control, DeskEvent, LineState};
use switchboard_sip::{AccountConfig, SipEvent};

use super::{Hundredths, Inner, Phone, PhoneEvent, QualityReport};
use crate::Error;

/// A line's state as the agent reads it (Sage CRM CTI's call list, Genesys Workspace).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Dialling, nothing heard back yet.
    Dialing,
    /// Our call rings at the other end.
    RingingOut,
    /// The other end plays an announcement or a ringback before answering.
    EarlyMedia,
    /// A call rings here.
    RingingIn,
    /// Talking.
    Connected,
    /// Being put on hold.
    Holding,
    /// On hold.
    OnHold,
    /// Being taken off hold.
    Resuming,
    /// Handed over to another number; waiting for it.
    Transferring,
    /// In the agent's conference.
    InConference,
}

impl Status {
    fn of(state: &LineState) -> Option<Self> {
        Some(match state {
            LineState::Dialing => Self::Dialing,
            LineState::RingingOut => Self::RingingOut,
            LineState::EarlyMedia => Self::EarlyMedia,
            LineState::RingingIn => Self::RingingIn,
            LineState::Connected => Self::Connected,
            LineState::Holding => Self::Holding,
            LineState::OnHold => Self::OnHold,
            LineState::Resuming => Self::Resuming,
            LineState::Transferring => Self::Transferring,
            LineState::InConference => Self::InConference,
            LineState::Ended { .. } => return None,
        })
    }
}

/// One live line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct LineView {
    /// The line's id (the call's, in commands).
    pub line: String,
    /// Whether the call came in.
    pub incoming: bool,
    /// The other party's number as received or dialled.
    pub number: String,
    /// The number in human format, when the dial plan reads it.
    pub display: Option<String>,
    /// The contact (or company) of the number, when known.
    pub contact: Option<String>,
    /// The contact's company, when the contact is a person of one.
    pub company: Option<String>,
    /// Its state.
    pub status: Status,
    /// This line is the colleague of a consultation (the "Consulting" call).
    pub consulting: bool,
    /// The other side holds the call.
    pub held_by_remote: bool,
    /// When the line appeared, in milliseconds since 1970 (UTC).
    pub started_ms: i64,
    /// When it was answered, in milliseconds since 1970 (UTC).
    pub connected_ms: Option<i64>,
    /// The controls the agent can use now.
    pub controls: Vec<Control>,
    /// The other party asks to transfer the agent: accept or refuse.
    pub transfer_request: Option<TransferRequest>,
    /// Whether the call is being recorded.
    pub recording: RecordingStatus,
    /// How the call sounded over its latest report (none before the first).
    pub quality: Option<LineQuality>,
}

/// Whether a line is being recorded.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum RecordingStatus {
    /// Not recorded.
    #[default]
    Off,
    /// Recorded now.
    On,
    /// Recorded, paused (what is said now is left out of the file).
    Paused,
}

/// Under this estimated MOS, agents hear the call's trouble (ITU-T G.107's "many users
/// dissatisfied" starts at 3.6): the line says so.
const POOR_MOS: Hundredths = Hundredths(360);

/// How a line sounded over its latest quality report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct LineQuality {
    /// The estimated MOS (1 to 4.5).
    pub mos: Hundredths,
    /// Sound lost or too late, in percent.
    pub loss_percent: Hundredths,
    /// The measured jitter, in milliseconds.
    pub jitter_ms: u32,
    /// Poor enough for the agent and the caller to hear it.
    pub poor: bool,
}

impl LineQuality {
    /// The line's view of a quality report.
    pub fn of(report: &QualityReport) -> Self {
        Self {
            mos: report.mos,
            loss_percent: report.loss_percent,
            jitter_ms: report.jitter_ms,
            poor: report.mos < POOR_MOS,
        }
    }
}

/// The other party of a line asks to send the agent elsewhere (REFER, RFC 3515).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct TransferRequest {
    /// Where the agent would be sent.
    pub to: String,
    /// To a call already in progress there (attended transfer, with Replaces).
    pub attended: bool,
}

/// Where an account's registration stands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Registration {
    /// A REGISTER is on its way (`attempt` 2 and more: retrying after failures).
    Registering {
        /// Tries since the last success.
        attempt: u32,
    },
    /// The registrar accepted; calls can come in.
    Registered {
        /// Seconds granted (refreshed before they run out).
        expires: u32,
    },
    /// Refused or unanswered; tried again after `retry_in_ms`.
    Failed {
        /// The registrar's status, or none when it did not answer.
        status: Option<u16>,
        /// The reason phrase or the network error.
        reason: String,
        /// When the next attempt starts.
        retry_in_ms: u64,
    },
    /// Not registered (removed, or the phone is stopping).
    Unregistered,
}

/// One account and its registration.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct AccountView {
    /// The account's id.
    pub account: String,
    /// Where its registration stands.
    pub registration: Registration,
}

/// What the board keeps of a line beside the desk.
#[derive(Clone, Debug)]
pub(super) struct Times {
    started_ms: i64,
    connected_ms: Option<i64>,
    held_by_remote: bool,
    transfer_request: Option<TransferRequest>,
    recording: RecordingStatus,
    quality: Option<LineQuality>,
}

fn now_ms() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}

impl Inner {
    /// Changes what the board keeps of `line`, when it has it.
    fn with_times(&self, line: &str, change: impl FnOnce(&mut Times)) {
        if let Some(times) = self
            .board
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get_mut(line)
        {
            change(times);
        }
    }

    /// Notes (`Some`) or clears the other party's transfer request on `line`.
    pub(super) fn note_transfer_request(&self, line: &str, request: Option<TransferRequest>) {
        self.with_times(line, |times| times.transfer_request = request);
    }

    /// Notes a registration event.
    pub(super) fn note_registration(&self, event: &SipEvent) {
        let (account, registration) = match event {
            SipEvent::Registering { account, attempt } => {
                (account, Registration::Registering { attempt: *attempt })
            }
            SipEvent::Registered { account, expires } => {
                (account, Registration::Registered { expires: *expires })
            }
            SipEvent::RegistrationFailed {
                account,
                status,
                reason,
                retry_in_ms,
            } => (
                account,
                Registration::Failed {
                    status: *status,
                    reason: reason.clone(),
                    retry_in_ms: *retry_in_ms,
                },
            ),
            SipEvent::Unregistered { account } => (account, Registration::Unregistered),
            _ => return,
        };
        self.registrations
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(account.clone(), registration);
    }

    /// Notes a line's recording or quality report on the board.
    pub(super) fn note_media(&self, event: &PhoneEvent) {
        match event {
            PhoneEvent::Recording(report) => {
                let status = match report.state {
                    "started" | "resumed" => RecordingStatus::On,
                    "paused" => RecordingStatus::Paused,
                    _ => RecordingStatus::Off,
                };
                self.with_times(&report.call, |times| times.recording = status);
            }
            PhoneEvent::Quality(report) => {
                let quality = LineQuality::of(report);
                self.with_times(&report.call, |times| times.quality = Some(quality));
            }
            _ => {}
        }
    }

    /// Notes a desk event on the board.
    pub(super) fn note(&self, event: &DeskEvent) {
        let mut board = self.board.lock().unwrap_or_else(PoisonError::into_inner);
        match event {
            DeskEvent::Line { line, state } => {
                if matches!(state, LineState::Ended { .. }) {
                    board.remove(line);
                    return;
                }
                let times = board.entry(line.clone()).or_insert_with(|| Times {
                    started_ms: now_ms(),
                    connected_ms: None,
                    held_by_remote: false,
                    transfer_request: None,
                    recording: RecordingStatus::Off,
                    quality: None,
                });
                if *state == LineState::Connected && times.connected_ms.is_none() {
                    times.connected_ms = Some(now_ms());
                }
            }
            DeskEvent::RemoteHold { line, held } => {
                if let Some(times) = board.get_mut(line) {
                    times.held_by_remote = *held;
                }
            }
            _ => {}
        }
    }
}

impl Phone {
    /// Notes a recording or quality report of a line (the runtime's event pump shows each
    /// event to the board as it passes).
    pub(crate) fn note_media(&self, event: &PhoneEvent) {
        self.inner.note_media(event);
    }

    /// Registers `account` as `id`; an account already registered under `id` is replaced.
    pub async fn add_account(&self, id: &str, account: AccountConfig) -> Result<(), Error> {
        let registrar = self.inner.engine.register(id, account)?;
        let previous = self
            .inner
            .registrars
            .lock()
            .await
            .insert(id.to_owned(), registrar);
        if let Some(previous) = previous {
            previous.unregister().await;
        }
        Ok(())
    }

    /// Unregisters and forgets the account `id`; false when there is none.
    pub async fn remove_account(&self, id: &str) -> bool {
        let registrar = self.inner.registrars.lock().await.remove(id);
        match registrar {
            Some(registrar) => {
                registrar.unregister().await;
                true
            }
            None => false,
        }
    }

    /// Every account and its registration, by id.
    pub fn accounts(&self) -> Vec<AccountView> {
        let registrations: BTreeMap<String, Registration> = self
            .inner
            .registrations
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        registrations
            .into_iter()
            .map(|(account, registration)| AccountView {
                account,
                registration,
            })
            .collect()
    }

    /// Every live line, oldest first (without `display`, which the dial plan gives).
    pub fn board(&self) -> Vec<LineView> {
        let inner = &self.inner;
        let times: HashMap<String, Times> = inner
            .board
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        let remotes = inner
            .remotes
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        let labels = inner
            .labels
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        let companies = inner
            .companies
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        let mut lines: Vec<LineView> = inner.desk(|desk| {
            let colleague = desk.consultation().map(|(_, c)| c.to_owned());
            times
                .iter()
                .filter_map(|(line, t)| {
                    let status = Status::of(desk.state(line)?)?;
                    let (incoming, number) = remotes.get(line).cloned().unwrap_or_default();
                    Some(LineView {
                        line: line.clone(),
                        incoming,
                        number,
                        display: None,
                        contact: labels.get(line).cloned(),
                        company: companies.get(line).cloned(),
                        status,
                        consulting: colleague.as_deref() == Some(line.as_str()),
                        held_by_remote: t.held_by_remote,
                        started_ms: t.started_ms,
                        connected_ms: t.connected_ms,
                        controls: desk.controls(line),
                        transfer_request: t.transfer_request.clone(),
                        recording: t.recording,
                        quality: t.quality,
                    })
                })
                .collect()
        });
        lines.sort_by(|a, b| a.started_ms.cmp(&b.started_ms).then(a.line.cmp(&b.line)));
        lines
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(mos: f64) -> QualityReport {
        QualityReport {
            event: "quality",
            call: "a".into(),
            loss_percent: Hundredths::new(6.0),
            jitter_ms: 40,
            mos: Hundredths::new(mos),
            rtt_ms: None,
            far_loss_percent: None,
        }
    }

    #[test]
    fn a_line_sounds_poor_under_a_mos_of_3_6() {
        assert!(LineQuality::of(&report(3.59)).poor);
        assert!(!LineQuality::of(&report(3.6)).poor);
        let seen = LineQuality::of(&report(4.1));
        assert_eq!(
            (seen.mos.value(), seen.loss_percent.value(), seen.jitter_ms),
            (4.1, 6.0, 40)
        );
    }
}
