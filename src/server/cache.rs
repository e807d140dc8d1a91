//! The tile cache: the only shared mutable structure on the hot path. Bounded by bytes; a
//! missing tile is cut once however many requests ask for it (single flight), and a cut that
//! started finishes into the cache even when every requester has left (timeouts, closed
//! tabs), so retries find it instead of starting it again. Keys carry the data version, so a
//! reload never serves a stale tile. A cut that fails (a database layer's database is down)
//! fails for every waiter and is not cached.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::http::HeaderValue;
use quick_cache::Weighter;
use quick_cache::sync::Cache;
use tokio::sync::{Semaphore, watch};

use crate::tile::StoredTileError;

/// A cut tile, kept both plain and gzipped (most clients accept gzip; load tools often do not),
/// with each one's `Content-Length` written once, so a hit formats nothing.
#[derive(Debug)]
pub struct CachedTile {
    pub raw: Bytes,
    pub gzip: Bytes,
    pub raw_length: HeaderValue,
    pub gzip_length: HeaderValue,
}

impl From<crate::tile::EncodedTile> for CachedTile {
    fn from(mut t: crate::tile::EncodedTile) -> CachedTile {
        // Encoders grow their buffers by doubling; the cache counts lengths, so hand back the
        // slack rather than hold up to twice what is counted.
        t.raw.shrink_to_fit();
        t.gzip.shrink_to_fit();
        CachedTile {
            raw_length: HeaderValue::from(t.raw.len()),
            gzip_length: HeaderValue::from(t.gzip.len()),
            raw: t.raw.into(),
            gzip: t.gzip.into(),
        }
    }
}

/// Measured cost of a cache entry beyond its bytes, rounded up (320), plus the two length
/// headers (each a `HeaderValue` and its few bytes on the heap).
const ENTRY_OVERHEAD: usize = 320 + 2 * 64;

#[derive(Clone)]
struct ByBytes;

impl Weighter<String, Arc<CachedTile>> for ByBytes {
    fn weight(&self, key: &String, val: &Arc<CachedTile>) -> u64 {
        // Bytes plus what an entry costs besides them (the key's and the tile's allocations,
        // the Arc, the map slot), so a cache full of small or empty tiles stays within its
        // size in real memory too.
        (key.len() + val.raw.len() + val.gzip.len() + ENTRY_OVERHEAD) as u64
    }
}

/// The end of a cut: the tile, or why a source (a database) gave none.
type CutResult = Result<Arc<CachedTile>, Arc<StoredTileError>>;

/// A cut in progress: `None` until it is done; the sender is dropped without a value if the
/// cut panicked.
type InFlight = watch::Receiver<Option<CutResult>>;

/// Why a tile could not be had.
#[derive(Debug)]
pub enum CutFailed {
    /// The cut panicked or its task was lost: a bug.
    Panicked,
    /// A layer's source could not give its tile (the database is down, or refused the query).
    Source(Arc<StoredTileError>),
}

impl std::fmt::Display for CutFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CutFailed::Panicked => f.write_str("the tile could not be cut"),
            CutFailed::Source(e) => write!(f, "{e}"),
        }
    }
}

struct Shared {
    cache: Cache<String, Arc<CachedTile>, ByBytes>,
    /// Cuts running now, by key: later requests wait on the same cut.
    in_flight: Mutex<HashMap<String, InFlight>>,
    /// At most this many cuts hold a blocking thread at once, so downloads and other blocking
    /// work are never starved by a burst of costly tiles.
    cut_permits: Arc<Semaphore>,
    hits: AtomicU64,
    misses: AtomicU64,
    /// Cuts started and not yet finished (queued for a permit or running).
    cutting: AtomicU64,
}

#[derive(Clone)]
pub struct TileCache {
    shared: Arc<Shared>,
}

/// Removes a finished (or failed) cut from the in-flight map, whatever way the task ends.
struct InFlightEntry {
    shared: Arc<Shared>,
    key: String,
}

impl Drop for InFlightEntry {
    fn drop(&mut self) {
        if let Ok(mut m) = self.shared.in_flight.lock() {
            m.remove(&self.key);
        }
        self.shared.cutting.fetch_sub(1, Relaxed);
    }
}

