//! Hot reload: watch the catalog and every file it names, rebuild the dataset off the async
//! executor when one changes, and swap it in atomically. A build that fails leaves the last
//! good data serving; the error goes to the log and to `/health`.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::Serialize;

use super::AppState;
use crate::dataset::Dataset;

/// The outcome of the last reload, for `/health` and `/metrics`.
#[derive(Clone, Debug, Default, Serialize)]
pub struct ReloadStatus {
    /// Unix seconds of the last attempt (0: none yet).
    pub at: u64,
    pub ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Successful reloads since start.
    pub count: u64,
    pub failures: u64,
}

/// Shared reload state.
#[derive(Default)]
pub struct Reloader {
    status: Mutex<ReloadStatus>,
    /// Serialises reloads: a change during a reload waits for it.
    running: tokio::sync::Mutex<()>,
}

impl Reloader {
    pub fn status(&self) -> ReloadStatus {
        self.status.lock().map(|s| s.clone()).unwrap_or_default()
    }
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Rebuild the dataset from its origin and swap it in. Returns the new version, or the
/// error (the old data keeps serving).
pub async fn reload(state: &Arc<AppState>) -> Result<String, String> {
    let _guard = state.reloader.running.lock().await;
    let origin = state.dataset.load().origin.clone();
    let result = tokio::task::spawn_blocking(move || Dataset::load(&origin)).await;
    let mut status = state
        .reloader
        .status
        .lock()
        .map_err(|_| "reload status poisoned".to_string())?;
    status.at = now();
    match result {
        Ok(Ok(dataset)) => {
            let version = dataset.version.clone();
            let old = state.dataset.swap(Arc::new(dataset));
            if old.version != version {
                // Keys carry the version, so old tiles are never served; drop them now to
                // give their memory back.
                state.cache.clear();
            }
            status.ok = true;
            status.error = None;
            status.count += 1;
            tracing::info!(%version, "data reloaded");
            Ok(version)
        }
        Ok(Err(errors)) => {
            let text = errors.to_string();
            tracing::error!(
                "reload failed; still serving version {}:\n{text}",
                state.dataset.load().version
            );
            status.ok = false;
            status.error = Some(text.clone());
            status.failures += 1;
            Err(text)
        }
        Err(e) => {
            let text = format!("reload task failed: {e}");
            tracing::error!("{text}");
            status.ok = false;
            status.error = Some(text.clone());
            status.failures += 1;
            Err(text)
        }
    }
}

/// Size and modification time of each file: what a change looks like.
fn fingerprint(files: &[PathBuf]) -> Vec<Option<(u64, SystemTime)>> {
    files
        .iter()
        .map(|f| {
            std::fs::metadata(f)
                .ok()
                .map(|m| (m.len(), m.modified().unwrap_or(UNIX_EPOCH)))
        })
        .collect()
}

/// Poll the data files every `interval` and reload when they change and have been still for a
/// moment (editors save in several writes). Polling needs no platform watcher and works on
/// network file systems and in containers alike.
///
/// Database layers are followed the same way: their databases' change counters are polled,
/// and a `NOTIFY borderland` (from the change trigger) wakes the loop at once. A database
/// that cannot be reached changes nothing: the last good data keeps serving.
pub async fn watch(state: Arc<AppState>, interval: Duration) {
    let mut files = state.dataset.load().origin.watched_files();
    let mut seen = fingerprint(&files);
    let notified = Arc::new(tokio::sync::Notify::new());
    state.dataset.load().listen_for_changes(&notified);
    let mut seen_db = database_token(&state).await;
    loop {
        tokio::select! {
            _ = tokio::time::sleep(interval) => {}
            _ = notified.notified() => {}
        }
        let current = fingerprint(&files);
        let db = database_token(&state).await;
        let db_changed = db.is_some() && db != seen_db;
        if current == seen && !db_changed {
            continue;
        }
        if current == seen {
            tracing::info!("the database changed; reloading");
            if reload(&state).await.is_ok() {
                seen_db = db;
            }
            continue;
        }
        // Wait until the files stop changing.
        let mut settled = current;
        loop {
            tokio::time::sleep(Duration::from_millis(300)).await;
            let again = fingerprint(&files);
            if again == settled {
                break;
            }
            settled = again;
        }
        tracing::info!("data files changed; reloading");
        let _ = reload(&state).await;
        files = state.dataset.load().origin.watched_files();
        seen = fingerprint(&files);
        seen_db = database_token(&state).await;
    }
}

/// The current dataset's database change counters, read off the async executor.
async fn database_token(state: &Arc<AppState>) -> Option<String> {
    let dataset = state.dataset.load_full();
    tokio::task::spawn_blocking(move || dataset.change_token())
        .await
        .ok()
        .flatten()
}
