//! PostGIS layers: a table, view or query described at load (columns, SRID, bounds, rows)
//! and tiled by the database for each request (`ST_AsMVT`; see the README's design section
//! for why the database cuts rather than borderland's own tiler).

use std::path::Path;
use std::sync::Arc;

use crate::config::{JoinConfig, LayerConfig, TableConfig, TableKind};
use crate::error::LoadError;
use crate::geometry::projection::project;
use crate::geometry::{BBox, GeomKind};
use crate::join::filter::Filter;
use crate::source::postgis::{
    self, Param, PgError, PgRelation, Postgis, PreparedAreas, Relation, SqlJoin, TileQuery,
};
use crate::source::postgis_prepared::{self, BANDS, Preparation};
use crate::tile::index::{IndexOptions, TileIndex};
use crate::tile::{StoredTileError, StoredTileSource, TileCoord};
use crate::value::Field;

use super::{ContentHash, Layer, LayerKind};

/// A database layer's source of tiles.
pub struct PostgisLayer {
    db: Arc<Postgis>,
    relation: PgRelation,
    /// The tile query for each zoom band (`BANDS`, then deeper zooms), without and with a
    /// time window.
    tile_sql: Vec<[String; 2]>,
    /// Claims tables joined in SQL; the tile query then takes the filter parameters.
    joins: Vec<SqlJoin>,
    /// What `--prepare-database` would build for this layer, and which of it is in use.
    preparations: Vec<(Preparation, bool)>,
    /// Each feature's count of the first claims table over all dates (for the style's
    /// classes), when it could be counted at load (see [`area_counts`]).
    counts: Option<Vec<i64>>,
}

impl std::fmt::Debug for PostgisLayer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgisLayer")
            .field("db", &self.db.label)
            .field("relation", &self.relation.relation.describe())
            .finish()
    }
}

impl PostgisLayer {
    /// `point`, `line`, `polygon`, `mixed`, or `none` (no rows), from the rows' types.
    pub fn geometry_type(&self) -> &'static str {
        let mut kinds =
            self.relation
                .geometry_types
                .iter()
                .map(|t| match t.trim_start_matches("MULTI") {
                    "POINT" => "point",
                    "LINESTRING" => "line",
                    "POLYGON" => "polygon",
                    _ => "mixed",
                });
        match kinds.next() {
            None => "none",
            Some(first) if kinds.all(|k| k == first) => first,
            Some(_) => "mixed",
        }
    }

    /// The kinds of geometry the rows hold (none for an empty table or a collection).
    pub fn geometry_kinds(&self) -> Vec<GeomKind> {
        let mut out = Vec::new();
        for t in &self.relation.geometry_types {
            let kind = match t.trim_start_matches("MULTI") {
                "POINT" => GeomKind::Point,
                "LINESTRING" => GeomKind::Line,
                "POLYGON" => GeomKind::Polygon,
                _ => continue,
            };
            if !out.contains(&kind) {
                out.push(kind);
            }
        }
        out
    }

    pub fn row_count(&self) -> usize {
        self.relation.row_count.max(0) as usize
    }

    pub fn database(&self) -> &Arc<Postgis> {
        &self.db
    }

    pub fn relation(&self) -> &PgRelation {
        &self.relation
    }

    /// What `--prepare-database` builds for this layer, and whether each is built and used.
    pub fn preparations(&self) -> &[(Preparation, bool)] {
        &self.preparations
    }

    /// The first joined claims table's attribute prefix and each area's count over all
    /// dates, for the generated style's choropleth.
    /// `None` counts: not counted (a large claims table not prepared).
    pub fn events_counts(&self) -> Option<(String, Option<Vec<i64>>)> {
        self.joins
            .first()
            .map(|j| (j.prefix.clone(), self.counts.clone()))
    }

    /// The claims tables joined in SQL.
    pub fn joins(&self) -> &[SqlJoin] {
        &self.joins
    }

    /// Whether claims are joined in SQL (so a filter changes the tiles).
    pub fn has_joins(&self) -> bool {
        !self.joins.is_empty()
    }

    /// The tiles under `filter`: its window, groups and event types become the query's
    /// parameters (never SQL text).
    pub fn filtered(self: &Arc<Self>, filter: &Filter) -> PostgisTiles {
        let list = |v: &[(String, String)]| {
            (!v.is_empty()).then(|| {
                v.iter()
                    .map(|(shown, _)| shown.trim().to_lowercase())
                    .collect()
            })
        };
        PostgisTiles {
            layer: Arc::clone(self),
            filter: [
                Param::Int(filter.from),
                Param::Int(filter.to),
                Param::TextList(list(&filter.groups)),
                Param::TextList(list(&filter.event_types)),
            ],
        }
    }

    fn tile_with(
        &self,
        coord: TileCoord,
        filter: &[Param],
    ) -> Result<Option<Vec<u8>>, StoredTileError> {
        let band = BANDS
            .iter()
            .position(|b| Some(*b) == postgis_prepared::band_of(coord.z))
            .unwrap_or(BANDS.len());
        let windowed = matches!(filter.first(), Some(Param::Int(Some(_))))
            || matches!(filter.get(1), Some(Param::Int(Some(_))));
        let sql = &self.tile_sql[band.min(self.tile_sql.len() - 1)][usize::from(windowed)];
        let mut params = vec![
            Param::Int(Some(coord.z as i32)),
            Param::Int(Some(coord.x as i32)),
            Param::Int(Some(coord.y as i32)),
        ];
        if self.has_joins() {
            params.extend_from_slice(filter);
        }
        let bytes = self
            .db
            .tile(sql, params)
            .map_err(StoredTileError::Database)?;
        Ok((!bytes.is_empty()).then_some(bytes))
    }
}

