//! Stories (issue 15) as a reader and a journalist meet them: the default story scrolled in
//! headless Chromium on a desktop and a phone, from the server and from the static site under
//! `python3 -m http.server` (tests/e2e/story.mjs reports what the map does at each step); a
//! synthetic fixture story that uses every step setting; the catalog's list and the page
//! itself; and a broken story reported as `file:line:col:` by `check` and on a reload, while
//! the last good story keeps serving.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use borderland::dataset::{Dataset, Origin};
use borderland::server::{self, AppState, ServerOptions};
use common::process::Served;
use common::{fresh_dir, get, repo_path};
use serde_json::Value;

const SOURCE_TITLE: &str =
    "The Evolving Terrorist Ecosystem of Afghanistan under Taliban: A Taxonomy of Threats";

/// Whether the browser tests can run; without their tools they pass with SKIPPED unless
/// BORDERLAND_E2E=1 (set in CI), where they fail.
fn browser_tools() -> bool {
    let have_node = common::process::have("node", "apt-get install nodejs");
    let have_python = common::process::have("python3", "apt-get install python3");
    let chromium =
        Path::new("/usr/bin/chromium").exists() || std::env::var_os("CHROMIUM").is_some();
    let modules = repo_path("tests/e2e/node_modules/playwright-core").is_dir();
    if have_node && have_python && chromium && modules {
        return true;
    }
    assert!(
        !common::process::e2e_required(),
        "chromium or tests/e2e/node_modules is missing and BORDERLAND_E2E=1 (apt-get install chromium; cd tests/e2e && npm ci)"
    );
    eprintln!("SKIPPED: chromium or tests/e2e/node_modules (npm ci) is missing");
    false
}

