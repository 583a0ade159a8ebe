//! The number table: what an agent types or a CRM holds, and what Switchboard makes of it.

use switchboard_core::{Country, DialFormat, DialPlan, Number, Source};

fn plan(country: &str, area: &str, prefix: &str, ext: u8, format: DialFormat) -> DialPlan {
    DialPlan {
        country: country.parse::<Country>().expect("country"),
        area_code: area.into(),
        external_prefix: prefix.into(),
        extension_len: ext,
        format,
    }
}

fn fr() -> DialPlan {
    plan("FR", "", "", 4, DialFormat::E164)
}
fn gb() -> DialPlan {
    plan("GB", "161", "9", 4, DialFormat::National)
}
fn us() -> DialPlan {
    plan("US", "212", "9", 3, DialFormat::International)
}
fn de() -> DialPlan {
    plan("DE", "30", "0", 3, DialFormat::National)
}

/// What a case must give: `ext:+E164`, `int:EXT`, `short:DIGITS`, `uri:URI`, or `err:CODE`.
fn outcome(r: &Result<Number, switchboard_core::NumberError>) -> String {
    match r {
        Ok(Number::External {
            e164,
            extension: None,
        }) => format!("ext:{e164}"),
        Ok(Number::External {
            e164,
            extension: Some(x),
        }) => format!("ext:{e164};{x}"),
        Ok(Number::Internal { extension }) => format!("int:{extension}"),
        Ok(Number::Short { digits, .. }) => format!("short:{digits}"),
        Ok(Number::Uri { uri }) => format!("uri:{uri}"),
        Err(e) => format!("err:{}", e.code()),
    }
}

