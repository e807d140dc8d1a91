//! Issue 18, through the real router or the real binary: slow cuts, reload races, slow
//! writers, leaked file contents, forwarded headers, overload, slow clients, HTTP details.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use borderland::dataset::Dataset;
use borderland::server::{self, AppState, ServerOptions};
use common::process::{Served, health, request, wait_for};
use common::{default_app, get, get_with, repo_path};

fn copy_default_data(name: &str) -> std::path::PathBuf {
    let dir = common::fresh_dir(name);
    common::process::copy_default_data(&dir);
    dir
}

fn serve_dir(dir: &std::path::Path, extra: &[&str]) -> Served {
    let catalog = dir.join("layers.toml");
    let mut args = vec!["--config", catalog.to_str().unwrap()];
    args.extend_from_slice(extra);
    Served::start(&args, &repo_path("."))
}

const NEW_ROW: &str =
    "Zabul,TTP,\"example claim\",province,Example source,example citation,2026-02\n";

fn matched_presence(port: u16) -> u64 {
    let (_, body) = request(port, "GET", "/catalog", &[]);
    let catalog: serde_json::Value = serde_json::from_str(&body).unwrap();
    catalog["layers"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|l| l["joins"].as_array().cloned().unwrap_or_default())
        .filter(|j| j["table"] == "presence")
        .map(|j| j["matched"].as_u64().unwrap())
        .max()
        .unwrap()
}

// Item 2: an edit made while a reload is reading the files is applied by the next one.
#[cfg(unix)]
#[test]
fn an_edit_made_during_a_reload_is_applied() {
    let dir = copy_default_data("edit-during-reload");
    // One more layer whose file becomes a pipe: a reload blocks reading it until the test
    // writes, which holds the reload open for as long as the test needs.
    let slow = dir.join("slow.geojson");
    let point = r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"n":1},"geometry":{"type":"Point","coordinates":[69.2,34.5]}}]}"#;
    std::fs::write(&slow, point).unwrap();
    let mut catalog = std::fs::read_to_string(dir.join("layers.toml")).unwrap();
    catalog.push_str("\n[[layer]]\nid = \"slow\"\nfile = \"slow.geojson\"\n");
    std::fs::write(dir.join("layers.toml"), catalog).unwrap();
    let server = serve_dir(&dir, &["--watch-secs", "0.2"]);
    let before = matched_presence(server.port);

    let fifo = dir.join("slow.fifo");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo runs");
    assert!(made.success());
    std::fs::rename(&fifo, &slow).unwrap();
    // Opening the pipe for writing returns once the reload has opened it for reading.
    let mut writer = std::fs::OpenOptions::new().write(true).open(&slow).unwrap();
    // The journalist's edit, while the reload is still reading.
    let presence = dir.join("presence.csv");
    let mut text = std::fs::read_to_string(&presence).unwrap();
    text.push_str(NEW_ROW);
    std::fs::write(&presence, &text).unwrap();
    writer.write_all(point.as_bytes()).unwrap();
    drop(writer);
    // Later reloads read the pipe again: keep answering them, one whole file each (the pause
    // lets the reader see the end of one before the next is written).
    let feeder = slow.clone();
    std::thread::spawn(move || {
        for _ in 0..20 {
            match std::fs::OpenOptions::new().write(true).open(&feeder) {
                Ok(mut w) => {
                    let _ = w.write_all(point.as_bytes());
                }
                Err(_) => return,
            }
            std::thread::sleep(Duration::from_millis(500));
        }
    });
    wait_for("the edit made during the reload", 30, || {
        matched_presence(server.port) == before + 1
    });
    let h = health(server.port);
    assert_eq!(h["status"], "ok", "{h}");
}

