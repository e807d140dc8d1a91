//! Styles made from the data, built with each data version: which layers exist, their
//! geometry, the joined claims, the groups and the counts decide what is drawn, so any catalog
//! (or none) gets a working map. Style files beside the catalog are read and checked here too.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;
use serde_json::{Value as Json, json};

use crate::config::{GroupConfig, TableKind};
use crate::error::{LoadError, display_path};
use crate::geometry::GeomKind;
use crate::name::slug;
use crate::value::{FieldType, Value};

use super::{Layer, LayerKind};

/// Paul Tol's "muted" qualitative palette: nine colours told apart with the common forms of
/// colour blindness. A group's colour is picked by a hash of its name, so it keeps its colour
/// when others are added (unless two want the same one; then the later name moves on).
pub const PALETTE: [&str; 9] = [
    "#332288", "#88ccee", "#44aa99", "#117733", "#999933", "#ddcc77", "#cc6677", "#882255",
    "#aa4499",
];
/// Groups beyond the palette and rows without a group.
pub const OTHER_COLOUR: &str = "#7f7f7f";
/// Sequential classes for counts (ColorBrewer OrRd), the first for zero.
const CLASS_COLOURS: [&str; 6] = [
    "#f7f7f7", "#fdd49e", "#fdbb84", "#fc8d59", "#e34a33", "#b30000",
];
/// Classes for how many groups a source reports in an area.
const PRESENCE_COLOURS: [&str; 4] = ["#f7f7f7", "#c6dbef", "#6baed6", "#2171b5"];
/// The font every generated label uses (the one the server ships).
pub const FONT: &str = "Open Sans Regular";

/// A group as maps show it.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Group {
    /// The filter value (`group=`) and the suffix of per-group attributes.
    pub slug: String,
    /// What the legend and the picker say.
    pub label: String,
    pub colour: String,
    /// Every spelling the data uses (points carry these in `group`).
    pub names: Vec<String>,
    /// The attribute suffixes of those spellings (`presence_<key>`, `incidents_count_<key>`).
    pub keys: Vec<String>,
}

/// A style served at `/styles/{name}.json`; `{base}` in its strings is the server's base URL.
#[derive(Clone, Debug)]
pub struct Style {
    pub name: String,
    pub title: String,
    pub json: Json,
    /// The file it was read from; `None` for a generated style.
    pub file: Option<PathBuf>,
}

