//! One call's RTP session: every 20 ms a frame from the microphone (the headset's, a WAV
//! file, or silence) is encoded and sent to the far end; what arrives is decoded and played
//! (on the headset, or into a WAV file). Symmetric RTP: we send from the port we offered.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use std::collections::VecDeque;

use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinHandle;

use crate::codec::{Decoder, Encoder};
use crate::headset::{HeadsetPort, Pacer};
use crate::histogram::Histogram;
use crate::jitter::{JitterBuffer, JitterStats, Playout};
use crate::quality::mos;
use crate::recorder::{RecordCommand, Recording, RecordingEvent};
use crate::rtcp::{ntp_now, Reporter};
use crate::rtp::{parse, Packetizer};
use crate::wav::{WavSink, WavSource};
use crate::{dtmf, Codec, MediaError, FRAME};

/// Where a call's sound comes from and goes.
#[derive(Debug)]
pub enum Audio {
    /// The headless agent's files: a WAV played as the microphone (silence without one), a
    /// WAV recording what the far end sends.
    Files {
        /// The microphone's file.
        mic: Option<PathBuf>,
        /// The speaker's file.
        speaker: Option<PathBuf>,
    },
    /// The agent's headset.
    Headset(HeadsetPort),
}

/// What a call's media needs.
#[derive(Debug)]
pub struct SessionConfig {
    /// Where the far end receives RTP.
    pub remote: SocketAddr,
    /// The codec agreed in SDP.
    pub codec: Codec,
    /// Its payload type in this call.
    pub payload_type: u8,
    /// The call's microphone and speaker.
    pub audio: Audio,
    /// The payload type of RFC 4733 telephone events, when both sides have them.
    pub events: Option<u8>,
    /// How long without RTP (while not held) before [`SessionEvent::Silent`].
    pub silence_timeout: Duration,
    /// How often to report the call's quality.
    pub quality_every: Duration,
    /// The phone's conference and this call's id in it (it mixes only while the call is in).
    pub mix: Option<(std::sync::Arc<crate::mixer::Mixer>, String)>,
    /// The call's RTCP port and where the far end receives RTCP (none: no reports).
    pub rtcp: Option<(std::net::UdpSocket, SocketAddr)>,
    /// The payload types the far end sends audio and telephone events with (they may differ
    /// from those we send with, RFC 3264 §6.1).
    pub receive: (u8, Option<u8>),
}

/// What the session notices while it runs.
#[derive(Clone, Debug, PartialEq)]
pub enum SessionEvent {
    /// How the call sounded lately (every `quality_every`, while sound comes in).
    Quality {
        /// Frames lost or too late, in percent.
        loss_percent: f64,
        /// The measured jitter.
        jitter: Duration,
        /// The estimated MOS (1 to 4.5).
        mos: f64,
        /// The round trip to the far end, from its RTCP reports.
        rtt: Option<Duration>,
        /// How much of our sound the far end lost lately, in percent (its RTCP reports).
        far_loss_percent: Option<f64>,
    },
    /// The far end sent a DTMF key as a telephone event.
    Key(char),
    /// No RTP from the far end for this long while the call is not held: it may have
    /// vanished (network down, crashed phone).
    Silent(Duration),
    /// RTP arrives again after a [`SessionEvent::Silent`].
    Back,
    /// The call's recording started, paused, stopped or failed.
    Recording(RecordingEvent),
}

/// Called with each [`SessionEvent`].
pub type OnEvent = Box<dyn FnMut(SessionEvent) + Send>;

/// How much went each way, and how long the sound spent in this program.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// RTP packets sent.
    pub sent: u64,
    /// RTP packets of the call's codec received.
    pub received: u64,
    /// For each frame sent: from reading the microphone to the packet handed to the network.
    pub capture_to_send: Histogram,
    /// For each frame played: from the packet's arrival to its playing (the jitter buffer's
    /// wait included).
    pub arrival_to_play: Histogram,
}