impl TileCache {
    /// A cache of `max_bytes` whose cuts use at most `cut_threads` blocking threads at once.
    pub fn new(max_bytes: u64, cut_threads: usize) -> TileCache {
        let estimated = (max_bytes / 20_000).clamp(64, 1_000_000) as usize;
        TileCache {
            shared: Arc::new(Shared {
                cache: Cache::with_weighter(estimated, max_bytes.max(1), ByBytes),
                in_flight: Mutex::new(HashMap::new()),
                cut_permits: Arc::new(Semaphore::new(cut_threads.max(1))),
                hits: AtomicU64::new(0),
                misses: AtomicU64::new(0),
                cutting: AtomicU64::new(0),
            }),
        }
    }

    /// The cached tile for `key`, or the result of `compute` (run on the blocking pool),
    /// computed once however many requests ask at the same time. The cut runs in its own task:
    /// if the caller is dropped (a timeout, a closed connection) it still finishes and is
    /// cached.
    pub async fn get_or_compute<F>(
        &self,
        key: &str,
        compute: F,
    ) -> Result<Arc<CachedTile>, CutFailed>
    where
        F: FnOnce() -> crate::tile::EncodedTile + Send + 'static,
    {
        self.get_or_try_compute(key, move || Ok(compute())).await
    }

    /// [`TileCache::get_or_compute`] for a cut that can fail (a database layer whose database
    /// is down): the failure goes to every request waiting on that cut and is not cached, so
    /// the next request tries again.
    pub async fn get_or_try_compute<F>(
        &self,
        key: &str,
        compute: F,
    ) -> Result<Arc<CachedTile>, CutFailed>
    where
        F: FnOnce() -> Result<crate::tile::EncodedTile, StoredTileError> + Send + 'static,
    {
        if let Some(tile) = self.shared.cache.get(key) {
            self.shared.hits.fetch_add(1, Relaxed);
            return Ok(tile);
        }
        let mut waiting = {
            let Ok(mut in_flight) = self.shared.in_flight.lock() else {
                return Err(CutFailed::Panicked);
            };
            // Checked again under the lock: the cut may have finished in between.
            if let Some(tile) = self.shared.cache.get(key) {
                self.shared.hits.fetch_add(1, Relaxed);
                return Ok(tile);
            }
            match in_flight.get(key) {
                // Waiting for a cut another request started counts as a hit: one miss, one
                // cut, per tile.
                Some(rx) => {
                    self.shared.hits.fetch_add(1, Relaxed);
                    rx.clone()
                }
                None => {
                    self.shared.misses.fetch_add(1, Relaxed);
                    let (tx, rx) = watch::channel(None);
                    in_flight.insert(key.to_string(), rx.clone());
                    self.shared.cutting.fetch_add(1, Relaxed);
                    let entry = InFlightEntry {
                        shared: Arc::clone(&self.shared),
                        key: key.to_string(),
                    };
                    tokio::spawn(cut(entry, tx, compute));
                    rx
                }
            }
        };
        match waiting.wait_for(|t| t.is_some()).await {
            Ok(done) => match done.as_ref() {
                Some(Ok(tile)) => Ok(Arc::clone(tile)),
                Some(Err(e)) => Err(CutFailed::Source(Arc::clone(e))),
                None => Err(CutFailed::Panicked),
            },
            Err(_) => Err(CutFailed::Panicked),
        }
    }

    /// The cached tile, if there is one (no cut).
    pub fn get(&self, key: &str) -> Option<Arc<CachedTile>> {
        self.shared.cache.get(key)
    }

    /// The cached tile, counted as a hit when there is one (no cut, no miss counted).
    pub fn hit(&self, key: &str) -> Option<Arc<CachedTile>> {
        let tile = self.shared.cache.get(key)?;
        self.shared.hits.fetch_add(1, Relaxed);
        Some(tile)
    }

    pub fn hits(&self) -> u64 {
        self.shared.hits.load(Relaxed)
    }

    pub fn misses(&self) -> u64 {
        self.shared.misses.load(Relaxed)
    }

    /// Cuts started and not finished.
    pub fn cutting(&self) -> u64 {
        self.shared.cutting.load(Relaxed)
    }

    pub fn weight(&self) -> u64 {
        self.shared.cache.weight()
    }

    pub fn clear(&self) {
        self.shared.cache.clear();
    }
}

