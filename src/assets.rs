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
    // For readers (issue 13): the phone sheet, the claims list, the map in words, downloads,
    // the picture and print, all reading the data behind the view from `view-data.js`.
    asset!("sheet.js", "text/javascript; charset=utf-8"),
    asset!("view-data.js", "text/javascript; charset=utf-8"),
    asset!("claims-list.js", "text/javascript; charset=utf-8"),
    asset!("description.js", "text/javascript; charset=utf-8"),
    asset!("downloads.js", "text/javascript; charset=utf-8"),
    asset!("picture.js", "text/javascript; charset=utf-8"),
    asset!("viewer.css", "text/css; charset=utf-8"),
    // Stories: the page is written by `story::page`; this module drives its sticky map.
    asset!("story.js", "text/javascript; charset=utf-8"),
    asset!("story.css", "text/css; charset=utf-8"),
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
    // npm `@mapbox/mapbox-gl-rtl-text`: MapLibre shapes Arabic script (joined letters,
    // right-to-left order) only with this plugin, which its worker loads from this URL.
    asset!(
        "vendor/mapbox-gl-rtl-text/mapbox-gl-rtl-text.js",
        "text/javascript; charset=utf-8"
    ),
    asset!(
        "vendor/mapbox-gl-rtl-text/LICENSE.md",
        "text/markdown; charset=utf-8"
    ),
    asset!("LICENSES.md", "text/markdown; charset=utf-8"),
];

pub const INDEX_HTML: &str = include_str!("../static/index.html");

/// The font stack that styles name in `text-font`, and its pre-generated glyph ranges, made
/// by `examples/glyphs.rs`: Latin from `fonts/OpenSans-Regular.ttf`, Arabic script (Dari,
/// Pashto, Urdu) from `fonts/NotoNaskhArabic-Regular.ttf`. One stack serves both, so a
/// label in any of the four languages renders with the styles' one `text-font`.
pub const FONT_STACK: &str = "Open Sans Regular";
/// The licences of the fonts the glyph ranges come from, as (file name, text).
pub const FONT_LICENCES: &[(&str, &str)] = &[
    (
        "LICENSE-OpenSans.txt",
        include_str!("../fonts/LICENSE-OpenSans.txt"),
    ),
    (
        "LICENSE-NotoNaskhArabic.txt",
        include_str!("../fonts/LICENSE-NotoNaskhArabic.txt"),
    ),
];
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
    // Arabic (U+0600-06FF), Arabic Supplement (U+0750-077F), and the presentation forms
    // (U+FB50-FDFF, U+FE70-FEFF) that the RTL plugin's shaping turns letters into.
    (
        1536,
        include_bytes!("../fonts/noto-naskh-arabic-regular/1536-1791.pbf"),
    ),
    (
        1792,
        include_bytes!("../fonts/noto-naskh-arabic-regular/1792-2047.pbf"),
    ),
    (
        64256,
        include_bytes!("../fonts/noto-naskh-arabic-regular/64256-64511.pbf"),
    ),
    (
        64512,
        include_bytes!("../fonts/noto-naskh-arabic-regular/64512-64767.pbf"),
    ),
    (
        64768,
        include_bytes!("../fonts/noto-naskh-arabic-regular/64768-65023.pbf"),
    ),
    (
        65024,
        include_bytes!("../fonts/noto-naskh-arabic-regular/65024-65279.pbf"),
    ),
];

/// The files under `/static/`, as (path below `static/`, bytes): the static site writes the
/// same table.
pub fn static_files() -> impl Iterator<Item = (&'static str, &'static [u8])> {
    STATIC_FILES.iter().map(|a| (a.path, a.bytes))
}

