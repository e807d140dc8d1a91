//! GeoJSON as other servers read it (issue 17): antimeridian wrapping with the tile buffer
//! filled across ±180, bare geometries and GeometryCollections, a byte-order mark, `crs`,
//! values keeping their own MVT type, u64, ids that never collide, empty layers' TileJSON.
//! Tiles are checked with the independent decoder in tests/common/mvt.rs.

mod common;

use std::io::Read;
use std::path::{Path, PathBuf};

use axum::http::StatusCode;
use borderland::dataset::Dataset;
use borderland::server::App;
use borderland::server::{self, AppState, ServerOptions};
use common::mvt::{self, DecodedLayer, Prop};

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn app_for(files: &[PathBuf]) -> App {
    let dataset = Dataset::from_files(files).expect("the files load");
    server::router(AppState::new(dataset, ServerOptions::default()))
}

async fn tile(app: &App, layer: &str, z: u8, x: u32, y: u32) -> Vec<DecodedLayer> {
    common::tile(app, layer, z, x, y).await.unwrap_or_default()
}

/// The raw MVT values of a tile's first layer, for checks of each value's own type.
async fn raw_layer(app: &App, layer: &str, z: u8, x: u32, y: u32) -> mvt::Layer {
    let r = common::get_with(
        app,
        &format!("/tiles/{layer}/{z}/{x}/{y}.mvt"),
        &[("accept-encoding", "gzip")],
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    let mut raw = Vec::new();
    flate2::read::GzDecoder::new(&r.body[..])
        .read_to_end(&mut raw)
        .unwrap();
    let tile = <mvt::Tile as prost::Message>::decode(raw.as_slice()).unwrap();
    tile.layers.into_iter().next().expect("one layer")
}

const ANTIMERIDIAN: &str = r#"{"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"name":"beyond"},"geometry":{"type":"Polygon","coordinates":[[[170,-20],[190,-20],[190,-10],[170,-10],[170,-20]]]}},
{"type":"Feature","properties":{"name":"jumping"},"geometry":{"type":"LineString","coordinates":[[175,30],[-175,35]]}},
{"type":"Feature","properties":{"name":"edge"},"geometry":{"type":"Polygon","coordinates":[[[179,50],[179.9,50],[179.9,51],[179,51],[179,50]]]}}
]}"#;

#[tokio::test]
async fn features_crossing_the_antimeridian_are_served_on_both_sides() {
    let dir = common::fresh_dir("gis-antimeridian");
    let app = app_for(&[write(&dir, "fiji.geojson", ANTIMERIDIAN)]);
    // z1: x=0 is the western hemisphere, x=1 the eastern; y=1 the south.
    let west = tile(&app, "fiji", 1, 0, 1).await;
    let east = tile(&app, "fiji", 1, 1, 1).await;
    let w = west[0]
        .find("name", "beyond")
        .expect("the polygon west of -180");
    let e = east[0]
        .find("name", "beyond")
        .expect("the polygon east of 180");
    assert_eq!(w.id, e.id, "one feature, one id on both sides");
    // West part: lon -180..-170 is x 0..~227 of 4096; east part lon 170..180 is ~3868..4096.
    let xs = |f: &mvt::DecodedFeature| {
        let all: Vec<i64> = f.parts.iter().flatten().map(|p| p[0]).collect();
        (*all.iter().min().unwrap(), *all.iter().max().unwrap())
    };
    let (wmin, wmax) = xs(w);
    let (emin, emax) = xs(e);
    assert!(
        wmin <= 0 && (220..=235).contains(&wmax),
        "west part {wmin}..{wmax}"
    );
    assert!(
        (3860..=3876).contains(&emin) && emax >= 4096,
        "east part {emin}..{emax}"
    );
    assert!(
        w.area() > 0.0 && e.area() > 0.0,
        "exterior rings wind as MVT wants"
    );

    // The line from 175 to -175 goes the short way, across the date line, on both sides.
    let north_west = tile(&app, "fiji", 1, 0, 0).await;
    let north_east = tile(&app, "fiji", 1, 1, 0).await;
    assert!(north_west[0].find("name", "jumping").is_some());
    assert!(north_east[0].find("name", "jumping").is_some());

    // The tile buffer is filled across ±180: the polygon at 179..179.9 lies wholly east,
    // yet the western tile's left buffer (x < 0) holds it.
    let edge = north_west[0]
        .find("name", "edge")
        .expect("the buffer of the western tile holds the edge polygon");
    assert!(
        edge.parts
            .iter()
            .flatten()
            .all(|p| p[0] <= 0 && p[0] >= -64),
        "only in the buffer: {:?}",
        edge.parts
    );

    // GeoJSON out: the polygon split at the antimeridian, both parts within ±180.
    let items = common::get(&app, "/ogc/collections/fiji/items?name=beyond")
        .await
        .json();
    let geometry = &items["features"][0]["geometry"];
    assert_eq!(geometry["type"], "MultiPolygon", "{geometry}");
    let lons: Vec<f64> = geometry["coordinates"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| {
            p[0].as_array()
                .unwrap()
                .iter()
                .map(|q| q[0].as_f64().unwrap())
        })
        .collect();
    assert!(
        lons.iter().all(|l| (-180.0..=180.0).contains(l)),
        "{lons:?}"
    );
    assert!(lons.iter().any(|&l| l < -169.0) && lons.iter().any(|&l| l > 169.0));
}

