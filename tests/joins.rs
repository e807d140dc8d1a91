//! Joins as a reader of the map checks them: claims land on the right provinces with their
//! sources, filters change both the points and the choropleth, aliases match, presets read
//! their formats, and rows that match nothing or are malformed are reported with their line.

mod common;

use std::path::{Path, PathBuf};

use borderland::dataset::Dataset;
use common::mvt::{DecodedLayer, Prop};
use common::{default_app, get, tile, tile_of};

const PAKTIKA: (f64, f64) = (68.73, 32.48);
const KABUL: (f64, f64) = (69.17, 34.536);

fn layer<'a>(layers: &'a [DecodedLayer], name: &str) -> &'a DecodedLayer {
    layers
        .iter()
        .find(|l| l.name == name)
        .unwrap_or_else(|| panic!("no layer {name}"))
}

fn num(p: &Prop) -> f64 {
    match p {
        Prop::Num(n) => *n,
        other => panic!("not a number: {other:?}"),
    }
}

async fn province(
    app: &borderland::server::App,
    at: (f64, f64),
    iso: &str,
    query: &str,
) -> std::collections::HashMap<String, Prop> {
    let (x, y) = tile_of(at.0, at.1, 6);
    let r = common::get_with(app, &format!("/tiles/provinces/6/{x}/{y}.mvt{query}"), &[]).await;
    assert_eq!(r.status, 200, "{:?}", String::from_utf8_lossy(&r.body));
    let layers = common::mvt::decode_strict(&r.body);
    layer(&layers, "provinces")
        .find("iso_3166_2", iso)
        .unwrap_or_else(|| panic!("{iso} in tile"))
        .props
        .clone()
}

#[tokio::test]
async fn presence_claims_reach_the_provinces_with_their_source() {
    let app = default_app();
    let paktika = province(&app, PAKTIKA, "AF-PKA", "").await;
    assert_eq!(paktika["presence_groups"], Prop::Str("TTP".into()));
    assert_eq!(paktika["presence_ttp"], Prop::Bool(true));
    assert_eq!(paktika["presence_al_qaeda"], Prop::Bool(false));
    assert_eq!(num(&paktika["presence_count"]), 1.0);
    let claims: serde_json::Value = serde_json::from_str(paktika["presence_claims"].str()).unwrap();
    assert_eq!(claims[0]["group"], "TTP");
    assert!(
        claims[0]["source"]
            .as_str()
            .unwrap()
            .starts_with("The Evolving Terrorist Ecosystem")
    );
    assert!(
        claims[0]["claim"]
            .as_str()
            .unwrap()
            .contains("Paktika, Khost, Nangarhar, and Kunar")
    );
    assert_eq!(claims[0]["report_date"], "not stated");
    // The undated airstrike claim is counted in Paktika, not drawn as a point.
    assert_eq!(num(&paktika["incidents_count"]), 1.0);
    assert_eq!(num(&paktika["incidents_undated"]), 1.0);
    let strikes: serde_json::Value =
        serde_json::from_str(paktika["incidents_claims"].str()).unwrap();
    assert_eq!(strikes[0]["event_type"], "airstrike");

    let kabul = province(&app, KABUL, "AF-KAB", "").await;
    assert_eq!(kabul["presence_groups"], Prop::Str("Al-Qaeda".into()));
    // The bombing is joined by point in polygon.
    assert_eq!(num(&kabul["incidents_count"]), 1.0);
    assert_eq!(kabul["incidents_first"], Prop::Str("2026-01".into()));
    assert_eq!(num(&kabul["incidents_count_isil_k"]), 1.0);
}

#[tokio::test]
async fn incident_points_carry_their_provenance_and_numeric_dates() {
    let app = default_app();
    let (x, y) = tile_of(KABUL.0, KABUL.1, 10);
    let layers = tile(&app, "incidents", 10, x, y)
        .await
        .expect("the bombing is in the tile");
    let bombing = &layer(&layers, "incidents").features[0];
    assert_eq!(bombing.props["group"], Prop::Str("ISIL-K".into()));
    assert_eq!(bombing.props["date"], Prop::Str("2026-01".into()));
    assert_eq!(num(&bombing.props["date_days"]), 20454.0, "2026-01-01");
    assert_eq!(num(&bombing.props["date_end_days"]), 20484.0, "2026-01-31");
    assert!(bombing.props["citation"].str().contains("ISIL-K"));
    assert!(
        bombing.props["location_precision"]
            .str()
            .contains("approximate")
    );
    assert!(
        !bombing.props.contains_key("fatalities"),
        "the source gives no total"
    );
    let tj = get(&app, "/tiles/incidents.json").await.json();
    assert!(
        tj["attribution"]
            .as_str()
            .unwrap()
            .contains("Taxonomy of Threats"),
        "TileJSON lists the claim source"
    );
}

