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

/// One label that may be placed.
#[derive(Debug, Clone)]
pub struct Label {
    pub lines: Vec<String>,
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
        let mut text = layer.text("text-field", ctx, "");
        match layer.text("text-transform", ctx, "none").as_str() {
            "uppercase" => text = text.to_uppercase(),
            "lowercase" => text = text.to_lowercase(),
            _ => {}
        }
        let text = text.trim();
        if text.is_empty() {
            return None;
        }
        let size = layer.number("text-size", ctx, 16.0);
        let max_width = layer.number("text-max-width", ctx, 10.0) * size;
        let lines = wrap(text, max_width, size, metrics);
        let width = lines
            .iter()
            .map(|l| metrics.width(l, size))
            .fold(0.0, f64::max);
        let height = lines.len() as f64 * LINE_HEIGHT * size;
        let anchor = layer.text("text-anchor", ctx, "center");
        let offset = layer
            .numbers("text-offset", ctx)
            .filter(|o| o.len() == 2)
            .unwrap_or(vec![0.0, 0.0]);
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
        let line_height = LINE_HEIGHT * self.size;
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
        for (i, line) in self.lines.iter().enumerate() {
            // Centre each line's x-height band on its line box.
            let baseline = self.origin[1] + (i as f64 + 0.5) * line_height + 0.35 * self.size;
            out.push_str("<tspan x=\"");
            coord(out, x);
            out.push_str("\" y=\"");
            coord(out, baseline);
            out.push_str("\">");
            out.push_str(&escape(line));
            out.push_str("</tspan>");
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
            lines: vec!["Khost".into()],
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
    fn text_is_escaped_and_haloed() {
        let mut l = label(0.0, false);
        l.lines = vec!["A & B".into()];
        let mut s = String::new();
        l.write_svg(&mut s);
        assert!(s.contains(">A &amp; B</tspan>"), "{s}");
        assert!(s.contains("paint-order=\"stroke\""), "{s}");
    }
}
