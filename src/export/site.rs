//! `borderland export --site DIR`: a folder any static file host can serve with no borderland
//! process: the server's own viewer in static mode, its styles and glyphs, and one PMTiles archive.

use std::path::Path;
use std::sync::Arc;

use serde_json::{Value, json};

use super::{ExportError, ExportOptions, ExportSummary, Plan};
use crate::assets;
use crate::config::TableKind;
use crate::dataset::{Dataset, RasterLayer};

/// The site's description, written last; its presence marks a folder as a site export.
const SITE_JSON: &str = "site.json";

/// Where the archive goes inside the site.
pub const ARCHIVE: &str = "tiles/borderland.pmtiles";

/// The page's mode marker: the server's page says `server`; the site's copy says `static`,
/// which makes the viewer read `site.json` and the archive instead of asking a server.
const SERVER_MODE: &str = r#"<meta name="borderland-mode" content="server">"#;
const STATIC_MODE: &str = r#"<meta name="borderland-mode" content="static">"#;

/// Write the site to `dir`: the archive of the chosen layers and zooms, the page, and
/// whatever viewer files the source tree has.
pub fn export_site(
    dataset: &Dataset,
    dir: &Path,
    opts: &ExportOptions,
) -> Result<ExportSummary, ExportError> {
    let plan = Plan::new(dataset, opts)?;
    super::output::check_replaceable(dir, SITE_JSON)?;
    let _lock = super::output::OutputLock::acquire(dir)?;
    // The whole site is written to a staging folder and replaces the old one when complete,
    // so files of an older export (or a half-written site) are never published.
    let staged = super::output::Staged::new(dir);
    let dir = staged.path.as_path();
    let tiles = dir.join("tiles");
    std::fs::create_dir_all(&tiles).map_err(|e| ExportError::io(&tiles, "create the folder", e))?;
    let sink = super::sink_for(super::OutputKind::Pmtiles, &dir.join(ARCHIVE), &plan)?;
    let summary = super::run(dataset, &plan, sink, opts)?;
    let rasters = write_rasters(dataset, dir)?;
    write_viewer(dataset, dir)?;
    let downloads = write_downloads(dataset, &plan, dir)?;
    let stories = write_stories(dataset, dir)?;
    let m = &plan.metadata;
    let site = json!({
        "title": dataset.title,
        "words": dataset.words,
        "styles": dataset.styles.iter().map(|s| json!({"name": s.name, "title": s.title})).collect::<Vec<_>>(),
        "groups": dataset.groups,
        "time": dataset.time.as_ref().map(|[a, b]| json!({"first": a, "last": b})),
        "attribution": m["attribution"],
        "archive": ARCHIVE,
        "bounds": m["bounds"],
        "center": m["center"],
        "minzoom": plan.minzoom,
        "maxzoom": plan.maxzoom,
        "layers": plan.layers.iter().map(|l| l.id.clone()).collect::<Vec<_>>(),
        "vector_layers": m["vector_layers"],
        "rasters": rasters,
        "downloads": downloads,
        "stories": stories,
        "static": true,
        "filters": "none on the server: this is a static copy; the viewer filters points by date_days, date_end_days and group, and recomputes area counts from events.json, in the browser",
    });
    let events = events_json(dataset, &plan);
    let text =
        serde_json::to_string(&events).map_err(|e| ExportError(format!("events.json: {e}")))?;
    write(&dir.join("events.json"), text.as_bytes())?;
    let text =
        serde_json::to_string_pretty(&site).map_err(|e| ExportError(format!("site.json: {e}")))?;
    write(&dir.join(SITE_JSON), text.as_bytes())?;
    staged.commit_dir()?;
    Ok(summary)
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), ExportError> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| ExportError::io(parent, "create the folder", e))?;
    }
    std::fs::write(path, bytes).map_err(|e| ExportError::io(path, "write", e))
}

