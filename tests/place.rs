//! Place and language: province names in Dari/Persian, Pashto and Urdu come from Unicode CLDR
//! (checked against the CLDR files themselves), reach the tiles, and can be drawn.

mod common;

use std::collections::BTreeMap;

use common::mvt::Prop;
use common::{default_app, repo_path, tile, tile_of};

const CLDR: &str = "/usr/share/unicode/cldr/common/subdivisions";

fn provinces() -> Vec<serde_json::Map<String, serde_json::Value>> {
    let text = std::fs::read_to_string(repo_path("data/provinces.geojson")).expect("provinces");
    let v: serde_json::Value = serde_json::from_str(&text).expect("provinces is JSON");
    v["features"]
        .as_array()
        .expect("features")
        .iter()
        .map(|f| f["properties"].as_object().expect("properties").clone())
        .collect()
}

/// CLDR subdivision names for Afghanistan and Pakistan, read with a plain text scan (not the
/// build script's XML reader): code ("AF-BAL") -> raw name ("ولایت بلخ").
fn cldr(lang: &str) -> Option<BTreeMap<String, String>> {
    let path = format!("{CLDR}/{lang}.xml");
    let Ok(text) = std::fs::read_to_string(&path) else {
        assert!(
            !common::process::e2e_required(),
            "{path} is missing but BORDERLAND_E2E=1: apt-get install unicode-cldr-core"
        );
        eprintln!("SKIPPED: {path} missing (apt-get install unicode-cldr-core)");
        return None;
    };
    let mut out = BTreeMap::new();
    for line in text.lines() {
        let Some(rest) = line.trim().strip_prefix("<subdivision type=\"") else {
            continue;
        };
        let Some((t, rest)) = rest.split_once('"') else {
            continue;
        };
        let (Some(name), true) = (
            rest.split_once('>').and_then(|(_, r)| r.split_once('<')),
            t.len() > 2 && (t.starts_with("af") || t.starts_with("pk")),
        ) else {
            continue;
        };
        let code = format!("{}-{}", t[..2].to_uppercase(), t[2..].to_uppercase());
        out.insert(code, name.0.to_string());
    }
    Some(out)
}

fn arabic_script(s: &str) -> bool {
    s.chars()
        .filter(|c| !c.is_whitespace() && *c != '-' && *c != '\u{200c}')
        .all(|c| ('\u{0600}'..='\u{06FF}').contains(&c))
}

#[test]
fn all_34_afghan_provinces_have_fa_ps_ur_names_from_cldr() {
    let provinces = provinces();
    let mut counts: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    for lang in ["fa", "ps", "ur"] {
        let Some(source) = cldr(lang) else { return };
        for p in &provinces {
            let code = p["iso_3166_2"].as_str().expect("code");
            let country = &code[..2];
            let Some(name) = p.get(&format!("name_{lang}")).and_then(|v| v.as_str()) else {
                assert!(
                    !source.contains_key(code),
                    "{code}: CLDR has a {lang} name but the data has none"
                );
                continue;
            };
            assert!(
                arabic_script(name),
                "{code} name_{lang} {name:?} is not in Arabic script"
            );
            let raw = &source[code];
            // the label is the CLDR name, at most without the province word around it
            assert!(
                raw == name
                    || raw.starts_with(&format!("{name} "))
                    || raw.ends_with(&format!(" {name}"))
                    || raw.contains(&format!(" {name} ")),
                "{code} name_{lang} {name:?} is not CLDR's {raw:?} less a province word"
            );
            for word in ["ولایت", "ولايت", "صوبہ", "استان", "ایالت", "پراونس"]
            {
                assert!(
                    !name.split(' ').any(|w| w == word),
                    "{code} name_{lang} {name:?} keeps the province word {word}"
                );
            }
            assert!(
                p["name_source"].as_str().unwrap_or("").contains("CLDR"),
                "{code}: name_source names CLDR"
            );
            *counts.entry((country, lang)).or_default() += 1;
        }
    }
    for lang in ["fa", "ps", "ur"] {
        assert_eq!(
            counts[&("AF", lang)],
            34,
            "Afghan provinces named in {lang}"
        );
    }
    // Pakistan: every unit CLDR names (Pashto has no name for Islamabad Capital Territory)
    assert_eq!(counts[&("PK", "fa")], 7);
    assert_eq!(counts[&("PK", "ur")], 7);
    assert_eq!(counts[&("PK", "ps")], 6);
}

