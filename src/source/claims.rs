//! Claim tables: presence and incident rows with their provenance. Every row carries its
//! source, a citation or link, and a report date (or the catalog says why the source has
//! none); a row without them is an error naming its file, line and column, because an
//! unsourced claim must never reach a published map.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use super::presets;
use crate::config::{GroupConfig, PlacePolicy, Preset, TableConfig, TableKind};
use crate::date::{self, DateFormat, DateSpan, FormatError};
use crate::error::{LoadError, LoadErrors};
use crate::name::normalize;
use crate::table::{Cell, Interner, Row, Table};
use crate::value::text_id;

/// One claim: who, where, when, and who says so. Its texts are codes into its table's list
/// of texts, read through [`Claims::text`] and [`Claims::str`]: eleven texts of 16 bytes
/// each were 40 % of a large table's memory, and most of a column's values repeat.
#[derive(Clone, Debug, Default)]
pub struct ClaimRow {
    pub line: usize,
    pub id: u64,
    pub date: Option<DateSpan>,
    /// Longitude and latitude, when the row has a location.
    pub point: Option<[f64; 2]>,
    pub fatalities: Option<i64>,
    pub report_date: Option<DateSpan>,
    /// The area the row names (a province or country, by code or name).
    pub key: Text,
    /// The group under the name it is shown and counted as (see [`GroupNames`]).
    pub group: Text,
    /// The group as the row spells it, when that differs from `group`.
    pub group_reported: Text,
    pub event_type: Text,
    /// The fatalities cell as the source words it, when it is not a plain number
    /// ("unknown", "at least 6", "5-7"): kept, because the source said it.
    pub fatalities_text: Text,
    pub claim: Text,
    /// Always present.
    pub source: Text,
    pub citation: Text,
    pub source_url: Text,
}

/// A text of a claim row: an index into its table's list of texts, or none. Two codes of a
/// table may hold equal text (a column's values are stored once each only up to
/// [`crate::table::Interner::LIMIT`] distinct values), so compare texts, not codes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Text(u32);

impl Text {
    pub const NONE: Text = Text(0);

    pub fn is_some(self) -> bool {
        self != Text::NONE
    }

    pub fn is_none(self) -> bool {
        self == Text::NONE
    }
}

/// A loaded claim table.
#[derive(Debug)]
pub struct Claims {
    pub id: String,
    pub kind: TableKind,
    pub title: String,
    pub description: String,
    pub attribution: Option<String>,
    pub license: Option<String>,
    pub missing_report_date: Option<String>,
    /// The file's columns that play no role (a point layer's other attributes), row for row
    /// with `rows`. The columns read into claim rows are dropped once read: holding each
    /// value twice was a quarter of a large table's memory.
    pub table: Table,
    pub rows: Vec<ClaimRow>,
    /// The rows' texts (read through [`Claims::text`]).
    texts: Texts,
    /// Where rows with a disagreeing place name and point are counted.
    pub place: PlacePolicy,
    /// What was inferred rather than declared ("`Killed` → fatalities"), for the start-up log
    /// and `check`.
    pub inferred: Vec<String>,
    /// Spellings merged without a declaration, with how to declare them.
    pub suggestions: Vec<String>,
    /// What filters compare, one packed entry per row.
    pub keys: RowKeys,
    /// Distinct groups, sorted (read through [`Claims::groups`]).
    groups: Vec<Arc<str>>,
    /// Distinct sources, in order of first appearance (read through [`Claims::sources`]).
    sources: Vec<Arc<str>>,
}

/// Normalised names ([`normalize`]), computed once per distinct spelling: a table of a
/// million rows has a few groups and event types.
#[derive(Default)]
struct NormalizedNames(HashMap<Arc<str>, Arc<str>>);

impl NormalizedNames {
    fn get(&mut self, name: &Arc<str>) -> Arc<str> {
        if let Some(key) = self.0.get(name) {
            return key.clone();
        }
        let key: Arc<str> = normalize(name).into();
        self.0.insert(name.clone(), key.clone());
        key
    }
}

/// The distinct values, sorted (deduplicated by hash first: sorting a million repeated
/// strings was a sixth of loading a large table).
fn distinct<'a>(values: impl Iterator<Item = &'a Arc<str>>) -> Vec<Arc<str>> {
    let set: std::collections::HashSet<&Arc<str>> = values.collect();
    let mut out: Vec<Arc<str>> = set.into_iter().cloned().collect();
    out.sort();
    out
}

/// The distinct values in order of first appearance.
fn first_seen<'a>(values: impl Iterator<Item = &'a Arc<str>>) -> Vec<Arc<str>> {
    let mut seen = std::collections::HashSet::new();
    values.filter(|v| seen.insert(*v)).cloned().collect()
}

/// The codes a field of the rows uses, each once, in order of first appearance (a million
/// rows use a few: their texts are then compared once each, not once a row).
fn codes_used(rows: &[ClaimRow], field: fn(&ClaimRow) -> Text, texts: &Texts) -> Vec<Text> {
    let mut seen = CodeMap::new(texts);
    rows.iter()
        .map(field)
        .filter(|&t| t.is_some() && seen.entry(t, || ()).1)
        .collect()
}

/// Values by text code: a shared text's code indexes a list (they are few and dense), a
/// packed one's a map. Looking a million rows' codes up in a map was a twentieth of a load.
struct CodeMap<V> {
    shared: Vec<Option<V>>,
    packed: HashMap<Text, V, crate::value::IdBuild>,
}

impl<V> CodeMap<V> {
    fn new(texts: &Texts) -> CodeMap<V> {
        CodeMap {
            shared: (0..=texts.shared.len()).map(|_| None).collect(),
            packed: HashMap::default(),
        }
    }

    fn get(&self, t: Text) -> Option<&V> {
        if t.0 & PACKED != 0 {
            self.packed.get(&t)
        } else {
            self.shared.get(t.0 as usize)?.as_ref()
        }
    }

