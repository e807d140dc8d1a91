//! GeoJSON reader that streams straight into flat projected geometry.
//!
//! Parsing into `serde_json::Value` or nested `Vec<Vec<f64>>` costs several times the file's
//! size in memory; this reader visits the document once and appends each position, projected,
//! to one array. Validation happens while parsing, so serde_json attaches the line and column
//! of the offending value to every error.

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::{RawFeature, RawId, RawLayer};
use crate::geometry::projection::project;
use crate::geometry::{GeomKind, ring_area};
use crate::value::Value;

/// Parse a GeoJSON document into `out`: a FeatureCollection, a Feature, or a bare geometry
/// (GeometryCollection included), as Martin and geojson-vt accept. A UTF-8 byte-order mark is
/// skipped.
pub fn read(bytes: &[u8], out: &mut RawLayer) -> Result<(), serde_json::Error> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut de = serde_json::Deserializer::from_slice(bytes);
    Document { out }.deserialize(&mut de)?;
    de.end()
}

/// Coordinate reference systems that mean WGS 84 longitude/latitude, as GeoJSON writers name
/// them in the pre-RFC 7946 `crs` member.
const LONLAT_CRS: [&str; 6] = [
    "urn:ogc:def:crs:OGC:1.3:CRS84",
    "urn:ogc:def:crs:OGC::CRS84",
    "OGC:CRS84",
    "CRS84",
    "urn:ogc:def:crs:EPSG::4326",
    "EPSG:4326",
];

/// Refuse a `crs` other than WGS 84 longitude/latitude, saying how to reproject.
fn check_crs(crs: &serde_json::Value) -> Result<(), String> {
    let name = crs
        .pointer("/properties/name")
        .or_else(|| crs.pointer("/properties/href"))
        .and_then(|n| n.as_str());
    match name {
        None if crs.is_null() => Ok(()),
        Some(n) if LONLAT_CRS.iter().any(|c| c.eq_ignore_ascii_case(n)) => Ok(()),
        Some(n) => Err(format!(
            "the file's \"crs\" is {n:?}; borderland reads WGS 84 longitude/latitude (RFC 7946). \
             Reproject it first: ogr2ogr -t_srs EPSG:4326 out.geojson in.geojson"
        )),
        None => Err(
            "the file's \"crs\" names no coordinate system borderland knows; it reads WGS 84 \
             longitude/latitude (RFC 7946). Reproject it first: ogr2ogr -t_srs EPSG:4326 \
             out.geojson in.geojson"
                .into(),
        ),
    }
}

struct Document<'a> {
    out: &'a mut RawLayer,
}

impl<'de> DeserializeSeed<'de> for Document<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Document<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a GeoJSON FeatureCollection, Feature or geometry object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut kind: Option<String> = None;
        let mut single = FeatureParts::default();
        // Members of a bare geometry at the top level.
        let mut bare = GeometryMembers::default();
        let mut saw_features = false;
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "type" => kind = Some(map.next_value()?),
                "crs" => check_crs(&map.next_value()?).map_err(de::Error::custom)?,
                "features" => {
                    saw_features = true;
                    map.next_value_seed(Features { out: self.out })?;
                }
                // A bare Feature at the top level.
                "geometry" => {
                    single.geometry = map.next_value_seed(GeometrySeed { out: self.out })?
                }
                "properties" => single.props = map.next_value_seed(PropsSeed { out: self.out })?,
                "id" => single.id = map.next_value_seed(IdSeed)?,
                "coordinates" | "geometries" => bare.visit(&key, &mut map, self.out)?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        match kind.as_deref() {
            Some("FeatureCollection") if saw_features => Ok(()),
            Some("FeatureCollection") => Err(de::Error::custom(
                "FeatureCollection has no \"features\" array",
            )),
            Some("Feature") => {
                single.finish(self.out);
                Ok(())
            }
            Some(
                geometry @ ("Point" | "MultiPoint" | "LineString" | "MultiLineString" | "Polygon"
                | "MultiPolygon" | "GeometryCollection"),
            ) => {
                // A bare geometry is one feature without properties.
                single.geometry = bare
                    .finish(geometry, &mut self.out.scratch_xy)
                    .map_err(de::Error::custom)?;
                single.finish(self.out);
                Ok(())
            }
            Some(other) => Err(de::Error::custom(format!(
                "top-level \"type\" is \"{other}\"; expected \"FeatureCollection\", \"Feature\" or a geometry type"
            ))),
            None => Err(de::Error::custom(
                "missing top-level \"type\" (expected \"FeatureCollection\")",
            )),
        }
    }
}

