//! GeoPackage and Shapefile layers (issue 17): built from the default provinces with GDAL's
//! `ogr2ogr` at test time, served like GeoJSON, Paktika found in a tile (independent decoder)
//! and in the OGC API with its attributes; projected data and missing parts refused clearly.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use borderland::dataset::Dataset;
use borderland::server::App;
use borderland::server::{self, AppState, ServerOptions};
use common::mvt::Prop;

fn ogr2ogr(dir: &Path, args: &[&str]) {
    let out = Command::new("ogr2ogr")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("ogr2ogr runs");
    assert!(
        out.status.success(),
        "ogr2ogr {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn have_gdal() -> bool {
    common::process::have("ogr2ogr", "apt-get install gdal-bin")
}

fn app_for(files: &[PathBuf]) -> App {
    let dataset = Dataset::from_files(files).expect("the files load");
    server::router(AppState::new(dataset, ServerOptions::default()))
}

/// Paktika in the layer's tile at z6 and in its OGC items, with its attributes.
async fn paktika_is_served(app: &App, layer: &str) {
    let (x, y) = common::tile_of(68.8, 32.3, 6);
    let t = common::tile(app, layer, 6, x, y)
        .await
        .expect("a tile over Paktika");
    let f = t[0]
        .find("name", "Paktika")
        .unwrap_or_else(|| panic!("{layer}: Paktika in the tile"));
    assert_eq!(f.kind, 3, "{layer}: a polygon");
    assert_eq!(f.props["iso_3166_2"], Prop::Str("AF-PKA".into()), "{layer}");
    assert_eq!(
        f.props["country"],
        Prop::Str("Afghanistan".into()),
        "{layer}"
    );
    assert!(f.area() > 0.0, "{layer}: exterior ring wound as MVT wants");

    let items = common::get(
        app,
        &format!("/ogc/collections/{layer}/items?iso_3166_2=AF-PKA"),
    )
    .await
    .json();
    assert_eq!(items["numberMatched"], 1, "{layer}: {items}");
    assert_eq!(items["features"][0]["properties"]["name"], "Paktika");

    let catalog = common::get(app, "/catalog").await.json();
    let entry = catalog["layers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["id"] == layer)
        .unwrap();
    assert_eq!(entry["geometry_type"], "polygon");
    assert_eq!(entry["feature_count"], 41, "{layer}: 34 + 7 provinces");
}

#[tokio::test]
async fn geopackage_serves_like_geojson() {
    if !have_gdal() {
        return;
    }
    let dir = common::dir_with_provinces("gis-gpkg");
    ogr2ogr(
        &dir,
        &[
            "-f",
            "GPKG",
            "districts.gpkg",
            "provinces.geojson",
            "-nln",
            "districts",
        ],
    );
    let app = app_for(&[dir.join("districts.gpkg")]);
    paktika_is_served(&app, "districts").await;
}

#[test]
fn a_projected_geopackage_is_refused_with_how_to_reproject() {
    if !have_gdal() {
        return;
    }
    let dir = common::dir_with_provinces("gis-gpkg-utm");
    ogr2ogr(
        &dir,
        &[
            "-f",
            "GPKG",
            "utm.gpkg",
            "provinces.geojson",
            "-t_srs",
            "EPSG:32642",
        ],
    );
    let msg = Dataset::from_files(&[dir.join("utm.gpkg")])
        .unwrap_err()
        .to_string();
    assert!(msg.contains("utm.gpkg"), "{msg}");
    assert!(msg.contains("EPSG:32642"), "{msg}");
    assert!(msg.contains("ogr2ogr -t_srs EPSG:4326"), "{msg}");
}

#[tokio::test]
async fn shapefile_plain_and_zipped_serve_like_geojson() {
    if !have_gdal() {
        return;
    }
    let dir = common::dir_with_provinces("gis-shp");
    ogr2ogr(
        &dir,
        &[
            "-f",
            "ESRI Shapefile",
            "provinces_shp.shp",
            "provinces.geojson",
            "-lco",
            "ENCODING=UTF-8",
        ],
    );
    // GDAL writes a zipped Shapefile itself when the name ends in .shp.zip.
    ogr2ogr(
        &dir,
        &[
            "-f",
            "ESRI Shapefile",
            "zipped.shp.zip",
            "provinces.geojson",
            "-nln",
            "zipped",
        ],
    );
    std::fs::rename(dir.join("zipped.shp.zip"), dir.join("zipped.zip")).unwrap();
    let app = app_for(&[dir.join("provinces_shp.shp"), dir.join("zipped.zip")]);
    paktika_is_served(&app, "provinces_shp").await;
    paktika_is_served(&app, "zipped").await;
}

#[tokio::test]
async fn shapefile_text_is_decoded_by_its_code_page() {
    if !have_gdal() {
        return;
    }
    let dir = common::fresh_dir("gis-shp-latin1");
    std::fs::write(
        dir.join("cafe.geojson"),
        r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"Kabul café"},"geometry":{"type":"Point","coordinates":[69.2,34.5]}}]}"#,
    )
    .unwrap();
    ogr2ogr(
        &dir,
        &[
            "-f",
            "ESRI Shapefile",
            "cafe.shp",
            "cafe.geojson",
            "-lco",
            "ENCODING=ISO-8859-1",
        ],
    );
    let dbf = std::fs::read(dir.join("cafe.dbf")).unwrap();
    assert!(
        dbf.windows(2).any(|w| w == b"\xe9 ") || dbf.contains(&0xe9),
        "the .dbf holds Latin-1 bytes"
    );
    let app = app_for(&[dir.join("cafe.shp")]);
    let (x, y) = common::tile_of(69.2, 34.5, 6);
    let t = common::tile(&app, "cafe", 6, x, y).await.expect("tile");
    assert!(
        t[0].find("name", "Kabul café").is_some(),
        "decoded as Latin-1"
    );
}

