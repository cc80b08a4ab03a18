//! placesim-batch: run a sweep — variants × replicates — as fast as the
//! machine allows, on common random numbers, into tidy files that resume.
//!
//! Each finished run is stored at once, atomically, as a folder of its own
//! under `DIR/runs/`; when every run is done the final files (`runs.csv`,
//! `timeseries.csv`, `agencies.csv`, `cost_shifting.csv`, `comparison.csv`)
//! are assembled from them in run order, streaming, so memory does not grow
//! with the number of runs and the bytes do not depend on thread count,
//! interruption or resumption. What each file holds is the contract in
//! `placesim-results`; this crate decides when it is written. It does not
//! draw pictures.
//!
//! Modules, one job each: `manifest` (a sweep's manifest), `folder` (new,
//! resumed or forced results folders), `sweep` (running the missing runs and
//! storing each), `assemble` (the final files from the stored runs),
//! `compare` (the paired statistics), `rerun`, `merge` (shards into one
//! sweep), `shard` (which shard runs which run), `start` (the burn-in each
//! replicate's variants share), `output` (one run's files).

mod assemble;
mod compare;
mod folder;
mod manifest;
mod merge;
pub mod output;
mod rerun;
mod sensitivity;
pub mod shard;
mod start;
mod sweep;

pub use merge::{merge, MergeReport};
pub use placesim_results::FailedRun;
pub use rerun::rerun;
pub use shard::Shard;
pub use sweep::{plan_sweep, run_sweep, Progress, SweepOptions, SweepPlan, SweepReport};

use placesim_results::manifest::pretty_json;
use placesim_results::write_atomic;
use serde::Serialize;
use std::io;
use std::path::Path;

/// What went wrong with a sweep as a whole.
#[derive(Debug, thiserror::Error)]
pub enum BatchError {
    /// The user's request cannot be carried out as given (exit code 2).
    #[error("{0}")]
    BadInput(String),
    /// Shards to merge are missing runs or hold failed ones (exit code 1; merge again later).
    #[error("{0}")]
    Incomplete(String),
    /// Reading or writing the results folder failed (exit code 1).
    #[error("{context}: {source}")]
    Io { context: String, source: io::Error },
}

fn io_err(context: impl Into<String>) -> impl FnOnce(io::Error) -> BatchError {
    let context = context.into();
    move |source| BatchError::Io { context, source }
}

/// Write a JSON file of the results folder atomically.
fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<(), BatchError> {
    pretty_json(value)
        .and_then(|bytes| write_atomic(path, &bytes))
        .map_err(io_err(format!("writing {}", path.display())))
}
