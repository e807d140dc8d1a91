//! Static pictures (`/styles/{style}/static/...` and `borderland render`) checked as a user
//! would: the SVG parses as XML with one group per style layer and Paktika as text, the PNG
//! decodes at the asked size (doubled at @2x), filters change what is drawn, bad URLs are
//! JSON 4xx, the command writes the URL's bytes, and (with Chromium and rsvg-convert) both
//! formats match MapLibre GL JS's own render of the same style and view.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use std::sync::Arc;

use borderland::dataset::Dataset;
use borderland::server::{self, AppState, ServerOptions};
use common::{default_app, get, repo_path};

const REGION: &str = "60.5,23.6,77.8,38.5";

/// The layer ids of a style as the server serves it at `/styles/{name}.json` (generated from
/// the data or read from a style file): the picture must have one group for each.
async fn style_layer_ids(app: &borderland::server::App, name: &str) -> Vec<String> {
    let r = get(app, &format!("/styles/{name}.json")).await;
    assert_eq!(r.status, 200, "/styles/{name}.json");
    r.json()["layers"]
        .as_array()
        .expect("layers")
        .iter()
        .map(|l| l["id"].as_str().expect("id").to_string())
        .collect()
}

/// The ids of the `<g>` children of the SVG's root, in order.
fn svg_groups(text: &str) -> Vec<String> {
    let doc = roxmltree::Document::parse(text).expect("well-formed XML");
    doc.root_element()
        .children()
        .filter(|n| n.has_tag_name("g"))
        .filter_map(|n| n.attribute("id"))
        .map(str::to_string)
        .collect()
}

/// The lines of every label drawn in the SVG group `id` (each line is a `<tspan>`).
fn label_lines(text: &str, id: &str) -> Vec<String> {
    let doc = roxmltree::Document::parse(text).expect("well-formed XML");
    let Some(group) = doc.descendants().find(|n| n.attribute("id") == Some(id)) else {
        return Vec::new();
    };
    group
        .descendants()
        .filter(|n| n.has_tag_name("tspan") && n.parent().is_some_and(|p| p.has_tag_name("text")))
        .map(|n| {
            n.children()
                .filter(|t| t.is_text())
                .filter_map(|t| t.text())
                .collect::<String>()
        })
        .collect()
}

/// The id of the first symbol layer of a served style that draws `source_layer`.
async fn label_layer_id(app: &borderland::server::App, style: &str, source_layer: &str) -> String {
    let r = get(app, &format!("/styles/{style}.json")).await;
    r.json()["layers"]
        .as_array()
        .expect("layers")
        .iter()
        .find(|l| l["type"] == "symbol" && l["source-layer"] == source_layer)
        .and_then(|l| l["id"].as_str())
        .unwrap_or_else(|| panic!("{style}: no symbol layer draws {source_layer}"))
        .to_string()
}

fn png_pixels(bytes: &[u8]) -> (u32, u32, Vec<u8>) {
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = decoder.read_info().expect("a PNG");
    let mut buf = vec![0; reader.output_buffer_size().expect("size")];
    let info = reader.next_frame(&mut buf).expect("a frame");
    assert_eq!(info.color_type, png::ColorType::Rgba, "RGBA");
    buf.truncate(info.buffer_size());
    (info.width, info.height, buf)
}

