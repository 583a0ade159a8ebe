//! The sound of the phone's calls: a media session per answered call, started when SIP has
//! agreed the audio and stopped when the call ends; hold and mute follow the calls, and the
//! conference mix follows the desk.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, PoisonError};

use std::time::Duration;

use switchboard_core::call::EndReason;
use switchboard_core::desk::Alert;
use switchboard_media::headset::{Headset, HeadsetConfig};
use switchboard_media::session::{Audio, Stats};
use switchboard_media::tones::{Tone, TonePlan};
use switchboard_media::{Codec, MediaError, MediaSession, SessionConfig, SessionEvent};
use switchboard_sip::{CallState, SipEvent};

use super::events::{Hundredths, QualityReport, RecordingReport};
use super::{ActionFailed, Inner, MediaReport, MediaSilence, MuteState, Phone, PhoneEvent};
use crate::Error;

impl Inner {
    /// Starts the call's sound once its media is agreed.
    pub(super) fn start_media(
        &self,
        call: &str,
        remote: SocketAddr,
        (codec, pt, events): (&str, u8, Option<u8>),
        (remote_rtcp, receive): (SocketAddr, (u8, Option<u8>)),
    ) {
        let Some(codec) = Codec::from_name(codec) else {
            tracing::warn!(call, codec, "no media for this codec yet");
            return;
        };
        let socket = match self.engine.media_socket(call) {
            Ok(s) => s,
            Err(e) => return self.failed(call, &e),
        };
        let audio = match &self.headset {
            Some(headset) => Audio::Headset(headset.port()),
            None => Audio::Files {
                mic: self.files.0.clone(),
                speaker: self.files.1.as_ref().map(|p| {
                    PathBuf::from(p.to_string_lossy().replace("{call}", &file_safe(call)))
                }),
            },
        };
        // Without an RTCP port the call still has sound, only no reports.
        let rtcp = self.engine.rtcp_socket(call).ok().map(|s| (s, remote_rtcp));
        let config = SessionConfig {
            rtcp,
            receive,
            remote,
            codec,
            payload_type: pt,
            audio,
            events,
            silence_timeout: self.silence_timeout,
            quality_every: self.quality_every,
            mix: Some((Arc::clone(&self.mixer), call.to_owned())),
        };
        let (events_out, id) = (self.events.clone(), call.to_owned());
        let on_event = Box::new(move |event| {
            let _ = events_out.send(match event {
                // Keys the far end sends in the audio come out like those sent as SIP INFO.
                SessionEvent::Key(digit) => PhoneEvent::Sip(SipEvent::Dtmf {
                    call: id.clone(),
                    digit,
                }),
                SessionEvent::Silent(after) => PhoneEvent::MediaSilence(MediaSilence {
                    event: "media_silent",
                    call: id.clone(),
                    seconds: after.as_secs(),
                }),
                SessionEvent::Quality {
                    loss_percent,
                    jitter,
                    mos,
                    rtt,
                    far_loss_percent,
                } => PhoneEvent::Quality(QualityReport {
                    event: "quality",
                    call: id.clone(),
                    loss_percent: Hundredths::new(loss_percent),
                    jitter_ms: u32::try_from(jitter.as_millis()).unwrap_or(u32::MAX),
                    mos: Hundredths::new(mos),
                    rtt_ms: rtt.map(|r| Hundredths::new(r.as_secs_f64() * 1000.0)),
                    far_loss_percent: far_loss_percent.map(Hundredths::new),
                }),
                SessionEvent::Back => PhoneEvent::MediaSilence(MediaSilence {
                    event: "media_back",
                    call: id.clone(),
                    seconds: 0,
                }),
                SessionEvent::Recording(e) => {
                    PhoneEvent::Recording(RecordingReport::new(id.clone(), e))
                }
            });
        });
        match MediaSession::start(socket, config, on_event) {
            Ok(session) => {
                session.set_muted(self.muted.load(std::sync::atomic::Ordering::Relaxed));
                self.media
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .insert(call.to_owned(), session);
                // Every call recorded from its first sound, when so set; a failure is an
                // event, and the call goes on.
                let automatic = self
                    .recording
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .automatic;
                if automatic {
                    let _ = self.start_recording(call);
                }
            }
            Err(e) => self.send(PhoneEvent::Failed(ActionFailed {
                event: "error",
                line: call.to_owned(),
                code: e.code().to_owned(),
                message: e.to_string(),
            })),
        }
    }

    /// Stops the call's sound; the report comes as an event once the recording is complete.
    pub(super) fn stop_media(self: &Arc<Self>, call: &str) {
        let session = self
            .media
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(call);
        if let Some(session) = session {
            let inner = Arc::clone(self);
            let call = call.to_owned();
            self.runtime
                .spawn(async move { inner.report_media(call, session.stop().await) });
        }
    }

    pub(super) fn report_media(&self, call: String, outcome: Result<Stats, MediaError>) {
        match outcome {
            Ok(stats) => self.send(PhoneEvent::MediaEnded(MediaReport {
                event: "media_ended",
                call,
                sent: stats.sent,
                received: stats.received,
            })),
            Err(e) => self.send(PhoneEvent::Failed(ActionFailed {
                event: "error",
                line: call,
                code: e.code().to_owned(),
                message: e.to_string(),
            })),
        }
    }

