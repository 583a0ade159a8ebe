//! Nothing typed is lost when the app is killed: the real app under Xvfb gets a new contact
//! typed into its form, is killed (SIGKILL, no chance to save) once the draft is in its
//! database file, and gives the form back when started again on the same database.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use switchboard_e2e::{poll_until, process_tree, wait_until, workspace_binary, Started};

mod common;
use common::{app_session, artifacts, click, find, screenshot, type_into, WAIT};

/// The contact forms' drafts as the database file holds them now (read by the sqlite3
/// program, as another process would).
fn stored_contact_drafts(db: &Path) -> String {
    let out = Command::new("sqlite3")
        .arg("-readonly")
        .arg(db)
        .arg("SELECT body FROM drafts WHERE key LIKE 'contact:%'")
        .output()
        .expect("sqlite3 (installed by scripts/setup)");
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// The app's process among what tauri-driver `driver` started.
fn app_process(driver: u32) -> u32 {
    let app = workspace_binary("switchboard")
        .canonicalize()
        .expect("the app is built");
    let mut found = None;
    wait_until("the app's process", WAIT, || {
        found = process_tree(driver)
            .into_iter()
            .find(|pid| std::fs::read_link(format!("/proc/{pid}/exe")).is_ok_and(|exe| exe == app));
        found.is_some()
    });
    found.expect("found")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_contact_typed_before_the_app_is_killed_comes_back() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("contacts.db");
    let shots = artifacts("drafts");
    let env = [("SWITCHBOARD_SIP_BIND", "127.0.0.1:0")];

    let mut started = Started::default();
    let client = app_session(&mut started, dir.path(), &shots, &env).await;
    let driver = started.last_pid().expect("tauri-driver");
    click(
        &client,
        "New contact",
        "//button[@data-testid='new-contact']",
    )
    .await;
    type_into(
        &client,
        "the first name",
        "//input[@data-testid='contact-given_name']",
        "Marc",
    )
    .await;
    type_into(
        &client,
        "the last name",
        "//input[@data-testid='contact-family_name']",
        "Delorme",
    )
    .await;
    type_into(
        &client,
        "the notes",
        "//textarea[@data-testid='contact-notes']",
        "Rappeler après 14h",
    )
    .await;
    screenshot(&client, &shots, "1-typed").await;
    // Killed once what was typed is in the file (it goes there as it is typed).
    wait_until("the draft in the database file", WAIT, || {
        stored_contact_drafts(&db).contains("Rappeler après 14h")
    });
    let app = app_process(driver);
    let killed = Command::new("kill")
        .args(["-KILL", &app.to_string()])
        .status()
        .expect("kill");
    assert!(killed.success(), "the app was killed");
    assert!(
        poll_until(WAIT, || !Path::new(&format!("/proc/{app}/exe")).exists()),
        "the app is gone"
    );
    drop(client);
    drop(started);

    // Started again on the same database: the form is back as it was left.
    let mut started = Started::default();
    let client = app_session(&mut started, dir.path(), &shots, &env).await;
    find(
        &client,
        "the restored form's status",
        "//footer[@data-testid='status'][contains(., 'The contact you were typing when the window closed is back')]",
    )
    .await;
    for (field, xpath, value) in [
        (
            "the first name",
            "//input[@data-testid='contact-given_name']",
            "Marc",
        ),
        (
            "the last name",
            "//input[@data-testid='contact-family_name']",
            "Delorme",
        ),
        (
            "the notes",
            "//textarea[@data-testid='contact-notes']",
            "Rappeler après 14h",
        ),
    ] {
        let input = find(&client, field, xpath).await;
        assert_eq!(
            input.prop("value").await.expect("value").as_deref(),
            Some(value),
            "{field}"
        );
    }
    screenshot(&client, &shots, "2-restored").await;
    // At the window's size a number's row fits the card: its remove button shows whole.
    let overflow = client
        .execute(
            "const card = document.querySelector('[data-testid=\"card\"]').getBoundingClientRect();
             const remove = document.querySelector('.number-row button').getBoundingClientRect();
             return remove.right - card.right;",
            vec![],
        )
        .await
        .expect("measure the number row");
    assert!(
        overflow.as_f64().is_some_and(|px| px <= 0.5),
        "the remove button passes the card's edge by {overflow}px"
    );
    // Enter in the form saves it (the Save button may be below the fold of the card).
    type_into(
        &client,
        "the last name",
        "//input[@data-testid='contact-family_name']",
        "\u{E007}",
    )
    .await;
    find(
        &client,
        "the saved contact's card",
        "//h2[@data-testid='card-name'][.='Marc Delorme']",
    )
    .await;
    // Saved for real: the draft is gone from the file.
    wait_until("the draft deleted", Duration::from_secs(30), || {
        stored_contact_drafts(&db).is_empty()
    });
    screenshot(&client, &shots, "3-saved").await;
    client.close().await.expect("close the session");
    drop(started);
}
