//! The agent's headset: one microphone, one speaker and a ringer shared by every call. A
//! thread of its own runs every 20 ms: it cuts what the microphone recorded into 16 kHz frames
//! for each call's port, mixes what the calls' ports hand back (with the phone's tones) for
//! the speaker, and plays the ringtone on the ringer while a call rings. Device rates are
//! converted with rubato.
//!
//! The headset's tick paces the calls: each port is told when its microphone frame is there,
//! the call sends it and hands back what it heard, and the speaker's mix is made a few
//! milliseconds later, once the calls had that time to answer. A call that followed a clock of
//! its own would make each frame wait for it, half a frame on average, each way.
//!
//! A device that stops (unplugged, its sound server module gone) is noticed when its
//! callback stops moving for a second: the role falls back to the system's default device
//! with an event, and goes back to the chosen device when it is offered again.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

mod slot;

use slot::{capture, play, Backlog, Slot};

use crate::device::{host, open_input, open_output, Input, Output};
use crate::mixer::limit;
use crate::tones::{Tone, ToneGenerator, TonePlan};
use crate::voice::VoiceProcessing;
use crate::wav::WavSource;
use crate::{MediaError, FRAME};

/// Which device plays each role, by name or id (none: the system's default).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DeviceChoice {
    /// The microphone.
    pub microphone: Option<String>,
    /// Where calls are heard.
    pub speaker: Option<String>,
    /// Where incoming calls ring (the speaker's device without a name of its own).
    pub ringer: Option<String>,
}

/// What the headset needs.
#[derive(Clone, Debug)]
pub struct HeadsetConfig {
    /// The devices.
    pub devices: DeviceChoice,
    /// Whose network tones to play.
    pub plan: TonePlan,
    /// The ringtone, a WAV file looped while a call rings (a ring of the plan's tone without
    /// one).
    pub ringtone: Option<PathBuf>,
    /// Take the speaker's echo out of the microphone.
    pub echo_cancellation: bool,
    /// Take the background noise out of the microphone.
    pub noise_suppression: bool,
}

impl Default for HeadsetConfig {
    /// The system's devices, French tones, a ring of the tone, echo cancellation and noise
    /// suppression on.
    fn default() -> Self {
        Self {
            devices: DeviceChoice::default(),
            plan: TonePlan::default(),
            ringtone: None,
            echo_cancellation: true,
            noise_suppression: true,
        }
    }
}

/// A role a device plays.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// The microphone.
    Microphone,
    /// The speaker.
    Speaker,
    /// The ringer.
    Ringer,
}

impl Role {
    /// Its name in events.
    pub fn name(self) -> &'static str {
        match self {
            Self::Microphone => "microphone",
            Self::Speaker => "speaker",
            Self::Ringer => "ringer",
        }
    }
}

/// What happens to the devices.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DeviceEvent {
    /// The role plays on this device now (at start, after a fallback, or back on the chosen
    /// one).
    Using {
        /// The role.
        role: Role,
        /// The device's name.
        device: String,
        /// Its id.
        id: String,
        /// Whether this is not the device chosen for the role (it is missing or failed).
        fallback: bool,
    },
    /// The role has no device at all for now (it is tried again every two seconds).
    Lost {
        /// The role.
        role: Role,
        /// Why.
        reason: String,
    },
}

/// Called with each [`DeviceEvent`], from the headset's thread.
pub type OnDeviceEvent = Box<dyn FnMut(DeviceEvent) + Send>;

/// A call's connection to the headset: the microphone's frames in, the call's sound out.
#[derive(Debug)]
pub struct HeadsetPort {
    mic: rtrb::Consumer<i16>,
    speaker: rtrb::Producer<i16>,
    backlog: Backlog,
    tick: Arc<tokio::sync::Notify>,
}

/// How long a call waits for the headset's tick before it goes on by itself (the headset's
/// thread is late or gone).
const TICK_LATE: Duration = Duration::from_millis(30);

/// The headset's tick, as a call waits for it.
#[derive(Clone, Debug)]
pub struct Pacer(Arc<tokio::sync::Notify>);

impl Pacer {
    /// Waits until the headset's next microphone frame is there (at most a little over a
    /// frame: a call never stops because the headset is late).
    pub async fn next_frame(&self) {
        let _ = tokio::time::timeout(TICK_LATE, self.0.notified()).await;
    }
}

