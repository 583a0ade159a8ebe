//! A PulseAudio sound server of the test's own, in user mode, with null sinks as the devices
//! (there is no sound card): what is played on a sink comes back on its monitor source, so a
//! test plays through the real device path and listens to what came out.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::{wait_until, Started};

/// A running sound server; stopped with the test.
#[derive(Debug)]
pub struct Pulse {
    dir: tempfile::TempDir,
    _started: Started,
    /// One server per process at a time: clients find it through the environment.
    _alone: std::sync::MutexGuard<'static, ()>,
}

static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

impl Pulse {
    /// Starts a server whose devices are null sinks named `sinks` (the first is the default
    /// speaker, and its monitor the default microphone), and points this process's sound
    /// clients at it.
    pub fn start(sinks: &[&str]) -> Self {
        let alone = ONE_AT_A_TIME
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let dir = tempfile::Builder::new()
            .prefix("switchboard-pulse")
            .tempdir()
            .expect("a directory for the sound server");
        let socket = dir.path().join("native");
        let mut started = Started::default();
        let mut command = Command::new("pulseaudio");
        command
            .env("XDG_RUNTIME_DIR", dir.path())
            .env("HOME", dir.path())
            .args([
                "--daemonize=no",
                "--exit-idle-time=-1",
                "--disallow-exit",
                "--log-target=stderr",
                "-n",
            ])
            .arg(format!(
                "--load=module-native-protocol-unix auth-anonymous=1 socket={}",
                socket.display()
            ))
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        for sink in sinks {
            command.arg(format!(
                "--load=module-null-sink sink_name={sink} rate=48000 channels=1"
            ));
        }
        started.spawn("pulseaudio (apt-get install pulseaudio)", &mut command);
        wait_until("the sound server's socket", Duration::from_secs(20), || {
            socket.exists()
        });
        let pulse = Self {
            dir,
            _started: started,
            _alone: alone,
        };
        if let Some(first) = sinks.first() {
            pulse.pactl(&["set-default-sink", first]);
            pulse.pactl(&["set-default-source", &format!("{first}.monitor")]);
        }
        // cpal's PulseAudio client finds the server by this variable.
        std::env::set_var("PULSE_SERVER", format!("unix:{}", socket.display()));
        pulse
    }

    /// The server's socket.
    pub fn socket(&self) -> PathBuf {
        self.dir.path().join("native")
    }

    /// Runs `pactl` against this server; panics when it fails. Returns what it printed.
    pub fn pactl(&self, args: &[&str]) -> String {
        let out = Command::new("pactl")
            .env("PULSE_SERVER", format!("unix:{}", self.socket().display()))
            .env("HOME", self.dir.path())
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("pactl (apt-get install pulseaudio-utils): {e}"));
        assert!(
            out.status.success(),
            "pactl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Adds a null sink `name`; returns its module's index (to remove it).
    pub fn add_sink(&self, name: &str) -> String {
        self.pactl(&[
            "load-module",
            "module-null-sink",
            &format!("sink_name={name}"),
            "rate=48000",
            "channels=1",
        ])
        .trim()
        .to_owned()
    }

    /// Removes the module `index` (a sink unplugged).
    pub fn remove(&self, index: &str) {
        self.pactl(&["unload-module", index]);
    }

    /// Records the source `source` (a sink's monitor: what is played on the sink) at 8 kHz
    /// mono, from now until the recorder is dropped.
    pub fn record(&self, source: &str) -> Recorder {
        let file = self.dir.path().join(format!("{source}.raw"));
        let out = std::fs::File::create(&file).expect("a file for the recording");
        let mut started = Started::default();
        started.spawn(
            "parec (apt-get install pulseaudio-utils)",
            Command::new("parec")
                .env("PULSE_SERVER", format!("unix:{}", self.socket().display()))
                .env("HOME", self.dir.path())
                .args([
                    "-d",
                    source,
                    "--raw",
                    "--rate=8000",
                    "--channels=1",
                    "--format=s16le",
                    "--latency-msec=20",
                ])
                .stdout(out)
                .stderr(Stdio::null()),
        );
        Recorder {
            file,
            _started: started,
        }
    }
}

/// A recording of a source in progress.
#[derive(Debug)]
pub struct Recorder {
    file: PathBuf,
    _started: Started,
}

impl Recorder {
    /// What was recorded so far, 8 kHz mono.
    pub fn samples(&self) -> Vec<i16> {
        std::fs::read(&self.file)
            .unwrap_or_default()
            .chunks_exact(2)
            .map(|b| i16::from_le_bytes([b[0], b[1]]))
            .collect()
    }
}
