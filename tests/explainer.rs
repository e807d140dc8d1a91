//! The explainer follows the data, not the default catalog: a synthetic fixture with other
//! layer ids, groups and words (tests/fixtures/valley), served with its catalog and as bare
//! files, drawn in headless Chromium; style files edited and broken while serving; and the
//! server and the static site drawing the same map for three time windows, compared as
//! pictures. Browser parts print SKIPPED without node/Chromium unless BORDERLAND_E2E=1.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use borderland::dataset::Dataset;
use common::process::Served;
use common::{fresh_dir, repo_path};
use serde_json::Value;

const FIXTURE_GROUPS: [&str; 3] = ["Afghan Taliban", "ISKP", "Pakistan Army (regular forces)"];

/// Words of the default catalog that must not appear over someone else's data.
const DEFAULT_WORDS: [&str; 8] = [
    "partisan",
    "Kashmir",
    "does not recognise",
    "TTP",
    "ISIL-K",
    "Al-Qaeda",
    "Afghanistan",
    "Paktika",
];

fn fixture() -> PathBuf {
    repo_path("tests/fixtures/valley")
}

/// Whether node, Chromium and the npm packages are here; without them SKIPPED, unless
/// BORDERLAND_E2E=1, where that fails.
fn browser_tools() -> bool {
    let ok = Command::new("node").arg("--version").output().is_ok()
        && (Path::new("/usr/bin/chromium").exists() || std::env::var_os("CHROMIUM").is_some())
        && repo_path("tests/e2e/node_modules/playwright-core").is_dir();
    if !ok {
        assert!(
            !common::process::e2e_required(),
            "BORDERLAND_E2E=1 but node, Chromium or tests/e2e/node_modules is missing"
        );
        eprintln!("SKIPPED: node, Chromium or tests/e2e/node_modules (npm ci) is missing");
    }
    ok
}

/// Run a script of tests/e2e with arguments; its one JSON line.
fn node(script: &str, args: &[&str]) -> Value {
    let out = Command::new("node")
        .arg(repo_path(&format!("tests/e2e/{script}")))
        .args(args)
        .current_dir(repo_path("tests/e2e"))
        .output()
        .expect("node runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_str(stdout.trim()).unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}"))
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
}

/// `GET url` over plain HTTP/1.0: status and body.
fn http_get(url: &str) -> (u16, String) {
    use std::io::{Read, Write};
    let rest = url.strip_prefix("http://").expect("an http URL");
    let (host, path) = rest
        .split_once('/')
        .map_or((rest, "/".to_string()), |(h, p)| (h, format!("/{p}")));
    let Ok(mut stream) = std::net::TcpStream::connect(host) else {
        return (0, String::new());
    };
    let _ = write!(stream, "GET {path} HTTP/1.0\r\nHost: {host}\r\n\r\n");
    let mut text = String::new();
    let _ = stream.read_to_string(&mut text);
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (status, body.to_string())
}

/// Poll until `test` holds (a reload is asynchronous), up to 30 s.
fn eventually(what: &str, mut test: impl FnMut() -> bool) {
    let started = Instant::now();
    while !test() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "timed out waiting: {what}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn assert_no_default_words(text: &str, what: &str) {
    for w in DEFAULT_WORDS {
        assert!(
            !text.contains(w),
            "{what} shows the default catalog's {w:?}:\n{text}"
        );
    }
}

