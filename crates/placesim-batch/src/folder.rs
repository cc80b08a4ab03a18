//! The rules of a results folder: a new one is made, a sweep's own folder
//! is resumed or forced, anything else is refused before a file is touched.

use crate::shard::Shard;
use crate::{io_err, BatchError};
use placesim_results::lock::is_empty_but_lock;
use placesim_results::{FolderLock, Manifest, ManifestError, FINAL_FILES, RUNS_DIR};
use std::fs;
use std::path::Path;

/// The lock on a results folder, and whether this command made the folder
/// (so a refusal can leave things as they were).
pub(crate) struct Locked {
    pub lock: Option<FolderLock>,
    pub created: bool,
}

/// Lock `out` for this process, making it first unless `resume` (a folder
/// to resume must exist; `prepare_folder` says so). A path that is a file
/// is left for `prepare_folder` to refuse.
pub(crate) fn lock_folder(out: &Path, resume: bool) -> Result<Locked, BatchError> {
    let created = match fs::metadata(out) {
        Ok(_) => false,
        Err(_) if resume => {
            return Ok(Locked {
                lock: None,
                created: false,
            })
        }
        Err(_) => {
            fs::create_dir_all(out).map_err(|e| {
                BatchError::BadInput(format!(
                    "cannot create results folder {}: {e}",
                    out.display()
                ))
            })?;
            true
        }
    };
    if !out.is_dir() {
        return Ok(Locked {
            lock: None,
            created,
        });
    }
    match FolderLock::take(out) {
        Ok(lock) => Ok(Locked {
            lock: Some(lock),
            created,
        }),
        Err(e) => {
            if created {
                let _ = fs::remove_dir_all(out);
            }
            Err(BatchError::BadInput(e.to_string()))
        }
    }
}

/// Make `out` ready for the sweep of manifest `m`: a new folder, the same
/// sweep to `resume` (with no fewer replicates), or one of ours to `force`
/// afresh (its final files and run folders deleted, nothing else).
pub(crate) fn prepare_folder(
    out: &Path,
    m: &Manifest,
    resume: bool,
    force: bool,
) -> Result<(), BatchError> {
    let name = out.display();
    if resume && force {
        return Err(BatchError::BadInput(
            "give --resume or --force, not both".into(),
        ));
    }
    match fs::metadata(out) {
        Ok(meta) if !meta.is_dir() => {
            return Err(BatchError::BadInput(format!(
                "results path {name} is a file, not a folder; give --out a folder"
            )))
        }
        Err(_) => {
            if resume {
                return Err(BatchError::BadInput(format!(
                    "nothing to resume: {name} does not exist"
                )));
            }
            return fs::create_dir_all(out.join(RUNS_DIR)).map_err(|e| {
                BatchError::BadInput(format!("cannot create results folder {name}: {e}"))
            });
        }
        Ok(_) => {}
    }
    // The lock file alone does not make a folder ours or someone else's.
    let non_empty = !is_empty_but_lock(out).map_err(io_err(format!("reading {name}")))?;
    let previous = Manifest::read(out);
    let has_manifest = !matches!(previous, Err(ManifestError::Unreadable(_)));
    if force {
        if non_empty && !has_manifest {
            return Err(BatchError::BadInput(format!(
                "{name} is not empty and is not a placesim results folder (no manifest.json); --force will not delete it; choose another --out"
            )));
        }
        let _ = fs::remove_dir_all(out.join(RUNS_DIR));
        for f in FINAL_FILES {
            let _ = fs::remove_file(out.join(f));
        }
        return fs::create_dir_all(out.join(RUNS_DIR))
            .map_err(io_err(format!("creating {name}/{RUNS_DIR}")));
    }
    if !non_empty {
        return fs::create_dir_all(out.join(RUNS_DIR))
            .map_err(io_err(format!("creating {name}/{RUNS_DIR}")));
    }
    if !resume {
        return Err(BatchError::BadInput(format!(
            "results folder {name} is not empty; add --resume to finish or extend that sweep, or --force to start again"
        )));
    }
    let old = match previous {
        Ok(old) => old,
        Err(ManifestError::Unreadable(_)) => {
            return Err(BatchError::BadInput(format!(
                "cannot resume: {name} has no manifest.json, so it is not a placesim results folder"
            )))
        }
        Err(ManifestError::Damaged(e)) => {
            return Err(BatchError::BadInput(format!(
                "cannot resume: {name}/manifest.json is damaged ({e}); use --force to start again"
            )))
        }
    };
    if let Some(why) =
        crate::manifest::ensemble_mismatch(old.ensemble.as_ref(), m.ensemble.as_ref())
    {
        return Err(BatchError::BadInput(format!(
            "cannot resume: {name} {why}; or use --force or another --out"
        )));
    }
    if old.sweep_hash != m.sweep_hash {
        return Err(BatchError::BadInput(format!(
            "cannot resume: {name} holds a different sweep (`{}`, hash {}; this one is `{}`, hash {}); use --force or another --out",
            old.sweep, old.sweep_hash, m.sweep, m.sweep_hash
        )));
    }
    if m.replicates < old.replicates {
        return Err(BatchError::BadInput(format!(
            "cannot resume with {} replicates: {name} already has {}; --replicates may only grow",
            m.replicates, old.replicates
        )));
    }
    fs::create_dir_all(out.join(RUNS_DIR)).map_err(io_err(format!("creating {name}/{RUNS_DIR}")))
}

/// A shard's folder may only be resumed by the same shard of the same split.
pub(crate) fn check_same_shard(out: &Path, shard: Shard) -> Result<(), BatchError> {
    let old = match Manifest::read(out) {
        Ok(old) => old,
        Err(ManifestError::Unreadable(_)) => return Ok(()),
        Err(ManifestError::Damaged(e)) => {
            return Err(BatchError::BadInput(format!(
                "{}/manifest.json is damaged: {e}",
                out.display()
            )))
        }
    };
    match old.shard {
        Some(s) if Shard::from(s) == shard => Ok(()),
        other => Err(BatchError::BadInput(format!(
            "{} holds {}, not shard {} of {}; use --force or another --out",
            out.display(),
            other.map_or("a whole sweep".to_string(), |s| format!(
                "shard {} of {}",
                s.index, s.count
            )),
            shard.index,
            shard.count
        ))),
    }
}
