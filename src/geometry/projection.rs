//! Longitude/latitude to Web Mercator in the unit square, and back.
//!
//! Every stored coordinate is projected once at load; tiles, bounds and OGC output convert
//! back only at the edges of the system.

use std::f64::consts::PI;

/// Latitude limit of Web Mercator, where the projected world becomes square.
pub const MAX_LATITUDE: f64 = 85.051_128_779_806_59;

/// Project lon/lat (degrees) to `[x, y]` in [0, 1] with y growing southwards.
pub fn project([lon, lat]: [f64; 2]) -> [f64; 2] {
    let lat = lat.clamp(-MAX_LATITUDE, MAX_LATITUDE);
    let x = lon / 360.0 + 0.5;
    let sin = (lat * PI / 180.0).sin();
    let y = 0.5 - 0.25 * ((1.0 + sin) / (1.0 - sin)).ln() / PI;
    [x, y.clamp(0.0, 1.0)]
}

/// Inverse of [`project`].
pub fn unproject([x, y]: [f64; 2]) -> [f64; 2] {
    let lon = (x - 0.5) * 360.0;
    let y2 = (0.5 - y) * 2.0 * PI;
    let lat = (2.0 * y2.exp().atan() - PI / 2.0) * 180.0 / PI;
    [lon, lat]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_is_exact_enough() {
        for &p in &[[69.0, 32.5], [-179.9, -80.0], [0.0, 0.0], [180.0, 85.0]] {
            let back = unproject(project(p));
            assert!(
                (back[0] - p[0]).abs() < 1e-9 && (back[1] - p[1]).abs() < 1e-9,
                "{p:?} -> {back:?}"
            );
        }
    }

    #[test]
    fn corners() {
        assert_eq!(project([-180.0, MAX_LATITUDE])[0], 0.0);
        assert!(project([0.0, 0.0])[1] - 0.5 < 1e-15);
        assert!(project([0.0, 89.0])[1] == 0.0);
    }
}
