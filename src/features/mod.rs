//! A layer's features as GIS tools want them (GeoJSON, CSV), for the OGC API and downloads:
//! `select` picks features under a query, `geojson` and `csv` write them back in lon/lat.

pub mod cql2;
pub mod csv;
pub mod geojson;
pub mod select;

pub use select::{FeatureQuery, LonLatBox, Selection, select};
