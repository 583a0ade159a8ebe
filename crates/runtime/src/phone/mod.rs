//! The telephone side of the runtime: the SIP engine driven by the agent's desk. Commands
//! go through the desk (which enforces the rules: one active call, the call limit, consult
//! before transfer...); the desk's actions are carried out by the SIP engine, and what SIP
//! reports goes back into the desk. Front ends see one stream of [`PhoneEvent`]s.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use std::path::PathBuf;
use switchboard_core::call::EndReason;
use switchboard_core::desk::{Action, Alert, Desk, DeskEvent, LineState};

use switchboard_media::headset::Headset;
use switchboard_media::mixer::Mixer;
use switchboard_media::MediaSession;
use switchboard_sip::{CallState, Engine, Presentation, Refusal, Registrar, SipError, SipEvent};
use tokio::sync::mpsc;

use crate::Error;

mod board;
mod events;
mod media;
mod options;
mod outgoing;
mod recording;

pub use board::{
    AccountView, LineQuality, LineView, RecordingStatus, Registration, Status, TransferRequest,
};
pub use options::{PhoneOptions, RecordingOptions};

pub(crate) use events::incoming_caller;
pub use events::{
    ActionFailed, DeviceReport, DialledReport, Hundredths, MediaReport, MediaSilence, MuteState,
    PhoneEvent, QualityReport, RecordingReport, ScreenPop,
};

#[derive(Debug)]
struct Inner {
    engine: Engine,
    /// Asks the event pump to finish (after every SIP event sent before) and say so.
    stop: mpsc::UnboundedSender<tokio::sync::oneshot::Sender<()>>,
    desk: Mutex<Desk>,
    /// The account each outgoing line dials from, until its INVITE is sent.
    dial_from: Mutex<HashMap<String, (String, Presentation)>>,
    registrars: tokio::sync::Mutex<HashMap<String, Registrar>>,
    events: mpsc::UnboundedSender<PhoneEvent>,
    start: tokio::time::Instant,
    /// The media session of each call with sound.
    media: Mutex<HashMap<String, MediaSession>>,
    /// The headless agent's audio files.
    files: (Option<PathBuf>, Option<PathBuf>),
    /// How long without RTP before `media_silent`.
    silence_timeout: Duration,
    /// How often calls report their quality.
    quality_every: Duration,
    /// The agent's microphone is muted (on every call, new ones too).
    muted: std::sync::atomic::AtomicBool,
    /// The conference's mix.
    mixer: Arc<Mixer>,
    /// The agent's sound devices (without them: the files).
    headset: Option<Headset>,
    /// What the phone sounds now (ring, call waiting, ringback).
    sounding: Mutex<Alert>,
    /// Call recording (changed by the settings while the phone runs).
    recording: Mutex<RecordingOptions>,
    /// Each live call's direction (true: incoming) and the other party's number, for the
    /// recordings' names.
    remotes: Mutex<HashMap<String, (bool, String)>>,
    /// The name of each call's contact, when known (for the recordings' names).
    labels: Mutex<HashMap<String, String>>,
    /// The company of each call's contact, when the contact is a person of one.
    companies: Mutex<HashMap<String, String>>,
    /// What the board keeps of each live line.
    board: Mutex<HashMap<String, board::Times>>,
    /// Each account's registration.
    registrations: Mutex<std::collections::BTreeMap<String, Registration>>,
    /// The runtime the phone started on: commands may come from any thread (a window's
    /// main thread) and still spawn their work there.
    runtime: tokio::runtime::Handle,
}

/// The running phone.
#[derive(Debug, Clone)]
pub struct Phone {
    inner: Arc<Inner>,
}

impl Inner {
    fn desk<T>(&self, f: impl FnOnce(&mut Desk) -> T) -> T {
        f(&mut self.desk.lock().unwrap_or_else(PoisonError::into_inner))
    }

    fn now(&self) -> Duration {
        self.start.elapsed()
    }

