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
use crate::geometry::projection::project;
use crate::source::claims::{Claims, GroupNames};
use crate::source::{self, RawFeature, RawId, RawLayer};
use crate::tile::simplify::KEEP;
use crate::value::{FieldType, Value};

use super::build::layer_from_raw;
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

/// The attributes every point layer made from a table has, whatever its columns.
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

/// A point layer of the rows of a claim table that have coordinates. Attributes: the roles
/// under fixed names (`group`, `date`, `date_days`, `fatalities`, `source`, ...) so styles work
/// on any table, then the table's other columns.
pub fn points_layer(cfg: &LayerConfig, claims: Arc<Claims>) -> Result<Layer, LoadError> {
    let mut raw = RawLayer::default();
    let mut row_of_feature = Vec::new();
    let text = |v: &Option<Arc<str>>| v.clone().map(Value::String).unwrap_or(Value::Null);
    // Dates as text, made once per distinct day: a million rows span a few thousand.
    let mut days: HashMap<DateSpan, Arc<str>> = HashMap::new();
    let mut day_text = |d: DateSpan| -> Value {
        Value::String(
            days.entry(d)
                .or_insert_with(|| d.to_string().into())
                .clone(),
        )
    };
    for (r, row) in claims.rows.iter().enumerate() {
        let Some(point) = row.point else { continue };
        let mut props: Vec<(u32, Value)> = Vec::new();
        let mut put = |raw: &mut RawLayer, k: &str, v: Value| {
            let k = raw.key(k);
            props.push((k, v));
        };
        put(&mut raw, "group", text(&row.group));
        put(&mut raw, "event_type", text(&row.event_type));
        let date = row.date.map(&mut day_text).unwrap_or(Value::Null);
        put(&mut raw, "date", date);
        put(
            &mut raw,
            "date_days",
            row.date
                .map(|d| Value::Int(d.first as i64))
                .unwrap_or(Value::Null),
        );
        put(
            &mut raw,
            "date_end_days",
            row.date
                .map(|d| Value::Int(d.last as i64))
                .unwrap_or(Value::Null),
        );
        put(
            &mut raw,
            "fatalities",
            row.fatalities.map(Value::Int).unwrap_or(Value::Null),
        );
        // Only where a row has them, so tables without such rows keep their fields.
        if row.fatalities_text.is_some() {
            put(&mut raw, "fatalities_text", text(&row.fatalities_text));
        }
        if row.group_reported.is_some() {
            put(&mut raw, "group_reported", text(&row.group_reported));
        }
        put(&mut raw, "claim", text(&row.claim));
        put(&mut raw, "area", text(&row.key));
        put(&mut raw, "source", Value::String(row.source.clone()));
        put(&mut raw, "citation", text(&row.citation));
        put(&mut raw, "source_url", text(&row.source_url));
        put(
            &mut raw,
            "report_date",
            match row.report_date {
                Some(d) => day_text(d),
                None if claims.missing_report_date.is_some() => Value::String("not stated".into()),
                None => Value::Null,
            },
        );
        for (c, col) in claims.table.columns.iter().enumerate() {
            // Checked against the role names, not the keys seen so far: those include this
            // column itself from the first row on, which left later rows without it.
            if !claims.role_columns.contains(&c) && !ROLE_FIELDS.contains(&col.name.as_str()) {
                put(
                    &mut raw,
                    &col.name,
                    claims.table.rows[r].cells[c].to_value(),
                );
            }
        }
        let feature = raw.features.len() as u32;
        let first = raw.shapes.parts.len();
        raw.shapes.push_part(&[project(point)], &[KEEP], false);
        raw.shapes.finish_piece(feature, first);
        raw.features.push(RawFeature {
            id: Some(RawId::Int(row.id)),
            props,
            kind: GeomKind::Point,
            index: row.line,
        });
        row_of_feature.push(r as u32);
    }
    // Declared once, after the rows: the roles' types, and the catalog's (or inferred) column
    // types, so a column with no values yet keeps its type.
    for (k, name) in raw.keys.iter().enumerate() {
        let kind = match claims.table.columns.iter().find(|c| &c.name == name) {
            Some(col) if !ROLE_FIELDS.contains(&name.as_str()) => col.kind.field_type(),
            _ => role_type(name),
        };
        raw.declared.insert(k as u32, kind);
    }
    let mut layer = layer_from_raw(cfg, Path::new(&claims.table.file), raw)?;
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
