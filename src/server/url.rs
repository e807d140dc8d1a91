//! Absolute URLs for links in responses: from `--public-url` when set (reverse proxies,
//! sub-paths), otherwise from the request's Host and X-Forwarded-* headers.

use axum::http::HeaderMap;

/// The base URL (no trailing slash) that this request reached the server at.
pub fn base_url(public_url: Option<&str>, headers: &HeaderMap) -> String {
    if let Some(url) = public_url {
        return url.trim_end_matches('/').to_string();
    }
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(|s| s.split(',').next().unwrap_or("").trim().to_string())
    };
    let proto = header("x-forwarded-proto")
        .filter(|p| p == "http" || p == "https")
        .unwrap_or_else(|| "http".into());
    let host = header("x-forwarded-host")
        .or_else(|| header("host"))
        .filter(|h| {
            !h.is_empty()
                && h.chars()
                    .all(|c| c.is_ascii_alphanumeric() || ".-:[]_".contains(c))
        })
        .unwrap_or_else(|| "localhost".into());
    let prefix = header("x-forwarded-prefix")
        .map(|p| p.trim_end_matches('/').to_string())
        .filter(|p| p.starts_with('/') && !p.contains(".."))
        .unwrap_or_default();
    format!("{proto}://{host}{prefix}")
}
