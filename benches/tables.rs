//! Reading a newsroom's incident table of 100,000 SYNTHETIC rows with no catalog: the same
//! rows as CSV and as `.xlsx` (written by rust_xlsxwriter, with real date cells), read, typed
//! and turned into claims with inferred roles and date formats. The target is the
//! `.xlsx` within 2× the CSV. `cargo bench --bench tables`.

use std::path::Path;

use borderland::config::TableConfig;
use borderland::dataset::load_claims;
use borderland::source::claims::GroupNames;
use criterion::{Criterion, criterion_group, criterion_main};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

const ROWS: usize = 100_000;
const PROVINCES: [&str; 6] = [
    "Paktika",
    "Khost",
    "Nangrahar",
    "Kunarha",
    "Paktya",
    "Kabul",
];
const GROUPS: [&str; 4] = ["TTP", "ISKP", "Afghan Taliban", "SYNTHETIC group"];

/// Row i: a day in 2020–2026, a province, a group, a count (some in words), a source.
fn row(i: usize) -> (u16, u8, u8, &'static str, &'static str, String) {
    let (y, m, d) = (
        2020 + (i % 7) as u16,
        1 + (i % 12) as u8,
        1 + (i % 28) as u8,
    );
    let killed = if i.is_multiple_of(10) {
        "unknown".to_string()
    } else {
        (i % 9).to_string()
    };
    (y, m, d, PROVINCES[i % 6], GROUPS[i % 4], killed)
}

fn write_csv(path: &Path) {
    let mut text = String::from("Date,Province,Perpetrator,Killed,Source,Link,Published\n");
    for i in 0..ROWS {
        let (y, m, d, p, g, k) = row(i);
        text.push_str(&format!(
            "{d:02}/{m:02}/{y},{p},{g},{k},SYNTHETIC wire,https://example.org/{i},{d:02}/{m:02}/{y}\n"
        ));
    }
    std::fs::write(path, text).expect("write CSV");
}

fn write_xlsx(path: &Path) {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    let date = Format::new().set_num_format("dd/mm/yyyy");
    for (c, h) in [
        "Date",
        "Province",
        "Perpetrator",
        "Killed",
        "Source",
        "Link",
        "Published",
    ]
    .iter()
    .enumerate()
    {
        sheet.write_string(0, c as u16, *h).expect("header");
    }
    for i in 0..ROWS {
        let (y, m, d, p, g, k) = row(i);
        let r = i as u32 + 1;
        let day = ExcelDateTime::from_ymd(y, m, d).expect("a date");
        sheet
            .write_datetime_with_format(r, 0, &day, &date)
            .expect("date");
        sheet.write_string(r, 1, p).expect("province");
        sheet.write_string(r, 2, g).expect("group");
        match k.parse::<f64>() {
            Ok(n) => sheet.write_number(r, 3, n).expect("number"),
            Err(_) => sheet.write_string(r, 3, &k).expect("words"),
        };
        sheet.write_string(r, 4, "SYNTHETIC wire").expect("source");
        sheet
            .write_string(r, 5, format!("https://example.org/{i}"))
            .expect("link");
        sheet
            .write_datetime_with_format(r, 6, &day, &date)
            .expect("date");
    }
    book.save(path).expect("write xlsx");
}

fn bench(c: &mut Criterion) {
    let dir = std::env::temp_dir().join(format!("borderland-bench-tables-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let csv = dir.join("incidents.csv");
    let xlsx = dir.join("incidents.xlsx");
    write_csv(&csv);
    write_xlsx(&xlsx);
    let mut g = c.benchmark_group("read_100k_rows");
    g.sample_size(10);
    for file in [&csv, &xlsx] {
        let bytes = std::fs::read(file).expect("read");
        eprintln!("{}: {:.1} MB", file.display(), bytes.len() as f64 / 1e6);
        let cfg = TableConfig::for_file("incidents", file, borderland::config::TableKind::Events);
        let name = file.extension().and_then(|e| e.to_str()).unwrap_or("table");
        g.bench_function(name, |b| {
            b.iter(|| {
                let claims = load_claims(&cfg, file, bytes.clone(), &GroupNames::default())
                    .expect("the table loads");
                assert_eq!(claims.rows.len(), ROWS);
                claims
            })
        });
    }
    g.finish();
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(benches, bench);
criterion_main!(benches);
