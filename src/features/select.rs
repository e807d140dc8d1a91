//! Which features of a layer a query selects: a lon/lat box, a time window tested against
//! each row's date span, equality on attributes, and the catalog's filters, which also
//! recompute joined attributes exactly as tiles do ([`Dataset::filtered`]).

use std::borrow::Cow;
use std::sync::Arc;

use crate::dataset::{Dataset, FilteredLayer, Layer};
use crate::geometry::projection::project;
use crate::geometry::{BBox, GeomKind, PieceIndex, Shapes};
use crate::join::filter::Filter;
use crate::value::{FieldType, Value, value_text};

/// `[west, south, east, north]` in degrees; west > east crosses the antimeridian.
pub type LonLatBox = [f64; 4];

/// What to select. The default selects every feature with its unfiltered attributes.
#[derive(Clone, Debug, Default)]
pub struct FeatureQuery {
    pub bbox: Option<LonLatBox>,
    /// Days since 1970-01-01, inclusive; either end open. Only point layers made from claim
    /// tables have dates; an undated row never matches a window.
    pub datetime: Option<(Option<i32>, Option<i32>)>,
    /// Field index and the value it must equal.
    pub equals: Vec<(usize, Value)>,
    /// The catalog's filters (`from`, `to`, `group`, `event_type`).
    pub filter: Filter,
    /// A CQL2 text `filter`, parsed against the layer's fields.
    pub cql: Option<super::cql2::Expr>,
}

/// The selected features (indices into `layer.features`, in layer order) and the filtered
/// view their attributes come from.
#[derive(Debug)]
pub struct Selection {
    pub view: Option<Arc<FilteredLayer>>,
    pub features: Vec<usize>,
}

impl Selection {
    /// The attributes of feature `i` as served under this selection's filter.
    pub fn props<'a>(&'a self, layer: &'a Layer, i: usize) -> Cow<'a, [Value]> {
        match self.view.as_ref().and_then(|v| v.props.as_ref()) {
            Some(props) => Cow::Borrowed(&props[i][..]),
            None => layer.attributes(i),
        }
    }
}

/// Parse a query-string value as a value of a field's type (`true`/`false`/`1`/`0` for
/// booleans). The error says what was expected.
pub fn parse_value(kind: FieldType, text: &str) -> Result<Value, String> {
    match kind {
        FieldType::String | FieldType::Mixed => Ok(Value::String(text.into())),
        FieldType::Integer => text
            .trim()
            .parse::<i64>()
            .map(Value::Int)
            .map_err(|_| format!("'{text}' is not a whole number")),
        FieldType::Float => text
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|f| f.is_finite())
            .map(Value::Float)
            .ok_or_else(|| format!("'{text}' is not a number")),
        FieldType::Boolean => match text.trim().to_ascii_lowercase().as_str() {
            "true" | "1" => Ok(Value::Bool(true)),
            "false" | "0" => Ok(Value::Bool(false)),
            _ => Err(format!("'{text}' is not true or false")),
        },
    }
}

/// Whether an attribute equals a wanted value (integers and floats compare as numbers;
/// null equals nothing).
fn equal(have: &Value, want: &Value) -> bool {
    match (have, want) {
        (Value::Int(a), Value::Float(b)) | (Value::Float(b), Value::Int(a)) => *a as f64 == *b,
        (Value::Null, _) | (_, Value::Null) => false,
        // A mixed field is queried with text: "1" matches the number 1 and the text "1".
        (a, Value::String(b)) if !matches!(a, Value::String(_)) => value_text(a) == **b,
        (a, b) => a == b,
    }
}

/// The lon/lat box as one or two projected boxes (two when it crosses the antimeridian).
fn projected_boxes([w, s, e, n]: LonLatBox) -> Vec<BBox> {
    let one = |w: f64, e: f64| {
        let [min_x, min_y] = project([w, n]);
        let [max_x, max_y] = project([e, s]);
        BBox {
            min_x,
            min_y,
            max_x,
            max_y,
        }
    };
    if w <= e {
        vec![one(w, e)]
    } else {
        vec![one(w, 180.0), one(-180.0, e)]
    }
}

