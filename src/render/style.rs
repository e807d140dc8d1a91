//! A MapLibre style read for drawing: its layers in order, each property evaluated per feature
//! with the spec's defaults, and its vector source resolved to this server's layer ids.

use serde_json::{Map, Value as Json};

use super::color::Color;
use super::expression::{FeatureContext, Val, evaluate, filter_matches};

/// Why a style cannot be drawn.
#[derive(Debug, Clone, PartialEq)]
pub struct StyleError(pub String);

impl std::fmt::Display for StyleError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// One style layer.
pub struct StyleLayer<'a> {
    pub id: &'a str,
    pub kind: &'a str,
    pub source: Option<&'a str>,
    pub source_layer: Option<&'a str>,
    pub filter: Option<&'a Json>,
    pub minzoom: f64,
    pub maxzoom: f64,
    pub layout: Option<&'a Map<String, Json>>,
    pub paint: Option<&'a Map<String, Json>>,
    pub metadata: Option<&'a Map<String, Json>>,
}

static EMPTY: std::sync::LazyLock<std::collections::HashMap<String, Val>> =
    std::sync::LazyLock::new(Default::default);

impl<'a> StyleLayer<'a> {
    fn from_json(j: &'a Json) -> Result<StyleLayer<'a>, StyleError> {
        let obj = j
            .as_object()
            .ok_or_else(|| StyleError("a style layer is not an object".into()))?;
        let id = obj
            .get("id")
            .and_then(Json::as_str)
            .ok_or_else(|| StyleError("a style layer has no id".into()))?;
        let kind = obj
            .get("type")
            .and_then(Json::as_str)
            .ok_or_else(|| StyleError(format!("style layer '{id}' has no type")))?;
        Ok(StyleLayer {
            id,
            kind,
            source: obj.get("source").and_then(Json::as_str),
            source_layer: obj.get("source-layer").and_then(Json::as_str),
            filter: obj.get("filter"),
            minzoom: obj.get("minzoom").and_then(Json::as_f64).unwrap_or(0.0),
            maxzoom: obj.get("maxzoom").and_then(Json::as_f64).unwrap_or(24.0),
            layout: obj.get("layout").and_then(Json::as_object),
            paint: obj.get("paint").and_then(Json::as_object),
            metadata: obj.get("metadata").and_then(Json::as_object),
        })
    }

    /// Drawn at this zoom (visible and within its zooms)?
    pub fn shown_at(&self, zoom: f64) -> bool {
        let hidden = self
            .layout
            .and_then(|l| l.get("visibility"))
            .and_then(Json::as_str)
            == Some("none");
        !hidden && zoom >= self.minzoom && zoom < self.maxzoom
    }

    pub fn matches(&self, ctx: &FeatureContext) -> bool {
        self.filter.is_none_or(|f| filter_matches(f, ctx))
    }

    fn raw(&self, name: &str) -> Option<&'a Json> {
        self.paint
            .and_then(|p| p.get(name))
            .or_else(|| self.layout.and_then(|l| l.get(name)))
    }

    /// Whether the layer sets `name` at all.
    pub fn has(&self, name: &str) -> bool {
        self.raw(name).is_some()
    }

    pub fn value(&self, name: &str, ctx: &FeatureContext) -> Option<Val> {
        self.raw(name).and_then(|e| evaluate(e, ctx).ok())
    }

    pub fn number(&self, name: &str, ctx: &FeatureContext, default: f64) -> f64 {
        self.value(name, ctx)
            .and_then(|v| v.as_f64())
            .filter(|n| n.is_finite())
            .unwrap_or(default)
    }

    pub fn color(&self, name: &str, ctx: &FeatureContext, default: Color) -> Color {
        self.value(name, ctx)
            .and_then(|v| v.as_color())
            .unwrap_or(default)
    }

    pub fn text(&self, name: &str, ctx: &FeatureContext, default: &str) -> String {
        match self.value(name, ctx) {
            Some(Val::Str(s)) => s,
            Some(Val::Null) | None => default.to_string(),
            Some(v) => v.to_text(),
        }
    }

