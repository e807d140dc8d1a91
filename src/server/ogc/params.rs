//! Query parameters of feature requests (`/ogc/collections/{id}/items`, `/data/{layer}.csv`),
//! checked against the layer: reserved names, the catalog's filters, then the layer's fields.
//! Anything else, or a value that does not parse, is a 400 that lists what is accepted.

use std::collections::BTreeSet;

use crate::config::FilterKind;
use crate::dataset::Layer;
use crate::date;
use crate::features::FeatureQuery;
use crate::features::select::parse_value;
use crate::join::filter::{Filter, decode};
use crate::server::catalog::filter_params;
use crate::server::errors::ApiError;

pub const DEFAULT_LIMIT: usize = 100;
pub const MAX_LIMIT: usize = 10_000;

/// Which request the parameters are for; paging exists only for `/items`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Use {
    Items,
    Item,
    Download,
}

/// A parsed feature request.
#[derive(Debug)]
pub struct FeatureParams {
    pub query: FeatureQuery,
    pub limit: usize,
    pub offset: usize,
    /// `resultType=hits`: counts only.
    pub hits: bool,
    /// The raw `key=value` pairs other than `limit` and `offset`, for next/prev links.
    pub kept: Vec<String>,
}

/// Whether `f` asks for JSON (the only encoding served under `/ogc`).
pub fn check_format(value: &str, also: &[&str]) -> Result<(), ApiError> {
    let v = value.trim().to_ascii_lowercase();
    let ok = [
        "json",
        "geojson",
        "application/json",
        "application/geo+json",
    ]
    .iter()
    .chain(also)
    .any(|f| *f == v);
    if ok {
        Ok(())
    } else {
        Err(
            ApiError::bad_request(format!("f={value} is not served here")).hint(format!(
                "use f=json{}",
                also.iter()
                    .map(|a| format!(" or f={a}"))
                    .collect::<String>()
            )),
        )
    }
}

/// Check `f` in a query that takes no other parameter we act on (landing page, collections).
pub fn check_format_only(raw: Option<&str>, also: &[&str]) -> Result<(), ApiError> {
    for pair in raw.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        if k == "f" {
            check_format(&decode(v).map_err(ApiError::bad_request)?, also)?;
        }
    }
    Ok(())
}

/// Parse a `bbox`: four numbers `west,south,east,north` in degrees (six with heights,
/// which are ignored). West greater than east crosses the antimeridian.
pub fn parse_bbox(text: &str) -> Result<[f64; 4], ApiError> {
    let hint = "bbox is west,south,east,north in degrees (CRS84), e.g. bbox=69,33,71,35";
    let nums: Vec<f64> = text
        .split(',')
        .map(|s| s.trim().parse::<f64>().ok().filter(|v| v.is_finite()))
        .collect::<Option<Vec<f64>>>()
        .ok_or_else(|| {
            ApiError::bad_request(format!("bbox '{text}' is not a list of numbers")).hint(hint)
        })?;
    let b = match nums.as_slice() {
        [w, s, e, n] => [*w, *s, *e, *n],
        [w, s, _, e, n, _] => [*w, *s, *e, *n],
        _ => {
            return Err(ApiError::bad_request(format!(
                "bbox has {} numbers; it needs 4 (or 6 with heights)",
                nums.len()
            ))
            .hint(hint));
        }
    };
    // Map canvases reach past the world's edge; clamp rather than refuse.
    let [w, s, e, n] = b;
    let b = [
        w.clamp(-180.0, 180.0),
        s.clamp(-90.0, 90.0),
        e.clamp(-180.0, 180.0),
        n.clamp(-90.0, 90.0),
    ];
    if s > n {
        return Err(
            ApiError::bad_request(format!("bbox south ({s}) is above north ({n})")).hint(hint),
        );
    }
    Ok(b)
}

