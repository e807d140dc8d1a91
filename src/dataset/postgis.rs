//! PostGIS layers: a table, view or query described at load (columns, SRID, bounds, rows)
//! and tiled by the database for each request (`ST_AsMVT`; see the README's design section
//! for why the database cuts rather than borderland's own tiler).

use std::path::Path;
use std::sync::Arc;

use crate::config::{DEFAULT_MAXZOOM, LayerConfig};
use crate::error::LoadError;
use crate::geometry::BBox;
use crate::geometry::projection::project;
use crate::source::postgis::{self, Param, PgError, PgRelation, Postgis, Relation};
use crate::tile::index::{IndexOptions, TileIndex};
use crate::tile::{StoredTileError, StoredTileSource, TileCoord};
use crate::value::Field;

use super::{ContentHash, Layer, LayerKind};

/// A database layer's source of tiles.
pub struct PostgisLayer {
    db: Arc<Postgis>,
    relation: PgRelation,
    tile_sql: String,
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

    pub fn row_count(&self) -> usize {
        self.relation.row_count.max(0) as usize
    }

    pub fn database(&self) -> &Arc<Postgis> {
        &self.db
    }

    pub fn relation(&self) -> &PgRelation {
        &self.relation
    }
}

impl StoredTileSource for PostgisLayer {
    fn tile(&self, coord: TileCoord) -> Result<Option<Vec<u8>>, StoredTileError> {
        let params = vec![
            Param::Int(coord.z as i32),
            Param::Int(coord.x as i32),
            Param::Int(coord.y as i32),
        ];
        let bytes = self
            .db
            .tile(&self.tile_sql, params)
            .map_err(StoredTileError::Database)?;
        Ok((!bytes.is_empty()).then_some(bytes))
    }
}

fn load_error(db: &str, relation: &Relation, e: PgError) -> LoadError {
    LoadError::new(Path::new(db), format!("{}: {e}", relation.describe()))
}

/// A layer reading `relation` of the database at `url`, with the catalog's keys.
pub fn postgis_layer(
    cfg: &LayerConfig,
    url: &str,
    relation: Relation,
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
    let tile_sql = described.tile_sql(&cfg.id, cfg.id_property.as_deref());
    let fields = described
        .columns
        .iter()
        .map(|c| Field {
            name: c.name.clone(),
            kind: c.kind,
        })
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
    };
    Ok(Layer {
        id: cfg.id.clone(),
        title: cfg.title.clone().unwrap_or_else(|| cfg.id.clone()),
        description: cfg.description.clone(),
        attribution: cfg.attribution.clone(),
        license: cfg.license.clone(),
        file,
        minzoom: cfg.minzoom.unwrap_or(0),
        maxzoom: cfg.maxzoom.unwrap_or(DEFAULT_MAXZOOM),
        fields,
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
        kind: LayerKind::Postgis(Arc::new(source)),
    })
    .map(|mut l| {
        l.base_fields = l.fields.len();
        l
    })
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
        match postgis_layer(&cfg, url, relation, hasher) {
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
