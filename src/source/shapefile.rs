//! Shapefile reader (`.shp` with its `.dbf`, `.prj` and `.cpg`, or all of them zipped), the
//! other form district boundaries are distributed in. The `shapefile` crate reads records; this
//! file checks the coordinate system, picks the text encoding and maps attributes.

use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};

use ::shapefile::dbase::{self, FieldValue};
use ::shapefile::{PolygonRing, Shape, ShapeReader};

use super::{LonLatGeometry, RawId, RawLayer};
use crate::error::LoadError;
use crate::value::Value;

/// The files that make up one Shapefile, as bytes.
struct Parts {
    shp: Vec<u8>,
    shx: Option<Vec<u8>>,
    dbf: Option<Vec<u8>>,
    prj: Option<String>,
    cpg: Option<String>,
    /// The `.shp` inside a zip, for messages.
    name: String,
}

/// The extensions of the files that belong to a `.shp`.
const SIDECARS: [&str; 4] = ["shx", "dbf", "prj", "cpg"];

/// Where the `ext` file of the Shapefile at `path` is: the extension in the `.shp`'s own case
/// (`X.shp` has `X.dbf`, `X.SHP` has `X.DBF`), or the other case when only that one exists.
fn sidecar(path: &Path, ext: &str) -> PathBuf {
    let upper = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.chars().all(|c| c.is_ascii_uppercase()));
    let (own, other) = if upper {
        (ext.to_ascii_uppercase(), ext.to_string())
    } else {
        (ext.to_string(), ext.to_ascii_uppercase())
    };
    let own = path.with_extension(own);
    let other = path.with_extension(other);
    if !own.exists() && other.exists() {
        other
    } else {
        own
    }
}

/// The files beside a `.shp` that are part of it (`.shx`, `.dbf`, `.prj`, `.cpg`), whether
/// they exist yet or not: editing only the attributes rewrites the `.dbf` alone, so a reload
/// and the data version must look at all of them. Nothing for a zip (it holds its own).
pub fn sidecars(path: &Path) -> Vec<PathBuf> {
    let is_shp = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("shp"));
    if !is_shp {
        return Vec::new();
    }
    SIDECARS.iter().map(|ext| sidecar(path, ext)).collect()
}

/// Read a `.shp` (with its sidecar files beside it) or a `.zip` holding one.
pub fn read(path: &Path, bytes: Vec<u8>) -> Result<RawLayer, LoadError> {
    let err = |m: String| LoadError::new(path, m);
    let is_zip = bytes.starts_with(b"PK\x03\x04");
    let parts = if is_zip {
        from_zip(bytes).map_err(err)?
    } else {
        let side = |ext: &str| std::fs::read(sidecar(path, ext)).ok();
        Parts {
            shp: bytes,
            shx: side("shx"),
            dbf: side("dbf"),
            prj: side("prj").map(|b| String::from_utf8_lossy(&b).into_owned()),
            cpg: side("cpg").map(|b| String::from_utf8_lossy(&b).into_owned()),
            name: String::new(),
        }
    };
    let at = if parts.name.is_empty() {
        String::new()
    } else {
        format!("{}: ", parts.name)
    };
    let mut raw = RawLayer::default();
    match &parts.prj {
        Some(wkt) => check_prj(wkt).map_err(|m| err(format!("{at}{m}")))?,
        None => raw.warnings.push(format!(
            "{at}no .prj file says which coordinate system the shapes are in; they are read as WGS 84 longitude/latitude"
        )),
    }
    let Some(dbf) = parts.dbf else {
        return Err(err(format!(
            "{at}the .dbf file (the attributes) is missing; a Shapefile needs its .shp, .shx and .dbf together"
        )));
    };
    let mut dbf_reader = match parts.cpg.as_deref().map(str::trim) {
        Some(label) => match dbase::encoding::DynEncoding::from_name(label) {
            Some(enc) => dbase::ReaderBuilder::new()
                .with_encoding(enc)
                .build(Cursor::new(dbf)),
            None => {
                raw.warnings.push(format!(
                    "{at}the .cpg names the encoding '{label}', which borderland does not know; the .dbf's own code page is used"
                ));
                dbase::Reader::new(Cursor::new(dbf))
            }
        },
        None => dbase::Reader::new(Cursor::new(dbf)),
    }
    .map_err(|e| err(format!("{at}cannot read the .dbf: {e}")))?;
    let field_names: Vec<String> = dbf_reader
        .fields()
        .iter()
        .map(|f| f.name().to_string())
        .filter(|n| n != "DeletionFlag")
        .collect();
    let keys: Vec<u32> = field_names.iter().map(|n| raw.key(n)).collect();
    let records = dbf_reader
        .read()
        .map_err(|e| err(format!("{at}cannot read the .dbf records: {e}")))?;

    let shape_reader = match parts.shx {
        Some(shx) => ShapeReader::with_shx(Cursor::new(parts.shp), Cursor::new(shx)),
        None => ShapeReader::new(Cursor::new(parts.shp)),
    }
    .map_err(|e| err(format!("{at}not a readable .shp file: {e}")))?;
    let shapes = shape_reader
        .read()
        .map_err(|e| err(format!("{at}cannot read the shapes: {e}")))?;
    if shapes.len() != records.len() {
        return Err(err(format!(
            "{at}the .shp holds {} shapes but the .dbf {} records; they must belong together",
            shapes.len(),
            records.len()
        )));
    }
    for (index, (shape, record)) in shapes.into_iter().zip(records).enumerate() {
        let mut props = Vec::with_capacity(keys.len());
        for (name, &k) in field_names.iter().zip(&keys) {
            if let Some(v) = record.get(name).and_then(field_value) {
                props.push((k, v));
            }
        }
        let geometry = lonlat(shape);
        raw.push_lonlat(Some(RawId::Int(index as u64 + 1)), props, &geometry, index)
            .map_err(|m| err(format!("{at}record {index} (counting from 0): {m}")))?;
    }
    Ok(raw)
}

