//! OGC API – Features and Tiles and the downloads, through the real router: what a GIS user
//! checks (every feature once, the same ids and attributes as the tiles, the subsets a box
//! or a period should give, errors that say what to do).

mod common;

use std::collections::BTreeSet;
use std::sync::{Arc, OnceLock};

use borderland::dataset::Dataset;
use borderland::server::App;
use borderland::server::{self, AppState, ServerOptions};
use common::mvt::Prop;
use common::{default_app, get, repo_path, tile, tile_of};
use serde_json::Value;

/// The SYNTHETIC sample catalog: dated UCDP- and ACLED-style points over the provinces.
fn samples_app() -> App {
    static STATE: OnceLock<Arc<AppState>> = OnceLock::new();
    let state = STATE.get_or_init(|| {
        let dataset = Dataset::from_catalog(&repo_path("data/samples/layers.samples.toml"))
            .expect("sample data loads");
        AppState::new(dataset, ServerOptions::default())
    });
    server::router(state.clone())
}

fn ids(fc: &Value) -> Vec<u64> {
    fc["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_u64().unwrap())
        .collect()
}

fn link<'a>(doc: &'a Value, rel: &str) -> Option<&'a str> {
    doc["links"]
        .as_array()?
        .iter()
        .find(|l| l["rel"] == rel)
        .and_then(|l| l["href"].as_str())
}

/// Path and query of an absolute link, to request it through the router.
fn local(href: &str) -> &str {
    href.strip_prefix("http://tiles.test").unwrap_or(href)
}

/// Every feature of a collection, following next links.
async fn walk(app: &App, first: &str) -> (Vec<u64>, usize) {
    let mut seen = Vec::new();
    let mut pages = 0;
    let mut next = Some(first.to_string());
    while let Some(url) = next {
        let r = get(app, &url).await;
        assert_eq!(
            r.status,
            200,
            "{url}: {:?}",
            String::from_utf8_lossy(&r.body)
        );
        let page = r.json();
        assert_eq!(
            page["numberReturned"].as_u64().unwrap() as usize,
            ids(&page).len()
        );
        seen.extend(ids(&page));
        pages += 1;
        next = link(&page, "next").map(|h| local(h).to_string());
        assert!(pages < 100, "paging does not end");
    }
    (seen, pages)
}

