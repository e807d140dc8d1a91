//! The catalog, `data/layers.toml`: which files become which layers, with their titles,
//! attribution and zooms. Unknown keys are errors, reported with their line, because a typo
//! in a catalog otherwise fails silently.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use crate::error::LoadError;

/// The whole catalog file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Catalog {
    /// Title of the dataset, shown in TileJSON and the viewer.
    #[serde(default = "default_title")]
    pub title: String,
    #[serde(default)]
    pub description: String,
    /// Attribution shown for every layer, in addition to each layer's own.
    #[serde(default)]
    pub attribution: Option<String>,
    /// The map's words, shown by the viewer: a subtitle under the title, notes (caveats),
    /// credits and a text about the sources. None of them is built in.
    #[serde(default)]
    pub subtitle: Option<String>,
    #[serde(default, rename = "note")]
    pub notes: Vec<NoteConfig>,
    #[serde(default)]
    pub credits: Option<String>,
    #[serde(default)]
    pub about_sources: Option<String>,
    /// Style files (relative to the catalog) served beside or instead of the generated ones;
    /// `styles/*.json` beside the catalog are served without being named.
    #[serde(default)]
    pub styles: Vec<Spanned<PathBuf>>,
    /// The time slider's range (`YYYY`, `YYYY-MM` or `YYYY-MM-DD`); default: the first and
    /// last dated rows.
    #[serde(default)]
    pub time_from: Option<Spanned<String>>,
    #[serde(default)]
    pub time_to: Option<Spanned<String>>,
    #[serde(default, rename = "layer")]
    pub layers: Vec<Spanned<LayerConfig>>,
    #[serde(default, rename = "table")]
    pub tables: Vec<Spanned<TableConfig>>,
    /// Folders outside the catalog's own that its files may come from (relative to the
    /// catalog, or absolute). A file anywhere else, reached by `..`, an absolute path or a
    /// symlink, is refused, so a catalog cannot be made to publish what it should not.
    #[serde(default)]
    pub data_roots: Vec<String>,
    /// Armed groups as sources spell them: each `[[group]]` merges its aliases into its name
    /// in the group picker, the counts and the filters, and may set the label, colour and
    /// order (first listed first) maps use; groups not listed get a palette colour, after.
    #[serde(default, rename = "group")]
    pub groups: Vec<GroupConfig>,
    /// Stories (scrollytelling explainers): Markdown files beside the catalog, served at
    /// `/stories/{id}` and written by `export --site` (see `src/story/`).
    #[serde(default, rename = "story")]
    pub stories: Vec<Spanned<StoryConfig>>,
}

/// One `[[story]]`: a story file and the id its URL uses (default: the file name without
/// `.story.md` or `.md`).
#[derive(Clone, Debug, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct StoryConfig {
    #[serde(default)]
    pub id: Option<String>,
    pub file: Spanned<PathBuf>,
}

impl StoryConfig {
    /// The story's id: the one given, or the file name without `.story.md` or `.md`.
    pub fn id(&self) -> String {
        if let Some(id) = &self.id {
            return id.clone();
        }
        let name = self
            .file
            .get_ref()
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("story");
        name.strip_suffix(".story.md")
            .or_else(|| name.strip_suffix(".md"))
            .unwrap_or(name)
            .to_string()
    }
}

/// Where a row that gives both a place name and coordinates is counted when the two disagree.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PlacePolicy {
    /// In the area the row names: the source named it (the default).
    #[default]
    Stated,
    /// Where its coordinates fall.
    Point,
}

/// One `[[note]]`: a caveat or explanation shown on the map's panel.
#[derive(Clone, Debug, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct NoteConfig {
    /// A short lead in bold ("Claims, not facts.").
    #[serde(default)]
    pub title: Option<String>,
    pub text: String,
    /// Shown with a warning colour.
    #[serde(default)]
    pub caution: bool,
}

/// One `[[group]]`: the name a group is shown under, the other spellings sources use, and
/// how maps show it.
#[derive(Clone, Debug, Default, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct GroupConfig {
    /// The group as the data names it (compared after normalising case and punctuation).
    pub name: String,
    /// Other spellings in the data that mean the same group.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// What the legend and picker call it (default: the name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// A CSS colour, `#rrggbb`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub colour: Option<Spanned<String>>,
}

