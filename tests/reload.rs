//! Hot reload as a newsroom meets it: a CSV edited while the map is live. The real binary
//! watches its files; a good edit changes the data version, a broken one leaves the last good
//! data serving and shows in /health, and the admin endpoint needs its token.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::time::{Duration, Instant};

use common::process::Served as Server;

fn start(args: &[&str]) -> Server {
    Server::start(args, &common::repo_path("."))
}

/// A minimal HTTP/1.1 request over TCP; returns status and body.
fn request(port: u16, method: &str, path: &str, headers: &[(&str, &str)]) -> (u16, String) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: 0\r\n"
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).unwrap();
    let mut out = Vec::new();
    s.read_to_end(&mut out).unwrap();
    let text = String::from_utf8_lossy(&out).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

fn health(port: u16) -> serde_json::Value {
    let (status, body) = request(port, "GET", "/health", &[]);
    assert_eq!(status, 200);
    serde_json::from_str(&body).unwrap()
}

fn wait_for(what: &str, mut f: impl FnMut() -> bool) {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(20) {
        if f() {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("timed out waiting for {what}");
}

fn copy_default_data(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    for f in std::fs::read_dir(common::repo_path("data")).unwrap() {
        let f = f.unwrap();
        if f.file_type().unwrap().is_file() {
            std::fs::copy(f.path(), dir.join(f.file_name())).unwrap();
        }
    }
}

#[test]
fn an_edited_csv_is_picked_up_and_a_broken_one_keeps_the_last_good_data() {
    let dir = std::env::temp_dir().join(format!("borderland-reload-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    copy_default_data(&dir);
    let catalog = dir.join("layers.toml");
    let server = start(&[
        "--config",
        catalog.to_str().unwrap(),
        "--watch-secs",
        "0.2",
        "--admin-token",
        "s3cret",
    ]);
    let first = health(server.port)["version"].as_str().unwrap().to_string();

    // A journalist adds a row.
    let presence = dir.join("presence.csv");
    let mut text = std::fs::read_to_string(&presence).unwrap();
    text.push_str("Zabul,TTP,\"example claim\",province,Example source,example citation,2026-02\n");
    std::fs::write(&presence, &text).unwrap();
    wait_for("the new version", || {
        health(server.port)["version"].as_str() != Some(&first)
    });
    let second = health(server.port)["version"].as_str().unwrap().to_string();
    assert_eq!(health(server.port)["status"], "ok");
    let (_, catalog_json) = request(server.port, "GET", "/catalog", &[]);
    assert!(catalog_json.contains("\"matched\":6"), "the new row joined");

    // ...then saves a typo.
    std::fs::write(&presence, text.replace("2026-02", "2026-14")).unwrap();
    wait_for("the failed reload", || {
        health(server.port)["status"] == "degraded"
    });
    let h = health(server.port);
    assert_eq!(
        h["version"],
        second.as_str(),
        "the last good data is still served"
    );
    // /health says that it failed; the admin endpoint says why (errors can quote files).
    assert!(h["last_reload_error"].is_string(), "{h}");
    let (status, admin) = request(
        server.port,
        "GET",
        "/admin/reload",
        &[("Authorization", "Bearer s3cret")],
    );
    assert_eq!(status, 200, "{admin}");
    let admin: serde_json::Value = serde_json::from_str(&admin).unwrap();
    let error = admin["error"].as_str().unwrap();
    assert!(
        error.contains("presence.csv line 7, field 'report_date': '2026-14' is not a date"),
        "{error}"
    );
    let (status, _) = request(server.port, "GET", "/tiles/provinces/4/11/6.mvt", &[]);
    assert_eq!(status, 200);
    let (_, metrics) = request(server.port, "GET", "/metrics", &[]);
    assert!(
        metrics.contains("borderland_last_reload_success 0"),
        "{metrics}"
    );

    // ...and fixes it.
    std::fs::write(&presence, &text).unwrap();
    wait_for("recovery", || health(server.port)["status"] == "ok");
    assert_eq!(
        health(server.port)["version"],
        second.as_str(),
        "same content, same version"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_reload_endpoint_exists_only_with_a_token_and_needs_it() {
    let server = start(&["--watch-secs", "0"]);
    let (status, _) = request(server.port, "POST", "/admin/reload", &[]);
    assert_eq!(status, 404, "no token configured: no endpoint");
    drop(server);

    let server = start(&["--watch-secs", "0", "--admin-token", "s3cret"]);
    let (status, body) = request(server.port, "POST", "/admin/reload", &[]);
    assert_eq!(status, 401, "{body}");
    let (status, _) = request(
        server.port,
        "POST",
        "/admin/reload",
        &[("Authorization", "Bearer wrong!")],
    );
    assert_eq!(status, 401);
    let (status, body) = request(
        server.port,
        "POST",
        "/admin/reload",
        &[("Authorization", "Bearer s3cret")],
    );
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"status\":\"reloaded\""));
}

#[test]
fn metrics_count_requests_cache_and_cut_times() {
    let server = start(&["--watch-secs", "0"]);
    for _ in 0..3 {
        request(server.port, "GET", "/tiles/provinces/5/22/12.mvt", &[]);
    }
    request(server.port, "GET", "/tiles/nope/5/22/12.mvt", &[]);
    let (status, text) = request(server.port, "GET", "/metrics", &[]);
    assert_eq!(status, 200);
    assert!(
        text.contains(
            "borderland_requests_total{route=\"/tiles/{layers}/{z}/{x}/{y}\",status=\"200\"} 3"
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "borderland_requests_total{route=\"/tiles/{layers}/{z}/{x}/{y}\",status=\"404\"} 1"
        ),
        "{text}"
    );
    assert!(text.contains("borderland_tile_cache_misses_total 1"));
    assert!(text.contains("borderland_tile_cache_hits_total 2"));
    assert!(text.contains("borderland_tile_cut_seconds_count 1"));
    assert!(text.contains("borderland_data_info{version=\""));
    assert!(text.contains("borderland_last_reload_success -1"));
}
