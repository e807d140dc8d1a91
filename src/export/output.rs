//! Where an export lands: one export at a time per output (a lock file beside it; a second
//! export to the same path is refused with a clear message), everything written first to a
//! staging path unique to this process, and moved into place only when complete. A failed
//! export removes its staging; a folder export replaces the old folder as a whole, so tiles
//! that the new export does not write (a retracted claim's) are not left published.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use super::ExportError;

/// The exclusive right to write `out`, held until dropped.
pub struct OutputLock {
    path: PathBuf,
    _file: File,
}

/// `.NAME.suffix` beside `out` (hidden, in the same folder so a rename is atomic).
fn beside(out: &Path, suffix: &str) -> PathBuf {
    let mut name = std::ffi::OsString::from(".");
    name.push(out.file_name().unwrap_or_default());
    name.push(suffix);
    out.with_file_name(name)
}

impl OutputLock {
    /// Lock `out`, or say that another export holds it.
    pub fn acquire(out: &Path) -> Result<OutputLock, ExportError> {
        if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)
                .map_err(|e| ExportError::io(parent, "create the folder", e))?;
        }
        let path = beside(out, ".lock");
        loop {
            let file = std::fs::OpenOptions::new()
                .create(true)
                .truncate(false)
                .write(true)
                .open(&path)
                .map_err(|e| ExportError::io(&path, "create the lock file", e))?;
            match file.try_lock() {
                Ok(()) => {}
                Err(std::fs::TryLockError::WouldBlock) => {
                    return Err(ExportError(format!(
                        "{}: another export is writing it now; wait for it to finish or choose another output",
                        out.display()
                    )));
                }
                Err(std::fs::TryLockError::Error(e)) => {
                    return Err(ExportError::io(&path, "lock", e));
                }
            }
            // The holder before us may have removed the file after we opened it: the lock
            // counts only if the path still names the file we locked.
            if same_file(&file, &path) {
                return Ok(OutputLock { path, _file: file });
            }
        }
    }
}

#[cfg(unix)]
fn same_file(file: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), std::fs::metadata(path)) {
        (Ok(a), Ok(b)) => a.ino() == b.ino() && a.dev() == b.dev(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn same_file(_: &File, path: &Path) -> bool {
    path.exists()
}

impl Drop for OutputLock {
    fn drop(&mut self) {
        // Removed while still locked, so a waiting export re-checks and takes a fresh file.
        let _ = std::fs::remove_file(&self.path);
    }
}

/// A file or folder being written for `out`; removed on drop unless [`Staged::commit`]ted.
pub struct Staged {
    pub path: PathBuf,
    out: PathBuf,
    committed: bool,
}

static STAGE: AtomicU64 = AtomicU64::new(0);

impl Staged {
    /// A staging path for `out`, unique to this process and call.
    pub fn new(out: &Path) -> Staged {
        let n = STAGE.fetch_add(1, Ordering::Relaxed);
        Staged {
            path: beside(out, &format!(".{}-{n}.partial", std::process::id())),
            out: out.to_path_buf(),
            committed: false,
        }
    }

    /// Move a staged file over `out` (atomic on one file system).
    pub fn commit_file(mut self) -> Result<(), ExportError> {
        std::fs::rename(&self.path, &self.out)
            .map_err(|e| ExportError::io(&self.out, "move into place", e))?;
        self.committed = true;
        Ok(())
    }

    /// Replace the folder `out` by the staged folder (check it first with
    /// [`check_replaceable`]).
    pub fn commit_dir(mut self) -> Result<(), ExportError> {
        if self.out.exists() {
            let old = beside(&self.out, &format!(".{}.old", std::process::id()));
            std::fs::rename(&self.out, &old)
                .map_err(|e| ExportError::io(&self.out, "move the previous export aside", e))?;
            if let Err(e) = std::fs::rename(&self.path, &self.out) {
                let _ = std::fs::rename(&old, &self.out);
                return Err(ExportError::io(&self.out, "move into place", e));
            }
            if let Err(e) = std::fs::remove_dir_all(&old) {
                tracing::warn!("{}: cannot remove the previous export: {e}", old.display());
            }
        } else {
            std::fs::rename(&self.path, &self.out)
                .map_err(|e| ExportError::io(&self.out, "move into place", e))?;
        }
        self.committed = true;
        Ok(())
    }
}

/// Refuse to replace a folder that is not empty and is not an export of this kind.
pub fn check_replaceable(out: &Path, marker: &str) -> Result<(), ExportError> {
    if !out.exists() {
        return Ok(());
    }
    if !out.is_dir() {
        return Err(ExportError(format!(
            "{}: exists and is not a folder; remove it or choose another output",
            out.display()
        )));
    }
    let empty = std::fs::read_dir(out)
        .map_err(|e| ExportError::io(out, "read the folder", e))?
        .next()
        .is_none();
    if empty || out.join(marker).is_file() {
        Ok(())
    } else {
        Err(ExportError(format!(
            "{}: holds files that are not a borderland export (no {marker}); an export replaces the whole folder, so choose a new or empty folder",
            out.display()
        )))
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        if self.committed {
            return;
        }
        let _ = if self.path.is_dir() {
            std::fs::remove_dir_all(&self.path)
        } else {
            std::fs::remove_file(&self.path)
        };
    }
}
