//! A story file's text split into its parts, each with the line and column it came from:
//! the front matter, the introduction, and one section a step (heading, the settings right
//! under it, Markdown text, an optional ```` ```geojson ```` overlay). Nothing is checked
//! against the data here; `resolve` does that.

use std::path::Path;

use crate::error::LoadError;

/// Where a piece of text starts in the file (1-based).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Spot {
    pub line: usize,
    pub column: usize,
}

/// A `key: value` line, with where the key and the value start.
#[derive(Clone, Debug)]
pub struct Setting {
    pub key: String,
    pub value: String,
    pub at: Spot,
    pub value_at: Spot,
}

/// One `## ` section.
#[derive(Clone, Debug)]
pub struct RawStep {
    pub heading: String,
    pub at: Spot,
    pub settings: Vec<Setting>,
    /// The Markdown text (overlay block taken out).
    pub text: String,
    /// A ```` ```geojson ```` block: its text and the line its first text line is on.
    pub overlay: Option<(String, usize)>,
}

#[derive(Clone, Debug)]
pub struct RawStory {
    pub front: Vec<Setting>,
    /// Markdown before the first step: the story's introduction.
    pub intro: String,
    pub steps: Vec<RawStep>,
}

/// The step settings a story knows, for "unknown key" messages.
pub const STEP_KEYS: &[&str] = &[
    "centre",
    "zoom",
    "bbox",
    "fit",
    "layers",
    "group",
    "time",
    "highlight",
    "callout",
    "label",
    "explore",
];

/// The front matter keys.
pub const FRONT_KEYS: &[&str] = &["title", "summary", "style", "locator"];

fn error(file: &Path, at: Spot, message: impl Into<String>) -> LoadError {
    let mut e = LoadError::new(file, message).at_line(at.line);
    e.column = Some(at.column);
    e
}

/// `key: value` at `line` (1-based), or why not.
fn setting(text: &str, line: usize) -> Option<Setting> {
    let indent = text.len() - text.trim_start().len();
    let body = text.trim_start();
    let colon = body.find(':')?;
    let key = &body[..colon];
    if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphabetic() || c == '_') {
        return None;
    }
    let rest = &body[colon + 1..];
    let value = rest.trim();
    let value_offset = indent + colon + 1 + (rest.len() - rest.trim_start().len());
    Some(Setting {
        key: key.to_ascii_lowercase(),
        value: value.to_string(),
        at: Spot {
            line,
            column: indent + 1,
        },
        value_at: Spot {
            line,
            column: text[..value_offset].chars().count() + 1,
        },
    })
}

