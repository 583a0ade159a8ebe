//! The end-to-end harness: start real programs (Xvfb, tauri-driver, and later SIP peers) on
//! free loopback ports, wait until they answer, and stop them by process group when the
//! test ends, passed or failed.

pub mod agent;
pub mod audio;
pub mod baresip;
pub mod kamailio;
pub mod pulse;
pub mod sipp;

use std::collections::HashMap;
use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Programs started by a test; each is stopped with its whole process group on drop.
#[derive(Debug, Default)]
pub struct Started(Vec<Child>);

impl Started {
    /// Starts `command` in its own process group and keeps it for stopping.
    pub fn spawn(&mut self, what: &str, command: &mut Command) -> &mut Self {
        let child = command
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {what}: {e}"));
        self.0.push(child);
        self
    }
}

impl Started {
    /// The process id of the program started last.
    pub fn last_pid(&self) -> Option<u32> {
        self.0.last().map(Child::id)
    }

    /// Stops the program `pid` (and its group) now.
    pub fn stop(&mut self, pid: u32) {
        if let Some(i) = self.0.iter().position(|c| c.id() == pid) {
            // Dropping it stops it, exactly as at the end of a test.
            drop(Self(vec![self.0.remove(i)]));
        }
    }

    /// Waits until the last program started listens on TCP `port`: true, or false if it
    /// exits first.
    pub fn wait_for_port_or_exit(&mut self, port: u16, limit: Duration) -> bool {
        let start = Instant::now();
        loop {
            if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return true;
            }
            let exited = self
                .0
                .last_mut()
                .is_some_and(|c| matches!(c.try_wait(), Ok(Some(_))));
            if exited {
                self.0.pop();
                return false;
            }
            assert!(start.elapsed() < limit, "timed out waiting for port {port}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// How long a program may take to stop cleanly before it is killed.
const GRACE: Duration = Duration::from_secs(5);

impl Drop for Started {
    fn drop(&mut self) {
        for child in self.0.iter_mut().rev() {
            stop_group(child);
        }
    }
}

/// Stops `child` with its whole process group: what the program started itself goes with
/// it. A peer still in a call may wait for an answer to its BYE that nobody will send: it
/// gets a few seconds, then SIGKILL.
pub(crate) fn stop_group(child: &mut Child) {
    let group = format!("-{}", child.id());
    let _ = Command::new("kill").args(["--", &group]).status();
    let deadline = Instant::now() + GRACE;
    while matches!(child.try_wait(), Ok(None)) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    if matches!(child.try_wait(), Ok(None)) {
        let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
    }
    let _ = child.wait();
}

/// Each process's parent, from /proc.
fn parents() -> HashMap<u32, u32> {
    let mut map = HashMap::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        if let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) {
            // The fields after the command name, which is in parentheses.
            if let Some(rest) = stat.rsplit_once(')').map(|(_, r)| r) {
                if let Some(ppid) = rest.split_whitespace().nth(1).and_then(|p| p.parse().ok()) {
                    map.insert(pid, ppid);
                }
            }
        }
    }
    map
}

/// `root` and every process below it.
pub fn process_tree(root: u32) -> Vec<u32> {
    let parents = parents();
    let mut found = vec![root];
    let mut i = 0;
    while i < found.len() {
        let parent = found[i];
        found.extend(
            parents
                .iter()
                .filter(|(_, &p)| p == parent)
                .map(|(&c, _)| c),
        );
        i += 1;
    }
    found
}

/// The last `lines` lines of `text` (the end of a program's log, for a failure message).
pub fn last_lines(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// A TCP port nobody listens on, on 127.0.0.1.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// Waits until `condition` holds, checking every 50 ms; panics after `limit`.
pub fn wait_until(what: &str, limit: Duration, condition: impl FnMut() -> bool) {
    assert!(poll_until(limit, condition), "timed out waiting for {what}");
}

/// Whether `condition` holds within `limit` (looked at every 50 ms).
pub fn poll_until(limit: Duration, mut condition: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while !condition() {
        if start.elapsed() >= limit {
            return false;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    true
}

/// Waits until something listens on `127.0.0.1:port`.
pub fn wait_for_port(what: &str, port: u16, limit: Duration) {
    wait_until(what, limit, || {
        TcpStream::connect(("127.0.0.1", port)).is_ok()
    });
}

/// Starts a virtual X display and returns its name (`:93`).
pub fn xvfb(started: &mut Started) -> String {
    let n = (90..200)
        .find(|n| {
            !Path::new(&format!("/tmp/.X{n}-lock")).exists()
                && !Path::new(&format!("/tmp/.X11-unix/X{n}")).exists()
        })
        .expect("a free X display number");
    let display = format!(":{n}");
    started.spawn(
        "Xvfb (apt-get install xvfb)",
        Command::new("Xvfb")
            .args([&display, "-screen", "0", "1280x800x24", "-nolisten", "tcp"])
            .stdout(Stdio::null())
            .stderr(Stdio::null()),
    );
    wait_until("Xvfb", Duration::from_secs(20), || {
        Path::new(&format!("/tmp/.X11-unix/X{n}")).exists()
    });
    display
}

/// A tool installed by `cargo install` (in `~/.cargo/bin`, or on the PATH).
pub fn cargo_tool(name: &str) -> PathBuf {
    std::env::var_os("HOME")
        .map(|h| PathBuf::from(h).join(".cargo/bin").join(name))
        .filter(|p| p.exists())
        .unwrap_or_else(|| PathBuf::from(name))
}

/// A binary of this workspace, built next to the running test (`target/debug/NAME`).
pub fn workspace_binary(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("the test's own path");
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("target/<profile>/deps/<test>");
    let binary = profile_dir.join(name);
    assert!(
        binary.exists(),
        "{} is missing: build it first (`cargo test --workspace --no-run` does, as scripts/test)",
        binary.display()
    );
    binary
}

/// Starts a D-Bus session bus of the test's own on a socket in `dir` (the desktop's single
/// instance and notifications speak to it); returns its address.
pub fn session_bus(started: &mut Started, dir: &Path) -> String {
    let socket = dir.join("session-bus");
    let address = format!("unix:path={}", socket.display());
    started.spawn(
        "dbus-daemon (apt-get install dbus-daemon)",
        Command::new("dbus-daemon")
            .args(["--session", "--nofork", "--nopidfile"])
            .arg(format!("--address={address}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null()),
    );
    wait_until("dbus-daemon", Duration::from_secs(20), || socket.exists());
    address
}
