//! A parsed story checked against the data it shows: every layer, feature id and group it
//! names must exist (an unknown one is an error naming it and what exists), and each step
//! becomes a whole map state, inheriting what it leaves out from the step before.

use std::path::Path;

use super::markdown;
use super::parse::{RawStory, Setting, Spot};
use super::{Annotation, Highlight, Locator, SourceEntry, Step, Story, View};
use crate::dataset::{Dataset, Layer, lonlat_bounds};
use crate::error::LoadError;
use crate::geometry::{BBox, GeomKind};
use crate::value::{Value, text_id};

/// Most shapes an overlay may hold (it is a small annotation, not a layer).
const MAX_OVERLAY_FEATURES: usize = 200;
/// Width of the locator inset in CSS pixels.
const LOCATOR_WIDTH: f64 = 160.0;

struct Checker<'a> {
    dataset: &'a Dataset,
    file: &'a Path,
    errors: Vec<LoadError>,
}

impl Checker<'_> {
    fn error(&mut self, at: Spot, message: impl Into<String>) {
        let mut e = LoadError::new(self.file, message).at_line(at.line);
        e.column = Some(at.column);
        self.errors.push(e);
    }

    fn layer(&mut self, id: &str, at: Spot) -> Option<&Layer> {
        let dataset = self.dataset;
        match dataset.layer(id) {
            Some(layer) => Some(layer.as_ref()),
            None => {
                let known: Vec<&str> = dataset.layers.iter().map(|l| l.id.as_str()).collect();
                self.error(
                    at,
                    format!(
                        "unknown layer '{id}'; the catalog's layers are: {}",
                        known.join(", ")
                    ),
                );
                None
            }
        }
    }

    /// Numbers separated by commas, exactly `n` of them.
    fn numbers(&mut self, s: &Setting, n: usize, what: &str) -> Option<Vec<f64>> {
        let parts: Vec<Option<f64>> = s
            .value
            .split(',')
            .map(|p| p.trim().parse::<f64>().ok().filter(|v| v.is_finite()))
            .collect();
        if parts.len() != n || parts.iter().any(Option::is_none) {
            self.error(
                s.value_at,
                format!("{}: '{}' is not {what}", s.key, s.value),
            );
            return None;
        }
        Some(parts.into_iter().flatten().collect())
    }

    fn lonlat(&mut self, s: &Setting, text: &str, at: Spot) -> Option<[f64; 2]> {
        let parts: Vec<Option<f64>> = text
            .split(',')
            .map(|p| p.trim().parse::<f64>().ok())
            .collect();
        match parts.as_slice() {
            [Some(lon), Some(lat)]
                if (-180.0..=180.0).contains(lon) && (-85.0..=85.0).contains(lat) =>
            {
                Some([*lon, *lat])
            }
            _ => {
                self.error(
                    at,
                    format!(
                        "{}: '{}' is not a longitude, latitude (for example `69.17, 34.53`: longitude first, east of Greenwich positive)",
                        s.key,
                        text.trim()
                    ),
                );
                None
            }
        }
    }

    /// `layer/id` items of a comma list, resolved to stable ids.
    fn features(&mut self, s: &Setting) -> Vec<(Highlight, BBox)> {
        let mut out = Vec::new();
        for (item, at) in items(s) {
            let Some((layer_id, key)) = item.split_once('/') else {
                self.error(
                    at,
                    format!(
                        "{}: '{item}' names no layer; write `layer/id` (for example `provinces/AF-KHO`)",
                        s.key
                    ),
                );
                continue;
            };
            let (layer_id, key) = (layer_id.trim(), key.trim());
            let Some(layer) = self.layer(layer_id, at) else {
                continue;
            };
            let wanted = key.parse::<u64>().unwrap_or_else(|_| text_id(key));
            let Some(index) = layer.features.iter().position(|f| f.id == wanted) else {
                let examples = id_examples(layer);
                self.error(
                    at,
                    format!(
                        "{}: no feature '{key}' in layer '{layer_id}'; ids are the layer's id_property values{}",
                        s.key,
                        if examples.is_empty() {
                            String::new()
                        } else {
                            format!(" (for example {})", examples.join(", "))
                        }
                    ),
                );
                continue;
            };
            let mut bbox = BBox::EMPTY;
            for piece in layer
                .shapes
                .pieces
                .iter()
                .filter(|p| p.feature as usize == index)
            {
                bbox.union(&layer.shapes.piece_bbox(piece));
            }
            out.push((
                Highlight {
                    layer: layer.id.clone(),
                    key: key.to_string(),
                    id: wanted,
                },
                bbox,
            ));
        }
        out
    }
}

