//! Import presets for the conflict-event exports users already have, matched by column name
//! (not position, since both publishers add columns between releases).

use std::sync::Arc;

use crate::config::Preset;
use crate::date::{self, DateSpan};
use crate::error::LoadError;
use crate::source::claims::Roles;
use crate::table::{Cell, Table};

/// The preset whose columns a table has, when it is an unchanged UCDP GED or ACLED export.
pub fn detect(table: &Table) -> Option<Preset> {
    let has = |names: &[&str]| names.iter().all(|n| table.column(n).is_some());
    if has(&[
        "type_of_violence",
        "side_a",
        "side_b",
        "best",
        "date_start",
        "adm_1",
    ]) {
        Some(Preset::Ucdp)
    } else if has(&[
        "event_id_cnty",
        "event_date",
        "actor1",
        "time_precision",
        "admin1",
    ]) {
        Some(Preset::Acled)
    } else {
        None
    }
}

fn need(table: &Table, names: &[&str], preset: &str) -> Result<Vec<usize>, LoadError> {
    names
        .iter()
        .map(|n| table.require(n, &format!("needed by the {preset} preset")))
        .collect()
}

/// UCDP Georeferenced Event Dataset. The group is the non-state side: `side_b` in
/// state-based conflict (type 1), `side_a` in non-state conflict (2) and one-sided violence (3).
/// Events span `date_start`..`date_end`; fatalities are the `best` estimate.
pub fn ucdp(table: &Table) -> Result<Roles, LoadError> {
    let c = need(
        table,
        &[
            "id",
            "type_of_violence",
            "side_a",
            "side_b",
            "adm_1",
            "latitude",
            "longitude",
            "date_start",
            "date_end",
            "best",
            "source_article",
        ],
        "UCDP GED",
    )?;
    let (id, tov, side_a, side_b, adm_1, lat, lon, start, end, best, article) = (
        c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], c[8], c[9], c[10],
    );
    let mut groups = Vec::with_capacity(table.len());
    let mut types = Vec::with_capacity(table.len());
    for row in table.rows() {
        let kind = match &row.cells[tov] {
            Cell::Int(k) => *k,
            other => {
                return Err(table.cell_error(
                    row,
                    tov,
                    format!("type_of_violence '{}' is not 1, 2 or 3", other.display()),
                ));
            }
        };
        let (group, label) = match kind {
            1 => (side_b, "state-based conflict"),
            2 => (side_a, "non-state conflict"),
            3 => (side_a, "one-sided violence"),
            other => {
                return Err(table.cell_error(
                    row,
                    tov,
                    format!("type_of_violence {other} is not 1, 2 or 3"),
                ));
            }
        };
        groups.push(match &row.cells[group] {
            Cell::Null => None,
            cell => Some(Arc::from(cell.display().as_str())),
        });
        types.push(Some(Arc::from(label)));
    }
    Ok(Roles {
        key: Some(adm_1),
        date: Some(start),
        date_end: Some(end),
        latitude: Some(lat),
        longitude: Some(lon),
        fatalities: Some(best),
        citation: Some(article),
        id: Some(id),
        derived_group: Some(groups),
        derived_event_type: Some(types),
        ..Roles::default()
    })
}

/// ACLED CSV export. The group is `actor1`; `time_precision` 2 (within a week) and 3 (within a
/// month) widen the date; the report date is the upload `timestamp` (Unix seconds).
pub fn acled(table: &Table) -> Result<Roles, LoadError> {
    let c = need(
        table,
        &[
            "event_id_cnty",
            "event_date",
            "time_precision",
            "event_type",
            "actor1",
            "admin1",
            "latitude",
            "longitude",
            "source",
            "notes",
            "fatalities",
            "timestamp",
        ],
        "ACLED",
    )?;
    let (
        id,
        date_col,
        precision,
        event_type,
        actor1,
        admin1,
        lat,
        lon,
        source,
        notes,
        fatalities,
        timestamp,
    ) = (
        c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], c[8], c[9], c[10], c[11],
    );
    let mut widening = Vec::with_capacity(table.len());
    let mut reported: Vec<Option<DateSpan>> = Vec::with_capacity(table.len());
    for row in table.rows() {
        widening.push(match &row.cells[precision] {
            Cell::Int(1) | Cell::Null => 0,
            Cell::Int(2) => 3,
            Cell::Int(3) => 15,
            other => {
                return Err(table.cell_error(
                    row,
                    precision,
                    format!("time_precision '{}' is not 1, 2 or 3", other.display()),
                ));
            }
        });
        reported.push(match &row.cells[timestamp] {
            Cell::Null => None,
            Cell::Int(secs) => Some(date::days(
                secs.div_euclid(86_400) as i32,
                secs.div_euclid(86_400) as i32,
            )),
            other => {
                return Err(table.cell_error(
                    row,
                    timestamp,
                    format!("timestamp '{}' is not Unix seconds", other.display()),
                ));
            }
        });
    }
    Ok(Roles {
        key: Some(admin1),
        group: Some(actor1),
        event_type: Some(event_type),
        date: Some(date_col),
        latitude: Some(lat),
        longitude: Some(lon),
        fatalities: Some(fatalities),
        source: Some(source),
        citation: Some(notes),
        id: Some(id),
        derived_report_date: Some(reported),
        date_widening: Some(widening),
        ..Roles::default()
    })
}