#[test]
fn parse_table() {
    use Source::{DialBox as D, Field as F};
    let long = "1".repeat(200);
    let huge = "9".repeat(300);
    let cases: Vec<(DialPlan, Source, &str, &str)> = vec![
        // Great Britain
        (gb(), D, "+44 (161) 5527789", "ext:+441615527789"),
        (gb(), D, "44 161 5527789", "ext:+441615527789"),
        (gb(), D, "0161 552 7789", "ext:+441615527789"),
        (gb(), D, "9 0161 552 7789", "ext:+441615527789"),
        (gb(), D, "552 7789", "ext:+441615527789"),
        (gb(), D, "020 7946 0123", "ext:+442079460123"),
        (gb(), D, "00 33 1 23 45 67 89", "ext:+33123456789"),
        (gb(), D, "999", "short:999"),
        (gb(), D, "112", "short:112"),
        (gb(), D, "118 118", "short:118118"),
        (gb(), D, "2004", "int:2004"),
        (gb(), F, "Tel: 0161-552-7789 (office)", "ext:+441615527789"),
        (
            gb(),
            F,
            "+44 161 552 7789 ext. 214",
            "ext:+441615527789;214",
        ),
        (gb(), D, "0161 552", "err:number_not_valid"),
        // France
        (fr(), D, "01 23 45 67 89", "ext:+33123456789"),
        (fr(), D, "01.23.45.67.89", "ext:+33123456789"),
        (fr(), D, "01-23-45-67-89", "ext:+33123456789"),
        (fr(), D, "+33 1 23 45 67 89", "ext:+33123456789"),
        (fr(), D, "+33 (0)1 23 45 67 89", "ext:+33123456789"),
        (fr(), D, "0033 1 23 45 67 89", "ext:+33123456789"),
        (fr(), D, "06 12 34 56 78", "ext:+33612345678"),
        (
            fr(),
            D,
            "01\u{a0}23\u{a0}45\u{a0}67\u{a0}89",
            "ext:+33123456789",
        ),
        (
            fr(),
            D,
            "01\u{202f}23\u{202f}45\u{202f}67\u{202f}89",
            "ext:+33123456789",
        ),
        (fr(), D, "15", "short:15"),
        (fr(), D, "112", "short:112"),
        (fr(), D, "3919", "short:3919"),
        (fr(), D, "118 712", "short:118712"),
        (fr(), D, "2004", "int:2004"),
        (fr(), D, "*8", "short:*8"),
        (fr(), D, "#31#", "short:#31#"),
        (fr(), D, "0044 161 552 7789", "ext:+441615527789"),
        (
            fr(),
            D,
            "tel:+33-1-23-45-67-89;ext=12",
            "ext:+33123456789;12",
        ),
        (fr(), D, "TEL:+33.1.23.45.67.89", "ext:+33123456789"),
        (
            fr(),
            D,
            "tel:0123456789;phone-context=+33",
            "ext:+33123456789",
        ),
        (fr(), D, "callto:+33123456789", "ext:+33123456789"),
        (fr(), D, "callto://0123456789", "ext:+33123456789"),
        (fr(), F, "Standard : 01 23 45 67 89", "ext:+33123456789"),
        (fr(), F, "01 23 45 67 89 poste 12", "ext:+33123456789;12"),
        (fr(), D, "01 23 45 67", "err:number_not_valid"),
        (fr(), D, "08 9", "err:number_too_short"),
        // United States
        (us(), D, "+1 (212) 555-0123", "ext:+12125550123"),
        (us(), D, "(212) 555-0123", "ext:+12125550123"),
        (us(), D, "1 212 555 0123", "ext:+12125550123"),
        (us(), D, "555-0123", "ext:+12125550123"),
        (us(), D, "9 1 212 555 0123", "ext:+12125550123"),
        (us(), D, "011 44 20 7946 0123", "ext:+442079460123"),
        (us(), D, "911", "short:911"),
        (us(), D, "411", "short:411"),
        (us(), D, "204", "int:204"),
        // Germany
        (de(), D, "030 901820", "ext:+4930901820"),
        (de(), D, "+49 30 901820", "ext:+4930901820"),
        (de(), D, "0 030 901820", "ext:+4930901820"),
        (de(), D, "901820", "ext:+4930901820"),
        (de(), D, "110", "short:110"),
        (de(), D, "112", "short:112"),
        (de(), D, "0049 (0)30 901820", "ext:+4930901820"),
        (de(), D, "42", "err:number_too_short"),
        // URIs
        (fr(), D, "sip:1002@pbx.example", "uri:sip:1002@pbx.example"),
        (
            fr(),
            D,
            "SIP:alice@PBX.Example:5070",
            "uri:sip:alice@pbx.example:5070",
        ),
        (fr(), D, "sips:bob@[::1]:5061", "uri:sips:bob@[::1]:5061"),
        (
            fr(),
            D,
            "sip:1002@pbx.example;transport=tcp",
            "uri:sip:1002@pbx.example;transport=tcp",
        ),
        (
            fr(),
            D,
            "sip:1002@pbx.example?Replaces=abc",
            "err:number_bad_uri",
        ),
        (fr(), D, "sip:1002@", "err:number_bad_uri"),
        (fr(), D, "sip:10 02@pbx", "err:number_bad_uri"),
        (fr(), D, "sip:x@evil>", "err:number_bad_uri"),
        (fr(), D, "sip:x@pbx:99999", "err:number_bad_uri"),
        (
            fr(),
            D,
            "mailto:a@b.example",
            "err:number_unsupported_scheme",
        ),
        // Hostile
        (fr(), D, "", "err:number_empty"),
        (fr(), D, "   ", "err:number_empty"),
        (fr(), D, "hello", "err:number_letters"),
        (fr(), D, "01 23 AB 67 89", "err:number_letters"),
        (fr(), D, "0800 FLOWERS", "err:number_letters"),
        (fr(), D, &long, "err:number_too_long"),
        (fr(), D, &huge, "err:number_too_long"),
        (fr(), F, &long, "err:number_too_long"),
        (
            fr(),
            D,
            "1002;transport=tcp",
            "err:number_invalid_character",
        ),
        (fr(), D, "<sip:x@evil>", "err:number_invalid_character"),
        (fr(), F, "<sip:x@evil>", "err:number_empty"),
        (
            fr(),
            D,
            "01 23\u{0}45 67 89",
            "err:number_control_character",
        ),
        (
            fr(),
            D,
            "01 23\u{1b}[2J45 67 89",
            "err:number_control_character",
        ),
        (fr(), D, "01\t23 45 67 89", "err:number_control_character"),
        (fr(), F, "01\t23 45 67 89", "ext:+33123456789"),
        (fr(), D, "０１２３４５６７８９", "ext:+33123456789"),
        (fr(), D, "٠١٢٣٤٥٦٧٨٩", "ext:+33123456789"),
        (
            fr(),
            D,
            "０１²３４５６７８９",
            "err:number_invalid_character",
        ),
        (fr(), D, "01 23 + 45 67 89", "err:number_misplaced_plus"),
        (fr(), D, "+", "err:number_too_short"),
        (fr(), D, "++33123456789", "err:number_misplaced_plus"),
        (fr(), D, "+33 12", "err:number_too_short"),
        (fr(), D, "+999 1234567890", "err:number_not_valid"),
        (fr(), D, "tel:+33;ext=", "err:number_invalid_character"),
        (fr(), D, "tel:", "err:number_empty"),
        (fr(), D, "-().", "err:number_empty"),
        (fr(), F, "n/a", "err:number_empty"),
    ];
    assert!(cases.len() >= 60, "the table holds {} cases", cases.len());
    let mut failures = Vec::new();
    for (plan, source, input, want) in &cases {
        let got = outcome(&Number::parse(input, plan, *source));
        if got != *want {
            failures.push(format!(
                "{} {source:?} {input:?}: want {want}, got {got}",
                plan.country
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn dial_strings_follow_the_plan() {
    let cases: Vec<(DialPlan, &str, &str, &str)> = vec![
        (fr(), "01 23 45 67 89", "+33123456789", "+33 1 23 45 67 89"),
        (fr(), "2004", "2004", "2004"),
        (fr(), "3919", "3919", "3919"),
        (fr(), "*8", "*8", "*8"),
        (gb(), "0161 552 7789", "901615527789", "+44 161 552 7789"),
        (
            gb(),
            "+33 1 23 45 67 89",
            "90033123456789",
            "+33 1 23 45 67 89",
        ),
        (gb(), "999", "9999", "999"),
        (us(), "(212) 555-0123", "901112125550123", "+1 212-555-0123"),
        (de(), "030 901820", "0030901820", "+49 30 901820"),
        (
            plan("FR", "", "0", 4, DialFormat::National),
            "+44 20 7946 0123",
            "0004420794601 23",
            "+44 20 7946 0123",
        ),
        (
            fr(),
            "tel:+33-1-23-45-67-89;ext=12",
            "+33123456789",
            "+33 1 23 45 67 89 ext. 12",
        ),
        (
            fr(),
            "sip:1002@pbx.example",
            "sip:1002@pbx.example",
            "sip:1002@pbx.example",
        ),
    ];
    for (plan, input, dial, display) in cases {
        let n = Number::parse(input, &plan, Source::DialBox).expect(input);
        assert_eq!(n.dial_string(&plan), dial.replace(' ', ""), "dial {input}");
        assert_eq!(n.display(), display, "display {input}");
    }
}

#[test]
fn plan_validation_names_the_field() {
    let mut p = fr();
    p.area_code = "0161".into();
    assert_eq!(p.validate().map_err(|e| e.code()), Err("plan_area_code"));
    p.area_code = "161".into();
    assert!(p.validate().is_ok());
    p.area_code = "16a".into();
    assert_eq!(p.validate().map_err(|e| e.code()), Err("plan_area_code"));
    let mut p = fr();
    p.external_prefix = "9999".into();
    assert_eq!(
        p.validate().map_err(|e| e.code()),
        Err("plan_external_prefix")
    );
    assert_eq!(
        "XX".parse::<Country>().map_err(|e| e.code()),
        Err("plan_country")
    );
    assert_eq!(
        "nat".parse::<DialFormat>().map_err(|e| e.code()),
        Err("plan_format")
    );
}