    /// The value of `t`, made by `f` if it has none yet; and whether it was made now.
    fn entry(&mut self, t: Text, f: impl FnOnce() -> V) -> (&mut V, bool) {
        if t.0 & PACKED != 0 {
            let new = !self.packed.contains_key(&t);
            (self.packed.entry(t).or_insert_with(f), new)
        } else {
            let i = t.0 as usize;
            if i >= self.shared.len() {
                self.shared.resize_with(i + 1, || None);
            }
            let slot = &mut self.shared[i];
            let new = slot.is_none();
            (slot.get_or_insert_with(f), new)
        }
    }
}

/// The texts of a claim table's rows. Text that repeats is shared ([`Text`] codes from 1);
/// a field's values past [`Interner::LIMIT`] distinct ones (citations, one per row) are
/// packed end to end instead, at a fifth of the cost of an allocation each.
#[derive(Debug, Default)]
struct Texts {
    shared: Vec<Arc<str>>,
    packed: String,
    /// Where each packed text ends in `packed`.
    ends: Vec<usize>,
}

/// Codes of packed texts have this bit set.
const PACKED: u32 = 1 << 31;

impl Texts {
    fn str(&self, t: Text) -> Option<&str> {
        if t.0 & PACKED != 0 {
            let i = (t.0 & !PACKED) as usize;
            let end = *self.ends.get(i)?;
            let start = if i == 0 { 0 } else { self.ends[i - 1] };
            self.packed.get(start..end)
        } else {
            self.shared(t).map(|s| &**s)
        }
    }

    /// The text as a shared string (made for a packed text).
    fn arc(&self, t: Text) -> Option<Arc<str>> {
        if t.0 & PACKED != 0 {
            self.str(t).map(Arc::from)
        } else {
            self.shared(t).cloned()
        }
    }

    /// A shared text (none for a packed code).
    fn shared(&self, t: Text) -> Option<&Arc<str>> {
        (t.0 & PACKED == 0)
            .then(|| (t.0 as usize).checked_sub(1))
            .flatten()
            .and_then(|i| self.shared.get(i))
    }

    fn share(&mut self, text: Arc<str>) -> Text {
        self.shared.push(text);
        Text(self.shared.len() as u32)
    }

    fn pack(&mut self, text: &str) -> Text {
        self.packed.push_str(text);
        self.ends.push(self.packed.len());
        Text((self.ends.len() - 1) as u32 | PACKED)
    }
}

/// The texts of a row as read (see [`Draft`]), by field.
const KEY: usize = 0;
const GROUP: usize = 1;
const EVENT_TYPE: usize = 2;
const FATALITIES_TEXT: usize = 3;
const CLAIM: usize = 4;
const SOURCE: usize = 5;
const CITATION: usize = 6;
const SOURCE_URL: usize = 7;
const DRAFT_TEXTS: usize = 8;

/// A row as read on one core, its texts not yet in the table's list.
#[derive(Clone, Default)]
struct Draft {
    row: ClaimRow,
    texts: [Option<Arc<str>>; DRAFT_TEXTS],
}

/// Puts the rows' texts in the table's list, each once per field. The table's cells share
/// one allocation per distinct value of a column, so a text is known by its address; a
/// field's addresses are remembered up to [`Interner::LIMIT`], as the table's are.
#[derive(Default)]
struct TextStore {
    texts: Texts,
    seen: [HashMap<usize, Text, crate::value::IdBuild>; DRAFT_TEXTS],
}

impl TextStore {
    fn code(&mut self, field: usize, text: Option<Arc<str>>) -> Text {
        let Some(text) = text else {
            return Text::NONE;
        };
        // The list holds the text, so its address is not reused while it is remembered.
        let address = Arc::as_ptr(&text) as *const u8 as usize;
        if let Some(&known) = self.seen[field].get(&address) {
            return known;
        }
        if self.seen[field].len() < Interner::LIMIT {
            let code = self.texts.share(text);
            self.seen[field].insert(address, code);
            code
        } else {
            self.texts.pack(&text)
        }
    }

    fn row(&mut self, draft: Draft) -> ClaimRow {
        let [
            key,
            group,
            event_type,
            fatalities_text,
            claim,
            source,
            citation,
            source_url,
        ] = draft.texts;
        ClaimRow {
            key: self.code(KEY, key),
            group: self.code(GROUP, group),
            event_type: self.code(EVENT_TYPE, event_type),
            fatalities_text: self.code(FATALITIES_TEXT, fatalities_text),
            claim: self.code(CLAIM, claim),
            source: self.code(SOURCE, source),
            citation: self.code(CITATION, citation),
            source_url: self.code(SOURCE_URL, source_url),
            ..draft.row
        }
    }
}

/// Each row's filter keys packed side by side (its dates, and its group and event type as
/// codes into sorted lists of their normalised names), so a filtered request scans a small
/// array instead of every row.
#[derive(Debug, Default)]
pub struct RowKeys {
    pub rows: Vec<RowKey>,
    /// Normalised group names, sorted: [`RowKey::group`] indexes this.
    pub groups: Vec<Arc<str>>,
    /// Normalised event types, sorted: [`RowKey::event_type`] indexes this.
    pub event_types: Vec<Arc<str>>,
}

/// One row's filter keys; see [`RowKeys`].
#[derive(Clone, Copy, Debug, Default)]
pub struct RowKey {
    /// The row's date span, when `dated`.
    pub first: i32,
    pub last: i32,
    pub dated: bool,
    /// Index into [`RowKeys::groups`], or [`NO_CODE`].
    pub group: u32,
    /// Index into [`RowKeys::event_types`], or [`NO_CODE`].
    pub event_type: u32,
}

/// A row with no group (or no event type).
pub const NO_CODE: u32 = u32::MAX;

