//! A role's device as the headset keeps it: open, watched (stalled, gone, back), its queue
//! kept short, and the frames that go through it.

use std::sync::atomic::Ordering;

use super::{DeviceEvent, OnDeviceEvent, Role};
use crate::device::{present, Converter, Input, Opened, Output};
use crate::{MediaError, FRAME, RATE};

/// A role's device: the one open now, and whether it is the chosen one.
pub(super) struct Slot<T> {
    role: Role,
    wanted: Option<String>,
    pub(super) open: Option<T>,
    fallback: bool,
    /// The callback's progress at the last look, and the ticks it has not moved since.
    seen: u64,
    still: u32,
    /// The tick of the next try when no device is open.
    pub(super) next_try: u64,
    convert: Option<Converter>,
    /// How much sound always waited in the device's queue lately.
    backlog: Backlog,
    /// Times in a row the chosen device was offered but would not open or stalled: the next
    /// try waits twice as long each time (2 s, 4 s ... about a minute), so a busy device
    /// does not interrupt the default's sound every two seconds.
    refusals: u32,
    /// The tick from which the chosen device may be tried again.
    back_after: u64,
}

/// The least sound waiting in a device queue over five seconds: what always waits is
/// delay the call does not need, and is cut (the clocks of the device, of this thread and of
/// the calls settle in phases that can leave a whole frame waiting for good).
#[derive(Debug, Default)]
pub(super) struct Backlog {
    least: Option<usize>,
    ticks: u32,
}

impl Backlog {
    /// Notes that `level` samples waited this tick; every five seconds, returns how many can
    /// go while keeping `margin` (for the ticks that come late). Cuts are rare and only of
    /// 5 ms or more: each one moves the echo's delay, which the echo canceller relearns.
    pub(super) fn observe(&mut self, level: usize, margin: usize) -> usize {
        self.least = Some(self.least.map_or(level, |l| l.min(level)));
        self.ticks += 1;
        if self.ticks < 250 {
            return 0;
        }
        let least = self.least.take().unwrap_or(0);
        self.ticks = 0;
        let cut = least.saturating_sub(margin);
        if cut >= margin {
            cut
        } else {
            0
        }
    }
}

/// Ticks without the callback moving before the device counts as gone (one second).
const STALLED: u32 = 50;
/// Ticks between two looks for a missing device (two seconds).
const RETRY: u64 = 100;

pub(super) trait Stream {
    fn opened(&self) -> &Opened;
}
impl Stream for Input {
    fn opened(&self) -> &Opened {
        &self.opened
    }
}
impl Stream for Output {
    fn opened(&self) -> &Opened {
        &self.opened
    }
}

impl<T: Stream + Send + 'static> Slot<T> {
    /// The chosen device refused (would not open, or stalled) while offered.
    fn refusal(&mut self, tick: u64) {
        self.refusals = (self.refusals + 1).min(5);
        self.back_after = tick + (RETRY << self.refusals);
    }

    /// Closes the device on a thread of its own: closing a stream whose device vanished can
    /// wait forever on the sound server, and the headset must go on.
    pub(super) fn close(&mut self) {
        if let Some(stream) = self.open.take() {
            let _ = std::thread::Builder::new()
                .name("device-close".into())
                .spawn(move || drop(stream));
        }
    }

    pub(super) fn new(role: Role, wanted: Option<String>) -> Self {
        Self {
            role,
            wanted,
            open: None,
            fallback: false,
            seen: 0,
            still: 0,
            next_try: 0,
            convert: None,
            backlog: Backlog::default(),
            refusals: 0,
            back_after: 0,
        }
    }

    /// Keeps the slot's device running: opens one when there is none (every two seconds),
    /// notices one that stalled or vanished (a sound server may move the stream to another
    /// device by itself), and goes back to the chosen device when it returns.
    pub(super) fn keep(
        &mut self,
        tick: u64,
        lister: &cpal::Host,
        open: impl Fn(Option<&str>) -> Result<T, MediaError>,
        on_event: &mut OnDeviceEvent,
    ) {
        let input = self.role == Role::Microphone;
        if let Some(stream) = &self.open {
            let progress = stream.opened().progress.load(Ordering::Relaxed);
            self.still = if progress == self.seen {
                self.still + 1
            } else {
                0
            };
            self.seen = progress;
            // Every two seconds: is the chosen device there (back, or gone)?
            let changed = tick % RETRY == 0
                && self.wanted.as_deref().is_some_and(|w| {
                    let there = present(lister, w, input);
                    if !there {
                        // Gone: when it comes back, it is tried at once.
                        self.refusals = 0;
                        self.back_after = 0;
                    }
                    there == self.fallback && (!there || tick >= self.back_after)
                });
            let stalled = self.still >= STALLED;
            if !stalled && !changed {
                return;
            }
            if stalled && !self.fallback && self.wanted.is_some() {
                // The chosen device stopped while still offered: the default for a while.
                self.refusal(tick);
            }
            self.close();
        } else if tick < self.next_try {
            return;
        }
        self.next_try = tick + RETRY;
        // The chosen device first (unless it refused lately), then the default.
        let mut tried = Vec::new();
        let mut result = if tick >= self.back_after {
            open(self.wanted.as_deref()).map(|s| (s, false))
        } else {
            Err(MediaError::Device(
                "the chosen device refused lately".into(),
            ))
        };
        if let Err(e) = &result {
            tried.push(e.to_string());
            if self.wanted.is_some() {
                if tick >= self.back_after
                    && self
                        .wanted
                        .as_deref()
                        .is_some_and(|w| present(lister, w, input))
                {
                    self.refusal(tick);
                }
                result = open(None).map(|s| (s, true));
            }
        } else {
            self.refusals = 0;
        }
        match result {
            Ok((stream, fallback)) => {
                let opened = stream.opened();
                self.convert = Some(if input {
                    Converter::new(opened.rate, RATE)
                } else {
                    Converter::new(RATE, opened.rate)
                });
                on_event(DeviceEvent::Using {
                    role: self.role,
                    device: opened.name.clone(),
                    id: opened.id.clone(),
                    fallback,
                });
                self.seen = opened.progress.load(Ordering::Relaxed);
                self.still = 0;
                self.fallback = fallback;
                self.open = Some(stream);
            }
            Err(e) => {
                tried.push(e.to_string());
                tried.dedup();
                on_event(DeviceEvent::Lost {
                    role: self.role,
                    reason: tried.join("; "),
                });
            }
        }
    }
}