#[test]
fn longitudes_beyond_540_stay_an_error() {
    let dir = common::fresh_dir("gis-540");
    let f = write(
        &dir,
        "far.geojson",
        r#"{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[541,10]}}"#,
    );
    let msg = Dataset::from_files(&[f]).unwrap_err().to_string();
    assert!(msg.contains("longitude 541 is outside -540..540"), "{msg}");
}

#[tokio::test]
async fn a_bare_geometry_a_bare_feature_and_a_geometry_collection_load() {
    let dir = common::fresh_dir("gis-bare");
    let bare = write(
        &dir,
        "bare.geojson",
        r#"{"type":"Polygon","coordinates":[[[69,33],[70,33],[70,34],[69,34],[69,33]]]}"#,
    );
    let feature = write(
        &dir,
        "feature.geojson",
        r#"{"type":"Feature","id":5,"properties":{"name":"one"},"geometry":{"type":"Point","coordinates":[69.5,33.5]}}"#,
    );
    let collection = write(
        &dir,
        "collection.geojson",
        r#"{"type":"FeatureCollection","features":[
{"type":"Feature","id":9,"properties":{"name":"mixed"},"geometry":{"type":"GeometryCollection","geometries":[
  {"type":"Polygon","coordinates":[[[69,33],[69.4,33],[69.4,33.4],[69,33.4],[69,33]]]},
  {"type":"Point","coordinates":[69.8,33.8]},
  {"type":"Polygon","coordinates":[[[69.5,33],[69.7,33],[69.7,33.2],[69.5,33.2],[69.5,33]]]}]}},
{"type":"Feature","properties":{"name":"same kind"},"geometry":{"type":"GeometryCollection","geometries":[
  {"type":"LineString","coordinates":[[69,34],[69.2,34.2]]},
  {"type":"MultiLineString","coordinates":[[[69.3,34],[69.5,34.2]]]}]}}
]}"#,
    );
    let app = app_for(&[bare, feature, collection]);
    let (x, y) = common::tile_of(69.5, 33.5, 6);
    let t = tile(&app, "bare", 6, x, y).await;
    assert_eq!(t[0].features.len(), 1);
    assert_eq!(t[0].features[0].kind, 3, "a polygon");
    let t = tile(&app, "feature", 6, x, y).await;
    assert_eq!(t[0].features[0].props["name"], Prop::Str("one".into()));
    assert_eq!(t[0].features[0].id, 5);

    let t = tile(&app, "collection", 6, x, y).await;
    let mixed: Vec<_> = t[0]
        .features
        .iter()
        .filter(|f| f.props.get("name") == Some(&Prop::Str("mixed".into())))
        .collect();
    // Split per geometry type: both polygons in one feature (keeping id 9), the point in another.
    assert_eq!(mixed.len(), 2, "one feature per geometry type");
    let polygon = mixed.iter().find(|f| f.kind == 3).expect("polygon part");
    assert_eq!(polygon.id, 9);
    assert_eq!(
        polygon.ring_areas.len(),
        2,
        "both polygons of the collection"
    );
    let point = mixed.iter().find(|f| f.kind == 1).expect("point part");
    assert_ne!(point.id, 9);
    let same = t[0].find("name", "same kind").expect("the line collection");
    assert_eq!(
        (same.kind, same.parts.len()),
        (2, 2),
        "one feature, two lines"
    );
}

