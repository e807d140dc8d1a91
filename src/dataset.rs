//! The immutable snapshot that every request reads: layers with typed schemas, stable feature
//! ids, projected geometry, a tile pyramid, bounds, and a content-derived version (the ETag).
//!
//! A snapshot is built completely before it is published, so a request never sees half-loaded
//! data; a reload builds a new one and swaps it in.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;

use std::collections::BTreeSet;

use crate::config::{self, Catalog, DEFAULT_MAXZOOM, FilterKind, LayerConfig, TableConfig};
use crate::error::{LoadError, LoadErrors, display_path};
use crate::geometry::{BBox, GeomKind, Part, Shapes};
use crate::join::claims::Claims;
use crate::join::filter::Filter;
use crate::join::{self, LayerJoin, Target};
use crate::source::archive::{Archive, ArchiveFormat};
use crate::source::{self, RawFeature, RawId, RawLayer};
use crate::tile::index::{IndexOptions, TileIndex};
use crate::tile::projection::{project, unproject};
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
    /// Problems found while loading that did not stop it (see `borderland check`).
    pub warnings: Vec<String>,
    /// Number of fields that come from the layer's own file (joined fields follow).
    pub base_fields: usize,
    /// Tables joined onto the features.
    pub joins: Vec<LayerJoin>,
    /// For a point layer made from a table: the table and the row of each feature.
    pub rows: Option<PointRows>,
    /// Query filters the layer accepts.
    pub filters: BTreeSet<FilterKind>,
    /// Points are clustered below this zoom.
    pub cluster_maxzoom: u8,
    pub note: Option<String>,
    /// For a layer read from a PMTiles or MBTiles file: the archive, whose stored tiles are
    /// served as they are (the layer then has no features of its own).
    pub archive: Option<Arc<Archive>>,
}

/// The rows behind a point layer made from a claim table.
#[derive(Debug)]
pub struct PointRows {
    pub claims: Arc<Claims>,
    pub row_of_feature: Vec<u32>,
}

/// A layer's attributes and visible features under a filter.
#[derive(Debug, Default)]
pub struct FilteredLayer {
    /// Recomputed attributes (joined layers).
    pub props: Option<Vec<Box<[Value]>>>,
    /// Which features pass (point layers made from tables).
    pub visible: Option<Vec<bool>>,
}

impl Layer {
    /// Attribution strings: the layer's own, then every claim table's (or its sources).
    pub fn attributions(&self) -> Vec<String> {
        let mut out: Vec<String> = self.attribution.iter().cloned().collect();
        let tables = self
            .joins
            .iter()
            .map(|j| &j.claims)
            .chain(self.rows.iter().map(|r| &r.claims));
        for claims in tables {
            let text = match &claims.attribution {
                Some(a) => a.clone(),
                None => format!(
                    "Claims: {}",
                    claims
                        .sources()
                        .iter()
                        .map(|s| s.as_ref())
                        .collect::<Vec<_>>()
                        .join("; ")
                ),
            };
            if !out.contains(&text) {
                out.push(text);
            }
        }
        out
    }

    /// Join a claim table onto this layer's features, adding its attributes.
    pub fn add_join(
        &mut self,
        claims: Arc<Claims>,
        prefix: &str,
        keys: &[String],
        aliases: &std::collections::BTreeMap<String, String>,
    ) {
        let join = {
            let target = Target {
                layer_id: &self.id,
                fields: &self.fields,
                props: self.features.iter().map(|f| &f.props[..]).collect(),
                shapes: &self.shapes,
                kinds: &self.kinds,
                keys,
                aliases,
            };
            join::join(&target, claims, prefix)
        };
        let all = Filter::default();
        for (i, feature) in self.features.iter_mut().enumerate() {
            let mut props = std::mem::take(&mut feature.props).into_vec();
            props.extend(join.values(i, &all));
            feature.props = props.into_boxed_slice();
        }
        self.fields.extend(join.fields());
        self.joins.push(join);
    }

    /// Attributes and visibility under `filter` (computed, not cached: see [`Dataset::filtered`]).
    pub fn filtered(&self, filter: &Filter) -> FilteredLayer {
        let props = (!self.joins.is_empty()).then(|| {
            (0..self.features.len())
                .map(|i| {
                    let mut p: Vec<Value> = self.features[i].props[..self.base_fields].to_vec();
                    for j in &self.joins {
                        p.extend(j.values(i, filter));
                    }
                    p.into_boxed_slice()
                })
                .collect()
        });
        let visible = self.rows.as_ref().map(|rows| {
            rows.row_of_feature
                .iter()
                .map(|&r| filter.matches(&rows.claims.rows[r as usize], true))
                .collect()
        });
        FilteredLayer { props, visible }
    }

