//! The CRM lookup of an incoming call: the pop comes first with the local contacts, the
//! CRM's record follows; a second call from the number is answered from the cache; a CRM
//! too slow is given up after the timeout and the call went on meanwhile. The CRM is a
//! small HTTP server of the test's own on loopback; the caller is SIPp.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use switchboard_e2e::sipp::Sipp;
use switchboard_runtime::{
    CrmRecord, CrmReport, CrmSettings, Handle, OpenOptions, PhoneEvent, PhoneOptions, Refusal,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::mpsc::UnboundedReceiver;

mod common;
use common::{next, start_local, WAIT};

/// A CRM answering every lookup with `body` after `delay`; returns its address and the
/// number of requests it got (and the last request's first line).
async fn crm(
    body: &'static str,
    delay: Duration,
) -> (String, Arc<AtomicUsize>, Arc<std::sync::Mutex<String>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("listen");
    let addr = listener.local_addr().expect("addr").to_string();
    let count = Arc::new(AtomicUsize::new(0));
    let last = Arc::new(std::sync::Mutex::new(String::new()));
    let (seen, line) = (count.clone(), last.clone());
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let (seen, line) = (seen.clone(), line.clone());
            tokio::spawn(async move {
                let mut request = vec![0u8; 4096];
                let n = socket.read(&mut request).await.unwrap_or(0);
                let text = String::from_utf8_lossy(&request[..n]).into_owned();
                *line.lock().expect("lock") = text;
                seen.fetch_add(1, Ordering::SeqCst);
                // A slow CRM is slow on purpose: the test is that the phone does not wait.
                tokio::time::sleep(delay).await;
                let answer = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = socket.write_all(answer.as_bytes()).await;
            });
        }
    });
    (addr, count, last)
}

/// One call from 0199009999 (SIPp), refused once the CRM said something; returns the events
/// seen in order: "pop", then "crm".
async fn call_in(
    dir: &std::path::Path,
    handle: &Handle,
    events: &mut UnboundedReceiver<PhoneEvent>,
) -> (Vec<&'static str>, CrmReport) {
    let target = handle.phone().expect("phone").local_addr().to_string();
    let mut sipp = Sipp::start(
        dir,
        "queue_call_uac",
        include_str!("sipp/queue_call_uac.xml"),
        &[&target],
    );
    let mut order = Vec::new();
    let mut call = String::new();
    let report = loop {
        match next(events).await {
            PhoneEvent::Pop(pop) => {
                order.push("pop");
                call = pop.call;
            }
            PhoneEvent::Crm(report) => {
                order.push("crm");
                break report;
            }
            _ => {}
        }
    };
    assert_eq!(report.call, call);
    handle
        .phone()
        .expect("phone")
        .reject(&call, Refusal::Busy)
        .expect("reject");
    tokio::task::spawn_blocking(move || sipp.finish(WAIT))
        .await
        .expect("join")
        .expect("the caller saw 180 then 486");
    (order, report)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_crm_record_follows_the_pop_and_is_kept_for_the_next_call() {
    let dir = tempfile::tempdir().expect("tempdir");
    let handle = Handle::open(&dir.path().join("agent.db"), OpenOptions::default())
        .await
        .expect("database");
    let (addr, count, last) = crm(
        r#"{"results":[{"id":4711,"name":"Claire Duval","account":{"name":"Duval SARL"},"web":"https://crm.example/c/4711"}]}"#,
        Duration::ZERO,
    )
    .await;
    let settings = CrmSettings {
        url: format!("http://{addr}/lookup?phone={{e164}}&raw={{number}}"),
        name: "/results/0/name".into(),
        company: "/results/0/account/name".into(),
        id: "/results/0/id".into(),
        link: "/results/0/web".into(),
        ..CrmSettings::default()
    };
    handle
        .save_crm_settings(&settings, None)
        .await
        .expect("saved");
    let mut events = start_local(&handle, PhoneOptions::default()).await;

    let (order, report) = call_in(dir.path(), &handle, &mut events).await;
    assert_eq!(order, ["pop", "crm"], "the local pop first");
    assert_eq!(
        report.record,
        Some(CrmRecord {
            name: Some("Claire Duval".into()),
            company: Some("Duval SARL".into()),
            id: Some("4711".into()),
            link: Some("https://crm.example/c/4711".into()),
        })
    );
    let request = last.lock().expect("lock").clone();
    assert!(
        request.starts_with("GET /lookup?phone=%2B33199009999&raw=0199009999 HTTP/1.1"),
        "the number percent-encoded: {request}"
    );
    assert!(request
        .to_ascii_lowercase()
        .contains("accept: application/json"));

    let (_, again) = call_in(dir.path(), &handle, &mut events).await;
    assert_eq!(again.record, report.record);
    assert_eq!(
        count.load(Ordering::SeqCst),
        1,
        "the second answer came from the cache"
    );
    handle.phone().expect("phone").shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_crm_too_slow_is_given_up_and_the_call_goes_on() {
    let dir = tempfile::tempdir().expect("tempdir");
    let handle = Handle::open(&dir.path().join("agent.db"), OpenOptions::default())
        .await
        .expect("database");
    let (addr, count, last) = crm(r#"{"name":"Too late"}"#, Duration::from_secs(5)).await;
    let settings = CrmSettings {
        url: format!("http://{addr}/lookup?phone={{e164}}"),
        timeout_ms: 300,
        ..CrmSettings::default()
    };
    handle
        .save_crm_settings(&settings, Some("s3cret-token"))
        .await
        .expect("saved");
    let mut events = start_local(&handle, PhoneOptions::default()).await;
    let (order, report) = call_in(dir.path(), &handle, &mut events).await;
    assert_eq!(order, ["pop", "crm"]);
    assert_eq!(report.record, None);
    assert_eq!(report.failure.as_deref(), Some("no answer within 300 ms"));
    assert_eq!(count.load(Ordering::SeqCst), 1);
    assert!(
        last.lock()
            .expect("lock")
            .contains("authorization: Bearer s3cret-token"),
        "the token from the keyring goes with the lookup"
    );
    handle.phone().expect("phone").shutdown().await;
}
