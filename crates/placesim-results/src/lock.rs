//! One writer per results folder: an advisory lock on `.lock` inside it,
//! held for as long as a command writes there, holding the writer's pid.
//!
//! The lock is the operating system's (`flock`), so it dies with its
//! process: a lock file a killed process left behind does not block. The
//! writer removes the file when it is done, so a finished folder holds only
//! results; a file left by a killed process holds only a pid, and `--force`
//! and the folder rules ignore it. It is the one file of a folder not
//! written atomically: it must stay the file that is locked.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{self, Read, Seek, Write};
use std::path::{Path, PathBuf};

/// The lock file's name inside a results folder.
pub const LOCK: &str = ".lock";

/// The lock on a folder, released when dropped.
#[derive(Debug)]
pub struct FolderLock {
    /// Held open: closing it releases the lock.
    _file: File,
    path: PathBuf,
}

/// Why a folder could not be locked.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Another process writes into the folder.
    #[error("{} is in use by another placesim (pid {pid}); wait for it to finish or choose another --out", folder.display())]
    Held { folder: PathBuf, pid: String },
    #[error("cannot lock {}: {source}", path.display())]
    Io { path: PathBuf, source: io::Error },
}

impl FolderLock {
    /// Lock the existing folder `dir` for this process, or say who holds it.
    pub fn take(dir: &Path) -> Result<FolderLock, LockError> {
        let path = dir.join(LOCK);
        let io = |source| LockError::Io {
            path: path.clone(),
            source,
        };
        let mut file = loop {
            let file = OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(&path)
                .map_err(io)?;
            match file.try_lock() {
                // A writer that finished between our open and our lock removed
                // the file we hold: lock the one under the name instead.
                Ok(()) if !same_file(&file, &path) => continue,
                Ok(()) => break file,
                Err(TryLockError::WouldBlock) => {
                    let mut file = file;
                    let mut pid = String::new();
                    let _ = file.read_to_string(&mut pid);
                    let pid = match pid.trim() {
                        "" => "unknown".to_string(),
                        p => p.to_string(),
                    };
                    return Err(LockError::Held {
                        folder: dir.to_path_buf(),
                        pid,
                    });
                }
                Err(TryLockError::Error(e)) => return Err(io(e)),
            }
        };
        file.set_len(0).map_err(io)?;
        file.rewind().map_err(io)?;
        writeln!(file, "{}", std::process::id()).map_err(io)?;
        Ok(FolderLock { _file: file, path })
    }
}

/// Whether `file` is still the file named `path` (not removed or replaced).
#[cfg(unix)]
fn same_file(file: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), std::fs::metadata(path)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn same_file(_: &File, path: &Path) -> bool {
    path.is_file()
}

impl Drop for FolderLock {
    fn drop(&mut self) {
        // Removed while still locked, so a finished folder holds only results.
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Whether a folder holds nothing but (perhaps) its lock file.
pub fn is_empty_but_lock(dir: &Path) -> io::Result<bool> {
    for entry in std::fs::read_dir(dir)? {
        if entry?.file_name() != LOCK {
            return Ok(false);
        }
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_names_the_holder_and_a_released_one_is_free() {
        let dir = std::env::temp_dir().join(format!("placesim-lock-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let held = FolderLock::take(&dir).unwrap();
        let pid = std::process::id().to_string();
        match FolderLock::take(&dir) {
            Err(LockError::Held { pid: p, .. }) => assert_eq!(p, pid),
            other => panic!("{other:?}"),
        }
        drop(held);
        assert!(!dir.join(LOCK).exists(), "a released lock leaves no file");
        std::fs::write(dir.join(LOCK), "999999\n").unwrap();
        assert!(is_empty_but_lock(&dir).unwrap());
        FolderLock::take(&dir).unwrap();
        let _ = std::fs::remove_dir_all(dir);
    }
}
