//! Features as GeoJSON (RFC 7946): geometry back in lon/lat, rounded to 1e-7° (about a
//! centimetre), exterior rings counter-clockwise, ids as in the tiles. Built with the `geojson`
//! crate's types one feature at a time (2–3× faster than formatting by hand: benches/crates.rs).

use std::fmt::Write;
use std::sync::Arc;

use serde_json::{Map, Value as Json};

use super::select::{FeatureQuery, Selection};
use crate::dataset::{Dataset, Layer};
use crate::geometry::PieceIndex;
use crate::geometry::projection::unproject;
use crate::geometry::{GeomKind, Part, Shapes, ring_area};
use crate::value::Value;
use geojson::feature::Id;
use geojson::{GeometryValue, Position};

/// A lon/lat position rounded to 1e-7°.
fn position(xy: [f64; 2]) -> Position {
    let [lon, lat] = unproject(xy);
    let r = |v: f64| (v * 1e7).round() / 1e7;
    Position::from([r(lon), r(lat)])
}

fn positions(xy: &[[f64; 2]]) -> Vec<Position> {
    xy.iter().map(|&p| position(p)).collect()
}

/// A ring with the orientation RFC 7946 asks for: exteriors counter-clockwise in lon/lat.
/// Projected y grows southwards, so a counter-clockwise ring has negative projected area.
fn ring(xy: &[[f64; 2]], exterior: bool) -> Vec<Position> {
    let mut ring = positions(xy);
    let ccw = ring_area(xy) < 0.0;
    if ccw != exterior {
        ring.reverse();
    }
    ring
}

/// How many points, lines or polygons (exterior rings) a feature has.
fn member_count(shapes: &Shapes, pieces: &[u32], kind: GeomKind) -> usize {
    let pieces = pieces.iter().map(|&p| &shapes.pieces[p as usize]);
    match kind {
        GeomKind::Point => pieces
            .flat_map(|piece| shapes.parts_of(piece))
            .map(|part| part.range().len())
            .sum(),
        GeomKind::Line => pieces.map(|piece| shapes.parts_of(piece).len()).sum(),
        GeomKind::Polygon => pieces.map(|piece| shapes.polygons_of(piece).count()).sum(),
    }
}

/// The geometry of one feature (its pieces in `shapes`), or `None` when it has none. With
/// `multi`, a single point, line or polygon is a Multi* of one, so a layer has one type.
pub fn geometry(
    shapes: &Shapes,
    pieces: &[u32],
    kind: GeomKind,
    multi: bool,
) -> Option<geojson::Geometry> {
    let parts: Vec<&Part> = pieces
        .iter()
        .flat_map(|&p| shapes.parts_of(&shapes.pieces[p as usize]))
        .filter(|part| part.end > part.start)
        .collect();
    if parts.is_empty() {
        return None;
    }
    let value = match kind {
        GeomKind::Point => {
            let mut points: Vec<Position> = parts
                .iter()
                .flat_map(|part| positions(&shapes.xy[part.range()]))
                .collect();
            if points.len() == 1 && !multi {
                GeometryValue::Point {
                    coordinates: points.remove(0),
                }
            } else {
                GeometryValue::MultiPoint {
                    coordinates: points,
                }
            }
        }
        GeomKind::Line => {
            let mut lines: Vec<Vec<Position>> = parts
                .iter()
                .map(|part| positions(&shapes.xy[part.range()]))
                .collect();
            if lines.len() == 1 && !multi {
                GeometryValue::LineString {
                    coordinates: lines.remove(0),
                }
            } else {
                GeometryValue::MultiLineString { coordinates: lines }
            }
        }
        GeomKind::Polygon => {
            let rings = |rings: &[Part], exterior: bool| -> Vec<Vec<Position>> {
                rings
                    .iter()
                    .filter(|part| part.end > part.start)
                    .map(|part| ring(&shapes.xy[part.range()], exterior))
                    .collect()
            };
            let mut polygons: Vec<Vec<Vec<Position>>> = pieces
                .iter()
                .flat_map(|&p| shapes.polygons_of(&shapes.pieces[p as usize]))
                .filter(|polygon| polygon.exterior().end > polygon.exterior().start)
                .map(|polygon| {
                    let mut all = rings(std::slice::from_ref(polygon.exterior()), true);
                    all.extend(rings(polygon.holes(), false));
                    all
                })
                .collect();
            if polygons.len() == 1 && !multi {
                GeometryValue::Polygon {
                    coordinates: polygons.remove(0),
                }
            } else {
                GeometryValue::MultiPolygon {
                    coordinates: polygons,
                }
            }
        }
    };
    Some(geojson::Geometry::new(value))
}

/// [`geometry`] written as JSON (`null` when there is none).
pub fn write_geometry(
    out: &mut String,
    shapes: &Shapes,
    pieces: &[u32],
    kind: GeomKind,
    multi: bool,
) {
    match geometry(shapes, pieces, kind, multi) {
        Some(g) => out.push_str(&serde_json::to_string(&g).unwrap_or_else(|_| "null".into())),
        None => out.push_str("null"),
    }
}

