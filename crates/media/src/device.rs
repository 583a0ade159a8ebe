//! The agent's real sound devices, through cpal (PulseAudio on Linux). A stream's callback
//! only copies samples between the device and a lock-free queue (rtrb): it never locks,
//! allocates nor blocks. Everything else (resampling, mixing, tones) happens on the headset's
//! own thread, which reads and fills those queues every 20 ms.
//!
//! Each stream opens its own connection to the sound server: with cpal 0.18's PulseAudio
//! backend, a recording and a playback stream sharing one connection stall the playback after
//! its first buffer.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use cpal::traits::{DeviceTrait, HostTrait, StreamTrait};
use rubato::audioadapter_buffers::direct::InterleavedSlice;
use rubato::{Fft, FixedSync, Resampler};

use crate::MediaError;

/// A sound device the system offers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceInfo {
    /// What the system calls it ("Built-in Audio Analog Stereo").
    pub name: String,
    /// Its stable identifier ("alsa_output.pci-0000_00_1b.0.analog-stereo").
    pub id: String,
    /// Whether it records (a microphone).
    pub input: bool,
    /// Whether it plays (a speaker, a headset, a ringer).
    pub output: bool,
}

/// Every sound device the system offers now.
pub fn devices() -> Result<Vec<DeviceInfo>, MediaError> {
    let host = cpal::default_host();
    let all = host.devices().map_err(|e| device_error("list", &e))?;
    Ok(all
        .map(|d| DeviceInfo {
            name: d
                .description()
                .map(|n| n.name().to_owned())
                .unwrap_or_default(),
            id: short_id(&d),
            input: d.supports_input(),
            output: d.supports_output(),
        })
        .collect())
}

/// The device's id without its host's prefix (`pulseaudio:`).
fn short_id(device: &cpal::Device) -> String {
    device.id().map_or_else(
        |_| String::new(),
        |id| {
            let id = id.to_string();
            match id.split_once(':') {
                Some((_, rest)) => rest.to_owned(),
                None => id,
            }
        },
    )
}

fn device_error(what: &str, error: &dyn std::fmt::Display) -> MediaError {
    MediaError::Device(format!("{what}: {error}"))
}

/// The device named `wanted` (by its name or its id), or the system's default without a name.
fn find(host: &cpal::Host, wanted: Option<&str>, input: bool) -> Option<cpal::Device> {
    let Some(wanted) = wanted else {
        return if input {
            host.default_input_device()
        } else {
            host.default_output_device()
        };
    };
    host.devices().ok()?.find(|d| {
        (if input {
            d.supports_input()
        } else {
            d.supports_output()
        }) && (short_id(d) == wanted
            || d.description().map(|n| n.name() == wanted).unwrap_or(false))
    })
}

/// Whether the device `wanted` is offered now, asked through `host` (a connection kept for
/// such questions, with no stream on it).
pub(crate) fn present(host: &cpal::Host, wanted: &str, input: bool) -> bool {
    find(host, Some(wanted), input).is_some()
}

/// A connection to the sound system for listing devices.
pub(crate) fn host() -> cpal::Host {
    cpal::default_host()
}

/// The stream's shape: the phone's own rate when the device takes it (a sound server
/// converts better and sooner than a second resampler here), otherwise its default rate if
/// the 20 ms frames divide it (a multiple of 50 Hz); the device's channels; 10 ms callbacks.
fn shape(device: &cpal::Device, input: bool) -> Result<cpal::StreamConfig, MediaError> {
    let default = if input {
        device.default_input_config()
    } else {
        device.default_output_config()
    }
    .map_err(|e| device_error("configuration", &e))?;
    let ranges: Vec<cpal::SupportedStreamConfigRange> = if input {
        device.supported_input_configs().map(Iterator::collect)
    } else {
        device.supported_output_configs().map(Iterator::collect)
    }
    .unwrap_or_default();
    let takes_ours = ranges.iter().any(|r| {
        r.channels() == default.channels()
            && r.sample_format() == cpal::SampleFormat::F32
            && (r.min_sample_rate()..=r.max_sample_rate()).contains(&crate::RATE)
    });
    let rate = match default.sample_rate() {
        _ if takes_ours => crate::RATE,
        r if r % 50 == 0 && r > 0 => r,
        _ => 48_000,
    };
    Ok(cpal::StreamConfig {
        channels: default.channels().max(1),
        sample_rate: rate,
        buffer_size: cpal::BufferSize::Fixed(rate / 100),
    })
}

/// What both directions share: the device, its shape, and how far its callback got.
pub(crate) struct Opened {
    /// The device's name, for events.
    pub name: String,
    /// Its id.
    pub id: String,
    /// Samples per second.
    pub rate: u32,
    /// Interleaved channels.
    pub channels: usize,
    /// Samples the callback moved so far: a device that stops moving has gone.
    pub progress: Arc<AtomicU64>,
    /// Keeps the stream (and its connection) open.
    _stream: cpal::Stream,
}

