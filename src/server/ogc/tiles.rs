//! OGC API – Tiles: the WebMercatorQuad tile matrix set, each collection's tileset, and tiles
//! at `{tileMatrix}/{tileRow}/{tileCol}` (row is y, column is x), answered by the same
//! response path as `/tiles/{layer}/{z}/{x}/{y}.mvt`.

use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::{Map, Value as Json, json};

use super::params::check_format_only;
use super::{CRS84, JSON, find_layer, json_response, link, ogc_base};
use crate::dataset::Layer;
use crate::geometry::TileCoord;
use crate::join::filter::decode;
use crate::server::AppState;
use crate::server::errors::ApiError;
use crate::server::tiles::{MVT_CONTENT_TYPE, tile_response};
use crate::value::FieldType;

pub const TMS_ID: &str = "WebMercatorQuad";
pub const TMS_URI: &str = "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad";
const EPSG_3857: &str = "http://www.opengis.net/def/crs/EPSG/0/3857";
/// Deepest tile matrix in the standard WebMercatorQuad definition.
pub const TMS_MAX_ZOOM: u8 = 24;
const ORIGIN: f64 = 20_037_508.342_789_2;

/// The standard WebMercatorQuad definition (OGC 17-083r4 annex, JSON encoding of TMS 2.0),
/// with the TMS 1.0 members (`type`, `identifier`, `supportedCRS`, `tileMatrix` with
/// `topLeftCorner` …) beside them: GDAL before 3.8 parses only the 1.0 encoding and gives up
/// on a 2.0-only document. The two encodings name their members differently, so one document
/// holds both without conflict (extra members are allowed in each).
pub fn web_mercator_quad() -> Json {
    let cell = |z: u8| 2.0 * ORIGIN / 256.0 / (1u64 << z) as f64;
    let matrices: Vec<Json> = (0..=TMS_MAX_ZOOM)
        .map(|z| {
            let n = 1u64 << z;
            json!({
                "id": z.to_string(),
                "scaleDenominator": cell(z) / 0.00028,
                "cellSize": cell(z),
                "cornerOfOrigin": "topLeft",
                "pointOfOrigin": [-ORIGIN, ORIGIN],
                "tileWidth": 256,
                "tileHeight": 256,
                "matrixWidth": n,
                "matrixHeight": n,
            })
        })
        .collect();
    let matrices_1_0: Vec<Json> = (0..=TMS_MAX_ZOOM)
        .map(|z| {
            let n = 1u64 << z;
            json!({
                "type": "TileMatrixType",
                "identifier": z.to_string(),
                "scaleDenominator": cell(z) / 0.00028,
                "topLeftCorner": [-ORIGIN, ORIGIN],
                "tileWidth": 256,
                "tileHeight": 256,
                "matrixWidth": n,
                "matrixHeight": n,
            })
        })
        .collect();
    json!({
        "id": TMS_ID,
        "title": "Google Maps Compatible for the World",
        "uri": TMS_URI,
        "crs": EPSG_3857,
        "orderedAxes": ["E", "N"],
        "wellKnownScaleSet": "http://www.opengis.net/def/wkss/OGC/1.0/GoogleMapsCompatible",
        "tileMatrices": matrices,
        // TMS 1.0 (OGC 17-083r2) for older clients.
        "type": "TileMatrixSetType",
        "identifier": TMS_ID,
        "supportedCRS": EPSG_3857,
        "boundingBox": {
            "type": "BoundingBoxType",
            "crs": EPSG_3857,
            "lowerCorner": [-ORIGIN, -ORIGIN],
            "upperCorner": [ORIGIN, ORIGIN],
            "lowerLeft": [-ORIGIN, -ORIGIN],
            "upperRight": [ORIGIN, ORIGIN],
        },
        "tileMatrix": matrices_1_0,
    })
}

