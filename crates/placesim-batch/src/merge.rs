//! Merging the folders of a sharded sweep into the one-machine results.

use crate::assemble::assemble;
use crate::folder::{lock_folder, prepare_folder};
use crate::manifest::{check_identity, read_manifest, write_manifest};
use crate::shard::Shard;
use crate::{io_err, write_json, BatchError};
use placesim_results::manifest::MANIFEST;
use placesim_results::{AtomicDir, Manifest, RunId, PROVENANCE};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// What a merge did.
#[derive(Clone, Debug)]
pub struct MergeReport {
    pub runs: u64,
    pub shards: u32,
    pub sweep: String,
}

/// Combine the folders of a sweep's shards into the sweep's final outputs in
/// `out`, byte for byte those of the same sweep run on one machine (only
/// `provenance.json` differs). Shards of different sweeps or splits are
/// refused (exit 2); missing shards, missing runs and failed runs are named
/// and nothing final is written (exit 1) — merge again once they are done.
pub fn merge(shards: &[PathBuf], out: &Path, force: bool) -> Result<MergeReport, BatchError> {
    let start = Instant::now();
    let (manifest, by_index) = shard_folders(shards)?;
    check_complete(&manifest, &by_index, out)?;
    let runs = stored_runs(&manifest, &by_index);
    // Every stored run is the one its shard's manifest says, unchanged.
    for (dir, id) in &runs {
        let seed = manifest.replicate_seeds[id.replicate as usize];
        placesim_results::stored::verify(&id.folder(dir), seed).map_err(|why| {
            BatchError::BadInput(format!(
                "cannot merge: {why}; run that shard again with --force, or rerun the run. Nothing was written to {}",
                out.display()
            ))
        })?;
    }
    let mut whole = manifest.clone();
    whole.shard = None;
    whole.failed_runs = Vec::new();
    // The results folder: new, or an earlier merge of the same sweep (merging again is allowed).
    let resume = !force && out.join(MANIFEST).is_file();
    let locked = lock_folder(out, resume)?;
    if let Err(e) = prepare_folder(out, &whole, resume, force) {
        if locked.created {
            drop(locked.lock);
            let _ = fs::remove_dir_all(out);
        }
        return Err(e);
    }
    for (dir, id) in &runs {
        copy_run(&id.folder(dir), &id.folder(out))?;
    }
    write_manifest(out, &whole)?;
    assemble(out, &whole)?;
    let provenance = serde_json::json!({
        "placesim_version": env!("CARGO_PKG_VERSION"),
        "merged_from": shards.iter().map(|d| d.display().to_string()).collect::<Vec<_>>(),
        "finished_unix_secs": SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0),
        "merge_wall_secs": start.elapsed().as_secs_f64(),
        "runs_total": runs.len(),
        "host": fs::read_to_string("/etc/hostname").map(|h| h.trim().to_string()).unwrap_or_default(),
    });
    write_json(&out.join(PROVENANCE), &provenance)?;
    Ok(MergeReport {
        runs: runs.len() as u64,
        shards: by_index.len() as u32,
        sweep: whole.sweep,
    })
}

/// Copy a stored run into place atomically.
fn copy_run(from: &Path, to: &Path) -> Result<(), BatchError> {
    if to.is_dir() {
        return Ok(());
    }
    let copy = || -> io::Result<()> {
        let folder = AtomicDir::create(to)?;
        for entry in fs::read_dir(from)? {
            let entry = entry?;
            fs::copy(entry.path(), folder.temporary().join(entry.file_name()))?;
        }
        folder.commit()
    };
    copy().map_err(io_err(format!(
        "copying {} to {}",
        from.display(),
        to.display()
    )))
}