#[tokio::test]
async fn a_decoded_tile_carries_pashto_names() {
    let app = default_app();
    let (x, y) = tile_of(70.45, 34.43, 7); // Nangarhar
    let layers = tile(&app, "provinces", 7, x, y).await.expect("tile");
    let provinces = layers
        .iter()
        .find(|l| l.name == "provinces")
        .expect("layer");
    let nangarhar = provinces.find("iso_3166_2", "AF-NAN").expect("Nangarhar");
    let cldr_ps = cldr("ps");
    let ps = nangarhar.props.get("name_ps").expect("name_ps in the tile");
    assert!(matches!(ps, Prop::Str(s) if arabic_script(s) && !s.is_empty()));
    if let Some(source) = cldr_ps {
        assert!(source["AF-NAN"].contains(ps.str()), "{ps:?} from CLDR");
    }
    assert!(nangarhar.props.contains_key("name_fa"));
    assert!(nangarhar.props.contains_key("name_ur"));
}

/// The glyph PBF schema (MapLibre's glyphs.proto), decoded independently of the generator.
mod glyphs {
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Glyphs {
        #[prost(message, repeated, tag = "1")]
        pub stacks: Vec<Fontstack>,
    }
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Fontstack {
        #[prost(string, required, tag = "1")]
        pub name: String,
        #[prost(string, required, tag = "2")]
        pub range: String,
        #[prost(message, repeated, tag = "3")]
        pub glyphs: Vec<Glyph>,
    }
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Glyph {
        #[prost(uint32, required, tag = "1")]
        pub id: u32,
        #[prost(bytes = "vec", optional, tag = "2")]
        pub bitmap: Option<Vec<u8>>,
        #[prost(uint32, required, tag = "3")]
        pub width: u32,
        #[prost(uint32, required, tag = "4")]
        pub height: u32,
        #[prost(sint32, required, tag = "5")]
        pub left: i32,
        #[prost(sint32, required, tag = "6")]
        pub top: i32,
        #[prost(uint32, required, tag = "7")]
        pub advance: u32,
    }
}

#[tokio::test]
async fn the_arabic_glyph_ranges_are_real() {
    use prost::Message;
    let app = default_app();
    // the styles' font stack; Arabic, Arabic Supplement and the presentation forms
    for (range, letters) in [
        (
            "1536-1791",
            &['\u{0628}', '\u{067E}', '\u{069A}', '\u{06AB}', '\u{06D2}'][..],
        ),
        ("65024-65279", &['\u{FE8F}', '\u{FE91}'][..]),
        ("64256-64511", &['\u{FB56}'][..]),
    ] {
        let r = common::get(&app, &format!("/fonts/Open%20Sans%20Regular/{range}.pbf")).await;
        assert_eq!(r.status, 200, "{range}");
        let decoded = glyphs::Glyphs::decode(&r.body[..]).expect("a glyph PBF");
        let stack = &decoded.stacks[0];
        assert_eq!(stack.range, range);
        assert!(
            stack.glyphs.len() > 50,
            "{range}: {} glyphs",
            stack.glyphs.len()
        );
        for &c in letters {
            let g = stack
                .glyphs
                .iter()
                .find(|g| g.id == c as u32)
                .unwrap_or_else(|| panic!("{range}: no glyph for U+{:04X}", c as u32));
            let bitmap = g.bitmap.as_deref().unwrap_or(&[]);
            assert_eq!(
                bitmap.len() as u32,
                (g.width + 6) * (g.height + 6),
                "U+{:04X}",
                c as u32
            );
            // an SDF has ink where values pass the edge (192)
            assert!(
                bitmap.iter().any(|&v| v > 192),
                "U+{:04X} has no ink",
                c as u32
            );
            assert!(g.advance > 0);
        }
    }
}

#[tokio::test]
async fn a_style_asked_for_in_pashto_labels_with_name_ps() {
    let app = default_app();
    for name in ["explainer", "presence"] {
        let english = common::get(&app, &format!("/styles/{name}.json"))
            .await
            .json();
        let pashto = common::get(&app, &format!("/styles/{name}.json?lang=ps"))
            .await
            .json();
        let layers = |s: &serde_json::Value| s["layers"].as_array().expect("layers").clone();
        let (en, ps) = (layers(&english), layers(&pashto));
        assert_eq!(en.len(), ps.len());
        let mut rewritten = 0;
        for (a, b) in en.iter().zip(&ps) {
            let original = &a["layout"]["text-field"];
            if a["type"] == "symbol" && !original.is_null() {
                assert_eq!(
                    b["layout"]["text-field"],
                    serde_json::json!(["coalesce", ["get", "name_ps"], original]),
                    "{name}: {}",
                    a["id"]
                );
                rewritten += 1;
            } else {
                assert_eq!(a, b, "{name}: only text-field changes");
            }
        }
        assert!(rewritten > 0, "{name} has a label layer");
    }
    assert_eq!(
        common::get(&app, "/styles/explainer.json?lang=en")
            .await
            .json(),
        common::get(&app, "/styles/explainer.json").await.json()
    );
    let bad = common::get(&app, "/styles/explainer.json?lang=xx").await;
    assert_eq!(bad.status, 400);
    let body = bad.json();
    assert!(body["error"].as_str().unwrap_or("").contains("lang"));
    assert!(body["hint"].as_str().unwrap_or("").contains("ps"));
}