    /// `[west, south, east, north]` in degrees.
    pub fn bounds(&self) -> [f64; 4] {
        lonlat_bounds(&self.bbox)
    }

    /// The geometry type name for the catalog: `polygon`, `line`, `point`, or `mixed`.
    pub fn geometry_type(&self) -> &'static str {
        if self.archive.is_some() {
            return "archive";
        }
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
    /// Claim tables by id.
    pub tables: Vec<Arc<Claims>>,
    /// Filtered views, computed once per (layer, filter).
    views: std::sync::Mutex<HashMap<(String, String), Arc<FilteredLayer>>>,
}

/// How many filtered views a dataset keeps before it starts again.
const MAX_VIEWS: usize = 64;

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
                if let Ok(text) = std::fs::read_to_string(path)
                    && let Ok(catalog) = config::parse_catalog(path, &text)
                {
                    let dir = path.parent().unwrap_or(Path::new("."));
                    let layer_files = catalog
                        .layers
                        .iter()
                        .filter_map(|l| l.get_ref().file.as_ref());
                    let table_files = catalog.tables.iter().map(|t| &t.get_ref().file);
                    files.extend(
                        layer_files
                            .chain(table_files)
                            .map(|f| dir.join(f.get_ref())),
                    );
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

    /// A layer's attributes and visibility under `filter`; `None` when the filter is empty.
    pub fn filtered(&self, layer: &Layer, filter: &Filter) -> Option<Arc<FilteredLayer>> {
        if filter.is_empty() || (layer.joins.is_empty() && layer.rows.is_none()) {
            return None;
        }
        let key = (layer.id.clone(), filter.canonical());
        if let Some(v) = self.views.lock().ok().and_then(|m| m.get(&key).cloned()) {
            return Some(v);
        }
        let view = Arc::new(layer.filtered(filter));
        if let Ok(mut m) = self.views.lock() {
            if m.len() >= MAX_VIEWS {
                m.clear();
            }
            m.insert(key, Arc::clone(&view));
        }
        Some(view)
    }

    /// Log what loaded with problems. Unmatched rows are reported, never dropped silently; the
    /// log shows the first few of each kind and `borderland check` lists them all.
    fn log_problems(&self) {
        for layer in &self.layers {
            for w in layer.warnings.iter().take(10) {
                tracing::warn!("{}: {w}", layer.file);
            }
        }
        for report in self.join_reports() {
            for u in report.unmatched.iter().take(10) {
                tracing::warn!(
                    "{} {u} (table '{}' joined to layer '{}')",
                    report.file,
                    report.table,
                    report.layer
                );
            }
            if report.unmatched.len() > 10 {
                tracing::warn!(
                    "{}: {} more unmatched row(s); run `borderland check` for the full list",
                    report.file,
                    report.unmatched.len() - 10
                );
            }
        }
    }

    /// Every join's report, for `check` and the catalog.
    pub fn join_reports(&self) -> Vec<&join::JoinReport> {
        self.layers
            .iter()
            .flat_map(|l| l.joins.iter().map(|j| &j.report))
            .collect()
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
        let mut errors = Vec::new();
        let line_of = |offset: usize| {
            LoadError::new(path, "")
                .at_offset(&text, offset)
                .line
                .unwrap_or(0)
        };
        let missing = |file: &Path, e: std::io::Error, what: &str, id: &str, offset: usize| {
            let mut err = LoadError::io(file, e);
            err.message = format!(
                "{} (named by {what} '{id}' in {} line {})",
                err.message,
                display_path(path),
                line_of(offset)
            );
            err
        };

        let mut tables: Vec<Arc<Claims>> = Vec::new();
        for spanned in &catalog.tables {
            let cfg = spanned.get_ref();
            let file = dir.join(cfg.file.get_ref());
            match std::fs::read(&file) {
                Ok(bytes) => {
                    hasher.add(&bytes);
                    match load_claims(cfg, &file, &bytes) {
                        Ok(c) => tables.push(Arc::new(c)),
                        Err(e) => errors.push(e),
                    }
                }
                Err(e) => errors.push(missing(&file, e, "table", &cfg.id, cfg.file.span().start)),
            }
        }
        let table = |id: &str| tables.iter().find(|t| t.id == id).cloned();

        let mut layers = Vec::new();
        for spanned in &catalog.layers {
            let cfg = spanned.get_ref();
            let built = match (&cfg.file, &cfg.table) {
                (Some(f), _) if ArchiveFormat::of_path(f.get_ref()).is_some() => {
                    let file = dir.join(f.get_ref());
                    archive_layer(cfg, &file, &mut hasher)
                }
                (Some(f), _) => {
                    let file = dir.join(f.get_ref());
                    match std::fs::read(&file) {
                        Ok(bytes) => {
                            hasher.add(&bytes);
                            build_layer(cfg, &file, bytes)
                        }
                        Err(e) => Err(missing(&file, e, "layer", &cfg.id, f.span().start)),
                    }
                }
                (None, Some(t)) => match table(t) {
                    Some(claims) => points_layer(cfg, claims),
                    // The table's own error is already reported.
                    None => continue,
                },
                (None, None) => continue,
            };
            let mut layer = match built {
                Ok(l) => l,
                Err(e) => {
                    errors.push(e);
                    continue;
                }
            };
            for j in &cfg.joins {
                if let Some(claims) = table(&j.table) {
                    let prefix = j.prefix.clone().unwrap_or_else(|| j.table.clone());
                    layer.add_join(claims, &prefix, &cfg.keys, &cfg.aliases);
                }
            }
            let labels = cfg
                .labels
                .as_ref()
                .map(|id| crate::label::label_layer(cfg, &layer, id));
            layers.push(Arc::new(layer));
            match labels {
                Some(Ok(l)) => layers.push(Arc::new(l)),
                Some(Err(e)) => errors.push(e),
                None => {}
            }
        }
        if !errors.is_empty() {
            return Err(LoadErrors(errors));
        }
        let dataset = Dataset {
            title: catalog.title,
            description: catalog.description,
            attribution: catalog.attribution,
            layers,
            version: hasher.finish(),
            origin: Origin::Catalog(path.to_path_buf()),
            tables,
            views: Default::default(),
        };
        dataset.log_problems();
        Ok(dataset)
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
            if ArchiveFormat::of_path(file).is_some() {
                match archive_layer(&cfg, file, &mut hasher) {
                    Ok(layer) => layers.push(Arc::new(layer)),
                    Err(e) => errors.push(e),
                }
                continue;
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
        let dataset = Dataset {
            title: "borderland".into(),
            description: String::new(),
            attribution: None,
            layers,
            version: hasher.finish(),
            origin: Origin::Files(files.to_vec()),
            tables: Vec::new(),
            views: Default::default(),
        };
        dataset.log_problems();
        Ok(dataset)
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
        warnings,
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
        warnings,
        base_fields: 0,
        joins: Vec::new(),
        rows: None,
        filters: cfg.filters.iter().copied().collect(),
        cluster_maxzoom: cfg.cluster_maxzoom.unwrap_or(0),
        note: cfg.note.clone(),
        archive: None,
    })
    .map(|mut l| {
        l.base_fields = l.fields.len();
        l
    })
}

