//! Issue 18, exports: one export per output at a time, nothing half-written at the final
//! path, and a folder export that replaces the old one instead of leaving stale tiles.

mod common;

use std::path::Path;

use borderland::export::output::OutputLock;
use common::process::run;

fn export(args: &[&str]) -> (i32, String) {
    let out = run(&[&["export", "--quiet"], args].concat());
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn leftovers(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".partial") || n.ends_with(".lock") || n.contains(".old"))
        .collect()
}

#[test]
fn a_second_export_to_the_same_path_is_refused_while_the_first_runs() {
    let dir = common::fresh_dir("export-lock");
    let out = dir.join("borderland.pmtiles");
    let out_s = out.to_str().unwrap();
    // Another export holds the output (this test stands in for it).
    let held = OutputLock::acquire(&out).unwrap();
    let (code, err) = export(&[out_s, "--maxzoom", "3"]);
    assert_ne!(code, 0, "the second export must fail");
    assert!(err.contains("another export is writing it now"), "{err}");
    assert!(!out.exists(), "nothing was written at the final path");
    drop(held);
    let (code, err) = export(&[out_s, "--maxzoom", "3"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.is_file());
    assert!(leftovers(&dir).is_empty(), "{:?}", leftovers(&dir));
}

#[test]
fn a_folder_export_replaces_the_old_export_and_keeps_no_stale_tile() {
    let dir = common::fresh_dir("export-stale");
    let out = dir.join("tiles");
    let out_s = out.to_str().unwrap();
    let (code, err) = export(&[out_s, "--maxzoom", "2"]);
    assert_eq!(code, 0, "{err}");
    // A tile the next export will not write (a retracted claim's, or a deeper zoom).
    let stale = out.join("9/1/1.mvt");
    std::fs::create_dir_all(stale.parent().unwrap()).unwrap();
    std::fs::write(&stale, b"old").unwrap();
    let (code, err) = export(&[out_s, "--maxzoom", "2"]);
    assert_eq!(code, 0, "{err}");
    assert!(!stale.exists(), "the stale tile is gone");
    assert!(out.join("metadata.json").is_file());
    assert!(out.join("0/0/0.mvt").is_file());
    assert!(leftovers(&dir).is_empty(), "{:?}", leftovers(&dir));

    // A folder of someone's other files is never replaced.
    let other = dir.join("mine");
    std::fs::create_dir_all(&other).unwrap();
    std::fs::write(other.join("notes.txt"), b"keep me").unwrap();
    let (code, err) = export(&[other.to_str().unwrap(), "--maxzoom", "1"]);
    assert_ne!(code, 0);
    assert!(err.contains("not a borderland export"), "{err}");
    assert!(other.join("notes.txt").is_file());
}

#[test]
fn a_site_export_replaces_the_old_site() {
    let dir = common::fresh_dir("export-site");
    let site = dir.join("site");
    let site_s = site.to_str().unwrap();
    let (code, err) = export(&["--site", site_s, "--maxzoom", "2"]);
    assert_eq!(code, 0, "{err}");
    let stale = site.join("tiles/old.pmtiles");
    std::fs::write(&stale, b"old").unwrap();
    let (code, err) = export(&["--site", site_s, "--maxzoom", "2"]);
    assert_eq!(code, 0, "{err}");
    assert!(!stale.exists());
    assert!(site.join("site.json").is_file());
    assert!(site.join("tiles/borderland.pmtiles").is_file());
    assert!(leftovers(&dir).is_empty(), "{:?}", leftovers(&dir));
}

#[test]
fn a_failed_export_leaves_nothing_behind() {
    let dir = common::fresh_dir("export-fail");
    // An archive whose tile data is cut off: it loads (header and directories are intact),
    // then the export fails when it reads the first tile.
    let archive = dir.join("basemap.pmtiles");
    let (code, err) = export(&[
        archive.to_str().unwrap(),
        "--maxzoom",
        "2",
        "--layers",
        "provinces",
    ]);
    assert_eq!(code, 0, "{err}");
    let mut bytes = std::fs::read(&archive).unwrap();
    let tile_data = u64::from_le_bytes(bytes[56..64].try_into().unwrap()) as usize;
    bytes.truncate(tile_data + 4);
    std::fs::write(&archive, &bytes).unwrap();
    std::fs::write(
        dir.join("layers.toml"),
        "title = \"broken\"\n\n[[layer]]\nid = \"basemap\"\nfile = \"basemap.pmtiles\"\n",
    )
    .unwrap();
    for name in ["out.mbtiles", "out.pmtiles", "outdir"] {
        let out = dir.join(name);
        let (code, err) = export(&[
            out.to_str().unwrap(),
            "--config",
            dir.join("layers.toml").to_str().unwrap(),
            "--maxzoom",
            "2",
        ]);
        assert_ne!(code, 0, "{name}: the export must fail");
        assert!(err.contains("basemap"), "{err}");
        assert!(!out.exists(), "{name}: nothing at the final path");
        assert!(leftovers(&dir).is_empty(), "{name}: {:?}", leftovers(&dir));
    }
}
