//! The immutable snapshot that every request reads: layers with typed schemas, stable feature
//! ids, projected geometry, a tile pyramid, bounds, and a content-derived version (the ETag).
//!
//! A snapshot is built completely before it is published, so a request never sees half-loaded
//! data; a reload builds a new one and swaps it in. One step a file: `layer` (the model),
//! `build` (files to layers), `points` (claim rows to a point layer), `labels`, `hash`,
//! `tile_view` (the narrow view the tiler reads), `tilejson`.

mod build;
mod hash;
pub mod intake;
mod labels;
mod layer;
mod points;
pub mod postgis;
pub mod raster;
pub mod styles;
mod tile_view;
pub mod tilejson;
pub mod words;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::config;
use crate::error::LoadErrors;
use crate::join;
use crate::join::filter::Filter;
use crate::source::claims::Claims;

pub use build::{archive_layer, build_layer, layer_from_raw};
pub use hash::ContentHash;
pub use layer::*;
pub use points::{load_claims, points_layer};
pub use raster::RasterLayer;
pub use styles::{Group, Style};
pub use tile_view::tile_layers;
pub use words::Words;

/// Everything a server needs for one data version.
#[derive(Debug)]
pub struct Dataset {
    pub title: String,
    pub description: String,
    pub attribution: Option<String>,
    pub layers: Vec<Arc<Layer>>,
    /// Layers of pictures (terrain), served as they are and drawn beneath `layers`.
    pub rasters: Vec<Arc<RasterLayer>>,
    /// Content hash of the catalog and every file: the ETag of everything served.
    pub version: String,
    /// Where the data came from, for messages and reload.
    pub origin: Origin,
    /// Claim tables by id.
    pub tables: Vec<Arc<Claims>>,
    /// The map's words (title, notes, credits), from the catalog.
    pub words: Words,
    /// Every group the claims name, with its label and colour.
    pub groups: Vec<Group>,
    /// The time slider's range: first and last day (`YYYY-MM-DD`), if anything is dated.
    pub time: Option<[String; 2]>,
    /// Styles served: generated from this data, then the catalog's style files.
    pub styles: Vec<Style>,
    /// Filtered views, computed once per (layer, filter).
    views: std::sync::Mutex<HashMap<(String, String), Arc<FilteredLayer>>>,
    /// What was inferred rather than declared (roles, date formats, joins), one line each,
    /// for the start-up log and `check`.
    pub inferred: Vec<String>,
    /// Loaded from files with no catalog: the choices made, to write out as a catalog.
    pub intake: Option<intake::Intake>,
    /// The catalog's `[[story]]` files (id and path), read and checked by `story`.
    pub story_files: Vec<StoryFile>,
}

/// A story the catalog names: its id and where its file is.
#[derive(Clone, Debug)]
pub struct StoryFile {
    pub id: String,
    pub path: PathBuf,
}

/// How many filtered views a dataset keeps before it starts again.
const MAX_VIEWS: usize = 64;

/// What a dataset was loaded from.
#[derive(Clone, Debug)]
pub enum Origin {
    Catalog(PathBuf),
    Files(Vec<PathBuf>),
    /// A database URL: every table and view with a geometry column.
    Postgis(String),
}

impl Origin {
    /// Every file whose change should trigger a reload.
    pub fn watched_files(&self) -> Vec<PathBuf> {
        match self {
            Origin::Files(files) => with_companions(files.clone()),
            Origin::Postgis(_) => Vec::new(),
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
                    let table_files = catalog
                        .tables
                        .iter()
                        .filter_map(|t| t.get_ref().file.as_ref());
                    let story_files = catalog.stories.iter().map(|s| &s.get_ref().file);
                    files.extend(
                        layer_files
                            .chain(table_files)
                            .chain(story_files)
                            .map(|f| dir.join(f.get_ref())),
                    );
                    // Style files, and their folder (a new file changes its time).
                    let named: Vec<PathBuf> =
                        catalog.styles.iter().map(|s| s.get_ref().clone()).collect();
                    files.extend(styles::style_files(dir, &named));
                    files.push(dir.join("styles"));
                }
                with_companions(files)
            }
        }
    }
}

