//! What is drawn around the map: the attribution and source line (always), the filter the
//! picture shows, and on request a title and a legend read from the style's
//! `borderland:legend` metadata, as the viewer's legend is.

use std::fmt::Write;

use serde_json::Value as Json;

use super::color::Color;
use super::fonts::{FAMILIES, Metrics};
use super::style::{Style, StyleLayer};
use super::svg::{attr_number, coord, escape};

/// Words drawn into the picture.
#[derive(Debug, Clone, Default)]
pub struct Captions {
    /// The data's attribution (always drawn).
    pub attribution: String,
    /// The style's note on boundaries and claims (always drawn when the style has one).
    pub note: Option<String>,
    /// The filters the picture shows, in words (drawn when any).
    pub filter: Option<String>,
    /// An extra credit line the caller adds (`?attribution=`).
    pub credit: Option<String>,
    pub title: Option<String>,
    pub legend: bool,
}

/// What the caller may add to a picture (`?title=&legend=&attribution=&lang=`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Extras {
    pub title: Option<String>,
    pub legend: bool,
    pub credit: Option<String>,
    /// The labels' language (`?lang=`), one of `assets::LABEL_LANGUAGES`; English when absent.
    pub lang: Option<&'static str>,
}

impl Extras {
    /// The language the style's labels are drawn in.
    pub fn label_language(&self) -> &'static str {
        self.lang.unwrap_or("en")
    }
}

const MARGIN: f64 = 8.0;

fn text_line(out: &mut String, x: f64, y: f64, size: f64, fill: &str, text: &str) {
    let _ = write!(
        out,
        "<text font-family=\"{FAMILIES}\" font-size=\"{}\" fill=\"{fill}\" x=\"",
        attr_number(size)
    );
    coord(out, x);
    out.push_str("\" y=\"");
    coord(out, y);
    out.push_str("\">");
    out.push_str(&escape(text));
    out.push_str("</text>\n");
}

/// Greedy word wrap to `width` pixels.
fn wrap(text: &str, width: f64, size: f64, metrics: &Metrics) -> Vec<String> {
    let mut lines = Vec::new();
    let mut current = String::new();
    for word in text.split_whitespace() {
        let candidate = if current.is_empty() {
            word.to_string()
        } else {
            format!("{current} {word}")
        };
        if !current.is_empty() && metrics.width(&candidate, size) > width {
            lines.push(std::mem::replace(&mut current, word.to_string()));
        } else {
            current = candidate;
        }
    }
    if !current.is_empty() {
        lines.push(current);
    }
    lines
}

/// The attribution strip along the bottom edge; returns its height.
pub fn attribution(
    out: &mut String,
    captions: &Captions,
    width: f64,
    height: f64,
    metrics: &Metrics,
) -> f64 {
    const SIZE: f64 = 10.0;
    let mut text = format!("Data: {}", captions.attribution);
    if let Some(c) = captions.credit.as_deref().filter(|c| !c.trim().is_empty()) {
        text = format!("{} · {text}", c.trim());
    }
    if let Some(f) = &captions.filter {
        text.push_str(&format!(" · Shown: {f}"));
    }
    if let Some(n) = &captions.note {
        text.push_str(&format!(" · {n}"));
    }
    text.push_str(" · Drawn by borderland");
    let lines = wrap(&text, width - 2.0 * MARGIN, SIZE, metrics);
    let line_height = SIZE * 1.25;
    let strip = lines.len() as f64 * line_height + 6.0;
    out.push_str("<g id=\"borderland-attribution\">\n");
    let _ = writeln!(
        out,
        "<rect x=\"0\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"#ffffff\" fill-opacity=\"0.85\"/>",
        attr_number(height - strip),
        attr_number(width),
        attr_number(strip)
    );
    for (i, line) in lines.iter().enumerate() {
        let y = height - strip + 3.0 + (i as f64 + 0.5) * line_height + 0.35 * SIZE;
        text_line(out, MARGIN, y, SIZE, "#333333", line);
    }
    out.push_str("</g>\n");
    strip
}

