//! `GET /data/{layer}.geojson` and `/data/{layer}.csv`: the joined layer as a download, with
//! its provenance fields, under the same filters as the tiles and the OGC API items.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use serde_json::{Map, Value as Json};

use super::AppState;
use super::errors::ApiError;
use super::ogc::params::{self, Use};
use super::tiles::{etag, not_modified};
use super::url::base_url;
use crate::features::FeatureQuery;
use crate::features::geojson::FeatureWriter;
use crate::features::select;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Format {
    GeoJson,
    Csv,
}

/// A file name that says what was selected: `ucdp_events_from-2024-01-01_to-2024-12-31.csv`.
fn file_name(layer: &str, query: &FeatureQuery, ext: &str) -> String {
    let mut name = layer.to_string();
    let canonical = query.filter.canonical();
    if !canonical.is_empty() {
        name.push('_');
        name.extend(canonical.chars().map(|c| match c {
            '&' => '_',
            '=' => '-',
            ',' => '+',
            c if c.is_ascii_alphanumeric() || "-_+.".contains(c) => c,
            _ => '-',
        }));
    }
    if query.bbox.is_some() || query.datetime.is_some() || !query.equals.is_empty() {
        name.push_str("_subset");
    }
    format!("{name}.{ext}")
}

pub async fn download(
    State(state): State<Arc<AppState>>,
    Path(file): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let (id, format) = match file.rsplit_once('.') {
        Some((id, "geojson")) => (id, Format::GeoJson),
        Some((id, "csv")) => (id, Format::Csv),
        _ => {
            return Err(ApiError::not_found(format!("no download '{file}'"))
                .hint("downloads are /data/{layer}.geojson and /data/{layer}.csv"));
        }
    };
    let dataset = state.dataset.load_full();
    let layer = super::ogc::find_layer(&dataset, id)?;
    let p = params::parse(&layer, query.as_deref(), Use::Download)?;
    let version = dataset.version.clone();
    if not_modified(&headers, &version) {
        return Ok(Response::builder()
            .status(StatusCode::NOT_MODIFIED)
            .header(header::ETAG, etag(&version))
            .body(Body::empty())
            .unwrap_or_default());
    }
    let ext = if format == Format::Csv {
        "csv"
    } else {
        "geojson"
    };
    let name = file_name(&layer.id, &p.query, ext);
    let root = base_url(&state.options, &headers);
    let body = tokio::task::spawn_blocking(move || -> Result<Vec<u8>, String> {
        let selection = select(&dataset, &layer, &p.query);
        match format {
            Format::Csv => crate::features::csv::write(&layer, &selection, &selection.features)
                .map_err(|e| e.to_string()),
            Format::GeoJson => {
                let mut members = Map::new();
                members.insert("name".into(), layer.id.clone().into());
                members.insert("title".into(), layer.title.clone().into());
                members.insert(
                    "attribution".into(),
                    crate::dataset::tilejson::attribution(&dataset, std::slice::from_ref(&layer))
                        .into(),
                );
                members.insert(
                    "license".into(),
                    layer.license.clone().map(Json::from).unwrap_or(Json::Null),
                );
                members.insert("catalog".into(), format!("{root}/catalog").into());
                members.insert("version".into(), dataset.version.clone().into());
                if !p.query.filter.is_empty() {
                    members.insert("filter".into(), p.query.filter.canonical().into());
                }
                Ok(FeatureWriter::new(&layer)
                    .collection(&selection, &selection.features, &members)
                    .into_bytes())
            }
        }
    })
    .await
    .map_err(|e| e.to_string())
    .and_then(|r| r)
    .map_err(|e| {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("writing {file} failed: {e}"),
        )
    })?;
    let content_type = match format {
        Format::Csv => "text/csv; charset=utf-8",
        Format::GeoJson => "application/geo+json",
    };
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{name}\""))
        .unwrap_or(HeaderValue::from_static("attachment"));
    Ok(Response::builder()
        .header(header::CONTENT_TYPE, content_type)
        .header(header::CONTENT_DISPOSITION, disposition)
        .header(header::ETAG, etag(&version))
        .header(header::CACHE_CONTROL, "no-cache")
        .body(Body::from(body))
        .unwrap_or_default())
}