#[tokio::test]
async fn a_time_window_changes_points_and_choropleth() {
    let app = default_app();
    let (x, y) = tile_of(KABUL.0, KABUL.1, 10);
    let in_2025 = common::get_with(
        &app,
        &format!("/tiles/incidents/10/{x}/{y}.mvt?from=2025-01-01&to=2025-12-31"),
        &[],
    )
    .await;
    assert_eq!(
        in_2025.status, 204,
        "the January 2026 bombing is outside 2025"
    );
    let jan = common::get_with(
        &app,
        &format!("/tiles/incidents/10/{x}/{y}.mvt?from=2026-01-15&to=2026-02-01"),
        &[],
    )
    .await;
    assert_eq!(
        jan.status, 200,
        "a window overlapping January 2026 keeps it"
    );

    let kabul = province(&app, KABUL, "AF-KAB", "?from=2025-01-01&to=2025-12-31").await;
    assert_eq!(num(&kabul["incidents_count"]), 0.0);
    assert!(!kabul.contains_key("incidents_first"));
    let paktika = province(&app, PAKTIKA, "AF-PKA", "?from=2026-01").await;
    assert_eq!(
        num(&paktika["incidents_count"]),
        0.0,
        "undated claims fall out of a time window"
    );
    let paktika = province(&app, PAKTIKA, "AF-PKA", "").await;
    assert_eq!(num(&paktika["incidents_count"]), 1.0);
}

#[tokio::test]
async fn a_group_filter_changes_presence() {
    let app = default_app();
    let kabul = province(&app, KABUL, "AF-KAB", "?group=TTP").await;
    assert_eq!(kabul["presence_groups"], Prop::Str("".into()));
    assert_eq!(kabul["presence_al_qaeda"], Prop::Bool(false));
    let kabul = province(&app, KABUL, "AF-KAB", "?group=al-qaeda").await;
    assert_eq!(
        kabul["presence_al_qaeda"],
        Prop::Bool(true),
        "group names match case- and punctuation-blind"
    );
}

#[tokio::test]
async fn only_declared_filters_are_accepted() {
    let app = default_app();
    let r = get(&app, "/tiles/border/3/5/3.mvt?group=TTP").await;
    assert_eq!(r.status, 400);
    assert!(r.json()["error"].as_str().unwrap().contains("not declared"));
    let r = get(&app, "/tiles/provinces/3/5/3.mvt?colour=red").await;
    assert_eq!(r.status, 400);
    assert!(
        r.json()["error"]
            .as_str()
            .unwrap()
            .contains("from, to, group, event_type")
    );
    let r = get(&app, "/tiles/provinces/3/5/3.mvt?from=2025-13-01").await;
    assert_eq!(r.status, 400);
    assert!(r.json()["error"].as_str().unwrap().contains("month 13"));
    let r = get(&app, "/tiles/provinces.json?from=2025&group=TTP").await;
    assert_eq!(
        r.json()["tiles"][0],
        "http://tiles.test/tiles/provinces/{z}/{x}/{y}.mvt?from=2025-01-01&group=ttp"
    );
    let r = get(&app, "/catalog").await.json();
    assert_eq!(
        r["layers"][0]["filters"],
        serde_json::json!(["from", "to", "group", "event_type"])
    );
}

#[tokio::test]
async fn filter_spellings_share_one_cache_entry() {
    let dataset = Dataset::from_catalog(&common::repo_path("data/layers.toml")).unwrap();
    let state = borderland::server::AppState::new(dataset, Default::default());
    let app = borderland::server::router(state.clone());
    for q in [
        "?group=TTP&from=2025",
        "?from=2025-01-01&group=ttp",
        "?group=T.T.P.&from=2025-01",
    ] {
        assert_eq!(
            get(&app, &format!("/tiles/provinces/4/11/6.mvt{q}"))
                .await
                .status,
            200
        );
    }
    assert_eq!(state.cache.misses(), 1);
}

// ---- catalogs in temporary directories ----

