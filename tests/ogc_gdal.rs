//! GDAL's OGC API – Features driver against the real binary: what a QGIS or `ogr2ogr` user
//! would get. Every collection listed with the catalog's count, attributes readable, paging
//! followed, and a box and a period giving the subsets the sample CSV says they should.
//!
//! Needs `ogrinfo` (Debian `gdal-bin`). Without it the tests print SKIPPED and pass, unless
//! BORDERLAND_E2E=1 (as in CI), when they fail.

mod common;

use std::collections::BTreeMap;
use std::process::Command;

use common::repo_path;

/// The binary serving a catalog on a free port; killed when dropped.
struct Server(common::process::Served);

impl Server {
    fn start(catalog: &str) -> Server {
        let catalog = repo_path(catalog);
        Server(common::process::Served::start(
            &["--config", catalog.to_str().expect("UTF-8 path")],
            &repo_path("."),
        ))
    }
}

impl std::ops::Deref for Server {
    type Target = common::process::Served;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

/// Whether to run: ogrinfo present, or a clear SKIPPED (a failure when BORDERLAND_E2E=1).
fn gdal_available() -> bool {
    common::process::have("ogrinfo", "apt-get install gdal-bin")
}

/// Run ogrinfo; its stdout. Local requests never go through a proxy.
fn ogrinfo(args: &[&str]) -> String {
    let out = Command::new("ogrinfo")
        .args(args)
        .env("NO_PROXY", "127.0.0.1,localhost")
        .env("no_proxy", "127.0.0.1,localhost")
        .env("GDAL_HTTP_TIMEOUT", "30")
        .env("CPL_DEBUG", "OFF")
        .output()
        .expect("ogrinfo runs");
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && !stderr.contains("ERROR"),
        "ogrinfo {args:?} failed:\n{stderr}\n{stdout}"
    );
    stdout
}

/// `Layer name` → `Feature Count` from `ogrinfo -so -al`.
fn counts(summary: &str) -> BTreeMap<String, u64> {
    let mut out = BTreeMap::new();
    let mut name = None;
    for line in summary.lines() {
        if let Some(n) = line.strip_prefix("Layer name: ") {
            name = Some(n.trim().to_string());
        }
        if let (Some(c), Some(n)) = (line.strip_prefix("Feature Count: "), &name) {
            out.insert(n.clone(), c.trim().parse().unwrap());
        }
    }
    out
}

/// Feature ids in `ogrinfo` listing order.
fn fids(listing: &str) -> Vec<u64> {
    listing
        .lines()
        .filter_map(|l| l.strip_prefix("OGRFeature("))
        .filter_map(|l| l.split("):").nth(1))
        .map(|id| id.trim().parse().unwrap())
        .collect()
}