    fn send(&self, event: PhoneEvent) {
        // No receiver any more only means the front end is gone.
        let _ = self.events.send(event);
    }

    fn failed(&self, line: &str, error: &SipError) {
        self.send(PhoneEvent::Failed(ActionFailed {
            event: "error",
            line: line.to_owned(),
            code: error.code().to_owned(),
            message: error.to_string(),
        }));
    }

    /// Forwards the desk's events and carries out its actions.
    fn flush(self: &Arc<Self>) {
        let (actions, events) = self.desk(|d| {
            (
                std::iter::from_fn(|| d.poll_action()).collect::<Vec<_>>(),
                std::iter::from_fn(|| d.poll_event()).collect::<Vec<_>>(),
            )
        });
        for event in events {
            // The conference's sound follows the desk: lines in conference are mixed.
            if let DeskEvent::Line { line, state } = &event {
                if *state == LineState::InConference {
                    self.mixer.join(line);
                } else {
                    self.mixer.leave(line);
                }
            }
            self.note(&event);
            self.send(PhoneEvent::Desk(event));
        }
        self.sound_alerts();
        for action in actions {
            let inner = Arc::clone(self);
            self.runtime.spawn(async move {
                inner.carry_out(action).await;
                inner.flush();
            });
        }
    }

    async fn carry_out(&self, action: Action) {
        let engine = &self.engine;
        match action {
            Action::Invite { line, to } => {
                let from = self
                    .dial_from
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .remove(&line);
                let (account, presentation) =
                    from.unwrap_or_else(|| ("main".to_owned(), Presentation::Account));
                if let Err(e) = engine.dial_presenting(&account, &to, line.clone(), &presentation) {
                    self.failed(&line, &e);
                    self.desk(|d| d.handle_ended(&line, EndReason::Failed { status: 0 }));
                }
            }
            Action::Accept(line) => {
                if let Err(e) = engine.answer(&line) {
                    self.failed(&line, &e);
                }
            }
            Action::Reject { line, status } => {
                let how = if status == 603 {
                    Refusal::Decline
                } else {
                    Refusal::Busy
                };
                if let Err(e) = engine.reject(&line, how) {
                    self.failed(&line, &e);
                }
            }
            Action::Cancel(line) | Action::Bye(line) => {
                if let Err(e) = engine.hangup(&line).await {
                    self.failed(&line, &e);
                }
            }
            Action::Hold(line) => {
                let result = engine.hold(&line).await;
                if let Err(e) = &result {
                    self.failed(&line, e);
                }
                self.desk(|d| d.handle_hold_result(&line, result.is_ok()));
            }
            Action::Resume(line) => {
                let result = engine.resume(&line).await;
                if let Err(e) = &result {
                    self.failed(&line, e);
                }
                self.desk(|d| d.handle_resume_result(&line, result.is_ok()));
            }
            Action::Refer { line, to } => {
                if let Err(e) = engine.transfer(&line, &to).await {
                    let status = match e {
                        SipError::Refused { status } => status,
                        _ => 0,
                    };
                    self.failed(&line, &e);
                    self.desk(|d| d.handle_transfer_failed(&line, status));
                }
            }
            Action::Dtmf { line, digits } => {
                // In the audio (RFC 4733) when the call agreed to it, otherwise as SIP INFO.
                let sent = self
                    .media
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .get(&line)
                    .filter(|m| m.has_events())
                    .map(|m| m.send_dtmf(&digits));
                match sent {
                    Some(Ok(())) => {}
                    Some(Err(e)) => self.send(PhoneEvent::Failed(ActionFailed {
                        event: "error",
                        line,
                        code: e.code().to_owned(),
                        message: e.to_string(),
                    })),
                    None => {
                        if let Err(e) = engine.send_dtmf_info(&line, &digits).await {
                            self.failed(&line, &e);
                        }
                    }
                }
            }
            Action::ReferReplaces { line, replaces } => {
                if let Err(e) = engine.attended_transfer(&line, &replaces).await {
                    let status = match e {
                        SipError::Refused { status } => status,
                        _ => 0,
                    };
                    self.failed(&line, &e);
                    self.desk(|d| d.handle_transfer_failed(&line, status));
                }
            }
        }
    }

