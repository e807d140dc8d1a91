//! `GET /ogc/api`: the OpenAPI 3.0 document, generated from the routes and the dataset so it
//! cannot drift. Each collection gets its own items path listing its fields as query
//! parameters, which is how GDAL's OAPIF driver learns what it may filter on the server.

use std::sync::Arc;

use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::{Map, Value as Json, json};

use super::params::{DEFAULT_LIMIT, MAX_LIMIT, Use, accepted, check_format_only};
use super::tiles::TMS_ID;
use super::{GEOJSON, JSON, OPENAPI, json_response, ogc_base};
use crate::dataset::{Dataset, Layer};
use crate::server::AppState;
use crate::server::errors::ApiError;
use crate::server::tiles::MVT_CONTENT_TYPE;
use crate::value::FieldType;

/// Route templates under `/ogc`, in OpenAPI spelling; `routes()` serves each of them.
pub const PATHS: &[&str] = &[
    "/",
    "/conformance",
    "/api",
    "/collections",
    "/collections/{collectionId}",
    "/collections/{collectionId}/items",
    "/collections/{collectionId}/items/{featureId}",
    "/collections/{collectionId}/tiles",
    "/collections/{collectionId}/tiles/{tileMatrixSetId}",
    "/collections/{collectionId}/tiles/{tileMatrixSetId}/{tileMatrix}/{tileRow}/{tileCol}",
    "/tileMatrixSets",
    "/tileMatrixSets/{tileMatrixSetId}",
];

fn path_param(name: &str, description: &str, schema: Json) -> Json {
    json!({"name": name, "in": "path", "required": true, "description": description, "schema": schema})
}

fn query_param(name: &str, description: &str, schema: Json) -> Json {
    json!({"name": name, "in": "query", "required": false, "description": description, "schema": schema})
}

fn ok(description: &str, media: &[&str]) -> Json {
    let content: Map<String, Json> = media.iter().map(|m| (m.to_string(), json!({}))).collect();
    json!({
        "200": {"description": description, "content": content},
        "400": {"description": "A bad parameter: the answer says which and what is accepted", "content": {JSON: {}}},
        "404": {"description": "No such collection, feature or tile matrix", "content": {JSON: {}}},
    })
}

