//! HTTP: a thin axum layer over the current [`Dataset`] snapshot. Handlers only read the
//! snapshot; cutting runs on the blocking pool; the tile cache is the only shared state.

pub mod assets;
pub mod cache;
pub mod catalog;
pub mod data;
pub mod errors;
pub mod hits;
pub mod listen;
pub mod metrics;
pub mod negotiate;
pub mod ogc;
pub mod reload;
pub mod static_image;
pub mod stories;
pub mod tilejson;
pub mod tiles;
pub mod url;

use std::sync::Arc;

use arc_swap::ArcSwap;
use axum::Router;
use axum::http::{HeaderValue, Method};
use axum::routing::get;
use tower_http::cors::{AllowOrigin, Any, CorsLayer};

use crate::dataset::Dataset;
use crate::story::Stories;
use cache::TileCache;

/// Settings of a running server.
#[derive(Clone, Debug)]
pub struct ServerOptions {
    /// Base URL for links in responses (reverse proxies, sub-paths); otherwise from the request.
    pub public_url: Option<String>,
    /// Allowed CORS origins: `*` for any, or a comma-separated list; empty disables CORS.
    pub cors_origins: String,
    /// Tile cache size in bytes.
    pub cache_bytes: u64,
    /// Enables `POST /admin/reload` with `Authorization: Bearer <token>`.
    pub admin_token: Option<String>,
    /// Requests handled at once; beyond it the server answers 503 with Retry-After rather than
    /// queueing without bound.
    pub max_concurrent: usize,
    /// A request taking longer is answered 503.
    pub request_timeout: std::time::Duration,
    /// Blocking threads that may cut tiles at once; the rest stay free for downloads.
    pub cut_threads: usize,
    /// Build links from X-Forwarded-Host, -Proto and -Prefix (only behind a proxy that sets
    /// them; otherwise anyone could rewrite the links that caches keep).
    pub trust_proxy: bool,
}

/// Longest URI accepted (414 beyond).
pub const MAX_URI_BYTES: usize = 8 * 1024;
/// Most header bytes accepted (431 beyond).
pub const MAX_HEADER_BYTES: usize = 32 * 1024;

impl Default for ServerOptions {
    fn default() -> Self {
        ServerOptions {
            public_url: None,
            cors_origins: "*".into(),
            cache_bytes: 256 << 20,
            admin_token: None,
            max_concurrent: 1024,
            request_timeout: std::time::Duration::from_secs(30),
            cut_threads: std::thread::available_parallelism().map_or(2, |n| n.get()),
            trust_proxy: false,
        }
    }
}

/// Shared by every handler.
pub struct AppState {
    pub dataset: ArcSwap<Dataset>,
    /// The stories checked against `dataset`; swapped with it on a reload, so a story that
    /// fails to check leaves the last good one (and its data) serving.
    pub stories: ArcSwap<Stories>,
    pub cache: TileCache,
    pub options: ServerOptions,
    pub metrics: metrics::Metrics,
    pub reloader: reload::Reloader,
    /// Connections closed or held back by the limits in `listen`.
    pub connections: listen::ConnectionStats,
    /// Wrong admin tokens in the current second, to throttle guessing.
    admin_failures: std::sync::Mutex<(std::time::Instant, u32)>,
}

impl AppState {
    /// The state for `dataset` and its stories; a story that does not check is logged and
    /// left out (`serve` checks them first and refuses to start instead).
    pub fn new(dataset: Dataset, options: ServerOptions) -> Arc<AppState> {
        let stories = crate::story::load(&dataset).unwrap_or_else(|errors| {
            tracing::error!("stories left out:\n{}", crate::story::error_text(&errors));
            Stories::default()
        });
        AppState::with_stories(dataset, stories, options)
    }

    pub fn with_stories(
        dataset: Dataset,
        stories: Stories,
        options: ServerOptions,
    ) -> Arc<AppState> {
        Arc::new(AppState {
            dataset: ArcSwap::from_pointee(dataset),
            stories: ArcSwap::from_pointee(stories),
            cache: TileCache::new(options.cache_bytes, options.cut_threads),
            options,
            metrics: Default::default(),
            reloader: Default::default(),
            connections: Default::default(),
            admin_failures: std::sync::Mutex::new((std::time::Instant::now(), 0)),
        })
    }
}

/// What the server answers with: cache hits for tiles ahead of everything
/// ([`hits::TileHits`]), every other request through [`routes`].
pub type App = hits::TileHits;