impl RowKeys {
    fn new(rows: &[ClaimRow], texts: &Texts, names: &mut NormalizedNames) -> RowKeys {
        let (groups, group_code) = Self::codes(rows, |r| r.group, texts, names);
        let (event_types, event_type_code) = Self::codes(rows, |r| r.event_type, texts, names);
        let rows = rows
            .iter()
            .map(|r| RowKey {
                first: r.date.map_or(0, |d| d.first),
                last: r.date.map_or(0, |d| d.last),
                dated: r.date.is_some(),
                group: group_code.get(r.group).copied().unwrap_or(NO_CODE),
                event_type: event_type_code
                    .get(r.event_type)
                    .copied()
                    .unwrap_or(NO_CODE),
            })
            .collect();
        RowKeys {
            rows,
            groups,
            event_types,
        }
    }

    /// A field's normalised names, sorted and each once, and each of its texts' index there.
    fn codes(
        rows: &[ClaimRow],
        field: fn(&ClaimRow) -> Text,
        texts: &Texts,
        names: &mut NormalizedNames,
    ) -> (Vec<Arc<str>>, CodeMap<u32>) {
        let used = codes_used(rows, field, texts);
        let normal: Vec<Arc<str>> = used
            .iter()
            .filter_map(|&t| texts.arc(t).map(|text| names.get(&text)))
            .collect();
        let list = distinct(normal.iter());
        let mut index = CodeMap::new(texts);
        for (&t, n) in used.iter().zip(&normal) {
            if let Some(i) = list
                .binary_search(n)
                .ok()
                .and_then(|i| u32::try_from(i).ok())
            {
                index.entry(t, || i);
            }
        }
        (list, index)
    }
}

/// Which column plays which role, after presets and catalog settings.
#[derive(Debug, Default, Clone)]
pub struct Roles {
    pub key: Option<usize>,
    pub group: Option<usize>,
    pub event_type: Option<usize>,
    pub date: Option<usize>,
    pub date_end: Option<usize>,
    pub latitude: Option<usize>,
    pub longitude: Option<usize>,
    pub fatalities: Option<usize>,
    pub claim: Option<usize>,
    pub source: Option<usize>,
    pub citation: Option<usize>,
    pub source_url: Option<usize>,
    pub report_date: Option<usize>,
    pub id: Option<usize>,
    /// Values a preset derives per row (e.g. UCDP's group from the type of violence).
    pub derived_group: Option<Vec<Option<Arc<str>>>>,
    pub derived_event_type: Option<Vec<Option<Arc<str>>>>,
    pub derived_report_date: Option<Vec<Option<DateSpan>>>,
    /// Widening of each row's date, in days either side (ACLED's time precision).
    pub date_widening: Option<Vec<i32>>,
}

fn text(cell: &Cell) -> Option<Arc<str>> {
    match cell {
        Cell::Null => None,
        Cell::Text(s) => Some(s.clone()),
        other => Some(other.display().into()),
    }
}

/// The roles a claim table's columns can play, and the headers each is recognised by
/// (compared after [`header_key`]: case, spaces and punctuation do not matter). The first
/// header of a role's list found in the table wins; a column plays one role at most.
const ROLE_HEADERS: &[(&str, &[&str])] = &[
    (
        "id",
        &["id", "eventid", "eventidcnty", "incidentid", "rowid"],
    ),
    (
        "source_url",
        &["sourceurl", "url", "link", "links", "sourcelink", "weblink"],
    ),
    (
        "report_date",
        &[
            "reportdate",
            "published",
            "publicationdate",
            "datepublished",
            "publishdate",
            "reported",
            "reportedon",
            "dateofreport",
        ],
    ),
    ("date_end", &["dateend", "enddate", "dateto", "todate"]),
    (
        "date",
        &[
            "date",
            "eventdate",
            "incidentdate",
            "datestart",
            "startdate",
            "datefrom",
            "day",
            "when",
        ],
    ),
    (
        "key",
        &[
            "province",
            "area",
            "admin1",
            "adm1",
            "admin1name",
            "region",
            "district",
            "provincename",
            "place",
            "location",
        ],
    ),
    (
        "group",
        &[
            "group",
            "actor",
            "actor1",
            "perpetrator",
            "perpetrators",
            "armedgroup",
            "groupname",
            "attacker",
            "claimedby",
        ],
    ),
    (
        "event_type",
        &[
            "eventtype",
            "type",
            "incidenttype",
            "attacktype",
            "event",
            "category",
        ],
    ),
    ("latitude", &["latitude", "lat"]),
    ("longitude", &["longitude", "lon", "lng", "long"]),
    (
        "fatalities",
        &[
            "fatalities",
            "killed",
            "deaths",
            "dead",
            "deathtoll",
            "numberkilled",
            "killedtotal",
            "fatalitiesbest",
        ],
    ),
    (
        "claim",
        &[
            "claim",
            "description",
            "summary",
            "details",
            "notes",
            "what",
        ],
    ),
    (
        "source",
        &[
            "source",
            "publication",
            "outlet",
            "sourcename",
            "reportedby",
        ],
    ),
    ("citation", &["citation", "reference", "ref", "section"]),
];

/// The names a role is found by in a table read with a preset (UCDP, ACLED), whose other
/// columns must keep their own meaning: only these exact, conventional headers.
const PRESET_HEADERS: &[(&str, &[&str])] = &[
    ("id", &["id"]),
    ("source_url", &["sourceurl", "url"]),
    ("report_date", &["reportdate"]),
    ("date_end", &["dateend"]),
    ("date", &["date"]),
    ("key", &["province", "area", "admin1"]),
    ("group", &["group"]),
    ("event_type", &["eventtype"]),
    ("latitude", &["latitude", "lat"]),
    ("longitude", &["longitude", "lon", "lng"]),
    ("fatalities", &["fatalities"]),
    ("claim", &["claim"]),
    ("source", &["source"]),
    ("citation", &["citation"]),
];

