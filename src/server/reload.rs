//! Hot reload: watch the catalog and every file it names, rebuild the dataset on a thread of
//! its own (never queued behind tile cuts) when the files are stable, and swap it in
//! atomically. A build that fails leaves the last good data serving; the error goes to the log
//! and to the admin endpoint, and `/health` says only that it failed (errors can quote files).

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::Serialize;

use super::AppState;
use crate::dataset::Dataset;
use crate::story::Stories;

/// The outcome of the last reload, for `/health` and `/metrics`.
#[derive(Clone, Debug, Default, Serialize)]
pub struct ReloadStatus {
    /// Unix seconds of the last attempt (0: none yet).
    pub at: u64,
    pub ok: bool,
    /// What failed, for the log and the admin endpoint only: messages can quote the files.
    #[serde(skip)]
    pub error: Option<String>,
    /// How many problems the last failed reload found (the public side of `error`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problems: Option<usize>,
    /// Where they are: `file line N` only, never the message (which can quote the file).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub locations: Vec<String>,
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

/// Load `origin` and check its stories on a thread of its own: the blocking pool may be full
/// of tile cuts, and a reload must not wait for them. A story that does not check fails the
/// reload like a data file does (its errors in `file:line:col:` form).
async fn load_apart(origin: crate::dataset::Origin) -> Result<(Dataset, Stories), String> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    std::thread::Builder::new()
        .name("borderland-reload".into())
        .spawn(move || {
            let loaded = Dataset::load(&origin)
                .map_err(|e| (e.0.len(), e.to_string()))
                .and_then(|dataset| match crate::story::load(&dataset) {
                    Ok(stories) => Ok((dataset, stories)),
                    Err(e) => Err((e.0.len(), crate::story::error_text(&e))),
                });
            let _ = tx.send(loaded);
        })
        .map_err(|e| format!("cannot start the reload thread: {e}"))?;
    match rx.await {
        Ok(Ok(loaded)) => Ok(loaded),
        Ok(Err((_, text))) => Err(text),
        Err(_) => Err("the reload thread stopped without an answer".into()),
    }
}

/// Rebuild the dataset from its origin and swap it in. Returns the new version, or the
/// error (the old data keeps serving).
pub async fn reload(state: &Arc<AppState>) -> Result<String, String> {
    let _guard = state.reloader.running.lock().await;
    let result = swap_in(state).await;
    give_back_freed_memory();
    result
}

/// Load the data apart from the serving one and swap it in, or keep serving the old.
async fn swap_in(state: &Arc<AppState>) -> Result<String, String> {
    let origin = state.dataset.load().origin.clone();
    let result = load_apart(origin).await;
    let mut status = state
        .reloader
        .status
        .lock()
        .map_err(|_| "reload status poisoned".to_string())?;
    status.at = now();
    match result {
        Ok((dataset, stories)) => {
            let version = dataset.version.clone();
            let old = state.dataset.swap(Arc::new(dataset));
            state.stories.store(Arc::new(stories));
            if old.version != version {
                // Keys carry the version, so old tiles are never served; drop them now to
                // give their memory back.
                state.cache.clear();
            }
            drop(old);
            status.ok = true;
            status.error = None;
            status.problems = None;
            status.locations.clear();
            status.count += 1;
            tracing::info!(%version, "data reloaded");
            Ok(version)
        }
        Err(text) => {
            tracing::error!(
                "reload failed; still serving version {}:\n{text}",
                state.dataset.load().version
            );
            status.ok = false;
            status.problems = Some(text.lines().count().max(1));
            status.locations = locations(&text);
            status.error = Some(text.clone());
            status.failures += 1;
            Err(text)
        }
    }
}

/// Return the heap pages the old (or the failed) dataset freed to the system. glibc keeps
/// them for reuse otherwise: a reload from a million-row table back to small data kept
/// 2.3 GB. Requests still holding the old dataset free their part when they finish; the
/// next reload trims that.
fn give_back_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // On a thread of its own, like the reload: trimming a few GB walks every arena and
        // takes milliseconds, and the blocking pool may be busy with tile cuts.
        let _ = std::thread::Builder::new()
            .name("malloc-trim".into())
            .spawn(|| {
                // SAFETY: malloc_trim only releases free pages of the allocator's own
                // arenas; it takes no pointers and may be called from any thread.
                unsafe { libc::malloc_trim(0) }
            });
    }
}

/// The `file line N[ column C]` prefix of each error line (as `LoadError` writes them), or
/// the `file:line:col` of a story error, at most 20: where the problems are, without what the
/// files say.
fn locations(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for line in text.lines() {
        let place = located_prefix(line)
            .unwrap_or_else(|| line.split([':', ',']).next().unwrap_or(""))
            .trim();
        if !place.is_empty() && !out.iter().any(|o| o == place) {
            out.push(place.to_string());
        }
        if out.len() == 20 {
            break;
        }
    }
    out
}

/// `file:line:col` at the start of a `file:line:col: message` line.
fn located_prefix(line: &str) -> Option<&str> {
    let mut end = 0;
    let mut numbers = 0;
    for (i, part) in line.split(':').enumerate() {
        if i > 0 && !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()) {
            numbers += 1;
            end += part.len() + 1;
            if numbers == 2 {
                return Some(&line[..end]);
            }
        } else if i == 0 {
            end = part.len();
        } else {
            return None;
        }
    }
    None
}

/// What a change to one file looks like: size, modification time, and whether it can be
/// opened (a file made unreadable is a change too).
#[derive(Clone, Debug, PartialEq)]
struct FileState {
    meta: Option<(u64, SystemTime)>,
    readable: bool,
}