/// `files` and the files that belong to each (a Shapefile's `.dbf`, a GeoPackage's log).
fn with_companions(mut files: Vec<PathBuf>) -> Vec<PathBuf> {
    let companions: Vec<PathBuf> = files
        .iter()
        .flat_map(|f| crate::source::companion_files(f))
        .collect();
    files.extend(companions);
    files
}

/// Why a comma list of layer ids does not name layers of this dataset.
#[derive(Debug, Clone, PartialEq)]
pub enum ResolveError {
    /// A layer named twice.
    Twice(String),
    /// An id no layer has; `known` lists the ids that exist.
    Unknown { id: String, known: Vec<String> },
    /// A raster layer, whose pictures cannot go into a vector tile.
    Raster { id: String, extension: &'static str },
}

impl std::fmt::Display for ResolveError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ResolveError::Twice(id) => write!(f, "layer '{id}' is listed twice"),
            ResolveError::Unknown { id, .. } => write!(f, "unknown layer '{id}'"),
            ResolveError::Raster { id, .. } => write!(
                f,
                "layer '{id}' is a raster layer (pictures), which cannot be part of a vector tile"
            ),
        }
    }
}

impl Dataset {
    pub fn layer(&self, id: &str) -> Option<&Arc<Layer>> {
        self.layers.iter().find(|l| l.id == id)
    }

    pub fn raster(&self, id: &str) -> Option<&Arc<RasterLayer>> {
        self.rasters.iter().find(|l| l.id == id)
    }

    /// The layers a comma list of ids names, in its order (a composite tile).
    pub fn resolve(&self, ids: &str) -> Result<Vec<Arc<Layer>>, ResolveError> {
        let mut out: Vec<Arc<Layer>> = Vec::new();
        for id in ids.split(',') {
            match self.layer(id) {
                Some(layer) if !out.iter().any(|l| l.id == layer.id) => out.push(Arc::clone(layer)),
                Some(_) => return Err(ResolveError::Twice(id.to_string())),
                None if self.raster(id).is_some() => {
                    return Err(ResolveError::Raster {
                        id: id.to_string(),
                        extension: self.raster(id).map_or("png", |r| r.format().extension()),
                    });
                }
                None => {
                    return Err(ResolveError::Unknown {
                        id: id.to_string(),
                        known: self.layers.iter().map(|l| l.id.clone()).collect(),
                    });
                }
            }
        }
        Ok(out)
    }

