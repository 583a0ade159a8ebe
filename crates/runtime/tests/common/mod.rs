//! What the runtime's live tests share: waiting on a phone's events, and a phone registered
//! with the test kamailio.

use std::time::Duration;

use switchboard_core::desk::{DeskEvent, LineState};
use switchboard_e2e::kamailio::Kamailio;
use switchboard_runtime::{AccountConfig, Phone, PhoneEvent, PhoneOptions, SipEvent, Transport};
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

/// A phone registered as `user` at `kamailio`.
pub async fn phone_for(
    kamailio: &Kamailio,
    user: &str,
    options: PhoneOptions,
) -> (Phone, UnboundedReceiver<PhoneEvent>) {
    let (phone, mut events) = Phone::start("127.0.0.1:0".parse().expect("addr"), options)
        .await
        .expect("phone");
    let account = AccountConfig {
        registrar: format!("sip:{}", kamailio.hostport()),
        user: user.into(),
        auth_user: None,
        password: format!("pw{user}"),
        display_name: None,
        transport: Transport::Udp,
        expires: 600,
        outbound_proxy: None,
        tls_ca: None,
    };
    phone.add_account("main", account).await.expect("account");
    loop {
        if let PhoneEvent::Sip(SipEvent::Registered { .. }) = next(&mut events).await {
            return (phone, events);
        }
    }
}
