//! Files to layers: a catalog and the files it names (or files given on the command line),
//! read, typed, given ids, simplified and indexed into a [`Dataset`].

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::LayerKind;
use super::postgis::postgis_layer;
use crate::config::{self, Catalog, LayerConfig};
use crate::error::{LoadError, LoadErrors, display_path};
use crate::geometry::projection::project;
use crate::geometry::{BBox, GeomKind, Part, Shapes};
use crate::source::archive::{Archive, ArchiveFormat};
use crate::source::claims::{Claims, GroupNames};
use crate::source::postgis::Relation;
use crate::source::{self, RawId, RawLayer};
use crate::tile::index::{IndexOptions, TileIndex};
use crate::tile::simplify::{KEEP, line_importance, ring_importance};
use crate::value::{Feature, Field, FieldType, Value, text_id, value_text};

use super::{ContentHash, Dataset, Layer, Origin, Words, load_claims, points_layer, styles};
use crate::config::TableKind;
use crate::date::{self, civil_from_days};

impl Dataset {
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

        let groups = GroupNames::new(&catalog.groups);
        let mut tables: Vec<Arc<Claims>> = Vec::new();
        for spanned in &catalog.tables {
            let cfg = spanned.get_ref();
            // Database tables stay in the database: joined in SQL (see dataset::postgis).
            let Some(file_name) = &cfg.file else { continue };
            let file = dir.join(file_name.get_ref());
            match std::fs::read(&file) {
                Ok(bytes) => {
                    hasher.add(&bytes);
                    match load_claims(cfg, &file, bytes, &groups) {
                        Ok(c) => tables.push(Arc::new(c)),
                        Err(e) => errors.extend(e.0),
                    }
                }
                Err(e) => errors.push(missing(&file, e, "table", &cfg.id, file_name.span().start)),
            }
        }
        // Layers are independent (each reads its own file, or a table loaded above): built a
        // core each at a time, each into a version of its own, taken in the catalog's order.
        let built = crate::cores::map_queue(catalog.layers.len(), |i| {
            build_catalog_layer(
                catalog.layers[i].get_ref(),
                &catalog,
                dir,
                &tables,
                &missing,
            )
        });
        let mut layers = Vec::new();
        let mut rasters = Vec::new();
        for built in built {
            hasher.absorb(&built.hash);
            layers.extend(built.layers);
            rasters.extend(built.raster);
            errors.extend(built.errors);
        }
        if !errors.is_empty() {
            return Err(LoadErrors(errors));
        }
        annotate_placements(&mut layers);
        let layers: Vec<Arc<Layer>> = layers.into_iter().map(Arc::new).collect();
        let groups = styles::groups(&layers, &catalog.groups);
        let time = match time_range(&tables, &catalog, path, &text) {
            Ok(t) => t,
            Err(e) => {
                errors.push(e);
                None
            }
        };
        let mut served = styles::generated(&layers, &groups, time.clone());
        for style in &mut served {
            super::raster::add_to_style(&mut style.json, &rasters);
        }
        let ids = served_layer_ids(&layers);
        let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
        let named: Vec<PathBuf> = catalog.styles.iter().map(|s| s.get_ref().clone()).collect();
        for file in styles::style_files(dir, &named) {
            match std::fs::read(&file) {
                Ok(bytes) => {
                    hasher.add(&bytes);
                    match styles::read_style_file(&file, &bytes, &ids) {
                        Ok(style) => match served.iter_mut().find(|s| s.name == style.name) {
                            Some(same) => *same = style,
                            None => served.push(style),
                        },
                        Err(e) => errors.push(e),
                    }
                }
                Err(e) => errors.push(LoadError::io(&file, e)),
            }
        }
        if !errors.is_empty() {
            return Err(LoadErrors(errors));
        }
        let words = Words::from_catalog(&catalog);
        let inferred = tables
            .iter()
            .flat_map(|t| t.inferred.iter().map(|l| format!("{}: {l}", t.table.file)))
            .collect();
        let dataset = Dataset {
            title: catalog.title,
            description: catalog.description,
            attribution: catalog.attribution,
            layers,
            rasters,
            version: hasher.finish(),
            origin: Origin::Catalog(path.to_path_buf()),
            tables,
            words,
            groups,
            time,
            styles: served,
            views: Default::default(),
            inferred,
            intake: None,
            story_files: catalog
                .stories
                .iter()
                .map(|s| super::StoryFile {
                    id: s.get_ref().id(),
                    path: dir.join(s.get_ref().file.get_ref()),
                })
                .collect(),
        };
        dataset.log_problems();
        Ok(dataset)
    }
}

