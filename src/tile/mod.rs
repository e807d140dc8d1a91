//! The tiling pipeline, one step per file, data handed forward:
//! `projection` → `simplify` (importance at load) → `index` (pyramid at load, built with
//! `clip`) → `cut` (simplify, clip, round to the grid) → `clean` → `encode`.

pub mod clean;
pub mod clip;
pub mod cluster;
pub mod cut;
pub mod encode;
pub mod index;
pub mod projection;
pub mod simplify;

use std::fmt;
use std::sync::Arc;

use crate::dataset::{FilteredLayer, Layer, Value};
use crate::geometry::{BBox, GeomKind};
use crate::source::archive::ArchiveError;

/// Tiles are 4096 units square, as MapLibre and tippecanoe expect.
pub const EXTENT: u32 = 4096;
/// Buffer around each tile in tile units, so strokes and labels do not clip at tile edges.
pub const BUFFER: u32 = 64;
/// Deepest zoom served.
pub const MAX_ZOOM: u8 = 30;

/// A tile address in the XYZ scheme (y grows southwards).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TileCoord {
    pub z: u8,
    pub x: u32,
    pub y: u32,
}

/// Why a tile address is not valid.
#[derive(Debug, Clone, PartialEq)]
pub enum TileCoordError {
    ZoomTooHigh(u64),
    OutOfRange { z: u8, x: u64, y: u64 },
}

impl fmt::Display for TileCoordError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TileCoordError::ZoomTooHigh(z) => {
                write!(f, "zoom {z} is above the maximum of {MAX_ZOOM}")
            }
            TileCoordError::OutOfRange { z, x, y } => {
                let n = 1u64 << z;
                write!(
                    f,
                    "tile {z}/{x}/{y} does not exist: at zoom {z}, x and y must be between 0 and {}",
                    n - 1
                )
            }
        }
    }
}

impl TileCoord {
    /// Validate a z/x/y triple.
    pub fn new(z: u64, x: u64, y: u64) -> Result<TileCoord, TileCoordError> {
        if z > MAX_ZOOM as u64 {
            return Err(TileCoordError::ZoomTooHigh(z));
        }
        let n = 1u64 << z;
        if x >= n || y >= n {
            return Err(TileCoordError::OutOfRange { z: z as u8, x, y });
        }
        Ok(TileCoord {
            z: z as u8,
            x: x as u32,
            y: y as u32,
        })
    }
}

impl fmt::Display for TileCoord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}/{}", self.z, self.x, self.y)
    }
}

/// The projected box of a tile, grown by `buffer` (a fraction of the tile's size) on each side.
pub fn tile_bbox(c: TileCoord, buffer: f64) -> BBox {
    let size = 1.0 / (1u64 << c.z) as f64;
    BBox {
        min_x: (c.x as f64 - buffer) * size,
        min_y: (c.y as f64 - buffer) * size,
        max_x: (c.x as f64 + 1.0 + buffer) * size,
        max_y: (c.y as f64 + 1.0 + buffer) * size,
    }
}

/// Largest tile, gzipped, before detail is reduced (the limit MapLibre and tippecanoe use).
pub const MAX_TILE_BYTES: usize = 500 * 1024;

/// An encoded tile, plain and gzipped; both empty for an empty tile.
pub struct EncodedTile {
    pub raw: Vec<u8>,
    pub gzip: Vec<u8>,
    /// The detail the tile was cut at (coarser than the default when it had to shrink).
    pub detail: cut::Detail,
}

/// Encode one tile holding `layers`, in order; layers with nothing in the tile are left out.
/// A tile over [`MAX_TILE_BYTES`] gzipped is cut again with coarser simplification and
/// without its smallest features, until it fits: polygons that cover the fewest pixels go
/// first (tippecanoe's `--drop-smallest-as-needed`); points are never dropped here.
///
/// A layer read from an archive contributes its stored tile as it is (MVT messages
/// concatenate into a valid tile); an archive that cannot be read is logged and left out.
/// [`try_render`] reports it instead.
pub fn render(layers: &[LayerRef], coord: TileCoord) -> EncodedTile {
    let stored = layers
        .iter()
        .map(|r| {
            stored_tile(r.layer, coord).unwrap_or_else(|e| {
                tracing::warn!("{e}");
                None
            })
        })
        .collect::<Vec<_>>();
    render_with(layers, coord, &stored)
}

/// [`render`], failing when an archive layer's tile cannot be read (for exports).
pub fn try_render(layers: &[LayerRef], coord: TileCoord) -> Result<EncodedTile, ArchiveError> {
    let stored = layers
        .iter()
        .map(|r| stored_tile(r.layer, coord))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(render_with(layers, coord, &stored))
}

/// The decompressed stored tile of an archive layer within its zooms.
fn stored_tile(layer: &Layer, coord: TileCoord) -> Result<Option<Vec<u8>>, ArchiveError> {
    match &layer.archive {
        Some(a) if (layer.minzoom..=layer.maxzoom).contains(&coord.z) => a.tile(coord),
        _ => Ok(None),
    }
}