#[tokio::test]
async fn svg_has_a_group_per_style_layer_and_labels_as_text() {
    let app = default_app();
    for style in ["explainer", "presence"] {
        let r = get(
            &app,
            &format!("/styles/{style}/static/{REGION}/1200x630.svg"),
        )
        .await;
        assert_eq!(r.status, 200, "{style}");
        assert_eq!(r.header("content-type"), Some("image/svg+xml"));
        let text = std::str::from_utf8(&r.body).expect("UTF-8");
        let doc = roxmltree::Document::parse(text).expect("well-formed XML");
        let root = doc.root_element();
        assert_eq!(root.tag_name().name(), "svg");
        assert_eq!(root.attribute("width"), Some("1200"));
        assert_eq!(root.attribute("viewBox"), Some("0 0 1200 630"));
        let groups = svg_groups(text);
        let ids = style_layer_ids(&app, style).await;
        assert!(ids.len() > 3, "{style}: a real style: {ids:?}");
        for id in &ids {
            assert_eq!(
                groups.iter().filter(|g| *g == id).count(),
                1,
                "{style}: one <g id=\"{id}\"> in {groups:?}"
            );
        }
        // In the style's order, before the frame's own groups.
        assert_eq!(
            &groups[..ids.len()],
            &ids[..],
            "{style}: groups in style order"
        );
        // Accessibility: a title and a description naming the data's attribution.
        let title = root
            .children()
            .find(|n| n.has_tag_name("title"))
            .expect("<title>");
        assert!(!title.text().unwrap_or("").is_empty());
        let desc = root
            .children()
            .find(|n| n.has_tag_name("desc"))
            .expect("<desc>");
        assert!(
            desc.text().unwrap_or("").contains("Natural Earth"),
            "{:?}",
            desc.text()
        );
        // Province names are real text in the label layer's group.
        let label_id = label_layer_id(&app, style, "province_labels").await;
        let labels = doc
            .descendants()
            .find(|n| n.attribute("id") == Some(label_id.as_str()))
            .expect("label group");
        // Each line of a label is a <tspan> (the presence style adds the groups on a second).
        let names: Vec<String> = labels
            .descendants()
            .filter(|n| {
                n.has_tag_name("tspan") && n.parent().is_some_and(|p| p.has_tag_name("text"))
            })
            .map(|n| {
                n.children()
                    .filter(|t| t.is_text())
                    .filter_map(|t| t.text())
                    .collect::<String>()
            })
            .collect();
        assert!(names.iter().any(|n| n == "Paktika"), "{style}: {names:?}");
        // Labels are placed once: no two lines share a position.
        let mut anchors: Vec<(String, String)> = labels
            .descendants()
            .filter(|n| n.has_tag_name("tspan") && n.attribute("x").is_some())
            .map(|n| {
                (
                    n.attribute("x").unwrap_or("").into(),
                    n.attribute("y").unwrap_or("").into(),
                )
            })
            .collect();
        let count = anchors.len();
        anchors.sort();
        anchors.dedup();
        assert_eq!(anchors.len(), count, "{style}: labels placed twice");
        // Attribution is always in the picture.
        let attribution = doc
            .descendants()
            .find(|n| n.attribute("id") == Some("borderland-attribution"))
            .expect("attribution group");
        let words: String = attribution
            .descendants()
            .filter_map(|t| t.text())
            .collect::<Vec<_>>()
            .join(" ");
        assert!(
            words.contains("Natural Earth") && words.contains("de facto"),
            "{words}"
        );
    }
}

#[tokio::test]
async fn png_has_the_asked_size_and_at_2x_twice_the_pixels() {
    let app = default_app();
    let one = get(
        &app,
        &format!("/styles/explainer/static/{REGION}/300x200.png"),
    )
    .await;
    assert_eq!(one.status, 200);
    assert_eq!(one.header("content-type"), Some("image/png"));
    let (w, h, px) = png_pixels(&one.body);
    assert_eq!((w, h), (300, 200));
    let two = get(
        &app,
        &format!("/styles/explainer/static/{REGION}/300x200@2x.png"),
    )
    .await;
    let (w2, h2, px2) = png_pixels(&two.body);
    assert_eq!((w2, h2), (600, 400));
    // The same map, at twice the density: a pixel of the 1x image matches the 2x image's
    // pixel at the same place, for most of the picture.
    let at = |px: &[u8], w: u32, x: u32, y: u32| {
        let i = ((y * w + x) * 4) as usize;
        [px[i], px[i + 1], px[i + 2]]
    };
    let mut same = 0;
    let mut total = 0;
    for y in (5..150).step_by(7) {
        for x in (5..295).step_by(7) {
            total += 1;
            let a = at(&px, 300, x, y);
            let b = at(&px2, 600, 2 * x, 2 * y);
            if a.iter().zip(b).all(|(p, q)| p.abs_diff(q) <= 24) {
                same += 1;
            }
        }
    }
    assert!(
        same * 10 >= total * 8,
        "{same} of {total} sampled pixels agree"
    );
    // Background where there is no land drawn (the style's #eef2f5) and drawn provinces.
    let colours: std::collections::HashSet<[u8; 3]> =
        px.chunks(4).map(|c| [c[0], c[1], c[2]]).collect();
    assert!(colours.len() > 20, "a real picture, not a flat colour");
}