/// Stable 64-bit FNV-1a, so a colour does not change between builds or machines.
fn fnv(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Every group the layers' claims name, merged by normal form and the catalog's aliases,
/// with the catalog's labels, colours and order.
pub fn groups(layers: &[Arc<Layer>], configured: &[GroupConfig]) -> Vec<Group> {
    let mut names: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let alias_of: HashMap<String, String> = configured
        .iter()
        .flat_map(|g| {
            let to = slug(&g.name);
            g.aliases
                .iter()
                .map(move |a| (slug(a), to.clone()))
                .chain(std::iter::once((slug(&g.name), slug(&g.name))))
        })
        .collect();
    for layer in layers {
        let claims = layer
            .joins
            .iter()
            .map(|j| &j.claims)
            .chain(layer.rows.iter().map(|r| &r.claims));
        for c in claims {
            for g in c.groups() {
                let s = slug(g);
                let s = alias_of.get(&s).cloned().unwrap_or(s);
                let spellings = names.entry(s).or_default();
                if !spellings.iter().any(|n| n == g.as_ref()) {
                    spellings.push(g.to_string());
                }
            }
        }
    }
    let mut out: Vec<Group> = Vec::new();
    let mut taken = [false; PALETTE.len()];
    // The catalog's groups first, in its order; their colours are reserved.
    for g in configured {
        let s = slug(&g.name);
        if let Some(spellings) = names.remove(&s) {
            let colour = g.colour.as_ref().map(|c| c.get_ref().to_ascii_lowercase());
            if let Some(i) = colour
                .as_ref()
                .and_then(|c| PALETTE.iter().position(|p| p == c))
            {
                taken[i] = true;
            }
            out.push(Group {
                slug: s,
                label: g.label.clone().unwrap_or_else(|| g.name.clone()),
                colour: colour.unwrap_or_default(),
                keys: keys_of(&spellings),
                names: spellings,
            });
        }
    }
    let mut rest: Vec<Group> = names
        .into_iter()
        .map(|(s, spellings)| Group {
            label: spellings[0].clone(),
            slug: s,
            colour: String::new(),
            keys: keys_of(&spellings),
            names: spellings,
        })
        .collect();
    rest.sort_by_key(|a| a.label.to_lowercase());
    out.extend(rest);
    // Palette slots by hash, in slug order so the assignment does not depend on labels.
    let mut order: Vec<usize> = (0..out.len())
        .filter(|&i| out[i].colour.is_empty())
        .collect();
    order.sort_by(|&a, &b| out[a].slug.cmp(&out[b].slug));
    for i in order {
        let start = (fnv(&out[i].slug) % PALETTE.len() as u64) as usize;
        let slot = (0..PALETTE.len())
            .map(|k| (start + k) % PALETTE.len())
            .find(|&k| !taken[k]);
        out[i].colour = match slot {
            Some(k) => {
                taken[k] = true;
                PALETTE[k].to_string()
            }
            None => OTHER_COLOUR.to_string(),
        };
    }
    out
}

fn keys_of(names: &[String]) -> Vec<String> {
    let mut keys: Vec<String> = names.iter().map(|n| slug(n)).collect();
    keys.dedup();
    keys
}

/// Class lower bounds for counts, the first always 1 so that zero (which any time window
/// can give) is a class of its own: every distinct count when there are few, otherwise the
/// quantiles of the non-zero counts (so each class holds about as many areas). The flag says
/// which.
pub fn class_breaks(counts: &[i64]) -> (Vec<i64>, bool) {
    let mut positive: Vec<i64> = counts.iter().copied().filter(|&c| c > 0).collect();
    positive.sort_unstable();
    let mut distinct = positive.clone();
    distinct.dedup();
    let room = CLASS_COLOURS.len() - 1 - usize::from(distinct.first().is_some_and(|&c| c > 1));
    let (mut breaks, each) = if distinct.len() <= room {
        (distinct, true)
    } else {
        let mut q: Vec<i64> = (0..room)
            .map(|k| positive[k * positive.len() / room])
            .collect();
        q.dedup();
        (q, false)
    };
    if breaks.first().is_some_and(|&c| c > 1) {
        breaks.insert(0, 1);
    }
    (breaks, each)
}

/// Class breaks when the counts per area are not known at load (a large database claims
/// table not prepared): orders of magnitude.
const MAGNITUDES: [i64; 4] = [1, 10, 100, 1000];

/// What the classes are, in words, for the legend.
fn classes_text(breaks: &[i64], each: bool, areas: &str) -> String {
    if breaks.is_empty() {
        return format!("No {areas} has a reported incident.");
    }
    if each {
        format!(
            "Classes: no incident, then one class per count that the {areas} have over all dates."
        )
    } else {
        format!(
            "Classes: no incident, then the {areas} with at least one incident over all dates split into groups of about equal size."
        )
    }
}

/// `["step", value, c0, b1, c1, ...]` with the first class for zero.
fn step(value: Json, breaks: &[i64], colours: &[&str]) -> Json {
    let mut expr = vec![json!("step"), value, json!(colours[0])];
    let take = colours.len() - 1;
    let offset = take.saturating_sub(breaks.len());
    for (i, b) in breaks.iter().take(take).enumerate() {
        expr.push(json!(b));
        expr.push(json!(colours[1 + offset + i]));
    }
    Json::Array(expr)
}

/// The name property to label a feature with: `name` if the layer has it, else its first
/// text field of its own.
fn name_field(layer: &Layer) -> Option<&str> {
    let own = &layer.fields[..layer.base_fields.min(layer.fields.len())];
    own.iter()
        .find(|f| f.name == "name")
        .or_else(|| own.iter().find(|f| f.kind == FieldType::String))
        .map(|f| f.name.as_str())
}

/// A filter keeping one kind of geometry, for a layer that mixes kinds (`null`, dropped
/// below, when it does not).
fn only(layer: &Layer, kind: GeomKind) -> Json {
    if layer.geometry_kinds().iter().all(|k| *k == kind) {
        return Json::Null;
    }
    let names = match kind {
        GeomKind::Polygon => json!(["Polygon", "MultiPolygon"]),
        GeomKind::Line => json!(["LineString", "MultiLineString"]),
        GeomKind::Point => json!(["Point", "MultiPoint"]),
    };
    json!(["match", ["geometry-type"], names, true, false])
}

/// Both filters (the first may be `null`).
fn both(a: &Json, b: Json) -> Json {
    if a.is_null() { b } else { json!(["all", a, b]) }
}

/// Drop `"filter": null`.
fn tidy(mut layer: Json) -> Json {
    if let Some(m) = layer.as_object_mut()
        && m.get("filter").is_some_and(Json::is_null)
    {
        m.remove("filter");
    }
    layer
}

fn has_kind(layer: &Layer, kind: GeomKind) -> bool {
    layer.geometry_kinds().contains(&kind)
}

/// An integer attribute of every feature (missing as 0).
fn int_values(layer: &Layer, field: &str) -> Vec<i64> {
    let Some(i) = layer.field_index(field) else {
        return Vec::new();
    };
    (0..layer.features.len())
        .map(|f| match layer.value(f, i).as_deref() {
            Some(Value::Int(n)) => *n,
            _ => 0,
        })
        .collect()
}

fn get(field: &str) -> Json {
    json!(["coalesce", ["get", field], 0])
}

/// The style's vector source: every layer this style draws from.
fn source(ids: &[&str]) -> Json {
    json!({"type": "vector", "url": format!("{{base}}/tiles/{}.json", ids.join(","))})
}

fn meta(legend: Option<String>, toggle: &str, role: &str, extra: &[(&str, Json)]) -> Json {
    let mut m = serde_json::Map::new();
    if let Some(l) = legend {
        m.insert("borderland:legend".into(), json!(l));
    }
    m.insert("borderland:toggle".into(), json!(toggle));
    m.insert("borderland:role".into(), json!(role));
    for (k, v) in extra {
        m.insert((*k).into(), v.clone());
    }
    Json::Object(m)
}

/// The map's kinds of style.
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Explainer,
    Presence,
}

