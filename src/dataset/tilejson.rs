//! TileJSON 3.0.0 for one layer or a composite of layers: bounds, centre, zooms,
//! attribution and `vector_layers`. The server sends it; exports write it as archive metadata.

use std::sync::Arc;

use serde_json::{Map, Value as Json_, json};

use crate::geometry::BBox;
use crate::geometry::projection::unproject;
use crate::join::filter::Filter;

use super::{Dataset, Layer, LayerKind, lonlat_bounds};

/// Attribution strings of the dataset and the layers, deduplicated, joined for display.
pub fn attribution(dataset: &Dataset, layers: &[Arc<Layer>]) -> String {
    let mut parts: Vec<String> = Vec::new();
    for a in layers
        .iter()
        .flat_map(|l| l.attributions())
        .chain(dataset.attribution.clone())
    {
        if !a.is_empty() && !parts.contains(&a) {
            parts.push(a);
        }
    }
    parts.join(" | ")
}

/// The `vector_layers` entry of one layer.
pub fn vector_layer(layer: &Layer) -> Json_ {
    let fields: Map<String, Json_> = layer
        .fields
        .iter()
        .map(|f| (f.name.clone(), Json_::from(f.kind.tilejson_name())))
        .collect();
    json!({
        "id": layer.id,
        "description": match &layer.note {
            Some(note) if !layer.description.is_empty() => format!("{} {note}", layer.description),
            Some(note) => note.clone(),
            None => layer.description.clone(),
        },
        "minzoom": layer.minzoom,
        "maxzoom": layer.maxzoom,
        "fields": fields,
    })
}

/// The `vector_layers` entries of one layer: its own, or those an archive layer's metadata
/// lists (an archive may hold several; without metadata, one entry named after the layer).
pub fn vector_layers(layer: &Layer) -> Vec<Json_> {
    match &layer.kind {
        LayerKind::Archive(a) if !a.metadata.vector_layers.is_empty() => {
            a.metadata.vector_layers.clone()
        }
        LayerKind::Archive(_) => vec![json!({
            "id": layer.id,
            "description": layer.description,
            "minzoom": layer.minzoom,
            "maxzoom": layer.maxzoom,
            "fields": {},
        })],
        LayerKind::Features | LayerKind::Postgis(_) => vec![vector_layer(layer)],
    }
}

/// A zoom at which `bbox` fills roughly one 512-pixel view.
pub fn fit_zoom(bbox: &BBox, minzoom: u8, maxzoom: u8) -> u8 {
    let span = (bbox.max_x - bbox.min_x).max(bbox.max_y - bbox.min_y);
    let z = if span > 0.0 {
        (1.0 / span).log2().floor().max(0.0) as u8
    } else {
        maxzoom
    };
    z.clamp(minzoom, maxzoom)
}

/// The TileJSON 3.0.0 document of `layers` (requested as `ids`), with tile URLs under `base`.
pub fn build(
    dataset: &Dataset,
    layers: &[Arc<Layer>],
    ids: &str,
    base: &str,
    filter: &Filter,
) -> Json_ {
    let mut bbox = BBox::EMPTY;
    for l in layers {
        bbox.union(&l.bbox);
    }
    let minzoom = layers.iter().map(|l| l.minzoom).min().unwrap_or(0);
    let maxzoom = layers.iter().map(|l| l.maxzoom).max().unwrap_or(14);
    let bounds = lonlat_bounds(&bbox);
    // An empty layer has the whole world as bounds and its centre as centre (never null).
    let (center, center_zoom) = if bbox.is_empty() {
        ([0.0, 0.0], minzoom)
    } else {
        (
            unproject([
                (bbox.min_x + bbox.max_x) / 2.0,
                (bbox.min_y + bbox.max_y) / 2.0,
            ]),
            fit_zoom(&bbox, minzoom, maxzoom),
        )
    };
    let round = |v: f64| (v * 1e6).round() / 1e6;
    let name: Vec<&str> = layers.iter().map(|l| l.title.as_str()).collect();
    let description: Vec<&str> = layers
        .iter()
        .map(|l| l.description.as_str())
        .filter(|d| !d.is_empty())
        .collect();
    json!({
        "tilejson": "3.0.0",
        "name": name.join(", "),
        "description": description.join(" "),
        // Semver with the data version as build metadata: it changes whenever the data does.
        "version": format!("1.0.0+{}", dataset.version),
        "attribution": attribution(dataset, layers),
        "scheme": "xyz",
        "tiles": [format!("{base}/tiles/{ids}/{{z}}/{{x}}/{{y}}.mvt{}", query_suffix(filter))],
        "minzoom": minzoom,
        "maxzoom": maxzoom,
        "bounds": bounds.map(round),
        "center": [round(center[0]), round(center[1]), center_zoom],
        "vector_layers": layers.iter().flat_map(|l| vector_layers(l)).collect::<Vec<_>>(),
    })
}