#[tokio::test]
async fn landing_page_links_the_api_conformance_and_collections() {
    let app = default_app();
    let r = get(&app, "/ogc").await;
    assert_eq!(r.status, 200);
    let landing = r.json();
    assert_eq!(
        link(&landing, "service-desc"),
        Some("http://tiles.test/ogc/api")
    );
    assert_eq!(
        link(&landing, "conformance"),
        Some("http://tiles.test/ogc/conformance")
    );
    assert_eq!(
        link(&landing, "data"),
        Some("http://tiles.test/ogc/collections")
    );
    assert_eq!(get(&app, "/ogc/?f=json").await.status, 200);
    assert_eq!(get(&app, "/ogc?f=xml").await.status, 400);

    let conf = get(&app, "/ogc/conformance").await.json();
    let classes: Vec<&str> = conf["conformsTo"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    for c in [
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
        "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/core",
        "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/mvt",
    ] {
        assert!(classes.contains(&c), "{c} missing from {classes:?}");
    }
}

#[tokio::test]
async fn collections_match_the_catalog() {
    let app = default_app();
    let catalog = get(&app, "/catalog").await.json();
    let collections = get(&app, "/ogc/collections").await.json();
    let list = collections["collections"].as_array().unwrap();
    let layers = catalog["layers"].as_array().unwrap();
    assert_eq!(list.len(), layers.len());
    for (c, l) in list.iter().zip(layers) {
        assert_eq!(c["id"], l["id"]);
        assert_eq!(c["numberOfFeatures"], l["feature_count"]);
        assert_eq!(c["extent"]["spatial"]["bbox"][0], l["bounds"]);
        assert!(c["attribution"].as_str().unwrap().contains("Natural Earth"));
        let id = c["id"].as_str().unwrap();
        assert_eq!(
            link(c, "items"),
            Some(format!("http://tiles.test/ogc/collections/{id}/items").as_str())
        );
        let one = get(&app, &format!("/ogc/collections/{id}")).await;
        assert_eq!(one.status, 200);
        assert_eq!(&one.json(), c);
    }
    // The one dated incident (January 2026, month precision) gives the temporal extent.
    let incidents = list.iter().find(|c| c["id"] == "incidents").unwrap();
    assert_eq!(
        incidents["extent"]["temporal"]["interval"][0],
        serde_json::json!(["2026-01-01T00:00:00Z", "2026-01-31T23:59:59Z"])
    );
    let provinces = list.iter().find(|c| c["id"] == "provinces").unwrap();
    assert!(provinces["extent"].get("temporal").is_none());
    let r = get(&app, "/ogc/collections/nowhere").await;
    assert_eq!(r.status, 404);
    assert!(r.json()["hint"].as_str().unwrap().contains("provinces"));
}

#[tokio::test]
async fn paging_walks_every_item_exactly_once() {
    let app = samples_app();
    for (collection, total) in [("ucdp_events", 24), ("acled_events", 18), ("provinces", 41)] {
        let (seen, pages) = walk(
            &app,
            &format!("/ogc/collections/{collection}/items?limit=5"),
        )
        .await;
        let unique: BTreeSet<u64> = seen.iter().copied().collect();
        assert_eq!(seen.len(), total, "{collection}");
        assert_eq!(unique.len(), total, "{collection}: an item came twice");
        assert_eq!(pages, total.div_ceil(5));
        // The default page holds everything; numberMatched says how many there are.
        let all = get(&app, &format!("/ogc/collections/{collection}/items"))
            .await
            .json();
        assert_eq!(all["numberMatched"], total);
        assert!(link(&all, "next").is_none());
    }
    // prev goes back one page; an offset past the end is an empty page.
    let page = get(&app, "/ogc/collections/ucdp_events/items?limit=5&offset=10")
        .await
        .json();
    let prev = link(&page, "prev").unwrap();
    assert!(prev.ends_with("limit=5&offset=5"), "{prev}");
    let past = get(&app, "/ogc/collections/ucdp_events/items?offset=500")
        .await
        .json();
    assert_eq!(past["numberReturned"], 0);
    assert_eq!(past["numberMatched"], 24);
    // Filters travel with the next link.
    let filtered = get(
        &app,
        "/ogc/collections/ucdp_events/items?limit=2&datetime=2024",
    )
    .await
    .json();
    assert!(link(&filtered, "next").unwrap().contains("datetime=2024"));
}

#[tokio::test]
async fn items_are_geojson_with_the_tiles_ids_and_attributes() {
    let app = default_app();
    let r = get(&app, "/ogc/collections/provinces/items?iso_3166_2=AF-PKA").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("application/geo+json"));
    let fc = r.json();
    assert_eq!(fc["type"], "FeatureCollection");
    assert!(fc["timeStamp"].as_str().unwrap().ends_with('Z'));
    assert_eq!(fc["numberMatched"], 1);
    let paktika = &fc["features"][0];
    assert_eq!(paktika["properties"]["name"], "Paktika");
    // Some provinces have islands, so the layer is MultiPolygon throughout (one type for GIS).
    assert_eq!(paktika["geometry"]["type"], "MultiPolygon");
    let ring = paktika["geometry"]["coordinates"][0][0].as_array().unwrap();
    assert_eq!(ring.first(), ring.last(), "rings are closed");
    let lon = ring[0][0].as_f64().unwrap();
    assert!(
        (67.0..70.5).contains(&lon),
        "Paktika is at about 68-69°E, got {lon}"
    );

    let (x, y) = tile_of(68.73, 32.48, 6);
    let layers = tile(&app, "provinces", 6, x, y).await.unwrap();
    let in_tile = layers[0].find("iso_3166_2", "AF-PKA").unwrap();
    assert_eq!(paktika["id"].as_u64(), Some(in_tile.id));

    let id = in_tile.id;
    let one = get(&app, &format!("/ogc/collections/provinces/items/{id}")).await;
    assert_eq!(one.status, 200);
    assert_eq!(one.header("content-type"), Some("application/geo+json"));
    assert_eq!(one.json()["properties"]["name"], "Paktika");
    assert_eq!(
        get(&app, "/ogc/collections/provinces/items/12345")
            .await
            .status,
        404
    );
    assert_eq!(
        get(&app, "/ogc/collections/provinces/items/abc")
            .await
            .status,
        404
    );
}

