//! A headless Switchboard agent (`switchboard-cli agent`) as a test's peer: JSON commands in,
//! JSON events out, stopped with its process when dropped.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::Duration;

use serde_json::Value;

/// How long an awaited event may take.
pub const WAIT: Duration = Duration::from_secs(20);

/// A running agent.
#[derive(Debug)]
pub struct Agent {
    /// Its own database (the screen pop looks callers up there).
    _db: tempfile::TempDir,
    child: Child,
    stdin: ChildStdin,
    lines: Receiver<Value>,
}

impl Agent {
    /// Starts `binary` (the CLI) as an agent with `args` after `agent`.
    pub fn start(binary: &Path, args: &[&str]) -> Self {
        let db = tempfile::tempdir().expect("tempdir");
        let mut child = Command::new(binary)
            .arg("--db")
            .arg(db.path().join("agent.db"))
            .arg("agent")
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("start the agent");
        let stdin = child.stdin.take().expect("stdin");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, lines) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let value = serde_json::from_str(&line)
                    .unwrap_or_else(|e| panic!("not JSON: {line:?}: {e}"));
                if tx.send(value).is_err() {
                    return;
                }
            }
        });
        Self {
            _db: db,
            child,
            stdin,
            lines,
        }
    }

    /// The CLI of this workspace as an agent registered as `user` at `registrar` (a
    /// `sip:host:port`), on a free loopback port; returns once it is registered.
    pub fn registered(registrar: &str, user: &str, password: &str) -> Self {
        let agent = Self::start(
            &crate::workspace_binary("switchboard-cli"),
            &[
                "--registrar",
                registrar,
                "--user",
                user,
                "--password",
                password,
                "--bind",
                "127.0.0.1:0",
            ],
        );
        agent.wait("registered");
        agent
    }

    /// Sends one command line.
    pub fn send(&mut self, line: &str) {
        writeln!(self.stdin, "{line}").expect("write a command");
    }

    /// The next event named `name` (others are skipped), within [`WAIT`].
    pub fn wait(&self, name: &str) -> Value {
        let mut skipped = Vec::new();
        loop {
            let e = self
                .lines
                .recv_timeout(WAIT)
                .unwrap_or_else(|_| panic!("no {name} event; saw {skipped:?}"));
            if e["event"] == name {
                return e;
            }
            skipped.push(e);
        }
    }

    /// The states of `line` from its next "line" events, up to and including `last`.
    pub fn states_until(&self, line: &str, last: &str) -> Vec<String> {
        let mut states = Vec::new();
        loop {
            let e = self.wait("line");
            if e["line"] != line {
                continue;
            }
            let state = e["state"].as_str().unwrap_or_default().to_owned();
            let done = state == last;
            states.push(state);
            if done {
                return states;
            }
        }
    }

    /// Waits for the agent to exit.
    pub fn exit_status(&mut self) -> ExitStatus {
        self.child.wait().expect("exit")
    }
}

impl Drop for Agent {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
