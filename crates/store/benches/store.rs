//! Store benchmarks, printed as a table:
//! - importing a 1,000,000-row CSV (goal < 30 s),
//! - `find_by_number` on the resulting 1,000,000-contact database, p50 / p99 (goal p99 < 1 ms),
//! - the window's contact search on 100,000 contacts (goal < 50 ms).
//!
//! `cargo bench -p switchboard-store --bench store [-- ROWS]` (ROWS defaults to 1,000,000).

use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

use switchboard_core::{DialPlan, MatchConfig, E164};
use switchboard_store::Store;

const FIRST: [&str; 12] = [
    "Camille", "Léa", "Hugo", "Louis", "Chloé", "Manon", "Oliver", "Amelia", "George", "Isla",
    "Jonas", "Lena",
];
const LAST: [&str; 12] = [
    "Martin", "Bernard", "Dubois", "Lefèvre", "Moreau", "Girard", "Smith", "Jones", "Taylor",
    "Brown", "Weber", "Wagner",
];

/// Contact `i`'s work number: French geographic numbers, all distinct.
fn work(i: u64) -> String {
    let n = 100_000_000 + i;
    format!(
        "0{} {:02} {:02} {:02} {:02}",
        n / 100_000_000,
        n / 1_000_000 % 100,
        n / 10_000 % 100,
        n / 100 % 100,
        n % 100
    )
}

fn write_csv(path: &Path, rows: u64) {
    let file = std::fs::File::create(path).expect("create csv");
    let mut out = std::io::BufWriter::new(file);
    writeln!(
        out,
        "first name;last name;company;work;mobile;switchboard;email"
    )
    .expect("write");
    for i in 0..rows {
        let first = FIRST[(i % 12) as usize];
        let last = LAST[(i / 12 % 12) as usize];
        let company = i / 100;
        let mobile = if i % 3 == 0 {
            format!(
                "+33 6 {:02} {:02} {:02} {:02}",
                i / 1_000_000 % 100,
                i / 10_000 % 100,
                i / 100 % 100,
                i % 100
            )
        } else {
            String::new()
        };
        writeln!(
            out,
            "{first};{last} {i};Company {company};{};{mobile};+33 5 {:02} {:02} {:02} 00;c{i}@example.fr",
            work(i),
            company / 10_000 % 100 + 10,
            company / 100 % 100,
            company % 100,
        )
        .expect("write");
    }
    out.flush().expect("flush");
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1e3)
}

async fn import(dir: &Path, name: &str, rows: u64) -> (Store, Duration) {
    let csv = dir.join(format!("{name}.csv"));
    write_csv(&csv, rows);
    let store = Store::open(&dir.join(format!("{name}.db")))
        .await
        .expect("open");
    let start = Instant::now();
    let summary = store
        .import_file(&csv, &DialPlan::default(), |_| {})
        .await
        .expect("import");
    let took = start.elapsed();
    assert_eq!(summary.imported, rows, "{:?}", summary.errors.first());
    (store, took)
}

async fn lookups(store: &Store, rows: u64) -> (Duration, Duration, Duration) {
    let plan = DialPlan::default();
    let mut times = Vec::new();
    for k in 0..20_000u64 {
        // Three in four callers are known; the rest are not in the database.
        let i = k.wrapping_mul(2_654_435_761) % rows;
        let raw = if k % 4 == 3 { work(rows + i) } else { work(i) };
        let info = switchboard_core::Number::parse(&raw, &plan, switchboard_core::Source::Field)
            .expect("number");
        let e164: E164 = info.e164().cloned().expect("external");
        let start = Instant::now();
        let found = store
            .find_by_number(&e164, MatchConfig::default())
            .await
            .expect("lookup");
        times.push(start.elapsed());
        assert_eq!(found.is_empty(), k % 4 == 3, "{raw}");
    }
    times.sort();
    (
        percentile(&times, 0.5),
        percentile(&times, 0.99),
        times[times.len() - 1],
    )
}

async fn searches(store: &Store) -> Vec<(&'static str, Duration, Duration)> {
    let plan = DialPlan::default();
    let mut rows = Vec::new();
    for query in [
        "martin",
        "lena weber",
        "company 512",
        "01 00 05 12 34",
        "zzz",
    ] {
        let mut times = Vec::new();
        for _ in 0..30 {
            let start = Instant::now();
            store.search(query, &plan, 200).await.expect("search");
            times.push(start.elapsed());
        }
        times.sort();
        rows.push((query, percentile(&times, 0.5), percentile(&times, 0.99)));
    }
    rows
}

fn main() {
    let rows: u64 = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let dir = tempfile::tempdir().expect("tempdir");
    runtime.block_on(async {
        println!("building the {rows}-contact database...");
        let (big, import_time) = import(dir.path(), "big", rows).await;
        let (p50, p99, max) = lookups(&big, rows).await;
        let small_rows = rows.min(100_000);
        let (small, _) = import(dir.path(), "small", small_rows).await;
        let search = searches(&small).await;

        println!();
        println!("| benchmark | result | goal |");
        println!("|---|---|---|");
        println!(
            "| import {rows} CSV rows | {:.1} s ({:.0} rows/s) | < 30 s |",
            import_time.as_secs_f64(),
            rows as f64 / import_time.as_secs_f64()
        );
        println!("| find_by_number on {rows} contacts, p50 | {} | |", ms(p50));
        println!(
            "| find_by_number on {rows} contacts, p99 | {} | < 1 ms |",
            ms(p99)
        );
        println!("| find_by_number on {rows} contacts, max | {} | |", ms(max));
        for (query, p50, p99) in search {
            println!(
                "| search \"{query}\" on {small_rows} contacts, p50 / p99 | {} / {} | < 50 ms |",
                ms(p50),
                ms(p99)
            );
        }
    });
}