    /// Feeds what SIP reports into the desk.
    fn on_sip(self: &Arc<Self>, event: SipEvent) {
        if let SipEvent::Media {
            call,
            remote,
            codec,
            payload_type,
            telephone_event,
            remote_rtcp,
            receive,
        } = &event
        {
            self.start_media(
                call,
                *remote,
                (codec, *payload_type, *telephone_event),
                (*remote_rtcp, *receive),
            );
        }
        let SipEvent::Call { call, state } = event else {
            if let SipEvent::TransferFailed { call, status } = &event {
                self.desk(|d| d.handle_transfer_failed(call, *status));
            } else {
                self.note_registration(&event);
                if let SipEvent::TransferRequested { call, to, attended } = &event {
                    let request = TransferRequest {
                        to: to.clone(),
                        attended: *attended,
                    };
                    self.note_transfer_request(call, Some(request));
                }
                self.send(PhoneEvent::Sip(event));
            }
            return;
        };
        let known = self.desk(|d| d.state(&call).cloned());
        self.follow_hold(&call, &state);
        match state {
            CallState::Incoming { .. } => {
                if let CallState::Incoming { user, .. } = &state {
                    self.remember(&call, true, user);
                }
                self.send(PhoneEvent::Sip(SipEvent::Call {
                    call: call.clone(),
                    state,
                }));
                self.desk(|d| d.handle_incoming(&call));
            }
            CallState::Ringing => self.desk(|d| d.handle_ringing(&call, false)),
            CallState::EarlyMedia => self.desk(|d| d.handle_ringing(&call, true)),
            CallState::Connected => match known {
                Some(LineState::Dialing | LineState::RingingOut | LineState::EarlyMedia)
                | Some(LineState::RingingIn) => self.desk(|d| d.handle_answered(&call)),
                // Our own resume is reported by its result; any other is the far end's.
                Some(LineState::Connected | LineState::OnHold | LineState::Holding) => {
                    self.desk(|d| d.handle_remote_hold(&call, false));
                }
                _ => {}
            },
            CallState::HeldByRemote => self.desk(|d| d.handle_remote_hold(&call, true)),
            CallState::Ended { reason } => {
                self.stop_media(&call);
                self.forget(&call);
                let dialled = matches!(
                    known,
                    Some(LineState::Dialing | LineState::RingingOut | LineState::EarlyMedia)
                );
                self.desk(|d| d.handle_ended(&call, reason));
                self.sound_alerts();
                if dialled {
                    self.sound_failure(&reason);
                }
            }
            // A call the desk did not dial: the one we place when we accept a transfer.
            CallState::Dialing { to } if known.is_none() => {
                // Before the desk's first state, so the board and the history know the number.
                self.remember(&call, false, &to);
                self.send(PhoneEvent::Dialled(DialledReport {
                    event: "dialled",
                    call: call.clone(),
                    to,
                }));
                let now = self.now();
                self.desk(|d| d.adopt(&call, now));
            }
            CallState::Dialing { .. } | CallState::OnHold | CallState::Transferring { .. } => {}
        }
    }
}

impl Phone {
    /// The domain of account `id`.
    pub(crate) fn account_domain(&self, id: &str) -> Option<String> {
        self.inner.engine.account_domain(id)
    }

    /// Installs the rule that refuses or forwards new calls before they ring.
    pub(crate) fn set_screen(&self, screen: Option<switchboard_sip::Screen>) {
        self.inner.engine.set_screen(screen);
    }

