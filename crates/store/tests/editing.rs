//! Contacts edited by hand and the notes of calls, on a real SQLite file.

use switchboard_core::{DialPlan, MatchConfig, MatchReason, NumberKind, E164};
use switchboard_store::{
    ContactForm, Direction, NewCall, NumberField, Store, StoreError, MAX_CALL_NOTES,
};

async fn open() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&dir.path().join("contacts.db"))
        .await
        .expect("open");
    (dir, store)
}

fn number(kind: NumberKind, raw: &str) -> NumberField {
    NumberField {
        kind,
        raw: raw.into(),
    }
}

fn anne() -> ContactForm {
    ContactForm {
        given_name: "Anne".into(),
        family_name: "Martin".into(),
        company: "Boulangerie Dupré".into(),
        email: "anne.martin@dupre.example".into(),
        notes: "Rappeler au 06 12 34 56 78 après 14 h".into(),
        numbers: vec![
            number(NumberKind::Work, "+33 1 44 55 66 77"),
            number(NumberKind::Mobile, "  "),
            number(NumberKind::Switchboard, "+33 1 44 55 66 00"),
        ],
        ..ContactForm::default()
    }
}

async fn names_for(store: &Store, caller: &str) -> Vec<(String, MatchReason)> {
    let e164 = E164::parse(caller).expect("e164");
    store
        .find_by_number(&e164, MatchConfig::default())
        .await
        .expect("lookup")
        .into_iter()
        .map(|m| {
            (
                m.contact.map(|c| c.display_name).unwrap_or_default(),
                m.reason,
            )
        })
        .collect()
}

fn refused(result: Result<i64, StoreError>) -> (String, String) {
    match result {
        Err(e @ StoreError::ContactField { .. }) => (
            e.field().unwrap_or_default().to_owned(),
            e.code().to_owned(),
        ),
        other => panic!("expected a refused field, got {other:?}"),
    }
}

#[tokio::test]
async fn a_created_contact_is_found_by_name_and_number_and_pops() {
    let (_dir, store) = open().await;
    let plan = DialPlan::default();
    let id = store.save_contact(&anne(), &plan).await.expect("saved");
    let card = store.contact(id).await.expect("card");
    assert_eq!(card.display_name, "Anne Martin");
    assert_eq!(
        card.company.as_ref().map(|c| c.name.as_str()),
        Some("Boulangerie Dupré")
    );
    let own: Vec<_> = card
        .numbers
        .iter()
        .map(|n| (n.kind, n.e164.clone()))
        .collect();
    assert_eq!(own, [(NumberKind::Work, Some("+33144556677".to_owned()))]);
    let shared: Vec<_> = card
        .company_numbers
        .iter()
        .map(|n| n.raw.as_str())
        .collect();
    assert_eq!(
        shared,
        ["+33 1 44 55 66 00"],
        "the switchboard is the company's"
    );
    let found = store.search("dupre", &plan, 10).await.expect("search");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].id, id);
    assert_eq!(
        names_for(&store, "+33144556677").await,
        [("Anne Martin".to_owned(), MatchReason::Exact)]
    );
    assert_eq!(
        names_for(&store, "+33144556600").await,
        [("Anne Martin".to_owned(), MatchReason::CompanySwitchboard)]
    );
}

#[tokio::test]
async fn each_bad_field_is_named_and_nothing_is_stored() {
    let (_dir, store) = open().await;
    let plan = DialPlan::default();
    let nameless = ContactForm {
        company: "ACME".into(),
        ..ContactForm::default()
    };
    assert_eq!(
        refused(store.save_contact(&nameless, &plan).await),
        ("display_name".into(), "contact_no_name".into())
    );
    let mut bad_mail = anne();
    bad_mail.email = "anne at dupre".into();
    assert_eq!(
        refused(store.save_contact(&bad_mail, &plan).await),
        ("email".into(), "contact_bad_email".into())
    );
    let mut bad_number = anne();
    bad_number.numbers[1].raw = "+33 1 2".into();
    assert_eq!(
        refused(store.save_contact(&bad_number, &plan).await),
        ("number_1".into(), "number_too_short".into())
    );
    assert_eq!(store.contact_count().await.expect("count"), 0);
    store.save_contact(&anne(), &plan).await.expect("saved");
    assert_eq!(
        refused(store.save_contact(&anne(), &plan).await),
        ("display_name".into(), "contact_duplicate".into()),
        "the same person twice"
    );
    assert_eq!(store.contact_count().await.expect("count"), 1);
}

