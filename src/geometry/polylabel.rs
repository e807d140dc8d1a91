//! Mapbox's polylabel: the point inside a polygon farthest from its edges, found by a
//! best-first search over a quadtree of cells. Used for label points.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// The point inside a polygon farthest from its edges, to within `precision` (in the units of
/// the coordinates). `rings[0]` is the exterior; the others are holes. Rings may be open or
/// closed. This is Mapbox's polylabel: a quadtree of cells searched best-first by the
/// distance a cell could still reach.
pub fn polylabel(rings: &[&[[f64; 2]]], precision: f64) -> [f64; 2] {
    let Some(outer) = rings.first().filter(|r| !r.is_empty()) else {
        return [0.0, 0.0];
    };
    let (mut min_x, mut min_y, mut max_x, mut max_y) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for p in outer.iter() {
        min_x = min_x.min(p[0]);
        min_y = min_y.min(p[1]);
        max_x = max_x.max(p[0]);
        max_y = max_y.max(p[1]);
    }
    let (width, height) = (max_x - min_x, max_y - min_y);
    let cell_size = width.min(height);
    if cell_size <= 0.0 {
        return [min_x, min_y];
    }
    let h = cell_size / 2.0;
    let mut queue = BinaryHeap::new();
    let mut x = min_x;
    while x < max_x {
        let mut y = min_y;
        while y < max_y {
            queue.push(Cell::new([x + h, y + h], h, rings));
            y += cell_size;
        }
        x += cell_size;
    }
    // Start from the centroid, or the bounding box centre if that is better.
    let mut best = Cell::new(centroid(outer), 0.0, rings);
    let bbox_cell = Cell::new([min_x + width / 2.0, min_y + height / 2.0], 0.0, rings);
    if bbox_cell.distance > best.distance {
        best = bbox_cell;
    }
    // Bounded: each split quarters a cell, so the search ends once cells are smaller than
    // `precision`; the cap only guards against pathological input.
    let mut budget = 1_000_000usize;
    while let Some(cell) = queue.pop() {
        if cell.distance > best.distance {
            best = cell;
        }
        if cell.max - best.distance <= precision || budget == 0 {
            continue;
        }
        budget -= 1;
        let h = cell.half / 2.0;
        for (dx, dy) in [(-h, -h), (h, -h), (-h, h), (h, h)] {
            queue.push(Cell::new(
                [cell.centre[0] + dx, cell.centre[1] + dy],
                h,
                rings,
            ));
        }
    }
    best.centre
}

/// A square cell of the search: its centre's signed distance to the polygon and the best
/// distance any point in it could have.
#[derive(Clone, Copy)]
struct Cell {
    centre: [f64; 2],
    half: f64,
    distance: f64,
    max: f64,
}

impl Cell {
    fn new(centre: [f64; 2], half: f64, rings: &[&[[f64; 2]]]) -> Cell {
        let distance = signed_distance(centre, rings);
        Cell {
            centre,
            half,
            distance,
            max: distance + half * std::f64::consts::SQRT_2,
        }
    }
}

