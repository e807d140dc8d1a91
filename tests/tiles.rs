//! Served tiles, decoded with an independent decoder: MVT 2.1 rules and what a map reader
//! would check (Paktika is where it should be, ids are stable, provinces tile the land).

mod common;

use std::collections::HashMap;

use common::mvt::{DecodedLayer, Prop};
use common::{default_app, get, get_with, tile, tile_of};

const PAKTIKA: (f64, f64) = (68.73, 32.48);
const KHOST: (f64, f64) = (69.83, 33.36);

fn layer<'a>(layers: &'a [DecodedLayer], name: &str) -> &'a DecodedLayer {
    layers
        .iter()
        .find(|l| l.name == name)
        .unwrap_or_else(|| panic!("no layer {name}"))
}

#[tokio::test]
async fn z6_tile_over_paktika_holds_paktika_with_its_attributes() {
    let app = default_app();
    let (x, y) = tile_of(PAKTIKA.0, PAKTIKA.1, 6);
    let layers = tile(&app, "provinces", 6, x, y)
        .await
        .expect("tile is not empty");
    let provinces = layer(&layers, "provinces");
    let paktika = provinces
        .find("iso_3166_2", "AF-PKA")
        .expect("Paktika (AF-PKA) is in the tile");
    assert_eq!(paktika.props["name"], Prop::Str("Paktika".into()));
    assert_eq!(paktika.props["country"], Prop::Str("Afghanistan".into()));
    assert!(paktika.props["name_alt"].str().contains("Paktīkā"));
    assert_eq!(paktika.kind, 3, "polygon");
    let paktia = provinces
        .find("iso_3166_2", "AF-PIA")
        .expect("Paktia is a neighbour in the same tile");
    assert_eq!(paktia.props["name"], Prop::Str("Paktia".into()));
}

#[tokio::test]
async fn a_province_has_the_same_id_at_z4_and_z10() {
    let app = default_app();
    let mut ids = Vec::new();
    for z in [4u8, 7, 10] {
        let (x, y) = tile_of(KHOST.0, KHOST.1, z);
        let layers = tile(&app, "provinces", z, x, y)
            .await
            .expect("tile over Khost");
        let khost = layer(&layers, "provinces")
            .find("iso_3166_2", "AF-KHO")
            .expect("Khost in tile");
        ids.push(khost.id);
    }
    assert!(
        ids.windows(2).all(|w| w[0] == w[1]),
        "ids differ across zooms: {ids:?}"
    );
    assert!(ids[0] < (1 << 53), "id fits a JavaScript number");
}

/// Buffered tile area in tile units: (4096 + 2 * 64)^2.
const FULL: f64 = 4224.0 * 4224.0;

/// Every tile of the region at zooms 0–8 decodes strictly, stays under 500 KB, and wherever
/// the countries cover a whole tile the provinces cover it too, with no gap or overlap: their
/// areas sum to the tile's and each border edge is shared by exactly two rings.
#[tokio::test]
async fn provinces_tile_the_land_without_gaps_or_overlaps() {
    let app = default_app();
    let mut checked_full = 0;
    for z in 0u8..=8 {
        let (x0, y0) = tile_of(60.4, 38.5, z);
        let (x1, y1) = tile_of(77.1, 23.6, z);
        for x in x0..=x1 {
            for y in y0..=y1 {
                let Some(all) = tile(&app, "provinces,countries,border", z, x, y).await else {
                    continue;
                };
                let countries = all.iter().find(|l| l.name == "countries");
                let provinces = all.iter().find(|l| l.name == "provinces");
                let (Some(countries), Some(provinces)) = (countries, provinces) else {
                    continue;
                };
                let land: f64 = countries.features.iter().map(|f| f.area()).sum();
                if (land - FULL).abs() > 1.0 {
                    continue;
                }
                checked_full += 1;
                let sum: f64 = provinces.features.iter().map(|f| f.area()).sum();
                assert!(
                    (sum - FULL).abs() <= FULL * 1e-6 + 4.0,
                    "z{z} {x}/{y}: provinces cover {sum} of {FULL} tile units (gap or overlap)"
                );
                // Edges: inside the tile each edge is shared by two rings in opposite directions.
                let mut edges: HashMap<([i64; 2], [i64; 2]), i32> = HashMap::new();
                for f in &provinces.features {
                    for ring in &f.parts {
                        for i in 0..ring.len() {
                            let (a, b) = (ring[i], ring[(i + 1) % ring.len()]);
                            let on_edge = |p: [i64; 2]| {
                                p[0] == -64 || p[0] == 4160 || p[1] == -64 || p[1] == 4160
                            };
                            if on_edge(a) && on_edge(b) && (a[0] == b[0] || a[1] == b[1]) {
                                continue;
                            }
                            *edges.entry((a, b)).or_default() += 1;
                        }
                    }
                }
                for (&(a, b), &n) in &edges {
                    assert_eq!(n, 1, "z{z} {x}/{y}: edge {a:?}->{b:?} used {n} times");
                    assert!(
                        edges.contains_key(&(b, a)),
                        "z{z} {x}/{y}: edge {a:?}->{b:?} has no twin: a sliver or gap"
                    );
                }
            }
        }
    }
    assert!(
        checked_full >= 20,
        "only {checked_full} fully covered tiles were checked"
    );
}