/// What a catalog layer was built into: the layer and its labels, or a raster, or errors.
#[derive(Default)]
struct BuiltLayer {
    layers: Vec<Layer>,
    raster: Option<Arc<super::raster::RasterLayer>>,
    errors: Vec<LoadError>,
    /// The layer's files, for the data version.
    hash: ContentHash,
}

/// Build one catalog layer, with its joins and its label layer.
fn build_catalog_layer(
    cfg: &LayerConfig,
    catalog: &Catalog,
    dir: &Path,
    tables: &[Arc<Claims>],
    missing: &(impl Fn(&Path, std::io::Error, &str, &str, usize) -> LoadError + Sync),
) -> BuiltLayer {
    let table = |id: &str| tables.iter().find(|t| t.id == id).cloned();
    let mut out = BuiltLayer::default();
    let hasher = &mut out.hash;
    let built = match (&cfg.file, &cfg.table) {
        _ if cfg.postgres.is_some() => {
            let url = cfg.postgres.as_deref().unwrap_or_default();
            let relation = match (&cfg.table, &cfg.sql) {
                (_, Some(sql)) => Relation::Sql(sql.clone()),
                (Some(t), None) => Relation::table(t),
                (None, None) => return out,
            };
            let joins = cfg
                .joins
                .iter()
                .filter_map(|j| {
                    let t = catalog.tables.iter().find(|t| t.get_ref().id == j.table)?;
                    Some((j.clone(), t.get_ref().clone()))
                })
                .collect::<Vec<_>>();
            postgis_layer(cfg, url, relation, &joins, hasher)
        }
        (Some(f), _) if ArchiveFormat::of_path(f.get_ref()).is_some() => {
            let file = dir.join(f.get_ref());
            match Archive::open(&file) {
                Ok(archive) if archive.tiles.is_raster() => {
                    match super::raster::raster_layer(cfg, &file, archive, hasher) {
                        Ok(r) => out.raster = Some(Arc::new(r)),
                        Err(e) => out.errors.push(e),
                    }
                    return out;
                }
                Ok(archive) => archive_layer_from(cfg, &file, archive, hasher),
                Err(e) => Err(e),
            }
        }
        (Some(f), _) => {
            let file = dir.join(f.get_ref());
            match std::fs::read(&file) {
                Ok(bytes) => {
                    hasher.add(&bytes);
                    hash_companions(hasher, &file);
                    build_layer(cfg, &file, bytes)
                }
                Err(e) => Err(missing(&file, e, "layer", &cfg.id, f.span().start)),
            }
        }
        (None, Some(t)) => match table(t) {
            Some(claims) => points_layer(cfg, claims),
            // The table's own error is already reported.
            None => return out,
        },
        (None, None) => return out,
    };
    let mut layer = match built {
        Ok(l) => l,
        Err(e) => {
            out.errors.push(e);
            return out;
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
        .map(|id| super::labels::label_layer(cfg, &layer, id));
    out.layers.push(layer);
    match labels {
        Some(Ok(l)) => out.layers.push(l),
        Some(Err(e)) => out.errors.push(e),
        None => {}
    }
    out
}

/// Point layers made from a table whose rows name a place and give coordinates that
/// disagree (see `join::PlaceConflict`) carry both: `counted_in` (where the row is counted)
/// and `area_at_point` (the feature its point falls in), beside `area` as the row states it.
pub fn annotate_placements(layers: &mut [Layer]) {
    /// Per row: where it is counted and where its point falls, by feature name.
    type Names = Vec<Option<String>>;
    let mut found: Vec<(String, Names, Names)> = Vec::new();
    for layer in layers.iter() {
        for join in &layer.joins {
            if join.report.place_conflicts.is_empty() {
                continue;
            }
            let name = |f: Option<u32>| f.map(|f| join.feature_names[f as usize].clone());
            found.push((
                join.claims.id.clone(),
                join.placements.iter().map(|p| name(p.counted)).collect(),
                join.placements.iter().map(|p| name(p.at_point)).collect(),
            ));
        }
    }
    for (table, counted, at_point) in found {
        for layer in layers.iter_mut() {
            let Some(rows) = &layer.rows else { continue };
            if rows.claims.id != table || layer.field_index("counted_in").is_some() {
                continue;
            }
            let row_of: Vec<usize> = rows.row_of_feature.iter().map(|&r| r as usize).collect();
            let text = |v: &Option<String>| match v {
                Some(s) => Value::String(s.as_str().into()),
                None => Value::Null,
            };
            match &mut layer.lazy {
                Some(lazy) => {
                    lazy.add_column(row_of.iter().map(|r| text(&counted[*r])).collect());
                    lazy.add_column(row_of.iter().map(|r| text(&at_point[*r])).collect());
                }
                None => {
                    for (feature, r) in layer.features.iter_mut().zip(&row_of) {
                        let mut props = std::mem::take(&mut feature.props).into_vec();
                        props.push(text(&counted[*r]));
                        props.push(text(&at_point[*r]));
                        feature.props = props.into_boxed_slice();
                    }
                }
            }
            for name in ["counted_in", "area_at_point"] {
                layer.fields.push(Field {
                    name: name.into(),
                    kind: FieldType::String,
                });
            }
            layer.base_fields = layer.fields.len();
        }
    }
}

/// Build one layer from a file's bytes (dropped once parsed, to keep peak memory low).
/// Add the files that belong to `file` (a Shapefile's `.dbf` and `.prj`, a GeoPackage's log)
/// to the data version: an edit to the attributes alone is a new version.
pub fn hash_companions(hasher: &mut ContentHash, file: &Path) {
    for companion in source::companion_files(file) {
        if let Ok(bytes) = std::fs::read(&companion) {
            hasher.add(&bytes);
        }
    }
}

pub fn build_layer(cfg: &LayerConfig, file: &Path, bytes: Vec<u8>) -> Result<Layer, LoadError> {
    let ext = file
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    let raw = match ext.as_str() {
        "geojson" | "json" => {
            let raw = source::read_geojson_bytes(file, &bytes)?;
            drop(bytes);
            raw
        }
        "gpkg" => {
            drop(bytes);
            source::gpkg::read(file, &cfg.id)?
        }
        "shp" | "zip" => source::shapefile::read(file, bytes)?,
        other => {
            return Err(LoadError::new(
                file,
                format!(
                    "unsupported file type '.{other}' (supported: .geojson, .json, .gpkg, .shp, .zip with a Shapefile)"
                ),
            ));
        }
    };
    layer_from_raw(cfg, file, raw)
}

/// Type the attributes, assign ids, compute simplification and build the tile pyramid.
pub fn layer_from_raw(cfg: &LayerConfig, file: &Path, raw: RawLayer) -> Result<Layer, LoadError> {
    let RawLayer {
        keys,
        features: raw_features,
        shapes,
        skipped_empty,
        warnings,
        declared,
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
    let fields = fields_of(&keys, &types, &declared);
    let id_field = id_field(cfg, file, &keys)?;
    let mut warnings = warnings;
    let mut ids = FeatureIds::new(raw_features.len());
    let mut features = Vec::with_capacity(raw_features.len());
    let mut kinds = Vec::with_capacity(raw_features.len());
    for f in raw_features {
        let mut props = vec![Value::Null; fields.len()].into_boxed_slice();
        for (k, v) in f.props {
            props[k as usize] = v.coerce(fields[k as usize].kind);
        }
        let stated = match id_field {
            Some(_) => None,
            None => match &f.id {
                Some(RawId::Int(n)) => Some(*n),
                Some(RawId::Text(t)) => Some(t.parse::<u64>().unwrap_or_else(|_| text_id(t))),
                None => None,
            },
        };
        ids.push(id_field, &fields, &props, stated, f.index, &mut warnings);
        kinds.push(f.kind);
        features.push(Feature { id: 0, props });
    }
    ids.assign(&mut features);
    Ok(finish_layer(
        cfg,
        file,
        fields,
        features,
        kinds,
        shapes,
        skipped_empty,
        warnings,
    ))
}

/// Fields from the keys in order, each of the union type of its values; a field with only
/// nulls takes the type its source declares (an integer column with no values yet is still
/// a number), else String.
pub fn fields_of(
    keys: &[String],
    types: &[Option<FieldType>],
    declared: &HashMap<u32, FieldType>,
) -> Vec<Field> {
    keys.iter()
        .zip(types)
        .enumerate()
        .map(|(k, (name, t))| Field {
            name: name.clone(),
            kind: t
                .or_else(|| declared.get(&(k as u32)).copied())
                .unwrap_or(FieldType::String),
        })
        .collect()
}

/// The key the catalog's `id_property` names, or an error listing the keys there are.
pub fn id_field(
    cfg: &LayerConfig,
    file: &Path,
    keys: &[String],
) -> Result<Option<usize>, LoadError> {
    let Some(name) = &cfg.id_property else {
        return Ok(None);
    };
    keys.iter().position(|k| k == name).map(Some).ok_or_else(|| {
        LoadError::new(
            file,
            format!(
                "layer '{}': id_property '{name}' is not a property of any feature (properties: {})",
                cfg.id,
                keys.join(", ")
            ),
        )
        .with_field("id_property")
    })
}

/// Feature ids. Explicit ids (the id_property's value, else the id the file states) come
/// first; a feature without one, or whose id an earlier feature already took, gets its
/// position plus one, or the next number no feature has taken, so a positional id never
/// collides with an explicit one. A missing or repeated id_property value is a warning.
pub struct FeatureIds {
    explicit: Vec<Option<u64>>,
    seen: HashMap<u64, usize, crate::value::IdBuild>,
}

impl FeatureIds {
    pub fn new(features: usize) -> FeatureIds {
        FeatureIds {
            explicit: Vec::with_capacity(features),
            seen: HashMap::with_capacity_and_hasher(features, Default::default()),
        }
    }

    /// Ids known to differ from one another, one per feature (a claim table's rows, whose
    /// repeated ids are refused when it is read): nothing left to check.
    pub fn distinct(ids: impl Iterator<Item = u64>) -> FeatureIds {
        FeatureIds {
            explicit: ids.map(Some).collect(),
            seen: HashMap::default(),
        }
    }

    /// The next feature's explicit id: its `id_field` value, else `stated`. `index` is its
    /// position in the file, for warnings.
    pub fn push(
        &mut self,
        id_field: Option<usize>,
        fields: &[Field],
        props: &[Value],
        stated: Option<u64>,
        index: usize,
        warnings: &mut Vec<String>,
    ) {
        let mut warn = |w: String| {
            if warnings.len() < source::MAX_WARNINGS {
                warnings.push(w);
            }
        };
        let id = match id_field {
            Some(k) => match &props[k] {
                Value::Int(n) if *n >= 0 => Some(*n as u64),
                Value::UInt(n) => Some(*n),
                Value::Null => {
                    warn(format!(
                        "feature {index} has no '{}', the layer's id_property; it is served with a positional id",
                        fields[k].name
                    ));
                    None
                }
                other => Some(text_id(&value_text(other))),
            },
            None => stated,
        };
        let id = match id.map(|id| (id, self.seen.get(&id))) {
            Some((id, Some(prev))) => {
                let what = match id_field {
                    Some(k) => format!("the same '{}'", fields[k].name),
                    None => "the same id".into(),
                };
                warn(format!(
                    "features {prev} and {index} have {what} ({id}); the later one is served with a positional id (set id_property to a unique property)"
                ));
                None
            }
            Some((id, None)) => {
                self.seen.insert(id, index);
                Some(id)
            }
            None => None,
        };
        self.explicit.push(id);
    }

    /// Give every feature its explicit id, or a positional one no feature has taken.
    pub fn assign(mut self, features: &mut [Feature]) {
        let mut next_free = 1u64;
        for (i, (feature, id)) in features.iter_mut().zip(&self.explicit).enumerate() {
            feature.id = match id {
                Some(id) => *id,
                None => {
                    let mut id = (i as u64 + 1).max(next_free);
                    while self.seen.contains_key(&id) {
                        id += 1;
                    }
                    next_free = id + 1;
                    self.seen.insert(id, i);
                    id
                }
            };
        }
    }
}

/// A layer from typed features and their geometry: split at the antimeridian, importance
/// for simplification, bounds and the tile pyramid.
#[allow(clippy::too_many_arguments)]
pub fn finish_layer(
    cfg: &LayerConfig,
    file: &Path,
    fields: Vec<Field>,
    features: Vec<Feature>,
    kinds: Vec<GeomKind>,
    mut shapes: Shapes,
    skipped_empty: usize,
    warnings: Vec<String>,
) -> Layer {
    if let Some(split) = crate::tile::wrap::split_at_antimeridian(&shapes, &kinds) {
        shapes = split;
    }
    compute_importance(&mut shapes, &kinds);
    let bbox = shapes.bbox();
    let opts = IndexOptions::default();
    let across = crate::tile::wrap::across_antimeridian(
        &shapes,
        &kinds,
        opts.buffer as f64 / opts.extent as f64,
    );
    let shapes = Arc::new(shapes);
    let index = TileIndex::build_with_copies(&shapes, &kinds, &opts, across);
    Layer {
        base_fields: fields.len(),
        fields,
        features,
        kinds,
        shapes,
        index,
        bbox,
        skipped_empty,
        warnings,
        ..Layer::from_config(cfg, display_path(file), LayerKind::Features)
    }
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
    if archive.tiles.is_raster() {
        return Err(LoadError::new(
            file,
            format!(
                "the archive holds {} pictures, not vector tiles; name it in a catalog (data/layers.toml) as a [[layer]] of its own to draw it beneath the map",
                archive.tiles.extension().to_ascii_uppercase()
            ),
        ));
    }
    archive_layer_from(cfg, file, archive, hasher)
}

/// [`archive_layer`] for an archive already open (of vector tiles).
fn archive_layer_from(
    cfg: &LayerConfig,
    file: &Path,
    archive: Archive,
    hasher: &mut ContentHash,
) -> Result<Layer, LoadError> {
    hasher.add(&archive.fingerprint);
    let meta = &archive.metadata;
    let [w, s, e, n] = meta.bounds;
    let mut bbox = BBox::EMPTY;
    bbox.extend(project([w, n]));
    bbox.extend(project([e, s]));
    Ok(Layer {
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
        minzoom: cfg.minzoom.unwrap_or(meta.minzoom),
        maxzoom: cfg.maxzoom.unwrap_or(meta.maxzoom),
        bbox,
        filters: Default::default(),
        cluster_maxzoom: 0,
        ..Layer::from_config(
            cfg,
            display_path(file),
            LayerKind::Archive(Arc::new(archive)),
        )
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

/// Every source-layer id this data serves: layer ids, and the layers inside archives.
fn served_layer_ids(layers: &[Arc<Layer>]) -> Vec<String> {
    let mut ids: Vec<String> = layers.iter().map(|l| l.id.clone()).collect();
    for l in layers {
        for v in super::tilejson::vector_layers(l) {
            if let Some(id) = v.get("id").and_then(|i| i.as_str())
                && !ids.iter().any(|x| x == id)
            {
                ids.push(id.to_string());
            }
        }
    }
    ids
}

/// The time slider's range: the catalog's `time_from`/`time_to`, else the first and last
/// days of the dated event rows.
fn time_range(
    tables: &[Arc<Claims>],
    catalog: &Catalog,
    path: &Path,
    text: &str,
) -> Result<Option<[String; 2]>, LoadError> {
    let day = |d: i32| {
        let (y, m, dd) = civil_from_days(d);
        format!("{y:04}-{m:02}-{dd:02}")
    };
    let (mut first, mut last) = dated_days(tables);
    let parsed = |field: &str, v: &toml::Spanned<String>| {
        date::parse(v.get_ref()).map_err(|e| {
            LoadError::new(path, format!("{field} '{}': {e}", v.get_ref()))
                .with_field(field.to_string())
                .at_offset(text, v.span().start)
        })
    };
    if let Some(v) = &catalog.time_from {
        first = Some(parsed("time_from", v)?.first);
    }
    if let Some(v) = &catalog.time_to {
        last = Some(parsed("time_to", v)?.last);
    }
    Ok(match (first, last) {
        (Some(a), Some(b)) => Some([day(a), day(b.max(a))]),
        _ => None,
    })
}

/// The first and last days of the dated event rows.
fn dated_days(tables: &[Arc<Claims>]) -> (Option<i32>, Option<i32>) {
    let spans = tables
        .iter()
        .filter(|t| t.kind == TableKind::Events)
        .flat_map(|t| t.rows.iter().filter_map(|r| r.date));
    (
        spans.clone().map(|s| s.first).min(),
        spans.map(|s| s.last).max(),
    )
}

/// The time slider's range of data with no catalog: its first and last dated rows.
pub fn data_time(tables: &[Arc<Claims>]) -> Option<[String; 2]> {
    let day = |d: i32| {
        let (y, m, dd) = civil_from_days(d);
        format!("{y:04}-{m:02}-{dd:02}")
    };
    match dated_days(tables) {
        (Some(a), Some(b)) => Some([day(a), day(b.max(a))]),
        _ => None,
    }
}