/// A running session; [`MediaSession::stop`] ends it and completes the recording.
#[derive(Debug)]
pub struct MediaSession {
    stop: oneshot::Sender<()>,
    held: watch::Sender<bool>,
    muted: watch::Sender<bool>,
    keys: mpsc::UnboundedSender<char>,
    record: mpsc::UnboundedSender<RecordCommand>,
    events: bool,
    task: JoinHandle<Result<Stats, MediaError>>,
}

impl MediaSession {
    /// Starts sending and receiving on `socket` (the port offered in SDP).
    pub fn start(
        socket: std::net::UdpSocket,
        mut config: SessionConfig,
        on_event: OnEvent,
    ) -> Result<Self, MediaError> {
        let socket_error = |e: std::io::Error| MediaError::Socket(e.to_string());
        socket.set_nonblocking(true).map_err(socket_error)?;
        let socket = tokio::net::UdpSocket::from_std(socket).map_err(socket_error)?;
        let rtcp = match config.rtcp.take() {
            Some((rtcp, remote)) => {
                rtcp.set_nonblocking(true).map_err(socket_error)?;
                Some((
                    tokio::net::UdpSocket::from_std(rtcp).map_err(socket_error)?,
                    remote,
                ))
            }
            None => None,
        };
        let (stop, stopped) = oneshot::channel();
        let (keys, queued) = mpsc::unbounded_channel();
        let (record, recording) = mpsc::unbounded_channel();
        let (held, hold) = watch::channel(false);
        let (muted, mute) = watch::channel(false);
        let events = config.events.is_some();
        let audio = std::mem::replace(
            &mut config.audio,
            Audio::Files {
                mic: None,
                speaker: None,
            },
        );
        let devices = match audio {
            Audio::Files { mic, speaker } => Devices::Files {
                mic: mic.as_deref().map(WavSource::open).transpose()?,
                speaker: speaker.as_deref().map(WavSink::create).transpose()?,
            },
            Audio::Headset(port) => Devices::Headset(port),
        };
        let control = Control {
            keys: queued,
            recording,
            hold,
            mute,
            stopped,
        };
        let codecs = (config.codec.encoder()?, config.codec.decoder()?);
        let task = tokio::spawn(run(
            (socket, rtcp),
            codecs,
            config,
            devices,
            control,
            on_event,
        ));
        Ok(Self {
            stop,
            held,
            muted,
            keys,
            record,
            events,
            task,
        })
    }

    /// The call was put on hold or taken off it, by either side (RFC 3264 §8.4): while
    /// held, the agent's microphone is not sent and the far end is not played.
    pub fn set_held(&self, held: bool) {
        self.held.send_replace(held);
    }

    /// Mutes the microphone (`true`: silence is sent instead, so the far end's jitter buffer
    /// and any NAT binding stay alive) or unmutes it.
    pub fn set_muted(&self, muted: bool) {
        self.muted.send_replace(muted);
    }

    /// Starts, pauses, resumes or stops the call's recording; what happens comes as
    /// [`SessionEvent::Recording`].
    pub fn record(&self, command: RecordCommand) {
        // The session only goes when the call does.
        let _ = self.record.send(command);
    }

    /// Whether DTMF can go as telephone events on this call.
    pub fn has_events(&self) -> bool {
        self.events
    }

    /// Sends DTMF keys as telephone events (RFC 4733), one after the other.
    pub fn send_dtmf(&self, keys: &str) -> Result<(), MediaError> {
        if !self.events {
            return Err(MediaError::NoTelephoneEvents);
        }
        if let Some(bad) = keys.chars().find(|&k| dtmf::event_code(k).is_none()) {
            return Err(MediaError::NotAKey(bad));
        }
        for key in keys.chars() {
            // The session only goes when the call does.
            let _ = self.keys.send(key);
        }
        Ok(())
    }

    /// Stops the session and completes the speaker's file.
    pub async fn stop(self) -> Result<Stats, MediaError> {
        let _ = self.stop.send(());
        self.task
            .await
            .map_err(|e| MediaError::Socket(format!("media task: {e}")))?
    }
}

