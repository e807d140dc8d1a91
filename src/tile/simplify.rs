//! Per-vertex Douglas–Peucker importance, computed once at load.
//!
//! A tile at zoom z keeps the vertices whose importance exceeds that zoom's squared tolerance,
//! so simplification costs a comparison per vertex at cut time. Polygon rings are split into
//! arcs at junctions (vertices where neighbouring rings part ways) and each arc is simplified
//! in a canonical direction, so two provinces that share a border keep exactly the same
//! vertices of it at every zoom: no slivers, no gaps (the TopoJSON / tippecanoe `-pn` idea).

use crate::geometry::Part;

/// Importance of a vertex that must survive every simplification (ends, junctions, clip points).
pub const KEEP: f32 = f32::INFINITY;

/// Squared tolerance at zoom `z` in projected units, for `tolerance` tile units of `extent`.
pub fn sq_tolerance(z: u8, tolerance: f64, extent: u32) -> f32 {
    let t = tolerance / ((1u64 << z) as f64 * extent as f64);
    (t * t) as f32
}

/// Douglas–Peucker importance of each vertex of an open sequence: the ends get [`KEEP`]; an
/// inner vertex gets the squared distance at which it is chosen, capped by its parent's so
/// that any tolerance keeps a proper Douglas–Peucker prefix.
pub fn douglas_peucker(
    xy: &[[f64; 2]],
    importance: &mut [f32],
    stack: &mut Vec<(usize, usize, f64)>,
) {
    let n = xy.len();
    importance.fill(0.0);
    if n == 0 {
        return;
    }
    importance[0] = KEEP;
    importance[n - 1] = KEEP;
    stack.clear();
    stack.push((0, n - 1, f64::INFINITY));
    while let Some((first, last, cap)) = stack.pop() {
        if last <= first + 1 {
            continue;
        }
        let (a, b) = (xy[first], xy[last]);
        let mut max = 0.0;
        let mut index = 0;
        for (i, &p) in xy.iter().enumerate().take(last).skip(first + 1) {
            let d = sq_seg_dist(p, a, b);
            if d > max {
                max = d;
                index = i;
            }
        }
        if index == 0 {
            continue;
        }
        let value = max.min(cap);
        importance[index] = value as f32;
        stack.push((first, index, value));
        stack.push((index, last, value));
    }
}

/// Squared distance from `p` to the segment `a`–`b`.
fn sq_seg_dist(p: [f64; 2], a: [f64; 2], b: [f64; 2]) -> f64 {
    let (mut x, mut y) = (a[0], a[1]);
    let (dx, dy) = (b[0] - x, b[1] - y);
    if dx != 0.0 || dy != 0.0 {
        let t = ((p[0] - x) * dx + (p[1] - y) * dy) / (dx * dx + dy * dy);
        if t > 1.0 {
            x = b[0];
            y = b[1];
        } else if t > 0.0 {
            x += dx * t;
            y += dy * t;
        }
    }
    let (ex, ey) = (p[0] - x, p[1] - y);
    ex * ex + ey * ey
}

/// Importance for lines: each part simplified on its own.
pub fn line_importance(xy: &[[f64; 2]], parts: &[Part], importance: &mut [f32]) {
    let mut stack = Vec::new();
    for part in parts {
        let r = part.range();
        douglas_peucker(&xy[r.clone()], &mut importance[r], &mut stack);
    }
}

/// Importance for closed polygon rings, identical along arcs shared between rings.
pub fn ring_importance(xy: &[[f64; 2]], parts: &[Part], importance: &mut [f32]) {
    let junction = find_junctions(xy, parts);
    let mut stack = Vec::new();
    let mut arc_xy: Vec<[f64; 2]> = Vec::new();
    let mut arc_imp: Vec<f32> = Vec::new();
    let mut arc_idx: Vec<usize> = Vec::new();
    let mut corners: Vec<usize> = Vec::new();
    for part in parts {
        let (start, end) = (part.start as usize, part.end as usize);
        if end - start < 2 {
            importance[start..end].fill(KEEP);
            continue;
        }
        // Distinct vertices of the ring (the closing vertex repeats the first).
        let n = end - start - 1;
        corners.clear();
        corners.extend((0..n).filter(|&i| junction[start + i]));
        if corners.is_empty() {
            // An island or an enclave: anchor at the smallest vertex, which every ring that
            // shares this loop picks as well.
            let anchor = (0..n)
                .min_by(|&i, &j| cmp_xy(xy[start + i], xy[start + j]))
                .unwrap_or(0);
            corners.push(anchor);
        }
        for (k, &from) in corners.iter().enumerate() {
            let to = corners.get(k + 1).copied().unwrap_or(corners[0] + n);
            arc_idx.clear();
            arc_idx.extend((from..=to).map(|i| start + i % n));
            arc_xy.clear();
            arc_xy.extend(arc_idx.iter().map(|&i| xy[i]));
            let reversed = is_reversed(&arc_xy);
            if reversed {
                arc_xy.reverse();
            }
            arc_imp.resize(arc_xy.len(), 0.0);
            douglas_peucker(&arc_xy, &mut arc_imp, &mut stack);
            if reversed {
                arc_imp.reverse();
            }
            for (&i, &v) in arc_idx.iter().zip(arc_imp.iter()) {
                importance[i] = v;
            }
        }
        importance[end - 1] = importance[start];
    }
}

fn cmp_xy(a: [f64; 2], b: [f64; 2]) -> std::cmp::Ordering {
    a[0].total_cmp(&b[0]).then(a[1].total_cmp(&b[1]))
}

