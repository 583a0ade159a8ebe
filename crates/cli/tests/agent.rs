//! `switchboard-cli agent` against a real kamailio: JSON lines in, JSON lines out.

use std::process::{Command, Stdio};

use serde_json::Value;

use switchboard_e2e::agent::{Agent, WAIT};
use switchboard_e2e::baresip::{Answer, Baresip};
use switchboard_e2e::kamailio::Kamailio;
use switchboard_e2e::Started;

fn agent(args: &[&str]) -> Agent {
    Agent::start(
        std::path::Path::new(env!("CARGO_BIN_EXE_switchboard-cli")),
        args,
    )
}

#[test]
fn registers_takes_commands_and_unregisters_on_quit() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut started = Started::default();
    let kamailio = Kamailio::start(
        &mut started,
        dir.path(),
        &[("1001", "pw1001"), ("1002", "pw1002")],
    );
    let registrar = format!("sip:{}", kamailio.hostport());
    let mut agent = agent(&[
        "--registrar",
        &registrar,
        "--user",
        "1001",
        "--password",
        "pw1001",
        "--bind",
        "127.0.0.1:0",
    ]);
    let started_event = agent.wait("started");
    let sip = started_event["sip"]
        .as_str()
        .expect("sip address")
        .to_owned();
    let registered = agent.wait("registered");
    assert_eq!(registered["account"], "main");
    assert_eq!(registered["expires"], 600);
    assert!(kamailio.contacts("1001")[0].contains(&sip));

    agent.send("this is not json");
    assert_eq!(agent.wait("error")["code"], "bad_command");
    agent.send(r#"{"cmd":"unregister","account":"nobody"}"#);
    assert_eq!(agent.wait("error")["code"], "no_such_account");

    agent.send(&format!(
        r#"{{"cmd":"register","account":"second","registrar":"{registrar}","user":"1002","password":"wrong"}}"#
    ));
    let failed = agent.wait("registration_failed");
    assert_eq!(
        (failed["account"].as_str(), failed["status"].as_u64()),
        (Some("second"), Some(401))
    );
    agent.send(r#"{"cmd":"unregister","account":"second"}"#);
    assert_eq!(agent.wait("unregistered")["account"], "second");

    // A call to a baresip that answers by itself, held, resumed, hung up by the agent.
    let mut peer = Baresip::start(
        &mut started,
        dir.path(),
        &kamailio,
        "1002",
        "pw1002",
        Answer::Auto,
    );
    agent.send(r#"{"cmd":"dial","to":"1002"}"#);
    let dialing = agent.wait("line");
    assert_eq!(dialing["state"], "dialing");
    let id = dialing["line"].as_str().expect("line id").to_owned();
    assert_eq!(
        agent
            .states_until(&id, "connected")
            .last()
            .map(String::as_str),
        Some("connected")
    );
    peer.wait_event("CALL_ESTABLISHED", WAIT);
    agent.send(&format!(r#"{{"cmd":"hold","call":"{id}"}}"#));
    assert_eq!(agent.states_until(&id, "on_hold"), ["holding", "on_hold"]);
    agent.send(&format!(r#"{{"cmd":"resume","call":"{id}"}}"#));
    assert_eq!(
        agent.states_until(&id, "connected"),
        ["resuming", "connected"]
    );
    agent.send(&format!(r#"{{"cmd":"hangup","call":"{id}"}}"#));
    let ended = agent.wait("line");
    assert_eq!(
        (ended["state"].as_str(), ended["reason"].as_str()),
        (Some("ended"), Some("hung_up"))
    );
    peer.wait_event("CALL_CLOSED", WAIT);
    agent.send(&format!(r#"{{"cmd":"hangup","call":"{id}"}}"#));
    assert_eq!(agent.wait("error")["code"], "desk_no_such_line");

    // A call from the baresip: the screen-pop data, then the line; answered, ended by it.
    peer.command("dial", &format!("sip:1001@{}", kamailio.hostport()));
    let incoming = agent.wait("call");
    assert_eq!(
        (incoming["state"].as_str(), incoming["user"].as_str()),
        (Some("incoming"), Some("1002"))
    );
    let id = incoming["call"].as_str().expect("call id").to_owned();
    let pop = agent.wait("pop");
    assert_eq!(pop["call"], id.as_str());
    assert_eq!(
        (
            pop["caller"]["kind"].as_str(),
            pop["caller"]["extension"].as_str()
        ),
        (Some("internal"), Some("1002")),
        "a colleague's extension: {pop}"
    );
    assert_eq!(agent.wait("line")["state"], "ringing_in");
    agent.send(&format!(r#"{{"cmd":"answer","call":"{id}"}}"#));
    assert_eq!(agent.states_until(&id, "connected"), ["connected"]);
    peer.wait_event("CALL_ESTABLISHED", WAIT);
    peer.command("hangup", "");
    assert_eq!(agent.wait("line")["reason"], "remote_hung_up");
    peer.wait_event("CALL_CLOSED", WAIT);
    // And one refused with 603.
    peer.command("dial", &format!("sip:1001@{}", kamailio.hostport()));
    let id = agent.wait("call")["call"]
        .as_str()
        .expect("call id")
        .to_owned();
    agent.send(&format!(
        r#"{{"cmd":"reject","call":"{id}","reason":"later"}}"#
    ));
    assert_eq!(agent.wait("error")["code"], "bad_command");
    agent.send(&format!(
        r#"{{"cmd":"reject","call":"{id}","reason":"decline"}}"#
    ));
    // (its ringing_in event went by while waiting for the error above)
    assert_eq!(agent.states_until(&id, "ended"), ["ended"]);
    let closed = peer.wait_event("CALL_CLOSED", WAIT);
    assert!(
        closed["param"].as_str().unwrap_or("").contains("603"),
        "{closed}"
    );

    agent.send(r#"{"cmd":"quit"}"#);
    assert_eq!(agent.wait("unregistered")["account"], "main");
    agent.wait("stopped");
    let status = agent.exit_status();
    assert!(status.success());
    assert!(kamailio.contacts("1001").is_empty());
}

#[test]
fn a_bad_command_line_is_refused() {
    let out = Command::new(env!("CARGO_BIN_EXE_switchboard-cli"))
        .args(["--json", "agent", "--registrar", "sip:127.0.0.1:5060"])
        .stdin(Stdio::null())
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let err: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(err["error"]["code"], "sip_account");
    assert!(err["error"]["message"]
        .as_str()
        .unwrap_or("")
        .contains("--user"));
}

/// One HTTP/1.1 request to the agent's CTI API; returns the status line and the body.
fn http(addr: &str, request: &str) -> (String, String) {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr).expect("the API listens");
    stream.set_read_timeout(Some(WAIT)).expect("timeout");
    stream.write_all(request.as_bytes()).expect("sent");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("answer");
    let (head, body) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
    (
        head.lines().next().unwrap_or("").to_owned(),
        body.to_owned(),
    )
}

#[test]
fn the_headless_agent_serves_the_cti_api() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut started = Started::default();
    let kamailio = Kamailio::start(
        &mut started,
        dir.path(),
        &[("1001", "pw1001"), ("1002", "pw1002")],
    );
    let mut colleague = Baresip::start(
        &mut started,
        dir.path(),
        &kamailio,
        "1002",
        "pw1002",
        Answer::Manual,
    );
    let registrar = format!("sip:{}", kamailio.hostport());
    let token = "cli-token-0123456789abcdef";
    let mut agent = agent(&[
        "--registrar",
        &registrar,
        "--user",
        "1001",
        "--password",
        "pw1001",
        "--bind",
        "127.0.0.1:0",
        "--cti-listen",
        "127.0.0.1:0",
        "--cti-token",
        token,
    ]);
    let cti = agent.wait("cti");
    assert!(
        cti.get("token").is_none(),
        "a given token is not echoed: {cti}"
    );
    let addr = cti["listen"].as_str().expect("address").to_owned();
    agent.wait("registered");

    let body = r#"{"to":"1002"}"#;
    let (status, _) = http(
        &addr,
        &format!(
            "POST /v1/calls HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        ),
    );
    assert!(status.contains(" 401 "), "no token: {status}");
    let (status, answer) = http(
        &addr,
        &format!(
            "POST /v1/calls HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        ),
    );
    assert!(status.contains(" 201 "), "{status} {answer}");
    let call: Value = serde_json::from_str(&answer).expect("JSON");
    colleague.wait_event("CALL_INCOMING", WAIT);
    let dialled = agent.wait("dialled");
    assert_eq!(dialled["call"], call["call"]);
    agent.send(r#"{"cmd":"quit"}"#);
    agent.wait("stopped");
    colleague.wait_event("CALL_CLOSED", WAIT);
}
