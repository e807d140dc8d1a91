//! Tile cache hits answered ahead of the middleware: a GET for a tile already cut costs a
//! parse of the path, one lookup with a key written on the stack, and headers made once. A
//! miss, HEAD or anything unusual goes through the full router unchanged.

use std::convert::Infallible;
use std::fmt::Write as _;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use arc_swap::ArcSwap;
use axum::Router;
use axum::body::{Body, Bytes, HttpBody};
use axum::http::{HeaderMap, HeaderValue, Method, Request, Response, StatusCode, header};
use axum::routing::future::RouteFuture;
use tower::Service;

use super::negotiate::matches;
use super::tiles::{
    CACHE_CONTROL, MVT_CONTENT_TYPE, accepts_gzip, etag, filtered_version, parse_filter,
    resolve_layers,
};
use super::{AppState, CorsRules, MAX_HEADER_BYTES, MAX_URI_BYTES, header_bytes, uri_bytes};

/// The `Vary` tower-http's CORS layer adds when the allowed origins are a list.
const CORS_VARY: &str = "origin, access-control-request-method, access-control-request-headers";

/// The router, with tile cache hits answered in front of it.
#[derive(Clone)]
pub struct TileHits {
    ahead: Arc<Ahead>,
    routes: Router,
}

/// What the answers ahead need, shared by every connection.
struct Ahead {
    state: Arc<AppState>,
    cors: Option<CorsRules>,
    /// The ETag of the data version last served, made once per version.
    tag: ArcSwap<VersionTag>,
}

struct VersionTag {
    version: String,
    etag: HeaderValue,
}

impl TileHits {
    /// `routes` (the full router for `state`) with cache hits answered in front.
    pub fn new(state: Arc<AppState>, routes: Router) -> TileHits {
        let version = state.dataset.load().version.clone();
        let tag = ArcSwap::from_pointee(VersionTag {
            etag: etag(&version),
            version,
        });
        TileHits {
            ahead: Arc::new(Ahead {
                cors: CorsRules::parse(&state.options.cors_origins),
                state,
                tag,
            }),
            routes,
        }
    }
}

impl Ahead {
    /// The answer the router would give, when the request is a GET for a tile in the
    /// cache; `None` sends it to the router.
    fn answer<B>(&self, request: &Request<B>) -> Option<Response<Body>> {
        let uri = request.uri();
        if request.method() != Method::GET {
            return None;
        }
        let (layers, z, x, y) = tile_address(uri.path())?;
        let headers = request.headers();
        // Oversized requests get their 414 or 431 from the guard.
        if uri_bytes(uri) > MAX_URI_BYTES || header_bytes(headers) > MAX_HEADER_BYTES {
            return None;
        }
        let dataset = self.state.dataset.load();
        // A query is read as the tile handler reads it (an unknown layer or a bad filter goes
        // to the router for its error); a plain tile costs no allocation.
        let filtered = match uri.query() {
            None => None,
            Some(query) => {
                let resolved = resolve_layers(&dataset, layers).ok()?;
                let filter = parse_filter(&resolved, Some(query)).ok()?;
                Some((filtered_version(&dataset, &filter), filter.canonical()))
            }
        };
        let (version, canonical) = match &filtered {
            None => (dataset.version.as_str(), ""),
            Some((version, canonical)) => (version.as_str(), canonical.as_str()),
        };
        // The key `tiles::cached_tile` writes. Only a tile whose layers resolved and whose
        // address was valid is in the cache, so a hit vouches for both, under this version.
        let mut key = StackKey::new();
        write!(key, "{version}/{layers}/{z}/{x}/{y}?{canonical}").ok()?;
        let key = key.as_str()?;
        let etag = match filtered {
            None => self.etag(version),
            Some(_) => etag(version),
        };
        let cache = &self.state.cache;
        let mut map = HeaderMap::with_capacity(12);
        // As `tiles::tile_response` answers: 304 before the cache is asked (so no hit is
        // counted), then 204 for an empty tile, or the tile gzipped when accepted.
        let (status, body) = if matches(headers, version) {
            cache.get(key)?;
            tile_headers(etag, &mut map);
            (StatusCode::NOT_MODIFIED, Body::empty())
        } else {
            let tile = cache.hit(key)?;
            tile_headers(etag, &mut map);
            if tile.raw.is_empty() {
                (StatusCode::NO_CONTENT, Body::empty())
            } else {
                map.insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static(MVT_CONTENT_TYPE),
                );
                let (bytes, length) = if accepts_gzip(headers) {
                    map.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
                    (tile.gzip.clone(), tile.gzip_length.clone())
                } else {
                    (tile.raw.clone(), tile.raw_length.clone())
                };
                map.insert(header::CONTENT_LENGTH, length);
                (StatusCode::OK, Body::from(bytes))
            }
        };
        if status != StatusCode::OK {
            // As axum writes it for an empty body.
            map.insert(header::CONTENT_LENGTH, HeaderValue::from_static("0"));
        }
        self.cors(headers, &mut map);
        self.state.metrics.tile_request(status.as_u16());
        self.state.metrics.answer_ahead();
        let mut response = Response::new(body);
        *response.status_mut() = status;
        *response.headers_mut() = map;
        Some(response)
    }

    /// The CORS headers the router's CORS layer adds to an answer that is not a preflight.
    fn cors(&self, request: &HeaderMap, map: &mut HeaderMap) {
        let Some(rules) = &self.cors else { return };
        let expose = HeaderValue::from_static("etag");
        match rules {
            CorsRules::Any => {
                map.insert(header::ACCESS_CONTROL_EXPOSE_HEADERS, expose);
                map.insert(
                    header::ACCESS_CONTROL_ALLOW_ORIGIN,
                    HeaderValue::from_static("*"),
                );
            }
            CorsRules::List(origins) => {
                map.append(header::VARY, HeaderValue::from_static(CORS_VARY));
                map.insert(header::ACCESS_CONTROL_EXPOSE_HEADERS, expose);
                if let Some(origin) = request.get(header::ORIGIN).filter(|o| origins.contains(o)) {
                    map.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin.clone());
                }
            }
        }
    }

    /// The ETag of the data version (unfiltered tiles), made once per version.
    fn etag(&self, version: &str) -> HeaderValue {
        let tag = self.tag.load();
        if tag.version == version {
            return tag.etag.clone();
        }
        let fresh = etag(version);
        self.tag.store(Arc::new(VersionTag {
            version: version.to_string(),
            etag: fresh.clone(),
        }));
        fresh
    }
}

