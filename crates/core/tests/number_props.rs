//! Properties: formatting a valid number then parsing it gives it back; nothing panics.

use proptest::prelude::*;
use switchboard_core::{Country, DialFormat, DialPlan, Number, Source, E164};

fn plan(country: &str, ext: u8) -> DialPlan {
    DialPlan {
        country: country.parse::<Country>().expect("country"),
        extension_len: ext,
        ..DialPlan::default()
    }
}

/// A valid E.164 number of one of the countries Switchboard is deployed in.
fn valid_number() -> impl Strategy<Value = (&'static str, E164)> {
    let country = prop_oneof![
        Just(("FR", "33", "[1-79][0-9]{8}")),
        Just(("GB", "44", "(1[0-9]{9}|20[0-9]{8}|7[0-9]{9})")),
        Just(("US", "1", "[2-9][0-9]{2}[2-9][0-9]{6}")),
        Just(("DE", "49", "(30[0-9]{6,8}|89[0-9]{6,8}|1[5-7][0-9]{8,9})")),
    ];
    country.prop_flat_map(|(iso, cc, pattern)| {
        proptest::string::string_regex(pattern)
            .expect("pattern")
            .prop_filter_map("not a valid number", move |nsn| {
                E164::parse(&format!("+{cc}{nsn}")).ok().map(|e| (iso, e))
            })
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn formatted_numbers_parse_back((iso, e164) in valid_number()) {
        let plan = plan(iso, 0);
        for written in [e164.international(), e164.national(), e164.as_str().to_owned()] {
            for source in [Source::DialBox, Source::Field] {
                let parsed = Number::parse(&written, &plan, source);
                prop_assert_eq!(
                    parsed.as_ref().ok().and_then(Number::e164),
                    Some(&e164),
                    "{} read as {:?}", written, parsed
                );
            }
        }
        let number = Number::parse(e164.as_str(), &plan, Source::DialBox).expect("valid");
        for format in [DialFormat::E164, DialFormat::International, DialFormat::National] {
            let dialled = number.dial_string(&DialPlan { format, ..plan.clone() });
            let back = Number::parse(&dialled, &plan, Source::DialBox);
            prop_assert_eq!(back.as_ref().ok().and_then(Number::e164), Some(&e164), "{}", dialled);
        }
    }

    #[test]
    fn any_text_gives_a_value_or_a_typed_error(text in "\\PC{0,40}|[0-9 +()*#.-]{0,30}") {
        for source in [Source::DialBox, Source::Field] {
            if let Err(e) = Number::parse(&text, &plan("FR", 4), source) {
                prop_assert!(!e.code().is_empty());
                prop_assert!(!e.to_string().is_empty());
            }
        }
    }
}