/// Up to three ids of `layer` as a story would write them: text values whose id is a
/// feature's id.
fn id_examples(layer: &Layer) -> Vec<String> {
    let mut out = Vec::new();
    for (i, f) in layer.features.iter().enumerate().take(40) {
        for v in layer.attributes(i).iter() {
            if let Value::String(s) = v
                && text_id(s) == f.id
            {
                out.push(format!("'{s}'"));
                break;
            }
        }
        if out.len() == 3 {
            break;
        }
    }
    if out.is_empty() {
        out = layer
            .features
            .iter()
            .take(3)
            .map(|f| format!("'{}'", f.id))
            .collect();
    }
    out
}

/// The comma-separated items of a setting, each with the column it starts at.
fn items(s: &Setting) -> Vec<(String, Spot)> {
    let mut out = Vec::new();
    let mut offset = 0;
    for part in s.value.split(',') {
        let lead = part.len() - part.trim_start().len();
        let column = s.value_at.column + s.value[..offset + lead].chars().count();
        if !part.trim().is_empty() {
            out.push((
                part.trim().to_string(),
                Spot {
                    line: s.value_at.line,
                    column,
                },
            ));
        }
        offset += part.len() + 1;
    }
    out
}

/// `LON, LAT | text`: the point and the text, with where the text starts.
fn point_and_text(s: &Setting) -> Option<(String, String, Spot)> {
    let (point, text) = s.value.split_once('|')?;
    let lead = text.len() - text.trim_start().len();
    let column = s.value_at.column + s.value[..point.len() + 1 + lead].chars().count();
    Some((
        point.to_string(),
        text.trim().to_string(),
        Spot {
            line: s.value_at.line,
            column,
        },
    ))
}

fn is_month(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 7
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[5..].iter().all(u8::is_ascii_digit)
        && matches!(s[5..].parse::<u8>(), Ok(1..=12))
}

fn lonlat_of(bbox: &BBox) -> [f64; 4] {
    let round = |v: f64| (v * 1e5).round() / 1e5;
    lonlat_bounds(bbox).map(round)
}

