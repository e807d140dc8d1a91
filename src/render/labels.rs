//! Symbol layers' text: each label measured, wrapped at `text-max-width`, anchored and
//! offset, then placed as MapLibre places them (layers higher in the style first, boxes with
//! `text-padding` may not overlap unless `text-allow-overlap`), and written as real `<text>`.

use std::fmt::Write;

use super::color::Color;
use super::expression::FeatureContext;
use super::fonts::{FAMILIES, Metrics};
use super::style::StyleLayer;
use super::svg::{attr_number, coord, escape};

/// Line height in ems (the spec's `text-line-height` default).
const LINE_HEIGHT: f64 = 1.2;

/// A stretch of a label in one style: `format` sections may scale or recolour their text.
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    pub text: String,
    pub scale: f64,
    pub color: Option<Color>,
}

impl Run {
    fn plain(text: &str) -> Run {
        Run {
            text: text.to_string(),
            scale: 1.0,
            color: None,
        }
    }
}

/// One line of a label, in runs; an empty line still takes its height (as in MapLibre).
pub type Line = Vec<Run>;

fn line_scale(line: &Line) -> f64 {
    line.iter()
        .filter(|r| !r.text.is_empty())
        .map(|r| r.scale)
        .fold(None, |m: Option<f64>, s| Some(m.map_or(s, |m| m.max(s))))
        .unwrap_or(1.0)
}

fn line_width(line: &Line, size: f64, metrics: &Metrics) -> f64 {
    line.iter()
        .map(|r| metrics.width(&r.text, size * r.scale))
        .sum()
}

/// The `text-field` as styled sections: a `format` expression's sections with their
/// `font-scale` and `text-color`, or one plain section.
fn sections(layer: &StyleLayer, ctx: &FeatureContext) -> Vec<Run> {
    use super::expression::evaluate;
    use serde_json::Value as Json;
    let field = layer.layout.and_then(|l| l.get("text-field"));
    let Some(Json::Array(items)) = field else {
        return vec![Run::plain(&layer.text("text-field", ctx, ""))];
    };
    if items.first().and_then(Json::as_str) != Some("format") {
        return vec![Run::plain(&layer.text("text-field", ctx, ""))];
    }
    let mut runs: Vec<Run> = Vec::new();
    for item in &items[1..] {
        match item {
            Json::Object(options) => {
                if let Some(last) = runs.last_mut() {
                    if let Some(scale) = options
                        .get("font-scale")
                        .and_then(|e| evaluate(e, ctx).ok())
                        .and_then(|v| v.as_f64())
                    {
                        last.scale = scale;
                    }
                    last.color = options
                        .get("text-color")
                        .and_then(|e| evaluate(e, ctx).ok())
                        .and_then(|v| v.as_color());
                }
            }
            other => {
                let text = evaluate(other, ctx)
                    .map(|v| v.to_text())
                    .unwrap_or_default();
                runs.push(Run::plain(&text));
            }
        }
    }
    runs
}

/// Runs split into lines at `\n`, each line's ends trimmed.
fn hard_lines(runs: Vec<Run>) -> Vec<Line> {
    let mut lines: Vec<Line> = vec![Vec::new()];
    for run in runs {
        for (i, piece) in run.text.split('\n').enumerate() {
            if i > 0 {
                lines.push(Vec::new());
            }
            if let Some(line) = lines.last_mut() {
                line.push(Run {
                    text: piece.to_string(),
                    ..run.clone()
                });
            }
        }
    }
    for line in &mut lines {
        if let Some(first) = line.first_mut() {
            first.text = first.text.trim_start().to_string();
        }
        if let Some(last) = line.last_mut() {
            last.text = last.text.trim_end().to_string();
        }
        line.retain(|r| !r.text.is_empty());
    }
    lines
}

