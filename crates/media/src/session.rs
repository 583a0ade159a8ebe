//! One call's RTP session: every 20 ms a frame from the microphone (a WAV file, or silence)
//! is encoded and sent to the far end; what arrives is decoded and written to the speaker (a
//! WAV file). Symmetric RTP: we send from the port we offered.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::rtp::{parse, Packetizer};
use crate::wav::{WavSink, WavSource};
use crate::{Codec, MediaError, FRAME};

/// What a call's media needs.
#[derive(Clone, Debug)]
pub struct SessionConfig {
    /// Where the far end receives RTP.
    pub remote: SocketAddr,
    /// The codec agreed in SDP.
    pub codec: Codec,
    /// Its payload type in this call.
    pub payload_type: u8,
    /// A WAV file played as the microphone (silence without one).
    pub mic: Option<PathBuf>,
    /// A WAV file recording what the far end sends.
    pub speaker: Option<PathBuf>,
}

/// How much went each way.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// RTP packets sent.
    pub sent: u64,
    /// RTP packets of the call's codec received.
    pub received: u64,
}

/// A running session; [`MediaSession::stop`] ends it and completes the recording.
#[derive(Debug)]
pub struct MediaSession {
    stop: oneshot::Sender<()>,
    task: JoinHandle<Result<Stats, MediaError>>,
}

impl MediaSession {
    /// Starts sending and receiving on `socket` (the port offered in SDP).
    pub fn start(socket: std::net::UdpSocket, config: SessionConfig) -> Result<Self, MediaError> {
        let socket_error = |e: std::io::Error| MediaError::Socket(e.to_string());
        socket.set_nonblocking(true).map_err(socket_error)?;
        let socket = tokio::net::UdpSocket::from_std(socket).map_err(socket_error)?;
        let mic = config.mic.as_deref().map(WavSource::open).transpose()?;
        let speaker = config.speaker.as_deref().map(WavSink::create).transpose()?;
        let (stop, stopped) = oneshot::channel();
        let task = tokio::spawn(run(socket, config, mic, speaker, stopped));
        Ok(Self { stop, task })
    }

    /// Stops the session and completes the speaker's file.
    pub async fn stop(self) -> Result<Stats, MediaError> {
        let _ = self.stop.send(());
        self.task
            .await
            .map_err(|e| MediaError::Socket(format!("media task: {e}")))?
    }
}

async fn run(
    socket: tokio::net::UdpSocket,
    config: SessionConfig,
    mut mic: Option<WavSource>,
    mut speaker: Option<WavSink>,
    mut stopped: oneshot::Receiver<()>,
) -> Result<Stats, MediaError> {
    let mut out = Packetizer::new(config.payload_type);
    let mut stats = Stats::default();
    let mut tick = tokio::time::interval(Duration::from_millis(20));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut frame = [0i16; FRAME];
    let mut payload = Vec::with_capacity(FRAME);
    let mut decoded = Vec::with_capacity(FRAME);
    let mut buf = vec![0u8; 2048];
    let outcome = loop {
        tokio::select! {
            _ = &mut stopped => break Ok(()),
            _ = tick.tick() => {
                match mic.as_mut() {
                    Some(source) => source.fill(&mut frame),
                    None => frame.fill(0),
                }
                payload.clear();
                config.codec.encode(&frame, &mut payload);
                let packet = out.packet(&payload, FRAME as u32);
                // A lost datagram is lost audio, not an error of the call.
                if socket.send_to(&packet, config.remote).await.is_ok() {
                    stats.sent += 1;
                }
            }
            received = socket.recv_from(&mut buf) => {
                let Ok((len, _)) = received else { continue };
                let Some(packet) = parse(&buf[..len]) else { continue };
                if packet.payload_type != config.payload_type {
                    continue;
                }
                stats.received += 1;
                if let Some(sink) = speaker.as_mut() {
                    decoded.clear();
                    config.codec.decode(packet.payload, &mut decoded);
                    if let Err(e) = sink.write(&decoded) {
                        break Err(e);
                    }
                }
            }
        }
    };
    if let Some(sink) = speaker {
        sink.finish()?;
    }
    outcome.map(|()| stats)
}
