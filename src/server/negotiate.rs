//! What every answer shares besides its body: JSON documents with links get an ETag naming
//! the data version and the base URL, `Vary` on what the links are built from, and 304 on
//! `If-None-Match`; text answers are gzipped when the client accepts it; a plain-text 4xx
//! from an extractor becomes the JSON error every other 4xx is.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::AppState;
use super::errors::ApiError;
use super::tiles::accepts_gzip;
use super::url::{base_url, vary_on};

/// Paths whose JSON holds absolute links built from the base URL.
fn holds_links(path: &str) -> bool {
    (path.starts_with("/tiles/") && path.ends_with(".json"))
        || path == "/catalog"
        || path.starts_with("/styles/")
        || path == "/ogc"
        || path.starts_with("/ogc/")
}

/// Whether `If-None-Match` names `etag` (or is `*`).
pub fn matches(headers: &HeaderMap, etag: &str) -> bool {
    let tag = etag.trim_start_matches("W/").trim_matches('"');
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .any(|t| t == "*" || t.trim_start_matches("W/").trim_matches('"') == tag)
}

fn compressible(content_type: &str) -> bool {
    let t = content_type.split(';').next().unwrap_or("").trim();
    t.starts_with("text/")
        || t.ends_with("json")
        || t == "application/x-protobuf"
        || t == "application/javascript"
        || t == "image/svg+xml"
}

/// Largest body gzipped here (bigger ones go as they are).
const MAX_GZIP_BODY: usize = 64 << 20;

pub async fn negotiate(
    State(state): State<Arc<AppState>>,
    request: Request,
    next: Next,
) -> Response {
    // Only what the answer needs later, so a tile (no links, already compressed) costs no
    // copy of the headers or the path.
    let path = request.uri().path();
    let links = holds_links(path);
    let download = path.starts_with("/data/");
    let wants_gzip = accepts_gzip(request.headers());
    let headers = if links {
        request.headers().clone()
    } else {
        HeaderMap::new()
    };
    let mut res = next.run(request).await;
    let status = res.status();

    if status.is_client_error() && !is_json(res.headers()) && status != StatusCode::NOT_MODIFIED {
        let text = match axum::body::to_bytes(std::mem::take(res.body_mut()), 4096).await {
            Ok(b) => String::from_utf8_lossy(&b).trim().to_string(),
            Err(_) => String::new(),
        };
        let error = if text.is_empty() {
            status
                .canonical_reason()
                .unwrap_or("bad request")
                .to_string()
        } else {
            text
        };
        return ApiError::new(status, error)
            .hint("paths are UTF-8 and percent-encoded; see /catalog for what this server offers")
            .into_response();
    }

    if links && status == StatusCode::OK && is_json(res.headers()) {
        let vary = vary_on(&state.options);
        if !vary.is_empty() {
            res.headers_mut()
                .append(header::VARY, HeaderValue::from_static(vary));
        }
        // The handler's own tag (the data version, with the filter where one applies), or the
        // data version; then the base URL the links were built from.
        let inner = res
            .headers()
            .get(header::ETAG)
            .and_then(|v| v.to_str().ok())
            .map(|t| t.trim_start_matches("W/").trim_matches('"').to_string())
            .unwrap_or_else(|| state.dataset.load().version.clone());
        let base = base_url(&state.options, &headers);
        let tag = format!(
            "W/\"{inner}-{:x}\"",
            crate::value::text_id(&base) & 0xffff_ffff
        );
        if let Ok(value) = HeaderValue::from_str(&tag) {
            res.headers_mut().insert(header::ETAG, value);
        }
        if !res.headers().contains_key(header::CACHE_CONTROL) {
            res.headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
        }
        if matches(&headers, &tag) {
            let mut not_modified = Response::new(Body::empty());
            *not_modified.status_mut() = StatusCode::NOT_MODIFIED;
            for name in [header::ETAG, header::CACHE_CONTROL, header::VARY] {
                for v in res.headers().get_all(&name) {
                    not_modified.headers_mut().append(name.clone(), v.clone());
                }
            }
            not_modified
                .headers_mut()
                .append(header::VARY, HeaderValue::from_static("Accept-Encoding"));
            return not_modified;
        }
    }

    let gzippable = status == StatusCode::OK
        && !download
        && !res.headers().contains_key(header::CONTENT_ENCODING)
        && res
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(compressible);
    if gzippable {
        res.headers_mut()
            .append(header::VARY, HeaderValue::from_static("Accept-Encoding"));
        if wants_gzip {
            let (mut parts, body) = res.into_parts();
            let bytes = match axum::body::to_bytes(body, MAX_GZIP_BODY).await {
                Ok(b) => b,
                Err(e) => {
                    return ApiError::new(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        format!("the answer could not be read: {e}"),
                    )
                    .into_response();
                }
            };
            if bytes.len() < 512 {
                return Response::from_parts(parts, Body::from(bytes));
            }
            let gzip = crate::tile::encode::gzip(&bytes);
            parts.headers.remove(header::CONTENT_LENGTH);
            parts
                .headers
                .insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
            return Response::from_parts(parts, Body::from(gzip));
        }
    }
    res
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.contains("json"))
}