/// The viewer in static mode: its page, script, CSS and vendored libraries (the server's own
/// file table), the styles pointed at the archive, and every glyph range of the font.
fn write_viewer(dataset: &Dataset, dir: &Path) -> Result<(), ExportError> {
    write(&dir.join("index.html"), static_page()?.as_bytes())?;
    for (rel, bytes) in assets::static_files() {
        write(&dir.join("static").join(rel), bytes)?;
    }
    for style in &dataset.styles {
        let text = serde_json::to_string_pretty(&static_style(&style.json, &dataset.rasters))
            .map_err(|e| ExportError(format!("style '{}': {e}", style.name)))?;
        write(
            &dir.join(format!("styles/{}.json", style.name)),
            text.as_bytes(),
        )?;
    }
    let fonts = dir.join("fonts");
    // the fonts' licences, beside the glyphs made from them
    for (name, text) in assets::FONT_LICENCES {
        write(&fonts.join(name), text.as_bytes())?;
    }
    // A static host cannot answer a missing range with an empty one as the server does, so
    // every range is written: the shipped ones, and valid empty ones for the rest.
    for start in (0..=0xFF00u32).step_by(256) {
        let range = format!("{}-{}", start, start + 255);
        let path = fonts.join(assets::FONT_STACK).join(format!("{range}.pbf"));
        match assets::GLYPH_RANGES.iter().find(|(s, _)| *s == start) {
            Some((_, bytes)) => write(&path, bytes)?,
            None => write(&path, &assets::empty_range(assets::FONT_STACK, &range))?,
        }
    }
    Ok(())
}

/// The data behind the map, beside it: `data/{layer}.csv` and `.geojson` for every layer
/// the site draws from its own files (not archives passed through, nor database layers), each row with its
/// provenance, as the server's `/data/{layer}` routes give them. Returns the list site.json
/// names for the page's download links.
fn write_downloads(dataset: &Dataset, plan: &Plan, dir: &Path) -> Result<Vec<Value>, ExportError> {
    let query = crate::features::FeatureQuery {
        filter: plan.filter.clone(),
        ..Default::default()
    };
    let mut list = Vec::new();
    for layer in plan
        .layers
        .iter()
        .filter(|l| matches!(l.kind, crate::dataset::LayerKind::Features))
    {
        let selection = crate::features::select(dataset, layer, &query);
        let csv = crate::features::csv::write(layer, &selection, &selection.features)
            .map_err(|e| ExportError(format!("data/{}.csv: {e}", layer.id)))?;
        let csv_path = format!("data/{}.csv", layer.id);
        write(&dir.join(&csv_path), &csv)?;
        let members = crate::features::geojson::download_members(dataset, layer, &query);
        let geojson = crate::features::geojson::FeatureWriter::new(layer)
            .collection(&selection, &selection.features, &members)
            .into_bytes();
        let geojson_path = format!("data/{}.geojson", layer.id);
        write(&dir.join(&geojson_path), &geojson)?;
        list.push(json!({"layer": layer.id, "title": layer.title, "csv": csv_path, "geojson": geojson_path}));
    }
    Ok(list)
}

/// Each story as `stories/{id}.html` in static mode (the same page the server writes); the
/// list for `site.json`. A story that does not check stops the export, as bad data does.
fn write_stories(dataset: &Dataset, dir: &Path) -> Result<Vec<Value>, ExportError> {
    let stories = crate::story::load(dataset).map_err(|e| {
        ExportError(format!(
            "a story did not check:\n{}",
            crate::story::error_text(&e)
        ))
    })?;
    let mut list = Vec::new();
    for story in &stories.0 {
        let page = crate::story::story_page(story, dataset, crate::story::PageMode::Static);
        let rel = format!("stories/{}.html", story.id);
        write(&dir.join(&rel), page.as_bytes())?;
        list.push(json!({"id": story.id, "title": story.title, "url": rel}));
    }
    Ok(list)
}

/// The viewer's page with its mode marker switched to static.
fn static_page() -> Result<String, ExportError> {
    if !assets::INDEX_HTML.contains(SERVER_MODE) {
        return Err(ExportError(format!(
            "static/index.html has no `{SERVER_MODE}`, so the site's viewer would look for a server"
        )));
    }
    Ok(assets::INDEX_HTML.replace(SERVER_MODE, STATIC_MODE))
}

