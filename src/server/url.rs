//! Absolute URLs for links in responses: from `--public-url` when set (reverse proxies,
//! sub-paths), otherwise from the request's Host, and from X-Forwarded-* only with
//! `--trust-proxy` (anyone can send them; a shared cache would keep the rewritten links).

use axum::http::HeaderMap;

use super::ServerOptions;

/// Headers the base URL is built from, for `Vary`.
pub fn vary_on(options: &ServerOptions) -> &'static str {
    match (&options.public_url, options.trust_proxy) {
        (Some(_), _) => "",
        (None, false) => "Host",
        (None, true) => "Host, X-Forwarded-Host, X-Forwarded-Proto, X-Forwarded-Prefix",
    }
}

/// The base URL (no trailing slash) that this request reached the server at.
pub fn base_url(options: &ServerOptions, headers: &HeaderMap) -> String {
    if let Some(url) = &options.public_url {
        return url.trim_end_matches('/').to_string();
    }
    // The right-most value of a forwarded header is the one the nearest (trusted) proxy
    // added; values to its left came from further away, possibly from the client.
    let forwarded = |name: &str| {
        options
            .trust_proxy
            .then(|| headers.get_all(name).iter().next_back())
            .flatten()
            .and_then(|v| v.to_str().ok())
            .map(|s| s.rsplit(',').next().unwrap_or("").trim().to_string())
    };
    let host_header = headers
        .get("host")
        .and_then(|v| v.to_str().ok())
        .map(|s| s.trim().to_string());
    let proto = forwarded("x-forwarded-proto")
        .filter(|p| p == "http" || p == "https")
        .unwrap_or_else(|| "http".into());
    let host = forwarded("x-forwarded-host")
        .or(host_header)
        .filter(|h| {
            !h.is_empty()
                && h.chars()
                    .all(|c| c.is_ascii_alphanumeric() || ".-:[]_".contains(c))
        })
        .unwrap_or_else(|| "localhost".into());
    let prefix = forwarded("x-forwarded-prefix")
        .map(|p| p.trim_end_matches('/').to_string())
        .filter(|p| {
            p.starts_with('/')
                && !p.contains("..")
                && p.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "/-._~".contains(c))
        })
        .unwrap_or_default();
    format!("{proto}://{host}{prefix}")
}
