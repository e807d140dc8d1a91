//! Features as GeoJSON (RFC 7946): geometry back in lon/lat, rounded to 1e-7° (about a
//! centimetre), exterior rings counter-clockwise, ids as in the tiles. Written straight to a
//! string because a download may hold every vertex of a layer.

use std::fmt::Write;

use super::select::Selection;
use crate::dataset::Layer;
use crate::geometry::PieceIndex;
use crate::geometry::projection::unproject;
use crate::geometry::{GeomKind, Shapes, ring_area};
use crate::value::Value;

fn write_position(out: &mut String, xy: [f64; 2]) {
    let [lon, lat] = unproject(xy);
    let r = |v: f64| (v * 1e7).round() / 1e7;
    let _ = write!(out, "[{},{}]", r(lon), r(lat));
}

fn write_positions<'a>(out: &mut String, xy: impl Iterator<Item = &'a [f64; 2]>) {
    out.push('[');
    for (k, p) in xy.enumerate() {
        if k > 0 {
            out.push(',');
        }
        write_position(out, *p);
    }
    out.push(']');
}

/// A ring with the orientation RFC 7946 asks for: exteriors counter-clockwise in lon/lat.
/// Projected y grows southwards, so a counter-clockwise ring has negative projected area.
fn write_ring(out: &mut String, xy: &[[f64; 2]], exterior: bool) {
    let ccw = ring_area(xy) < 0.0;
    if ccw == exterior {
        write_positions(out, xy.iter());
    } else {
        write_positions(out, xy.iter().rev());
    }
}

/// How many points, lines or polygons (exterior rings) a feature has.
fn member_count(shapes: &Shapes, pieces: &[u32], kind: GeomKind) -> usize {
    let parts = pieces
        .iter()
        .flat_map(|&p| shapes.parts_of(&shapes.pieces[p as usize]));
    match kind {
        GeomKind::Point => parts.map(|part| part.range().len()).sum(),
        GeomKind::Line => parts.count(),
        GeomKind::Polygon => parts.filter(|part| part.outer).count(),
    }
}

/// The geometry of one feature (its pieces in `shapes`), or `null`. With `multi`, a single
/// point, line or polygon is written as a Multi* of one, so a layer has one geometry type.
pub fn write_geometry(
    out: &mut String,
    shapes: &Shapes,
    pieces: &[u32],
    kind: GeomKind,
    multi: bool,
) {
    let parts: Vec<&crate::geometry::Part> = pieces
        .iter()
        .flat_map(|&p| shapes.parts_of(&shapes.pieces[p as usize]))
        .filter(|part| part.end > part.start)
        .collect();
    if parts.is_empty() {
        out.push_str("null");
        return;
    }
    match kind {
        GeomKind::Point => {
            let points: Vec<&[f64; 2]> = parts
                .iter()
                .flat_map(|part| shapes.xy[part.range()].iter())
                .collect();
            if let ([one], false) = (points.as_slice(), multi) {
                out.push_str(r#"{"type":"Point","coordinates":"#);
                write_position(out, **one);
            } else {
                out.push_str(r#"{"type":"MultiPoint","coordinates":"#);
                write_positions(out, points.into_iter());
            }
        }
        GeomKind::Line => {
            if let ([one], false) = (parts.as_slice(), multi) {
                out.push_str(r#"{"type":"LineString","coordinates":"#);
                write_positions(out, shapes.xy[one.range()].iter());
            } else {
                out.push_str(r#"{"type":"MultiLineString","coordinates":["#);
                for (k, part) in parts.iter().enumerate() {
                    if k > 0 {
                        out.push(',');
                    }
                    write_positions(out, shapes.xy[part.range()].iter());
                }
                out.push(']');
            }
        }
        GeomKind::Polygon => {
            // Holes follow their exterior; a stray leading hole is treated as an exterior.
            let mut polygons: Vec<Vec<&crate::geometry::Part>> = Vec::new();
            for part in parts {
                match polygons.last_mut() {
                    Some(rings) if !part.outer => rings.push(part),
                    _ => polygons.push(vec![part]),
                }
            }
            let write_polygon = |out: &mut String, rings: &[&crate::geometry::Part]| {
                out.push('[');
                for (k, ring) in rings.iter().enumerate() {
                    if k > 0 {
                        out.push(',');
                    }
                    write_ring(out, &shapes.xy[ring.range()], k == 0);
                }
                out.push(']');
            };
            if let ([one], false) = (polygons.as_slice(), multi) {
                out.push_str(r#"{"type":"Polygon","coordinates":"#);
                write_polygon(out, one);
            } else {
                out.push_str(r#"{"type":"MultiPolygon","coordinates":["#);
                for (k, rings) in polygons.iter().enumerate() {
                    if k > 0 {
                        out.push(',');
                    }
                    write_polygon(out, rings);
                }
                out.push(']');
            }
        }
    }
    out.push('}');
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
        let feature = &self.layer.features[i];
        let _ = write!(out, r#"{{"type":"Feature","id":{},"geometry":"#, feature.id);
        write_geometry(
            out,
            &self.layer.shapes,
            self.pieces.of(i),
            self.layer.kinds[i],
            self.multi,
        );
        out.push_str(r#","properties":"#);
        let props = properties(self.layer, selection.props(self.layer, i));
        out.push_str(&serde_json::Value::Object(props).to_string());
        out.push('}');
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