/// What rows of a table claim, which decides how they join.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TableKind {
    /// Which groups a source reports present in an area: joined by key, many rows per area.
    Presence,
    /// Dated incidents: joined by point in polygon (or by key where a row has no point).
    Events,
}

/// Column layouts of conflict-event exports, matched by column name.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Preset {
    /// UCDP Georeferenced Event Dataset CSV.
    Ucdp,
    /// ACLED CSV export.
    Acled,
}

impl Preset {
    pub fn name(self) -> &'static str {
        match self {
            Preset::Ucdp => "UCDP GED",
            Preset::Acled => "ACLED",
        }
    }
}

/// One `[[table]]`: an attribute table of claims (CSV or JSON).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TableConfig {
    pub id: String,
    /// The table file (CSV, TSV or JSON); or `postgres` with `table` or `sql`.
    #[serde(default)]
    pub file: Option<Spanned<PathBuf>>,
    /// A PostgreSQL database holding the claims: joined in SQL onto layers of the same
    /// database, with aggregates computed there for each time window.
    #[serde(default)]
    pub postgres: Option<String>,
    /// With `postgres`: the table or view (`schema.name` or `name`).
    #[serde(default)]
    pub table: Option<String>,
    /// With `postgres`: a query whose rows are the claims.
    #[serde(default)]
    pub sql: Option<String>,
    pub kind: TableKind,
    #[serde(default)]
    pub preset: Option<Preset>,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub attribution: Option<String>,
    #[serde(default)]
    pub license: Option<String>,
    /// Declared column types; other columns are inferred.
    #[serde(default)]
    pub columns: std::collections::HashMap<String, crate::value::ColumnType>,
    /// Column naming the area (ISO code or name) a row is about.
    #[serde(default)]
    pub key: Option<String>,
    /// Column naming the armed group.
    #[serde(default)]
    pub group: Option<String>,
    #[serde(default)]
    pub event_type: Option<String>,
    /// Date (or start date) of the event.
    #[serde(default)]
    pub date: Option<String>,
    /// End date, for events that span days (a time filter tests overlap).
    #[serde(default)]
    pub date_end: Option<String>,
    #[serde(default)]
    pub latitude: Option<String>,
    #[serde(default)]
    pub longitude: Option<String>,
    #[serde(default)]
    pub fatalities: Option<String>,
    /// The claim in the source's words.
    #[serde(default)]
    pub claim: Option<String>,
    /// Provenance columns (defaults: source, citation, source_url, report_date).
    #[serde(default)]
    pub source: Option<String>,
    #[serde(default)]
    pub citation: Option<String>,
    #[serde(default)]
    pub source_url: Option<String>,
    #[serde(default)]
    pub report_date: Option<String>,
    /// Why rows may lack a report date (the source gives none). Without it, a missing report
    /// date is an error.
    #[serde(default)]
    pub missing_report_date: Option<String>,
    /// Column to use as the stable id of each row.
    #[serde(default)]
    pub id_column: Option<String>,
    /// Constant values for provenance columns the file does not have (e.g. a data set's
    /// name and release date for UCDP rows).
    #[serde(default)]
    pub defaults: std::collections::HashMap<String, String>,
    /// How the date columns write dates ("YYYY-MM-DD", "DD/MM/YYYY", "MM/DD/YYYY",
    /// "D Mon YYYY", "serial"); inferred from all the values when not set.
    #[serde(default)]
    pub date_format: Option<String>,
    /// Rows with a place name and coordinates that disagree: counted where the name says
    /// ("stated", the default) or where the point falls ("point").
    #[serde(default)]
    pub place: PlacePolicy,
}

/// A join of a table onto a layer's features.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JoinConfig {
    pub table: String,
    /// Prefix of the joined attributes (default: the table id).
    #[serde(default)]
    pub prefix: Option<String>,
}

