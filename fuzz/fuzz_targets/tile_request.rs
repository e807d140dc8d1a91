//! Any request path and query against the real router (with cache hits answered ahead of it,
//! as the server runs): a 2xx/3xx/4xx answer, never a panic or a 5xx.
#![no_main]

use std::sync::OnceLock;

use borderland::server::App;
use libfuzzer_sys::fuzz_target;
use tower::ServiceExt;

fn app() -> &'static (tokio::runtime::Runtime, App) {
    static APP: OnceLock<(tokio::runtime::Runtime, App)> = OnceLock::new();
    APP.get_or_init(|| {
        let catalog = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/layers.toml");
        let dataset = borderland::dataset::Dataset::from_catalog(&catalog).expect("default data loads");
        let state = borderland::server::AppState::new(dataset, Default::default());
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        (rt, borderland::server::router(state))
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    // Shape the input like a tile URL half of the time, so the parsers behind it are reached.
    let uri = if text.starts_with('/') { text.to_string() } else { format!("/tiles/{text}") };
    let Ok(request) = axum::http::Request::builder().uri(uri.as_str()).body(axum::body::Body::empty()) else { return };
    let (rt, router) = app();
    let Ok(response) = rt.block_on(router.clone().oneshot(request));
    let status = response.status();
    assert!(!status.is_server_error(), "{uri} answered {status}");
});
