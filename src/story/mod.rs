//! Stories: scrollytelling explainers written as Markdown files beside the catalog, read and
//! checked against the data they show (layers, feature ids, groups), and rendered as pages.
//!
//! One step a file: `parse` (text to sections and settings, with lines and columns),
//! `resolve` (settings checked against a [`Dataset`] into full map states), `markdown` (text
//! to safe HTML), `page` (the HTML page, its step data and the locator).

mod markdown;
pub mod page;
mod parse;
mod resolve;

use std::path::Path;

use serde::Serialize;

use crate::dataset::Dataset;
use crate::error::{LoadError, LoadErrors};

pub use page::{PageMode, story_page};

/// A view: a centre and zoom, or bounds to fit (`[west, south, east, north]`).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum View {
    Centre { centre: [f64; 2], zoom: f64 },
    Bounds { bounds: [f64; 4] },
}

/// A feature to highlight through feature-state: its layer and stable id.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Highlight {
    pub layer: String,
    /// The id as the story names it (the layer's `id_property`).
    pub key: String,
    /// The stable u64 id the tiles carry.
    pub id: u64,
}

/// A callout (a box with a leader line to `at`) or a label at `at`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Annotation {
    pub at: [f64; 2],
    pub text: String,
}

/// One step, with the whole map state it shows (settings a step leaves out are the previous
/// step's), so scrolling back to it restores it exactly.
#[derive(Clone, Debug, Serialize)]
pub struct Step {
    pub heading: String,
    #[serde(skip)]
    pub html: String,
    pub view: View,
    /// Catalog layer ids shown (label layers of shown layers included).
    pub layers: Vec<String>,
    /// A group slug, as the viewer's `group=`.
    pub group: Option<String>,
    /// A time window as months `[from, to]` (`YYYY-MM`), as the viewer's `from=`/`to=`.
    pub window: Option<[String; 2]>,
    pub highlights: Vec<Highlight>,
    pub callouts: Vec<Annotation>,
    pub labels: Vec<Annotation>,
    /// A small GeoJSON FeatureCollection drawn over the map for this step.
    pub overlay: Option<serde_json::Value>,
    /// The last step hands over to the viewer: the map becomes interactive and the text links
    /// to the full viewer with this step's view and filters.
    pub explore: bool,
}

/// A layer outline for the locator inset: SVG path data in a `width` × `height` box that
/// covers `bounds` in Web Mercator.
#[derive(Clone, Debug, Serialize)]
pub struct Locator {
    pub layer: String,
    pub bounds: [f64; 4],
    pub width: f64,
    pub height: f64,
    #[serde(skip)]
    pub path: String,
}

/// A source the story's claims cite, with the citations of the rows it shows.
#[derive(Clone, Debug, Serialize)]
pub struct SourceEntry {
    pub source: String,
    pub url: Option<String>,
    pub citations: Vec<String>,
    /// The tables (titles) whose rows cite it, and their attribution.
    pub tables: Vec<String>,
    pub attribution: Vec<String>,
}

/// A story checked against its data, ready to render.
#[derive(Clone, Debug, Serialize)]
pub struct Story {
    pub id: String,
    /// The file as its messages name it.
    pub file: String,
    pub title: String,
    pub summary: Option<String>,
    /// The style the map draws with (a name the data serves).
    pub style: String,
    #[serde(skip)]
    pub intro_html: String,
    pub steps: Vec<Step>,
    pub locator: Option<Locator>,
    pub sources: Vec<SourceEntry>,
}

/// Every story of a dataset, in catalog order.
#[derive(Clone, Debug, Default)]
pub struct Stories(pub Vec<Story>);

impl Stories {
    pub fn get(&self, id: &str) -> Option<&Story> {
        self.0.iter().find(|s| s.id == id)
    }
}

/// Largest story file read (a story is prose; anything bigger is a mistake).
pub const MAX_STORY_BYTES: u64 = 1 << 20;

/// Read and check one story file against `dataset`.
pub fn load_story(dataset: &Dataset, id: &str, path: &Path) -> Result<Story, Vec<LoadError>> {
    let size = std::fs::metadata(path).map_err(|e| vec![LoadError::io(path, e)])?;
    if size.len() > MAX_STORY_BYTES {
        return Err(vec![LoadError::new(
            path,
            format!(
                "the story file is {} bytes; at most {MAX_STORY_BYTES} are read (is it the right file?)",
                size.len()
            ),
        )]);
    }
    let bytes = std::fs::read(path).map_err(|e| vec![LoadError::io(path, e)])?;
    let text = String::from_utf8(bytes).map_err(|e| {
        let offset = e.utf8_error().valid_up_to();
        let text = String::from_utf8_lossy(&e.into_bytes()[..offset]).into_owned();
        vec![
            LoadError::new(path, "the story file is not UTF-8 text; save it as UTF-8")
                .at_offset(&text, offset),
        ]
    })?;
    let raw = parse::parse(path, &text)?;
    resolve::resolve(dataset, id, path, raw)
}

/// Read and check every story the catalog names. All problems of all files are returned.
pub fn load(dataset: &Dataset) -> Result<Stories, LoadErrors> {
    let mut stories = Vec::new();
    let mut errors = Vec::new();
    for file in &dataset.story_files {
        match load_story(dataset, &file.id, &file.path) {
            Ok(story) => stories.push(story),
            Err(e) => errors.extend(e),
        }
    }
    if errors.is_empty() {
        Ok(Stories(stories))
    } else {
        Err(LoadErrors(errors))
    }
}

/// Story errors one a line in `file:line:col: what is wrong, what to do` form.
pub fn error_text(errors: &LoadErrors) -> String {
    errors
        .0
        .iter()
        .map(LoadError::located)
        .collect::<Vec<_>>()
        .join("\n")
}