fn check_tms(tms: &str) -> Result<(), ApiError> {
    if tms == TMS_ID {
        Ok(())
    } else {
        Err(ApiError::not_found(format!("no tile matrix set '{tms}'"))
            .hint("the only tile matrix set is WebMercatorQuad"))
    }
}

pub async fn tile_matrix_sets(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    check_format_only(query.as_deref(), &[])?;
    let base = ogc_base(&state, &headers);
    let body = json!({
        "tileMatrixSets": [{
            "id": TMS_ID,
            "title": "Google Maps Compatible for the World",
            "uri": TMS_URI,
            "links": [link("self", JSON, format!("{base}/tileMatrixSets/{TMS_ID}"), "WebMercatorQuad")],
        }],
        "links": [link("self", JSON, format!("{base}/tileMatrixSets"), "Tile matrix sets")],
    });
    let version = state.dataset.load().version.clone();
    Ok(json_response(body.to_string(), JSON, &version, &headers))
}

pub async fn tile_matrix_set(
    State(state): State<Arc<AppState>>,
    Path(tms): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    check_format_only(query.as_deref(), &[])?;
    check_tms(&tms)?;
    let version = state.dataset.load().version.clone();
    Ok(json_response(
        web_mercator_quad().to_string(),
        JSON,
        &version,
        &headers,
    ))
}

fn tile_template(base: &str, id: &str) -> String {
    format!("{base}/collections/{id}/tiles/{TMS_ID}/{{tileMatrix}}/{{tileRow}}/{{tileCol}}")
}

fn tileset_links(base: &str, id: &str) -> Vec<Json> {
    let mut item = link(
        "item",
        MVT_CONTENT_TYPE,
        tile_template(base, id),
        "Mapbox vector tiles",
    );
    item["templated"] = true.into();
    vec![
        link(
            "self",
            JSON,
            format!("{base}/collections/{id}/tiles/{TMS_ID}"),
            "This tileset",
        ),
        link(
            "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme",
            JSON,
            format!("{base}/tileMatrixSets/{TMS_ID}"),
            "WebMercatorQuad",
        ),
        link(
            "http://www.opengis.net/def/rel/ogc/1.0/geodata",
            JSON,
            format!("{base}/collections/{id}"),
            "The collection",
        ),
        item,
    ]
}

pub async fn tilesets(
    State(state): State<Arc<AppState>>,
    Path(collection_id): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    check_format_only(query.as_deref(), &[])?;
    let dataset = state.dataset.load_full();
    let layer = find_layer(&dataset, &collection_id)?;
    let base = ogc_base(&state, &headers);
    let body = json!({
        "tilesets": [{
            "title": layer.title,
            "dataType": "vector",
            "crs": EPSG_3857,
            "tileMatrixSetURI": TMS_URI,
            "links": tileset_links(&base, &layer.id),
        }],
        "links": [link("self", JSON, format!("{base}/collections/{}/tiles", layer.id), "Tilesets")],
    });
    Ok(json_response(
        body.to_string(),
        JSON,
        &dataset.version,
        &headers,
    ))
}

/// The tiles of each zoom that hold the layer's bounds.
fn limits(layer: &Layer) -> Vec<Json> {
    if layer.bbox.is_empty() {
        return Vec::new();
    }
    (layer.minzoom..=layer.maxzoom.min(TMS_MAX_ZOOM))
        .map(|z| {
            let n = (1u64 << z) as f64;
            let cell = |v: f64| ((v * n).floor().max(0.0) as u64).min((n as u64) - 1);
            json!({
                "tileMatrix": z.to_string(),
                "minTileRow": cell(layer.bbox.min_y),
                "maxTileRow": cell(layer.bbox.max_y),
                "minTileCol": cell(layer.bbox.min_x),
                "maxTileCol": cell(layer.bbox.max_x),
            })
        })
        .collect()
}

