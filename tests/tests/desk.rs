//! The agent's desk in the real app under Xvfb, against real peers through kamailio: the
//! agent adds its SIP account in Settings; a headless Switchboard agent calls from the number
//! of a demo contact (the Duvals' household line) and a baresip is the colleague 2004. The
//! tests click what an agent clicks and check with the peers what happened. Each step's
//! screenshot goes to `target/e2e-artifacts/<test>/`.

use std::path::PathBuf;
use std::time::Duration;

use fantoccini::Client;
use switchboard_e2e::agent::Agent;
use switchboard_e2e::baresip::{Answer, Baresip};
use switchboard_e2e::kamailio::Kamailio;
use switchboard_e2e::{workspace_binary, Started};

mod common;
use common::{
    add_account, app_session, artifacts, button, click, find, row, screenshot, type_into,
};

/// Kamailio with the agent, the caller and the colleague; the app registered as 1001.
struct Bed {
    dir: tempfile::TempDir,
    started: Started,
    kamailio: Kamailio,
    registrar: String,
    client: Client,
    shots: PathBuf,
}

async fn bed(test: &str) -> Bed {
    let dir = tempfile::tempdir().expect("tempdir");
    let shots = artifacts(test);
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
    add_account(&client, &registrar, "1001", "pw1001").await;
    kamailio.wait_registered("1001", true, Duration::from_secs(20));
    Bed {
        dir,
        started,
        kamailio,
        registrar,
        client,
        shots,
    }
}

impl Bed {
    /// The Duvals' line as a headless agent, registered.
    fn caller(&self) -> Agent {
        Agent::registered(&self.registrar, "0199009999", "pw0199009999")
    }

    /// The colleague 2004, a baresip.
    fn colleague(&mut self, answer: Answer) -> Baresip {
        Baresip::start(
            &mut self.started,
            self.dir.path(),
            &self.kamailio,
            "2004",
            "pw2004",
            answer,
        )
    }

