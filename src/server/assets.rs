//! The viewer page, MapLibre styles, glyphs and vendored front-end files, all served by the
//! binary itself so `cargo run` works offline.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;

use super::AppState;
use super::errors::ApiError;

/// `GET /`: the viewer.
pub async fn index(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    use axum::response::IntoResponse;
    super::catalog::index(State(state), headers)
        .await
        .into_response()
}

/// `GET /styles/{name}.json`: a MapLibre style with absolute URLs for this server.
pub async fn style(
    State(_state): State<Arc<AppState>>,
    Path(name): Path<String>,
    _headers: HeaderMap,
) -> Result<Response, ApiError> {
    Err(ApiError::not_found(format!("no style '{name}'")))
}

/// `GET /fonts/{fontstack}/{range}.pbf`: SDF glyphs.
pub async fn font(Path((stack, range)): Path<(String, String)>) -> Result<Response, ApiError> {
    Err(ApiError::not_found(format!(
        "no glyphs for '{stack}' {range}"
    )))
}

/// `GET /static/{*path}`: vendored front-end files.
pub async fn static_file(Path(path): Path<String>) -> Result<Response, ApiError> {
    Err(ApiError::not_found(format!("no file '{path}'")))
}
