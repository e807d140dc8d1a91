//! `GET /styles/{style}/static/{view}/{size}`: a PNG or SVG picture of a style (tileserver-gl's
//! URL scheme), drawn by `render` from the same cached tiles the browser gets.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;

use super::AppState;
use super::errors::ApiError;
use super::tiles::{cached_tile, etag, filtered_version, not_modified, parse_filter};
use crate::render::{self, ImageRequest, RenderError, RequestError, TileKey};

fn bad(e: RequestError) -> ApiError {
    ApiError::bad_request(e.error).hint(e.hint)
}

fn server_error(e: RenderError) -> ApiError {
    match e {
        RenderError::UnknownLayers(_) => ApiError::not_found(e.to_string())
            .hint("this style draws layers the loaded catalog does not have; see /catalog"),
        other => ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, other.to_string()),
    }
}

pub async fn static_image(
    State(state): State<Arc<AppState>>,
    Path((name, view, size)): Path<(String, String, String)>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let request = ImageRequest::parse(&view, &size).map_err(bad)?;
    let (extras, filter_query) = render::request::split_query(query.as_deref()).map_err(bad)?;
    let dataset = state.dataset.load_full();
    let style_json =
        render::style_json(&dataset, &name, extras.label_language()).ok_or_else(|| {
            ApiError::not_found(format!("no style '{name}'")).hint(format!(
                "styles: {}; e.g. /styles/{}/static/69.3,33.5,5/1200x630.png",
                render::style_names(&dataset).join(", "),
                render::style_names(&dataset)
                    .first()
                    .copied()
                    .unwrap_or("explainer")
            ))
        })?;
    let plan = render::plan(&style_json, request, &dataset).map_err(server_error)?;
    let filter = parse_filter(&plan.layers, Some(&filter_query))?;
    // The picture changes with the data, the filter and the drawing code (the URL names the
    // rest), so its ETag names all three.
    let version = format!(
        "{}-render{}",
        filtered_version(&dataset, &filter),
        env!("CARGO_PKG_VERSION")
    );
    if not_modified(&headers, &version) {
        return Ok(Response::builder()
            .status(StatusCode::NOT_MODIFIED)
            .header(header::ETAG, etag(&version))
            .body(Body::empty())
            .unwrap_or_default());
    }
    let mut tiles: HashMap<TileKey, Vec<u8>> = HashMap::new();
    for key in &plan.tiles {
        let resolved = super::tiles::resolve_layers(&dataset, &key.layers)?;
        let tile = cached_tile(&state, &dataset, &key.layers, resolved, &filter, key.coord).await?;
        tiles.insert(key.clone(), tile.raw.to_vec());
    }
    let captions = plan.captions(&dataset, &filter, extras);
    let format = request.format;
    // Drawing is CPU work: off the async executor, like cutting tiles.
    let style_for_draw = style_json.clone();
    let dataset_for_draw = Arc::clone(&dataset);
    let bytes = tokio::task::spawn_blocking(move || {
        let plan = render::plan(&style_for_draw, request, &dataset_for_draw)?;
        let svg = render::draw_svg(&plan, &tiles, &captions)?;
        render::encode(&plan, svg)
    })
    .await
    .map_err(|e| {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("drawing failed: {e}"),
        )
    })?
    .map_err(server_error)?;
    Ok(Response::builder()
        .header(header::CONTENT_TYPE, format.content_type())
        .header(header::ETAG, etag(&version))
        .header(header::CACHE_CONTROL, "public, max-age=300")
        .body(Body::from(bytes))
        .unwrap_or_default())
}
