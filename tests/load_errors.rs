//! Bad input files: the message names the file, the line and what is wrong.

mod common;

use std::path::{Path, PathBuf};

use borderland::dataset::Dataset;

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn tempdir(name: &str) -> PathBuf {
    common::fresh_dir(&format!("load-{name}"))
}

fn load_error(name: &str, text: &str) -> String {
    let dir = tempdir(name);
    let file = write(&dir, name, text);
    let err = Dataset::from_files(&[file]).expect_err("bad file must not load");
    err.to_string()
}

#[test]
fn malformed_geojson_names_file_and_line() {
    let msg = load_error(
        "broken.geojson",
        "{\"type\": \"FeatureCollection\",\n \"features\": [\n {\"type\": \"Feature\", \"properties\": {}, \n \"geometry\": {\"type\": \"Point\" \"coordinates\": [1, 2]}}]}",
    );
    assert!(msg.contains("broken.geojson line 4"), "{msg}");
    assert!(msg.contains("invalid JSON"), "{msg}");
}

#[test]
fn coordinates_out_of_range_are_rejected_with_their_line() {
    let msg = load_error(
        "lat.geojson",
        "{\"type\":\"FeatureCollection\",\"features\":[\n{\"type\":\"Feature\",\"properties\":{},\"geometry\":{\"type\":\"Point\",\"coordinates\":[69.1, 34.5]}},\n{\"type\":\"Feature\",\"properties\":{},\"geometry\":{\"type\":\"Point\",\"coordinates\":[69.1, 200]}}]}",
    );
    assert!(msg.contains("lat.geojson line 3"), "{msg}");
    assert!(msg.contains("latitude 200"), "{msg}");
    assert!(msg.contains("feature 1"), "{msg}");
    let huge = load_error(
        "huge.geojson",
        "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\",\"properties\":{},\"geometry\":{\"type\":\"Point\",\"coordinates\":[1e300, 1]}}]}",
    );
    assert!(
        huge.contains("longitude 1e300") && huge.contains("outside -540..540"),
        "{huge}"
    );
}

#[test]
fn unclosed_ring_is_named() {
    let msg = load_error(
        "ring.geojson",
        "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\",\"properties\":{},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,0],[1,1],[0,1]]]}}]}",
    );
    assert!(msg.contains("not closed"), "{msg}");
}

#[test]
fn wrong_nesting_and_types_are_named() {
    let msg = load_error(
        "nest.geojson",
        "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\",\"properties\":{},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[0,0],[1,0],[1,1],[0,0]]}}]}",
    );
    assert!(
        msg.contains("Polygon coordinates must be nested 3 deep, found 2"),
        "{msg}"
    );
    let msg = load_error("top.geojson", "{\"type\":\"Topology\"}");
    assert!(msg.contains("expected \"FeatureCollection\""), "{msg}");
    let msg = load_error(
        "trunc.geojson",
        "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\"",
    );
    assert!(msg.contains("truncated"), "{msg}");
}

#[test]
fn empty_geometries_are_skipped_not_fatal() {
    let dir = tempdir("empty");
    let file = write(
        &dir,
        "empty.geojson",
        "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\",\"properties\":{\"a\":1},\"geometry\":null},{\"type\":\"Feature\",\"properties\":{\"a\":2},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[]}},{\"type\":\"Feature\",\"properties\":{\"a\":3},\"geometry\":{\"type\":\"Point\",\"coordinates\":[69,34]}}]}",
    );
    let d = Dataset::from_files(&[file]).unwrap();
    let layer = d.layer("empty").unwrap();
    assert_eq!(layer.features.len(), 1);
    assert_eq!(layer.skipped_empty, 2);
}

#[test]
fn files_served_directly_are_named_after_the_file() {
    let dir = tempdir("direct");
    let file = write(
        &dir,
        "My Districts.geojson",
        "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\",\"id\":7,\"properties\":{\"n\":1.5,\"ok\":true,\"k\":3},\"geometry\":{\"type\":\"Point\",\"coordinates\":[69,34]}}]}",
    );
    let d = Dataset::from_files(&[file]).unwrap();
    let layer = &d.layers[0];
    assert_eq!(layer.id, "My_Districts");
    assert_eq!(layer.features[0].id, 7);
    let types: Vec<String> = layer
        .fields
        .iter()
        .map(|f| format!("{}:{:?}", f.name, f.kind))
        .collect();
    assert_eq!(types, ["n:Float", "ok:Boolean", "k:Integer"]);
}

#[test]
fn catalog_naming_a_missing_file_says_which_layer_and_line() {
    let dir = tempdir("catalog");
    let catalog = write(
        &dir,
        "layers.toml",
        "title = \"t\"\n\n[[layer]]\nid = \"provinces\"\nfile = \"nope.geojson\"\n",
    );
    let err = Dataset::from_catalog(&catalog).unwrap_err().to_string();
    assert!(err.contains("nope.geojson: file not found"), "{err}");
    assert!(
        err.contains("layer 'provinces'") && err.contains("line 5"),
        "{err}"
    );
}

#[test]
fn duplicate_ids_are_a_warning_and_the_later_feature_gets_a_free_id() {
    let dir = tempdir("dup");
    let file = write(
        &dir,
        "dup.geojson",
        "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\",\"id\":1,\"properties\":{},\"geometry\":{\"type\":\"Point\",\"coordinates\":[69,34]}},{\"type\":\"Feature\",\"id\":1,\"properties\":{},\"geometry\":{\"type\":\"Point\",\"coordinates\":[69,35]}}]}",
    );
    let dataset = Dataset::from_files(&[file]).expect("loads with a warning");
    let layer = &dataset.layers[0];
    let w = layer.warnings.join("\n");
    assert!(w.contains("features 0 and 1 have the same id (1)"), "{w}");
    assert_eq!(layer.features[0].id, 1);
    assert_ne!(layer.features[1].id, 1);
}