// Item 4: a CSV written slowly, with pauses, is read once it is complete, not half-way.
#[test]
fn a_slowly_written_csv_is_not_published_half_written() {
    let dir = copy_default_data("slow-writer");
    let server = serve_dir(&dir, &["--watch-secs", "0.2"]);
    let presence = dir.join("presence.csv");
    let original = std::fs::read_to_string(&presence).unwrap();
    let version = health(server.port)["version"].as_str().unwrap().to_string();

    // A script rewrites the file: the first half (whole lines), a pause, then a row cut
    // mid-field, a longer pause, and the rest.
    let (head, tail) = original.split_at(original[..original.len() / 2].rfind('\n').unwrap() + 1);
    let full = format!("{original}{NEW_ROW}");
    let mut f = std::fs::File::create(&presence).unwrap();
    f.write_all(head.as_bytes()).unwrap();
    f.flush().unwrap();
    std::thread::sleep(Duration::from_millis(800));
    let rest = format!("{tail}{NEW_ROW}");
    let (a, b) = rest.split_at(tail.len() + 20);
    f.write_all(a.as_bytes()).unwrap();
    f.flush().unwrap();
    std::thread::sleep(Duration::from_millis(1200));
    f.write_all(b.as_bytes()).unwrap();
    drop(f);
    assert_eq!(std::fs::read_to_string(&presence).unwrap(), full);

    wait_for("the reload", 30, || {
        health(server.port)["version"].as_str() != Some(&version)
    });
    std::thread::sleep(Duration::from_secs(3));
    let h = health(server.port);
    assert_eq!(h["status"], "ok", "{h}");
    assert_eq!(
        h["last_reload"]["count"], 1,
        "one reload, of the complete file: {h}"
    );
    assert_eq!(h["last_reload"]["failures"], 0, "{h}");
    assert_eq!(matched_presence(server.port), 6);
}

// Item 5: a failed reload's error (which can quote a file) is not in /health; the admin
// endpoint has it.
#[test]
fn health_never_quotes_a_file_and_the_admin_endpoint_has_the_details() {
    let dir = copy_default_data("no-echo");
    let server = serve_dir(&dir, &["--watch-secs", "0.2", "--admin-token", "s3cret"]);
    // A "secret" first line where the header should be.
    std::fs::write(
        dir.join("presence.csv"),
        "root:x:0:0:SECRET-PASSWORD-HASH\n",
    )
    .unwrap();
    wait_for("the failed reload", 30, || {
        health(server.port)["status"] == "degraded"
    });
    let (_, public) = request(server.port, "GET", "/health", &[]);
    assert!(!public.contains("SECRET"), "{public}");
    assert!(public.contains("details are in the server log"), "{public}");
    let (_, metrics) = request(server.port, "GET", "/metrics", &[]);
    assert!(!metrics.contains("SECRET"));
    let (status, admin) = request(
        server.port,
        "GET",
        "/admin/reload",
        &[("Authorization", "Bearer s3cret")],
    );
    assert_eq!(status, 200, "{admin}");
    assert!(admin.contains("presence.csv"), "{admin}");
    let (status, _) = request(server.port, "GET", "/admin/reload", &[]);
    assert_eq!(status, 401);
}

