//! GeoPackage reader: district boundaries from humanitarian data services come as `.gpkg`.
//! One feature table is read through SQLite (`rusqlite`), its geometry from GeoPackage WKB.

use std::path::{Path, PathBuf};

use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags};

use super::{LonLatGeometry, RawId, RawLayer, wkb};
use crate::error::LoadError;
use crate::value::Value;

/// A SQL identifier, quoted.
fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// What a feature table holds: its name, geometry column and spatial reference id.
struct FeatureTable {
    name: String,
    geometry: String,
    srs_id: i64,
}

/// The write-ahead log beside a GeoPackage (`X.gpkg-wal`): QGIS and GDAL open GeoPackages in
/// WAL mode, so a saved edit may reach only this file until SQLite checkpoints it.
pub fn sidecars(path: &Path) -> Vec<PathBuf> {
    let is_gpkg = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("gpkg"));
    if !is_gpkg {
        return Vec::new();
    }
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    vec![PathBuf::from(wal)]
}

/// Read the feature table named `prefer` if there is one, else the first (alphabetically),
/// warning about the others.
pub fn read(path: &Path, prefer: &str) -> Result<RawLayer, LoadError> {
    let err = |m: String| LoadError::new(path, m);
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| err(format!("cannot open as SQLite: {e}")))?;
    let tables: Vec<FeatureTable> = conn
        .prepare(
            "SELECT c.table_name, g.column_name, g.srs_id FROM gpkg_contents c \
             JOIN gpkg_geometry_columns g ON g.table_name = c.table_name \
             WHERE c.data_type = 'features' ORDER BY c.table_name",
        )
        .and_then(|mut s| {
            s.query_map([], |r| {
                Ok(FeatureTable {
                    name: r.get(0)?,
                    geometry: r.get(1)?,
                    srs_id: r.get(2)?,
                })
            })?
            .collect()
        })
        .map_err(|e| {
            err(format!(
                "not a GeoPackage: its gpkg_contents and gpkg_geometry_columns tables cannot be read ({e})"
            ))
        })?;
    let Some(pick) = tables
        .iter()
        .position(|t| t.name == prefer)
        .or((!tables.is_empty()).then_some(0))
    else {
        return Err(err(
            "the GeoPackage has no feature table (only tiles or attributes)".into(),
        ));
    };
    let table = &tables[pick];
    let mut raw = RawLayer::default();
    if tables.len() > 1 {
        let others: Vec<&str> = tables
            .iter()
            .filter(|t| t.name != table.name)
            .map(|t| t.name.as_str())
            .collect();
        raw.warnings.push(format!(
            "the GeoPackage holds {} feature tables; table '{}' is served (give the layer the id of another to serve it instead: {})",
            tables.len(),
            table.name,
            others.join(", ")
        ));
    }
    check_srs(&conn, table, &mut raw.warnings).map_err(err)?;

    // Columns: the integer primary key is the feature id; the geometry column is the shape.
    let columns: Vec<(String, String, bool)> = conn
        .prepare(&format!("PRAGMA table_info({})", quote(&table.name)))
        .and_then(|mut s| {
            s.query_map([], |r| {
                Ok((
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, i64>(5)? > 0,
                ))
            })?
            .collect()
        })
        .map_err(|e| err(format!("table '{}': cannot list columns ({e})", table.name)))?;
    let geometry_col = columns
        .iter()
        .position(|c| c.0 == table.geometry)
        .ok_or_else(|| {
            err(format!(
                "table '{}' has no geometry column '{}'",
                table.name, table.geometry
            ))
        })?;
    let fid_col = columns
        .iter()
        .position(|c| c.2 && c.1.eq_ignore_ascii_case("INTEGER"));
    let keys: Vec<Option<u32>> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| (i != geometry_col && Some(i) != fid_col).then(|| raw.key(&c.0)))
        .collect();
    let boolean: Vec<bool> = columns
        .iter()
        .map(|c| c.1.eq_ignore_ascii_case("BOOLEAN"))
        .collect();

    let select = columns
        .iter()
        .map(|c| quote(&c.0))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!("SELECT {select} FROM {}", quote(&table.name));
    let mut stmt = conn
        .prepare(&sql)
        .map_err(|e| err(format!("table '{}': {e}", table.name)))?;
    let mut rows = stmt
        .query([])
        .map_err(|e| err(format!("table '{}': {e}", table.name)))?;
    let mut index = 0usize;
    loop {
        let row = match rows.next() {
            Ok(Some(row)) => row,
            Ok(None) => break,
            Err(e) => return Err(err(format!("table '{}': {e}", table.name))),
        };
        let at = |m: String| {
            err(format!(
                "table '{}' feature {index} (counting from 0): {m}",
                table.name
            ))
        };
        let mut props = Vec::new();
        let mut id = None;
        let mut geometry = LonLatGeometry::default();
        for (i, key) in keys.iter().enumerate() {
            let value = row.get_ref(i).map_err(|e| at(e.to_string()))?;
            if i == geometry_col {
                if let ValueRef::Blob(blob) = value {
                    read_geometry(blob, &mut geometry)
                        .map_err(|m| at(m).with_field(table.geometry.clone()))?;
                }
                continue;
            }
            if Some(i) == fid_col {
                if let ValueRef::Integer(n) = value
                    && n >= 0
                {
                    id = Some(RawId::Int(n as u64));
                }
                continue;
            }
            let v = match value {
                ValueRef::Null => continue,
                ValueRef::Integer(n) if boolean[i] => Value::Bool(n != 0),
                ValueRef::Integer(n) => Value::Int(n),
                ValueRef::Real(f) => Value::Float(f),
                ValueRef::Text(t) => Value::String(String::from_utf8_lossy(t).into()),
                // Binary attributes cannot go into a tile.
                ValueRef::Blob(_) => continue,
            };
            if let Some(k) = key {
                props.push((*k, v));
            }
        }
        raw.push_lonlat(id, props, &geometry, index)
            .map_err(|m| at(m).with_field(table.geometry.clone()))?;
        index += 1;
    }
    Ok(raw)
}

