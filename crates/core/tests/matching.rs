//! Caller classification and ranking of the store's candidates.

use switchboard_core::matching::{classify, last_digits_key, range_prefixes, rank, UnknownReason};
use switchboard_core::{
    Caller, CallerIdentity, Candidate, DialPlan, MatchConfig, MatchReason, Via, E164,
};

fn id(user: &str, name: Option<&str>) -> CallerIdentity {
    CallerIdentity {
        user: user.into(),
        display_name: name.map(Into::into),
    }
}

fn cand(contact: i64, company: Option<i64>, name: &str, stored: &str, via: Via) -> Candidate {
    Candidate {
        contact_id: Some(contact),
        company_id: company,
        name: name.into(),
        stored: stored.into(),
        via,
    }
}

fn e164(s: &str) -> E164 {
    E164::parse(s).expect("valid")
}

#[test]
fn callers_are_classified() {
    let plan = DialPlan::default();
    assert_eq!(
        classify(&id("+33123456789", None), &plan),
        Caller::External {
            e164: e164("+33123456789")
        }
    );
    assert_eq!(
        classify(&id("0123456789", Some("ACME")), &plan),
        Caller::External {
            e164: e164("+33123456789")
        }
    );
    assert_eq!(
        classify(&id("2004", Some("Claire Martin")), &plan),
        Caller::Internal {
            extension: "2004".into(),
            name: Some("Claire Martin".into())
        }
    );
    // 1002 and 3919 would be dialled as French short codes; as callers they are colleagues.
    for ext in ["1002", "3919"] {
        assert_eq!(
            classify(&id(ext, None), &plan),
            Caller::Internal {
                extension: ext.into(),
                name: None
            }
        );
    }
    for (user, name, reason) in [
        ("112", None, UnknownReason::Unrecognised),
        ("anonymous", Some("Anonymous"), UnknownReason::Anonymous),
        ("Anonymous", None, UnknownReason::Anonymous),
        (
            "+33123456789",
            Some("\"Anonymous\""),
            UnknownReason::Anonymous,
        ),
        ("", None, UnknownReason::Withheld),
        ("withheld", None, UnknownReason::Withheld),
        ("unavailable", Some("Unavailable"), UnknownReason::Withheld),
        ("restricted", None, UnknownReason::Withheld),
        ("alice", Some("Alice"), UnknownReason::Unrecognised),
        ("12", None, UnknownReason::Unrecognised),
    ] {
        assert_eq!(
            classify(&id(user, name), &plan),
            Caller::Unknown { reason },
            "{user:?}"
        );
    }
}

#[test]
fn matches_are_ranked_with_their_reason() {
    let caller = e164("+441615527789");
    let candidates = vec![
        cand(4, Some(10), "Dora Range", "+4416155", Via::Range),
        cand(3, Some(10), "Carl Board", "+441615527789", Via::Switchboard),
        cand(2, None, "Bea Tail", "+33161552778", Via::Own),
        cand(2, None, "Bea Tail", "+331615527789", Via::Own),
        cand(1, None, "Al Exact", "+441615527789", Via::Own),
        cand(5, None, "Eve Other", "+441615520000", Via::Own),
        cand(6, None, "Fay Short", "+4416", Via::Range),
        cand(7, Some(11), "Gus Wide", "+441615", Via::Range),
    ];
    let ranked = rank(&caller, candidates, MatchConfig::default());
    let got: Vec<(i64, MatchReason)> = ranked
        .iter()
        .map(|m| (m.candidate.contact_id.expect("contact"), m.reason.clone()))
        .collect();
    assert_eq!(
        got,
        vec![
            (1, MatchReason::Exact),
            (2, MatchReason::LastDigits { digits: 9 }),
            (3, MatchReason::CompanySwitchboard),
            (
                4,
                MatchReason::NumberRange {
                    prefix: "+4416155".into()
                }
            ),
            (
                7,
                MatchReason::NumberRange {
                    prefix: "+441615".into()
                }
            ),
        ],
        "a 4-digit range is too wide to match; a longer range ranks first"
    );
}

#[test]
fn same_rank_is_ordered_by_name_and_n_is_configurable() {
    let caller = e164("+33123456789");
    let candidates = vec![
        cand(2, Some(7), "Zoé Standard", "+33123456789", Via::Switchboard),
        cand(
            1,
            Some(7),
            "Anne Standard",
            "+33123456789",
            Via::Switchboard,
        ),
        cand(3, None, "Old Number", "+33923456789", Via::Own),
    ];
    let ranked = rank(&caller, candidates.clone(), MatchConfig { last_digits: 8 });
    let names: Vec<&str> = ranked.iter().map(|m| m.candidate.name.as_str()).collect();
    assert_eq!(names, ["Old Number", "Anne Standard", "Zoé Standard"]);
    let strict = rank(&caller, candidates, MatchConfig { last_digits: 9 });
    assert_eq!(strict.len(), 2, "9 digits differ in the first one");
}

#[test]
fn keys_for_the_store() {
    assert_eq!(last_digits_key("+33 1 23"), "32133");
    let prefixes = range_prefixes(&e164("+33123456789"));
    assert_eq!(prefixes.first().map(String::as_str), Some("331234"));
    assert_eq!(prefixes.last().map(String::as_str), Some("3312345678"));
}