/// The filters a layer accepts as query parameters.
#[derive(
    Clone, Copy, Debug, Deserialize, PartialEq, Eq, Hash, serde::Serialize, PartialOrd, Ord,
)]
#[serde(rename_all = "snake_case")]
pub enum FilterKind {
    /// `from` and `to` (YYYY-MM-DD, YYYY-MM or YYYY): rows whose dates overlap the window.
    Date,
    /// `group`: one or a comma list of groups.
    Group,
    /// `event_type`: one or a comma list.
    EventType,
}

fn default_title() -> String {
    "borderland".to_string()
}

/// One `[[layer]]` entry.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LayerConfig {
    /// URL-safe id: letters, digits, `_` and `-`.
    pub id: String,
    /// Data file, relative to the catalog file (GeoJSON).
    #[serde(default)]
    pub file: Option<Spanned<PathBuf>>,
    /// Or: a point layer made of the rows of a table that have coordinates; with `postgres`,
    /// a table or view of that database (`schema.name` or `name`).
    #[serde(default)]
    pub table: Option<String>,
    /// A PostgreSQL/PostGIS database URL (`postgresql://user@host:port/db`): the layer reads
    /// its `table` or `sql` there, and the database cuts its tiles.
    #[serde(default)]
    pub postgres: Option<String>,
    /// With `postgres`: a query whose rows are the features (the operator's SQL; request values
    /// never reach it).
    #[serde(default)]
    pub sql: Option<String>,
    /// With `postgres`: which geometry column, when the table has several.
    #[serde(default)]
    pub geometry_column: Option<String>,
    /// Properties that name a feature for joins (codes, names, aliases); text properties
    /// may hold several names separated by `;` or `|`.
    #[serde(default)]
    pub keys: Vec<String>,
    /// Extra aliases for joins: alias → a key value of the feature ("Ningarhar" = "Nangarhar").
    #[serde(default)]
    pub aliases: std::collections::BTreeMap<String, String>,
    #[serde(default, rename = "join")]
    pub joins: Vec<JoinConfig>,
    /// Query-string filters this layer accepts.
    #[serde(default)]
    pub filters: Vec<FilterKind>,
    /// Points are clustered below this zoom (point layers only).
    #[serde(default)]
    pub cluster_maxzoom: Option<u8>,
    /// Polygon layers: also serve a point layer with this id, one label point per feature
    /// (its pole of inaccessibility) carrying the feature's attributes.
    #[serde(default)]
    pub labels: Option<String>,
    /// A note shown with the layer (catalog, TileJSON description, viewer).
    #[serde(default)]
    pub note: Option<String>,
    /// A context layer (neighbouring countries, cities): drawn quietly beneath the claims by
    /// the generated styles, its names as labels, and left out of the initial view.
    #[serde(default)]
    pub context: bool,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub description: String,
    /// Property whose value becomes the stable feature id (hashed when it is text).
    #[serde(default)]
    pub id_property: Option<String>,
    #[serde(default)]
    pub minzoom: Option<u8>,
    #[serde(default)]
    pub maxzoom: Option<u8>,
    #[serde(default)]
    pub attribution: Option<String>,
    /// Licence of the data, e.g. "public domain" or "CC BY 4.0".
    #[serde(default)]
    pub license: Option<String>,
}

/// Default maxzoom for layers: deep enough for province outlines; clients overzoom beyond.
pub const DEFAULT_MAXZOOM: u8 = 14;

impl LayerConfig {
    /// A layer for a database table published without a catalog (`borderland serve
    /// postgresql://…`); the caller sets `geometry_column` and the title.
    pub fn for_database(id: &str) -> LayerConfig {
        LayerConfig {
            id: id.to_string(),
            file: None,
            title: None,
            ..LayerConfig::for_file(Path::new(id))
        }
    }

    /// A layer for a file served directly (`borderland serve FILE.geojson`).
    pub fn for_file(path: &Path) -> LayerConfig {
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "layer".into());
        let id: String = stem
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        LayerConfig {
            id,
            file: Some(Spanned::new(0..0, path.to_path_buf())),
            table: None,
            postgres: None,
            sql: None,
            geometry_column: None,
            keys: Vec::new(),
            aliases: Default::default(),
            joins: Vec::new(),
            filters: Vec::new(),
            cluster_maxzoom: None,
            labels: None,
            note: None,
            context: false,
            title: Some(stem),
            description: String::new(),
            id_property: None,
            minzoom: None,
            maxzoom: None,
            attribution: None,
            license: None,
        }
    }
}

