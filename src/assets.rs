//! The files the binary carries: the viewer page and its scripts and the glyph ranges, and
//! the page with the data's words written in. Both the server and the static-site export read
//! this one table, so the site is always the same viewer the server sends.

use crate::dataset::{Style, Words};

/// A file served as is.
pub struct Asset {
    pub path: &'static str,
    pub content_type: &'static str,
    pub bytes: &'static [u8],
}

macro_rules! asset {
    ($path:literal, $type:literal) => {
        Asset {
            path: $path,
            content_type: $type,
            bytes: include_bytes!(concat!("../static/", $path)),
        }
    };
}

pub const STATIC_FILES: &[Asset] = &[
    // The viewer: `viewer.js` is the entry point; the others are its ES modules, one a concern.
    asset!("viewer.js", "text/javascript; charset=utf-8"),
    asset!("state.js", "text/javascript; charset=utf-8"),
    asset!("months.js", "text/javascript; charset=utf-8"),
    asset!("dom.js", "text/javascript; charset=utf-8"),
    asset!("catalog.js", "text/javascript; charset=utf-8"),
    asset!("filters.js", "text/javascript; charset=utf-8"),
    asset!("groups.js", "text/javascript; charset=utf-8"),
    asset!("layers.js", "text/javascript; charset=utf-8"),
    asset!("legend.js", "text/javascript; charset=utf-8"),
    asset!("popups.js", "text/javascript; charset=utf-8"),
    asset!("embed.js", "text/javascript; charset=utf-8"),
    asset!("style.js", "text/javascript; charset=utf-8"),
    asset!("static-mode.js", "text/javascript; charset=utf-8"),
    asset!("words.js", "text/javascript; charset=utf-8"),
    asset!("viewer.css", "text/css; charset=utf-8"),
    asset!(
        "vendor/maplibre-gl/maplibre-gl.mjs",
        "text/javascript; charset=utf-8"
    ),
    asset!(
        "vendor/maplibre-gl/maplibre-gl-worker.mjs",
        "text/javascript; charset=utf-8"
    ),
    asset!(
        "vendor/maplibre-gl/maplibre-gl.css",
        "text/css; charset=utf-8"
    ),
    asset!(
        "vendor/maplibre-gl/LICENSE.txt",
        "text/plain; charset=utf-8"
    ),
    // The npm `pmtiles` protocol: only the static site (`export --site`) loads it.
    asset!(
        "vendor/pmtiles/pmtiles.js",
        "text/javascript; charset=utf-8"
    ),
    asset!("vendor/pmtiles/LICENSE.txt", "text/plain; charset=utf-8"),
    asset!("LICENSES.md", "text/markdown; charset=utf-8"),
];

pub const INDEX_HTML: &str = include_str!("../static/index.html");

/// The font stack that styles name in `text-font`, and its pre-generated glyph ranges
/// (made by `examples/glyphs.rs` from `fonts/OpenSans-Regular.ttf`).
pub const FONT_STACK: &str = "Open Sans Regular";
pub const GLYPH_RANGES: &[(u32, &[u8])] = &[
    (0, include_bytes!("../fonts/open-sans-regular/0-255.pbf")),
    (
        256,
        include_bytes!("../fonts/open-sans-regular/256-511.pbf"),
    ),
    (
        8192,
        include_bytes!("../fonts/open-sans-regular/8192-8447.pbf"),
    ),
];

/// The files under `/static/`, as (path below `static/`, bytes): the static site writes the
/// same table.
pub fn static_files() -> impl Iterator<Item = (&'static str, &'static [u8])> {
    STATIC_FILES.iter().map(|a| (a.path, a.bytes))
}

/// Text for HTML: `&`, `<`, `>` and `"` escaped.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The viewer's page with the data's words and styles written in, so they show before any
/// script runs (the script draws the same from the catalog; the static site relies on that).
pub fn viewer_page(words: &Words, styles: &[Style]) -> String {
    let title = escape(&words.title);
    let notes: String = words
        .notes
        .iter()
        .map(|n| {
            let class = if n.caution { "note caution" } else { "note" };
            let lead = n
                .title
                .as_deref()
                .map(|t| format!("<strong>{}</strong> ", escape(t)))
                .unwrap_or_default();
            format!("<p class=\"{class}\">{lead}{}</p>", escape(&n.text))
        })
        .collect();
    let options: String = styles
        .iter()
        .map(|s| {
            format!(
                "<option value=\"{}\">{}</option>",
                escape(&s.name),
                escape(&s.title)
            )
        })
        .collect();
    let shown = |id: &str, text: &Option<String>, class: &str| match text {
        Some(t) => format!("<p id=\"{id}\" class=\"{class}\">{}</p>", escape(t)),
        None => format!("<p id=\"{id}\" class=\"{class}\" hidden></p>"),
    };
    let mut page = INDEX_HTML
        .replace(
            "<title>borderland</title>",
            &format!("<title>{title}</title>"),
        )
        .replace(
            "<h1 id=\"title\">borderland</h1>",
            &format!("<h1 id=\"title\">{title}</h1>"),
        )
        .replace(
            "<p id=\"subtitle\" class=\"subtitle\" hidden></p>",
            &shown("subtitle", &words.subtitle, "subtitle"),
        )
        .replace(
            "<div id=\"notes\"></div>",
            &format!("<div id=\"notes\">{notes}</div>"),
        )
        .replace(
            "<select id=\"style-picker\"></select>",
            &format!("<select id=\"style-picker\">{options}</select>"),
        )
        .replace(
            "<p class=\"small\" id=\"credits\" hidden></p>",
            &shown("credits", &words.credits, "small"),
        );
    if let Some(about) = &words.about_sources {
        page = page
            .replace(
                "<section aria-labelledby=\"h-about\" id=\"about\" hidden>",
                "<section aria-labelledby=\"h-about\" id=\"about\">",
            )
            .replace(
                "<p id=\"about-text\"></p>",
                &format!("<p id=\"about-text\">{}</p>", escape(about)),
            );
    }
    page
}

/// A style with `{base}` replaced in every string.
pub fn render_style(style: &serde_json::Value, base: &str) -> serde_json::Value {
    fn walk(v: &mut serde_json::Value, base: &str) {
        match v {
            serde_json::Value::String(s) if s.contains("{base}") => {
                *s = s.replace("{base}", base);
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(|i| walk(i, base)),
            serde_json::Value::Object(map) => map.values_mut().for_each(|i| walk(i, base)),
            _ => {}
        }
    }
    let mut style = style.clone();
    walk(&mut style, base);
    style
}
/// An empty glyph range: a valid PBF naming the stack and range, with no glyphs.
pub fn empty_range(stack: &str, range: &str) -> Vec<u8> {
    fn field(out: &mut Vec<u8>, tag: u8, bytes: &[u8]) {
        out.push(tag);
        let mut n = bytes.len();
        while n >= 0x80 {
            out.push((n as u8) | 0x80);
            n >>= 7;
        }
        out.push(n as u8);
        out.extend_from_slice(bytes);
    }
    let mut fontstack = Vec::new();
    field(&mut fontstack, 0x0a, stack.as_bytes());
    field(&mut fontstack, 0x12, range.as_bytes());
    let mut out = Vec::new();
    field(&mut out, 0x0a, &fontstack);
    out
}