/// Whether an arc runs against its canonical direction (so shared arcs are simplified alike).
fn is_reversed(arc: &[[f64; 2]]) -> bool {
    let n = arc.len();
    match cmp_xy(arc[0], arc[n - 1]) {
        std::cmp::Ordering::Greater => true,
        std::cmp::Ordering::Less => false,
        std::cmp::Ordering::Equal => {
            n > 2 && cmp_xy(arc[1], arc[n - 2]) == std::cmp::Ordering::Greater
        }
    }
}

/// Marks the vertices where rings part ways: a vertex that occurs more than once with
/// different neighbours. Found by sorting, not hashing, to keep peak memory low.
fn find_junctions(xy: &[[f64; 2]], parts: &[Part]) -> Vec<bool> {
    let mut junction = vec![false; xy.len()];
    // (x bits, vertex index): 16 bytes a vertex; y is looked up only when x ties.
    let mut occurrences: Vec<(u64, u32)> = Vec::with_capacity(xy.len());
    for part in parts {
        let (start, end) = (part.start as usize, part.end as usize);
        if end - start < 2 {
            continue;
        }
        for (i, p) in xy.iter().enumerate().take(end - 1).skip(start) {
            occurrences.push((p[0].to_bits(), i as u32));
        }
    }
    let y_bits = |i: u32| xy[i as usize][1].to_bits();
    occurrences.sort_unstable_by(|a, b| a.0.cmp(&b.0).then_with(|| y_bits(a.1).cmp(&y_bits(b.1))));
    let neighbours = |i: usize| -> ([u64; 2], [u64; 2]) {
        let part = &parts[part_of(parts, i)];
        let (start, end) = (part.start as usize, part.end as usize);
        let n = end - start - 1;
        let k = i - start;
        let prev = xy[start + (k + n - 1) % n];
        let next = xy[start + (k + 1) % n];
        let (p, q) = (
            [prev[0].to_bits(), prev[1].to_bits()],
            [next[0].to_bits(), next[1].to_bits()],
        );
        if p <= q { (p, q) } else { (q, p) }
    };
    let mut g = 0;
    while g < occurrences.len() {
        let (x, first) = occurrences[g];
        let y = y_bits(first);
        let mut h = g + 1;
        while h < occurrences.len() && occurrences[h].0 == x && y_bits(occurrences[h].1) == y {
            h += 1;
        }
        if h - g > 1 {
            let first = neighbours(first as usize);
            let differ = occurrences[g + 1..h]
                .iter()
                .any(|o| neighbours(o.1 as usize) != first);
            if differ {
                for o in &occurrences[g..h] {
                    junction[o.1 as usize] = true;
                }
            }
        }
        g = h;
    }
    junction
}

/// Index of the part holding vertex `i` (parts are sorted by start).
fn part_of(parts: &[Part], i: usize) -> usize {
    parts.partition_point(|p| p.start as usize <= i) - 1
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geometry::{BBox, Part};

    fn part(start: usize, end: usize) -> Part {
        Part {
            start: start as u32,
            end: end as u32,
            outer: true,
            area: 0.0,
            bbox: BBox::EMPTY,
        }
    }

    #[test]
    fn ends_are_kept_and_a_straight_line_collapses() {
        let xy = [[0.0, 0.0], [1.0, 0.0], [2.0, 0.0], [3.0, 0.0]];
        let mut imp = [0.0f32; 4];
        douglas_peucker(&xy, &mut imp, &mut Vec::new());
        assert_eq!(imp, [KEEP, 0.0, 0.0, KEEP]);
    }

    #[test]
    fn a_child_is_never_more_important_than_its_parent() {
        let xy = [[0.0, 0.0], [1.0, 1.0], [1.1, 5.0], [1.2, 1.0], [3.0, 0.0]];
        let mut imp = [0.0f32; 5];
        douglas_peucker(&xy, &mut imp, &mut Vec::new());
        assert!(imp[2] > 0.0);
        assert!(imp[1] <= imp[2] && imp[3] <= imp[2]);
    }

    #[test]
    fn shared_border_gets_identical_importance() {
        // Two squares side by side sharing the wiggly edge x≈1, traversed in opposite directions.
        let edge = [
            [1.0, 0.0],
            [1.01, 0.3],
            [0.98, 0.5],
            [1.02, 0.7],
            [1.0, 1.0],
        ];
        let mut left = vec![[0.0, 0.0]];
        left.extend_from_slice(&edge);
        left.extend_from_slice(&[[0.0, 1.0], [0.0, 0.0]]);
        let mut right_ring: Vec<[f64; 2]> = edge.iter().rev().copied().collect();
        right_ring.extend_from_slice(&[[2.0, 0.0], [2.0, 1.0], [1.0, 1.0]]);
        let mut xy = left.clone();
        xy.extend_from_slice(&right_ring);
        let parts = [part(0, left.len()), part(left.len(), xy.len())];
        let mut imp = vec![0.0f32; xy.len()];
        ring_importance(&xy, &parts, &mut imp);
        for (k, p) in edge.iter().enumerate() {
            let i = xy.iter().position(|q| q == p).unwrap();
            let j = xy.iter().rposition(|q| q == p).unwrap();
            assert_ne!(i, j);
            assert_eq!(imp[i], imp[j], "edge vertex {k} differs");
        }
        assert_eq!(imp[1], KEEP, "junction [1,0] is kept");
    }
}
