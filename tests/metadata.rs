//! TileJSON and catalog: snapshot-tested, plus the properties clients rely on.

mod common;

use common::{default_app, get, get_with};

#[tokio::test]
async fn tilejson_snapshot() {
    let app = default_app();
    let r = get(&app, "/tiles/provinces.json").await;
    assert_eq!(r.status, 200);
    assert!(
        r.header("content-type")
            .unwrap()
            .starts_with("application/json")
    );
    let tj = r.json();
    assert!(tj["version"].as_str().unwrap().starts_with("1.0.0+"));
    insta::assert_json_snapshot!("tilejson_provinces", tj, { ".version" => "[1.0.0+data version]" });
}

#[tokio::test]
async fn composite_tilejson_lists_every_layer() {
    let app = default_app();
    let tj = get(&app, "/tiles/provinces,border.json").await.json();
    assert_eq!(tj["tilejson"], "3.0.0");
    assert_eq!(
        tj["tiles"][0],
        "http://tiles.test/tiles/provinces,border/{z}/{x}/{y}.mvt"
    );
    let ids: Vec<&str> = tj["vector_layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["provinces", "border"]);
    assert_eq!(tj["vector_layers"][1]["fields"]["status"], "String");
    let bounds: Vec<f64> = tj["bounds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    assert!(
        bounds[0] > 60.0 && bounds[2] < 78.0 && bounds[1] > 23.0 && bounds[3] < 39.0,
        "{bounds:?}"
    );
    assert!(
        tj["attribution"]
            .as_str()
            .unwrap()
            .contains("Natural Earth")
    );
}

#[tokio::test]
async fn urls_follow_forwarded_headers_and_public_url() {
    // Forwarded headers count only behind a proxy the operator trusts (--trust-proxy).
    let app = borderland::server::router(borderland::server::AppState::new(
        borderland::dataset::Dataset::from_catalog(&common::repo_path("data/layers.toml")).unwrap(),
        borderland::server::ServerOptions {
            trust_proxy: true,
            ..Default::default()
        },
    ));
    let tj = get_with(
        &app,
        "/tiles/provinces.json",
        &[
            ("x-forwarded-proto", "https"),
            ("x-forwarded-host", "maps.example.org"),
            ("x-forwarded-prefix", "/borderland"),
        ],
    )
    .await
    .json();
    assert_eq!(
        tj["tiles"][0],
        "https://maps.example.org/borderland/tiles/provinces/{z}/{x}/{y}.mvt"
    );

    let state = common::default_state();
    let dataset =
        borderland::dataset::Dataset::from_catalog(&common::repo_path("data/layers.toml")).unwrap();
    drop(state);
    let options = borderland::server::ServerOptions {
        public_url: Some("https://news.example/maps/".into()),
        ..Default::default()
    };
    let app = borderland::server::router(borderland::server::AppState::new(dataset, options));
    let catalog = get(&app, "/catalog").await.json();
    assert_eq!(
        catalog["layers"][0]["tilejson"],
        "https://news.example/maps/tiles/provinces.json"
    );
}

#[tokio::test]
async fn catalog_snapshot() {
    let app = default_app();
    let r = get(&app, "/catalog").await;
    assert_eq!(r.status, 200);
    let catalog = r.json();
    let provinces = &catalog["layers"][0];
    assert_eq!(provinces["feature_count"], 41);
    assert_eq!(provinces["geometry_type"], "polygon");
    insta::assert_json_snapshot!("catalog", catalog, { ".version" => "[data version]" });
}

#[tokio::test]
async fn health_reports_the_data_version() {
    let app = default_app();
    let health = get(&app, "/health").await.json();
    assert_eq!(health["status"], "ok");
    let version = health["version"].as_str().unwrap();
    assert_eq!(version.len(), 16);
    let tile = get(&app, "/tiles/provinces/0/0/0.mvt").await;
    assert_eq!(tile.header("etag").unwrap(), format!("W/\"{version}\""));
}