    pub fn boolean(&self, name: &str, ctx: &FeatureContext, default: bool) -> bool {
        match self.value(name, ctx) {
            Some(Val::Bool(b)) => b,
            _ => default,
        }
    }

    /// Numbers of an array property (`line-dasharray`, `text-offset`).
    pub fn numbers(&self, name: &str, ctx: &FeatureContext) -> Option<Vec<f64>> {
        match self.value(name, ctx)? {
            Val::Array(a) => a.iter().map(Val::as_f64).collect(),
            _ => None,
        }
    }

    /// A property that does not depend on a feature (background, legend swatches).
    pub fn constant_context(zoom: f64) -> FeatureContext<'static> {
        FeatureContext {
            properties: &EMPTY,
            id: None,
            geometry_type: "Point",
            zoom,
        }
    }

    pub fn metadata_text(&self, key: &str) -> Option<&'a str> {
        self.metadata
            .and_then(|m| m.get(key))
            .and_then(Json::as_str)
    }
}

/// A style's layers in drawing order, and the layer ids each vector source names.
pub struct Style<'a> {
    pub json: &'a Json,
    pub layers: Vec<StyleLayer<'a>>,
    /// (source name, comma list of this server's layer ids).
    pub sources: Vec<(&'a str, String)>,
}

impl<'a> Style<'a> {
    pub fn read(json: &'a Json) -> Result<Style<'a>, StyleError> {
        let layers = json
            .get("layers")
            .and_then(Json::as_array)
            .ok_or_else(|| StyleError("the style has no 'layers' array".into()))?
            .iter()
            .map(StyleLayer::from_json)
            .collect::<Result<Vec<_>, _>>()?;
        let mut sources = Vec::new();
        if let Some(map) = json.get("sources").and_then(Json::as_object) {
            for (name, source) in map {
                if source.get("type").and_then(Json::as_str) != Some("vector") {
                    continue;
                }
                let url = source.get("url").and_then(Json::as_str).unwrap_or("");
                let ids = source_layer_ids(url).ok_or_else(|| {
                    StyleError(format!(
                        "vector source '{name}' is not one of this server's tile sets (its url should end in /tiles/LAYERS.json)"
                    ))
                })?;
                sources.push((name.as_str(), ids));
            }
        }
        for l in &layers {
            if let Some(s) = l.source
                && l.kind != "background"
                && l.kind != "raster"
                && !sources.iter().any(|(n, _)| *n == s)
            {
                return Err(StyleError(format!(
                    "style layer '{}' draws source '{s}', which is not a vector source of this server",
                    l.id
                )));
            }
        }
        Ok(Style {
            json,
            layers,
            sources,
        })
    }

    /// The layer ids of a source.
    pub fn source_ids(&self, source: &str) -> Option<&str> {
        self.sources
            .iter()
            .find(|(n, _)| *n == source)
            .map(|(_, ids)| ids.as_str())
    }

    pub fn name(&self) -> &'a str {
        self.json
            .get("name")
            .and_then(Json::as_str)
            .unwrap_or("map")
    }

    pub fn note(&self) -> Option<&'a str> {
        self.json
            .get("metadata")
            .and_then(|m| m.get("borderland:note"))
            .and_then(Json::as_str)
    }
}

/// `…/tiles/provinces,border.json?…` → `provinces,border`.
fn source_layer_ids(url: &str) -> Option<String> {
    let path = url.split(['?', '#']).next()?;
    let (_, rest) = path.rsplit_once("/tiles/")?;
    let ids = rest.strip_suffix(".json")?;
    (!ids.is_empty() && !ids.contains('/')).then(|| ids.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_resolve_to_layer_ids() {
        assert_eq!(
            source_layer_ids("/tiles/provinces,border.json").as_deref(),
            Some("provinces,border")
        );
        assert_eq!(
            source_layer_ids("https://maps.test/b/tiles/a.json?group=TTP").as_deref(),
            Some("a")
        );
        assert_eq!(source_layer_ids("https://other.test/tiles.json"), None);
        assert_eq!(source_layer_ids("/tiles/a/{z}/{x}/{y}.json"), None);
    }
}
