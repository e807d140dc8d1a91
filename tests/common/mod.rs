//! Shared test helpers: the default dataset loaded once, requests through the real router.

#![allow(dead_code)]

pub mod mvt;
pub mod process;

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use axum::body::Bytes;
use axum::http::{HeaderMap, Request, StatusCode};
use borderland::dataset::Dataset;
use borderland::server::App;
use borderland::server::{self, AppState, ServerOptions};
use tower::ServiceExt;

pub fn repo_path(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// An empty scratch directory, unique to this test process and `name`.
pub fn fresh_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("borderland-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}

/// A scratch directory holding a copy of the default provinces, for catalogs built in tests.
pub fn dir_with_provinces(name: &str) -> PathBuf {
    let d = fresh_dir(name);
    std::fs::copy(
        repo_path("data/provinces.geojson"),
        d.join("provinces.geojson"),
    )
    .expect("copy provinces");
    d
}

/// One row of the SYNTHETIC UCDP sample, read straight from the CSV (independently of the
/// server), for tests that check what the server returns against the file.
pub struct UcdpRow {
    pub id: u64,
    pub lon: f64,
    pub lat: f64,
    pub start: String,
    pub end: String,
}

pub fn ucdp_rows() -> Vec<UcdpRow> {
    let mut r = csv::Reader::from_path(repo_path("data/samples/ucdp_ged_SYNTHETIC.csv"))
        .expect("sample CSV");
    let h = r.headers().expect("header").clone();
    let col = |name: &str| h.iter().position(|c| c == name).expect("column");
    let (id, lon, lat, start, end) = (
        col("id"),
        col("longitude"),
        col("latitude"),
        col("date_start"),
        col("date_end"),
    );
    r.records()
        .map(|rec| {
            let rec = rec.expect("record");
            UcdpRow {
                id: rec[id].parse().expect("id"),
                lon: rec[lon].parse().expect("lon"),
                lat: rec[lat].parse().expect("lat"),
                start: rec[start].to_string(),
                end: rec[end].to_string(),
            }
        })
        .collect()
}

/// The default catalog, loaded once per test binary.
pub fn default_state() -> Arc<AppState> {
    static STATE: OnceLock<Arc<AppState>> = OnceLock::new();
    STATE
        .get_or_init(|| {
            let dataset =
                Dataset::from_catalog(&repo_path("data/layers.toml")).expect("default data loads");
            AppState::new(dataset, ServerOptions::default())
        })
        .clone()
}

pub fn default_app() -> App {
    server::router(default_state())
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Reply {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", String::from_utf8_lossy(&self.body)))
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

pub async fn get_with(app: &App, uri: &str, headers: &[(&str, &str)]) -> Reply {
    let mut req = Request::builder().uri(uri).header("host", "tiles.test");
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    send(app, req.body(axum::body::Body::empty()).unwrap()).await
}

/// Send a request to the server, or to a part of it (`server::routes`: the router without
/// the cache-hit path in front).
pub async fn send<S>(app: &S, request: Request<axum::body::Body>) -> Reply
where
    S: tower::Service<
            Request<axum::body::Body>,
            Response = axum::response::Response,
            Error = std::convert::Infallible,
        > + Clone,
{
    let res = app.clone().oneshot(request).await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let body = axum::body::to_bytes(res.into_body(), usize::MAX)
        .await
        .unwrap();
    Reply {
        status,
        headers,
        body,
    }
}

pub async fn get(app: &App, uri: &str) -> Reply {
    get_with(app, uri, &[]).await
}

/// The XYZ tile holding a lon/lat at zoom z.
pub fn tile_of(lon: f64, lat: f64, z: u8) -> (u32, u32) {
    let n = (1u64 << z) as f64;
    let x = ((lon + 180.0) / 360.0 * n).floor() as u32;
    let lat_r = lat.to_radians();
    let y = ((1.0 - (lat_r.tan() + 1.0 / lat_r.cos()).ln() / std::f64::consts::PI) / 2.0 * n)
        .floor() as u32;
    (x, y)
}

/// Fetch and strictly decode a tile; `None` for 204.
pub async fn tile(
    app: &App,
    layers: &str,
    z: u8,
    x: u32,
    y: u32,
) -> Option<Vec<mvt::DecodedLayer>> {
    let r = get_with(
        app,
        &format!("/tiles/{layers}/{z}/{x}/{y}.mvt"),
        &[("accept-encoding", "gzip")],
    )
    .await;
    match r.status {
        StatusCode::NO_CONTENT => None,
        StatusCode::OK => {
            assert!(
                r.body.len() < 500 * 1024,
                "tile {layers}/{z}/{x}/{y} is {} bytes compressed",
                r.body.len()
            );
            Some(mvt::decode_strict(&r.body))
        }
        s => panic!(
            "tile {layers}/{z}/{x}/{y}: status {s}: {:?}",
            String::from_utf8_lossy(&r.body)
        ),
    }
}
