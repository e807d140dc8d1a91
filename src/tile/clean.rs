//! Integer clean-up after rounding to the tile grid, as MVT 2.1 requires.
//!
//! Rounding can make consecutive vertices equal, fold a ring onto itself or collapse it to
//! nothing. Here: drop repeated points and the closing point, remove spikes that double back,
//! drop rings with fewer than three points or zero area, and orient rings so exteriors have
//! positive area in y-down tile coordinates (clockwise on screen) and holes negative.

/// Twice the signed area of an open ring (closing edge implied), y down.
pub fn area2(ring: &[[i32; 2]]) -> i64 {
    let n = ring.len();
    let mut sum = 0i64;
    for i in 0..n {
        let a = ring[i];
        let b = ring[(i + 1) % n];
        sum += a[0] as i64 * b[1] as i64 - b[0] as i64 * a[1] as i64;
    }
    sum
}

/// Clean a ring in place. Returns false when nothing drawable remains.
pub fn ring(points: &mut Vec<[i32; 2]>, exterior: bool) -> bool {
    dedup_and_despike(points, true);
    if points.len() < 3 {
        return false;
    }
    let a = area2(points);
    if a == 0 {
        return false;
    }
    if (a > 0) != exterior {
        points.reverse();
    }
    true
}

/// Clean a line in place. Returns false when no segment of non-zero length remains.
pub fn line(points: &mut Vec<[i32; 2]>) -> bool {
    points.dedup();
    points.len() >= 2
}

/// Remove repeated points and A-B-A spikes; for rings also the closing point, cyclically.
fn dedup_and_despike(points: &mut Vec<[i32; 2]>, closed: bool) {
    let mut out: Vec<[i32; 2]> = Vec::with_capacity(points.len());
    for &p in points.iter() {
        if out.last() == Some(&p) {
            continue;
        }
        if out.len() >= 2 && out[out.len() - 2] == p {
            // A -> B -> A: drop B and do not repeat A.
            out.pop();
            continue;
        }
        out.push(p);
    }
    if closed {
        loop {
            let n = out.len();
            if n >= 2 && out[0] == out[n - 1] {
                out.pop();
                continue;
            }
            if n >= 3 && out[n - 2] == out[0] {
                // ... A, B | A ...: spike across the seam.
                out.pop();
                continue;
            }
            if n >= 3 && out[1] == out[n - 1] {
                out.remove(0);
                continue;
            }
            break;
        }
    }
    *points = out;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exterior_is_positive_and_hole_negative() {
        let mut ccw_screen = vec![[0, 0], [0, 10], [10, 10], [10, 0], [0, 0]];
        assert!(ring(&mut ccw_screen, true));
        assert!(area2(&ccw_screen) > 0);
        assert_eq!(ccw_screen.len(), 4, "closing point dropped");
        let mut hole = ccw_screen.clone();
        assert!(ring(&mut hole, false));
        assert!(area2(&hole) < 0);
    }

    #[test]
    fn degenerate_rings_are_dropped() {
        let mut flat = vec![[0, 0], [5, 0], [10, 0], [0, 0]];
        assert!(!ring(&mut flat, true));
        let mut spike = vec![[0, 0], [5, 5], [0, 0], [0, 0]];
        assert!(!ring(&mut spike, true));
    }

    #[test]
    fn spikes_and_repeats_are_removed() {
        let mut r = vec![
            [0, 0],
            [10, 0],
            [10, 0],
            [20, 0],
            [10, 0],
            [10, 10],
            [0, 10],
            [0, 0],
        ];
        assert!(ring(&mut r, true));
        assert_eq!(r.len(), 4);
        for w in r.windows(2) {
            assert_ne!(w[0], w[1]);
        }
    }
}
