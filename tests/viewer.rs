//! What the viewer relies on, checked through the real router: label points inside their
//! provinces, styles with absolute URLs, glyphs for the names on the map, embedded files.

mod common;

use std::collections::HashSet;

use borderland::dataset::Dataset;
use borderland::server::{self, AppState, ServerOptions};
use common::mvt::Prop;
use common::{default_app, default_state, get, get_with, repo_path, tile, tile_of};

const PAKTIKA: (f64, f64) = (68.73, 32.48);
const KABUL: (f64, f64) = (69.17, 34.536);

/// Even-odd point in polygon over all rings (holes included).
fn inside(p: [f64; 2], rings: &[Vec<[f64; 2]>]) -> bool {
    let mut odd = false;
    for ring in rings {
        let n = ring.len();
        let mut j = n.saturating_sub(1);
        for i in 0..n {
            let (a, b) = (ring[i], ring[j]);
            if (a[1] > p[1]) != (b[1] > p[1])
                && p[0] < (b[0] - a[0]) * (p[1] - a[1]) / (b[1] - a[1]) + a[0]
            {
                odd = !odd;
            }
            j = i;
        }
    }
    odd
}

#[test]
fn every_province_label_lies_inside_its_province() {
    let state = default_state();
    let dataset = state.dataset.load_full();
    let provinces = dataset.layer("provinces").expect("provinces");
    let labels = dataset
        .layer("province_labels")
        .expect("province_labels layer");
    assert_eq!(labels.geometry_type(), "point");
    assert_eq!(labels.features.len(), provinces.features.len());
    for (i, label) in labels.features.iter().enumerate() {
        let piece = labels
            .shapes
            .pieces
            .iter()
            .find(|p| p.feature as usize == i)
            .expect("a label has a point");
        let point = labels.shapes.xy[labels.shapes.parts_of(piece)[0].range()][0];
        let (j, province) = provinces
            .features
            .iter()
            .enumerate()
            .find(|(_, f)| f.id == label.id)
            .expect("the label keeps its province's id");
        let rings: Vec<Vec<[f64; 2]>> = provinces
            .shapes
            .pieces
            .iter()
            .filter(|p| p.feature as usize == j)
            .flat_map(|p| provinces.shapes.parts_of(p))
            .map(|part| provinces.shapes.xy[part.range()].to_vec())
            .collect();
        let name = provinces
            .props(j)
            .find(|(k, _)| *k == "name")
            .map(|(_, v)| v);
        assert!(
            inside(point, &rings),
            "the label of {name:?} ({}) is outside it",
            province.id
        );
    }
}

#[tokio::test]
async fn paktika_label_is_served_once_with_its_attributes_inside_its_polygon() {
    let app = default_app();
    let (x, y) = tile_of(PAKTIKA.0, PAKTIKA.1, 6);
    let layers = tile(&app, "provinces,province_labels", 6, x, y)
        .await
        .expect("tile is not empty");
    let labels = layers
        .iter()
        .find(|l| l.name == "province_labels")
        .expect("a province_labels layer in the tile");
    let paktika: Vec<_> = labels
        .features
        .iter()
        .filter(|f| f.props.get("iso_3166_2") == Some(&Prop::Str("AF-PKA".into())))
        .collect();
    assert_eq!(paktika.len(), 1, "one label point for Paktika");
    let label = paktika[0];
    assert_eq!(label.props["name"].str(), "Paktika");
    assert!(label.props["presence_groups"].str().contains("TTP"));
    let polygon = layers
        .iter()
        .find(|l| l.name == "provinces")
        .and_then(|l| l.find("iso_3166_2", "AF-PKA"))
        .expect("Paktika's polygon in the same tile");
    let p = label.parts[0][0];
    let rings: Vec<Vec<[f64; 2]>> = polygon
        .parts
        .iter()
        .map(|r| r.iter().map(|q| [q[0] as f64, q[1] as f64]).collect())
        .collect();
    assert!(inside([p[0] as f64, p[1] as f64], &rings), "label at {p:?}");
}