pub async fn tileset(
    State(state): State<Arc<AppState>>,
    Path((collection_id, tms)): Path<(String, String)>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    check_format_only(query.as_deref(), &[])?;
    let dataset = state.dataset.load_full();
    let layer = find_layer(&dataset, &collection_id)?;
    check_tms(&tms)?;
    let base = ogc_base(&state, &headers);
    let properties: Map<String, Json> = layer
        .fields
        .iter()
        .map(|f| {
            let kind = match f.kind {
                FieldType::String => json!("string"),
                FieldType::Integer => json!("integer"),
                FieldType::Float => json!("number"),
                FieldType::Boolean => json!("boolean"),
                FieldType::Mixed => json!(["string", "number", "boolean"]),
            };
            (f.name.clone(), json!({ "type": kind }))
        })
        .collect();
    let mut vector_layer = json!({
        "id": layer.id,
        "title": layer.title,
        "description": layer.description,
        "dataType": "vector",
        "minTileMatrix": layer.minzoom.to_string(),
        "maxTileMatrix": layer.maxzoom.min(TMS_MAX_ZOOM).to_string(),
        "propertiesSchema": { "type": "object", "properties": properties },
    });
    if let Some(dim) = match layer.geometry_type() {
        "point" => Some(0),
        "line" => Some(1),
        "polygon" => Some(2),
        _ => None,
    } {
        vector_layer["geometryDimension"] = dim.into();
    }
    let [w, s, e, n] = layer.bounds();
    let body = json!({
        "title": layer.title,
        "description": layer.description,
        "attribution": crate::dataset::tilejson::attribution(&dataset, std::slice::from_ref(&layer)),
        "dataType": "vector",
        "crs": EPSG_3857,
        "tileMatrixSetURI": TMS_URI,
        "tileMatrixSetLimits": limits(&layer),
        "boundingBox": { "lowerLeft": [w, s], "upperRight": [e, n], "crs": CRS84 },
        "layers": [vector_layer],
        "links": tileset_links(&base, &layer.id),
    });
    Ok(json_response(
        body.to_string(),
        JSON,
        &dataset.version,
        &headers,
    ))
}

pub async fn tile(
    State(state): State<Arc<AppState>>,
    Path((collection_id, tms, matrix, row, col)): Path<(String, String, String, String, String)>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    check_tms(&tms)?;
    let hint = "tiles are /ogc/collections/{id}/tiles/WebMercatorQuad/{tileMatrix}/{tileRow}/{tileCol}: zoom, then row (y), then column (x)";
    let num = |name: &str, v: &str| {
        v.parse::<u64>().map_err(|_| {
            ApiError::bad_request(format!("{name} '{v}' is not a whole number")).hint(hint)
        })
    };
    let (z, y, x) = (
        num("tileMatrix", &matrix)?,
        num("tileRow", &row)?,
        num("tileCol", &col)?,
    );
    if z > TMS_MAX_ZOOM as u64 {
        return Err(ApiError::not_found(format!(
            "tile matrix {z} is not in WebMercatorQuad (0 to {TMS_MAX_ZOOM})"
        ))
        .hint(hint));
    }
    let coord =
        TileCoord::new(z, x, y).map_err(|e| ApiError::not_found(e.to_string()).hint(hint))?;
    // `f=mvt` is how OGC clients name the encoding; the rest are the catalog's filters.
    let mut rest: Vec<&str> = Vec::new();
    for pair in query
        .as_deref()
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
    {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        if k == "f" {
            let v = decode(v).map_err(ApiError::bad_request)?;
            if !["mvt", "pbf", MVT_CONTENT_TYPE].contains(&v.as_str()) {
                return Err(ApiError::bad_request(format!("f={v} is not served here"))
                    .hint("tiles are Mapbox vector tiles: f=mvt"));
            }
        } else {
            rest.push(pair);
        }
    }
    let dataset = state.dataset.load();
    find_layer(&dataset, &collection_id)?;
    drop(dataset);
    let rest = rest.join("&");
    tile_response(
        &state,
        &collection_id,
        coord,
        (!rest.is_empty()).then_some(rest.as_str()),
        &headers,
    )
    .await
}