/// Text for HTML: `&`, `<`, `>` and `"` escaped.
pub fn escape(text: &str) -> String {
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

/// The languages map labels can be asked for with `?lang=`: English (the data's `name`) and
/// the three the default provinces carry as `name_fa`, `name_ps`, `name_ur`.
pub const LABEL_LANGUAGES: &[&str] = &["en", "fa", "ps", "ur"];

/// A label language by its code, in any case (`PS` is `ps`); `None` when labels cannot be
/// had in it.
pub fn label_language(code: &str) -> Option<&'static str> {
    LABEL_LANGUAGES
        .iter()
        .find(|l| l.eq_ignore_ascii_case(code))
        .copied()
}

/// A style exactly as `/styles/{name}.json` serves it: `{base}` made this server's URL and
/// the labels in `lang`. Static pictures draw from the same function (with an empty base),
/// so a picture never shows a different style from the browser's.
pub fn served_style(style: &Style, base: &str, lang: &str) -> serde_json::Value {
    let mut json = render_style(&style.json, base);
    localize_style(&mut json, lang);
    json
}

/// Labels in `lang`: every symbol layer's `text-field` becomes
/// `["coalesce", ["get", "name_<lang>"], <original>]`, so a feature without a name in that
/// language keeps its usual label. Works on any style; `en` (or an unknown layer shape)
/// leaves the style as it is. Legacy `"{token}"` strings are turned into expressions first,
/// as `coalesce` does not expand tokens.
pub fn localize_style(style: &mut serde_json::Value, lang: &str) {
    use serde_json::{Value, json};
    if lang == "en" {
        return;
    }
    let Some(layers) = style.get_mut("layers").and_then(Value::as_array_mut) else {
        return;
    };
    for layer in layers {
        if layer.get("type").and_then(Value::as_str) != Some("symbol") {
            continue;
        }
        let Some(field) = layer
            .get_mut("layout")
            .and_then(|l| l.get_mut("text-field"))
        else {
            continue;
        };
        let original = match field.take() {
            Value::String(s) => token_expression(&s),
            other => other,
        };
        *field = json!(["coalesce", ["get", format!("name_{lang}")], original]);
    }
}

/// A legacy text-field string ("{name} ({iso_a2})") as the expression it stands for.
fn token_expression(text: &str) -> serde_json::Value {
    use serde_json::{Value, json};
    let mut parts: Vec<Value> = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}').map(|c| open + c) else {
            break;
        };
        if open > 0 {
            parts.push(json!(&rest[..open]));
        }
        parts.push(json!(["to-string", ["get", &rest[open + 1..close]]]));
        rest = &rest[close + 1..];
    }
    if !rest.is_empty() {
        parts.push(json!(rest));
    }
    match parts.len() {
        0 => json!(""),
        1 => parts.remove(0),
        _ => {
            let mut concat = vec![json!("concat")];
            concat.extend(parts);
            Value::Array(concat)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_symbol_layer_falls_back_to_its_own_label() {
        let mut style = json!({"layers": [
            {"id": "fill", "type": "fill", "layout": {}},
            {"id": "a", "type": "symbol", "layout": {"text-field": ["get", "name"]}},
            {"id": "b", "type": "symbol", "layout": {"text-field": "{name} ({iso_a2})"}},
            {"id": "c", "type": "symbol", "layout": {"icon-image": "dot"}}
        ]});
        localize_style(&mut style, "ps");
        assert_eq!(
            style["layers"][1]["layout"]["text-field"],
            json!(["coalesce", ["get", "name_ps"], ["get", "name"]])
        );
        assert_eq!(
            style["layers"][2]["layout"]["text-field"],
            json!([
                "coalesce",
                ["get", "name_ps"],
                [
                    "concat",
                    ["to-string", ["get", "name"]],
                    " (",
                    ["to-string", ["get", "iso_a2"]],
                    ")"
                ]
            ])
        );
        assert_eq!(
            style["layers"][0],
            json!({"id": "fill", "type": "fill", "layout": {}})
        );
        assert_eq!(style["layers"][3]["layout"], json!({"icon-image": "dot"}));
        let before = style.clone();
        localize_style(&mut style, "en");
        assert_eq!(style, before);
    }
}
