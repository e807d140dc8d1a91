//! HTTP: a thin axum layer over the current [`Dataset`] snapshot. Handlers only read the
//! snapshot; cutting runs on the blocking pool; the tile cache is the only shared state.

pub mod assets;
pub mod cache;
pub mod catalog;
pub mod data;
pub mod errors;
pub mod ogc;
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
}

impl Default for ServerOptions {
    fn default() -> Self {
        ServerOptions {
            public_url: None,
            cors_origins: "*".into(),
            cache_bytes: 256 << 20,
        }
    }
}

/// Shared by every handler.
pub struct AppState {
    pub dataset: ArcSwap<Dataset>,
    pub cache: TileCache,
    pub options: ServerOptions,
}

impl AppState {
    pub fn new(dataset: Dataset, options: ServerOptions) -> Arc<AppState> {
        Arc::new(AppState {
            dataset: ArcSwap::from_pointee(dataset),
            cache: TileCache::new(options.cache_bytes),
            options,
        })
    }
}

/// All routes.
pub fn router(state: Arc<AppState>) -> Router {
    let cors = cors_layer(&state.options.cors_origins);
    let router = Router::new()
        .route("/", get(assets::index))
        .route("/styles/{name}", get(assets::style))
        .route("/fonts/{fontstack}/{range}", get(assets::font))
        .route("/static/{*path}", get(assets::static_file))
        .route("/data/{file}", get(data::download))
        .nest("/ogc", ogc::routes())
        .route("/ogc/", get(ogc::landing))
        .route("/catalog", get(catalog::catalog))
        .route("/health", get(catalog::health))
        .route("/tiles/{layers}", get(tilejson::tilejson))
        .route("/tiles/{layers}/{z}/{x}/{y}", get(tiles::tile))
        .fallback(errors::not_found)
        .with_state(state);
    match cors {
        Some(cors) => router.layer(cors),
        None => router,
    }
}

fn cors_layer(origins: &str) -> Option<CorsLayer> {
    let origins = origins.trim();
    if origins.is_empty() || origins == "none" {
        return None;
    }
    let layer = CorsLayer::new()
        .allow_methods([Method::GET, Method::HEAD])
        .allow_headers(Any);
    if origins == "*" {
        return Some(layer.allow_origin(Any));
    }
    let list: Vec<HeaderValue> = origins
        .split(',')
        .filter_map(|o| o.trim().parse().ok())
        .collect();
    Some(layer.allow_origin(AllowOrigin::list(list)))
}