#[tokio::test]
async fn filters_change_what_is_drawn() {
    let app = default_app();
    let all = get(
        &app,
        &format!("/styles/explainer/static/{REGION}/800x500.svg"),
    )
    .await;
    let ttp = get(
        &app,
        &format!("/styles/explainer/static/{REGION}/800x500.svg?group=TTP"),
    )
    .await;
    let isil = get(
        &app,
        &format!("/styles/explainer/static/{REGION}/800x500.svg?group=ISIL-K"),
    )
    .await;
    assert_eq!(
        (
            all.status.as_u16(),
            ttp.status.as_u16(),
            isil.status.as_u16()
        ),
        (200, 200, 200)
    );
    let outlined = |body: &[u8]| {
        let text = std::str::from_utf8(body).expect("UTF-8");
        let doc = roxmltree::Document::parse(text).expect("XML");
        doc.descendants()
            .find(|n| n.attribute("id") == Some("provinces-presence"))
            .map(|g| g.children().filter(|n| n.has_tag_name("path")).count())
            .expect("presence group")
    };
    // TTP is reported in four provinces; ISIL-K in none: the outlines follow the filter.
    assert!(outlined(&ttp.body) > 0, "TTP presence outlined");
    assert_eq!(outlined(&isil.body), 0, "no ISIL-K presence claims");
    assert_ne!(all.body, ttp.body);
    let text = std::str::from_utf8(&ttp.body).expect("UTF-8");
    assert!(
        text.contains("Shown: group TTP"),
        "the picture says what it shows"
    );
    // Title and legend when asked for.
    let dressed = get(
        &app,
        &format!(
            "/styles/explainer/static/{REGION}/800x500.svg?title=Khost%20and%20Paktika&legend=1"
        ),
    )
    .await;
    let text = std::str::from_utf8(&dressed.body).expect("UTF-8");
    assert!(text.contains("id=\"borderland-title\"") && text.contains("Khost and Paktika"));
    assert!(text.contains("id=\"borderland-legend\"") && text.contains("Reported incident"));
}

#[tokio::test]
async fn bad_requests_are_json_4xx_with_hints() {
    let app = default_app();
    for (uri, status) in [
        ("/styles/nope/static/69,33,5/300x200.png", 404),
        ("/styles/explainer/static/69,33,5/300x200.jpg", 400),
        ("/styles/explainer/static/69,33,5/3000x200.png", 400),
        ("/styles/explainer/static/69,33,5/300x200@4x.png", 400),
        ("/styles/explainer/static/69,33/300x200.png", 400),
        ("/styles/explainer/static/69,33,40/300x200.png", 400),
        ("/styles/explainer/static/77,38,60,23/300x200.png", 400),
        (
            "/styles/explainer/static/69,33,5/300x200.png?group=TTP&colour=red",
            400,
        ),
        (
            "/styles/explainer/static/69,33,5/300x200.png?from=2025-13",
            400,
        ),
        ("/styles/explainer/static/69,33,5/300x200.png?lang=xx", 400),
    ] {
        let r = get(&app, uri).await;
        assert_eq!(r.status.as_u16(), status, "{uri}");
        let body = r.json();
        assert!(
            body["error"].as_str().is_some_and(|e| !e.is_empty()),
            "{uri}"
        );
        assert!(
            body["hint"].as_str().is_some_and(|e| !e.is_empty()),
            "{uri}"
        );
    }
}

