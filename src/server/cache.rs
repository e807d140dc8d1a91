//! The tile cache: the only shared mutable structure on the hot path. Bounded by bytes;
//! concurrent requests for the same missing tile wait for one computation (single flight).
//! Keys carry the data version, so a reload never serves a stale tile.

use std::sync::Arc;

use axum::body::Bytes;
use quick_cache::Weighter;
use quick_cache::sync::Cache;

/// A cut tile, kept both plain and gzipped (most clients accept gzip; load tools often do not).
#[derive(Debug)]
pub struct CachedTile {
    pub raw: Bytes,
    pub gzip: Bytes,
}

impl From<crate::tile::EncodedTile> for CachedTile {
    fn from(mut t: crate::tile::EncodedTile) -> CachedTile {
        // Encoders grow their buffers by doubling; the cache counts lengths, so hand back the
        // slack rather than hold up to twice what is counted.
        t.raw.shrink_to_fit();
        t.gzip.shrink_to_fit();
        CachedTile {
            raw: t.raw.into(),
            gzip: t.gzip.into(),
        }
    }
}

/// Measured cost of a cache entry beyond its bytes, rounded up.
const ENTRY_OVERHEAD: usize = 320;

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

pub struct TileCache {
    cache: Cache<String, Arc<CachedTile>, ByBytes>,
    hits: std::sync::atomic::AtomicU64,
    misses: std::sync::atomic::AtomicU64,
}

impl TileCache {
    pub fn new(max_bytes: u64) -> TileCache {
        let estimated = (max_bytes / 20_000).clamp(64, 1_000_000) as usize;
        TileCache {
            cache: Cache::with_weighter(estimated, max_bytes.max(1), ByBytes),
            hits: Default::default(),
            misses: Default::default(),
        }
    }

    /// The cached tile for `key`, or the result of `compute` (run off the async executor),
    /// computed once however many requests ask at the same time.
    pub async fn get_or_compute<F>(
        &self,
        key: String,
        compute: F,
    ) -> Result<Arc<CachedTile>, tokio::task::JoinError>
    where
        F: FnOnce() -> crate::tile::EncodedTile + Send + 'static,
    {
        use std::sync::atomic::Ordering::Relaxed;
        match self.cache.get_value_or_guard_async(&key).await {
            Ok(tile) => {
                self.hits.fetch_add(1, Relaxed);
                Ok(tile)
            }
            Err(guard) => {
                self.misses.fetch_add(1, Relaxed);
                let tile =
                    tokio::task::spawn_blocking(move || Arc::new(CachedTile::from(compute())))
                        .await?;
                let _ = guard.insert(Arc::clone(&tile));
                Ok(tile)
            }
        }
    }

    /// [`TileCache::get_or_compute`] for a computation that can fail (a database layer whose
    /// database is down): a failure is returned to every waiting request and not cached.
    pub async fn try_get_or_compute<F, E>(
        &self,
        key: String,
        compute: F,
    ) -> Result<Arc<CachedTile>, TryComputeError<E>>
    where
        F: FnOnce() -> Result<crate::tile::EncodedTile, E> + Send + 'static,
        E: Send + 'static,
    {
        use std::sync::atomic::Ordering::Relaxed;
        match self.cache.get_value_or_guard_async(&key).await {
            Ok(tile) => {
                self.hits.fetch_add(1, Relaxed);
                Ok(tile)
            }
            Err(guard) => {
                self.misses.fetch_add(1, Relaxed);
                let tile = tokio::task::spawn_blocking(move || compute().map(CachedTile::from))
                    .await
                    .map_err(TryComputeError::Join)?
                    .map_err(TryComputeError::Failed)?;
                let tile = Arc::new(tile);
                let _ = guard.insert(Arc::clone(&tile));
                Ok(tile)
            }
        }
    }

    pub fn hits(&self) -> u64 {
        self.hits.load(std::sync::atomic::Ordering::Relaxed)
    }

    pub fn misses(&self) -> u64 {
        self.misses.load(std::sync::atomic::Ordering::Relaxed)
    }

    pub fn weight(&self) -> u64 {
        self.cache.weight()
    }

    pub fn clear(&self) {
        self.cache.clear();
    }
}

/// Why [`TileCache::try_get_or_compute`] has no tile.
#[derive(Debug)]
pub enum TryComputeError<E> {
    /// The computation panicked or was cancelled.
    Join(tokio::task::JoinError),
    Failed(E),
}
