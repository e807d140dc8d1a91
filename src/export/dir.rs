//! A folder of `{z}/{x}/{y}.mvt` files (gzip-compressed, as tippecanoe's
//! `--output-to-directory` writes them) with a `metadata.json`, for hosts that serve files
//! but not range requests. The host must send `Content-Encoding: gzip` for `.mvt` files.

use std::path::{Path, PathBuf};

use super::{ExportError, Plan, TileSink};
use crate::geometry::TileCoord;

/// The file every folder export writes, by which an old export is recognised for replacing.
pub const METADATA: &str = "metadata.json";

pub struct DirSink {
    root: PathBuf,
    metadata: serde_json::Value,
}

impl DirSink {
    pub fn create(out: &Path, plan: &Plan) -> Result<DirSink, ExportError> {
        std::fs::create_dir_all(out).map_err(|e| ExportError::io(out, "create the folder", e))?;
        let mut metadata = plan.metadata.clone();
        if let Some(m) = metadata.as_object_mut() {
            m.insert("tiles".into(), serde_json::json!(["{z}/{x}/{y}.mvt"]));
        }
        Ok(DirSink {
            root: out.to_path_buf(),
            metadata,
        })
    }
}

impl TileSink for DirSink {
    fn add(&mut self, c: TileCoord, gzip: &[u8]) -> Result<(), ExportError> {
        let dir = self.root.join(c.z.to_string()).join(c.x.to_string());
        std::fs::create_dir_all(&dir).map_err(|e| ExportError::io(&dir, "create the folder", e))?;
        let file = dir.join(format!("{}.mvt", c.y));
        std::fs::write(&file, gzip).map_err(|e| ExportError::io(&file, "write", e))
    }

    fn finish(self: Box<Self>) -> Result<(), ExportError> {
        let file = self.root.join(METADATA);
        let text = serde_json::to_string_pretty(&self.metadata)
            .map_err(|e| ExportError::io(&file, "write", e))?;
        std::fs::write(&file, text).map_err(|e| ExportError::io(&file, "write", e))
    }
}
