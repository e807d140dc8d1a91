//! A newsroom's spreadsheet with no catalog, as a journalist brings it: headers `Date`
//! (DD/MM/YYYY), `Province` spelled five ways, `Perpetrator`, `Killed` holding words,
//! `Source`, `Link`, `Published`; as CSV and as `.xlsx` (written here by rust_xlsxwriter, read
//! by borderland through calamine). Checked through the real binary: `serve FILE` and
//! `check FILE`, tiles decoded by the independent decoder in tests/common/mvt.rs.

mod common;

use std::path::{Path, PathBuf};

use common::mvt::{Prop, decode_strict};
use common::process::{Served, run};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

/// The sheet: (Date, Province, Perpetrator, Killed, Source, Link, Published, Latitude,
/// Longitude). Two Paktika rows ("Paktīkā", "Paktika"); the last row names Nangarhar but
/// its point lies across the border in Khyber Pakhtunkhwa.
const ROWS: &[[&str; 9]] = &[
    [
        "25/12/2025",
        "Paktya",
        "TTP",
        "4",
        "Dawn",
        "https://example.org/a",
        "26/12/2025",
        "",
        "",
    ],
    [
        "03/01/2026",
        "Nangrahar",
        "Tehreek-e-Taliban Pakistan",
        "at least 6",
        "Pajhwok",
        "https://example.org/b",
        "04/01/2026",
        "",
        "",
    ],
    [
        "14/02/2026",
        "Khowst",
        "ISKP",
        "unknown",
        "Tolo",
        "https://example.org/c",
        "15/02/2026",
        "",
        "",
    ],
    [
        "01/03/2026",
        "Kunarha",
        "IS-K",
        "2",
        "Ariana",
        "https://example.org/d",
        "02/03/2026",
        "",
        "",
    ],
    [
        "10/03/2026",
        "Paktīkā",
        "TTP",
        "5-7",
        "Dawn",
        "https://example.org/e",
        "11/03/2026",
        "",
        "",
    ],
    [
        "11/03/2026",
        "Paktika",
        "Afghan Taliban",
        "1",
        "Dawn",
        "https://example.org/f",
        "12/03/2026",
        "32.5",
        "68.6",
    ],
    [
        "12/03/2026",
        "Nangarhar",
        "TTP",
        "3",
        "Dawn",
        "https://example.org/g",
        "13/03/2026",
        "34.05",
        "71.55",
    ],
];
const HEADER: [&str; 9] = [
    "Date",
    "Province",
    "Perpetrator",
    "Killed",
    "Source",
    "Link",
    "Published",
    "Latitude",
    "Longitude",
];

fn write_csv(path: &Path) {
    let mut w = csv::Writer::from_path(path).unwrap();
    w.write_record(HEADER).unwrap();
    for r in ROWS {
        w.write_record(r).unwrap();
    }
    w.flush().unwrap();
}

/// The same rows as a workbook: dates as real date cells (Excel day numbers with a date
/// format), numbers as numbers, words as text.
fn write_xlsx(path: &Path) {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    let date = Format::new().set_num_format("dd/mm/yyyy");
    for (c, h) in HEADER.iter().enumerate() {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    for (r, row) in ROWS.iter().enumerate() {
        let r = r as u32 + 1;
        for (c, v) in row.iter().enumerate() {
            let c = c as u16;
            if v.is_empty() {
                continue;
            }
            if c == 0 || c == 6 {
                let p: Vec<u16> = v.split('/').map(|x| x.parse().unwrap()).collect();
                let d = ExcelDateTime::from_ymd(p[2], p[1] as u8, p[0] as u8).unwrap();
                sheet.write_datetime_with_format(r, c, &d, &date).unwrap();
            } else if let Ok(n) = v.parse::<f64>() {
                sheet.write_number(r, c, n).unwrap();
            } else {
                sheet.write_string(r, c, *v).unwrap();
            }
        }
    }
    book.save(path).unwrap();
}

fn check(args: &[&str]) -> (i32, String) {
    let out = run(args);
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

fn http_get(url: &str) -> (u16, Vec<u8>) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let r = reqwest::get(url).await.expect("the server answers");
        let status = r.status().as_u16();
        (status, r.bytes().await.unwrap().to_vec())
    })
}

fn json(url: &str) -> serde_json::Value {
    let (status, body) = http_get(url);
    assert_eq!(status, 200, "{url}: {}", String::from_utf8_lossy(&body));
    serde_json::from_slice(&body).unwrap()
}