/// The title in a box at the top left.
pub fn title(out: &mut String, text: &str, width: f64, metrics: &Metrics) {
    const SIZE: f64 = 20.0;
    let lines = wrap(text, (width - 4.0 * MARGIN).max(40.0), SIZE, metrics);
    let w = lines
        .iter()
        .map(|l| metrics.width(l, SIZE))
        .fold(0.0, f64::max);
    let line_height = SIZE * 1.25;
    out.push_str("<g id=\"borderland-title\">\n");
    let _ = writeln!(
        out,
        "<rect x=\"{MARGIN}\" y=\"{MARGIN}\" width=\"{}\" height=\"{}\" fill=\"#ffffff\" fill-opacity=\"0.9\"/>",
        attr_number(w + 2.0 * MARGIN),
        attr_number(lines.len() as f64 * line_height + MARGIN)
    );
    for (i, line) in lines.iter().enumerate() {
        let y = MARGIN * 1.5 + (i as f64 + 0.5) * line_height + 0.35 * SIZE;
        text_line(out, 2.0 * MARGIN, y, SIZE, "#111111", line);
    }
    out.push_str("</g>\n");
}

enum Swatch {
    Fill(Color),
    Line(Color, bool),
    Circle(Color),
    None,
}

/// Legend entries of one layer, as the viewer's `legendFor` makes them.
fn entries(layer: &StyleLayer, zoom: f64) -> Vec<(Swatch, String)> {
    let ctx = StyleLayer::constant_context(zoom);
    let paint = |name: &str| layer.paint.and_then(|p| p.get(name));
    let constant = |v: Option<&Json>| v.and_then(Json::as_str).and_then(Color::parse);
    let mut items = Vec::new();
    match layer.kind {
        "fill" => {
            let c = paint("fill-color");
            if let Some(step) = c
                .and_then(Json::as_array)
                .filter(|a| a.first().and_then(Json::as_str) == Some("step"))
            {
                let stops: Vec<f64> = step
                    .iter()
                    .skip(3)
                    .step_by(2)
                    .filter_map(Json::as_f64)
                    .collect();
                let colours: Vec<Option<Color>> = step
                    .iter()
                    .skip(2)
                    .step_by(2)
                    .map(|v| v.as_str().and_then(Color::parse))
                    .collect();
                for (i, colour) in colours.iter().enumerate() {
                    let lo = if i == 0 {
                        None
                    } else {
                        stops.get(i - 1).copied()
                    };
                    let hi = stops.get(i).map(|s| s - 1.0);
                    let n = super::expression::number_text;
                    let text = match (lo, hi) {
                        (None, Some(0.0)) => "0".to_string(),
                        (None, _) => {
                            format!("fewer than {}", n(stops.first().copied().unwrap_or(0.0)))
                        }
                        (Some(l), None) => format!("{} or more", n(l)),
                        (Some(l), Some(h)) if l == h => n(l),
                        (Some(l), Some(h)) => format!("{}–{}", n(l), n(h)),
                    };
                    if let Some(c) = colour {
                        items.push((Swatch::Fill(*c), text));
                    }
                }
            } else {
                items.push((
                    Swatch::Fill(layer.color("fill-color", &ctx, Color::BLACK)),
                    String::new(),
                ));
            }
        }
        "line" => {
            const DARK_GREY: Color = Color::new(0.2, 0.2, 0.2, 1.0);
            let c = constant(paint("line-color")).unwrap_or(DARK_GREY);
            items.push((
                Swatch::Line(c, paint("line-dasharray").is_some()),
                String::new(),
            ));
        }
        "circle" => {
            if let Some(m) = paint("circle-color")
                .and_then(Json::as_array)
                .filter(|a| a.first().and_then(Json::as_str) == Some("match"))
            {
                let mut i = 2;
                while i + 1 < m.len() {
                    let label = match &m[i] {
                        Json::String(s) => s.clone(),
                        other => other.to_string(),
                    };
                    if let Some(c) = constant(m.get(i + 1)) {
                        items.push((Swatch::Circle(c), label));
                    }
                    i += 2;
                }
                if let Some(c) = constant(m.last()) {
                    items.push((Swatch::Circle(c), "other groups".into()));
                }
            } else {
                items.push((
                    Swatch::Circle(layer.color("circle-color", &ctx, Color::BLACK)),
                    String::new(),
                ));
            }
            if paint("circle-radius").is_some_and(|r| r.to_string().contains("fatalities")) {
                items.push((
                    Swatch::None,
                    "Larger circles: more fatalities reported".into(),
                ));
            }
        }
        "symbol" => items.push((Swatch::None, "Aa (label)".into())),
        _ => {}
    }
    items
}

