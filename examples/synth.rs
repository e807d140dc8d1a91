//! Writes deterministic SYNTHETIC data for benchmarks (never served by default):
//!
//! `cargo run --release --example synth -- provinces OUT.geojson [--cols 180 --rows 90 --edge 24]`
//! writes a mosaic of wiggly cells covering the world (about 40 MB with the defaults).

fn arg(args: &[String], name: &str, default: usize) -> usize {
    args.windows(2)
        .find(|w| w[0] == name)
        .and_then(|w| w[1].parse().ok())
        .unwrap_or(default)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 3 || args[1] != "provinces" {
        eprintln!("usage: synth provinces OUT.geojson [--cols N] [--rows N] [--edge N]");
        std::process::exit(2);
    }
    let (cols, rows, edge) = (
        arg(&args, "--cols", 180),
        arg(&args, "--rows", 90),
        arg(&args, "--edge", 24),
    );
    let text = borderland::synthetic::provinces(cols, rows, edge);
    let path = &args[2];
    if let Err(e) = std::fs::write(path, &text) {
        eprintln!("cannot write {path}: {e}");
        std::process::exit(1);
    }
    eprintln!(
        "wrote {path}: {} features, {:.1} MB",
        cols * rows,
        text.len() as f64 / 1e6
    );
}
