//! Tile cutting and loading on deterministic SYNTHETIC provinces (about 40 MB of GeoJSON):
//! the numbers behind BENCHMARKS.md. `cargo bench --bench tiles`.

use std::path::Path;

use borderland::config::LayerConfig;
use borderland::dataset::{Dataset, Layer, build_layer};
use borderland::join::filter::Filter;
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
    let refs = [layer.tile_layer(None)];
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

/// 100,000 SYNTHETIC incidents joined to the default provinces.
fn joins(c: &mut Criterion) {
    let dir = std::env::temp_dir().join(format!("borderland-bench-joins-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    std::fs::copy(
        root.join("data/provinces.geojson"),
        dir.join("provinces.geojson"),
    )
    .expect("provinces");
    std::fs::write(
        dir.join("incidents.csv"),
        borderland::synthetic::incidents_csv(100_000),
    )
    .expect("csv");
    std::fs::write(
        dir.join("layers.toml"),
        r#"[[table]]
id = "incidents"
file = "incidents.csv"
kind = "events"

[[layer]]
id = "provinces"
file = "provinces.geojson"
id_property = "iso_3166_2"
keys = ["iso_3166_2", "name", "name_alt"]
filters = ["date", "group", "event_type"]

[[layer.join]]
table = "incidents"

[[layer]]
id = "incidents"
table = "incidents"
filters = ["date", "group", "event_type"]
"#,
    )
    .expect("catalog");
    let catalog = dir.join("layers.toml");
    let mut g = c.benchmark_group("joins");
    g.sample_size(10);
    g.bench_function("load_100k_incidents_joined_to_provinces", |b| {
        b.iter(|| Dataset::from_catalog(&catalog).expect("loads"))
    });
    let dataset = Dataset::from_catalog(&catalog).expect("loads");
    let layers = [
        dataset.layer("provinces").expect("provinces"),
        dataset.layer("incidents").expect("incidents"),
    ];
    let allowed = layers[0].filters.clone();
    let mut year = 2020;
    g.bench_function("filtered_z5_uncached_provinces_and_incidents", |b| {
        b.iter(|| {
            // A different window every time, so nothing is reused between iterations.
            year = if year >= 2026 { 2020 } else { year + 1 };
            let q = format!("from={year}-03-01&to={year}-09-30&group=TTP,ISIL-K");
            let filter = Filter::parse(Some(&q), &allowed).expect("valid filter");
            let views: Vec<_> = layers.iter().map(|l| l.filtered(&filter)).collect();
            let refs: Vec<tile::TileLayer> = layers
                .iter()
                .zip(&views)
                .map(|(l, v)| l.tile_layer(Some(v)))
                .collect();
            tile::render(&refs, TileCoord { z: 5, x: 21, y: 13 })
        })
    });
    g.finish();
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(benches, bench, joins);
criterion_main!(benches);