#[tokio::test]
async fn catalog_filters_recompute_joined_attributes_as_tiles_do() {
    let app = samples_app();
    let (x, y) = tile_of(68.73, 32.48, 6);
    for query in [
        "",
        "from=2025-01-01",
        "from=2023&to=2023",
        "group=SYNTHETIC Group A",
    ] {
        let q = query.replace(' ', "%20");
        let sep = if q.is_empty() { "" } else { "&" };
        let items = get(
            &app,
            &format!("/ogc/collections/provinces/items?iso_3166_2=AF-PKA{sep}{q}"),
        )
        .await;
        assert_eq!(
            items.status,
            200,
            "{query}: {:?}",
            String::from_utf8_lossy(&items.body)
        );
        let props = items.json()["features"][0]["properties"].clone();
        let r = get(&app, &format!("/tiles/provinces/6/{x}/{y}.mvt?{q}")).await;
        let layers = common::mvt::decode_strict(&r.body);
        let in_tile = layers[0].find("iso_3166_2", "AF-PKA").unwrap();
        let count = props["ucdp_count"].as_f64().unwrap();
        assert_eq!(in_tile.props["ucdp_count"], Prop::Num(count), "{query}");
    }
    let all = get(&app, "/ogc/collections/provinces/items?iso_3166_2=AF-PKA")
        .await
        .json();
    let later = get(
        &app,
        "/ogc/collections/provinces/items?iso_3166_2=AF-PKA&from=2025-01-01",
    )
    .await
    .json();
    assert!(
        later["features"][0]["properties"]["ucdp_count"].as_i64()
            < all["features"][0]["properties"]["ucdp_count"].as_i64(),
        "a later start leaves fewer UCDP events in Paktika"
    );
}

#[tokio::test]
async fn bbox_and_datetime_give_the_expected_subsets() {
    let app = samples_app();
    let rows = common::ucdp_rows();
    let bbox = [69.5, 33.0, 70.5, 34.0];
    let mut want: Vec<u64> = rows
        .iter()
        .filter(|r| r.lon >= bbox[0] && r.lon <= bbox[2] && r.lat >= bbox[1] && r.lat <= bbox[3])
        .map(|r| r.id)
        .collect();
    want.sort();
    assert!(!want.is_empty() && want.len() < rows.len());
    let fc = get(
        &app,
        "/ogc/collections/ucdp_events/items?bbox=69.5,33,70.5,34",
    )
    .await
    .json();
    let mut got = ids(&fc);
    got.sort();
    assert_eq!(got, want);

    for (datetime, from, to) in [
        ("2024-01-01/2024-12-31", "2024-01-01", "2024-12-31"),
        ("2024", "2024-01-01", "2024-12-31"),
        ("../2023-06-30", "0000-01-01", "2023-06-30"),
        ("2025-05-04T00:00:00Z/..", "2025-05-04", "9999-12-31"),
        ("2023-01-02", "2023-01-02", "2023-01-02"),
    ] {
        let mut want: Vec<u64> = rows
            .iter()
            .filter(|r| r.start.as_str() <= to && r.end.as_str() >= from)
            .map(|r| r.id)
            .collect();
        want.sort();
        let url = format!("/ogc/collections/ucdp_events/items?datetime={datetime}");
        let fc = get(&app, &url).await.json();
        let mut got = ids(&fc);
        got.sort();
        assert_eq!(got, want, "{datetime}");
        assert_eq!(fc["numberMatched"].as_u64(), Some(want.len() as u64));
    }
    // A multi-day event overlaps a window that starts after its first day.
    let spanning = rows.iter().find(|r| r.start != r.end).unwrap();
    let url = format!(
        "/ogc/collections/ucdp_events/items?datetime={}/..",
        spanning.end
    );
    assert!(ids(&get(&app, &url).await.json()).contains(&spanning.id));

    // Polygons: the box must touch the province itself, not just its envelope.
    let fc = get(
        &app,
        "/ogc/collections/provinces/items?bbox=68.7,32.4,68.8,32.5",
    )
    .await
    .json();
    let names: Vec<&str> = fc["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["properties"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Paktika"]);
}

