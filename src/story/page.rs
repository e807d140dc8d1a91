//! A story as one HTML page: the text, caveats and sources written on the server, so it reads
//! with no JavaScript and to screen readers; the steps' map states as JSON for `story.js`,
//! which drives the sticky map. The server and the static site write the same page.

use serde_json::json;

use super::{Story, View};
use crate::assets::escape;
use crate::dataset::Dataset;

/// Who serves the page: the server (tiles filtered by the server) or a static host (the
/// site's archive, filters in the browser).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PageMode {
    Server,
    Static,
}

/// The viewer's hash for a step (`map=zoom/lat/lon&style=…&group=…&from=…&to=…`), so "explore
/// the map" opens the viewer where the story left it.
fn viewer_hash(story: &Story, step: &super::Step) -> String {
    let (lon, lat, zoom) = match step.view {
        View::Centre { centre, zoom } => (centre[0], centre[1], zoom),
        View::Bounds {
            bounds: [w, s, e, n],
        } => {
            // the zoom at which the box fills about 900 × 600 CSS pixels
            let y = |lat: f64| {
                let r = lat.to_radians();
                (r.tan() + 1.0 / r.cos()).ln() / std::f64::consts::PI / 2.0
            };
            let dx = ((e - w) / 360.0).max(1e-9);
            let dy = (y(n) - y(s)).abs().max(1e-9);
            let z = (900.0 / 512.0 / dx).log2().min((600.0 / 512.0 / dy).log2());
            ((w + e) / 2.0, (s + n) / 2.0, z.clamp(0.0, 14.0))
        }
    };
    let mut hash = format!(
        "map={zoom:.2}/{lat:.4}/{lon:.4}&style={}",
        urlencode(&story.style)
    );
    if let Some(g) = &step.group {
        hash.push_str(&format!("&group={}", urlencode(g)));
    }
    if let Some([from, to]) = &step.window {
        hash.push_str(&format!("&from={from}&to={to}"));
    }
    hash
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// JSON for a `<script type="application/json">`: no `<`, so no `</script>` can end it.
fn script_json(value: &serde_json::Value) -> String {
    value.to_string().replace('<', "\\u003c")
}

/// The story's page. `catalog_href` is where its data description is (`catalog` on a
/// server, `site.json` on a static site); links are relative to the site's root (the page
/// sets `<base href="../">`), so the page works under any prefix and from any static host.
pub fn story_page(story: &Story, dataset: &Dataset, mode: PageMode) -> String {
    let title = escape(&story.title);
    let mode_name = match mode {
        PageMode::Server => "server",
        PageMode::Static => "static",
    };
    let catalog_href = match mode {
        PageMode::Server => "catalog",
        PageMode::Static => "site.json",
    };
    let mut out = String::with_capacity(16 * 1024);
    out.push_str(&format!(
        r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<base href="../">
<title>{title}</title>
<meta name="borderland-mode" content="{mode_name}">
<link rel="icon" href="data:,">
<link rel="stylesheet" href="static/vendor/maplibre-gl/maplibre-gl.css">
<link rel="stylesheet" href="static/story.css">
</head>
<body class="story">
<a class="skip" href="stories/{id_html}{suffix}#sources">Skip to the sources</a>
<header class="story-head">
<p class="kicker"><a href="./">{map_title}</a></p>
<h1>{title}</h1>
"#,
        id_html = escape(&story.id),
        suffix = if mode == PageMode::Static {
            ".html"
        } else {
            ""
        },
        map_title = escape(&dataset.words.title),
    ));
    if let Some(summary) = &story.summary {
        out.push_str(&format!("<p class=\"summary\">{}</p>\n", escape(summary)));
    }
    for note in &dataset.words.notes {
        let class = if note.caution { "note caution" } else { "note" };
        let lead = note
            .title
            .as_deref()
            .map(|t| format!("<strong>{}</strong> ", escape(t)))
            .unwrap_or_default();
        out.push_str(&format!(
            "<p class=\"{class}\">{lead}{}</p>\n",
            escape(&note.text)
        ));
    }
    out.push_str(&story.intro_html);
    out.push_str("<noscript><p class=\"note\">The map needs JavaScript; the text and its sources below are complete without it.</p></noscript>\n</header>\n");
    out.push_str("<div class=\"story-body\">\n<div class=\"story-map\">\n<div id=\"map\" role=\"region\" aria-label=\"Map: it follows the text as you scroll\"></div>\n");
    if let Some(l) = &story.locator {
        out.push_str(&format!(
            "<svg class=\"locator\" id=\"locator\" viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" aria-hidden=\"true\" focusable=\"false\"><path d=\"{}\"/><rect id=\"locator-box\" x=\"0\" y=\"0\" width=\"0\" height=\"0\"/></svg>\n",
            l.path,
            w = l.width,
            h = l.height,
        ));
    }
    out.push_str("</div>\n<main class=\"story-steps\" id=\"steps\">\n");
    for (i, step) in story.steps.iter().enumerate() {
        out.push_str(&format!(
            "<section class=\"step\" id=\"step-{n}\" data-step=\"{i}\" aria-labelledby=\"step-{n}-h\">\n<h2 id=\"step-{n}-h\">{}</h2>\n{}",
            escape(&step.heading),
            step.html,
            n = i + 1,
        ));
        if step.explore {
            out.push_str(&format!(
                "<p class=\"explore\"><a class=\"explore-link\" href=\"./#{}\">Explore the map yourself</a>: every layer, filter and source, starting from this view.</p>\n",
                escape(&viewer_hash(story, step))
            ));
        }
        out.push_str("</section>\n");
    }
    out.push_str(
        "</main>\n</div>\n<footer class=\"story-sources\" id=\"sources\">\n<h2>Sources</h2>\n",
    );
    if story.sources.is_empty() {
        out.push_str("<p>The layers this story shows carry no claims.</p>\n");
    } else {
        out.push_str("<p>Every claim on the map names its source: select an area or a point to see the claim, its citation and its report date. The claims shown come from:</p>\n<ul class=\"source-list\">\n");
        for s in &story.sources {
            let name = match &s.url {
                Some(u) => format!(
                    "<a href=\"{}\" rel=\"noopener\">“{}”</a>",
                    escape(u),
                    escape(&s.source)
                ),
                None => format!("“{}”", escape(&s.source)),
            };
            out.push_str(&format!("<li><cite>{name}</cite>"));
            if !s.citations.is_empty() {
                let cites: Vec<String> = s.citations.iter().map(|c| escape(c)).collect();
                out.push_str(&format!(": {}", cites.join("; ")));
            }
            out.push_str(&format!(". Tables: {}.", escape(&s.tables.join("; "))));
            out.push_str("</li>\n");
        }
        out.push_str("</ul>\n");
    }
    if let Some(about) = &dataset.words.about_sources {
        out.push_str(&format!("<p>{}</p>\n", escape(about)));
    }
    let mut attributions: Vec<String> = dataset.attribution.iter().cloned().collect();
    for layer in &dataset.layers {
        if story.steps.iter().any(|s| s.layers.contains(&layer.id)) {
            for a in layer.attributions() {
                if !attributions.contains(&a) {
                    attributions.push(a);
                }
            }
        }
    }
    if !attributions.is_empty() {
        out.push_str("<h3>Map data</h3>\n<ul class=\"attribution-list\">\n");
        for a in &attributions {
            out.push_str(&format!("<li>{}</li>\n", escape(a)));
        }
        out.push_str("</ul>\n");
    }
    out.push_str(&format!(
        "<p class=\"small\"><a href=\"./\">The full map</a> · <a href=\"{catalog_href}\">data and sources ({catalog_href})</a> · <a href=\"static/LICENSES.md\">software and font licences</a></p>\n</footer>\n"
    ));
    let kinds: serde_json::Map<String, serde_json::Value> = dataset
        .layers
        .iter()
        .map(|l| (l.id.clone(), json!(l.geometry_type())))
        .collect();
    let data = json!({
        "id": story.id,
        "title": story.title,
        "style": story.style,
        "steps": story.steps,
        "locator": story.locator,
        "layer_kinds": kinds,
    });
    out.push_str(&format!(
        "<script type=\"application/json\" id=\"story-data\">{}</script>\n<script type=\"module\" src=\"static/story.js\"></script>\n</body>\n</html>\n",
        script_json(&data)
    ));
    out
}
