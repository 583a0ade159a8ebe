//! The desk's preferences: the call screen's address filled for a caller, the global
//! shortcuts, each refused field named, and everything kept across a restart.

use switchboard_runtime::{check_shortcut, DeskSettings, Error, Handle, LinkOutcome, OpenOptions};

fn refused_field(result: Result<(), Error>) -> String {
    match result {
        Err(e) => e
            .report()
            .field
            .unwrap_or_else(|| panic!("no field in {e}")),
        Ok(()) => panic!("accepted"),
    }
}

#[tokio::test]
async fn the_call_screen_opens_the_crm_page_of_the_caller() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("agent.db");
    let handle = Handle::open(&path, OpenOptions { demo_data: true })
        .await
        .expect("open");
    assert_eq!(
        handle
            .call_screen("c1", "0199009999", None)
            .await
            .expect("none"),
        None,
        "no address: the window shows the contact card"
    );
    let duval = handle.search("Claire Duval", 1).await.expect("search")[0].id;
    let desk = DeskSettings {
        call_screen_url: " https://crm.example/contacts?phone={e164}&who={name}&id={contact_id} "
            .into(),
        ..DeskSettings::default()
    };
    handle.save_desk_settings(&desk).await.expect("saved");
    let url = handle
        .call_screen("c1", "0199009999", Some(duval))
        .await
        .expect("filled");
    assert_eq!(
        url.as_deref(),
        Some(
            format!(
                "https://crm.example/contacts?phone=%2B33199009999&who=Claire%20Duval&id={duval}"
            )
            .as_str()
        )
    );
    handle.close().await;
    let reopened = Handle::open(&path, OpenOptions::default())
        .await
        .expect("reopen");
    assert_eq!(
        reopened.desk_settings().call_screen_url,
        "https://crm.example/contacts?phone={e164}&who={name}&id={contact_id}",
        "kept across a restart, trimmed"
    );
    let unknown = reopened
        .call_screen("c2", "2004", None)
        .await
        .expect("filled");
    assert_eq!(
        unknown.as_deref(),
        Some("https://crm.example/contacts?phone=&who=&id="),
        "an extension has no E.164 and no contact"
    );
}

#[tokio::test]
async fn each_refused_preference_is_named_and_nothing_changes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let handle = Handle::open(&dir.path().join("agent.db"), OpenOptions::default())
        .await
        .expect("open");
    let good = DeskSettings::default();
    for (bad, field) in [
        (
            DeskSettings {
                call_screen_url: "crm.example/{e164}".into(),
                ..good.clone()
            },
            "call_screen_url",
        ),
        (
            DeskSettings {
                call_screen_url: "https://crm.example/{phone}".into(),
                ..good.clone()
            },
            "call_screen_url",
        ),
        (
            DeskSettings {
                answer_shortcut: "A".into(),
                ..good.clone()
            },
            "answer_shortcut",
        ),
        (
            DeskSettings {
                dial_clipboard_shortcut: "ctrl+alt+a".into(),
                ..good.clone()
            },
            "dial_clipboard_shortcut",
        ),
        // The answer shortcut's keys in another order and spelling.
        (
            DeskSettings {
                dial_clipboard_shortcut: "Alt+Control+A".into(),
                ..good.clone()
            },
            "dial_clipboard_shortcut",
        ),
    ] {
        assert_eq!(
            refused_field(handle.save_desk_settings(&bad).await),
            field,
            "{bad:?}"
        );
    }
    assert_eq!(handle.desk_settings(), good);
}

#[test]
fn shortcuts_need_a_modifier_and_one_key() {
    for ok in [
        "Ctrl+Alt+A",
        "Shift+F12",
        "super+1",
        "CmdOrCtrl+Shift+D",
        "Ctrl+Shift+A",
    ] {
        assert_eq!(check_shortcut(ok), Ok(()), "{ok}");
    }
    for bad in [
        "",
        "F5",
        "Ctrl+",
        "Ctrl+Alt+Enter",
        "Hyper+A",
        "Ctrl+F25",
        "Shift+A",
        "shift+7",
    ] {
        assert!(check_shortcut(bad).is_err(), "{bad}");
    }
}

#[tokio::test]
async fn a_link_from_elsewhere_is_read_with_the_dial_plan_and_offered_or_dialled() {
    let dir = tempfile::tempdir().expect("tempdir");
    let handle = Handle::open(&dir.path().join("agent.db"), OpenOptions::default())
        .await
        .expect("open");
    for link in [
        "tel:+33-1-44-55-66-77",
        "tel:%2B33144556677",
        "callto://01.44.55.66.77",
        "TEL:01 44 55 66 77",
    ] {
        match handle.open_link(link).expect(link) {
            LinkOutcome::Confirm { number, .. } => {
                assert_eq!(number.e164.as_deref(), Some("+33144556677"), "{link}");
            }
            other => panic!("{link}: confirmation is the default, not {other:?}"),
        }
    }
    let sip = handle.open_link("sip:2004@pbx.example").expect("sip");
    assert!(
        matches!(&sip, LinkOutcome::Confirm { number, .. } if number.kind == "uri"),
        "{sip:?}"
    );
    for (link, code) in [
        ("tel:CALL-ME", "number_letters"),
        ("sip:2004@pbx.example?Subject=x", "number_bad_uri"),
    ] {
        let error = handle.open_link(link).expect_err(link);
        assert_eq!(error.code(), code, "{link}: {error}");
    }
    // Dialled at once by setting: without a phone, that says so.
    let desk = DeskSettings {
        dial_links_at_once: true,
        ..DeskSettings::default()
    };
    handle.save_desk_settings(&desk).await.expect("saved");
    let error = handle.open_link("tel:0144556677").expect_err("no phone");
    assert_eq!(error.code(), "phone_not_started");
}
