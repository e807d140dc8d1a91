//! Readers that turn files into raw layers: features with untyped properties and projected
//! geometry. One file per format; the dataset builder types, indexes and joins what they return.

pub mod archive;
pub mod claims;
pub mod csv;
pub mod geojson;
pub mod json_table;
pub mod postgis;
pub mod presets;
pub mod spreadsheet;
pub mod validate;

use std::collections::HashMap;
use std::path::Path;

use crate::error::LoadError;
use crate::geometry::{GeomKind, Shapes};
use crate::value::Value;

/// Warnings kept per layer (the rest are counted in the last one).
pub const MAX_WARNINGS: usize = 100;

/// A feature id as written in the file.
#[derive(Clone, Debug, PartialEq)]
pub enum RawId {
    Int(u64),
    Text(String),
}

#[derive(Debug)]
pub struct RawFeature {
    pub id: Option<RawId>,
    /// Property key index (into [`RawLayer::keys`]) and value.
    pub props: Vec<(u32, Value)>,
    pub kind: GeomKind,
    /// Position of the feature in the file, counting features without geometry.
    pub index: usize,
}

/// What a reader produces: features, their property keys in order of first appearance, and
/// their geometry (pieces refer to features by index).
#[derive(Debug, Default)]
pub struct RawLayer {
    pub keys: Vec<String>,
    key_index: HashMap<String, u32>,
    pub features: Vec<RawFeature>,
    pub shapes: Shapes,
    /// Features whose geometry was null or empty; they are reported, not served.
    pub skipped_empty: usize,
    /// Problems that do not stop the layer from loading (rings that cross themselves).
    pub warnings: Vec<String>,
    scratch_xy: Vec<[f64; 2]>,
}

impl RawLayer {
    /// Intern a property key.
    pub fn key(&mut self, key: &str) -> u32 {
        if let Some(&k) = self.key_index.get(key) {
            return k;
        }
        let k = self.keys.len() as u32;
        self.keys.push(key.to_string());
        self.key_index.insert(key.to_string(), k);
        k
    }
}

/// Read a GeoJSON file.
pub fn read_geojson(path: &Path) -> Result<RawLayer, LoadError> {
    let bytes = std::fs::read(path).map_err(|e| LoadError::io(path, e))?;
    read_geojson_bytes(path, &bytes)
}

/// Parse GeoJSON bytes; `path` names the file in errors.
pub fn read_geojson_bytes(path: &Path, bytes: &[u8]) -> Result<RawLayer, LoadError> {
    let mut raw = RawLayer::default();
    // Roughly one position per 20 bytes of GeoJSON; unused capacity is never touched, so it
    // costs address space, not memory.
    raw.shapes.xy.reserve(bytes.len() / 16);
    raw.shapes.importance.reserve(bytes.len() / 16);
    geojson::read(bytes, &mut raw)
        .map_err(|e| LoadError::json(path, &e, raw.features.len() + raw.skipped_empty))?;
    raw.scratch_xy = Vec::new();
    Ok(raw)
}

/// Read a table file (CSV, TSV or a JSON array) into text rows.
pub fn read_table(path: &Path, bytes: &[u8]) -> Result<crate::table::TextTable, LoadError> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    match ext.as_str() {
        "csv" | "tsv" | "txt" => csv::read(path, bytes),
        "json" => json_table::read(path, bytes),
        "xlsx" | "xlsm" => spreadsheet::read(path, bytes, false),
        "ods" => spreadsheet::read(path, bytes, true),
        "xls" => Err(LoadError::new(
            path,
            "old Excel .xls files are not read; save the sheet as .xlsx (File → Save As → Excel Workbook) or as CSV UTF-8",
        )),
        other => Err(LoadError::new(
            path,
            format!(
                "unsupported table type '.{other}' (supported: .csv, .tsv, .xlsx, .ods, .json)"
            ),
        )),
    }
}
