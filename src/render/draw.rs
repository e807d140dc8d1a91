//! Fill, line and circle layers as SVG elements: tile geometry clipped to its tile (as
//! MapLibre's stencil does, so buffers never draw twice), placed on screen, and styled per
//! feature from the layer's evaluated paint properties.

use std::fmt::Write;

use super::color::Color;
use super::expression::FeatureContext;
use super::mvt::TileFeature;
use super::style::StyleLayer;
use super::svg::{attr_number, coord};

/// Maps one tile's units to screen pixels.
pub struct TilePlacement<'a> {
    pub camera: &'a super::camera::Camera,
    pub x: f64,
    pub y: f64,
    /// 2^z of the tile.
    pub n: f64,
    pub extent: f64,
}

impl TilePlacement<'_> {
    pub fn screen(&self, p: [f64; 2]) -> [f64; 2] {
        self.camera.to_screen([
            (self.x + p[0] / self.extent) / self.n,
            (self.y + p[1] / self.extent) / self.n,
        ])
    }

    /// Screen pixels per tile unit.
    pub fn scale(&self) -> f64 {
        self.camera.world_size() / self.n / self.extent
    }
}

fn paint_attrs(out: &mut String, name: &str, c: Color, opacity: f64) {
    let _ = write!(out, " {name}=\"{}\"", c.hex());
    let a = f64::from(c.a) * opacity;
    if a < 0.999 {
        let _ = write!(
            out,
            " {name}-opacity=\"{}\"",
            attr_number(a.clamp(0.0, 1.0))
        );
    }
}

/// Sutherland–Hodgman against the tile square.
fn clip_ring(ring: &[[f64; 2]], extent: f64) -> Vec<[f64; 2]> {
    let mut pts: Vec<[f64; 2]> = ring.to_vec();
    if pts.len() > 1 && pts.first() == pts.last() {
        pts.pop();
    }
    for (axis, k, keep_above) in [
        (0, 0.0, true),
        (0, extent, false),
        (1, 0.0, true),
        (1, extent, false),
    ] {
        if pts.is_empty() {
            break;
        }
        let inside = |p: &[f64; 2]| {
            if keep_above {
                p[axis] >= k
            } else {
                p[axis] <= k
            }
        };
        let mut out = Vec::with_capacity(pts.len() + 4);
        for i in 0..pts.len() {
            let a = pts[i];
            let b = pts[(i + 1) % pts.len()];
            let (ia, ib) = (inside(&a), inside(&b));
            if ia {
                out.push(a);
            }
            if ia != ib {
                let t = (k - a[axis]) / (b[axis] - a[axis]);
                let mut p = [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t];
                p[axis] = k;
                out.push(p);
            }
        }
        pts = out;
    }
    pts
}

/// A piece of a clipped line, and how far along the tile's line (in tile units) it starts,
/// so dashes keep the phase MapLibre gives them (measured from the line's first vertex in
/// the tile, buffer included).
#[derive(Debug, PartialEq)]
struct Piece {
    points: Vec<[f64; 2]>,
    start: f64,
}

/// Liang–Barsky: the pieces of a polyline inside the tile square. An edge that lies on or
/// beyond the square (a polygon's clipped buffer edge) is dropped, as MapLibre drops tile
/// boundary edges from outlines.
fn clip_line(line: &[[f64; 2]], extent: f64) -> Vec<Piece> {
    let mut pieces: Vec<Piece> = Vec::new();
    let mut current = Piece {
        points: Vec::new(),
        start: 0.0,
    };
    let mut along = 0.0;
    let flush = |current: &mut Piece, pieces: &mut Vec<Piece>| {
        if current.points.len() >= 2 {
            pieces.push(std::mem::replace(
                current,
                Piece {
                    points: Vec::new(),
                    start: 0.0,
                },
            ));
        }
        current.points.clear();
    };
    for w in line.windows(2) {
        let (a, b) = (w[0], w[1]);
        let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
        let length = (dx * dx + dy * dy).sqrt();
        let (mut t0, mut t1) = (0.0f64, 1.0f64);
        let mut visible = true;
        for (p, q) in [
            (-dx, a[0]),
            (dx, extent - a[0]),
            (-dy, a[1]),
            (dy, extent - a[1]),
        ] {
            if p == 0.0 {
                if q < 0.0 {
                    visible = false;
                    break;
                }
            } else {
                let r = q / p;
                if p < 0.0 {
                    t0 = t0.max(r);
                } else {
                    t1 = t1.min(r);
                }
            }
        }
        let p0 = [a[0] + dx * t0, a[1] + dy * t0];
        let p1 = [a[0] + dx * t1, a[1] + dy * t1];
        // An edge running along the square's boundary (both ends on one side) is a clip edge.
        let on_edge = |i: usize, k: f64| p0[i] == k && p1[i] == k;
        let boundary =
            on_edge(0, 0.0) || on_edge(0, extent) || on_edge(1, 0.0) || on_edge(1, extent);
        if !visible || t0 > t1 || boundary {
            flush(&mut current, &mut pieces);
        } else {
            if current.points.last() != Some(&p0) {
                flush(&mut current, &mut pieces);
                current.points.push(p0);
                current.start = along + t0 * length;
            }
            current.points.push(p1);
        }
        along += length;
    }
    flush(&mut current, &mut pieces);
    pieces
}

