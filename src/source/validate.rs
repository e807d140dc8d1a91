//! Geometry checks that warn rather than refuse: a ring that crosses itself still draws (with
//! even-odd holes), so the data is served, but the person who made it should hear about it.

use std::collections::HashMap;

/// Where a closed ring first crosses itself, if it does. Segments are bucketed in a grid
/// sized to the ring, so the check is close to linear for real boundaries.
pub fn self_intersection(ring: &[[f64; 2]]) -> Option<[f64; 2]> {
    let n = ring.len().saturating_sub(1);
    if n < 4 {
        return None;
    }
    let (mut min, mut max) = ([f64::INFINITY; 2], [f64::NEG_INFINITY; 2]);
    for p in ring {
        for k in 0..2 {
            min[k] = min[k].min(p[k]);
            max[k] = max[k].max(p[k]);
        }
    }
    let cells = ((n as f64).sqrt().ceil() as usize).clamp(1, 512);
    let size = [
        ((max[0] - min[0]) / cells as f64).max(1e-300),
        ((max[1] - min[1]) / cells as f64).max(1e-300),
    ];
    let cell = |v: f64, k: usize| (((v - min[k]) / size[k]) as usize).min(cells - 1);
    let mut grid: HashMap<(usize, usize), Vec<usize>> = HashMap::new();
    for i in 0..n {
        let (a, b) = (ring[i], ring[i + 1]);
        for x in cell(a[0].min(b[0]), 0)..=cell(a[0].max(b[0]), 0) {
            for y in cell(a[1].min(b[1]), 1)..=cell(a[1].max(b[1]), 1) {
                grid.entry((x, y)).or_default().push(i);
            }
        }
    }
    let mut keys: Vec<&(usize, usize)> = grid.keys().collect();
    keys.sort();
    for key in keys {
        let segs = &grid[key];
        for (u, &i) in segs.iter().enumerate() {
            for &j in &segs[u + 1..] {
                // Neighbouring segments share a vertex; the first and last close the ring.
                if j == i + 1 || (i == 0 && j == n - 1) {
                    continue;
                }
                if let Some(p) = crossing(ring[i], ring[i + 1], ring[j], ring[j + 1]) {
                    return Some(p);
                }
            }
        }
    }
    None
}

/// The point where two segments properly cross (touching at an end does not count).
fn crossing(a: [f64; 2], b: [f64; 2], c: [f64; 2], d: [f64; 2]) -> Option<[f64; 2]> {
    let orient = |p: [f64; 2], q: [f64; 2], r: [f64; 2]| {
        (q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0])
    };
    let (d1, d2, d3, d4) = (
        orient(c, d, a),
        orient(c, d, b),
        orient(a, b, c),
        orient(a, b, d),
    );
    if ((d1 > 0.0 && d2 < 0.0) || (d1 < 0.0 && d2 > 0.0))
        && ((d3 > 0.0 && d4 < 0.0) || (d3 < 0.0 && d4 > 0.0))
    {
        let t = d1 / (d1 - d2);
        return Some([a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t]);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bowtie_crosses_itself_and_a_square_does_not() {
        let bowtie = [[0.0, 0.0], [1.0, 1.0], [1.0, 0.0], [0.0, 1.0], [0.0, 0.0]];
        let p = self_intersection(&bowtie).expect("crossing");
        assert!((p[0] - 0.5).abs() < 1e-12 && (p[1] - 0.5).abs() < 1e-12);
        let square = [[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0], [0.0, 0.0]];
        assert_eq!(self_intersection(&square), None);
    }
}