/// One label that may be placed.
#[derive(Debug, Clone)]
pub struct Label {
    pub lines: Vec<Line>,
    pub size: f64,
    /// Screen position of the anchor point.
    pub at: [f64; 2],
    /// Top-left of the text block.
    pub origin: [f64; 2],
    pub block: [f64; 2],
    pub justify: Justify,
    pub color: Color,
    pub halo: Color,
    pub halo_width: f64,
    pub opacity: f64,
    pub padding: f64,
    pub allow_overlap: bool,
    pub ignore_placement: bool,
    pub sort_key: f64,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Justify {
    Left,
    Center,
    Right,
}

impl Label {
    /// The label of one point feature, or `None` when its text is empty.
    pub fn new(
        layer: &StyleLayer,
        ctx: &FeatureContext,
        at: [f64; 2],
        metrics: &Metrics,
    ) -> Option<Label> {
        let transform = layer.text("text-transform", ctx, "none");
        let mut runs = sections(layer, ctx);
        for run in &mut runs {
            match transform.as_str() {
                "uppercase" => run.text = run.text.to_uppercase(),
                "lowercase" => run.text = run.text.to_lowercase(),
                _ => {}
            }
        }
        let size = layer.number("text-size", ctx, 16.0);
        let max_width = layer.number("text-max-width", ctx, 10.0) * size;
        // Lines of one style wrap at `text-max-width`; mixed lines stay whole.
        let mut lines: Vec<Line> = Vec::new();
        for line in hard_lines(runs) {
            match line.as_slice() {
                [one] => lines.extend(
                    wrap(&one.text, max_width, size * one.scale, metrics)
                        .into_iter()
                        .map(|text| {
                            vec![Run {
                                text,
                                ..one.clone()
                            }]
                        }),
                ),
                _ => lines.push(line),
            }
        }
        while lines.last().is_some_and(|l| l.is_empty()) && lines.len() > 1 {
            // A trailing break with nothing after it still counts in MapLibre; keep one.
            if lines.iter().rev().take_while(|l| l.is_empty()).count() > 1 {
                lines.pop();
            } else {
                break;
            }
        }
        if lines.iter().all(|l| l.is_empty()) {
            return None;
        }
        let width = lines
            .iter()
            .map(|l| line_width(l, size, metrics))
            .fold(0.0, f64::max);
        let height: f64 = lines
            .iter()
            .map(|l| line_scale(l) * LINE_HEIGHT * size)
            .sum();
        let anchor = layer.text("text-anchor", ctx, "center");
        let offset = layer
            .numbers("text-offset", ctx)
            .filter(|o| o.len() == 2)
            .unwrap_or_else(|| vec![0.0, 0.0]);
        let (fx, fy) = anchor_fraction(&anchor);
        let origin = [
            at[0] + offset[0] * size - fx * width,
            at[1] + offset[1] * size - fy * height,
        ];
        let justify = match layer.text("text-justify", ctx, "center").as_str() {
            "left" => Justify::Left,
            "right" => Justify::Right,
            "auto" if fx == 0.0 => Justify::Left,
            "auto" if fx == 1.0 => Justify::Right,
            _ => Justify::Center,
        };
        Some(Label {
            lines,
            size,
            at,
            origin,
            block: [width, height],
            justify,
            color: layer.color("text-color", ctx, Color::BLACK),
            halo: layer.color("text-halo-color", ctx, Color::TRANSPARENT),
            halo_width: layer.number("text-halo-width", ctx, 0.0),
            opacity: layer.number("text-opacity", ctx, 1.0),
            padding: layer.number("text-padding", ctx, 2.0),
            allow_overlap: layer.boolean("text-allow-overlap", ctx, false),
            ignore_placement: layer.boolean("text-ignore-placement", ctx, false),
            sort_key: layer.number("symbol-sort-key", ctx, 0.0),
        })
    }

    /// The collision box: the text block grown by `text-padding`.
    pub fn bbox(&self) -> [f64; 4] {
        [
            self.origin[0] - self.padding,
            self.origin[1] - self.padding,
            self.origin[0] + self.block[0] + self.padding,
            self.origin[1] + self.block[1] + self.padding,
        ]
    }