fn path_data(out: &mut String, pts: &[[f64; 2]], close: bool) {
    for (i, p) in pts.iter().enumerate() {
        out.push(if i == 0 { 'M' } else { 'L' });
        coord(out, p[0]);
        out.push(' ');
        coord(out, p[1]);
    }
    if close {
        out.push('Z');
    }
}

fn outside(pts: &[[f64; 2]], camera: &super::camera::Camera, margin: f64) -> bool {
    let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for p in pts {
        x0 = x0.min(p[0]);
        y0 = y0.min(p[1]);
        x1 = x1.max(p[0]);
        y1 = y1.max(p[1]);
    }
    x1 < -margin || y1 < -margin || x0 > camera.width + margin || y0 > camera.height + margin
}

/// A `fill` layer's polygons in one tile.
pub fn fill(
    out: &mut String,
    layer: &StyleLayer,
    f: &TileFeature,
    ctx: &FeatureContext,
    at: &TilePlacement,
) {
    if f.geometry_type != "Polygon" {
        return;
    }
    let color = layer.color("fill-color", ctx, Color::BLACK);
    let opacity = layer.number("fill-opacity", ctx, 1.0);
    if opacity <= 0.0 || color.a <= 0.0 {
        return;
    }
    let mut d = String::new();
    let mut all = Vec::new();
    for ring in &f.parts {
        let clipped = clip_ring(ring, at.extent);
        if clipped.len() < 3 {
            continue;
        }
        let screen: Vec<[f64; 2]> = clipped.iter().map(|p| at.screen(*p)).collect();
        path_data(&mut d, &screen, true);
        all.extend(screen);
    }
    if d.is_empty() || outside(&all, at.camera, 0.0) {
        return;
    }
    out.push_str("<path d=\"");
    out.push_str(&d);
    out.push('"');
    paint_attrs(out, "fill", color, opacity);
    out.push_str(" fill-rule=\"evenodd\"");
    if layer.has("fill-outline-color") {
        let outline = layer.color("fill-outline-color", ctx, color);
        paint_attrs(out, "stroke", outline, opacity);
        out.push_str(" stroke-width=\"1\"");
    }
    out.push_str("/>\n");
}