#[tokio::test]
async fn a_byte_order_mark_is_skipped_and_a_crs84_crs_accepted() {
    let dir = common::fresh_dir("gis-bom");
    let text = "\u{feff}{\"type\":\"FeatureCollection\",\"crs\":{\"type\":\"name\",\"properties\":{\"name\":\"urn:ogc:def:crs:OGC:1.3:CRS84\"}},\"features\":[{\"type\":\"Feature\",\"properties\":{\"name\":\"Paktika\"},\"geometry\":{\"type\":\"Point\",\"coordinates\":[68.8,32.5]}}]}";
    let app = app_for(&[write(&dir, "bom.geojson", text)]);
    let (x, y) = common::tile_of(68.8, 32.5, 5);
    let t = tile(&app, "bom", 5, x, y).await;
    assert!(t[0].find("name", "Paktika").is_some());

    let utm = write(
        &dir,
        "utm.geojson",
        r#"{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::32642"}},"features":[]}"#,
    );
    let msg = Dataset::from_files(&[utm]).unwrap_err().to_string();
    assert!(
        msg.contains("EPSG::32642") && msg.contains("ogr2ogr -t_srs EPSG:4326"),
        "{msg}"
    );
}

#[tokio::test]
async fn each_value_keeps_its_own_type_and_u64_stays_u64() {
    let dir = common::fresh_dir("gis-mixed");
    let f = write(
        &dir,
        "mixed.geojson",
        r#"{"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"v":1,"big":18446744073709551615},"geometry":{"type":"Point","coordinates":[69,33]}},
{"type":"Feature","properties":{"v":"1","big":1},"geometry":{"type":"Point","coordinates":[69.1,33]}},
{"type":"Feature","properties":{"v":1.5,"big":2},"geometry":{"type":"Point","coordinates":[69.2,33]}}
]}"#,
    );
    let app = app_for(&[f]);
    let tj = common::get(&app, "/tiles/mixed.json").await.json();
    let fields = &tj["vector_layers"][0]["fields"];
    assert_eq!(fields["v"], "Mixed", "{tj}");
    assert_eq!(fields["big"], "Number", "{tj}");

    let (x, y) = common::tile_of(69.1, 33.0, 6);
    let layer = raw_layer(&app, "mixed", 6, x, y).await;
    let v_key = layer.keys.iter().position(|k| k == "v").unwrap() as u32;
    let mut v_values: Vec<mvt::Value> = layer
        .features
        .iter()
        .filter_map(|f| {
            f.tags
                .chunks(2)
                .find(|kv| kv[0] == v_key)
                .map(|kv| layer.values[kv[1] as usize].clone())
        })
        .collect();
    v_values.sort_by_key(|v| format!("{v:?}"));
    assert!(
        v_values
            .iter()
            .any(|v| v.uint_value == Some(1) || v.int_value == Some(1))
    );
    assert!(
        v_values
            .iter()
            .any(|v| v.string_value.as_deref() == Some("1"))
    );
    assert!(v_values.iter().any(|v| v.double_value == Some(1.5)));
    assert!(
        layer.values.iter().any(|v| v.uint_value == Some(u64::MAX)),
        "u64::MAX kept as uint_value: {:?}",
        layer.values
    );
    // And in GeoJSON out, exactly.
    let r = common::get(&app, "/ogc/collections/mixed/items").await;
    let text = String::from_utf8_lossy(&r.body);
    assert!(text.contains("18446744073709551615"), "{text}");
}

