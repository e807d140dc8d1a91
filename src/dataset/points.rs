//! A claim table's rows with coordinates as a point layer: the roles under fixed attribute
//! names (`group`, `date`, `date_days`, `fatalities`, `source`, ...) so styles work on any
//! table, then the table's other columns.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use crate::config::{LayerConfig, TableConfig};
use crate::date::DateSpan;
use crate::error::{LoadError, LoadErrors};
use crate::geometry::GeomKind;
use crate::geometry::Shapes;
use crate::geometry::projection::project;
use crate::source;
use crate::source::claims::{ClaimRow, Claims, GroupNames, Text};
use crate::tile::simplify::KEEP;
use crate::value::{Attributes, Feature, FieldType, Value};

use super::build::{FeatureIds, fields_of, finish_layer, id_field};
use super::{Layer, PointRows};

/// Read, type and check a claim table. The file's bytes are dropped once read (a large
/// table's text would otherwise be held through typing and reading its rows).
pub fn load_claims(
    cfg: &TableConfig,
    file: &Path,
    bytes: Vec<u8>,
    groups: &GroupNames,
) -> Result<Claims, LoadErrors> {
    let text = source::read_table(file, &bytes)?;
    drop(bytes);
    let table = crate::table::type_columns(text, &cfg.columns)?;
    Claims::new(cfg, table, groups)
}

/// The attributes every point layer made from a table has, whatever its columns, in the
/// order [`attributes`] gives them.
const ROLE_FIELDS: &[&str] = &[
    "group",
    "event_type",
    "date",
    "date_days",
    "date_end_days",
    "fatalities",
    "fatalities_text",
    "group_reported",
    "claim",
    "area",
    "source",
    "citation",
    "source_url",
    "report_date",
];

/// The type of a role attribute: day numbers and fatalities are integers, the rest text.
fn role_type(name: &str) -> FieldType {
    match name {
        "date_days" | "date_end_days" | "fatalities" => FieldType::Integer,
        _ => FieldType::String,
    }
}

/// The roles a row has values for, as positions in [`ROLE_FIELDS`]: all of them but
/// `fatalities_text` and `group_reported`, which only some rows have (so tables without such
/// rows keep their fields).
fn roles_of(row: &ClaimRow) -> impl Iterator<Item = usize> + '_ {
    (0..ROLE_FIELDS.len()).filter(|&i| match i {
        6 => row.fatalities_text.is_some(),
        7 => row.group_reported.is_some(),
        _ => true,
    })
}

/// A row's value of the role at position `role` in [`ROLE_FIELDS`].
fn role_value(
    claims: &Claims,
    row: &ClaimRow,
    role: usize,
    day_text: impl FnOnce(DateSpan) -> Value,
) -> Value {
    let text = |t: &Text| claims.text(*t).map_or(Value::Null, Value::String);
    match role {
        0 => text(&row.group),
        1 => text(&row.event_type),
        2 => row.date.map_or(Value::Null, day_text),
        3 => row.date.map_or(Value::Null, |d| Value::Int(d.first as i64)),
        4 => row.date.map_or(Value::Null, |d| Value::Int(d.last as i64)),
        5 => row.fatalities.map_or(Value::Null, Value::Int),
        6 => text(&row.fatalities_text),
        7 => text(&row.group_reported),
        8 => text(&row.claim),
        9 => text(&row.key),
        10 => text(&row.source),
        11 => text(&row.citation),
        12 => text(&row.source_url),
        13 => match row.report_date {
            Some(d) => day_text(d),
            None if claims.missing_report_date.is_some() => Value::String("not stated".into()),
            None => Value::Null,
        },
        _ => Value::Null,
    }
}

/// Where a field of a table's point layer comes from.
#[derive(Clone, Copy, Debug)]
enum Slot {
    /// A role, by position in [`ROLE_FIELDS`].
    Role(usize),
    /// One of the table's other columns.
    Column(usize),
    /// A column added after loading (see [`PointAttributes::add_column`]).
    Added(usize),
}

