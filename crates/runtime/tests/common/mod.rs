//! What the runtime's live tests share: waiting on a phone's events, and a phone registered
//! with the test kamailio. Each test binary uses a part of it.
#![allow(dead_code)]

use std::time::Duration;

use std::path::Path;
use switchboard_core::desk::{DeskEvent, LineState};

use switchboard_e2e::baresip::{Answer, Baresip};
use switchboard_e2e::kamailio::Kamailio;
use switchboard_e2e::Started;
use switchboard_runtime::{
    AccountConfig, Handle, OpenOptions, Phone, PhoneEvent, PhoneOptions, SipEvent, Transport,
};
use tokio::sync::mpsc::UnboundedReceiver;

pub const WAIT: Duration = Duration::from_secs(20);

pub async fn next(events: &mut UnboundedReceiver<PhoneEvent>) -> PhoneEvent {
    tokio::time::timeout(WAIT, events.recv())
        .await
        .expect("an event in time")
        .expect("the phone is running")
}

/// Waits until `line` reaches `state`.
pub async fn reach(events: &mut UnboundedReceiver<PhoneEvent>, line: &str, state: LineState) {
    reach_all(events, &[(line, state)]).await;
}

/// Waits until a line rings in; returns it.
pub async fn ringing_in(events: &mut UnboundedReceiver<PhoneEvent>) -> String {
    loop {
        if let PhoneEvent::Desk(DeskEvent::Line {
            line,
            state: LineState::RingingIn,
        }) = next(events).await
        {
            return line;
        }
    }
}

/// Waits until every (line, state) pair has been seen, in any order; on a timeout, says
/// what is missing and what came instead.
pub async fn reach_all(events: &mut UnboundedReceiver<PhoneEvent>, wanted: &[(&str, LineState)]) {
    let mut missing: Vec<&(&str, LineState)> = wanted.iter().collect();
    let mut seen = Vec::new();
    while !missing.is_empty() {
        let event = tokio::time::timeout(WAIT, events.recv())
            .await
            .unwrap_or_else(|_| panic!("still waiting for {missing:?}; saw {seen:?}"))
            .expect("the phone is running");
        if let PhoneEvent::Desk(DeskEvent::Line { line, state }) = &event {
            missing.retain(|(l, s)| !(l == line && s == state));
        }
        seen.push(event);
    }
}

/// A kamailio that knows `users`, each with the password `pw` + user.
pub fn kamailio_for(started: &mut Started, dir: &Path, users: &[&str]) -> Kamailio {
    let passwords: Vec<String> = users.iter().map(|u| format!("pw{u}")).collect();
    let pairs: Vec<(&str, &str)> = users
        .iter()
        .zip(&passwords)
        .map(|(u, p)| (*u, p.as_str()))
        .collect();
    Kamailio::start(started, dir, &pairs)
}

/// A baresip registered as `user` (password `pw` + user) with G.711 mu-law.
pub fn baresip_for(
    started: &mut Started,
    dir: &Path,
    kamailio: &Kamailio,
    user: &str,
    answer: Answer,
) -> Baresip {
    Baresip::start(started, dir, kamailio, user, &format!("pw{user}"), answer)
}

/// The UDP account of `user` (password `pw` + user) at `kamailio`.
pub fn account_for(kamailio: &Kamailio, user: &str) -> AccountConfig {
    AccountConfig {
        registrar: format!("sip:{}", kamailio.hostport()),
        user: user.into(),
        auth_user: None,
        password: format!("pw{user}"),
        display_name: None,
        transport: Transport::Udp,
        expires: 600,
        outbound_proxy: None,
        tls_ca: None,
    }
}

/// Waits until `events` says an account is registered.
pub async fn registered(events: &mut UnboundedReceiver<PhoneEvent>) {
    while !matches!(
        next(events).await,
        PhoneEvent::Sip(SipEvent::Registered { .. })
    ) {}
}

/// A phone registered as `user` at `kamailio`.
pub async fn phone_for(
    kamailio: &Kamailio,
    user: &str,
    options: PhoneOptions,
) -> (Phone, UnboundedReceiver<PhoneEvent>) {
    let (phone, mut events) = Phone::start("127.0.0.1:0".parse().expect("addr"), options)
        .await
        .expect("phone");
    phone
        .add_account("main", account_for(kamailio, user))
        .await
        .expect("account");
    registered(&mut events).await;
    (phone, events)
}

/// The app's engine on a new database in `dir` with the demo contacts, its phone started
/// with `options` and registered as `user` at `kamailio`.
pub async fn desk_for(
    dir: &Path,
    kamailio: &Kamailio,
    user: &str,
    options: PhoneOptions,
) -> (Handle, Phone, UnboundedReceiver<PhoneEvent>) {
    let handle = Handle::open(&dir.join("agent.db"), OpenOptions { demo_data: true })
        .await
        .expect("database");
    let mut events = handle
        .start_phone("127.0.0.1:0".parse().expect("addr"), options)
        .await
        .expect("phone");
    let phone = handle.phone().expect("started");
    phone
        .add_account("main", account_for(kamailio, user))
        .await
        .expect("account");
    registered(&mut events).await;
    (handle, phone, events)
}

/// Starts `handle`'s phone on a free loopback port with `options`; returns its events.
pub async fn start_local(handle: &Handle, options: PhoneOptions) -> UnboundedReceiver<PhoneEvent> {
    handle
        .start_phone("127.0.0.1:0".parse().expect("addr"), options)
        .await
        .expect("phone")
}

/// Waits until the newest history row satisfies `done`; returns it.
pub async fn newest(
    handle: &Handle,
    what: &str,
    done: impl Fn(&switchboard_runtime::HistoryEntry) -> bool,
) -> switchboard_runtime::HistoryEntry {
    let start = std::time::Instant::now();
    loop {
        let rows = handle.history(1).await.expect("history");
        if let Some(row) = rows.into_iter().next().filter(|r| done(r)) {
            return row;
        }
        assert!(start.elapsed() < WAIT, "the history never showed {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// 20 ms frames of an 8 kHz recording: whether each carries sound.
pub fn loud_frames(samples: &[i16]) -> Vec<bool> {
    samples
        .chunks_exact(160)
        .map(|f| switchboard_e2e::audio::rms(f) > 500.0)
        .collect()
}

/// The samples of the 20 ms frames of an 8 kHz recording that carry sound.
pub fn loud_samples(samples: &[i16]) -> Vec<i16> {
    samples
        .chunks_exact(160)
        .filter(|f| switchboard_e2e::audio::rms(f) > 500.0)
        .flatten()
        .copied()
        .collect()
}

/// Waits until the recording holds `frames` loud 20 ms frames.
pub fn wait_for_sound(recorder: &switchboard_e2e::pulse::Recorder, what: &str, frames: usize) {
    switchboard_e2e::wait_until(what, WAIT, || {
        loud_frames(&recorder.samples())
            .iter()
            .filter(|&&l| l)
            .count()
            >= frames
    });
}
