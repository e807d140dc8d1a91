//! Tile cutting and loading on deterministic SYNTHETIC provinces (about 40 MB of GeoJSON):
//! the numbers behind BENCHMARKS.md. `cargo bench --bench tiles`.

use std::path::Path;

use borderland::config::LayerConfig;
use borderland::dataset::{Layer, build_layer};
use borderland::tile::{self, TileCoord};
use criterion::{Criterion, criterion_group, criterion_main};

fn synthetic() -> Vec<u8> {
    borderland::synthetic::provinces(180, 90, 24).into_bytes()
}

fn load(bytes: Vec<u8>) -> Layer {
    let path = Path::new("synthetic_provinces.geojson");
    build_layer(&LayerConfig::for_file(path), path, bytes).expect("synthetic data loads")
}

fn bench(c: &mut Criterion) {
    let bytes = synthetic();
    eprintln!("synthetic provinces: {:.1} MB", bytes.len() as f64 / 1e6);
    let mut g = c.benchmark_group("load");
    g.sample_size(10);
    g.bench_function("serde_json_value_parse_40mb", |b| {
        b.iter(|| serde_json::from_slice::<serde_json::Value>(&bytes).expect("valid JSON"))
    });
    g.bench_function("borderland_load_and_index_40mb", |b| {
        b.iter(|| load(bytes.clone()))
    });
    g.finish();

    let layer = load(bytes);
    let refs = [tile::LayerRef::from(&layer)];
    let mut g = c.benchmark_group("cut");
    g.sample_size(20);
    g.bench_function("z0_uncached", |b| {
        b.iter(|| tile::render(&refs, TileCoord { z: 0, x: 0, y: 0 }))
    });
    g.bench_function("z0_to_z4_all_uncached", |b| {
        b.iter(|| {
            let mut bytes = 0;
            for z in 0..=4u8 {
                for x in 0..1u32 << z {
                    for y in 0..1u32 << z {
                        bytes += tile::render(&refs, TileCoord { z, x, y }).gzip.len();
                    }
                }
            }
            bytes
        })
    });
    g.bench_function("z10_uncached", |b| {
        b.iter(|| {
            tile::render(
                &refs,
                TileCoord {
                    z: 10,
                    x: 700,
                    y: 400,
                },
            )
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
