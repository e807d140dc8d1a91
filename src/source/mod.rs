//! Readers that turn files into raw layers: features with untyped properties and projected
//! geometry. One file per format; the dataset builder types, indexes and joins what they return.

pub mod archive;
pub mod claims;
pub mod csv;
pub mod geojson;
pub mod gpkg;
pub mod json_table;
pub mod postgis;
pub mod postgis_prepared;
pub mod presets;
pub mod shapefile;
pub mod spreadsheet;
pub mod validate;
pub mod wkb;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::error::LoadError;
use crate::geometry::{GeomKind, Shapes, ring_area};
use crate::value::{FieldType, Value};

/// The files that belong to a layer file besides itself (a Shapefile's `.dbf`, `.prj` …, a
/// GeoPackage's write-ahead log), existing or not: what a reload watches and the data version
/// hashes along with the file.
pub fn companion_files(path: &Path) -> Vec<PathBuf> {
    let mut files = shapefile::sidecars(path);
    files.extend(gpkg::sidecars(path));
    files
}

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
    /// Types the source declares per key (a catalog's column types, a table's roles), kept
    /// for fields whose values are all null so one field has one type in every layer.
    pub declared: HashMap<u32, FieldType>,
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

/// One feature's geometry in longitude/latitude, as the readers that are not GeoJSON (WKB in
/// GeoPackages, Shapefile records) produce it. A collection may fill several kinds.
#[derive(Debug, Default)]
pub struct LonLatGeometry {
    /// Each polygon: its exterior ring, then its holes (rings closed or not).
    pub polygons: Vec<Vec<Vec<[f64; 2]>>>,
    pub lines: Vec<Vec<[f64; 2]>>,
    pub points: Vec<[f64; 2]>,
}

impl LonLatGeometry {
    pub fn is_empty(&self) -> bool {
        self.polygons.is_empty() && self.lines.is_empty() && self.points.is_empty()
    }
}

/// A longitude/latitude checked and projected, or why it cannot be.
fn project_checked([lon, lat]: [f64; 2]) -> Result<[f64; 2], String> {
    if !(-540.0..=540.0).contains(&lon) {
        return Err(format!(
            "longitude {lon} is outside -540..540 (is the data projected? reproject it: ogr2ogr -t_srs EPSG:4326 out.gpkg in.gpkg)"
        ));
    }
    if !(-90.0..=90.0).contains(&lat) {
        return Err(format!(
            "latitude {lat} is outside -90..90 (are longitude and latitude swapped?)"
        ));
    }
    Ok(crate::geometry::projection::project([lon, lat]))
}

impl RawLayer {
    /// Append a feature read from a format other than GeoJSON. It becomes one feature per kind
    /// of geometry it holds (polygons first, keeping `id`; lines, then points, with the same
    /// properties), as a GeoJSON GeometryCollection does. Rings are closed and wound as MVT
    /// wants; `index` is the feature's position in the file, for messages.
    pub fn push_lonlat(
        &mut self,
        id: Option<RawId>,
        props: Vec<(u32, Value)>,
        geometry: &LonLatGeometry,
        index: usize,
    ) -> Result<(), String> {
        // Per kind: each part's projected positions, and whether it is an exterior ring.
        type Parts = Vec<(Vec<[f64; 2]>, bool)>;
        let mut groups: Vec<(GeomKind, Parts)> = Vec::new();
        let mut polygon_parts = Vec::new();
        for (p, polygon) in geometry.polygons.iter().enumerate() {
            for (r, ring) in polygon.iter().enumerate() {
                let outer = r == 0;
                let mut xy = ring
                    .iter()
                    .map(|&q| project_checked(q))
                    .collect::<Result<Vec<_>, _>>()?;
                if xy.first() != xy.last() {
                    let first = xy[0];
                    xy.push(first);
                }
                if xy.len() < 4 {
                    if outer {
                        break;
                    }
                    continue;
                }
                geojson::unwrap_antimeridian(&mut xy);
                if xy.first() != xy.last() {
                    return Err(format!(
                        "polygon {p} ring {r} goes round the whole globe; split it at ±180"
                    ));
                }
                let area = ring_area(&xy);
                if area == 0.0 {
                    if outer {
                        break;
                    }
                    continue;
                }
                if (area < 0.0) == outer {
                    xy.reverse();
                }
                polygon_parts.push((xy, outer));
            }
        }
        if !polygon_parts.is_empty() {
            groups.push((GeomKind::Polygon, polygon_parts));
        }
        let mut line_parts = Vec::new();
        for line in &geometry.lines {
            let mut xy = line
                .iter()
                .map(|&q| project_checked(q))
                .collect::<Result<Vec<_>, _>>()?;
            if xy.len() >= 2 {
                geojson::unwrap_antimeridian(&mut xy);
                line_parts.push((xy, false));
            }
        }
        if !line_parts.is_empty() {
            groups.push((GeomKind::Line, line_parts));
        }
        let points = geometry
            .points
            .iter()
            .filter(|q| q[0].is_finite() && q[1].is_finite())
            .map(|&q| project_checked(q))
            .collect::<Result<Vec<_>, _>>()?;
        if !points.is_empty() {
            groups.push((GeomKind::Point, vec![(points, false)]));
        }
        if groups.is_empty() {
            self.skipped_empty += 1;
            return Ok(());
        }
        let mut id = id;
        let count = groups.len();
        let mut props = Some(props);
        for (n, (kind, parts)) in groups.into_iter().enumerate() {
            let feature = self.features.len() as u32;
            let first_part = self.shapes.parts.len();
            for (r, (xy, outer)) in parts.iter().enumerate() {
                if kind == GeomKind::Polygon
                    && self.warnings.len() < MAX_WARNINGS
                    && let Some(p) = validate::self_intersection(xy)
                {
                    let [lon, lat] = crate::geometry::projection::unproject(p);
                    self.warnings.push(format!(
                        "feature {index} (counting from 0): polygon ring {r} crosses itself near {lon:.5}, {lat:.5} (lon, lat); it is served, but fills may show holes",
                    ));
                }
                self.shapes.push_part(xy, &vec![0.0; xy.len()], *outer);
            }
            self.shapes.finish_piece(feature, first_part);
            let props = if n + 1 == count {
                props.take().unwrap_or_default()
            } else {
                props.clone().unwrap_or_default()
            };
            self.features.push(RawFeature {
                id: id.take(),
                props,
                kind,
                index,
            });
        }
        Ok(())
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