#[tokio::test]
async fn attribute_equality_and_hits() {
    let app = samples_app();
    let fc = get(&app, "/ogc/collections/ucdp_events/items?fatalities=3")
        .await
        .json();
    assert!(fc["numberMatched"].as_u64().unwrap() > 0);
    for f in fc["features"].as_array().unwrap() {
        assert_eq!(f["properties"]["fatalities"], 3);
    }
    let fc = get(
        &app,
        "/ogc/collections/acled_events/items?country=Afghanistan&limit=1",
    )
    .await
    .json();
    assert!(fc["numberMatched"].as_u64().unwrap() > 1);
    let hits = get(
        &app,
        "/ogc/collections/ucdp_events/items?resultType=hits&group=SYNTHETIC%20Group%20A",
    )
    .await
    .json();
    assert_eq!(hits["numberReturned"], 0);
    let listed = get(
        &app,
        "/ogc/collections/ucdp_events/items?group=SYNTHETIC%20Group%20A",
    )
    .await
    .json();
    assert_eq!(hits["numberMatched"], listed["numberMatched"]);
    for f in listed["features"].as_array().unwrap() {
        assert_eq!(f["properties"]["group"], "SYNTHETIC Group A");
    }
}

#[tokio::test]
async fn bad_parameters_get_400_with_a_hint() {
    let app = samples_app();
    for (query, says) in [
        ("bbox=69,33,71", "bbox has 3 numbers"),
        ("limit=-1", "limit=-1"),
        ("limit=0", "limit=0"),
        ("offset=abc", "offset='abc'"),
        ("datetime=yesterday", "'yesterday' is not a date"),
        ("datetime=2025/2024", "starts after it ends"),
        ("fatalities=many", "fatalities"),
        ("colour=red", "unknown query parameter 'colour'"),
        ("from=2025-13-01", "month 13"),
        ("f=xml", "f=xml"),
    ] {
        let r = get(&app, &format!("/ogc/collections/ucdp_events/items?{query}")).await;
        assert_eq!(r.status, 400, "{query}");
        let body = r.json();
        let error = body["error"].as_str().unwrap();
        assert!(error.contains(says), "{query}: {error}");
        assert!(
            body["hint"].as_str().is_some_and(|h| !h.is_empty()),
            "{query}"
        );
    }
    let r = get(&app, "/ogc/collections/ucdp_events/items?colour=red")
        .await
        .json();
    let hint = r["hint"].as_str().unwrap();
    for accepted in ["bbox", "datetime", "limit", "from", "group", "fatalities"] {
        assert!(hint.contains(accepted), "{hint}");
    }
    // Provinces have no per-feature dates: datetime is refused with a pointer to from/to.
    let r = get(&app, "/ogc/collections/provinces/items?datetime=2024").await;
    assert_eq!(r.status, 400);
    assert!(r.json()["hint"].as_str().unwrap().contains("from="));
    // Too large a limit is cut to the maximum, not refused.
    let r = get(&app, "/ogc/collections/ucdp_events/items?limit=20000")
        .await
        .json();
    assert!(link(&r, "self").unwrap().contains("limit=10000"));
}

#[tokio::test]
async fn openapi_document_names_every_route() {
    let app = samples_app();
    let r = get(&app, "/ogc/api").await;
    assert_eq!(r.status, 200);
    assert!(r.header("content-type").unwrap().contains("openapi+json"));
    let doc = r.json();
    assert_eq!(doc["openapi"], "3.0.3");
    assert_eq!(doc["servers"][0]["url"], "http://tiles.test/ogc");
    let paths = doc["paths"].as_object().unwrap();
    let templates = borderland::server::ogc::openapi::PATHS;
    for t in templates {
        assert!(paths.contains_key(*t), "{t} is not in the OpenAPI document");
    }
    // Every documented path answers when filled in (and refs resolve).
    let params = doc["components"]["parameters"].as_object().unwrap();
    for (path, item) in paths {
        for p in item["get"]["parameters"].as_array().unwrap() {
            if let Some(r) = p["$ref"].as_str() {
                let name = r.trim_start_matches("#/components/parameters/");
                assert!(params.contains_key(name), "{path}: dangling {r}");
            }
        }
        let filled = path
            .replace("{collectionId}", "ucdp_events")
            .replace("{featureId}", "900001")
            .replace("{tileMatrixSetId}", "WebMercatorQuad")
            .replace("{tileMatrix}", "6")
            .replace("{tileRow}", "25")
            .replace("{tileCol}", "44");
        let r = get(&app, &format!("/ogc{filled}")).await;
        assert!(r.status == 200 || r.status == 204, "{filled}: {}", r.status);
    }
    // Each collection's items path lists its fields, so GDAL filters on the server.
    let ucdp: Vec<&str> = paths["/collections/ucdp_events/items"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["name"].as_str())
        .collect();
    assert!(
        ucdp.contains(&"fatalities") && ucdp.contains(&"country"),
        "{ucdp:?}"
    );
}

