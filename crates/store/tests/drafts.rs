//! Drafts: what the agent typed and has not saved is kept in the database file, so a window
//! killed mid-sentence loses nothing.

use switchboard_store::{Store, MAX_DRAFT, MAX_DRAFT_KEY};

async fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&dir.path().join("drafts.db"))
        .await
        .expect("store");
    (dir, store)
}

#[tokio::test]
async fn a_draft_is_kept_replaced_and_deleted_by_an_empty_body() {
    let (_dir, store) = store().await;
    store
        .save_draft("contact", "{\"display_name\":\"Ma")
        .await
        .expect("ok");
    store
        .save_draft("call:7", "rappeler lundi")
        .await
        .expect("store");
    store
        .save_draft("contact", "{\"display_name\":\"Marc\"}")
        .await
        .expect("ok");
    let drafts = store.drafts().await.expect("store");
    let bodies: Vec<(&str, &str)> = drafts
        .iter()
        .map(|d| (d.key.as_str(), d.body.as_str()))
        .collect();
    assert_eq!(bodies.len(), 2);
    assert!(bodies.contains(&("contact", "{\"display_name\":\"Marc\"}")));
    assert!(bodies.contains(&("call:7", "rappeler lundi")));
    store.save_draft("contact", "").await.expect("store");
    let left = store.drafts().await.expect("store");
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].key, "call:7");
}

#[tokio::test]
async fn a_draft_outlives_the_store_being_reopened() {
    let (dir, store) = store().await;
    store.save_draft("call:3", "note").await.expect("store");
    drop(store);
    let again = Store::open(&dir.path().join("drafts.db"))
        .await
        .expect("store");
    assert_eq!(again.drafts().await.expect("store")[0].body, "note");
}

#[tokio::test]
async fn an_oversized_draft_or_key_is_refused_and_the_old_draft_stays() {
    let (_dir, store) = store().await;
    store.save_draft("contact", "kept").await.expect("store");
    let huge = "x".repeat(MAX_DRAFT + 1);
    let err = store
        .save_draft("contact", &huge)
        .await
        .expect_err("refused");
    assert_eq!(err.code(), "store_too_long");
    assert_eq!(err.field(), Some("body"));
    let long_key = "k".repeat(MAX_DRAFT_KEY + 1);
    assert_eq!(
        store
            .save_draft(&long_key, "x")
            .await
            .expect_err("refused")
            .field(),
        Some("key")
    );
    assert_eq!(
        store
            .save_draft("", "x")
            .await
            .expect_err("refused")
            .field(),
        Some("key")
    );
    assert_eq!(store.drafts().await.expect("store")[0].body, "kept");
}
