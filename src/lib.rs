//! borderland: boundary layers joined to claim tables, served as Mapbox Vector Tiles,
//! TileJSON, styles, OGC API and archives. The library has no HTTP types outside `server`.
//!
//! Data flows one way, and each layer of modules imports only the layers above it in this
//! list (`tests/architecture.rs` fails on a cycle, or on an import of `server` from outside):
//!
//! 1. `error`, `date`, `name` (how names normalise), `value` (Value, FieldType, Field, Feature),
//!    `cores` (work split across cores: loading, filters
//!    over large tables, the clusters of a crowded tile)
//! 2. `geometry` (shapes, projection, tile coordinates, polylabel)
//! 3. `table`, `config` (the catalog)
//! 4. `source` (one reader a format; claim tables)
//! 5. `join` (attribute and spatial joins, filters)
//! 6. `tile` (simplify, index, clip, cut, clean, encode, cluster) on a narrow `TileLayer`
//! 7. `dataset` (the immutable snapshot: layers, build, labels, TileJSON, styles made from
//!    the data, the catalog's words)
//! 8. `features` (selections, GeoJSON and CSV writers), `check`, `assets`, `synthetic`,
//!    `story` (story files checked against the data, and their pages),
//!    `render` (static pictures: style expressions, SVG, PNG)
//! 9. `export` and `server`: siblings that never import each other; `main.rs` sits over both.

pub mod assets;
pub mod check;
pub mod config;
pub mod cores;
pub mod dataset;
pub mod date;
pub mod error;
pub mod export;
pub mod features;
pub mod geometry;
pub mod join;
pub mod name;
pub mod render;
pub mod server;
pub mod source;
pub mod story;
pub mod synthetic;
pub mod table;
pub mod tile;
pub mod value;