// Item 6: forwarded headers are ignored unless trusted; the answer varies by Host.
#[tokio::test]
async fn forwarded_headers_do_not_rewrite_links_unless_trusted() {
    let app = default_app();
    let evil = [
        ("x-forwarded-host", "evil.example"),
        ("x-forwarded-proto", "https"),
    ];
    for uri in [
        "/tiles/provinces.json",
        "/catalog",
        "/styles/explainer.json",
        "/ogc/collections",
    ] {
        let r = get_with(&app, uri, &evil).await;
        assert_eq!(r.status, StatusCode::OK, "{uri}");
        let body = String::from_utf8_lossy(&r.body);
        assert!(
            !body.contains("evil.example"),
            "{uri} took X-Forwarded-Host: {body}"
        );
        assert!(body.contains("http://tiles.test/"), "{uri}");
        assert!(
            r.header("vary").unwrap_or("").contains("Host"),
            "{uri}: {:?}",
            r.headers
        );
    }
    let catalog = get(&app, "/catalog").await;
    assert!(catalog.header("cache-control").is_some());

    // Behind a trusted proxy: the right-most value (the nearest proxy's) wins, and two hosts
    // get two ETags.
    let dataset = Dataset::from_catalog(&repo_path("data/layers.toml")).unwrap();
    let trusted = server::router(AppState::new(
        dataset,
        ServerOptions {
            trust_proxy: true,
            ..Default::default()
        },
    ));
    let r = get_with(
        &trusted,
        "/tiles/provinces.json",
        &[
            ("x-forwarded-host", "evil.example, maps.example.org"),
            ("x-forwarded-proto", "https"),
        ],
    )
    .await;
    let tiles = r.json()["tiles"][0].as_str().unwrap().to_string();
    assert!(
        tiles.starts_with("https://maps.example.org/tiles/"),
        "{tiles}"
    );
    let other = get(&trusted, "/tiles/provinces.json").await;
    assert_ne!(r.header("etag"), other.header("etag"));
    assert!(r.header("vary").unwrap().contains("X-Forwarded-Host"));
}

// Item 7: 503s from the request timeout are counted in /metrics and shown in /health.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timeouts_reach_metrics_and_health() {
    let dataset = Dataset::from_catalog(&repo_path("data/layers.toml")).unwrap();
    let state = AppState::new(
        dataset,
        ServerOptions {
            request_timeout: Duration::from_millis(200),
            cut_threads: 1,
            ..Default::default()
        },
    );
    let app = server::router(Arc::clone(&state));
    // One costly cut holds the only cut thread until the test lets it go.
    let release = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let (cache, hold) = (state.cache.clone(), Arc::clone(&release));
    tokio::spawn(async move {
        let _ = cache
            .get_or_compute("costly", move || {
                while !hold.load(std::sync::atomic::Ordering::Relaxed) {
                    std::thread::sleep(Duration::from_millis(10));
                }
                borderland::tile::render(&[], borderland::tile::TileCoord { z: 0, x: 0, y: 0 })
            })
            .await;
    });
    while state.cache.cutting() == 0 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let r = get(&app, "/tiles/provinces,incidents/5/22/12.mvt").await;
    release.store(true, std::sync::atomic::Ordering::Relaxed);
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(r.header("retry-after"), Some("1"));
    let metrics = String::from_utf8_lossy(&get(&app, "/metrics").await.body).into_owned();
    assert!(
        metrics.contains("borderland_overload_total{reason=\"timeout\"} 1"),
        "{metrics}"
    );
    let h = get(&app, "/health").await.json();
    assert_eq!(h["status"], "overloaded", "{h}");
    assert_eq!(h["overload"]["timeout"], 1);
    // The cut whose requester timed out still finishes into the cache.
    for _ in 0..200 {
        if state.cache.cutting() == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(state.cache.cutting(), 0);
    assert!(state.cache.weight() > 0, "the abandoned cut was cached");
}

// Item 1: a reload is not queued behind tile cuts on a full blocking pool.
#[test]
fn a_reload_does_not_wait_for_busy_cuts() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .max_blocking_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let dataset = Dataset::from_catalog(&repo_path("data/layers.toml")).unwrap();
        let state = AppState::new(dataset, ServerOptions::default());
        let release = Arc::new(std::sync::atomic::AtomicBool::new(false));
        // Cuts that hold every blocking thread until the test lets them go.
        for i in 0..4 {
            let cache = state.cache.clone();
            let release = Arc::clone(&release);
            tokio::spawn(async move {
                let _ = cache
                    .get_or_compute(&format!("busy/{i}"), move || {
                        while !release.load(std::sync::atomic::Ordering::Relaxed) {
                            std::thread::sleep(Duration::from_millis(10));
                        }
                        borderland::tile::render(
                            &[],
                            borderland::tile::TileCoord { z: 0, x: 0, y: 0 },
                        )
                    })
                    .await;
            });
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        let reloaded =
            tokio::time::timeout(Duration::from_secs(60), server::reload::reload(&state)).await;
        let cuts_still_busy = state.cache.cutting();
        release.store(true, std::sync::atomic::Ordering::Relaxed);
        assert!(
            matches!(reloaded, Ok(Ok(_))),
            "the reload finished while the cuts held the pool"
        );
        assert!(cuts_still_busy > 0, "the cuts were still running");
    });
}

