//! The contact store on a real SQLite file: import, lookup, search, export, settings.

use std::io::{Cursor, Read};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use switchboard_core::{DialPlan, MatchConfig, MatchReason, E164};
use switchboard_store::{ImportFormat, ImportSummary, Store, DEMO_CONTACTS, LOOKUP_QUERIES};

async fn open() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&dir.path().join("contacts.db"))
        .await
        .expect("open");
    (dir, store)
}

async fn import(store: &Store, bytes: &[u8], format: ImportFormat) -> ImportSummary {
    store
        .import_reader(
            Cursor::new(bytes.to_vec()),
            format,
            None,
            &DialPlan::default(),
            |_| {},
        )
        .await
        .expect("import")
}

fn e164(s: &str) -> E164 {
    E164::parse(s).expect("valid")
}

#[tokio::test]
async fn demo_data_imports_whole_and_once() {
    let (_dir, store) = open().await;
    assert!(store.is_empty().await.expect("empty"));
    let first = import(&store, DEMO_CONTACTS.as_bytes(), ImportFormat::Csv).await;
    assert_eq!(first.skipped, 0, "{:?}", first.errors);
    assert!(first.imported >= 300, "{first:?}");
    let again = import(&store, DEMO_CONTACTS.as_bytes(), ImportFormat::Csv).await;
    assert_eq!(again.imported, 0);
    assert_eq!(again.duplicates, first.imported + first.duplicates);
    assert_eq!(
        store.contact_count().await.expect("count") as u64,
        first.imported
    );
}