/// Parse a catalog; errors carry the file, line and column.
pub fn parse_catalog(path: &Path, text: &str) -> Result<Catalog, LoadError> {
    let catalog: Catalog = toml::from_str(text).map_err(|e| {
        let err = LoadError::new(path, e.message().to_string());
        match e.span() {
            Some(span) => err.at_offset(text, span.start),
            None => err,
        }
    })?;
    let mut story_ids = std::collections::HashSet::new();
    for story in &catalog.stories {
        let id = story.get_ref().id();
        let valid = !id.is_empty()
            && id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        let problem = if !valid {
            Some(format!(
                "story id '{id}' may contain only letters, digits, '_' and '-' (it is the story's URL); set `id`"
            ))
        } else if !story_ids.insert(id.clone()) {
            Some(format!(
                "story id '{id}' is used twice; give one of them another `id`"
            ))
        } else {
            None
        };
        if let Some(message) = problem {
            return Err(LoadError::new(path, message)
                .with_field("id")
                .at_offset(text, story.span().start));
        }
    }
    let mut seen = std::collections::HashSet::new();
    for layer in &catalog.layers {
        let span = layer.span();
        let layer = layer.get_ref();
        let valid = !layer.id.is_empty()
            && layer
                .id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !valid {
            return Err(LoadError::new(
                path,
                format!(
                    "layer id '{}' may contain only letters, digits, '_' and '-'",
                    layer.id
                ),
            )
            .with_field("id")
            .at_offset(text, span.start));
        }
        if !seen.insert(layer.id.clone()) {
            return Err(
                LoadError::new(path, format!("layer id '{}' is used twice", layer.id))
                    .with_field("id")
                    .at_offset(text, span.start),
            );
        }
        if layer.postgres.is_some() {
            if layer.file.is_some() || layer.table.is_some() == layer.sql.is_some() {
                return Err(LoadError::new(
                    path,
                    format!("layer '{}' reads a database: give exactly one of `table` or `sql` with `postgres`, and no `file`", layer.id),
                )
                .with_field("postgres")
                .at_offset(text, span.start));
            }
        } else if layer.sql.is_some() || layer.geometry_column.is_some() {
            return Err(LoadError::new(
                path,
                format!(
                    "layer '{}' has `sql` or `geometry_column` but no `postgres` database URL",
                    layer.id
                ),
            )
            .with_field("postgres")
            .at_offset(text, span.start));
        } else if layer.file.is_some() == layer.table.is_some() {
            return Err(LoadError::new(
                path,
                format!("layer '{}' needs exactly one of `file` (GeoJSON) or `table` (points from a table)", layer.id),
            )
            .with_field("file")
            .at_offset(text, span.start));
        }
        if layer.postgres.is_some() && layer.labels.is_some() {
            return Err(LoadError::new(
                path,
                format!("layer '{}': `labels` needs features in memory; a database layer cannot make them", layer.id),
            )
            .with_field("labels")
            .at_offset(text, span.start));
        }
        if layer.postgres.is_some() && layer.joins.is_empty() && !layer.filters.is_empty() {
            return Err(LoadError::new(
                path,
                format!("layer '{}': filters on a database layer recompute the aggregates of a joined database table; add a [[layer.join]]", layer.id),
            )
            .with_field("filters")
            .at_offset(text, span.start));
        }
        for j in &layer.joins {
            if let Some(t) = catalog.tables.iter().find(|t| t.get_ref().id == j.table)
                && t.get_ref().postgres != layer.postgres
            {
                return Err(LoadError::new(
                    path,
                    format!(
                        "layer '{}' joins table '{}': a database table joins only onto a layer of the same database (joined in SQL), and a file table only onto a file layer",
                        layer.id, j.table
                    ),
                )
                .with_field("join.table")
                .at_offset(text, span.start));
            }
            if !catalog.tables.iter().any(|t| t.get_ref().id == j.table) {
                return Err(LoadError::new(
                    path,
                    format!(
                        "layer '{}' joins table '{}', which no [[table]] defines",
                        layer.id, j.table
                    ),
                )
                .with_field("join.table")
                .at_offset(text, span.start));
            }
        }
        if let Some(t) = &layer.table
            && layer.postgres.is_none()
            && !catalog.tables.iter().any(|c| &c.get_ref().id == t)
        {
            return Err(LoadError::new(
                path,
                format!(
                    "layer '{}' uses table '{t}', which no [[table]] defines",
                    layer.id
                ),
            )
            .with_field("table")
            .at_offset(text, span.start));
        }
        if let (Some(min), Some(max)) = (layer.minzoom, layer.maxzoom)
            && (min > max || max > 30)
        {
            return Err(LoadError::new(
                    path,
                    format!("layer '{}': minzoom {min} and maxzoom {max} must satisfy 0 <= minzoom <= maxzoom <= 30", layer.id),
                )
                .with_field("maxzoom")
                .at_offset(text, span.start));
        }
    }
    for layer in &catalog.layers {
        let Some(labels) = &layer.get_ref().labels else {
            continue;
        };
        let valid = !labels.is_empty()
            && labels
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !valid || !seen.insert(labels.clone()) {
            return Err(LoadError::new(
                path,
                format!("labels layer id '{labels}' must be unused and contain only letters, digits, '_' and '-'"),
            )
            .with_field("labels")
            .at_offset(text, layer.span().start));
        }
    }
    for g in &catalog.groups {
        if let Some(colour) = &g.colour {
            let c = colour.get_ref();
            let hex = c.len() == 7
                && c.starts_with('#')
                && c[1..].chars().all(|ch| ch.is_ascii_hexdigit());
            if !hex {
                return Err(LoadError::new(
                    path,
                    format!(
                        "group '{}': colour '{c}' is not a #rrggbb colour (e.g. \"#4477aa\")",
                        g.name
                    ),
                )
                .with_field("colour")
                .at_offset(text, colour.span().start));
            }
        }
    }
    let mut table_ids = std::collections::HashSet::new();
    for t in &catalog.tables {
        let cfg = t.get_ref();
        let ok = match &cfg.postgres {
            Some(_) => cfg.file.is_none() && cfg.table.is_some() != cfg.sql.is_some(),
            None => cfg.file.is_some() && cfg.table.is_none() && cfg.sql.is_none(),
        };
        if !ok {
            return Err(LoadError::new(
                path,
                format!(
                    "table '{}' needs a `file`, or `postgres` with exactly one of `table` or `sql`",
                    cfg.id
                ),
            )
            .with_field("file")
            .at_offset(text, t.span().start));
        }
        if !table_ids.insert(t.get_ref().id.clone()) {
            return Err(LoadError::new(
                path,
                format!("table id '{}' is used twice", t.get_ref().id),
            )
            .with_field("id")
            .at_offset(text, t.span().start));
        }
        if let Some(f) = &t.get_ref().date_format
            && crate::date::DateFormat::from_name(f).is_none()
        {
            return Err(LoadError::new(
                path,
                format!(
                    "table '{}': date_format '{f}' is not one of \"YYYY-MM-DD\", \"DD/MM/YYYY\", \"MM/DD/YYYY\", \"D Mon YYYY\", \"serial\"",
                    t.get_ref().id
                ),
            )
            .with_field("date_format")
            .at_offset(text, t.span().start));
        }
    }
    let mut group_names = std::collections::HashMap::new();
    for g in &catalog.groups {
        for name in std::iter::once(&g.name).chain(&g.aliases) {
            let key = crate::name::normalize(name);
            if let Some(other) = group_names.insert(key, g.name.clone())
                && other != g.name
            {
                return Err(LoadError::new(
                    path,
                    format!(
                        "group name '{name}' belongs to both [[group]] '{other}' and '{}'",
                        g.name
                    ),
                )
                .with_field("group"));
            }
        }
    }
    let files = catalog
        .layers
        .iter()
        .filter_map(|l| l.get_ref().file.as_ref())
        .chain(
            catalog
                .tables
                .iter()
                .filter_map(|t| t.get_ref().file.as_ref()),
        )
        .chain(catalog.stories.iter().map(|s| &s.get_ref().file));
    for file in files {
        if let Some(message) = outside_roots(path, &catalog.data_roots, file.get_ref()) {
            return Err(LoadError::new(path, message)
                .with_field("file")
                .at_offset(text, file.span().start));
        }
    }
    Ok(catalog)
}

