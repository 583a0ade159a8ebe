//! SIPp (Debian's `sip-tester`) running one scenario on a free loopback port, for the exact
//! message sequences and malformed messages a real user agent will not produce. The scenario
//! decides success: SIPp exits 0 when every call went as written, and the failure report
//! quotes its error log.

use std::net::UdpSocket;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::{stop_group, wait_until};

/// A running SIPp; stopped with its process group when dropped.
#[derive(Debug)]
pub struct Sipp {
    /// Where it listens: `127.0.0.1:PORT` (UDP).
    pub addr: String,
    name: String,
    dir: PathBuf,
    child: Option<Child>,
}

/// A UDP port free on 127.0.0.1.
fn free_udp_port() -> u16 {
    UdpSocket::bind("127.0.0.1:0")
        .and_then(|s| s.local_addr())
        .map(|a| a.port())
        .expect("a free UDP port")
}

impl Sipp {
    /// Runs `scenario` (the XML text), saved as `dir/NAME.xml`, for one call, with `args`
    /// after the usual ones (the remote address for a UAC, `-set` values...). Returns once
    /// SIPp holds its port.
    pub fn start(dir: &Path, name: &str, scenario: &str, args: &[&str]) -> Self {
        Self::start_calls(dir, name, scenario, 1, &["-trace_msg"], args)
    }

    /// Runs `scenario` for `calls` calls (at most), with `trace` options (`-trace_msg`,
    /// `-trace_rtt`...) and then `args`.
    pub fn start_calls(
        dir: &Path,
        name: &str,
        scenario: &str,
        calls: u32,
        trace: &[&str],
        args: &[&str],
    ) -> Self {
        std::fs::write(dir.join(format!("{name}.xml")), scenario).expect("scenario file");
        let port = free_udp_port();
        let port_text = port.to_string();
        let out = std::fs::File::create(dir.join(format!("{name}.out"))).expect("output file");
        let child = Command::new("sipp")
            .current_dir(dir)
            .args(["-sf", &format!("{name}.xml"), "-i", "127.0.0.1", "-p"])
            .arg(&port_text)
            .arg("-m")
            .arg(calls.to_string())
            .args(["-nostdin", "-trace_err"])
            .args(trace)
            .args(args)
            .stdin(Stdio::null())
            .stdout(out.try_clone().expect("output file"))
            .stderr(out)
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start sipp (apt-get install sip-tester): {e}"));
        let mut sipp = Self {
            addr: format!("127.0.0.1:{port}"),
            name: name.to_owned(),
            dir: dir.to_owned(),
            child: Some(child),
        };
        // SIPp holds the port once it is ready: nobody else can bind it then.
        wait_until("sipp to bind its port", Duration::from_secs(10), || {
            UdpSocket::bind(("127.0.0.1", port)).is_err() || sipp.exited()
        });
        sipp
    }

    fn exited(&mut self) -> bool {
        self.child
            .as_mut()
            .is_none_or(|c| matches!(c.try_wait(), Ok(Some(_))))
    }

    /// Waits (at most `limit`) for SIPp to finish its call; `Ok` when the scenario passed,
    /// otherwise what SIPp reported.
    pub fn finish(&mut self, limit: Duration) -> Result<(), String> {
        let Some(child) = self.child.as_mut() else {
            return Err("sipp already finished".into());
        };
        let start = Instant::now();
        let status = loop {
            if let Ok(Some(status)) = child.try_wait() {
                break status;
            }
            if start.elapsed() > limit {
                return Err(format!(
                    "sipp did not finish in {limit:?}\n{}",
                    self.report()
                ));
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        self.child = None;
        if status.success() {
            Ok(())
        } else {
            Err(format!("sipp exited with {status}\n{}", self.report()))
        }
    }

    /// The text of SIPp's file `NAME_PID_SUFFIX` (such as `_rtt.csv`), if it wrote one.
    pub fn output(&self, suffix: &str) -> Option<String> {
        std::fs::read_dir(&self.dir)
            .ok()?
            .flatten()
            .find_map(|entry| {
                let file = entry.file_name().to_string_lossy().into_owned();
                (file.starts_with(&format!("{}_", self.name)) && file.ends_with(suffix))
                    .then(|| std::fs::read_to_string(entry.path()).ok())
                    .flatten()
            })
    }

    /// SIPp's error log and the end of its message trace.
    fn report(&self) -> String {
        let mut text = String::new();
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return text;
        };
        for entry in entries.flatten() {
            let file = entry.file_name().to_string_lossy().into_owned();
            let ours = file.starts_with(&format!("{}_", self.name))
                || file == format!("{}.out", self.name);
            if ours && !file.ends_with(".xml") {
                let content = std::fs::read_to_string(entry.path()).unwrap_or_default();
                let tail: String = content
                    .chars()
                    .rev()
                    .take(6000)
                    .collect::<Vec<_>>()
                    .into_iter()
                    .rev()
                    .collect();
                text.push_str(&format!("--- {file}\n{tail}\n"));
            }
        }
        text
    }
}

impl Drop for Sipp {
    fn drop(&mut self) {
        if let Some(child) = self.child.as_mut() {
            stop_group(child);
        }
        // A test that failed on its own side shows what SIPp saw too.
        if std::thread::panicking() {
            eprintln!("SIPp's side of the failed test:\n{}", self.report());
        }
    }
}
