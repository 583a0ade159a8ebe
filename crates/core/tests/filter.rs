//! Call filtering: block and allow lists of numbers and ranges, anonymous callers.

use switchboard_core::matching::classify;
use switchboard_core::{CallFilter, CallerIdentity, DialPlan, FilterMode, FilterSettings, Verdict};

fn judge(settings: &FilterSettings, user: &str) -> Verdict {
    let plan = DialPlan::default();
    let filter = CallFilter::new(settings, &plan).expect("valid list");
    let caller = classify(
        &CallerIdentity {
            user: user.into(),
            display_name: None,
        },
        &plan,
    );
    filter.judge(&caller)
}

fn list(mode: FilterMode, entries: &[&str]) -> FilterSettings {
    FilterSettings {
        mode,
        entries: entries.iter().map(|e| (*e).to_owned()).collect(),
        refuse_anonymous: false,
    }
}

#[test]
fn a_block_list_refuses_numbers_and_ranges_whatever_their_writing() {
    let block = list(FilterMode::Block, &["06 12 34 56 78", "0899*", "+44 20*"]);
    assert_eq!(
        judge(&block, "+33612345678"),
        Verdict::Blocked {
            entry: "06 12 34 56 78".into()
        }
    );
    assert_eq!(judge(&block, "0612345678"), judge(&block, "+33612345678"));
    assert_eq!(
        judge(&block, "0033899123456"),
        Verdict::Blocked {
            entry: "0899*".into()
        }
    );
    assert_eq!(
        judge(&block, "+442071234567"),
        Verdict::Blocked {
            entry: "+44 20*".into()
        }
    );
    assert_eq!(
        judge(&block, "+33612345679"),
        Verdict::Pass,
        "one digit off"
    );
    assert_eq!(judge(&block, "+441611234567"), Verdict::Pass);
    assert_eq!(judge(&block, "anonymous"), Verdict::Pass);
}

#[test]
fn an_allow_list_lets_only_its_numbers_and_colleagues_ring() {
    let allow = list(FilterMode::Allow, &["+33 1 44*"]);
    assert_eq!(judge(&allow, "0144556677"), Verdict::Pass);
    assert_eq!(judge(&allow, "0155667788"), Verdict::NotAllowed);
    assert_eq!(judge(&allow, "2004"), Verdict::Pass, "an extension");
    assert_eq!(judge(&allow, "anonymous"), Verdict::NotAllowed);
}

#[test]
fn anonymous_and_withheld_callers_can_be_refused() {
    let mut settings = list(FilterMode::Off, &[]);
    assert_eq!(judge(&settings, "anonymous"), Verdict::Pass);
    settings.refuse_anonymous = true;
    assert_eq!(judge(&settings, "anonymous"), Verdict::Anonymous);
    assert_eq!(judge(&settings, "restricted"), Verdict::Anonymous);
    assert_eq!(judge(&settings, "+33612345678"), Verdict::Pass);
}

#[test]
fn unreadable_entries_are_reported_with_their_place() {
    let plan = DialPlan::default();
    let bad = list(
        FilterMode::Block,
        &["0612345678", "", "06 CALL ME", "*", "+"],
    );
    let errors = CallFilter::new(&bad, &plan).expect_err("bad entries");
    let lines: Vec<usize> = errors.iter().map(|e| e.line).collect();
    assert_eq!(lines, [3, 4, 5], "the empty line is skipped, not an error");
    assert_eq!(errors[0].entry, "06 CALL ME");
    assert!(errors[0].to_string().contains("entry 3"));
}

fn judge_in(country: &str, entries: &[&str], user: &str) -> Verdict {
    let plan = DialPlan {
        country: country.parse().expect("country"),
        ..DialPlan::default()
    };
    let filter = CallFilter::new(&list(FilterMode::Block, entries), &plan).expect("valid list");
    filter.judge(&classify(
        &CallerIdentity {
            user: user.into(),
            display_name: None,
        },
        &plan,
    ))
}

#[test]
fn entries_are_read_the_way_each_country_writes_its_numbers() {
    let blocked = |entry: &str| Verdict::Blocked {
        entry: entry.into(),
    };
    // The United States: the trunk prefix 1 is also the country code.
    assert_eq!(
        judge_in("US", &["(212) 555-1234"], "+12125551234"),
        blocked("(212) 555-1234")
    );
    assert_eq!(
        judge_in("US", &["1234"], "1234"),
        blocked("1234"),
        "an extension"
    );
    // Spain has no trunk prefix: a national range and an extension range alike.
    assert_eq!(
        judge_in("ES", &["912 345 678"], "+34912345678"),
        blocked("912 345 678")
    );
    assert_eq!(judge_in("ES", &["912*"], "+34912000000"), blocked("912*"));
    assert_eq!(judge_in("ES", &["20*"], "2004"), blocked("20*"));
    // In France a range of extensions is written without a leading 0.
    assert_eq!(judge_in("FR", &["20*"], "2004"), blocked("20*"));
    assert_eq!(judge_in("FR", &["20*"], "+33200000000"), Verdict::Pass);
}