    /// Tells the call's media who holds it.
    pub(super) fn follow_hold(&self, call: &str, state: &CallState) {
        let held = match state {
            CallState::Connected => false,
            CallState::OnHold | CallState::HeldByRemote => true,
            _ => return,
        };
        if let Some(session) = self
            .media
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(call)
        {
            session.set_held(held);
        }
    }
}

impl Inner {
    /// Rings, beeps or rings back as the lines say (with a headset).
    pub(super) fn sound_alerts(&self) {
        let Some(headset) = &self.headset else {
            return;
        };
        let alert = self.desk(|d| d.alert());
        let mut last = self.sounding.lock().unwrap_or_else(PoisonError::into_inner);
        if alert.ring != last.ring {
            headset.set_ringing(alert.ring);
        }
        let tone = |a: &Alert| {
            if a.ringback {
                Some(Tone::Ringback)
            } else if a.call_waiting {
                Some(Tone::CallWaiting)
            } else {
                None
            }
        };
        if tone(&alert) != tone(&last) {
            headset.set_tone(tone(&alert), None);
        }
        *last = alert;
    }

    /// The network's tone for a call the agent dialled that failed: busy, or congestion when
    /// the number or the network cannot take it (three seconds, as a network plays it).
    pub(super) fn sound_failure(&self, reason: &EndReason) {
        let Some(headset) = &self.headset else {
            return;
        };
        let tone = match reason {
            EndReason::Busy | EndReason::Declined => Tone::Busy,
            EndReason::NotFound
            | EndReason::Unavailable
            | EndReason::Refused
            | EndReason::Failed { .. } => Tone::Congestion,
            _ => return,
        };
        headset.set_tone(Some(tone), Some(Duration::from_secs(3)));
    }
}

impl Phone {
    /// The agent's microphone level lately (0 to 32767), for a meter; none without a headset.
    pub fn mic_level(&self) -> Option<u16> {
        self.inner.headset.as_ref().map(Headset::mic_level)
    }

    /// Lets a conference party hear the others (`true`) or not (mute-listen, Genesys
    /// "empêcher l'écoute": it can still speak).
    pub fn set_listens(&self, line: &str, listens: bool) -> Result<(), Error> {
        if !self.inner.mixer.contains(line) {
            return Err(switchboard_core::desk::DeskError::NoConference.into());
        }
        self.inner.mixer.set_listens(line, listens);
        Ok(())
    }

    /// Whether the agent's microphone is muted.
    pub fn muted(&self) -> bool {
        self.inner.muted.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Mutes (`true`) or unmutes the agent's microphone, on every call.
    pub fn set_muted(&self, muted: bool) {
        self.inner
            .muted
            .store(muted, std::sync::atomic::Ordering::Relaxed);
        for session in self
            .inner
            .media
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .values()
        {
            session.set_muted(muted);
        }
        self.inner.send(PhoneEvent::Mute(MuteState {
            event: "mute",
            on: muted,
        }));
    }
}

/// A call id as a file name part: letters, digits, `-` and `_` only.
fn file_safe(call: &str) -> String {
    call.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

impl Phone {
    /// Applies new sound settings while calls go on: the headset's devices, voice processing
    /// and ringtone (when the phone has a headset), the codecs of calls from now on, and the
    /// simultaneous-call limit.
    pub fn reconfigure(
        &self,
        headset: &HeadsetConfig,
        codecs: &[&str],
        max_calls: usize,
    ) -> Result<(), Error> {
        // Checked first, so that a refused value changes nothing.
        self.inner.engine.set_codecs(codecs)?;
        if let Some(h) = &self.inner.headset {
            h.reconfigure(headset)?;
        }
        self.inner.desk(|d| d.set_limit(max_calls));
        Ok(())
    }

    /// Plays the network tones of another country from now on (the dial plan changed).
    pub fn set_tone_plan(&self, plan: TonePlan) {
        if let Some(h) = &self.inner.headset {
            h.set_plan(plan);
        }
    }

    /// Plays a test tone on the speaker (one beat of the ringback), so the agent can check
    /// the headset; `false` without a headset.
    pub fn test_tone(&self) -> bool {
        match &self.inner.headset {
            Some(h) => {
                h.set_tone(Some(Tone::Ringback), Some(TEST_TONE));
                true
            }
            None => false,
        }
    }
}

impl Phone {
    /// Two short beeps on the speaker: a call was answered by itself (intercom).
    pub(crate) fn intercom_beep(&self) {
        if let Some(h) = &self.inner.headset {
            h.set_tone(Some(Tone::Intercom), Some(INTERCOM_BEEP));
        }
    }
}

/// How long the intercom's beeps last.
const INTERCOM_BEEP: Duration = Duration::from_millis(320);

/// How long the test tone sounds.
const TEST_TONE: Duration = Duration::from_millis(1_500);