/// Check `raw` against `dataset` and make every step's full state.
pub fn resolve(
    dataset: &Dataset,
    id: &str,
    file: &Path,
    raw: RawStory,
) -> Result<Story, Vec<LoadError>> {
    let mut c = Checker {
        dataset,
        file,
        errors: Vec::new(),
    };
    let front = |key: &str| raw.front.iter().find(|s| s.key == key);
    let title = match front("title") {
        Some(s) if !s.value.is_empty() => s.value.clone(),
        _ => {
            c.error(
                Spot { line: 1, column: 1 },
                "the story has no title; start the file with front matter: a line `---`, `title: …`, and `---`",
            );
            String::new()
        }
    };
    let summary = front("summary").map(|s| s.value.clone());
    let style = match front("style") {
        Some(s) => {
            if dataset.style(&s.value).is_none() {
                let names: Vec<&str> = dataset.styles.iter().map(|s| s.name.as_str()).collect();
                c.error(
                    s.value_at,
                    format!(
                        "style: unknown style '{}'; the data serves: {}",
                        s.value,
                        names.join(", ")
                    ),
                );
            }
            s.value.clone()
        }
        None => dataset
            .styles
            .first()
            .map(|s| s.name.clone())
            .unwrap_or_default(),
    };
    let locator = match front("locator") {
        Some(s) if s.value == "none" || s.value == "off" => None,
        Some(s) => {
            let at = s.value_at;
            let value = s.value.clone();
            match c.layer(&value, at) {
                Some(layer) => match locator(layer) {
                    Some(l) => Some(l),
                    None => {
                        c.error(at, format!("locator: layer '{value}' has no polygons or lines to draw; name an outline layer such as the countries"));
                        None
                    }
                },
                None => None,
            }
        }
        None => None,
    };

    // What the first step starts from: every layer, the data's whole extent, no filters.
    let mut all = BBox::EMPTY;
    // (context layers, such as neighbouring countries, would widen it past the story's data)
    for layer in dataset.layers.iter().filter(|l| !l.context) {
        if !layer.bbox.is_empty() {
            all.union(&layer.bbox);
        }
    }
    let mut view = View::Bounds {
        bounds: lonlat_of(&all),
    };
    let mut layers: Vec<String> = dataset.layers.iter().map(|l| l.id.clone()).collect();
    let mut group: Option<String> = None;
    let mut window: Option<[String; 2]> = None;
    let mut steps = Vec::new();
    let last = raw.steps.len().saturating_sub(1);
    for (n, step) in raw.steps.iter().enumerate() {
        let get = |key: &str| step.settings.iter().find(|s| s.key == key);
        for s in &step.settings {
            let repeatable = matches!(s.key.as_str(), "callout" | "label");
            if !repeatable && step.settings.iter().filter(|o| o.key == s.key).count() > 1 {
                c.error(
                    s.at,
                    format!("'{}' is set twice in this step; keep one", s.key),
                );
            }
        }
        // The view: a centre and zoom, a bounding box or features to fit.
        let ways = ["centre", "bbox", "fit"]
            .iter()
            .filter(|k| get(k).is_some())
            .count();
        if ways > 1 {
            c.error(
                step.at,
                "a step sets its view one way: `centre` and `zoom`, `bbox`, or `fit`; keep one",
            );
        }
        if let Some(s) = get("centre") {
            let centre = c.lonlat(s, &s.value.clone(), s.value_at);
            let zoom = match get("zoom") {
                Some(z) => c
                    .numbers(z, 1, "a zoom (a number from 0 to 22)")
                    .and_then(|v| {
                        if (0.0..=22.0).contains(&v[0]) {
                            Some(v[0])
                        } else {
                            c.error(z.value_at, "zoom: a zoom is from 0 to 22");
                            None
                        }
                    }),
                None => {
                    c.error(
                        s.at,
                        "`centre` needs a `zoom` on the next line (for example `zoom: 7`)",
                    );
                    None
                }
            };
            if let (Some(centre), Some(zoom)) = (centre, zoom) {
                view = View::Centre { centre, zoom };
            }
        } else if let Some(z) = get("zoom") {
            c.error(
                z.at,
                "`zoom` goes with a `centre` (for example `centre: 69.17, 34.53`)",
            );
        }
        if let Some(s) = get("bbox")
            && let Some(v) = c.numbers(s, 4, "west, south, east, north in degrees")
        {
            if v[0] < v[2]
                && v[1] < v[3]
                && v[0] >= -180.0
                && v[2] <= 180.0
                && v[1] >= -85.0
                && v[3] <= 85.0
            {
                view = View::Bounds {
                    bounds: [v[0], v[1], v[2], v[3]],
                };
            } else {
                c.error(s.value_at, format!("bbox: '{}' is not west, south, east, north (west < east, south < north, in degrees)", s.value));
            }
        }
        if let Some(s) = get("fit") {
            let found = c.features(s);
            let mut bbox = BBox::EMPTY;
            for (_, b) in &found {
                bbox.union(b);
            }
            if !bbox.is_empty() {
                view = View::Bounds {
                    bounds: lonlat_of(&bbox),
                };
            }
        }
        if let Some(s) = get("layers") {
            // Context layers (neighbouring countries, cities) orient the reader at every step.
            let mut chosen: Vec<String> = dataset
                .layers
                .iter()
                .filter(|l| l.context)
                .map(|l| l.id.clone())
                .collect();
            for (id, at) in items(s) {
                if let Some(layer) = c.layer(&id, at) {
                    if !chosen.contains(&layer.id) {
                        chosen.push(layer.id.clone());
                    }
                    // a polygon layer's labels come with it
                    for l in &dataset.layers {
                        if l.labels_of.as_deref() == Some(id.as_str()) && !chosen.contains(&l.id) {
                            chosen.push(l.id.clone());
                        }
                    }
                }
            }
            layers = chosen;
        }
        if let Some(s) = get("group") {
            let wanted = s.value.trim();
            if wanted.eq_ignore_ascii_case("all") || wanted.is_empty() {
                group = None;
            } else {
                let found = dataset.groups.iter().find(|g| {
                    g.slug.eq_ignore_ascii_case(wanted)
                        || g.label.eq_ignore_ascii_case(wanted)
                        || g.names.iter().any(|n| n.eq_ignore_ascii_case(wanted))
                });
                match found {
                    Some(g) => group = Some(g.slug.clone()),
                    None => {
                        let known: Vec<&str> =
                            dataset.groups.iter().map(|g| g.label.as_str()).collect();
                        c.error(
                            s.value_at,
                            format!(
                                "group: unknown group '{wanted}'; the data names: {} (or `all`)",
                                if known.is_empty() {
                                    "no groups".to_string()
                                } else {
                                    known.join(", ")
                                }
                            ),
                        );
                    }
                }
            }
        }
        if let Some(s) = get("time") {
            let v = s.value.trim();
            if v.eq_ignore_ascii_case("all") {
                window = None;
            } else {
                let (from, to) = v.split_once(" to ").unwrap_or((v, v));
                let (from, to) = (from.trim(), to.trim());
                if is_month(from) && is_month(to) {
                    let (a, b) = if from <= to { (from, to) } else { (to, from) };
                    window = Some([a.to_string(), b.to_string()]);
                } else {
                    c.error(
                        s.value_at,
                        format!("time: '{v}' is not a month window; write `2026-01`, `2025-04 to 2026-01` or `all`"),
                    );
                }
            }
        }
        let highlights = match get("highlight") {
            Some(s) if s.value.eq_ignore_ascii_case("none") => Vec::new(),
            Some(s) => c.features(s).into_iter().map(|(h, _)| h).collect(),
            None => Vec::new(),
        };
        let mut callouts = Vec::new();
        let mut labels = Vec::new();
        for s in step
            .settings
            .iter()
            .filter(|s| s.key == "callout" || s.key == "label")
        {
            match point_and_text(s) {
                Some((point, text, text_at)) => {
                    let at = c.lonlat(s, &point, s.value_at);
                    if text.is_empty() {
                        c.error(text_at, format!("{}: the text after '|' is empty", s.key));
                    } else if let Some(at) = at {
                        let a = Annotation { at, text };
                        if s.key == "callout" {
                            callouts.push(a);
                        } else {
                            labels.push(a);
                        }
                    }
                }
                None => c.error(
                    s.value_at,
                    format!(
                        "{}: write the point, '|' and the text (for example `{}: 69.17, 34.53 | Kabul`)",
                        s.key, s.key
                    ),
                ),
            }
        }
        let explore = match get("explore") {
            Some(s) => match s.value.to_ascii_lowercase().as_str() {
                "yes" | "true" | "on" => {
                    if n != last {
                        c.error(s.at, "explore: only the last step can hand over to the viewer; move it to the end");
                    }
                    true
                }
                "no" | "false" | "off" => false,
                _ => {
                    c.error(
                        s.value_at,
                        format!("explore: '{}' is not yes or no", s.value),
                    );
                    false
                }
            },
            None => false,
        };
        let overlay = match &step.overlay {
            Some((text, line)) => overlay(&mut c, text, *line),
            None => None,
        };
        if step.heading.is_empty() {
            c.error(step.at, "this step's heading is empty; give it a few words");
        }
        steps.push(Step {
            heading: step.heading.clone(),
            html: markdown::to_html(&step.text),
            view: view.clone(),
            layers: layers.clone(),
            group: group.clone(),
            window: window.clone(),
            highlights,
            callouts,
            labels,
            overlay,
            explore,
        });
    }
    if !c.errors.is_empty() {
        return Err(c.errors);
    }
    let sources = sources(dataset, &steps);
    Ok(Story {
        id: id.to_string(),
        file: crate::error::display_path(file),
        title,
        summary,
        style,
        intro_html: markdown::to_html(&raw.intro),
        steps,
        locator,
        sources,
    })
}

