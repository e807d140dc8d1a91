//! PMTiles v3 output through the `pmtiles` crate's writer: one file that MapLibre reads
//! straight from a static host or object storage with HTTP range requests; and a raster
//! layer's pictures copied into one for the static site.

use std::fs::File;
use std::path::{Path, PathBuf};

use pmtiles::{Compression, PmTilesStreamWriter, PmTilesWriter, TileType};

use super::{ExportError, Plan, TileSink};
use crate::dataset::RasterLayer;
use crate::geometry::TileCoord;
use crate::geometry::projection::project;
use crate::source::archive::{TileFormat, pmtiles_tile_id};

/// Writes the archive at a staging path; `export` moves it into place when complete.
pub struct PmtilesSink {
    writer: PmTilesStreamWriter<File>,
    partial: PathBuf,
}

impl PmtilesSink {
    pub fn create(out: &Path, plan: &Plan) -> Result<PmtilesSink, ExportError> {
        let partial = out.to_path_buf();
        let file = File::create(&partial).map_err(|e| ExportError::io(&partial, "create", e))?;
        let m = &plan.metadata;
        let bounds = |i: usize| m["bounds"][i].as_f64().unwrap_or(0.0);
        let center = |i: usize| m["center"][i].as_f64().unwrap_or(0.0);
        let writer = PmTilesWriter::new(TileType::Mvt)
            .precompressed(Compression::Gzip)
            .internal_compression(Compression::Gzip)
            .min_zoom(plan.minzoom)
            .max_zoom(plan.maxzoom)
            .bounds(bounds(0), bounds(1), bounds(2), bounds(3))
            .center(center(0), center(1))
            .center_zoom(center(2) as u8)
            .metadata(m.to_string())
            .create(file)
            .map_err(|e| ExportError::io(&partial, "start the archive", e))?;
        Ok(PmtilesSink { writer, partial })
    }
}

impl TileSink for PmtilesSink {
    fn add(&mut self, coord: TileCoord, gzip: &[u8]) -> Result<(), ExportError> {
        let c = pmtiles::TileCoord::new(coord.z, coord.x, coord.y)
            .map_err(|e| ExportError(format!("tile {coord}: {e}")))?;
        self.writer
            .add_tile(c, gzip)
            .map_err(|e| ExportError::io(&self.partial, format!("write tile {coord}").as_str(), e))
    }

    fn finish(self: Box<Self>) -> Result<(), ExportError> {
        let PmtilesSink { writer, partial } = *self;
        writer
            .finalize()
            .map_err(|e| ExportError::io(&partial, "finish the archive", e))
    }
}

/// A raster layer's pictures copied into a PMTiles archive at `out` as they are (PNG, JPEG or
/// WebP, uncompressed in the archive's sense), every tile of its box and zooms, in tile-id
/// order; the archive's metadata is the layer's TileJSON without URLs. Returns the tile count.
pub fn write_raster(raster: &RasterLayer, out: &Path) -> Result<u64, ExportError> {
    let tile_type = match raster.format() {
        TileFormat::Png => TileType::Png,
        TileFormat::Jpeg => TileType::Jpeg,
        TileFormat::Webp => TileType::Webp,
        TileFormat::Mvt => {
            return Err(ExportError(format!(
                "layer '{}' holds vector tiles, not pictures",
                raster.id
            )));
        }
    };
    let [w, s, e, n] = raster.bounds;
    let mut meta = raster.tilejson("", "");
    if let Some(m) = meta.as_object_mut() {
        m.remove("tiles");
        m.remove("version");
    }
    let file = File::create(out).map_err(|e| ExportError::io(out, "create", e))?;
    let mut writer = PmTilesWriter::new(tile_type)
        .internal_compression(Compression::Gzip)
        .min_zoom(raster.minzoom)
        .max_zoom(raster.maxzoom)
        .bounds(w, s, e, n)
        .center((w + e) / 2.0, (s + n) / 2.0)
        .center_zoom(raster.minzoom.max(raster.maxzoom.min(5)))
        .metadata(meta.to_string())
        .create(file)
        .map_err(|e| ExportError::io(out, "start the archive", e))?;
    let mut coords = Vec::new();
    let [min_x, min_y] = project([w, n]);
    let [max_x, max_y] = project([e, s]);
    for z in raster.minzoom..=raster.maxzoom {
        let last = (1u64 << z) - 1;
        let n = (1u64 << z) as f64;
        let at = |v: f64| ((v * n).floor().max(0.0) as u64).min(last) as u32;
        for x in at(min_x)..=at(max_x) {
            for y in at(min_y)..=at(max_y) {
                coords.push(TileCoord { z, x, y });
            }
        }
    }
    coords.sort_by_key(|c| pmtiles_tile_id(*c));
    let mut count = 0;
    for coord in coords {
        let picture = raster
            .archive
            .tile(coord)
            .map_err(|e| ExportError(format!("layer '{}': {e}", raster.id)))?;
        let Some(bytes) = picture.filter(|b| !b.is_empty()) else {
            continue;
        };
        let c = pmtiles::TileCoord::new(coord.z, coord.x, coord.y)
            .map_err(|e| ExportError(format!("tile {coord}: {e}")))?;
        writer
            .add_tile(c, &bytes)
            .map_err(|e| ExportError::io(out, format!("write tile {coord}").as_str(), e))?;
        count += 1;
    }
    writer
        .finalize()
        .map_err(|e| ExportError::io(out, "finish the archive", e))?;
    Ok(count)
}
