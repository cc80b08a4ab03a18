//! `placesim rerun`: one run of a sweep again, with its full weekly outputs.

use super::check_output_folder;
use crate::failure::Failure;
use crate::print::print_summary;
use std::path::{Path, PathBuf};

#[derive(clap::Args)]
pub struct Args {
    /// The sweep's results folder.
    pub dir: PathBuf,
    /// The run's run_id (first column of runs.csv).
    pub run_id: u64,
    /// Output folder [default: DIR/rerun-<RUN_ID>/].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Overwrite an earlier rerun in the output folder.
    #[arg(long)]
    pub force: bool,
}

pub fn rerun(dir: &Path, run_id: u64, out: Option<PathBuf>, force: bool) -> Result<(), Failure> {
    let out = out.unwrap_or_else(|| dir.join(format!("rerun-{run_id}")));
    check_output_folder(&out, force)?;
    let summary = placesim_batch::rerun(dir, run_id, &out)?;
    print_summary(&summary, &out);
    Ok(())
}
