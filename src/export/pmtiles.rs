//! PMTiles v3 output through the `pmtiles` crate's writer: one file that MapLibre reads
//! straight from a static host or object storage with HTTP range requests.

use std::fs::File;
use std::path::{Path, PathBuf};

use pmtiles::{Compression, PmTilesStreamWriter, PmTilesWriter, TileType};

use super::{ExportError, Plan, TileSink};
use crate::geometry::TileCoord;

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