/// The session's microphone and speaker.
enum Devices {
    Files {
        mic: Option<WavSource>,
        speaker: Option<WavSink>,
    },
    Headset(HeadsetPort),
}

impl Devices {
    /// The headset's tick, which paces the session when it has a headset.
    fn pacer(&self) -> Option<Pacer> {
        match self {
            Self::Headset(port) => Some(port.pacer()),
            Self::Files { .. } => None,
        }
    }

    /// The microphone's next frame.
    fn fill(&mut self, frame: &mut [i16; FRAME]) {
        match self {
            Self::Files { mic: Some(m), .. } => m.fill(frame),
            Self::Files { mic: None, .. } => frame.fill(0),
            Self::Headset(port) => port.fill(frame),
        }
    }

    /// Plays what the far end said (`None`: the call is held; a file keeps time with silence,
    /// the headset plays nothing of this call).
    fn play(&mut self, heard: Option<&[i16]>) -> Result<(), MediaError> {
        match self {
            Self::Files {
                speaker: Some(s), ..
            } => s.write(heard.unwrap_or(&[0; FRAME])),
            Self::Files { speaker: None, .. } => Ok(()),
            Self::Headset(port) => {
                match heard {
                    Some(h) => port.play(h),
                    // The microphone's frames are not waited for while held.
                    None => port.fill(&mut [0; FRAME]),
                }
                Ok(())
            }
        }
    }

    /// Completes the speaker's file.
    fn finish(self) -> Result<(), MediaError> {
        match self {
            Self::Files {
                speaker: Some(s), ..
            } => s.finish(),
            _ => Ok(()),
        }
    }
}

/// Waits for the session's next tick: the headset's when it has one (its microphone frame is
/// there then, and what the session hands back is mixed right after), otherwise its own
/// clock's.
async fn next_frame(pacer: Option<&Pacer>, own: &mut tokio::time::Interval) {
    match pacer {
        Some(pacer) => pacer.next_frame().await,
        None => {
            own.tick().await;
        }
    }
}

/// What the session is told while it runs.
struct Control {
    keys: mpsc::UnboundedReceiver<char>,
    recording: mpsc::UnboundedReceiver<RecordCommand>,
    hold: watch::Receiver<bool>,
    mute: watch::Receiver<bool>,
    stopped: oneshot::Receiver<()>,
}

/// Silent ticks between two keys (60 ms: receivers tell repeated keys apart).
const KEY_GAP: usize = 3;

/// The next RTCP datagram, or never without an RTCP port.
async fn rtcp_in(
    rtcp: Option<&(tokio::net::UdpSocket, SocketAddr)>,
    buf: &mut [u8],
) -> std::io::Result<usize> {
    match rtcp {
        Some((socket, _)) => socket.recv_from(buf).await.map(|(n, _)| n),
        None => std::future::pending().await,
    }
}

/// RTCP reports every 5 s (RFC 3550 §6.2: the minimum interval).
const RTCP_EVERY: Duration = Duration::from_secs(5);

