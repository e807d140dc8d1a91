//! `GET /catalog` (every layer, its typed fields, counts, bounds and attribution; raster
//! layers apart),
//! and `GET /health`.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde_json::{Value as Json_, json};

use super::AppState;
use super::url::base_url;
use crate::dataset::{Dataset, Layer, RasterLayer};

/// Query parameters a layer accepts.
pub fn filter_params(layer: &Layer) -> Vec<&'static str> {
    use crate::config::FilterKind;
    let mut out = Vec::new();
    for f in &layer.filters {
        match f {
            FilterKind::Date => out.extend(["from", "to"]),
            FilterKind::Group => out.push("group"),
            FilterKind::EventType => out.push("event_type"),
        }
    }
    out
}

pub fn layer_entry(layer: &Layer, base: &str) -> Json_ {
    let mut entry = layer_fields(layer, base);
    if let (crate::dataset::LayerKind::Archive(archive), Some(map)) =
        (&layer.kind, entry.as_object_mut())
    {
        map.insert(
            "archive".into(),
            json!({
                "format": archive.format.name(),
                "vector_layers": crate::dataset::tilejson::vector_layers(layer),
            }),
        );
    }
    entry
}

fn layer_fields(layer: &Layer, base: &str) -> Json_ {
    let round = |v: f64| (v * 1e6).round() / 1e6;
    json!({
        "id": layer.id,
        "title": layer.title,
        "description": layer.description,
        "geometry_type": layer.geometry_type(),
        "fields": layer.fields,
        "feature_count": layer.feature_count(),
        "bounds": layer.bounds().map(round),
        "minzoom": layer.minzoom,
        "maxzoom": layer.maxzoom,
        "attribution": layer.attributions().join(" | "),
        "license": layer.license,
        "note": layer.note,
        "filters": filter_params(layer),
        "claims": layer
            .joins
            .iter()
            .map(|j| &j.claims)
            .chain(layer.rows.iter().map(|r| &r.claims))
            .map(|c| json!({
                "table": c.id,
                "title": c.title,
                "kind": c.kind,
                "rows": c.rows.len(),
                "sources": c.sources().iter().map(|s| s.to_string()).collect::<Vec<_>>(),
                "attribution": c.attribution,
                "license": c.license,
                "report_date_note": c.missing_report_date,
            }))
            .collect::<Vec<_>>(),
        "joins": layer.joins.iter().filter(|j| j.report.layer == layer.id).map(|j| json!({
            "table": j.report.table,
            "prefix": j.prefix,
            "rows": j.report.rows,
            "matched": j.report.matched,
            "unmatched": j.report.unmatched,
        })).collect::<Vec<_>>(),
        "tilejson": format!("{base}/tiles/{}.json", layer.id),
        "tiles": format!("{base}/tiles/{}/{{z}}/{{x}}/{{y}}.mvt", layer.id),
    })
}

/// The styles served, for the viewer's picker: name, title, URL and whether generated.
pub fn style_list(dataset: &Dataset, base: &str) -> Vec<Json_> {
    dataset
        .styles
        .iter()
        .map(|s| {
            json!({
                "name": s.name,
                "title": s.title,
                "url": format!("{base}/styles/{}.json", s.name),
                "generated": s.file.is_none(),
            })
        })
        .collect()
}

/// The stories served: id, title and page URL.
pub fn story_list(stories: &crate::story::Stories, base: &str) -> Vec<Json_> {
    stories
        .0
        .iter()
        .map(|s| {
            json!({
                "id": s.id,
                "title": s.title,
                "url": format!("{base}/stories/{}", s.id),
            })
        })
        .collect()
}

pub fn build(dataset: &Dataset, base: &str) -> Json_ {
    json!({
        "title": dataset.title,
        "description": dataset.description,
        "attribution": dataset.attribution,
        "version": dataset.version,
        // The viewer's public address (from --public-url when set): embed snippets use it.
        "viewer": format!("{base}/"),
        "words": dataset.words,
        "styles": style_list(dataset, base),
        "groups": dataset.groups,
        "time": dataset.time.as_ref().map(|[a, b]| json!({"first": a, "last": b})),
        "layers": dataset.layers.iter().map(|l| layer_entry(l, base)).collect::<Vec<_>>(),
        // Pictures (terrain), apart from the vector layers: no fields, features or filters.
        "rasters": dataset.rasters.iter().map(|r| raster_entry(r, base)).collect::<Vec<_>>(),
    })
}