/// One cut: wait for a permit, cut on the blocking pool, cache, tell the waiters.
async fn cut<F>(entry: InFlightEntry, tx: watch::Sender<Option<CutResult>>, compute: F)
where
    F: FnOnce() -> Result<crate::tile::EncodedTile, StoredTileError> + Send + 'static,
{
    let Ok(_permit) = Arc::clone(&entry.shared.cut_permits).acquire_owned().await else {
        return;
    };
    match tokio::task::spawn_blocking(move || compute().map(|t| Arc::new(CachedTile::from(t))))
        .await
    {
        Ok(Err(e)) => {
            // Not cached: the key leaves the in-flight map, so the next request tries again.
            drop(entry);
            let _ = tx.send(Some(Err(Arc::new(e))));
        }
        Ok(Ok(tile)) => {
            entry
                .shared
                .cache
                .insert(entry.key.clone(), Arc::clone(&tile));
            // The key leaves the in-flight map after the tile is in the cache, and before the
            // waiters wake.
            drop(entry);
            let _ = tx.send(Some(Ok(tile)));
        }
        Err(e) => {
            tracing::error!(key = %entry.key, "a tile cut failed: {e}");
            // The key leaves the in-flight map before the waiters wake (the sender closing
            // wakes them), so a retry starts a new cut instead of joining this dead one.
            drop(entry);
            drop(tx);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;
    use std::time::Duration;

    fn tile(byte: u8) -> crate::tile::EncodedTile {
        crate::tile::EncodedTile {
            raw: vec![byte; 10],
            gzip: vec![byte; 5],
            detail: Default::default(),
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_cut_whose_requester_left_still_lands_in_the_cache_and_is_not_run_twice() {
        let cache = TileCache::new(1 << 20, 2);
        let runs = Arc::new(AtomicUsize::new(0));
        let slow = |runs: Arc<AtomicUsize>| {
            move || {
                runs.fetch_add(1, Relaxed);
                std::thread::sleep(Duration::from_millis(400));
                tile(7)
            }
        };
        // The first requester gives up long before the cut is done (a request timeout).
        let gave_up = tokio::time::timeout(
            Duration::from_millis(20),
            cache.get_or_compute("k", slow(Arc::clone(&runs))),
        )
        .await;
        assert!(
            gave_up.is_err(),
            "the requester left before the cut finished"
        );
        // A retry while it runs joins the same cut instead of starting another.
        let retry = cache
            .get_or_compute("k", slow(Arc::clone(&runs)))
            .await
            .expect("the tile");
        assert_eq!(&retry.raw[..], &[7u8; 10][..]);
        assert_eq!(
            runs.load(Relaxed),
            1,
            "one cut for the key, however many asked"
        );
        assert!(cache.get("k").is_some(), "the cut is cached");
        assert_eq!(cache.cutting(), 0);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_abandoned_cut_is_cached_with_nobody_waiting() {
        let cache = TileCache::new(1 << 20, 1);
        let request = cache.get_or_compute("alone", || {
            std::thread::sleep(Duration::from_millis(200));
            tile(3)
        });
        let _ = tokio::time::timeout(Duration::from_millis(10), request).await;
        for _ in 0..100 {
            if cache.get("alone").is_some() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert!(
            cache.get("alone").is_some(),
            "the abandoned cut finished into the cache"
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_cut_that_panics_is_an_error_for_its_waiters_and_can_be_retried() {
        let cache = TileCache::new(1 << 20, 1);
        let failed = cache.get_or_compute("p", || panic!("a bug in a cut")).await;
        assert!(failed.is_err());
        let ok = cache
            .get_or_compute("p", || tile(1))
            .await
            .expect("retried");
        assert_eq!(ok.raw.len(), 10);
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_failed_cut_fails_for_every_waiter_and_is_not_cached() {
        use crate::source::postgis::PgError;
        let cache = TileCache::new(1 << 20, 1);
        let runs = Arc::new(AtomicUsize::new(0));
        let down = |runs: Arc<AtomicUsize>| {
            move || {
                runs.fetch_add(1, Relaxed);
                std::thread::sleep(Duration::from_millis(200));
                Err(StoredTileError::Database(PgError {
                    message: "connection refused".into(),
                    unavailable: true,
                }))
            }
        };
        let (a, b) = tokio::join!(
            cache.get_or_try_compute("db", down(Arc::clone(&runs))),
            cache.get_or_try_compute("db", down(Arc::clone(&runs))),
        );
        for r in [a, b] {
            match r {
                Err(CutFailed::Source(e)) => assert!(e.unavailable(), "{e}"),
                other => panic!("expected the database's failure, got {other:?}"),
            }
        }
        assert_eq!(runs.load(Relaxed), 1, "one query for both requests");
        assert!(cache.get("db").is_none(), "a failure is not cached");
        let back = cache
            .get_or_try_compute("db", || Ok(tile(9)))
            .await
            .expect("the database is back");
        assert_eq!(&back.raw[..], &[9u8; 10][..]);
    }
}
