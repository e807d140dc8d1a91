//! A layer ready to serve: its schema, features, geometry and pyramid, the tables joined to
//! it, and the filtered views of its attributes.

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::sync::Arc;

use crate::config::{DEFAULT_MAXZOOM, FilterKind, LayerConfig};
use crate::geometry::projection::unproject;
use crate::geometry::{BBox, GeomKind, Shapes};
use crate::join::filter::Filter;
use crate::join::{self, LayerJoin, Target};
use crate::source::archive::Archive;
use crate::source::claims::Claims;
use crate::tile::cluster::ClusterColumns;
use crate::tile::index::{IndexOptions, TileIndex};
use crate::value::{Attributes, Feature, Field, Value};

use super::points::PointAttributes;

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
    /// Drawn as context (beneath the claims, quietly) rather than as data of the story.
    pub context: bool,
    /// For a label layer: the polygon layer it labels.
    pub labels_of: Option<String>,
    /// Where its tiles come from.
    pub kind: LayerKind,
    /// Point layers: what clustering reads of each point, made at the first tile that needs it.
    pub cluster_columns: std::sync::OnceLock<ClusterColumns>,
    /// A table's point layer: its features' attributes, read from the claim rows when asked
    /// for (its features' `props` are empty). See [`Layer::attributes`].
    pub lazy: Option<PointAttributes>,
}

/// The kinds of layer: each gives the tiler what it needs through [`Layer::tile_layer`], so
/// all share the server's one response path (cache, ETag, gzip, 204).
#[derive(Debug)]
pub enum LayerKind {
    /// Features held in memory and cut by borderland's own tiler.
    Features,
    /// A PMTiles or MBTiles file whose stored tiles are served as they are (the layer has no
    /// features of its own).
    Archive(Arc<Archive>),
    /// A PostGIS table, view or query whose tiles the database cuts (no features in memory).
    Postgis(Arc<super::postgis::PostgisLayer>),
}

/// The rows behind a point layer made from a claim table.
#[derive(Debug)]
pub struct PointRows {
    pub claims: Arc<Claims>,
    /// Shared with the layer's [`PointAttributes`].
    pub row_of_feature: Arc<[u32]>,
}

/// Rows past which a filter is applied on every core.
const PARALLEL_ROWS: usize = 100_000;

/// A layer's attributes and visible features under a filter.
#[derive(Debug, Default)]
pub struct FilteredLayer {
    /// Recomputed attributes (joined layers).
    pub props: Option<Vec<Box<[Value]>>>,
    /// Which features pass (point layers made from tables).
    pub visible: Option<Vec<bool>>,
    /// Database layers with joined claims: the tiles under this filter.
    pub postgis: Option<super::postgis::PostgisTiles>,
}

impl Layer {
    /// A layer as its catalog entry describes it, with no features or geometry yet: what
    /// every kind of layer starts from before its builder fills in the rest.
    pub fn from_config(cfg: &LayerConfig, file: String, kind: LayerKind) -> Layer {
        let shapes = Arc::new(Shapes::default());
        let index = TileIndex::build(&shapes, &[], &IndexOptions::default());
        Layer {
            id: cfg.id.clone(),
            title: cfg.title.clone().unwrap_or_else(|| cfg.id.clone()),
            description: cfg.description.clone(),
            attribution: cfg.attribution.clone(),
            license: cfg.license.clone(),
            file,
            minzoom: cfg.minzoom.unwrap_or(0),
            maxzoom: cfg.maxzoom.unwrap_or(DEFAULT_MAXZOOM),
            fields: Vec::new(),
            features: Vec::new(),
            kinds: Vec::new(),
            shapes,
            index,
            bbox: BBox::EMPTY,
            skipped_empty: 0,
            warnings: Vec::new(),
            base_fields: 0,
            joins: Vec::new(),
            rows: None,
            filters: cfg.filters.iter().copied().collect(),
            cluster_maxzoom: cfg.cluster_maxzoom.unwrap_or(0),
            note: cfg.note.clone(),
            context: cfg.context,
            labels_of: None,
            kind,
            cluster_columns: std::sync::OnceLock::new(),
            lazy: None,
        }
    }

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

    /// The join of a claim table onto this layer's features, without adding it.
    pub fn join_preview(
        &self,
        claims: Arc<Claims>,
        keys: &[String],
        aliases: &std::collections::BTreeMap<String, String>,
    ) -> LayerJoin {
        self.join_with(claims, "", keys, aliases)
    }

    /// The join of a claim table onto this layer's features, its attributes named `prefix_*`.
    fn join_with(
        &self,
        claims: Arc<Claims>,
        prefix: &str,
        keys: &[String],
        aliases: &std::collections::BTreeMap<String, String>,
    ) -> LayerJoin {
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
    }