/// A layer served from a PMTiles or MBTiles archive: no features of its own; zooms, bounds
/// and attribution come from the archive unless the catalog sets them. Only the archive's
/// header and metadata go into the data version, so a large basemap is not read at load.
pub fn archive_layer(
    cfg: &LayerConfig,
    file: &Path,
    hasher: &mut ContentHash,
) -> Result<Layer, LoadError> {
    let archive = Archive::open(file)?;
    hasher.add(&archive.fingerprint);
    let meta = &archive.metadata;
    let [w, s, e, n] = meta.bounds;
    let mut bbox = BBox::EMPTY;
    bbox.extend(project([w, n]));
    bbox.extend(project([e, s]));
    let shapes = Arc::new(Shapes::default());
    let index = TileIndex::build(&shapes, &[], &IndexOptions::default());
    Ok(Layer {
        id: cfg.id.clone(),
        title: cfg
            .title
            .clone()
            .or_else(|| meta.name.clone())
            .unwrap_or_else(|| cfg.id.clone()),
        description: if cfg.description.is_empty() {
            meta.description.clone().unwrap_or_default()
        } else {
            cfg.description.clone()
        },
        attribution: cfg.attribution.clone().or_else(|| meta.attribution.clone()),
        license: cfg.license.clone(),
        file: display_path(file),
        minzoom: cfg.minzoom.unwrap_or(meta.minzoom),
        maxzoom: cfg.maxzoom.unwrap_or(meta.maxzoom),
        fields: Vec::new(),
        features: Vec::new(),
        kinds: Vec::new(),
        shapes,
        index,
        bbox,
        skipped_empty: 0,
        warnings: Vec::new(),
        base_fields: 0,
        joins: Vec::new(),
        rows: None,
        filters: Default::default(),
        cluster_maxzoom: 0,
        note: cfg.note.clone(),
        archive: Some(Arc::new(archive)),
    })
}