#[tokio::test]
async fn deep_tiles_decode_and_keep_the_border_line() {
    let app = default_app();
    // A vertex of the border line, read from the data file.
    let text = std::fs::read_to_string(common::repo_path("data/border.geojson")).unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    let coords = json["features"][0]["geometry"]["coordinates"]
        .as_array()
        .unwrap();
    let vertex = &coords[coords.len() / 2];
    let (lon, lat) = (vertex[0].as_f64().unwrap(), vertex[1].as_f64().unwrap());
    for z in [9u8, 12, 14] {
        let (x, y) = tile_of(lon, lat, z);
        let layers = tile(&app, "provinces,border", z, x, y)
            .await
            .expect("tile on the border");
        let border = layer(&layers, "border");
        assert_eq!(border.features.len(), 1);
        assert_eq!(border.features[0].kind, 2, "line");
        assert_eq!(
            border.features[0].props["status"],
            Prop::Str("de facto".into())
        );
    }
}

#[tokio::test]
async fn an_empty_tile_is_204() {
    let app = default_app();
    let r = get(&app, "/tiles/provinces/5/0/0.mvt").await;
    assert_eq!(r.status, 204);
    assert!(r.body.is_empty());
}

#[tokio::test]
async fn tiles_are_gzipped_when_accepted_and_cacheable() {
    let app = default_app();
    let (x, y) = tile_of(PAKTIKA.0, PAKTIKA.1, 5);
    let uri = format!("/tiles/provinces/5/{x}/{y}.mvt");
    let gz = get_with(&app, &uri, &[("accept-encoding", "gzip, deflate, br")]).await;
    assert_eq!(gz.status, 200);
    assert_eq!(gz.header("content-encoding"), Some("gzip"));
    assert_eq!(
        gz.header("content-type"),
        Some("application/vnd.mapbox-vector-tile")
    );
    assert!(gz.body.starts_with(&[0x1f, 0x8b]));
    let plain = get(&app, &uri).await;
    assert_eq!(plain.header("content-encoding"), None);
    assert!(!plain.body.starts_with(&[0x1f, 0x8b]));
    assert_eq!(common::mvt::decode_strict(&plain.body).len(), 1);
    let etag = gz.header("etag").expect("etag").to_string();
    assert!(gz.header("cache-control").unwrap().contains("max-age"));
    let again = get_with(&app, &uri, &[("if-none-match", &etag)]).await;
    assert_eq!(again.status, 304);
    let cors = get_with(&app, &uri, &[("origin", "https://newsroom.example")]).await;
    assert_eq!(cors.header("access-control-allow-origin"), Some("*"));
}