/// A `line` layer's lines (and polygon outlines) in one tile.
pub fn line(
    out: &mut String,
    layer: &StyleLayer,
    f: &TileFeature,
    ctx: &FeatureContext,
    at: &TilePlacement,
) {
    if f.geometry_type == "Point" {
        return;
    }
    let color = layer.color("line-color", ctx, Color::BLACK);
    let opacity = layer.number("line-opacity", ctx, 1.0);
    let width = layer.number("line-width", ctx, 1.0);
    let gap = layer.number("line-gap-width", ctx, 0.0);
    let offset = layer.number("line-offset", ctx, 0.0);
    if opacity <= 0.0 || color.a <= 0.0 || width <= 0.0 {
        return;
    }
    let offsets: Vec<f64> = if gap > 0.0 {
        vec![offset - (gap + width) / 2.0, offset + (gap + width) / 2.0]
    } else {
        vec![offset]
    };
    // Dashes are measured in line widths: MapLibre takes the width at the integer zoom
    // (`floorwidth`) and lays the pattern out in pixels of that zoom, so on screen it grows
    // with the fraction of the zoom.
    let dash = layer
        .numbers("line-dasharray", ctx)
        .filter(|d| !d.is_empty() && d.iter().all(|v| *v >= 0.0) && d.iter().sum::<f64>() > 0.0)
        .map(|d| {
            let floor_ctx = FeatureContext {
                zoom: ctx.zoom.floor(),
                ..*ctx
            };
            let floor_width = layer.number("line-width", &floor_ctx, width);
            let unit = floor_width * (ctx.zoom - ctx.zoom.floor()).exp2();
            (d, unit)
        });
    // Each piece is its own path when dashed (SVG restarts dashes at every subpath, and each
    // piece has its own phase); otherwise one path holds the feature.
    let mut paths: Vec<(String, f64)> = Vec::new();
    let mut d = String::new();
    let mut all = Vec::new();
    for part in &f.parts {
        for piece in clip_line(part, at.extent) {
            let screen: Vec<[f64; 2]> = piece.points.iter().map(|p| at.screen(*p)).collect();
            for &off in &offsets {
                let shifted = if off != 0.0 {
                    offset_line(&screen, off)
                } else {
                    screen.clone()
                };
                path_data(&mut d, &shifted, false);
                if dash.is_some() {
                    paths.push((std::mem::take(&mut d), piece.start * at.scale()));
                }
            }
            all.extend(screen);
        }
    }
    if dash.is_none() && !d.is_empty() {
        paths.push((d, 0.0));
    }
    if paths.is_empty() || outside(&all, at.camera, width + offset.abs()) {
        return;
    }
    let mut style = String::from(" fill=\"none\"");
    paint_attrs(&mut style, "stroke", color, opacity);
    let _ = write!(style, " stroke-width=\"{}\"", attr_number(width));
    let cap = layer.text("line-cap", ctx, "butt");
    if cap != "butt" {
        let _ = write!(
            style,
            " stroke-linecap=\"{}\"",
            if cap == "round" { "round" } else { "square" }
        );
    }
    let join = layer.text("line-join", ctx, "miter");
    match join.as_str() {
        "round" => style.push_str(" stroke-linejoin=\"round\""),
        "bevel" => style.push_str(" stroke-linejoin=\"bevel\""),
        _ => {
            let limit = layer.number("line-miter-limit", ctx, 2.0);
            let _ = write!(style, " stroke-miterlimit=\"{}\"", attr_number(limit));
        }
    }
    if let Some((pattern, unit)) = &dash {
        let scaled: Vec<String> = pattern.iter().map(|v| attr_number(v * unit)).collect();
        let _ = write!(style, " stroke-dasharray=\"{}\"", scaled.join(" "));
    }
    let period: f64 = dash
        .as_ref()
        .map(|(p, u)| p.iter().sum::<f64>() * u)
        .unwrap_or(0.0);
    for (data, phase) in paths {
        out.push_str("<path d=\"");
        out.push_str(&data);
        out.push('"');
        out.push_str(&style);
        if period > 0.0 {
            let phase = phase % period;
            if phase > 0.001 {
                let _ = write!(out, " stroke-dashoffset=\"{}\"", attr_number(phase));
            }
        }
        out.push_str("/>\n");
    }
}

/// A line moved `offset` pixels to the right of its direction (MapLibre's `line-offset`),
/// with mitred corners (limited, so sharp turns do not spike).
fn offset_line(pts: &[[f64; 2]], offset: f64) -> Vec<[f64; 2]> {
    let normal = |a: [f64; 2], b: [f64; 2]| {
        let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
        let len = (dx * dx + dy * dy).sqrt();
        if len == 0.0 {
            [0.0, 0.0]
        } else {
            [-dy / len, dx / len]
        }
    };
    let n = pts.len();
    let closed = n > 2 && pts[0] == pts[n - 1];
    (0..n)
        .map(|i| {
            let prev = if i > 0 {
                Some(normal(pts[i - 1], pts[i]))
            } else if closed {
                Some(normal(pts[n - 2], pts[0]))
            } else {
                None
            };
            let next = if i + 1 < n {
                Some(normal(pts[i], pts[i + 1]))
            } else if closed {
                Some(normal(pts[0], pts[1]))
            } else {
                None
            };
            let m = match (prev, next) {
                (Some(a), Some(b)) => {
                    let s = [a[0] + b[0], a[1] + b[1]];
                    let dot = (1.0 + a[0] * b[0] + a[1] * b[1]).max(0.5);
                    [s[0] / dot, s[1] / dot]
                }
                (Some(a), None) | (None, Some(a)) => a,
                (None, None) => [0.0, 0.0],
            };
            [pts[i][0] + m[0] * offset, pts[i][1] + m[1] * offset]
        })
        .collect()
}

