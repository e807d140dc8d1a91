//! OGC API – Features Part 3 (issue 17): `/queryables` and CQL2 text `filter=`, through the
//! real router, and from OWSLib (an independent client) against the running binary.

mod common;

use std::process::Command;

use axum::http::StatusCode;

async fn names(filter: &str, collection: &str) -> Vec<String> {
    let app = common::default_app();
    let q: String = url_encode(filter);
    let r = common::get(
        &app,
        &format!("/ogc/collections/{collection}/items?limit=1000&filter={q}"),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{filter}: {:?}", r.json());
    let mut out: Vec<String> = r.json()["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["properties"]["name"].as_str().unwrap_or("").to_string())
        .collect();
    out.sort();
    out
}

fn url_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn queryables_list_every_field_as_json_schema() {
    let app = common::default_app();
    let r = common::get(&app, "/ogc/collections/provinces/queryables").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.header("content-type"), Some("application/schema+json"));
    let q = r.json();
    assert_eq!(q["type"], "object");
    assert_eq!(q["properties"]["name"]["type"], "string");
    assert_eq!(q["properties"]["incidents_count"]["type"], "integer");
    assert!(q["properties"]["geometry"]["$ref"].is_string());
    let collection = common::get(&app, "/ogc/collections/provinces").await.json();
    assert!(
        collection["links"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["rel"] == "http://www.opengis.net/def/rel/ogc/1.0/queryables")
    );
    let conf = common::get(&app, "/ogc/conformance").await.json();
    let conf = conf["conformsTo"].to_string();
    assert!(conf.contains("ogcapi-features-3/1.0/conf/filter"), "{conf}");
    assert!(conf.contains("cql2/1.0/conf/cql2-text"), "{conf}");
}

#[tokio::test]
async fn cql2_text_filters_select_what_they_say() {
    assert_eq!(
        names("name LIKE 'Pak%' AND country = 'Afghanistan'", "provinces").await,
        ["Paktia", "Paktika"]
    );
    assert_eq!(
        names("iso_3166_2 IN ('AF-KHO', 'AF-PKA')", "provinces").await,
        ["Khost", "Paktika"]
    );
    let not_afghan = names("NOT (country = 'Afghanistan')", "provinces").await;
    assert_eq!(not_afghan.len(), 7, "{not_afghan:?}");
    let either = names("name = 'Kunar' OR name = 'Khost'", "provinces").await;
    assert_eq!(either, ["Khost", "Kunar"]);
    let some = names("incidents_count BETWEEN 1 AND 1000", "provinces").await;
    assert!(some.contains(&"Kabul".to_string()), "{some:?}");
    // Paktika's box (68.5..69, 32..32.5) touches Paktika only.
    assert_eq!(
        names(
            "S_INTERSECTS(geometry, BBOX(68.5, 32, 69, 32.5))",
            "provinces"
        )
        .await,
        ["Paktika"]
    );
    // The January 2026 Kabul bombing is the only dated incident point.
    let app = common::default_app();
    let q = url_encode("T_INTERSECTS(datetime, INTERVAL('2026-01-01', '..'))");
    let r = common::get(
        &app,
        &format!("/ogc/collections/incidents/items?filter={q}"),
    )
    .await;
    assert_eq!(r.json()["numberMatched"], 1);
    let q = url_encode("T_INTERSECTS(datetime, INTERVAL('..', '2025-12-31'))");
    let r = common::get(
        &app,
        &format!("/ogc/collections/incidents/items?filter={q}"),
    )
    .await;
    assert_eq!(r.json()["numberMatched"], 0);
}

#[tokio::test]
async fn a_bad_filter_is_a_400_that_points_at_the_queryables() {
    let app = common::default_app();
    for (filter, says) in [
        ("nope = 1", "'nope' is not a queryable property"),
        ("name = ", "ends where a value"),
        ("name LIKE 'a' AND", "ends where a value"),
        ("(name = 'a'", "expected ')'"),
    ] {
        let r = common::get(
            &app,
            &format!(
                "/ogc/collections/provinces/items?filter={}",
                url_encode(filter)
            ),
        )
        .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{filter}");
        let j = r.json();
        assert!(j["error"].as_str().unwrap().contains(says), "{filter}: {j}");
        assert!(j["hint"].as_str().unwrap().contains("/queryables"), "{j}");
    }
    let r = common::get(
        &app,
        "/ogc/collections/provinces/items?filter-lang=cql2-json&filter=x",
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

/// A Python with OWSLib: `python3`, or the system's when a version manager shadows it.
fn python_with_owslib() -> Option<&'static str> {
    ["python3", "/usr/bin/python3"].into_iter().find(|p| {
        Command::new(p)
            .args(["-c", "import owslib"])
            .output()
            .is_ok_and(|o| o.status.success())
    })
}

#[test]
fn owslib_reads_the_queryables_and_filters_with_cql2() {
    let Some(python) = python_with_owslib() else {
        assert!(
            !common::process::e2e_required(),
            "OWSLib is missing but BORDERLAND_E2E=1: apt-get install python3-owslib"
        );
        eprintln!("SKIPPED: OWSLib is not installed (apt-get install python3-owslib)");
        return;
    };
    let served = common::process::Served::start(&["serve"], &common::repo_path(""));
    let script = format!(
        r#"
from owslib.ogcapi.features import Features
w = Features("{url}/ogc")
q = w.collection_queryables("provinces")
assert q["properties"]["name"]["type"] == "string", q
r = w.collection_items("provinces", filter="name LIKE 'Pak%' AND country = 'Afghanistan'", limit=100)
print(sorted(f["properties"]["name"] for f in r["features"]))
print(r["numberMatched"])
"#,
        url = served.url
    );
    let out = Command::new(python)
        .args(["-c", &script])
        .output()
        .expect("python runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(text, "['Paktia', 'Paktika']\n2\n");
}
