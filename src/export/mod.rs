//! `borderland export`: every tile of a zoom range, cut exactly as the server cuts it, written
//! to a PMTiles or MBTiles archive or a z/x/y folder, for static hosts, CDNs and GIS users.
//! Tiles are cut on all cores and written in a fixed order, so the same input gives the same bytes.

pub mod dir;
pub mod mbtiles;
pub mod output;
pub mod pmtiles;
pub mod site;

use std::collections::BTreeSet;
use std::fmt;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::{Value as Json, json};

use crate::config::FilterKind;
use crate::dataset::tilejson;
use crate::dataset::{Dataset, Layer, lonlat_bounds, tile_layers};
use crate::geometry::BBox;
use crate::geometry::projection::{project, unproject};
use crate::join::filter::Filter;
use crate::tile::{self, BUFFER, EXTENT, TileCoord, TileLayer};

/// What to export.
#[derive(Clone, Debug, Default)]
pub struct ExportOptions {
    /// Comma list of layer ids; every layer when `None`.
    pub layers: Option<String>,
    pub minzoom: u8,
    pub maxzoom: u8,
    /// `[west, south, east, north]` in degrees; the layers' bounds when `None`.
    pub bbox: Option<[f64; 4]>,
    /// Filters as an HTTP query string (`from=2025-01-01&group=TTP`), parsed as the server does.
    pub filter_query: Option<String>,
    /// Worker threads; 0 means every core.
    pub threads: usize,
    /// Draw a progress bar on a terminal.
    pub progress: bool,
}

/// Why an export failed, in words for the person who ran it.
#[derive(Debug)]
pub struct ExportError(pub String);

impl fmt::Display for ExportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ExportError {}

impl ExportError {
    pub fn io(path: &Path, what: &str, e: impl fmt::Display) -> ExportError {
        ExportError(format!("{}: cannot {what}: {e}", path.display()))
    }
}

/// What was written.
#[derive(Clone, Debug, Default)]
pub struct ExportSummary {
    /// Tiles with content (empty tiles are not stored).
    pub tiles: u64,
    /// Tiles looked at, empty ones included.
    pub visited: u64,
    /// Bytes of gzipped tile data before deduplication.
    pub tile_bytes: u64,
}

/// Where tiles go. Tiles arrive in PMTiles tile-id order, gzipped, never empty.
pub trait TileSink {
    fn add(&mut self, coord: TileCoord, gzip: &[u8]) -> Result<(), ExportError>;
    /// Write the metadata and close the output.
    fn finish(self: Box<Self>) -> Result<(), ExportError>;
}

/// The layers, filter, zooms and box of one export, resolved against a dataset.
pub struct Plan {
    pub layers: Vec<Arc<Layer>>,
    pub filter: Filter,
    pub minzoom: u8,
    pub maxzoom: u8,
    /// Projected box of what is exported.
    pub bbox: BBox,
    /// TileJSON fields for the archive's metadata (no `tiles` URL).
    pub metadata: Json,
}

impl Plan {
    pub fn new(dataset: &Dataset, opts: &ExportOptions) -> Result<Plan, ExportError> {
        let layers = match &opts.layers {
            Some(ids) => dataset.resolve(ids).map_err(|e| {
                ExportError(format!("--layers: {e} (layers: {})", layer_ids(dataset)))
            })?,
            None => dataset.layers.clone(),
        };
        if layers.is_empty() {
            return Err(ExportError("there are no layers to export".into()));
        }
        let allowed: BTreeSet<FilterKind> = layers
            .iter()
            .flat_map(|l| l.filters.iter().copied())
            .collect();
        let filter = Filter::parse(opts.filter_query.as_deref(), &allowed)
            .map_err(|e| ExportError(format!("filter: {e}")))?;
        if opts.minzoom > opts.maxzoom {
            return Err(ExportError(format!(
                "--minzoom {} is above --maxzoom {}",
                opts.minzoom, opts.maxzoom
            )));
        }
        if opts.maxzoom > tile::MAX_ZOOM {
            return Err(ExportError(format!(
                "--maxzoom {} is above the deepest zoom, {}",
                opts.maxzoom,
                tile::MAX_ZOOM
            )));
        }
        let mut bbox = BBox::EMPTY;
        for l in &layers {
            bbox.union(&l.bbox);
        }
        if let Some([w, s, e, n]) = opts.bbox {
            if !(w < e && s < n) {
                return Err(ExportError(format!(
                    "--bbox {w},{s},{e},{n} is empty: give west,south,east,north with west < east and south < north"
                )));
            }
            let [min_x, min_y] = project([w, n]);
            let [max_x, max_y] = project([e, s]);
            bbox = BBox {
                min_x: bbox.min_x.max(min_x),
                min_y: bbox.min_y.max(min_y),
                max_x: bbox.max_x.min(max_x),
                max_y: bbox.max_y.min(max_y),
            };
        }
        let metadata = metadata(dataset, &layers, &bbox, opts.minzoom, opts.maxzoom);
        Ok(Plan {
            layers,
            filter,
            minzoom: opts.minzoom,
            maxzoom: opts.maxzoom,
            bbox,
            metadata,
        })
    }

