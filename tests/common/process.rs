//! The real binary, for end-to-end tests: run a command, or serve on a free port (killed when
//! dropped); and the rule for external tools: missing means SKIPPED, except with
//! BORDERLAND_E2E=1 (as in CI), where it is a failure.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

/// Run `borderland ARGS` from the repository root.
pub fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_borderland"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("the binary runs")
}

/// A running server; killed when dropped.
pub struct Served {
    child: Child,
    /// "http://127.0.0.1:PORT", without a trailing slash.
    pub url: String,
    pub port: u16,
}

impl Served {
    /// `borderland ARGS --listen 127.0.0.1:0` from `cwd`; waits for the line that names the
    /// address it serves on.
    pub fn start(args: &[&str], cwd: &Path) -> Served {
        let mut child = Command::new(env!("CARGO_BIN_EXE_borderland"))
            .args(args)
            .args(["--listen", "127.0.0.1:0"])
            .current_dir(cwd)
            .env("RUST_LOG", "borderland=warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the server binary starts");
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        // Owned before waiting, so a failed start still kills the child.
        let mut served = Served {
            child,
            url: String::new(),
            port: 0,
        };
        let line = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("the server prints its address within a minute");
        let url = line
            .split(" at ")
            .nth(1)
            .map(|u| u.trim().trim_end_matches('/').to_string())
            .filter(|u| u.starts_with("http://127.0.0.1:"))
            .unwrap_or_else(|| panic!("unexpected first line from the server: {line:?}"));
        served.port = url
            .rsplit(':')
            .next()
            .and_then(|p| p.parse().ok())
            .expect("a port");
        served.url = url;
        served
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Whether end-to-end tests must run (BORDERLAND_E2E=1) rather than skip.
pub fn e2e_required() -> bool {
    std::env::var("BORDERLAND_E2E").as_deref() == Ok("1")
}

/// Whether `tool --version` runs. When it does not: a failure under BORDERLAND_E2E=1, else a
/// SKIPPED line (written past the test harness's capture, so a passing run still shows it).
pub fn have(tool: &str, install_hint: &str) -> bool {
    let found = Command::new(tool)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            !e2e_required(),
            "{tool} is missing but BORDERLAND_E2E=1: {install_hint}"
        );
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED: {tool} is not installed ({install_hint}); set BORDERLAND_E2E=1 to make this a failure"
        );
    }
    found
}

/// A `python3 -m http.server` over `dir` on a free loopback port (a static host, as a reader's
/// web server would be), stopped when dropped.
pub struct StaticServer {
    child: Child,
    pub port: u16,
}

impl StaticServer {
    pub fn start(dir: &Path) -> StaticServer {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let child = Command::new("python3")
            .args([
                "-m",
                "http.server",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
            ])
            .current_dir(dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 starts");
        let started = std::time::Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "http.server did not start"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        StaticServer { child, port }
    }
}

impl Drop for StaticServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A minimal HTTP/1.1 request over TCP to a served binary; returns status and body (status 0
/// when nothing came back).
pub fn request(port: u16, method: &str, path: &str, headers: &[(&str, &str)]) -> (u16, String) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: 0\r\n"
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).unwrap();
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    let text = String::from_utf8_lossy(&out).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

/// `/health` of a served binary, which must answer 200.
pub fn health(port: u16) -> serde_json::Value {
    let (status, body) = request(port, "GET", "/health", &[]);
    assert_eq!(status, 200, "{body}");
    serde_json::from_str(&body).unwrap()
}

/// Poll `f` every 100 ms until it holds; fail after `secs` seconds.
pub fn wait_for(what: &str, secs: u64, mut f: impl FnMut() -> bool) {
    let start = std::time::Instant::now();
    while start.elapsed() < Duration::from_secs(secs) {
        if f() {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("timed out waiting for {what}");
}

/// Copy the default data's files (not folders) into `dir`, for a test that edits them.
pub fn copy_default_data(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    for f in std::fs::read_dir(super::repo_path("data")).unwrap() {
        let f = f.unwrap();
        if f.file_type().unwrap().is_file() {
            std::fs::copy(f.path(), dir.join(f.file_name())).unwrap();
        }
    }
}