/// A ```` ```geojson ```` block: a FeatureCollection (or one Feature) of a few shapes.
fn overlay(c: &mut Checker, text: &str, first_line: usize) -> Option<serde_json::Value> {
    let at_json = |e: &serde_json::Error| Spot {
        line: first_line + e.line().saturating_sub(1),
        column: e.column().max(1),
    };
    let value: serde_json::Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            c.error(
                at_json(&e),
                format!("overlay: invalid GeoJSON: {}", strip_position(&e)),
            );
            return None;
        }
    };
    let start = Spot {
        line: first_line,
        column: 1,
    };
    match serde_json::from_value::<geojson::GeoJson>(value.clone()) {
        Ok(geojson::GeoJson::FeatureCollection(fc))
            if fc.features.len() <= MAX_OVERLAY_FEATURES =>
        {
            Some(value)
        }
        Ok(geojson::GeoJson::FeatureCollection(_)) => {
            c.error(start, format!("overlay: more than {MAX_OVERLAY_FEATURES} features; an overlay is for a few shapes (add a layer to the catalog for more)"));
            None
        }
        Ok(geojson::GeoJson::Feature(_)) => Some(serde_json::json!({
            "type": "FeatureCollection",
            "features": [value],
        })),
        Ok(geojson::GeoJson::Geometry(_)) => {
            c.error(
                start,
                "overlay: a bare geometry; wrap it in a Feature or a FeatureCollection",
            );
            None
        }
        Err(e) => {
            c.error(start, format!("overlay: not GeoJSON: {e}"));
            None
        }
    }
}

