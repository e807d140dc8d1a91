//! Files on the command line, no catalog (`borderland serve regions.geojson incidents.xlsx`):
//! boundary files become layers; tables (CSV, TSV, `.xlsx`, `.ods`, JSON arrays) are read
//! with their roles inferred from the headers and joined to the polygon layer whose names
//! match most rows, or to the built-in provinces when no boundary file is given. Every choice
//! is written down (`Dataset::inferred`) and can be written out as a catalog to override.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::config::{FilterKind, LayerConfig, Preset, TableConfig, TableKind};
use crate::error::{LoadError, LoadErrors};
use crate::source::archive::ArchiveFormat;
use crate::source::claims::{Claims, GroupNames, infer_kind};
use crate::source::{self};
use crate::table::type_columns;
use crate::value::FieldType;

use super::{ContentHash, Dataset, Layer, Origin, archive_layer, build_layer, points_layer};

/// Natural Earth admin-1 provinces of Afghanistan and Pakistan (see data/SOURCES.md), for
/// tables given without a boundary file.
const DEFAULT_PROVINCES: &[u8] = include_bytes!("../../data/provinces.geojson");
/// The name the built-in provinces go by in messages and a written catalog.
pub const DEFAULT_PROVINCES_FILE: &str = "provinces.geojson";
/// The default catalog, whose entries for the context layers (titles, attribution, licence)
/// the built-in ones reuse, so the words and credits are written once.
const DEFAULT_CATALOG: &str = include_str!("../../data/layers.toml");
/// The context layers that come with the built-in provinces: the catalog's layer id and the
/// file's bytes (see data/SOURCES.md).
const DEFAULT_CONTEXT: [(&str, &[u8]); 2] = [
    (
        "neighbours",
        include_bytes!("../../data/neighbours.geojson"),
    ),
    ("cities", include_bytes!("../../data/cities.geojson")),
];

/// Whether a file given on the command line is a table rather than a boundary file.
pub fn is_table(path: &Path, bytes: &[u8]) -> bool {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    match ext.as_str() {
        "csv" | "tsv" | "txt" | "xlsx" | "xlsm" | "ods" | "xls" => true,
        // A JSON array of rows, not a GeoJSON object.
        "json" => bytes
            .iter()
            .find(|b| !b.is_ascii_whitespace() && **b != 0xEF && **b != 0xBB && **b != 0xBF)
            .is_some_and(|b| *b == b'['),
        _ => false,
    }
}

/// A layer or table id from a file name: letters, digits, `_` and `-`.
fn id_of(path: &Path) -> String {
    LayerConfig::for_file(path).id
}

/// The decisions a run without a catalog made, enough to write the catalog that repeats them.
#[derive(Debug, Default, Clone)]
pub struct Intake {
    /// Boundary layers: (id, file, keys) — the built-in provinces have no file of their own.
    pub layers: Vec<(String, Option<PathBuf>, Vec<String>)>,
    /// Tables: their config with every inferred role written in, the layer they join, the
    /// point layer they make.
    pub tables: Vec<(TableConfig, Option<String>, Option<String>)>,
}