fn fingerprint(files: &[PathBuf]) -> Vec<(PathBuf, FileState)> {
    files
        .iter()
        .map(|f| {
            let meta = std::fs::metadata(f).ok();
            // Only regular files are opened: opening a pipe would block until a writer comes.
            let readable = match &meta {
                Some(m) if m.is_file() => std::fs::File::open(f).is_ok(),
                _ => true,
            };
            let state = FileState {
                meta: meta.map(|m| (m.len(), m.modified().unwrap_or(UNIX_EPOCH))),
                readable,
            };
            (f.clone(), state)
        })
        .collect()
}

/// How long files must stay unchanged before they are read: a slow writer (a script
/// appending rows, a copy over a network share) pauses between writes.
pub const STABLE_FOR: Duration = Duration::from_millis(1500);
/// How long a table whose last line is incomplete is waited for before it is read anyway.
pub const INCOMPLETE_GRACE: Duration = Duration::from_secs(10);
const SETTLE_POLL: Duration = Duration::from_millis(250);

/// A CSV or TSV whose last byte is not a line end is probably still being written.
fn ends_mid_line(path: &Path) -> bool {
    use std::io::{Read, Seek, SeekFrom};
    let table = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("csv") || e.eq_ignore_ascii_case("tsv"));
    if !table {
        return false;
    }
    let Ok(mut f) = std::fs::File::open(path) else {
        return false;
    };
    let mut last = [0u8; 1];
    match f.seek(SeekFrom::End(-1)) {
        Ok(_) => f.read_exact(&mut last).is_ok() && last[0] != b'\n' && last[0] != b'\r',
        Err(_) => false, // empty
    }
}

/// Wait until the files have not changed for [`STABLE_FOR`] (and, up to
/// [`INCOMPLETE_GRACE`] longer, until no table ends mid-line); returns their state then.
async fn settle(files: &[PathBuf]) -> Vec<(PathBuf, FileState)> {
    let mut settled = fingerprint(files);
    let mut still_since = tokio::time::Instant::now();
    loop {
        tokio::time::sleep(SETTLE_POLL).await;
        let again = fingerprint(files);
        if again != settled {
            settled = again;
            still_since = tokio::time::Instant::now();
            continue;
        }
        let still = still_since.elapsed();
        if still < STABLE_FOR {
            continue;
        }
        let incomplete = files
            .iter()
            .filter(|f| ends_mid_line(f))
            .collect::<Vec<_>>();
        if incomplete.is_empty() {
            return settled;
        }
        if still >= STABLE_FOR + INCOMPLETE_GRACE {
            tracing::warn!(
                "reading {} although its last line is incomplete",
                incomplete[0].display()
            );
            return settled;
        }
    }
}

/// The files of an origin and their state, taken before the data is loaded: a change made
/// while it loads is then a change the watcher sees.
pub struct Watcher {
    files: Vec<PathBuf>,
    seen: Vec<(PathBuf, FileState)>,
}

impl Watcher {
    /// Take the state of `origin`'s files; call it before loading them.
    pub fn before_load(origin: &crate::dataset::Origin) -> Watcher {
        let files = origin.watched_files();
        let seen = fingerprint(&files);
        Watcher { files, seen }
    }

    /// Poll the data files every `interval` and reload when they change and have been still
    /// for a while (editors and scripts save in several writes). Polling needs no platform
    /// watcher and works on network file systems and in containers alike. The files' state is
    /// taken before each load, so an edit made during a reload is seen and loaded next.
    ///
    /// Database layers are followed the same way: their databases' change counters are
    /// polled, and a `NOTIFY borderland` (from the change trigger) wakes the loop at once. A
    /// database that cannot be reached changes nothing: the last good data keeps serving.
    pub async fn run(self, state: Arc<AppState>, interval: Duration) {
        let Watcher {
            mut files,
            mut seen,
        } = self;
        let notified = Arc::new(tokio::sync::Notify::new());
        state.dataset.load().listen_for_changes(&notified);
        let mut seen_db = database_token(&state).await;
        loop {
            tokio::select! {
                _ = tokio::time::sleep(interval) => {}
                _ = notified.notified() => {}
            }
            let files_changed = fingerprint(&files) != seen;
            let db = database_token(&state).await;
            if !files_changed {
                if db.is_some() && db != seen_db {
                    tracing::info!("the database changed; reloading");
                    if reload(&state).await.is_ok() {
                        seen_db = db;
                    }
                }
                continue;
            }
            let before = settle(&files).await;
            tracing::info!("data files changed; reloading");
            let _ = reload(&state).await;
            files = state.dataset.load().origin.watched_files();
            // What the reload read is `before`: a file written since differs from it and is
            // reloaded on the next poll. Files the catalog names only now are taken as they are.
            let fresh = fingerprint(&files);
            seen = fresh
                .into_iter()
                .map(
                    |(path, now)| match before.iter().find(|(p, _)| *p == path) {
                        Some((_, then)) => (path, then.clone()),
                        None => (path, now),
                    },
                )
                .collect();
            seen_db = database_token(&state).await;
        }
    }
}

/// The current dataset's database change counters, read off the async executor (`None`
/// without database layers, or while a database cannot be reached).
async fn database_token(state: &Arc<AppState>) -> Option<String> {
    let dataset = state.dataset.load_full();
    tokio::task::spawn_blocking(move || dataset.change_token())
        .await
        .ok()
        .flatten()
}