/// A header as it is compared with role names: lower case, letters and digits only.
pub fn header_key(header: &str) -> String {
    header
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Whether a table, read with no catalog, holds events (it has dates or coordinates) or
/// presence claims (areas and groups only).
pub fn infer_kind(table: &Table) -> TableKind {
    let has = |role: &str| {
        ROLE_HEADERS
            .iter()
            .filter(|(r, _)| *r == role)
            .flat_map(|(_, names)| names.iter())
            .any(|n| table.columns.iter().any(|c| header_key(&c.name) == *n))
    };
    if has("date") || (has("latitude") && has("longitude")) {
        TableKind::Events
    } else {
        TableKind::Presence
    }
}

impl Roles {
    fn slot(&mut self, role: &str) -> Option<&mut Option<usize>> {
        Some(match role {
            "key" => &mut self.key,
            "group" => &mut self.group,
            "event_type" => &mut self.event_type,
            "date" => &mut self.date,
            "date_end" => &mut self.date_end,
            "latitude" => &mut self.latitude,
            "longitude" => &mut self.longitude,
            "fatalities" => &mut self.fatalities,
            "claim" => &mut self.claim,
            "source" => &mut self.source,
            "citation" => &mut self.citation,
            "source_url" => &mut self.source_url,
            "report_date" => &mut self.report_date,
            "id" => &mut self.id,
            _ => return None,
        })
    }
}

/// The column a catalog names for `role`.
fn declared<'a>(cfg: &'a TableConfig, role: &str) -> Option<&'a String> {
    match role {
        "key" => cfg.key.as_ref(),
        "group" => cfg.group.as_ref(),
        "event_type" => cfg.event_type.as_ref(),
        "date" => cfg.date.as_ref(),
        "date_end" => cfg.date_end.as_ref(),
        "latitude" => cfg.latitude.as_ref(),
        "longitude" => cfg.longitude.as_ref(),
        "fatalities" => cfg.fatalities.as_ref(),
        "claim" => cfg.claim.as_ref(),
        "source" => cfg.source.as_ref(),
        "citation" => cfg.citation.as_ref(),
        "source_url" => cfg.source_url.as_ref(),
        "report_date" => cfg.report_date.as_ref(),
        "id" => cfg.id_column.as_ref(),
        _ => None,
    }
}

/// Group names as the catalog declares them (`[[group]]`): every alias, normalised, to the
/// name it is shown under.
#[derive(Debug, Default, Clone)]
pub struct GroupNames {
    names: HashMap<String, Arc<str>>,
}

impl GroupNames {
    pub fn new(groups: &[GroupConfig]) -> GroupNames {
        let mut names = HashMap::new();
        for g in groups {
            let name: Arc<str> = g.name.as_str().into();
            for alias in std::iter::once(&g.name).chain(&g.aliases) {
                names.insert(normalize(alias), name.clone());
            }
        }
        GroupNames { names }
    }

    /// The declared name of a group as a source spells it, if the catalog declares one.
    pub fn declared(&self, spelling: &str) -> Option<&Arc<str>> {
        self.names.get(&normalize(spelling))
    }

    /// As [`GroupNames::declared`], for a spelling already normalised.
    fn declared_key(&self, key: &str) -> Option<&Arc<str>> {
        self.names.get(key)
    }
}

/// A count as sources write it: a whole number, or words ("unknown", "at least 6", "5-7")
/// that keep the row but leave the number empty. `Err` for a negative or fractional count.
fn count(cell: &Cell) -> Result<(Option<i64>, Option<Arc<str>>), String> {
    match cell {
        Cell::Null => Ok((None, None)),
        Cell::Int(i) if *i >= 0 => Ok((Some(*i), None)),
        Cell::Float(f) if *f >= 0.0 && f.fract() == 0.0 && *f < 1e15 => Ok((Some(*f as i64), None)),
        Cell::Int(_) | Cell::Float(_) => Err(format!(
            "fatalities '{}' is not a whole number of 0 or more",
            cell.display()
        )),
        other => {
            let t = other.display();
            let t = t.trim();
            match t.parse::<i64>() {
                Ok(n) if n >= 0 => Ok((Some(n), None)),
                Ok(_) => Err(format!(
                    "fatalities '{t}' is not a whole number of 0 or more"
                )),
                Err(_) => Ok((None, Some(t.into()))),
            }
        }
    }
}

