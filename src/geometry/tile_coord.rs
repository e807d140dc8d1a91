//! Tile addresses and the tile grid: z/x/y in the XYZ scheme, the 4096-unit extent and the
//! buffer every tile is cut with, and a tile's box in projected coordinates. Readers of
//! archives, the tiler, exports and the server all name tiles this way.

use std::fmt;

use super::BBox;

/// Tiles are 4096 units square, as MapLibre and tippecanoe expect.
pub const EXTENT: u32 = 4096;
/// Buffer around each tile in tile units, so strokes and labels do not clip at tile edges.
pub const BUFFER: u32 = 64;
/// Deepest zoom served.
pub const MAX_ZOOM: u8 = 30;

/// A tile address in the XYZ scheme (y grows southwards).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TileCoord {
    pub z: u8,
    pub x: u32,
    pub y: u32,
}

/// Why a tile address is not valid.
#[derive(Debug, Clone, PartialEq)]
pub enum TileCoordError {
    ZoomTooHigh(u64),
    OutOfRange { z: u8, x: u64, y: u64 },
}

impl fmt::Display for TileCoordError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TileCoordError::ZoomTooHigh(z) => {
                write!(f, "zoom {z} is above the maximum of {MAX_ZOOM}")
            }
            TileCoordError::OutOfRange { z, x, y } => {
                let n = 1u64 << z;
                write!(
                    f,
                    "tile {z}/{x}/{y} does not exist: at zoom {z}, x and y must be between 0 and {}",
                    n - 1
                )
            }
        }
    }
}

impl TileCoord {
    /// Validate a z/x/y triple.
    pub fn new(z: u64, x: u64, y: u64) -> Result<TileCoord, TileCoordError> {
        if z > MAX_ZOOM as u64 {
            return Err(TileCoordError::ZoomTooHigh(z));
        }
        let n = 1u64 << z;
        if x >= n || y >= n {
            return Err(TileCoordError::OutOfRange { z: z as u8, x, y });
        }
        Ok(TileCoord {
            z: z as u8,
            x: x as u32,
            y: y as u32,
        })
    }
}

impl fmt::Display for TileCoord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}/{}", self.z, self.x, self.y)
    }
}

/// The projected box of a tile, grown by `buffer` (a fraction of the tile's size) on each side.
pub fn tile_bbox(c: TileCoord, buffer: f64) -> BBox {
    let size = 1.0 / (1u64 << c.z) as f64;
    BBox {
        min_x: (c.x as f64 - buffer) * size,
        min_y: (c.y as f64 - buffer) * size,
        max_x: (c.x as f64 + 1.0 + buffer) * size,
        max_y: (c.y as f64 + 1.0 + buffer) * size,
    }
}