impl Dataset {
    /// Serve files directly: one layer per boundary file, named after the file; tables joined
    /// to the best-matching polygon layer (see the module's doc).
    pub fn from_files(files: &[PathBuf]) -> Result<Dataset, LoadErrors> {
        let mut hasher = ContentHash::default();
        let mut layers: Vec<Layer> = Vec::new();
        let mut layer_keys: Vec<Vec<String>> = Vec::new();
        let mut errors = Vec::new();
        let mut table_files: Vec<(PathBuf, Vec<u8>)> = Vec::new();
        let mut intake = Intake::default();
        let unique = |layers: &[Layer], base: &str| {
            let mut id = base.to_string();
            let mut n = 2;
            while layers.iter().any(|l| l.id == id) {
                id = format!("{base}_{n}");
                n += 1;
            }
            id
        };
        for file in files {
            let mut cfg = LayerConfig::for_file(file);
            cfg.id = unique(&layers, &cfg.id);
            if ArchiveFormat::of_path(file).is_some() {
                match archive_layer(&cfg, file, &mut hasher) {
                    Ok(layer) => {
                        intake
                            .layers
                            .push((cfg.id.clone(), Some(file.clone()), Vec::new()));
                        layers.push(layer);
                        layer_keys.push(Vec::new());
                    }
                    Err(e) => errors.push(e),
                }
                continue;
            }
            match std::fs::read(file) {
                Ok(bytes) => {
                    hasher.add(&bytes);
                    super::build::hash_companions(&mut hasher, file);
                    if is_table(file, &bytes) {
                        table_files.push((file.clone(), bytes));
                        continue;
                    }
                    match build_layer(&cfg, file, bytes) {
                        Ok(layer) => {
                            let keys = text_fields(&layer);
                            intake
                                .layers
                                .push((cfg.id.clone(), Some(file.clone()), keys.clone()));
                            layers.push(layer);
                            layer_keys.push(keys);
                        }
                        Err(e) => errors.push(e),
                    }
                }
                Err(e) => errors.push(LoadError::io(file, e)),
            }
        }

        let mut tables: Vec<Arc<Claims>> = Vec::new();
        let mut inferred: Vec<String> = Vec::new();
        for (file, bytes) in &table_files {
            match read_inferred(file, bytes) {
                Ok(claims) => tables.push(Arc::new(claims)),
                Err(e) => errors.extend(e.0),
            }
        }
        if !errors.is_empty() {
            return Err(LoadErrors(errors));
        }

        let has_polygons = layers.iter().any(|l| l.geometry_type() == "polygon");
        if !tables.is_empty() && !has_polygons {
            let cfg = default_provinces_config();
            let layer = build_layer(
                &cfg,
                Path::new(DEFAULT_PROVINCES_FILE),
                DEFAULT_PROVINCES.to_vec(),
            )
            .map_err(LoadErrors::from)?;
            inferred.push(format!(
                "no boundary file given: tables join the built-in provinces of Afghanistan and Pakistan (Natural Earth admin-1, layer '{}')",
                cfg.id
            ));
            intake.layers.push((cfg.id.clone(), None, cfg.keys.clone()));
            layers.push(layer);
            layer_keys.push(cfg.keys.clone());
            // So the map shows where the region is: the neighbouring countries and the cities.
            for layer in default_context(&layers).map_err(LoadErrors::from)? {
                inferred.push(format!(
                    "with the built-in provinces: context layer '{}' ({})",
                    layer.id, layer.title
                ));
                layers.push(layer);
                layer_keys.push(Vec::new());
            }
        }

        let mut extra_layers: Vec<Layer> = Vec::new();
        for claims in &tables {
            for line in &claims.inferred {
                inferred.push(format!("{}: {line}", claims.table.file));
            }
            // The polygon layer whose features the most rows find, by name or by point.
            let aliases = BTreeMap::new();
            let best = layers
                .iter()
                .enumerate()
                // Context (the neighbouring countries) is for orientation, never joined to.
                .filter(|(_, l)| l.geometry_type() == "polygon" && !l.context)
                .map(|(i, l)| {
                    let join = l.join_preview(Arc::clone(claims), &layer_keys[i], &aliases);
                    (i, join.report.matched)
                })
                .max_by_key(|(i, matched)| (*matched, usize::MAX - i));
            let mut joined = None;
            if let Some((i, matched)) = best {
                let layer = &mut layers[i];
                layer.add_join(Arc::clone(claims), &claims.id, &layer_keys[i], &aliases);
                for f in [FilterKind::Date, FilterKind::Group, FilterKind::EventType] {
                    layer.filters.insert(f);
                }
                inferred.push(format!(
                    "{}: joined to layer '{}' ({matched} of {} rows matched{})",
                    claims.table.file,
                    layer.id,
                    claims.rows.len(),
                    if layer_keys[i].is_empty() {
                        String::new()
                    } else {
                        format!("; names looked up in {}", layer_keys[i].join(", "))
                    }
                ));
                joined = Some(layer.id.clone());
            }
            let mut points = None;
            if claims.rows.iter().any(|r| r.point.is_some()) {
                let all: Vec<&Layer> = layers.iter().chain(&extra_layers).collect();
                let mut cfg = LayerConfig::for_file(Path::new(&claims.table.file));
                cfg.id = {
                    let mut id = claims.id.clone();
                    let mut n = 2;
                    while all.iter().any(|l| l.id == id) {
                        id = format!("{}_{n}", claims.id);
                        n += 1;
                    }
                    id
                };
                cfg.file = None;
                cfg.table = Some(claims.id.clone());
                cfg.filters = vec![FilterKind::Date, FilterKind::Group, FilterKind::EventType];
                match points_layer(&cfg, Arc::clone(claims)) {
                    Ok(layer) => {
                        inferred.push(format!(
                            "{}: rows with coordinates drawn as point layer '{}'",
                            claims.table.file, cfg.id
                        ));
                        points = Some(cfg.id.clone());
                        extra_layers.push(layer);
                    }
                    Err(e) => errors.push(e),
                }
            }
            let config = inferred_config(claims, Path::new(&claims.table.file));
            intake.tables.push((config, joined, points));
        }
        if !errors.is_empty() {
            return Err(LoadErrors(errors));
        }
        layers.extend(extra_layers);
        super::build::annotate_placements(&mut layers);
        let layers: Vec<Arc<Layer>> = layers.into_iter().map(Arc::new).collect();
        let ids: Vec<&str> = layers.iter().map(|l| l.id.as_str()).collect();
        let words = super::Words::for_files(&ids);
        let groups = super::styles::groups(&layers, &[]);
        let time = super::build::data_time(&tables);
        let styles = super::styles::generated(&layers, &groups, time.clone());
        let dataset = Dataset {
            title: "borderland".into(),
            description: String::new(),
            attribution: None,
            layers,
            rasters: Vec::new(),
            version: hasher.finish(),
            origin: Origin::Files(files.to_vec()),
            tables,
            words,
            groups,
            time,
            styles,
            views: Default::default(),
            inferred,
            intake: Some(intake),
            story_files: Vec::new(),
        };
        dataset.log_problems();
        Ok(dataset)
    }
}