    /// Every tile whose buffered area meets the box, in PMTiles tile-id (Hilbert) order.
    pub fn tiles(&self) -> Vec<TileCoord> {
        let mut out = Vec::new();
        if self.bbox.is_empty() {
            return out;
        }
        for z in self.minzoom..=self.maxzoom {
            let n = (1u64 << z) as f64;
            let buffer = BUFFER as f64 / EXTENT as f64;
            let last = (1u64 << z) - 1;
            let range = |lo: f64, hi: f64| {
                let a = ((lo * n - buffer).floor().max(0.0) as u64).min(last);
                let b = ((hi * n + buffer).floor().max(0.0) as u64).min(last);
                a..=b
            };
            for x in range(self.bbox.min_x, self.bbox.max_x) {
                for y in range(self.bbox.min_y, self.bbox.max_y) {
                    out.push(TileCoord {
                        z,
                        x: x as u32,
                        y: y as u32,
                    });
                }
            }
        }
        out.sort_by_key(|c| crate::source::archive::pmtiles_tile_id(*c));
        out
    }
}

fn layer_ids(dataset: &Dataset) -> String {
    dataset
        .layers
        .iter()
        .map(|l| l.id.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// TileJSON fields of an export: name, description, attribution, bounds, center, zooms and
/// `vector_layers` (each layer's zooms narrowed to the export's).
pub fn metadata(
    dataset: &Dataset,
    layers: &[Arc<Layer>],
    bbox: &BBox,
    minzoom: u8,
    maxzoom: u8,
) -> Json {
    let round = |v: f64| (v * 1e6).round() / 1e6;
    let bounds = lonlat_bounds(bbox).map(round);
    // An empty export is centred on the world's centre, never on NaN.
    let center = if bbox.is_empty() {
        [0.0, 0.0]
    } else {
        unproject([
            (bbox.min_x + bbox.max_x) / 2.0,
            (bbox.min_y + bbox.max_y) / 2.0,
        ])
    };
    let vector_layers: Vec<Json> = layers
        .iter()
        .flat_map(|l| tilejson::vector_layers(l))
        .map(|mut v| {
            if let Some(m) = v.as_object_mut() {
                let lo = m.get("minzoom").and_then(|z| z.as_u64()).unwrap_or(0) as u8;
                let hi = m.get("maxzoom").and_then(|z| z.as_u64()).unwrap_or(30) as u8;
                m.insert("minzoom".into(), lo.clamp(minzoom, maxzoom).into());
                m.insert("maxzoom".into(), hi.clamp(minzoom, maxzoom).into());
            }
            v
        })
        .collect();
    let names: Vec<&str> = layers.iter().map(|l| l.title.as_str()).collect();
    json!({
        "tilejson": "3.0.0",
        "name": if layers.len() == dataset.layers.len() { dataset.title.clone() } else { names.join(", ") },
        "description": dataset.description,
        "version": dataset.version,
        "attribution": tilejson::attribution(dataset, layers),
        "scheme": "xyz",
        "format": "pbf",
        "type": "overlay",
        "generator": concat!("borderland ", env!("CARGO_PKG_VERSION")),
        "minzoom": minzoom,
        "maxzoom": maxzoom,
        "bounds": bounds,
        "center": [round(center[0]), round(center[1]), tilejson::fit_zoom(bbox, minzoom, maxzoom)],
        "vector_layers": vector_layers,
        "tilestats": tilejson::tilestats(layers),
    })
}

/// What an output path names.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum OutputKind {
    Pmtiles,
    Mbtiles,
    Dir,
}

impl OutputKind {
    /// `.pmtiles`, `.mbtiles`, or a folder (no extension, or an existing folder).
    pub fn of(out: &Path) -> Result<OutputKind, ExportError> {
        let ext = out
            .extension()
            .and_then(|e| e.to_str())
            .map(|e| e.to_ascii_lowercase());
        match ext.as_deref() {
            Some("pmtiles") => Ok(OutputKind::Pmtiles),
            Some("mbtiles") => Ok(OutputKind::Mbtiles),
            Some(other) if !out.is_dir() => Err(ExportError(format!(
                "{}: unknown output kind '.{other}': name a .pmtiles or .mbtiles file, or a directory for z/x/y files",
                out.display()
            ))),
            _ => Ok(OutputKind::Dir),
        }
    }
}

/// The sink writing `kind` at `path` (a staging path; see [`output::Staged`]).
pub fn sink_for(
    kind: OutputKind,
    path: &Path,
    plan: &Plan,
) -> Result<Box<dyn TileSink>, ExportError> {
    match kind {
        OutputKind::Pmtiles => Ok(Box::new(pmtiles::PmtilesSink::create(path, plan)?)),
        OutputKind::Mbtiles => Ok(Box::new(mbtiles::MbtilesSink::create(path, plan)?)),
        OutputKind::Dir => Ok(Box::new(dir::DirSink::create(path, plan)?)),
    }
}

/// Export to `out` (a `.pmtiles` or `.mbtiles` file or a directory). Only one export writes
/// an output at a time; the output appears, complete, only when the export succeeds.
pub fn export(
    dataset: &Dataset,
    out: &Path,
    opts: &ExportOptions,
) -> Result<ExportSummary, ExportError> {
    let plan = Plan::new(dataset, opts)?;
    let kind = OutputKind::of(out)?;
    if kind == OutputKind::Dir {
        output::check_replaceable(out, dir::METADATA)?;
    }
    let _lock = output::OutputLock::acquire(out)?;
    let staged = output::Staged::new(out);
    let sink = sink_for(kind, &staged.path, &plan)?;
    let summary = run(dataset, &plan, sink, opts)?;
    match kind {
        OutputKind::Dir => staged.commit_dir()?,
        _ => staged.commit_file()?,
    }
    Ok(summary)
}

/// How many tiles are cut before the finished ones are written, in order.
const BATCH: usize = 2048;

/// Cut every tile of the plan on `opts.threads` threads and hand them to `sink` in order.
pub fn run(
    dataset: &Dataset,
    plan: &Plan,
    mut sink: Box<dyn TileSink>,
    opts: &ExportOptions,
) -> Result<ExportSummary, ExportError> {
    let tiles = plan.tiles();
    let views: Vec<_> = plan
        .layers
        .iter()
        .map(|l| dataset.filtered(l, &plan.filter))
        .collect();
    let refs = tile_layers(&plan.layers, &views);
    let threads = if opts.threads == 0 {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    } else {
        opts.threads
    };
    let bar = progress_bar(tiles.len() as u64, opts.progress);
    let mut summary = ExportSummary::default();
    for batch in tiles.chunks(BATCH) {
        let cut = cut_batch(&refs, batch, threads)?;
        for (coord, gzip) in batch.iter().zip(cut) {
            summary.visited += 1;
            if let Some(gzip) = gzip {
                summary.tiles += 1;
                summary.tile_bytes += gzip.len() as u64;
                sink.add(*coord, &gzip)?;
            }
        }
        bar.inc(batch.len() as u64);
    }
    bar.finish_and_clear();
    sink.finish()?;
    Ok(summary)
}

/// A tile's place in its batch and its gzipped bytes (`None` when empty).
type CutTile = (usize, Option<Vec<u8>>);

/// Cut `batch` on `threads` threads; results in the batch's order (`None` for empty tiles).
fn cut_batch(
    refs: &[TileLayer],
    batch: &[TileCoord],
    threads: usize,
) -> Result<Vec<Option<Vec<u8>>>, ExportError> {
    let next = AtomicUsize::new(0);
    let parts: Vec<Result<Vec<CutTile>, ExportError>> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads.min(batch.len()).max(1))
            .map(|_| {
                scope.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(&coord) = batch.get(i) else { break };
                        let t = tile::try_render(refs, coord)
                            .map_err(|e| ExportError(e.to_string()))?;
                        done.push((i, (!t.raw.is_empty()).then_some(t.gzip)));
                    }
                    Ok(done)
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| {
                w.join()
                    .unwrap_or_else(|_| Err(ExportError("a tile-cutting thread panicked".into())))
            })
            .collect()
    });
    let mut out: Vec<Option<Vec<u8>>> = vec![None; batch.len()];
    for part in parts {
        for (i, t) in part? {
            out[i] = t;
        }
    }
    Ok(out)
}

fn progress_bar(len: u64, show: bool) -> indicatif::ProgressBar {
    if !show {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(len);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{elapsed_precise} [{bar:40}] {pos}/{len} tiles ({per_sec}, {eta} left)",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tile_list_covers_the_box_with_its_buffer_in_hilbert_order() {
        let plan = Plan {
            layers: Vec::new(),
            filter: Filter::default(),
            minzoom: 0,
            maxzoom: 2,
            bbox: BBox {
                min_x: 0.30,
                min_y: 0.30,
                max_x: 0.45,
                max_y: 0.45,
            },
            metadata: Json::Null,
        };
        let tiles = plan.tiles();
        assert_eq!(tiles[0], TileCoord { z: 0, x: 0, y: 0 });
        assert!(tiles.contains(&TileCoord { z: 2, x: 1, y: 1 }));
        assert!(!tiles.contains(&TileCoord { z: 2, x: 3, y: 3 }));
        let ids: Vec<u64> = tiles
            .iter()
            .map(|c| crate::source::archive::pmtiles_tile_id(*c))
            .collect();
        assert!(ids.windows(2).all(|w| w[0] < w[1]));
    }
}
