//! Geometry checks that warn rather than refuse: a ring that crosses itself still draws (with
//! even-odd holes), so the data is served, but the person who made it should hear about it.

/// Where a closed ring first crosses itself, if it does. Segments are sorted by their left
/// end and swept left to right, so only segments whose x ranges overlap are compared: close
/// to n log n for real boundaries.
pub fn self_intersection(ring: &[[f64; 2]]) -> Option<[f64; 2]> {
    let n = ring.len().saturating_sub(1);
    if n < 4 {
        return None;
    }
    let mut order: Vec<(f64, f64, usize)> = (0..n)
        .map(|i| {
            let (a, b) = (ring[i], ring[i + 1]);
            (a[0].min(b[0]), a[0].max(b[0]), i)
        })
        .collect();
    order.sort_unstable_by(|p, q| p.0.total_cmp(&q.0));
    for (u, &(_, max_x, i)) in order.iter().enumerate() {
        let (a, b) = (ring[i], ring[i + 1]);
        let (lo, hi) = (a[1].min(b[1]), a[1].max(b[1]));
        for &(min_x, _, j) in &order[u + 1..] {
            if min_x > max_x {
                break;
            }
            // Neighbouring segments share a vertex; the first and last close the ring.
            let (first, second) = (i.min(j), i.max(j));
            if second == first + 1 || (first == 0 && second == n - 1) {
                continue;
            }
            let (c, d) = (ring[j], ring[j + 1]);
            if c[1].max(d[1]) < lo || c[1].min(d[1]) > hi {
                continue;
            }
            if let Some(p) = crossing(a, b, c, d) {
                return Some(p);
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
