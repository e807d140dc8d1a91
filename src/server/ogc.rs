//! OGC API – Features and Tiles under `/ogc`, so QGIS and GDAL can query the joined layers as
//! features, with the same ids and filtered attributes as the tiles, from the same snapshot.

pub mod items;
pub mod openapi;
pub mod params;
pub mod tiles;

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value as Json, json};

use super::AppState;
use super::errors::ApiError;
use super::tiles::{etag, not_modified};
use super::url::base_url;
use crate::dataset::{Dataset, Layer};
use crate::features::select::temporal_extent;

pub const CRS84: &str = "http://www.opengis.net/def/crs/OGC/1.3/CRS84";
pub const JSON: &str = "application/json";
pub const GEOJSON: &str = "application/geo+json";
pub const OPENAPI: &str = "application/vnd.oai.openapi+json;version=3.0";

/// What this server implements, as OGC conformance class URIs.
pub const CONFORMANCE: &[&str] = &[
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
    "http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions",
    "http://www.opengis.net/spec/cql2/1.0/conf/temporal-functions",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tileset",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tilesets-list",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/geodata-tilesets",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/mvt",
    "http://www.opengis.net/spec/tms/2.0/conf/tilematrixset",
    "http://www.opengis.net/spec/tms/2.0/conf/json-tilematrixset",
];

/// Routes under `/ogc`, as the OpenAPI document lists them (relative to `/ogc`).
pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/", get(landing))
        .route("/conformance", get(conformance))
        .route("/api", get(openapi::api))
        .route("/collections", get(collections))
        .route("/collections/{collection_id}", get(collection))
        .route("/collections/{collection_id}/items", get(items::items))
        .route("/collections/{collection_id}/queryables", get(queryables))
        .route(
            "/collections/{collection_id}/items/{feature_id}",
            get(items::item),
        )
        .route("/collections/{collection_id}/tiles", get(tiles::tilesets))
        .route(
            "/collections/{collection_id}/tiles/{tms}",
            get(tiles::tileset),
        )
        .route(
            "/collections/{collection_id}/tiles/{tms}/{tile_matrix}/{tile_row}/{tile_col}",
            get(tiles::tile),
        )
        .route("/tileMatrixSets", get(tiles::tile_matrix_sets))
        .route("/tileMatrixSets/{tms}", get(tiles::tile_matrix_set))
}

/// The base of every `/ogc` link for this request.
pub fn ogc_base(state: &AppState, headers: &HeaderMap) -> String {
    format!("{}/ogc", base_url(&state.options, headers))
}

pub fn link(rel: &str, kind: &str, href: String, title: &str) -> Json {
    let mut l = json!({"rel": rel, "type": kind, "href": href});
    if !title.is_empty() {
        l["title"] = title.into();
    }
    l
}

/// A JSON answer with the data version as ETag (304 when the client has it).
pub fn json_response(
    body: String,
    content_type: &str,
    version: &str,
    headers: &HeaderMap,
) -> Response {
    if not_modified(headers, version) {
        return Response::builder()
            .status(StatusCode::NOT_MODIFIED)
            .header(header::ETAG, etag(version))
            .body(axum::body::Body::empty())
            .unwrap_or_default();
    }
    let mut res = body.into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(content_type).unwrap_or(HeaderValue::from_static(JSON)),
    );
    h.insert(header::ETAG, etag(version));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    res
}

/// The collection `id`, or a 404 that lists the collections.
pub fn find_layer(dataset: &Dataset, id: &str) -> Result<Arc<Layer>, ApiError> {
    dataset.layer(id).cloned().ok_or_else(|| {
        let known: Vec<&str> = dataset.layers.iter().map(|l| l.id.as_str()).collect();
        ApiError::not_found(format!("no collection '{id}'"))
            .hint(format!("collections: {}", known.join(", ")))
    })
}

/// `YYYY-MM-DDT00:00:00Z` (start of a day) or `...T23:59:59Z` (its end).
pub fn day_time(day: i32, end: bool) -> String {
    let (y, m, d) = crate::date::civil_from_days(day);
    let t = if end { "23:59:59" } else { "00:00:00" };
    format!("{y:04}-{m:02}-{d:02}T{t}Z")
}

pub async fn landing(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    params::check_format_only(query.as_deref(), &[])?;
    let dataset = state.dataset.load_full();
    let base = ogc_base(&state, &headers);
    let root = base_url(&state.options, &headers);
    let body = json!({
        "title": dataset.title,
        "description": dataset.description,
        "attribution": dataset.attribution,
        "links": [
            link("self", JSON, base.clone(), "This document"),
            link("service-desc", OPENAPI, format!("{base}/api"), "The API definition (OpenAPI 3.0)"),
            link("conformance", JSON, format!("{base}/conformance"), "Conformance classes implemented"),
            link("http://www.opengis.net/def/rel/ogc/1.0/conformance", JSON, format!("{base}/conformance"), "Conformance classes implemented"),
            link("data", JSON, format!("{base}/collections"), "The collections (layers)"),
            link("http://www.opengis.net/def/rel/ogc/1.0/data", JSON, format!("{base}/collections"), "The collections (layers)"),
            link("http://www.opengis.net/def/rel/ogc/1.0/tiling-schemes", JSON, format!("{base}/tileMatrixSets"), "Tile matrix sets"),
            link("describedby", JSON, format!("{root}/catalog"), "The borderland catalog: fields, joins and sources"),
        ],
    });
    Ok(json_response(
        body.to_string(),
        JSON,
        &dataset.version,
        &headers,
    ))
}

