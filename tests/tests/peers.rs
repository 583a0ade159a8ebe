//! The real-peer test bed itself: kamailio authenticates two baresips, which call each other
//! through it. If this fails, no SIP test can be trusted.

use std::time::Duration;

use switchboard_e2e::baresip::{Answer, Baresip};
use switchboard_e2e::kamailio::Kamailio;
use switchboard_e2e::Started;

const WAIT: Duration = Duration::from_secs(20);

#[test]
fn two_baresips_register_and_call_through_kamailio() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut started = Started::default();
    let kamailio = Kamailio::start(
        &mut started,
        dir.path(),
        &[("1001", "pw1001"), ("1002", "pw1002")],
    );
    let mut alice = Baresip::start(
        &mut started,
        dir.path(),
        &kamailio,
        "1001",
        "pw1001",
        Answer::Manual,
    );
    let mut bob = Baresip::start(
        &mut started,
        dir.path(),
        &kamailio,
        "1002",
        "pw1002",
        Answer::Manual,
    );
    assert_eq!(kamailio.contacts("1001").len(), 1, "{}", kamailio.log());

    alice.command("dial", &format!("sip:1002@{}", kamailio.hostport()));
    let incoming = bob.wait_event("CALL_INCOMING", WAIT);
    assert!(
        incoming["peeruri"].as_str().unwrap_or("").contains("1001"),
        "{incoming}"
    );
    alice.wait_event("CALL_RINGING", WAIT);
    bob.command("accept", "");
    alice.wait_event("CALL_ESTABLISHED", WAIT);
    bob.wait_event("CALL_ESTABLISHED", WAIT);
    alice.command("hangup", "");
    bob.wait_event("CALL_CLOSED", WAIT);
    alice.wait_event("CALL_CLOSED", WAIT);
}