    /// A layer's attributes and visibility under `filter`; `None` when the filter is empty.
    pub fn filtered(&self, layer: &Layer, filter: &Filter) -> Option<Arc<FilteredLayer>> {
        let sql_joins = matches!(&layer.kind, LayerKind::Postgis(p) if p.has_joins());
        if filter.is_empty() || (layer.joins.is_empty() && layer.rows.is_none() && !sql_joins) {
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
        for table in &self.tables {
            for s in &table.suggestions {
                tracing::warn!("{}: {s}", table.table.file);
            }
        }
        for report in self.join_reports() {
            for c in &report.place_conflicts {
                tracing::warn!(
                    "{} {c} (table '{}' joined to layer '{}')",
                    report.file,
                    report.table,
                    report.layer
                );
            }
        }
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
            // A label layer carries its polygons' joins; their reports are the polygons'.
            .flat_map(|l| l.joins.iter().filter(|j| j.report.layer == l.id))
            .map(|j| &j.report)
            .collect()
    }

    /// A style by name.
    pub fn style(&self, name: &str) -> Option<&Style> {
        self.styles.iter().find(|s| s.name == name)
    }

    /// Load whatever `origin` names. Database layers add their databases' change counters
    /// to the version, so an edit in the database moves the ETag.
    pub fn load(origin: &Origin) -> Result<Dataset, LoadErrors> {
        let mut dataset = match origin {
            Origin::Catalog(path) => Dataset::from_catalog(path),
            Origin::Files(files) => Dataset::from_files(files),
            Origin::Postgis(url) => Dataset::from_postgis(url),
        }?;
        if let Some(token) = dataset.change_token() {
            let mut hasher = ContentHash::default();
            hasher.add(dataset.version.as_bytes());
            hasher.add(token.as_bytes());
            dataset.version = hasher.finish();
        }
        // Made now, so the first low-zoom tile of a large point layer does not wait for them.
        for layer in &dataset.layers {
            layer.cluster_columns();
        }
        Ok(dataset)
    }

    /// Every table and view with a geometry column in the database at `url`.
    pub fn from_postgis(url: &str) -> Result<Dataset, LoadErrors> {
        let mut hasher = ContentHash::default();
        let layers: Vec<Arc<Layer>> = postgis::discover_layers(url, &mut hasher)
            .map_err(LoadErrors)?
            .into_iter()
            .map(Arc::new)
            .collect();
        let ids: Vec<&str> = layers.iter().map(|l| l.id.as_str()).collect();
        let words = Words::for_files(&ids);
        let groups = styles::groups(&layers, &[]);
        let styles = styles::generated(&layers, &groups, None);
        Ok(Dataset {
            title: "borderland".into(),
            description: String::new(),
            attribution: None,
            layers,
            rasters: Vec::new(),
            version: hasher.finish(),
            origin: Origin::Postgis(url.to_string()),
            tables: Vec::new(),
            words,
            groups,
            time: None,
            styles,
            views: Default::default(),
            inferred: Vec::new(),
            intake: None,
            story_files: Vec::new(),
        })
    }

    /// The databases the layers read, once each.
    fn databases(&self) -> Vec<Arc<crate::source::postgis::Postgis>> {
        let mut out: Vec<Arc<crate::source::postgis::Postgis>> = Vec::new();
        for layer in &self.layers {
            if let LayerKind::Postgis(p) = &layer.kind
                && !out.iter().any(|d| Arc::ptr_eq(d, p.database()))
            {
                out.push(Arc::clone(p.database()));
            }
        }
        out
    }

    /// What the databases' change counters say now (`None` without database layers, or when a
    /// database cannot be reached): when it moves, the data changed and is reloaded.
    /// Blocking: call off the async executor.
    pub fn change_token(&self) -> Option<String> {
        let databases = self.databases();
        if databases.is_empty() {
            return None;
        }
        let mut token = String::new();
        for db in databases {
            token.push_str(&db.change_counter().ok()?);
            token.push(';');
        }
        Some(token)
    }

    /// Wake `on_change` when a database with borderland's change trigger reports a commit
    /// (`LISTEN borderland`).
    pub fn listen_for_changes(&self, on_change: &Arc<tokio::sync::Notify>) {
        for db in self.databases() {
            db.listen(Arc::clone(on_change));
        }
    }

    /// Build what makes database layers fast (`--prepare-database`): each claim's area and
    /// each polygon layer simplified per zoom band, in schema `borderland`, kept current by
    /// triggers. Skips what is already built and current; reports each step on stderr.
    /// The dataset must be loaded again afterwards to read them.
    pub fn prepare_databases(&self) -> Result<usize, String> {
        let mut built = 0;
        for layer in &self.layers {
            let LayerKind::Postgis(p) = &layer.kind else {
                continue;
            };
            for (prep, current) in p.preparations() {
                if *current {
                    continue;
                }
                eprintln!("preparing {} (layer {}) …", prep.what, layer.id);
                let started = std::time::Instant::now();
                p.database().prepare(&prep.script).map_err(|e| {
                    format!("{}: cannot prepare {}: {e}", p.database().label, prep.what)
                })?;
                eprintln!(
                    "prepared {} in {:.1} s (borderland.{})",
                    prep.what,
                    started.elapsed().as_secs_f64(),
                    prep.name
                );
                built += 1;
            }
        }
        Ok(built)
    }

    /// Install borderland's change trigger on every database table the layers read.
    pub fn install_change_triggers(&self) -> Result<(), String> {
        for db in self.databases() {
            let tables: Vec<crate::source::postgis::Relation> = self
                .layers
                .iter()
                .filter_map(|l| match &l.kind {
                    LayerKind::Postgis(p) if Arc::ptr_eq(p.database(), &db) => Some(
                        std::iter::once(p.relation().relation.clone())
                            .chain(p.joins().iter().map(|j| j.relation.clone())),
                    ),
                    _ => None,
                })
                .flatten()
                .fold(Vec::new(), |mut seen, t| {
                    if !seen.contains(&t) {
                        seen.push(t);
                    }
                    seen
                });
            db.install_change_trigger(&tables)
                .map_err(|e| format!("{}: cannot install the change trigger: {e}", db.label))?;
        }
        Ok(())
    }
}