/// A catalog over the default provinces with one presence table.
fn presence_catalog(name: &str, csv: &str, extra: &str) -> PathBuf {
    let dir = common::dir_with_provinces(&format!("joins-{name}"));
    std::fs::write(dir.join("presence.csv"), csv).unwrap();
    let catalog = format!(
        "[[table]]\nid = \"presence\"\nfile = \"presence.csv\"\nkind = \"presence\"\n{extra}\n\n\
         [[layer]]\nid = \"provinces\"\nfile = \"provinces.geojson\"\nid_property = \"iso_3166_2\"\n\
         keys = [\"iso_3166_2\", \"name\", \"name_alt\"]\naliases = {{ \"Jalalabad province\" = \"Nangarhar\" }}\n\n\
         [[layer.join]]\ntable = \"presence\"\n"
    );
    std::fs::write(dir.join("layers.toml"), catalog).unwrap();
    dir.join("layers.toml")
}

#[test]
fn spellings_and_aliases_match_and_misses_are_reported_with_suggestions() {
    let csv = "province,group,source,citation,report_date\n\
        Nangrahar,TTP,S,c,2025-01-01\n\
        Ningarhar,IMU,S,c,2025-01-01\n\
        Paktīkā,TTP,S,c,2025-01-01\n\
        Konar,TTP,S,c,2025-01-01\n\
        AF-KHO,TTP,S,c,2025-01-01\n\
        KUNAR province,AQIS,S,c,2025-01-01\n\
        Jalalabad province,ISIL-K,S,c,2025-01-01\n\
        Kunarr,TTP,S,c,2025-01-01\n";
    let d = Dataset::from_catalog(&presence_catalog("alias", csv, "")).unwrap();
    let report = d.join_reports()[0].clone();
    assert_eq!(report.rows, 8);
    assert_eq!(report.matched, 7);
    assert_eq!(report.unmatched.len(), 1);
    let miss = &report.unmatched[0];
    assert_eq!(miss.line, 9);
    assert_eq!(miss.key.as_deref(), Some("Kunarr"));
    assert_eq!(miss.suggestions[0], "Kunar");
    let layer = d.layer("provinces").unwrap();
    let nangarhar = layer
        .features
        .iter()
        .position(|f| f.props[0].as_str() == Some("AF-NAN"))
        .unwrap();
    let groups = layer.field_index("presence_groups").unwrap();
    assert_eq!(
        layer.features[nangarhar].props[groups].as_str(),
        Some("IMU; ISIL-K; TTP")
    );
    assert!(report.features_without_rows.contains(&"Balkh".to_string()));
}

#[test]
fn bad_rows_name_file_line_and_field() {
    let cases = [
        (
            "province,group,source,citation,report_date\nKhost,TTP,S,c,2025-13-02\n",
            "presence.csv line 2, field 'report_date': '2025-13-02' is not a date: month 13",
        ),
        (
            "province,group,source,citation,report_date\n,TTP,S,c,2025-01-02\n",
            "presence.csv line 2, field 'province': empty area",
        ),
        (
            "province,group,source,citation,report_date\nKhost,TTP,,c,2025-01-02\n",
            "presence.csv line 2, field 'source': missing source",
        ),
        (
            "province,group,source,citation,report_date\nKhost,TTP,S,,2025-01-02\n",
            "presence.csv line 2, field 'citation': missing citation and source_url",
        ),
        (
            "province,group,source,citation,report_date\nKhost,TTP,S,c,\n",
            "presence.csv line 2, field 'report_date': missing report date",
        ),
        (
            "province,group,citation,report_date\nKhost,TTP,c,2025-01-02\n",
            "presence.csv line 1, field 'source': missing column 'source'",
        ),
        (
            "province,group,source,citation,report_date\nKhost,TTP,S,c\n",
            "presence.csv line 2: this row has 4 fields but the header has 5",
        ),
    ];
    for (i, (csv, expected)) in cases.iter().enumerate() {
        let err = Dataset::from_catalog(&presence_catalog(&format!("bad{i}"), csv, ""))
            .unwrap_err()
            .to_string();
        let err = err.replace('\\', "/");
        assert!(
            err.contains(expected),
            "case {i}: {err}\nexpected: {expected}"
        );
    }
}

#[test]
fn events_with_bad_coordinates_are_refused() {
    let dir = common::dir_with_provinces("joins-coords");
    std::fs::write(
        dir.join("events.csv"),
        "id,date,group,latitude,longitude,source,citation,report_date\n1,2025-02-01,TTP,33.3,69.9,S,c,2025-02-02\n2,2025-02-01,TTP,200,69.9,S,c,2025-02-02\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("layers.toml"),
        "[[table]]\nid = \"events\"\nfile = \"events.csv\"\nkind = \"events\"\n\n[[layer]]\nid = \"events\"\ntable = \"events\"\n",
    )
    .unwrap();
    let err = Dataset::from_catalog(&dir.join("layers.toml"))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("events.csv line 3, field 'latitude': latitude 200 is outside -90..90"),
        "{err}"
    );
}