#[tokio::test]
async fn ogc_tiles_are_the_xyz_tiles_row_before_column() {
    let app = default_app();
    let (x, y) = tile_of(68.73, 32.48, 6);
    let xyz = get(&app, &format!("/tiles/provinces/6/{x}/{y}.mvt")).await;
    let ogc = get(
        &app,
        &format!("/ogc/collections/provinces/tiles/WebMercatorQuad/6/{y}/{x}"),
    )
    .await;
    assert_eq!(ogc.status, 200);
    assert_eq!(
        ogc.header("content-type"),
        Some("application/vnd.mapbox-vector-tile")
    );
    assert_eq!(ogc.body, xyz.body);
    assert_eq!(ogc.header("etag"), xyz.header("etag"));
    // Column and row swapped is another (empty) tile.
    let swapped = get(
        &app,
        &format!("/ogc/collections/provinces/tiles/WebMercatorQuad/6/{x}/{y}"),
    )
    .await;
    assert_ne!(swapped.body, xyz.body);
    let ocean = get(
        &app,
        "/ogc/collections/provinces/tiles/WebMercatorQuad/6/40/10",
    )
    .await;
    assert_eq!(ocean.status, 204);
    assert_eq!(
        get(
            &app,
            "/ogc/collections/provinces/tiles/WebMercatorQuad/6/64/0"
        )
        .await
        .status,
        404
    );
    assert_eq!(
        get(
            &app,
            "/ogc/collections/provinces/tiles/WorldCRS84Quad/6/0/0"
        )
        .await
        .status,
        404
    );
    assert_eq!(
        get(
            &app,
            "/ogc/collections/provinces/tiles/WebMercatorQuad/6/x/0"
        )
        .await
        .status,
        400
    );

    let set = get(&app, "/ogc/collections/provinces/tiles/WebMercatorQuad")
        .await
        .json();
    assert_eq!(set["dataType"], "vector");
    let template = set["links"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["rel"] == "item")
        .unwrap();
    assert_eq!(
        template["href"],
        "http://tiles.test/ogc/collections/provinces/tiles/WebMercatorQuad/{tileMatrix}/{tileRow}/{tileCol}"
    );
    let z6 = set["tileMatrixSetLimits"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["tileMatrix"] == "6")
        .unwrap();
    let (row, col) = (y as u64, x as u64);
    assert!(z6["minTileRow"].as_u64().unwrap() <= row && row <= z6["maxTileRow"].as_u64().unwrap());
    assert!(z6["minTileCol"].as_u64().unwrap() <= col && col <= z6["maxTileCol"].as_u64().unwrap());
    let sets = get(&app, "/ogc/collections/provinces/tiles").await.json();
    assert_eq!(
        sets["tilesets"][0]["tileMatrixSetURI"],
        "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad"
    );
}