/// The `.shp`, `.shx`, `.dbf`, `.prj` and `.cpg` of the first Shapefile in a zip.
fn from_zip(bytes: Vec<u8>) -> Result<Parts, String> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| format!("cannot read the zip: {e}"))?;
    let names: Vec<String> = archive
        .file_names()
        .filter_map(|n| n.ok().map(|n| n.into_owned()))
        .collect();
    let mut shps: Vec<&String> = names
        .iter()
        .filter(|n| n.to_ascii_lowercase().ends_with(".shp") && !n.starts_with("__MACOSX"))
        .collect();
    shps.sort();
    let Some(shp_name) = shps.first() else {
        return Err("the zip holds no .shp file".into());
    };
    let stem = &shp_name[..shp_name.len() - 4];
    let mut read = |ext: &str| -> Result<Option<Vec<u8>>, String> {
        let Some(name) = names.iter().find(|n| {
            n.len() == stem.len() + 4
                && n.starts_with(stem)
                && n[stem.len()..].eq_ignore_ascii_case(ext)
        }) else {
            return Ok(None);
        };
        let mut file = archive
            .by_name(name)
            .map_err(|e| format!("cannot read {name} in the zip: {e}"))?;
        // Boundaries are megabytes; a zip entry claiming more than 2 GB is refused.
        if file.size() > 2 << 30 {
            return Err(format!("{name} in the zip is larger than 2 GB"));
        }
        let mut out = Vec::with_capacity(file.size() as usize);
        file.read_to_end(&mut out)
            .map_err(|e| format!("cannot unzip {name}: {e}"))?;
        Ok(Some(out))
    };
    let text = |b: Option<Vec<u8>>| b.map(|b| String::from_utf8_lossy(&b).into_owned());
    Ok(Parts {
        shp: read(".shp")?.unwrap_or_default(),
        shx: read(".shx")?,
        dbf: read(".dbf")?,
        prj: text(read(".prj")?),
        cpg: text(read(".cpg")?),
        name: shp_name.to_string(),
    })
}