/// Paktika's attributes in the provinces tile that holds it, decoded independently.
fn paktika(url: &str, query: &str) -> Vec<(String, Prop)> {
    let (x, y) = common::tile_of(68.78, 32.27, 6);
    let (status, body) = http_get(&format!("{url}/tiles/provinces/6/{x}/{y}.mvt{query}"));
    assert_eq!(status, 200);
    let layers = decode_strict(&body);
    let provinces = layers.iter().find(|l| l.name == "provinces").unwrap();
    let f = provinces
        .find("name", "Paktika")
        .expect("Paktika in the tile");
    f.props.clone().into_iter().collect()
}

fn prop<'a>(props: &'a [(String, Prop)], key: &str) -> &'a Prop {
    &props
        .iter()
        .find(|(k, _)| k == key)
        .unwrap_or_else(|| panic!("no '{key}' in {props:?}"))
        .1
}

/// The incidents sheet as `kind`, in a folder of its own for `test` (tests run in parallel).
fn sheet(test: &str, kind: &str) -> PathBuf {
    let dir = common::fresh_dir(&format!("sheet-{test}-{kind}"));
    let file = dir.join(format!("incidents.{kind}"));
    match kind {
        "csv" => write_csv(&file),
        _ => write_xlsx(&file),
    }
    file
}

