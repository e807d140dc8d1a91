//! The tiling pipeline, one step per file, data handed forward:
//! `simplify` (importance at load) → `index` (pyramid at load, built with `clip`) → `cut`
//! (simplify, clip, round to the grid) → `clean` → `encode`; `cluster` for points at low
//! zooms. It reads a narrow [`TileLayer`] that `dataset` builds, and knows no claim fields.

pub mod clean;
pub mod clip;
pub mod cluster;
pub mod cut;
pub mod encode;
pub mod index;
pub mod simplify;
pub mod wrap;

pub use crate::geometry::{BUFFER, EXTENT, MAX_ZOOM, TileCoord, TileCoordError, tile_bbox};
use std::borrow::Cow;

use crate::geometry::{GeomKind, Shapes};
use crate::source::archive::{Archive, ArchiveError};
use crate::source::postgis::PgError;
use crate::value::{Attributes, Feature, Field, Value};
use cluster::ClusterRules;
use index::TileIndex;

/// Largest tile, gzipped, before detail is reduced (the limit MapLibre and tippecanoe use).
pub const MAX_TILE_BYTES: usize = 500 * 1024;

/// Most points a tile carries one by one: a point layer with more in a tile (and no
/// clustering of its own there) is clustered in that tile, so it stays within
/// [`MAX_TILE_BYTES`] and its cut stays cheap (a 250,000-point file would otherwise give a
/// z0 tile of several megabytes).
pub const MAX_TILE_POINTS: usize = 10_000;

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
/// A layer whose tiles are made elsewhere (an archive, a database) contributes its tile as it
/// is (MVT messages concatenate into a valid tile); one that cannot be had is logged and left
/// out. [`render_live`] fails when a database cannot be reached; [`try_render`] on any error.
pub fn render(layers: &[TileLayer], coord: TileCoord) -> EncodedTile {
    let stored = layers
        .iter()
        .map(|r| {
            stored_tile(r, coord).unwrap_or_else(|e| {
                tracing::warn!("{e}");
                None
            })
        })
        .collect::<Vec<_>>();
    render_with(layers, coord, &stored)
}

/// [`render`] for the server: a database that cannot be reached fails the tile (answered with
/// 503 and not cached), while an unreadable archive tile is logged and left out.
pub fn render_live(layers: &[TileLayer], coord: TileCoord) -> Result<EncodedTile, StoredTileError> {
    let stored = layers
        .iter()
        .map(|r| match stored_tile(r, coord) {
            Err(StoredTileError::Archive(e)) => {
                tracing::warn!("{e}");
                Ok(None)
            }
            other => other,
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(render_with(layers, coord, &stored))
}

/// [`render`], failing when an archive layer's tile cannot be read (for exports).
pub fn try_render(layers: &[TileLayer], coord: TileCoord) -> Result<EncodedTile, StoredTileError> {
    let stored = layers
        .iter()
        .map(|r| stored_tile(r, coord))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(render_with(layers, coord, &stored))
}

/// The stored tile of a layer served as made elsewhere, within its zooms.
fn stored_tile(layer: &TileLayer, coord: TileCoord) -> Result<Option<Vec<u8>>, StoredTileError> {
    match &layer.stored {
        Some(s) if (s.zooms.0..=s.zooms.1).contains(&coord.z) => s.source.tile(coord),
        _ => Ok(None),
    }
}

/// Tiles made elsewhere and passed through as they are: an archive's stored tiles, or tiles
/// a database cuts (`ST_AsMVT`). Every kind of layer shares the server's one response path
/// (cache, ETag, gzip, 204) through this.
pub trait StoredTileSource: Send + Sync {
    /// The tile, decompressed; `None` or empty when there is none.
    fn tile(&self, coord: TileCoord) -> Result<Option<Vec<u8>>, StoredTileError>;
}

impl StoredTileSource for Archive {
    fn tile(&self, coord: TileCoord) -> Result<Option<Vec<u8>>, StoredTileError> {
        Archive::tile(self, coord).map_err(StoredTileError::Archive)
    }
}

/// Why a stored tile could not be had.
#[derive(Debug)]
pub enum StoredTileError {
    Archive(ArchiveError),
    Database(PgError),
}

impl StoredTileError {
    /// Worth retrying later (the database is down or busy): a 503, not a 500.
    pub fn unavailable(&self) -> bool {
        matches!(self, StoredTileError::Database(e) if e.unavailable)
    }
}

impl std::fmt::Display for StoredTileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoredTileError::Archive(e) => write!(f, "{e}"),
            StoredTileError::Database(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for StoredTileError {}

fn render_with(layers: &[TileLayer], coord: TileCoord, stored: &[Option<Vec<u8>>]) -> EncodedTile {
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

/// What the tiler reads of one layer: its name and fields, its features' ids and attributes
/// (recomputed under a filter, and which features the filter leaves), its geometry and
/// pyramid, how its points cluster at low zooms, or the source (archive, database) whose
/// tiles it serves as they are. `dataset` builds it for each request.
#[derive(Clone, Copy)]
pub struct TileLayer<'a> {
    pub name: &'a str,
    pub fields: &'a [Field],
    pub features: &'a [Feature],
    pub kinds: &'a [GeomKind],
    pub shapes: &'a Shapes,
    pub index: &'a TileIndex,
    /// Attributes under the request's filter, when they differ from the features' own.
    pub props: Option<&'a [Box<[Value]>]>,
    /// The features' own attributes, when they are read from rows instead of held.
    pub lazy: Option<&'a dyn Attributes>,
    /// Which features the request's filter leaves.
    pub visible: Option<&'a [bool]>,
    /// Point layers: how points merge below `ClusterRules::maxzoom`.
    pub cluster: Option<ClusterRules>,
    /// Point layers: what clustering reads of each point, for the features' own attributes.
    pub cluster_columns: Option<&'a cluster::ClusterColumns>,
    /// Archive and database layers: tiles made elsewhere, served within `zooms`.
    pub stored: Option<StoredTiles<'a>>,
}

/// Tiles made elsewhere, served as they are within a zoom range.
#[derive(Clone, Copy)]
pub struct StoredTiles<'a> {
    pub source: &'a dyn StoredTileSource,
    pub zooms: (u8, u8),
}

impl TileLayer<'_> {
    /// The attributes of feature `i` under the request's filter.
    pub fn attributes(&self, i: usize) -> Cow<'_, [Value]> {
        match (self.props, self.lazy) {
            (Some(p), _) => Cow::Borrowed(&p[i]),
            (None, Some(lazy)) => Cow::Owned(lazy.values(i)),
            (None, None) => Cow::Borrowed(&self.features[i].props),
        }
    }

    /// Feature `i`'s value of field `k` under the request's filter.
    pub fn value(&self, i: usize, k: usize) -> Option<Cow<'_, Value>> {
        match (self.props, self.lazy) {
            (Some(p), _) => p[i].get(k).map(Cow::Borrowed),
            (None, Some(lazy)) => (k < lazy.width()).then(|| Cow::Owned(lazy.value(i, k))),
            (None, None) => self.features[i].props.get(k).map(Cow::Borrowed),
        }
    }
}