/// The server: [`routes`] behind the cache-hit path.
pub fn router(state: Arc<AppState>) -> App {
    hits::TileHits::new(Arc::clone(&state), routes(state))
}

/// All routes with all their middleware, without the cache-hit path in front.
pub fn routes(state: Arc<AppState>) -> Router {
    let cors = CorsRules::parse(&state.options.cors_origins).map(|rules| rules.layer());
    let router = Router::new()
        .route("/", get(assets::index))
        .route("/styles/{name}", get(assets::style))
        .route(
            "/styles/{name}/static/{view}/{size}",
            get(static_image::static_image),
        )
        .route("/fonts/{fontstack}/{range}", get(assets::font))
        .route("/static/{*path}", get(assets::static_file))
        .route("/data/{file}", get(data::download))
        .nest("/ogc", ogc::routes())
        .route("/ogc/", get(ogc::landing))
        .route("/catalog", get(catalog::catalog))
        .route("/stories/{id}", get(stories::story))
        .route("/health", get(catalog::health))
        .route("/metrics", get(metrics::metrics))
        .route(
            "/admin/reload",
            axum::routing::post(admin_reload).get(admin_status),
        )
        .route("/tiles/{layers}", get(tilejson::tilejson))
        .route("/tiles/{layers}/{z}/{x}/{y}", get(tiles::tile))
        .fallback(errors::not_found)
        .layer(axum::middleware::from_fn_with_state(
            Arc::clone(&state),
            negotiate::negotiate,
        ))
        .layer(axum::middleware::from_fn_with_state(
            Arc::clone(&state),
            guard,
        ))
        .layer(
            tower::ServiceBuilder::new()
                .layer(axum::error_handling::HandleErrorLayer::new({
                    let state = Arc::clone(&state);
                    move |err: tower::BoxError| {
                        let state = Arc::clone(&state);
                        async move { overloaded(&state, err) }
                    }
                }))
                .load_shed()
                .concurrency_limit(state.options.max_concurrent)
                .timeout(state.options.request_timeout),
        )
        .with_state(state);
    match cors {
        Some(cors) => router.layer(cors),
        None => router,
    }
}

/// Which other sites' pages may read the answers (`--cors-origins`): read once, so the CORS
/// layer and the cache-hit path answer alike.
#[derive(Clone, Debug)]
pub enum CorsRules {
    /// `*`: every origin, the same answer for all.
    Any,
    /// These origins only; the answer varies with `Origin`.
    List(Vec<HeaderValue>),
}

impl CorsRules {
    /// `None` when CORS is off (empty or `none`).
    pub fn parse(origins: &str) -> Option<CorsRules> {
        let origins = origins.trim();
        if origins.is_empty() || origins == "none" {
            return None;
        }
        if origins == "*" {
            return Some(CorsRules::Any);
        }
        Some(CorsRules::List(
            origins
                .split(',')
                .filter_map(|o| o.trim().parse().ok())
                .collect(),
        ))
    }

    fn layer(&self) -> CorsLayer {
        let layer = CorsLayer::new()
            .allow_methods([Method::GET, Method::HEAD])
            .allow_headers(Any)
            .expose_headers([axum::http::header::ETAG]);
        match self {
            // The same answer for every origin: no `Vary: Origin`, so a CDN keeps one copy.
            CorsRules::Any => layer.allow_origin(Any).vary([]),
            CorsRules::List(list) => layer.allow_origin(AllowOrigin::list(list.clone())),
        }
    }
}

/// The URI's length as sent, measured without writing it out.
fn uri_bytes(uri: &axum::http::Uri) -> usize {
    uri.path_and_query().map_or(0, |p| p.as_str().len())
        + uri.authority().map_or(0, |a| a.as_str().len())
        + uri.scheme_str().map_or(0, |s| s.len() + 3)
}

/// The headers' length as sent (name, `: `, value, CRLF).
fn header_bytes(headers: &axum::http::HeaderMap) -> usize {
    headers
        .iter()
        .map(|(k, v)| k.as_str().len() + v.len() + 4)
        .sum()
}