impl HeadsetPort {
    /// What paces the call on the headset's tick.
    pub fn pacer(&self) -> Pacer {
        Pacer(Arc::clone(&self.tick))
    }

    /// The microphone's latest frame (silence when it has none yet). Frames that waited are
    /// dropped so the call's delay stays one frame.
    pub fn fill(&mut self, frame: &mut [i16; FRAME]) {
        while self.mic.slots() >= 2 * FRAME {
            if let Ok(chunk) = self.mic.read_chunk(FRAME) {
                chunk.commit_all();
            }
        }
        // What always waits after this frame is delay: cut.
        let left = self.mic.slots().saturating_sub(FRAME);
        let cut = self.backlog.observe(left, FRAME / 4);
        if cut > 0 {
            if let Ok(chunk) = self.mic.read_chunk(cut) {
                chunk.commit_all();
            }
        }
        match self.mic.read_chunk(FRAME) {
            Ok(chunk) => {
                let (a, b) = chunk.as_slices();
                frame[..a.len()].copy_from_slice(a);
                frame[a.len()..].copy_from_slice(b);
                chunk.commit_all();
            }
            Err(_) => frame.fill(0),
        }
    }

    /// Hands the call's frame ([`FRAME`] samples) to the speaker (dropped when the speaker
    /// is behind).
    pub fn play(&mut self, frame: &[i16]) {
        if let Ok(chunk) = self.speaker.write_chunk_uninit(FRAME) {
            chunk.fill_from_iter(frame.iter().copied());
        }
    }
}

/// The headset thread's ends of a port.
struct PortEnds {
    mic: rtrb::Producer<i16>,
    speaker: rtrb::Consumer<i16>,
    backlog: Backlog,
    tick: Arc<tokio::sync::Notify>,
}

/// How long after the microphone's frame went to the calls the speaker's mix is made: the
/// time the calls have to hand back what they heard in this tick.
const ANSWER_TIME: Duration = Duration::from_millis(3);

/// What the phone and the headset thread share.
#[derive(Default)]
struct Shared {
    stop: AtomicBool,
    ports: Mutex<Vec<PortEnds>>,
    /// The tone on the speaker, and for how many more frames (none: until changed).
    tone: Mutex<Option<(ToneGenerator, Option<u32>)>>,
    /// Key feedback, over the tone and the calls.
    key: Mutex<Option<ToneGenerator>>,
    ringing: AtomicBool,
    /// The microphone's last frame's peak (0 to 32767), for a level meter.
    level: AtomicU32,
    /// New devices and voice processing, taken by the thread at its next tick.
    change: Mutex<Option<Change>>,
    /// Whose network tones to play (the dial plan's country; it may change while running).
    plan: Mutex<TonePlan>,
}

