//! `/metrics` in Prometheus text: requests by route and status, tile cache hits and misses,
//! a histogram of tile cut times, the data version and the last reload's result.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Duration;

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};

use super::AppState;

/// Upper bounds of the cut-time buckets, in seconds.
const BUCKETS: [f64; 10] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0,
];

#[derive(Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(String, u16), u64>>,
    cut_buckets: [AtomicU64; BUCKETS.len()],
    cut_count: AtomicU64,
    cut_micros: AtomicU64,
}

impl Metrics {
    pub fn request(&self, route: &str, status: u16) {
        if let Ok(mut m) = self.requests.lock() {
            *m.entry((route.to_string(), status)).or_default() += 1;
        }
    }

    pub fn cut(&self, took: Duration) {
        let secs = took.as_secs_f64();
        for (i, &b) in BUCKETS.iter().enumerate() {
            if secs <= b {
                self.cut_buckets[i].fetch_add(1, Relaxed);
            }
        }
        self.cut_count.fetch_add(1, Relaxed);
        self.cut_micros.fetch_add(took.as_micros() as u64, Relaxed);
    }
}

pub async fn metrics(State(state): State<Arc<AppState>>) -> Response {
    let mut out = String::new();
    let m = &state.metrics;
    out.push_str("# HELP borderland_requests_total HTTP requests by route and status.\n# TYPE borderland_requests_total counter\n");
    if let Ok(requests) = m.requests.lock() {
        for ((route, status), n) in requests.iter() {
            let route = route.replace('\\', "\\\\").replace('"', "\\\"");
            let _ = writeln!(
                out,
                "borderland_requests_total{{route=\"{route}\",status=\"{status}\"}} {n}"
            );
        }
    }
    let _ = writeln!(
        out,
        "# HELP borderland_tile_cache_hits_total Tile requests answered from the cache.\n# TYPE borderland_tile_cache_hits_total counter\nborderland_tile_cache_hits_total {}",
        state.cache.hits()
    );
    let _ = writeln!(
        out,
        "# HELP borderland_tile_cache_misses_total Tile requests that cut a tile.\n# TYPE borderland_tile_cache_misses_total counter\nborderland_tile_cache_misses_total {}",
        state.cache.misses()
    );
    let _ = writeln!(
        out,
        "# HELP borderland_tile_cache_bytes Bytes held by the tile cache.\n# TYPE borderland_tile_cache_bytes gauge\nborderland_tile_cache_bytes {}",
        state.cache.weight()
    );
    out.push_str("# HELP borderland_tile_cut_seconds Time to cut, encode and compress a tile.\n# TYPE borderland_tile_cut_seconds histogram\n");
    for (i, b) in BUCKETS.iter().enumerate() {
        let _ = writeln!(
            out,
            "borderland_tile_cut_seconds_bucket{{le=\"{b}\"}} {}",
            m.cut_buckets[i].load(Relaxed)
        );
    }
    let count = m.cut_count.load(Relaxed);
    let _ = writeln!(
        out,
        "borderland_tile_cut_seconds_bucket{{le=\"+Inf\"}} {count}"
    );
    let _ = writeln!(
        out,
        "borderland_tile_cut_seconds_sum {}",
        m.cut_micros.load(Relaxed) as f64 / 1e6
    );
    let _ = writeln!(out, "borderland_tile_cut_seconds_count {count}");
    let dataset = state.dataset.load();
    let _ = writeln!(
        out,
        "# HELP borderland_data_info The data version being served.\n# TYPE borderland_data_info gauge\nborderland_data_info{{version=\"{}\"}} 1",
        dataset.version
    );
    let reload = state.reloader.status();
    let _ = writeln!(
        out,
        "# HELP borderland_last_reload_success Whether the last reload succeeded (1), failed (0); -1 before any.\n# TYPE borderland_last_reload_success gauge\nborderland_last_reload_success {}",
        if reload.at == 0 {
            -1
        } else {
            i32::from(reload.ok)
        }
    );
    let _ = writeln!(
        out,
        "# HELP borderland_last_reload_timestamp_seconds When the last reload was attempted.\n# TYPE borderland_last_reload_timestamp_seconds gauge\nborderland_last_reload_timestamp_seconds {}",
        reload.at
    );
    let _ = writeln!(
        out,
        "# HELP borderland_reloads_total Reloads by outcome.\n# TYPE borderland_reloads_total counter\nborderland_reloads_total{{result=\"ok\"}} {}\nborderland_reloads_total{{result=\"error\"}} {}",
        reload.count, reload.failures
    );
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        out,
    )
        .into_response()
}