impl Claims {
    /// Build from a typed table and its catalog entry. Table-wide problems (a missing column,
    /// an ambiguous date format) stop at once; problems of single rows are all reported.
    pub fn new(cfg: &TableConfig, table: Table, groups: &GroupNames) -> Result<Claims, LoadErrors> {
        let file = Path::new(&table.file).to_path_buf();
        let mut inferred = Vec::new();
        let explicit_roles = ROLE_HEADERS.iter().any(|(r, _)| declared(cfg, r).is_some());
        let preset = match cfg.preset {
            Some(p) => Some(p),
            // Read with no catalog: recognise the exports people already have.
            None if !explicit_roles => {
                let p = presets::detect(&table);
                if let Some(p) = p {
                    inferred.push(format!(
                        "columns are a {} export: read with its preset",
                        p.name()
                    ));
                }
                p
            }
            None => None,
        };
        let mut roles = match preset {
            Some(Preset::Ucdp) => presets::ucdp(&table)?,
            Some(Preset::Acled) => presets::acled(&table)?,
            None => Roles::default(),
        };
        // Catalog settings name columns and win over a preset; otherwise a role left empty
        // takes the first column whose header is one of the role's usual names.
        let mut used: Vec<usize> = Vec::new();
        for (role, _) in ROLE_HEADERS {
            if let Some(name) = declared(cfg, role) {
                let c = table.require(name, role)?;
                if let Some(slot) = roles.slot(role) {
                    *slot = Some(c);
                }
                used.push(c);
            }
        }
        let headers = if preset.is_some() {
            PRESET_HEADERS
        } else {
            ROLE_HEADERS
        };
        let mut found_roles: Vec<(usize, &str)> = Vec::new();
        for (role, names) in headers {
            let slot = roles.slot(role).map(|s| *s);
            match slot {
                Some(Some(c)) => used.push(c),
                Some(None) if declared(cfg, role).is_none() => {
                    let found = names.iter().find_map(|n| {
                        table
                            .columns
                            .iter()
                            .enumerate()
                            .find(|(c, col)| !used.contains(c) && header_key(&col.name) == *n)
                            .map(|(c, _)| c)
                    });
                    if let Some(c) = found {
                        used.push(c);
                        if let Some(slot) = roles.slot(role) {
                            *slot = Some(c);
                        }
                        found_roles.push((c, role));
                    }
                }
                _ => {}
            }
        }

        // In the order of the columns, as the person sees them in the sheet.
        found_roles.sort();
        for (c, role) in found_roles {
            inferred.push(format!("`{}` → {role}", table.columns[c].name));
        }

        // One allocation per default, shared by every row that takes it.
        let defaults: HashMap<&str, Arc<str>> = cfg
            .defaults
            .iter()
            .map(|(k, v)| (k.as_str(), Arc::from(v.as_str())))
            .collect();
        let default = |name: &str| defaults.get(name).cloned();
        let default_report_date = match cfg.defaults.get("report_date") {
            Some(d) => Some(date::parse(d).map_err(|e| {
                LoadError::new(&file, format!("catalog default report_date: {e}"))
                    .with_field("report_date")
            })?),
            None => None,
        };
        if roles.source.is_none() && default("source").is_none() {
            return Err(table
                .missing_column(
                    "source",
                    "every claim needs its source; or set defaults.source in the catalog",
                )
                .into());
        }
        if roles.citation.is_none()
            && roles.source_url.is_none()
            && default("citation").is_none()
            && default("source_url").is_none()
        {
            return Err(table
                .missing_column(
                    "citation",
                    "every claim needs a citation or a source_url column",
                )
                .into());
        }
        if cfg.kind == TableKind::Events
            && roles.key.is_none()
            && (roles.latitude.is_none() || roles.longitude.is_none())
        {
            return Err(table
                .missing_column(
                    "latitude",
                    "events need coordinates (latitude, longitude) or an area column",
                )
                .into());
        }
        if roles.latitude.is_some() != roles.longitude.is_some() {
            let missing = if roles.latitude.is_none() {
                "latitude"
            } else {
                "longitude"
            };
            return Err(table
                .missing_column(missing, "coordinates need both latitude and longitude")
                .into());
        }
        if cfg.kind == TableKind::Presence && roles.key.is_none() {
            return Err(table
                .missing_column("province", "presence rows name the area they are about")
                .into());
        }

        // One date format per column, from the catalog or from all of the column's values.
        let declared_format = cfg.date_format.as_deref().and_then(DateFormat::from_name);
        let mut formats: HashMap<usize, DateFormat> = HashMap::new();
        for (role, c) in [
            ("date", roles.date),
            ("date_end", roles.date_end),
            ("report_date", roles.report_date),
        ] {
            let Some(c) = c else { continue };
            if formats.contains_key(&c)
                || table
                    .rows()
                    .all(|r| matches!(r.cells[c], Cell::Null | Cell::Date(_)))
            {
                continue;
            }
            let values: Vec<String> = table
                .rows()
                .filter(|r| !matches!(r.cells[c], Cell::Date(_)))
                .map(|r| r.cells[c].display())
                .collect();
            let format = match declared_format {
                Some(f) => f,
                None => {
                    match date::infer_format(values.iter().map(String::as_str), table.spreadsheet) {
                        Ok(f) => f,
                        Err(FormatError::Ambiguous) => {
                            return Err(LoadError::new(
                            &file,
                            format!(
                                "the dates in column '{}' ({role}) read both as DD/MM/YYYY and as MM/DD/YYYY (no day is above 12), so the file does not say which; declare it on the table in a catalog: date_format = \"DD/MM/YYYY\" (or \"MM/DD/YYYY\")",
                                table.columns[c].name
                            ),
                        )
                        .at_line(1)
                        .at_column(c + 1)
                        .with_field(table.columns[c].name.clone())
                        .into());
                        }
                        Err(FormatError::NoDates) => DateFormat::Iso,
                    }
                }
            };
            if format != DateFormat::Iso || declared_format.is_none() {
                inferred.push(format!(
                    "dates in `{}` read as {}{}",
                    table.columns[c].name,
                    format.name(),
                    if declared_format.is_some() {
                        " (catalog)"
                    } else {
                        ""
                    }
                ));
            }
            formats.insert(c, format);
        }

        // The file's columns that play no role are kept, as a table of their own.
        let role_columns: Vec<usize> = [
            roles.key,
            roles.group,
            roles.event_type,
            roles.date,
            roles.date_end,
            roles.latitude,
            roles.longitude,
            roles.fatalities,
            roles.claim,
            roles.source,
            roles.citation,
            roles.source_url,
            roles.report_date,
        ]
        .into_iter()
        .flatten()
        .collect();
        let kept = table.without_columns(&role_columns);
        // Rows are read in blocks, last block first: within a block in runs, one per core;
        // then each row's texts are put in the table's list, and the block's typed cells are
        // given back (holding every typed cell and every claim row at once was the peak of
        // loading a large table). Ids are checked for repeats after, in order.
        const BLOCK: usize = 1 << 16;
        let n = table.len();
        let mut table = table;
        let mut rows: Vec<ClaimRow> = Vec::new();
        let mut store = TextStore::default();
        let mut drafts = vec![Draft::default(); BLOCK.min(n)];
        let mut failed = Vec::new();
        let firsts: Vec<usize> = (0..n).step_by(BLOCK).collect();
        for &first in firsts.iter().rev() {
            let block = &mut drafts[..BLOCK.min(n - first)];
            let runs = crate::cores::fill_runs(block, 8_192, |start, run| {
                let mut failed = Vec::new();
                for (i, out) in run.iter_mut().enumerate() {
                    let r = first + start + i;
                    match Self::row(
                        cfg,
                        &table,
                        &roles,
                        &formats,
                        r,
                        table.row(r),
                        &default,
                        default_report_date,
                    ) {
                        Ok(draft) => *out = draft,
                        Err(e) => {
                            *out = Draft::default();
                            failed.push((r, e));
                        }
                    }
                }
                failed
            });
            failed.extend(runs.into_iter().flatten());
            for draft in block.iter_mut().rev() {
                rows.push(store.row(std::mem::take(draft)));
            }
            table.keep_rows(first);
        }
        drop(drafts);
        drop(table);
        rows.reverse();
        failed.sort_by_key(|(r, _)| *r);
        let mut failed = failed.into_iter().peekable();
        let mut errors: Vec<LoadError> = Vec::new();
        let mut ids: HashMap<u64, usize, crate::value::IdBuild> =
            HashMap::with_capacity_and_hasher(n, Default::default());
        // The id column's place among the kept columns.
        let id_column = roles
            .id
            .map(|c| (c, c - role_columns.iter().filter(|&&d| d < c).count()));
        for (r, claim) in rows.iter().enumerate() {
            if let Some((_, e)) = failed.next_if(|(f, _)| *f == r) {
                errors.push(e);
                continue;
            }
            if let Some(prev) = ids.insert(claim.id, claim.line) {
                let id = id_column
                    .map(|(_, k)| kept.row(r).cells[k].display())
                    .unwrap_or_default();
                let message = format!("id {id} repeats the id of line {prev}; ids must be unique");
                let error = LoadError::new(Path::new(&kept.file), message).at_line(claim.line);
                errors.push(match id_column {
                    Some((c, k)) => error
                        .at_column(c + 1)
                        .with_field(kept.columns[k].name.clone()),
                    None => error.with_field("id"),
                });
            }
        }
        drop(ids);
        if !errors.is_empty() {
            return Err(LoadErrors(errors));
        }
        let mut names = NormalizedNames::default();
        let suggestions = merge_group_spellings(&mut rows, &mut store.texts, groups, &mut names);
        let mut texts = store.texts;
        texts.packed.shrink_to_fit();
        texts.ends.shrink_to_fit();
        texts.shared.shrink_to_fit();
        let used = |field: fn(&ClaimRow) -> Text| -> Vec<Arc<str>> {
            codes_used(&rows, field, &texts)
                .into_iter()
                .filter_map(|t| texts.arc(t))
                .collect()
        };
        let (groups, sources) = (used(|r| r.group), used(|r| r.source));
        Ok(Claims {
            id: cfg.id.clone(),
            kind: cfg.kind,
            title: cfg.title.clone().unwrap_or_else(|| cfg.id.clone()),
            description: cfg.description.clone(),
            attribution: cfg.attribution.clone(),
            license: cfg.license.clone(),
            missing_report_date: cfg.missing_report_date.clone(),
            place: cfg.place,
            table: kept,
            keys: RowKeys::new(&rows, &texts, &mut names),
            groups: distinct(groups.iter()),
            sources: first_seen(sources.iter()),
            rows,
            texts,
            inferred,
            suggestions,
        })
    }