#[test]
fn a_sheet_with_no_catalog_joins_every_row_as_csv_and_as_xlsx() {
    for kind in ["csv", "xlsx"] {
        let file = sheet("joins", kind);
        let served = Served::start(&["serve", file.to_str().unwrap()], file.parent().unwrap());
        let catalog = json(&format!("{}/catalog", served.url));
        let ids: Vec<&str> = catalog["layers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["id"].as_str().unwrap())
            .collect();
        // The built-in provinces bring the default context (issue 14): where the region is.
        assert_eq!(
            ids,
            [
                "provinces",
                "neighbours",
                "neighbour_labels",
                "cities",
                "incidents"
            ],
            "{kind}"
        );
        let context: Vec<&serde_json::Value> = catalog["layers"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|l| ["neighbours", "cities"].contains(&l["id"].as_str().unwrap_or("")))
            .collect();
        assert!(
            context
                .iter()
                .all(|l| !l["attribution"].as_str().unwrap_or("").is_empty()
                    && l["license"].is_string()),
            "{context:?}"
        );
        let style = json(&format!("{}/styles/explainer.json", served.url));
        let drawn: Vec<&str> = style["layers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["id"].as_str().unwrap())
            .collect();
        let at = |id: &str| drawn.iter().position(|d| *d == id);
        assert!(
            at("neighbours-fill") < at("provinces-incidents") && at("cities-names").is_some(),
            "{drawn:?}"
        );
        // The initial view stays on the two countries, not on China and India.
        let centre = style["center"][0].as_f64().unwrap();
        assert!((60.0..78.0).contains(&centre), "{centre}");

        // Every row joined (five spellings of four provinces), none unmatched.
        let (code, out) = check(&["check", file.to_str().unwrap()]);
        assert!(
            out.contains("7 row(s), 7 matched, 0 unmatched"),
            "{kind}: {out}"
        );
        assert!(
            out.contains("inferred: ") && out.contains("`Killed` → fatalities"),
            "{out}"
        );
        assert!(out.contains("`Perpetrator` → group"), "{out}");
        if kind == "csv" {
            assert!(out.contains("dates in `Date` read as DD/MM/YYYY"), "{out}");
        }
        // The cross-border row keeps check from saying ok.
        assert_eq!(code, 1, "{out}");

        // Paktika: "Paktīkā" and "Paktika"; the choropleth counts both.
        let p = paktika(&served.url, "");
        assert_eq!(
            prop(&p, "incidents_count"),
            &Prop::Num(2.0),
            "{kind}: {p:?}"
        );
        // "5-7" is kept as words, not a number: only the 1 counts as fatalities.
        assert_eq!(prop(&p, "incidents_fatalities"), &Prop::Num(1.0), "{kind}");
        // 25/12/2025 is 25 December, read day-first for the whole column.
        let paktia = json(&format!(
            "{}/ogc/collections/provinces/items?iso_3166_2=AF-PIA",
            served.url
        ));
        let props = &paktia["features"][0]["properties"];
        assert_eq!(props["incidents_first"], "2025-12-25", "{kind}: {props}");
        let claims: serde_json::Value =
            serde_json::from_str(props["incidents_claims"].as_str().unwrap()).unwrap();
        assert_eq!(claims[0]["report_date"], "2025-12-26", "{kind}");
        assert_eq!(claims[0]["source_url"], "https://example.org/a");
        // A window after March drops Paktika's rows from the count.
        let later = paktika(&served.url, "?from=2026-03-11");
        assert_eq!(prop(&later, "incidents_count"), &Prop::Num(1.0), "{kind}");
        // The source's words for a count are kept with the claim.
        let nangarhar = json(&format!(
            "{}/ogc/collections/provinces/items?iso_3166_2=AF-NAN",
            served.url
        ));
        let claims = nangarhar["features"][0]["properties"]["incidents_claims"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(
            claims.contains("\"fatalities_text\":\"at least 6\""),
            "{claims}"
        );
    }
}

#[test]
fn a_row_named_on_one_side_with_a_point_on_the_other_is_never_silent() {
    let file = sheet("border", "csv");
    let (code, out) = check(&["check", file.to_str().unwrap()]);
    assert_eq!(code, 1, "{out}");
    let line = out
        .lines()
        .find(|l| l.contains("ACROSS THE BORDER"))
        .unwrap_or_else(|| panic!("{out}"));
    assert!(line.contains("line 8"), "{line}");
    assert!(
        line.contains("names Nangarhar") && line.contains("lies in Khyber Pakhtunkhwa"),
        "{line}"
    );
    assert!(line.contains("counted in Nangarhar"), "{line}");

    let served = Served::start(&["serve", file.to_str().unwrap()], file.parent().unwrap());
    let health = json(&format!("{}/health", served.url));
    assert_eq!(health["place_conflicts"]["count"], 1, "{health}");
    assert_eq!(health["place_conflicts"]["across_border"], 1, "{health}");
    assert!(
        health["place_conflicts"]["rows"][0]
            .as_str()
            .unwrap()
            .contains("line 8")
    );
    // The served point carries both names.
    let items = json(&format!(
        "{}/ogc/collections/incidents/items?area=Nangarhar",
        served.url
    ));
    let p = &items["features"][0]["properties"];
    assert_eq!(p["counted_in"], "Nangarhar", "{p}");
    assert_eq!(p["area_at_point"], "Khyber Pakhtunkhwa", "{p}");
    // Counted where the source said: Nangarhar has both its rows, KP none.
    let kp = json(&format!(
        "{}/ogc/collections/provinces/items?iso_3166_2=PK-KP",
        served.url
    ));
    assert_eq!(kp["features"][0]["properties"]["incidents_count"], 0);
}

#[test]
fn check_reports_every_bad_row_in_one_run_on_its_own_line() {
    let dir = common::fresh_dir("sheet-bad");
    let file = dir.join("bad.csv");
    std::fs::write(
        &file,
        "Date,Province,Perpetrator,Killed,Source,Link,Published\n\
         25/12/2025,Paktika,TTP,4,Dawn,https://example.org/a,26/12/2025\n\
         31/13/2025,Khost,TTP,2,Dawn,https://example.org/b,26/12/2025\n\
         26/12/2025,Kunar,TTP,-3,Dawn,https://example.org/c,27/12/2025\n\
         27/12/2025,Kabul,TTP,1,,https://example.org/d,28/12/2025\n\
         28/12/2025,Kabul,TTP,at least 6,Dawn,https://example.org/e,29/12/2025\n",
    )
    .unwrap();
    let (code, out) = check(&["check", file.to_str().unwrap()]);
    assert_eq!(code, 1, "{out}");
    let errors: Vec<&str> = out.lines().filter(|l| l.contains("bad.csv:")).collect();
    assert_eq!(errors.len(), 3, "{out}");
    // file:line:column: field: message, on the row and column that hold the bad value.
    assert!(
        errors[0].ends_with("bad.csv:3:1: Date: '31/13/2025' is not a date: month 13 is not 1–12; the other dates in this column are DD/MM/YYYY"),
        "{}",
        errors[0]
    );
    // The negative count is named on its own line 4, not on line 2 where "4" stands.
    assert!(
        errors[1]
            .ends_with("bad.csv:4:4: Killed: fatalities '-3' is not a whole number of 0 or more"),
        "{}",
        errors[1]
    );
    assert!(
        errors[2].contains("bad.csv:5:5: Source: missing source"),
        "{}",
        errors[2]
    );
    assert!(out.contains("3 error(s) in 1 file(s)"), "{out}");
}

#[test]
fn dates_that_read_both_ways_are_an_error_that_says_how_to_declare_them() {
    let dir = common::fresh_dir("sheet-ambiguous");
    let file = dir.join("amb.csv");
    std::fs::write(
        &file,
        "Date,Province,Perpetrator,Source,Link,Published\n\
         03/01/2026,Paktika,TTP,Dawn,https://example.org/a,2026-01-05\n\
         04/02/2026,Khost,TTP,Dawn,https://example.org/b,2026-02-05\n",
    )
    .unwrap();
    let (code, out) = check(&["check", file.to_str().unwrap()]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("amb.csv:1:1: Date: the dates in column 'Date' (date) read both as DD/MM/YYYY and as MM/DD/YYYY"), "{out}");
    assert!(out.contains("date_format = \"DD/MM/YYYY\""), "{out}");

    // Declared in a catalog written by check, then edited: read as the catalog says.
    let dir2 = common::fresh_dir("sheet-ambiguous-ok");
    let good = dir2.join("amb.csv");
    std::fs::write(
        &good,
        "Date,Province,Perpetrator,Source,Link,Published\n\
         13/01/2026,Paktika,TTP,Dawn,https://example.org/a,2026-01-15\n\
         04/02/2026,Khost,TTP,Dawn,https://example.org/b,2026-02-05\n",
    )
    .unwrap();
    let catalog = dir2.join("layers.toml");
    let (_, out) = check(&[
        "check",
        good.to_str().unwrap(),
        "--write-catalog",
        catalog.to_str().unwrap(),
    ]);
    let text = std::fs::read_to_string(&catalog).unwrap_or_else(|e| panic!("{e}: {out}"));
    assert!(
        text.contains("date = \"Date\"") && text.contains("date_format = \"DD/MM/YYYY\""),
        "{text}"
    );
    assert!(dir2.join("provinces.geojson").exists());
    let edited = text.replace("DD/MM/YYYY", "MM/DD/YYYY");
    std::fs::write(&catalog, edited).unwrap();
    let (code, out) = check(&["check", "--config", catalog.to_str().unwrap()]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("amb.csv:2:1: Date: '13/01/2026' is not a date: month 13"),
        "{out}"
    );
}

#[test]
fn group_aliases_merge_in_counts_and_filters_and_check_suggests_them() {
    let dir = common::fresh_dir("sheet-groups");
    let file = dir.join("incidents.csv");
    write_csv(&file);
    let catalog = dir.join("layers.toml");
    let (_, out) = check(&[
        "check",
        file.to_str().unwrap(),
        "--write-catalog",
        catalog.to_str().unwrap(),
    ]);
    assert!(
        out.contains("suggestion: ")
            && out.contains("'TTP' may be the initials of 'Tehreek-e-Taliban Pakistan'"),
        "{out}"
    );
    let mut text = std::fs::read_to_string(&catalog).unwrap();
    text.push_str(
        "\n[[group]]\nname = \"TTP\"\naliases = [\"Tehreek-e-Taliban Pakistan\", \"Tehrik-i-Taliban\"]\n\n[[group]]\nname = \"ISKP\"\naliases = [\"ISIL-K\", \"IS-K\"]\n",
    );
    std::fs::write(&catalog, text).unwrap();
    let served = Served::start(&["serve", "--config", catalog.to_str().unwrap()], &dir);
    let catalog = json(&format!("{}/catalog", served.url));
    let provinces = catalog["layers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["id"] == "provinces")
        .unwrap();
    let fields: Vec<&str> = provinces["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    let per_group: Vec<&&str> = fields
        .iter()
        .filter(|f| f.starts_with("incidents_count_"))
        .collect();
    assert_eq!(
        per_group,
        [
            &"incidents_count_afghan_taliban",
            &"incidents_count_iskp",
            &"incidents_count_ttp"
        ]
    );
    // Nangarhar: "Tehreek-e-Taliban Pakistan" and "TTP" are one group.
    let nangarhar = json(&format!(
        "{}/ogc/collections/provinces/items?iso_3166_2=AF-NAN&group=TTP",
        served.url
    ));
    let p = &nangarhar["features"][0]["properties"];
    assert_eq!(p["incidents_count"], 2, "{p}");
    assert_eq!(p["incidents_count_ttp"], 2, "{p}");
    let claims = p["incidents_claims"].as_str().unwrap();
    assert!(
        claims.contains("\"group_reported\":\"Tehreek-e-Taliban Pakistan\""),
        "{claims}"
    );
}

#[test]
fn spellings_that_normalise_alike_are_merged_and_reported() {
    let dir = common::fresh_dir("sheet-spellings");
    let file = dir.join("p.csv");
    std::fs::write(
        &file,
        "Province,Group,Source,Citation,Published\n\
         Paktika,ISIL-K,S,c,2025\nKhost,ISIL-K,S,c,2025\nKunar,ISIL K,S,c,2025\n",
    )
    .unwrap();
    let (_, out) = check(&["check", file.to_str().unwrap()]);
    assert!(
        out.contains("'ISIL K' (line 4) and 'ISIL-K' normalise alike and are counted as 'ISIL-K'"),
        "{out}"
    );
    assert!(out.contains("3 row(s), 3 matched"), "{out}");
}

#[test]
fn a_broken_spreadsheet_gets_one_clear_message() {
    let dir = common::fresh_dir("sheet-broken");
    let file = dir.join("incidents.xlsx");
    std::fs::write(&file, b"PK\x03\x04 this is not really a workbook").unwrap();
    let (code, out) = check(&["check", file.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(
        out.contains("incidents.xlsx: cannot read this Excel spreadsheet"),
        "{out}"
    );
    assert!(out.contains("saved as .xlsx"), "{out}");
}
