//! Static images of a style (PNG and editable SVG) drawn from the same vector tiles and the
//! same style JSON as the browser, for print pages, social cards and graphics desks.
//!
//! One step a file: `request` (the URL scheme) → `camera` (view to tiles) → `mvt` (tiles
//! decoded) → `style` + `expression` (properties per feature) → `draw` (fill, line, circle)
//! and `labels` (symbols, collisions) → `frame` (attribution, title, legend) → `svg` text →
//! `png` (resvg). [`plan`] says which tiles a picture needs, so the server can take them from
//! its cache; [`draw_svg`] is pure.

pub mod camera;
pub mod color;
pub mod draw;
pub mod expression;
pub mod fonts;
pub mod frame;
pub mod labels;
pub mod mvt;
pub mod png;
pub mod request;
pub mod style;
pub mod svg;

use std::collections::HashMap;
use std::fmt::Write;
use std::sync::Arc;

use serde_json::Value as Json;

use crate::dataset::{Dataset, Layer, tile_layers};
use crate::geometry::TileCoord;
use crate::join::filter::Filter;

pub use camera::Camera;
pub use frame::{Captions, Extras};
pub use request::{Format, ImageRequest, RequestError, View};
use style::{Style, StyleError, StyleLayer};

/// The style a picture draws: exactly what `/styles/{name}.json?lang={lang}` serves for this
/// snapshot (made from the data, or a style file beside the catalog), with `{base}` left
/// empty, as the renderer reads its tile sources by layer ids, not by URL.
pub fn style_json(dataset: &Dataset, name: &str, lang: &str) -> Option<Json> {
    dataset
        .style(name)
        .map(|style| crate::assets::served_style(style, "", lang))
}

/// Names of the styles this snapshot serves, for hints.
pub fn style_names(dataset: &Dataset) -> Vec<&str> {
    dataset.styles.iter().map(|s| s.name.as_str()).collect()
}

/// Why a picture cannot be drawn.
#[derive(Debug, Clone, PartialEq)]
pub enum RenderError {
    /// The style cannot be drawn (a server problem, not the request's).
    Style(String),
    /// A source names layers this dataset does not have.
    UnknownLayers(String),
    /// A tile could not be read.
    Tile(String),
    /// The rasteriser failed.
    Raster(String),
}

impl std::fmt::Display for RenderError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RenderError::Style(e) => write!(f, "style: {e}"),
            RenderError::UnknownLayers(e) => write!(f, "style source: {e}"),
            RenderError::Tile(e) => write!(f, "tile: {e}"),
            RenderError::Raster(e) => write!(f, "rasterising: {e}"),
        }
    }
}

impl From<StyleError> for RenderError {
    fn from(e: StyleError) -> Self {
        RenderError::Style(e.0)
    }
}

/// One tile a picture needs: a source's layer ids and the tile's address.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TileKey {
    pub layers: String,
    pub coord: TileCoord,
}

/// A picture resolved against a style and a dataset: where the camera is, which tiles it
/// needs, and the layers behind each source (for filters and attribution).
pub struct Plan<'a> {
    pub style: Style<'a>,
    pub camera: Camera,
    pub request: ImageRequest,
    pub tiles: Vec<TileKey>,
    /// Every dataset layer the style's sources name, without repeats.
    pub layers: Vec<Arc<Layer>>,
}

/// Resolve a picture: the style's sources to dataset layers, the view to a camera and tiles.
pub fn plan<'a>(
    style_json: &'a Json,
    request: ImageRequest,
    dataset: &Dataset,
) -> Result<Plan<'a>, RenderError> {
    let style = Style::read(style_json)?;
    let camera = Camera::new(request.view, request.width, request.height);
    let mut tiles = Vec::new();
    let mut layers: Vec<Arc<Layer>> = Vec::new();
    for (_, ids) in &style.sources {
        let resolved = dataset
            .resolve(ids)
            .map_err(|e| RenderError::UnknownLayers(e.to_string()))?;
        let minzoom = resolved.iter().map(|l| l.minzoom).min().unwrap_or(0);
        let maxzoom = resolved.iter().map(|l| l.maxzoom).max().unwrap_or(14);
        if let Some(z) = camera.tile_zoom(minzoom, maxzoom) {
            tiles.extend(camera.covering_tiles(z).into_iter().map(|coord| TileKey {
                layers: ids.clone(),
                coord,
            }));
        }
        for l in resolved {
            if !layers.iter().any(|k| k.id == l.id) {
                layers.push(l);
            }
        }
    }
    Ok(Plan {
        style,
        camera,
        request,
        tiles,
        layers,
    })
}

impl Plan<'_> {
    /// Captions for this picture from the dataset: attribution of every layer drawn, the
    /// style's note, and the filter in words.
    pub fn captions(&self, dataset: &Dataset, filter: &Filter, extras: Extras) -> Captions {
        Captions {
            attribution: crate::dataset::tilejson::attribution(dataset, &self.layers),
            note: self.style.note().map(str::to_string),
            filter: (!filter.is_empty()).then(|| filter_words(filter)),
            credit: extras.credit,
            title: extras.title,
            legend: extras.legend,
        }
    }
}

