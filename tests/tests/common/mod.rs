#![allow(dead_code)] // each test file uses a part
//! The real app under Xvfb, reached through WebDriver (tauri-driver + WebKitWebDriver), and
//! what the tests need to drive it: elements found by waiting, screenshots kept as artifacts.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use switchboard_e2e::{cargo_tool, free_port, wait_for_port, workspace_binary, xvfb, Started};

/// How long an element may take to show (both cores can be busy in CI).
pub const WAIT: Duration = Duration::from_secs(60);

/// A WebDriver session with the app, started with its database in `dir` and `env` set; what
/// the app and the drivers print goes to `logs/tauri-driver.log`.
pub async fn app_session(
    started: &mut Started,
    dir: &Path,
    logs: &Path,
    env: &[(&str, &str)],
) -> Client {
    app_session_on(started, dir, logs, env).await.0
}

/// [`app_session`], and the X display the app shows on (for tools that act on it).
pub async fn app_session_on(
    started: &mut Started,
    dir: &Path,
    logs: &Path,
    env: &[(&str, &str)],
) -> (Client, String) {
    let app = workspace_binary("switchboard");
    let display = xvfb(started);
    let port = free_port();
    let native = free_port();
    let log = std::fs::File::create(logs.join("tauri-driver.log")).expect("log");
    let mut command = Command::new(cargo_tool("tauri-driver"));
    command
        .args([
            "--port",
            &port.to_string(),
            "--native-port",
            &native.to_string(),
        ])
        .env("DISPLAY", &display)
        .env("SWITCHBOARD_DB", dir.join("contacts.db"))
        .env("LANG", "en_GB.UTF-8")
        .env("LC_ALL", "en_GB.UTF-8")
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(log.try_clone().expect("log"))
        .stderr(log);
    started.spawn(
        "tauri-driver (cargo install tauri-driver --version 2.1.0 --locked)",
        &mut command,
    );
    wait_for_port("tauri-driver", port, Duration::from_secs(30));
    // tauri-driver forwards sessions to WebKitWebDriver, which it starts on the native port.
    wait_for_port("WebKitWebDriver", native, Duration::from_secs(30));
    let mut caps = serde_json::Map::new();
    caps.insert("browserName".into(), "wry".into());
    caps.insert(
        "tauri:options".into(),
        serde_json::json!({ "application": app }),
    );
    let client = ClientBuilder::native()
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .expect("WebDriver session with the app");
    (client, display)
}

/// The element at `xpath`, once it shows.
/// When it never shows, what the window showed instead is saved as
/// `target/e2e-artifacts/failed/LAST.png` with the page's text.
pub async fn find(client: &Client, what: &str, xpath: &str) -> Element {
    match client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::XPath(xpath))
        .await
    {
        Ok(element) => element,
        Err(e) => {
            let dir = artifacts("failed");
            screenshot(client, &dir, "LAST").await;
            let text = match client.find(Locator::XPath("//body")).await {
                Ok(body) => body.text().await.unwrap_or_default(),
                Err(_) => String::new(),
            };
            panic!("{what} never showed ({xpath}): {e}\nthe window said:\n{text}")
        }
    }
}

/// Where a test's screenshots go: `target/e2e-artifacts/TEST/`.
pub fn artifacts(test: &str) -> PathBuf {
    let dir = workspace_binary("switchboard")
        .parent()
        .and_then(Path::parent)
        .expect("target/<profile>")
        .join("e2e-artifacts")
        .join(test);
    std::fs::create_dir_all(&dir).expect("artifacts folder");
    dir
}

/// Saves what the window shows as `dir/NAME.png`.
pub async fn screenshot(client: &Client, dir: &Path, name: &str) {
    let png = client.screenshot().await.expect("screenshot");
    std::fs::write(dir.join(format!("{name}.png")), png).expect("save the screenshot");
}

/// Clicks the element at `xpath`, once it shows.
pub async fn click(client: &Client, what: &str, xpath: &str) {
    find(client, what, xpath)
        .await
        .click()
        .await
        .unwrap_or_else(|e| panic!("click {what}: {e}"));
}

/// Types `text` into the element at `xpath`, once it shows.
pub async fn type_into(client: &Client, what: &str, xpath: &str, text: &str) {
    find(client, what, xpath)
        .await
        .send_keys(text)
        .await
        .unwrap_or_else(|e| panic!("type into {what}: {e}"));
}

/// Adds the SIP account `user` at `registrar` in Settings and waits until it is registered.
pub async fn add_account(client: &Client, registrar: &str, user: &str, password: &str) {
    click(client, "Settings", "//button[@data-testid='settings']").await;
    for (field, value) in [
        ("registrar", registrar),
        ("user", user),
        ("password", password),
    ] {
        type_into(
            client,
            field,
            &format!("//input[@data-testid='account-{field}']"),
            value,
        )
        .await;
    }
    click(
        client,
        "Save",
        "//form[@data-testid='account-form']//button[@type='submit']",
    )
    .await;
    find(
        client,
        "the account registered",
        "//ul[@data-testid='accounts']/li[@data-state='registered']",
    )
    .await;
}

/// The row of the call whose state is `status` (`connected`, `on_hold`...).
pub fn row(status: &str) -> String {
    format!("//li[@data-testid='call'][@data-status='{status}']")
}

/// The button of `row` whose accessible name starts with `label` (`Hold: `...).
pub fn button(row: &str, label: &str) -> String {
    format!("{row}//button[starts-with(@aria-label, '{label}')]")
}
