//! The anchor for the cached-tile benchmark (benches/cached_vs_bare.sh): a bare axum server
//! that answers every GET with one file's bytes and fixed tile headers, with no lookup, no
//! cache and no middleware. What borderland's cache hit is measured against.
//!
//! `cargo run --release --example bare_tile -- ADDR FILE CONTENT-ENCODING`

use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderValue, header};
use axum::response::IntoResponse;

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 3 {
        eprintln!("usage: bare_tile ADDR FILE [CONTENT-ENCODING]");
        std::process::exit(2);
    }
    let body = match std::fs::read(&args[2]) {
        Ok(b) => Bytes::from(b),
        Err(e) => {
            eprintln!("cannot read {}: {e}", args[2]);
            std::process::exit(1);
        }
    };
    let encoding = args.get(3).cloned().unwrap_or_default();
    let app = Router::new().fallback(move || {
        let body = body.clone();
        let encoding = encoding.clone();
        async move {
            let mut r = (
                [(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/vnd.mapbox-vector-tile"),
                )],
                body,
            )
                .into_response();
            if !encoding.is_empty()
                && let Ok(v) = HeaderValue::from_str(&encoding)
            {
                r.headers_mut().insert(header::CONTENT_ENCODING, v);
            }
            r
        }
    });
    let listener = match tokio::net::TcpListener::bind(&args[1]).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("cannot listen on {}: {e}", args[1]);
            std::process::exit(1);
        }
    };
    if let Err(e) = axum::serve(listener, app).await {
        eprintln!("server stopped: {e}");
        std::process::exit(1);
    }
}
