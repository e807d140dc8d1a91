//! The command line as a user runs it: `borderland check` on good and bad data.

mod common;

fn borderland(args: &[&str]) -> (i32, String, String) {
    let out = common::process::run(args);
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn check_passes_on_the_default_data() {
    let (code, out, _) = borderland(&["check"]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains(
            "join presence (data/presence.csv) → layer provinces: 5 row(s), 5 matched, 0 unmatched"
        ),
        "{out}"
    );
    let (code, out, _) = borderland(&["check", "--json"]);
    assert_eq!(code, 0);
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["ok"], true);
    assert_eq!(report["layers"][0]["features"], 41);
}

#[test]
fn check_fails_with_the_line_of_an_unmatched_row() {
    let dir = common::dir_with_provinces("cli");
    std::fs::write(
        dir.join("p.csv"),
        "province,group,source,citation,report_date\nKhost,TTP,S,c,2025\nKhostt,TTP,S,c,2025\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("layers.toml"),
        "[[table]]\nid = \"p\"\nfile = \"p.csv\"\nkind = \"presence\"\n\n[[layer]]\nid = \"provinces\"\nfile = \"provinces.geojson\"\nkeys = [\"name\"]\n\n[[layer.join]]\ntable = \"p\"\n",
    )
    .unwrap();
    let catalog = dir.join("layers.toml");
    let (code, out, _) = borderland(&["check", "--config", catalog.to_str().unwrap()]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains(
            "p.csv line 3: 'Khostt' matches no feature of layer 'provinces' (did you mean Khost"
        ),
        "{out}"
    );

    std::fs::write(
        dir.join("p.csv"),
        "province,group,source,citation,report_date\nKhost,TTP,S,c,2025-02-30\n",
    )
    .unwrap();
    let (code, out, _) = borderland(&["check", "--config", catalog.to_str().unwrap(), "--json"]);
    assert_eq!(code, 1);
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["errors"][0]["line"], 2);
    assert_eq!(report["errors"][0]["field"], "report_date");
    assert!(
        report["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("no day 30")
    );
}