async fn run(
    (socket, rtcp): (
        tokio::net::UdpSocket,
        Option<(tokio::net::UdpSocket, SocketAddr)>,
    ),
    (mut encoder, mut decoder): (Encoder, Decoder),
    config: SessionConfig,
    mut devices: Devices,
    mut control: Control,
    mut on_event: OnEvent,
) -> Result<Stats, MediaError> {
    let mut out = Packetizer::new(config.payload_type);
    let mut stats = Stats::default();
    let mut tick = tokio::time::interval(Duration::from_millis(20));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let pacer = devices.pacer();
    let mut frame = [0i16; FRAME];
    let mut payload = Vec::with_capacity(FRAME);
    // The far end's sound decoded and not played yet (part of a packet longer than a frame).
    let mut decoded: Vec<i16> = Vec::with_capacity(4 * FRAME);
    let mut buf = vec![0u8; 2048];
    // What the next ticks send instead of sound: event packets, and gaps (None) between keys.
    let mut pending: VecDeque<Option<dtmf::EventPacket>> = VecDeque::new();
    let mut event_start = 0;
    let mut keys_in = dtmf::EventReceiver::default();
    let units = config.codec.frame_units();
    let mut jitter = JitterBuffer::<Vec<u8>>::new(config.codec.clock_rate());
    let started = tokio::time::Instant::now();
    // When RTP last came (or the call or its hold began), and whether silence was reported.
    let mut last_heard = started;
    let mut silent = false;
    // Ticks between quality reports, and the buffer's counters at the last one.
    let report_every = (config.quality_every.as_millis() / 20).max(1) as u64;
    let mut ticks = 0u64;
    let mut reported = JitterStats::default();
    let mut recording = Recording::default();
    let mut reporter = Reporter::new(out.ssrc(), format!("switchboard@{}", config.remote.ip()));
    let mut rtcp_tick = tokio::time::interval_at(started + RTCP_EVERY / 2, RTCP_EVERY);
    let mut rtcp_buf = vec![0u8; 1500];
    // Arrival times in the far end's timestamp units (the codec's clock), for the jitter of RTCP.
    let clock = u128::from(config.codec.clock_rate());
    let arrival_units = || (started.elapsed().as_micros() * clock / 1_000_000) as u64;
    let outcome = loop {
        tokio::select! {
            _ = &mut control.stopped => break Ok(()),
            _ = rtcp_tick.tick(), if rtcp.is_some() => {
                if let Some((s, to)) = &rtcp {
                    let report = reporter.report(ntp_now(), out.timestamp(), false);
                    // A lost report is only a report less.
                    let _ = s.send_to(&report, *to).await;
                }
            }
            received = rtcp_in(rtcp.as_ref(), &mut rtcp_buf) => {
                if let Ok(n) = received {
                    reporter.incoming(&rtcp_buf[..n], ntp_now());
                }
            }
            Some(command) = control.recording.recv() => {
                recording.command(command, &mut |e| on_event(SessionEvent::Recording(e)));
            }
            Some(key) = control.keys.recv() => {
                pending.extend(dtmf::packets(key, units).into_iter().flatten().map(Some));
                pending.extend(std::iter::repeat_n(None, KEY_GAP));
            }
            () = next_frame(pacer.as_ref(), &mut tick) => {
                let held = *control.hold.borrow();
                if held {
                    last_heard = tokio::time::Instant::now();
                    // Nothing goes out, nothing is played; the recording keeps time.
                    out.skip(units);
                    if let Err(e) = devices.play(None) {
                        break Err(e);
                    }
                    let quiet = [0; FRAME];
                    recording.frame(&quiet, &quiet, &mut |e| on_event(SessionEvent::Recording(e)));
                    continue;
                }
                if !silent && last_heard.elapsed() >= config.silence_timeout {
                    silent = true;
                    on_event(SessionEvent::Silent(last_heard.elapsed()));
                }
                // What the party said this tick: to the speaker, and to the conference. A
                // peer that sends packets of another length than ours (30 ms, 10 ms) is
                // played as it comes: packets are taken until a frame is full, and what is
                // left over opens the next one.
                while decoded.len() < FRAME {
                    match jitter.pop() {
                        Playout::Audio(payload) if payload.is_empty() => {
                            decoded.resize(decoded.len() + FRAME, 0);
                        }
                        Playout::Audio(payload) => decoder.decode(&payload, &mut decoded),
                        Playout::Lost(next) => decoded.extend(decoder.conceal(next.as_deref())),
                        Playout::Silence => decoded.resize(FRAME, 0),
                    }
                }
                let heard: Vec<i16> = decoded.drain(..FRAME).collect();
                if let Some(arrival) = jitter.played_arrival() {
                    stats.arrival_to_play.record(started.elapsed().saturating_sub(arrival));
                }
                ticks += 1;
                if ticks % report_every == 0 {
                    let now = jitter.stats();
                    let played = now.played - reported.played;
                    let lost = now.concealed - reported.concealed;
                    if played + lost > 0 {
                        let loss_percent = 100.0 * lost as f64 / (played + lost) as f64;
                        // One-way delay: the wait here and a packet's length.
                        let delay = stats.arrival_to_play.percentile(0.5) + Duration::from_millis(20);
                        let j = jitter.jitter();
                        let rtt = reporter.rtt;
                        // The network's share: half the round trip, once RTCP measured it.
                        let delay = delay + rtt.map_or(Duration::ZERO, |r| r / 2);
                        on_event(SessionEvent::Quality {
                            rtt,
                            far_loss_percent: reporter.far_loss_percent,
                            loss_percent,
                            jitter: j,
                            mos: mos(loss_percent, delay.as_secs_f64() * 1e3, j.as_secs_f64() * 1e3),
                        });
                    }
                    reported = now;
                }
                let captured = tokio::time::Instant::now();
                if let Err(e) = devices.play(Some(&heard)) {
                    break Err(e);
                }
                // What the agent said this tick (silence while a key is sent), for the
                // recording.
                let mut agent = [0i16; FRAME];
                let packet = match (pending.pop_front(), config.events) {
                    (Some(Some(event)), Some(pt)) => {
                        if event.marker {
                            event_start = out.timestamp();
                        }
                        let packet = out.other(pt, event.marker, event_start, &event.payload);
                        out.skip(units);
                        packet
                    }
                    (gap, _) => {
                        let muted = *control.mute.borrow();
                        // Always read, so the headset's frames do not wait.
                        devices.fill(&mut frame);
                        if gap.is_some() || muted {
                            frame.fill(0);
                        }
                        agent = frame;
                        // In a conference the party also hears the others.
                        if let Some((mixer, id)) = &config.mix {
                            let mic = frame;
                            mixer.exchange(id, &heard, &mic, &mut frame);
                        }
                        payload.clear();
                        encoder.encode(&frame, &mut payload);
                        out.packet(&payload, units)
                    }
                };
                // A lost datagram is lost audio, not an error of the call.
                if socket.send_to(&packet, config.remote).await.is_ok() {
                    reporter.sent(packet.len().saturating_sub(12));
                    stats.sent += 1;
                    stats.capture_to_send.record(captured.elapsed());
                }
                recording.frame(&agent, &heard, &mut |e| on_event(SessionEvent::Recording(e)));
            }
            received = socket.recv_from(&mut buf) => {
                let Ok((len, _)) = received else { continue };
                let Some(packet) = parse(&buf[..len]) else { continue };
                last_heard = tokio::time::Instant::now();
                if silent {
                    silent = false;
                    on_event(SessionEvent::Back);
                }
                let pt = Some(packet.payload_type);
                let event = pt == config.events || pt == config.receive.1;
                if !event && pt != Some(config.payload_type) && pt != Some(config.receive.0) {
                    continue;
                }
                // Events and sound share the stream's sequence numbers: both count as
                // received for the reports.
                reporter.received(packet.ssrc, packet.sequence, packet.timestamp, arrival_units());
                if event {
                    if let Some(key) = keys_in.receive(packet.timestamp, packet.payload) {
                        on_event(SessionEvent::Key(key));
                    }
                    // The event took the place of a frame of sound: silence, not a loss.
                    jitter.fill(packet.sequence, Vec::new(), started.elapsed());
                    continue;
                }
                stats.received += 1;
                jitter.push(packet.sequence, packet.timestamp, packet.payload.to_vec(), started.elapsed());
            }
        }
    };
    recording.stop(&mut |e| on_event(SessionEvent::Recording(e)));
    // RFC 3550 §6.3.7: a BYE tells the far end the stream is over.
    if let Some((s, to)) = &rtcp {
        let _ = s
            .send_to(&reporter.report(ntp_now(), out.timestamp(), true), *to)
            .await;
    }
    devices.finish()?;
    outcome.map(|()| stats)
}