/// Read a table with no catalog: types and roles inferred, groups merged by spelling.
fn read_inferred(file: &Path, bytes: &[u8]) -> Result<Claims, LoadErrors> {
    let text = source::read_table(file, bytes)?;
    let table = type_columns(text, &Default::default())?;
    let kind = infer_kind(&table);
    let cfg = TableConfig::for_file(&id_of(file), file, kind);
    Claims::new(&cfg, table, &GroupNames::default())
}

/// The table's config with every inferred role written in, for `check --write-catalog`.
fn inferred_config(claims: &Claims, file: &Path) -> TableConfig {
    let mut cfg = TableConfig::for_file(&claims.id, file, claims.kind);
    cfg.title = Some(claims.title.clone());
    for line in &claims.inferred {
        for preset in [Preset::Ucdp, Preset::Acled] {
            if line.starts_with(&format!("columns are a {} export", preset.name())) {
                cfg.preset = Some(preset);
            }
        }
        // "`Header` → role"
        if let Some((header, role)) = line.strip_prefix('`').and_then(|l| l.split_once("` → ")) {
            let slot = match role {
                "key" => &mut cfg.key,
                "group" => &mut cfg.group,
                "event_type" => &mut cfg.event_type,
                "date" => &mut cfg.date,
                "date_end" => &mut cfg.date_end,
                "latitude" => &mut cfg.latitude,
                "longitude" => &mut cfg.longitude,
                "fatalities" => &mut cfg.fatalities,
                "claim" => &mut cfg.claim,
                "source" => &mut cfg.source,
                "citation" => &mut cfg.citation,
                "source_url" => &mut cfg.source_url,
                "report_date" => &mut cfg.report_date,
                "id" => &mut cfg.id_column,
                _ => continue,
            };
            *slot = Some(header.to_string());
        } else if let Some(rest) = line.strip_prefix("dates in `")
            && let Some((_, format)) = rest.split_once("` read as ")
        {
            cfg.date_format = Some(format.trim_end_matches(" (catalog)").to_string());
        }
    }
    cfg
}