/// `node tests/e2e/story.mjs URL`, its JSON report.
fn scroll_story(url: &str) -> Value {
    let out = Command::new("node")
        .arg(repo_path("tests/e2e/story.mjs"))
        .arg(url)
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

/// What every story page must do for a reader, on both devices.
fn assert_reads_well(r: &Value) {
    assert_eq!(
        r["errors"],
        serde_json::json!([]),
        "no console or page errors: {r}"
    );
    for device in ["desktop", "phone"] {
        let d = &r[device];
        let steps = d["steps"].as_array().expect("steps");
        assert!(steps.len() >= 3, "{device}: {d}");
        for (i, s) in steps.iter().enumerate() {
            assert_eq!(s["step"], i, "{device}: each step becomes the current one");
            // every highlight the step names is set through feature-state and drawn
            let wanted = r[device]["steps"][i]["highlighted"]
                .as_array()
                .map(Vec::len);
            assert_eq!(
                s["highlights_drawn"].as_u64().map(|n| n as usize),
                wanted,
                "{device} step {i}: {s}"
            );
        }
        // At least three distinct map states, and the view, the filter and the highlight
        // each change somewhere.
        let state = |s: &Value| {
            format!(
                "{}|{}|{}|{}",
                s["centre"], s["zoom"], s["filter"], s["highlighted"]
            )
        };
        let distinct = |f: &dyn Fn(&Value) -> String| {
            let mut v: Vec<String> = steps.iter().map(f).collect();
            v.sort();
            v.dedup();
            v.len()
        };
        assert!(distinct(&state) >= 3, "{device}: {d}");
        assert!(
            distinct(&|s: &Value| format!("{}{}", s["centre"], s["zoom"])) >= 3,
            "{device}: views change"
        );
        assert!(
            distinct(&|s: &Value| s["filter"].to_string()) >= 2,
            "{device}: filters change"
        );
        assert!(
            distinct(&|s: &Value| s["highlighted"].to_string()) >= 2,
            "{device}: highlights change"
        );
        // Scrolling back restores step 2 exactly: layers, filters, highlights and view.
        let (first, back) = (&steps[1], &d["back"]);
        for key in [
            "visible",
            "filter",
            "group",
            "window",
            "highlighted",
            "callouts",
            "labels",
        ] {
            assert_eq!(
                first[key], back[key],
                "{device}: scrolling back restores {key}"
            );
        }
        for axis in 0..2 {
            let (a, b) = (
                first["centre"][axis].as_f64(),
                back["centre"][axis].as_f64(),
            );
            assert!(
                (a.unwrap() - b.unwrap()).abs() < 0.01,
                "{device}: {first} / {back}"
            );
        }
        assert!((first["zoom"].as_f64().unwrap() - back["zoom"].as_f64().unwrap()).abs() < 0.05);
        // The last step hands over to the viewer.
        let last = steps.last().expect("a last step");
        assert_eq!(last["exploring"], true, "{device}: {last}");
        assert_eq!(last["scroll_zoom"], true);
        assert!(
            last["explore_href"]
                .as_str()
                .unwrap_or("")
                .starts_with("./#map=")
        );
        let bad: Vec<&Value> = d["axe"]
            .as_array()
            .expect("axe")
            .iter()
            .filter(|v| v["impact"] == "serious" || v["impact"] == "critical")
            .collect();
        assert!(bad.is_empty(), "{device}: axe violations {bad:?}");
        assert_eq!(d["sideways"], 0, "{device}: no sideways scrolling");
    }
    assert_eq!(
        r["reduced_motion_still"], true,
        "prefers-reduced-motion jumps"
    );
    let no_js = &r["no_js"];
    assert!(
        no_js["steps"].as_array().is_some_and(|s| s.len() >= 3),
        "{no_js}"
    );
    assert!(
        no_js["text"].as_u64() > Some(300),
        "the text reads with no JavaScript"
    );
}

fn assert_default_story(r: &Value) {
    assert_reads_well(r);
    for device in ["desktop", "phone"] {
        let d = &r[device];
        assert!(
            d["sources"].as_str().unwrap_or("").contains(SOURCE_TITLE),
            "{device}: {}",
            d["sources"]
        );
        let steps = d["steps"].as_array().unwrap();
        // The TTP step: the four provinces the source names, filtered to the group.
        assert_eq!(
            steps[1]["highlighted"],
            serde_json::json!([
                "provinces/AF-PKA",
                "provinces/AF-KHO",
                "provinces/AF-NAN",
                "provinces/AF-KNR"
            ])
        );
        assert_eq!(steps[1]["group"], "ttp");
        // The Kabul bombing: January 2026 only, the incidents layer on, a callout.
        assert_eq!(steps[3]["window"]["from"], steps[3]["window"]["to"]);
        assert!(
            steps[3]["visible"]
                .as_array()
                .unwrap()
                .contains(&serde_json::json!("incidents"))
        );
        assert_eq!(steps[3]["callouts"].as_array().map(Vec::len), Some(1));
    }
    assert!(
        r["no_js"]["sources"]
            .as_str()
            .unwrap_or("")
            .contains(SOURCE_TITLE)
    );
}

#[test]
fn the_default_story_scrolls_on_a_desktop_and_a_phone_from_the_server() {
    if !browser_tools() {
        return;
    }
    let server = Served::start(&["serve"], &repo_path(""));
    let r = scroll_story(&format!("{}/stories/border", server.url));
    assert_default_story(&r);
    // A click on a highlighted province shows its claims with their source.
    assert!(
        r["desktop"]["popup"]
            .as_str()
            .unwrap_or("")
            .contains(SOURCE_TITLE),
        "{}",
        r["desktop"]["popup"]
    );
}

#[test]
fn the_static_site_copy_of_the_default_story_scrolls_the_same() {
    let root = fresh_dir("story-site");
    let dir = root.join("news/maps");
    let out = common::process::run(&[
        "export",
        "--site",
        dir.to_str().expect("a UTF-8 path"),
        "--maxzoom",
        "8",
        "--quiet",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let site: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("site.json")).unwrap()).unwrap();
    assert_eq!(site["stories"][0]["url"], "stories/border.html");
    let page = std::fs::read_to_string(dir.join("stories/border.html")).unwrap();
    assert!(page.contains(r#"<meta name="borderland-mode" content="static">"#));
    assert!(dir.join("static/story.js").is_file() && dir.join("static/story.css").is_file());
    if !browser_tools() {
        return;
    }
    // Under a sub-path, as a newsroom would publish it: every URL in the page is relative.
    let server = common::process::StaticServer::start(&root);
    let r = scroll_story(&format!(
        "http://127.0.0.1:{}/news/maps/stories/border.html",
        server.port
    ));
    assert_default_story(&r);
}

/// The synthetic valley fixture with its story named in a copy of its catalog, so the
/// viewer tests' catalog stays as it is.
fn valley_with_story(name: &str) -> PathBuf {
    let dir = fresh_dir(name);
    for entry in std::fs::read_dir(repo_path("tests/fixtures/valley")).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, dir.join(path.file_name().unwrap())).unwrap();
    }
    let mut catalog = std::fs::read_to_string(dir.join("layers.toml")).unwrap();
    catalog.push_str("\n[[story]]\nfile = \"everything.story.md\"\n");
    std::fs::write(dir.join("layers.toml"), catalog).unwrap();
    dir
}

#[test]
fn a_fixture_story_uses_every_step_setting() {
    if !browser_tools() {
        return;
    }
    let dir = valley_with_story("story-valley");
    let catalog = dir.join("layers.toml");
    let server = Served::start(
        &["serve", "--config", catalog.to_str().unwrap()],
        &repo_path(""),
    );
    let r = scroll_story(&format!("{}/stories/everything", server.url));
    assert_reads_well(&r);
    let s = r["desktop"]["steps"].as_array().unwrap();
    // centre and zoom, layers, a label
    assert_eq!(s[0]["centre"], serde_json::json!([11.5, 40.5]));
    assert_eq!(s[0]["zoom"], 7.0);
    assert_eq!(
        s[0]["visible"],
        serde_json::json!(["district_points", "districts", "rivers"])
    );
    assert_eq!(s[0]["labels"], serde_json::json!(["Alder Vale (label)"]));
    // a bbox, a group and a time window (the server filters the tiles), a highlight, a callout
    assert!(
        s[1]["filter"]
            .as_str()
            .unwrap()
            .contains("from=2023-02-01&to=2023-03-31&group=ISKP"),
        "{}",
        s[1]
    );
    assert_eq!(s[1]["highlighted"], serde_json::json!(["districts/VX-A"]));
    assert_eq!(
        s[1]["callouts"],
        serde_json::json!(["Synthetic raid (test row 1)"])
    );
    assert_eq!(
        s[1]["labels"],
        serde_json::json!([]),
        "annotations belong to their step"
    );
    // fit to features, the points layer on, an overlay of two shapes
    assert_eq!(
        s[2]["highlighted"],
        serde_json::json!(["districts/VX-B", "districts/VX-C"])
    );
    assert!(
        s[2]["visible"]
            .as_array()
            .unwrap()
            .contains(&serde_json::json!("reports"))
    );
    assert!(s[2]["overlay"].as_u64() >= Some(2), "{}", s[2]);
    assert_eq!(s[3]["overlay"], 0);
    // the locator inset shows where the view is
    assert!(s[0]["locator"].is_object());
    assert!(
        r["desktop"]["title"]
            .as_str()
            .unwrap()
            .contains("synthetic")
    );
}

#[tokio::test]
async fn the_catalog_lists_stories_and_the_page_is_html_from_the_server() {
    let app = common::default_app();
    let catalog = get(&app, "/catalog").await.json();
    assert_eq!(catalog["stories"][0]["id"], "border");
    assert_eq!(
        catalog["stories"][0]["url"],
        "http://tiles.test/stories/border"
    );
    assert!(
        catalog["stories"][0]["title"]
            .as_str()
            .unwrap()
            .contains("one source")
    );

    let page = get(&app, "/stories/border").await;
    assert_eq!(page.status, 200);
    assert_eq!(
        page.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    let html = String::from_utf8_lossy(&page.body);
    // Every step says whose claim it is, and the sources list names the source.
    let steps: Vec<&str> = html.split("<section class=\"step\"").skip(1).collect();
    assert!(steps.len() >= 5);
    for step in &steps[..steps.len() - 1] {
        assert!(step.contains("According to"), "{step}");
    }
    assert!(html.contains(&format!("<cite>“{SOURCE_TITLE}”</cite>")));
    assert!(
        html.contains("Claims, not facts."),
        "the viewer's caveats travel with the story"
    );
    assert!(html.contains("<base href=\"../\">"));

    let missing = get(&app, "/stories/nope").await;
    assert_eq!(missing.status, 404);
    let body = missing.json();
    assert!(body["error"].as_str().unwrap().contains("no story 'nope'"));
    assert!(body["hint"].as_str().unwrap().contains("/stories/border"));
}

#[tokio::test]
async fn story_text_is_markdown_with_raw_html_shown_as_text() {
    let dir = valley_with_story("story-html");
    let dataset = Dataset::load(&Origin::Catalog(dir.join("layers.toml"))).unwrap();
    let app = server::router(AppState::new(dataset, ServerOptions::default()));
    let html = String::from_utf8_lossy(&get(&app, "/stories/everything").await.body).into_owned();
    assert!(html.contains("<em>Emphasis</em>"));
    assert!(html.contains("<a href=\"https://example.org\">link</a>"));
    assert!(html.contains("&lt;b&gt;raw HTML shown as text&lt;/b&gt;"));
    assert!(!html.contains("<b>raw"));
}

/// A story with three mistakes, each on a known line and column.
const BROKEN: &str = "---\ntitle: Broken\n---\n\n## One\nlayers: districts, roads\ngroup: Nobody\nhighlight: districts/VX-Z\n\nText.\n";

#[test]
fn check_reports_a_broken_story_as_file_line_col() {
    let dir = valley_with_story("story-check");
    std::fs::write(dir.join("everything.story.md"), BROKEN).unwrap();
    let catalog = dir.join("layers.toml");
    let out = common::process::run(&["check", "--config", catalog.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success(), "{text}");
    let file = dir.join("everything.story.md");
    let file = file.to_string_lossy();
    for expected in [
        format!(
            "{file}:6:20: unknown layer 'roads'; the catalog's layers are: districts, district_points, rivers, reports"
        ),
        format!("{file}:7:8: group: unknown group 'Nobody'"),
        format!("{file}:8:12: highlight: no feature 'VX-Z' in layer 'districts'"),
    ] {
        assert!(text.contains(&expected), "missing {expected:?} in:\n{text}");
    }
}

#[tokio::test]
async fn a_bad_story_on_reload_keeps_the_last_good_one_serving() {
    let dir = valley_with_story("story-reload");
    let dataset = Dataset::load(&Origin::Catalog(dir.join("layers.toml"))).unwrap();
    let state = AppState::new(dataset, ServerOptions::default());
    let app = server::router(std::sync::Arc::clone(&state));
    assert!(
        String::from_utf8_lossy(&get(&app, "/stories/everything").await.body)
            .contains("A centre, a zoom and a label")
    );

    std::fs::write(dir.join("everything.story.md"), BROKEN).unwrap();
    let error = server::reload::reload(&state)
        .await
        .expect_err("the reload fails");
    let file = dir.join("everything.story.md");
    assert!(
        error.contains(&format!(
            "{}:8:12: highlight: no feature 'VX-Z'",
            file.to_string_lossy()
        )),
        "{error}"
    );
    // Still the last good story, and /health says where the problem is, not what it says.
    let page = get(&app, "/stories/everything").await;
    assert_eq!(page.status, 200);
    assert!(String::from_utf8_lossy(&page.body).contains("A centre, a zoom and a label"));
    let health = get(&app, "/health").await.json();
    assert_eq!(health["status"], "degraded");
    let said = health["last_reload_error"].as_str().unwrap();
    assert!(said.contains("everything.story.md:8:12"), "{said}");
    assert!(
        !said.contains("VX-Z"),
        "the public answer never quotes the file: {said}"
    );
}
