//! The map's words, from the catalog: title, subtitle, notes and caveats, credits and the
//! text about the sources. The viewer shows these and nothing built in, so a newsroom's own
//! data never appears under another data set's caveats.

use serde::Serialize;

use crate::config::{Catalog, NoteConfig};

#[derive(Clone, Debug, Default, Serialize)]
pub struct Words {
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subtitle: Option<String>,
    pub description: String,
    pub notes: Vec<NoteConfig>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credits: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub about_sources: Option<String>,
}

impl Words {
    pub fn from_catalog(catalog: &Catalog) -> Words {
        Words {
            title: catalog.title.clone(),
            subtitle: catalog.subtitle.clone(),
            description: catalog.description.clone(),
            notes: catalog.notes.clone(),
            credits: catalog.credits.clone(),
            about_sources: catalog.about_sources.clone(),
        }
    }

    /// Files served with no catalog: a title from the layers' names, no notes.
    pub fn for_files(layer_ids: &[&str]) -> Words {
        Words {
            title: layer_ids.join(", "),
            ..Words::default()
        }
    }
}
