//! The real app under Xvfb, driven through WebDriver (tauri-driver + WebKitWebDriver):
//! search a demo contact and click its number, without an account yet.

use switchboard_e2e::Started;

mod common;
use common::{app_session, artifacts, find};

#[tokio::test(flavor = "multi_thread")]
async fn search_a_contact_and_click_its_number() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut started = Started::default();
    let client = app_session(
        &mut started,
        dir.path(),
        &artifacts("webdriver"),
        &[("SWITCHBOARD_SIP_BIND", "127.0.0.1:0")],
    )
    .await;

    assert_eq!(client.title().await.expect("title"), "Switchboard");
    let search = find(&client, "the search box", "//input[@data-testid='search']").await;
    search.send_keys("Claire Duval").await.expect("type");
    let result = find(
        &client,
        "the demo contact in the results",
        "//div[@data-testid='results'][@data-query='Claire Duval']//button[contains(., 'Claire Duval')]",
    )
    .await;
    result.click().await.expect("open the card");
    let number = find(
        &client,
        "a number on the card",
        "//section[@data-testid='card']//button[@data-testid='number']",
    )
    .await;
    assert_eq!(number.text().await.expect("text"), "+33 1 99 00 99 99");
    number.click().await.expect("click the number");
    // No SIP account yet: the status line says so, and where to add one.
    let status = find(
        &client,
        "the missing account in the status line",
        "//footer[@data-testid='status'][contains(., 'Settings')]",
    )
    .await;
    assert_eq!(
        status.text().await.expect("status").trim(),
        "⚠No SIP account to call from: add one in Settings."
    );
    client.close().await.expect("close the session");
    drop(started);
}
