//! Raster layers: an archive of pictures (PNG, JPEG or WebP tiles, e.g. the terrain's
//! hillshade) served as they are under their own URL and drawn beneath the vector layers. They
//! have no features, so they stay out of composites, joins, downloads and OGC collections.

use std::path::Path;
use std::sync::Arc;

use serde_json::{Value as Json, json};

use super::ContentHash;
use crate::config::LayerConfig;
use crate::error::LoadError;
use crate::source::archive::{Archive, TileFormat};

/// A layer of pictures from an archive.
#[derive(Debug)]
pub struct RasterLayer {
    pub id: String,
    pub title: String,
    pub description: String,
    pub attribution: Option<String>,
    pub license: Option<String>,
    /// The archive's file as the catalog names it (for messages).
    pub file: String,
    pub minzoom: u8,
    pub maxzoom: u8,
    /// `[west, south, east, north]` in degrees.
    pub bounds: [f64; 4],
    /// Drawn as context (beneath the claims, can be turned off); raster layers always are.
    pub context: bool,
    pub archive: Arc<Archive>,
}

impl RasterLayer {
    pub fn format(&self) -> TileFormat {
        self.archive.tiles
    }

    /// TileJSON 3.0.0 for the layer, its tile URL under `base`.
    pub fn tilejson(&self, base: &str, version: &str) -> Json {
        let [w, s, e, n] = self.bounds;
        let ext = self.format().extension();
        json!({
            "tilejson": "3.0.0",
            "name": self.title,
            "description": self.description,
            // As the vector TileJSON: the data version as semver build metadata.
            "version": format!("1.0.0+{version}"),
            "attribution": self.attribution,
            "license": self.license,
            "scheme": "xyz",
            "format": ext,
            "tiles": [format!("{base}/tiles/{}/{{z}}/{{x}}/{{y}}.{ext}", self.id)],
            "minzoom": self.minzoom,
            "maxzoom": self.maxzoom,
            "bounds": [w, s, e, n],
            "center": [(w + e) / 2.0, (s + n) / 2.0, self.minzoom.max(self.maxzoom.min(5))],
        })
    }
}

/// A catalog layer whose archive holds pictures. Options that only make sense for features
/// (joins, keys, labels, filters, clustering) are refused with the layer's name.
pub fn raster_layer(
    cfg: &LayerConfig,
    file: &Path,
    archive: Archive,
    hasher: &mut ContentHash,
) -> Result<RasterLayer, LoadError> {
    let mut refused = Vec::new();
    if !cfg.joins.is_empty() {
        refused.push("[[layer.join]]");
    }
    if !cfg.keys.is_empty() {
        refused.push("keys");
    }
    if cfg.labels.is_some() {
        refused.push("labels");
    }
    if !cfg.filters.is_empty() {
        refused.push("filters");
    }
    if cfg.cluster_maxzoom.is_some() {
        refused.push("cluster_maxzoom");
    }
    if !refused.is_empty() {
        return Err(LoadError::new(
            file,
            format!(
                "layer '{}': the archive holds {} pictures, which have no features, so {} cannot apply; remove {}",
                cfg.id,
                archive.tiles.extension().to_ascii_uppercase(),
                refused.join(", "),
                if refused.len() == 1 { "it" } else { "them" }
            ),
        ));
    }
    hasher.add(&archive.fingerprint);
    let meta = archive.metadata.clone();
    let minzoom = cfg.minzoom.unwrap_or(meta.minzoom);
    let maxzoom = cfg.maxzoom.unwrap_or(meta.maxzoom);
    if minzoom > maxzoom {
        return Err(LoadError::new(
            file,
            format!(
                "layer '{}': minzoom {minzoom} is above maxzoom {maxzoom}",
                cfg.id
            ),
        ));
    }
    Ok(RasterLayer {
        id: cfg.id.clone(),
        title: cfg
            .title
            .clone()
            .or(meta.name)
            .unwrap_or_else(|| cfg.id.clone()),
        description: if cfg.description.is_empty() {
            meta.description.unwrap_or_default()
        } else {
            cfg.description.clone()
        },
        attribution: cfg.attribution.clone().or(meta.attribution),
        license: cfg.license.clone(),
        file: file.display().to_string(),
        minzoom,
        maxzoom,
        bounds: meta.bounds,
        context: true,
        archive: Arc::new(archive),
    })
}

/// The generated styles' share of the raster layers: one `raster` source each (named by the
/// layer id) and a quiet layer drawn over the context areas and beneath every fill of the
/// data, turned off with the layer's own toggle.
pub fn add_to_style(style: &mut Json, rasters: &[Arc<RasterLayer>]) {
    if rasters.is_empty() {
        return;
    }
    if let Some(sources) = style.get_mut("sources").and_then(Json::as_object_mut) {
        for r in rasters {
            sources.insert(
                r.id.clone(),
                json!({"type": "raster", "url": format!("{{base}}/tiles/{}.json", r.id),
                    "tileSize": 256}),
            );
        }
    }
    let Some(layers) = style.get_mut("layers").and_then(Json::as_array_mut) else {
        return;
    };
    // Beneath the first fill that draws claims (a choropleth), so no claim is hidden; over the
    // background, the context areas and the plain tints of areas without claims, which would
    // otherwise hide it.
    let at = layers
        .iter()
        .position(|l| {
            let kind = l["type"].as_str();
            let plain = kind == Some("fill")
                && l["paint"]["fill-color"].as_str().is_some()
                && l["metadata"]["borderland:legend"].is_null();
            let context = l["metadata"]["borderland:role"].as_str() == Some("context")
                && matches!(kind, Some("fill") | Some("line"));
            !(kind == Some("background") || context || plain)
        })
        .unwrap_or(layers.len());
    for (i, r) in rasters.iter().enumerate() {
        layers.insert(
            at + i,
            json!({
                "id": format!("{}-raster", r.id), "type": "raster", "source": r.id,
                "metadata": {"borderland:toggle": r.title, "borderland:role": "context"},
                "paint": {"raster-opacity": RASTER_OPACITY, "raster-resampling": "linear",
                    "raster-fade-duration": 0}
            }),
        );
    }
}

/// How strongly a raster context layer shows: enough to read the ranges, little enough that
/// the choropleth above it keeps its colours.
pub const RASTER_OPACITY: f64 = 0.8;