/// A `circle` layer's points in one tile (only those inside the tile, so a point in two
/// tiles' buffers is drawn once).
pub fn circle(
    out: &mut String,
    layer: &StyleLayer,
    f: &TileFeature,
    ctx: &FeatureContext,
    at: &TilePlacement,
) {
    if f.geometry_type != "Point" {
        return;
    }
    let radius = layer.number("circle-radius", ctx, 5.0);
    let color = layer.color("circle-color", ctx, Color::BLACK);
    let opacity = layer.number("circle-opacity", ctx, 1.0);
    let stroke_width = layer.number("circle-stroke-width", ctx, 0.0);
    let stroke = layer.color("circle-stroke-color", ctx, Color::BLACK);
    let stroke_opacity = layer.number("circle-stroke-opacity", ctx, 1.0);
    for p in f.parts.iter().flatten() {
        if !(0.0..at.extent).contains(&p[0]) || !(0.0..at.extent).contains(&p[1]) {
            continue;
        }
        let s = at.screen(*p);
        let r = radius + stroke_width;
        if s[0] + r < 0.0
            || s[1] + r < 0.0
            || s[0] - r > at.camera.width
            || s[1] - r > at.camera.height
        {
            continue;
        }
        out.push_str("<circle cx=\"");
        coord(out, s[0]);
        out.push_str("\" cy=\"");
        coord(out, s[1]);
        // MapLibre's stroke lies outside the radius; SVG's straddles the circle it strokes.
        let drawn = if stroke_width > 0.0 {
            radius + stroke_width / 2.0
        } else {
            radius
        };
        let _ = write!(out, "\" r=\"{}\"", attr_number(drawn));
        paint_attrs(out, "fill", color, opacity);
        if stroke_width > 0.0 {
            paint_attrs(out, "stroke", stroke, stroke_opacity);
            let _ = write!(out, " stroke-width=\"{}\"", attr_number(stroke_width));
        }
        out.push_str("/>\n");
    }
}

/// Whether a point in tile units lies in the tile proper (not its buffer).
pub fn in_tile(p: [f64; 2], extent: f64) -> bool {
    (0.0..extent).contains(&p[0]) && (0.0..extent).contains(&p[1])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ring_clip_keeps_the_inside() {
        let ring = [
            [-10.0, -10.0],
            [50.0, -10.0],
            [50.0, 50.0],
            [-10.0, 50.0],
            [-10.0, -10.0],
        ];
        let c = clip_ring(&ring, 40.0);
        assert!(
            c.iter()
                .all(|p| (0.0..=40.0).contains(&p[0]) && (0.0..=40.0).contains(&p[1]))
        );
        assert_eq!(c.len(), 4);
    }

    #[test]
    fn line_clip_drops_buffer_edges() {
        // A polygon outline clipped by the tiler runs along x = -64 outside the tile.
        let ring = [
            [-64.0, 10.0],
            [20.0, 10.0],
            [20.0, 30.0],
            [-64.0, 30.0],
            [-64.0, 10.0],
        ];
        let pieces = clip_line(&ring, 4096.0);
        assert_eq!(
            pieces,
            vec![Piece {
                points: vec![[0.0, 10.0], [20.0, 10.0], [20.0, 30.0], [0.0, 30.0]],
                start: 64.0
            }]
        );
    }

    #[test]
    fn offset_moves_right_of_the_direction() {
        let moved = offset_line(&[[0.0, 0.0], [10.0, 0.0]], 2.0);
        assert_eq!(moved, vec![[0.0, 2.0], [10.0, 2.0]]);
    }
}