impl PartialEq for Cell {
    fn eq(&self, other: &Self) -> bool {
        self.max == other.max
    }
}
impl Eq for Cell {}
impl PartialOrd for Cell {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Cell {
    fn cmp(&self, other: &Self) -> Ordering {
        self.max.total_cmp(&other.max)
    }
}

/// Distance from `p` to the nearest edge; negative outside the polygon (holes count as outside).
fn signed_distance(p: [f64; 2], rings: &[&[[f64; 2]]]) -> f64 {
    let mut inside = false;
    let mut min_sq = f64::INFINITY;
    for ring in rings {
        let n = ring.len();
        if n == 0 {
            continue;
        }
        let mut j = n - 1;
        for i in 0..n {
            let (a, b) = (ring[i], ring[j]);
            if (a[1] > p[1]) != (b[1] > p[1])
                && p[0] < (b[0] - a[0]) * (p[1] - a[1]) / (b[1] - a[1]) + a[0]
            {
                inside = !inside;
            }
            min_sq = min_sq.min(segment_distance_sq(p, a, b));
            j = i;
        }
    }
    let d = min_sq.sqrt();
    if inside { d } else { -d }
}

fn segment_distance_sq(p: [f64; 2], a: [f64; 2], b: [f64; 2]) -> f64 {
    let [mut x, mut y] = a;
    let (dx, dy) = (b[0] - x, b[1] - y);
    if dx != 0.0 || dy != 0.0 {
        let t = ((p[0] - x) * dx + (p[1] - y) * dy) / (dx * dx + dy * dy);
        if t > 1.0 {
            [x, y] = b;
        } else if t > 0.0 {
            x += dx * t;
            y += dy * t;
        }
    }
    let (ex, ey) = (p[0] - x, p[1] - y);
    ex * ex + ey * ey
}

/// Area-weighted centroid of a ring (its first vertex when degenerate).
fn centroid(ring: &[[f64; 2]]) -> [f64; 2] {
    let (mut x, mut y, mut area) = (0.0, 0.0, 0.0);
    let n = ring.len();
    let mut j = n - 1;
    for i in 0..n {
        let (a, b) = (ring[i], ring[j]);
        let f = a[0] * b[1] - b[0] * a[1];
        x += (a[0] + b[0]) * f;
        y += (a[1] + b[1]) * f;
        area += f * 3.0;
        j = i;
    }
    if area == 0.0 {
        ring[0]
    } else {
        [x / area, y / area]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inside(p: [f64; 2], rings: &[&[[f64; 2]]]) -> bool {
        signed_distance(p, rings) > 0.0
    }

    #[test]
    fn label_of_a_concave_polygon_lies_inside_it() {
        // A "C" shape: its centroid and its bounding box centre fall in the gap, outside.
        let c: &[[f64; 2]] = &[
            [0.0, 0.0],
            [10.0, 0.0],
            [10.0, 2.0],
            [2.0, 2.0],
            [2.0, 8.0],
            [10.0, 8.0],
            [10.0, 10.0],
            [0.0, 10.0],
            [0.0, 0.0],
        ];
        assert!(
            !inside(centroid(c), &[c]),
            "the test shape should be concave"
        );
        assert!(!inside([5.0, 5.0], &[c]));
        let p = polylabel(&[c], 1e-3);
        assert!(inside(p, &[c]), "{p:?} is outside the C");
        // The widest part is the spine (2 wide), so the label sits about 1 from its edges.
        assert!(signed_distance(p, &[c]) > 0.9, "{p:?} hugs an edge");
    }

    #[test]
    fn label_avoids_a_hole() {
        let outer: &[[f64; 2]] = &[[0.0, 0.0], [10.0, 0.0], [10.0, 10.0], [0.0, 10.0]];
        let hole: &[[f64; 2]] = &[[3.0, 3.0], [7.0, 3.0], [7.0, 7.0], [3.0, 7.0]];
        let p = polylabel(&[outer, hole], 1e-3);
        assert!(inside(p, &[outer, hole]), "{p:?}");
        assert!(signed_distance(p, &[outer, hole]) > 1.0, "{p:?}");
    }

    #[test]
    fn square_label_is_its_centre() {
        let sq: &[[f64; 2]] = &[[0.0, 0.0], [4.0, 0.0], [4.0, 4.0], [0.0, 4.0], [0.0, 0.0]];
        let p = polylabel(&[sq], 1e-6);
        assert!(
            (p[0] - 2.0).abs() < 1e-3 && (p[1] - 2.0).abs() < 1e-3,
            "{p:?}"
        );
    }

    #[test]
    fn degenerate_rings_do_not_panic() {
        assert_eq!(polylabel(&[], 1.0), [0.0, 0.0]);
        let line: &[[f64; 2]] = &[[1.0, 1.0], [3.0, 1.0]];
        assert_eq!(polylabel(&[line], 1.0), [1.0, 1.0]);
    }
}