#[tokio::test]
async fn positional_ids_never_collide_with_explicit_ones() {
    let dir = common::fresh_dir("gis-ids");
    let point = |id: &str, name: &str, lon: f64| {
        format!(
            r#"{{"type":"Feature",{id}"properties":{{"name":"{name}"}},"geometry":{{"type":"Point","coordinates":[{lon},33]}}}}"#
        )
    };
    let text = format!(
        r#"{{"type":"FeatureCollection","features":[{},{},{},{}]}}"#,
        point("", "a", 69.0),
        point(r#""id":1,"#, "b", 69.1),
        point("", "c", 69.2),
        point(r#""id":2,"#, "d", 69.3),
    );
    let f = write(&dir, "ids.geojson", &text);
    let app = app_for(std::slice::from_ref(&f));
    let (x, y) = common::tile_of(69.1, 33.0, 6);
    let t = tile(&app, "ids", 6, x, y).await;
    let id = |n: &str| t[0].find("name", n).unwrap().id;
    assert_eq!((id("b"), id("d")), (1, 2), "explicit ids are kept");
    let mut all = vec![id("a"), id("b"), id("c"), id("d")];
    all.sort();
    all.dedup();
    assert_eq!(all.len(), 4, "no collision: {all:?}");
    // Stable: loading again gives the same ids.
    let again = app_for(&[f]);
    let t2 = tile(&again, "ids", 6, x, y).await;
    assert_eq!(t2[0].find("name", "a").unwrap().id, id("a"));
}

#[test]
fn a_missing_or_repeated_id_property_is_a_warning_not_a_failed_file() {
    let dir = common::fresh_dir("gis-idprop");
    write(
        &dir,
        "d.geojson",
        r#"{"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"code":"A"},"geometry":{"type":"Point","coordinates":[69,33]}},
{"type":"Feature","properties":{"code":"A"},"geometry":{"type":"Point","coordinates":[69.1,33]}},
{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[69.2,33]}}]}"#,
    );
    let catalog = write(
        &dir,
        "layers.toml",
        "title = \"t\"\n\n[[layer]]\nid = \"d\"\nfile = \"d.geojson\"\nid_property = \"code\"\n",
    );
    let dataset = Dataset::from_catalog(&catalog).expect("loads with warnings");
    let layer = &dataset.layers[0];
    assert_eq!(layer.features.len(), 3);
    let mut ids: Vec<u64> = layer.features.iter().map(|f| f.id).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 3, "every feature has its own id");
    let w = layer.warnings.join("\n");
    assert!(w.contains("features 0 and 1 have the same 'code'"), "{w}");
    assert!(w.contains("feature 2 has no 'code'"), "{w}");
}

#[tokio::test]
async fn an_empty_layer_has_a_valid_tilejson() {
    let dir = common::fresh_dir("gis-empty");
    let app = app_for(&[write(
        &dir,
        "empty.geojson",
        r#"{"type":"FeatureCollection","features":[]}"#,
    )]);
    let tj = common::get(&app, "/tiles/empty.json").await.json();
    let center = tj["center"].as_array().expect("center");
    assert!(center.iter().all(|v| v.is_number()), "{tj}");
    assert!(
        tj["bounds"]
            .as_array()
            .unwrap()
            .iter()
            .all(|v| v.is_number())
    );
}