/// Reads one frame of the microphone, if a whole one was recorded.
pub(super) fn capture(slot: &mut Slot<Input>, frame: &mut [i16; FRAME]) -> bool {
    let (Some(input), Some(convert)) = (slot.open.as_mut(), slot.convert.as_mut()) else {
        return false;
    };
    let channels = input.opened.channels;
    let need = convert.input.len() * channels;
    // More than one frame waiting: the oldest are dropped, to keep the delay short; and
    // what always stays after a frame is read goes too.
    while input.queue.slots() >= 2 * need {
        if let Ok(chunk) = input.queue.read_chunk(need) {
            chunk.commit_all();
        }
    }
    let left = input.queue.slots().saturating_sub(need);
    let cut = slot.backlog.observe(left, need / 4) / channels * channels;
    if cut > 0 {
        if let Ok(chunk) = input.queue.read_chunk(cut) {
            chunk.commit_all();
        }
    }
    let Ok(chunk) = input.queue.read_chunk(need) else {
        return false;
    };
    let (a, b) = chunk.as_slices();
    for (i, slot) in convert.input.iter_mut().enumerate() {
        let at = i * channels;
        let sum: f32 = (at..at + channels)
            .map(|k| if k < a.len() { a[k] } else { b[k - a.len()] })
            .sum();
        *slot = sum / channels as f32;
    }
    chunk.commit_all();
    convert.run();
    for (o, &s) in frame.iter_mut().zip(&convert.output) {
        *o = (s * 32768.0).clamp(-32768.0, 32767.0) as i16;
    }
    true
}

/// Plays one frame on a speaker, keeping its queue under two frames.
pub(super) fn play(slot: &mut Slot<Output>, frame: &[i16; FRAME]) {
    let (Some(output), Some(convert)) = (slot.open.as_mut(), slot.convert.as_mut()) else {
        return;
    };
    let channels = output.opened.channels;
    let per_frame = convert.output.len() * channels;
    let queued = output.queue.buffer().capacity() - output.queue.slots();
    if queued >= 2 * per_frame {
        // The device runs slower than our clock: a frame is skipped.
        return;
    }
    for (i, &s) in convert.input.iter_mut().zip(frame.iter()) {
        *i = f32::from(s) / 32768.0;
    }
    convert.run();
    // What always waited lately is cut from the start of this frame.
    let cut = (slot.backlog.observe(queued, per_frame / 4) / channels).min(convert.output.len());
    let kept = &convert.output[cut..];
    // Run dry: a frame of silence first, so the next tick's lateness is absorbed.
    let frames = if queued == 0 { 2 } else { 1 };
    for round in 0..frames {
        let Ok(chunk) = output.queue.write_chunk_uninit(kept.len() * channels) else {
            return;
        };
        let silent = frames == 2 && round == 0;
        chunk.fill_from_iter(
            kept.iter()
                .flat_map(|&s| std::iter::repeat_n(if silent { 0.0 } else { s }, channels)),
        );
    }
}