impl Opened {
    /// Starts `stream`, built on `device` with `config`, as the `role`'s.
    fn started(
        device: &cpal::Device,
        config: cpal::StreamConfig,
        progress: Arc<AtomicU64>,
        stream: cpal::Stream,
        role: &str,
    ) -> Result<Self, MediaError> {
        stream.play().map_err(|e| device_error(role, &e))?;
        Ok(Self {
            name: device
                .description()
                .map(|n| n.name().to_owned())
                .unwrap_or_default(),
            id: short_id(device),
            rate: config.sample_rate,
            channels: usize::from(config.channels),
            progress,
            _stream: stream,
        })
    }
}

/// An open microphone: what it records comes out of `queue`.
pub(crate) struct Input {
    pub opened: Opened,
    pub queue: rtrb::Consumer<f32>,
}

/// An open speaker: what goes into `queue` is played.
pub(crate) struct Output {
    pub opened: Opened,
    pub queue: rtrb::Producer<f32>,
}

/// Room for 200 ms of sound in either queue.
fn capacity(config: &cpal::StreamConfig) -> usize {
    config.sample_rate as usize / 5 * usize::from(config.channels)
}

/// Opens the microphone `wanted` (the default without a name).
pub(crate) fn open_input(wanted: Option<&str>) -> Result<Input, MediaError> {
    let host = cpal::default_host();
    let device = find(&host, wanted, true)
        .ok_or_else(|| MediaError::Device(format!("no microphone {}", wanted.unwrap_or(""))))?;
    let config = shape(&device, true)?;
    let (mut producer, queue) = rtrb::RingBuffer::<f32>::new(capacity(&config));
    let progress = Arc::new(AtomicU64::new(0));
    let moved = Arc::clone(&progress);
    let stream = device
        .build_input_stream::<f32, _, _>(
            config,
            move |data: &[f32], _: &cpal::InputCallbackInfo| {
                // Copy what fits; the rest is dropped (the headset thread is late).
                let n = data.len().min(producer.slots());
                if let Ok(chunk) = producer.write_chunk_uninit(n) {
                    chunk.fill_from_iter(data.iter().copied());
                }
                moved.fetch_add(data.len() as u64, Ordering::Relaxed);
            },
            |e| tracing::warn!("microphone: {e}"),
            Some(std::time::Duration::from_secs(2)),
        )
        .map_err(|e| device_error("microphone", &e))?;
    Ok(Input {
        opened: Opened::started(&device, config, progress, stream, "microphone")?,
        queue,
    })
}

/// Opens the speaker `wanted` (the default without a name).
pub(crate) fn open_output(wanted: Option<&str>) -> Result<Output, MediaError> {
    let host = cpal::default_host();
    let device = find(&host, wanted, false)
        .ok_or_else(|| MediaError::Device(format!("no speaker {}", wanted.unwrap_or(""))))?;
    let config = shape(&device, false)?;
    let (queue, mut consumer) = rtrb::RingBuffer::<f32>::new(capacity(&config));
    let progress = Arc::new(AtomicU64::new(0));
    let moved = Arc::clone(&progress);
    let stream = device
        .build_output_stream::<f32, _, _>(
            config,
            move |data: &mut [f32], _: &cpal::OutputCallbackInfo| {
                // What is queued is played; the buffer comes filled with silence for the rest.
                let n = data.len().min(consumer.slots());
                if let Ok(chunk) = consumer.read_chunk(n) {
                    let (first, second) = chunk.as_slices();
                    data[..first.len()].copy_from_slice(first);
                    data[first.len()..n].copy_from_slice(second);
                    chunk.commit_all();
                }
                moved.fetch_add(data.len() as u64, Ordering::Relaxed);
            },
            |e| tracing::warn!("speaker: {e}"),
            Some(std::time::Duration::from_secs(2)),
        )
        .map_err(|e| device_error("speaker", &e))?;
    Ok(Output {
        opened: Opened::started(&device, config, progress, stream, "speaker")?,
        queue,
    })
}

/// Converts 20 ms frames between a device's rate and the phone's (16 kHz).
pub(crate) struct Converter {
    resampler: Option<Fft<f32>>,
    /// A frame at the first rate.
    pub(crate) input: Vec<f32>,
    /// The frame at the second rate.
    pub(crate) output: Vec<f32>,
}

impl Converter {
    pub(crate) fn new(from: u32, to: u32) -> Self {
        let (inn, out) = (from as usize / 50, to as usize / 50);
        let resampler = (from != to)
            .then(|| Fft::<f32>::new(from as usize, to as usize, inn, 1, FixedSync::Both).ok())
            .flatten();
        Self {
            resampler,
            input: vec![0.0; inn],
            output: vec![0.0; out],
        }
    }

    /// Converts `self.input` into `self.output`.
    pub(crate) fn run(&mut self) {
        match self.resampler.as_mut() {
            None => self.output.copy_from_slice(&self.input),
            Some(r) => {
                let frames_in = self.input.len();
                let frames_out = self.output.len();
                let converted = InterleavedSlice::new(&self.input[..], 1, frames_in)
                    .ok()
                    .zip(InterleavedSlice::new_mut(&mut self.output[..], 1, frames_out).ok())
                    .map(|(i, mut o)| r.process_into_buffer(&i, &mut o, None));
                if !matches!(converted, Some(Ok(_))) {
                    self.output.fill(0.0);
                }
            }
        }
    }
}