/// The filter in words, with groups as the request spelled them: `group TTP, from
/// 2025-01-01, to 2025-12-31`.
fn filter_words(filter: &Filter) -> String {
    let day = |d: i32| crate::date::days(d, d).to_string();
    let mut parts = Vec::new();
    let names = |list: &[(String, String)]| {
        list.iter()
            .map(|(shown, _)| shown.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    if !filter.groups.is_empty() {
        parts.push(format!("group {}", names(&filter.groups)));
    }
    if !filter.event_types.is_empty() {
        parts.push(format!("event type {}", names(&filter.event_types)));
    }
    if let Some(a) = filter.from {
        parts.push(format!("from {}", day(a)));
    }
    if let Some(b) = filter.to {
        parts.push(format!("to {}", day(b)));
    }
    parts.join(", ")
}

/// The picture as SVG text: one `<g id>` per style layer in style order, labels as `<text>`,
/// then the frame. `tiles` gives each planned tile's uncompressed MVT bytes (empty when the
/// tile is empty).
pub fn draw_svg(
    plan: &Plan,
    tiles: &HashMap<TileKey, Vec<u8>>,
    captions: &Captions,
) -> Result<String, RenderError> {
    let camera = &plan.camera;
    let metrics = fonts::Metrics::load();
    // Decode every tile once.
    let mut decoded: Vec<(&TileKey, Vec<mvt::TileLayerData>)> = Vec::new();
    for key in &plan.tiles {
        let bytes = tiles.get(key).map(Vec::as_slice).unwrap_or(&[]);
        let layers = mvt::decode(bytes)
            .map_err(|e| RenderError::Tile(format!("{}/{}: {e}", key.layers, key.coord)))?;
        decoded.push((key, layers));
    }
    let zoom = camera.zoom;
    let ids_of = |layer: &StyleLayer| layer.source.and_then(|s| plan.style.source_ids(s));
    // Features of a style layer, tile by tile.
    let each_feature = |layer: &StyleLayer,
                        f: &mut dyn FnMut(
        &mvt::TileFeature,
        &expression::FeatureContext,
        &draw::TilePlacement,
    )| {
        let (Some(ids), Some(source_layer)) = (ids_of(layer), layer.source_layer) else {
            return;
        };
        for (key, layers) in &decoded {
            if key.layers != ids {
                continue;
            }
            for data in layers.iter().filter(|d| d.name == source_layer) {
                let at = draw::TilePlacement {
                    camera,
                    x: f64::from(key.coord.x),
                    y: f64::from(key.coord.y),
                    n: f64::from(1u32 << key.coord.z),
                    extent: f64::from(data.extent.max(1)),
                };
                for feature in &data.features {
                    let ctx = expression::FeatureContext {
                        properties: &feature.properties,
                        id: feature.id,
                        geometry_type: feature.geometry_type,
                        zoom,
                    };
                    if layer.matches(&ctx) {
                        f(feature, &ctx, &at);
                    }
                }
            }
        }
    };
    // Labels first, from the top of the style down, as MapLibre places them.
    let mut placement = labels::Placement::default();
    let mut placed: HashMap<usize, Vec<labels::Label>> = HashMap::new();
    for (i, layer) in plan.style.layers.iter().enumerate().rev() {
        if layer.kind != "symbol" || !layer.shown_at(zoom) {
            continue;
        }
        let mut candidates = Vec::new();
        each_feature(layer, &mut |feature, ctx, at| {
            if feature.geometry_type != "Point" {
                return;
            }
            for p in feature.parts.iter().flatten() {
                if !draw::in_tile(*p, at.extent) {
                    continue;
                }
                if let Some(label) = labels::Label::new(layer, ctx, at.screen(*p), &metrics) {
                    candidates.push(label);
                }
            }
        });
        placed.insert(i, placement.place(candidates));
    }

    let (w, h) = (
        f64::from(plan.request.width),
        f64::from(plan.request.height),
    );
    let title = captions
        .title
        .clone()
        .unwrap_or_else(|| plan.style.name().to_string());
    let mut out = String::with_capacity(256 * 1024);
    let _ = writeln!(
        out,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"{}\" height=\"{}\" viewBox=\"0 0 {} {}\" role=\"img\" aria-labelledby=\"borderland-map-title borderland-map-desc\">",
        plan.request.width * plan.request.scale,
        plan.request.height * plan.request.scale,
        plan.request.width,
        plan.request.height
    );
    let _ = writeln!(
        out,
        "<title id=\"borderland-map-title\">{}</title>",
        svg::escape(&title)
    );
    let _ = writeln!(
        out,
        "<desc id=\"borderland-map-desc\">{}</desc>",
        svg::escape(&describe(plan, captions))
    );
    let mut used_ids: Vec<String> = Vec::new();
    for (i, layer) in plan.style.layers.iter().enumerate() {
        let mut id = svg::xml_id(layer.id);
        if id.starts_with("borderland-") || used_ids.contains(&id) {
            id = format!("layer-{i}-{id}");
        }
        used_ids.push(id.clone());
        let _ = writeln!(out, "<g id=\"{id}\">");
        if layer.shown_at(zoom) {
            match layer.kind {
                "background" => {
                    let ctx = StyleLayer::constant_context(zoom);
                    let c = layer.color("background-color", &ctx, color::Color::BLACK);
                    let o = layer.number("background-opacity", &ctx, 1.0) * f64::from(c.a);
                    let _ = write!(
                        out,
                        "<rect width=\"{w}\" height=\"{h}\" fill=\"{}\"",
                        c.hex()
                    );
                    if o < 0.999 {
                        let _ = write!(out, " fill-opacity=\"{}\"", svg::attr_number(o));
                    }
                    out.push_str("/>\n");
                }
                "fill" => each_feature(layer, &mut |f, ctx, at| {
                    draw::fill(&mut out, layer, f, ctx, at)
                }),
                "line" => each_feature(layer, &mut |f, ctx, at| {
                    draw::line(&mut out, layer, f, ctx, at)
                }),
                "circle" => each_feature(layer, &mut |f, ctx, at| {
                    draw::circle(&mut out, layer, f, ctx, at)
                }),
                "symbol" => {
                    for label in placed.get(&i).into_iter().flatten() {
                        label.write_svg(&mut out);
                    }
                }
                other => tracing::debug!(
                    "style layer '{}' of type '{other}' is not drawn in pictures",
                    layer.id
                ),
            }
        }
        out.push_str("</g>\n");
    }
    if captions.legend {
        frame::legend(&mut out, &plan.style, zoom, w, &metrics);
    }
    if let Some(t) = captions.title.as_deref().filter(|t| !t.trim().is_empty()) {
        frame::title(&mut out, t.trim(), w, &metrics);
    }
    frame::attribution(&mut out, captions, w, h, &metrics);
    out.push_str("</svg>\n");
    Ok(out)
}

/// The `<desc>`: what the picture shows, for screen readers.
fn describe(plan: &Plan, captions: &Captions) -> String {
    let [lon, lat] = plan.camera.center_lon_lat();
    let mut s = format!(
        "Map ({}) centred on {:.3}° E, {:.3}° N at zoom {:.2}",
        plan.style.name(),
        lon,
        lat,
        plan.camera.zoom
    );
    if plan.camera.bearing_deg != 0.0 {
        let _ = write!(s, ", rotated {:.0}°", plan.camera.bearing_deg);
    }
    let layers: Vec<&str> = plan
        .style
        .layers
        .iter()
        .filter(|l| l.shown_at(plan.camera.zoom))
        .filter_map(|l| l.metadata_text("borderland:legend"))
        .collect();
    if !layers.is_empty() {
        let _ = write!(s, ". Shows: {}", layers.join("; "));
    }
    if let Some(f) = &captions.filter {
        let _ = write!(s, ". Filter: {f}");
    }
    let _ = write!(s, ". Data: {}", captions.attribution);
    if let Some(n) = &captions.note {
        let _ = write!(s, ". {n}");
    }
    s
}

/// The planned tiles cut from the dataset (what the server's tile URLs would send).
pub fn cut_tiles(
    plan: &Plan,
    dataset: &Dataset,
    filter: &Filter,
) -> Result<HashMap<TileKey, Vec<u8>>, RenderError> {
    let mut out = HashMap::new();
    for key in &plan.tiles {
        let layers = dataset
            .resolve(&key.layers)
            .map_err(|e| RenderError::UnknownLayers(e.to_string()))?;
        let views: Vec<_> = layers.iter().map(|l| dataset.filtered(l, filter)).collect();
        let refs = tile_layers(&layers, &views);
        let tile = crate::tile::try_render(&refs, key.coord)
            .map_err(|e| RenderError::Tile(e.to_string()))?;
        out.insert(key.clone(), tile.raw);
    }
    Ok(out)
}

/// The picture's bytes in its format.
pub fn encode(plan: &Plan, svg_text: String) -> Result<Vec<u8>, RenderError> {
    match plan.request.format {
        Format::Svg => Ok(svg_text.into_bytes()),
        Format::Png => png::rasterise(&svg_text),
    }
}

/// Draw a picture straight from a dataset (the `render` command and benchmarks; the server
/// takes its tiles from its cache instead, with the same result).
pub fn render(
    dataset: &Dataset,
    style_json: &Json,
    request: ImageRequest,
    filter: &Filter,
    extras: Extras,
) -> Result<Vec<u8>, RenderError> {
    let plan = plan(style_json, request, dataset)?;
    let tiles = cut_tiles(&plan, dataset, filter)?;
    let captions = plan.captions(dataset, filter, extras);
    let text = draw_svg(&plan, &tiles, &captions)?;
    encode(&plan, text)
}
