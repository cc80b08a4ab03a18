//! placesim-batch: run a sweep — variants × replicates — as fast as the
//! machine allows, on common random numbers, into tidy files that resume.
//!
//! Each finished run is stored at once, atomically, as a folder of its own
//! under `DIR/runs/`; when every run is done the final files (`runs.csv`,
//! `timeseries.csv`, `agencies.csv`, `cost_shifting.csv`, `comparison.csv`)
//! are assembled from them in run order, streaming, so memory does not grow
//! with the number of runs and the bytes do not depend on thread count,
//! interruption or resumption. This crate does not draw pictures.

pub mod output;
pub mod shard;
mod store;

pub use shard::Shard;
pub use store::{
    merge, rerun, run_sweep, BatchError, MergeReport, Progress, SweepOptions, SweepReport,
};