/// Parse `datetime`: an instant (`2024-06-08`, `2024-06`, `2024`, or a date-time whose time
/// is ignored) or an interval `start/end` with `..` or nothing for an open end. Returns the
/// first and last day it covers.
pub fn parse_datetime(text: &str) -> Result<(Option<i32>, Option<i32>), ApiError> {
    let hint = "datetime is a date (2024-06-08), a date-time (2024-06-08T12:00:00Z) or an interval (2024-01-01/2024-12-31, 2024-01-01/.., ../2024-12-31)";
    let day = |t: &str| {
        // The date parser ignores a time after 'T', so GDAL's "2024-01-01T" reads as a day.
        date::parse(t.trim())
            .map_err(|e| ApiError::bad_request(format!("datetime: {e}")).hint(hint))
    };
    let open = |t: &str| t.trim().is_empty() || t.trim() == "..";
    let (from, to) = match text.split_once('/') {
        Some((a, b)) => {
            if open(a) && open(b) {
                (None, None)
            } else {
                let from = if open(a) { None } else { Some(day(a)?.first) };
                let to = if open(b) { None } else { Some(day(b)?.last) };
                (from, to)
            }
        }
        None if open(text) => {
            return Err(ApiError::bad_request("datetime is empty").hint(hint));
        }
        None => {
            let d = day(text)?;
            (Some(d.first), Some(d.last))
        }
    };
    if let (Some(a), Some(b)) = (from, to)
        && a > b
    {
        return Err(
            ApiError::bad_request(format!("datetime '{text}' starts after it ends")).hint(hint),
        );
    }
    Ok((from, to))
}

fn parse_count(name: &str, text: &str, min: usize) -> Result<usize, ApiError> {
    match text.trim().parse::<i64>() {
        Ok(n) if n >= min as i64 => Ok(n as usize),
        Ok(n) => Err(ApiError::bad_request(format!(
            "{name}={n} must be at least {min}"
        ))),
        Err(_) => Err(ApiError::bad_request(format!(
            "{name}='{text}' is not a whole number"
        ))),
    }
    .map_err(|e| {
        e.hint(format!(
            "limit is 1 to {MAX_LIMIT} (default {DEFAULT_LIMIT}); offset is 0 or more"
        ))
    })
}

/// Every parameter name `layer` accepts for `usage`, for error messages and the OpenAPI document.
pub fn accepted(layer: &Layer, usage: Use) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    if usage == Use::Items {
        out.extend(["limit", "offset", "resultType"].map(String::from));
    }
    if usage != Use::Item {
        out.extend(["bbox", "bbox-crs"].map(String::from));
        if layer.rows.is_some() {
            out.push("datetime".into());
        }
        out.extend(["filter", "filter-lang", "filter-crs"].map(String::from));
    }
    out.push("f".into());
    out.extend(filter_params(layer).into_iter().map(String::from));
    if usage != Use::Item {
        for f in &layer.fields {
            if !out.contains(&f.name) {
                out.push(f.name.clone());
            }
        }
    }
    out
}

