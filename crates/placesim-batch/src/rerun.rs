//! Rerunning one run of a sweep with its full weekly outputs.

use crate::manifest::read_manifest;
use crate::output::RunWriter;
use crate::start;
use crate::{io_err, BatchError};
use placesim_core::Summary;
use std::fs;
use std::path::Path;

/// Rerun run `run_id` of the sweep in `dir` with full weekly outputs (every
/// week, where the sweep kept every `every_weeks`-th) into `out`: from its
/// replicate's baseline burn-in, as the sweep ran it.
pub fn rerun(dir: &Path, run_id: u64, out: &Path) -> Result<Summary, BatchError> {
    let m = read_manifest(dir)?;
    let grid = m.grid();
    let Some(id) = grid.run(run_id) else {
        return Err(BatchError::BadInput(format!(
            "run {run_id} does not exist: the sweep has runs 0 to {}",
            grid.len().saturating_sub(1)
        )));
    };
    let p = start::run_params(&m, id).map_err(|e| {
        BatchError::BadInput(format!(
            "run {run_id} cannot be rebuilt from {}/manifest.json: {e}",
            dir.display()
        ))
    })?;
    fs::create_dir_all(out)
        .map_err(|e| BatchError::BadInput(format!("cannot create {}: {e}", out.display())))?;
    let shared = start::burn_in(&m, id.design_point, id.replicate, 1);
    let (mut run, kept) = start::start(shared.as_ref(), p, 1);
    let mut writer = RunWriter::create(out).map_err(io_err("creating outputs"))?;
    writer.kept(&kept).map_err(io_err("writing outputs"))?;
    run.to_end(|week| writer.week(&week))
        .map_err(io_err("writing outputs"))?;
    let finished = run.finish();
    writer
        .finish(&finished)
        .map_err(io_err("writing outputs"))?;
    Ok(finished.summary)
}
