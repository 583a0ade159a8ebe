//! The caller ID of outgoing calls as the called side receives it (SIPp checks the INVITE's
//! headers): the account's own, a service number in From or in P-Preferred-Identity, and
//! anonymous with Privacy: id; the last choice stays for the next calls.

use switchboard_core::Source;
use switchboard_e2e::kamailio::Kamailio;
use switchboard_e2e::sipp::Sipp;
use switchboard_e2e::Started;
use switchboard_runtime::{
    CallerIdChoice, CallerIdSettings, Handle, IdentityField, PhoneOptions, PresentedNumber,
};

mod common;
use common::{desk_for, WAIT};

/// A called side that checks the INVITE against each `regexp` (`check_it`: a mismatch
/// fails the call), then refuses it with 486. The regexps are POSIX and sit in an XML
/// attribute: `.` stands for `<`, `>` and `"`.
fn checking_uas(regexps: &[&str]) -> String {
    let checks: String = regexps
        .iter()
        .enumerate()
        .map(|(i, r)| {
            format!(r#"<ereg regexp="{r}" search_in="msg" check_it="true" assign_to="m{i}"/>"#)
        })
        .collect();
    let refs = (0..regexps.len())
        .map(|i| format!("m{i}"))
        .collect::<Vec<_>>()
        .join(",");
    format!(
        r#"<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="caller_id_uas">
  <recv request="INVITE"><action>{checks}</action></recv>
  <send><![CDATA[

      SIP/2.0 486 Busy Here
      [last_Via:]
      [last_From:]
      [last_To:];tag=[pid]uas[call_number]
      [last_Call-ID:]
      [last_CSeq:]
      Content-Length: 0

    ]]></send>
  <recv request="ACK"/>
  <Reference variables="{refs}"/>
</scenario>
"#
    )
}

async fn call_checked(dir: &std::path::Path, handle: &Handle, name: &str, regexps: &[&str]) {
    let mut sipp = Sipp::start(dir, name, &checking_uas(regexps), &[]);
    handle
        .dial(&format!("sip:uas@{}", sipp.addr), Source::DialBox)
        .expect("dial");
    tokio::task::spawn_blocking(move || sipp.finish(WAIT))
        .await
        .expect("join")
        .unwrap_or_else(|e| panic!("{name}: the INVITE is not as expected: {e}"));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_called_side_sees_the_caller_id_the_agent_chose() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut started = Started::default();
    let kamailio = Kamailio::start(&mut started, dir.path(), &[("1001", "pw1001")]);
    let (handle, phone, _events) =
        desk_for(dir.path(), &kamailio, "1001", PhoneOptions::default()).await;
    let host = kamailio.hostport();
    let host = host.replace('.', "[.]");

    call_checked(
        dir.path(),
        &handle,
        "own",
        &[&format!("From: .sip:1001@{host}.")],
    )
    .await;

    let settings = CallerIdSettings {
        numbers: vec![PresentedNumber {
            number: " 01 44 55 66 77 ".into(),
            label: "Support".into(),
        }],
        field: IdentityField::From,
        choice: CallerIdChoice::Account,
    };
    handle.save_caller_id(&settings).await.expect("saved");
    handle
        .choose_caller_id(CallerIdChoice::Number {
            number: "01 44 55 66 77".into(),
        })
        .await
        .expect("chosen");
    call_checked(
        dir.path(),
        &handle,
        "service_from",
        &[&format!("From: .Support. .sip:[+]33144556677@{host}.")],
    )
    .await;

    let asserted = CallerIdSettings {
        field: IdentityField::PPreferredIdentity,
        ..handle.caller_id()
    };
    handle.save_caller_id(&asserted).await.expect("saved");
    call_checked(
        dir.path(),
        &handle,
        "service_ppi",
        &[
            &format!("From: .sip:1001@{host}."),
            &format!("P-Preferred-Identity: .Support. .sip:[+]33144556677@{host}."),
        ],
    )
    .await;

    handle
        .choose_caller_id(CallerIdChoice::Anonymous)
        .await
        .expect("anonymous");
    // The choice stays for the next calls (and across a restart: it is stored).
    for name in ["anonymous", "anonymous_again"] {
        call_checked(
            dir.path(),
            &handle,
            name,
            &[
                "From: .Anonymous. .sip:anonymous@anonymous[.]invalid.",
                "Privacy: id",
                &format!("P-Preferred-Identity: .sip:1001@{host}."),
            ],
        )
        .await;
    }
    assert_eq!(handle.caller_id().choice, CallerIdChoice::Anonymous);

    let refused = handle
        .choose_caller_id(CallerIdChoice::Number {
            number: "0899123456".into(),
        })
        .await
        .expect_err("not in the list");
    assert_eq!(refused.report().field.as_deref(), Some("caller_id"));
    let bad = CallerIdSettings {
        numbers: vec![PresentedNumber {
            number: "SUPPORT".into(),
            label: "Support".into(),
        }],
        ..CallerIdSettings::default()
    };
    assert_eq!(
        handle
            .save_caller_id(&bad)
            .await
            .expect_err("letters")
            .code(),
        "number_letters"
    );
    phone.shutdown().await;
}