fn samples() -> Dataset {
    Dataset::from_catalog(&common::repo_path("data/samples/layers.samples.toml"))
        .expect("sample catalog loads")
}

#[test]
fn ucdp_preset_reads_synthetic_ged_rows() {
    let d = samples();
    let layer = d.layer("ucdp_events").unwrap();
    assert_eq!(layer.features.len(), 24);
    let rows = &layer.rows.as_ref().unwrap().claims;
    // type_of_violence 1 → the non-state side_b; 3 → side_a.
    let r0 = &rows.rows[0];
    assert_eq!(rows.str(r0.group), Some("SYNTHETIC Group C"));
    assert_eq!(rows.str(r0.event_type), Some("state-based conflict"));
    assert_eq!(rows.str(rows.rows[2].group), Some("SYNTHETIC Group B"));
    assert_eq!(rows.str(r0.source).unwrap(), "SYNTHETIC UCDP-style sample");
    assert!(rows.str(r0.citation).unwrap().contains("SYNTHETIC"));
    // Events span date_start..date_end: a window touching only the end still overlaps.
    let spanning = rows
        .rows
        .iter()
        .find(|r| r.date.is_some_and(|d| d.last > d.first))
        .expect("a multi-day event");
    let last = spanning.date.unwrap().last;
    let f = borderland::join::filter::Filter {
        from: Some(last),
        to: Some(last + 5),
        ..Default::default()
    };
    assert!(f.matches(rows, spanning, true));
    let provinces = d.layer("provinces").unwrap();
    let report = provinces
        .joins
        .iter()
        .find(|j| j.claims.id == "ucdp")
        .unwrap();
    assert_eq!(report.report.matched, 24, "{:?}", report.report.unmatched);
}

#[test]
fn acled_preset_reads_synthetic_export_rows() {
    let d = samples();
    let layer = d.layer("acled_events").unwrap();
    assert_eq!(layer.features.len(), 18);
    let claims = &layer.rows.as_ref().unwrap().claims;
    let r = &claims.rows[1];
    assert_eq!(claims.str(r.group), Some("SYNTHETIC Actor Y"));
    assert_eq!(claims.str(r.event_type), Some("Explosions/Remote violence"));
    assert_eq!(claims.str(r.source).unwrap(), "SYNTHETIC News Agency");
    assert!(
        r.report_date.is_some(),
        "report date from the upload timestamp"
    );
    // time_precision 2 widens the date to a week around it.
    let d1 = r.date.unwrap();
    assert_eq!(d1.last - d1.first, 6);
    for row in &claims.rows {
        assert!(
            claims.str(row.citation).unwrap().contains("SYNTHETIC"),
            "every sample row is labelled"
        );
    }
}

#[test]
fn samples_are_never_in_the_default_catalog() {
    let text = std::fs::read_to_string(common::repo_path("data/layers.toml")).unwrap();
    assert!(!text.contains("SYNTHETIC") && !text.contains("samples/"));
    assert!(Path::new(&common::repo_path("data/samples/README.md")).exists());
}

#[test]
fn json_tables_join_like_csv() {
    let dir = common::dir_with_provinces("joins-json");
    std::fs::write(
        dir.join("presence.json"),
        r#"[{"province": "Konar", "group": "TTP", "source": "S", "citation": "c", "report_date": "2025-03"},
            {"province": "AF-KHO", "group": "IMU", "source": "S", "source_url": "https://example.org/a", "report_date": "2025-03-04"}]"#,
    )
    .unwrap();
    std::fs::write(
        dir.join("layers.toml"),
        "[[table]]\nid = \"presence\"\nfile = \"presence.json\"\nkind = \"presence\"\n\n[[layer]]\nid = \"provinces\"\nfile = \"provinces.geojson\"\nkeys = [\"iso_3166_2\", \"name\", \"name_alt\"]\n\n[[layer.join]]\ntable = \"presence\"\n",
    )
    .unwrap();
    let d = Dataset::from_catalog(&dir.join("layers.toml")).unwrap();
    let report = d.join_reports()[0].clone();
    assert_eq!((report.rows, report.matched), (2, 2));
    let claims = &d.tables[0];
    assert_eq!(
        claims.str(claims.rows[1].source_url),
        Some("https://example.org/a")
    );
    assert_eq!(claims.rows[0].report_date.unwrap().to_string(), "2025-03");
}