/// What every tile answer carries: the version's ETag, how long to keep it, `Vary`.
fn tile_headers(etag: HeaderValue, map: &mut HeaderMap) {
    map.insert(header::ETAG, etag);
    map.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(CACHE_CONTROL),
    );
    map.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
}

/// The layers and z/x/y of a plain tile path (`/tiles/{layers}/{z}/{x}/{y}.mvt` or `.pbf`),
/// parsed as the router's tile handler parses them; `None` for any other path.
fn tile_address(path: &str) -> Option<(&str, u64, u64, u64)> {
    let rest = path.strip_prefix("/tiles/")?;
    // The router decodes percent-escapes; such paths go to it.
    if rest.contains('%') {
        return None;
    }
    let mut parts = rest.split('/');
    let (layers, z, x, y) = (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || layers.is_empty() {
        return None;
    }
    let y = y.strip_suffix(".mvt").or_else(|| y.strip_suffix(".pbf"))?;
    Some((layers, z.parse().ok()?, x.parse().ok()?, y.parse().ok()?))
}

/// A cache key written on the stack; a longer one is not answered ahead.
struct StackKey {
    bytes: [u8; 512],
    len: usize,
}

impl StackKey {
    fn new() -> StackKey {
        StackKey {
            bytes: [0; 512],
            len: 0,
        }
    }

    fn as_str(&self) -> Option<&str> {
        std::str::from_utf8(&self.bytes[..self.len]).ok()
    }
}

impl std::fmt::Write for StackKey {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let end = self.len + s.len();
        let slot = self.bytes.get_mut(self.len..end).ok_or(std::fmt::Error)?;
        slot.copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

/// An answer made ahead, or the router's.
pub enum TileAnswer {
    Ahead(Option<Response<Body>>),
    Routed(RouteFuture<Infallible>),
}

impl Future for TileAnswer {
    type Output = Result<Response<Body>, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.get_mut() {
            TileAnswer::Ahead(response) => Poll::Ready(Ok(response.take().unwrap_or_default())),
            TileAnswer::Routed(future) => Pin::new(future).poll(cx),
        }
    }
}

impl<B> Service<Request<B>> for TileHits
where
    B: HttpBody<Data = Bytes> + Send + 'static,
    B::Error: Into<axum::BoxError>,
{
    type Response = Response<Body>;
    type Error = Infallible;
    type Future = TileAnswer;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Service::<Request<B>>::poll_ready(&mut self.routes, cx)
    }

    fn call(&mut self, request: Request<B>) -> TileAnswer {
        match self.ahead.answer(&request) {
            Some(response) => TileAnswer::Ahead(Some(response)),
            None => TileAnswer::Routed(self.routes.call(request)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_tile_paths_are_read() {
        assert_eq!(
            tile_address("/tiles/provinces,border/5/22/13.mvt"),
            Some(("provinces,border", 5, 22, 13))
        );
        assert_eq!(tile_address("/tiles/a/5/22/13.pbf"), Some(("a", 5, 22, 13)));
        for path in [
            "/tiles/a/5/22/13.png",
            "/tiles/a/5/22/13.mvt/",
            "/tiles/a/5/22.mvt",
            "/tiles//5/22/13.mvt",
            "/tiles/a/5//13.mvt",
            "/tiles/a/-1/0/0.mvt",
            "/tiles/a%2Cb/5/22/13.mvt",
            "/tiles/a.json",
            "/ogc/collections/a/tiles/WebMercatorQuad/5/22/13",
        ] {
            assert_eq!(tile_address(path), None, "{path}");
        }
    }

    #[test]
    fn a_key_too_long_for_the_stack_is_refused_not_cut() {
        let mut key = StackKey::new();
        assert!(write!(key, "{}", "a".repeat(600)).is_err());
        let mut key = StackKey::new();
        write!(key, "v1/provinces/{}/{}/{}?", 5, 22, 13).expect("fits");
        assert_eq!(key.as_str(), Some("v1/provinces/5/22/13?"));
    }
}