/// `?canonical-filter`, or nothing.
pub fn query_suffix(filter: &Filter) -> String {
    if filter.is_empty() {
        String::new()
    } else {
        format!("?{}", filter.canonical())
    }
}

/// Values sampled per attribute in `tilestats` (tippecanoe keeps 1000; 100 keeps the metadata
/// small and is what GDAL and QGIS read for the field list).
const TILESTATS_VALUES: usize = 100;

/// tippecanoe-style `tilestats` of the feature layers: per layer its geometry type (the most
/// common, as GDAL's MVT driver reads it), feature count, and per attribute its type, count of
/// distinct values, a sorted sample of them, and numeric min and max. Archive layers carry
/// their own metadata and are left out.
pub fn tilestats(layers: &[Arc<Layer>]) -> Json_ {
    use crate::geometry::GeomKind;
    use crate::value::{FieldType, Value};
    let stats: Vec<Json_> = layers
        .iter()
        .filter(|l| !matches!(l.kind, LayerKind::Archive(_)))
        .map(|l| {
            let mut counts = [0usize; 3];
            for k in &l.kinds {
                counts[*k as usize] += 1;
            }
            // A database layer holds no features: the kinds its rows hold.
            for k in l.geometry_kinds() {
                counts[k as usize] = counts[k as usize].max(1);
            }
            let geometry = match (0..3).max_by_key(|&i| (counts[i], i)).unwrap_or(2) {
                i if i == GeomKind::Point as usize => "Point",
                i if i == GeomKind::Line as usize => "LineString",
                _ => "Polygon",
            };
            let attributes: Vec<Json_> = l
                .fields
                .iter()
                .enumerate()
                .map(|(i, field)| {
                    let mut distinct: std::collections::BTreeMap<String, Json_> =
                        Default::default();
                    let (mut min, mut max) = (f64::INFINITY, f64::NEG_INFINITY);
                    for f in 0..l.features.len() {
                        let Some(v) = l.value(f, i) else { continue };
                        let v = v.as_ref();
                        let n = match v {
                            Value::Int(n) => Some(*n as f64),
                            Value::UInt(n) => Some(*n as f64),
                            Value::Float(n) => Some(*n),
                            _ => None,
                        };
                        if let Some(n) = n {
                            min = min.min(n);
                            max = max.max(n);
                        }
                        if !matches!(v, Value::Null) {
                            let json = v.to_json();
                            distinct.entry(json.to_string()).or_insert(json);
                        }
                    }
                    let values: Vec<&Json_> = distinct.values().take(TILESTATS_VALUES).collect();
                    let kind = match field.kind {
                        FieldType::String => "string",
                        FieldType::Integer | FieldType::Float => "number",
                        FieldType::Boolean => "boolean",
                        FieldType::Mixed => "mixed",
                    };
                    let mut a = json!({
                        "attribute": field.name,
                        "count": distinct.len(),
                        "type": kind,
                        "values": values,
                    });
                    if min <= max {
                        a["min"] = json!(min);
                        a["max"] = json!(max);
                    }
                    a
                })
                .collect();
            json!({
                "layer": l.id,
                "count": l.feature_count(),
                "geometry": geometry,
                "attributeCount": attributes.len(),
                "attributes": attributes,
            })
        })
        .collect();
    json!({ "layerCount": stats.len(), "layers": stats })
}
