//! SIP accounts as settings: a wrong field is refused by name, a saved account registers at
//! once, its password is kept in the keyring (never in the database) and registers it again
//! after a restart; a wrong password shows as a failed registration; removing it unregisters.

use switchboard_e2e::Started;
use switchboard_runtime::{AccountSettings, Handle, OpenOptions, PhoneEvent, PhoneOptions};
use switchboard_sip::SipEvent;

mod common;
use common::{kamailio_for, next, registered, start_local};

fn account(id: &str, registrar: String) -> AccountSettings {
    AccountSettings {
        id: id.into(),
        registrar,
        user: "1001".into(),
        auth_user: None,
        display_name: Some("Agent".into()),
        transport: "udp".into(),
        outbound_proxy: Some(" ".into()),
        expires: 600,
    }
}

async fn open(path: &std::path::Path) -> Handle {
    Handle::open(path, OpenOptions::default())
        .await
        .expect("database")
}

#[tokio::test(flavor = "multi_thread")]
async fn accounts_are_checked_kept_with_their_password_in_the_keyring_and_registered() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut started = Started::default();
    let kamailio = kamailio_for(&mut started, dir.path(), &["1001"]);
    let db = dir.path().join("agent.db");
    let registrar = format!("sip:{}", kamailio.hostport());
    // The keyring is shared by every run of the tests: a name of this run's own.
    let id = format!("t{}", std::process::id());

    let handle = open(&db).await;
    let mut events = start_local(&handle, PhoneOptions::default()).await;
    for (wrong, expected) in [
        (
            AccountSettings {
                registrar: "pbx.example.com".into(),
                ..account(&id, registrar.clone())
            },
            "registrar",
        ),
        (
            AccountSettings {
                user: "10 01".into(),
                ..account(&id, registrar.clone())
            },
            "user",
        ),
        (
            AccountSettings {
                transport: "sctp".into(),
                ..account(&id, registrar.clone())
            },
            "transport",
        ),
        (
            AccountSettings {
                expires: 5,
                ..account(&id, registrar.clone())
            },
            "expires",
        ),
        (
            AccountSettings {
                outbound_proxy: Some("proxy".into()),
                ..account(&id, registrar.clone())
            },
            "outbound_proxy",
        ),
        // A new account without a password.
        (account(&id, registrar.clone()), "password"),
    ] {
        let report = handle
            .save_account(wrong, None)
            .await
            .expect_err("refused")
            .report();
        assert_eq!(report.code, "invalid_field");
        assert_eq!(report.field.as_deref(), Some(expected), "{report:?}");
    }
    assert!(handle
        .account_settings()
        .await
        .expect("accounts")
        .is_empty());

    handle
        .save_account(account(&id, registrar.clone()), Some("pw1001".into()))
        .await
        .expect("saved");
    registered(&mut events).await;
    let saved = handle.account_settings().await.expect("accounts");
    assert_eq!(saved.len(), 1);
    assert_eq!(saved[0].registrar, registrar);
    handle.phone().expect("phone").shutdown().await;
    handle.close().await;
    // The password is nowhere in the database file.
    let bytes = std::fs::read(&db).expect("database file");
    assert!(!bytes.windows(6).any(|w| w == b"pw1001"));

    // After a restart the saved account registers with the keyring's password.
    let handle = open(&db).await;
    let mut events = start_local(&handle, PhoneOptions::default()).await;
    let problems = handle.register_saved_accounts().await.expect("accounts");
    assert!(problems.is_empty(), "{problems:?}");
    registered(&mut events).await;

    // Saved again with a wrong password: the registrar refuses, and says so.
    handle
        .save_account(account(&id, registrar.clone()), Some("wrong".into()))
        .await
        .expect("saved");
    loop {
        if let PhoneEvent::Sip(SipEvent::RegistrationFailed { status, .. }) =
            next(&mut events).await
        {
            assert!(matches!(status, Some(401 | 403)), "{status:?}");
            break;
        }
    }

    handle.delete_account(&id).await.expect("deleted");
    loop {
        if let PhoneEvent::Sip(SipEvent::Unregistered { account }) = next(&mut events).await {
            assert_eq!(account, id);
            break;
        }
    }
    assert!(handle
        .account_settings()
        .await
        .expect("accounts")
        .is_empty());
    // Its password went with it: saving it again needs one.
    let again = handle.save_account(account(&id, registrar), None).await;
    assert_eq!(
        again.map_err(|e| e.report().field),
        Err(Some("password".to_owned()))
    );
    handle.phone().expect("phone").shutdown().await;
    handle.close().await;
}