    /// One row as a claim, or the first problem with it.
    #[allow(clippy::too_many_arguments)]
    fn row(
        cfg: &TableConfig,
        table: &Table,
        roles: &Roles,
        formats: &HashMap<usize, DateFormat>,
        r: usize,
        row: Row,
        default: &(dyn Fn(&str) -> Option<Arc<str>> + Sync),
        default_report_date: Option<DateSpan>,
    ) -> Result<Draft, LoadError> {
        let file = Path::new(&table.file);
        let cell = |c: Option<usize>| c.map(|c| &row.cells[c]).unwrap_or(&Cell::Null);
        let err = |c: Option<usize>, name: &str, msg: String| match c {
            Some(c) => table.cell_error(row, c, msg),
            None => LoadError::new(file, msg).at_line(row.line).with_field(name),
        };
        let date_of = |c: Option<usize>, name: &str| -> Result<Option<DateSpan>, LoadError> {
            match cell(c) {
                Cell::Null => Ok(None),
                Cell::Date(d) => Ok(Some(*d)),
                other => {
                    let format = c
                        .and_then(|c| formats.get(&c))
                        .copied()
                        .unwrap_or(DateFormat::Iso);
                    let text = other.display();
                    format.parse(&text).map(Some).map_err(|e| {
                        let e = if format == DateFormat::Iso {
                            e
                        } else {
                            format!("{e}; the other dates in this column are {}", format.name())
                        };
                        err(c, name, e)
                    })
                }
            }
        };
        let source = text(cell(roles.source))
            .or_else(|| default("source"))
            .ok_or_else(|| {
                err(
                    roles.source,
                    "source",
                    "missing source: every claim needs the publication or data set it comes from"
                        .into(),
                )
            })?;
        let citation = text(cell(roles.citation)).or_else(|| default("citation"));
        let source_url = text(cell(roles.source_url)).or_else(|| default("source_url"));
        if citation.is_none() && source_url.is_none() {
            return Err(err(
                roles.citation.or(roles.source_url),
                "citation",
                "missing citation and source_url: give at least one so readers can check the claim"
                    .into(),
            ));
        }
        let report_date = match &roles.derived_report_date {
            Some(d) => d[r],
            None => date_of(roles.report_date, "report_date")?,
        }
        .or(default_report_date);
        if report_date.is_none() && cfg.missing_report_date.is_none() {
            return Err(err(
                roles.report_date,
                "report_date",
                "missing report date (YYYY-MM-DD, YYYY-MM or YYYY); if the source gives none, say why with missing_report_date in the catalog".into(),
            ));
        }
        let mut when = date_of(roles.date, "date")?;
        if let (Some(start), Some(end)) = (when, date_of(roles.date_end, "date_end")?) {
            if end.last < start.first {
                return Err(err(
                    roles.date_end,
                    "date_end",
                    format!("end date {end} is before the start date {start}"),
                ));
            }
            when = Some(start.until(end));
        }
        if let (Some(d), Some(w)) = (when.as_mut(), roles.date_widening.as_ref()) {
            d.first -= w[r];
            d.last += w[r];
        }
        let point = match (cell(roles.latitude), cell(roles.longitude)) {
            (Cell::Null, Cell::Null) => None,
            (lat, lon) => {
                let number = |c: &Cell| {
                    c.number()
                        .or_else(|| c.display().trim().parse::<f64>().ok())
                };
                let lat_v = number(lat).filter(|v| v.is_finite()).ok_or_else(|| {
                    err(
                        roles.latitude,
                        "latitude",
                        format!("latitude '{}' is not a number", lat.display()),
                    )
                })?;
                let lon_v = number(lon).filter(|v| v.is_finite()).ok_or_else(|| {
                    err(
                        roles.longitude,
                        "longitude",
                        format!("longitude '{}' is not a number", lon.display()),
                    )
                })?;
                if !(-90.0..=90.0).contains(&lat_v) {
                    return Err(err(
                        roles.latitude,
                        "latitude",
                        format!(
                            "latitude {lat_v} is outside -90..90 (are latitude and longitude swapped?)"
                        ),
                    ));
                }
                if !(-180.0..=180.0).contains(&lon_v) {
                    return Err(err(
                        roles.longitude,
                        "longitude",
                        format!("longitude {lon_v} is outside -180..180"),
                    ));
                }
                Some([lon_v, lat_v])
            }
        };
        let key = text(cell(roles.key));
        if cfg.kind == TableKind::Presence && key.is_none() {
            return Err(err(
                roles.key,
                "key",
                "empty area: a presence row must name the province or country it is about".into(),
            ));
        }
        if cfg.kind == TableKind::Events && point.is_none() && key.is_none() {
            return Err(err(
                roles.key,
                "key",
                "the row has neither coordinates nor an area, so it cannot be placed".into(),
            ));
        }
        let (fatalities, fatalities_text) =
            count(cell(roles.fatalities)).map_err(|e| err(roles.fatalities, "fatalities", e))?;
        let id = match cell(roles.id) {
            Cell::Int(i) if *i >= 0 => *i as u64,
            Cell::Null => row.line as u64,
            other => text_id(&other.display()),
        };
        let group = match &roles.derived_group {
            Some(g) => g[r].clone(),
            None => text(cell(roles.group)),
        };
        let event_type = match &roles.derived_event_type {
            Some(e) => e[r].clone(),
            None => text(cell(roles.event_type)),
        };
        let mut texts: [Option<Arc<str>>; DRAFT_TEXTS] = Default::default();
        texts[KEY] = key;
        texts[GROUP] = group;
        texts[EVENT_TYPE] = event_type;
        texts[FATALITIES_TEXT] = fatalities_text;
        texts[CLAIM] = text(cell(roles.claim));
        texts[SOURCE] = Some(source);
        texts[CITATION] = citation;
        texts[SOURCE_URL] = source_url;
        Ok(Draft {
            row: ClaimRow {
                line: row.line,
                id,
                date: when,
                point,
                fatalities,
                report_date,
                ..ClaimRow::default()
            },
            texts,
        })
    }
}

