//! What the running desktop app costs an agent's machine: its memory (resident, and
//! proportional: shared libraries split among the processes), all its processes together (the
//! app and WebKit's web and network processes), and its CPU while idle, with
//! 100,000 contacts in its database, under a virtual X display; then, for comparison, the
//! same figures for the web engine alone (WebKitGTK's MiniBrowser on an empty page)
//! (`cargo bench -p switchboard-e2e --bench app_footprint`; the app and the CLI are built
//! first with `cargo build --release -p switchboard -p switchboard-cli`).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use switchboard_e2e::{process_tree, workspace_binary, xvfb, Started};

const CONTACTS: usize = 100_000;
/// How long the app is left alone before measuring, then how long its CPU is counted.
const SETTLE: Duration = Duration::from_secs(15);
const IDLE: Duration = Duration::from_secs(30);

/// A memory figure of `pid` in KiB: `Rss:` (resident, shared libraries counted in every
/// process) or `Pss:` (shared pages divided among the processes sharing them).
fn memory_kib(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

/// CPU time used so far, in clock ticks (user + system).
fn cpu_ticks(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| {
            let rest = s.rsplit_once(')')?.1.to_owned();
            let f: Vec<&str> = rest.split_whitespace().collect();
            // utime and stime are fields 14 and 15 of stat, 12 and 13 after the name.
            Some(f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?)
        })
        .unwrap_or(0)
}

fn name(pid: u32) -> String {
    std::fs::read_to_string(format!("/proc/{pid}/comm"))
        .map(|s| s.trim().to_owned())
        .unwrap_or_default()
}

fn main() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("contacts.db");
    // 100,000 invented contacts, imported as an agent would. Every row must be valid: the
    // import skips a row with a number that is not in use (the ARCEP fiction range 06 39 98
    // is one), and a bench over an empty database would measure nothing.
    let csv = dir.path().join("contacts.csv");
    {
        let mut out = std::io::BufWriter::new(std::fs::File::create(&csv).expect("csv"));
        writeln!(out, "first name,last name,company,work,mobile,email").expect("write");
        for i in 0..CONTACTS {
            writeln!(
                out,
                "Person{i},Family{},Company {},+33 1 99 {:02} {:02} {:02},+33 6 12 {:02} {:02} {:02},p{i}@example.com",
                i % 977,
                i % 5003,
                (i / 10_000) % 100,
                (i / 100) % 100,
                i % 100,
                (i / 10_000) % 100,
                (i / 100) % 100,
                i % 100
            )
            .expect("write");
        }
    }
    let import = Instant::now();
    let output = Command::new(workspace_binary("switchboard-cli"))
        .arg("--db")
        .arg(&db)
        .arg("import")
        .arg(&csv)
        .output()
        .expect("switchboard-cli import");
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && report.starts_with(&format!("imported {CONTACTS},")),
        "the import did not take every contact:\n{}",
        report.lines().take(5).collect::<Vec<_>>().join("\n")
    );
    let import = import.elapsed();

    let mut started = Started::default();
    let display = xvfb(&mut started);
    let app = settled(
        &mut started,
        "the app",
        Command::new(workspace_binary("switchboard"))
            .env("DISPLAY", &display)
            .env("SWITCHBOARD_DB", &db)
            .env("SWITCHBOARD_SIP_BIND", "127.0.0.1:0"),
    );
    let processes = process_tree(app);
    let before: u64 = processes.iter().map(|&p| cpu_ticks(p)).sum();
    let start = Instant::now();
    std::thread::sleep(IDLE);
    let after: u64 = processes.iter().map(|&p| cpu_ticks(p)).sum();
    let ticks_per_second = 100.0; // USER_HZ on Linux
    let idle_cpu = (after - before) as f64 / ticks_per_second / start.elapsed().as_secs_f64();

    println!("app footprint with {CONTACTS} contacts (import took {import:.1?})");
    let app_pss = table(&processes);
    println!(
        "idle CPU over {:?}: {:.2}% of one core",
        IDLE,
        idle_cpu * 100.0
    );
    // Alone on the display: the shared libraries' pages are divided among the processes
    // mapping them, so the two must not run at the same time.
    started.stop(app);

    // What the web engine itself costs: WebKitGTK's own browser on an empty page, drawn
    // without GPU compositing as the app's window is (the app sets the web view's hardware
    // acceleration policy to "never"; this variable does the same for MiniBrowser).
    let Some(browser) = mini_browser() else {
        println!(
            "(no MiniBrowser next to the WebKitGTK library: the engine's floor is not measured)"
        );
        return;
    };
    let floor = settled(
        &mut started,
        "WebKitGTK's MiniBrowser",
        Command::new(browser)
            .arg("about:blank")
            .env("DISPLAY", &display)
            .env("WEBKIT_DISABLE_COMPOSITING_MODE", "1"),
    );
    println!("\nthe web engine alone: WebKitGTK's MiniBrowser on an empty page");
    let floor_pss = table(&process_tree(floor));
    println!(
        "the app above the engine alone: {:.1} MiB PSS",
        app_pss.saturating_sub(floor_pss) as f64 / 1024.0
    );
    drop(started);
}

/// Starts `command` (its output dropped) and leaves it alone while it opens and settles:
/// idle is what is measured. Returns its pid.
fn settled(started: &mut Started, what: &str, command: &mut Command) -> u32 {
    started.spawn(what, command.stdout(Stdio::null()).stderr(Stdio::null()));
    let pid = started.last_pid().expect("the pid of what was started");
    std::thread::sleep(SETTLE);
    pid
}

/// Prints the memory of each process and their sum; returns the sum of PSS in KiB.
fn table(processes: &[u32]) -> u64 {
    println!("{:<24} {:>10} {:>10}", "process", "RSS (MiB)", "PSS (MiB)");
    let (mut rss_total, mut pss_total) = (0, 0);
    for &pid in processes {
        let (rss, pss) = (memory_kib(pid, "Rss:"), memory_kib(pid, "Pss:"));
        rss_total += rss;
        pss_total += pss;
        println!(
            "{:<24} {:>10.1} {:>10.1}",
            name(pid),
            rss as f64 / 1024.0,
            pss as f64 / 1024.0
        );
    }
    println!(
        "{:<24} {:>10.1} {:>10.1}",
        "all processes",
        rss_total as f64 / 1024.0,
        pss_total as f64 / 1024.0
    );
    pss_total
}

/// WebKitGTK's MiniBrowser, which its runtime library package installs in the library's
/// directory (`<libdir>/webkit2gtk-4.1/MiniBrowser`).
fn mini_browser() -> Option<PathBuf> {
    let output = Command::new("pkg-config")
        .args(["--variable=libdir", "webkit2gtk-4.1"])
        .output()
        .ok()?;
    let libdir = String::from_utf8(output.stdout).ok()?;
    let path = Path::new(libdir.trim()).join("webkit2gtk-4.1/MiniBrowser");
    path.is_file().then_some(path)
}