async fn conformance(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    params::check_format_only(query.as_deref(), &[])?;
    let dataset = state.dataset.load_full();
    let body = json!({ "conformsTo": CONFORMANCE });
    Ok(json_response(
        body.to_string(),
        JSON,
        &dataset.version,
        &headers,
    ))
}

/// The description of one collection, as `/collections` and `/collections/{id}` give it.
pub fn collection_json(dataset: &Dataset, layer: &Arc<Layer>, base: &str, root: &str) -> Json {
    let id = &layer.id;
    let round = |v: f64| (v * 1e6).round() / 1e6;
    let mut extent = json!({
        "spatial": { "bbox": [layer.bounds().map(round)], "crs": CRS84 },
    });
    if let Some((first, last)) = temporal_extent(layer) {
        extent["temporal"] = json!({
            "interval": [[day_time(first, false), day_time(last, true)]],
            "trs": "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian",
        });
    }
    let attribution = crate::dataset::tilejson::attribution(dataset, std::slice::from_ref(layer));
    let description = match &layer.note {
        Some(note) if !layer.description.is_empty() => format!("{} {note}", layer.description),
        Some(note) => note.clone(),
        None => layer.description.clone(),
    };
    let mut links = vec![
        link(
            "self",
            JSON,
            format!("{base}/collections/{id}"),
            "This collection",
        ),
        link(
            "items",
            GEOJSON,
            format!("{base}/collections/{id}/items"),
            "Features as GeoJSON",
        ),
        link(
            "http://www.opengis.net/def/rel/ogc/1.0/queryables",
            "application/schema+json",
            format!("{base}/collections/{id}/queryables"),
            "Queryable properties (for filter=)",
        ),
        link(
            "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector",
            JSON,
            format!("{base}/collections/{id}/tiles"),
            "Vector tiles",
        ),
        link(
            "enclosure",
            GEOJSON,
            format!("{root}/data/{id}.geojson"),
            "Download: GeoJSON",
        ),
        link(
            "enclosure",
            "text/csv",
            format!("{root}/data/{id}.csv"),
            "Download: CSV",
        ),
    ];
    if let Some(license) = layer.license.as_deref().filter(|l| l.starts_with("http")) {
        links.push(link("license", "text/html", license.to_string(), "License"));
    }
    json!({
        "id": id,
        "title": layer.title,
        "description": description,
        "attribution": attribution,
        "license": layer.license,
        "itemType": "feature",
        "crs": [CRS84],
        "storageCrs": CRS84,
        "extent": extent,
        "geometryType": layer.geometry_type(),
        "numberOfFeatures": layer.feature_count(),
        "filters": super::catalog::filter_params(layer),
        "links": links,
    })
}

async fn collections(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    params::check_format_only(query.as_deref(), &[])?;
    let dataset = state.dataset.load_full();
    let base = ogc_base(&state, &headers);
    let root = base_url(&state.options, &headers);
    let body = json!({
        "links": [link("self", JSON, format!("{base}/collections"), "The collections")],
        "collections": dataset.layers.iter().map(|l| collection_json(&dataset, l, &base, &root)).collect::<Vec<_>>(),
    });
    Ok(json_response(
        body.to_string(),
        JSON,
        &dataset.version,
        &headers,
    ))
}

async fn collection(
    State(state): State<Arc<AppState>>,
    Path(collection_id): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    params::check_format_only(query.as_deref(), &[])?;
    let dataset = state.dataset.load_full();
    let layer = find_layer(&dataset, &collection_id)?;
    let base = ogc_base(&state, &headers);
    let root = base_url(&state.options, &headers);
    let body = collection_json(&dataset, &layer, &base, &root);
    Ok(json_response(
        body.to_string(),
        JSON,
        &dataset.version,
        &headers,
    ))
}

/// `/collections/{id}/queryables`: a JSON Schema of the properties a CQL2 `filter` (and a
/// `field=value` parameter) may name, with the geometry and, for dated layers, the date.
async fn queryables(
    State(state): State<Arc<AppState>>,
    Path(collection_id): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    params::check_format_only(query.as_deref(), &["application/schema+json"])?;
    let dataset = state.dataset.load_full();
    let layer = find_layer(&dataset, &collection_id)?;
    let base = ogc_base(&state, &headers);
    let mut properties = serde_json::Map::new();
    let geometry = match layer.geometry_type() {
        "polygon" => "https://geojson.org/schema/MultiPolygon.json",
        "line" => "https://geojson.org/schema/MultiLineString.json",
        "point" => "https://geojson.org/schema/MultiPoint.json",
        _ => "https://geojson.org/schema/Geometry.json",
    };
    properties.insert(
        "geometry".into(),
        json!({ "title": "Geometry", "format": "geometry-any", "$ref": geometry }),
    );
    if layer.rows.is_some() {
        properties.insert(
            "datetime".into(),
            json!({ "title": "Date of the claim (T_INTERSECTS)", "type": "string", "format": "date" }),
        );
    }
    for f in &layer.fields {
        properties.insert(
            f.name.clone(),
            json!({ "title": f.name, "type": openapi::json_type(f.kind) }),
        );
    }
    let body = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": format!("{base}/collections/{}/queryables", layer.id),
        "type": "object",
        "title": layer.title,
        "properties": properties,
        "additionalProperties": false,
    });
    Ok(json_response(
        body.to_string(),
        "application/schema+json",
        &dataset.version,
        &headers,
    ))
}
