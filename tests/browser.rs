//! The viewer in a real browser: starts the server binary on a free port and runs
//! tests/e2e/viewer.mjs (headless Chromium through playwright-core, plus style validation).
//! Without node, tests/e2e/node_modules or Chromium it prints SKIPPED and passes, unless
//! BORDERLAND_E2E=1 (as in CI), where it fails.

mod common;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Ends the child process when the test ends, however it ends.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn chromium() -> PathBuf {
    std::env::var_os("CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"))
}

/// What is missing to run the browser test, if anything.
fn missing(e2e: &Path) -> Option<String> {
    if !e2e.join("node_modules/playwright-core").is_dir()
        || !e2e
            .join("node_modules/@maplibre/maplibre-gl-style-spec")
            .is_dir()
    {
        return Some(format!(
            "{} has no node_modules (run `npm ci` there)",
            e2e.display()
        ));
    }
    if !chromium().exists() {
        return Some(format!(
            "no Chromium at {} (apt-get install chromium, or set CHROMIUM)",
            chromium().display()
        ));
    }
    match Command::new("node").arg("--version").output() {
        Ok(o) if o.status.success() => None,
        _ => Some("node is not on PATH".into()),
    }
}

#[test]
fn viewer_works_in_a_real_browser() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let e2e = root.join("tests/e2e");
    let required = common::process::e2e_required();
    if let Some(why) = missing(&e2e) {
        assert!(
            !required,
            "BORDERLAND_E2E=1 but the browser test cannot run: {why}"
        );
        eprintln!(
            "SKIPPED viewer_works_in_a_real_browser: {why}. Set BORDERLAND_E2E=1 to make this a failure."
        );
        return;
    }
    let server = common::process::Served::start(&[], &root);
    let url = format!("{}/", server.url);
    // target/e2e: beside the target's tmp folder, not committed.
    let out = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .map(|p| p.join("e2e"))
        .unwrap_or_else(|| root.join("target/e2e"));
    let mut node = Command::new("node")
        .arg(e2e.join("viewer.mjs"))
        .current_dir(&e2e)
        .env("BORDERLAND_URL", &url)
        .env("BORDERLAND_E2E_OUT", &out)
        .env("CHROMIUM", chromium())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("node starts");
    let mut stdout = node.stdout.take().expect("piped stdout");
    let mut stderr = node.stderr.take().expect("piped stderr");
    let out_thread = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stdout.read_to_string(&mut s);
        s
    });
    let err_thread = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    let mut node = Running(node);
    let started = Instant::now();
    let status = loop {
        if let Some(status) = node.0.try_wait().expect("waiting for node") {
            break Some(status);
        }
        if started.elapsed() > Duration::from_secs(150) {
            break None;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    drop(node);
    let (stdout, stderr) = (
        out_thread.join().unwrap_or_default(),
        err_thread.join().unwrap_or_default(),
    );
    println!("{stdout}");
    match status {
        Some(s) if s.success() => {}
        Some(s) => panic!("the browser test failed ({s}):\n{stdout}\n{stderr}"),
        None => panic!("the browser test took over 150 s:\n{stdout}\n{stderr}"),
    }
    assert!(
        out.join("viewer.png").exists(),
        "no screenshot at {}",
        out.join("viewer.png").display()
    );
}
