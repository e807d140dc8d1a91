//! Claim tables: presence and incident rows with their provenance. Every row carries its
//! source, a citation or link, and a report date (or the catalog says why the source has
//! none); a row without them is an error naming its file, line and column, because an
//! unsourced claim must never reach a published map.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use super::presets;
use crate::config::{Preset, TableConfig, TableKind};
use crate::date::{self, DateSpan};
use crate::error::LoadError;
use crate::name::normalize;
use crate::table::{Cell, Table};
use crate::value::text_id;

/// One claim: who, where, when, and who says so.
#[derive(Clone, Debug)]
pub struct ClaimRow {
    pub line: usize,
    pub id: u64,
    /// The area the row names (a province or country, by code or name).
    pub key: Option<Arc<str>>,
    pub group: Option<Arc<str>>,
    pub event_type: Option<Arc<str>>,
    /// `group` and `event_type` normalised once, for filters.
    pub group_key: Option<Arc<str>>,
    pub event_type_key: Option<Arc<str>>,
    pub date: Option<DateSpan>,
    /// Longitude and latitude, when the row has a location.
    pub point: Option<[f64; 2]>,
    pub fatalities: Option<i64>,
    pub claim: Option<Arc<str>>,
    pub source: Arc<str>,
    pub citation: Option<Arc<str>>,
    pub source_url: Option<Arc<str>>,
    pub report_date: Option<DateSpan>,
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
    pub table: Table,
    pub rows: Vec<ClaimRow>,
    /// Table columns used for roles (left out of the "other columns" of a point layer).
    pub role_columns: Vec<usize>,
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

impl Claims {
    /// Build from a typed table and its catalog entry.
    pub fn new(cfg: &TableConfig, table: Table) -> Result<Claims, LoadError> {
        let file = Path::new(&table.file).to_path_buf();
        let mut roles = match cfg.preset {
            Some(Preset::Ucdp) => presets::ucdp(&table)?,
            Some(Preset::Acled) => presets::acled(&table)?,
            None => Roles::default(),
        };
        // Catalog settings name columns and win over a preset; otherwise a role left empty
        // takes a column with the conventional name, when the table has one.
        let pick = |slot: &mut Option<usize>,
                    explicit: &Option<String>,
                    conventional: &[&str],
                    role: &str|
         -> Result<(), LoadError> {
            match explicit {
                Some(name) => *slot = Some(table.require(name, role)?),
                None if slot.is_none() => *slot = conventional.iter().find_map(|n| table.column(n)),
                None => {}
            }
            Ok(())
        };
        pick(
            &mut roles.key,
            &cfg.key,
            &["province", "area", "admin1"],
            "key",
        )?;
        pick(&mut roles.group, &cfg.group, &["group"], "group")?;
        pick(
            &mut roles.event_type,
            &cfg.event_type,
            &["event_type"],
            "event type",
        )?;
        pick(&mut roles.date, &cfg.date, &["date"], "date")?;
        pick(
            &mut roles.date_end,
            &cfg.date_end,
            &["date_end"],
            "end date",
        )?;
        pick(
            &mut roles.latitude,
            &cfg.latitude,
            &["latitude", "lat"],
            "latitude",
        )?;
        pick(
            &mut roles.longitude,
            &cfg.longitude,
            &["longitude", "lon", "lng"],
            "longitude",
        )?;
        pick(
            &mut roles.fatalities,
            &cfg.fatalities,
            &["fatalities"],
            "fatalities",
        )?;
        pick(&mut roles.claim, &cfg.claim, &["claim"], "claim")?;
        pick(&mut roles.source, &cfg.source, &["source"], "source")?;
        pick(
            &mut roles.citation,
            &cfg.citation,
            &["citation"],
            "citation",
        )?;
        pick(
            &mut roles.source_url,
            &cfg.source_url,
            &["source_url", "url"],
            "source URL",
        )?;
        pick(
            &mut roles.report_date,
            &cfg.report_date,
            &["report_date"],
            "report date",
        )?;
        pick(&mut roles.id, &cfg.id_column, &["id"], "id")?;

        let default = |name: &str| cfg.defaults.get(name).map(|s| Arc::<str>::from(s.as_str()));
        let default_report_date = match cfg.defaults.get("report_date") {
            Some(d) => Some(date::parse(d).map_err(|e| {
                LoadError::new(&file, format!("catalog default report_date: {e}"))
                    .with_field("report_date")
            })?),
            None => None,
        };
        if roles.source.is_none() && default("source").is_none() {
            return Err(table.missing_column(
                "source",
                "every claim needs its source; or set defaults.source in the catalog",
            ));
        }
        if roles.citation.is_none()
            && roles.source_url.is_none()
            && default("citation").is_none()
            && default("source_url").is_none()
        {
            return Err(table.missing_column(
                "citation",
                "every claim needs a citation or a source_url column",
            ));
        }
        if cfg.kind == TableKind::Events
            && roles.key.is_none()
            && (roles.latitude.is_none() || roles.longitude.is_none())
        {
            return Err(table.missing_column(
                "latitude",
                "events need coordinates (latitude, longitude) or an area column",
            ));
        }
        if roles.latitude.is_some() != roles.longitude.is_some() {
            let missing = if roles.latitude.is_none() {
                "latitude"
            } else {
                "longitude"
            };
            return Err(
                table.missing_column(missing, "coordinates need both latitude and longitude")
            );
        }
        if cfg.kind == TableKind::Presence && roles.key.is_none() {
            return Err(
                table.missing_column("province", "presence rows name the area they are about")
            );
        }

        let mut rows = Vec::with_capacity(table.rows.len());
        let mut ids: HashMap<u64, usize> = HashMap::with_capacity(table.rows.len());
        for (r, row) in table.rows.iter().enumerate() {
            let cell = |c: Option<usize>| c.map(|c| &row.cells[c]).unwrap_or(&Cell::Null);
            let err = |c: Option<usize>, name: &str, msg: String| match c {
                Some(c) => table.cell_error(row, c, msg),
                None => LoadError::new(&file, msg)
                    .at_line(row.line)
                    .with_field(name),
            };
            let date_of = |c: Option<usize>, name: &str| -> Result<Option<DateSpan>, LoadError> {
                match cell(c) {
                    Cell::Null => Ok(None),
                    Cell::Date(d) => Ok(Some(*d)),
                    other => date::parse(&other.display())
                        .map(Some)
                        .map_err(|e| err(c, name, e)),
                }
            };
            let source = text(cell(roles.source)).or_else(|| default("source")).ok_or_else(|| {
                err(roles.source, "source", "missing source: every claim needs the publication or data set it comes from".into())
            })?;
            let citation = text(cell(roles.citation)).or_else(|| default("citation"));
            let source_url = text(cell(roles.source_url)).or_else(|| default("source_url"));
            if citation.is_none() && source_url.is_none() {
                return Err(err(
                    roles.citation.or(roles.source_url),
                    "citation",
                    "missing citation and source_url: give at least one so readers can check the claim".into(),
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
                    let lat_v = lat.number().ok_or_else(|| {
                        err(
                            roles.latitude,
                            "latitude",
                            format!("latitude '{}' is not a number", lat.display()),
                        )
                    })?;
                    let lon_v = lon.number().ok_or_else(|| {
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
                    "empty area: a presence row must name the province or country it is about"
                        .into(),
                ));
            }
            if cfg.kind == TableKind::Events && point.is_none() && key.is_none() {
                return Err(err(
                    roles.key,
                    "key",
                    "the row has neither coordinates nor an area, so it cannot be placed".into(),
                ));
            }
            let fatalities = match cell(roles.fatalities) {
                Cell::Null => None,
                Cell::Int(i) if *i >= 0 => Some(*i),
                other => {
                    return Err(err(
                        roles.fatalities,
                        "fatalities",
                        format!(
                            "fatalities '{}' is not a whole number of 0 or more",
                            other.display()
                        ),
                    ));
                }
            };
            let id = match cell(roles.id) {
                Cell::Int(i) if *i >= 0 => *i as u64,
                Cell::Null => row.line as u64,
                other => text_id(&other.display()),
            };
            if let Some(prev) = ids.insert(id, row.line) {
                return Err(err(
                    roles.id,
                    "id",
                    format!(
                        "id {} repeats the id of line {prev}; ids must be unique",
                        cell(roles.id).display()
                    ),
                ));
            }
            let group = match &roles.derived_group {
                Some(g) => g[r].clone(),
                None => text(cell(roles.group)),
            };
            let event_type = match &roles.derived_event_type {
                Some(e) => e[r].clone(),
                None => text(cell(roles.event_type)),
            };
            rows.push(ClaimRow {
                line: row.line,
                id,
                key,
                group_key: group.as_deref().map(|g| normalize(g).into()),
                event_type_key: event_type.as_deref().map(|e| normalize(e).into()),
                group,
                event_type,
                date: when,
                point,
                fatalities,
                claim: text(cell(roles.claim)),
                source,
                citation,
                source_url,
                report_date,
            });
        }
        let role_columns = [
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
        Ok(Claims {
            id: cfg.id.clone(),
            kind: cfg.kind,
            title: cfg.title.clone().unwrap_or_else(|| cfg.id.clone()),
            description: cfg.description.clone(),
            attribution: cfg.attribution.clone(),
            license: cfg.license.clone(),
            missing_report_date: cfg.missing_report_date.clone(),
            table,
            rows,
            role_columns,
        })
    }

    /// Distinct groups, sorted.
    pub fn groups(&self) -> Vec<Arc<str>> {
        let mut g: Vec<Arc<str>> = self.rows.iter().filter_map(|r| r.group.clone()).collect();
        g.sort();
        g.dedup();
        g
    }

    /// Distinct sources, in order of first appearance.
    pub fn sources(&self) -> Vec<Arc<str>> {
        let mut out: Vec<Arc<str>> = Vec::new();
        for r in &self.rows {
            if !out.contains(&r.source) {
                out.push(r.source.clone());
            }
        }
        out
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
        put("group", self.group.as_deref().into());
        put("event_type", self.event_type.as_deref().into());
        put("date", self.date.map(|d| d.to_string()).into());
        put("fatalities", self.fatalities.into());
        put("claim", self.claim.as_deref().into());
        put("area", self.key.as_deref().into());
        put("source", self.source.as_ref().into());
        put("citation", self.citation.as_deref().into());
        put("source_url", self.source_url.as_deref().into());
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
