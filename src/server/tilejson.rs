//! `GET /tiles/{layers}.json`: TileJSON 3.0.0 for one layer or a comma list of layers (a
//! raster layer alone, its `format` naming its pictures).

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};

use super::AppState;
use super::errors::ApiError;
use super::tiles::{etag, parse_filter, resolve_layers};
use super::url::base_url;
use crate::dataset::tilejson::build;

pub async fn tilejson(
    State(state): State<Arc<AppState>>,
    Path(name): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let ids = name.strip_suffix(".json").ok_or_else(|| {
        ApiError::not_found(format!("no such page: /tiles/{name}"))
            .hint("TileJSON is at /tiles/{layer}.json; tiles at /tiles/{layer}/{z}/{x}/{y}.mvt")
    })?;
    let dataset = state.dataset.load_full();
    let base = base_url(&state.options, &headers);
    let body = match dataset.raster(ids) {
        Some(raster) => raster.tilejson(&base, &dataset.version),
        None => {
            let layers = resolve_layers(&dataset, ids)?;
            let filter = parse_filter(&layers, query.as_deref())?;
            build(&dataset, &layers, ids, &base, &filter)
        }
    };
    let mut res = Json(body).into_response();
    res.headers_mut()
        .insert(header::ETAG, etag(&dataset.version));
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        "no-cache".parse().expect("static header"),
    );
    Ok(res)
}