    /// Starts SIP on `bind` (port 0: any free port) and returns the event stream.
    pub async fn start(
        bind: SocketAddr,
        options: PhoneOptions,
    ) -> Result<(Self, mpsc::UnboundedReceiver<PhoneEvent>), Error> {
        let (engine, mut sip) = Engine::start(bind).await?;
        if let Some(codecs) = &options.codecs {
            let names: Vec<&str> = codecs.iter().map(String::as_str).collect();
            engine.set_codecs(&names)?;
        }
        let (events, receiver) = mpsc::unbounded_channel();
        let headset = match options.headset {
            Some(config) => {
                let out = events.clone();
                Some(Headset::start(
                    config,
                    Box::new(move |e| {
                        let _ = out.send(PhoneEvent::Device(e.into()));
                    }),
                )?)
            }
            None => None,
        };
        let (stop, mut stopping) = mpsc::unbounded_channel::<tokio::sync::oneshot::Sender<()>>();
        let inner = Arc::new(Inner {
            engine,
            stop,
            desk: Mutex::new(Desk::new(options.max_calls, options.ring_timeout)),
            dial_from: Mutex::new(HashMap::new()),
            registrars: tokio::sync::Mutex::new(HashMap::new()),
            events,
            start: tokio::time::Instant::now(),
            media: Mutex::new(HashMap::new()),
            files: (options.mic_wav.clone(), options.speaker_wav.clone()),
            silence_timeout: options.silence_timeout,
            quality_every: options.quality_every,
            muted: std::sync::atomic::AtomicBool::new(false),
            mixer: Arc::new(Mixer::new()),
            headset,
            sounding: Mutex::new(Alert::default()),
            recording: Mutex::new(options.recording),
            remotes: Mutex::new(HashMap::new()),
            labels: Mutex::new(HashMap::new()),
            companies: Mutex::new(HashMap::new()),
            board: Mutex::new(HashMap::new()),
            registrations: Mutex::new(std::collections::BTreeMap::new()),
            runtime: tokio::runtime::Handle::current(),
        });
        let pump = Arc::clone(&inner);
        tokio::spawn(async move {
            // The desk's only timers are ring timeouts: checking four times a second is
            // precise enough for a timeout counted in seconds.
            let mut tick = tokio::time::interval(Duration::from_millis(250));
            loop {
                tokio::select! {
                    // SIP events first: a stop request is served once all that came before it
                    // are forwarded.
                    biased;
                    event = sip.recv() => match event {
                        Some(event) => pump.on_sip(event),
                        None => break,
                    },
                    Some(done) = stopping.recv() => {
                        pump.flush();
                        let _ = done.send(());
                        break;
                    }
                    _ = tick.tick() => {
                        let now = pump.now();
                        pump.desk(|d| d.handle_timeout(now));
                    }
                }
                pump.flush();
            }
        });
        Ok((Self { inner }, receiver))
    }

    /// Where SIP listens.
    pub fn local_addr(&self) -> SocketAddr {
        self.inner.engine.local_addr()
    }

    fn command(
        &self,
        f: impl FnOnce(&mut Desk) -> Result<(), switchboard_core::desk::DeskError>,
    ) -> Result<(), Error> {
        self.inner.desk(f)?;
        self.inner.flush();
        Ok(())
    }

    /// Completes the attended transfer of the consultation in progress.
    pub fn complete_transfer(&self) -> Result<(), Error> {
        self.command(Desk::complete_transfer)
    }

    /// Ends the consultation: the colleague is hung up, the caller stays on hold.
    pub fn cancel_consult(&self) -> Result<(), Error> {
        self.command(Desk::cancel_consult)
    }

    /// Merges the answered and held lines into a conference.
    pub fn merge(&self) -> Result<(), Error> {
        self.command(Desk::merge)
    }

    /// Holds every party of the conference.
    pub fn hold_conference(&self) -> Result<(), Error> {
        self.command(Desk::hold_conference)
    }

    /// Resumes the conference held as a whole (holding the active call).
    pub fn resume_conference(&self) -> Result<(), Error> {
        self.command(Desk::resume_conference)
    }

    /// Splits the conference into separate calls, all on hold.
    pub fn split(&self) -> Result<(), Error> {
        self.command(Desk::split)
    }