fn render_with(layers: &[LayerRef], coord: TileCoord, stored: &[Option<Vec<u8>>]) -> EncodedTile {
    const ATTEMPTS: usize = 6;
    let mut detail = cut::Detail::default();
    let mut scratch = cut::CutScratch::default();
    let mut sizes = Vec::new();
    for attempt in 0..ATTEMPTS {
        sizes.clear();
        let raw = encode_layers(layers, stored, coord, detail, &mut scratch, &mut sizes);
        if raw.is_empty() {
            return EncodedTile {
                raw,
                gzip: Vec::new(),
                detail,
            };
        }
        let last = attempt + 1 == ATTEMPTS;
        // A cheap estimate first, so a tile that is clearly too big is not gzipped in full.
        if !last && raw.len() > MAX_TILE_BYTES {
            let estimate = estimate_gzip(&raw);
            if estimate > MAX_TILE_BYTES + MAX_TILE_BYTES / 10 {
                detail = reduce(detail, &mut sizes, estimate);
                continue;
            }
        }
        let gzip = encode::gzip(&raw);
        if gzip.len() <= MAX_TILE_BYTES || last {
            if attempt > 0 {
                tracing::debug!(%coord, ?detail, bytes = gzip.len(), "tile detail reduced to fit the size budget");
            }
            return EncodedTile { raw, gzip, detail };
        }
        detail = reduce(detail, &mut sizes, gzip.len());
    }
    unreachable!("the last attempt returns")
}

/// Gzipped size of a large tile, estimated from a few compressed samples (an overestimate:
/// samples compress without each other's context).
fn estimate_gzip(raw: &[u8]) -> usize {
    const SAMPLES: usize = 4;
    const CHUNK: usize = 16 * 1024;
    let step = (raw.len() - CHUNK) / (SAMPLES - 1);
    let compressed: usize = (0..SAMPLES)
        .map(|i| encode::gzip(&raw[i * step..i * step + CHUNK]).len())
        .sum();
    (raw.len() as f64 * compressed as f64 / (SAMPLES * CHUNK) as f64) as usize
}

/// Coarser detail for a tile of `bytes` gzipped: double the tolerance (up to 4×), and drop
/// the smallest features in proportion to the overrun.
fn reduce(detail: cut::Detail, sizes: &mut [f64], bytes: usize) -> cut::Detail {
    let keep = (MAX_TILE_BYTES as f64 * 0.85 / bytes as f64).clamp(0.02, 0.95);
    let droppable = sizes.iter().filter(|s| s.is_finite()).count();
    sizes.sort_unstable_by(|a, b| a.total_cmp(b));
    let cut_at = ((1.0 - keep) * droppable as f64) as usize;
    let threshold = sizes
        .get(cut_at.min(droppable.saturating_sub(1)))
        .copied()
        .unwrap_or(0.0);
    // Strictly smaller features are dropped; nudge up so equal sizes cannot stall the loop.
    let min_area = threshold.max(detail.min_area * 1.5).max(f64::MIN_POSITIVE);
    cut::Detail {
        tolerance: (detail.tolerance * 2.0).min(cut::TOLERANCE * 4.0),
        min_area,
    }
}

/// A layer to draw, with its attributes and visibility under the request's filter.
#[derive(Clone, Copy)]
pub struct LayerRef<'a> {
    pub layer: &'a Layer,
    pub view: Option<&'a FilteredLayer>,
}

impl<'a> LayerRef<'a> {
    /// Layers with their filtered views (as [`crate::dataset::Dataset::filtered`] returns them).
    pub fn with_views(
        layers: &'a [Arc<Layer>],
        views: &'a [Option<Arc<FilteredLayer>>],
    ) -> Vec<LayerRef<'a>> {
        layers
            .iter()
            .zip(views)
            .map(|(l, v)| LayerRef {
                layer: l,
                view: v.as_deref(),
            })
            .collect()
    }
}

impl<'a> From<&'a Layer> for LayerRef<'a> {
    fn from(layer: &'a Layer) -> Self {
        LayerRef { layer, view: None }
    }
}

fn encode_layers(
    layers: &[LayerRef],
    stored: &[Option<Vec<u8>>],
    coord: TileCoord,
    detail: cut::Detail,
    scratch: &mut cut::CutScratch,
    sizes: &mut Vec<f64>,
) -> Vec<u8> {
    let mut tile = Vec::new();
    for (i, r) in layers.iter().enumerate() {
        let layer = r.layer;
        if layer.archive.is_some() {
            if let Some(Some(bytes)) = stored.get(i) {
                tile.extend_from_slice(bytes);
            }
            continue;
        }
        let props = r.view.and_then(|v| v.props.as_deref());
        let visible = r.view.and_then(|v| v.visible.as_deref());
        let attributes = |feature: usize| -> &[Value] {
            match props {
                Some(p) => &p[feature],
                None => &layer.features[feature].props,
            }
        };
        let names = || layer.fields.iter().map(|f| f.name.as_str());
        // Declared before the encoder, which borrows the clusters' attributes.
        let clusters = (coord.z < layer.cluster_maxzoom && layer.geometry_type() == "point")
            .then(|| cluster::cluster(layer, coord, visible, &attributes));
        let mut enc = encode::LayerEncoder::new(&layer.id, EXTENT);
        if let Some(clusters) = &clusters {
            for c in &clusters.items {
                match c {
                    cluster::Item::Single { feature, geometry } => {
                        enc.add_feature(
                            layer.features[*feature].id,
                            GeomKind::Point,
                            names().zip(attributes(*feature)),
                            geometry,
                        );
                    }
                    cluster::Item::Cluster {
                        id,
                        geometry,
                        props,
                    } => {
                        enc.add_feature(
                            *id,
                            GeomKind::Point,
                            props.iter().map(|(k, v)| (*k, v)),
                            geometry,
                        );
                    }
                }
                sizes.push(f64::INFINITY);
            }
        } else {
            cut::cut_layer(
                layer,
                coord,
                detail,
                scratch,
                |feature, kind, geometry, size| {
                    if visible.is_some_and(|v| !v[feature]) {
                        return;
                    }
                    enc.add_feature(
                        layer.features[feature].id,
                        kind,
                        names().zip(attributes(feature)),
                        geometry,
                    );
                    sizes.push(size);
                },
            );
        }
        if enc.feature_count() > 0 {
            enc.finish_into(&mut tile);
        }
    }
    tile
}
