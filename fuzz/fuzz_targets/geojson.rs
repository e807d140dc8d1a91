//! Any bytes as a GeoJSON file: an error or a layer, never a panic; a layer must cut tiles.
#![no_main]

use std::path::Path;

use borderland::config::LayerConfig;
use borderland::dataset::layer_from_raw;
use borderland::source::read_geojson_bytes;
use borderland::tile::{self, TileCoord};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let path = Path::new("fuzz.geojson");
    if let Ok(raw) = read_geojson_bytes(path, data) {
        if let Ok(layer) = layer_from_raw(&LayerConfig::for_file(path), path, raw) {
            for coord in [TileCoord { z: 0, x: 0, y: 0 }, TileCoord { z: 5, x: 22, y: 12 }, TileCoord { z: 12, x: 2900, y: 1650 }] {
                let _ = tile::render(&[(&layer).into()], coord);
            }
        }
    }
});
