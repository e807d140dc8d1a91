//! Hot reload as a newsroom meets it: a CSV edited while the map is live. The real binary
//! watches its files; a good edit changes the data version, a broken one leaves the last good
//! data serving and shows in /health, and the admin endpoint needs its token.

mod common;

use std::path::Path;
use std::time::Duration;

use common::process::{Served as Server, copy_default_data, health, request};

/// What the reload tests wait for, at most.
const WAIT_SECS: u64 = 20;

fn wait_for(what: &str, f: impl FnMut() -> bool) {
    common::process::wait_for(what, WAIT_SECS, f)
}

fn start(args: &[&str]) -> Server {
    Server::start(args, &common::repo_path("."))
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

/// Overwrite the text of `field` in the record whose `key_field` is `key`, in place, as a
/// table editor saving attributes does: a dBASE file is a header of 32-byte field descriptors
/// and fixed-width records, so the `.dbf` keeps its size and nothing else is touched.
fn edit_dbf(path: &Path, key_field: &str, key: &str, field: &str, text: &str) {
    let mut dbf = std::fs::read(path).unwrap();
    let records = u32::from_le_bytes(dbf[4..8].try_into().unwrap()) as usize;
    let header = u16::from_le_bytes(dbf[8..10].try_into().unwrap()) as usize;
    let record = u16::from_le_bytes(dbf[10..12].try_into().unwrap()) as usize;
    // (name, offset in the record, width); each record starts with a deletion flag byte.
    let mut fields = Vec::new();
    let mut offset = 1;
    for d in dbf[32..header].chunks(32).take_while(|d| d[0] != 0x0d) {
        let name = String::from_utf8_lossy(&d[..11])
            .trim_end_matches('\0')
            .to_string();
        fields.push((name, offset, d[16] as usize));
        offset += d[16] as usize;
    }
    let at = |name: &str| {
        fields
            .iter()
            .find(|(n, _, _)| n == name)
            .map(|&(_, o, w)| (o, w))
            .unwrap_or_else(|| panic!("no field {name} in {fields:?}"))
    };
    let ((key_at, key_width), (field_at, width)) = (at(key_field), at(field));
    assert!(text.len() <= width);
    let row = (0..records)
        .map(|r| header + r * record)
        .find(|start| {
            let cell = &dbf[start + key_at..start + key_at + key_width];
            String::from_utf8_lossy(cell).trim() == key
        })
        .unwrap_or_else(|| panic!("no record with {key_field} = {key}"));
    let cell = &mut dbf[row + field_at..row + field_at + width];
    cell.fill(b' ');
    cell[..text.len()].copy_from_slice(text.as_bytes());
    std::fs::write(path, dbf).unwrap();
}

/// The `name_alt` of the served feature named `name`, through OGC API Features.
fn served_name_alt(port: u16, name: &str) -> String {
    let (status, body) = request(
        port,
        "GET",
        &format!("/ogc/collections/provinces/items?filter=name%3D%27{name}%27"),
        &[],
    );
    assert_eq!(status, 200, "{body}");
    let items: serde_json::Value = serde_json::from_str(&body).unwrap();
    let features = items["features"].as_array().unwrap();
    assert_eq!(features.len(), 1, "{body}");
    features[0]["properties"]["name_alt"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn editing_only_a_shapefiles_attributes_reloads_it() {
    if !common::process::have("ogr2ogr", "apt-get install gdal-bin") {
        return;
    }
    let dir = common::fresh_dir("reload-shp");
    let out = std::process::Command::new("ogr2ogr")
        .current_dir(&dir)
        .args([
            "-f",
            "ESRI Shapefile",
            "provinces.shp",
            "-lco",
            "ENCODING=UTF-8",
        ])
        .arg(common::repo_path("data/provinces.geojson"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let shp = dir.join("provinces.shp");
    let server = start(&[shp.to_str().unwrap(), "--watch-secs", "0.2"]);
    let first = health(server.port)["version"].as_str().unwrap().to_string();
    assert_eq!(served_name_alt(server.port, "Paktika"), "Paktīkā; Paktica");

    // Someone corrects an attribute in a table editor: only the .dbf is written.
    let shapes_before = std::fs::read(&shp).unwrap();
    let shp_time = std::fs::metadata(&shp).unwrap().modified().unwrap();
    // A second apart, so the edit has a new modification time on file systems that keep
    // whole seconds (the .dbf keeps its size).
    std::thread::sleep(Duration::from_millis(1100));
    edit_dbf(
        &dir.join("provinces.dbf"),
        "name",
        "Paktika",
        "name_alt",
        "Paktya-e Sharqi",
    );
    assert_eq!(std::fs::read(&shp).unwrap(), shapes_before);
    assert_eq!(
        std::fs::metadata(&shp).unwrap().modified().unwrap(),
        shp_time
    );

    wait_for("the edited attributes", || {
        health(server.port)["version"].as_str() != Some(&first)
    });
    assert_eq!(served_name_alt(server.port, "Paktika"), "Paktya-e Sharqi");
    assert_eq!(health(server.port)["status"], "ok");
    let _ = std::fs::remove_dir_all(&dir);
}
