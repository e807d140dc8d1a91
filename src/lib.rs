//! borderland: GeoJSON layers joined to attribute tables, served as Mapbox Vector Tiles,
//! TileJSON and catalogs. The library has no HTTP types outside `server`.
//!
//! Data flows one way: `config` (catalog) → `source` (readers) → `dataset` (typed, indexed,
//! immutable snapshot) → `tile` (cut and encode) → `server` (HTTP).

pub mod assets;
pub mod check;
pub mod config;
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
pub mod synthetic;
pub mod table;
pub mod tile;
pub mod value;
