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
