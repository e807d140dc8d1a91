//! The immutable snapshot that every request reads: layers with typed schemas, stable feature
//! ids, projected geometry, a tile pyramid, bounds, and a content-derived version (the ETag).
//!
//! A snapshot is built completely before it is published, so a request never sees half-loaded
//! data; a reload builds a new one and swaps it in.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;

use crate::config::{self, Catalog, DEFAULT_MAXZOOM, LayerConfig};
use crate::error::{LoadError, LoadErrors, display_path};
use crate::geometry::{BBox, GeomKind, Part, Shapes};
use crate::source::{self, RawId, RawLayer};
use crate::tile::index::{IndexOptions, TileIndex};
use crate::tile::projection::unproject;
use crate::tile::simplify::{KEEP, line_importance, ring_importance};

/// A typed attribute value.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    String(Arc<str>),
}

impl Value {
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => (*b).into(),
            Value::Int(i) => (*i).into(),
            Value::Float(f) => serde_json::Number::from_f64(*f)
                .map(Into::into)
                .unwrap_or(serde_json::Value::Null),
            Value::String(s) => s.as_ref().into(),
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    fn kind(&self) -> Option<FieldType> {
        match self {
            Value::Null => None,
            Value::Bool(_) => Some(FieldType::Boolean),
            Value::Int(_) => Some(FieldType::Integer),
            Value::Float(_) => Some(FieldType::Float),
            Value::String(_) => Some(FieldType::String),
        }
    }

    /// Convert to a field's type (integers widen to floats; anything else becomes text).
    fn coerce(self, to: FieldType) -> Value {
        match (self, to) {
            (Value::Null, _) => Value::Null,
            (Value::Int(i), FieldType::Float) => Value::Float(i as f64),
            (v, t) if v.kind() == Some(t) => v,
            (v, _) => Value::String(match v {
                Value::Bool(b) => b.to_string().into(),
                Value::Int(i) => i.to_string().into(),
                Value::Float(f) => f.to_string().into(),
                Value::String(s) => s,
                Value::Null => unreachable!("handled above"),
            }),
        }
    }
}

/// Attribute types kept from the source.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FieldType {
    String,
    Integer,
    Float,
    Boolean,
}

