//! `borderland check`: load everything as the server would, and report what is wrong and how
//! each table joined, without serving. For a person editing a CSV before publishing.

use serde::Serialize;

use crate::dataset::{Dataset, Origin};
use crate::error::LoadError;
use crate::join::JoinReport;

#[derive(Debug, Serialize)]
pub struct LayerSummary {
    pub id: String,
    pub features: usize,
    pub skipped_empty: usize,
    pub geometry_type: String,
    pub warnings: Vec<String>,
}

/// The outcome of a check.
#[derive(Debug, Serialize)]
pub struct CheckReport {
    /// True when everything loaded, every row joined and no row's place name and point
    /// disagree.
    pub ok: bool,
    pub errors: Vec<LoadError>,
    /// What was inferred rather than declared: roles, date formats, joins.
    pub inferred: Vec<String>,
    /// Group spellings merged without a declaration, with how to declare them.
    pub suggestions: Vec<String>,
    pub layers: Vec<LayerSummary>,
    pub joins: Vec<JoinReport>,
    /// Stories that checked.
    pub stories: Vec<StorySummary>,
}

/// A story that checked against the data.
#[derive(Debug, Serialize)]
pub struct StorySummary {
    pub id: String,
    pub file: String,
    pub steps: usize,
}

/// Errors listed per file before the rest are only counted.
pub const MAX_ERRORS_PER_FILE: usize = 50;

/// Load `origin` and report.
pub fn run(origin: &Origin) -> CheckReport {
    match Dataset::load(origin) {
        Err(errors) => CheckReport {
            ok: false,
            errors: errors.0,
            inferred: Vec::new(),
            suggestions: Vec::new(),
            layers: Vec::new(),
            joins: Vec::new(),
            stories: Vec::new(),
        },
        Ok(dataset) => {
            let joins: Vec<JoinReport> = dataset.join_reports().into_iter().cloned().collect();
            // Stories are checked against the data: an unknown layer, feature or group in one
            // is an error like a bad cell in a table.
            let (stories, errors) = match crate::story::load(&dataset) {
                Ok(s) => (
                    s.0.iter()
                        .map(|s| StorySummary {
                            id: s.id.clone(),
                            file: s.file.clone(),
                            steps: s.steps.len(),
                        })
                        .collect(),
                    Vec::new(),
                ),
                Err(e) => (Vec::new(), e.0),
            };
            let ok = errors.is_empty()
                && joins.iter().all(|j| {
                    j.unmatched.is_empty()
                        && j.dangling_aliases.is_empty()
                        && j.place_conflicts.is_empty()
                })
                && dataset.layers.iter().all(|l| l.warnings.is_empty());
            let suggestions = dataset
                .tables
                .iter()
                .flat_map(|t| {
                    t.suggestions
                        .iter()
                        .map(|s| format!("{}: {s}", t.table.file))
                })
                .collect();
            let layers = dataset
                .layers
                .iter()
                .map(|l| LayerSummary {
                    id: l.id.clone(),
                    features: l.feature_count(),
                    skipped_empty: l.skipped_empty,
                    geometry_type: l.geometry_type().to_string(),
                    warnings: l
                        .warnings
                        .iter()
                        .map(|w| format!("{}: {w}", l.file))
                        .collect(),
                })
                .collect();
            CheckReport {
                ok,
                errors,
                inferred: dataset.inferred.clone(),
                suggestions,
                layers,
                joins,
                stories,
            }
        }
    }
}

impl CheckReport {
    /// The report for a terminal.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        for line in &self.inferred {
            out.push_str(&format!("inferred: {line}\n"));
        }
        let mut per_file: Vec<(&str, usize)> = Vec::new();
        for e in &self.errors {
            let n = match per_file.iter_mut().find(|(f, _)| *f == e.file) {
                Some((_, n)) => {
                    *n += 1;
                    *n
                }
                None => {
                    per_file.push((&e.file, 1));
                    1
                }
            };
            if n <= MAX_ERRORS_PER_FILE {
                out.push_str(&format!("{}\n", e.located()));
            }
        }
        for (file, n) in &per_file {
            if *n > MAX_ERRORS_PER_FILE {
                out.push_str(&format!(
                    "{file}: {} more error(s) not shown; fix the ones above and run check again\n",
                    n - MAX_ERRORS_PER_FILE
                ));
            }
        }
        if !self.errors.is_empty() {
            out.push_str(&format!(
                "{} error(s) in {} file(s)\n",
                self.errors.len(),
                per_file.len()
            ));
        }
        for s in &self.suggestions {
            out.push_str(&format!("suggestion: {s}\n"));
        }
        for l in &self.layers {
            out.push_str(&format!(
                "layer {}: {} {} feature(s)",
                l.id, l.features, l.geometry_type
            ));
            if l.skipped_empty > 0 {
                out.push_str(&format!(", {} without geometry skipped", l.skipped_empty));
            }
            out.push('\n');
            for w in &l.warnings {
                out.push_str(&format!("  warning: {w}\n"));
            }
        }
        for j in &self.joins {
            out.push_str(&format!(
                "join {} ({}) → layer {}: {} row(s), {} matched, {} unmatched\n",
                j.table,
                j.file,
                j.layer,
                j.rows,
                j.matched,
                j.unmatched.len()
            ));
            for u in &j.unmatched {
                out.push_str(&format!("  unmatched: {} {u}\n", j.file));
            }
            for a in &j.dangling_aliases {
                out.push_str(&format!("  alias matches nothing: {a}\n"));
            }
            for c in &j.place_conflicts {
                let what = if c.across_border.is_some() {
                    "ACROSS THE BORDER"
                } else {
                    "place disagrees"
                };
                out.push_str(&format!("  {what}: {} {c}\n", j.file));
            }
            if !j.features_without_rows.is_empty() {
                let n = j.features_without_rows.len();
                let shown: Vec<&str> = j
                    .features_without_rows
                    .iter()
                    .take(8)
                    .map(String::as_str)
                    .collect();
                out.push_str(&format!(
                    "  {n} feature(s) with no rows: {}{}\n",
                    shown.join(", "),
                    if n > 8 { ", ..." } else { "" }
                ));
            }
        }
        for s in &self.stories {
            out.push_str(&format!(
                "story {} ({}): {} step(s) check against the data\n",
                s.id, s.file, s.steps
            ));
        }
        out.push_str(if self.ok {
            "ok: everything loads and every row joins\n"
        } else {
            "not ok: see above\n"
        });
        out
    }
}
