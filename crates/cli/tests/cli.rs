//! The CLI as a script uses it: JSON out, exit code 2 with a typed error.

use std::process::{Command, Output};

fn cli(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_switchboard-cli"))
        .args(args)
        .output()
        .expect("run switchboard-cli")
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).expect("JSON on stdout")
}

#[test]
fn normalize_prints_the_number_or_a_typed_error() {
    let ok = cli(&[
        "normalize",
        "--json",
        "0161 552 7789",
        "--country",
        "GB",
        "--prefix",
        "9",
        "--format",
        "national",
    ]);
    assert!(ok.status.success());
    assert_eq!(
        json(&ok),
        serde_json::json!({"kind": "external", "e164": "+441615527789",
                           "dial": "901615527789", "display": "+44 161 552 7789"})
    );
    let ext = cli(&["normalize", "--json", "2004", "--ext-len", "4"]);
    assert_eq!(json(&ext)["kind"], "internal");
    let uri = cli(&["normalize", "--json", "sip:1002@pbx.example"]);
    assert_eq!(json(&uri)["kind"], "uri");
    let bad = cli(&["normalize", "--json", "01 23 AB 67"]);
    assert_eq!(bad.status.code(), Some(2));
    let err = json(&bad);
    assert_eq!(err["error"]["code"], "number_letters");
    assert!(
        err["error"]["message"]
            .as_str()
            .unwrap_or("")
            .contains("\"A\""),
        "{err}"
    );
    let plan = cli(&["normalize", "--json", "0161", "--country", "XX"]);
    assert_eq!(plan.status.code(), Some(2));
    assert_eq!(json(&plan)["error"]["code"], "plan_country");
}

#[test]
fn import_then_lookup_and_search() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("c.db");
    let db = db.to_str().expect("utf-8 path");
    let csv = dir.path().join("in.csv");
    std::fs::write(
        &csv,
        "name;company;work;switchboard\n\
         Anne Exact;Acme;+44 20 7946 0123;+44 20 7946 0000\n\
         Ben Board;Acme;+44 20 7946 0999;\n\
         ;;;\n\
         No Number;;12ab;\n",
    )
    .expect("write csv");
    let csv = csv.to_str().expect("utf-8 path");
    let out = cli(&["--db", db, "--json", "import", csv]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary = json(&out);
    assert_eq!(summary["imported"], 2);
    assert_eq!(summary["skipped"], 1);
    assert_eq!(summary["errors"][0]["line"], 5);
    let again = json(&cli(&["--db", db, "--json", "import", csv]));
    assert_eq!(
        (again["imported"].as_u64(), again["duplicates"].as_u64()),
        (Some(0), Some(2))
    );

    let lookup = json(&cli(&["--db", db, "--json", "lookup", "+442079460000"]));
    let names: Vec<&str> = lookup["matches"]
        .as_array()
        .expect("matches")
        .iter()
        .map(|m| m["contact"]["display_name"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(names, ["Anne Exact", "Ben Board"]);
    assert_eq!(
        lookup["matches"][0]["reason"]["reason"],
        "company_switchboard"
    );
    let exact = json(&cli(&["--db", db, "--json", "lookup", "+44 20 7946 0123"]));
    assert_eq!(exact["matches"][0]["reason"]["reason"], "exact");
    let text = cli(&["--db", db, "lookup", "+442079460123"]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("Anne Exact (Acme)"), "{text}");
    let anon = json(&cli(&["--db", db, "--json", "lookup", "anonymous"]));
    assert_eq!(
        anon["caller"],
        serde_json::json!({"kind": "unknown", "reason": "anonymous"})
    );
    let found = json(&cli(&["--db", db, "--json", "search", "acme"]));
    assert_eq!(found.as_array().map(Vec::len), Some(2));
}

#[test]
fn the_stored_dial_plan_applies() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("c.db");
    let db = db.to_str().expect("utf-8 path");
    let set = cli(&[
        "--db",
        db,
        "--json",
        "plan",
        "--country",
        "GB",
        "--prefix",
        "9",
        "--format",
        "national",
    ]);
    assert!(set.status.success());
    assert_eq!(json(&set)["country"], "GB");
    let n = json(&cli(&["--db", db, "--json", "normalize", "020 7946 0123"]));
    assert_eq!(n["dial"], "902079460123");
    let refused = cli(&["--db", db, "--json", "plan", "--area-code", "0161"]);
    assert_eq!(refused.status.code(), Some(2));
    assert_eq!(json(&refused)["error"]["code"], "plan_area_code");
}

#[test]
fn a_reader_that_goes_away_ends_the_report_not_the_import() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("c.db");
    let db = db.to_str().expect("utf-8 path");
    let csv = dir.path().join("in.csv");
    std::fs::write(&csv, "name;work\nAnne Exact;+44 20 7946 0123\n").expect("write csv");
    let csv = csv.to_str().expect("utf-8 path");
    // As `switchboard-cli import x.csv | head -0`: the pipe's reader is closed before the
    // import's report is written.
    let mut child = Command::new(env!("CARGO_BIN_EXE_switchboard-cli"))
        .args(["--db", db, "import", csv])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run switchboard-cli");
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("switchboard-cli ends");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{:?}: {stderr}", out.status);
    assert!(stderr.is_empty(), "{stderr}");
    let lookup = json(&cli(&["--db", db, "--json", "lookup", "+442079460123"]));
    assert_eq!(
        lookup["matches"][0]["contact"]["display_name"],
        "Anne Exact"
    );
}
