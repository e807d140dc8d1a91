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
    let center = unproject([
        (bbox.min_x + bbox.max_x) / 2.0,
        (bbox.min_y + bbox.max_y) / 2.0,
    ]);
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
        "version": "1.0.0",
        "attribution": attribution(dataset, layers),
        "scheme": "xyz",
        "tiles": [format!("{base}/tiles/{ids}/{{z}}/{{x}}/{{y}}.mvt{}", query_suffix(filter))],
        "minzoom": minzoom,
        "maxzoom": maxzoom,
        "bounds": bounds.map(round),
        "center": [round(center[0]), round(center[1]), fit_zoom(&bbox, minzoom, maxzoom)],
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