/// Split a story file. Errors name the file, line and column.
pub fn parse(file: &Path, text: &str) -> Result<RawStory, Vec<LoadError>> {
    let mut errors = Vec::new();
    let lines: Vec<&str> = text.lines().collect();
    let mut i = 0;
    let mut front = Vec::new();
    if lines.first().map(|l| l.trim()) == Some("---") {
        i = 1;
        let mut closed = false;
        while i < lines.len() {
            let line = lines[i];
            i += 1;
            if line.trim() == "---" {
                closed = true;
                break;
            }
            if line.trim().is_empty() || line.trim_start().starts_with('#') {
                continue;
            }
            match setting(line, i) {
                Some(s) if FRONT_KEYS.contains(&s.key.as_str()) => front.push(s),
                Some(s) => errors.push(error(
                    file,
                    s.at,
                    format!(
                        "unknown front matter key '{}'; use one of: {}",
                        s.key,
                        FRONT_KEYS.join(", ")
                    ),
                )),
                None => errors.push(error(
                    file,
                    Spot { line: i, column: 1 },
                    "front matter lines are `key: value` (for example `title: The border in five steps`)",
                )),
            }
        }
        if !closed {
            errors.push(error(
                file,
                Spot { line: 1, column: 1 },
                "the front matter opened with `---` is never closed; end it with a line `---`",
            ));
        }
    }

    let mut intro = String::new();
    let mut steps: Vec<RawStep> = Vec::new();
    let mut fence: Option<(String, usize, bool)> = None; // (marker, first line, is geojson)
    let mut overlay_text = String::new();
    let mut in_settings = false;
    while i < lines.len() {
        let line = lines[i];
        let number = i + 1;
        i += 1;
        if let Some((marker, start, geojson)) = &fence {
            if line.trim_start().starts_with(marker.as_str()) && line.trim() == marker.as_str() {
                if *geojson {
                    let step = steps.last_mut();
                    match step {
                        Some(step) if step.overlay.is_none() => {
                            step.overlay = Some((std::mem::take(&mut overlay_text), start + 1));
                        }
                        Some(_) => errors.push(error(
                            file,
                            Spot {
                                line: *start,
                                column: 1,
                            },
                            "a step has one ```geojson overlay; put every shape in one FeatureCollection",
                        )),
                        None => errors.push(error(
                            file,
                            Spot {
                                line: *start,
                                column: 1,
                            },
                            "a ```geojson overlay belongs to a step; move it below a `## ` heading",
                        )),
                    }
                    overlay_text.clear();
                } else {
                    push_text(&mut steps, &mut intro, line);
                }
                fence = None;
                continue;
            }
            if *geojson {
                overlay_text.push_str(line);
                overlay_text.push('\n');
            } else {
                push_text(&mut steps, &mut intro, line);
            }
            continue;
        }
        let trimmed = line.trim_start();
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            let marker: String = trimmed
                .chars()
                .take_while(|c| *c == '`' || *c == '~')
                .collect();
            let info = trimmed[marker.len()..].trim().to_ascii_lowercase();
            let geojson = info == "geojson";
            fence = Some((marker, number, geojson));
            in_settings = false;
            if !geojson {
                push_text(&mut steps, &mut intro, line);
            }
            continue;
        }
        if let Some(heading) = line.strip_prefix("## ") {
            steps.push(RawStep {
                heading: heading.trim().to_string(),
                at: Spot {
                    line: number,
                    column: 4,
                },
                settings: Vec::new(),
                text: String::new(),
                overlay: None,
            });
            in_settings = true;
            continue;
        }
        if in_settings {
            if line.trim().is_empty() {
                in_settings = false;
                continue;
            }
            match setting(line, number) {
                Some(s) if STEP_KEYS.contains(&s.key.as_str()) => {
                    if let Some(step) = steps.last_mut() {
                        step.settings.push(s);
                    }
                }
                Some(s) => errors.push(error(
                    file,
                    s.at,
                    format!(
                        "unknown step setting '{}'; use one of: {} (or leave a blank line under the heading before the text)",
                        s.key,
                        STEP_KEYS.join(", ")
                    ),
                )),
                None => errors.push(error(
                    file,
                    Spot {
                        line: number,
                        column: 1,
                    },
                    "the lines right under a step's heading are its settings (`key: value`); leave a blank line before the text",
                )),
            }
            continue;
        }
        push_text(&mut steps, &mut intro, line);
    }
    if let Some((_, start, _)) = fence {
        errors.push(error(
            file,
            Spot {
                line: start,
                column: 1,
            },
            "this code block is never closed; end it with the same ``` line",
        ));
    }
    if steps.is_empty() && errors.is_empty() {
        errors.push(error(
            file,
            Spot { line: 1, column: 1 },
            "the story has no steps; start each step with a `## ` heading",
        ));
    }
    if errors.is_empty() {
        Ok(RawStory {
            front,
            intro,
            steps,
        })
    } else {
        Err(errors)
    }
}

fn push_text(steps: &mut [RawStep], intro: &mut String, line: &str) {
    let target = match steps.last_mut() {
        Some(step) => &mut step.text,
        None => intro,
    };
    target.push_str(line);
    target.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_text_and_overlay_keep_their_lines() {
        let text = "---\ntitle: T\n---\nIntro.\n\n## One\nzoom: 5\ncentre: 69, 34\n\nText *here*.\n\n```geojson\n{\"type\": \"FeatureCollection\", \"features\": []}\n```\n## Two\n\nMore.\n";
        let story = parse(Path::new("s.md"), text).expect("parses");
        assert_eq!(story.front[0].value, "T");
        assert_eq!(story.intro.trim(), "Intro.");
        assert_eq!(story.steps.len(), 2);
        let one = &story.steps[0];
        assert_eq!(one.settings[1].key, "centre");
        assert_eq!(one.settings[1].value_at, Spot { line: 8, column: 9 });
        assert!(one.text.contains("Text *here*."));
        assert_eq!(one.overlay.as_ref().map(|o| o.1), Some(13));
        assert!(!one.text.contains("FeatureCollection"));
    }

    #[test]
    fn an_unknown_setting_is_named_with_its_place() {
        let errors = parse(Path::new("s.md"), "## One\nzom: 5\n").expect_err("fails");
        assert_eq!(errors[0].line, Some(2));
        assert_eq!(errors[0].column, Some(1));
        assert!(errors[0].message.contains("'zom'"));
    }
}
