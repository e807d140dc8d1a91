//! Static pictures: an uncached and a cached-tiles 1200x630 PNG of the whole region, SVG, and
//! the cost split (tiles, style evaluation to SVG, rasterising, PNG encoding), beside an
//! independent rasteriser (rsvg-convert) on the same SVG. `cargo bench --bench render`.

use std::collections::HashMap;

use borderland::dataset::Dataset;
use borderland::join::filter::Filter;
use borderland::render::{self, Extras, ImageRequest, TileKey};
use criterion::{Criterion, criterion_group, criterion_main};

const VIEW: &str = "60.5,23.6,77.8,38.5";

fn bench(c: &mut Criterion) {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let dataset = Dataset::from_catalog(&root.join("data/layers.toml")).expect("default data");
    let style = render::style_json(&dataset, "explainer", "en").expect("the generated style");
    let png = ImageRequest::parse(VIEW, "1200x630.png").expect("request");
    let svg = ImageRequest::parse(VIEW, "1200x630.svg").expect("request");
    let filter = Filter::default();
    let extras = Extras::default();

    let plan = render::plan(&style, png, &dataset).expect("plan");
    let tiles: HashMap<TileKey, Vec<u8>> =
        render::cut_tiles(&plan, &dataset, &filter).expect("tiles");
    let captions = plan.captions(&dataset, &filter, extras.clone());
    let svg_text = render::draw_svg(&plan, &tiles, &captions).expect("svg");
    let pixmap = render::png::pixmap(&svg_text).expect("pixmap");
    eprintln!(
        "{} tiles, SVG {} KB, PNG {} KB",
        tiles.len(),
        svg_text.len() / 1024,
        render::png::encode(&pixmap).expect("png").len() / 1024
    );

    let mut g = c.benchmark_group("render_1200x630");
    g.sample_size(20);
    g.bench_function("png_uncached", |b| {
        b.iter(|| render::render(&dataset, &style, png, &filter, extras.clone()).expect("png"))
    });
    g.bench_function("png_from_cached_tiles", |b| {
        b.iter(|| {
            let plan = render::plan(&style, png, &dataset).expect("plan");
            let text = render::draw_svg(&plan, &tiles, &captions).expect("svg");
            render::encode(&plan, text).expect("png")
        })
    });
    g.bench_function("svg_from_cached_tiles", |b| {
        b.iter(|| {
            let plan = render::plan(&style, svg, &dataset).expect("plan");
            let text = render::draw_svg(&plan, &tiles, &captions).expect("svg");
            render::encode(&plan, text).expect("svg")
        })
    });
    g.bench_function("step_tiles_cut", |b| {
        b.iter(|| render::cut_tiles(&plan, &dataset, &filter).expect("tiles"))
    });
    g.bench_function("step_style_to_svg", |b| {
        b.iter(|| render::draw_svg(&plan, &tiles, &captions).expect("svg"))
    });
    g.bench_function("step_rasterise", |b| {
        b.iter(|| render::png::pixmap(&svg_text).expect("pixmap"))
    });
    g.bench_function("step_png_encode", |b| {
        b.iter(|| render::png::encode(&pixmap).expect("png"))
    });
    // The anchor: an independent rasteriser on the same SVG (a process: includes its start).
    let file = std::env::temp_dir().join("borderland-bench-render.svg");
    std::fs::write(&file, &svg_text).expect("write svg");
    let out = std::env::temp_dir().join("borderland-bench-render.png");
    let have_rsvg = std::process::Command::new("rsvg-convert")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if have_rsvg {
        g.bench_function("anchor_rsvg_convert_same_svg", |b| {
            b.iter(|| {
                let status = std::process::Command::new("rsvg-convert")
                    .arg("-o")
                    .arg(&out)
                    .arg(&file)
                    .status()
                    .expect("rsvg-convert runs");
                assert!(status.success());
            })
        });
    } else {
        eprintln!("rsvg-convert not found: the anchor is skipped (apt-get install librsvg2-bin)");
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