/// Accept WGS 84 longitude/latitude only, saying how to reproject anything else.
fn check_srs(
    conn: &Connection,
    table: &FeatureTable,
    warnings: &mut Vec<String>,
) -> Result<(), String> {
    let srs: Option<(String, String, i64)> = conn
        .query_row(
            "SELECT srs_name, organization, organization_coordsys_id FROM gpkg_spatial_ref_sys WHERE srs_id = ?1",
            [table.srs_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .ok();
    let lonlat = match &srs {
        Some((_, org, code)) => {
            (org.eq_ignore_ascii_case("EPSG") && *code == 4326)
                || (org.eq_ignore_ascii_case("OGC") && *code == 84)
        }
        None => table.srs_id == 4326,
    };
    if lonlat {
        return Ok(());
    }
    if table.srs_id == 0 {
        warnings.push(format!(
            "table '{}' has an undefined geographic coordinate system; it is read as WGS 84 longitude/latitude",
            table.name
        ));
        return Ok(());
    }
    let name = match &srs {
        Some((name, org, code)) => format!("{org}:{code} ({name})"),
        None => format!("spatial reference {}", table.srs_id),
    };
    Err(format!(
        "table '{}' is in {name}; borderland reads WGS 84 longitude/latitude (EPSG:4326). Reproject it first: ogr2ogr -t_srs EPSG:4326 out.gpkg in.gpkg",
        table.name
    ))
}

/// A GeoPackage geometry blob: the `GP` header (version, flags, srs id, envelope), then WKB.
fn read_geometry(blob: &[u8], out: &mut LonLatGeometry) -> Result<(), String> {
    if blob.len() < 8 || &blob[..2] != b"GP" {
        return Err("geometry is not a GeoPackage geometry blob (no 'GP' header)".into());
    }
    let flags = blob[3];
    if flags & 0x10 != 0 {
        return Ok(()); // empty geometry
    }
    let envelope = match (flags >> 1) & 0x07 {
        0 => 0,
        1 => 32,
        2 | 3 => 48,
        4 => 64,
        other => return Err(format!("geometry header has envelope code {other}")),
    };
    let wkb_bytes = blob
        .get(8 + envelope..)
        .ok_or("geometry blob ends inside its header")?;
    wkb::read(wkb_bytes, out).map_err(|e| e.0)
}