/// Why `file` (as the catalog at `catalog` names it) is not allowed, if it is not: it must
/// resolve, symlinks followed, inside the catalog's folder or one of `roots`. A file that does
/// not exist yet is judged by its path alone (its absence is reported when it is read).
fn outside_roots(catalog: &Path, roots: &[String], file: &Path) -> Option<String> {
    let dir = catalog.parent().unwrap_or(Path::new("."));
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let allowed: Vec<PathBuf> = std::iter::once(dir.to_path_buf())
        .chain(roots.iter().map(|r| dir.join(r)))
        .filter_map(|r| r.canonicalize().ok())
        .collect();
    let joined = dir.join(file);
    let resolved = match joined.canonicalize() {
        Ok(p) => p,
        Err(_) => {
            // Not there (yet): lexically, `..` and absolute paths still leave the folder.
            let escapes = file.is_absolute()
                || file
                    .components()
                    .any(|c| matches!(c, std::path::Component::ParentDir));
            if !escapes || !roots.is_empty() {
                return None;
            }
            return Some(format!(
                "file '{}' is outside the catalog's folder; list its folder in `data_roots` to allow it",
                file.display()
            ));
        }
    };
    if allowed.iter().any(|root| resolved.starts_with(root)) {
        return None;
    }
    Some(format!(
        "file '{}' leads outside the catalog's folder (through '..', an absolute path or a symlink); list its folder in `data_roots` to allow it",
        file.display()
    ))
}