/// The generated styles for these layers: `explainer` always (incidents and presence where the
/// data has them, every other layer drawn by its geometry), `presence` when a layer has
/// presence claims.
pub fn generated(layers: &[Arc<Layer>], groups: &[Group], time: Option<[String; 2]>) -> Vec<Style> {
    let claims = layers
        .iter()
        .any(|l| !l.joins.is_empty() || l.rows.is_some());
    let mut out = vec![Style {
        name: "explainer".into(),
        title: if claims {
            "Explainer: incidents and presence"
        } else {
            "The data's layers"
        }
        .into(),
        json: build(layers, groups, &time, Kind::Explainer),
        file: None,
    }];
    let presence = layers
        .iter()
        .any(|l| l.joins.iter().any(|j| j.claims.kind == TableKind::Presence));
    if presence {
        out.push(Style {
            name: "presence".into(),
            title: "Presence: groups by area".into(),
            json: build(layers, groups, &time, Kind::Presence),
            file: None,
        });
    }
    out
}

fn build(layers: &[Arc<Layer>], groups: &[Group], time: &Option<[String; 2]>, kind: Kind) -> Json {
    let labelled: Vec<&str> = layers
        .iter()
        .filter_map(|l| l.labels_of.as_deref())
        .collect();
    // Archive layers bring their own styles.
    let drawn: Vec<&Arc<Layer>> = layers
        .iter()
        .filter(|l| !matches!(l.kind, LayerKind::Archive(_)))
        .collect();
    let mut plain_fills = Vec::new();
    let mut fills = Vec::new();
    let mut lines = Vec::new();
    let mut circles = Vec::new();
    let mut symbols = Vec::new();
    let mut context = Context::default();
    for layer in &drawn {
        let id = layer.id.as_str();
        let title = layer.title.as_str();
        if layer.context {
            // A label layer toggles with the areas it names.
            let toggle = layers
                .iter()
                .find(|l| layer.labels_of.as_ref() == Some(&l.id))
                .map_or(title, |l| l.title.as_str());
            context.add(layer, toggle);
            continue;
        }
        if let Some(of) = &layer.labels_of {
            let Some(name) = name_field(layer) else {
                continue;
            };
            let mut text = json!(["get", name]);
            let presence = layer
                .joins
                .iter()
                .find(|j| j.claims.kind == TableKind::Presence);
            if let (Kind::Presence, Some(p)) = (kind, presence) {
                text = json!(["format", ["get", name], {}, "\n", {},
                    ["coalesce", ["get", format!("{}_groups", p.prefix)], ""],
                    {"font-scale": 0.8, "text-color": "#08306b"}]);
            }
            symbols.push(json!({
                "id": format!("{id}-labels"), "type": "symbol", "source": "borderland",
                "source-layer": id,
                "metadata": meta(Some(format!("Names of the {title_of} (one label each, inside it)",
                    title_of = layers.iter().find(|l| &l.id == of).map_or(of.as_str(), |l| l.title.as_str()))),
                    title, "labels", &[]),
                "layout": {"text-field": text, "text-font": [FONT],
                    "text-size": ["interpolate", ["linear"], ["zoom"], 4, 10, 8, 14],
                    "text-max-width": 8, "text-padding": 2},
                "paint": {"text-color": "#222", "text-halo-color": "rgba(255,255,255,0.9)",
                    "text-halo-width": 1.4}
            }));
            continue;
        }
        // Incidents per area: joined from a file table, or counted in SQL from a database
        // claims table (same attribute names, so the same choropleth).
        let events: Option<(String, Option<Vec<i64>>)> = match &layer.kind {
            LayerKind::Postgis(p) => p.events_counts(),
            _ => layer
                .joins
                .iter()
                .find(|j| j.claims.kind == TableKind::Events)
                .map(|e| {
                    let counts = int_values(layer, &format!("{}_count", e.prefix));
                    (e.prefix.clone(), Some(counts))
                }),
        };
        let presence = layer
            .joins
            .iter()
            .find(|j| j.claims.kind == TableKind::Presence);
        if has_kind(layer, GeomKind::Polygon) {
            let polygons = only(layer, GeomKind::Polygon);
            let mut extra: Vec<(&str, Json)> = Vec::new();
            if let Some(n) = name_field(layer) {
                extra.push(("borderland:name", json!(n)));
            }
            if let Some((prefix, _)) = &events {
                extra.push(("borderland:events", json!(prefix)));
            }
            if let Some(p) = presence {
                extra.push(("borderland:presence", json!(p.prefix)));
            }
            match (kind, &events, presence) {
                (Kind::Explainer, Some((prefix, counts)), _) => {
                    let count = format!("{prefix}_count");
                    let (breaks, text) = match counts {
                        Some(counts) => {
                            let (breaks, each) = class_breaks(counts);
                            let text = classes_text(&breaks, each, &title.to_lowercase());
                            (breaks, text)
                        }
                        None => (
                            MAGNITUDES.to_vec(),
                            "Classes: no incident, then 1–9, 10–99, 100–999 and 1,000 or more incidents.".into(),
                        ),
                    };
                    let mut x = extra.clone();
                    x.push(("borderland:classes", json!(text)));
                    fills.push(json!({
                        "id": format!("{id}-incidents"), "type": "fill", "source": "borderland",
                        "source-layer": id, "filter": polygons,
                        "metadata": meta(Some(format!("Reported incidents in each of the {} (in the time window)", title.to_lowercase())),
                            &format!("Incidents per area ({title})"), "areas", &x),
                        "paint": {"fill-color": step(get(&count), &breaks, &CLASS_COLOURS), "fill-opacity": 0.85}
                    }));
                }
                (Kind::Presence, _, Some(p)) => {
                    let count = format!("{}_count", p.prefix);
                    fills.push(json!({
                        "id": format!("{id}-presence-count"), "type": "fill", "source": "borderland",
                        "source-layer": id, "filter": polygons,
                        "metadata": meta(Some("Number of groups a source reports in the area".into()),
                            &format!("Groups per area ({title})"), "areas", &extra),
                        "paint": {"fill-color": step(get(&count), &[1, 2, 3], &PRESENCE_COLOURS), "fill-opacity": 0.85}
                    }));
                }
                _ => plain_fills.push(json!({
                    "id": format!("{id}-fill"), "type": "fill", "source": "borderland",
                    "source-layer": id, "filter": polygons,
                    "metadata": meta(None, title, "areas", &extra),
                    "paint": {"fill-color": "#dfe6ea", "fill-opacity": 0.6}
                })),
            }
            // Areas that others subdivide (countries around provinces) get a darker outline.
            let outer = !labelled.contains(&id);
            lines.push(json!({
                "id": format!("{id}-lines"), "type": "line", "source": "borderland",
                "source-layer": id, "filter": polygons,
                "metadata": meta(Some(format!("{title}: boundary")), title, "areas", &[]),
                "paint": {"line-color": if outer { "#444" } else { "#8a8a8a" },
                    "line-width": if outer { 1.2 } else { 0.6 }}
            }));
            if let Some(p) = presence {
                let count = format!("{}_count", p.prefix);
                if kind == Kind::Explainer {
                    lines.push(json!({
                        "id": format!("{id}-presence"), "type": "line", "source": "borderland",
                        "source-layer": id,
                        "filter": both(&polygons, json!([">", get(&count), 0])),
                        "metadata": meta(Some("Reported presence of the chosen group (all groups if none chosen)".into()),
                            &format!("Reported group presence ({title})"), "areas",
                            &[("borderland:presence", json!(p.prefix))]),
                        "paint": {"line-color": "#2d004b", "line-width": 2.5, "line-offset": 1.5, "line-opacity": 0.9}
                    }));
                } else {
                    for (k, g) in groups.iter().enumerate() {
                        if !p.groups.iter().any(|n| slug(n) == g.slug) {
                            continue;
                        }
                        lines.push(json!({
                            "id": format!("{id}-presence-{}", g.slug), "type": "line", "source": "borderland",
                            "source-layer": id,
                            "filter": both(&polygons, json!(["==", ["get", format!("{}_{}", p.prefix, g.slug)], true])),
                            "metadata": meta(Some(format!("{} reported present", g.label)), &g.label, "areas",
                                &[("borderland:presence", json!(p.prefix)), ("borderland:group", json!(g.slug))]),
                            "paint": {"line-color": g.colour, "line-width": 3, "line-offset": 1.5 + 3.0 * (k % 4) as f64}
                        }));
                    }
                }
            }
        }
        let name_meta: Vec<(&str, Json)> = name_field(layer)
            .map(|n| vec![("borderland:name", json!(n))])
            .unwrap_or_default();
        if has_kind(layer, GeomKind::Line) {
            lines.push(json!({
                "id": format!("{id}-casing"), "type": "line", "source": "borderland",
                "source-layer": id, "filter": only(layer, GeomKind::Line),
                "metadata": meta(None, title, "lines", &[]),
                "paint": {"line-color": "#ffffff", "line-width": ["interpolate", ["linear"], ["zoom"], 3, 3, 8, 5]}
            }));
            lines.push(json!({
                "id": format!("{id}-lines"), "type": "line", "source": "borderland",
                "source-layer": id, "filter": only(layer, GeomKind::Line),
                "metadata": meta(Some(title.to_string()), title, "lines", &name_meta),
                "layout": {"line-cap": "butt"},
                "paint": {"line-color": "#b2182b", "line-width": ["interpolate", ["linear"], ["zoom"], 3, 1.5, 8, 3],
                    "line-dasharray": [3, 2]}
            }));
        }
        if has_kind(layer, GeomKind::Point) && kind == Kind::Explainer {
            let points = only(layer, GeomKind::Point);
            if let Some(rows) = &layer.rows {
                let mut colour = vec![json!("match"), json!(["get", "group"])];
                for g in groups {
                    let present = rows
                        .claims
                        .groups()
                        .iter()
                        .any(|n| g.names.iter().any(|m| m == n.as_ref()));
                    if present {
                        colour.push(json!(g.names));
                        colour.push(json!(g.colour));
                    }
                }
                colour.push(json!(OTHER_COLOUR));
                let colour = if colour.len() > 3 {
                    Json::Array(colour)
                } else {
                    json!(OTHER_COLOUR)
                };
                let sized = rows.claims.rows.iter().any(|r| r.fatalities.is_some());
                let radius = if sized {
                    json!([
                        "interpolate",
                        ["linear"],
                        get("fatalities"),
                        0,
                        7,
                        10,
                        11,
                        100,
                        18
                    ])
                } else {
                    json!(7)
                };
                let legend = if sized {
                    "Reported incident, coloured by group, sized by fatalities"
                } else {
                    "Reported incident, coloured by group"
                };
                circles.push(json!({
                    "id": format!("{id}-points"), "type": "circle", "source": "borderland",
                    "source-layer": id, "filter": points,
                    "metadata": meta(Some(legend.into()), title, "events", &[]),
                    "paint": {"circle-color": colour, "circle-radius": radius,
                        "circle-stroke-color": "#ffffff", "circle-stroke-width": 1.5, "circle-opacity": 0.9}
                }));
                if layer.cluster_maxzoom > 0 {
                    symbols.push(json!({
                        "id": format!("{id}-cluster-counts"), "type": "symbol", "source": "borderland",
                        "source-layer": id, "filter": ["==", ["get", "cluster"], true],
                        "metadata": meta(None, title, "events", &[]),
                        "layout": {"text-field": ["to-string", ["get", "point_count"]], "text-font": [FONT],
                            "text-size": 10, "text-allow-overlap": true},
                        "paint": {"text-color": "#ffffff"}
                    }));
                }
            } else {
                circles.push(json!({
                    "id": format!("{id}-points"), "type": "circle", "source": "borderland",
                    "source-layer": id, "filter": points,
                    "metadata": meta(Some(title.to_string()), title, "features", &name_meta),
                    "paint": {"circle-color": "#332288", "circle-radius": 5,
                        "circle-stroke-color": "#ffffff", "circle-stroke-width": 1}
                }));
            }
        }
    }
    let mut all = vec![json!({"id": "background", "type": "background",
        "paint": {"background-color": "#eef2f5"}})];
    // Context beneath the claims: its areas under everything, its places under the claims'
    // points, its names placed after the claims' labels (MapLibre places symbols from the top).
    all.extend(
        [
            context.areas,
            plain_fills,
            fills,
            lines,
            context.places,
            circles,
            context.names,
            symbols,
        ]
        .into_iter()
        .flatten()
        .map(tidy),
    );
    let ids: Vec<&str> = drawn.iter().map(|l| l.id.as_str()).collect();
    let framed: Vec<&Arc<Layer>> = drawn.iter().filter(|l| !l.context).copied().collect();
    let (center, zoom) = view(if framed.is_empty() { &drawn } else { &framed });
    json!({
        "version": 8,
        "name": match kind { Kind::Explainer => "explainer", Kind::Presence => "presence" },
        "metadata": {
            "borderland:generated": true,
            "borderland:groups": groups,
            "borderland:time": time.as_ref().map(|[a, b]| json!({"first": a, "last": b})),
        },
        "center": center,
        "zoom": zoom,
        "sources": {"borderland": source(&ids)},
        "glyphs": "{base}/fonts/{fontstack}/{range}.pbf",
        "layers": all,
    })
}

