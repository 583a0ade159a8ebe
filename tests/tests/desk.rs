//! The agent's desk in the real app under Xvfb, against real peers through kamailio: the
//! agent adds its SIP account in Settings; a headless Switchboard agent calls from the number
//! of a demo contact; the pop shows the contact and why it matched; the test clicks Answer,
//! Hold, Resume, Consult (a baresip colleague) and Complete transfer, and checks with the
//! peers that the caller now talks to the colleague, and that the call is in the history.
//! Each step's screenshot goes to `target/e2e-artifacts/desk/`.

use std::time::Duration;

use switchboard_e2e::agent::Agent;
use switchboard_e2e::baresip::{Answer, Baresip};
use switchboard_e2e::kamailio::Kamailio;
use switchboard_e2e::{workspace_binary, Started};

mod common;
use common::{app_session, artifacts, find, screenshot};

/// The row of the call in `status`.
fn row(status: &str) -> String {
    format!("//li[@data-testid='call'][@data-status='{status}']")
}

#[tokio::test(flavor = "multi_thread")]
async fn answer_hold_resume_consult_and_complete_the_transfer() {
    let dir = tempfile::tempdir().expect("tempdir");
    let shots = artifacts("desk");
    let mut started = Started::default();
    let users = [
        ("1001", "pw1001"),
        ("0199009999", "pw0199009999"),
        ("2004", "pw2004"),
    ];
    let kamailio = Kamailio::start(&mut started, dir.path(), &users);
    let registrar = format!("sip:{}", kamailio.hostport());
    let client = app_session(
        &mut started,
        dir.path(),
        &shots,
        &[("SWITCHBOARD_SIP_BIND", "127.0.0.1:0")],
    )
    .await;

    // 1. The account, from Settings.
    find(&client, "Settings", "//button[@data-testid='settings']")
        .await
        .click()
        .await
        .expect("open Settings");
    for (field, value) in [
        ("registrar", registrar.as_str()),
        ("user", "1001"),
        ("password", "pw1001"),
    ] {
        find(
            &client,
            field,
            &format!("//input[@data-testid='account-{field}']"),
        )
        .await
        .send_keys(value)
        .await
        .expect("type");
    }
    find(
        &client,
        "Save",
        "//form[@data-testid='account-form']//button[@type='submit']",
    )
    .await
    .click()
    .await
    .expect("save");
    find(
        &client,
        "the account registered",
        "//ul[@data-testid='accounts']/li[@data-state='registered']",
    )
    .await;
    kamailio.wait_registered("1001", true, Duration::from_secs(20));
    screenshot(&client, &shots, "1-account").await;

    // 2. The Duvals' household line calls: the pop names them, and why.
    let mut caller = Agent::start(
        &workspace_binary("switchboard-cli"),
        &[
            "--registrar",
            &registrar,
            "--user",
            "0199009999",
            "--password",
            "pw0199009999",
            "--bind",
            "127.0.0.1:0",
        ],
    );
    caller.wait("registered");
    caller.send(r#"{"cmd":"dial","to":"1001"}"#);
    let first = caller.wait("dialled")["call"]
        .as_str()
        .expect("the caller's line")
        .to_owned();
    let caller_text = find(&client, "the pop", "//p[@data-testid='pop-caller']")
        .await
        .text()
        .await
        .expect("text");
    assert_eq!(caller_text, "+33 1 99 00 99 99");
    let pop = find(&client, "the pop", "//section[@data-testid='pop']").await;
    let pop_text = pop.text().await.expect("text");
    assert!(pop_text.contains("Duval"), "{pop_text}");
    assert!(pop_text.contains("same number"), "{pop_text}");
    screenshot(&client, &shots, "2-pop").await;

    // 3. Answer, hold, resume: the caller hears of each.
    find(
        &client,
        "Answer",
        "//section[@data-testid='pop']//button[contains(@class, 'answer')]",
    )
    .await
    .click()
    .await
    .expect("answer");
    find(&client, "the connected call", &row("connected")).await;
    assert_eq!(
        caller
            .states_until(&first, "connected")
            .last()
            .map(String::as_str),
        Some("connected")
    );
    screenshot(&client, &shots, "3-connected").await;
    let hold = format!(
        "{}//button[starts-with(@aria-label, 'Hold: ')]",
        row("connected")
    );
    find(&client, "Hold", &hold)
        .await
        .click()
        .await
        .expect("hold");
    find(&client, "the held call", &row("on_hold")).await;
    assert_eq!(caller.wait("remote_hold")["held"], true);
    screenshot(&client, &shots, "4-on-hold").await;
    let resume = format!(
        "{}//button[starts-with(@aria-label, 'Resume: ')]",
        row("on_hold")
    );
    find(&client, "Resume", &resume)
        .await
        .click()
        .await
        .expect("resume");
    find(&client, "the resumed call", &row("connected")).await;
    assert_eq!(caller.wait("remote_hold")["held"], false);

    // 4. Consult the colleague (a baresip that answers by itself), then complete.
    let mut colleague = Baresip::start(
        &mut started,
        dir.path(),
        &kamailio,
        "2004",
        "pw2004",
        Answer::Auto,
    );
    let consult = format!(
        "{}//button[starts-with(@aria-label, 'Consult: ')]",
        row("connected")
    );
    find(&client, "Consult", &consult)
        .await
        .click()
        .await
        .expect("consult");
    find(
        &client,
        "the target box",
        "//input[@data-testid='call-entry']",
    )
    .await
    .send_keys("2004")
    .await
    .expect("type the colleague");
    find(
        &client,
        "Consult (send)",
        "//form[@class='ask']//button[@type='submit']",
    )
    .await
    .click()
    .await
    .expect("dial the colleague");
    colleague.wait_event("CALL_ESTABLISHED", Duration::from_secs(30));
    find(&client, "the held caller", &row("on_hold")).await;
    let consulting = find(&client, "the consultation", &row("connected")).await;
    assert!(consulting
        .text()
        .await
        .expect("text")
        .contains("Consulting"));
    screenshot(&client, &shots, "5-consulting").await;
    let complete = format!(
        "{}//button[starts-with(@aria-label, 'Complete transfer: ')]",
        row("on_hold")
    );
    find(&client, "Complete transfer", &complete)
        .await
        .click()
        .await
        .expect("complete");
    // The caller is asked (REFER with Replaces), accepts, and calls the colleague.
    let asked = caller.wait("transfer_requested");
    assert_eq!(asked["attended"], true);
    caller.send(&format!(r#"{{"cmd":"accept_transfer","call":"{first}"}}"#));
    let joined = loop {
        let e = caller.wait("line");
        if e["line"] != first.as_str() && e["state"] == "connected" {
            break e["line"].as_str().unwrap_or_default().to_owned();
        }
    };
    assert_ne!(joined, first);
    colleague.wait_event("CALL_ESTABLISHED", Duration::from_secs(30));
    find(
        &client,
        "an empty call list",
        "//p[@data-testid='no-calls']",
    )
    .await;
    screenshot(&client, &shots, "6-transferred").await;
    caller.send(&format!(r#"{{"cmd":"hangup","call":"{joined}"}}"#));
    colleague.wait_event("CALL_CLOSED", Duration::from_secs(30));

    // The window's history lists the call, transferred.
    find(&client, "History", "//button[@data-testid='tab-history']")
        .await
        .click()
        .await
        .expect("open the history");
    find(
        &client,
        "the transferred call in the history",
        "//li[@data-testid='history-row'][contains(., '0199009999')][contains(., 'Transferred')]",
    )
    .await;
    screenshot(&client, &shots, "7-history").await;
    client.close().await.expect("close the session");
    drop(started);
    // The call is in the app's history, answered, ended by the transfer.
    let history = std::process::Command::new(workspace_binary("switchboard-cli"))
        .arg("--db")
        .arg(dir.path().join("contacts.db"))
        .arg("history")
        .output()
        .expect("switchboard-cli history");
    let history = String::from_utf8_lossy(&history.stdout);
    assert!(history.contains("0199009999"), "{history}");
    assert!(history.contains("transferred"), "{history}");
}