#[tokio::test]
async fn styles_point_at_this_server_and_name_only_served_layers_and_fonts() {
    let app = default_app();
    for name in ["explainer", "presence"] {
        let r = get(&app, &format!("/styles/{name}.json")).await;
        assert_eq!(r.status, 200, "{name}");
        let style = r.json();
        assert_eq!(style["version"], 8);
        assert_eq!(
            style["glyphs"],
            "http://tiles.test/fonts/{fontstack}/{range}.pbf"
        );
        let url = style["sources"]["borderland"]["url"]
            .as_str()
            .expect("a TileJSON url");
        let path = url
            .strip_prefix("http://tiles.test")
            .unwrap_or_else(|| panic!("{name}: source url {url} is not absolute for this host"));
        let tilejson = get(&app, path).await;
        assert_eq!(tilejson.status, 200, "{name}: {path}");
        let served: HashSet<String> = tilejson.json()["vector_layers"]
            .as_array()
            .expect("vector_layers")
            .iter()
            .filter_map(|l| l["id"].as_str().map(String::from))
            .collect();
        for layer in style["layers"].as_array().expect("layers") {
            if let Some(sl) = layer["source-layer"].as_str() {
                assert!(
                    served.contains(sl),
                    "{name}: layer {} uses '{sl}'",
                    layer["id"]
                );
            }
            if let Some(fonts) = layer["layout"]["text-font"].as_array() {
                let stack: Vec<&str> = fonts.iter().filter_map(|f| f.as_str()).collect();
                let uri = format!("/fonts/{}/0-255.pbf", stack.join(",").replace(' ', "%20"));
                assert_eq!(get(&app, &uri).await.status, 200, "{name}: {uri}");
            }
        }
    }
    let missing = get(&app, "/styles/satellite.json").await;
    assert_eq!(missing.status, 404);
    assert!(
        missing.json()["hint"]
            .as_str()
            .unwrap_or("")
            .contains("/styles/explainer.json")
    );
}

#[tokio::test]
async fn styles_respect_public_url() {
    let dataset = Dataset::from_catalog(&repo_path("data/layers.toml")).expect("default data");
    let options = ServerOptions {
        public_url: Some("https://maps.example.org/borderland/".into()),
        ..ServerOptions::default()
    };
    let app = server::router(AppState::new(dataset, options));
    let style = get(&app, "/styles/explainer.json").await.json();
    assert!(
        style["sources"]["borderland"]["url"]
            .as_str()
            .unwrap_or("")
            .starts_with("https://maps.example.org/borderland/tiles/")
    );
    assert_eq!(
        style["glyphs"],
        "https://maps.example.org/borderland/fonts/{fontstack}/{range}.pbf"
    );
}

/// The SDF glyphs of one PBF range: code point → (width, height, bitmap length).
fn glyphs(bytes: &[u8]) -> Vec<(u32, u32, u32, usize)> {
    #[derive(Clone, PartialEq, prost::Message)]
    struct Glyph {
        #[prost(uint32, required, tag = "1")]
        id: u32,
        #[prost(bytes = "vec", optional, tag = "2")]
        bitmap: Option<Vec<u8>>,
        #[prost(uint32, required, tag = "3")]
        width: u32,
        #[prost(uint32, required, tag = "4")]
        height: u32,
        #[prost(sint32, required, tag = "5")]
        left: i32,
        #[prost(sint32, required, tag = "6")]
        top: i32,
        #[prost(uint32, required, tag = "7")]
        advance: u32,
    }
    #[derive(Clone, PartialEq, prost::Message)]
    struct Fontstack {
        #[prost(string, required, tag = "1")]
        name: String,
        #[prost(string, required, tag = "2")]
        range: String,
        #[prost(message, repeated, tag = "3")]
        glyphs: Vec<Glyph>,
    }
    #[derive(Clone, PartialEq, prost::Message)]
    struct Glyphs {
        #[prost(message, repeated, tag = "1")]
        stacks: Vec<Fontstack>,
    }
    let decoded = <Glyphs as prost::Message>::decode(bytes).expect("glyphs.proto");
    decoded
        .stacks
        .iter()
        .flat_map(|s| &s.glyphs)
        .map(|g| {
            let len = g.bitmap.as_ref().map_or(0, Vec::len);
            (g.id, g.width, g.height, len)
        })
        .collect()
}

#[tokio::test]
async fn glyphs_cover_the_names_on_the_map() {
    let app = default_app();
    let mut have = HashSet::new();
    for range in ["0-255", "256-511", "8192-8447"] {
        let r = get(&app, &format!("/fonts/Open%20Sans%20Regular/{range}.pbf")).await;
        assert_eq!(r.status, 200, "{range}");
        assert_eq!(r.header("content-type"), Some("application/x-protobuf"));
        for (id, w, h, len) in glyphs(&r.body) {
            if w > 0 {
                // An SDF bitmap carries a 3-pixel border.
                assert_eq!(len, ((w + 6) * (h + 6)) as usize, "glyph {id}");
            }
            have.insert(id);
        }
    }
    for text in [
        "Paktīkā",
        "Khyber Pakhtunkhwa",
        "Afghanistan–Pakistan",
        "Nūristān",
    ] {
        for c in text.chars() {
            assert!(have.contains(&(c as u32)), "no glyph for '{c}' in {text}");
        }
    }
}