async fn catalog_counts(server: &Server) -> BTreeMap<String, u64> {
    let catalog: serde_json::Value = reqwest::get(format!("{}/catalog", server.url))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    catalog["layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["id"].as_str().unwrap().to_string(),
                l["feature_count"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[tokio::test]
async fn gdal_lists_counts_and_reads_every_collection() {
    if !gdal_available() {
        return;
    }
    for catalog in ["data/layers.toml", "data/samples/layers.samples.toml"] {
        let server = Server::start(catalog);
        let source = format!("OAPIF:{}/ogc", server.url);
        let want = catalog_counts(&server).await;
        // Counts as GDAL reports them (numberMatched)...
        let summary = ogrinfo(&["-ro", "-so", "-al", &source]);
        assert_eq!(counts(&summary), want, "{catalog}:\n{summary}");
        if catalog == "data/layers.toml" {
            // One geometry type per layer, so `ogr2ogr -f GPKG` writes a conformant file.
            assert!(summary.contains("Geometry: Multi Polygon"), "{summary}");
        }
        // ...and as GDAL reads them, page by page (10 a page by default).
        for (layer, count) in &want {
            let listing = ogrinfo(&["-ro", "-q", "-geom=NO", &source, layer]);
            let ids = fids(&listing);
            let unique: std::collections::BTreeSet<u64> = ids.iter().copied().collect();
            assert_eq!(ids.len() as u64, *count, "{catalog} {layer}");
            assert_eq!(
                unique.len(),
                ids.len(),
                "{catalog} {layer}: a feature came twice"
            );
        }
    }
}

#[tokio::test]
async fn gdal_reads_attributes_and_filters_on_the_server() {
    if !gdal_available() {
        return;
    }
    let server = Server::start("data/samples/layers.samples.toml");
    let source = format!("OAPIF:{}/ogc", server.url);

    let paktika = ogrinfo(&[
        "-ro",
        "-q",
        "-geom=NO",
        "-where",
        "iso_3166_2 = 'AF-PKA'",
        &source,
        "provinces",
    ]);
    assert_eq!(fids(&paktika).len(), 1, "{paktika}");
    assert!(paktika.contains("name (String) = Paktika"), "{paktika}");
    assert!(
        paktika.contains("ucdp_sources (String) = SYNTHETIC UCDP-style sample"),
        "{paktika}"
    );

    // One feature by id (GET /items/{id}), with the table's own columns.
    let one = ogrinfo(&[
        "-ro",
        "-q",
        "-geom=NO",
        "-fid",
        "900001",
        &source,
        "ucdp_events",
    ]);
    assert!(one.contains("side_a (String) = SYNTHETIC Group A"), "{one}");
    assert!(
        one.contains("source (String) = SYNTHETIC UCDP-style sample"),
        "{one}"
    );

    // The sample CSV, read independently of the server.
    let rows = common::ucdp_rows();

    // A box around Khost and Kurram.
    let mut want: Vec<u64> = rows
        .iter()
        .filter(|r| (69.5..=70.5).contains(&r.lon) && (33.0..=34.0).contains(&r.lat))
        .map(|r| r.id)
        .collect();
    want.sort();
    assert!(!want.is_empty() && want.len() < rows.len());
    let boxed = ogrinfo(&[
        "-ro",
        "-q",
        "-geom=NO",
        "-spat",
        "69.5",
        "33",
        "70.5",
        "34",
        &source,
        "ucdp_events",
    ]);
    let mut got = fids(&boxed);
    got.sort();
    assert_eq!(got, want, "bbox");

    // 2024, as GDAL turns a date comparison into datetime=2024-01-01T/2024-12-31T.
    let mut want: Vec<u64> = rows
        .iter()
        .filter(|r| r.start.as_str() <= "2024-12-31" && r.end.as_str() >= "2024-01-01")
        .map(|r| r.id)
        .collect();
    want.sort();
    assert!(!want.is_empty() && want.len() < rows.len());
    let dated = ogrinfo(&[
        "-ro",
        "-q",
        "-geom=NO",
        "-where",
        "date >= '2024-01-01' AND date <= '2024-12-31'",
        &source,
        "ucdp_events",
    ]);
    let mut got = fids(&dated);
    got.sort();
    assert_eq!(got, want, "datetime");
    let summary = ogrinfo(&[
        "-ro",
        "-so",
        "-where",
        "date >= '2024-01-01' AND date <= '2024-12-31'",
        &source,
        "ucdp_events",
    ]);
    assert_eq!(counts(&summary)["ucdp_events"], want.len() as u64);
}

/// Run a GDAL tool; (success, stdout, stderr). Local requests never go through a proxy.
fn gdal(tool: &str, args: &[&str], debug: bool) -> (bool, String, String) {
    let out = Command::new(tool)
        .args(args)
        .env("NO_PROXY", "127.0.0.1,localhost")
        .env("no_proxy", "127.0.0.1,localhost")
        .env("GDAL_HTTP_TIMEOUT", "30")
        .env("CPL_DEBUG", if debug { "ON" } else { "OFF" })
        .output()
        .unwrap_or_else(|e| panic!("{tool} runs: {e}"));
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

async fn get_json(url: &str) -> serde_json::Value {
    let r = reqwest::get(url).await.unwrap();
    assert!(r.status().is_success(), "{url}: {}", r.status());
    r.json().await.unwrap()
}

/// The href of the first link with `rel` (and `type`, when given).
fn href(doc: &serde_json::Value, rel: &str, kind: Option<&str>) -> String {
    doc["links"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["rel"] == rel && kind.is_none_or(|k| l["type"] == k))
        .and_then(|l| l["href"].as_str())
        .unwrap_or_else(|| panic!("no {rel} link in {doc}"))
        .to_string()
}

/// OGC API – Tiles as GDAL reads it. Debian's GDAL 3.6 was built without the vector-tile part
/// of its OGCAPI driver (GDAL fixed its build in 3.7.1), so there `ogrinfo -oo API=TILES
/// OGCAPI:…` gets as far as our tile matrix set and stops without a word. What a 3.6 user can
/// do, this test does with GDAL's own pieces: follow the links as the OGCAPI driver does
/// (collection → tilesets → tileset → tiling scheme and `item` template), parse the tile
/// matrix set with GDAL's TileMatrixSet parser (the one that driver calls, here through the COG
/// writer's TILING_SCHEME), and read the tile the template names with GDAL's MVT driver.
#[tokio::test]
async fn gdal_reads_the_tile_matrix_set_and_the_vector_tiles_it_links_to() {
    if !gdal_available() || !common::process::have("gdal_translate", "apt-get install gdal-bin") {
        return;
    }
    let server = Server::start("data/layers.toml");
    let base = format!("{}/ogc", server.url);
    let dir = common::fresh_dir("ogc-tiles-gdal");

    // The links, as the OGCAPI driver follows them.
    let collection = get_json(&format!("{base}/collections/provinces")).await;
    let tilesets = get_json(&href(
        &collection,
        "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector",
        Some("application/json"),
    ))
    .await;
    let vector = tilesets["tilesets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["dataType"] == "vector")
        .expect("a vector tileset");
    let tileset = get_json(&href(vector, "self", Some("application/json"))).await;
    let tms_url = href(
        &tileset,
        "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme",
        Some("application/json"),
    );
    let template = href(&tileset, "item", Some("application/vnd.mapbox-vector-tile"));
    let tms = reqwest::get(&tms_url).await.unwrap().text().await.unwrap();
    let tms_file = dir.join("WebMercatorQuad.json");
    std::fs::write(&tms_file, &tms).unwrap();
    let tms: serde_json::Value = serde_json::from_str(&tms).unwrap();

    // Where Paktika is, from the features (the middle of its bounding box).
    let paktika = get_json(&format!(
        "{base}/collections/provinces/items?filter=name%3D%27Paktika%27"
    ))
    .await;
    let mut points = Vec::new();
    fn walk(v: &serde_json::Value, out: &mut Vec<(f64, f64)>) {
        match v.as_array() {
            Some(a) if a.len() == 2 && a[0].is_number() => {
                out.push((a[0].as_f64().unwrap(), a[1].as_f64().unwrap()))
            }
            Some(a) => a.iter().for_each(|c| walk(c, out)),
            None => {}
        }
    }
    walk(
        &paktika["features"][0]["geometry"]["coordinates"],
        &mut points,
    );
    let (lon, lat) = {
        let (xs, ys): (Vec<f64>, Vec<f64>) = points.iter().copied().unzip();
        let mid = |v: &[f64]| {
            (v.iter().cloned().fold(f64::MAX, f64::min)
                + v.iter().cloned().fold(f64::MIN, f64::max))
                / 2.0
        };
        (mid(&xs), mid(&ys))
    };
    let (col, row) = common::tile_of(lon, lat, 6);

    // 1. GDAL's TileMatrixSet parser reads our document: a raster over Paktika tiled by it at
    // zoom 6 has that matrix's cell size and starts on a tile edge of the standard grid.
    let small = dir.join("paktika.tif");
    let cog = dir.join("paktika_cog.tif");
    let (ul_x, ul_y, lr_x, lr_y) = (lon - 0.1, lat + 0.1, lon + 0.1, lat - 0.1);
    let corners = [ul_x, ul_y, lr_x, lr_y].map(|v| v.to_string());
    let (ok, _, err) = gdal(
        "gdal_create",
        &[
            "-of",
            "GTiff",
            "-outsize",
            "4",
            "4",
            "-bands",
            "1",
            "-a_srs",
            "EPSG:4326",
            "-a_ullr",
            &corners[0],
            &corners[1],
            &corners[2],
            &corners[3],
            small.to_str().unwrap(),
        ],
        false,
    );
    assert!(ok, "gdal_create: {err}");
    let scheme = format!("TILING_SCHEME={}", tms_file.display());
    let (ok, _, err) = gdal(
        "gdal_translate",
        &[
            "-q",
            "-of",
            "COG",
            "-co",
            &scheme,
            "-co",
            "ZOOM_LEVEL=6",
            small.to_str().unwrap(),
            cog.to_str().unwrap(),
        ],
        false,
    );
    assert!(
        ok && !err.contains("ERROR"),
        "GDAL does not take our tile matrix set: {err}"
    );
    let (ok, info, err) = gdal(
        "gdalinfo",
        &["-json", "-mdd", "all", cog.to_str().unwrap()],
        false,
    );
    assert!(ok, "{err}");
    let info: serde_json::Value = serde_json::from_str(&info).unwrap();
    assert_eq!(
        info["metadata"]["TILING_SCHEME"]["ZOOM_LEVEL"], "6",
        "{info}"
    );
    let cell = tms["tileMatrices"][6]["cellSize"].as_f64().unwrap();
    let gt: Vec<f64> = info["geoTransform"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    assert!(
        (gt[1] - cell).abs() < 1e-6 && (gt[5] + cell).abs() < 1e-6,
        "{gt:?}"
    );
    let origin = 20_037_508.342_789_244;
    let span = 256.0 * cell;
    let first_col = (gt[0] + origin) / span;
    let first_row = (origin - gt[3]) / span;
    assert!(
        (first_col - first_col.round()).abs() < 1e-6
            && (first_row - first_row.round()).abs() < 1e-6,
        "not on the WebMercatorQuad grid: {gt:?}"
    );
    let size = info["size"].as_array().unwrap();
    let cols = size[0].as_u64().unwrap() as f64 / 256.0;
    let rows = size[1].as_u64().unwrap() as f64 / 256.0;
    assert!(
        (first_col.round()..first_col.round() + cols).contains(&(col as f64))
            && (first_row.round()..first_row.round() + rows).contains(&(row as f64)),
        "Paktika's tile {col},{row} is not where GDAL put zoom 6: {gt:?} {size:?}"
    );

    // 2. The OGCAPI driver itself gets through our documents to the tile matrix set and does
    // not stop on it (GDAL 3.6 used to say "Invalid tiling matrix set name" there).
    let source = format!("OGCAPI:{base}/collections/provinces");
    let (ok, out, err) = gdal(
        "ogrinfo",
        &["-ro", "-so", "-oo", "API=TILES", &source],
        true,
    );
    assert!(err.contains(&format!("Fetch({tms_url})")), "{err}");
    for complaint in [
        "Invalid tiling matrix set name",
        "TileMatrixSetType",
        "No tileMatrix",
        "Cannot find",
    ] {
        assert!(!err.contains(complaint), "{complaint}:\n{err}");
    }
    if ok {
        // A GDAL whose OGCAPI driver reads vector tiles lists one layer per zoom.
        assert!(out.contains("Zoom level"), "{out}");
    }

    // 3. The tile the template names for Paktika's place, read by GDAL's MVT driver, holds
    // Paktika with its attributes (row is y, column is x).
    let url = template
        .replace("{tileMatrix}", "6")
        .replace("{tileRow}", &row.to_string())
        .replace("{tileCol}", &col.to_string());
    let tile = format!("/vsicurl/{url}?f=mvt");
    let (x, y) = (format!("X={col}"), format!("Y={row}"));
    let listing = ogrinfo(&["-ro", "-al", "-oo", &x, "-oo", &y, "-oo", "Z=6", &tile]);
    assert!(listing.contains("Layer name: provinces"), "{listing}");
    let feature = listing
        .split("OGRFeature(")
        .find(|f| f.contains("name (String) = Paktika\n"))
        .unwrap_or_else(|| panic!("no Paktika in {url}:\n{listing}"));
    assert!(
        feature.contains("iso_3166_2 (String) = AF-PKA"),
        "{feature}"
    );
    assert!(
        feature.contains("country (String) = Afghanistan"),
        "{feature}"
    );
    assert!(feature.contains("POLYGON"), "{feature}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// GDAL's OAPIF driver hands a `-where` to the server as a CQL text filter (it finds
/// `filter-lang` in the OpenAPI document and the fields as the items' query parameters), so
/// only the matching features cross the network; the answers are what the file says.
#[tokio::test]
async fn gdal_sends_its_where_clause_as_a_cql2_filter() {
    if !gdal_available() {
        return;
    }
    let server = Server::start("data/layers.toml");
    let source = format!("OAPIF:{}/ogc", server.url);
    // Independently of the server: which provinces the file says are Pakistan's and have
    // "Khyber" in their name.
    let file: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(repo_path("data/provinces.geojson")).unwrap(),
    )
    .unwrap();
    let mut want: Vec<String> = file["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| &f["properties"])
        .filter(|p| {
            p["iso_3166_2"] == "AF-PKA"
                || (p["country"] == "Pakistan" && !p["name"].as_str().unwrap().contains("Khyber"))
        })
        .map(|p| p["name"].as_str().unwrap().to_string())
        .collect();
    want.sort();
    assert!(want.len() > 2, "{want:?}");
    let where_clause =
        "iso_3166_2 = 'AF-PKA' OR (country = 'Pakistan' AND NOT (name LIKE '%Khyber%'))";
    let (ok, out, err) = gdal(
        "ogrinfo",
        &[
            "-ro",
            "-q",
            "-geom=NO",
            "-where",
            where_clause,
            &source,
            "provinces",
        ],
        true,
    );
    assert!(ok && !err.contains("ERROR"), "{err}");
    let fetches: Vec<&str> = err
        .lines()
        .filter(|l| l.contains("Fetch(") && l.contains("/items"))
        .collect();
    assert!(
        fetches
            .iter()
            .any(|l| l.contains("filter=") && l.contains("filter-lang=cql-text")),
        "GDAL filtered on its side: {fetches:#?}"
    );
    let mut got: Vec<String> = out
        .lines()
        .filter_map(|l| l.trim().strip_prefix("name (String) = "))
        .map(String::from)
        .collect();
    got.sort();
    assert_eq!(got, want);
}