/// The style layers of context layers (`context = true`): quiet areas, small places sized by
/// `rank` where the data has one, and names in grey.
#[derive(Default)]
struct Context {
    areas: Vec<Json>,
    places: Vec<Json>,
    names: Vec<Json>,
}

impl Context {
    fn add(&mut self, layer: &Layer, toggle: &str) {
        let id = layer.id.as_str();
        let title = layer.title.as_str();
        let name = name_field(layer);
        let ranked = layer.fields.iter().any(|f| f.name == "rank");
        if let Some(name) = name.filter(|_| layer.labels_of.is_some()) {
            self.names.push(json!({
                "id": format!("{id}-labels"), "type": "symbol", "source": "borderland",
                "source-layer": id,
                "metadata": meta(None, toggle, "context", &[]),
                "layout": {"text-field": ["get", name], "text-font": [FONT],
                    "text-size": ["interpolate", ["linear"], ["zoom"], 3, 10, 7, 14],
                    "text-letter-spacing": 0.08, "text-max-width": 7, "text-padding": 4},
                "paint": {"text-color": "#7b8288", "text-halo-color": "rgba(255,255,255,0.8)",
                    "text-halo-width": 1.2}
            }));
            return;
        }
        if has_kind(layer, GeomKind::Polygon) {
            let polygons = only(layer, GeomKind::Polygon);
            self.areas.push(json!({
                "id": format!("{id}-fill"), "type": "fill", "source": "borderland",
                "source-layer": id, "filter": polygons,
                "metadata": meta(Some(format!("{title} (context)")), toggle, "context", &[]),
                "paint": {"fill-color": "#f7f6f2", "fill-opacity": 1}
            }));
            self.areas.push(json!({
                "id": format!("{id}-lines"), "type": "line", "source": "borderland",
                "source-layer": id, "filter": polygons,
                "metadata": meta(None, toggle, "context", &[]),
                "paint": {"line-color": "#b4b8bb", "line-width": 0.8}
            }));
        }
        if has_kind(layer, GeomKind::Point) {
            // Ranked places (1 = largest) appear by size as the map zooms in.
            let (filter, radius, size) = if ranked {
                (
                    both(
                        &only(layer, GeomKind::Point),
                        json!([
                            "<=",
                            ["get", "rank"],
                            ["step", ["zoom"], 1, 5, 2, 6, 3, 7, 4]
                        ]),
                    ),
                    json!(["match", ["get", "rank"], 1, 3.5, 2, 3, 2.5]),
                    json!(["match", ["get", "rank"], 1, 13, 2, 12, 11]),
                )
            } else {
                (only(layer, GeomKind::Point), json!(2.5), json!(11))
            };
            self.places.push(json!({
                "id": format!("{id}-points"), "type": "circle", "source": "borderland",
                "source-layer": id, "filter": filter,
                "metadata": meta(Some(format!("{title} (context)")), toggle, "context", &[]),
                "paint": {"circle-color": "#5f6468", "circle-radius": radius,
                    "circle-stroke-color": "#ffffff", "circle-stroke-width": 1}
            }));
            if let Some(name) = name {
                let mut layout = json!({"text-field": ["get", name], "text-font": [FONT],
                    "text-size": size, "text-anchor": "top", "text-offset": [0, 0.4],
                    "text-max-width": 8, "text-optional": true});
                if ranked {
                    layout["symbol-sort-key"] = json!(["get", "rank"]);
                }
                self.names.push(json!({
                    "id": format!("{id}-names"), "type": "symbol", "source": "borderland",
                    "source-layer": id, "filter": filter,
                    "metadata": meta(None, toggle, "context", &[]),
                    "layout": layout,
                    "paint": {"text-color": "#3f4448", "text-halo-color": "rgba(255,255,255,0.9)",
                        "text-halo-width": 1.3}
                }));
            }
        }
    }
}

