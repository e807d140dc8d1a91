//! Geometry below everything that reads, joins or tiles it: flat shape storage, the Web
//! Mercator projection, tile addresses and polylabel. Pure data and algorithms; no I/O.

pub mod polylabel;
pub mod projection;
mod shapes;
mod tile_coord;

pub use shapes::*;
pub use tile_coord::*;