#[test]
fn a_projected_or_incomplete_shapefile_is_refused_clearly() {
    if !have_gdal() {
        return;
    }
    let dir = common::dir_with_provinces("gis-shp-utm");
    ogr2ogr(
        &dir,
        &[
            "-f",
            "ESRI Shapefile",
            "utm.shp",
            "provinces.geojson",
            "-t_srs",
            "EPSG:32642",
        ],
    );
    let msg = Dataset::from_files(&[dir.join("utm.shp")])
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("utm.shp") && msg.contains("projected"),
        "{msg}"
    );
    assert!(
        msg.contains("UTM") && msg.contains("ogr2ogr -t_srs EPSG:4326"),
        "{msg}"
    );

    std::fs::remove_file(dir.join("utm.dbf")).unwrap();
    std::fs::remove_file(dir.join("utm.prj")).unwrap();
    let msg = Dataset::from_files(&[dir.join("utm.shp")])
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains(".dbf file (the attributes) is missing"),
        "{msg}"
    );
}

/// The same files named in a catalog, as a newsroom sets them up: a GeoPackage and a zipped
/// Shapefile, each joined to the presence table by ISO code, name or alias, as the GeoJSON
/// provinces are in the default catalog.
#[tokio::test]
async fn a_catalog_serves_and_joins_geopackage_and_shapefile_layers() {
    if !have_gdal() {
        return;
    }
    let dir = common::dir_with_provinces("gis-catalog");
    ogr2ogr(
        &dir,
        &[
            "-f",
            "GPKG",
            "districts.gpkg",
            "provinces.geojson",
            "-nln",
            "districts",
        ],
    );
    ogr2ogr(
        &dir,
        &[
            "-f",
            "ESRI Shapefile",
            "agencies.shp.zip",
            "provinces.geojson",
            "-nln",
            "agencies",
            "-lco",
            "ENCODING=UTF-8",
        ],
    );
    std::fs::copy(
        common::repo_path("data/presence.csv"),
        dir.join("presence.csv"),
    )
    .unwrap();
    let catalog = dir.join("layers.toml");
    std::fs::write(
        &catalog,
        r#"title = "GeoPackage and Shapefile layers"

[[table]]
id = "presence"
file = "presence.csv"
kind = "presence"
missing_report_date = "The source text carries no publication date."

[[layer]]
id = "districts"
title = "From a GeoPackage"
file = "districts.gpkg"
id_property = "iso_3166_2"
keys = ["iso_3166_2", "name", "name_alt"]

[[layer.join]]
table = "presence"

[[layer]]
id = "agencies"
title = "From a zipped Shapefile"
file = "agencies.shp.zip"
id_property = "iso_3166_2"
keys = ["iso_3166_2", "name", "name_alt"]

[[layer.join]]
table = "presence"
"#,
    )
    .unwrap();
    let dataset = Dataset::from_catalog(&catalog).unwrap_or_else(|e| panic!("{e}"));
    let app = server::router(AppState::new(dataset, ServerOptions::default()));
    let rows = std::fs::read_to_string(dir.join("presence.csv"))
        .unwrap()
        .lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .count() as u64;
    let catalog = common::get(&app, "/catalog").await.json();
    for layer in ["districts", "agencies"] {
        paktika_is_served(&app, layer).await;
        let entry = catalog["layers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["id"] == layer)
            .unwrap();
        let join = &entry["joins"][0];
        assert_eq!(join["rows"], rows, "{layer}: {join}");
        assert_eq!(join["matched"], rows, "{layer}: every row joins: {join}");
    }
}