/// A raster layer's entry: what it is, where its tiles are, and whose data it shows.
pub fn raster_entry(raster: &RasterLayer, base: &str) -> Json_ {
    let ext = raster.format().extension();
    json!({
        "id": raster.id,
        "title": raster.title,
        "description": raster.description,
        "kind": "raster",
        "format": ext,
        "context": raster.context,
        "bounds": raster.bounds,
        "minzoom": raster.minzoom,
        "maxzoom": raster.maxzoom,
        "attribution": raster.attribution,
        "license": raster.license,
        "archive": {"format": raster.archive.format.name()},
        "tilejson": format!("{base}/tiles/{}.json", raster.id),
        "tiles": format!("{base}/tiles/{}/{{z}}/{{x}}/{{y}}.{ext}", raster.id),
    })
}

pub async fn catalog(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    let dataset = state.dataset.load_full();
    let base = base_url(&state.options, &headers);
    let mut body = build(&dataset, &base);
    if let Some(map) = body.as_object_mut() {
        let stories = state.stories.load_full();
        map.insert("stories".into(), json!(story_list(&stories, &base)));
    }
    let mut res = Json(body).into_response();
    res.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("public, max-age=60, must-revalidate"),
    );
    res
}

pub async fn health(State(state): State<Arc<AppState>>) -> Json<Json_> {
    let dataset = state.dataset.load_full();
    let reload = state.reloader.status();
    let degraded = reload.at != 0 && !reload.ok;
    // Requests were turned away for overload in the last minute.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let last_overload = state.metrics.last_overload();
    let busy = last_overload != 0 && now.saturating_sub(last_overload) < 60;
    let (shed, timed_out) = state.metrics.overloads();
    Json(json!({
        // Still serving, but the last reload failed: the data on disk is not what is served;
        // or requests were refused for overload within the last minute.
        "status": if degraded { "degraded" } else if busy { "overloaded" } else { "ok" },
        "overload": { "busy": shed, "timeout": timed_out, "tile_cuts_in_progress": state.cache.cutting() },
        "version": dataset.version,
        // The error itself is only in the log and at the admin endpoint: it can quote files.
        "last_reload": if reload.at == 0 { Json_::Null } else { json!(reload) },
        "last_reload_error": (!reload.ok && reload.at != 0).then(|| format!(
            "the files did not load ({} problem(s){}); details are in the server log{}",
            reload.problems.unwrap_or(1),
            if reload.locations.is_empty() {
                String::new()
            } else {
                format!(" at {}", reload.locations.join("; "))
            },
            if state.options.admin_token.is_some() { " and at GET /admin/reload" } else { "" }
        )),
        "layers": dataset.layers.len(),
        "features": dataset.layers.iter().map(|l| l.feature_count()).sum::<usize>(),
        // Rows that name one area while their coordinates fall in another: served, and never
        // silent (`borderland check` lists them too).
        "place_conflicts": place_conflicts(&dataset),
    }))
}

/// Place conflicts of every join, as `file line N: ...` sentences, cross-border ones first.
fn place_conflicts(dataset: &crate::dataset::Dataset) -> Json_ {
    const SHOWN: usize = 50;
    let mut all: Vec<(bool, String)> = dataset
        .join_reports()
        .iter()
        .flat_map(|r| {
            r.place_conflicts
                .iter()
                .map(move |c| (c.across_border.is_none(), format!("{} {c}", r.file)))
        })
        .collect();
    all.sort_by_key(|(not_across, _)| *not_across);
    let across = all.iter().filter(|(n, _)| !n).count();
    json!({
        "count": all.len(),
        "across_border": across,
        "rows": all.iter().take(SHOWN).map(|(_, s)| s.clone()).collect::<Vec<_>>(),
    })
}