    /// Join a claim table onto this layer's features, adding its attributes.
    pub fn add_join(
        &mut self,
        claims: Arc<Claims>,
        prefix: &str,
        keys: &[String],
        aliases: &std::collections::BTreeMap<String, String>,
    ) {
        // Joined values are held per feature, so the layer's own ones are too.
        self.materialize();
        let join = self.join_with(claims, prefix, keys, aliases);
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
        // Large tables are read on every core: the widest time window of a million rows
        // was a third of its tile's time.
        let joined_rows: usize = self.joins.iter().map(|j| j.joined.len()).sum();
        let per_run = if joined_rows >= PARALLEL_ROWS {
            1
        } else {
            usize::MAX
        };
        let props = (!self.joins.is_empty()).then(|| {
            crate::cores::map_runs(self.features.len(), per_run, |run| {
                run.map(|i| {
                    let mut p: Vec<Value> = self.features[i].props[..self.base_fields].to_vec();
                    for j in &self.joins {
                        p.extend(j.values(i, filter));
                    }
                    p.into_boxed_slice()
                })
                .collect::<Vec<_>>()
            })
            .into_iter()
            .flatten()
            .collect()
        });
        let visible = self.rows.as_ref().map(|rows| {
            let matcher = filter.for_table(&rows.claims, true);
            let features = &rows.row_of_feature;
            crate::cores::map_runs(features.len(), PARALLEL_ROWS, |run| {
                features[run]
                    .iter()
                    .map(|&r| matcher.matches(r))
                    .collect::<Vec<bool>>()
            })
            .concat()
        });
        let postgis = match &self.kind {
            LayerKind::Postgis(p) if p.has_joins() => Some(p.filtered(filter)),
            _ => None,
        };
        FilteredLayer {
            props,
            visible,
            postgis,
        }
    }

    /// `[west, south, east, north]` in degrees.
    pub fn bounds(&self) -> [f64; 4] {
        lonlat_bounds(&self.bbox)
    }

    /// The geometry type name for the catalog: `polygon`, `line`, `point`, or `mixed`.
    pub fn geometry_type(&self) -> &'static str {
        match &self.kind {
            LayerKind::Archive(_) => return "archive",
            LayerKind::Postgis(p) => return p.geometry_type(),
            LayerKind::Features => {}
        }
        let mut kinds = self.kinds.iter();
        match kinds.next() {
            None => "none",
            Some(first) if kinds.all(|k| k == first) => first.name(),
            Some(_) => "mixed",
        }
    }

    /// The kinds of geometry the layer holds, each once (an archive layer: none known).
    pub fn geometry_kinds(&self) -> Vec<GeomKind> {
        match &self.kind {
            LayerKind::Features => {
                let mut out = Vec::new();
                for k in &self.kinds {
                    if !out.contains(k) {
                        out.push(*k);
                    }
                }
                out
            }
            LayerKind::Archive(_) => Vec::new(),
            LayerKind::Postgis(p) => p.geometry_kinds(),
        }
    }

    /// How many features the layer has (a database layer: its rows when loaded).
    pub fn feature_count(&self) -> usize {
        match &self.kind {
            LayerKind::Postgis(p) => p.row_count(),
            _ => self.features.len(),
        }
    }

    /// The attributes of feature `i` as (name, value) pairs.
    pub fn props(&self, i: usize) -> impl Iterator<Item = (&str, Cow<'_, Value>)> {
        self.fields
            .iter()
            .enumerate()
            .filter_map(move |(k, f)| Some((f.name.as_str(), self.value(i, k)?)))
    }

    /// The attributes of feature `i`, in field order (unfiltered).
    pub fn attributes(&self, i: usize) -> Cow<'_, [Value]> {
        match &self.lazy {
            Some(lazy) => Cow::Owned(lazy.values(i)),
            None => Cow::Borrowed(&self.features[i].props),
        }
    }

    /// Feature `i`'s value of field `k` (unfiltered), if the layer has that field.
    pub fn value(&self, i: usize, k: usize) -> Option<Cow<'_, Value>> {
        match &self.lazy {
            Some(lazy) => (k < lazy.width()).then(|| Cow::Owned(lazy.value(i, k))),
            None => self.features[i].props.get(k).map(Cow::Borrowed),
        }
    }

    /// Hold every feature's attributes instead of reading them from rows when asked.
    pub fn materialize(&mut self) {
        if let Some(lazy) = self.lazy.take() {
            for (i, f) in self.features.iter_mut().enumerate() {
                f.props = lazy.values(i).into_boxed_slice();
            }
        }
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