/// A style for the site: URLs relative to the style file (the viewer resolves them, so the
/// site works under any sub-path), every vector source read from the archive, and each raster
/// layer's source from its own archive.
pub fn static_style(template: &Value, rasters: &[Arc<RasterLayer>]) -> Value {
    let mut style = assets::render_style(template, "..");
    if let Some(sources) = style.get_mut("sources").and_then(Value::as_object_mut) {
        for source in sources.values_mut() {
            match source.get("type").and_then(Value::as_str) {
                Some("vector") => source["url"] = json!(format!("pmtiles://../{ARCHIVE}")),
                Some("raster") => {
                    let url = source.get("url").and_then(Value::as_str).unwrap_or("");
                    if let Some(r) = rasters
                        .iter()
                        .find(|r| url == format!("../tiles/{}.json", r.id))
                    {
                        source["url"] = json!(format!("pmtiles://../{}", raster_archive(r)));
                    }
                }
                _ => {}
            }
        }
    }
    style
}

/// Where a raster layer's archive goes inside the site.
fn raster_archive(raster: &RasterLayer) -> String {
    format!("tiles/{}.pmtiles", raster.id)
}

/// Each raster layer (terrain) as its own PMTiles archive beside the vector one; the list for
/// `site.json`, with attribution and licence.
fn write_rasters(dataset: &Dataset, dir: &Path) -> Result<Vec<Value>, ExportError> {
    let mut list = Vec::new();
    for raster in &dataset.rasters {
        let rel = raster_archive(raster);
        let tiles = super::pmtiles::write_raster(raster, &dir.join(&rel))?;
        list.push(json!({
            "id": raster.id, "title": raster.title, "archive": rel, "tiles": tiles,
            "format": raster.format().extension(),
            "attribution": raster.attribution, "license": raster.license,
        }));
    }
    Ok(list)
}

/// What the browser needs to count as the server counts: for every exported area layer with
/// dated claims joined, each feature's rows as `[first_day, last_day, group, fatalities]`
/// (days since 1970-01-01, `null` when undated; `group` indexes `names`).
fn events_json(dataset: &Dataset, plan: &Plan) -> Value {
    let mut layers = Vec::new();
    for layer in &plan.layers {
        if layer.labels_of.is_some() {
            continue;
        }
        let labels = dataset
            .layers
            .iter()
            .find(|l| l.labels_of.as_deref() == Some(layer.id.as_str()))
            .filter(|l| plan.layers.iter().any(|p| p.id == l.id))
            .map(|l| l.id.clone());
        for join in layer
            .joins
            .iter()
            .filter(|j| j.claims.kind == TableKind::Events)
        {
            let mut names: Vec<String> = Vec::new();
            let matcher = plan.filter.for_table(&join.claims, true);
            let features: Vec<Value> = layer
                .features
                .iter()
                .enumerate()
                .map(|(f, feature)| {
                    let rows: Vec<Value> = join
                        .rows_of(f)
                        .filter(|&r| matcher.matches(r) || plan.filter.is_empty())
                        .map(|r| &join.claims.rows[r as usize])
                        .map(|row| {
                            let g = join.claims.str(row.group).map(|g| {
                                names.iter().position(|n| n == g).unwrap_or_else(|| {
                                    names.push(g.to_string());
                                    names.len() - 1
                                })
                            });
                            json!([
                                row.date.map(|d| d.first),
                                row.date.map(|d| d.last),
                                g,
                                row.fatalities
                            ])
                        })
                        .collect();
                    json!([feature.id, rows])
                })
                .collect();
            layers.push(json!({
                "layer": layer.id,
                "labels": labels,
                "prefix": join.prefix,
                "names": names,
                "features": features,
            }));
        }
    }
    json!({ "layers": layers })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_site_page_is_the_viewer_in_static_mode() {
        let page = static_page().expect("the viewer page has its mode marker");
        assert!(page.contains(STATIC_MODE));
        assert!(page.contains("static/viewer.js"));
    }

    #[test]
    fn site_styles_read_the_archive_and_relative_glyphs() {
        let template = json!({"glyphs": "{base}/fonts/{fontstack}/{range}.pbf",
            "sources": {"borderland": {"type": "vector", "url": "{base}/tiles/a,b.json"}}});
        let style = static_style(&template, &[]);
        assert_eq!(style["glyphs"], "../fonts/{fontstack}/{range}.pbf");
        assert_eq!(
            style["sources"]["borderland"]["url"],
            "pmtiles://../tiles/borderland.pmtiles"
        );
        assert!(!style.to_string().contains("{base}"));
    }
}
