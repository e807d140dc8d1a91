//! The antimeridian, as geojson-vt's `wrap.js` handles it: geometry beyond ±180 is cut at the
//! edge of the world and moved onto the other side, and whatever lies within a tile buffer of
//! ±180 is copied across, so tiles on both sides of the date line draw it without a seam.

use super::clip::{ClipScratch, clip_pieces};
use crate::geometry::{BBox, GeomKind, Shapes};

/// The world's x range, and its copies on either side, in projected units.
fn slab(min_x: f64, max_x: f64) -> BBox {
    BBox {
        min_x,
        min_y: -1.0,
        max_x,
        max_y: 2.0,
    }
}

/// Cut `src`'s pieces to `bbox`, move them by `dx`, and append them to `out`.
fn clip_shifted(src: &Shapes, kinds: &[GeomKind], bbox: &BBox, dx: f64, out: &mut Shapes) {
    let mut clipped = Shapes::default();
    let mut scratch = ClipScratch::default();
    let pieces: Vec<_> = src
        .pieces
        .iter()
        .filter(|p| src.piece_bbox(p).intersects(bbox))
        .cloned()
        .collect();
    clip_pieces(src, &pieces, kinds, bbox, &mut clipped, &mut scratch);
    let (xy0, parts0) = (out.xy.len() as u32, out.parts.len() as u32);
    for p in &mut clipped.xy {
        p[0] += dx;
    }
    let shift = |b: &mut BBox| {
        b.min_x += dx;
        b.max_x += dx;
    };
    for mut part in clipped.parts {
        part.start += xy0;
        part.end += xy0;
        shift(&mut part.bbox);
        out.parts.push(part);
    }
    for mut piece in clipped.pieces {
        piece.parts = piece.parts.start + parts0..piece.parts.end + parts0;
        out.pieces.push(piece);
    }
    out.xy.extend(clipped.xy);
    out.importance.extend(clipped.importance);
}

/// Geometry reaching beyond ±180 (x outside [0, 1]) cut at the edge and moved across, each
/// feature keeping all its pieces. `None` when everything lies within the world already.
pub fn split_at_antimeridian(shapes: &Shapes, kinds: &[GeomKind]) -> Option<Shapes> {
    if shapes.pieces.iter().all(|p| {
        let b = shapes.piece_bbox(p);
        b.min_x >= 0.0 && b.max_x <= 1.0
    }) {
        return None;
    }
    let mut out = Shapes::default();
    clip_shifted(shapes, kinds, &slab(-1.0, 0.0), 1.0, &mut out);
    clip_shifted(shapes, kinds, &slab(0.0, 1.0), 0.0, &mut out);
    clip_shifted(shapes, kinds, &slab(1.0, 2.0), -1.0, &mut out);
    // Pieces that touch an edge without crossing it come out twice: once as the piece, and
    // once as a degenerate sliver on the edge, which the clip drops. Order by feature so a
    // feature's pieces sit together, as the readers leave them.
    let mut order: Vec<usize> = (0..out.pieces.len()).collect();
    order.sort_by_key(|&i| out.pieces[i].feature);
    out.pieces = order.into_iter().map(|i| out.pieces[i].clone()).collect();
    Some(out)
}

/// Copies of what lies within `buffer` of ±180, moved to the other side: the left edge's
/// strip to just beyond x = 1 and the right edge's to just before x = 0. The tile pyramid
/// holds them at its root, so the buffers of tiles at the date line are filled from across it.
pub fn across_antimeridian(shapes: &Shapes, kinds: &[GeomKind], buffer: f64) -> Shapes {
    let mut out = Shapes::default();
    clip_shifted(shapes, kinds, &slab(0.0, buffer), 1.0, &mut out);
    clip_shifted(shapes, kinds, &slab(1.0 - buffer, 1.0), -1.0, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn square(shapes: &mut Shapes, x0: f64, x1: f64) {
        let ring = [[x0, 0.4], [x0, 0.5], [x1, 0.5], [x1, 0.4], [x0, 0.4]];
        shapes.push_part(&ring, &[0.0; 5], true);
        shapes.finish_piece(0, 0);
    }

    #[test]
    fn a_polygon_beyond_the_edge_is_cut_and_moved_across() {
        let mut shapes = Shapes::default();
        square(&mut shapes, 0.9, 1.1);
        let split = split_at_antimeridian(&shapes, &[GeomKind::Polygon]).expect("split");
        assert_eq!(split.pieces.len(), 2);
        let mut xs: Vec<(f64, f64)> = split
            .pieces
            .iter()
            .map(|p| {
                let b = split.piece_bbox(p);
                (b.min_x, b.max_x)
            })
            .collect();
        xs.sort_by(|a, b| a.0.total_cmp(&b.0));
        assert!((xs[0].0 - 0.0).abs() < 1e-12 && (xs[0].1 - 0.1).abs() < 1e-12);
        assert!((xs[1].0 - 0.9).abs() < 1e-12 && (xs[1].1 - 1.0).abs() < 1e-12);
        assert!(split.pieces.iter().all(|p| p.feature == 0));
    }

    #[test]
    fn a_polygon_inside_the_world_is_left_alone_and_its_edge_strip_copied() {
        let mut shapes = Shapes::default();
        square(&mut shapes, 0.995, 0.999);
        assert!(split_at_antimeridian(&shapes, &[GeomKind::Polygon]).is_none());
        let across = across_antimeridian(&shapes, &[GeomKind::Polygon], 64.0 / 4096.0);
        assert_eq!(across.pieces.len(), 1);
        let b = across.piece_bbox(&across.pieces[0]);
        assert!((b.min_x - -0.005).abs() < 1e-9 && (b.max_x - -0.001).abs() < 1e-9);
    }
}