#[tokio::test]
async fn bad_tile_addresses_get_json_errors() {
    let app = default_app();
    let cases = [
        ("/tiles/provinces/99/0/0.mvt", 400, "zoom 99"),
        ("/tiles/provinces/31/0/0.mvt", 400, "zoom 31"),
        ("/tiles/provinces/3/8/0.mvt", 400, "does not exist"),
        (
            "/tiles/provinces/3/0/1099511627776.mvt",
            400,
            "does not exist",
        ),
        ("/tiles/provinces/a/0/0.mvt", 400, "not a whole number"),
        ("/tiles/provinces/3/-1/0.mvt", 400, "not a whole number"),
        ("/tiles/provinces/3/0/0.png", 404, "not a tile name"),
        ("/tiles/atlantis/3/0/0.mvt", 404, "unknown layer 'atlantis'"),
        (
            "/tiles/provinces,atlantis/3/0/0.mvt",
            404,
            "unknown layer 'atlantis'",
        ),
        ("/tiles/atlantis.json", 404, "unknown layer"),
        ("/tiles/../../etc/passwd", 404, ""),
        ("/nowhere", 404, "no such page"),
    ];
    for (uri, status, text) in cases {
        let r = get(&app, uri).await;
        assert_eq!(
            r.status.as_u16(),
            status,
            "{uri}: {:?}",
            String::from_utf8_lossy(&r.body)
        );
        let body = r.json();
        let error = body["error"]
            .as_str()
            .unwrap_or_else(|| panic!("{uri}: no error field: {body}"));
        assert!(
            error.contains(text),
            "{uri}: error {error:?} lacks {text:?}"
        );
        assert!(
            body["hint"].is_string() || status == 404 && text.is_empty(),
            "{uri}: no hint"
        );
    }
    let unknown = get(&app, "/tiles/atlantis/3/0/0.mvt").await.json();
    assert!(
        unknown["hint"].as_str().unwrap().contains("provinces"),
        "404 lists the known layers"
    );
}

#[tokio::test]
async fn concurrent_misses_cut_a_tile_once() {
    let dataset =
        borderland::dataset::Dataset::from_catalog(&common::repo_path("data/layers.toml")).unwrap();
    let state = borderland::server::AppState::new(dataset, Default::default());
    let app = borderland::server::router(state.clone());
    let (x, y) = tile_of(KHOST.0, KHOST.1, 11);
    let uri = format!("/tiles/provinces,border/11/{x}/{y}.mvt");
    let requests: Vec<_> = (0..32)
        .map(|_| {
            let app = app.clone();
            let uri = uri.clone();
            tokio::spawn(async move { get(&app, &uri).await.status })
        })
        .collect();
    for r in requests {
        assert_eq!(r.await.unwrap(), 200);
    }
    assert_eq!(state.cache.misses(), 1, "the tile was cut more than once");
    assert_eq!(state.cache.hits(), 31);
}

#[test]
fn a_crowded_tile_is_shrunk_under_500_kb_keeping_its_largest_features() {
    use borderland::tile::{self, MAX_TILE_BYTES, TileCoord};
    let text = borderland::synthetic::provinces(180, 90, 6);
    let path = std::path::Path::new("synthetic.geojson");
    let layer = borderland::dataset::build_layer(
        &borderland::config::LayerConfig::for_file(path),
        path,
        text.into_bytes(),
    )
    .unwrap();
    let t = tile::render(&[(&layer).into()], TileCoord { z: 0, x: 0, y: 0 });
    assert!(t.gzip.len() <= MAX_TILE_BYTES, "{} bytes", t.gzip.len());
    let decoded = common::mvt::decode_strict(&t.gzip);
    let n = decoded[0].features.len();
    assert!(n > 5000 && n < 16200, "{n} of 16200 cells kept");
    assert!(t.detail.min_area > 0.0);
    // Kept cells are the larger ones: high latitudes (large in Web Mercator) survive.
    let areas: Vec<f64> = decoded[0].features.iter().map(|f| f.area()).collect();
    let smallest_kept = areas.iter().cloned().fold(f64::INFINITY, f64::min);
    assert!(smallest_kept > 0.0);
}

