//! PostGIS as a source, against a real database: `.ci/postgis` starts a throwaway cluster and
//! CI exports its URL as BORDERLAND_PG_URL. Each test makes its own database, loads the
//! default provinces with GDAL's `ogr2ogr`, runs the real binary and decodes its tiles with
//! the independent decoder. Without PostgreSQL these tests print SKIPPED, unless
//! BORDERLAND_E2E=1, where they fail.

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::mvt::{self, DecodedLayer};
use common::process::{Served, e2e_required, have};
use common::{fresh_dir, repo_path, tile_of};

/// The cluster's URL (…/postgres), or `None` after printing SKIPPED.
fn cluster_url() -> Option<String> {
    match std::env::var("BORDERLAND_PG_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            assert!(
                !e2e_required(),
                "BORDERLAND_PG_URL is not set but BORDERLAND_E2E=1: run `export BORDERLAND_PG_URL=$(.ci/postgis)`"
            );
            use std::io::Write;
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED: no PostGIS (export BORDERLAND_PG_URL=$(.ci/postgis) to run these tests)"
            );
            None
        }
    }
}

/// `psql` on `url`, stopping at the first error.
fn psql(url: &str, sql: &str) -> String {
    let out = Command::new("psql")
        .args([url, "-v", "ON_ERROR_STOP=1", "-qAt", "-c", sql])
        .output()
        .expect("psql runs");
    assert!(
        out.status.success(),
        "psql failed on {sql}:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// A fresh database `name` on the cluster at `cluster` (…/postgres), with PostGIS and the
/// default provinces (loaded by ogr2ogr), a copy in UTM zone 42N (EPSG:32642), a view of
/// Pakistan's units, and an empty incidents table. Returns its URL.
fn database(cluster: &str, name: &str) -> String {
    psql(
        cluster,
        &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
    );
    psql(cluster, &format!("CREATE DATABASE {name}"));
    let url = format!("{}/{name}", cluster.rsplit_once('/').expect("a URL").0);
    psql(&url, "CREATE EXTENSION postgis");
    let rest = url.trim_start_matches("postgresql://");
    let (user_host, db) = rest.split_once('/').expect("db");
    let (user, hostport) = user_host.split_once('@').expect("user@host");
    let (host, port) = hostport.split_once(':').expect("host:port");
    let out = Command::new("ogr2ogr")
        .args([
            "-f",
            "PostgreSQL",
            &format!("PG:host={host} port={port} user={user} dbname={db}"),
        ])
        .arg(repo_path("data/provinces.geojson"))
        .args(["-nln", "provinces", "-lco", "GEOMETRY_NAME=geom"])
        .args(["-lco", "FID=fid"])
        .output()
        .expect("ogr2ogr runs");
    assert!(
        out.status.success(),
        "ogr2ogr failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    psql(
        &url,
        "CREATE TABLE provinces_utm AS
           SELECT iso_3166_2, name, country, ST_Transform(geom, 32642)::geometry(Geometry, 32642) AS geom
           FROM provinces;
         CREATE VIEW pakistan AS SELECT fid, iso_3166_2, name, geom FROM provinces
           WHERE country = 'Pakistan';
         -- SYNTHETIC rows for tests only: points placed inside provinces by ST_PointOnSurface.
         CREATE TABLE incidents (id serial PRIMARY KEY, province text, armed_group text,
           event_date date, fatalities int, source text NOT NULL, geom geometry(Point, 4326));",
    );
    url
}

fn tools_present() -> bool {
    have("psql", "apt-get install postgresql-client") && have("ogr2ogr", "apt-get install gdal-bin")
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_gzip()
        .build()
        .expect("client")
}

struct Fetched {
    status: u16,
    etag: Option<String>,
    encoding: Option<String>,
    retry_after: Option<String>,
    body: Vec<u8>,
}

async fn fetch(url: &str, headers: &[(&str, &str)]) -> Fetched {
    let mut req = client().get(url);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let res = req.send().await.expect("request");
    let header = |name: &str| {
        res.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    Fetched {
        status: res.status().as_u16(),
        etag: header("etag"),
        encoding: header("content-encoding"),
        retry_after: header("retry-after"),
        body: res.bytes().await.expect("body").to_vec(),
    }
}

async fn decoded(base: &str, layer: &str, z: u8, x: u32, y: u32) -> Vec<DecodedLayer> {
    let t = fetch(&format!("{base}/tiles/{layer}/{z}/{x}/{y}.mvt"), &[]).await;
    match t.status {
        200 => mvt::decode_strict(&t.body),
        204 => Vec::new(),
        s => panic!(
            "tile {layer}/{z}/{x}/{y}: status {s}: {}",
            String::from_utf8_lossy(&t.body)
        ),
    }
}

/// A point inside Paktika (`ST_PointOnSurface` of the loaded province), so the tests do not
/// type coordinates.
fn paktika_point(url: &str) -> (f64, f64) {
    let text = psql(
        url,
        "SELECT ST_X(p) || ',' || ST_Y(p) FROM
           (SELECT ST_PointOnSurface(geom) AS p FROM provinces WHERE iso_3166_2 = 'AF-PKA') AS s",
    );
    let (x, y) = text.split_once(',').expect("x,y");
    (x.parse().expect("lon"), y.parse().expect("lat"))
}

#[tokio::test]
async fn auto_published_tables_serve_strict_tiles_with_stable_ids() {
    let Some(cluster) = cluster_url() else { return };
    if !tools_present() {
        return;
    }
    let url = database(&cluster, "borderland_auto");
    let served = Served::start(&["serve", &url], &repo_path("."));
    let base = &served.url;

    // Every table and view with a geometry column is a layer, whatever its SRID.
    let catalog: serde_json::Value =
        serde_json::from_slice(&fetch(&format!("{base}/catalog"), &[]).await.body)
            .expect("catalog JSON");
    let layers = catalog["layers"].as_array().expect("layers");
    let find = |id: &str| {
        layers
            .iter()
            .find(|l| l["id"] == id)
            .unwrap_or_else(|| panic!("layer {id} in the catalog: {catalog}"))
    };
    let provinces = find("provinces");
    assert_eq!(provinces["geometry_type"], "polygon");
    assert_eq!(provinces["feature_count"], 41);
    let bounds: Vec<f64> = serde_json::from_value(provinces["bounds"].clone()).expect("bounds");
    assert!(bounds[0] > 60.0 && bounds[2] < 78.0 && bounds[1] > 23.0 && bounds[3] < 39.0);
    assert_eq!(find("provinces_utm")["feature_count"], 41);
    assert_eq!(find("pakistan")["feature_count"], 7);
    assert_eq!(find("incidents")["feature_count"], 0);
    let fields: Vec<String> = provinces["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .map(|f| f["name"].as_str().expect("name").to_string())
        .collect();
    assert!(fields.contains(&"iso_3166_2".to_string()), "{fields:?}");

    // The same province in the 4326 table, its UTM copy and the view: strictly valid tiles,
    // the same stable id at every zoom, and (through any SRID) the same place and size.
    let (lon, lat) = paktika_point(&url);
    let mut ids: std::collections::HashMap<&str, u64> = Default::default();
    for z in 0..=8u8 {
        let (x, y) = tile_of(lon, lat, z);
        let mut areas = Vec::new();
        for layer in ["provinces", "provinces_utm"] {
            let tile = decoded(base, layer, z, x, y).await;
            assert_eq!(tile.len(), 1, "{layer} z{z}: one layer");
            assert_eq!(tile[0].name, layer);
            let f = tile[0]
                .find("iso_3166_2", "AF-PKA")
                .unwrap_or_else(|| panic!("{layer} z{z}: Paktika in its tile"));
            assert_eq!(f.props["name"].str(), "Paktika");
            assert_eq!(f.kind, 3, "a polygon");
            let id = *ids.entry(layer).or_insert(f.id);
            assert_eq!(f.id, id, "{layer}: Paktika keeps its id at z{z}");
            areas.push(f.area());
        }
        let ratio = areas[0] / areas[1];
        assert!(
            (0.97..1.03).contains(&ratio),
            "z{z}: Paktika from EPSG:4326 and EPSG:32642 covers the same tile area ({areas:?})"
        );
    }
    // An integer primary key is the id, as an `id_property` is for files.
    let fid: u64 = psql(
        &url,
        "SELECT fid FROM provinces WHERE iso_3166_2 = 'AF-PKA'",
    )
    .parse()
    .expect("fid");
    assert_eq!(ids["provinces"], fid);
    // The view holds Pakistan's units only.
    let (x, y) = tile_of(lon, lat, 4);
    let view = decoded(base, "pakistan", 4, x, y).await;
    assert!(!view.is_empty() && view[0].find("iso_3166_2", "AF-PKA").is_none());
    assert!(
        view[0]
            .features
            .iter()
            .any(|f| f.props["name"].str() == "Khyber Pakhtunkhwa")
    );

    // The file layer's rules: ETag and 304, gzip when accepted, 204 for an empty tile,
    // composites with file layers' URL syntax.
    let (x, y) = tile_of(lon, lat, 6);
    let tile_url = format!("{base}/tiles/provinces/6/{x}/{y}.mvt");
    let first = fetch(&tile_url, &[("accept-encoding", "gzip")]).await;
    assert_eq!(first.status, 200);
    assert_eq!(first.encoding.as_deref(), Some("gzip"));
    assert!(first.body.starts_with(&[0x1f, 0x8b]));
    let etag = first.etag.expect("an ETag");
    let again = fetch(&tile_url, &[("if-none-match", &etag)]).await;
    assert_eq!(again.status, 304);
    let ocean = fetch(&format!("{base}/tiles/provinces/6/0/0.mvt"), &[]).await;
    assert_eq!(ocean.status, 204);
    let both = decoded(base, "provinces,pakistan", 4, x >> 2, y >> 2).await;
    assert_eq!(
        both.iter().map(|l| l.name.as_str()).collect::<Vec<_>>(),
        ["provinces", "pakistan"]
    );
    // Features are not listed for database layers yet: a clear error, not an empty list.
    let items = fetch(&format!("{base}/ogc/collections/provinces/items"), &[]).await;
    assert_eq!(items.status, 501);
    let error: serde_json::Value = serde_json::from_slice(&items.body).expect("JSON error");
    assert!(
        error["hint"]
            .as_str()
            .expect("hint")
            .contains("/tiles/provinces/")
    );
    // TileJSON lists the table's columns.
    let tj: serde_json::Value = serde_json::from_slice(
        &fetch(&format!("{base}/tiles/provinces.json"), &[])
            .await
            .body,
    )
    .expect("TileJSON");
    assert_eq!(tj["vector_layers"][0]["id"], "provinces");
    assert!(tj["vector_layers"][0]["fields"]["name"].is_string());
    // The generated style draws the database layers by their rows' geometry type, as it
    // draws file layers: the viewer opens on a map, not an empty page.
    let style: serde_json::Value = serde_json::from_slice(
        &fetch(&format!("{base}/styles/explainer.json"), &[])
            .await
            .body,
    )
    .expect("style JSON");
    let drawn = |source_layer: &str, kind: &str| {
        style["layers"]
            .as_array()
            .expect("style layers")
            .iter()
            .any(|l| l["source-layer"] == source_layer && l["type"] == kind)
    };
    assert!(drawn("provinces", "fill"), "provinces filled: {style}");
    assert!(drawn("pakistan", "fill"), "the view filled: {style}");
}

#[tokio::test]
async fn catalog_layers_read_a_table_or_a_query() {
    let Some(cluster) = cluster_url() else { return };
    if !tools_present() {
        return;
    }
    let url = database(&cluster, "borderland_catalog");
    let dir = fresh_dir("postgis-catalog");
    std::fs::write(
        dir.join("layers.toml"),
        format!(
            r#"
[[layer]]
id = "districts"
postgres = "{url}"
table = "public.provinces"
id_property = "iso_3166_2"
title = "Provinces from the newsroom database"
attribution = "Made with Natural Earth"

[[layer]]
id = "afghanistan"
postgres = "{url}"
sql = "SELECT iso_3166_2, upper(name) AS name_upper, geom FROM provinces WHERE country = 'Afghanistan'"
id_property = "iso_3166_2"
"#
        ),
    )
    .expect("catalog");
    let served = Served::start(&["serve", "--config", "layers.toml"], &dir);
    let base = &served.url;
    let catalog: serde_json::Value =
        serde_json::from_slice(&fetch(&format!("{base}/catalog"), &[]).await.body)
            .expect("catalog JSON");
    let layers = catalog["layers"].as_array().expect("layers");
    assert_eq!(layers.len(), 2);
    assert_eq!(layers[0]["title"], "Provinces from the newsroom database");
    assert_eq!(layers[0]["attribution"], "Made with Natural Earth");
    assert_eq!(layers[1]["feature_count"], 34);
    // The catalog never shows the database URL's password or the layer's SQL.
    assert!(!catalog.to_string().contains("SELECT"));

    let (lon, lat) = paktika_point(&url);
    let mut text_ids = Vec::new();
    for z in [3u8, 7] {
        let (x, y) = tile_of(lon, lat, z);
        let tile = decoded(base, "districts,afghanistan", z, x, y).await;
        let district = tile[0].find("iso_3166_2", "AF-PKA").expect("Paktika");
        let query_row = tile[1].find("iso_3166_2", "AF-PKA").expect("Paktika (sql)");
        assert_eq!(query_row.props["name_upper"].str(), "PAKTIKA");
        // A text id_property is hashed to the same id in every layer and at every zoom.
        assert_eq!(district.id, query_row.id);
        assert!(district.id < (1 << 53));
        text_ids.push(district.id);
        assert!(
            tile[1]
                .features
                .iter()
                .all(|f| f.props["iso_3166_2"].str().starts_with("AF-")),
            "the query's WHERE holds"
        );
    }
    assert_eq!(text_ids[0], text_ids[1]);

    // A catalog mistake is a load error naming the layer's relation, not a crash.
    std::fs::write(
        dir.join("bad.toml"),
        format!("[[layer]]\nid = \"x\"\npostgres = \"{url}\"\ntable = \"no_such_table\"\n"),
    )
    .expect("catalog");
    let out = Command::new(env!("CARGO_BIN_EXE_borderland"))
        .args(["serve", "--config", "bad.toml", "--listen", "127.0.0.1:0"])
        .current_dir(&dir)
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("table public.no_such_table") && stderr.contains("does not exist"),
        "{stderr}"
    );
}

#[tokio::test]
async fn an_insert_changes_the_tile_within_ten_seconds() {
    insert_reaches_the_tile("borderland_changes", true).await;
}

/// Without the trigger, the statistics collector's counters are polled.
#[tokio::test]
async fn without_the_trigger_polling_finds_the_insert() {
    insert_reaches_the_tile("borderland_polled", false).await;
}

async fn insert_reaches_the_tile(name: &str, trigger: bool) {
    let Some(cluster) = cluster_url() else { return };
    if !tools_present() {
        return;
    }
    let url = database(&cluster, name);
    let mut args = vec!["serve", url.as_str()];
    if trigger {
        args.push("--install-change-trigger");
    }
    let served = Served::start(&args, &repo_path("."));
    let base = &served.url;
    let triggers = psql(
        &url,
        "SELECT count(*) FROM pg_trigger WHERE tgname = 'borderland_changed'",
    );
    // On the three tables (provinces, provinces_utm, incidents); the view takes none.
    assert_eq!(triggers, if trigger { "3" } else { "0" });
    let (lon, lat) = paktika_point(&url);
    let (x, y) = tile_of(lon, lat, 7);
    let tile_url = format!("{base}/tiles/incidents/7/{x}/{y}.mvt");
    let before = fetch(&tile_url, &[]).await;
    assert_eq!(before.status, 204, "no incidents yet");
    let etag = before.etag.expect("ETag");

    psql(
        &url,
        "INSERT INTO incidents (province, armed_group, event_date, fatalities, source, geom)
         SELECT 'Paktika', 'SYNTHETIC group', DATE '2026-01-15', 2, 'SYNTHETIC test row',
                ST_PointOnSurface(geom) FROM provinces WHERE iso_3166_2 = 'AF-PKA'",
    );
    let started = Instant::now();
    let after = loop {
        let t = fetch(&tile_url, &[]).await;
        if t.status == 200 {
            break t;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the inserted row did not reach the tile within 10 s"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_ne!(after.etag.expect("ETag"), etag, "the data version moved");
    let tile = mvt::decode_strict(&after.body);
    let f = &tile[0].features[0];
    assert_eq!(f.kind, 1);
    assert_eq!(f.props["armed_group"].str(), "SYNTHETIC group");
    assert_eq!(f.props["event_date"].str(), "2026-01-15");
    assert_eq!(f.props["fatalities"], mvt::Prop::Num(2.0));
    // The catalog follows too.
    let catalog: serde_json::Value =
        serde_json::from_slice(&fetch(&format!("{base}/catalog"), &[]).await.body)
            .expect("catalog");
    let incidents = catalog["layers"]
        .as_array()
        .expect("layers")
        .iter()
        .find(|l| l["id"] == "incidents")
        .expect("incidents");
    assert_eq!(incidents["feature_count"], 1);
}

/// `.ci/postgis ACTION NAME`: a private cluster this test may stop and start.
fn private_cluster(action: &str, name: &str) -> Option<String> {
    let out = Command::new(repo_path(".ci/postgis"))
        .args([action, name])
        .output()
        .ok()?;
    if !out.status.success() {
        assert!(
            !e2e_required(),
            ".ci/postgis {action} failed with BORDERLAND_E2E=1: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        eprintln!(
            "SKIPPED: cannot start a private PostgreSQL cluster: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        return None;
    }
    Some(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// Stops and destroys the private cluster when the test ends, however it ends.
struct ClusterGuard(String);

impl Drop for ClusterGuard {
    fn drop(&mut self) {
        let _ = Command::new(repo_path(".ci/postgis"))
            .args(["destroy", &self.0])
            .output();
    }
}

#[tokio::test]
async fn a_stopped_database_gives_503_and_recovers_without_a_restart() {
    if cluster_url().is_none() || !tools_present() {
        return;
    }
    let name = format!("outage-{}", std::process::id());
    let Some(cluster) = private_cluster("start", &name) else {
        return;
    };
    let _guard = ClusterGuard(name.clone());
    let url = database(&cluster, "borderland_outage");
    let served = Served::start(&["serve", &url], &repo_path("."));
    let base = &served.url;
    let (lon, lat) = paktika_point(&url);
    let tile = |z: u8| {
        let (x, y) = tile_of(lon, lat, z);
        format!("{base}/tiles/provinces/{z}/{x}/{y}.mvt")
    };
    assert_eq!(fetch(&tile(5), &[]).await.status, 200);

    private_cluster("stop", &name).expect("the cluster stops");
    // A tile not in the cache needs the database: 503 with a JSON error and Retry-After.
    let down = fetch(&tile(6), &[]).await;
    assert_eq!(down.status, 503);
    assert!(down.retry_after.is_some());
    let error: serde_json::Value = serde_json::from_slice(&down.body).expect("JSON error");
    assert!(error["error"].as_str().expect("error").contains("database"));
    assert!(error["hint"].is_string());
    // What needs no database keeps serving: the cached tile, the catalog, health.
    assert_eq!(fetch(&tile(5), &[]).await.status, 200);
    assert_eq!(fetch(&format!("{base}/catalog"), &[]).await.status, 200);
    assert_eq!(fetch(&format!("{base}/health"), &[]).await.status, 200);

    private_cluster("start", &name).expect("the cluster starts again");
    let started = Instant::now();
    loop {
        let t = fetch(&tile(6), &[]).await;
        if t.status == 200 {
            let layers = mvt::decode_strict(&t.body);
            assert!(layers[0].find("iso_3166_2", "AF-PKA").is_some());
            break;
        }
        assert_eq!(t.status, 503, "only 503 while the database comes back");
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "borderland did not recover within 30 s of the database's return"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// SYNTHETIC claims for the join tests: two points in Paktika (2025 and 2026), one undated
/// row naming Paktika by its code, one row naming Khost by its name (no point).
fn seed_join_claims(url: &str) {
    psql(
        url,
        "INSERT INTO incidents (province, armed_group, event_date, fatalities, source, geom)
         SELECT NULL, 'SYNTHETIC A', DATE '2025-03-10', 3, 'SYNTHETIC source 1', ST_PointOnSurface(geom)
           FROM provinces WHERE iso_3166_2 = 'AF-PKA';
         INSERT INTO incidents (province, armed_group, event_date, fatalities, source, geom)
         SELECT NULL, 'SYNTHETIC B', DATE '2026-01-15', 1, 'SYNTHETIC source 2', ST_PointOnSurface(geom)
           FROM provinces WHERE iso_3166_2 = 'AF-PKA';
         INSERT INTO incidents (province, armed_group, event_date, fatalities, source) VALUES
           ('af-pka', 'SYNTHETIC A', NULL, NULL, 'SYNTHETIC source 1'),
           ('Khost', 'SYNTHETIC A', DATE '2025-06-01', 5, 'SYNTHETIC source 1');",
    );
}

/// A catalog joining the database's `incidents` claims table onto its provinces.
fn write_join_catalog(dir: &std::path::Path, url: &str) {
    std::fs::write(
        dir.join("layers.toml"),
        format!(
            r#"
[[table]]
id = "incidents"
postgres = "{url}"
table = "incidents"
kind = "events"
group = "armed_group"
date = "event_date"
missing_report_date = "SYNTHETIC test rows"

[[layer]]
id = "provinces"
postgres = "{url}"
table = "provinces"
id_property = "iso_3166_2"
keys = ["iso_3166_2", "name", "name_alt"]
filters = ["date", "group"]

[[layer.join]]
table = "incidents"
"#
        ),
    )
    .expect("catalog");
}

#[tokio::test]
async fn a_database_claims_table_joins_and_a_time_window_recomputes_counts() {
    let Some(cluster) = cluster_url() else { return };
    if !tools_present() {
        return;
    }
    let url = database(&cluster, "borderland_joins");
    seed_join_claims(&url);
    let dir = fresh_dir("postgis-joins");
    write_join_catalog(&dir, &url);
    let served = Served::start(&["serve", "--config", "layers.toml"], &dir);
    let base = &served.url;

    // The attributes are named as a file join names them.
    let tj: serde_json::Value = serde_json::from_slice(
        &fetch(&format!("{base}/tiles/provinces.json"), &[])
            .await
            .body,
    )
    .expect("TileJSON");
    let fields = &tj["vector_layers"][0]["fields"];
    for name in [
        "incidents_count",
        "incidents_fatalities",
        "incidents_first",
        "incidents_last",
        "incidents_first_days",
        "incidents_last_days",
        "incidents_undated",
        "incidents_count_synthetic_a",
        "incidents_count_synthetic_b",
        "incidents_sources",
    ] {
        assert!(fields[name].is_string(), "{name} in {fields}");
    }

    let (lon, lat) = paktika_point(&url);
    let (x, y) = tile_of(lon, lat, 6);
    let province = |layers: &[DecodedLayer], code: &str| {
        layers[0]
            .find("iso_3166_2", code)
            .unwrap_or_else(|| panic!("{code} in the tile"))
            .props
            .clone()
    };
    let num = |v: f64| mvt::Prop::Num(v);
    let text = |v: &str| mvt::Prop::Str(v.into());
    let tile_url = |query: &str| format!("{base}/tiles/provinces/6/{x}/{y}.mvt{query}");

    let all = fetch(&tile_url(""), &[]).await;
    let layers = mvt::decode_strict(&all.body);
    let paktika = province(&layers, "AF-PKA");
    assert_eq!(paktika["incidents_count"], num(3.0), "{paktika:?}");
    assert_eq!(paktika["incidents_fatalities"], num(4.0));
    assert_eq!(paktika["incidents_first"], text("2025-03-10"));
    assert_eq!(paktika["incidents_last"], text("2026-01-15"));
    assert_eq!(paktika["incidents_undated"], num(1.0));
    assert_eq!(paktika["incidents_count_synthetic_a"], num(2.0));
    assert_eq!(paktika["incidents_count_synthetic_b"], num(1.0));
    assert_eq!(
        paktika["incidents_sources"],
        text("SYNTHETIC source 1; SYNTHETIC source 2")
    );
    let khost = province(&layers, "AF-KHO");
    assert_eq!(khost["incidents_count"], num(1.0));
    assert_eq!(khost["incidents_fatalities"], num(5.0));

    // A time window: counts, dates and per-group counts are recomputed; undated rows leave.
    let window = fetch(&tile_url("?from=2026-01&to=2026-12"), &[]).await;
    assert_ne!(window.etag, all.etag, "a filtered tile has its own ETag");
    let layers = mvt::decode_strict(&window.body);
    let paktika = province(&layers, "AF-PKA");
    assert_eq!(paktika["incidents_count"], num(1.0), "{paktika:?}");
    assert_eq!(paktika["incidents_fatalities"], num(1.0));
    assert_eq!(paktika["incidents_first"], text("2026-01-15"));
    assert_eq!(paktika["incidents_undated"], num(0.0));
    assert_eq!(paktika["incidents_count_synthetic_a"], num(0.0));
    assert_eq!(province(&layers, "AF-KHO")["incidents_count"], num(0.0));

    // A group.
    let group = fetch(&tile_url("?group=SYNTHETIC%20A"), &[]).await;
    let paktika = province(&mvt::decode_strict(&group.body), "AF-PKA");
    assert_eq!(paktika["incidents_count"], num(2.0), "{paktika:?}");
    assert_eq!(paktika["incidents_count_synthetic_b"], num(0.0));

    // Undeclared filters are refused, as for file layers; SQL in a value is only a value.
    let bad = fetch(&tile_url("?event_type=x"), &[]).await;
    assert_eq!(bad.status, 400);
    let injected = fetch(
        &tile_url("?group=x%27%3B%20DROP%20TABLE%20incidents%3B--"),
        &[],
    )
    .await;
    let paktika = province(&mvt::decode_strict(&injected.body), "AF-PKA");
    assert_eq!(paktika["incidents_count"], num(0.0));
    assert_eq!(psql(&url, "SELECT count(*) FROM incidents"), "4");
}

/// `--prepare-database`: the claim-area and simplified tables it builds give the same
/// counts as matching in place, follow inserts through their triggers, and stop being
/// used (the server computing from the source tables again) when a trigger is dropped.
#[tokio::test]
async fn a_prepared_database_gives_the_same_counts_and_follows_inserts() {
    let Some(cluster) = cluster_url() else { return };
    if !tools_present() {
        return;
    }
    let url = database(&cluster, "borderland_prepared");
    seed_join_claims(&url);
    let dir = fresh_dir("postgis-prepared");
    write_join_catalog(&dir, &url);
    let served = Served::start(
        &["serve", "--config", "layers.toml", "--prepare-database"],
        &dir,
    );
    let base = &served.url;
    assert_eq!(
        psql(
            &url,
            "SELECT string_agg(split_part(name, '_', 1), ',' ORDER BY name) FROM borderland.prepared"
        ),
        "areas,simplified",
        "one claim-area table and one simplified copy"
    );
    // Paktika's two points and its code, Khost's name: four claims, each with its area.
    let areas = psql(
        &url,
        "SELECT quote_ident(name) FROM borderland.prepared WHERE name LIKE 'areas_%'",
    );
    assert_eq!(
        psql(
            &url,
            &format!("SELECT string_agg(area, ',' ORDER BY area) FROM borderland.{areas}")
        ),
        "AF-KHO,AF-PKA,AF-PKA,AF-PKA"
    );

    let (lon, lat) = paktika_point(&url);
    let (x, y) = tile_of(lon, lat, 6);
    let tile_url = |z: u8, x: u32, y: u32, query: &str| {
        format!("{base}/tiles/provinces/{z}/{x}/{y}.mvt{query}")
    };
    let province = |layers: &[DecodedLayer], code: &str| {
        layers[0]
            .find("iso_3166_2", code)
            .unwrap_or_else(|| panic!("{code} in the tile"))
            .clone()
    };
    let num = |v: f64| mvt::Prop::Num(v);
    let text = |v: &str| mvt::Prop::Str(v.into());

    // The same counts as matching in place (the join test above).
    let all = mvt::decode_strict(&fetch(&tile_url(6, x, y, ""), &[]).await.body);
    let paktika = province(&all, "AF-PKA");
    assert_eq!(paktika.props["incidents_count"], num(3.0), "{paktika:?}");
    assert_eq!(paktika.props["incidents_fatalities"], num(4.0));
    assert_eq!(paktika.props["incidents_first"], text("2025-03-10"));
    assert_eq!(paktika.props["incidents_last"], text("2026-01-15"));
    assert_eq!(paktika.props["incidents_undated"], num(1.0));
    assert_eq!(paktika.props["incidents_count_synthetic_a"], num(2.0));
    assert_eq!(
        paktika.props["incidents_sources"],
        text("SYNTHETIC source 1; SYNTHETIC source 2")
    );
    assert_eq!(province(&all, "AF-KHO").props["incidents_count"], num(1.0));
    let window = "?from=2026-01&to=2026-12";
    let windowed = mvt::decode_strict(&fetch(&tile_url(6, x, y, window), &[]).await.body);
    let paktika = province(&windowed, "AF-PKA");
    assert_eq!(paktika.props["incidents_count"], num(1.0), "{paktika:?}");
    assert_eq!(paktika.props["incidents_first"], text("2026-01-15"));
    assert_eq!(paktika.props["incidents_undated"], num(0.0));
    assert_eq!(
        province(&windowed, "AF-KHO").props["incidents_count"],
        num(0.0)
    );

    // A low zoom reads the simplified copy: strict, the same ids and counts, smaller rings.
    let (x1, y1) = tile_of(lon, lat, 1);
    let low = fetch(&tile_url(1, x1, y1, window), &[]).await;
    let low = mvt::decode_strict(&low.body);
    let low_paktika = province(&low, "AF-PKA");
    assert_eq!(
        low_paktika.id, paktika.id,
        "the same stable id at every zoom"
    );
    assert_eq!(low_paktika.props["incidents_count"], num(1.0));
    assert_eq!(low_paktika.kind, 3, "a polygon");
    let vertices = |f: &mvt::DecodedFeature| f.parts.iter().map(Vec::len).sum::<usize>();
    assert!(
        vertices(&low_paktika) < vertices(&paktika),
        "fewer vertices at z1: {} against {} at z6",
        vertices(&low_paktika),
        vertices(&paktika)
    );

    // The generated style colours provinces by the counts joined in SQL, as for a file join.
    let style: serde_json::Value = serde_json::from_slice(
        &fetch(&format!("{base}/styles/explainer.json"), &[])
            .await
            .body,
    )
    .expect("style JSON");
    let fill = style["layers"]
        .as_array()
        .expect("layers")
        .iter()
        .find(|l| l["id"] == "provinces-incidents")
        .unwrap_or_else(|| panic!("a choropleth of incidents per province in {style}"));
    assert_eq!(fill["paint"]["fill-color"][0], "step", "{fill}");
    assert_eq!(
        fill["paint"]["fill-color"][1],
        serde_json::json!(["coalesce", ["get", "incidents_count"], 0])
    );
    assert_eq!(fill["metadata"]["borderland:events"], "incidents");

    // An insert reaches the windowed count through the area table's trigger.
    psql(
        &url,
        "INSERT INTO incidents (province, armed_group, event_date, fatalities, source, geom)
         SELECT NULL, 'SYNTHETIC B', DATE '2026-02-01', 2, 'SYNTHETIC source 2', ST_PointOnSurface(geom)
           FROM provinces WHERE iso_3166_2 = 'AF-PKA'",
    );
    let started = Instant::now();
    loop {
        let t = mvt::decode_strict(&fetch(&tile_url(6, x, y, window), &[]).await.body);
        if province(&t, "AF-PKA").props["incidents_count"] == num(2.0) {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the inserted row did not reach the windowed count within 10 s"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // A dropped trigger: the tables are no longer trusted, and the counts, computed from the
    // source tables again, still follow the data.
    psql(
        &url,
        &format!(
            "DROP TRIGGER \"borderland_{}_claims\" ON incidents;
             INSERT INTO incidents (province, armed_group, event_date, fatalities, source)
             VALUES ('Paktika', 'SYNTHETIC A', DATE '2026-03-01', 1, 'SYNTHETIC source 1');",
            areas.trim_matches('"')
        ),
    );
    let started = Instant::now();
    loop {
        let t = mvt::decode_strict(&fetch(&tile_url(6, x, y, window), &[]).await.body);
        if province(&t, "AF-PKA").props["incidents_count"] == num(3.0) {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "without its trigger, the area table was still read"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