/// Accept a `.prj` that says WGS 84 longitude/latitude; refuse a projected or other datum,
/// naming it and saying how to reproject.
fn check_prj(wkt: &str) -> Result<(), String> {
    let upper = wkt.to_ascii_uppercase();
    let name_after = |tag: &str| {
        upper.find(tag).map(|i| {
            let rest = &wkt[i + tag.len()..];
            rest.trim_start_matches(['[', '(', '"'])
                .split('"')
                .next()
                .unwrap_or("")
                .to_string()
        })
    };
    let reproject = "Reproject it first: ogr2ogr -t_srs EPSG:4326 out.shp in.shp";
    if let Some(name) = name_after("PROJCS").or_else(|| name_after("PROJCRS")) {
        return Err(format!(
            "the .prj says the shapes are projected ({name}); borderland reads WGS 84 longitude/latitude. {reproject}"
        ));
    }
    let wgs84 = upper.contains("WGS_1984")
        || upper.contains("WGS 84")
        || upper.contains("WGS84")
        || upper.contains("WORLD GEODETIC SYSTEM 1984");
    if !wgs84 {
        let name = name_after("GEOGCS")
            .or_else(|| name_after("GEOGCRS"))
            .unwrap_or_else(|| "an unrecognised coordinate system".into());
        return Err(format!(
            "the .prj names {name}, not WGS 84; borderland reads WGS 84 longitude/latitude. {reproject}"
        ));
    }
    Ok(())
}

/// A dBase value as an attribute; blank values are absent.
fn field_value(v: &FieldValue) -> Option<Value> {
    let text = |s: &str| Value::String(s.trim_end().into());
    Some(match v {
        FieldValue::Character(Some(s)) => text(s),
        FieldValue::Memo(s) => text(s),
        // dBase numbers are text with a fixed number of decimals: whole ones are integers.
        FieldValue::Numeric(Some(n)) if n.fract() == 0.0 && n.abs() < 9.0e15 => {
            Value::Int(*n as i64)
        }
        FieldValue::Numeric(Some(n)) => Value::Float(*n),
        FieldValue::Float(Some(f)) => Value::Float(*f as f64),
        FieldValue::Integer(i) => Value::Int(*i as i64),
        FieldValue::Double(d) | FieldValue::Currency(d) => Value::Float(*d),
        FieldValue::Logical(Some(b)) => Value::Bool(*b),
        FieldValue::Date(Some(d)) => {
            Value::String(format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day()).into())
        }
        _ => return None,
    })
}

/// A record's shape as longitude/latitude parts (Z and M are dropped). A polygon's holes
/// follow their exterior, as the Shapefile writers in use (GDAL, ArcGIS, QGIS) order them.
fn lonlat(shape: Shape) -> LonLatGeometry {
    let mut g = LonLatGeometry::default();
    macro_rules! polygon {
        ($p:expr) => {
            for ring in $p.rings() {
                let pts: Vec<[f64; 2]> = ring.points().iter().map(|q| [q.x, q.y]).collect();
                match ring {
                    PolygonRing::Outer(_) => g.polygons.push(vec![pts]),
                    PolygonRing::Inner(_) => match g.polygons.last_mut() {
                        Some(last) => last.push(pts),
                        None => g.polygons.push(vec![pts]),
                    },
                }
            }
        };
    }
    macro_rules! lines {
        ($l:expr) => {
            for part in $l.parts() {
                g.lines.push(part.iter().map(|q| [q.x, q.y]).collect());
            }
        };
    }
    macro_rules! points {
        ($m:expr) => {
            g.points.extend($m.points().iter().map(|q| [q.x, q.y]))
        };
    }
    match shape {
        Shape::NullShape | Shape::Multipatch(_) => {}
        Shape::Point(p) => g.points.push([p.x, p.y]),
        Shape::PointM(p) => g.points.push([p.x, p.y]),
        Shape::PointZ(p) => g.points.push([p.x, p.y]),
        Shape::Polyline(l) => lines!(l),
        Shape::PolylineM(l) => lines!(l),
        Shape::PolylineZ(l) => lines!(l),
        Shape::Polygon(p) => polygon!(p),
        Shape::PolygonM(p) => polygon!(p),
        Shape::PolygonZ(p) => polygon!(p),
        Shape::Multipoint(m) => points!(m),
        Shape::MultipointM(m) => points!(m),
        Shape::MultipointZ(m) => points!(m),
    }
    g
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_projected_prj_is_refused_with_its_name() {
        let utm = r#"PROJCS["WGS_1984_UTM_Zone_42N",GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984"]]]"#;
        let e = check_prj(utm).unwrap_err();
        assert!(e.contains("WGS_1984_UTM_Zone_42N") && e.contains("ogr2ogr -t_srs EPSG:4326"));
        let geo = r#"GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]]]"#;
        assert_eq!(check_prj(geo), Ok(()));
        let other = r#"GEOGCS["Kalianpur 1975",DATUM["Kalianpur_1975"]]"#;
        assert!(check_prj(other).unwrap_err().contains("Kalianpur 1975"));
    }
}