struct Features<'a> {
    out: &'a mut RawLayer,
}

impl<'de> DeserializeSeed<'de> for Features<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Features<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of GeoJSON Features")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq
            .next_element_seed(FeatureSeed { out: self.out })?
            .is_some()
        {}
        Ok(())
    }
}

/// What one feature's members parse into, before it is appended to the layer.
#[derive(Default)]
struct FeatureParts {
    id: Option<RawId>,
    props: Vec<(u32, Value)>,
    geometry: Option<ParsedGeometry>,
}

impl FeatureParts {
    /// Append the feature to the layer: one feature, or one per geometry type when a
    /// GeometryCollection mixes them (polygons first, keeping the id; lines and points after,
    /// with the same properties and ids of their own, since an MVT feature has one type).
    fn finish(self, out: &mut RawLayer) {
        let index = out.features.len() + out.skipped_empty;
        match self.geometry {
            Some(g) => {
                let groups = g.groups.len();
                let mut id = self.id;
                let mut props = Some(self.props);
                for (n, (kind, parts)) in g.groups.into_iter().enumerate() {
                    let feature = out.features.len() as u32;
                    let first_part = out.shapes.parts.len();
                    for (r, (range, outer)) in parts.iter().enumerate() {
                        let xy = &out.scratch_xy[range.clone()];
                        if kind == GeomKind::Polygon
                            && out.warnings.len() < super::MAX_WARNINGS
                            && let Some(p) = super::validate::self_intersection(xy)
                        {
                            let [lon, lat] = crate::geometry::projection::unproject(p);
                            out.warnings.push(format!(
                                "feature {index} (counting from 0): polygon ring {r} crosses itself near {lon:.5}, {lat:.5} (lon, lat); it is served, but fills may show holes",
                            ));
                        }
                        let imp = vec![0.0; xy.len()];
                        out.shapes.push_part(xy, &imp, *outer);
                    }
                    out.shapes.finish_piece(feature, first_part);
                    let props = if n + 1 == groups {
                        props.take().unwrap_or_default()
                    } else {
                        props.clone().unwrap_or_default()
                    };
                    out.features.push(RawFeature {
                        id: id.take(),
                        props,
                        kind,
                        index,
                    });
                }
            }
            None => out.skipped_empty += 1,
        }
        out.scratch_xy.clear();
    }
}

struct FeatureSeed<'a> {
    out: &'a mut RawLayer,
}

impl<'de> DeserializeSeed<'de> for FeatureSeed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for FeatureSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a GeoJSON Feature object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut parts = FeatureParts::default();
        let mut kind: Option<String> = None;
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "type" => kind = Some(map.next_value()?),
                "geometry" => {
                    parts.geometry = map.next_value_seed(GeometrySeed { out: self.out })?
                }
                "properties" => parts.props = map.next_value_seed(PropsSeed { out: self.out })?,
                "id" => parts.id = map.next_value_seed(IdSeed)?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        if kind.as_deref() != Some("Feature") {
            return Err(de::Error::custom(format!(
                "feature {} has \"type\": {}; expected \"Feature\"",
                self.out.features.len() + self.out.skipped_empty,
                kind.map(|k| format!("\"{k}\""))
                    .unwrap_or_else(|| "missing".into())
            )));
        }
        parts.finish(self.out);
        Ok(())
    }
}

struct IdSeed;

impl<'de> DeserializeSeed<'de> for IdSeed {
    type Value = Option<RawId>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for IdSeed {
    type Value = Option<RawId>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a feature id (string or non-negative integer)")
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Some(RawId::Int(v)))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Some(RawId::Text(v.to_string())))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Some(RawId::Text(v.to_string())))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Some(RawId::Text(v.to_string())))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
}

struct PropsSeed<'a> {
    out: &'a mut RawLayer,
}

impl<'de> DeserializeSeed<'de> for PropsSeed<'_> {
    type Value = Vec<(u32, Value)>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for PropsSeed<'_> {
    type Value = Vec<(u32, Value)>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a \"properties\" object or null")
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Vec::new())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut props = Vec::new();
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            let value = map.next_value_seed(ValueSeed)?;
            let k = self.out.key(&key);
            props.push((k, value));
        }
        Ok(props)
    }
}

/// A property value: scalars map to typed values; arrays and objects are kept as JSON text.
struct ValueSeed;

