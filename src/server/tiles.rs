//! `GET /tiles/{layers}/{z}/{x}/{y}.mvt`: one or several layers in one tile.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;

use super::AppState;
use super::cache::CutFailed;
use super::errors::ApiError;
use crate::config::FilterKind;
use crate::dataset::{Dataset, FilteredLayer, Layer, RasterLayer, ResolveError, tile_layers};
use crate::join::filter::Filter;
use crate::tile::{self, TileCoord};

pub const MVT_CONTENT_TYPE: &str = "application/vnd.mapbox-vector-tile";
pub const CACHE_CONTROL: &str = "public, max-age=300, stale-while-revalidate=3600";

/// Resolve a comma list of layer ids against the dataset.
pub fn resolve_layers(dataset: &Dataset, ids: &str) -> Result<Vec<Arc<Layer>>, ApiError> {
    dataset.resolve(ids).map_err(|e| match &e {
        ResolveError::Twice(_) => ApiError::bad_request(e.to_string()),
        ResolveError::Raster { id, extension } => {
            ApiError::bad_request(e.to_string()).hint(format!(
                "ask for it alone: /tiles/{id}.json, /tiles/{id}/{{z}}/{{x}}/{{y}}.{extension}"
            ))
        }
        ResolveError::Unknown { known, .. } => {
            ApiError::not_found(e.to_string()).hint(format!("known layers: {}", known.join(", ")))
        }
    })
}

/// Parse the query's filters against those the layers declare (any of them).
pub fn parse_filter(layers: &[Arc<Layer>], query: Option<&str>) -> Result<Filter, ApiError> {
    let allowed: std::collections::BTreeSet<FilterKind> = layers
        .iter()
        .flat_map(|l| l.filters.iter().copied())
        .collect();
    Filter::parse(query, &allowed).map_err(|e| {
        ApiError::bad_request(e)
            .hint("dates are YYYY-MM-DD, YYYY-MM or YYYY; see /catalog for each layer's filters")
    })
}

/// Each layer with its filtered view.
pub fn views(
    dataset: &Dataset,
    layers: &[Arc<Layer>],
    filter: &Filter,
) -> Vec<Option<Arc<FilteredLayer>>> {
    layers.iter().map(|l| dataset.filtered(l, filter)).collect()
}

fn parse_coord(z: &str, x: &str, y: &str) -> Result<TileCoord, ApiError> {
    let num = |name: &str, v: &str| {
        v.parse::<u64>().map_err(|_| {
            ApiError::bad_request(format!("{name} '{v}' is not a whole number"))
                .hint("tile URLs look like /tiles/{layer}/{z}/{x}/{y}.mvt, e.g. /tiles/provinces/5/22/12.mvt")
        })
    };
    let (z, x, y) = (num("z", z)?, num("x", x)?, num("y", y)?);
    TileCoord::new(z, x, y).map_err(|e| {
        ApiError::bad_request(e.to_string())
            .hint("zoom goes from 0 to 30; at zoom z, x and y go from 0 to 2^z - 1")
    })
}

/// Whether the client takes gzip: `gzip` (or `*`) with a q-value above 0 in any
/// `Accept-Encoding` header (`gzip;q=0.5` is a yes, `gzip;q=0` a no).
pub fn accepts_gzip(headers: &HeaderMap) -> bool {
    let mut gzip = None;
    let mut any = None;
    for part in headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
    {
        let mut pieces = part.split(';');
        let coding = pieces.next().unwrap_or("").trim();
        let q = pieces
            .filter_map(|p| p.trim().strip_prefix("q="))
            .find_map(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        if coding.eq_ignore_ascii_case("gzip") || coding.eq_ignore_ascii_case("x-gzip") {
            gzip = Some(q);
        } else if coding == "*" {
            any = Some(q);
        }
    }
    gzip.or(any).is_some_and(|q| q > 0.0)
}

/// The ETag every response for a data version shares.
pub fn etag(version: &str) -> HeaderValue {
    HeaderValue::from_str(&format!("W/\"{version}\""))
        .unwrap_or(HeaderValue::from_static("W/\"0\""))
}

/// Whether `If-None-Match` names this version (or is `*`).
pub fn not_modified(headers: &HeaderMap, version: &str) -> bool {
    super::negotiate::matches(headers, version)
}

pub async fn tile(
    State(state): State<Arc<AppState>>,
    Path((layers, z, x, y_ext)): Path<(String, String, String, String)>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    if let Some(raster) = state.dataset.load().raster(&layers).cloned() {
        return raster_tile(&state, &raster, (&z, &x, &y_ext), &headers).await;
    }
    let y = y_ext
        .strip_suffix(".mvt")
        .or_else(|| y_ext.strip_suffix(".pbf"))
        .ok_or_else(|| {
            ApiError::not_found(format!("'{y_ext}' is not a tile name"))
                .hint("tile names end in .mvt, e.g. /tiles/provinces/5/22/12.mvt")
        })?;
    let coord = parse_coord(&z, &x, y)?;
    tile_response(&state, &layers, coord, query.as_deref(), &headers).await
}

/// The version a filtered tile is served under. A filtered tile is another representation:
/// its ETag names the filter too, because MapLibre sends a tile's old ETag when only the
/// query of the tile URL changed.
pub fn filtered_version(dataset: &Dataset, filter: &Filter) -> String {
    if filter.is_empty() {
        dataset.version.clone()
    } else {
        format!(
            "{}-{:x}",
            dataset.version,
            crate::value::text_id(&filter.canonical())
        )
    }
}

/// A tile from the cache, or cut (off the executor) and cached: the one path for tile URLs
/// and for static images, so a picture reuses the tiles the browser already asked for.
pub async fn cached_tile(
    state: &Arc<AppState>,
    dataset: &Arc<Dataset>,
    layers: &str,
    resolved: Vec<Arc<Layer>>,
    filter: &Filter,
    coord: TileCoord,
) -> Result<Arc<super::cache::CachedTile>, ApiError> {
    let version = filtered_version(dataset, filter);
    let key = format!("{version}/{layers}/{coord}?{}", filter.canonical());
    let timing = Arc::clone(state);
    let dataset = Arc::clone(dataset);
    let filter = filter.clone();
    state
        .cache
        .get_or_try_compute(&key, move || {
            let views = views(&dataset, &resolved, &filter);
            let refs = tile_layers(&resolved, &views);
            let started = std::time::Instant::now();
            let tile = tile::render_live(&refs, coord);
            timing.metrics.cut(started.elapsed());
            tile
        })
        .await
        .map_err(|e| match e {
            CutFailed::Source(e) if e.unavailable() => {
                tracing::warn!("tile {coord}: {e}");
                ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    format!("tile {coord} needs the database, which cannot be reached"),
                )
                .hint("the database is down or busy; retry in a moment")
                .retry_after(5)
            }
            CutFailed::Source(e) => {
                tracing::error!("tile {coord}: {e}");
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    format!("tile {coord} failed: the database refused the layer's query"),
                )
                .hint("the server log names the query's error; check the catalog's table or sql")
            }
            CutFailed::Panicked => ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("tile {coord} failed: {e}", e = CutFailed::Panicked),
            )
            .hint("this is a bug in the server; the log has the details"),
        })
}

