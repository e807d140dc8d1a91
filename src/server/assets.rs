//! HTTP for the embedded files (`crate::assets`): the viewer page, styles with this server's
//! URLs, glyph ranges and the front-end files, with their content types and caching.

use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};

use super::AppState;
use super::errors::ApiError;
use super::url::base_url;
use crate::assets::{
    FONT_STACK, GLYPH_RANGES, LABEL_LANGUAGES, STATIC_FILES, empty_range, label_language,
    served_style, viewer_page,
};

fn with_headers(
    body: impl IntoResponse,
    content_type: &'static str,
    cache: &'static str,
) -> Response {
    let mut res = body.into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    res
}

/// `GET /`: the viewer, with the data's words and styles.
pub async fn index(State(state): State<Arc<AppState>>) -> Response {
    let dataset = state.dataset.load_full();
    with_headers(
        viewer_page(&dataset.words, &dataset.styles),
        "text/html; charset=utf-8",
        "no-cache",
    )
}

/// The `lang` of `?lang=ps`, checked against the label languages; `en` when absent.
fn query_language(query: Option<&str>) -> Result<&'static str, ApiError> {
    let Some(value) = query
        .unwrap_or("")
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(k, _)| *k == "lang")
        .map(|(_, v)| v)
    else {
        return Ok("en");
    };
    label_language(value).ok_or_else(|| {
        let shown: String = value.chars().take(16).collect();
        ApiError::bad_request(format!("lang '{shown}' is not a label language"))
            .hint(format!("lang is one of: {}", LABEL_LANGUAGES.join(", ")))
    })
}

/// `GET /styles/{name}.json[?lang=fa|ps|ur|en]`: a MapLibre style with absolute URLs for
/// this server, its labels in the language asked for (English where a name is missing).
pub async fn style(
    State(state): State<Arc<AppState>>,
    Path(name): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let lang = query_language(query.as_deref())?;
    let dataset = state.dataset.load_full();
    let unknown = || {
        ApiError::not_found(format!("no style '{name}'")).hint(format!(
            "styles: {}",
            dataset
                .styles
                .iter()
                .map(|s| format!("/styles/{}.json", s.name))
                .collect::<Vec<_>>()
                .join(", ")
        ))
    };
    let stem = name.strip_suffix(".json").ok_or_else(unknown)?;
    let found = dataset.style(stem).ok_or_else(unknown)?;
    let base = base_url(&state.options, &headers);
    let style = served_style(found, &base, lang);
    Ok(with_headers(
        axum::Json(style),
        "application/json",
        "no-cache",
    ))
}

/// Parse `START-END.pbf` where START is a multiple of 256 and END = START + 255.
fn parse_range(range: &str) -> Option<u32> {
    let (start, end) = range.strip_suffix(".pbf")?.split_once('-')?;
    let (start, end) = (start.parse::<u32>().ok()?, end.parse::<u32>().ok()?);
    (start % 256 == 0 && end == start + 255 && end <= 0xFFFF).then_some(start)
}

/// `GET /fonts/{fontstack}/{range}.pbf`: SDF glyphs. A comma-separated stack is served by
/// the first font in it that this server has.
pub async fn font(Path((stack, range)): Path<(String, String)>) -> Result<Response, ApiError> {
    let start = parse_range(&range).ok_or_else(|| {
        ApiError::not_found(format!("no glyph range '{range}'"))
            .hint("ranges look like 0-255.pbf, 256-511.pbf: 256 code points from a multiple of 256")
    })?;
    let known = stack
        .split(',')
        .map(str::trim)
        .any(|s| s.eq_ignore_ascii_case(FONT_STACK));
    if !known {
        return Err(
            ApiError::not_found(format!("no font stack '{stack}'")).hint(format!(
                "fonts served: '{FONT_STACK}'; use it in the style's text-font"
            )),
        );
    }
    let bytes = match GLYPH_RANGES.iter().find(|(s, _)| *s == start) {
        Some((_, bytes)) => bytes.to_vec(),
        None => empty_range(FONT_STACK, &format!("{}-{}", start, start + 255)),
    };
    Ok(with_headers(
        bytes,
        "application/x-protobuf",
        "public, max-age=86400",
    ))
}

/// `GET /static/{*path}`: vendored front-end files.
pub async fn static_file(Path(path): Path<String>) -> Result<Response, ApiError> {
    let asset = STATIC_FILES
        .iter()
        .find(|a| a.path == path)
        .ok_or_else(|| {
            ApiError::not_found(format!("no file '{path}'")).hint(format!(
                "files: {}",
                STATIC_FILES
                    .iter()
                    .map(|a| format!("/static/{}", a.path))
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })?;
    let cache = if path.starts_with("vendor/") {
        "public, max-age=86400"
    } else {
        "no-cache"
    };
    Ok(with_headers(asset.bytes, asset.content_type, cache))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assets::render_style;

    #[test]
    fn ranges_must_be_aligned_blocks_of_256() {
        assert_eq!(parse_range("0-255.pbf"), Some(0));
        assert_eq!(parse_range("256-511.pbf"), Some(256));
        assert_eq!(parse_range("65280-65535.pbf"), Some(65280));
        for bad in [
            "0-256.pbf",
            "1-256.pbf",
            "0-255",
            "a-b.pbf",
            "65536-65791.pbf",
        ] {
            assert_eq!(parse_range(bad), None, "{bad}");
        }
    }

    #[test]
    fn styles_get_absolute_urls() {
        let style = serde_json::json!({"glyphs": "{base}/fonts/{fontstack}/{range}.pbf",
            "sources": {"b": {"url": "{base}/tiles/a.json"}}});
        let text = render_style(&style, "https://maps.test/b").to_string();
        assert!(!text.contains("{base}"));
        assert!(text.contains("https://maps.test/b/fonts/{fontstack}/{range}.pbf"));
        assert!(text.contains("https://maps.test/b/tiles/a.json"));
    }
}
