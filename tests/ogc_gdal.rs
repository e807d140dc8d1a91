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
