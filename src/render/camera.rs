//! Where the map sits in the picture, computed as MapLibre does: 512-pixel tiles, `fitBounds`
//! with no padding for a box, a bearing rotating the map about the centre, and the tiles of
//! the covering zoom (the floor of the zoom, within the source's zooms).

use crate::geometry::TileCoord;
use crate::geometry::projection::{project, unproject};

use super::request::{MAX_ZOOM, View};

/// Size of a tile on screen at its own zoom, in CSS pixels (MapLibre's vector tile size).
pub const TILE_SIZE: f64 = 512.0;

/// A view resolved to a centre, zoom and bearing for a picture of `width`×`height`.
#[derive(Clone, Copy, Debug)]
pub struct Camera {
    /// Centre in Web Mercator units (0..1).
    pub center: [f64; 2],
    pub zoom: f64,
    pub bearing_deg: f64,
    pub width: f64,
    pub height: f64,
}

impl Camera {
    pub fn new(view: View, width: u32, height: u32) -> Camera {
        let (w, h) = (f64::from(width), f64::from(height));
        match view {
            View::Center {
                lon,
                lat,
                zoom,
                bearing,
            } => Camera {
                center: project([lon, lat]),
                zoom,
                bearing_deg: bearing,
                width: w,
                height: h,
            },
            View::Bounds {
                west,
                south,
                east,
                north,
            } => {
                let nw = project([west, north]);
                let se = project([east, south]);
                let (dx, dy) = ((se[0] - nw[0]) * TILE_SIZE, (se[1] - nw[1]) * TILE_SIZE);
                let scale = (w / dx).min(h / dy);
                Camera {
                    center: [(nw[0] + se[0]) / 2.0, (nw[1] + se[1]) / 2.0],
                    zoom: scale.log2().clamp(0.0, MAX_ZOOM),
                    bearing_deg: 0.0,
                    width: w,
                    height: h,
                }
            }
        }
    }

    /// Size of the world in CSS pixels at this zoom.
    pub fn world_size(&self) -> f64 {
        TILE_SIZE * self.zoom.exp2()
    }

    /// Screen position (CSS pixels, y down) of a Web Mercator point.
    pub fn to_screen(&self, m: [f64; 2]) -> [f64; 2] {
        let ws = self.world_size();
        let dx = (m[0] - self.center[0]) * ws;
        let dy = (m[1] - self.center[1]) * ws;
        let a = -self.bearing_deg.to_radians();
        let (s, c) = a.sin_cos();
        [
            dx * c - dy * s + self.width / 2.0,
            dx * s + dy * c + self.height / 2.0,
        ]
    }

    /// Web Mercator point under a screen position.
    pub fn to_mercator(&self, p: [f64; 2]) -> [f64; 2] {
        let ws = self.world_size();
        let (dx, dy) = (p[0] - self.width / 2.0, p[1] - self.height / 2.0);
        let a = self.bearing_deg.to_radians();
        let (s, c) = a.sin_cos();
        [
            self.center[0] + (dx * c - dy * s) / ws,
            self.center[1] + (dx * s + dy * c) / ws,
        ]
    }

    /// The zoom whose tiles draw this view, within the source's zooms (MapLibre overzooms the
    /// deepest tiles); `None` below the source's minimum zoom.
    pub fn tile_zoom(&self, minzoom: u8, maxzoom: u8) -> Option<u8> {
        let z = self.zoom.floor() as i64;
        if z < i64::from(minzoom) {
            return None;
        }
        Some(z.min(i64::from(maxzoom)) as u8)
    }

    /// The tiles at zoom `z` that the picture shows.
    pub fn covering_tiles(&self, z: u8) -> Vec<TileCoord> {
        let corners = [
            [0.0, 0.0],
            [self.width, 0.0],
            [0.0, self.height],
            [self.width, self.height],
        ]
        .map(|p| self.to_mercator(p));
        let n = f64::from(1u32 << z);
        let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
        for c in corners {
            x0 = x0.min(c[0]);
            y0 = y0.min(c[1]);
            x1 = x1.max(c[0]);
            y1 = y1.max(c[1]);
        }
        let last = (1u32 << z) - 1;
        let clamp = |v: f64| (v * n).floor().clamp(0.0, f64::from(last)) as u32;
        let mut tiles = Vec::new();
        for y in clamp(y0)..=clamp(y1) {
            for x in clamp(x0)..=clamp(x1) {
                tiles.push(TileCoord { z, x, y });
            }
        }
        tiles
    }

    /// Longitude/latitude of the picture's centre (for descriptions).
    pub fn center_lon_lat(&self) -> [f64; 2] {
        unproject(self.center)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_fit_the_tighter_side_and_centre_on_the_box() {
        let cam = Camera::new(
            View::Bounds {
                west: 60.0,
                south: 23.0,
                east: 78.0,
                north: 38.0,
            },
            1200,
            630,
        );
        let nw = cam.to_screen(project([60.0, 38.0]));
        let se = cam.to_screen(project([78.0, 23.0]));
        // One pair of sides touches the picture's edges, the other lies inside.
        let touches_x = nw[0].abs() < 1e-6 && (se[0] - 1200.0).abs() < 1e-6;
        let touches_y = nw[1].abs() < 1e-6 && (se[1] - 630.0).abs() < 1e-6;
        assert!(
            touches_x != touches_y || (touches_x && touches_y),
            "{nw:?} {se:?}"
        );
        assert!(
            nw[0] >= -1e-6 && nw[1] >= -1e-6 && se[0] <= 1200.0 + 1e-6 && se[1] <= 630.0 + 1e-6
        );
    }

    #[test]
    fn bearing_turns_east_to_the_top() {
        let cam = Camera::new(
            View::Center {
                lon: 69.0,
                lat: 33.0,
                zoom: 5.0,
                bearing: 90.0,
            },
            400,
            400,
        );
        let east = cam.to_screen(project([70.0, 33.0]));
        assert!(
            (east[0] - 200.0).abs() < 1e-6 && east[1] < 200.0,
            "{east:?}"
        );
        let back = cam.to_mercator(east);
        let m = project([70.0, 33.0]);
        assert!((back[0] - m[0]).abs() < 1e-12 && (back[1] - m[1]).abs() < 1e-12);
    }

    #[test]
    fn covering_tiles_use_the_floor_of_the_zoom() {
        let cam = Camera::new(
            View::Center {
                lon: 69.0,
                lat: 33.0,
                zoom: 5.7,
                bearing: 0.0,
            },
            512,
            512,
        );
        assert_eq!(cam.tile_zoom(0, 10), Some(5));
        assert_eq!(cam.tile_zoom(0, 4), Some(4));
        assert_eq!(cam.tile_zoom(6, 10), None);
        let tiles = cam.covering_tiles(5);
        assert!(!tiles.is_empty() && tiles.len() <= 4, "{tiles:?}");
    }
}