/// A centre and zoom that show every drawn layer.
fn view(layers: &[&Arc<Layer>]) -> ([f64; 2], f64) {
    let mut b = crate::geometry::BBox::EMPTY;
    for l in layers {
        b.union(&l.bbox);
    }
    if b.is_empty() {
        return ([0.0, 0.0], 1.0);
    }
    let [w, s, e, n] = super::lonlat_bounds(&b);
    let span = (b.max_x - b.min_x).max(b.max_y - b.min_y).max(1e-9);
    // A world tile is 512 px at zoom 0 for MapLibre; fit about 700 px.
    let zoom = (700.0 / 512.0 / span).log2().clamp(0.0, 14.0);
    let round = |v: f64| (v * 1e4).round() / 1e4;
    (
        [round((w + e) / 2.0), round((s + n) / 2.0)],
        (zoom * 100.0).round() / 100.0,
    )
}

/// MapLibre layer types, for checking style files.
const LAYER_TYPES: &[&str] = &[
    "background",
    "fill",
    "line",
    "symbol",
    "circle",
    "heatmap",
    "fill-extrusion",
    "raster",
    "hillshade",
    "color-relief",
];

/// Read and check one style file: JSON (with line and column on a syntax error), version 8,
/// sources and layers present, every layer with an id and a known type, and every
/// `source-layer` one that this data serves.
pub fn read_style_file(path: &Path, bytes: &[u8], layer_ids: &[&str]) -> Result<Style, LoadError> {
    let json: Json = serde_json::from_slice(bytes).map_err(|e| {
        let text = e.to_string();
        let text = text.split(" at line ").next().unwrap_or(&text).to_string();
        let mut err = LoadError::new(path, format!("not a valid style (JSON): {text}"));
        err.line = Some(e.line());
        err.column = Some(e.column());
        err
    })?;
    let bad =
        |field: &str, message: String| LoadError::new(path, message).with_field(field.to_string());
    if json.get("version") != Some(&json!(8)) {
        return Err(bad(
            "version",
            "a MapLibre style needs \"version\": 8".into(),
        ));
    }
    if !json.get("sources").is_some_and(Json::is_object) {
        return Err(bad("sources", "a style needs a \"sources\" object".into()));
    }
    let Some(style_layers) = json.get("layers").and_then(Json::as_array) else {
        return Err(bad("layers", "a style needs a \"layers\" array".into()));
    };
    let mut seen = std::collections::HashSet::new();
    for (i, l) in style_layers.iter().enumerate() {
        let Some(id) = l.get("id").and_then(Json::as_str) else {
            return Err(bad("layers", format!("layer {i} has no \"id\"")));
        };
        if !seen.insert(id) {
            return Err(bad("layers", format!("layer id '{id}' is used twice")));
        }
        let kind = l.get("type").and_then(Json::as_str).unwrap_or("");
        if !LAYER_TYPES.contains(&kind) {
            return Err(bad(
                "layers",
                format!(
                    "layer '{id}' has type '{kind}' (expected one of {})",
                    LAYER_TYPES.join(", ")
                ),
            ));
        }
        if let Some(sl) = l.get("source-layer").and_then(Json::as_str)
            && !layer_ids.contains(&sl)
        {
            return Err(bad(
                "layers",
                format!(
                    "layer '{id}' draws source-layer '{sl}', which this data does not have (layers: {})",
                    layer_ids.join(", ")
                ),
            ));
        }
    }
    let name = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let valid = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !valid {
        return Err(LoadError::new(
            path,
            format!(
                "style file name '{name}' may contain only letters, digits, '_' and '-' (it becomes /styles/{name}.json)"
            ),
        ));
    }
    let title = json
        .get("name")
        .and_then(Json::as_str)
        .map(str::to_string)
        .unwrap_or_else(|| name.clone());
    Ok(Style {
        name,
        title,
        json,
        file: Some(PathBuf::from(display_path(path))),
    })
}