/// Whether `layer` holds only points and more than [`MAX_TILE_POINTS`] of them (visible under
/// the filter) fall in the tile's buffered area.
fn crowded_points(layer: &TileLayer, coord: TileCoord) -> bool {
    if layer.kinds.is_empty() || !layer.kinds.iter().all(|k| *k == GeomKind::Point) {
        return false;
    }
    let Some(node) = layer.index.source_for(coord) else {
        return false;
    };
    let bbox = tile_bbox(coord, BUFFER as f64 / EXTENT as f64);
    let mut count = 0;
    for (shapes, piece) in node.pieces(layer.shapes) {
        if layer.visible.is_some_and(|v| !v[piece.feature as usize])
            || !shapes.piece_bbox(piece).intersects(&bbox)
        {
            continue;
        }
        for part in shapes.parts_of(piece) {
            count += shapes.xy[part.range()]
                .iter()
                .filter(|p| {
                    p[0] >= bbox.min_x
                        && p[0] <= bbox.max_x
                        && p[1] >= bbox.min_y
                        && p[1] <= bbox.max_y
                })
                .count();
        }
        if count > MAX_TILE_POINTS {
            return true;
        }
    }
    false
}

fn encode_layers(
    layers: &[TileLayer],
    stored: &[Option<Vec<u8>>],
    coord: TileCoord,
    detail: cut::Detail,
    scratch: &mut cut::CutScratch,
    sizes: &mut Vec<f64>,
) -> Vec<u8> {
    let mut tile = Vec::new();
    for (i, layer) in layers.iter().enumerate() {
        if layer.stored.is_some() {
            if let Some(Some(bytes)) = stored.get(i) {
                tile.extend_from_slice(bytes);
            }
            continue;
        }
        let visible = layer.visible;
        let attributes = |feature: usize| layer.attributes(feature);
        let names = || layer.fields.iter().map(|f| f.name.as_str());
        // Declared before the encoder, which borrows the clusters' attributes.
        let clusters = layer
            .cluster
            .filter(|rules| coord.z < rules.maxzoom)
            .or_else(|| crowded_points(layer, coord).then(|| layer.cluster.unwrap_or_default()))
            .map(|rules| cluster::cluster(layer, &rules, coord));
        let mut enc = encode::LayerEncoder::new(layer.name, EXTENT);
        if let Some(clusters) = &clusters {
            for c in &clusters.items {
                match c {
                    cluster::Item::Single { feature, geometry } => {
                        enc.add_feature(
                            layer.features[*feature].id,
                            GeomKind::Point,
                            names().zip(attributes(*feature).iter()),
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
                        names().zip(attributes(feature).iter()),
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