impl<'de> DeserializeSeed<'de> for ValueSeed {
    type Value = Value;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ValueSeed {
    type Value = Value;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a property value")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Int(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        Ok(i64::try_from(v).map(Value::Int).unwrap_or(Value::UInt(v)))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        Ok(Value::Float(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.into()))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Value, A::Error> {
        let v = serde_json::Value::deserialize(de::value::SeqAccessDeserializer::new(seq))?;
        Ok(Value::String(v.to_string().into()))
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Value, A::Error> {
        let v = serde_json::Value::deserialize(de::value::MapAccessDeserializer::new(map))?;
        Ok(Value::String(v.to_string().into()))
    }
}

use serde::Deserialize;

/// A geometry's parts as ranges into the layer's scratch coordinates, grouped by what they
/// are drawn as (a GeometryCollection may hold polygons, lines and points).
struct ParsedGeometry {
    groups: Vec<(GeomKind, Vec<PartRange>)>,
}

/// A part's positions in the scratch array, and whether it is an exterior ring.
type PartRange = (std::ops::Range<usize>, bool);

impl ParsedGeometry {
    /// Add another geometry's parts (a collection's member), keeping one group per kind in
    /// the order polygon, line, point.
    fn merge(&mut self, other: ParsedGeometry) {
        for (kind, parts) in other.groups {
            match self.groups.iter_mut().find(|(k, _)| *k == kind) {
                Some((_, mine)) => mine.extend(parts),
                None => self.groups.push((kind, parts)),
            }
        }
        let rank = |k: &GeomKind| match k {
            GeomKind::Polygon => 0,
            GeomKind::Line => 1,
            GeomKind::Point => 2,
        };
        self.groups.sort_by_key(|(k, _)| rank(k));
    }
}

struct GeometrySeed<'a> {
    out: &'a mut RawLayer,
}

impl<'de> DeserializeSeed<'de> for GeometrySeed<'_> {
    type Value = Option<ParsedGeometry>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

/// Nested coordinate arrays, flattened: positions plus, per nesting level, child counts.
#[derive(Default)]
pub(super) struct Nesting {
    counts: [Vec<u32>; 3],
}

/// The members of a geometry object other than its type, in whatever order they come.
#[derive(Default)]
struct GeometryMembers {
    nesting: Nesting,
    level: Option<Level>,
    /// Where this geometry's positions start in the scratch array.
    base: usize,
    members: Option<Option<ParsedGeometry>>,
}

impl GeometryMembers {
    fn visit<'de, A: MapAccess<'de>>(
        &mut self,
        key: &str,
        map: &mut A,
        out: &mut RawLayer,
    ) -> Result<(), A::Error> {
        match key {
            "coordinates" => {
                self.base = out.scratch_xy.len();
                self.level = Some(map.next_value_seed(Coords {
                    xy: &mut out.scratch_xy,
                    nesting: &mut self.nesting,
                })?);
            }
            _ => self.members = Some(map.next_value_seed(Collection { out })?),
        }
        Ok(())
    }

    fn finish(self, kind: &str, xy: &mut [[f64; 2]]) -> Result<Option<ParsedGeometry>, String> {
        if kind == "GeometryCollection" {
            return self
                .members
                .ok_or_else(|| "GeometryCollection has no \"geometries\"".to_string());
        }
        let level = self
            .level
            .ok_or_else(|| format!("{kind} geometry has no \"coordinates\""))?;
        let base = self.base;
        let parsed = assemble(kind, level, &self.nesting, &mut xy[base..])?;
        Ok(parsed.map(|mut g| {
            for (_, parts) in &mut g.groups {
                for (range, _) in parts {
                    *range = range.start + base..range.end + base;
                }
            }
            g
        }))
    }
}

impl<'de> Visitor<'de> for GeometrySeed<'_> {
    type Value = Option<ParsedGeometry>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a GeoJSON geometry object or null")
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut kind: Option<String> = None;
        let mut members = GeometryMembers::default();
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "type" => kind = Some(map.next_value()?),
                "coordinates" | "geometries" => members.visit(&key, &mut map, self.out)?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        let kind = kind.ok_or_else(|| de::Error::custom("geometry has no \"type\""))?;
        members
            .finish(&kind, &mut self.out.scratch_xy)
            .map_err(de::Error::custom)
    }
}

/// A GeometryCollection's `geometries`: every member's parts, merged by kind.
struct Collection<'a> {
    out: &'a mut RawLayer,
}

impl<'de> DeserializeSeed<'de> for Collection<'_> {
    type Value = Option<ParsedGeometry>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Collection<'_> {
    type Value = Option<ParsedGeometry>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of GeoJSON geometries")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut all: Option<ParsedGeometry> = None;
        while let Some(member) = seq.next_element_seed(GeometrySeed {
            out: &mut *self.out,
        })? {
            match (&mut all, member) {
                (_, None) => {}
                (None, Some(m)) => {
                    let mut first = ParsedGeometry { groups: Vec::new() };
                    first.merge(m);
                    all = Some(first);
                }
                (Some(a), Some(m)) => a.merge(m),
            }
        }
        Ok(all)
    }
}