#[test]
fn generated_styles_follow_the_fixture_groups_counts_and_layers() {
    let dataset = Dataset::from_catalog(&fixture().join("layers.toml")).expect("fixture loads");
    let labels: Vec<&str> = dataset.groups.iter().map(|g| g.label.as_str()).collect();
    // The catalog's group first, then the others by name.
    assert_eq!(
        labels,
        ["Pakistan Army (regular forces)", "Afghan Taliban", "ISKP"]
    );
    assert_eq!(dataset.groups[0].colour, "#117733", "the catalog's colour");
    let mut colours: Vec<&str> = dataset.groups.iter().map(|g| g.colour.as_str()).collect();
    colours.sort();
    colours.dedup();
    assert_eq!(colours.len(), 3, "distinct colours: {:?}", dataset.groups);
    assert_eq!(
        dataset.time,
        Some(["2023-02-10".to_string(), "2023-11-20".to_string()])
    );
    let names: Vec<&str> = dataset.styles.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["explainer", "presence"]);
    let explainer = &dataset.style("explainer").unwrap().json;
    let ids: Vec<&str> = explainer["layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["id"].as_str().unwrap())
        .collect();
    for id in [
        "districts-incidents",
        "districts-presence",
        "rivers-lines",
        "reports-points",
        "district_points-labels",
    ] {
        assert!(ids.contains(&id), "{id} missing from {ids:?}");
    }
    let fill = explainer["layers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["id"] == "districts-incidents")
        .unwrap();
    // Counts 2, 3 and 3 over all dates (one undated row in Cedar Reach): zero, then 1 (which
    // a window can give), then one class a count.
    assert_eq!(
        fill["paint"]["fill-color"],
        serde_json::json!([
            "step",
            ["coalesce", ["get", "reports_count"], 0],
            "#f7f7f7",
            1,
            "#fc8d59",
            2,
            "#e34a33",
            3,
            "#b30000"
        ])
    );
    assert!(
        fill["metadata"]["borderland:classes"]
            .as_str()
            .unwrap()
            .contains("one class per count")
    );

    // Adding a group keeps the others' colours.
    let before = borderland::dataset::styles::groups(&dataset.layers, &[]);
    let dir = fresh_dir("explainer-more-groups");
    copy_dir(&fixture(), &dir);
    let mut rows = std::fs::read_to_string(dir.join("reports.csv")).unwrap();
    rows.push_str("9,Alder Vale,Valley Militia,raid,2023-05-01,40.3,10.3,0,Synthetic,Synthetic Monitor,test row 9,2023-05-02\n");
    std::fs::write(dir.join("reports.csv"), rows).unwrap();
    let more = Dataset::from_catalog(&dir.join("layers.toml")).expect("loads");
    let after = borderland::dataset::styles::groups(&more.layers, &[]);
    for g in &before {
        let same = after.iter().find(|a| a.slug == g.slug).unwrap();
        assert_eq!(same.colour, g.colour, "{} changed colour", g.slug);
    }
    assert_eq!(after.len(), 4);

    // With only polygons (no claims), only an explainer of their features.
    let bare = Dataset::from_files(&[fixture().join("districts.geojson")]).expect("loads");
    assert_eq!(bare.styles.len(), 1);
    let text = bare.styles[0].json.to_string();
    assert!(text.contains("districts-fill") && !text.contains("presence"));
    assert!(bare.groups.is_empty() && bare.time.is_none());
}

#[test]
fn a_catalog_with_other_layers_groups_and_words_drives_the_viewer() {
    if !browser_tools() {
        return;
    }
    let server = Served::start(
        &["--config", "tests/fixtures/valley/layers.toml"],
        &repo_path(""),
    );
    let r = node(
        "explainer.mjs",
        &[&format!("{}/#map=6.5/40.5/11.5", server.url)],
    );
    assert_eq!(r["errors"], serde_json::json!([]), "{r}");
    let panel = r["panel"].as_str().unwrap();
    assert_no_default_words(panel, "the panel");
    assert!(
        panel.contains("Valley Watch (synthetic test map)"),
        "{panel}"
    );
    assert!(panel.contains("Invented districts for testing the viewer"));
    assert!(panel.contains("These rows are test data"));
    assert!(panel.contains("the Synthetic Monitor does not exist"));
    assert!(panel.contains("Test fixture made for borderland's tests."));
    assert_eq!(r["title"], "Valley Watch (synthetic test map)");
    let mut picker: Vec<&str> = r["picker"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["text"].as_str().unwrap())
        .collect();
    picker.sort();
    assert_eq!(picker, FIXTURE_GROUPS, "{}", r["picker"]);
    let circles = r["legendCircles"].as_array().unwrap();
    let mut named: Vec<&str> = circles
        .iter()
        .map(|c| c["text"].as_str().unwrap())
        .filter(|t| !t.starts_with("other"))
        .collect();
    named.sort();
    assert_eq!(named, FIXTURE_GROUPS, "{}", r["legendCircles"]);
    let mut colours: Vec<&str> = circles
        .iter()
        .map(|c| c["colour"].as_str().unwrap())
        .collect();
    colours.sort();
    colours.dedup();
    assert_eq!(
        colours.len(),
        circles.len(),
        "distinct colours: {}",
        r["legendCircles"]
    );
    let legend = r["legend"].as_str().unwrap();
    assert!(legend.contains("one class per count"), "{legend}");
    for class in ["0", "1", "2", "3 or more"] {
        assert!(
            legend.lines().any(|l| l.trim() == class),
            "class {class:?} in {legend}"
        );
    }
    assert_eq!(r["timeVisible"], true);
    assert_eq!(r["styles"], serde_json::json!(["explainer", "presence"]));
    for layer in ["districts", "district_points", "rivers", "reports"] {
        assert!(
            r["drawn"][layer].as_u64() > Some(0),
            "{layer}: {}",
            r["drawn"]
        );
    }
}

#[test]
fn one_geojson_with_no_catalog_shows_its_features() {
    if !browser_tools() {
        return;
    }
    let server = Served::start(&["tests/fixtures/valley/districts.geojson"], &repo_path(""));
    let r = node("explainer.mjs", &[&format!("{}/", server.url)]);
    assert_eq!(r["errors"], serde_json::json!([]), "{r}");
    assert!(r["drawn"]["districts"].as_u64() > Some(0), "{}", r["drawn"]);
    assert_no_default_words(r["panel"].as_str().unwrap(), "the panel");
    assert_eq!(r["picker"], serde_json::json!([]));
    assert_eq!(r["pickerVisible"], false, "no groups, no picker");
    assert_eq!(r["timeVisible"], false, "nothing dated, no time slider");
    assert_eq!(r["styles"], serde_json::json!(["explainer"]));
}

#[test]
fn an_edited_style_file_shows_after_reload_and_a_broken_one_keeps_the_last_good() {
    let dir = fresh_dir("explainer-style-files");
    copy_dir(&fixture(), &dir);
    // `borderland styles` writes the generated styles out as a starting point.
    let out = Command::new(env!("CARGO_BIN_EXE_borderland"))
        .args(["styles", "--config"])
        .arg(dir.join("layers.toml"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let file = dir.join("styles/explainer.json");
    let written: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(written["layers"][0]["id"], "background");
    let again = Command::new(env!("CARGO_BIN_EXE_borderland"))
        .args(["styles", "--config"])
        .arg(dir.join("layers.toml"))
        .output()
        .unwrap();
    assert!(!again.status.success(), "does not overwrite an edited file");

    let server = Served::start(
        &[
            "--config",
            dir.join("layers.toml").to_str().unwrap(),
            "--watch-secs",
            "0.2",
        ],
        &dir,
    );
    let style_url = format!("{}/styles/explainer.json", server.url);
    let background = |body: &str| -> Value {
        serde_json::from_str::<Value>(body)
            .map(|s| s["layers"][0]["paint"]["background-color"].clone())
            .unwrap_or(Value::Null)
    };
    assert_eq!(background(&http_get(&style_url).1), "#eef2f5");
    let mut edited = written.clone();
    edited["layers"][0]["paint"]["background-color"] = "#123456".into();
    std::fs::write(&file, serde_json::to_string_pretty(&edited).unwrap()).unwrap();
    eventually("the edited style is served", || {
        background(&http_get(&style_url).1) == "#123456"
    });
    if browser_tools() {
        let r = node("explainer.mjs", &[&format!("{}/", server.url)]);
        assert_eq!(r["errors"], serde_json::json!([]), "{r}");
        assert_eq!(
            r["background"], "#123456",
            "the page draws the edited style"
        );
    }

    // Broken: the last good style keeps serving; /health and `check` say what is wrong.
    std::fs::write(&file, "{\"version\": 8,\n  \"layers\": [oops]}").unwrap();
    eventually("/health reports the broken style", || {
        http_get(&format!("{}/health", server.url))
            .1
            .contains("degraded")
    });
    let (_, health) = http_get(&format!("{}/health", server.url));
    assert!(
        health.contains("explainer.json") && health.contains("line 2"),
        "{health}"
    );
    assert_eq!(background(&http_get(&style_url).1), "#123456");
    let check = Command::new(env!("CARGO_BIN_EXE_borderland"))
        .args(["check", "--config"])
        .arg(dir.join("layers.toml"))
        .output()
        .unwrap();
    assert!(!check.status.success());
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&check.stdout),
        String::from_utf8_lossy(&check.stderr)
    );
    assert!(text.contains("explainer.json:2:"), "file:line:col: {text}");

    // A style that draws a layer the data does not have is refused, naming both.
    std::fs::write(
        &file,
        r#"{"version": 8, "sources": {}, "layers": [{"id": "x", "type": "fill", "source": "borderland", "source-layer": "provinces"}]}"#,
    )
    .unwrap();
    // /health names where the problem is but never quotes the file (issue 18); the server
    // keeps the last good style; `check` gives the whole message.
    eventually("the unknown source-layer fails the reload", || {
        let health = http_get(&format!("{}/health", server.url)).1;
        health.contains("degraded") && health.contains("explainer.json")
    });
    assert_eq!(background(&http_get(&style_url).1), "#123456");
    let check = Command::new(env!("CARGO_BIN_EXE_borderland"))
        .args(["check", "--config"])
        .arg(dir.join("layers.toml"))
        .output()
        .unwrap();
    assert!(!check.status.success());
    let text = String::from_utf8_lossy(&check.stdout).into_owned()
        + &String::from_utf8_lossy(&check.stderr);
    assert!(
        text.contains("explainer.json") && text.contains("source-layer 'provinces'"),
        "{text}"
    );
}

#[test]
fn the_server_and_the_static_site_draw_the_same_map_for_three_windows() {
    if !browser_tools() {
        return;
    }
    let site = fresh_dir("explainer-same-map");
    let out = Command::new(env!("CARGO_BIN_EXE_borderland"))
        .args([
            "export",
            "--config",
            "tests/fixtures/valley/layers.toml",
            "--site",
        ])
        .arg(&site)
        .args(["--maxzoom", "8", "--quiet"])
        .current_dir(repo_path(""))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let host = common::process::StaticServer::start(&site);
    let server = Served::start(
        &["--config", "tests/fixtures/valley/layers.toml"],
        &repo_path(""),
    );
    let view = "map=6.5/40.5/11.5&style=explainer";
    let windows = [
        format!("{view}&from=2023-02&to=2023-03"),
        format!("{view}&from=2023-06&to=2023-07&group=iskp"),
        format!("{view}&from=2023-11&to=2023-11"),
    ];
    let mut args = vec![
        format!("{}/", server.url),
        format!("http://127.0.0.1:{}/", host.port),
    ];
    args.extend(windows.iter().cloned());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let r = node("same-map.mjs", &args);
    assert_eq!(r["errors"], serde_json::json!([]), "{r}");
    let views = r["views"].as_array().unwrap();
    assert_eq!(views.len(), 3);
    for v in views {
        assert_eq!(v["size"], true, "{v}");
        let (differ, pixels) = (v["differ"].as_u64().unwrap(), v["pixels"].as_u64().unwrap());
        // Anti-aliasing and glyph edges only: under 0.2% of the map.
        assert!(
            differ * 500 < pixels,
            "{} pixels of {pixels} differ: {v}",
            differ
        );
        assert_eq!(v["server"], v["site"], "the same features drawn: {v}");
    }
    for b in r["between"].as_array().unwrap() {
        assert!(
            b["differ"].as_u64().unwrap() * 100 > b["pixels"].as_u64().unwrap() / 100,
            "two windows drew the same map, so the comparison proves nothing: {b}"
        );
    }
}