#[tokio::test]
async fn an_edit_changes_what_search_and_the_pop_find() {
    let (_dir, store) = open().await;
    let plan = DialPlan::default();
    let id = store.save_contact(&anne(), &plan).await.expect("saved");
    let mut form = store.contact_form(id).await.expect("form");
    assert_eq!(
        form.numbers.len(),
        1,
        "the form edits the contact's own numbers"
    );
    form.company = "Fromagerie Lebrun".into();
    form.numbers[0].raw = "+33 1 44 55 99 99".into();
    assert_eq!(store.save_contact(&form, &plan).await.expect("edited"), id);
    assert!(
        names_for(&store, "+33144556677").await.is_empty(),
        "the old number is gone"
    );
    assert_eq!(
        names_for(&store, "+33144559999").await,
        [("Anne Martin".to_owned(), MatchReason::Exact)]
    );
    let left = store
        .search("boulangerie", &plan, 10)
        .await
        .expect("search");
    assert!(
        left.is_empty(),
        "the old company no longer finds her: {left:?}"
    );
    assert_eq!(
        store
            .search("lebrun", &plan, 10)
            .await
            .expect("search")
            .len(),
        1
    );
    let gone = ContactForm {
        id: Some(id + 100),
        ..anne()
    };
    assert!(matches!(
        store.save_contact(&gone, &plan).await,
        Err(StoreError::NoSuchContact(_))
    ));
}

#[tokio::test]
async fn a_deleted_contact_comes_back_whole_with_its_calls() {
    let (_dir, store) = open().await;
    let plan = DialPlan::default();
    let id = store.save_contact(&anne(), &plan).await.expect("saved");
    let before = store.contact_form(id).await.expect("form");
    let call = store
        .history_begin(&NewCall {
            direction: Direction::In,
            remote_raw: "+33144556677",
            remote_e164: Some("+33144556677"),
            contact_id: Some(id),
        })
        .await
        .expect("call");
    let deleted = store.delete_contact(id).await.expect("deleted");
    assert_eq!(deleted.calls, [call]);
    assert!(names_for(&store, "+33144556677").await.is_empty());
    assert!(matches!(
        store.contact(id).await,
        Err(StoreError::NoSuchContact(_))
    ));
    let history = store.history(10).await.expect("history");
    assert_eq!(history[0].contact_id, None, "the call stays, unlinked");

    assert_eq!(
        store
            .restore_contact(&deleted, &plan)
            .await
            .expect("undone"),
        id
    );
    assert_eq!(store.contact_form(id).await.expect("form"), before);
    assert_eq!(
        store.history(10).await.expect("history")[0].contact_id,
        Some(id)
    );
    assert_eq!(
        names_for(&store, "+33144556677").await,
        [("Anne Martin".to_owned(), MatchReason::Exact)]
    );
}