#[derive(Clone, Copy, PartialEq, Debug)]
enum Level {
    Empty,
    Depth(u8),
}

/// Make a line or ring continuous across the antimeridian: a step of more than 180° of
/// longitude between neighbours is taken the short way (179 → -179 becomes 179 → 181), unless
/// a vertex lies on ±180 itself (Antarctica's ring runs along the edge). The tiler then wraps
/// what lies beyond ±180 onto the other side, as geojson-vt does.
pub(super) fn unwrap_antimeridian(xy: &mut [[f64; 2]]) {
    let mut shift = 0.0;
    for i in 1..xy.len() {
        let (prev, here) = (xy[i - 1][0], xy[i][0] + shift);
        let on_edge = |x: f64| (x.rem_euclid(1.0)).abs() < 1e-12;
        if !on_edge(prev) && !on_edge(xy[i][0]) {
            if here - prev > 0.5 {
                shift -= 1.0;
            } else if prev - here > 0.5 {
                shift += 1.0;
            }
        }
        xy[i][0] += shift;
    }
}

/// Turn flattened coordinates into parts, checking the nesting matches the geometry type.
fn assemble(
    kind: &str,
    level: Level,
    nesting: &Nesting,
    xy: &mut [[f64; 2]],
) -> Result<Option<ParsedGeometry>, String> {
    let (geom, depth) = match kind {
        "Point" => (GeomKind::Point, 0),
        "MultiPoint" => (GeomKind::Point, 1),
        "LineString" => (GeomKind::Line, 1),
        "MultiLineString" => (GeomKind::Line, 2),
        "Polygon" => (GeomKind::Polygon, 2),
        "MultiPolygon" => (GeomKind::Polygon, 3),
        other => return Err(format!("unknown geometry type \"{other}\"")),
    };
    let d = match level {
        Level::Empty => return Ok(None),
        Level::Depth(d) => d,
    };
    if d != depth {
        return Err(format!(
            "{kind} coordinates must be nested {} deep, found {}",
            depth + 1,
            d + 1
        ));
    }
    let mut parts = Vec::new();
    match (geom, depth) {
        (GeomKind::Point, _) => parts.push((0..xy.len(), false)),
        (GeomKind::Line, _) => {
            let mut start = 0;
            for &n in &nesting.counts[0] {
                let n = n as usize;
                if n < 2 {
                    return Err(format!(
                        "{kind} has a line with {n} position(s); a line needs at least 2"
                    ));
                }
                unwrap_antimeridian(&mut xy[start..start + n]);
                parts.push((start..start + n, false));
                start += n;
            }
        }
        (GeomKind::Polygon, _) => {
            // Rings per polygon: one polygon for Polygon, counts[1] for MultiPolygon.
            let single = [nesting.counts[0].len() as u32];
            let polygons: &[u32] = if depth == 2 {
                &single
            } else {
                &nesting.counts[1]
            };
            let mut rings = nesting.counts[0].iter();
            let mut start = 0;
            for (p, &ring_count) in polygons.iter().enumerate() {
                if ring_count == 0 {
                    return Err(format!("{kind} polygon {p} has no rings"));
                }
                let mut exterior_kept = false;
                for r in 0..ring_count {
                    let n = rings.next().copied().unwrap_or(0) as usize;
                    let range = start..start + n;
                    start += n;
                    let ring = &mut xy[range.clone()];
                    if n < 4 {
                        return Err(format!(
                            "{kind} polygon {p} ring {r} has {n} positions; a ring needs at least 4"
                        ));
                    }
                    if ring[0] != ring[n - 1] {
                        return Err(format!(
                            "{kind} polygon {p} ring {r} is not closed: the first and last positions differ"
                        ));
                    }
                    unwrap_antimeridian(ring);
                    if ring[0] != ring[n - 1] {
                        return Err(format!(
                            "{kind} polygon {p} ring {r} goes round the whole globe (it crosses the antimeridian an odd number of times); split it at ±180"
                        ));
                    }
                    // Exterior rings: positive area in y-down projected space (clockwise on
                    // screen, counter-clockwise in lon/lat as RFC 7946 asks); holes negative.
                    let outer = r == 0;
                    let area = ring_area(ring);
                    if area == 0.0 || !(outer || exterior_kept) {
                        continue;
                    }
                    exterior_kept = true;
                    if (area < 0.0) == outer {
                        ring.reverse();
                    }
                    parts.push((range, outer));
                }
            }
        }
    }
    if let Some(x) = xy.iter().map(|p| p[0]).find(|x| !(-1.0..=2.0).contains(x)) {
        return Err(format!(
            "{kind} reaches longitude {} once made continuous across the antimeridian; longitudes must stay within -540..540",
            short_number((x - 0.5) * 360.0)
        ));
    }
    if parts.is_empty() {
        return Ok(None);
    }
    Ok(Some(ParsedGeometry {
        groups: vec![(geom, parts)],
    }))
}

