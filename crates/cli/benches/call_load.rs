//! CPU and memory of a headless agent during a real G.711 call and then an Opus call, beside
//! the baresip at the other end of the same call, measured in the same run (`cargo bench -p
//! switchboard-cli --bench call_load`; `CALL_SECONDS` sets each call's length, 60 by default).
//!
//! Both sides do the same work: each plays a tone into the call (the agent from a WAV file,
//! baresip from its sine source) and records what it hears into a WAV file, through a
//! kamailio on loopback. CPU is the process's user + system time over the call (from
//! `/proc/PID/stat`), memory its resident set at the end and at its peak (`/proc/PID/status`).

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::mpsc::channel;
use std::time::{Duration, Instant};

use serde_json::Value;
use switchboard_e2e::audio::write_tone_wav;
use switchboard_e2e::baresip::{Answer, Baresip};
use switchboard_e2e::kamailio::Kamailio;
use switchboard_e2e::Started;

/// User + system CPU time of `pid` so far.
fn cpu(pid: u32) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name (which may hold spaces) in parentheses.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = [11, 12]
        .iter()
        .filter_map(|&i| fields.get(i)?.parse::<u64>().ok())
        .sum();
    // Linux counts in clock ticks of 1/100 s (USER_HZ).
    Duration::from_millis(ticks * 10)
}

/// A line of `/proc/PID/status` in kB.
fn status_kb(pid: u32, key: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

fn main() {
    let seconds: u64 = std::env::var("CALL_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(60);
    println!("\nboth sides sending a tone and recording what they hear\n");
    println!("| call | process | CPU time | CPU % of one core | RSS at the end | peak RSS |");
    println!("|---|---|---|---|---|---|");
    for (name, baresip_codec, ours) in [("G.711", "PCMU", "PCMU"), ("Opus", "opus/48000/2", "opus")]
    {
        call(seconds, name, baresip_codec, ours);
    }
}

/// One call of `seconds` in `codec`, measured.
fn call(seconds: u64, name: &str, baresip_codec: &str, ours: &str) {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut started = Started::default();
    let kamailio = Kamailio::start(
        &mut started,
        dir.path(),
        &[("1001", "pw1001"), ("1002", "pw1002")],
    );
    let _callee = Baresip::start_with_codecs(
        &mut started,
        dir.path(),
        &kamailio,
        ("1002", "pw1002"),
        Answer::Auto,
        baresip_codec,
    );
    let baresip = started.last_pid().expect("baresip's pid");
    let mic = dir.path().join("mic.wav");
    write_tone_wav(&mic, 1000.0, 1, 8000);
    let mut agent = Command::new(env!("CARGO_BIN_EXE_switchboard-cli"))
        .arg("--db")
        .arg(dir.path().join("agent.db"))
        .arg("agent")
        .args(["--registrar", &format!("sip:{}", kamailio.hostport())])
        .args(["--user", "1001", "--password", "pw1001"])
        .args(["--bind", "127.0.0.1:0"])
        .arg("--mic-wav")
        .arg(&mic)
        .arg("--speaker-wav")
        .arg(dir.path().join("heard.wav"))
        .args(["--codecs", ours])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("start the agent");
    let pid = agent.id();
    let mut stdin = agent.stdin.take().expect("stdin");
    let stdout = agent.stdout.take().expect("stdout");
    let (tx, events) = channel::<Value>();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Ok(v) = serde_json::from_str(&line) {
                if tx.send(v).is_err() {
                    return;
                }
            }
        }
    });
    let wait = |what: &str, matches: &dyn Fn(&Value) -> bool| loop {
        let e = events
            .recv_timeout(Duration::from_secs(20))
            .unwrap_or_else(|_| panic!("no {what}"));
        if matches(&e) {
            return e;
        }
    };
    wait("registration", &|e| e["event"] == "registered");
    writeln!(stdin, r#"{{"cmd":"dial","to":"1002"}}"#).expect("dial");
    let media = wait("sound", &|e| e["event"] == "media");
    let call = media["call"].as_str().unwrap_or_default().to_owned();

    let (agent_start, baresip_start, clock) = (cpu(pid), cpu(baresip), Instant::now());
    // The call runs; the measure is what each process used meanwhile.
    std::thread::sleep(Duration::from_secs(seconds));
    let elapsed = clock.elapsed().as_secs_f64();
    let agent_cpu = (cpu(pid) - agent_start).as_secs_f64();
    let baresip_cpu = (cpu(baresip) - baresip_start).as_secs_f64();
    let rows = [
        ("switchboard-cli agent", pid, agent_cpu),
        ("baresip", baresip, baresip_cpu),
    ];
    for (process, p, used) in rows {
        println!(
            "| {seconds} s {name} | {process} | {used:.2} s | {:.2} % | {:.1} MB | {:.1} MB |",
            100.0 * used / elapsed,
            status_kb(p, "VmRSS:") as f64 / 1024.0,
            status_kb(p, "VmHWM:") as f64 / 1024.0,
        );
    }
    writeln!(stdin, r#"{{"cmd":"hangup","call":"{call}"}}"#).expect("hang up");
    writeln!(stdin, r#"{{"cmd":"quit"}}"#).expect("quit");
    let _ = agent.wait();
}
