//! A selection as CSV for spreadsheets: `feature_id` (as in the tiles), then `longitude`/`latitude` for point layers,
//! then every attribute (provenance included). Polygons and lines carry attributes only.

use super::select::Selection;
use crate::dataset::Layer;
use crate::geometry::PieceIndex;
use crate::geometry::projection::unproject;
use crate::value::Value;

fn cell(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::UInt(u) => u.to_string(),
        Value::Float(f) => f.to_string(),
        Value::String(s) => s.to_string(),
    }
}

/// The CSV bytes of `features` (indices into the layer) under `selection`.
pub fn write(
    layer: &Layer,
    selection: &Selection,
    features: &[usize],
) -> Result<Vec<u8>, csv::Error> {
    let points = layer.geometry_type() == "point";
    let pieces = points.then(|| PieceIndex::new(&layer.shapes, layer.features.len()));
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["feature_id".to_string()];
    if points {
        header.extend(["longitude".to_string(), "latitude".to_string()]);
    }
    header.extend(layer.fields.iter().map(|f| f.name.clone()));
    w.write_record(&header)?;
    for &i in features {
        let mut row = vec![layer.features[i].id.to_string()];
        if let Some(pieces) = &pieces {
            // One position per point feature; a multipoint gives its first.
            let first = pieces
                .of(i)
                .first()
                .and_then(|&p| {
                    layer
                        .shapes
                        .parts_of(&layer.shapes.pieces[p as usize])
                        .first()
                })
                .and_then(|part| layer.shapes.xy.get(part.start as usize));
            match first {
                Some(&xy) => {
                    let [lon, lat] = unproject(xy);
                    let r = |v: f64| ((v * 1e7).round() / 1e7).to_string();
                    row.extend([r(lon), r(lat)]);
                }
                None => row.extend([String::new(), String::new()]),
            }
        }
        row.extend(selection.props(layer, i).iter().map(cell));
        w.write_record(&row)?;
    }
    w.into_inner().map_err(|e| e.into_error().into())
}