/// The attributes of a table's point layer, read from the claim rows when asked for: the
/// rows already hold every value, and a million points held them again (352 bytes a row,
/// a quarter of a large table's memory).
#[derive(Debug)]
pub struct PointAttributes {
    claims: Arc<Claims>,
    row_of_feature: Arc<[u32]>,
    slots: Vec<Slot>,
    /// Fields whose values differ in type: each value read as the field's type.
    coerce: Vec<Option<FieldType>>,
    /// Dates as text, made once per distinct day: a million rows span a few thousand.
    days: HashMap<DateSpan, Arc<str>>,
    added: Vec<Vec<Value>>,
}

impl PointAttributes {
    /// A field after the others, with a value per feature.
    pub fn add_column(&mut self, values: Vec<Value>) {
        self.slots.push(Slot::Added(self.added.len()));
        self.coerce.push(None);
        self.added.push(values);
    }

    /// Feature `i`'s value of field `k` as the row has it (not yet of the field's type).
    fn read(&self, i: usize, k: usize) -> Value {
        let r = self.row_of_feature[i] as usize;
        match self.slots[k] {
            Slot::Role(role) => role_value(&self.claims, &self.claims.rows[r], role, |d| {
                Value::String(match self.days.get(&d) {
                    Some(t) => t.clone(),
                    None => d.to_string().into(),
                })
            }),
            Slot::Column(c) => self
                .claims
                .table
                .get(r)
                .and_then(|row| row.cells.get(c))
                .map_or(Value::Null, |cell| cell.to_value()),
            Slot::Added(j) => self.added[j][i].clone(),
        }
    }
}

impl Attributes for PointAttributes {
    fn width(&self) -> usize {
        self.slots.len()
    }

    fn value(&self, i: usize, k: usize) -> Value {
        let v = self.read(i, k);
        match self.coerce[k] {
            Some(kind) => v.coerce(kind),
            None => v,
        }
    }
}

