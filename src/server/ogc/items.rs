//! `GET /ogc/collections/{id}/items` and `/items/{featureId}`: features as GeoJSON, paged
//! with `limit`/`offset` and next/prev links, selected by box, time, attributes and the
//! catalog's filters. Built on the blocking pool: a page may hold large polygons.

use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::{Map, Value as Json, json};

use super::params::{self, Use};
use super::{GEOJSON, JSON, find_layer, json_response, link, ogc_base};
use crate::features::geojson::FeatureWriter;
use crate::features::select;
use crate::server::AppState;
use crate::server::errors::ApiError;

/// Now as RFC 3339 UTC, for `timeStamp`.
fn now_rfc3339() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let (y, m, d) = crate::date::civil_from_days((secs / 86_400) as i32);
    let s = secs % 86_400;
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        s / 3600,
        s / 60 % 60,
        s % 60
    )
}

fn failed(e: tokio::task::JoinError) -> ApiError {
    ApiError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        format!("building the features failed: {e}"),
    )
}

pub async fn items(
    State(state): State<Arc<AppState>>,
    Path(collection_id): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let dataset = state.dataset.load_full();
    let layer = find_layer(&dataset, &collection_id)?;
    let p = params::parse(&layer, query.as_deref(), Use::Items)?;
    let base = ogc_base(&state, &headers);
    let version = dataset.version.clone();
    let body = tokio::task::spawn_blocking(move || {
        let selection = select(&dataset, &layer, &p.query);
        let matched = selection.features.len();
        let page: &[usize] = if p.hits {
            &[]
        } else {
            let start = p.offset.min(matched);
            let end = p.offset.saturating_add(p.limit).min(matched);
            &selection.features[start..end]
        };
        let items = format!("{base}/collections/{}/items", layer.id);
        let href = |limit: usize, offset: usize| {
            let mut q = p.kept.clone();
            q.push(format!("limit={limit}"));
            q.push(format!("offset={offset}"));
            format!("{items}?{}", q.join("&"))
        };
        let mut links = vec![link("self", GEOJSON, href(p.limit, p.offset), "This page")];
        if !p.hits && p.offset + page.len() < matched {
            links.push(link(
                "next",
                GEOJSON,
                href(p.limit, p.offset + page.len()),
                "Next page",
            ));
        }
        if !p.hits && p.offset > 0 {
            links.push(link(
                "prev",
                GEOJSON,
                href(p.limit, p.offset.saturating_sub(p.limit)),
                "Previous page",
            ));
        }
        links.push(link(
            "collection",
            JSON,
            format!("{base}/collections/{}", layer.id),
            &layer.title,
        ));
        let mut members = Map::new();
        members.insert("numberMatched".into(), matched.into());
        members.insert("numberReturned".into(), page.len().into());
        members.insert("timeStamp".into(), now_rfc3339().into());
        members.insert("links".into(), Json::Array(links));
        FeatureWriter::new(&layer).collection(&selection, page, &members)
    })
    .await
    .map_err(failed)?;
    Ok(json_response(body, GEOJSON, &version, &headers))
}

pub async fn item(
    State(state): State<Arc<AppState>>,
    Path((collection_id, feature_id)): Path<(String, String)>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let dataset = state.dataset.load_full();
    let layer = find_layer(&dataset, &collection_id)?;
    let p = params::parse(&layer, query.as_deref(), Use::Item)?;
    let missing = || {
        ApiError::not_found(format!(
            "collection '{collection_id}' has no feature '{feature_id}'"
        ))
        .hint(format!(
            "feature ids are the numeric `id` of each feature in /ogc/collections/{collection_id}/items"
        ))
    };
    let id: u64 = feature_id.parse().map_err(|_| missing())?;
    let index = layer
        .features
        .iter()
        .position(|f| f.id == id)
        .ok_or_else(missing)?;
    let base = ogc_base(&state, &headers);
    let version = dataset.version.clone();
    let body = tokio::task::spawn_blocking(move || {
        let selection = select(&dataset, &layer, &p.query);
        // A point hidden by the catalog's filters is not there under them.
        if selection.features.binary_search(&index).is_err() {
            return None;
        }
        let mut out = String::new();
        FeatureWriter::new(&layer).write(&mut out, &selection, index);
        // Add links to the feature object.
        let mut feature: Json = serde_json::from_str(&out).ok()?;
        feature["links"] = json!([
            link(
                "self",
                GEOJSON,
                format!("{base}/collections/{}/items/{id}", layer.id),
                "This feature"
            ),
            link(
                "collection",
                JSON,
                format!("{base}/collections/{}", layer.id),
                &layer.title
            ),
        ]);
        Some(feature.to_string())
    })
    .await
    .map_err(failed)?
    .ok_or_else(missing)?;
    Ok(json_response(body, GEOJSON, &version, &headers))
}
