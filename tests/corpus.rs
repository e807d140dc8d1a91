//! The bad-input corpus (tests/corpus/cases.toml): for each malformed file, a running server
//! is given the bad version; the reload must fail with the message a user needs (file, line,
//! field), and the server must go on serving the last good data. Warnings (a ring crossing
//! itself, an unmatched row) load, and show in `borderland check`.

mod common;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use borderland::dataset::{Dataset, Origin};
use borderland::server::{self, AppState};
use serde::Deserialize;

#[derive(Deserialize)]
struct Cases {
    case: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    file: String,
    kind: String,
    expect: Vec<String>,
    #[serde(default)]
    warning: bool,
}

const GOOD_GEOJSON: &str = r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"ok"},"geometry":{"type":"Point","coordinates":[69.1,34.5]}}]}"#;
const GOOD_PRESENCE: &str =
    "province,group,source,citation,report_date\nKhost,TTP,S,c,2025-01-02\n";
const GOOD_EVENTS: &str = "id,date,group,latitude,longitude,source,citation,report_date\n1,2025-02-01,TTP,33.3,69.9,S,c,2025\n";
const GOOD_CATALOG: &str = "[[layer]]\nid = \"provinces\"\nfile = \"provinces.geojson\"\n";

fn catalog_for_table(name: &str, kind: &str) -> String {
    let points = if kind == "events" {
        "\n[[layer]]\nid = \"points\"\ntable = \"t\"\n"
    } else {
        ""
    };
    format!(
        "[[table]]\nid = \"t\"\nfile = \"{name}\"\nkind = \"{kind}\"\n\n[[layer]]\nid = \"provinces\"\nfile = \"provinces.geojson\"\n\
         keys = [\"iso_3166_2\", \"name\", \"name_alt\"]\n\n[[layer.join]]\ntable = \"t\"\n{points}"
    )
}

/// A directory holding the good version of a case's file, and the origin that loads it.
fn setup(case: &Case, n: usize) -> (PathBuf, Origin, PathBuf) {
    let dir = common::dir_with_provinces(&format!("corpus-{n}"));
    let target = dir.join(&case.file);
    let origin = match case.kind.as_str() {
        "geojson" => {
            std::fs::write(&target, GOOD_GEOJSON).unwrap();
            Origin::Files(vec![target.clone()])
        }
        "presence" | "events" => {
            std::fs::write(
                &target,
                if case.kind == "events" {
                    GOOD_EVENTS
                } else {
                    GOOD_PRESENCE
                },
            )
            .unwrap();
            std::fs::write(
                dir.join("layers.toml"),
                catalog_for_table(&case.file, &case.kind),
            )
            .unwrap();
            Origin::Catalog(dir.join("layers.toml"))
        }
        "catalog" => {
            std::fs::write(&target, GOOD_CATALOG).unwrap();
            Origin::Catalog(target.clone())
        }
        other => panic!("unknown kind {other}"),
    };
    (dir, origin, target)
}

fn corpus(name: &str) -> PathBuf {
    common::repo_path("tests/corpus").join(name)
}

#[tokio::test]
async fn every_bad_input_is_reported_and_serving_goes_on() {
    let text = std::fs::read_to_string(corpus("cases.toml")).unwrap();
    let cases: Cases = toml::from_str(&text).unwrap();
    assert!(
        cases.case.len() >= 30,
        "the corpus has {} cases",
        cases.case.len()
    );
    let mut failures = Vec::new();
    for (n, case) in cases.case.iter().enumerate() {
        let (dir, origin, target) = setup(case, n);
        let dataset = Dataset::load(&origin)
            .unwrap_or_else(|e| panic!("{}: the good version must load: {e}", case.file));
        let good_version = dataset.version.clone();
        let state: Arc<AppState> = AppState::new(dataset, Default::default());
        let app = server::router(Arc::clone(&state));

        // The user saves the bad file.
        std::fs::copy(corpus(&case.file), &target).unwrap();
        let outcome = server::reload::reload(&state).await;
        let message = match (&outcome, case.warning) {
            (Err(e), false) => e.replace('\\', "/"),
            (Ok(_), true) => borderland::check::run(&origin).to_text(),
            (Ok(_), false) => {
                failures.push(format!("{}: loaded, but should have failed", case.file));
                continue;
            }
            (Err(e), true) => {
                failures.push(format!(
                    "{}: should load with a warning, failed: {e}",
                    case.file
                ));
                continue;
            }
        };
        for expected in &case.expect {
            if !message.contains(expected.as_str()) {
                failures.push(format!(
                    "{}: message lacks {expected:?}:\n{message}",
                    case.file
                ));
            }
        }
        // Serving goes on: the last good data for a failure, the new data for a warning.
        let health = common::get(&app, "/health").await.json();
        if !case.warning {
            assert_eq!(health["version"], good_version.as_str(), "{}", case.file);
            assert_eq!(health["status"], "degraded", "{}", case.file);
            // The details are for the log and the admin endpoint; /health only says how many.
            assert!(
                state
                    .reloader
                    .status()
                    .error
                    .unwrap()
                    .contains(&case.expect[0]),
                "{}",
                case.file
            );
            assert!(
                health["last_reload"].get("error").is_none(),
                "{}",
                case.file
            );
            assert!(health["last_reload_error"].is_string(), "{}", case.file);
        }
        let layer = state.dataset.load().layers[0].id.clone();
        let tile = common::get(&app, &format!("/tiles/{layer}/0/0/0.mvt")).await;
        assert!(
            tile.status == 200 || tile.status == 204,
            "{}: tile {}",
            case.file,
            tile.status
        );
        let _ = std::fs::remove_dir_all(Path::new(&dir));
    }
    assert!(
        failures.is_empty(),
        "{} case(s) failed:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

#[tokio::test]
async fn bad_requests_get_4xx_json_and_never_5xx() {
    let app = common::default_app();
    let long_query = format!("/tiles/provinces/0/0/0.mvt?group={}", "x".repeat(9000));
    let cases: Vec<(String, u16)> = vec![
        ("/tiles/../../etc/passwd".into(), 404),
        ("/tiles/provinces/../../../Cargo.toml".into(), 404),
        ("/static/../Cargo.toml".into(), 404),
        ("/static/%2e%2e/Cargo.toml".into(), 404),
        ("/data/..%2fCargo.toml".into(), 404),
        ("/tiles/provinces/99/0/0.mvt".into(), 400),
        ("/tiles/provinces/10/1099511627776/0.mvt".into(), 400),
        (
            "/tiles/provinces/10/0/99999999999999999999999.mvt".into(),
            400,
        ),
        (long_query, 414),
        ("/tiles/provinces/0/0/0.mvt?weather=sunny".into(), 400),
        ("/tiles/provinces/0/0/0.mvt?group=%ZZ".into(), 400),
        ("/tiles/provinces/0/0/0.mvt?from=2025-02-30".into(), 400),
        ("/tiles/provinces/0/0/0.mvt?from=2026&to=2025".into(), 400),
        ("/tiles/nothing/0/0/0.mvt".into(), 404),
        ("/tiles/provinces,provinces/0/0/0.mvt".into(), 400),
        // Without --admin-token the endpoint does not exist.
        ("/admin/reload".into(), 404),
    ];
    for (uri, status) in cases {
        let r = common::get(&app, &uri).await;
        assert_eq!(
            r.status.as_u16(),
            status,
            "{uri}: {:?}",
            String::from_utf8_lossy(&r.body)
        );
        if status != 405 {
            assert!(r.json()["error"].is_string(), "{uri}: JSON error body");
        }
    }
}