/// Counts every request by route and status, and refuses oversized URIs and headers.
async fn guard(
    axum::extract::State(state): axum::extract::State<Arc<AppState>>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    // The matched route is shared, not copied, and the URI measured without writing it
    // out: a cache hit should cost no allocation here.
    let route = request
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .cloned();
    let uri_len = uri_bytes(request.uri());
    let header_len = header_bytes(request.headers());
    let response = if uri_len > MAX_URI_BYTES {
        errors::ApiError::new(
            axum::http::StatusCode::URI_TOO_LONG,
            format!("the URI is {uri_len} bytes; at most {MAX_URI_BYTES} are accepted"),
        )
        .hint("shorten the query string")
        .into_response()
    } else if header_len > MAX_HEADER_BYTES {
        errors::ApiError::new(
            axum::http::StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            format!("the headers are {header_len} bytes; at most {MAX_HEADER_BYTES} are accepted"),
        )
        .into_response()
    } else {
        next.run(request).await
    };
    state.metrics.request(
        route.as_ref().map_or("unmatched", |r| r.as_str()),
        response.status().as_u16(),
    );
    response
}

/// Overload and timeouts: 503 with Retry-After, so clients and proxies back off; counted in
/// `/metrics` and `/health`.
fn overloaded(state: &AppState, err: tower::BoxError) -> axum::response::Response {
    use axum::response::IntoResponse;
    let timed_out = err.is::<tower::timeout::error::Elapsed>();
    state.metrics.overload(timed_out);
    let message = if timed_out {
        "the request took too long and was stopped"
    } else {
        "the server is busy"
    };
    let mut res = errors::ApiError::new(axum::http::StatusCode::SERVICE_UNAVAILABLE, message)
        .hint("retry in a moment")
        .into_response();
    res.headers_mut().insert(
        axum::http::header::RETRY_AFTER,
        HeaderValue::from_static("1"),
    );
    res
}

/// Wrong admin tokens accepted per second before the endpoint answers 429 to everyone.
const ADMIN_FAILURES_PER_SECOND: u32 = 5;

/// Checks the admin token; guesses are throttled to a few a second for everyone (the check
/// is refused before comparing, so a guesser learns nothing while throttled).
fn authorise(state: &AppState, headers: &axum::http::HeaderMap) -> Result<(), errors::ApiError> {
    let Some(token) = state.options.admin_token.as_deref() else {
        return Err(errors::ApiError::not_found("no such page: /admin/reload")
            .hint("the reload endpoint exists only when the server runs with --admin-token"));
    };
    let throttled = state.admin_failures.lock().is_ok_and(|f| {
        f.0.elapsed() < std::time::Duration::from_secs(1) && f.1 >= ADMIN_FAILURES_PER_SECOND
    });
    if throttled {
        let mut res = errors::ApiError::new(
            axum::http::StatusCode::TOO_MANY_REQUESTS,
            "too many wrong admin tokens; wait a second",
        )
        .hint("retry after the Retry-After seconds");
        res.retry_after = Some(1);
        return Err(res);
    }
    let given = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    // Compare without stopping at the first difference.
    let same = given.len() == token.len()
        && given
            .bytes()
            .zip(token.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0;
    if !same {
        if let Ok(mut failures) = state.admin_failures.lock() {
            if failures.0.elapsed() >= std::time::Duration::from_secs(1) {
                *failures = (std::time::Instant::now(), 0);
            }
            failures.1 += 1;
        }
        tracing::warn!("wrong admin token");
        return Err(errors::ApiError::new(
            axum::http::StatusCode::UNAUTHORIZED,
            "wrong or missing admin token",
        )
        .hint("send Authorization: Bearer <token>"));
    }
    Ok(())
}

/// `GET /admin/reload`: the last reload with its full error (which may quote the files).
async fn admin_status(
    axum::extract::State(state): axum::extract::State<Arc<AppState>>,
    headers: axum::http::HeaderMap,
) -> Result<axum::Json<serde_json::Value>, errors::ApiError> {
    authorise(&state, &headers)?;
    let status = state.reloader.status();
    Ok(axum::Json(serde_json::json!({
        "version": state.dataset.load().version,
        "last_reload": status,
        "error": status.error,
    })))
}

/// `POST /admin/reload`: only with `--admin-token`, and only with that token.
async fn admin_reload(
    axum::extract::State(state): axum::extract::State<Arc<AppState>>,
    headers: axum::http::HeaderMap,
) -> Result<axum::Json<serde_json::Value>, errors::ApiError> {
    authorise(&state, &headers)?;
    match reload::reload(&state).await {
        Ok(version) => Ok(axum::Json(
            serde_json::json!({"status": "reloaded", "version": version}),
        )),
        Err(error) => Err(errors::ApiError::new(
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            error,
        )
        .hint("the previous data is still being served; fix the files and reload again")),
    }
}
