//! `GET /data/{layer}.geojson` and `/data/{layer}.csv`: the joined layer as a download, with
//! its provenance fields.

use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::response::Response;

use super::AppState;
use super::errors::ApiError;

pub async fn download(
    State(_state): State<Arc<AppState>>,
    Path(file): Path<String>,
    RawQuery(_query): RawQuery,
) -> Result<Response, ApiError> {
    Err(ApiError::not_found(format!("no download '{file}'")))
}
