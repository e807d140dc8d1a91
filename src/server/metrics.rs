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

/// The tile route, whose common answers are counted without the lock.
pub const TILE_ROUTE: &str = "/tiles/{layers}/{z}/{x}/{y}";
/// The tile route's common answers: a tile, an empty tile, not modified.
const TILE_STATUSES: [u16; 3] = [200, 204, 304];

#[derive(Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<String, BTreeMap<u16, u64>>>,
    /// Requests to [`TILE_ROUTE`] by [`TILE_STATUSES`]: counted apart from `requests`, so tile
    /// requests (most of the traffic) never wait on one another's counting.
    tile_requests: [AtomicU64; TILE_STATUSES.len()],
    /// Tile requests answered from the cache ahead of the middleware (`server::hits`).
    answered_ahead: AtomicU64,
    cut_buckets: [AtomicU64; BUCKETS.len()],
    cut_count: AtomicU64,
    cut_micros: AtomicU64,
    /// 503s from load shedding (busy) and from the request timeout.
    shed_busy: AtomicU64,
    shed_timeout: AtomicU64,
    /// Unix seconds of the last 503 for overload.
    last_overload: AtomicU64,
}

impl Metrics {
    pub fn request(&self, route: &str, status: u16) {
        if route == TILE_ROUTE && self.tile_request(status) {
            return;
        }
        if let Ok(mut m) = self.requests.lock() {
            // Looked up by &str first: no allocation once a route has been seen.
            match m.get_mut(route) {
                Some(by_status) => *by_status.entry(status).or_default() += 1,
                None => {
                    m.entry(route.to_string()).or_default().insert(status, 1);
                }
            }
        }
    }

    /// Counts an answer of the tile route without a lock; false for a status not counted so.
    pub fn tile_request(&self, status: u16) -> bool {
        match TILE_STATUSES.iter().position(|&s| s == status) {
            Some(i) => {
                self.tile_requests[i].fetch_add(1, Relaxed);
                true
            }
            None => false,
        }
    }

    /// A tile request answered from the cache ahead of the middleware.
    pub fn answer_ahead(&self) {
        self.answered_ahead.fetch_add(1, Relaxed);
    }

    pub fn answered_ahead(&self) -> u64 {
        self.answered_ahead.load(Relaxed)
    }

    /// Requests by route and status, the lock-free tile counts merged in.
    fn requests(&self) -> BTreeMap<String, BTreeMap<u16, u64>> {
        let mut all = self.requests.lock().map(|m| m.clone()).unwrap_or_default();
        for (i, &status) in TILE_STATUSES.iter().enumerate() {
            let n = self.tile_requests[i].load(Relaxed);
            if n > 0 {
                *all.entry(TILE_ROUTE.to_string())
                    .or_default()
                    .entry(status)
                    .or_default() += n;
            }
        }
        all
    }

    /// A request answered 503 because the server was full or the request took too long.
    pub fn overload(&self, timed_out: bool) {
        if timed_out {
            self.shed_timeout.fetch_add(1, Relaxed);
        } else {
            self.shed_busy.fetch_add(1, Relaxed);
        }
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        self.last_overload.store(now, Relaxed);
    }

    /// 503s for overload so far: (busy, timed out).
    pub fn overloads(&self) -> (u64, u64) {
        (
            self.shed_busy.load(Relaxed),
            self.shed_timeout.load(Relaxed),
        )
    }

    /// Unix seconds of the last 503 for overload (0: none).
    pub fn last_overload(&self) -> u64 {
        self.last_overload.load(Relaxed)
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
    for (route, by_status) in m.requests() {
        let route = route.replace('\\', "\\\\").replace('"', "\\\"");
        for (status, n) in by_status {
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
        "# HELP borderland_tile_answered_ahead_total Tile GETs answered from the cache ahead of the middleware: tiles, empty tiles and 304s.\n# TYPE borderland_tile_answered_ahead_total counter\nborderland_tile_answered_ahead_total {}",
        m.answered_ahead()
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
    let (busy, timed_out) = m.overloads();
    let _ = writeln!(
        out,
        "# HELP borderland_overload_total Requests answered 503: the server was full (busy) or the request took too long (timeout).\n# TYPE borderland_overload_total counter\nborderland_overload_total{{reason=\"busy\"}} {busy}\nborderland_overload_total{{reason=\"timeout\"}} {timed_out}"
    );
    let _ = writeln!(
        out,
        "# HELP borderland_tile_cuts_in_progress Tile cuts started and not finished.\n# TYPE borderland_tile_cuts_in_progress gauge\nborderland_tile_cuts_in_progress {}",
        state.cache.cutting()
    );
    let c = &state.connections;
    let _ = writeln!(
        out,
        "# HELP borderland_connections_closed_total Connections closed by a limit: headers not sent in time, or silent too long.\n# TYPE borderland_connections_closed_total counter\nborderland_connections_closed_total{{reason=\"header_timeout\"}} {}\nborderland_connections_closed_total{{reason=\"idle\"}} {}",
        c.header_timeouts.load(Relaxed),
        c.idle_closed.load(Relaxed)
    );
    let _ = writeln!(
        out,
        "# HELP borderland_connection_cap_reached_total Times a new connection had to wait for the connection cap.\n# TYPE borderland_connection_cap_reached_total counter\nborderland_connection_cap_reached_total {}\n# HELP borderland_connections_open Connections open now.\n# TYPE borderland_connections_open gauge\nborderland_connections_open {}",
        c.cap_reached.load(Relaxed),
        c.open.load(Relaxed)
    );
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