/// The style files of a catalog: those it names, then `styles/*.json` beside it, by name.
pub fn style_files(dir: &Path, named: &[PathBuf]) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = named.iter().map(|f| dir.join(f)).collect();
    if let Ok(entries) = std::fs::read_dir(dir.join("styles")) {
        let mut found: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        found.sort();
        for f in found {
            if !files.contains(&f) {
                files.push(f);
            }
        }
    }
    files
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn few_counts_get_a_class_each_and_many_get_quantiles_with_zero_apart() {
        assert_eq!(class_breaks(&[0, 0, 3, 1, 3]), (vec![1, 3], true));
        assert_eq!(class_breaks(&[0, 2, 3, 3]), (vec![1, 2, 3], true));
        assert_eq!(class_breaks(&[0, 0]), (Vec::<i64>::new(), true));
        let many: Vec<i64> = (1..=100).collect();
        assert_eq!(class_breaks(&many), (vec![1, 21, 41, 61, 81], false));
        let high: Vec<i64> = (10..=109).collect();
        assert_eq!(class_breaks(&high), (vec![1, 10, 35, 60, 85], false));
    }

    #[test]
    fn a_step_uses_the_darkest_colours_for_few_classes() {
        let s = step(json!(0), &[1, 3], &CLASS_COLOURS);
        assert_eq!(s, json!(["step", 0, "#f7f7f7", 1, "#e34a33", 3, "#b30000"]));
    }
}