// Item 8: a client that never finishes its headers is disconnected, and counted.
#[test]
fn a_client_that_never_finishes_its_headers_is_disconnected() {
    let (server, mut s) = served_with_header_timeout_of_a_second();
    assert_half_headers_are_cut_off(&server, &mut s);
}

/// A server whose header timeout is one second, and a connection to it.
fn served_with_header_timeout_of_a_second() -> (Served, TcpStream) {
    let server = Served::start(
        &["--watch-secs", "0", "--header-timeout-secs", "1"],
        &repo_path("."),
    );
    let s = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    (server, s)
}

/// Half a request's headers on `s`: the server closes the connection well before the read
/// times out, and counts it as the one header timeout.
fn assert_half_headers_are_cut_off(server: &Served, s: &mut TcpStream) {
    s.write_all(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        .unwrap();
    let started = Instant::now();
    let mut buf = [0u8; 256];
    let closed = s.read(&mut buf).is_ok();
    assert!(
        closed && started.elapsed() < Duration::from_secs(10),
        "the server closed the connection (a read timeout means it kept it)"
    );
    let (_, metrics) = request(server.port, "GET", "/metrics", &[]);
    assert!(
        metrics.contains("borderland_connections_closed_total{reason=\"header_timeout\"} 1"),
        "{metrics}"
    );
}

/// One request on a kept-alive connection: the response's status, its body read to the end
/// of its `Content-Length` (so the next response starts clean), or None if the connection
/// was closed or reset.
fn kept_alive_get(s: &mut TcpStream, path: &str) -> Option<u16> {
    s.write_all(format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").as_bytes())
        .ok()?;
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match s.read(&mut byte) {
            Ok(1) => head.push(byte[0]),
            _ => return None,
        }
    }
    let head = String::from_utf8_lossy(&head).to_ascii_lowercase();
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .unwrap_or_else(|| panic!("a response with a Content-Length: {head}"))
        .trim()
        .parse()
        .unwrap();
    let mut body = vec![0u8; length];
    s.read_exact(&mut body).ok()?;
    head.split(' ').nth(1)?.parse().ok()
}

// Item 8: the header timeout runs from a request's first byte, not while a kept-alive
// connection waits between requests (hyper's own did both: closing an idle connection then
// races a client sending on it, the reset a browser's tile request or a proxy's pooled
// connection sees as an error).
#[test]
fn a_kept_alive_connection_outlives_the_header_timeout_between_requests() {
    let (server, mut s) = served_with_header_timeout_of_a_second();
    assert_eq!(kept_alive_get(&mut s, "/health"), Some(200));
    std::thread::sleep(Duration::from_millis(3000));
    assert_eq!(
        kept_alive_get(&mut s, "/tiles/provinces/0/0/0.mvt"),
        Some(200),
        "the connection idle for 3x the header timeout still answers"
    );
    // Headers begun and not finished on the same connection are still cut off.
    assert_half_headers_are_cut_off(&server, &mut s);
}

// Item 10: a watch interval that is not a finite number of seconds is refused at start.
#[test]
fn watch_secs_must_be_a_finite_number() {
    for bad in ["inf", "1e300", "nan", "-1"] {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_borderland"))
            .args([
                format!("--watch-secs={bad}").as_str(),
                "--listen",
                "127.0.0.1:0",
            ])
            .current_dir(repo_path("."))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let started = Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break Some(status);
            }
            if started.elapsed() > Duration::from_secs(20) {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        let mut err = String::new();
        let _ = child.stderr.take().unwrap().read_to_string(&mut err);
        let status = status.unwrap_or_else(|| panic!("--watch-secs {bad}: the server started"));
        assert_eq!(status.code(), Some(2), "--watch-secs {bad}: {err}");
        assert!(err.contains("is not a number of seconds"), "{err}");
        assert!(!err.contains("panicked"), "{err}");
    }
}

// Item 12: conditional requests, Vary, CORS headers, q-values, gzip of JSON, JSON 400s.
#[tokio::test]
async fn http_details() {
    let app = default_app();
    let tile = "/tiles/provinces/5/22/12.mvt";
    let first = get(&app, tile).await;
    let etag = first.header("etag").unwrap().to_string();
    let not_modified = get_with(&app, tile, &[("if-none-match", &etag)]).await;
    assert_eq!(not_modified.status, StatusCode::NOT_MODIFIED);
    assert_eq!(not_modified.header("vary"), Some("Accept-Encoding"));
    let star = get_with(&app, tile, &[("if-none-match", "*")]).await;
    assert_eq!(star.status, StatusCode::NOT_MODIFIED);

    for uri in ["/tiles/provinces.json", "/catalog"] {
        let r = get(&app, uri).await;
        let tag = r.header("etag").unwrap().to_string();
        let again = get_with(&app, uri, &[("if-none-match", &tag)]).await;
        assert_eq!(again.status, StatusCode::NOT_MODIFIED, "{uri}");
        assert!(again.body.is_empty());
    }
    let tj = get(&app, "/tiles/provinces.json").await.json();
    let version = get(&app, "/health").await.json()["version"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        tj["version"].as_str().unwrap().ends_with(&version),
        "TileJSON version follows the data: {}",
        tj["version"]
    );

    let cors = get_with(&app, tile, &[("origin", "https://news.example")]).await;
    assert_eq!(cors.header("access-control-allow-origin"), Some("*"));
    assert!(
        !cors.headers.get_all("vary").iter().any(|v| v
            .to_str()
            .unwrap()
            .to_lowercase()
            .contains("origin")),
        "{:?}",
        cors.headers
    );
    assert!(
        cors.header("access-control-expose-headers")
            .unwrap()
            .to_lowercase()
            .contains("etag"),
        "{:?}",
        cors.headers
    );

    let q = get_with(&app, tile, &[("accept-encoding", "gzip;q=0.5")]).await;
    assert_eq!(q.header("content-encoding"), Some("gzip"));
    let no = get_with(&app, tile, &[("accept-encoding", "gzip;q=0")]).await;
    assert_eq!(no.header("content-encoding"), None);

    let items = get_with(
        &app,
        "/ogc/collections/provinces/items?limit=100",
        &[("accept-encoding", "gzip")],
    )
    .await;
    assert_eq!(items.status, StatusCode::OK);
    assert_eq!(items.header("content-encoding"), Some("gzip"));
    let mut text = String::new();
    flate2::read::GzDecoder::new(&items.body[..])
        .read_to_string(&mut text)
        .unwrap();
    let fc: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(fc["type"], "FeatureCollection");

    let bad = get(&app, "/tiles/%FF%FE/1/0/0.mvt").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let err = bad.json();
    assert!(err["error"].is_string() && err["hint"].is_string(), "{err}");
}

// Item 13: guessing the admin token is throttled.
#[tokio::test]
async fn wrong_admin_tokens_are_throttled() {
    let dataset = Dataset::from_catalog(&repo_path("data/layers.toml")).unwrap();
    let app = server::router(AppState::new(
        dataset,
        ServerOptions {
            admin_token: Some("s3cret".into()),
            ..Default::default()
        },
    ));
    let mut statuses = Vec::new();
    for i in 0..20 {
        let r = get_with(
            &app,
            "/admin/reload",
            &[("authorization", &format!("Bearer guess{i}"))],
        )
        .await;
        statuses.push(r.status.as_u16());
    }
    assert!(statuses.contains(&401));
    assert!(
        statuses.iter().filter(|s| **s == 429).count() >= 10,
        "{statuses:?}"
    );
}

// Item 15 (and the costly tiles of item 1): a GeoJSON point layer has a tile budget too.
#[tokio::test]
async fn a_large_geojson_point_layer_stays_within_the_tile_budget() {
    const POINTS: usize = 120_000;
    let dir = common::fresh_dir("many-points");
    let file = dir.join("sightings.geojson");
    let mut text = String::from("{\"type\":\"FeatureCollection\",\"features\":[");
    for i in 0..POINTS {
        let lon = 60.0 + ((i * 7919) % 18_000) as f64 / 1000.0;
        let lat = 23.0 + ((i * 104_729) % 15_000) as f64 / 1000.0;
        if i > 0 {
            text.push(',');
        }
        text.push_str(&format!(
            "{{\"type\":\"Feature\",\"properties\":{{\"n\":{i},\"label\":\"sighting {i}\"}},\"geometry\":{{\"type\":\"Point\",\"coordinates\":[{lon},{lat}]}}}}"
        ));
    }
    text.push_str("]}");
    std::fs::write(&file, text).unwrap();
    let dataset = Dataset::load(&borderland::dataset::Origin::Files(vec![file])).unwrap();
    let app = server::router(AppState::new(dataset, ServerOptions::default()));
    for (z, x, y) in [(0, 0, 0), (3, 5, 3)] {
        let r = get_with(
            &app,
            &format!("/tiles/sightings/{z}/{x}/{y}.mvt"),
            &[("accept-encoding", "gzip")],
        )
        .await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(
            r.body.len() <= borderland::tile::MAX_TILE_BYTES,
            "z{z} tile is {} bytes gzipped",
            r.body.len()
        );
        let layers = common::mvt::decode_strict(&r.body);
        let counted: f64 = layers[0]
            .features
            .iter()
            .map(|f| match f.props.get("point_count") {
                Some(common::mvt::Prop::Num(n)) => *n,
                _ => 1.0,
            })
            .sum();
        if z == 0 {
            assert_eq!(
                counted as usize, POINTS,
                "every point is in a cluster or alone"
            );
        }
        assert!(layers[0].features.len() < POINTS / 4);
    }
}

// Item 5: catalog files stay inside the catalog's folder (or the folders it lists).
#[cfg(unix)]
#[test]
fn catalog_files_stay_inside_the_catalogs_folder() {
    let root = common::fresh_dir("confine");
    let dir = root.join("catalog");
    std::fs::create_dir_all(&dir).unwrap();
    let outside = root.join("outside.geojson");
    std::fs::write(
        &outside,
        r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"secret":"SECRET"},"geometry":{"type":"Point","coordinates":[69.2,34.5]}}]}"#,
    )
    .unwrap();
    std::os::unix::fs::symlink(&outside, dir.join("linked.geojson")).unwrap();
    let catalog = dir.join("layers.toml");
    let absolute = outside.to_str().unwrap().to_string();
    for file in ["../outside.geojson", "linked.geojson", absolute.as_str()] {
        std::fs::write(
            &catalog,
            format!("[[layer]]\nid = \"leak\"\nfile = {file:?}\n"),
        )
        .unwrap();
        let err = Dataset::from_catalog(&catalog).unwrap_err().to_string();
        assert!(
            err.contains("outside the catalog's folder"),
            "{file}: {err}"
        );
        assert!(err.contains("layers.toml line 3"), "{err}");
        assert!(!err.contains("SECRET"), "{err}");
    }
    // The operator may allow a folder.
    std::fs::write(
        &catalog,
        "data_roots = [\"..\"]\n\n[[layer]]\nid = \"shared\"\nfile = \"../outside.geojson\"\n",
    )
    .unwrap();
    let dataset = Dataset::from_catalog(&catalog).expect("an allowed folder loads");
    assert_eq!(dataset.layers[0].features.len(), 1);
}