/// `path` as a catalog in `dir` names it: relative (with `..` where needed), forward slashes.
fn relative_path(path: &Path, dir: &Path) -> String {
    use std::path::Component;
    let abs = |p: &Path| std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    let (p, d) = (abs(path), abs(dir));
    fn normal(p: &Path) -> Vec<Component<'_>> {
        p.components()
            .filter(|c| !matches!(c, Component::CurDir))
            .collect()
    }
    let (pc, dc) = (normal(&p), normal(&d));
    let common = pc.iter().zip(&dc).take_while(|(a, b)| a == b).count();
    if common == 0 {
        return p.to_string_lossy().replace('\\', "/");
    }
    let mut parts: Vec<String> = vec!["..".to_string(); dc.len() - common];
    parts.extend(
        pc[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    parts.join("/")
}

/// The built-in provinces as a catalog layer: joined by ISO code, name or any alias.
fn default_provinces_config() -> LayerConfig {
    let mut cfg = LayerConfig::for_file(Path::new(DEFAULT_PROVINCES_FILE));
    cfg.id = "provinces".into();
    cfg.title = Some("Provinces".into());
    cfg.description = "Afghanistan's 34 provinces and Pakistan's admin-1 units (Natural Earth; FATA merged into Khyber Pakhtunkhwa).".into();
    cfg.keys = vec!["iso_3166_2".into(), "name".into(), "name_alt".into()];
    cfg.id_property = Some("iso_3166_2".into());
    cfg.attribution = Some("Made with Natural Earth".into());
    cfg.license = Some("public domain".into());
    cfg
}

/// The built-in context layers (and their label layers), configured as the default catalog
/// configures them, with ids that no layer in `taken` has.
fn default_context(taken: &[Layer]) -> Result<Vec<Layer>, LoadError> {
    let catalog = crate::config::parse_catalog(Path::new("layers.toml"), DEFAULT_CATALOG)?;
    let mut out: Vec<Layer> = Vec::new();
    let free = |out: &[Layer], base: &str| {
        let mut id = base.to_string();
        let mut n = 2;
        while taken.iter().chain(out).any(|l| l.id == id) {
            id = format!("{base}_{n}");
            n += 1;
        }
        id
    };
    for (id, bytes) in DEFAULT_CONTEXT {
        let Some(cfg) = catalog
            .layers
            .iter()
            .map(|l| l.get_ref())
            .find(|l| l.id == id)
        else {
            continue;
        };
        let mut cfg = cfg.clone();
        cfg.id = free(&out, id);
        let file = cfg
            .file
            .as_ref()
            .map_or_else(|| PathBuf::from(id), |f| f.get_ref().clone());
        let layer = build_layer(&cfg, &file, bytes.to_vec())?;
        let labels = match &cfg.labels {
            Some(labels) => {
                let labels_id = free(&out, labels);
                cfg.labels = Some(labels_id.clone());
                Some(super::labels::label_layer(&cfg, &layer, &labels_id)?)
            }
            None => None,
        };
        out.push(layer);
        out.extend(labels);
    }
    Ok(out)
}

/// Text attributes of a layer: where names may be.
fn text_fields(layer: &Layer) -> Vec<String> {
    layer
        .fields
        .iter()
        .filter(|f| f.kind == FieldType::String)
        .map(|f| f.name.clone())
        .collect()
}

/// A catalog (`layers.toml`) that repeats what a run without one inferred, with every role
/// written in, for a person to edit: `borderland check FILES… --write-catalog layers.toml`.
/// Paths are written relative to `dir`, the catalog's folder. Returns the text and, when the
/// built-in provinces were used, the bytes to write beside it as `provinces.geojson`.
pub fn write_catalog(dataset: &Dataset, dir: &Path) -> Option<(String, Option<&'static [u8]>)> {
    let intake = dataset.intake.as_ref()?;
    let q = |s: &str| toml::Value::String(s.to_string()).to_string();
    let rel = |p: &Path| relative_path(p, dir);
    let mut out = String::from(
        "# Written by `borderland check --write-catalog` from what it inferred; edit any choice.\n\
         # Serve with: borderland serve --config THIS_FILE\n\ntitle = \"borderland\"\n",
    );
    let mut provinces = None;
    for (id, file, keys) in &intake.layers {
        let file = match file {
            Some(f) => rel(f),
            None => {
                provinces = Some(DEFAULT_PROVINCES);
                DEFAULT_PROVINCES_FILE.to_string()
            }
        };
        out.push_str(&format!(
            "\n[[layer]]\nid = {}\nfile = {}\n",
            q(id),
            q(&file)
        ));
        if file == DEFAULT_PROVINCES_FILE && provinces.is_some() {
            out.push_str("id_property = \"iso_3166_2\"\nattribution = \"Made with Natural Earth\"\nlicense = \"public domain\"\n");
        }
        let joins: Vec<&TableConfig> = intake
            .tables
            .iter()
            .filter(|(_, joined, _)| joined.as_deref() == Some(id))
            .map(|(cfg, _, _)| cfg)
            .collect();
        if !keys.is_empty() && !joins.is_empty() {
            let keys: Vec<String> = keys.iter().map(|k| q(k)).collect();
            out.push_str(&format!("keys = [{}]\n", keys.join(", ")));
            out.push_str("filters = [\"date\", \"group\", \"event_type\"]\n");
        }
        for t in joins {
            out.push_str(&format!("\n[[layer.join]]\ntable = {}\n", q(&t.id)));
        }
    }
    for (cfg, _, points) in &intake.tables {
        // Tables given on the command line are files.
        let Some(file) = &cfg.file else { continue };
        out.push_str(&format!(
            "\n[[table]]\nid = {}\nfile = {}\nkind = {}\n",
            q(&cfg.id),
            q(&rel(file.get_ref())),
            q(match cfg.kind {
                TableKind::Events => "events",
                TableKind::Presence => "presence",
            })
        ));
        if let Some(t) = &cfg.title {
            out.push_str(&format!("title = {}\n", q(t)));
        }
        if let Some(p) = cfg.preset {
            out.push_str(&format!(
                "preset = {}\n",
                q(match p {
                    Preset::Ucdp => "ucdp",
                    Preset::Acled => "acled",
                })
            ));
        }
        let roles = [
            ("key", &cfg.key),
            ("group", &cfg.group),
            ("event_type", &cfg.event_type),
            ("date", &cfg.date),
            ("date_end", &cfg.date_end),
            ("latitude", &cfg.latitude),
            ("longitude", &cfg.longitude),
            ("fatalities", &cfg.fatalities),
            ("claim", &cfg.claim),
            ("source", &cfg.source),
            ("citation", &cfg.citation),
            ("source_url", &cfg.source_url),
            ("report_date", &cfg.report_date),
            ("id_column", &cfg.id_column),
        ];
        for (role, column) in roles {
            if let Some(c) = column {
                out.push_str(&format!("{role} = {}\n", q(c)));
            }
        }
        if let Some(f) = &cfg.date_format {
            out.push_str(&format!("date_format = {}\n", q(f)));
        }
        out.push_str("# place = \"stated\"  # or \"point\": where rows whose name and coordinates disagree count\n");
        if let Some(id) = points {
            out.push_str(&format!(
                "\n[[layer]]\nid = {}\ntable = {}\nfilters = [\"date\", \"group\", \"event_type\"]\n",
                q(id),
                q(&cfg.id)
            ));
        }
    }
    Some((out, provinces))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogs_name_files_relative_to_their_folder() {
        assert_eq!(
            relative_path(Path::new("/a/b/x.csv"), Path::new("/a/b")),
            "x.csv"
        );
        assert_eq!(
            relative_path(Path::new("/a/b/x.csv"), Path::new("/a/b/out")),
            "../x.csv"
        );
        assert_eq!(
            relative_path(Path::new("/a/c/x.csv"), Path::new("/a/b/out")),
            "../../c/x.csv"
        );
    }

    #[test]
    fn tables_are_told_from_boundaries_by_name_and_content() {
        assert!(is_table(Path::new("a.xlsx"), b""));
        assert!(is_table(
            Path::new("a.json"),
            b"\xEF\xBB\xBF [ {\"a\": 1} ]"
        ));
        assert!(!is_table(
            Path::new("a.json"),
            b"{\"type\": \"FeatureCollection\"}"
        ));
        assert!(!is_table(Path::new("a.geojson"), b"["));
    }
}
