//! `borderland export --site DIR`: a folder any static file host can serve with no borderland
//! process: a page, vendored MapLibre and the npm `pmtiles` protocol, and one PMTiles archive.
//! Server-side filters cannot run there; the page says so and filters incident dates itself.

use std::path::{Path, PathBuf};

use serde_json::json;

use super::{ExportError, ExportOptions, ExportSummary, Plan};
use crate::dataset::Dataset;

/// Where the archive goes inside the site.
pub const ARCHIVE: &str = "tiles/borderland.pmtiles";

/// The site's own page and vendored libraries, built into the binary so export works offline.
const SITE_FILES: &[(&str, &[u8])] = &[
    ("index.html", include_bytes!("../../assets/site/index.html")),
    (
        "vendor/README.md",
        include_bytes!("../../assets/site/vendor/README.md"),
    ),
    (
        "vendor/maplibre-gl/maplibre-gl.mjs",
        include_bytes!("../../assets/site/vendor/maplibre-gl/maplibre-gl.mjs"),
    ),
    (
        "vendor/maplibre-gl/maplibre-gl-worker.mjs",
        include_bytes!("../../assets/site/vendor/maplibre-gl/maplibre-gl-worker.mjs"),
    ),
    (
        "vendor/maplibre-gl/maplibre-gl.css",
        include_bytes!("../../assets/site/vendor/maplibre-gl/maplibre-gl.css"),
    ),
    (
        "vendor/maplibre-gl/LICENSE.txt",
        include_bytes!("../../assets/site/vendor/maplibre-gl/LICENSE.txt"),
    ),
    (
        "vendor/pmtiles/pmtiles.js",
        include_bytes!("../../assets/site/vendor/pmtiles/pmtiles.js"),
    ),
    (
        "vendor/pmtiles/LICENSE.txt",
        include_bytes!("../../assets/site/vendor/pmtiles/LICENSE.txt"),
    ),
];

/// Write the site to `dir`: the archive of the chosen layers and zooms, the page, and
/// whatever viewer files the source tree has.
pub fn export_site(
    dataset: &Dataset,
    dir: &Path,
    opts: &ExportOptions,
) -> Result<ExportSummary, ExportError> {
    let plan = Plan::new(dataset, opts)?;
    let tiles = dir.join("tiles");
    std::fs::create_dir_all(&tiles).map_err(|e| ExportError::io(&tiles, "create the folder", e))?;
    let sink = super::sink_for(&dir.join(ARCHIVE), &plan)?;
    let summary = super::run(dataset, &plan, sink, opts)?;
    for (rel, bytes) in SITE_FILES {
        write(&dir.join(rel), bytes)?;
    }
    copy_viewer_assets(&viewer_root(), dir)?;
    let m = &plan.metadata;
    let site = json!({
        "title": dataset.title,
        "attribution": m["attribution"],
        "archive": ARCHIVE,
        "bounds": m["bounds"],
        "center": m["center"],
        "minzoom": plan.minzoom,
        "maxzoom": plan.maxzoom,
        "layers": plan.layers.iter().map(|l| l.id.clone()).collect::<Vec<_>>(),
        "vector_layers": m["vector_layers"],
        "static": true,
        "filters": "none on the server: this is a static copy; incident dates are filtered in the browser with date_days and date_end_days",
    });
    let text =
        serde_json::to_string_pretty(&site).map_err(|e| ExportError(format!("site.json: {e}")))?;
    write(&dir.join("site.json"), text.as_bytes())?;
    Ok(summary)
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), ExportError> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| ExportError::io(parent, "create the folder", e))?;
    }
    std::fs::write(path, bytes).map_err(|e| ExportError::io(path, "write", e))
}

/// The source tree whose viewer files are copied: the working directory when it has them,
/// else the tree this binary was built from.
fn viewer_root() -> PathBuf {
    let here = PathBuf::from(".");
    if here.join("static").is_dir() {
        return here;
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The one place that knows the viewer's layout (`static/`, `styles/`, `fonts/`, written on
/// the viewer branch): each folder that exists is copied as it is into the site.
pub fn copy_viewer_assets(root: &Path, dir: &Path) -> Result<Vec<PathBuf>, ExportError> {
    let mut copied = Vec::new();
    for folder in ["static", "styles", "fonts"] {
        let from = root.join(folder);
        if from.is_dir() {
            copy_tree(&from, &dir.join(folder), &mut copied)?;
        }
    }
    Ok(copied)
}

fn copy_tree(from: &Path, to: &Path, copied: &mut Vec<PathBuf>) -> Result<(), ExportError> {
    std::fs::create_dir_all(to).map_err(|e| ExportError::io(to, "create the folder", e))?;
    let mut entries: Vec<_> = std::fs::read_dir(from)
        .map_err(|e| ExportError::io(from, "list", e))?
        .filter_map(Result::ok)
        .collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let (src, dst) = (entry.path(), to.join(entry.file_name()));
        if src.is_dir() {
            copy_tree(&src, &dst, copied)?;
        } else {
            std::fs::copy(&src, &dst).map_err(|e| ExportError::io(&src, "copy", e))?;
            copied.push(dst);
        }
    }
    Ok(())
}