/// The properties object: every field of the layer, nulls included, so a client sees one
/// schema whichever feature it reads first.
pub fn properties(layer: &Layer, props: &[Value]) -> serde_json::Map<String, serde_json::Value> {
    layer
        .fields
        .iter()
        .zip(props)
        .map(|(f, v)| (f.name.clone(), v.to_json()))
        .collect()
}

/// Writes the features of a selection, one `Feature` object each.
pub struct FeatureWriter<'a> {
    layer: &'a Layer,
    pieces: PieceIndex,
    /// Whether any feature is a multi-geometry: then all are written as Multi*, because GDAL
    /// and QGIS take a layer's geometry type from the first features they read.
    multi: bool,
}

impl<'a> FeatureWriter<'a> {
    pub fn new(layer: &'a Layer) -> FeatureWriter<'a> {
        let pieces = PieceIndex::new(&layer.shapes, layer.features.len());
        let multi = layer
            .features
            .iter()
            .enumerate()
            .any(|(i, _)| member_count(&layer.shapes, pieces.of(i), layer.kinds[i]) > 1);
        FeatureWriter {
            layer,
            pieces,
            multi,
        }
    }

    /// Feature `i` of the layer with the attributes the selection serves.
    pub fn write(&self, out: &mut String, selection: &Selection, i: usize) {
        let feature = geojson::Feature {
            bbox: None,
            geometry: geometry(
                &self.layer.shapes,
                self.pieces.of(i),
                self.layer.kinds[i],
                self.multi,
            ),
            id: Some(Id::Number(self.layer.features[i].id.into())),
            properties: Some(properties(self.layer, &selection.props(self.layer, i))),
            foreign_members: None,
        };
        // Serialising values built here cannot fail (a non-finite number becomes null).
        if let Ok(json) = serde_json::to_string(&feature) {
            out.push_str(&json);
        }
    }

    /// A FeatureCollection of `features` (indices into the layer), with extra top-level
    /// members (already JSON) written before `features`.
    pub fn collection(
        &self,
        selection: &Selection,
        features: &[usize],
        members: &serde_json::Map<String, serde_json::Value>,
    ) -> String {
        let mut out = String::with_capacity(256 + features.len() * 256);
        out.push_str(r#"{"type":"FeatureCollection""#);
        for (k, v) in members {
            let _ = write!(out, ",{}:{}", serde_json::Value::from(k.as_str()), v);
        }
        out.push_str(r#","features":["#);
        for (k, &i) in features.iter().enumerate() {
            if k > 0 {
                out.push(',');
            }
            self.write(&mut out, selection, i);
        }
        out.push_str("]}");
        out
    }
}

/// The members a downloaded collection carries beside its features, so the file keeps its
/// provenance away from the server: name, title, attribution, licence, data version and the
/// filter it was cut with. The server's `/data` route and the static site's files share them.
pub fn download_members(
    dataset: &Dataset,
    layer: &Arc<Layer>,
    query: &FeatureQuery,
) -> Map<String, Json> {
    let mut members = Map::new();
    members.insert("name".into(), layer.id.clone().into());
    members.insert("title".into(), layer.title.clone().into());
    members.insert(
        "attribution".into(),
        crate::dataset::tilejson::attribution(dataset, std::slice::from_ref(layer)).into(),
    );
    members.insert(
        "license".into(),
        layer.license.clone().map(Json::from).unwrap_or(Json::Null),
    );
    members.insert("version".into(), dataset.version.clone().into());
    if !query.filter.is_empty() {
        members.insert("filter".into(), query.filter.canonical().into());
    }
    members
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geometry::projection::project;

    fn square(clockwise_in_lonlat: bool) -> Shapes {
        let mut ring = vec![
            [60.0, 30.0],
            [61.0, 30.0],
            [61.0, 31.0],
            [60.0, 31.0],
            [60.0, 30.0],
        ];
        if clockwise_in_lonlat {
            ring.reverse();
        }
        let xy: Vec<[f64; 2]> = ring.into_iter().map(project).collect();
        let mut shapes = Shapes::default();
        shapes.push_part(&xy, &vec![0.0; xy.len()], true);
        shapes.finish_piece(0, 0);
        shapes
    }

    #[test]
    fn exterior_rings_come_out_counter_clockwise() {
        for cw in [false, true] {
            let shapes = square(cw);
            let mut out = String::new();
            write_geometry(&mut out, &shapes, &[0], GeomKind::Polygon, false);
            let v: serde_json::Value = serde_json::from_str(&out).unwrap();
            assert_eq!(v["type"], "Polygon");
            let ring = v["coordinates"][0].as_array().unwrap();
            assert_eq!(ring.len(), 5);
            assert_eq!(ring[0], ring[4]);
            // Second vertex east of the first: counter-clockwise from the south-west corner.
            let second = [ring[1][0].as_f64(), ring[1][1].as_f64()];
            assert_eq!(second, [Some(61.0), Some(30.0)], "{out}");
        }
        let mut out = String::new();
        write_geometry(&mut out, &square(false), &[0], GeomKind::Polygon, true);
        assert!(
            out.starts_with(r#"{"type":"MultiPolygon","coordinates":[[[["#),
            "{out}"
        );
    }
}