/// Parse a raw query string for a request on `layer`.
pub fn parse(layer: &Layer, raw: Option<&str>, usage: Use) -> Result<FeatureParams, ApiError> {
    if let crate::dataset::LayerKind::Postgis(_) = layer.kind {
        return Err(ApiError::new(
            axum::http::StatusCode::NOT_IMPLEMENTED,
            format!("layer '{}' is read from a database and served as tiles only; its features are not listed here yet", layer.id),
        )
        .hint(format!("use /tiles/{}/{{z}}/{{x}}/{{y}}.mvt, or query the database directly", layer.id)));
    }
    let mut p = FeatureParams {
        query: FeatureQuery::default(),
        limit: DEFAULT_LIMIT,
        offset: 0,
        hits: false,
        kept: Vec::new(),
    };
    let declared = filter_params(layer);
    let mut filter_pairs: Vec<&str> = Vec::new();
    let unknown = |k: &str| {
        let list = accepted(layer, usage);
        ApiError::bad_request(format!("unknown query parameter '{k}'"))
            .hint(format!("accepted here: {}", list.join(", ")))
    };
    for pair in raw.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        let (k_raw, v_raw) = pair.split_once('=').unwrap_or((pair, ""));
        let k = decode(k_raw).map_err(ApiError::bad_request)?;
        let v = decode(v_raw).map_err(ApiError::bad_request)?;
        let paging = usage == Use::Items;
        let whole = usage != Use::Item;
        match k.as_str() {
            "limit" if paging => {
                p.limit = parse_count("limit", &v, 1)?.min(MAX_LIMIT);
                continue;
            }
            "offset" if paging => {
                p.offset = parse_count("offset", &v, 0)?;
                continue;
            }
            "resultType" if paging => match v.as_str() {
                "hits" => p.hits = true,
                "results" => {}
                other => {
                    return Err(ApiError::bad_request(format!(
                        "resultType '{other}' is not hits or results"
                    )));
                }
            },
            "f" => check_format(&v, &[])?,
            "bbox" if whole => p.query.bbox = Some(parse_bbox(&v)?),
            "bbox-crs" if whole => {
                if !v.ends_with("/OGC/1.3/CRS84") && !v.ends_with("/OGC/1.3/CRS84h") {
                    return Err(ApiError::bad_request(format!("bbox-crs '{v}' is not supported"))
                        .hint("bbox is in CRS84 (longitude, latitude): http://www.opengis.net/def/crs/OGC/1.3/CRS84"));
                }
            }
            "datetime" if whole => {
                if layer.rows.is_none() {
                    return Err(ApiError::bad_request(format!(
                        "collection '{}' has no dates per feature",
                        layer.id
                    ))
                    .hint(if layer.filters.contains(&FilterKind::Date) {
                        "use from=YYYY-MM-DD and to=YYYY-MM-DD to recompute its joined attributes for a period"
                    } else {
                        "this collection cannot be filtered by time"
                    }));
                }
                p.query.datetime = Some(parse_datetime(&v)?);
            }
            "filter" if whole => {
                p.query.cql = Some(crate::features::cql2::parse(&v, &layer.fields).map_err(|e| {
                    ApiError::bad_request(format!("filter: {e}")).hint(format!(
                        "filter is CQL2 text, e.g. filter=name LIKE 'Pak%' AND pop > 1000; the queryable properties are at /ogc/collections/{}/queryables",
                        layer.id
                    ))
                })?);
            }
            "filter-lang" if whole => {
                // `cql-text` is the draft's name for it, which GDAL before 3.7 sends; the text
                // it writes (comparisons, LIKE, AND/OR/NOT, IS NULL) is CQL2 text.
                if v != "cql2-text" && v != "cql-text" {
                    return Err(ApiError::bad_request(format!(
                        "filter-lang '{v}' is not supported"
                    ))
                    .hint("use filter-lang=cql2-text"));
                }
            }
            "filter-crs" if whole => {
                if !v.ends_with("/OGC/1.3/CRS84") {
                    return Err(ApiError::bad_request(format!("filter-crs '{v}' is not supported"))
                        .hint("BBOX in a filter is in CRS84: http://www.opengis.net/def/crs/OGC/1.3/CRS84"));
                }
            }
            "v" | "_" => {}
            name if declared.contains(&name) => filter_pairs.push(pair),
            name if whole => {
                let Some(idx) = layer.field_index(name) else {
                    return Err(unknown(name));
                };
                let kind = layer.fields[idx].kind;
                let value = parse_value(kind, &v).map_err(|e| {
                    ApiError::bad_request(format!("{name}: {e}"))
                        .hint(format!("'{name}' is a {kind:?} field", kind = kind).to_lowercase())
                })?;
                p.query.equals.push((idx, value));
            }
            name => return Err(unknown(name)),
        }
        p.kept.push(pair.to_string());
    }
    let allowed: BTreeSet<FilterKind> = layer.filters.iter().copied().collect();
    let filter_query = filter_pairs.join("&");
    p.query.filter = Filter::parse(Some(&filter_query), &allowed).map_err(|e| {
        ApiError::bad_request(e)
            .hint("dates are YYYY-MM-DD, YYYY-MM or YYYY; see /ogc/collections for each collection's filters")
    })?;
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datetime_forms() {
        let d = |s: &str| date::parse(s).unwrap();
        assert_eq!(
            parse_datetime("2024-06-08").unwrap(),
            (Some(d("2024-06-08").first), Some(d("2024-06-08").last))
        );
        assert_eq!(
            parse_datetime("2024-01-01T00:00:00Z/..").unwrap(),
            (Some(d("2024-01-01").first), None)
        );
        // GDAL 3.6 writes dates as "2024-01-01T".
        assert_eq!(
            parse_datetime("2024-01-01T/2024-12-31T").unwrap(),
            (Some(d("2024-01-01").first), Some(d("2024-12-31").last))
        );
        assert_eq!(
            parse_datetime("../2024").unwrap(),
            (None, Some(d("2024").last))
        );
        assert!(parse_datetime("yesterday").is_err());
        assert!(parse_datetime("2025/2024").is_err());
    }

    #[test]
    fn bbox_forms() {
        assert_eq!(parse_bbox("69,33,71,35").unwrap(), [69.0, 33.0, 71.0, 35.0]);
        assert_eq!(
            parse_bbox("69,33,0,71,35,10").unwrap(),
            [69.0, 33.0, 71.0, 35.0]
        );
        assert!(parse_bbox("69,33,71").is_err());
        assert!(parse_bbox("69,35,71,33").is_err());
        assert!(parse_bbox("a,b,c,d").is_err());
        assert_eq!(
            parse_bbox("-200,-95,200,95").unwrap(),
            [-180.0, -90.0, 180.0, 90.0]
        );
    }
}