/// The shard folders given, by shard index, with the first one's manifest:
/// every folder a shard of the same sweep, split and run the same way, and
/// each shard given once.
fn shard_folders(shards: &[PathBuf]) -> Result<(Manifest, Vec<Option<PathBuf>>), BatchError> {
    if shards.is_empty() {
        return Err(BatchError::BadInput(
            "give at least one shard folder to merge".into(),
        ));
    }
    let mut first: Option<(PathBuf, Manifest)> = None;
    let mut by_index: Vec<Option<PathBuf>> = Vec::new();
    for dir in shards {
        let m = read_manifest(dir)?;
        check_identity(dir, &m)?;
        let Some(shard) = m.shard.map(Shard::from) else {
            return Err(BatchError::BadInput(format!(
                "{} holds a whole sweep, not a shard; only shard folders (from `placesim sweep --shard`) are merged",
                dir.display()
            )));
        };
        if let Some((f, fm)) = &first {
            if m.sweep_hash != fm.sweep_hash {
                return Err(BatchError::BadInput(format!(
                    "{} is a shard of a different sweep (`{}`, hash {}) than {} (`{}`, hash {}); merge shards of one sweep",
                    dir.display(), m.sweep, m.sweep_hash, f.display(), fm.sweep, fm.sweep_hash
                )));
            }
            let fs_ = fm.shard.map_or(shard, Shard::from);
            if shard.count != fs_.count
                || m.replicates != fm.replicates
                || m.every_weeks != fm.every_weeks
            {
                return Err(BatchError::BadInput(format!(
                    "{} was split or run differently ({} shards, {} replicates, every {} weeks) from {} ({} shards, {} replicates, every {} weeks)",
                    dir.display(), shard.count, m.replicates, m.every_weeks,
                    f.display(), fs_.count, fm.replicates, fm.every_weeks
                )));
            }
        } else {
            by_index = vec![None; shard.count as usize];
            first = Some((dir.clone(), m.clone()));
        }
        let slot = &mut by_index[shard.index as usize];
        if let Some(other) = slot {
            return Err(BatchError::BadInput(format!(
                "shard {} of {} is given twice: {} and {}",
                shard.index,
                shard.count,
                other.display(),
                dir.display()
            )));
        }
        *slot = Some(dir.clone());
    }
    let Some((_, manifest)) = first else {
        return Err(BatchError::BadInput(
            "give at least one shard folder to merge".into(),
        ));
    };
    Ok((manifest, by_index))
}

/// Every shard and every run of the sweep present, and none failed;
/// otherwise say which, and that nothing was written to `out`.
fn check_complete(
    manifest: &Manifest,
    by_index: &[Option<PathBuf>],
    out: &Path,
) -> Result<(), BatchError> {
    let count = by_index.len() as u32;
    // Every run of the sweep, where it should be.
    let grid = manifest.grid();
    let mut missing_shards = Vec::new();
    let mut missing_runs: Vec<(u32, u64)> = Vec::new();
    let mut failed = Vec::new();
    for (k, dir) in by_index.iter().enumerate() {
        let shard = Shard {
            index: k as u32,
            count,
        };
        let Some(dir) = dir else {
            missing_shards.push(shard);
            continue;
        };
        failed.extend(read_manifest(dir)?.failed_runs);
        for id in grid.runs() {
            if shard.holds(id, grid) && !id.folder(dir).is_dir() {
                missing_runs.push((shard.index, grid.flat(id)));
            }
        }
    }
    if !missing_shards.is_empty() || !missing_runs.is_empty() || !failed.is_empty() {
        let mut why = Vec::new();
        if !missing_shards.is_empty() {
            let names: Vec<String> = missing_shards
                .iter()
                .map(|s| format!("{} ({})", s.index, s.folder_name()))
                .collect();
            why.push(format!("missing shards of {count}: {}", names.join(", ")));
        }
        if !missing_runs.is_empty() {
            let mut shards_short: Vec<u32> = missing_runs.iter().map(|(k, _)| *k).collect();
            shards_short.dedup();
            let ids: Vec<String> = missing_runs
                .iter()
                .take(10)
                .map(|(_, id)| id.to_string())
                .collect();
            why.push(format!(
                "{} runs not finished in shards {:?} (run_id {}{}); run those shards again (they resume)",
                missing_runs.len(),
                shards_short,
                ids.join(", "),
                if missing_runs.len() > 10 { ", …" } else { "" }
            ));
        }
        if !failed.is_empty() {
            let ids: Vec<String> = failed
                .iter()
                .map(|f| {
                    format!(
                        "{} ({} replicate {}: {})",
                        f.run_id, f.variant, f.replicate, f.error
                    )
                })
                .collect();
            why.push(format!("failed runs: {}", ids.join("; ")));
        }
        return Err(BatchError::Incomplete(format!(
            "cannot merge sweep `{}` yet: {}. Nothing was written to {}; merge again when they are done.",
            manifest.sweep,
            why.join("; "),
            out.display()
        )));
    }
    Ok(())
}

/// Every run of the sweep with the shard folder that holds it, in run order
/// within each shard (every shard is present: `check_complete` said so).
fn stored_runs<'a>(manifest: &Manifest, by_index: &'a [Option<PathBuf>]) -> Vec<(&'a Path, RunId)> {
    let count = by_index.len() as u32;
    let grid = manifest.grid();
    let mut runs = Vec::new();
    for (k, dir) in by_index.iter().enumerate() {
        let shard = Shard {
            index: k as u32,
            count,
        };
        let Some(dir) = dir else { continue };
        for id in grid.runs() {
            if shard.holds(id, grid) {
                runs.push((dir.as_path(), id));
            }
        }
    }
    runs
}
