//! Clipping to an axis-aligned slab, one axis at a time (geojson-vt's `clip.js`).
//!
//! A box is two slab clips, x then y. Intersection points are computed from the edge's
//! endpoints in a canonical order, so the two provinces on either side of a shared border
//! get bit-identical new vertices; they are marked [`KEEP`] so no zoom simplifies them away.

use super::simplify::KEEP;
use crate::geometry::{BBox, GeomKind, Part, Piece, Shapes};

/// Scratch vertex list: coordinates with their importance.
#[derive(Default, Clone, Debug)]
pub struct Run {
    pub xy: Vec<[f64; 2]>,
    pub imp: Vec<f32>,
}

impl Run {
    pub fn clear(&mut self) {
        self.xy.clear();
        self.imp.clear();
    }

    pub fn push(&mut self, p: [f64; 2], imp: f32) {
        self.xy.push(p);
        self.imp.push(imp);
    }

    pub fn len(&self) -> usize {
        self.xy.len()
    }

    pub fn is_empty(&self) -> bool {
        self.xy.is_empty()
    }

    /// Fill with the vertices of `part` whose importance is above `sq_tol`: those a tile at
    /// that tolerance keeps.
    pub fn keep_important(&mut self, shapes: &Shapes, part: &Part, sq_tol: f32) {
        self.clear();
        let r = part.range();
        for (p, &imp) in shapes.xy[r.clone()].iter().zip(&shapes.importance[r]) {
            if imp > sq_tol {
                self.push(*p, imp);
            }
        }
    }

    /// Re-close a ring whose first vertex was simplified away: rings are cyclic, so the
    /// closing edge runs to the first vertex that was kept.
    pub fn close_ring(&mut self) {
        if let (Some(&first), Some(&last)) = (self.xy.first(), self.xy.last())
            && first != last
        {
            let imp = self.imp[0];
            self.push(first, imp);
        }
    }
}

/// The point where segment `a`–`b` meets the line `coord[axis] = k`, computed the same way
/// whichever direction the segment is walked.
fn intersect(a: [f64; 2], b: [f64; 2], k: f64, axis: usize) -> [f64; 2] {
    let (a, b) = if (a[0], a[1]) <= (b[0], b[1]) {
        (a, b)
    } else {
        (b, a)
    };
    let other = 1 - axis;
    let t = (k - a[axis]) / (b[axis] - a[axis]);
    let mut p = [0.0; 2];
    p[axis] = k;
    p[other] = a[other] + (b[other] - a[other]) * t;
    p
}

/// Crossings of the edge `a`→`b` with the slab's two boundaries, in walking order.
fn crossings(
    a: [f64; 2],
    b: [f64; 2],
    k1: f64,
    k2: f64,
    axis: usize,
    out: &mut [([f64; 2], f64); 2],
) -> usize {
    let (ak, bk) = (a[axis], b[axis]);
    let mut n = 0;
    let mut add = |k: f64| {
        let t = (k - ak) / (bk - ak);
        out[n] = (intersect(a, b, k, axis), t);
        n += 1;
    };
    if (ak < k1 && bk > k1) || (ak > k1 && bk < k1) {
        add(k1);
    }
    if (ak < k2 && bk > k2) || (ak > k2 && bk < k2) {
        add(k2);
    }
    if n == 2 && out[0].1 > out[1].1 {
        out.swap(0, 1);
    }
    n
}

/// Clip a closed ring to the slab `k1 <= coord[axis] <= k2` (Sutherland–Hodgman). The output
/// is closed again, or empty.
pub fn clip_ring(input: &Run, k1: f64, k2: f64, axis: usize, out: &mut Run) {
    out.clear();
    let n = input.len();
    if n < 2 {
        return;
    }
    let mut cross = [([0.0; 2], 0.0); 2];
    for i in 0..n - 1 {
        let (a, b) = (input.xy[i], input.xy[i + 1]);
        if a[axis] >= k1 && a[axis] <= k2 {
            out.push(a, input.imp[i]);
        }
        let c = crossings(a, b, k1, k2, axis, &mut cross);
        for &(p, _) in &cross[..c] {
            out.push(p, KEEP);
        }
    }
    out.close_ring();
}

/// Clip an open line to the slab, handing each piece that stays inside to `emit`.
pub fn clip_line(
    input: &Run,
    k1: f64,
    k2: f64,
    axis: usize,
    current: &mut Run,
    mut emit: impl FnMut(&Run),
) {
    current.clear();
    let n = input.len();
    let inside = |p: [f64; 2]| p[axis] >= k1 && p[axis] <= k2;
    let mut cross = [([0.0; 2], 0.0); 2];
    for i in 0..n {
        let a = input.xy[i];
        if inside(a) {
            current.push(a, input.imp[i]);
        }
        if i + 1 == n {
            break;
        }
        let b = input.xy[i + 1];
        let c = crossings(a, b, k1, k2, axis, &mut cross);
        for &(p, _) in &cross[..c] {
            if current.is_empty() {
                // Entering the slab.
                current.push(p, KEEP);
            } else {
                // Leaving the slab.
                current.push(p, KEEP);
                if current.len() >= 2 {
                    emit(current);
                }
                current.clear();
            }
        }
    }
    if current.len() >= 2 {
        emit(current);
    }
    current.clear();
}

/// Reusable buffers for clipping.
#[derive(Default)]
pub struct ClipScratch {
    pub a: Run,
    pub b: Run,
    pub c: Run,
}