impl FieldType {
    /// The TileJSON `vector_layers` convention (as tippecanoe and Martin write it).
    pub fn tilejson_name(self) -> &'static str {
        match self {
            FieldType::String => "String",
            FieldType::Integer | FieldType::Float => "Number",
            FieldType::Boolean => "Boolean",
        }
    }

    fn union(a: Option<FieldType>, b: FieldType) -> FieldType {
        match (a, b) {
            (None, b) => b,
            (Some(a), b) if a == b => a,
            (Some(FieldType::Integer), FieldType::Float)
            | (Some(FieldType::Float), FieldType::Integer) => FieldType::Float,
            _ => FieldType::String,
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Field {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: FieldType,
}

/// One feature's identity and attributes; its geometry lives in the layer's [`Shapes`].
#[derive(Clone, Debug)]
pub struct Feature {
    /// Stable id: the same at every zoom, in tiles and in feature downloads.
    pub id: u64,
    pub kind: GeomKind,
    /// Values aligned with the layer's fields.
    pub props: Box<[Value]>,
}

/// A layer ready to serve.
#[derive(Debug)]
pub struct Layer {
    pub id: String,
    pub title: String,
    pub description: String,
    pub attribution: Option<String>,
    pub license: Option<String>,
    pub file: String,
    pub minzoom: u8,
    pub maxzoom: u8,
    pub fields: Vec<Field>,
    pub features: Vec<Feature>,
    pub kinds: Vec<GeomKind>,
    pub shapes: Arc<Shapes>,
    pub index: TileIndex,
    /// Projected bounds of all geometry.
    pub bbox: BBox,
    /// Features skipped because their geometry was null or empty.
    pub skipped_empty: usize,
}

impl Layer {
    /// `[west, south, east, north]` in degrees.
    pub fn bounds(&self) -> [f64; 4] {
        lonlat_bounds(&self.bbox)
    }

    /// The geometry type name for the catalog: `polygon`, `line`, `point`, or `mixed`.
    pub fn geometry_type(&self) -> &'static str {
        let mut kinds = self.kinds.iter();
        match kinds.next() {
            None => "none",
            Some(first) if kinds.all(|k| k == first) => first.name(),
            Some(_) => "mixed",
        }
    }

    /// The attributes of feature `i` as (name, value) pairs.
    pub fn props(&self, i: usize) -> impl Iterator<Item = (&str, &Value)> {
        self.fields
            .iter()
            .map(|f| f.name.as_str())
            .zip(self.features[i].props.iter())
    }

    pub fn field_index(&self, name: &str) -> Option<usize> {
        self.fields.iter().position(|f| f.name == name)
    }
}

/// `[west, south, east, north]` of a projected box.
pub fn lonlat_bounds(b: &BBox) -> [f64; 4] {
    if b.is_empty() {
        return [-180.0, -85.051_128_779_806_59, 180.0, 85.051_128_779_806_59];
    }
    let [w, n] = unproject([b.min_x, b.min_y]);
    let [e, s] = unproject([b.max_x, b.max_y]);
    [w, s, e, n]
}

/// Everything a server needs for one data version.
#[derive(Debug)]
pub struct Dataset {
    pub title: String,
    pub description: String,
    pub attribution: Option<String>,
    pub layers: Vec<Arc<Layer>>,
    /// Content hash of the catalog and every file: the ETag of everything served.
    pub version: String,
    /// Where the data came from, for messages and reload.
    pub origin: Origin,
}

/// What a dataset was loaded from.
#[derive(Clone, Debug)]
pub enum Origin {
    Catalog(PathBuf),
    Files(Vec<PathBuf>),
}

impl Origin {
    /// Every file whose change should trigger a reload.
    pub fn watched_files(&self) -> Vec<PathBuf> {
        match self {
            Origin::Files(files) => files.clone(),
            Origin::Catalog(path) => {
                let mut files = vec![path.clone()];
                if let Ok(text) = std::fs::read_to_string(path) {
                    if let Ok(catalog) = config::parse_catalog(path, &text) {
                        let dir = path.parent().unwrap_or(Path::new("."));
                        files.extend(
                            catalog
                                .layers
                                .iter()
                                .map(|l| dir.join(l.get_ref().file.get_ref())),
                        );
                    }
                }
                files
            }
        }
    }
}

impl Dataset {
    pub fn layer(&self, id: &str) -> Option<&Arc<Layer>> {
        self.layers.iter().find(|l| l.id == id)
    }

    /// Load whatever `origin` names.
    pub fn load(origin: &Origin) -> Result<Dataset, LoadErrors> {
        match origin {
            Origin::Catalog(path) => Dataset::from_catalog(path),
            Origin::Files(files) => Dataset::from_files(files),
        }
    }

    /// Load a catalog (`data/layers.toml`) and every file it names.
    pub fn from_catalog(path: &Path) -> Result<Dataset, LoadErrors> {
        let text = std::fs::read_to_string(path).map_err(|e| LoadError::io(path, e))?;
        let catalog: Catalog = config::parse_catalog(path, &text)?;
        let dir = path.parent().unwrap_or(Path::new("."));
        let mut hasher = ContentHash::default();
        hasher.add(text.as_bytes());
        let mut layers = Vec::new();
        let mut errors = Vec::new();
        for spanned in &catalog.layers {
            let cfg = spanned.get_ref();
            let file = dir.join(cfg.file.get_ref());
            match std::fs::read(&file) {
                Ok(bytes) => {
                    hasher.add(&bytes);
                    match build_layer(cfg, &file, bytes) {
                        Ok(layer) => layers.push(Arc::new(layer)),
                        Err(e) => errors.push(e),
                    }
                }
                Err(e) => {
                    let mut err = LoadError::io(&file, e);
                    err.message = format!(
                        "{} (named by layer '{}' in {} line {})",
                        err.message,
                        cfg.id,
                        display_path(path),
                        LoadError::new(path, "")
                            .at_offset(&text, cfg.file.span().start)
                            .line
                            .unwrap_or(0)
                    );
                    errors.push(err);
                }
            }
        }
        if !errors.is_empty() {
            return Err(LoadErrors(errors));
        }
        Ok(Dataset {
            title: catalog.title,
            description: catalog.description,
            attribution: catalog.attribution,
            layers,
            version: hasher.finish(),
            origin: Origin::Catalog(path.to_path_buf()),
        })
    }

    /// Serve files directly, one layer per file, named after the file.
    pub fn from_files(files: &[PathBuf]) -> Result<Dataset, LoadErrors> {
        let mut hasher = ContentHash::default();
        let mut layers: Vec<Arc<Layer>> = Vec::new();
        let mut errors = Vec::new();
        for file in files {
            let mut cfg = LayerConfig::for_file(file);
            let base = cfg.id.clone();
            let mut n = 2;
            while layers.iter().any(|l| l.id == cfg.id) {
                cfg.id = format!("{base}_{n}");
                n += 1;
            }
            match std::fs::read(file) {
                Ok(bytes) => {
                    hasher.add(&bytes);
                    match build_layer(&cfg, file, bytes) {
                        Ok(layer) => layers.push(Arc::new(layer)),
                        Err(e) => errors.push(e),
                    }
                }
                Err(e) => errors.push(LoadError::io(file, e)),
            }
        }
        if !errors.is_empty() {
            return Err(LoadErrors(errors));
        }
        Ok(Dataset {
            title: "borderland".into(),
            description: String::new(),
            attribution: None,
            layers,
            version: hasher.finish(),
            origin: Origin::Files(files.to_vec()),
        })
    }
}

/// Build one layer from a file's bytes (dropped once parsed, to keep peak memory low).
pub fn build_layer(cfg: &LayerConfig, file: &Path, bytes: Vec<u8>) -> Result<Layer, LoadError> {
    let ext = file
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    let raw = match ext.as_str() {
        "geojson" | "json" => source::read_geojson_bytes(file, &bytes)?,
        other => {
            return Err(LoadError::new(
                file,
                format!("unsupported file type '.{other}' (supported: .geojson, .json)"),
            ));
        }
    };
    drop(bytes);
    layer_from_raw(cfg, file, raw)
}

/// Type the attributes, assign ids, compute simplification and build the tile pyramid.
pub fn layer_from_raw(cfg: &LayerConfig, file: &Path, raw: RawLayer) -> Result<Layer, LoadError> {
    let RawLayer {
        keys,
        features: raw_features,
        mut shapes,
        skipped_empty,
        ..
    } = raw;

    // Schema: union of the types seen per key.
    let mut types: Vec<Option<FieldType>> = vec![None; keys.len()];
    for f in &raw_features {
        for (k, v) in &f.props {
            if let Some(t) = v.kind() {
                types[*k as usize] = Some(FieldType::union(types[*k as usize], t));
            }
        }
    }
    let fields: Vec<Field> = keys
        .iter()
        .zip(&types)
        .map(|(name, t)| Field {
            name: name.clone(),
            kind: t.unwrap_or(FieldType::String),
        })
        .collect();

    let id_field = match &cfg.id_property {
        Some(name) => Some(keys.iter().position(|k| k == name).ok_or_else(|| {
            LoadError::new(
                file,
                format!(
                    "layer '{}': id_property '{name}' is not a property of any feature (properties: {})",
                    cfg.id,
                    keys.join(", ")
                ),
            )
            .with_field("id_property")
        })?),
        None => None,
    };

    let mut features = Vec::with_capacity(raw_features.len());
    let mut kinds = Vec::with_capacity(raw_features.len());
    let mut seen_ids: HashMap<u64, usize> = HashMap::with_capacity(raw_features.len());
    for (i, f) in raw_features.into_iter().enumerate() {
        let mut props = vec![Value::Null; fields.len()].into_boxed_slice();
        for (k, v) in f.props {
            props[k as usize] = v.coerce(fields[k as usize].kind);
        }
        let id = match id_field {
            Some(k) => match &props[k] {
                Value::Int(n) if *n >= 0 => *n as u64,
                Value::Null => {
                    return Err(LoadError::new(
                        file,
                        format!(
                            "feature {} has no '{}', which is the layer's id_property",
                            f.index, fields[k].name
                        ),
                    )
                    .with_field(fields[k].name.clone()));
                }
                other => text_id(&value_text(other)),
            },
            None => match &f.id {
                Some(RawId::Int(n)) => *n,
                Some(RawId::Text(t)) => t.parse::<u64>().unwrap_or_else(|_| text_id(t)),
                None => i as u64 + 1,
            },
        };
        if let Some(prev) = seen_ids.insert(id, f.index) {
            return Err(LoadError::new(
                file,
                format!(
                    "features {prev} and {} have the same id {id}; ids must be unique (set id_property to a unique property)",
                    f.index
                ),
            ));
        }
        kinds.push(f.kind);
        features.push(Feature {
            id,
            kind: f.kind,
            props,
        });
    }

    compute_importance(&mut shapes, &kinds);
    let mut bbox = BBox::EMPTY;
    for p in &shapes.pieces {
        bbox.union(&p.bbox);
    }
    let shapes = Arc::new(shapes);
    let index = TileIndex::build(&shapes, &kinds, &IndexOptions::default());
    Ok(Layer {
        id: cfg.id.clone(),
        title: cfg.title.clone().unwrap_or_else(|| cfg.id.clone()),
        description: cfg.description.clone(),
        attribution: cfg.attribution.clone(),
        license: cfg.license.clone(),
        file: display_path(file),
        minzoom: cfg.minzoom.unwrap_or(0),
        maxzoom: cfg.maxzoom.unwrap_or(DEFAULT_MAXZOOM),
        fields,
        features,
        kinds,
        shapes,
        index,
        bbox,
        skipped_empty,
    })
}

/// Per-vertex importance: shared-arc aware for polygons, per line for lines.
fn compute_importance(shapes: &mut Shapes, kinds: &[GeomKind]) {
    let mut polygon_parts: Vec<Part> = Vec::new();
    let mut line_parts: Vec<Part> = Vec::new();
    let Shapes {
        pieces,
        parts,
        xy,
        importance,
    } = shapes;
    for piece in pieces.iter() {
        let piece_parts = &parts[piece.parts.start as usize..piece.parts.end as usize];
        match kinds[piece.feature as usize] {
            GeomKind::Polygon => polygon_parts.extend_from_slice(piece_parts),
            GeomKind::Line => line_parts.extend_from_slice(piece_parts),
            GeomKind::Point => {
                for p in piece_parts {
                    importance[p.range()].fill(KEEP);
                }
            }
        }
    }
    ring_importance(xy, &polygon_parts, importance);
    line_importance(xy, &line_parts, importance);
}

fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.to_string(),
        other => other.to_json().to_string(),
    }
}

/// A stable id for a text key: FNV-1a, cut to 53 bits so JavaScript clients keep it exact.
pub fn text_id(text: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.as_bytes() {
        h ^= *b as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h & ((1 << 53) - 1)
}

/// A fast content hash over 8-byte words, for data versions.
#[derive(Default)]
pub struct ContentHash {
    state: u64,
}

impl ContentHash {
    pub fn add(&mut self, bytes: &[u8]) {
        const K: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut h = self.state ^ (bytes.len() as u64).wrapping_mul(K);
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let w = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
            h = (h.rotate_left(5) ^ w).wrapping_mul(K);
        }
        for &b in chunks.remainder() {
            h = (h.rotate_left(5) ^ b as u64).wrapping_mul(K);
        }
        self.state = h;
    }

    pub fn finish(&self) -> String {
        let mut h = self.state;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        format!("{h:016x}")
    }
}