    /// Hangs up one party of the conference.
    pub fn remove_party(&self, line: &str) -> Result<(), Error> {
        self.command(|d| d.remove_party(line))
    }

    /// Leaves the conference: two parties left are transferred to each other.
    pub fn leave_conference(&self) -> Result<(), Error> {
        self.command(Desk::leave_conference)
    }

    /// Answers a ringing incoming line (holding the active call).
    pub fn answer(&self, line: &str) -> Result<(), Error> {
        self.command(|d| d.answer(line))
    }

    /// Refuses a ringing incoming line: busy (486) or decline (603).
    pub fn reject(&self, line: &str, how: Refusal) -> Result<(), Error> {
        self.command(|d| d.reject(line, how == Refusal::Decline))
    }

    /// Puts a line on hold.
    pub fn hold(&self, line: &str) -> Result<(), Error> {
        self.command(|d| d.hold(line))
    }

    /// Takes a line off hold (holding the active call).
    pub fn resume(&self, line: &str) -> Result<(), Error> {
        self.command(|d| d.resume(line))
    }

    /// Blind transfer of a line to `to`.
    pub fn transfer(&self, line: &str, to: &str) -> Result<(), Error> {
        self.command(|d| d.blind_transfer(line, to))
    }

    /// Accepts the transfer the other side of `line` asked for; returns the new line.
    pub async fn accept_transfer(&self, line: &str) -> Result<String, Error> {
        self.inner.note_transfer_request(line, None);
        Ok(self.inner.engine.accept_transfer(line).await?)
    }

    /// Refuses the transfer the other side of `line` asked for (603).
    pub async fn refuse_transfer(&self, line: &str) -> Result<(), Error> {
        self.inner.note_transfer_request(line, None);
        Ok(self.inner.engine.refuse_transfer(line).await?)
    }

    /// Sends DTMF digits (`0-9 * # A-D`) to the party on `line` only (in the audio when the
    /// call agreed to it, otherwise as SIP INFO); the agent hears the last key briefly.
    pub fn dtmf(&self, line: &str, digits: &str) -> Result<(), Error> {
        self.command(|d| d.dtmf(line, digits))?;
        if let (Some(headset), Some(key)) = (&self.inner.headset, digits.chars().last()) {
            headset.key_feedback(key);
        }
        Ok(())
    }

    /// Hangs up a line (cancel, refuse or BYE as its state needs).
    pub fn hangup(&self, line: &str) -> Result<(), Error> {
        self.command(|d| d.hangup(line))
    }

    /// Unregisters every account, forwards the last events, then stops SIP.
    pub async fn shutdown(self) {
        // Calls still up end properly (CANCEL, 486 or BYE): nobody is left ringing or
        // talking to no one.
        let lines: Vec<String> = self.board().into_iter().map(|l| l.line).collect();
        let actions: Vec<Action> = self.inner.desk(|d| {
            for line in &lines {
                if let Err(e) = d.hangup(line) {
                    tracing::debug!(line, "not hung up on shutdown: {e}");
                }
            }
            std::iter::from_fn(|| d.poll_action()).collect()
        });
        for action in actions {
            self.inner.carry_out(action).await;
        }
        self.inner.flush();
        let registrars: Vec<Registrar> = self
            .inner
            .registrars
            .lock()
            .await
            .drain()
            .map(|(_, r)| r)
            .collect();
        for registrar in registrars {
            registrar.unregister().await;
        }
        let (done, forwarded) = tokio::sync::oneshot::channel();
        if self.inner.stop.send(done).is_ok() {
            let _ = forwarded.await;
        }
        // Calls still up: their recordings are completed before we go.
        let sessions: Vec<(String, MediaSession)> = self
            .inner
            .media
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .drain()
            .collect();
        for (call, session) in sessions {
            let outcome = session.stop().await;
            self.inner.report_media(call, outcome);
        }
        self.inner.engine.shutdown();
    }
}
