//! What a stored run folder (`runs/vVVVV-rRRRRRR/`) vouches for: `run.json`,
//! written last inside the folder before it appears, holds the run's seed
//! and an FNV-1a 64 checksum of each of its files. Whoever reads a stored
//! run back (resume, merge) checks it first, so a damaged, edited or
//! truncated file is named instead of assembled.

use crate::atomic::AtomicDir;
use crate::manifest::{fnv1a_hex, pretty_json};
use crate::runs;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::Path;

/// The record's name inside a run folder.
pub const RUN_RECORD: &str = "run.json";

/// A stored run's seed and its files' checksums.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunRecord {
    pub seed: u64,
    /// File name → FNV-1a 64 of its bytes, as 16 hex digits.
    pub files: BTreeMap<String, String>,
}

/// Write `run.json` for the files now in `folder` (call it last, before commit).
pub fn write_record(folder: &AtomicDir, seed: u64) -> io::Result<()> {
    let mut files = BTreeMap::new();
    for entry in fs::read_dir(folder.temporary())? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name != RUN_RECORD {
            files.insert(name, fnv1a_hex(&fs::read(entry.path())?));
        }
    }
    folder.write(RUN_RECORD, &pretty_json(&RunRecord { seed, files })?)
}

/// Check a stored run against its record and the seed it should have: every
/// file there and unchanged, and its outcomes a full row of numbers. The
/// error names the file and what is wrong with it.
pub fn verify(run_folder: &Path, seed: u64) -> Result<(), String> {
    let record_path = run_folder.join(RUN_RECORD);
    let record: RunRecord = fs::read(&record_path)
        .map_err(|e| format!("{}: cannot read it ({e})", record_path.display()))
        .and_then(|bytes| {
            serde_json::from_slice(&bytes)
                .map_err(|e| format!("{} is damaged ({e})", record_path.display()))
        })?;
    if record.seed != seed {
        return Err(format!(
            "{} records seed {}, but the manifest's seed for this run is {seed}",
            record_path.display(),
            record.seed
        ));
    }
    let mut present = Vec::new();
    for entry in fs::read_dir(run_folder).map_err(|e| format!("{}: {e}", run_folder.display()))? {
        let entry = entry.map_err(|e| format!("{}: {e}", run_folder.display()))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name == RUN_RECORD {
            continue;
        }
        let path = entry.path();
        let Some(sum) = record.files.get(&name) else {
            return Err(format!("{} is not one of the run's files", path.display()));
        };
        let bytes = fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        if &fnv1a_hex(&bytes) != sum {
            return Err(format!(
                "{} has changed since the run stored it (its checksum differs)",
                path.display()
            ));
        }
        present.push(name);
    }
    if let Some(missing) = record.files.keys().find(|n| !present.contains(n)) {
        return Err(format!("{} is missing", run_folder.join(missing).display()));
    }
    let path = run_folder.join(runs::OUTCOMES);
    let outcomes =
        runs::read_outcomes(run_folder).map_err(|e| format!("{}: {e}", path.display()))?;
    if outcomes.len() != runs::outcome_names().len() {
        return Err(format!(
            "{} holds {} outcomes where there should be {}",
            path.display(),
            outcomes.len(),
            runs::outcome_names().len()
        ));
    }
    Ok(())
}
