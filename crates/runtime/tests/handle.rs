//! The Handle as the app uses it: first run, settings, look-ups.

use switchboard_core::{Caller, CallerIdentity, DialPlan, Source};
use switchboard_runtime::{Handle, OpenOptions, PlanForm};

#[tokio::test]
async fn demo_data_only_on_the_first_run() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("app.db");
    let handle = Handle::open(&path, OpenOptions { demo_data: true })
        .await
        .expect("open");
    let demo = handle.search("", 1_000).await.expect("search");
    assert!(demo.len() >= 300, "{} demo contacts", demo.len());
    handle.close().await;

    let plain = Handle::open(&dir.path().join("plain.db"), OpenOptions::default())
        .await
        .expect("open");
    assert!(plain.search("", 10).await.expect("search").is_empty());
    plain.close().await;
    let later = Handle::open(
        &dir.path().join("plain.db"),
        OpenOptions { demo_data: true },
    )
    .await
    .expect("reopen");
    assert!(
        later.search("", 10).await.expect("search").is_empty(),
        "an existing database never gets the demo contacts"
    );
}

#[tokio::test]
async fn the_dial_plan_is_checked_stored_and_applied() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("app.db");
    let handle = Handle::open(&path, OpenOptions::default())
        .await
        .expect("open");
    let bad = DialPlan {
        external_prefix: "9a".into(),
        ..DialPlan::default()
    };
    let err = handle.set_dial_plan(bad).await.expect_err("refused");
    assert_eq!(err.code(), "plan_external_prefix");
    let gb = DialPlan {
        country: "GB".parse().expect("GB"),
        external_prefix: "9".into(),
        format: switchboard_core::DialFormat::National,
        ..DialPlan::default()
    };
    handle.set_dial_plan(gb.clone()).await.expect("stored");
    handle.close().await;
    let reopened = Handle::open(&path, OpenOptions::default())
        .await
        .expect("reopen");
    assert_eq!(reopened.settings().dial_plan, gb);
    assert!(reopened.warnings().is_empty());
    let n = reopened
        .normalize("020 7946 0123", Source::DialBox)
        .expect("number");
    assert_eq!(n.dial, "902079460123");
    let who = reopened
        .lookup(&CallerIdentity {
            user: "2004".into(),
            display_name: Some("Claire".into()),
        })
        .await
        .expect("lookup");
    assert!(matches!(who.caller, Caller::Internal { .. }));
}

#[tokio::test]
async fn an_unreadable_stored_plan_is_reported_and_kept() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("app.db");
    let store = switchboard_store::Store::open(&path).await.expect("store");
    store
        .set_setting("dial_plan", &serde_json::json!({"country": "ZZ"}))
        .await
        .expect("write");
    store.close().await;
    let handle = Handle::open(&path, OpenOptions::default())
        .await
        .expect("open");
    assert_eq!(handle.settings().dial_plan, DialPlan::default());
    assert_eq!(handle.warnings().len(), 1, "{:?}", handle.warnings());
    assert!(
        handle.warnings()[0].contains("dial_plan"),
        "{:?}",
        handle.warnings()
    );
    handle.close().await;
    let store = switchboard_store::Store::open(&path).await.expect("store");
    let kept: serde_json::Value = store
        .setting("dial_plan")
        .await
        .expect("read")
        .expect("kept");
    assert_eq!(
        kept,
        serde_json::json!({"country": "ZZ"}),
        "never silently reset"
    );
}

#[tokio::test]
async fn the_dial_plan_form_names_the_field_it_refuses() {
    let dir = tempfile::tempdir().expect("tempdir");
    let handle = Handle::open(&dir.path().join("app.db"), OpenOptions::default())
        .await
        .expect("open");
    let form = handle.plan_form();
    assert_eq!(
        (
            form.country.as_str(),
            form.format.as_str(),
            form.extension_len
        ),
        ("FR", "e164", 4)
    );
    for (wrong, field) in [
        (
            PlanForm {
                country: "XX".into(),
                ..form.clone()
            },
            "country",
        ),
        (
            PlanForm {
                area_code: "0161".into(),
                country: "GB".into(),
                ..form.clone()
            },
            "area_code",
        ),
        (
            PlanForm {
                external_prefix: "9a".into(),
                ..form.clone()
            },
            "external_prefix",
        ),
        (
            PlanForm {
                format: "local".into(),
                ..form.clone()
            },
            "format",
        ),
    ] {
        let report = handle
            .save_plan_form(&wrong)
            .await
            .expect_err("refused")
            .report();
        assert_eq!(report.field.as_deref(), Some(field), "{report:?}");
    }
    assert_eq!(handle.plan_form(), form, "nothing refused was kept");
    let manchester = PlanForm {
        country: "gb".into(),
        area_code: "161".into(),
        external_prefix: "9".into(),
        extension_len: 4,
        format: "national".into(),
    };
    handle.save_plan_form(&manchester).await.expect("saved");
    assert_eq!(handle.plan_form().country, "GB");
    let local = handle
        .normalize("552 7789", Source::DialBox)
        .expect("a local number");
    assert_eq!(local.dial, "901615527789");
}