#[tokio::test]
async fn web_mercator_quad_is_the_standard_definition() {
    let app = default_app();
    let list = get(&app, "/ogc/tileMatrixSets").await.json();
    assert_eq!(list["tileMatrixSets"][0]["id"], "WebMercatorQuad");
    let tms = get(&app, "/ogc/tileMatrixSets/WebMercatorQuad")
        .await
        .json();
    assert_eq!(tms["crs"], "http://www.opengis.net/def/crs/EPSG/0/3857");
    let m = tms["tileMatrices"].as_array().unwrap();
    assert_eq!(m.len(), 25);
    let close = |v: &Value, want: f64| (v.as_f64().unwrap() - want).abs() / want < 1e-9;
    assert!(close(&m[0]["scaleDenominator"], 559_082_264.028_717_8));
    assert!(close(&m[0]["cellSize"], 156_543.033_928_041));
    assert!(close(&m[24]["scaleDenominator"], 33.323_899_747_652_87));
    assert_eq!(
        m[0]["pointOfOrigin"],
        serde_json::json!([-20037508.3427892, 20037508.3427892])
    );
    for (z, matrix) in m.iter().enumerate() {
        assert_eq!(matrix["id"], z.to_string());
        assert_eq!(matrix["matrixWidth"], 1u64 << z);
        assert_eq!(matrix["matrixHeight"], 1u64 << z);
        assert_eq!(matrix["tileWidth"], 256);
    }
    // The TMS 1.0 encoding beside it (GDAL before 3.8 reads only that one) says the same.
    assert_eq!(tms["type"], "TileMatrixSetType");
    assert_eq!(tms["identifier"], "WebMercatorQuad");
    assert_eq!(tms["supportedCRS"], tms["crs"]);
    let old = tms["tileMatrix"].as_array().unwrap();
    assert_eq!(old.len(), m.len());
    for (v1, v2) in old.iter().zip(m) {
        assert_eq!(v1["identifier"], v2["id"]);
        assert_eq!(v1["scaleDenominator"], v2["scaleDenominator"]);
        assert_eq!(v1["topLeftCorner"], v2["pointOfOrigin"]);
        for k in ["tileWidth", "tileHeight", "matrixWidth", "matrixHeight"] {
            assert_eq!(v1[k], v2[k], "{k}");
        }
    }
    assert_eq!(get(&app, "/ogc/tileMatrixSets/Nope").await.status, 404);
}

#[tokio::test]
async fn downloads_carry_provenance_and_honour_filters() {
    let app = samples_app();
    let r = get(&app, "/data/ucdp_events.csv").await;
    assert_eq!(r.status, 200);
    assert!(r.header("content-type").unwrap().starts_with("text/csv"));
    assert_eq!(
        r.header("content-disposition"),
        Some("attachment; filename=\"ucdp_events.csv\"")
    );
    let mut csv = csv::Reader::from_reader(&r.body[..]);
    let header: Vec<String> = csv.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(&header[..3], ["feature_id", "longitude", "latitude"]);
    for provenance in ["source", "citation", "report_date"] {
        assert!(header.contains(&provenance.to_string()), "{header:?}");
    }
    let records: Vec<csv::StringRecord> = csv.records().map(|r| r.unwrap()).collect();
    assert_eq!(records.len(), 24);
    // Every row keeps the table's own columns (not only the first row).
    let side_a = header.iter().position(|h| h == "side_a").unwrap();
    assert!(records.iter().all(|r| !r[side_a].is_empty()));
    let rows = common::ucdp_rows();
    let first = rows
        .iter()
        .find(|row| row.id.to_string() == records[1][0])
        .unwrap();
    assert_eq!(records[1][1].parse::<f64>().unwrap(), first.lon);
    assert_eq!(records[1][2].parse::<f64>().unwrap(), first.lat);

    let r = get(&app, "/data/ucdp_events.geojson?from=2024&to=2024").await;
    assert_eq!(
        r.header("content-disposition"),
        Some("attachment; filename=\"ucdp_events_from-2024-01-01_to-2024-12-31.geojson\"")
    );
    let fc = r.json();
    let want = rows
        .iter()
        .filter(|r| r.start.as_str() <= "2024-12-31" && r.end.as_str() >= "2024-01-01")
        .count();
    assert_eq!(fc["features"].as_array().unwrap().len(), want);
    assert!(fc["attribution"].as_str().unwrap().contains("SYNTHETIC"));

    let r = get(&app, "/data/provinces.csv").await;
    let mut csv = csv::Reader::from_reader(&r.body[..]);
    let header: Vec<String> = csv.headers().unwrap().iter().map(String::from).collect();
    assert!(
        !header.contains(&"longitude".to_string()),
        "polygons carry attributes only"
    );
    assert!(header.contains(&"ucdp_sources".to_string()));
    assert_eq!(csv.records().count(), 41);

    assert_eq!(get(&app, "/data/nowhere.csv").await.status, 404);
    assert_eq!(get(&app, "/data/provinces.shp").await.status, 404);
    assert_eq!(
        get(&app, "/data/provinces.csv?colour=red").await.status,
        400
    );
}

#[tokio::test]
async fn collections_snapshot() {
    let app = default_app();
    insta::assert_json_snapshot!(
        "ogc_collections",
        get(&app, "/ogc/collections").await.json()
    );
}