#[tokio::test]
async fn lookup_ranks_exact_last_digits_switchboard_and_range() {
    let (_dir, store) = open().await;
    let csv = "name;company;work;switchboard;range\n\
               Alice Exact;ACME;+44 161 496 0123;+44 161 496 0000;\n\
               Bob Tail;;161 496 0123;;\n\
               Carol Board;ACME;+44 161 496 0999;;\n\
               Dan Range;Range Ltd;+33 1 99 00 10 10;;+44 161 496 01\n\
               Eve Else;;+44 161 496 0777;;\n";
    let summary = import(&store, csv.as_bytes(), ImportFormat::Csv).await;
    assert_eq!(
        summary.skipped, 1,
        "Bob's number has no country: {summary:?}"
    );
    assert_eq!(summary.errors[0].line, 3);
    let csv2 = "name;work\nBob Tail;+1 161 496 0123\n";
    let s2 = import(&store, csv2.as_bytes(), ImportFormat::Csv).await;
    assert_eq!(s2.skipped, 1, "{s2:?}");
    let csv3 = "name;work\nBob Tail;+33 6 61 49 60 12\nBob Tail FR;+33 6 14 96 01 23\n";
    import(&store, csv3.as_bytes(), ImportFormat::Csv).await;

    let caller = e164("+441614960123");
    let found = store
        .find_by_number(&caller, MatchConfig::default())
        .await
        .expect("lookup");
    let got: Vec<(String, MatchReason)> = found
        .iter()
        .map(|m| {
            (
                m.contact
                    .as_ref()
                    .map(|c| c.display_name.clone())
                    .unwrap_or_default(),
                m.reason.clone(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("Alice Exact".into(), MatchReason::Exact),
            ("Bob Tail FR".into(), MatchReason::LastDigits { digits: 9 }),
            (
                "Dan Range".into(),
                MatchReason::NumberRange {
                    prefix: "+4416149601".into()
                }
            ),
        ]
    );
    let board = store
        .find_by_number(&e164("+441614960000"), MatchConfig::default())
        .await
        .expect("lookup");
    let names: Vec<_> = board
        .iter()
        .map(|m| m.contact.as_ref().map(|c| c.display_name.as_str()))
        .collect();
    assert_eq!(names, [Some("Alice Exact"), Some("Carol Board")]);
    assert!(board
        .iter()
        .all(|m| m.reason == MatchReason::CompanySwitchboard));
    assert_eq!(
        board[0].company.as_ref().map(|c| c.name.as_str()),
        Some("ACME")
    );
    let nobody = store
        .find_by_number(&e164("+12125550199"), MatchConfig::default())
        .await
        .expect("lookup");
    assert!(nobody.is_empty());
}

#[tokio::test]
async fn lookup_uses_indexes_only() {
    let (_dir, store) = open().await;
    import(&store, DEMO_CONTACTS.as_bytes(), ImportFormat::Csv).await;
    for sql in LOOKUP_QUERIES {
        let plan = store.query_plan(sql).await.expect("plan");
        assert!(!plan.is_empty());
        for step in &plan {
            assert!(
                !step.starts_with("SCAN") && !step.contains("TEMP B-TREE"),
                "{sql}\n  -> {step}"
            );
        }
        assert!(plan.iter().any(|s| s.contains("USING")), "{sql}: {plan:?}");
    }
}

#[tokio::test]
async fn csv_bad_rows_are_reported_by_line_and_the_rest_imports() {
    let (_dir, store) = open().await;
    let csv = "Nom;Prénom;Société;Téléphone;Portable;Courriel\n\
               Dupont;Jeanne;Acme;01 23 45 67 89;06 12 34 56 78;j@acme.example\n\
               ;;;01 99 00 10 00;;\n\
               Durand;Paul;;abc;;\n\
               Martin;Luc;Acme;01 23 45 67 80;;;;extra;cells\n\
               \n\
               Petit;Anne;;+44 20 7946 0123;;\n\
               Roux;Léo;;01 23 45 67 8;;\n";
    let s = import(&store, csv.as_bytes(), ImportFormat::Csv).await;
    assert_eq!((s.imported, s.skipped, s.duplicates), (2, 4, 0), "{s:?}");
    let lines: Vec<u64> = s.errors.iter().map(|e| e.line).collect();
    assert_eq!(lines, [3, 4, 5, 8]);
    // Each refusal has a code the window translates, and the number and its kind.
    let codes: Vec<&str> = s.errors.iter().map(|e| e.code.as_str()).collect();
    assert_eq!(
        codes,
        [
            "import_no_name",
            "number_empty",
            "import_too_many_cells",
            "number_not_valid"
        ]
    );
    assert_eq!(
        (s.errors[1].kind, s.errors[1].value.as_deref()),
        (Some(switchboard_core::NumberKind::Work), Some("abc"))
    );
    assert!(
        s.errors[0].reason.contains("no name"),
        "{}",
        s.errors[0].reason
    );
    assert!(
        s.errors[1].reason.contains("work number \"abc\""),
        "{}",
        s.errors[1].reason
    );
    assert!(
        s.errors[2].reason.contains("cells"),
        "{}",
        s.errors[2].reason
    );
    let jeanne = store
        .search("jeanne dupont", &DialPlan::default(), 10)
        .await
        .expect("search");
    assert_eq!(jeanne.len(), 1);
    let card = store.contact(jeanne[0].id).await.expect("card");
    assert_eq!(card.company.map(|c| c.name), Some("Acme".into()));
    assert_eq!(card.email, "j@acme.example");
    let e164s: Vec<_> = card.numbers.iter().filter_map(|n| n.e164.clone()).collect();
    assert_eq!(e164s, ["+33123456789", "+33612345678"]);
}

#[tokio::test]
async fn csv_latin1_bom_and_commas() {
    let (_dir, store) = open().await;
    let mut latin1 = b"name;company;phone\n".to_vec();
    latin1.extend_from_slice(b"Fran\xe7ois L\xe9ger;Soci\xe9t\xe9 G\xe9n\xe9rale;01 23 45 67 89\n");
    let s = import(&store, &latin1, ImportFormat::Csv).await;
    assert_eq!(s.imported, 1, "{s:?}");
    let bom = "\u{feff}Full Name,Company,Mobile,Notes\n\"Smith, Jane\",\"Thames, Ltd\",+44 7700 123456,\"line one\nline two\"\n";
    let s = import(&store, bom.as_bytes(), ImportFormat::Csv).await;
    assert_eq!(s.imported, 1, "{s:?}");
    let found = store
        .search("francois leger", &DialPlan::default(), 10)
        .await
        .expect("search");
    assert_eq!(found[0].display_name, "François Léger");
    assert_eq!(found[0].company.as_deref(), Some("Société Générale"));
    let jane = store
        .search("SMITH", &DialPlan::default(), 10)
        .await
        .expect("search");
    let card = store.contact(jane[0].id).await.expect("card");
    assert_eq!(card.display_name, "Smith, Jane");
    assert_eq!(card.notes, "line one\nline two");
    let no_header = import_err(&store, b"foo,bar\n1,2\n").await;
    assert!(no_header.contains("no name"), "{no_header}");
}

async fn import_err(store: &Store, bytes: &[u8]) -> String {
    store
        .import_reader(
            Cursor::new(bytes.to_vec()),
            ImportFormat::Csv,
            None,
            &DialPlan::default(),
            |_| {},
        )
        .await
        .expect_err("must fail")
        .to_string()
}

#[tokio::test]
async fn vcard_3_and_4() {
    let (_dir, store) = open().await;
    let vcf = "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Durand;Sophie;;;\r\nFN:Sophie Durand\r\n\
               ORG:Mutuelle du Rh\u{f4}ne;Service client\r\nTEL;TYPE=WORK,VOICE:+33 4 65 71 30 12\r\n\
               TEL;TYPE=CELL:06 12 34 56 78\r\nEMAIL;TYPE=INTERNET:s.durand@example.fr\r\n\
               NOTE:Rappeler le matin\\, avant 10h.\\nDossier 42\r\nEND:VCARD\r\n\
               BEGIN:VCARD\nVERSION:4.0\nFN:Oliver\n  Wright\nitem1.TEL;VALUE=uri;TYPE=\"home,voice\":tel:+44-20-7946-0321\nEND:VCARD\n\
               BEGIN:VCARD\nVERSION:4.0\nTEL:0123\nEND:VCARD\n\
               BEGIN:VCARD\nVERSION:3.0\nFN:Never Ends\n\
               BEGIN:VCARD\nVERSION:3.0\nFN:After Broken\nTEL:+1 212 555 0150\nEND:VCARD\n";
    let s = import(&store, vcf.as_bytes(), ImportFormat::VCard).await;
    assert_eq!((s.imported, s.skipped), (3, 2), "{s:?}");
    let lines: Vec<u64> = s.errors.iter().map(|e| e.line).collect();
    assert_eq!(
        lines,
        [17, 21],
        "the card without a name, the card without END"
    );
    let sophie = store
        .search("sophie", &DialPlan::default(), 10)
        .await
        .expect("search");
    let card = store.contact(sophie[0].id).await.expect("card");
    assert_eq!(
        card.company.map(|c| c.name),
        Some("Mutuelle du Rhône".into())
    );
    assert_eq!(card.notes, "Rappeler le matin, avant 10h.\nDossier 42");
    assert_eq!(card.numbers.len(), 2);
    let oliver = store
        .search("+44 20 7946 0321", &DialPlan::default(), 10)
        .await
        .expect("search");
    assert_eq!(oliver[0].display_name, "Oliver Wright");
}

#[tokio::test]
async fn export_reimports_to_the_same_contacts() {
    let (_dir, store) = open().await;
    import(&store, DEMO_CONTACTS.as_bytes(), ImportFormat::Csv).await;
    let mut out = Vec::new();
    let n = store.export_csv(&mut out).await.expect("export");
    assert_eq!(n as i64, store.contact_count().await.expect("count"));
    let (_dir2, copy) = open().await;
    let s = import(&copy, &out, ImportFormat::Csv).await;
    assert_eq!((s.imported, s.skipped), (n, 0), "{:?}", s.errors);
    let again = import(&store, &out, ImportFormat::Csv).await;
    assert_eq!(again.imported, 0, "exported contacts are the same contacts");
}

#[tokio::test]
async fn search_by_name_company_and_number() {
    let (_dir, store) = open().await;
    import(&store, DEMO_CONTACTS.as_bytes(), ImportFormat::Csv).await;
    let plan = DialPlan::default();
    let thames = store.search("thames", &plan, 50).await.expect("search");
    assert!(!thames.is_empty());
    assert!(thames
        .iter()
        .all(|c| c.company.as_deref() == Some("Thames Insurance")));
    let shared = store
        .search("01 99 00 99 99", &plan, 50)
        .await
        .expect("search");
    let names: Vec<_> = shared.iter().map(|c| c.display_name.as_str()).collect();
    assert_eq!(names, ["Claire Duval", "Marc Duval"]);
    let same = store
        .search("+33199009999", &plan, 50)
        .await
        .expect("search");
    assert_eq!(same, shared);
    assert!(store
        .search("zzzz", &plan, 50)
        .await
        .expect("search")
        .is_empty());
}

#[tokio::test]
async fn settings_round_trip_and_bad_values_are_reported() {
    let (dir, store) = open().await;
    let plan = DialPlan {
        external_prefix: "9".into(),
        ..DialPlan::default()
    };
    store.set_setting("dial_plan", &plan).await.expect("set");
    assert_eq!(
        store.setting::<DialPlan>("dial_plan").await.expect("get"),
        Some(plan)
    );
    assert_eq!(
        store.setting::<DialPlan>("missing").await.expect("get"),
        None
    );
    store
        .set_setting("dial_plan", &"not a plan")
        .await
        .expect("set");
    let err = store
        .setting::<DialPlan>("dial_plan")
        .await
        .expect_err("invalid");
    assert_eq!(err.code(), "store_setting");
    store.close().await;
    let reopened = Store::open(&dir.path().join("contacts.db"))
        .await
        .expect("reopen");
    assert!(reopened
        .setting::<String>("dial_plan")
        .await
        .expect("get")
        .is_some());
}

/// A file that stops after its first part until it is told to go on (or a minute passes),
/// like a slow disk or share: the import must still say how far it got meanwhile.
struct Stalling {
    first: Cursor<Vec<u8>>,
    rest: Cursor<Vec<u8>>,
    go: std::sync::mpsc::Receiver<()>,
    /// Whether it was told to go on (rather than giving up waiting).
    released: Arc<AtomicBool>,
    waited: bool,
}

impl Read for Stalling {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.first.read(buf)?;
        if n > 0 {
            return Ok(n);
        }
        if !self.waited {
            self.waited = true;
            let told = self.go.recv_timeout(Duration::from_secs(60)).is_ok();
            self.released.store(told, Ordering::SeqCst);
        }
        self.rest.read(buf)
    }
}

fn rows(from: usize, to: usize) -> String {
    (from..to)
        .map(|i| format!("Agent{i},Nom{i},Société {}\n", i % 500))
        .collect()
}

#[tokio::test]
async fn a_stalled_import_still_says_how_far_it_got() {
    let (_dir, store) = open().await;
    let (go, wait) = std::sync::mpsc::channel();
    let released = Arc::new(AtomicBool::new(false));
    let file = Stalling {
        first: Cursor::new(
            format!("first name,last name,company\n{}", rows(0, 30_000)).into_bytes(),
        ),
        rest: Cursor::new(rows(30_000, 60_000).into_bytes()),
        go: wait,
        released: Arc::clone(&released),
        waited: false,
    };
    let mut seen = Vec::new();
    // The file goes on once the bar shows the 30,000 rows read before the stall (a batch is
    // 25,000 rows: only a report between batches can say so).
    let summary = store
        .import_reader(file, ImportFormat::Csv, None, &DialPlan::default(), |p| {
            if p.rows == 30_000 {
                let _ = go.send(());
            }
            seen.push(p);
        })
        .await
        .expect("import");
    assert!(
        released.load(Ordering::SeqCst),
        "no progress during the stall: {seen:?}"
    );
    assert_eq!(summary.imported, 60_000);
    assert!(seen
        .windows(2)
        .all(|w| w[0].rows <= w[1].rows && w[0].bytes <= w[1].bytes));
    assert_eq!(seen.last().map(|p| p.rows), Some(60_000));
}

#[tokio::test]
async fn import_file_reports_progress_to_the_end() {
    let (dir, store) = open().await;
    let path = dir.path().join("demo.csv");
    std::fs::write(&path, DEMO_CONTACTS).expect("write");
    let mut seen = Vec::new();
    let summary = store
        .import_file(&path, &DialPlan::default(), |p| seen.push(p))
        .await
        .expect("import");
    let last = seen.last().expect("progress reported");
    assert_eq!(last.total_bytes, Some(DEMO_CONTACTS.len() as u64));
    assert_eq!(last.bytes, DEMO_CONTACTS.len() as u64);
    assert_eq!(
        last.rows,
        summary.imported + summary.skipped + summary.duplicates
    );
    assert!(seen.windows(2).all(|w| w[0].rows <= w[1].rows));
    let missing = store
        .import_file(&dir.path().join("nope.csv"), &DialPlan::default(), |_| {})
        .await
        .expect_err("no file");
    assert_eq!(missing.code(), "store_io");
}