/// Clip `pieces` of `src` to `bbox` at full resolution, appending to `out`. Used to build the
/// tile pyramid.
pub fn clip_pieces(
    src: &Shapes,
    pieces: &[Piece],
    kinds: &[GeomKind],
    bbox: &BBox,
    out: &mut Shapes,
    scratch: &mut ClipScratch,
) {
    for piece in pieces {
        let piece_bbox = src.piece_bbox(piece);
        if !piece_bbox.intersects(bbox) {
            continue;
        }
        let kind = kinds[piece.feature as usize];
        let first_part = out.parts.len();
        let whole = piece_bbox.within(bbox);
        if kind == GeomKind::Polygon {
            // A hole is kept only when its exterior is.
            for polygon in src.polygons_of(piece) {
                let exterior = polygon.exterior();
                if exterior.outer && clip_polygon_ring(src, exterior, bbox, whole, out, scratch) {
                    for hole in polygon.holes() {
                        clip_polygon_ring(src, hole, bbox, whole, out, scratch);
                    }
                }
            }
            out.finish_piece(piece.feature, first_part);
            continue;
        }
        for part in src.parts_of(piece) {
            let r = part.range();
            if whole || part.bbox.within(bbox) {
                out.push_part(&src.xy[r.clone()], &src.importance[r], part.outer);
                continue;
            }
            if !part.bbox.intersects(bbox) {
                continue;
            }
            scratch.a.clear();
            scratch.a.xy.extend_from_slice(&src.xy[r.clone()]);
            scratch.a.imp.extend_from_slice(&src.importance[r]);
            if kind == GeomKind::Line {
                let mut lines: Vec<Run> = Vec::new();
                clip_line(&scratch.a, bbox.min_x, bbox.max_x, 0, &mut scratch.b, |r| {
                    lines.push(r.clone())
                });
                for line in &lines {
                    clip_line(line, bbox.min_y, bbox.max_y, 1, &mut scratch.c, |r| {
                        out.push_part(&r.xy, &r.imp, false)
                    });
                }
            } else {
                scratch.b.clear();
                for (&p, &imp) in scratch.a.xy.iter().zip(&scratch.a.imp) {
                    if p[0] >= bbox.min_x
                        && p[0] <= bbox.max_x
                        && p[1] >= bbox.min_y
                        && p[1] <= bbox.max_y
                    {
                        scratch.b.push(p, imp);
                    }
                }
                if !scratch.b.is_empty() {
                    out.push_part(&scratch.b.xy, &scratch.b.imp, false);
                }
            }
        }
        out.finish_piece(piece.feature, first_part);
    }
}

/// Clip one polygon ring to `bbox` and append it to `out`; whether anything was kept.
fn clip_polygon_ring(
    src: &Shapes,
    ring: &Part,
    bbox: &BBox,
    whole: bool,
    out: &mut Shapes,
    scratch: &mut ClipScratch,
) -> bool {
    let r = ring.range();
    if whole || ring.bbox.within(bbox) {
        out.push_part(&src.xy[r.clone()], &src.importance[r], ring.outer);
        return true;
    }
    if !ring.bbox.intersects(bbox) {
        return false;
    }
    scratch.a.clear();
    scratch.a.xy.extend_from_slice(&src.xy[r.clone()]);
    scratch.a.imp.extend_from_slice(&src.importance[r]);
    clip_ring(&scratch.a, bbox.min_x, bbox.max_x, 0, &mut scratch.b);
    clip_ring(&scratch.b, bbox.min_y, bbox.max_y, 1, &mut scratch.c);
    if scratch.c.len() < 4 {
        return false;
    }
    out.push_part(&scratch.c.xy, &scratch.c.imp, ring.outer);
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(xy: &[[f64; 2]]) -> Run {
        Run {
            xy: xy.to_vec(),
            imp: vec![1.0; xy.len()],
        }
    }

    #[test]
    fn ring_clipped_stays_inside_and_closed() {
        let square = run(&[
            [-1.0, -1.0],
            [2.0, -1.0],
            [2.0, 2.0],
            [-1.0, 2.0],
            [-1.0, -1.0],
        ]);
        let mut b = Run::default();
        let mut c = Run::default();
        clip_ring(&square, 0.0, 1.0, 0, &mut b);
        clip_ring(&b, 0.0, 1.0, 1, &mut c);
        assert_eq!(c.xy.first(), c.xy.last());
        for p in &c.xy {
            assert!(
                (0.0..=1.0).contains(&p[0]) && (0.0..=1.0).contains(&p[1]),
                "{p:?}"
            );
        }
        let area = crate::geometry::ring_area(&c.xy).abs();
        assert!((area - 1.0).abs() < 1e-12, "area {area}");
    }

    #[test]
    fn intersection_is_direction_independent() {
        let a = [0.123456789, 0.987654321];
        let b = [0.76543219, 0.1111111];
        assert_eq!(intersect(a, b, 0.5, 0), intersect(b, a, 0.5, 0));
    }

    #[test]
    fn line_leaving_and_reentering_is_split() {
        let line = run(&[[0.5, 0.0], [2.0, 0.0], [0.5, 1.0]]);
        let mut current = Run::default();
        let mut pieces = Vec::new();
        clip_line(&line, 0.0, 1.0, 0, &mut current, |r| {
            pieces.push(r.xy.clone())
        });
        assert_eq!(pieces.len(), 2);
        assert_eq!(pieces[0], vec![[0.5, 0.0], [1.0, 0.0]]);
        assert_eq!(pieces[1][1], [0.5, 1.0]);
    }
}
