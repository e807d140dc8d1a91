//! OGC API – Features and Tiles under `/ogc`, for GIS tools (QGIS, GDAL).

use std::sync::Arc;

use axum::Router;

use super::AppState;

/// Routes under `/ogc`.
pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
}