/// The context layers (issue 14): the region's cities and the neighbouring countries reach the
/// tiles with their names (Arabic-script names where the sources have them), and the generated
/// styles draw them beneath the claims without moving the initial view off the two countries.
#[tokio::test]
async fn context_layers_name_cities_and_neighbours_beneath_the_claims() {
    let app = default_app();
    for (name, lon, lat, local) in [
        ("Peshawar", 71.578, 34.008, Some("name_ps")),
        ("Quetta", 67.001, 30.184, Some("name_ur")),
        ("Jalālābād", 70.45, 34.43, Some("name_fa")),
    ] {
        let (x, y) = tile_of(lon, lat, 7);
        let layers = tile(&app, "cities", 7, x, y).await.expect("cities tile");
        let cities = layers
            .iter()
            .find(|l| l.name == "cities")
            .expect("cities layer");
        let city = cities
            .find("name", name)
            .unwrap_or_else(|| panic!("{name} in its tile"));
        assert!(matches!(city.props.get("population"), Some(Prop::Num(n)) if *n > 100_000.0));
        if let Some(field) = local {
            let text = city.props.get(field).expect("a local-script name").str();
            assert!(arabic_script(text), "{name}: {field} = {text}");
        }
        assert!(
            city.props
                .get("source")
                .expect("source")
                .str()
                .contains("GeoNames")
        );
    }
    for (code, lon, lat) in [("IR", 58.0, 32.0), ("TJ", 71.0, 38.5)] {
        let (x, y) = tile_of(lon, lat, 5);
        let layers = tile(&app, "neighbours", 5, x, y)
            .await
            .expect("neighbours tile");
        let countries = layers
            .iter()
            .find(|l| l.name == "neighbours")
            .expect("layer");
        let country = countries
            .find("iso_a2", code)
            .unwrap_or_else(|| panic!("{code}"));
        for lang in ["fa", "ps", "ur"] {
            let text = country
                .props
                .get(&format!("name_{lang}"))
                .expect("name")
                .str();
            assert!(arabic_script(text), "{code} name_{lang} = {text}");
        }
    }
    let iran = common::get(&app, "/ogc/collections/neighbours/items?limit=10")
        .await
        .json();
    let names: Vec<&str> = iran["features"]
        .as_array()
        .expect("features")
        .iter()
        .filter_map(|f| f["properties"]["name"].as_str())
        .collect();
    assert!(
        names.contains(&"Iran") && names.contains(&"Tajikistan"),
        "{names:?}"
    );

    for style in ["explainer", "presence"] {
        let s = common::get(&app, &format!("/styles/{style}.json"))
            .await
            .json();
        let ids: Vec<&str> = s["layers"]
            .as_array()
            .expect("layers")
            .iter()
            .map(|l| l["id"].as_str().unwrap_or(""))
            .collect();
        let at = |id: &str| {
            ids.iter()
                .position(|i| *i == id)
                .unwrap_or_else(|| panic!("{style}: {id} in {ids:?}"))
        };
        assert!(
            at("neighbours-fill") < at("provinces-lines"),
            "{style}: neighbours beneath provinces"
        );
        assert!(at("cities-points") < at("province_labels-labels"));
        assert!(
            at("cities-names") < at("province_labels-labels"),
            "province names placed first"
        );
        let [lon, lat] = [
            s["center"][0].as_f64().unwrap_or(0.0),
            s["center"][1].as_f64().unwrap_or(0.0),
        ];
        assert!(
            (60.0..78.0).contains(&lon) && (24.0..38.0).contains(&lat),
            "{style} centre {lon},{lat}"
        );
        for l in s["layers"].as_array().expect("layers") {
            if l["metadata"]["borderland:role"] == "context" {
                assert!(
                    l["metadata"]["borderland:toggle"].is_string(),
                    "context layers can be turned off"
                );
            }
        }
    }
}

/// Decode a PNG with the `png` crate (not the Python encoder that wrote it): size, colour
/// type, and the share of pixels with any opacity.
fn decode_png(bytes: &[u8]) -> (u32, u32, png::ColorType, f64) {
    let mut reader = png::Decoder::new(std::io::Cursor::new(bytes))
        .read_info()
        .expect("a PNG header");
    let mut buf = vec![0; reader.output_buffer_size().expect("a buffer size")];
    let info = reader.next_frame(&mut buf).expect("a PNG frame");
    let (w, h, colour) = (info.width, info.height, info.color_type);
    let pixels = &buf[..info.buffer_size()];
    assert_eq!(colour, png::ColorType::GrayscaleAlpha, "grey + alpha");
    let opaque = pixels.chunks(2).filter(|p| p[1] > 0).count();
    (w, h, colour, opaque as f64 / (w * h) as f64)
}