/// A property of every feature of a GeoJSON file, read with serde_json (not the server).
fn geojson_property(file: &Path, key: &str) -> Vec<(serde_json::Value, String)> {
    let text = std::fs::read_to_string(file).expect("GeoJSON file");
    let doc: serde_json::Value = serde_json::from_str(&text).expect("GeoJSON");
    doc["features"]
        .as_array()
        .expect("features")
        .iter()
        .filter_map(|f| {
            let v = f["properties"][key].as_str()?;
            Some((f["properties"].clone(), v.to_string()))
        })
        .collect()
}

/// `west,south,east,north` around every coordinate of a GeoJSON file.
fn geojson_box(file: &Path) -> String {
    fn walk(v: &serde_json::Value, b: &mut [f64; 4]) {
        match v.as_array() {
            Some(a) if a.len() >= 2 && a[0].is_number() => {
                let (x, y) = (a[0].as_f64().unwrap_or(0.0), a[1].as_f64().unwrap_or(0.0));
                *b = [b[0].min(x), b[1].min(y), b[2].max(x), b[3].max(y)];
            }
            Some(a) => a.iter().for_each(|i| walk(i, b)),
            None => {}
        }
    }
    let text = std::fs::read_to_string(file).expect("GeoJSON file");
    let doc: serde_json::Value = serde_json::from_str(&text).expect("GeoJSON");
    let mut b = [f64::MAX, f64::MAX, f64::MIN, f64::MIN];
    for f in doc["features"].as_array().expect("features") {
        walk(&f["geometry"]["coordinates"], &mut b);
    }
    format!("{},{},{},{}", b[0], b[1], b[2], b[3])
}

#[tokio::test]
async fn lang_draws_the_labels_the_served_style_asks_for() {
    let app = default_app();
    // Paktika's names as the data file carries them (from CLDR; see data/SOURCES.md).
    let provinces = geojson_property(&repo_path("data/provinces.geojson"), "name");
    let (paktika, _) = provinces
        .iter()
        .find(|(_, name)| name == "Paktika")
        .expect("Paktika in the data");
    let label_id = label_layer_id(&app, "explainer", "province_labels").await;
    let english = get(
        &app,
        &format!("/styles/explainer/static/{REGION}/1200x630.svg"),
    )
    .await;
    let english = label_lines(
        std::str::from_utf8(&english.body).expect("UTF-8"),
        &label_id,
    );
    assert!(english.iter().any(|l| l == "Paktika"), "{english:?}");
    for lang in ["ps", "fa", "ur"] {
        let wanted = paktika[format!("name_{lang}")]
            .as_str()
            .unwrap_or_else(|| panic!("Paktika has name_{lang} in the data"));
        let r = get(
            &app,
            &format!("/styles/explainer/static/{REGION}/1200x630.svg?lang={lang}"),
        )
        .await;
        assert_eq!(r.status, 200, "lang={lang}");
        let text = std::str::from_utf8(&r.body).expect("UTF-8");
        // The groups are those of the style served with the same ?lang=.
        let served = get(&app, &format!("/styles/explainer.json?lang={lang}")).await;
        let ids: Vec<String> = served.json()["layers"]
            .as_array()
            .expect("layers")
            .iter()
            .filter_map(|l| l["id"].as_str().map(str::to_string))
            .collect();
        assert_eq!(&svg_groups(text)[..ids.len()], &ids[..]);
        let lines = label_lines(text, &label_id);
        assert!(
            lines.iter().any(|l| l == wanted),
            "lang={lang}: {wanted} among {lines:?}"
        );
        assert!(
            !lines.iter().any(|l| l == "Paktika"),
            "lang={lang}: Paktika still in English"
        );
        // The PNG draws the same labels with the embedded Arabic-script font.
        let png = get(
            &app,
            &format!("/styles/explainer/static/{REGION}/600x315.png?lang={lang}"),
        )
        .await;
        assert_eq!(png.status, 200, "lang={lang} PNG");
        let (w, h, _) = png_pixels(&png.body);
        assert_eq!((w, h), (600, 315));
    }
}