#[tokio::test]
async fn call_notes_and_disposition_are_kept_and_found_with_the_caller() {
    let (_dir, store) = open().await;
    let plan = DialPlan::default();
    let id = store.save_contact(&anne(), &plan).await.expect("saved");
    let mut calls = Vec::new();
    for (remote, contact) in [
        ("+33144556677", Some(id)),
        ("+33144556677", None),
        ("+33699999999", None),
        ("+33600000000", Some(id)),
    ] {
        let call = store
            .history_begin(&NewCall {
                direction: Direction::Out,
                remote_raw: remote,
                remote_e164: Some(remote),
                contact_id: contact,
            })
            .await
            .expect("call");
        calls.push(call);
    }
    store
        .history_note(calls[1], "Commande 1234 livrée\n", Some(" resolved "))
        .await
        .expect("noted");
    let with = store
        .calls_with(Some("+33144556677"), &[id], 10)
        .await
        .expect("calls");
    let ids: Vec<i64> = with.iter().map(|c| c.id).collect();
    assert_eq!(
        ids,
        [calls[3], calls[1], calls[0]],
        "newest first, the other caller left out"
    );
    assert_eq!(with[1].notes, "Commande 1234 livrée");
    assert_eq!(with[0].contact_name.as_deref(), Some("Anne Martin"));
    assert_eq!(
        with[1].contact_name, None,
        "a call not linked to the contact"
    );
    assert_eq!(
        store.history_recording_of(calls[0]).await.expect("row"),
        None
    );
    store
        .history_recording(calls[0], "/rec/a.wav")
        .await
        .expect("recorded");
    assert_eq!(
        store
            .history_recording_of(calls[0])
            .await
            .expect("row")
            .as_deref(),
        Some("/rec/a.wav")
    );
    assert!(matches!(
        store.history_recording_of(calls[3] + 1).await,
        Err(StoreError::NoSuchCall(_))
    ));
    assert_eq!(with[1].disposition.as_deref(), Some("resolved"));
    // Notes saved without a code keep the one the call has.
    store
        .history_note(calls[1], "Commande 1234 livrée, facture envoyée", None)
        .await
        .expect("noted again");
    let kept = &store
        .calls_with(Some("+33144556677"), &[id], 10)
        .await
        .expect("calls")[1];
    assert_eq!(
        (kept.notes.as_str(), kept.disposition.as_deref()),
        ("Commande 1234 livrée, facture envoyée", Some("resolved"))
    );
    assert_eq!(
        store.calls_with(None, &[], 10).await.expect("none").len(),
        0
    );

    let long = "x".repeat(MAX_CALL_NOTES + 1);
    let e = store
        .history_note(calls[0], &long, None)
        .await
        .expect_err("too long");
    assert_eq!((e.code(), e.field()), ("store_too_long", Some("notes")));
    assert!(matches!(
        store.history_note(calls[3] + 1, "", None).await,
        Err(StoreError::NoSuchCall(_))
    ));
    store
        .history_note(calls[1], "", Some(""))
        .await
        .expect("cleared");
    let cleared = &store.calls_with(None, &[id], 10).await.expect("calls")[0];
    assert_eq!(
        (cleared.notes.as_str(), cleared.disposition.as_deref()),
        ("", None)
    );
}

#[tokio::test]
async fn the_whole_list_pages_in_name_order_without_gaps() {
    let (_dir, store) = open().await;
    let plan = DialPlan::default();
    for name in ["émile Zola", "Anne Martin", "bernard Petit", "Anne Martin"] {
        let form = ContactForm {
            display_name: name.into(),
            numbers: vec![number(
                NumberKind::Mobile,
                &format!(
                    "+33 6 00 00 00 {:02}",
                    store.contact_count().await.expect("count")
                ),
            )],
            ..ContactForm::default()
        };
        store.save_contact(&form, &plan).await.expect("saved");
    }
    let mut seen = Vec::new();
    for offset in (0..6).step_by(3) {
        let page = store.contact_page(offset, 3).await.expect("page");
        seen.extend(page.into_iter().map(|c| (c.display_name, c.number)));
    }
    let names: Vec<&str> = seen.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        ["Anne Martin", "Anne Martin", "bernard Petit", "émile Zola"]
    );
    assert_eq!(
        seen[0].1.as_deref(),
        Some("+33 6 00 00 00 01"),
        "the first Anne first"
    );
    assert!(store
        .contact_page(4, 3)
        .await
        .expect("past the end")
        .is_empty());
}
