//! The desktop around the window, in the real app under Xvfb with a D-Bus session bus of the
//! test's own: a second launch on the same database ends at once and leaves the first window
//! running; from another application (keys sent to the X server with xdotool), Ctrl+Alt+A
//! answers the ringing call and Ctrl+Alt+D calls the number in the clipboard (set with
//! xclip). The peers are a headless Switchboard agent and a baresip through kamailio.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use switchboard_e2e::agent::Agent;
use switchboard_e2e::baresip::{Answer, Baresip};
use switchboard_e2e::kamailio::Kamailio;
use switchboard_e2e::{session_bus, wait_until, workspace_binary, Started};

mod common;
use common::{add_account, app_session_on, artifacts, click, find, row, screenshot};

/// Sends `keys` (`ctrl+alt+a`) to the X display, as if typed in whatever has the focus.
fn press(display: &str, keys: &str) {
    let status = Command::new("xdotool")
        .args(["key", "--clearmodifiers", keys])
        .env("DISPLAY", display)
        .status()
        .expect("xdotool (apt-get install xdotool)");
    assert!(status.success(), "xdotool key {keys}: {status}");
}

#[tokio::test(flavor = "multi_thread")]
async fn one_instance_and_the_global_shortcuts_answer_and_dial() {
    let dir = tempfile::tempdir().expect("tempdir");
    let shots = artifacts("desktop");
    let mut started = Started::default();
    let users = [
        ("1001", "pw1001"),
        ("0199009999", "pw0199009999"),
        ("2004", "pw2004"),
    ];
    let kamailio = Kamailio::start(&mut started, dir.path(), &users);
    let registrar = format!("sip:{}", kamailio.hostport());
    let bus = session_bus(&mut started, dir.path());
    let (client, display) = app_session_on(
        &mut started,
        dir.path(),
        &shots,
        &[
            ("SWITCHBOARD_SIP_BIND", "127.0.0.1:0"),
            ("DBUS_SESSION_BUS_ADDRESS", &bus),
        ],
    )
    .await;
    add_account(&client, &registrar, "1001", "pw1001").await;
    kamailio.wait_registered("1001", true, Duration::from_secs(20));

    // 1. Launched again on the same database: it hands over to the running one and ends.
    let status = launch_again(&display, dir.path(), &bus, &[]).await;
    assert!(status.success(), "the second launch ended with {status}");
    find(
        &client,
        "the first window, still running and registered",
        "//*[@data-testid='accounts']/li[@data-state='registered']",
    )
    .await;
    assert_eq!(
        kamailio.contacts("1001").len(),
        1,
        "only the first window is registered"
    );

    // 2. A call rings while the agent works elsewhere: Ctrl+Alt+A answers it.
    let mut caller = Agent::registered(&registrar, "0199009999", "pw0199009999");
    caller.send(r#"{"cmd":"dial","to":"1001"}"#);
    let line = caller.wait("dialled")["call"]
        .as_str()
        .expect("the caller's line")
        .to_owned();
    find(&client, "the pop", "//section[@data-testid='pop']").await;
    screenshot(&client, &shots, "01-ringing").await;
    press(&display, "ctrl+alt+a");
    find(
        &client,
        "the call answered by the shortcut",
        &row("connected"),
    )
    .await;
    caller.states_until(&line, "connected");
    screenshot(&client, &shots, "02-answered-by-shortcut").await;
    caller.send(&format!(r#"{{"cmd":"hangup","call":"{line}"}}"#));
    find(&client, "no call left", "//*[@data-testid='no-calls']").await;

    // 3. The colleague's number is in the clipboard: Ctrl+Alt+D calls it.
    let mut colleague = Baresip::start(
        &mut started,
        dir.path(),
        &kamailio,
        "2004",
        "pw2004",
        Answer::Auto,
    );
    let clip = dir.path().join("clipboard.txt");
    std::fs::write(&clip, "Poste 20 04\n").expect("clipboard text");
    started.spawn(
        "xclip (apt-get install xclip)",
        Command::new("xclip")
            .args(["-selection", "clipboard", "-quiet"])
            .arg(&clip)
            .env("DISPLAY", &display)
            .stdout(Stdio::null())
            .stderr(Stdio::null()),
    );
    // xclip owns the clipboard a moment after it starts: the shortcut comes after that.
    wait_until("the clipboard's text", Duration::from_secs(10), || {
        Command::new("xclip")
            .args(["-selection", "clipboard", "-o"])
            .env("DISPLAY", &display)
            .output()
            .is_ok_and(|o| o.stdout.starts_with(b"Poste 20 04"))
    });
    press(&display, "ctrl+alt+d");
    colleague.wait_event("CALL_ESTABLISHED", Duration::from_secs(30));
    find(
        &client,
        "the call to the clipboard's number",
        &row("connected"),
    )
    .await;
    screenshot(&client, &shots, "03-clipboard-dialled").await;
    let who = find(&client, "the call's party", "//*[@data-testid='call-who']").await;
    assert_eq!(
        who.text().await.expect("text"),
        "Étienne Roberts",
        "extension 2004, named from the demo contacts"
    );
    colleague.command("hangup", "");
    colleague.wait_event("CALL_CLOSED", Duration::from_secs(30));
    find(&client, "no call left", "//*[@data-testid='no-calls']").await;

    // 4. A tel: link clicked elsewhere launches the app with it: the running window offers
    // it, and calls it once the agent confirms.
    let status = launch_again(&display, dir.path(), &bus, &["tel:2004"]).await;
    assert!(
        status.success(),
        "the launch with a link ended with {status}"
    );
    find(
        &client,
        "the link offered",
        "//*[@data-testid='link-bar'][contains(., '2004')]",
    )
    .await;
    screenshot(&client, &shots, "04-link-offered").await;
    click(&client, "call the link", "//*[@data-testid='link-call']").await;
    colleague.wait_event("CALL_ESTABLISHED", Duration::from_secs(30));
    find(&client, "the call to the link's number", &row("connected")).await;
    client.close().await.expect("close");
}

/// Launches the app again on the same database and session with `args`; returns how it
/// ended (it must hand over to the running window at once).
async fn launch_again(
    display: &str,
    dir: &std::path::Path,
    bus: &str,
    args: &[&str],
) -> std::process::ExitStatus {
    let mut again = Command::new(workspace_binary("switchboard"))
        .args(args)
        .env("DISPLAY", display)
        .env("SWITCHBOARD_DB", dir.join("contacts.db"))
        .env("DBUS_SESSION_BUS_ADDRESS", bus)
        .env("SWITCHBOARD_SIP_BIND", "127.0.0.1:0")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("a second launch");
    let launched = Instant::now();
    loop {
        if let Some(status) = again.try_wait().expect("wait") {
            return status;
        }
        if launched.elapsed() > Duration::from_secs(60) {
            let _ = again.kill();
            panic!("the second launch opened a second window instead of ending");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