#[tokio::test]
async fn pictures_follow_the_users_data() {
    // The SYNTHETIC valley fixture: other layer ids, groups and words than the defaults.
    let catalog = repo_path("tests/fixtures/valley/layers.toml");
    let dataset = Dataset::from_catalog(&catalog).expect("the fixture loads");
    let app = server::router(AppState::new(dataset, ServerOptions::default()));
    let districts = repo_path("tests/fixtures/valley/districts.geojson");
    let view = geojson_box(&districts);
    let names: Vec<String> = geojson_property(&districts, "district_name")
        .into_iter()
        .map(|(_, n)| n)
        .collect();
    assert!(!names.is_empty());
    for style in ["explainer", "presence"] {
        let ids = style_layer_ids(&app, style).await;
        assert!(
            ids.iter().any(|id| id.starts_with("districts")),
            "{style}: generated from the fixture: {ids:?}"
        );
        let uri = format!("/styles/{style}/static/{view}/800x600.svg");
        let r = get(&app, &uri).await;
        assert_eq!(
            r.status,
            200,
            "{uri}: {:?}",
            String::from_utf8_lossy(&r.body)
        );
        let text = std::str::from_utf8(&r.body).expect("UTF-8");
        assert_eq!(&svg_groups(text)[..ids.len()], &ids[..], "{style}");
        let label_id = label_layer_id(&app, style, "district_points").await;
        let lines = label_lines(text, &label_id);
        assert!(
            names.iter().any(|n| lines.contains(n)),
            "{style}: district names {names:?} among labels {lines:?}"
        );
        // Something of the data is drawn in the districts' groups.
        let doc = roxmltree::Document::parse(text).expect("XML");
        let drawn = doc
            .root_element()
            .children()
            .filter(|g| {
                g.attribute("id")
                    .is_some_and(|id| id.starts_with("districts"))
            })
            .map(|g| g.children().filter(|n| n.has_tag_name("path")).count())
            .sum::<usize>();
        assert!(drawn > 0, "{style}: district shapes drawn");
        // The catalog's words and attribution, not the defaults'.
        assert!(
            !text.contains("Natural Earth"),
            "{style}: default attribution"
        );
        let png = get(
            &app,
            &format!("/styles/{style}/static/{view}/400x300@2x.png"),
        )
        .await;
        assert_eq!(png.status, 200);
        assert_eq!(png_pixels(&png.body).0, 800);
    }
    // The command draws the same picture from the same catalog.
    let dir = scratch("render_valley");
    let out = dir.join("valley.png");
    let output = common::process::run(&[
        "render",
        "explainer",
        &view,
        "640x480.png",
        "--config",
        catalog.to_str().expect("path"),
        "--query",
        "legend=1",
        "--out",
        out.to_str().expect("path"),
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let served = get(
        &app,
        &format!("/styles/explainer/static/{view}/640x480.png?legend=1"),
    )
    .await;
    assert!(std::fs::read(&out).expect("written") == served.body.as_ref());
}

#[tokio::test]
async fn a_style_file_beside_the_catalog_is_what_the_picture_draws_and_reloads() {
    // A copy of the fixture, with the generated explainer written out and edited as a user
    // would: another background and an extra layer.
    let dir = scratch("style_file");
    for entry in std::fs::read_dir(repo_path("tests/fixtures/valley")).expect("fixture") {
        let path = entry.expect("entry").path();
        std::fs::copy(&path, dir.join(path.file_name().expect("name"))).expect("copy");
    }
    let catalog = dir.join("layers.toml");
    let generated = Dataset::from_catalog(&catalog).expect("loads");
    let mut style = generated
        .style("explainer")
        .expect("explainer")
        .json
        .clone();
    let edit = |style: &mut serde_json::Value, colour: &str| {
        let layers = style["layers"].as_array_mut().expect("layers");
        layers[0]["paint"]["background-color"] = serde_json::json!(colour);
        if !layers.iter().any(|l| l["id"] == "rivers-highlight") {
            let mut extra = layers
                .iter()
                .find(|l| l["source-layer"] == "rivers" && l["type"] == "line")
                .expect("a rivers line layer")
                .clone();
            extra["id"] = serde_json::json!("rivers-highlight");
            extra["paint"] = serde_json::json!({"line-color": "#ff00ff", "line-width": 6});
            layers.push(extra);
        }
    };
    edit(&mut style, "#123456");
    std::fs::create_dir_all(dir.join("styles")).expect("styles dir");
    let file = dir.join("styles/explainer.json");
    std::fs::write(&file, serde_json::to_string_pretty(&style).expect("JSON")).expect("write");

    let state = AppState::new(
        Dataset::from_catalog(&catalog).expect("loads"),
        Default::default(),
    );
    let app = server::router(Arc::clone(&state));
    let view = geojson_box(&dir.join("districts.geojson"));
    let uri = format!("/styles/explainer/static/{view}/600x400.svg");
    let first = get(&app, &uri).await;
    assert_eq!(first.status, 200);
    let text = std::str::from_utf8(&first.body).expect("UTF-8");
    let ids = style_layer_ids(&app, "explainer").await;
    assert!(ids.contains(&"rivers-highlight".to_string()), "{ids:?}");
    assert_eq!(&svg_groups(text)[..ids.len()], &ids[..]);
    assert!(text.contains("fill=\"#123456\""), "the file's background");
    assert!(text.contains("#ff00ff"), "the file's extra layer drawn");

    // Edit the file; after the reload the picture follows it, under a new ETag.
    edit(&mut style, "#654321");
    std::fs::write(&file, serde_json::to_string_pretty(&style).expect("JSON")).expect("write");
    borderland::server::reload::reload(&state)
        .await
        .expect("the edited style reloads");
    let second = get(&app, &uri).await;
    assert_eq!(second.status, 200);
    let text = std::str::from_utf8(&second.body).expect("UTF-8");
    assert!(text.contains("fill=\"#654321\"") && !text.contains("fill=\"#123456\""));
    assert_ne!(first.header("etag"), second.header("etag"));

    // A broken edit: the reload fails and the last good style keeps drawing.
    std::fs::write(&file, "{\"version\": 8, \"layers\": [").expect("write");
    assert!(borderland::server::reload::reload(&state).await.is_err());
    let third = get(&app, &uri).await;
    assert_eq!(third.status, 200);
    assert_eq!(third.body, second.body);
}

fn scratch(name: &str) -> PathBuf {
    common::fresh_dir(name)
}

#[tokio::test]
async fn render_command_writes_the_same_bytes_as_the_url() {
    let app = default_app();
    let dir = scratch("render_cli");
    for (view, size, query) in [
        (REGION, "1200x630.png", "group=TTP&legend=1&title=Paktika"),
        ("69.3,33.5,5.5@20", "600x400@2x.svg", ""),
        ("69.3,33.5,6", "500x300.png", "lang=ps"),
    ] {
        let out = dir.join(size);
        let output = common::process::run(&[
            "render",
            "explainer",
            view,
            size,
            "--out",
            out.to_str().expect("path"),
            "--query",
            query,
        ]);
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let written = std::fs::read(&out).expect("written");
        let served = get(
            &app,
            &format!("/styles/explainer/static/{view}/{size}?{query}"),
        )
        .await;
        assert_eq!(served.status, 200);
        assert!(
            written == served.body.as_ref(),
            "{view} {size}: the command and the URL differ"
        );
    }
    let bad = common::process::run(&["render", "explainer", "69,33", "300x200.png"]);
    assert!(!bad.status.success());
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(
        err.contains("not a view") && err.contains("lon,lat,zoom"),
        "{err}"
    );
}

fn missing_browser_tools(e2e: &Path) -> Option<String> {
    if !e2e.join("node_modules/playwright-core").is_dir() {
        return Some(format!(
            "{} has no node_modules (run `npm ci` there)",
            e2e.display()
        ));
    }
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    if !Path::new(&chromium).exists() {
        return Some(format!(
            "no Chromium at {chromium} (apt-get install chromium, or set CHROMIUM)"
        ));
    }
    for (tool, hint) in [
        ("node", "install Node.js"),
        ("rsvg-convert", "apt-get install librsvg2-bin"),
    ] {
        if !Command::new(tool)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
        {
            return Some(format!("{tool} is not on PATH ({hint})"));
        }
    }
    None
}

#[test]
fn pictures_match_maplibre_in_a_real_browser() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let e2e = root.join("tests/e2e");
    if let Some(why) = missing_browser_tools(&e2e) {
        assert!(
            !common::process::e2e_required(),
            "BORDERLAND_E2E=1 but the picture comparison cannot run: {why}"
        );
        eprintln!(
            "SKIPPED pictures_match_maplibre_in_a_real_browser: {why}. Set BORDERLAND_E2E=1 to make this a failure."
        );
        return;
    }
    let server = common::process::Served::start(&[], &root);
    let out = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .map(|p| p.join("e2e"))
        .unwrap_or_else(|| root.join("target/e2e"));
    let output = Command::new("node")
        .arg(e2e.join("static_image.mjs"))
        .current_dir(&e2e)
        .env("BORDERLAND_URL", format!("{}/", server.url))
        .env("BORDERLAND_E2E_OUT", &out)
        .output()
        .expect("node runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    println!("{stdout}");
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// `render STYLE story:ID SIZE` writes one picture per step of a story (a social card each),
/// with the step's view and filters: as many PNGs as the story has steps, each of the asked
/// size, the filtered steps naming their filter in the picture's source line.
#[test]
fn render_writes_one_picture_per_story_step() {
    let story = std::fs::read_to_string(repo_path("data/border.story.md")).expect("story");
    let steps = story.lines().filter(|l| l.starts_with("## ")).count();
    assert!(steps >= 3, "the default story has steps");
    let dir = scratch("story_cards");
    let output = common::process::run(&[
        "render",
        "explainer",
        "story:border",
        "600x315.png",
        "--out",
        dir.to_str().expect("path"),
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut pictures: Vec<Vec<u8>> = Vec::new();
    for n in 1..=steps {
        let path = dir.join(format!("explainer-border-{n:02}-600x315.png"));
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        // The PNG header's IHDR: width and height, big-endian, at bytes 16..24.
        assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
        let w = u32::from_be_bytes(bytes[16..20].try_into().expect("width"));
        let h = u32::from_be_bytes(bytes[20..24].try_into().expect("height"));
        assert_eq!((w, h), (600, 315), "step {n}");
        pictures.push(bytes);
    }
    assert!(
        !dir.join(format!("explainer-border-{:02}-600x315.png", steps + 1))
            .exists()
    );
    pictures.sort();
    pictures.dedup();
    assert!(pictures.len() >= 3, "steps draw different maps");
    let unknown = common::process::run(&["render", "explainer", "story:nope", "600x315.png"]);
    assert!(!unknown.status.success());
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("stories: border"));
}
