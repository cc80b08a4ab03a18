//! The one way placesim puts a file or a folder under its final name:
//! written under a temporary name in the same folder, synced, and renamed
//! when complete, so a killed process never leaves a truncated file or a
//! half-written run folder under a final name.
//!
//! The temporary name is `.tmp-<final name>`: hidden, beside its final name
//! (a rename within one folder is atomic), and ending like it, because some
//! writers that take only a path (an image encoder) choose the format by the
//! ending. A temporary that is not committed — an error on any path, a panic,
//! a value dropped — is removed, so nothing but final files is left behind.

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// The temporary name of `path`: `.tmp-<name>` in the same folder.
pub fn temporary(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".tmp-{name}"))
}

/// Write `bytes` to `path` atomically.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut file = AtomicFile::create(path)?;
    file.write_all(bytes)?;
    file.commit()
}

/// A temporary path that becomes its final path on [`Staged::rename`] and is
/// removed in every other case.
struct Staged {
    tmp: PathBuf,
    path: PathBuf,
    folder: bool,
    renamed: bool,
}

impl Staged {
    fn new(path: &Path, folder: bool) -> Staged {
        Staged {
            tmp: temporary(path),
            path: path.to_path_buf(),
            folder,
            renamed: false,
        }
    }

    fn rename(mut self) -> io::Result<()> {
        fs::rename(&self.tmp, &self.path)?;
        self.renamed = true;
        Ok(())
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        if !self.renamed {
            // Cleaning up after a failure: the failure is what gets reported.
            let _ = if self.folder {
                fs::remove_dir_all(&self.tmp)
            } else {
                fs::remove_file(&self.tmp)
            };
        }
    }
}

/// A file written as a stream under its temporary name; [`AtomicFile::commit`]
/// syncs it and renames it into place. Dropped without commit, it is removed.
pub struct AtomicFile {
    out: BufWriter<File>,
    staged: Staged,
}

impl AtomicFile {
    pub fn create(path: &Path) -> io::Result<AtomicFile> {
        let file = File::create(temporary(path))?;
        Ok(AtomicFile {
            out: BufWriter::new(file),
            staged: Staged::new(path, false),
        })
    }

    /// The final path.
    pub fn path(&self) -> &Path {
        &self.staged.path
    }

    pub fn commit(self) -> io::Result<()> {
        let AtomicFile { out, staged } = self;
        let file = out.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        drop(file);
        staged.rename()
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.out.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// A temporary path for a writer that takes only a path and writes the file
/// itself (the PNG encoder); [`AtomicPath::commit`] syncs what it wrote and
/// renames it into place. Dropped without commit, the file is removed.
pub struct AtomicPath {
    staged: Staged,
}

impl AtomicPath {
    pub fn new(path: &Path) -> AtomicPath {
        AtomicPath {
            staged: Staged::new(path, false),
        }
    }

    /// Where the writer should write.
    pub fn temporary(&self) -> &Path {
        &self.staged.tmp
    }

    pub fn commit(self) -> io::Result<()> {
        File::open(&self.staged.tmp)?.sync_all()?;
        self.staged.rename()
    }
}

/// A folder filled under its temporary name; [`AtomicDir::commit`] syncs
/// every file in it and renames it into place, so the folder is either
/// there complete or not at all. Dropped without commit, it is removed.
pub struct AtomicDir {
    staged: Staged,
}

impl AtomicDir {
    /// Start the folder, replacing a temporary one a killed process left. A
    /// file in the way of the temporary folder is not ours: it is an error.
    pub fn create(path: &Path) -> io::Result<AtomicDir> {
        let tmp = temporary(path);
        let _ = fs::remove_dir_all(&tmp);
        fs::create_dir_all(&tmp)?;
        Ok(AtomicDir {
            staged: Staged::new(path, true),
        })
    }

    /// The temporary folder, to write the files into.
    pub fn temporary(&self) -> &Path {
        &self.staged.tmp
    }

    /// Write one file of the folder (synced on commit).
    pub fn write(&self, name: &str, bytes: &[u8]) -> io::Result<()> {
        fs::write(self.staged.tmp.join(name), bytes)
    }

    pub fn commit(self) -> io::Result<()> {
        for entry in fs::read_dir(&self.staged.tmp)? {
            File::open(entry?.path())?.sync_all()?;
        }
        self.staged.rename()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "placesim-results-atomic-{name}-{}",
            std::process::id()
        ));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut n: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        n.sort();
        n
    }

    #[test]
    fn a_committed_file_is_there_and_an_abandoned_one_leaves_nothing() {
        let dir = scratch("file");
        write_atomic(&dir.join("a.csv"), b"x\n").unwrap();
        let mut f = AtomicFile::create(&dir.join("b.csv")).unwrap();
        f.write_all(b"half").unwrap();
        assert_eq!(names(&dir), [".tmp-b.csv", "a.csv"]);
        drop(f);
        assert_eq!(names(&dir), ["a.csv"]);
        assert_eq!(fs::read(dir.join("a.csv")).unwrap(), b"x\n");
        let _ = fs::remove_dir_all(dir);
    }

    #[test]
    fn a_failed_rename_removes_the_temporary() {
        let dir = scratch("rename");
        fs::create_dir_all(dir.join("taken/inside")).unwrap();
        let mut f = AtomicFile::create(&dir.join("taken")).unwrap();
        f.write_all(b"x").unwrap();
        assert!(f.commit().is_err());
        assert_eq!(names(&dir), ["taken"]);
        let _ = fs::remove_dir_all(dir);
    }

    #[test]
    fn a_path_keeps_its_ending_and_is_removed_unless_committed() {
        let dir = scratch("path");
        let p = AtomicPath::new(&dir.join("chart.png"));
        assert!(p.temporary().to_string_lossy().ends_with(".tmp-chart.png"));
        fs::write(p.temporary(), b"png").unwrap();
        drop(p);
        assert!(names(&dir).is_empty());
        let p = AtomicPath::new(&dir.join("chart.png"));
        fs::write(p.temporary(), b"png").unwrap();
        p.commit().unwrap();
        assert_eq!(names(&dir), ["chart.png"]);
        let _ = fs::remove_dir_all(dir);
    }

    #[test]
    fn a_folder_appears_whole_and_a_file_in_its_way_is_left_alone() {
        let dir = scratch("dir");
        let d = AtomicDir::create(&dir.join("run")).unwrap();
        d.write("a.csv", b"1\n").unwrap();
        drop(d);
        assert!(names(&dir).is_empty());
        let d = AtomicDir::create(&dir.join("run")).unwrap();
        d.write("a.csv", b"1\n").unwrap();
        d.commit().unwrap();
        assert_eq!(names(&dir.join("run")), ["a.csv"]);
        fs::write(dir.join(".tmp-other"), b"in the way").unwrap();
        assert!(AtomicDir::create(&dir.join("other")).is_err());
        assert_eq!(fs::read(dir.join(".tmp-other")).unwrap(), b"in the way");
        let _ = fs::remove_dir_all(dir);
    }
}
