//! The static site as a reader meets it: `borderland export --site`, served under a sub-path
//! by `python3 -m http.server` (no borderland process, no range requests), opened in headless
//! Chromium: the viewer in static mode, Paktika and its label drawn, the no-server-filters
//! note shown, and the time window and group picker filtering incidents in the browser.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::repo_path;

/// A fresh folder for one test's files.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("borderland-site-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn export_site(name: &str) -> PathBuf {
    let dir = scratch(name);
    export_site_into(&dir);
    dir
}

fn export_site_into(dir: &Path) {
    let out = Command::new(env!("CARGO_BIN_EXE_borderland"))
        .args(["export", "--site"])
        .arg(dir)
        .args(["--maxzoom", "7", "--quiet"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("the binary runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A file of the site, as text.
fn read(dir: &Path, rel: &str) -> String {
    std::fs::read_to_string(dir.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

#[test]
fn the_site_folder_holds_the_viewer_the_archive_and_the_licences() {
    let dir = export_site("files");
    for file in [
        "index.html",
        "site.json",
        "events.json",
        "tiles/borderland.pmtiles",
        "static/viewer.js",
        "static/viewer.css",
        "static/LICENSES.md",
        "static/vendor/maplibre-gl/maplibre-gl.mjs",
        "static/vendor/maplibre-gl/maplibre-gl-worker.mjs",
        "static/vendor/maplibre-gl/LICENSE.txt",
        "static/vendor/pmtiles/pmtiles.js",
        "static/vendor/pmtiles/LICENSE.txt",
        "styles/explainer.json",
        "styles/presence.json",
        "fonts/LICENSE-OpenSans.txt",
        "fonts/Open Sans Regular/0-255.pbf",
        "fonts/Open Sans Regular/256-511.pbf",
        "fonts/Open Sans Regular/1536-1791.pbf",
    ] {
        assert!(dir.join(file).is_file(), "{file} is missing");
    }
    // The shipped glyphs, byte for byte; a range the font lacks is a small valid empty set.
    assert_eq!(
        std::fs::read(dir.join("fonts/Open Sans Regular/0-255.pbf")).unwrap(),
        std::fs::read(repo_path("fonts/open-sans-regular/0-255.pbf")).unwrap()
    );
    let site: serde_json::Value = serde_json::from_str(&read(&dir, "site.json")).unwrap();
    assert_eq!(site["archive"], "tiles/borderland.pmtiles");
    assert_eq!(site["static"], true);
    // The words and the styles on offer come from the catalog, for the page's script.
    assert!(
        site["words"]["notes"][0]["text"]
            .as_str()
            .unwrap()
            .contains("one partisan source")
    );
    assert_eq!(site["styles"][0]["name"], "explainer");
    // What the browser recounts from: Kabul's one dated incident (January 2026).
    let events: serde_json::Value = serde_json::from_str(&read(&dir, "events.json")).unwrap();
    let provinces = &events["layers"][0];
    assert_eq!(provinces["layer"], "provinces");
    assert_eq!(provinces["labels"], "province_labels");
    let dated: Vec<&serde_json::Value> = provinces["features"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|f| f[1].as_array().unwrap())
        .filter(|row| !row[0].is_null())
        .collect();
    assert_eq!(dated.len(), 1, "{dated:?}");
    assert_eq!(dated[0][0], 20454, "2026-01-01 in days since 1970");
    assert_eq!(dated[0][1], 20484, "2026-01-31");
    assert!(
        site["attribution"]
            .as_str()
            .unwrap()
            .contains("Natural Earth")
    );
    let page = read(&dir, "index.html");
    assert!(page.contains(r#"<meta name="borderland-mode" content="static">"#));
    assert!(page.contains("server-side filters are not available here"));
    assert_eq!(
        page.replace("content=\"static\"", "content=\"server\""),
        read(&repo_path("static"), "index.html")
    );
    for name in ["explainer", "presence"] {
        let style: serde_json::Value =
            serde_json::from_str(&read(&dir, &format!("styles/{name}.json"))).unwrap();
        assert_eq!(
            style["sources"]["borderland"]["url"], "pmtiles://../tiles/borderland.pmtiles",
            "{name}: the archive, relative to the style"
        );
        assert_eq!(
            style["glyphs"], "../fonts/{fontstack}/{range}.pbf",
            "{name}"
        );
    }
    // The terrain (issue 14): its own PMTiles archive of PNG pictures beside the vector one,
    // named in site.json with its credit, read by the styles beneath the claims.
    let terrain = &site["rasters"][0];
    assert_eq!(terrain["id"], "terrain");
    assert_eq!(terrain["archive"], "tiles/terrain.pmtiles");
    assert!(terrain["attribution"].as_str().unwrap().contains("GLOBE"));
    let bytes = std::fs::read(dir.join("tiles/terrain.pmtiles")).unwrap();
    assert_eq!(&bytes[..7], b"PMTiles");
    assert_eq!(bytes[99], 2, "PMTiles tile type 2: PNG");
    let archive =
        borderland::source::archive::Archive::open(&dir.join("tiles/terrain.pmtiles")).unwrap();
    let picture = archive
        .tile(borderland::geometry::TileCoord { z: 7, x: 88, y: 50 })
        .unwrap()
        .expect("a terrain tile over the Hindu Kush");
    let info = png::Decoder::new(std::io::Cursor::new(picture))
        .read_info()
        .expect("it decodes as PNG");
    assert_eq!((info.info().width, info.info().height), (256, 256));
    assert_eq!(
        terrain["tiles"].as_u64(),
        Some(104),
        "every tile of the archive"
    );
    for name in ["explainer", "presence"] {
        let style: serde_json::Value =
            serde_json::from_str(&read(&dir, &format!("styles/{name}.json"))).unwrap();
        assert_eq!(
            style["sources"]["terrain"],
            serde_json::json!({"type": "raster", "url": "pmtiles://../tiles/terrain.pmtiles", "tileSize": 256}),
            "{name}"
        );
    }
    // Nothing is fetched from elsewhere: no absolute URL in the page, script or styles.
    for rel in [
        "index.html",
        "static/viewer.js",
        "styles/explainer.json",
        "styles/presence.json",
    ] {
        let text = read(&dir, rel);
        assert!(
            !text.contains("http://") && !text.contains("https://"),
            "{rel} names an outside URL"
        );
    }
}

/// Whether the browser test can run; without its tools it passes with SKIPPED unless
/// BORDERLAND_E2E=1 (set in CI), where it fails.
fn browser_tools() -> bool {
    let missing: Vec<&str> = [
        (
            "node",
            Command::new("node").arg("--version").output().is_ok(),
        ),
        (
            "chromium",
            Path::new("/usr/bin/chromium").exists() || std::env::var_os("CHROMIUM").is_some(),
        ),
        (
            "python3",
            Command::new("python3").arg("--version").output().is_ok(),
        ),
        (
            "tests/e2e/node_modules (npm ci)",
            repo_path("tests/e2e/node_modules/playwright-core").is_dir(),
        ),
    ]
    .into_iter()
    .filter(|(_, ok)| !ok)
    .map(|(name, _)| name)
    .collect();
    if missing.is_empty() {
        return true;
    }
    assert!(
        std::env::var("BORDERLAND_E2E").as_deref() != Ok("1"),
        "missing {missing:?} and BORDERLAND_E2E=1"
    );
    eprintln!("SKIPPED: missing {missing:?}");
    false
}

#[test]
fn the_static_site_shows_the_viewer_and_filters_in_the_browser() {
    if !browser_tools() {
        return;
    }
    // Published under a sub-path, as a newsroom would: every URL in the site is relative.
    let root = scratch("browser");
    let dir = root.join("news/maps");
    export_site_into(&dir);
    let server = common::process::StaticServer::start(&root);
    let shot = dir.join("screenshot.png");
    let out = Command::new("node")
        .arg(repo_path("tests/e2e/site.mjs"))
        .arg(format!("http://127.0.0.1:{}/news/maps/", server.port))
        .arg(&shot)
        .output()
        .expect("node runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: serde_json::Value =
        serde_json::from_str(stdout.trim()).unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}"));
    assert_eq!(r["errors"], serde_json::json!([]), "{r}");
    assert_eq!(r["idle"], true, "the map reaches idle");

    // Paktika's polygon and its one label are drawn from the archive, with the site's glyphs.
    assert!(
        r["paktika"]["polygons"].as_u64() > Some(0),
        "{}",
        r["paktika"]
    );
    assert_eq!(r["paktika"]["labels"], serde_json::json!(["Paktika"]));

    assert_eq!(r["note"]["visible"], true, "the static-mode note is shown");
    let note = r["note"]["text"].as_str().unwrap_or_default();
    assert!(note.contains("not available here"), "{note}");
    assert!(
        r["popup"].as_str().unwrap_or_default().contains("Source:"),
        "{}",
        r["popup"]
    );
    assert!(
        r["legend"].as_str().unwrap_or_default().contains("ISIL-K"),
        "{}",
        r["legend"]
    );
    assert!(r["toggles"].as_u64() >= Some(5), "{}", r["toggles"]);
    assert!(
        r["attribution"]
            .as_str()
            .unwrap_or_default()
            .contains("Natural Earth"),
        "{r}"
    );
    assert!(
        r["embed"].as_str().unwrap_or_default().contains("embed=1"),
        "{}",
        r["embed"]
    );

    // Moving the time window changes the incidents drawn, in the browser: one dated incident
    // (January 2026), none in August 2021, back with the window up to now.
    let time = &r["time"];
    assert_eq!(time["all"], 1, "{time}");
    assert_eq!(time["august2021"], 0, "{time}");
    assert_eq!(time["toNow"], 1, "{time}");
    assert!(
        time["hash"]
            .as_str()
            .unwrap_or_default()
            .contains("from=2021-08"),
        "{time}"
    );
    assert!(
        time["filter"]
            .as_str()
            .unwrap_or_default()
            .contains("date_days"),
        "{time}"
    );
    assert_eq!(r["group"], serde_json::json!({"ttp": 0, "isil_k": 1}));
    // The filters ask nothing of the host: the archive was read whole, once, before them.
    assert_eq!(r["filterRequests"], serde_json::json!([]), "{r}");
    eprintln!("screenshot: {}", shot.display());
}
