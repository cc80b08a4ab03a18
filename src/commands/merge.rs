//! `placesim merge`: the shard folders of a sweep into its final outputs.

use super::plot::plot;
use crate::failure::Failure;
use crate::print::print_comparison;
use std::path::{Path, PathBuf};

#[derive(clap::Args)]
pub struct Args {
    /// Shard folders (OUT/shard-KKKK-of-NNNN from `placesim sweep --shard`).
    #[arg(required = true)]
    pub shards: Vec<PathBuf>,
    /// Results folder for the merged sweep.
    #[arg(long)]
    pub out: PathBuf,
    /// Replace the results of an earlier, different sweep in --out.
    #[arg(long)]
    pub force: bool,
    /// Print nothing but errors.
    #[arg(long)]
    pub quiet: bool,
}

pub fn merge(shards: &[PathBuf], out: &Path, force: bool, quiet: bool) -> Result<(), Failure> {
    let report = placesim_batch::merge(shards, out, force)?;
    plot(out, quiet)?;
    if !quiet {
        println!(
            "merged {} shards of sweep `{}`: {} runs",
            report.shards, report.sweep, report.runs
        );
        print_comparison(&out.join("comparison.csv"));
        println!("results in {}", out.display());
    }
    Ok(())
}