/// Whether segment a–b touches box `b` (Liang–Barsky clipping).
fn segment_hits_box(a: [f64; 2], b: [f64; 2], bx: &BBox) -> bool {
    let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
    let mut t0: f64 = 0.0;
    let mut t1: f64 = 1.0;
    for (p, q) in [
        (-dx, a[0] - bx.min_x),
        (dx, bx.max_x - a[0]),
        (-dy, a[1] - bx.min_y),
        (dy, bx.max_y - a[1]),
    ] {
        if p == 0.0 {
            if q < 0.0 {
                return false;
            }
        } else {
            let r = q / p;
            if p < 0.0 {
                t0 = t0.max(r);
            } else {
                t1 = t1.min(r);
            }
            if t0 > t1 {
                return false;
            }
        }
    }
    true
}

/// Even-odd point in ring test.
fn inside_ring(p: [f64; 2], ring: &[[f64; 2]]) -> bool {
    let mut inside = false;
    for w in ring.windows(2) {
        let (a, b) = (w[0], w[1]);
        if (a[1] > p[1]) != (b[1] > p[1])
            && p[0] < (b[0] - a[0]) * (p[1] - a[1]) / (b[1] - a[1]) + a[0]
        {
            inside = !inside;
        }
    }
    inside
}

/// Whether a feature's geometry intersects a projected box: exactly, not by its envelope.
fn feature_hits_box(shapes: &Shapes, pieces: &[u32], kind: GeomKind, bx: &BBox) -> bool {
    for &p in pieces {
        let piece = &shapes.pieces[p as usize];
        let bbox = shapes.piece_bbox(piece);
        if !bbox.intersects(bx) {
            continue;
        }
        if bbox.within(bx) {
            return true;
        }
        let parts = shapes.parts_of(piece);
        let touches_edge = parts
            .iter()
            .filter(|part| part.bbox.intersects(bx))
            .any(|part| {
                let xy = &shapes.xy[part.range()];
                match kind {
                    GeomKind::Point => xy.iter().any(|&q| {
                        q[0] >= bx.min_x && q[0] <= bx.max_x && q[1] >= bx.min_y && q[1] <= bx.max_y
                    }),
                    _ if xy.len() == 1 => segment_hits_box(xy[0], xy[0], bx),
                    _ => xy.windows(2).any(|w| segment_hits_box(w[0], w[1], bx)),
                }
            });
        if touches_edge {
            return true;
        }
        if kind == GeomKind::Polygon {
            // The box may lie wholly inside the polygon (and outside its holes).
            let centre = [(bx.min_x + bx.max_x) / 2.0, (bx.min_y + bx.max_y) / 2.0];
            let crossings = parts
                .iter()
                .filter(|part| inside_ring(centre, &shapes.xy[part.range()]))
                .count();
            if crossings % 2 == 1 {
                return true;
            }
        }
    }
    false
}

