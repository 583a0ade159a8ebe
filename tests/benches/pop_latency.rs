//! The screen pop's latency in the running desktop app: from the moment the engine learns of
//! an incoming call (its line's start time, taken when the INVITE has been read and the 180
//! sent) to the pop card on screen (a `pop-painted` mark the window sets in the frame after
//! the one that drew the card, so the figure is an upper bound by up to one frame). A headless
//! Switchboard agent calls the app through kamailio, then cancels, 30 times
//! (`cargo bench -p switchboard-e2e --bench pop_latency`; the app and the CLI are built first
//! with `cargo build --release -p switchboard -p switchboard-cli`).

use std::time::{Duration, Instant};

use switchboard_e2e::agent::Agent;
use switchboard_e2e::kamailio::Kamailio;
use switchboard_e2e::Started;

#[path = "../tests/common/mod.rs"]
mod common;
use common::{add_account, app_session, find};

const CALLS: usize = 30;

/// Every `pop-painted` mark: (call, engine time, painted time), both in ms since the epoch.
async fn marks(client: &fantoccini::Client) -> Vec<(String, f64, f64)> {
    let value = client
        .execute(
            "return performance.getEntriesByName('pop-painted').map(m => \
             [m.detail.call, m.detail.engineMs, performance.timeOrigin + m.startTime]);",
            vec![],
        )
        .await
        .expect("the marks");
    value
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|m| {
            Some((
                m.get(0)?.as_str()?.to_owned(),
                m.get(1)?.as_f64()?,
                m.get(2)?.as_f64()?,
            ))
        })
        .collect()
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().expect("tempdir");
    let logs = dir.path().join("logs");
    std::fs::create_dir(&logs).expect("logs");
    let mut started = Started::default();
    let users = [("1001", "pw1001"), ("0199009999", "pw0199009999")];
    let kamailio = Kamailio::start(&mut started, dir.path(), &users);
    let registrar = format!("sip:{}", kamailio.hostport());
    let client = app_session(
        &mut started,
        dir.path(),
        &logs,
        &[("SWITCHBOARD_SIP_BIND", "127.0.0.1:0")],
    )
    .await;
    add_account(&client, &registrar, "1001", "pw1001").await;
    kamailio.wait_registered("1001", true, Duration::from_secs(20));
    let mut caller = Agent::registered(&registrar, "0199009999", "pw0199009999");

    let mut latencies = Vec::with_capacity(CALLS);
    for n in 1..=CALLS {
        caller.send(r#"{"cmd":"dial","to":"1001"}"#);
        let line = caller.wait("dialled")["call"]
            .as_str()
            .expect("the caller's line")
            .to_owned();
        let start = Instant::now();
        let all = loop {
            let all = marks(&client).await;
            if all.len() >= n {
                break all;
            }
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "pop {n} never painted"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        let (_, engine, painted) = &all[n - 1];
        latencies.push(painted - engine);
        caller.send(&format!(r#"{{"cmd":"hangup","call":"{line}"}}"#));
        find(&client, "no call left", "//p[@data-testid='no-calls']").await;
    }
    let first = latencies[0];
    let mut sorted = latencies.clone();
    sorted.sort_by(f64::total_cmp);
    println!("screen pop: engine learns of the call -> pop card on screen, {CALLS} calls");
    println!("{:<12} {:>10}", "", "ms");
    for (label, value) in [
        ("first call", first),
        ("min", sorted[0]),
        ("p50", percentile(&sorted, 0.5)),
        ("p95", percentile(&sorted, 0.95)),
        ("max", sorted[sorted.len() - 1]),
    ] {
        println!("{label:<12} {value:>10.1}");
    }
    client.close().await.expect("close");
}