/// Every field of every layer, as TileJSON `vector_layers[].fields` lists it: name → (layer, type).
async fn field_types(app: &borderland::server::App) -> Vec<(String, String, String)> {
    let catalog = get(app, "/catalog").await.json();
    let mut out = Vec::new();
    for layer in catalog["layers"].as_array().unwrap() {
        let id = layer["id"].as_str().unwrap();
        let tj = get(app, &format!("/tiles/{id}.json")).await.json();
        for vl in tj["vector_layers"].as_array().unwrap() {
            for (name, kind) in vl["fields"].as_object().unwrap() {
                out.push((
                    vl["id"].as_str().unwrap().to_string(),
                    name.clone(),
                    kind.to_string(),
                ));
            }
        }
    }
    out
}

#[tokio::test]
async fn a_field_with_only_nulls_keeps_its_declared_type_in_every_layer() {
    // Default data: no incident states a number of fatalities, yet the catalog declares the
    // column an integer, and the provinces' joined count is a number; the label layer copies
    // the provinces' fields and must type them the same.
    let fields = field_types(&default_app()).await;
    let kind_of = |layer: &str, name: &str| {
        fields
            .iter()
            .find(|(l, n, _)| l == layer && n == name)
            .map(|(_, _, k)| k.clone())
            .unwrap_or_else(|| panic!("{layer}.{name} is not in TileJSON"))
    };
    assert_eq!(kind_of("incidents", "fatalities"), "\"Number\"");
    assert_eq!(kind_of("incidents", "date_days"), "\"Number\"");
    assert_eq!(kind_of("provinces", "incidents_fatalities"), "\"Number\"");
    assert_eq!(
        kind_of("province_labels", "incidents_fatalities"),
        "\"Number\""
    );
    for (layer, name, kind) in &fields {
        for (other, n, k) in &fields {
            if n == name && k != kind {
                panic!("{name} is {kind} in {layer} but {k} in {other}");
            }
        }
    }

    // A table whose integer column (declared) and whose numeric-looking column (inferred
    // from a row without coordinates) have no value on any mapped row.
    let dir = common::dir_with_provinces("null-types");
    std::fs::write(
        dir.join("events.csv"),
        "province,group,date,latitude,longitude,vehicles,rounds,claim,source,citation,report_date\n\
         Kabul,TTP,2025-01,34.5,69.2,,,a claim,Example source,p. 1,2025-03\n\
         Khost,TTP,2025-02,,,,4,a claim,Example source,p. 2,2025-03\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("layers.toml"),
        r#"
[[layer]]
id = "provinces"
file = "provinces.geojson"
id_property = "iso_3166_2"
keys = ["iso_3166_2", "name", "name_alt"]

[[layer.join]]
table = "events"

[[table]]
id = "events"
file = "events.csv"
kind = "events"
columns = { vehicles = "integer" }

[[layer]]
id = "events"
table = "events"
"#,
    )
    .unwrap();
    let dataset = Dataset::from_catalog(&dir.join("layers.toml")).unwrap();
    let app = server::router(AppState::new(dataset, ServerOptions::default()));
    let fields = field_types(&app).await;
    let kind_of = |name: &str| {
        fields
            .iter()
            .find(|(l, n, _)| l == "events" && n == name)
            .map(|(_, _, k)| k.clone())
            .unwrap_or_else(|| panic!("events.{name} is not in TileJSON: {fields:?}"))
    };
    assert_eq!(kind_of("vehicles"), "\"Number\"");
    assert_eq!(kind_of("rounds"), "\"Number\"");
    assert_eq!(kind_of("claim"), "\"String\"");
}