/// A point layer of the rows of a claim table that have coordinates. Attributes: the roles
/// under fixed names (`group`, `date`, `date_days`, `fatalities`, `source`, ...) so styles work
/// on any table, then the table's other columns. Built straight into each feature's values
/// (no intermediate list of keyed values per row: a million rows held both at once).
pub fn points_layer(cfg: &LayerConfig, claims: Arc<Claims>) -> Result<Layer, LoadError> {
    let file = Path::new(&claims.table.file);
    let row_of_feature: Arc<[u32]> = claims
        .rows
        .iter()
        .enumerate()
        .filter(|(_, row)| row.point.is_some())
        .map(|(r, _)| r as u32)
        .collect();
    // Checked against the role names, not the keys seen so far: a column named like a role
    // is the role's.
    let others: Vec<usize> = (0..claims.table.columns.len())
        .filter(|&c| !ROLE_FIELDS.contains(&claims.table.columns[c].name.as_str()))
        .collect();
    // Keys in order of first appearance: every row has the same ones but for two that only
    // some rows have, so the first row and the first rows with those decide the order.
    let mut keys: Vec<String> = Vec::new();
    let first_with = |has: fn(&ClaimRow) -> bool| {
        row_of_feature
            .iter()
            .map(|&r| r as usize)
            .find(|&r| has(&claims.rows[r]))
    };
    let mut deciding: Vec<usize> = [
        first_with(|_| true),
        first_with(|r| r.fatalities_text.is_some()),
        first_with(|r| r.group_reported.is_some()),
    ]
    .into_iter()
    .flatten()
    .collect();
    deciding.sort_unstable();
    deciding.dedup();
    for &r in &deciding {
        for i in roles_of(&claims.rows[r]) {
            let name = ROLE_FIELDS[i];
            if !keys.iter().any(|k| k == name) {
                keys.push(name.to_string());
            }
        }
        for &c in &others {
            let name = &claims.table.columns[c].name;
            if !keys.contains(name) {
                keys.push(name.clone());
            }
        }
    }
    let slots: Vec<Slot> = keys
        .iter()
        .map(|name| match ROLE_FIELDS.iter().position(|n| n == name) {
            Some(role) => Slot::Role(role),
            None => Slot::Column(
                others
                    .iter()
                    .rev()
                    .copied()
                    .find(|&c| &claims.table.columns[c].name == name)
                    .unwrap_or(usize::MAX),
            ),
        })
        .collect();
    let mut days: HashMap<DateSpan, Arc<str>> = HashMap::new();
    for &r in row_of_feature.iter() {
        let row = &claims.rows[r as usize];
        for d in [row.date, row.report_date].into_iter().flatten() {
            days.entry(d).or_insert_with(|| d.to_string().into());
        }
    }
    let mut attrs = PointAttributes {
        coerce: vec![None; slots.len()],
        slots,
        days,
        added: Vec::new(),
        row_of_feature: Arc::clone(&row_of_feature),
        claims: claims.clone(),
    };

    // Each field's type, and whether its values differ in type, read on every core: runs
    // are merged in order, a field mixed when a run is or two runs' types differ.
    let width = keys.len();
    let runs = crate::cores::map_runs(row_of_feature.len(), 100_000, |run| {
        let mut types: Vec<Option<FieldType>> = vec![None; width];
        let mut mixed = vec![false; width];
        for i in run {
            for (k, t) in types.iter_mut().enumerate() {
                if let Some(kind) = attrs.read(i, k).kind() {
                    if t.is_some_and(|seen| seen != kind) {
                        mixed[k] = true;
                    }
                    *t = Some(FieldType::union(*t, kind));
                }
            }
        }
        (types, mixed)
    });
    let mut types: Vec<Option<FieldType>> = vec![None; width];
    let mut mixed = vec![false; width];
    for (run_types, run_mixed) in runs {
        for k in 0..width {
            if let Some(kind) = run_types[k] {
                mixed[k] |= run_mixed[k] || types[k].is_some_and(|seen| seen != kind);
                types[k] = Some(FieldType::union(types[k], kind));
            }
        }
    }
    let mut shapes = Shapes::default();
    for (i, &r) in row_of_feature.iter().enumerate() {
        let Some(point) = claims.rows[r as usize].point else {
            continue;
        };
        let first = shapes.parts.len();
        shapes.push_part(&[project(point)], &[KEEP], false);
        shapes.finish_piece(i as u32, first);
    }
    let mut features: Vec<Feature> = (0..row_of_feature.len())
        .map(|_| Feature {
            id: 0,
            props: Box::default(),
        })
        .collect();
    // The roles' types, and the catalog's (or inferred) column types, for fields with no
    // values yet.
    let declared: HashMap<u32, FieldType> = keys
        .iter()
        .enumerate()
        .map(|(k, name)| {
            let kind = match claims.table.columns.iter().find(|c| &c.name == name) {
                Some(col) if !ROLE_FIELDS.contains(&name.as_str()) => col.kind.field_type(),
                _ => role_type(name),
            };
            (k as u32, kind)
        })
        .collect();
    let fields = fields_of(&keys, &types, &declared);
    // Values of a field whose values differ in type take the field's (integers widen to
    // floats, the rest become text), as any reader's do.
    for (k, c) in attrs.coerce.iter_mut().enumerate() {
        if mixed[k] {
            *c = Some(fields[k].kind);
        }
    }
    let id_field = id_field(cfg, file, &keys)?;
    let mut warnings = Vec::new();
    let ids = match id_field {
        // Each feature is a row of its own, and a table's rows never share an id.
        None => FeatureIds::distinct(row_of_feature.iter().map(|&r| claims.rows[r as usize].id)),
        Some(_) => {
            let mut ids = FeatureIds::new(features.len());
            for (i, &r) in row_of_feature.iter().enumerate() {
                let row = &claims.rows[r as usize];
                ids.push(
                    id_field,
                    &fields,
                    &attrs.values(i),
                    Some(row.id),
                    row.line,
                    &mut warnings,
                );
            }
            ids
        }
    };
    ids.assign(&mut features);
    let kinds = vec![GeomKind::Point; features.len()];
    let mut layer = finish_layer(cfg, file, fields, features, kinds, shapes, 0, warnings);
    if layer.description.is_empty() {
        layer.description = claims.description.clone();
    }
    if layer.license.is_none() {
        layer.license = claims.license.clone();
    }
    layer.cluster_maxzoom = cfg.cluster_maxzoom.unwrap_or(8);
    layer.lazy = Some(attrs);
    layer.rows = Some(PointRows {
        claims,
        row_of_feature,
    });
    Ok(layer)
}
