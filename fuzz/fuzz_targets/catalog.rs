//! Any text as a catalog: an error with a line, or a catalog, never a panic.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = borderland::config::parse_catalog(Path::new("layers.toml"), text);
    }
});
