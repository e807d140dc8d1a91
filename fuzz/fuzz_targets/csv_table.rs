//! Any bytes as a claims CSV joined to a tiny province layer: an error naming a line, or a
//! join, never a panic; and read in parts, the same rows or error as in one.
#![no_main]

use std::path::Path;
use std::sync::OnceLock;

use borderland::config::{LayerConfig, parse_catalog};
use borderland::dataset::{Layer, layer_from_raw, load_claims};
use borderland::source::read_geojson_bytes;
use libfuzzer_sys::fuzz_target;

const PROVINCE: &str = r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"Khost","iso":"AF-KHO"},"geometry":{"type":"Polygon","coordinates":[[[69,33],[70.5,33],[70.5,34],[69,34],[69,33]]]}}]}"#;

fn layer() -> &'static Layer {
    static LAYER: OnceLock<Layer> = OnceLock::new();
    LAYER.get_or_init(|| {
        let path = Path::new("p.geojson");
        let raw = read_geojson_bytes(path, PROVINCE.as_bytes()).expect("fixture");
        layer_from_raw(&LayerConfig::for_file(path), path, raw).expect("fixture")
    })
}

/// The rows of a table read in `parts` parts, with their lines, or its error's line and text.
fn read_in(data: &[u8], parts: usize) -> Result<Vec<(usize, Vec<String>)>, (Option<usize>, String)> {
    match borderland::source::csv::read_parts(Path::new("t.csv"), data, parts) {
        Ok(t) => Ok(t
            .parts
            .iter()
            .flat_map(|p| p.iter())
            .map(|(line, cells)| (line, cells.into_iter().map(str::to_string).collect()))
            .collect()),
        Err(e) => Err((e.line, e.message)),
    }
}

fuzz_target!(|data: &[u8]| {
    // Read in parts (as a large file is, one per core), a file gives what one pass gives.
    let one = read_in(data, 1);
    for parts in [2, 5] {
        assert_eq!(one, read_in(data, parts), "{parts} parts");
    }
    let catalog = parse_catalog(
        Path::new("layers.toml"),
        "[[table]]\nid = \"t\"\nfile = \"t.csv\"\nkind = \"events\"\nmissing_report_date = \"fuzz\"\n",
    )
    .expect("fixture");
    let cfg = catalog.tables[0].get_ref();
    if let Ok(claims) = load_claims(cfg, Path::new("t.csv"), data.to_vec(), &Default::default()) {
        let keys = vec!["name".to_string(), "iso".to_string()];
        let target = borderland::join::Target {
            layer_id: "p",
            fields: &layer().fields,
            props: layer().features.iter().map(|f| &f.props[..]).collect(),
            shapes: &layer().shapes,
            kinds: &layer().kinds,
            keys: &keys,
            aliases: &Default::default(),
        };
        let join = borderland::join::join(&target, std::sync::Arc::new(claims), "t");
        let _ = join.values(0, &Default::default());
    }
});