/// Read, type and check a claim table.
pub fn load_claims(cfg: &TableConfig, file: &Path, bytes: &[u8]) -> Result<Claims, LoadError> {
    let text = source::read_table(file, bytes)?;
    let table = crate::table::type_columns(text, &cfg.columns)?;
    Claims::new(cfg, table)
}

/// The attributes every point layer made from a table has, whatever its columns.
const ROLE_FIELDS: &[&str] = &[
    "group",
    "event_type",
    "date",
    "date_days",
    "date_end_days",
    "fatalities",
    "claim",
    "area",
    "source",
    "citation",
    "source_url",
    "report_date",
];

/// A point layer of the rows of a claim table that have coordinates. Attributes: the roles
/// under fixed names (`group`, `date`, `date_days`, `fatalities`, `source`, ...) so styles work
/// on any table, then the table's other columns.
pub fn points_layer(cfg: &LayerConfig, claims: Arc<Claims>) -> Result<Layer, LoadError> {
    let mut raw = RawLayer::default();
    let mut row_of_feature = Vec::new();
    let text = |v: &Option<Arc<str>>| v.clone().map(Value::String).unwrap_or(Value::Null);
    for (r, row) in claims.rows.iter().enumerate() {
        let Some(point) = row.point else { continue };
        let mut props: Vec<(u32, Value)> = Vec::new();
        let mut put = |raw: &mut RawLayer, k: &str, v: Value| {
            let k = raw.key(k);
            props.push((k, v));
        };
        put(&mut raw, "group", text(&row.group));
        put(&mut raw, "event_type", text(&row.event_type));
        put(
            &mut raw,
            "date",
            row.date
                .map(|d| Value::String(d.to_string().into()))
                .unwrap_or(Value::Null),
        );
        put(
            &mut raw,
            "date_days",
            row.date
                .map(|d| Value::Int(d.first as i64))
                .unwrap_or(Value::Null),
        );
        put(
            &mut raw,
            "date_end_days",
            row.date
                .map(|d| Value::Int(d.last as i64))
                .unwrap_or(Value::Null),
        );
        put(
            &mut raw,
            "fatalities",
            row.fatalities.map(Value::Int).unwrap_or(Value::Null),
        );
        put(&mut raw, "claim", text(&row.claim));
        put(&mut raw, "area", text(&row.key));
        put(&mut raw, "source", Value::String(row.source.clone()));
        put(&mut raw, "citation", text(&row.citation));
        put(&mut raw, "source_url", text(&row.source_url));
        put(
            &mut raw,
            "report_date",
            match row.report_date {
                Some(d) => Value::String(d.to_string().into()),
                None if claims.missing_report_date.is_some() => Value::String("not stated".into()),
                None => Value::Null,
            },
        );
        for (c, col) in claims.table.columns.iter().enumerate() {
            // Checked against the role names, not the keys seen so far: those include this
            // column itself from the first row on, which left later rows without it.
            if !claims.role_columns.contains(&c) && !ROLE_FIELDS.contains(&col.name.as_str()) {
                put(
                    &mut raw,
                    &col.name,
                    claims.table.rows[r].cells[c].to_value(),
                );
            }
        }
        let feature = raw.features.len() as u32;
        let first = raw.shapes.parts.len();
        raw.shapes.push_part(&[project(point)], &[KEEP], false);
        raw.shapes.finish_piece(feature, first);
        raw.features.push(RawFeature {
            id: Some(RawId::Int(row.id)),
            props,
            kind: GeomKind::Point,
            index: row.line,
        });
        row_of_feature.push(r as u32);
    }
    let mut layer = layer_from_raw(cfg, Path::new(&claims.table.file), raw)?;
    if layer.description.is_empty() {
        layer.description = claims.description.clone();
    }
    if layer.license.is_none() {
        layer.license = claims.license.clone();
    }
    layer.cluster_maxzoom = cfg.cluster_maxzoom.unwrap_or(8);
    layer.rows = Some(PointRows {
        claims,
        row_of_feature,
    });
    Ok(layer)
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