/// The same gap/overlap check on SYNTHETIC provinces big enough to split the pyramid, so
/// tiles are cut from clipped pyramid nodes, not from the whole layer.
#[test]
fn shared_borders_stay_exact_across_pyramid_nodes() {
    use borderland::tile::{self, TileCoord};
    let text = borderland::synthetic::provinces(60, 30, 40);
    let path = std::path::Path::new("synthetic.geojson");
    let layer = borderland::dataset::build_layer(
        &borderland::config::LayerConfig::for_file(path),
        path,
        text.into_bytes(),
    )
    .unwrap();
    assert!(layer.index.node_count() > 1, "the pyramid is split");
    let mut checked = 0;
    for z in 2u8..=7 {
        let n = 1u32 << z;
        // Rows well inside ±80° latitude, so every tile is covered by cells.
        let (y0, y1) = (tile_of(0.0, 60.0, z).1, tile_of(0.0, -60.0, z).1);
        for y in y0..=y1 {
            // Not the first and last columns: their buffers reach past ±180°.
            for x in (1..n - 1).step_by((n as usize / 8).max(1)) {
                let t = tile::render(&[(&layer).into()], TileCoord { z, x, y });
                let decoded = common::mvt::decode_strict(&t.gzip);
                assert_eq!(
                    t.detail,
                    Default::default(),
                    "z{z} {x}/{y} kept full detail"
                );
                let sum: f64 = decoded[0].features.iter().map(|f| f.area()).sum();
                assert!(
                    (sum - FULL).abs() <= FULL * 1e-6 + 4.0,
                    "z{z} {x}/{y}: cells cover {sum} of {FULL}"
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 50, "{checked} tiles checked");
}

/// Request headers: name, value.
type Headers<'a> = Vec<(&'a str, &'a str)>;

/// A server of the default data with its own cache and counters.
fn fresh_state(cors_origins: &str) -> std::sync::Arc<borderland::server::AppState> {
    let dataset =
        borderland::dataset::Dataset::from_catalog(&common::repo_path("data/layers.toml")).unwrap();
    borderland::server::AppState::new(
        dataset,
        borderland::server::ServerOptions {
            cors_origins: cors_origins.into(),
            ..Default::default()
        },
    )
}

fn request(
    method: &str,
    uri: &str,
    headers: &[(&str, &str)],
) -> axum::http::Request<axum::body::Body> {
    let mut req = axum::http::Request::builder()
        .method(method)
        .uri(uri)
        .header("host", "tiles.test");
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    req.body(axum::body::Body::empty()).unwrap()
}

/// Status and every header (each name's values in order; names sorted), so two answers
/// compare whatever order their headers were set in.
fn answer(r: &common::Reply) -> (u16, Vec<(String, Vec<String>)>) {
    let mut names: Vec<&str> = r.headers.keys().map(|k| k.as_str()).collect();
    names.sort();
    let headers = names
        .into_iter()
        .map(|n| {
            let values = r
                .headers
                .get_all(n)
                .iter()
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
                .collect();
            (n.to_string(), values)
        })
        .collect();
    (r.status.as_u16(), headers)
}

/// Two answers alike: status, headers and body.
fn same_answer(a: &common::Reply, b: &common::Reply, what: &str) {
    assert_eq!(answer(a), answer(b), "{what}");
    assert!(
        a.body == b.body,
        "{what}: bodies differ ({} vs {} bytes)",
        a.body.len(),
        b.body.len()
    );
}

#[tokio::test]
async fn a_cache_hit_answered_ahead_is_the_routers_answer_header_for_header() {
    let (x, y) = tile_of(PAKTIKA.0, PAKTIKA.1, 5);
    let (x6, y6) = tile_of(KHOST.0, KHOST.1, 6);
    // Path and query: plain tiles, an empty one (204), filtered ones, a cache buster.
    let tiles = [
        (
            format!("/tiles/provinces,border,incidents/5/{x}/{y}.mvt"),
            "",
        ),
        (format!("/tiles/provinces/5/{x}/{y}.pbf"), ""),
        ("/tiles/provinces/5/0/0.mvt".to_string(), ""),
        (
            format!("/tiles/provinces,border,incidents/5/{x}/{y}.mvt"),
            "?from=2025-01&to=2026-12-31",
        ),
        (
            format!("/tiles/provinces/5/{x}/{y}.mvt"),
            "?group=Pakistan&event_type=airstrike",
        ),
        (format!("/tiles/provinces/6/{x6}/{y6}.mvt"), "?v=2"),
    ];
    let big = "x".repeat(40 * 1024);
    for cors in [
        "*",
        "https://newsroom.example, https://desk.example",
        "none",
    ] {
        let state = fresh_state(cors);
        let app = borderland::server::router(state.clone());
        let routes = borderland::server::routes(state.clone());
        let version = state.dataset.load().version.clone();
        for (path, query) in &tiles {
            let tile = &format!("{path}{query}");
            // The first request misses: the router cuts the tile and caches it.
            let ahead = state.metrics.answered_ahead();
            let first = common::send(&app, request("GET", tile, &[])).await;
            let empty = path.ends_with("/0/0.mvt");
            assert_eq!(first.status, if empty { 204 } else { 200 }, "{tile}");
            assert_eq!(
                state.metrics.answered_ahead(),
                ahead,
                "{tile}: a miss is the router's"
            );
            // A filtered tile's ETag names the filter too.
            let etag = first.header("etag").expect("etag").to_string();
            let filtered = query.contains("from") || query.contains("group");
            assert_eq!(etag.contains('-'), filtered, "{tile}: {etag}");
            assert!(
                etag.starts_with(&format!("W/\"{version}")),
                "{tile}: {etag}"
            );
            let listed = format!("\"stale\", {etag}");
            let combos: Vec<Headers> = vec![
                vec![],
                vec![("accept-encoding", "gzip")],
                vec![("accept-encoding", "gzip;q=0")],
                vec![("accept-encoding", "br, *;q=0.5")],
                vec![("accept-encoding", "deflate, x-gzip;q=0.1")],
                vec![("if-none-match", &etag)],
                vec![("if-none-match", "W/\"another\"")],
                vec![("if-none-match", "*"), ("accept-encoding", "gzip")],
                vec![("if-none-match", &listed)],
                vec![("origin", "https://newsroom.example")],
                vec![
                    ("origin", "https://desk.example"),
                    ("accept-encoding", "gzip"),
                    ("if-none-match", &etag),
                ],
                vec![
                    ("origin", "https://elsewhere.example"),
                    ("accept-encoding", "gzip"),
                ],
            ];
            for headers in &combos {
                let ahead = state.metrics.answered_ahead();
                let fast = common::send(&app, request("GET", tile, headers)).await;
                assert_eq!(
                    state.metrics.answered_ahead(),
                    ahead + 1,
                    "{tile} {headers:?} (cors {cors}) was not answered ahead"
                );
                let routed = common::send(&routes, request("GET", tile, headers)).await;
                same_answer(
                    &fast,
                    &routed,
                    &format!("{tile} {headers:?} (cors {cors}): ahead vs router"),
                );
                // What a client checks, beyond being the router's answer.
                let gzip = headers.iter().any(|h| h.1 == "gzip");
                let revalidating = headers
                    .iter()
                    .any(|h| h.0 == "if-none-match" && !h.1.contains("another"));
                match fast.status.as_u16() {
                    304 => assert!(revalidating && fast.body.is_empty()),
                    204 => assert!(fast.body.is_empty()),
                    200 => {
                        assert!(!revalidating);
                        let body = if gzip {
                            assert_eq!(fast.header("content-encoding"), Some("gzip"));
                            let mut plain = Vec::new();
                            std::io::Read::read_to_end(
                                &mut flate2::read::GzDecoder::new(&fast.body[..]),
                                &mut plain,
                            )
                            .expect("gzip");
                            plain
                        } else {
                            fast.body.to_vec()
                        };
                        let layers = common::mvt::decode_strict(&body);
                        assert!(layers.iter().any(|l| !l.features.is_empty()), "{tile}");
                    }
                    s => panic!("{tile} {headers:?}: status {s}"),
                }
                assert_eq!(fast.header("etag"), Some(etag.as_str()));
                let origin = headers.iter().find(|h| h.0 == "origin").map(|h| h.1);
                let allowed = match cors {
                    "*" => Some("*"),
                    "none" => None,
                    _ => origin.filter(|o| !o.contains("elsewhere")),
                };
                assert_eq!(
                    fast.header("access-control-allow-origin"),
                    allowed,
                    "{headers:?}"
                );
            }
            // HEAD, a percent-escape, oversized headers and a bad filter go to the router, and
            // the answers are the router's.
            let escaped = tile.replacen("provinces", "pro%76inces", 1);
            let cases: [(&str, String, Headers); 5] = [
                ("HEAD", tile.clone(), vec![("accept-encoding", "gzip")]),
                ("GET", escaped, vec![]),
                ("GET", tile.clone(), vec![("x-padding", &big)]),
                ("GET", format!("{path}?group=%ZZ"), vec![]),
                ("GET", format!("{path}?colour=red"), vec![]),
            ];
            for (method, uri, headers) in cases {
                let ahead = state.metrics.answered_ahead();
                let a = common::send(&app, request(method, &uri, &headers)).await;
                assert_eq!(state.metrics.answered_ahead(), ahead, "{method} {uri}");
                let b = common::send(&routes, request(method, &uri, &headers)).await;
                same_answer(&a, &b, &format!("{method} {uri}"));
            }
        }
    }
}

#[tokio::test]
async fn hits_answered_ahead_are_counted_like_any_other_request() {
    let state = fresh_state("*");
    let app = borderland::server::router(state.clone());
    let (x, y) = tile_of(KHOST.0, KHOST.1, 6);
    let uri = format!("/tiles/provinces,border/6/{x}/{y}.mvt");
    let first = get(&app, &uri).await;
    assert_eq!(first.status, 200);
    let etag = first.header("etag").expect("etag").to_string();
    for _ in 0..5 {
        assert_eq!(
            get_with(&app, &uri, &[("accept-encoding", "gzip")])
                .await
                .status,
            200
        );
    }
    assert_eq!(
        get_with(&app, &uri, &[("if-none-match", &etag)])
            .await
            .status,
        304
    );
    let text = String::from_utf8(get(&app, "/metrics").await.body.to_vec()).unwrap();
    for line in [
        "borderland_requests_total{route=\"/tiles/{layers}/{z}/{x}/{y}\",status=\"200\"} 6",
        "borderland_requests_total{route=\"/tiles/{layers}/{z}/{x}/{y}\",status=\"304\"} 1",
        // A 304 never asks the cache.
        "borderland_tile_cache_hits_total 5",
        "borderland_tile_cache_misses_total 1",
        "borderland_tile_answered_ahead_total 6",
    ] {
        assert!(text.lines().any(|l| l == line), "no {line:?} in\n{text}");
    }
}

#[tokio::test]
async fn a_new_data_version_is_never_answered_from_the_old_versions_tiles() {
    let state = fresh_state("*");
    let app = borderland::server::router(state.clone());
    let (x, y) = tile_of(PAKTIKA.0, PAKTIKA.1, 7);
    let uri = format!("/tiles/provinces/7/{x}/{y}.mvt");
    let old = get(&app, &uri).await;
    let old_etag = old.header("etag").expect("etag").to_string();
    let ahead = state.metrics.answered_ahead();
    assert_eq!(
        get(&app, &uri).await.header("etag"),
        Some(old_etag.as_str())
    );
    assert_eq!(state.metrics.answered_ahead(), ahead + 1);

    // A reload swaps in another version; the cache is left as it is, so only the version in
    // the key keeps the old tiles out.
    let mut next =
        borderland::dataset::Dataset::from_catalog(&common::repo_path("data/layers.toml")).unwrap();
    next.version = format!("{}next", next.version);
    let new_etag = format!("W/\"{}\"", next.version);
    state.dataset.store(std::sync::Arc::new(next));
    let ahead = state.metrics.answered_ahead();
    let fresh = get(&app, &uri).await;
    assert_eq!(fresh.header("etag"), Some(new_etag.as_str()));
    assert_eq!(
        state.metrics.answered_ahead(),
        ahead,
        "the new version's tile was cut"
    );
    assert_eq!(state.cache.misses(), 2);
    let again = get(&app, &uri).await;
    assert_eq!(again.header("etag"), Some(new_etag.as_str()));
    assert_eq!(state.metrics.answered_ahead(), ahead + 1);
    assert_eq!(again.body, fresh.body);
    // The old ETag no longer revalidates.
    assert_eq!(
        get_with(&app, &uri, &[("if-none-match", &old_etag)])
            .await
            .status,
        200
    );
    assert_eq!(
        get_with(&app, &uri, &[("if-none-match", &new_etag)])
            .await
            .status,
        304
    );
}