impl TableConfig {
    /// A table given on the command line, with no catalog: every role is inferred from the
    /// headers (see `source::claims`).
    pub fn for_file(id: &str, path: &Path, kind: TableKind) -> TableConfig {
        TableConfig {
            id: id.to_string(),
            file: Some(Spanned::new(0..0, path.to_path_buf())),
            postgres: None,
            table: None,
            sql: None,
            kind,
            preset: None,
            title: Some(id.to_string()),
            description: String::new(),
            attribution: None,
            license: None,
            columns: Default::default(),
            key: None,
            group: None,
            event_type: None,
            date: None,
            date_end: None,
            latitude: None,
            longitude: None,
            fatalities: None,
            claim: None,
            source: None,
            citation: None,
            source_url: None,
            report_date: None,
            missing_report_date: None,
            id_column: None,
            defaults: Default::default(),
            date_format: None,
            place: PlacePolicy::Stated,
        }
    }
}

impl LayerConfig {
    /// The file or table this layer is built from, for messages.
    pub fn origin(&self) -> String {
        match (&self.file, &self.table) {
            (Some(f), _) => f.get_ref().display().to_string(),
            (None, Some(t)) => format!("table {t}"),
            (None, None) => String::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_key_names_its_line() {
        let text =
            "title = \"x\"\n\n[[layer]]\nid = \"a\"\nfile = \"a.geojson\"\ncolour = \"red\"\n";
        let err = parse_catalog(Path::new("layers.toml"), text).unwrap_err();
        assert_eq!(err.line, Some(6), "{err}");
        assert!(err.message.contains("colour"), "{err}");
    }

    #[test]
    fn duplicate_ids_are_rejected() {
        let text = "[[layer]]\nid = \"a\"\nfile = \"a.geojson\"\n[[layer]]\nid = \"a\"\nfile = \"b.geojson\"\n";
        let err = parse_catalog(Path::new("layers.toml"), text).unwrap_err();
        assert!(err.message.contains("used twice"), "{err}");
        assert_eq!(err.line, Some(4));
    }
}
