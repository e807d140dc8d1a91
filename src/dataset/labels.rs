//! Label points for polygon layers: one point per feature at its pole of inaccessibility
//! (polylabel), so a map labels each province once, inside it, even where it is concave.

use std::path::Path;
use std::sync::Arc;

use crate::config::LayerConfig;
use crate::error::LoadError;
use crate::geometry::polylabel::polylabel;
use crate::geometry::{GeomKind, Part, PieceIndex, Shapes, ring_area};
use crate::join::LayerJoin;
use crate::source::{RawFeature, RawId, RawLayer};
use crate::tile::simplify::KEEP;

use super::build::layer_from_raw;
use super::{Layer, LayerKind};

/// Label precision in projected units (the world is 1 wide): about 40 m.
const PRECISION: f64 = 1e-6;

/// The label point of one feature, from its pieces: the pole of inaccessibility of its
/// largest polygon.
fn feature_label(shapes: &Shapes, pieces: &[u32]) -> Option<[f64; 2]> {
    let mut best: Option<(f64, &[Part])> = None;
    for &piece in pieces {
        for polygon in shapes.polygons_of(&shapes.pieces[piece as usize]) {
            let area = ring_area(&shapes.xy[polygon.exterior().range()]).abs();
            if best.is_none_or(|(a, _)| area > a) {
                best = Some((area, polygon.rings));
            }
        }
    }
    let (_, polygon) = best?;
    let rings: Vec<&[[f64; 2]]> = polygon.iter().map(|p| &shapes.xy[p.range()]).collect();
    Some(polylabel(&rings, PRECISION))
}

/// A point layer `id` with one feature per polygon of `layer`, at its label point, carrying
/// the polygon's attributes and id (a separate layer, so the ids do not clash).
pub fn label_layer(cfg: &LayerConfig, layer: &Layer, id: &str) -> Result<Layer, LoadError> {
    if !matches!(layer.kind, LayerKind::Features) {
        return Err(LoadError::new(
            Path::new(&layer.file),
            format!(
                "layer '{}': `labels` needs features held in memory; database and archive layers have none (serve label points as a layer of their own)",
                layer.id
            ),
        )
        .with_field("labels"));
    }
    let mut raw = RawLayer::default();
    let keys: Vec<u32> = layer.fields.iter().map(|f| raw.key(&f.name)).collect();
    // The polygons' types, so a field with no values (a join with no rows yet) is typed the
    // same in both layers.
    for (&k, f) in keys.iter().zip(&layer.fields) {
        raw.declared.insert(k, f.kind);
    }
    let pieces = PieceIndex::new(&layer.shapes, layer.features.len());
    // The polygon feature behind each label point, so the joins can follow it.
    let mut polygon_of: Vec<usize> = Vec::new();
    for (i, feature) in layer.features.iter().enumerate() {
        if layer.kinds[i] != GeomKind::Polygon {
            continue;
        }
        let Some(point) = feature_label(&layer.shapes, pieces.of(i)) else {
            continue;
        };
        let index = raw.features.len() as u32;
        polygon_of.push(i);
        let first = raw.shapes.parts.len();
        raw.shapes.push_part(&[point], &[KEEP], false);
        raw.shapes.finish_piece(index, first);
        raw.features.push(RawFeature {
            id: Some(RawId::Int(feature.id)),
            props: keys
                .iter()
                .copied()
                .zip(layer.attributes(i).iter().cloned())
                .collect(),
            kind: GeomKind::Point,
            index: i,
        });
    }
    let label_cfg = LayerConfig {
        id: id.to_string(),
        title: Some(format!("{} (labels)", layer.title)),
        description: format!(
            "One point per feature of '{}', at its pole of inaccessibility, for labels.",
            layer.id
        ),
        joins: Vec::new(),
        id_property: None,
        labels: None,
        cluster_maxzoom: None,
        note: None,
        ..cfg.clone()
    };
    let mut labels = layer_from_raw(&label_cfg, Path::new(&layer.file), raw)?;
    labels.file = layer.file.clone();
    labels.labels_of = Some(layer.id.clone());
    // The polygons' joins, row for row: a filter (time window, group) recomputes a label's
    // counts and claims exactly as it does its polygon's.
    labels.base_fields = layer.base_fields;
    labels.joins = layer
        .joins
        .iter()
        .map(|j| LayerJoin {
            claims: Arc::clone(&j.claims),
            prefix: j.prefix.clone(),
            groups: j.groups.clone(),
            report: j.report.clone(),
            // Rows are placed in the polygons' features, named as the polygons name them.
            placements: j.placements.clone(),
            feature_names: j.feature_names.clone(),
            joined: Arc::clone(&j.joined),
            spans: polygon_of.iter().map(|&i| j.spans[i]).collect(),
        })
        .collect();
    Ok(labels)
}
