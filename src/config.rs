//! The catalog, `data/layers.toml`: which files become which layers, with their titles,
//! attribution and zooms. Unknown keys are errors, reported with their line, because a typo
//! in a catalog otherwise fails silently.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use crate::error::LoadError;

/// The whole catalog file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Catalog {
    /// Title of the dataset, shown in TileJSON and the viewer.
    #[serde(default = "default_title")]
    pub title: String,
    #[serde(default)]
    pub description: String,
    /// Attribution shown for every layer, in addition to each layer's own.
    #[serde(default)]
    pub attribution: Option<String>,
    #[serde(default, rename = "layer")]
    pub layers: Vec<Spanned<LayerConfig>>,
}

fn default_title() -> String {
    "borderland".to_string()
}

/// One `[[layer]]` entry.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LayerConfig {
    /// URL-safe id: letters, digits, `_` and `-`.
    pub id: String,
    /// Data file, relative to the catalog file.
    pub file: Spanned<PathBuf>,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub description: String,
    /// Property whose value becomes the stable feature id (hashed when it is text).
    #[serde(default)]
    pub id_property: Option<String>,
    #[serde(default)]
    pub minzoom: Option<u8>,
    #[serde(default)]
    pub maxzoom: Option<u8>,
    #[serde(default)]
    pub attribution: Option<String>,
    /// Licence of the data, e.g. "public domain" or "CC BY 4.0".
    #[serde(default)]
    pub license: Option<String>,
}

/// Default maxzoom for layers: deep enough for province outlines; clients overzoom beyond.
pub const DEFAULT_MAXZOOM: u8 = 14;

impl LayerConfig {
    /// A layer for a file served directly (`borderland serve FILE.geojson`).
    pub fn for_file(path: &Path) -> LayerConfig {
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "layer".into());
        let id: String = stem
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        LayerConfig {
            id,
            file: Spanned::new(0..0, path.to_path_buf()),
            title: Some(stem),
            description: String::new(),
            id_property: None,
            minzoom: None,
            maxzoom: None,
            attribution: None,
            license: None,
        }
    }
}

/// Parse a catalog; errors carry the file, line and column.
pub fn parse_catalog(path: &Path, text: &str) -> Result<Catalog, LoadError> {
    let catalog: Catalog = toml::from_str(text).map_err(|e| {
        let err = LoadError::new(path, e.message().to_string());
        match e.span() {
            Some(span) => err.at_offset(text, span.start),
            None => err,
        }
    })?;
    let mut seen = std::collections::HashSet::new();
    for layer in &catalog.layers {
        let span = layer.span();
        let layer = layer.get_ref();
        let valid = !layer.id.is_empty()
            && layer
                .id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !valid {
            return Err(LoadError::new(
                path,
                format!(
                    "layer id '{}' may contain only letters, digits, '_' and '-'",
                    layer.id
                ),
            )
            .with_field("id")
            .at_offset(text, span.start));
        }
        if !seen.insert(layer.id.clone()) {
            return Err(
                LoadError::new(path, format!("layer id '{}' is used twice", layer.id))
                    .with_field("id")
                    .at_offset(text, span.start),
            );
        }
        if let (Some(min), Some(max)) = (layer.minzoom, layer.maxzoom) {
            if min > max || max > 30 {
                return Err(LoadError::new(
                    path,
                    format!("layer '{}': minzoom {min} and maxzoom {max} must satisfy 0 <= minzoom <= maxzoom <= 30", layer.id),
                )
                .with_field("maxzoom")
                .at_offset(text, span.start));
            }
        }
    }
    Ok(catalog)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_key_names_its_line() {
        let text =
            "title = \"x\"\n\n[[layer]]\nid = \"a\"\nfile = \"a.geojson\"\ncolour = \"red\"\n";
        let err = parse_catalog(Path::new("layers.toml"), text).unwrap_err();
        assert_eq!(err.line, Some(6), "{err}");
        assert!(err.message.contains("colour"), "{err}");
    }

    #[test]
    fn duplicate_ids_are_rejected() {
        let text = "[[layer]]\nid = \"a\"\nfile = \"a.geojson\"\n[[layer]]\nid = \"a\"\nfile = \"b.geojson\"\n";
        let err = parse_catalog(Path::new("layers.toml"), text).unwrap_err();
        assert!(err.message.contains("used twice"), "{err}");
        assert_eq!(err.line, Some(4));
    }
}
