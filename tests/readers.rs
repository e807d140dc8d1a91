//! Issue 13, as readers meet the map: on a phone and a desktop (axe-core finds nothing, the map
//! covers most of a 390x844 screen, nothing scrolls sideways), with the keyboard only (Tab
//! reaches Paktika, Enter shows its claim and source, Esc closes), inside an article (the embed
//! snippet has no fixed width and uses the public URL), and on paper (the CSV link downloads
//! rows with sources, `page.pdf` shows the map, "Download image" is an opaque PNG with the
//! legend). On the server behind a `--public-url`, on the static site, and for another data set
//! (tests/fixtures/valley). Browser parts print SKIPPED without their tools unless
//! BORDERLAND_E2E=1.

mod common;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::repo_path;
use serde_json::Value;

/// Where a reverse proxy would publish the server; the test's browser sends these requests to
/// the server, as the proxy would.
const PUBLIC_URL: &str = "http://maps.example.test/borderland";

fn scratch(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("borderland-readers-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

/// node, Chromium, tests/e2e/node_modules and poppler's pdftoppm; SKIPPED without them unless
/// BORDERLAND_E2E=1, where that fails.
fn browser_tools() -> bool {
    let ok = Command::new("node").arg("--version").output().is_ok()
        && (Path::new("/usr/bin/chromium").exists() || std::env::var_os("CHROMIUM").is_some())
        && repo_path("tests/e2e/node_modules/playwright-core").is_dir()
        && repo_path("tests/e2e/node_modules/axe-core").is_dir();
    if !ok {
        assert!(
            !common::process::e2e_required(),
            "BORDERLAND_E2E=1 but node, Chromium or tests/e2e/node_modules is missing"
        );
        eprintln!("SKIPPED: node, Chromium or tests/e2e/node_modules (npm ci) is missing");
        return false;
    }
    // poppler has no --version; `-v` prints its version and succeeds.
    let poppler = Command::new("pdftoppm")
        .arg("-v")
        .output()
        .is_ok_and(|o| o.status.success());
    if !poppler {
        assert!(
            !common::process::e2e_required(),
            "BORDERLAND_E2E=1 but pdftoppm is missing (apt-get install poppler-utils)"
        );
        eprintln!("SKIPPED: pdftoppm is missing (apt-get install poppler-utils)");
    }
    poppler
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// A child process killed when the test ends, however it ends, and the file its log goes to.
struct Running(Child, PathBuf);

impl Running {
    /// No errors in the readers' report and no panic in the server's log; if either, the log
    /// (its warnings and any panic) goes into the failure's message.
    fn assert_no_errors(&self, report: &Value) {
        let log = std::fs::read_to_string(&self.1).unwrap_or_default();
        if report["errors"] != serde_json::json!([]) || log.contains("panicked") {
            let tail: Vec<&str> = log.lines().rev().take(60).collect();
            let tail: Vec<&str> = tail.into_iter().rev().collect();
            panic!(
                "{:#}\nthe server's log (last 60 lines):\n{}",
                report["errors"],
                tail.join("\n")
            );
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn wait_for_port(port: u16, what: &str) {
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "{what} did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// `borderland ARGS --listen 127.0.0.1:PORT` from the repository root. The port is picked
/// here rather than read from the server's first line (as `common::process::Served` does):
/// behind `--public-url` that line names the public address, not the local one.
fn serve(args: &[&str]) -> (Running, String) {
    let port = free_port();
    let log = std::env::temp_dir().join(format!(
        "borderland-readers-{}-server-{port}.log",
        std::process::id()
    ));
    let log_file = std::fs::File::create(&log).expect("the server's log file");
    let child = Command::new(env!("CARGO_BIN_EXE_borderland"))
        .args(args)
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .current_dir(repo_path(""))
        .env("RUST_LOG", "borderland=warn")
        .env("NO_COLOR", "1")
        .stdout(Stdio::null())
        .stderr(log_file)
        .spawn()
        .expect("the server starts");
    let running = Running(child, log);
    wait_for_port(port, "borderland");
    (running, format!("http://127.0.0.1:{port}/"))
}

fn export_site(dir: &Path) {
    let out = Command::new(env!("CARGO_BIN_EXE_borderland"))
        .args(["export", "--site"])
        .arg(dir)
        .args(["--maxzoom", "7", "--quiet"])
        .current_dir(repo_path(""))
        .output()
        .expect("the binary runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// tests/e2e/readers.mjs with `args`; its report.
fn readers(args: &[&str]) -> Value {
    let out = Command::new("node")
        .arg(repo_path("tests/e2e/readers.mjs"))
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

/// axe, sideways scrolling, the phone's map and sheet, and the keyboard path to `place`.
fn assert_access(r: &Value, place: &str) {
    assert_eq!(r["errors"], serde_json::json!([]), "{r:#}");
    assert_eq!(r["desktop"]["axe"], serde_json::json!([]), "desktop axe");
    assert_eq!(r["desktop"]["sideways"], 0);
    let phone = &r["phone"];
    assert_eq!(phone["axe"], serde_json::json!([]), "phone axe");
    assert_eq!(
        phone["sheetAxe"],
        serde_json::json!([]),
        "phone axe, sheet open"
    );
    assert_eq!(phone["sideways"], 0, "390 px");
    assert_eq!(phone["sheetSideways"], 0, "390 px, sheet open");
    assert_eq!(phone["sideways320"], 0, "320 px, sheet open");
    assert_eq!(phone["sideways320Closed"], 0, "320 px");
    let share = phone["mapShare"].as_f64().unwrap_or(0.0);
    assert!(share > 0.8, "the map covers {share:.2} of a 390x844 screen");
    assert_eq!(
        phone["attribution"]["compact"], true,
        "{}",
        phone["attribution"]
    );
    assert_eq!(
        phone["attribution"]["open"], false,
        "{}",
        phone["attribution"]
    );
    assert_eq!(
        phone["smallTargets"],
        serde_json::json!([]),
        "touch targets under 44 px"
    );
    // The sheet: legend first, then filters, then notes.
    let order: Vec<i64> = phone["sheetOrder"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_i64().unwrap())
        .collect();
    assert!(order[0] < order[1] && order[1] < order[2], "{order:?}");
    assert_eq!(r["mapDescribedBy"], "map-description");

    for (device, k) in [("desktop", &r["keyboard"]), ("phone", &phone["keyboard"])] {
        assert!(
            k["tabs"].as_u64().is_some(),
            "{device}: Tab never reached {place}: {k}"
        );
        let popup = k["popup"].as_str().unwrap_or_default();
        assert!(popup.starts_with(place), "{device}: {popup}");
        assert!(
            popup.contains("Source:") && popup.contains("Report date"),
            "{device}: {popup}"
        );
        assert_eq!(k["focusInPopup"], true, "{device}: the popup takes focus");
        assert_eq!(k["popupRole"], "dialog", "{device}");
        assert_eq!(
            k["axeWithPopup"],
            serde_json::json!([]),
            "{device}: axe, popup open"
        );
        assert_eq!(k["popupsAfterEsc"], 0, "{device}: Esc closes the popup");
        assert_eq!(
            k["focusAfterEsc"], place,
            "{device}: focus back on the list"
        );
    }
}

/// A PPM (P6) image as (width, height, RGB bytes).
fn read_ppm(bytes: &[u8]) -> (usize, usize, &[u8]) {
    let mut fields = Vec::new();
    let mut i = 0;
    while fields.len() < 4 {
        while bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        let start = i;
        while !bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        fields.push(String::from_utf8_lossy(&bytes[start..i]).into_owned());
    }
    assert_eq!(fields[0], "P6");
    let (w, h): (usize, usize) = (fields[1].parse().unwrap(), fields[2].parse().unwrap());
    (w, h, &bytes[i + 1..i + 1 + w * h * 3])
}

/// Everything a reader does with the whole page; `public` is where the snippet must point.
fn assert_full(r: &Value, public: &str, dir: &Path) {
    assert_access(r, "Paktika");

    // The map in words, updated when the group changes.
    let text = r["description"].as_str().unwrap_or_default();
    assert!(
        text.contains("All dates") && text.contains("Paktika"),
        "{text}"
    );
    let group = &r["descriptionGroup"];
    assert_eq!(group["live"], "polite");
    assert!(
        group["text"]
            .as_str()
            .unwrap_or_default()
            .contains(&format!("Group: {}", group["group"].as_str().unwrap())),
        "{group}"
    );

    let window = r["descriptionWindow"].as_str().unwrap_or_default();
    assert!(window.contains("Time window"), "{window}");

    // The snippet: no fixed width, the public URL, a resize script; in an article on a phone
    // it fits the column and takes the height its page posts.
    let embed = &r["embed"];
    let code = embed["code"].as_str().unwrap_or_default();
    assert!(
        code.starts_with(&format!("<iframe src=\"{public}")),
        "{code}"
    );
    assert!(
        code.contains("embed=1") && code.contains("width:100%"),
        "{code}"
    );
    assert!(!code.contains("width=\""), "no width attribute: {code}");
    assert!(
        code.contains("postMessage") || code.contains("borderland:height"),
        "{code}"
    );
    assert_eq!(embed["sideways"], 0, "{embed}");
    let iframe = &embed["iframe"];
    assert!(
        iframe["width"].as_f64() <= iframe["viewport"].as_f64(),
        "{iframe}"
    );
    assert_ne!(
        iframe["styleHeight"], "560px",
        "the page posted its height: {iframe}"
    );
    assert_eq!(
        iframe["height"].as_f64().map(f64::round),
        embed["page"]["height"].as_f64().map(f64::round),
        "{embed}"
    );
    let visible: std::collections::HashMap<String, bool> = embed["page"]["visible"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p[0].as_str().unwrap().to_string(), p[1].as_bool().unwrap()))
        .collect();
    for shown in ["#title", "#legend", "#embed-notes-toggle", "#full-view"] {
        assert!(visible[shown], "{shown} in the embed: {visible:?}");
    }
    for hidden in ["#filters-section", "#claims-section", "#share-section"] {
        assert!(
            !visible[hidden],
            "{hidden} hidden in the embed: {visible:?}"
        );
    }
    assert!(
        !embed["page"]["fullView"]
            .as_str()
            .unwrap_or_default()
            .contains("embed=1")
    );
    assert_eq!(embed["axe"], serde_json::json!([]), "axe in the embed");

    // Downloads: CSV rows with sources, GeoJSON with provenance.
    let downloads = r["downloads"].as_array().unwrap();
    let csv_of = |layer: &str| {
        downloads
            .iter()
            .find(|d| d["layer"] == layer && d["format"] == "csv")
            .unwrap_or_else(|| panic!("no CSV link for {layer}: {downloads:?}"))
    };
    let incidents = csv_of("incidents");
    let mut rows = csv::Reader::from_path(incidents["file"].as_str().unwrap()).unwrap();
    let header = rows.headers().unwrap().clone();
    for column in ["source", "citation", "report_date", "group", "date"] {
        assert!(header.iter().any(|h| h == column), "{column} in {header:?}");
    }
    let source = header.iter().position(|h| h == "source").unwrap();
    let records: Vec<csv::StringRecord> = rows.records().map(|r| r.unwrap()).collect();
    assert!(!records.is_empty());
    assert!(
        records.iter().all(|r| !r[source].is_empty()),
        "every row names its source"
    );
    let provinces = csv_of("provinces");
    let mut rows = csv::Reader::from_path(provinces["file"].as_str().unwrap()).unwrap();
    let header = rows.headers().unwrap().clone();
    let name = header.iter().position(|h| h == "name").unwrap();
    let claims = header.iter().position(|h| h == "presence_claims").unwrap();
    let paktika = rows
        .records()
        .map(|r| r.unwrap())
        .find(|r| &r[name] == "Paktika")
        .expect("Paktika in provinces.csv");
    let claims: Vec<Value> = serde_json::from_str(&paktika[claims]).unwrap();
    assert!(
        claims.iter().all(|c| c["source"].is_string()
            && c["report_date"].is_string()
            && c["citation"].is_string()),
        "{claims:?}"
    );
    let geojson: Value = serde_json::from_str(
        &std::fs::read_to_string(
            downloads
                .iter()
                .find(|d| d["layer"] == "incidents" && d["format"] == "geojson")
                .unwrap()["file"]
                .as_str()
                .unwrap(),
        )
        .unwrap(),
    )
    .unwrap();
    assert!(geojson["attribution"].as_str().unwrap().contains("Claims"));
    assert!(geojson["features"][0]["properties"]["source"].is_string());

    // Paper: the PDF holds the map as a picture, with colour where the map is, and the legend
    // and notes as text.
    let pdf = r["pdf"].as_str().expect("a PDF");
    let stem = dir.join("page");
    let status = Command::new("pdftoppm")
        .args(["-r", "50", "-f", "1", "-l", "1", pdf])
        .arg(&stem)
        .status()
        .unwrap();
    assert!(status.success());
    let ppm = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "ppm"))
        .expect("pdftoppm wrote a page");
    let bytes = std::fs::read(ppm).unwrap();
    let (w, h, rgb) = read_ppm(&bytes);
    // The top half of the first page: the title and the map.
    let colourful = rgb[..w * (h / 2) * 3]
        .chunks(3)
        .filter(|p| p.iter().max().unwrap() - p.iter().min().unwrap() > 60)
        .count();
    assert!(
        colourful > 500,
        "the printed map is blank: {colourful} coloured pixels"
    );
    let text = Command::new("pdftotext").args([pdf, "-"]).output().unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("Legend") && text.contains("Claims, not facts"),
        "{text}"
    );

    // The picture: the map's size and more (the legend under it), no transparent pixel.
    let image = &r["image"];
    let px = &image["pixels"];
    assert_eq!(px["width"], image["map"]["width"], "{image}");
    assert!(
        px["height"].as_u64() > image["map"]["height"].as_u64(),
        "{image}"
    );
    assert_eq!(px["transparent"], 0, "{image}");
    assert!(px["colourful"].as_u64() > Some(1000), "{image}");
}

#[test]
fn readers_on_the_server_behind_a_public_url() {
    if !browser_tools() {
        return;
    }
    let (server, url) = serve(&["--public-url", PUBLIC_URL]);
    let dir = scratch("server");
    let r = readers(&[
        &url,
        dir.to_str().unwrap(),
        "Paktika",
        "full",
        &format!("{PUBLIC_URL}/"),
    ]);
    server.assert_no_errors(&r);
    assert_full(&r, &format!("{PUBLIC_URL}/#"), &dir);
    // The server's links carry the filters the reader chose.
    let filtered = r["downloadsFiltered"].as_array().unwrap();
    assert!(
        filtered
            .iter()
            .all(|h| h.as_str().unwrap().contains("group=")),
        "{filtered:?}"
    );
}

#[test]
fn readers_on_the_static_site() {
    if !browser_tools() {
        return;
    }
    let root = scratch("site");
    let site = root.join("news/maps");
    export_site(&site);
    let server = common::process::StaticServer::start(&root);
    let port = server.port;
    let url = format!("http://127.0.0.1:{port}/news/maps/");
    let dir = scratch("site-out");
    let r = readers(&[&url, dir.to_str().unwrap(), "Paktika", "full"]);
    // The site's own address, under its sub-path.
    assert_full(&r, &format!("{url}#"), &dir);
}

#[test]
fn readers_of_another_data_set() {
    if !browser_tools() {
        return;
    }
    let (server, url) = serve(&["--config", "tests/fixtures/valley/layers.toml"]);
    let dir = scratch("valley");
    let r = readers(&[&url, dir.to_str().unwrap(), "Birch Hollow", "access"]);
    server.assert_no_errors(&r);
    assert_access(&r, "Birch Hollow");
    let text = r["description"].as_str().unwrap_or_default();
    assert!(
        text.contains("Birch Hollow") && !text.contains("Paktika"),
        "{text}"
    );
}

#[test]
fn the_static_site_ships_the_data_behind_its_map() {
    let dir = scratch("site-data");
    export_site(&dir);
    let site: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("site.json")).unwrap()).unwrap();
    let downloads = site["downloads"].as_array().unwrap();
    let incidents = downloads
        .iter()
        .find(|d| d["layer"] == "incidents")
        .expect("incidents in site.json downloads");
    assert_eq!(incidents["csv"], "data/incidents.csv");
    let mut rows = csv::Reader::from_path(dir.join("data/incidents.csv")).unwrap();
    let header = rows.headers().unwrap().clone();
    for column in ["source", "citation", "report_date"] {
        assert!(header.iter().any(|h| h == column), "{column}: {header:?}");
    }
    assert!(rows.records().count() > 0);
    // GDAL reads the GeoJSON beside the site, with as many features as the CSV has rows.
    if common::process::have("ogrinfo", "apt-get install gdal-bin") {
        for d in downloads {
            let layer = d["layer"].as_str().unwrap();
            let csv_rows = csv::Reader::from_path(dir.join(d["csv"].as_str().unwrap()))
                .unwrap()
                .records()
                .count();
            let out = Command::new("ogrinfo")
                .args(["-so", "-al"])
                .arg(dir.join(d["geojson"].as_str().unwrap()))
                .output()
                .unwrap();
            let text = String::from_utf8_lossy(&out.stdout);
            assert!(
                text.contains(&format!("Feature Count: {csv_rows}")),
                "{layer}: {csv_rows} rows, ogrinfo says {text}"
            );
        }
    }
}