    /// The label as one `<text>` (a `<tspan>` a line), halo as a stroke painted under the fill.
    pub fn write_svg(&self, out: &mut String) {
        let (anchor, x) = match self.justify {
            Justify::Left => ("start", self.origin[0]),
            Justify::Center => ("middle", self.origin[0] + self.block[0] / 2.0),
            Justify::Right => ("end", self.origin[0] + self.block[0]),
        };
        let _ = write!(
            out,
            "<text font-family=\"{FAMILIES}\" font-size=\"{}\" text-anchor=\"{anchor}\" fill=\"{}\"",
            attr_number(self.size),
            self.color.hex()
        );
        let a = f64::from(self.color.a) * self.opacity;
        if a < 0.999 {
            let _ = write!(out, " fill-opacity=\"{}\"", attr_number(a));
        }
        if self.halo_width > 0.0 && self.halo.a > 0.0 {
            let _ = write!(
                out,
                " stroke=\"{}\" stroke-width=\"{}\" stroke-linejoin=\"round\" paint-order=\"stroke\"",
                self.halo.hex(),
                attr_number(self.halo_width * 2.0)
            );
            let ha = f64::from(self.halo.a) * self.opacity;
            if ha < 0.999 {
                let _ = write!(out, " stroke-opacity=\"{}\"", attr_number(ha));
            }
        }
        out.push('>');
        let mut top = self.origin[1];
        for line in &self.lines {
            let scale = line_scale(line);
            let line_height = LINE_HEIGHT * self.size * scale;
            if !line.is_empty() {
                // Centre the line's x-height band on its line box.
                let baseline = top + line_height / 2.0 + 0.35 * self.size * scale;
                out.push_str("<tspan x=\"");
                coord(out, x);
                out.push_str("\" y=\"");
                coord(out, baseline);
                out.push_str("\">");
                for run in line {
                    if run.scale == 1.0 && run.color.is_none() {
                        out.push_str(&escape(&run.text));
                        continue;
                    }
                    out.push_str("<tspan");
                    if run.scale != 1.0 {
                        let _ =
                            write!(out, " font-size=\"{}\"", attr_number(self.size * run.scale));
                    }
                    if let Some(c) = run.color {
                        let _ = write!(out, " fill=\"{}\"", c.hex());
                    }
                    out.push('>');
                    out.push_str(&escape(&run.text));
                    out.push_str("</tspan>");
                }
                out.push_str("</tspan>");
            }
            top += line_height;
        }
        out.push_str("</text>\n");
    }
}

/// Where the anchor point sits on the block, as fractions of its width and height.
fn anchor_fraction(anchor: &str) -> (f64, f64) {
    match anchor {
        "left" => (0.0, 0.5),
        "right" => (1.0, 0.5),
        "top" => (0.5, 0.0),
        "bottom" => (0.5, 1.0),
        "top-left" => (0.0, 0.0),
        "top-right" => (1.0, 0.0),
        "bottom-left" => (0.0, 1.0),
        "bottom-right" => (1.0, 1.0),
        _ => (0.5, 0.5),
    }
}

/// Break at spaces into lines, as MapLibre's `determineLineBreaks` does: as many lines as
/// `text-max-width` needs, each as close as possible to an equal share of the width (the
/// least sum of squared differences; a short last line costs half, a long one double).
fn wrap(text: &str, max_width: f64, size: f64, metrics: &Metrics) -> Vec<String> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let total = metrics.width(&words.join(" "), size);
    if words.len() < 2 || total <= max_width || max_width <= 0.0 {
        return vec![words.join(" ")];
    }
    let count = (total / max_width).ceil();
    let target = total / count;
    let n = words.len();
    let width_of = |i: usize, j: usize| metrics.width(&words[i..j].join(" "), size);
    let badness = |w: f64, last: bool| {
        let r = (w - target).powi(2);
        match (last, w < target) {
            (true, true) => r / 2.0,
            (true, false) => r * 2.0,
            _ => r,
        }
    };
    // best[j]: least badness of words[..j] broken into lines; from[j]: where its last line starts.
    let mut best = vec![f64::INFINITY; n + 1];
    let mut from = vec![0usize; n + 1];
    best[0] = 0.0;
    for j in 1..=n {
        for i in 0..j {
            let cost = best[i] + badness(width_of(i, j), j == n);
            if cost < best[j] {
                best[j] = cost;
                from[j] = i;
            }
        }
    }
    let mut lines = Vec::new();
    let mut j = n;
    while j > 0 {
        let i = from[j];
        lines.push(words[i..j].join(" "));
        j = i;
    }
    lines.reverse();
    lines
}

