//! The narrow view the tiler reads of a layer ([`TileLayer`]): built here, so the tiler needs
//! neither the dataset nor the names of claim fields.

use std::sync::Arc;

use crate::tile::cluster::{ClusterColumns, ClusterRules};
use crate::tile::{StoredTiles, TileLayer};

use super::{FilteredLayer, Layer, LayerKind};

impl Layer {
    /// What the tiler needs to cut this layer, under a filtered view when there is one.
    pub fn tile_layer<'a>(&'a self, view: Option<&'a FilteredLayer>) -> TileLayer<'a> {
        TileLayer {
            name: &self.id,
            fields: &self.fields,
            features: &self.features,
            kinds: &self.kinds,
            shapes: &self.shapes,
            index: &self.index,
            props: view.and_then(|v| v.props.as_deref()),
            lazy: self
                .lazy
                .as_ref()
                .map(|lazy| lazy as &dyn crate::value::Attributes),
            visible: view.and_then(|v| v.visible.as_deref()),
            cluster: self.cluster_rules(),
            cluster_columns: self.cluster_columns(),
            stored: match &self.kind {
                LayerKind::Features => None,
                LayerKind::Archive(archive) => Some(StoredTiles {
                    source: archive.as_ref(),
                    zooms: (self.minzoom, self.maxzoom),
                }),
                LayerKind::Postgis(layer) => Some(StoredTiles {
                    source: match view.and_then(|v| v.postgis.as_ref()) {
                        Some(filtered) => filtered,
                        None => layer.as_ref(),
                    },
                    zooms: (self.minzoom, self.maxzoom),
                }),
            },
        }
    }

    /// A point layer's packed cluster columns (made once; see [`ClusterColumns`]).
    pub fn cluster_columns(&self) -> Option<&ClusterColumns> {
        (self.geometry_type() == "point").then(|| {
            self.cluster_columns.get_or_init(|| {
                let rules = self.cluster_rules().unwrap_or_default();
                ClusterColumns::new(
                    &self.shapes,
                    self.features.len(),
                    |i, k| self.value(i, k),
                    &rules,
                )
            })
        })
    }

    /// Point layers cluster below `cluster_maxzoom`, summing fatalities, keeping one group
    /// and the date range, when the layer has those fields (as claim tables' point layers do).
    fn cluster_rules(&self) -> Option<ClusterRules> {
        (self.cluster_maxzoom > 0 && self.geometry_type() == "point").then(|| ClusterRules {
            maxzoom: self.cluster_maxzoom,
            sum: self.field_index("fatalities"),
            category: self.field_index("group"),
            first: self.field_index("date_days"),
            last: self.field_index("date_end_days"),
        })
    }
}

/// Layers with their filtered views (as [`super::Dataset::filtered`] returns them), for the
/// tiler.
pub fn tile_layers<'a>(
    layers: &'a [Arc<Layer>],
    views: &'a [Option<Arc<FilteredLayer>>],
) -> Vec<TileLayer<'a>> {
    layers
        .iter()
        .zip(views)
        .map(|(l, v)| l.tile_layer(v.as_deref()))
        .collect()
}

impl<'a> From<&'a Layer> for TileLayer<'a> {
    /// The layer with its own attributes (no filter).
    fn from(layer: &'a Layer) -> Self {
        layer.tile_layer(None)
    }
}
