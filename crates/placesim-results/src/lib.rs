//! placesim-results: the contract of a sweep's results folder, defined once
//! for the code that writes it (`placesim-batch`) and the code that reads it
//! (`placesim-plot`, the command line).
//!
//! It is the typed `manifest.json` ([`Manifest`]); which run is which
//! ([`RunId`], the flat `run_id` of the files and the run folders'
//! names); the rows of `runs.csv`, `comparison.csv` and the sweep's time
//! series with their headers, written from and read back into types by
//! column name; and [`atomic`], the one way any file of placesim reaches its
//! final name, and [`lock`], the one writer per folder. It is not running simulations or deciding what a folder may
//! hold (new, resumed, forced: `placesim-batch`), computing statistics, or
//! drawing. Nobody reads these files by column position or the manifest as
//! untyped JSON: they read them through here.

pub mod atomic;
pub mod calibration;
pub mod comparison;
pub mod discovery;
pub mod lock;
pub mod manifest;
pub mod run_id;
pub mod runs;
pub mod sensitivity;
pub mod series;
pub mod stored;
pub mod table;

pub use atomic::{write_atomic, AtomicDir, AtomicFile, AtomicPath};
pub use comparison::ComparisonRow;
pub use lock::{FolderLock, LockError, LOCK};
pub use manifest::{
    defaults_hash, EnsembleMember, FailedRun, Manifest, ManifestDesign, ManifestEnsemble,
    ManifestError, ManifestShard, ManifestVariant, MODEL_VERSION,
};
pub use run_id::{RunGrid, RunId, RUNS_DIR};
pub use runs::{RunsRow, RunsTable};
pub use table::ReadError;

/// When, where and how fast a sweep ran: the one file of a results folder
/// that is not a function of the sweep alone.
pub const PROVENANCE: &str = "provenance.json";

/// The files a sweep writes at the top of its results folder (besides `runs/`).
pub const FINAL_FILES: [&str; 7] = [
    manifest::MANIFEST,
    PROVENANCE,
    runs::RUNS,
    series::TIMESERIES,
    series::AGENCIES,
    series::COST_SHIFTING,
    comparison::COMPARISON,
];