fn overlaps(a: &[f64; 4], b: &[f64; 4]) -> bool {
    a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3]
}

/// Placement across every symbol layer. Call [`Placement::place`] for layers from the top of
/// the style down; each returns the labels that are drawn.
#[derive(Default)]
pub struct Placement {
    occupied: Vec<[f64; 4]>,
}

impl Placement {
    pub fn place(&mut self, mut labels: Vec<Label>) -> Vec<Label> {
        labels.sort_by(|a, b| a.sort_key.total_cmp(&b.sort_key));
        let mut placed = Vec::new();
        for label in labels {
            let b = label.bbox();
            let free = !self.occupied.iter().any(|o| overlaps(o, &b));
            if free || label.allow_overlap {
                if !label.ignore_placement {
                    self.occupied.push(b);
                }
                placed.push(label);
            }
        }
        placed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn label(x: f64, allow: bool) -> Label {
        Label {
            lines: vec![vec![Run::plain("Khost")]],
            size: 10.0,
            at: [x, 10.0],
            origin: [x, 10.0],
            block: [30.0, 12.0],
            justify: Justify::Center,
            color: Color::BLACK,
            halo: Color::WHITE,
            halo_width: 1.0,
            opacity: 1.0,
            padding: 2.0,
            allow_overlap: allow,
            ignore_placement: false,
            sort_key: 0.0,
        }
    }

    #[test]
    fn overlapping_labels_are_dropped_unless_allowed() {
        let mut p = Placement::default();
        let placed = p.place(vec![
            label(0.0, false),
            label(20.0, false),
            label(40.0, false),
        ]);
        assert_eq!(
            placed.iter().map(|l| l.origin[0]).collect::<Vec<_>>(),
            vec![0.0, 40.0]
        );
        let placed = p.place(vec![label(10.0, true)]);
        assert_eq!(placed.len(), 1);
    }

    #[test]
    fn long_names_wrap_into_balanced_lines() {
        let m = Metrics::load();
        let lines = wrap("Khyber Pakhtunkhwa Federally Administered", 80.0, 10.0, &m);
        assert!(lines.len() >= 2, "{lines:?}");
        assert_eq!(lines.join(" "), "Khyber Pakhtunkhwa Federally Administered");
        assert_eq!(wrap("Paktika", 10.0, 10.0, &m), vec!["Paktika".to_string()]);
    }

    #[test]
    fn format_sections_break_lines_and_keep_their_style() {
        let runs = vec![
            Run::plain("Paktika"),
            Run::plain("\n"),
            Run {
                text: "TTP".into(),
                scale: 0.8,
                color: Color::parse("#08306b"),
            },
        ];
        let lines = hard_lines(runs);
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0], vec![Run::plain("Paktika")]);
        assert_eq!(lines[1][0].text, "TTP");
        assert_eq!(lines[1][0].scale, 0.8);
        let empty_second = hard_lines(vec![Run::plain("Khost"), Run::plain("\n"), Run::plain("")]);
        assert_eq!(empty_second.len(), 2);
        assert!(empty_second[1].is_empty());
    }

    #[test]
    fn text_is_escaped_and_haloed() {
        let mut l = label(0.0, false);
        l.lines = vec![vec![Run::plain("A & B")]];
        let mut s = String::new();
        l.write_svg(&mut s);
        assert!(s.contains(">A &amp; B</tspan>"), "{s}");
        assert!(s.contains("paint-order=\"stroke\""), "{s}");
    }
}