/// The features of `layer` that `query` selects, with the view their attributes come from.
pub fn select(dataset: &Dataset, layer: &Layer, query: &FeatureQuery) -> Selection {
    let view = dataset.filtered(layer, &query.filter);
    let visible = view.as_ref().and_then(|v| v.visible.as_ref());
    let boxes = query.bbox.map(projected_boxes);
    let pieces = boxes
        .as_ref()
        .map(|_| PieceIndex::new(&layer.shapes, layer.features.len()));
    let cql_pieces = query
        .cql
        .as_ref()
        .map(|_| PieceIndex::new(&layer.shapes, layer.features.len()));
    let mut selection = Selection {
        view: None,
        features: Vec::new(),
    };
    for i in 0..layer.features.len() {
        if visible.is_some_and(|v| !v.get(i).copied().unwrap_or(false)) {
            continue;
        }
        if let Some((from, to)) = query.datetime {
            let date = layer.rows.as_ref().and_then(|rows| {
                let r = *rows.row_of_feature.get(i)? as usize;
                rows.claims.rows.get(r)?.date
            });
            if !date.is_some_and(|d| d.overlaps(from, to)) {
                continue;
            }
        }
        if let (Some(boxes), Some(pieces)) = (&boxes, &pieces) {
            let of = pieces.of(i);
            if !boxes
                .iter()
                .any(|b| feature_hits_box(&layer.shapes, of, layer.kinds[i], b))
            {
                continue;
            }
        }
        // Attributes are read only when a filter asks about them (a table's point layer
        // makes them from its rows).
        if query.cql.is_some() || !query.equals.is_empty() {
            let props = match view.as_ref().and_then(|v| v.props.as_ref()) {
                Some(p) => Cow::Borrowed(&p[i][..]),
                None => layer.attributes(i),
            };
            if let Some(cql) = &query.cql {
                let here = CqlFeature {
                    layer,
                    pieces: cql_pieces.as_ref(),
                    i,
                };
                if !cql.matches(&props, &here) {
                    continue;
                }
            }
            if !query
                .equals
                .iter()
                .all(|(f, want)| props.get(*f).is_some_and(|have| equal(have, want)))
            {
                continue;
            }
        }
        selection.features.push(i);
    }
    selection.view = view;
    selection
}

/// One feature as a CQL2 filter sees its geometry and date.
struct CqlFeature<'a> {
    layer: &'a Layer,
    pieces: Option<&'a PieceIndex>,
    i: usize,
}

impl super::cql2::Spatial for CqlFeature<'_> {
    fn intersects(&self, bbox: [f64; 4]) -> bool {
        let Some(pieces) = self.pieces else {
            return false;
        };
        projected_boxes(bbox).iter().any(|b| {
            feature_hits_box(
                &self.layer.shapes,
                pieces.of(self.i),
                self.layer.kinds[self.i],
                b,
            )
        })
    }

    fn during(&self, from: Option<i32>, to: Option<i32>) -> bool {
        self.layer
            .rows
            .as_ref()
            .and_then(|rows| {
                let r = *rows.row_of_feature.get(self.i)? as usize;
                rows.claims.rows.get(r)?.date
            })
            .is_some_and(|d| d.overlaps(from, to))
    }
}

/// `[first, last]` day of the dated rows behind a point layer, if it has any.
pub fn temporal_extent(layer: &Layer) -> Option<(i32, i32)> {
    let rows = layer.rows.as_ref()?;
    rows.row_of_feature
        .iter()
        .filter_map(|&r| rows.claims.rows.get(r as usize)?.date)
        .fold(None, |acc, d| match acc {
            None => Some((d.first, d.last)),
            Some((a, b)) => Some((a.min(d.first), b.max(d.last))),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_and_boxes() {
        let b = BBox {
            min_x: 0.0,
            min_y: 0.0,
            max_x: 1.0,
            max_y: 1.0,
        };
        assert!(segment_hits_box([-1.0, 0.5], [2.0, 0.5], &b));
        assert!(!segment_hits_box([-1.0, 2.0], [2.0, 2.0], &b));
        assert!(!segment_hits_box([-1.0, 0.0], [0.0, -1.5], &b));
    }

    #[test]
    fn values_parse_by_field_type() {
        assert_eq!(parse_value(FieldType::Integer, "3"), Ok(Value::Int(3)));
        assert!(parse_value(FieldType::Integer, "x").is_err());
        assert_eq!(
            parse_value(FieldType::Boolean, "TRUE"),
            Ok(Value::Bool(true))
        );
        assert!(equal(&Value::Int(2), &Value::Float(2.0)));
        assert!(!equal(&Value::Null, &Value::Null));
    }
}