#[tokio::test]
async fn font_stacks_fall_back_and_unknown_fonts_are_json_404s() {
    let app = default_app();
    let plain = get(&app, "/fonts/Open%20Sans%20Regular/0-255.pbf").await;
    let listed = get(
        &app,
        "/fonts/Noto%20Sans%20Bold,Open%20Sans%20Regular/0-255.pbf",
    )
    .await;
    assert_eq!(listed.status, 200);
    assert_eq!(listed.body, plain.body);

    let unknown = get(&app, "/fonts/Comic%20Sans/0-255.pbf").await;
    assert_eq!(unknown.status, 404);
    assert!(
        unknown.json()["hint"]
            .as_str()
            .unwrap_or("")
            .contains("Open Sans Regular")
    );
    let bad_range = get(&app, "/fonts/Open%20Sans%20Regular/0-99.pbf").await;
    assert_eq!(bad_range.status, 404);
    assert!(bad_range.json()["error"].is_string());

    // Cyrillic: not shipped, so an empty but valid range.
    let empty = get(&app, "/fonts/Open%20Sans%20Regular/1024-1279.pbf").await;
    assert_eq!(empty.status, 200);
    assert!(glyphs(&empty.body).is_empty());
}

#[tokio::test]
async fn the_viewer_and_its_files_are_embedded() {
    let app = default_app();
    let page = get(&app, "/").await;
    assert_eq!(page.status, 200);
    assert!(
        page.header("content-type")
            .unwrap_or("")
            .starts_with("text/html")
    );
    let html = String::from_utf8_lossy(&page.body);
    for needle in [
        "static/viewer.js",
        "does not recognise the",
        "Kashmir is disputed",
        "one partisan source",
    ] {
        assert!(html.contains(needle), "the page lacks {needle:?}");
    }
    for (path, kind) in [
        ("/static/viewer.js", "text/javascript"),
        ("/static/viewer.css", "text/css"),
        (
            "/static/vendor/maplibre-gl/maplibre-gl.mjs",
            "text/javascript",
        ),
        (
            "/static/vendor/maplibre-gl/maplibre-gl-worker.mjs",
            "text/javascript",
        ),
        ("/static/vendor/maplibre-gl/maplibre-gl.css", "text/css"),
        ("/static/vendor/maplibre-gl/LICENSE.txt", "text/plain"),
    ] {
        let r = get(&app, path).await;
        assert_eq!(r.status, 200, "{path}");
        assert!(
            r.header("content-type").unwrap_or("").starts_with(kind),
            "{path}"
        );
        assert!(!r.body.is_empty(), "{path}");
    }
    let missing = get(&app, "/static/nope.js").await;
    assert_eq!(missing.status, 404);
    assert!(missing.json()["error"].is_string());
}

#[tokio::test]
async fn a_filter_change_is_never_answered_with_the_old_tile() {
    // MapLibre resends a tile's ETag when only the tile URL's query changed.
    let app = default_app();
    let (x, y) = tile_of(KABUL.0, KABUL.1, 5);
    let all = get(&app, &format!("/tiles/incidents/5/{x}/{y}.mvt")).await;
    assert_eq!(all.status, 200, "the Kabul bombing is in this tile");
    let etag = all.header("etag").expect("etag").to_string();
    let windowed = get_with(
        &app,
        &format!("/tiles/incidents/5/{x}/{y}.mvt?from=2021-08-01&to=2021-08-31"),
        &[("if-none-match", &etag)],
    )
    .await;
    assert_eq!(windowed.status, 204, "no incident in August 2021");
    let same = get_with(
        &app,
        &format!("/tiles/incidents/5/{x}/{y}.mvt"),
        &[("if-none-match", &etag)],
    )
    .await;
    assert_eq!(same.status, 304);
}

#[tokio::test]
async fn a_label_follows_the_filters_of_its_polygon() {
    let app = default_app();
    let (x, y) = tile_of(KABUL.0, KABUL.1, 6);
    let kabul = |layers: &[common::mvt::DecodedLayer], layer: &str| {
        layers
            .iter()
            .find(|l| l.name == layer)
            .and_then(|l| l.find("name", "Kabul"))
            .map(|f| {
                (
                    f.props.get("incidents_count").cloned(),
                    f.props
                        .get("incidents_last")
                        .map(|v| v.str().to_string())
                        .unwrap_or_default(),
                )
            })
            .unwrap_or_else(|| panic!("Kabul in {layer}"))
    };
    for (query, count, last) in [("", 1.0, "2026-01"), ("?from=2027-01", 0.0, "")] {
        let r = get(
            &app,
            &format!("/tiles/provinces,province_labels/6/{x}/{y}.mvt{query}"),
        )
        .await;
        assert_eq!(r.status, 200, "{query}");
        let layers = common::mvt::decode_strict(&r.body);
        for layer in ["provinces", "province_labels"] {
            let (n, l) = kabul(&layers, layer);
            assert_eq!(n, Some(Prop::Num(count)), "{layer} {query}");
            assert_eq!(l, last, "{layer} {query}: the last incident date");
        }
    }
}