const NO_FILTER: [Param; 4] = [
    Param::Int(None),
    Param::Int(None),
    Param::TextList(None),
    Param::TextList(None),
];

impl StoredTileSource for PostgisLayer {
    fn tile(&self, coord: TileCoord) -> Result<Option<Vec<u8>>, StoredTileError> {
        self.tile_with(coord, &NO_FILTER)
    }
}

/// A database layer's tiles under one filter (the filtered view's source of tiles).
#[derive(Debug)]
pub struct PostgisTiles {
    layer: Arc<PostgisLayer>,
    filter: [Param; 4],
}

impl StoredTileSource for PostgisTiles {
    fn tile(&self, coord: TileCoord) -> Result<Option<Vec<u8>>, StoredTileError> {
        self.layer.tile_with(coord, &self.filter)
    }
}

fn load_error(db: &str, relation: &Relation, e: PgError) -> LoadError {
    LoadError::new(Path::new(db), format!("{}: {e}", relation.describe()))
}

/// The role columns of a database claims table, by the catalog's names or the conventional
/// ones, and its groups.
fn sql_join(
    db: &Postgis,
    join: &JoinConfig,
    table: &TableConfig,
    hasher: &mut ContentHash,
) -> Result<SqlJoin, LoadError> {
    let relation = match (&table.table, &table.sql) {
        (_, Some(sql)) => Relation::Sql(sql.clone()),
        (Some(t), None) => Relation::table(t),
        (None, None) => Relation::Sql(String::new()),
    };
    let described = relation.describe();
    let fail = |message: String| {
        LoadError::new(
            Path::new(&db.label),
            format!("table '{}' ({described}): {message}", table.id),
        )
    };
    if table.kind != TableKind::Events {
        return Err(fail(
            "only `kind = \"events\"` tables are joined in the database so far; keep presence tables in files".into(),
        ));
    }
    let (columns, geometry) = db.columns(&relation).map_err(|e| fail(e.message))?;
    let has = |name: &str| columns.iter().any(|c| c.name == name);
    let role = |configured: &Option<String>, role: &str, defaults: &[&str]| match configured {
        Some(name) if has(name) => Ok(Some(name.clone())),
        Some(name) => Err(fail(format!(
            "{role} column '{name}' does not exist (columns: {})",
            columns
                .iter()
                .map(|c| c.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))),
        None => Ok(defaults.iter().find(|d| has(d)).map(|d| d.to_string())),
    };
    let date = role(&table.date, "date", &["date", "date_start", "event_date"])?;
    if let Some(d) = &date
        && let Some(c) = columns.iter().find(|c| &c.name == d)
        && !matches!(c.pg_type.as_str(), "date" | "timestamp" | "timestamptz")
    {
        return Err(fail(format!(
            "date column '{d}' is {}; it must be a date or timestamp column",
            c.pg_type
        )));
    }
    let group = role(&table.group, "group", &["group", "actor"])?;
    let mut out = SqlJoin {
        prefix: join.prefix.clone().unwrap_or_else(|| join.table.clone()),
        key: role(&table.key, "key", &["province", "area", "admin1"])?,
        srid: 4326,
        geometry: geometry.first().cloned(),
        event_type: role(&table.event_type, "event_type", &["event_type"])?,
        date_end: role(&table.date_end, "date_end", &["date_end"])?,
        fatalities: role(&table.fatalities, "fatalities", &["fatalities", "best"])?,
        source: role(&table.source, "source", &["source"])?,
        date,
        group,
        groups: Vec::new(),
        primary_key: db.primary_key(&relation).map_err(|e| fail(e.message))?,
        areas: None,
        span_days: None,
        relation,
    };
    if out.key.is_none() && out.geometry.is_none() {
        return Err(fail(
            "rows need a geometry column or a key column (province, area, admin1, or `key = \"…\"`) to join".into(),
        ));
    }
    if let Some(g) = &out.geometry {
        let srid = db
            .strings(&format!(
                "SELECT ST_SRID({g})::text FROM {} WHERE {g} IS NOT NULL LIMIT 1",
                out.relation.from_clause(),
                g = postgis::quote_ident(g)
            ))
            .map_err(|e| fail(e.message))?;
        out.srid = srid.first().and_then(|s| s.parse().ok()).unwrap_or(4326);
    }
    if let Some(g) = &out.group {
        out.groups = db
            .strings(&format!(
                "SELECT DISTINCT {g}::text FROM {} WHERE {g} IS NOT NULL ORDER BY 1",
                out.relation.from_clause(),
                g = postgis::quote_ident(g)
            ))
            .map_err(|e| fail(e.message))?;
    }
    hasher.add(format!("{out:?}").as_bytes());
    Ok(out)
}

/// A layer reading `relation` of the database at `url`, with the catalog's keys and the
/// database claims tables it joins.
pub fn postgis_layer(
    cfg: &LayerConfig,
    url: &str,
    relation: Relation,
    joins: &[(JoinConfig, TableConfig)],
    hasher: &mut ContentHash,
) -> Result<Layer, LoadError> {
    let db = postgis::connect(url).map_err(|e| LoadError::new(Path::new("postgres"), e.message))?;
    let described = db
        .describe(&relation, cfg.geometry_column.as_deref())
        .map_err(|e| load_error(&db.label, &relation, e))?;
    if let Some(id) = &cfg.id_property
        && !described.columns.iter().any(|c| &c.name == id)
    {
        return Err(load_error(
            &db.label,
            &relation,
            PgError {
                message: format!(
                    "id_property '{id}' is not a column (columns: {})",
                    described
                        .columns
                        .iter()
                        .map(|c| c.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                unavailable: false,
            },
        ));
    }
    hasher.add(db.label.as_bytes());
    hasher.add(format!("{described:?}").as_bytes());
    let joins = joins
        .iter()
        .map(|(j, t)| sql_join(&db, j, t, hasher))
        .collect::<Result<Vec<_>, _>>()?;
    for key in &cfg.keys {
        if !described.columns.iter().any(|c| &c.name == key) {
            return Err(load_error(
                &db.label,
                &relation,
                PgError {
                    message: format!("key '{key}' is not a column"),
                    unavailable: false,
                },
            ));
        }
    }
    let mut joins = joins;
    let (tile_sql, preparations) = plan_tiles(&db, cfg, &described, &mut joins)
        .map_err(|e| load_error(&db.label, &relation, e))?;
    for (p, used) in &preparations {
        if *used {
            hasher.add(p.name.as_bytes());
        }
    }
    let counts = area_counts(&db, &described, &joins, &cfg.keys)
        .map_err(|e| load_error(&db.label, &relation, e))?;
    let base_fields = described.columns.len();
    let fields = described
        .columns
        .iter()
        .map(|c| Field {
            name: c.name.clone(),
            kind: c.kind,
        })
        .chain(joins.iter().flat_map(|j| {
            j.fields()
                .into_iter()
                .map(|(name, kind)| Field { name, kind })
        }))
        .collect();
    let mut bbox = BBox::EMPTY;
    if let Some([w, s, e, n]) = described.bounds {
        bbox.extend(project([w, n]));
        bbox.extend(project([e, s]));
    }
    let shapes = Arc::new(Default::default());
    let index = TileIndex::build(&shapes, &[], &IndexOptions::default());
    let file = format!("{} {}", db.label, relation.describe());
    let source = PostgisLayer {
        db,
        relation: described,
        tile_sql,
        joins,
        preparations,
        counts,
    };
    Ok(Layer {
        fields,
        shapes,
        index,
        bbox,
        base_fields,
        cluster_maxzoom: 0,
        ..Layer::from_config(cfg, file, LayerKind::Postgis(Arc::new(source)))
    })
}

/// The tile queries of a layer, reading what `--prepare-database` built where it is built
/// and current; and what it would build.
#[allow(clippy::type_complexity)]
fn plan_tiles(
    db: &Postgis,
    cfg: &LayerConfig,
    described: &PgRelation,
    joins: &mut [SqlJoin],
) -> Result<(Vec<[String; 2]>, Vec<(Preparation, bool)>), PgError> {
    let id = cfg
        .id_property
        .clone()
        .or_else(|| described.primary_key.clone());
    let mut areas = Vec::new();
    let mut simplified = None;
    if let Some(id) = &id {
        for (i, join) in joins.iter().enumerate() {
            if let Some(p) = postgis_prepared::areas(described, id, join, &cfg.keys) {
                areas.push((i, p));
            }
        }
        let lines_or_polygons = described.geometry_types.iter().any(|t| {
            matches!(
                t.trim_start_matches("MULTI"),
                "POLYGON" | "LINESTRING" | "GEOMETRYCOLLECTION"
            )
        });
        if lines_or_polygons {
            simplified = postgis_prepared::simplified(described, id);
        }
    }
    let mut names: Vec<String> = areas.iter().map(|(_, p)| p.name.clone()).collect();
    names.extend(simplified.iter().map(|p| p.name.clone()));
    let built = db.prepared(names)?;
    let mut preparations = Vec::new();
    for (i, p) in areas {
        let used = built.contains(&p.name);
        if used && let Some(id) = &id {
            let span = db.integers(&postgis_prepared::span_sql(&p.name), Vec::new())?;
            joins[i].areas = Some(PreparedAreas {
                table: p.name.clone(),
                layer_id: id.clone(),
                span_days: span.first().copied().unwrap_or(0).max(0),
            });
        }
        preparations.push((p, used));
    }
    // The simplified copy holds no source geometry: usable when every join reads its areas.
    let simplified_table = simplified.as_ref().and_then(|p| {
        (built.contains(&p.name) && joins.iter().all(|j| j.areas.is_some())).then(|| p.name.clone())
    });
    if let Some(p) = simplified {
        let used = simplified_table.as_deref() == Some(p.name.as_str());
        preparations.push((p, used));
    }
    let query = |band: Option<u8>, windowed: bool| {
        described.tile_sql(&TileQuery {
            layer_name: &cfg.id,
            id_column: cfg.id_property.as_deref(),
            joins,
            keys: &cfg.keys,
            windowed,
            simplified: simplified_table.as_deref().zip(band),
        })
    };
    let mut tile_sql = Vec::new();
    if simplified_table.is_some() {
        for b in BANDS {
            tile_sql.push([query(Some(b), false), query(Some(b), true)]);
        }
    }
    tile_sql.push([query(None, false), query(None, true)]);
    Ok((tile_sql, preparations))
}

/// Claims tables up to this many rows are counted per area at every load even without
/// `--prepare-database` (a point-in-polygon pass over all of them).
const COUNT_UNPREPARED_ROWS: i64 = 200_000;

/// Each area's count of the first joined claims table over all dates, for the style's
/// classes: from the prepared area table (an index-only count), or for a small claims
/// table by matching every row; `None` for a large table not prepared, or when counting
/// failed (the style then classes by orders of magnitude).
fn area_counts(
    db: &Postgis,
    described: &PgRelation,
    joins: &[SqlJoin],
    keys: &[String],
) -> Result<Option<Vec<i64>>, PgError> {
    let Some(join) = joins.first() else {
        return Ok(None);
    };
    if let Some(areas) = &join.areas {
        return db
            .integers(
                &format!(
                    "SELECT count(*)::int8 FROM borderland.{} GROUP BY area",
                    postgis::quote_ident(&areas.table)
                ),
                Vec::new(),
            )
            .map(Some);
    }
    let rows = db
        .integers(
            &format!(
                "SELECT reltuples::int8 FROM pg_class WHERE oid = to_regclass('{}')",
                join.relation.from_clause().replace('\'', "''")
            ),
            Vec::new(),
        )
        .unwrap_or_default();
    if rows.first().is_none_or(|n| *n > COUNT_UNPREPARED_ROWS) {
        return Ok(None);
    }
    Ok(db
        .integers(
            &described.count_sql(join, keys),
            [Param::Int(None), Param::Int(None), Param::Int(None)]
                .into_iter()
                .chain(NO_FILTER)
                .collect(),
        )
        .ok())
}

/// Every table and view of the database with a geometry column, one layer each, named after
/// the table (`schema_table` outside `public`), as Martin publishes them.
pub fn discover_layers(url: &str, hasher: &mut ContentHash) -> Result<Vec<Layer>, Vec<LoadError>> {
    let db = postgis::connect(url)
        .map_err(|e| vec![LoadError::new(Path::new("postgres"), e.message)])?;
    let found = db
        .discover()
        .map_err(|e| vec![LoadError::new(Path::new(&db.label), e.message)])?;
    if found.is_empty() {
        return Err(vec![LoadError::new(
            Path::new(&db.label),
            "the database has no table or view with a geometry column (see geometry_columns)",
        )]);
    }
    let mut layers: Vec<Layer> = Vec::new();
    let mut errors = Vec::new();
    for (relation, geometry_column) in found {
        let Relation::Table { schema, name } = &relation else {
            continue;
        };
        let base = if schema == "public" {
            name.clone()
        } else {
            format!("{schema}_{name}")
        };
        let mut id: String = base
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        // A table with two geometry columns becomes two layers.
        if layers.iter().any(|l| l.id == id) {
            id = format!("{id}_{geometry_column}");
        }
        let cfg = LayerConfig {
            geometry_column: Some(geometry_column.clone()),
            title: Some(base.clone()),
            ..LayerConfig::for_database(&id)
        };
        match postgis_layer(&cfg, url, relation, &[], hasher) {
            Ok(layer) => layers.push(layer),
            Err(e) => errors.push(e),
        }
    }
    if errors.is_empty() {
        Ok(layers)
    } else {
        Err(errors)
    }
}