impl Shared {
    fn plan(&self) -> TonePlan {
        *self.plan.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// What [`Headset::reconfigure`] hands the headset's thread.
struct Change {
    devices: DeviceChoice,
    echo_cancellation: bool,
    noise_suppression: bool,
    ringtone: Option<WavSource>,
}

/// The agent's headset, running until dropped.
pub struct Headset {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for Headset {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Headset")
            .field("plan", &self.shared.plan())
            .finish()
    }
}

impl Headset {
    /// Opens the devices and starts the headset's thread. A device that cannot be opened is
    /// an event, not an error: calls go on without it, and it is tried again.
    pub fn start(config: HeadsetConfig, on_event: OnDeviceEvent) -> Result<Self, MediaError> {
        let ringtone = config
            .ringtone
            .as_deref()
            .map(WavSource::open)
            .transpose()?;
        let shared = Arc::new(Shared {
            plan: Mutex::new(config.plan),
            ..Shared::default()
        });
        let inner = Arc::clone(&shared);
        let thread = std::thread::Builder::new()
            .name("headset".into())
            .spawn(move || run(&inner, &config, ringtone, on_event))
            .map_err(|e| MediaError::Device(format!("headset thread: {e}")))?;
        Ok(Self {
            shared,
            thread: Some(thread),
        })
    }

    /// A new call's port.
    pub fn port(&self) -> HeadsetPort {
        let (mic_in, mic) = rtrb::RingBuffer::new(FRAME * 8);
        let (speaker, speaker_out) = rtrb::RingBuffer::new(FRAME * 8);
        let tick = Arc::new(tokio::sync::Notify::new());
        self.shared
            .ports
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(PortEnds {
                mic: mic_in,
                speaker: speaker_out,
                backlog: Backlog::default(),
                tick: Arc::clone(&tick),
            });
        HeadsetPort {
            mic,
            speaker,
            backlog: Backlog::default(),
            tick,
        }
    }

    /// Plays `tone` on the speaker (for `duration`, or until changed), or stops the tone.
    pub fn set_tone(&self, tone: Option<Tone>, duration: Option<Duration>) {
        let frames = duration.map(|d| u32::try_from(d.as_millis() / 20).unwrap_or(u32::MAX));
        *self
            .shared
            .tone
            .lock()
            .unwrap_or_else(PoisonError::into_inner) =
            tone.map(|t| (ToneGenerator::new(self.shared.plan(), t), frames));
    }

    /// Sounds the key the agent pressed, briefly, on the speaker.
    pub fn key_feedback(&self, key: char) {
        *self
            .shared
            .key
            .lock()
            .unwrap_or_else(PoisonError::into_inner) =
            Some(ToneGenerator::new(self.shared.plan(), Tone::Key(key)));
    }

    /// Plays another country's network tones from now on (the dial plan changed).
    pub fn set_plan(&self, plan: TonePlan) {
        *self
            .shared
            .plan
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = plan;
    }

    /// Rings (`true`) or stops ringing the ringer.
    pub fn set_ringing(&self, ringing: bool) {
        self.shared.ringing.store(ringing, Ordering::Relaxed);
    }

    /// Moves to other devices, voice processing or ringtone while calls go on (their ports
    /// stay; the tone plan is [`Headset::set_plan`]'s). A ringtone file that cannot be read is refused here, and
    /// nothing changes.
    pub fn reconfigure(&self, config: &HeadsetConfig) -> Result<(), MediaError> {
        let ringtone = config
            .ringtone
            .as_deref()
            .map(WavSource::open)
            .transpose()?;
        *self
            .shared
            .change
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(Change {
            devices: config.devices.clone(),
            echo_cancellation: config.echo_cancellation,
            noise_suppression: config.noise_suppression,
            ringtone,
        });
        Ok(())
    }

    /// The microphone's level lately, 0 (silence) to 32767 (full scale).
    pub fn mic_level(&self) -> u16 {
        u16::try_from(self.shared.level.load(Ordering::Relaxed)).unwrap_or(u16::MAX)
    }
}

impl Drop for Headset {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn run(
    shared: &Shared,
    config: &HeadsetConfig,
    mut ringtone: Option<WavSource>,
    mut on_event: OnDeviceEvent,
) {
    let slots = |devices: &DeviceChoice| {
        (
            Slot::<Input>::new(Role::Microphone, devices.microphone.clone()),
            Slot::<Output>::new(Role::Speaker, devices.speaker.clone()),
            Slot::<Output>::new(
                Role::Ringer,
                devices.ringer.clone().or_else(|| devices.speaker.clone()),
            ),
        )
    };
    let (mut mic, mut speaker, mut ringer) = slots(&config.devices);
    // Without a ringtone file the ring is the network's ringback, louder for the room.
    let mut ring = ToneGenerator::new(shared.plan(), Tone::Ringback);
    let mut was_ringing = false;
    let lister = host();
    let mut voice = VoiceProcessing::new(config.echo_cancellation, config.noise_suppression);
    let mut next = Instant::now();
    let mut tick: u64 = 0;
    while !shared.stop.load(Ordering::Relaxed) {
        tick += 1;
        let change = shared
            .change
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(change) = change {
            // The old devices close; the new ones open in this same tick.
            for slot in [&mut speaker, &mut ringer] {
                slot.close();
            }
            mic.close();
            (mic, speaker, ringer) = slots(&change.devices);
            voice = VoiceProcessing::new(change.echo_cancellation, change.noise_suppression);
            ringtone = change.ringtone;
        }
        mic.keep(tick, &lister, open_input, &mut on_event);
        speaker.keep(tick, &lister, open_output, &mut on_event);
        let ringing = shared.ringing.load(Ordering::Relaxed);
        if ringing || ringer.open.is_some() {
            ringer.keep(tick, &lister, open_output, &mut on_event);
        }

        let mut frame = [0i16; FRAME];
        let captured = capture(&mut mic, &mut frame);
        if captured {
            voice.capture(&mut frame);
            // A meter's needle: up at once, down by a tenth each frame.
            let peak = u32::from(frame.iter().map(|s| s.unsigned_abs()).max().unwrap_or(0));
            let shown = shared.level.load(Ordering::Relaxed);
            shared
                .level
                .store(peak.max(shown - shown / 10), Ordering::Relaxed);
        }
        {
            let mut ports = shared.ports.lock().unwrap_or_else(PoisonError::into_inner);
            // A call that ended dropped its port.
            ports.retain(|p| !p.speaker.is_abandoned());
            for port in ports.iter_mut() {
                if captured {
                    if let Ok(chunk) = port.mic.write_chunk_uninit(FRAME) {
                        chunk.fill_from_iter(frame.iter().copied());
                    }
                }
                // The call's turn (also without a microphone: its clock is this tick).
                port.tick.notify_one();
            }
        }
        sleep_until(next + ANSWER_TIME);
        let mut mix = [0i32; FRAME];
        {
            let mut ports = shared.ports.lock().unwrap_or_else(PoisonError::into_inner);
            for port in ports.iter_mut() {
                while port.speaker.slots() > 2 * FRAME {
                    if let Ok(chunk) = port.speaker.read_chunk(FRAME) {
                        chunk.commit_all();
                    }
                }
                let left = port.speaker.slots().saturating_sub(FRAME);
                let cut = port.backlog.observe(left, FRAME / 4);
                if cut > 0 {
                    if let Ok(chunk) = port.speaker.read_chunk(cut) {
                        chunk.commit_all();
                    }
                }
                if let Ok(chunk) = port.speaker.read_chunk(FRAME) {
                    let (a, b) = chunk.as_slices();
                    for (m, &s) in mix.iter_mut().zip(a.iter().chain(b)) {
                        *m += i32::from(s);
                    }
                    chunk.commit_all();
                }
            }
        }
        let mut heard = [0i16; FRAME];
        for (h, &m) in heard.iter_mut().zip(&mix) {
            *h = limit(m);
        }
        {
            let mut tone = shared.tone.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some((generator, left)) = tone.as_mut() {
                generator.add_to(&mut heard);
                if let Some(left) = left {
                    *left = left.saturating_sub(1);
                }
            }
            if matches!(tone.as_ref(), Some((_, Some(0)))) {
                *tone = None;
            }
            let mut key = shared.key.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some(generator) = key.as_mut() {
                generator.add_to(&mut heard);
                if generator.finished() {
                    *key = None;
                }
            }
        }
        voice.render(&heard);
        play(&mut speaker, &heard);

        if ringing {
            if !was_ringing {
                ring = ToneGenerator::new(shared.plan(), Tone::Ringback);
            }
            let mut bell = [0i16; FRAME];
            match ringtone.as_mut() {
                Some(file) => file.fill(&mut bell),
                None => ring.add_to(&mut bell),
            }
            play(&mut ringer, &bell);
        } else if was_ringing {
            // The ringer's device is closed between rings, and opened at once for the next.
            ringer.close();
            ringer.next_try = 0;
        }
        was_ringing = ringing;

        next += Duration::from_millis(20);
        let now = Instant::now();
        if now > next + Duration::from_millis(100) {
            // Far behind (the machine was suspended): start the clock again.
            next = now;
        }
        sleep_until(next);
    }
    mic.close();
    speaker.close();
    ringer.close();
}

fn sleep_until(at: Instant) {
    let now = Instant::now();
    if at > now {
        std::thread::sleep(at - now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// On a virtual clock: a call waits for the headset's tick, and goes on by itself when
    /// the tick does not come.
    #[tokio::test(start_paused = true)]
    async fn a_call_follows_the_headsets_tick_and_never_stalls_on_it() {
        let pacer = Pacer(Arc::new(tokio::sync::Notify::new()));
        let start = tokio::time::Instant::now();
        // The tick came before the call waited for it: no wait at all.
        pacer.0.notify_one();
        pacer.next_frame().await;
        assert_eq!(start.elapsed(), Duration::ZERO);
        // A tick 7 ms later: the call goes on then.
        let ticker = pacer.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(7)).await;
            ticker.0.notify_one();
        });
        pacer.next_frame().await;
        assert_eq!(start.elapsed(), Duration::from_millis(7));
        // No tick (the headset is late or gone): the call's own 30 ms.
        pacer.next_frame().await;
        assert_eq!(start.elapsed(), Duration::from_millis(7) + TICK_LATE);
    }
}