/// The terrain (issue 14): a raster layer listed in the catalog with its attribution and
/// licence, its own TileJSON with `format: png`, its tiles served as `image/png` that decode
/// as 256 px pictures, shaded over the Hindu Kush and clear over the flat Indus plain, drawn by
/// the generated styles beneath the claim fills, and kept out of vector composites.
#[tokio::test]
async fn terrain_is_served_as_png_tiles_beneath_the_claims() {
    let app = default_app();
    let catalog = common::get(&app, "/catalog").await.json();
    let terrain = catalog["rasters"]
        .as_array()
        .expect("rasters")
        .iter()
        .find(|r| r["id"] == "terrain")
        .expect("terrain in the catalog");
    assert_eq!(terrain["format"], "png");
    assert!(
        terrain["attribution"]
            .as_str()
            .unwrap_or("")
            .contains("GLOBE")
    );
    assert!(
        terrain["license"]
            .as_str()
            .unwrap_or("")
            .contains("no copyright")
    );
    assert!(
        catalog["layers"]
            .as_array()
            .expect("layers")
            .iter()
            .all(|l| l["id"] != "terrain"),
        "pictures are not a vector layer"
    );

    let tj = common::get(&app, "/tiles/terrain.json").await;
    assert_eq!(tj.status, 200);
    let tj = tj.json();
    assert_eq!(tj["format"], "png");
    assert_eq!(tj["maxzoom"], 7);
    assert_eq!(
        tj["tiles"][0],
        "http://tiles.test/tiles/terrain/{z}/{x}/{y}.png"
    );
    assert!(tj["vector_layers"].is_null());

    // The Hindu Kush (Panjshir) and the Indus plain (Punjab, south of Multan).
    let mut shares = Vec::new();
    for (lon, lat) in [(69.8, 35.5), (71.5, 29.6)] {
        let (x, y) = tile_of(lon, lat, 7);
        let reply = common::get(&app, &format!("/tiles/terrain/7/{x}/{y}.png")).await;
        assert_eq!(reply.status, 200);
        assert_eq!(reply.header("content-type"), Some("image/png"));
        assert!(reply.header("etag").is_some());
        let (w, h, _, share) = decode_png(&reply.body);
        assert_eq!((w, h), (256, 256));
        shares.push(share);
    }
    assert!(shares[0] > 0.5, "mountains shaded: {shares:?}");
    assert!(
        shares[1] < shares[0] / 2.0,
        "the plain is quieter: {shares:?}"
    );

    // Outside its zooms or box: no content; wrong extension or a composite: a clear error.
    assert_eq!(
        common::get(&app, "/tiles/terrain/9/0/0.png").await.status,
        204
    );
    let wrong = common::get(&app, "/tiles/terrain/7/90/52.mvt").await;
    assert_eq!(wrong.status, 404);
    assert!(wrong.json()["hint"].as_str().unwrap_or("").contains(".png"));
    let mixed = common::get(&app, "/tiles/provinces,terrain/5/22/12.mvt").await;
    assert_eq!(mixed.status, 400);
    assert!(
        mixed.json()["hint"]
            .as_str()
            .unwrap_or("")
            .contains("/tiles/terrain.json")
    );

    for style in ["explainer", "presence"] {
        let s = common::get(&app, &format!("/styles/{style}.json"))
            .await
            .json();
        assert_eq!(s["sources"]["terrain"]["type"], "raster");
        assert_eq!(
            s["sources"]["terrain"]["url"],
            "http://tiles.test/tiles/terrain.json"
        );
        let layers = s["layers"].as_array().expect("layers");
        let at = |id: &str| layers.iter().position(|l| l["id"] == id);
        let terrain = at("terrain-raster").expect("a terrain layer");
        assert_eq!(layers[terrain]["type"], "raster");
        assert_eq!(layers[terrain]["metadata"]["borderland:toggle"], "Terrain");
        assert!(
            layers[terrain]["paint"]["raster-opacity"]
                .as_f64()
                .unwrap_or(1.0)
                < 1.0
        );
        assert!(terrain > at("neighbours-fill").expect("neighbours"));
        let first_claim_fill = layers
            .iter()
            .position(|l| {
                l["type"] == "fill"
                    && !l["metadata"]["borderland:legend"].is_null()
                    && l["metadata"]["borderland:role"] != "context"
            })
            .expect("a claim fill");
        assert!(
            terrain < first_claim_fill,
            "{style}: terrain beneath the claims"
        );
    }
}