fn common_params() -> Map<String, Json> {
    let mut p = Map::new();
    let mut put = |k: &str, v: Json| {
        p.insert(k.to_string(), v);
    };
    put(
        "collectionId",
        path_param(
            "collectionId",
            "A collection (layer) id",
            json!({"type": "string"}),
        ),
    );
    put(
        "featureId",
        path_param(
            "featureId",
            "A feature id, the same as in the tiles",
            json!({"type": "integer", "format": "int64", "minimum": 0}),
        ),
    );
    put(
        "tileMatrixSetId",
        path_param(
            "tileMatrixSetId",
            "The tile matrix set",
            json!({"type": "string", "enum": [TMS_ID]}),
        ),
    );
    put(
        "tileMatrix",
        path_param("tileMatrix", "Zoom level", json!({"type": "string"})),
    );
    put(
        "tileRow",
        path_param(
            "tileRow",
            "Row (y, from the north)",
            json!({"type": "integer", "minimum": 0}),
        ),
    );
    put(
        "tileCol",
        path_param(
            "tileCol",
            "Column (x, from the west)",
            json!({"type": "integer", "minimum": 0}),
        ),
    );
    put(
        "f",
        query_param("f", "Encoding", json!({"type": "string", "enum": ["json"]})),
    );
    put(
        "limit",
        query_param(
            "limit",
            &format!("Features per page (larger values are cut to {MAX_LIMIT})"),
            json!({"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT}),
        ),
    );
    put(
        "offset",
        query_param(
            "offset",
            "Features to skip",
            json!({"type": "integer", "minimum": 0, "default": 0}),
        ),
    );
    put(
        "bbox",
        json!({"name": "bbox", "in": "query", "required": false, "style": "form", "explode": false,
        "description": "west,south,east,north in degrees (CRS84); features whose geometry intersects it",
        "schema": {"type": "array", "minItems": 4, "maxItems": 6, "items": {"type": "number"}}}),
    );
    put(
        "datetime",
        query_param(
            "datetime",
            "An instant or an interval (start/end, `..` for an open end), compared with each feature's date span; point layers made from claim tables only",
            json!({"type": "string"}),
        ),
    );
    put(
        "filter",
        query_param(
            "filter",
            "A CQL2 text filter over the queryables (comparisons, LIKE, IN, BETWEEN, IS NULL, AND/OR/NOT, S_INTERSECTS with a BBOX, T_INTERSECTS with an INTERVAL)",
            json!({"type": "string"}),
        ),
    );
    put(
        "filter-lang",
        query_param(
            "filter-lang",
            "The filter's language: CQL2 text (`cql-text`, the draft's name, is taken as the same)",
            json!({"type": "string", "enum": ["cql2-text", "cql-text"], "default": "cql2-text"}),
        ),
    );
    put(
        "filter-crs",
        query_param(
            "filter-crs",
            "The CRS of coordinates in the filter: CRS84 only",
            json!({"type": "string", "enum": ["http://www.opengis.net/def/crs/OGC/1.3/CRS84"]}),
        ),
    );
    put(
        "resultType",
        query_param(
            "resultType",
            "`hits` for counts only",
            json!({"type": "string", "enum": ["results", "hits"], "default": "results"}),
        ),
    );
    put(
        "from",
        query_param(
            "from",
            "Catalog filter: first day (YYYY-MM-DD, YYYY-MM or YYYY); recomputes joined attributes",
            json!({"type": "string"}),
        ),
    );
    put(
        "to",
        query_param(
            "to",
            "Catalog filter: last day; recomputes joined attributes",
            json!({"type": "string"}),
        ),
    );
    put(
        "group",
        query_param(
            "group",
            "Catalog filter: groups, comma-separated",
            json!({"type": "string"}),
        ),
    );
    put(
        "event_type",
        query_param(
            "event_type",
            "Catalog filter: event types, comma-separated",
            json!({"type": "string"}),
        ),
    );
    p
}

fn reference(name: &str) -> Json {
    json!({"$ref": format!("#/components/parameters/{name}")})
}

/// The JSON Schema `type` of a field: a name, or a list for a mixed field.
pub fn json_type(kind: FieldType) -> Json {
    field_schema(kind)["type"].clone()
}

fn field_schema(kind: FieldType) -> Json {
    match kind {
        FieldType::String => json!({"type": "string"}),
        FieldType::Integer => json!({"type": "integer"}),
        FieldType::Float => json!({"type": "number"}),
        FieldType::Boolean => json!({"type": "boolean"}),
        FieldType::Mixed => json!({"type": ["string", "number", "boolean"]}),
    }
}

/// The items path of one collection: its own parameters, its fields as equality filters.
fn items_path(layer: &Layer) -> Json {
    let reserved = ["limit", "offset", "bbox", "datetime", "resultType", "f"];
    let filters = crate::server::catalog::filter_params(layer);
    let params: Vec<Json> = accepted(layer, Use::Items)
        .into_iter()
        .filter(|name| name != "bbox-crs")
        .map(|name| match layer.field_index(&name) {
            Some(i) if !reserved.contains(&name.as_str()) && !filters.contains(&name.as_str()) => {
                query_param(
                    &name,
                    &format!("Features whose '{name}' equals this value"),
                    field_schema(layer.fields[i].kind),
                )
            }
            _ => reference(&name),
        })
        .collect();
    json!({"get": {
        "summary": format!("Features of '{}'", layer.id),
        "operationId": format!("getItems_{}", layer.id),
        "tags": ["Features"],
        "parameters": params,
        "responses": ok("A GeoJSON FeatureCollection", &[GEOJSON]),
    }})
}

pub fn document(dataset: &Dataset, base: &str) -> Json {
    let common = common_params();
    let op = |summary: &str, id: &str, tag: &str, params: &[&str], media: &[&str], desc: &str| {
        json!({"get": {
            "summary": summary,
            "operationId": id,
            "tags": [tag],
            "parameters": params.iter().map(|p| reference(p)).collect::<Vec<_>>(),
            "responses": ok(desc, media),
        }})
    };
    let mut paths = Map::new();
    let mut put = |k: &str, v: Json| {
        paths.insert(k.to_string(), v);
    };
    put(
        "/",
        op(
            "Landing page",
            "getLandingPage",
            "Capabilities",
            &["f"],
            &[JSON],
            "Links to the API, conformance and collections",
        ),
    );
    put(
        "/conformance",
        op(
            "Conformance classes",
            "getConformance",
            "Capabilities",
            &["f"],
            &[JSON],
            "The conformance classes implemented",
        ),
    );
    put(
        "/api",
        op(
            "This document",
            "getAPI",
            "Capabilities",
            &["f"],
            &[OPENAPI],
            "The OpenAPI 3.0 document",
        ),
    );
    put(
        "/collections",
        op(
            "Collections",
            "getCollections",
            "Capabilities",
            &["f"],
            &[JSON],
            "Every collection",
        ),
    );
    put(
        "/collections/{collectionId}",
        op(
            "One collection",
            "getCollection",
            "Capabilities",
            &["collectionId", "f"],
            &[JSON],
            "The collection's extent and links",
        ),
    );
    put(
        "/collections/{collectionId}/items",
        op(
            "Features",
            "getItems",
            "Features",
            &[
                "collectionId",
                "limit",
                "offset",
                "bbox",
                "datetime",
                "resultType",
                "f",
                "from",
                "to",
                "group",
                "event_type",
            ],
            &[GEOJSON],
            "A GeoJSON FeatureCollection; any field of the collection is also an equality filter (see the per-collection paths)",
        ),
    );
    put(
        "/collections/{collectionId}/items/{featureId}",
        op(
            "One feature",
            "getItem",
            "Features",
            &[
                "collectionId",
                "featureId",
                "f",
                "from",
                "to",
                "group",
                "event_type",
            ],
            &[GEOJSON],
            "A GeoJSON Feature",
        ),
    );
    put(
        "/collections/{collectionId}/tiles",
        op(
            "Tilesets of a collection",
            "getTilesets",
            "Tiles",
            &["collectionId", "f"],
            &[JSON],
            "The collection's tilesets",
        ),
    );
    put(
        "/collections/{collectionId}/tiles/{tileMatrixSetId}",
        op(
            "A tileset",
            "getTileset",
            "Tiles",
            &["collectionId", "tileMatrixSetId", "f"],
            &[JSON],
            "Tileset metadata",
        ),
    );
    put(
        "/collections/{collectionId}/tiles/{tileMatrixSetId}/{tileMatrix}/{tileRow}/{tileCol}",
        op(
            "A vector tile",
            "getTile",
            "Tiles",
            &[
                "collectionId",
                "tileMatrixSetId",
                "tileMatrix",
                "tileRow",
                "tileCol",
                "from",
                "to",
                "group",
                "event_type",
            ],
            &[MVT_CONTENT_TYPE],
            "A Mapbox vector tile (204 when empty)",
        ),
    );
    put(
        "/tileMatrixSets",
        op(
            "Tile matrix sets",
            "getTileMatrixSets",
            "Tiles",
            &["f"],
            &[JSON],
            "The tile matrix sets",
        ),
    );
    put(
        "/tileMatrixSets/{tileMatrixSetId}",
        op(
            "A tile matrix set",
            "getTileMatrixSet",
            "Tiles",
            &["tileMatrixSetId", "f"],
            &[JSON],
            "The tile matrix set definition",
        ),
    );
    for layer in &dataset.layers {
        put(
            &format!("/collections/{}/items", layer.id),
            items_path(layer),
        );
    }
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": dataset.title,
            "description": dataset.description,
            "version": env!("CARGO_PKG_VERSION"),
        },
        "servers": [{"url": base}],
        "tags": [
            {"name": "Capabilities"},
            {"name": "Features"},
            {"name": "Tiles"},
        ],
        "paths": paths,
        "components": {"parameters": common},
    })
}

pub async fn api(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    check_format_only(query.as_deref(), &["openapi"])?;
    let dataset = state.dataset.load_full();
    let base = ogc_base(&state, &headers);
    Ok(json_response(
        document(&dataset, &base).to_string(),
        OPENAPI,
        &dataset.version,
        &headers,
    ))
}
