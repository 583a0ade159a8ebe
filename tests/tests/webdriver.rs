//! The real app under Xvfb, driven through WebDriver (tauri-driver + WebKitWebDriver):
//! search a demo contact, click its number, read the dial string in the status line.

use std::process::{Command, Stdio};
use std::time::Duration;

use fantoccini::{ClientBuilder, Locator};
use switchboard_e2e::{cargo_tool, free_port, wait_for_port, workspace_binary, xvfb, Started};

#[tokio::test(flavor = "multi_thread")]
async fn search_a_contact_and_read_the_dial_string() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = workspace_binary("switchboard");
    let mut started = Started::default();
    let display = xvfb(&mut started);
    let port = free_port();
    let native = free_port();
    let log = std::fs::File::create(dir.path().join("tauri-driver.log")).expect("log");
    started.spawn(
        "tauri-driver (cargo install tauri-driver --version 2.1.0 --locked)",
        Command::new(cargo_tool("tauri-driver"))
            .args([
                "--port",
                &port.to_string(),
                "--native-port",
                &native.to_string(),
            ])
            .env("DISPLAY", &display)
            .env("SWITCHBOARD_DB", dir.path().join("contacts.db"))
            .env("LANG", "en_GB.UTF-8")
            .env("LC_ALL", "en_GB.UTF-8")
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log"))
            .stderr(log),
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
    let wait = Duration::from_secs(60);

    assert_eq!(client.title().await.expect("title"), "Switchboard");
    let search = client
        .wait()
        .at_most(wait)
        .for_element(Locator::Css("[data-testid=search]"))
        .await
        .expect("search box");
    search.send_keys("Claire Duval").await.expect("type");
    let result = client
        .wait()
        .at_most(wait)
        .for_element(Locator::XPath(
            "//ul[@data-testid='results'][@data-query='Claire Duval']//button[contains(., 'Claire Duval')]",
        ))
        .await
        .expect("the demo contact in the results");
    result.click().await.expect("open the card");
    let number = client
        .wait()
        .at_most(wait)
        .for_element(Locator::Css("[data-testid=card] [data-testid=number]"))
        .await
        .expect("a number on the card");
    assert_eq!(number.text().await.expect("text"), "+33 1 99 00 99 99");
    number.click().await.expect("click the number");
    let status = client
        .wait()
        .at_most(wait)
        .for_element(Locator::XPath(
            "//footer[@data-testid='status'][contains(., '+33199009999')]",
        ))
        .await
        .expect("the dial string in the status line");
    assert_eq!(
        status.text().await.expect("status").trim(),
        "Dial string for +33 1 99 00 99 99: +33199009999"
    );
    client.close().await.expect("close the session");
    drop(started);
}