struct Coords<'a> {
    xy: &'a mut Vec<[f64; 2]>,
    nesting: &'a mut Nesting,
}

impl<'de> DeserializeSeed<'de> for Coords<'_> {
    type Value = Level;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Level, D::Error> {
        d.deserialize_seq(self)
    }
}

/// One element of a coordinate array: a number (inside a position) or a nested array.
enum Element {
    Number(f64),
    Nested(Level),
}

struct ElementSeed<'a> {
    xy: &'a mut Vec<[f64; 2]>,
    nesting: &'a mut Nesting,
}

impl<'de> DeserializeSeed<'de> for ElementSeed<'_> {
    type Value = Element;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Element, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ElementSeed<'_> {
    type Value = Element;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a coordinate number or array")
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Element, E> {
        Ok(Element::Number(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Element, E> {
        Ok(Element::Number(v as f64))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Element, E> {
        Ok(Element::Number(v as f64))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Element, A::Error> {
        Coords {
            xy: self.xy,
            nesting: self.nesting,
        }
        .visit_seq(seq)
        .map(Element::Nested)
    }
}

impl<'de> Visitor<'de> for Coords<'_> {
    type Value = Level;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a coordinates array")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Level, A::Error> {
        let first = seq.next_element_seed(ElementSeed {
            xy: self.xy,
            nesting: self.nesting,
        })?;
        match first {
            None => Ok(Level::Empty),
            Some(Element::Number(lon)) => {
                let lat = match seq.next_element_seed(ElementSeed {
                    xy: self.xy,
                    nesting: self.nesting,
                })? {
                    Some(Element::Number(lat)) => lat,
                    _ => {
                        return Err(de::Error::custom(
                            "a position needs two numbers: [longitude, latitude]",
                        ));
                    }
                };
                // Altitude and anything after it are ignored.
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                // Beyond ±180 is wrapped onto the other side of the antimeridian, as
                // geojson-vt does; beyond ±540 is not longitude at all.
                if !(-540.0..=540.0).contains(&lon) {
                    return Err(de::Error::custom(format!(
                        "longitude {} is outside -540..540 (is the file in WGS 84 lon/lat order? if it is projected, reproject it: ogr2ogr -t_srs EPSG:4326 out.geojson in.geojson)",
                        short_number(lon)
                    )));
                }
                if !(-90.0..=90.0).contains(&lat) {
                    return Err(de::Error::custom(format!(
                        "latitude {} is outside -90..90 (are longitude and latitude swapped?)",
                        short_number(lat)
                    )));
                }
                self.xy.push(project([lon, lat]));
                Ok(Level::Depth(0))
            }
            Some(Element::Nested(level)) => {
                let child = match level {
                    Level::Empty => {
                        return Err(de::Error::custom(
                            "empty coordinate array inside a geometry",
                        ));
                    }
                    Level::Depth(d) => d,
                };
                let mut count = 1u32;
                while let Some(e) = seq.next_element_seed(ElementSeed {
                    xy: self.xy,
                    nesting: self.nesting,
                })? {
                    match e {
                        Element::Nested(Level::Depth(d)) if d == child => count += 1,
                        Element::Nested(Level::Empty) => {
                            return Err(de::Error::custom(
                                "empty coordinate array inside a geometry",
                            ));
                        }
                        _ => {
                            return Err(de::Error::custom("coordinate arrays are nested unevenly"));
                        }
                    }
                }
                if child >= 3 {
                    return Err(de::Error::custom(
                        "coordinates are nested deeper than a MultiPolygon",
                    ));
                }
                self.nesting.counts[child as usize].push(count);
                Ok(Level::Depth(child + 1))
            }
        }
    }
}

/// A number as a person would write it: 1e300 rather than three hundred digits.
fn short_number(v: f64) -> String {
    if v.abs() >= 1e7 {
        format!("{v:e}")
    } else {
        v.to_string()
    }
}
