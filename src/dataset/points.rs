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
use crate::source::claims::{ClaimRow, Claims, GroupNames};
use crate::tile::simplify::KEEP;
use crate::value::{Feature, FieldType, Value};

use super::build::{FeatureIds, fields_of, finish_layer, id_field};
use super::{Layer, PointRows};

/// Read, type and check a claim table.
pub fn load_claims(
    cfg: &TableConfig,
    file: &Path,
    bytes: &[u8],
    groups: &GroupNames,
) -> Result<Claims, LoadErrors> {
    let text = source::read_table(file, bytes)?;
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

/// A row's role attributes in order, each as its position in [`ROLE_FIELDS`] and its value
/// (`fatalities_text` and `group_reported` only where the row has them, so tables without
/// such rows keep their fields).
fn attributes(
    claims: &Claims,
    row: &ClaimRow,
    mut day_text: impl FnMut(DateSpan) -> Value,
    mut put: impl FnMut(usize, Value),
) {
    let text = |v: &Option<Arc<str>>| v.clone().map(Value::String).unwrap_or(Value::Null);
    put(0, text(&row.group));
    put(1, text(&row.event_type));
    put(2, row.date.map(&mut day_text).unwrap_or(Value::Null));
    put(
        3,
        row.date.map_or(Value::Null, |d| Value::Int(d.first as i64)),
    );
    put(
        4,
        row.date.map_or(Value::Null, |d| Value::Int(d.last as i64)),
    );
    put(5, row.fatalities.map_or(Value::Null, Value::Int));
    if row.fatalities_text.is_some() {
        put(6, text(&row.fatalities_text));
    }
    if row.group_reported.is_some() {
        put(7, text(&row.group_reported));
    }
    put(8, text(&row.claim));
    put(9, text(&row.key));
    put(10, Value::String(row.source.clone()));
    put(11, text(&row.citation));
    put(12, text(&row.source_url));
    put(
        13,
        match row.report_date {
            Some(d) => day_text(d),
            None if claims.missing_report_date.is_some() => Value::String("not stated".into()),
            None => Value::Null,
        },
    );
}

/// A point layer of the rows of a claim table that have coordinates. Attributes: the roles
/// under fixed names (`group`, `date`, `date_days`, `fatalities`, `source`, ...) so styles work
/// on any table, then the table's other columns. Built straight into each feature's values
/// (no intermediate list of keyed values per row: a million rows held both at once).
pub fn points_layer(cfg: &LayerConfig, claims: Arc<Claims>) -> Result<Layer, LoadError> {
    let file = Path::new(&claims.table.file);
    let row_of_feature: Vec<u32> = claims
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
    // Dates as text, made once per distinct day: a million rows span a few thousand.
    let mut days: HashMap<DateSpan, Arc<str>> = HashMap::new();
    let mut day_text = |d: DateSpan| -> Value {
        Value::String(
            days.entry(d)
                .or_insert_with(|| d.to_string().into())
                .clone(),
        )
    };
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
        attributes(&claims, &claims.rows[r], &mut day_text, |i, _| {
            let name = ROLE_FIELDS[i];
            if !keys.iter().any(|k| k == name) {
                keys.push(name.to_string());
            }
        });
        for &c in &others {
            let name = &claims.table.columns[c].name;
            if !keys.contains(name) {
                keys.push(name.clone());
            }
        }
    }
    let position = |name: &str| keys.iter().position(|k| k == name);
    let role_slots: Vec<Option<usize>> = ROLE_FIELDS.iter().map(|n| position(n)).collect();
    let other_slots: Vec<Option<usize>> = others
        .iter()
        .map(|&c| position(&claims.table.columns[c].name))
        .collect();

    let mut types: Vec<Option<FieldType>> = vec![None; keys.len()];
    let mut mixed = vec![false; keys.len()];
    let mut note = |k: usize, v: &Value, types: &mut Vec<Option<FieldType>>| {
        if let Some(t) = v.kind() {
            if types[k].is_some_and(|seen| seen != t) {
                mixed[k] = true;
            }
            types[k] = Some(FieldType::union(types[k], t));
        }
    };
    let mut features = Vec::with_capacity(row_of_feature.len());
    let mut shapes = Shapes::default();
    for &r in &row_of_feature {
        let row = &claims.rows[r as usize];
        let Some(point) = row.point else { continue };
        let mut props = vec![Value::Null; keys.len()].into_boxed_slice();
        attributes(&claims, row, &mut day_text, |i, v| {
            if let Some(k) = role_slots[i] {
                note(k, &v, &mut types);
                props[k] = v;
            }
        });
        if let Some(cells) = claims.table.rows.get(r as usize) {
            for (&c, k) in others.iter().zip(&other_slots) {
                if let (Some(k), Some(cell)) = (*k, cells.cells.get(c)) {
                    let v = cell.to_value();
                    note(k, &v, &mut types);
                    props[k] = v;
                }
            }
        }
        let feature = features.len() as u32;
        let first = shapes.parts.len();
        shapes.push_part(&[project(point)], &[KEEP], false);
        shapes.finish_piece(feature, first);
        features.push(Feature { id: 0, props });
    }
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
    if mixed.iter().any(|m| *m) {
        for f in &mut features {
            for (k, v) in f.props.iter_mut().enumerate() {
                if mixed[k] {
                    *v = std::mem::replace(v, Value::Null).coerce(fields[k].kind);
                }
            }
        }
    }
    let id_field = id_field(cfg, file, &keys)?;
    let mut warnings = Vec::new();
    let mut ids = FeatureIds::new(features.len());
    for (f, &r) in features.iter().zip(&row_of_feature) {
        let row = &claims.rows[r as usize];
        ids.push(
            id_field,
            &fields,
            &f.props,
            Some(row.id),
            row.line,
            &mut warnings,
        );
    }
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
    layer.rows = Some(PointRows {
        claims,
        row_of_feature,
    });
    Ok(layer)
}