/// The one response path for a tile, whichever URL scheme asked for it (XYZ here, OGC API
/// Tiles under `/ogc`): filters, cache, ETag and 304, gzip, 204 for an empty tile.
pub async fn tile_response(
    state: &Arc<AppState>,
    layers: &str,
    coord: TileCoord,
    query: Option<&str>,
    headers: &HeaderMap,
) -> Result<Response, ApiError> {
    let dataset = state.dataset.load_full();
    let resolved = resolve_layers(&dataset, layers)?;
    let filter = parse_filter(&resolved, query)?;
    let version = filtered_version(&dataset, &filter);
    if not_modified(headers, &version) {
        return Ok(Response::builder()
            .status(StatusCode::NOT_MODIFIED)
            .header(header::ETAG, etag(&version))
            .header(header::CACHE_CONTROL, CACHE_CONTROL)
            .header(header::VARY, "Accept-Encoding")
            .body(Body::empty())
            .unwrap_or_default());
    }
    let tile = cached_tile(state, &dataset, layers, resolved, &filter, coord).await?;
    let mut res = Response::builder()
        .header(header::ETAG, etag(&version))
        .header(header::CACHE_CONTROL, CACHE_CONTROL)
        .header(header::VARY, "Accept-Encoding");
    if tile.raw.is_empty() {
        return Ok(res
            .status(StatusCode::NO_CONTENT)
            .body(Body::empty())
            .unwrap_or_default());
    }
    res = res.header(header::CONTENT_TYPE, MVT_CONTENT_TYPE);
    let body = if accepts_gzip(headers) {
        res = res.header(header::CONTENT_ENCODING, "gzip");
        tile.gzip.clone()
    } else {
        tile.raw.clone()
    };
    Ok(res.body(Body::from(body)).unwrap_or_default())
}

/// A raster layer's tile: the archive's picture as it is (no gzip: PNG, JPEG and WebP are
/// compressed already), with the data version's ETag, 204 where the archive has none.
async fn raster_tile(
    state: &Arc<AppState>,
    raster: &Arc<RasterLayer>,
    (z, x, y_ext): (&str, &str, &str),
    headers: &HeaderMap,
) -> Result<Response, ApiError> {
    let ext = raster.format().extension();
    let y = y_ext.strip_suffix(&format!(".{ext}")).ok_or_else(|| {
        ApiError::not_found(format!("'{y_ext}' is not a tile of layer '{}'", raster.id)).hint(
            format!(
                "layer '{id}' serves {ext} pictures: /tiles/{id}/{{z}}/{{x}}/{{y}}.{ext}",
                id = raster.id
            ),
        )
    })?;
    let coord = parse_coord(z, x, y)?;
    let version = state.dataset.load().version.clone();
    let res = Response::builder()
        .header(header::ETAG, etag(&version))
        .header(header::CACHE_CONTROL, CACHE_CONTROL);
    if not_modified(headers, &version) {
        return Ok(res
            .status(StatusCode::NOT_MODIFIED)
            .body(Body::empty())
            .unwrap_or_default());
    }
    let picture = if (raster.minzoom..=raster.maxzoom).contains(&coord.z) {
        let archive = Arc::clone(&raster.archive);
        tokio::task::spawn_blocking(move || archive.tile(coord))
            .await
            .map_err(|_| {
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    format!("tile {coord} failed while reading the archive"),
                )
                .hint("this is a bug in the server; the log has the details")
            })?
            .map_err(|e| {
                tracing::error!("{e}");
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    format!(
                        "tile {coord} of layer '{}' cannot be read from its archive",
                        raster.id
                    ),
                )
                .hint("the server log names the archive and the error; check the file")
            })?
    } else {
        None
    };
    Ok(match picture {
        Some(bytes) if !bytes.is_empty() => res
            .header(header::CONTENT_TYPE, raster.format().content_type())
            .body(Body::from(bytes))
            .unwrap_or_default(),
        _ => res
            .status(StatusCode::NO_CONTENT)
            .body(Body::empty())
            .unwrap_or_default(),
    })
}