/// Give every row's group the name it is shown under: the catalog's `[[group]]` name for a
/// declared alias; otherwise, among spellings that normalise alike ("ISIL-K", "ISIL K"), the
/// most used one (the first seen on a tie). The row keeps its own spelling in
/// `group_reported`. Returns a suggestion for each undeclared merge.
/// A group's spelling, how many rows use it, and the first line that does.
type Spelling = (Arc<str>, usize, usize);

fn merge_group_spellings(
    rows: &mut [ClaimRow],
    texts: &mut Texts,
    declared: &GroupNames,
    names: &mut NormalizedNames,
) -> Vec<String> {
    // Each group code's rows and first line, in order of first appearance.
    let mut uses: CodeMap<(usize, usize)> = CodeMap::new(texts);
    let mut codes: Vec<Text> = Vec::new();
    for row in rows.iter().filter(|r| r.group.is_some()) {
        let (use_, new) = uses.entry(row.group, || (0, row.line));
        use_.0 += 1;
        if new {
            codes.push(row.group);
        }
    }
    // normalised → (spelling, count, first line), in order of first appearance
    let mut spellings: HashMap<Arc<str>, Vec<Spelling>> = HashMap::new();
    let mut order: Vec<Arc<str>> = Vec::new();
    for &code in &codes {
        let Some(g) = texts.arc(code) else { continue };
        let g = &g;
        let Some(&(count, line)) = uses.get(code) else {
            continue;
        };
        if declared.declared_key(&names.get(g)).is_some() {
            continue;
        }
        let key = names.get(g);
        let entry = spellings.entry(key.clone()).or_insert_with(|| {
            order.push(key);
            Vec::new()
        });
        match entry.iter_mut().find(|(s, _, _)| s == g) {
            Some(e) => e.1 += count,
            None => entry.push((g.clone(), count, line)),
        }
    }
    let mut chosen: HashMap<Arc<str>, Arc<str>> = HashMap::new();
    let mut suggestions = Vec::new();
    for key in order {
        let list = &spellings[&key];
        let best = list
            .iter()
            .enumerate()
            .max_by_key(|(i, (_, n, _))| (*n, usize::MAX - i))
            .map(|(_, (s, _, _))| s.clone());
        let Some(best) = best else { continue };
        if list.len() > 1 {
            let others: Vec<String> = list
                .iter()
                .filter(|(s, _, _)| *s != best)
                .map(|(s, _, line)| format!("'{s}' (line {line})"))
                .collect();
            suggestions.push(format!(
                "{} and '{best}' normalise alike and are counted as '{best}'; to choose the name, declare [[group]] name = \"{best}\" aliases = [{}] in the catalog",
                others.join(", "),
                list.iter()
                    .filter(|(s, _, _)| *s != best)
                    .map(|(s, _, _)| format!("\"{s}\""))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        chosen.insert(key, best);
    }
    // Names that are the initials of another ("TTP", "Tehreek-e-Taliban Pakistan") may be
    // one group: only a person can say, so suggest, never merge.
    let merged: Vec<&Arc<str>> = chosen.values().collect();
    let mut pairs: Vec<String> = Vec::new();
    for short in &merged {
        for long in &merged {
            if short != long && initials(long) == normalize(short) && normalize(short).len() >= 2 {
                pairs.push(format!(
                    "'{short}' may be the initials of '{long}'; if they are one group, declare [[group]] name = \"{short}\" aliases = [\"{long}\"] in the catalog"
                ));
            }
        }
    }
    pairs.sort();
    suggestions.extend(pairs);
    // The code each group code is shown under; a name not in the list is added once.
    let mut added: HashMap<Arc<str>, Text> = HashMap::new();
    let mut renamed: HashMap<Text, Text, crate::value::IdBuild> = HashMap::default();
    for code in codes {
        let Some(g) = texts.arc(code) else {
            continue;
        };
        let name = match declared.declared_key(&names.get(&g)) {
            Some(name) => name.clone(),
            None => chosen
                .get(&names.get(&g))
                .cloned()
                .unwrap_or_else(|| g.clone()),
        };
        if name != g {
            let to = *added
                .entry(name.clone())
                .or_insert_with(|| texts.share(name));
            renamed.insert(code, to);
        }
    }
    if !renamed.is_empty() {
        for row in rows.iter_mut() {
            if let Some(&to) = renamed.get(&row.group) {
                row.group_reported = row.group;
                row.group = to;
            }
        }
    }
    suggestions
}

/// The initials of a name's words of two letters or more: "Tehreek-e-Taliban Pakistan" →
/// "ttp", "Islamic State Khorasan Province" → "iskp".
fn initials(name: &str) -> String {
    name.split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 2)
        .filter_map(|w| w.chars().next())
        .flat_map(char::to_lowercase)
        .collect()
}

impl Claims {
    /// Distinct groups, sorted.
    pub fn groups(&self) -> &[Arc<str>] {
        &self.groups
    }

    /// Distinct sources, in order of first appearance.
    pub fn sources(&self) -> &[Arc<str>] {
        &self.sources
    }

    /// A text of one of this table's rows, shared (a text stored packed is copied out).
    pub fn text(&self, t: Text) -> Option<Arc<str>> {
        self.texts.arc(t)
    }

    /// A text of one of this table's rows.
    pub fn str(&self, t: Text) -> Option<&str> {
        self.texts.str(t)
    }
}

impl ClaimRow {
    /// The row as a JSON object for popups and downloads.
    pub fn to_json(&self, table: &Claims) -> serde_json::Value {
        let mut o = serde_json::Map::new();
        let mut put = |k: &str, v: serde_json::Value| {
            if !v.is_null() {
                o.insert(k.to_string(), v);
            }
        };
        let text = |t: Text| serde_json::Value::from(table.str(t));
        put("group", text(self.group));
        put("group_reported", text(self.group_reported));
        put("event_type", text(self.event_type));
        put("date", self.date.map(|d| d.to_string()).into());
        put("fatalities", self.fatalities.into());
        put("fatalities_text", text(self.fatalities_text));
        put("claim", text(self.claim));
        put("area", text(self.key));
        put("source", text(self.source));
        put("citation", text(self.citation));
        put("source_url", text(self.source_url));
        put(
            "report_date",
            match self.report_date {
                Some(d) => d.to_string().into(),
                None => table
                    .missing_report_date
                    .as_ref()
                    .map(|_| "not stated")
                    .into(),
            },
        );
        put("table", table.id.clone().into());
        put("line", self.line.into());
        serde_json::Value::Object(o)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::TableKind;

    /// A table past the texts shared per field (a citation a row) and past a block of rows:
    /// every row keeps its own texts, in order, and groups spelled two ways are merged.
    #[test]
    fn a_large_table_keeps_each_rows_texts() {
        let n = 140_000;
        let mut csv = String::from("id,province,group,citation,source,report_date\n");
        for i in 0..n {
            let group = if i % 2 == 0 { "TTP" } else { "ttp" };
            csv.push_str(&format!("{i},AF-KHO,{group},citation {i},S,2025-03\n"));
        }
        let path = Path::new("presence.csv");
        let text = crate::source::read_table(path, csv.as_bytes()).unwrap();
        let table = crate::table::type_columns(text, &Default::default()).unwrap();
        let cfg = TableConfig::for_file("presence", path, TableKind::Presence);
        let claims = Claims::new(&cfg, table, &GroupNames::default()).unwrap();
        assert_eq!(claims.rows.len(), n);
        for r in [0, 1, 65_535, 65_536, 65_537, 131_072, n - 1] {
            let row = &claims.rows[r];
            assert_eq!(row.id, r as u64);
            assert_eq!(row.line, r + 2);
            let citation = format!("citation {r}");
            assert_eq!(claims.str(row.citation), Some(citation.as_str()));
            assert_eq!(
                claims.text(row.citation).as_deref(),
                Some(citation.as_str())
            );
            assert_eq!(claims.str(row.source), Some("S"));
            assert_eq!(claims.str(row.key), Some("AF-KHO"));
            // Both spellings are counted as the first seen; the row keeps its own.
            assert_eq!(claims.str(row.group), Some("TTP"));
            let reported = (r % 2 == 1).then_some("ttp");
            assert_eq!(claims.str(row.group_reported), reported);
        }
        assert_eq!(claims.groups().len(), 1);
        assert_eq!(claims.sources().len(), 1);
        assert_eq!(claims.keys.groups.len(), 1);
        assert!(claims.keys.rows.iter().all(|k| k.group == 0));
    }
}