/// The legend in a box at the top right, one block per layer with `borderland:legend`.
pub fn legend(out: &mut String, style: &Style, zoom: f64, width: f64, metrics: &Metrics) {
    const SIZE: f64 = 11.0;
    const SW: f64 = 14.0;
    let box_w = (width * 0.32).clamp(140.0, 260.0);
    let inner = box_w - 2.0 * MARGIN;
    let line_h = SIZE * 1.3;
    let x0 = width - box_w - MARGIN;
    let mut body = String::new();
    let mut y = MARGIN + MARGIN / 2.0;
    for layer in &style.layers {
        let Some(heading) = layer.metadata_text("borderland:legend") else {
            continue;
        };
        if !layer.shown_at(zoom) {
            continue;
        }
        for line in wrap(heading, inner, SIZE, metrics) {
            text_line(
                &mut body,
                x0 + MARGIN,
                y + line_h / 2.0 + 0.35 * SIZE,
                SIZE,
                "#111111",
                &line,
            );
            y += line_h;
        }
        for (swatch, text) in entries(layer, zoom) {
            let cy = y + line_h / 2.0;
            let sx = x0 + MARGIN;
            match swatch {
                Swatch::Fill(c) => {
                    let _ = writeln!(
                        body,
                        "<rect x=\"{}\" y=\"{}\" width=\"{SW}\" height=\"{}\" fill=\"{}\" stroke=\"#999999\" stroke-width=\"0.5\"/>",
                        attr_number(sx),
                        attr_number(cy - 5.0),
                        10,
                        c.hex()
                    );
                }
                Swatch::Line(c, dashed) => {
                    let _ = writeln!(
                        body,
                        "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"{}\" stroke-width=\"2\"{}/>",
                        attr_number(sx),
                        attr_number(cy),
                        attr_number(sx + SW),
                        attr_number(cy),
                        c.hex(),
                        if dashed {
                            " stroke-dasharray=\"4 2\""
                        } else {
                            ""
                        }
                    );
                }
                Swatch::Circle(c) => {
                    let _ = writeln!(
                        body,
                        "<circle cx=\"{}\" cy=\"{}\" r=\"5\" fill=\"{}\" stroke=\"#ffffff\"/>",
                        attr_number(sx + SW / 2.0),
                        attr_number(cy),
                        c.hex()
                    );
                }
                Swatch::None => {}
            }
            let tx = sx + SW + 6.0;
            for line in wrap(&text, inner - SW - 6.0, SIZE, metrics) {
                text_line(
                    &mut body,
                    tx,
                    y + line_h / 2.0 + 0.35 * SIZE,
                    SIZE,
                    "#333333",
                    &line,
                );
                y += line_h;
            }
            if text.is_empty() {
                y += line_h;
            }
        }
        y += 4.0;
    }
    out.push_str("<g id=\"borderland-legend\">\n");
    let _ = writeln!(
        out,
        "<rect x=\"{}\" y=\"{MARGIN}\" width=\"{}\" height=\"{}\" fill=\"#ffffff\" fill-opacity=\"0.9\"/>",
        attr_number(x0),
        attr_number(box_w),
        attr_number(y - MARGIN + MARGIN / 2.0)
    );
    out.push_str(&body);
    out.push_str("</g>\n");
}