    /// The caller dials the agent, who answers from the pop; returns the caller's line.
    async fn answered_call(&self, caller: &mut Agent) -> String {
        caller.send(r#"{"cmd":"dial","to":"1001"}"#);
        let line = caller.wait("dialled")["call"]
            .as_str()
            .expect("the caller's line")
            .to_owned();
        click(
            &self.client,
            "Answer",
            "//section[@data-testid='pop']//button[contains(@class, 'answer')]",
        )
        .await;
        find(&self.client, "the connected call", &row("connected")).await;
        caller.states_until(&line, "connected");
        line
    }

    async fn shot(&self, name: &str) {
        screenshot(&self.client, &self.shots, name).await;
    }
}

/// Clicks `control` (`Consult`, `Blind transfer`) on the connected call, types `target` in
/// the box it opens and sends it.
async fn to_target(client: &Client, control: &str, target: &str) {
    let label = format!("{control}: ");
    click(client, control, &button(&row("connected"), &label)).await;
    type_into(
        client,
        "the target box",
        "//input[@data-testid='call-entry']",
        target,
    )
    .await;
    click(
        client,
        "send the target",
        "//form[@class='ask']//button[@type='submit']",
    )
    .await;
}

/// Waits until the caller's new line (not `old`) is connected; returns it.
fn joined(caller: &Agent, old: &str) -> String {
    loop {
        let e = caller.wait("line");
        if e["line"] != old && e["state"] == "connected" {
            return e["line"].as_str().unwrap_or_default().to_owned();
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn answer_hold_resume_consult_and_complete_the_transfer() {
    let mut bed = bed("desk").await;
    bed.shot("1-account").await;

    // The pop names the Duvals, and why.
    let mut caller = bed.caller();
    caller.send(r#"{"cmd":"dial","to":"1001"}"#);
    let first = caller.wait("dialled")["call"]
        .as_str()
        .expect("the caller's line")
        .to_owned();
    let client = &bed.client;
    let caller_text = find(client, "the pop", "//*[@data-testid='pop-caller']")
        .await
        .text()
        .await
        .expect("text");
    assert_eq!(caller_text, "+33 1 99 00 99 99");
    let pop = find(client, "the pop", "//section[@data-testid='pop']").await;
    let pop_text = pop.text().await.expect("text");
    assert!(pop_text.contains("Duval"), "{pop_text}");
    assert!(pop_text.contains("same number"), "{pop_text}");
    bed.shot("2-pop").await;

    // Answer, hold, resume: the caller hears of each.
    click(
        client,
        "Answer",
        "//section[@data-testid='pop']//button[contains(@class, 'answer')]",
    )
    .await;
    find(client, "the connected call", &row("connected")).await;
    assert_eq!(
        caller
            .states_until(&first, "connected")
            .last()
            .map(String::as_str),
        Some("connected")
    );
    bed.shot("3-connected").await;
    click(client, "Hold", &button(&row("connected"), "Hold: ")).await;
    find(client, "the held call", &row("on_hold")).await;
    assert_eq!(caller.wait("remote_hold")["held"], true);
    bed.shot("4-on-hold").await;
    click(client, "Resume", &button(&row("on_hold"), "Resume: ")).await;
    find(client, "the resumed call", &row("connected")).await;
    assert_eq!(caller.wait("remote_hold")["held"], false);

    // Record, then stop: the row says so meanwhile, and the file is in the recordings' folder
    // beside the database (nothing set in the settings).
    click(client, "Record", &button(&row("connected"), "Record: ")).await;
    find(
        client,
        "the row saying it is recorded",
        &format!("{}//*[@data-testid='call-recording']", row("connected")),
    )
    .await;
    bed.shot("4b-recording").await;
    click(
        client,
        "Stop recording",
        &button(&row("connected"), "Stop recording: "),
    )
    .await;
    find(
        client,
        "Record again",
        &button(&row("connected"), "Record: "),
    )
    .await;
    let recordings: Vec<String> = std::fs::read_dir(bed.dir.path().join("recordings"))
        .expect("the recordings' folder")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        matches!(recordings.as_slice(), [one] if one.contains("_in_0199009999") && one.ends_with(".wav")),
        "{recordings:?}"
    );

    // Consult the colleague (a baresip that answers by itself), then complete.
    let mut colleague = bed.colleague(Answer::Auto);
    let client = &bed.client;
    to_target(client, "Consult", "2004").await;
    colleague.wait_event("CALL_ESTABLISHED", Duration::from_secs(30));
    find(client, "the held caller", &row("on_hold")).await;
    let consulting = find(client, "the consultation", &row("connected")).await;
    assert!(consulting
        .text()
        .await
        .expect("text")
        .contains("Consulting"));
    bed.shot("5-consulting").await;
    click(
        client,
        "Complete transfer",
        &button(&row("on_hold"), "Complete transfer: "),
    )
    .await;
    // The caller is asked (REFER with Replaces), accepts, and calls the colleague.
    let asked = caller.wait("transfer_requested");
    assert_eq!(asked["attended"], true);
    caller.send(&format!(r#"{{"cmd":"accept_transfer","call":"{first}"}}"#));
    let joined = joined(&caller, &first);
    colleague.wait_event("CALL_ESTABLISHED", Duration::from_secs(30));
    find(client, "an empty call list", "//p[@data-testid='no-calls']").await;
    bed.shot("6-transferred").await;
    caller.send(&format!(r#"{{"cmd":"hangup","call":"{joined}"}}"#));
    colleague.wait_event("CALL_CLOSED", Duration::from_secs(30));

    // The window's history lists the call, transferred.
    click(client, "History", "//button[@data-testid='tab-history']").await;
    find(
        client,
        "the transferred and recorded call in the history",
        "//div[@data-testid='history-row'][contains(., 'Duval')][contains(., 'Transferred')]\
         //button[starts-with(@aria-label, 'Play the recording')]",
    )
    .await;
    bed.shot("7-history").await;
    bed.client.close().await.expect("close the session");
    let db = bed.dir.path().join("contacts.db");
    drop(bed.started);
    // The same row, as the CLI reads the database after the app stopped.
    let history = std::process::Command::new(workspace_binary("switchboard-cli"))
        .arg("--db")
        .arg(db)
        .arg("history")
        .output()
        .expect("switchboard-cli history");
    let history = String::from_utf8_lossy(&history.stdout);
    assert!(history.contains("0199009999"), "{history}");
    assert!(history.contains("transferred"), "{history}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_call_while_busy_a_conference_of_three_and_a_blind_transfer() {
    let mut bed = bed("conference").await;
    let mut caller = bed.caller();
    let first = bed.answered_call(&mut caller).await;

    // The colleague calls while the agent talks: it rings beside the call in progress;
    // answering it holds the caller.
    let mut colleague = bed.colleague(Answer::Auto);
    colleague.command("dial", &format!("sip:1001@{}", bed.kamailio.hostport()));
    let client = &bed.client;
    find(client, "the second call ringing", &row("ringing_in")).await;
    find(client, "the first call still connected", &row("connected")).await;
    bed.shot("1-call-waiting").await;
    click(client, "Answer", &button(&row("ringing_in"), "Answer: ")).await;
    find(client, "the caller held", &row("on_hold")).await;
    assert_eq!(caller.wait("remote_hold")["held"], true);
    colleague.wait_event("CALL_ESTABLISHED", Duration::from_secs(30));

    // A conference of three: both parties are taken in; the caller is off hold.
    click(
        client,
        "Conference",
        &button(&row("connected"), "Conference: "),
    )
    .await;
    find(
        client,
        "two parties in conference",
        &format!("({})[2]", row("in_conference")),
    )
    .await;
    assert_eq!(caller.wait("remote_hold")["held"], false);
    let states: Vec<String> = {
        let mut texts = Vec::new();
        for e in client
            .find_all(fantoccini::Locator::Css("[data-testid=call-state]"))
            .await
            .expect("states")
        {
            texts.push(e.text().await.expect("text"));
        }
        texts
    };
    assert_eq!(states, ["Conference", "Conference"]);
    bed.shot("2-conference").await;

    // The colleague leaves (removed by the agent): the caller is a plain call again.
    click(
        client,
        "Remove party",
        &format!(
            "{}[.//span[@data-testid='call-who'][contains(., '2004') or contains(., 'Roberts')]]//button[starts-with(@aria-label, 'Remove party: ')]",
            row("in_conference")
        ),
    )
    .await;
    colleague.wait_event("CALL_CLOSED", Duration::from_secs(30));
    find(client, "the caller alone again", &row("connected")).await;

    // A blind transfer of the caller to the colleague: the caller is asked, goes, and the
    // agent's list empties.
    to_target(client, "Blind transfer", "2004").await;
    let asked = caller.wait("transfer_requested");
    assert_eq!(asked["attended"], false);
    caller.send(&format!(r#"{{"cmd":"accept_transfer","call":"{first}"}}"#));
    let joined = joined(&caller, &first);
    colleague.wait_event("CALL_ESTABLISHED", Duration::from_secs(30));
    find(client, "an empty call list", "//p[@data-testid='no-calls']").await;
    bed.shot("3-blind-transfer").await;
    caller.send(&format!(r#"{{"cmd":"hangup","call":"{joined}"}}"#));
    colleague.wait_event("CALL_CLOSED", Duration::from_secs(30));
    bed.client.close().await.expect("close the session");
}