fn strip_position(e: &serde_json::Error) -> String {
    let text = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    text.strip_suffix(&suffix).unwrap_or(&text).to_string()
}

/// The outline of `layer` (polygons and lines) as SVG path data in a box of
/// [`LOCATOR_WIDTH`] CSS pixels, Web Mercator like the map.
fn locator(layer: &Layer) -> Option<Locator> {
    if !matches!(layer.kind, crate::dataset::LayerKind::Features)
        || layer.bbox.is_empty()
        || !layer.kinds.iter().any(|k| *k != GeomKind::Point)
    {
        return None;
    }
    let b = layer.bbox;
    let span_x = (b.max_x - b.min_x).max(1e-9);
    let span_y = (b.max_y - b.min_y).max(1e-9);
    let scale = LOCATOR_WIDTH / span_x;
    let height = (span_y * scale).clamp(40.0, 240.0);
    let scale = scale.min(height / span_y);
    let shapes = &layer.shapes;
    let sq_tol = (1.0 / scale).powi(2);
    let mut path = String::new();
    for piece in &shapes.pieces {
        if layer.kinds.get(piece.feature as usize) == Some(&GeomKind::Point) {
            continue;
        }
        for part in shapes.parts_of(piece) {
            let mut last: Option<(i64, i64)> = None;
            let mut count = 0;
            let range = part.start as usize..part.end as usize;
            let ring = &shapes.xy[range.clone()];
            // Douglas–Peucker at about one pixel of the inset (importance is a squared
            // distance in projected units).
            let keep = shapes.importance[range]
                .iter()
                .map(|&i| f64::from(i) > sq_tol);
            for (p, _) in ring.iter().zip(keep).filter(|(_, k)| *k) {
                let x = ((p[0] - b.min_x) * scale).round() as i64;
                let y = ((p[1] - b.min_y) * scale).round() as i64;
                if last == Some((x, y)) {
                    continue;
                }
                path.push_str(if count == 0 { "M" } else { "L" });
                path.push_str(&format!("{x} {y}"));
                last = Some((x, y));
                count += 1;
            }
            if count > 2 && (part.outer || ring.first() == ring.last()) {
                path.push('Z');
            }
        }
    }
    Some(Locator {
        layer: layer.id.clone(),
        bounds: lonlat_of(&b),
        width: (span_x * scale).round(),
        height: (span_y * scale).round(),
        path,
    })
}

/// Every source cited by the claims of the layers the story shows, with the citations and
/// the tables they come from.
fn sources(dataset: &Dataset, steps: &[Step]) -> Vec<SourceEntry> {
    let mut out: Vec<SourceEntry> = Vec::new();
    let mut shown: Vec<&str> = Vec::new();
    for step in steps {
        for l in &step.layers {
            if !shown.contains(&l.as_str()) {
                shown.push(l);
            }
        }
    }
    for layer in dataset
        .layers
        .iter()
        .filter(|l| shown.contains(&l.id.as_str()))
    {
        let tables = layer
            .joins
            .iter()
            .map(|j| &j.claims)
            .chain(layer.rows.iter().map(|r| &r.claims));
        for claims in tables {
            for row in &claims.rows {
                let source = claims.str(row.source).unwrap_or_default();
                let entry = match out.iter().position(|e| e.source == source) {
                    Some(i) => &mut out[i],
                    None => {
                        out.push(SourceEntry {
                            source: source.to_string(),
                            url: None,
                            citations: Vec::new(),
                            tables: Vec::new(),
                            attribution: Vec::new(),
                        });
                        let last = out.len() - 1;
                        &mut out[last]
                    }
                };
                if entry.url.is_none()
                    && let Some(u) = claims
                        .str(row.source_url)
                        .filter(|u| u.starts_with("https://") || u.starts_with("http://"))
                {
                    entry.url = Some(u.to_string());
                }
                if let Some(cite) = claims.str(row.citation)
                    && !entry.citations.iter().any(|c| c == cite)
                {
                    entry.citations.push(cite.to_string());
                }
                if !entry.tables.contains(&claims.title) {
                    entry.tables.push(claims.title.clone());
                }
                if let Some(a) = &claims.attribution
                    && !entry.attribution.contains(a)
                {
                    entry.attribution.push(a.clone());
                }
            }
        }
    }
    out
}
