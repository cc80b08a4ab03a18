//! Reading a results folder through its contract (`placesim-results`),
//! refusing one that is missing files, truncated or not a results folder.

use placesim_results::RunsTable;
use placesim_results::{comparison, ComparisonRow, Manifest, ManifestError, ReadError};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Why the charts could not be drawn.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    /// The folder is not a complete, readable results folder (exit code 2).
    #[error("{0}")]
    BadInput(String),
    /// Writing a chart failed (exit code 1).
    #[error("{0}")]
    Io(String),
}

impl From<ReadError> for PlotError {
    fn from(e: ReadError) -> PlotError {
        PlotError::BadInput(e.to_string())
    }
}

/// Every row of the table `name` in `dir`, by column name; a damaged one is bad input.
pub(crate) fn read_table<T: serde::de::DeserializeOwned>(
    dir: &Path,
    name: &str,
) -> Result<Vec<T>, PlotError> {
    placesim_results::table::Table::open(&dir.join(name))
        .and_then(|t| t.rows().collect())
        .map_err(|e| PlotError::BadInput(e.to_string()))
}

fn bad(path: &Path, what: impl std::fmt::Display) -> PlotError {
    PlotError::BadInput(format!("{}: {what}", path.display()))
}

/// One row of runs.csv, with its variant's index.
#[derive(Clone, Debug)]
pub struct Run {
    pub variant: usize,
    /// Swept parameter values, in the manifest's order (NaN when not a number).
    pub swept: Vec<f64>,
    pub outcomes: BTreeMap<String, f64>,
}

/// What the charts are drawn from; the time series stay on disk and are streamed.
#[derive(Clone, Debug)]
pub struct Results {
    pub dir: PathBuf,
    pub manifest: Manifest,
    /// The variants' names, in the sweep's order.
    pub variants: Vec<String>,
    pub runs: Vec<Run>,
    pub comparison: Vec<ComparisonRow>,
}

impl Results {
    pub fn baseline_index(&self) -> usize {
        self.manifest.baseline_index().unwrap_or(0)
    }

    /// The variant set against the baseline in the before/after charts: the one
    /// with the largest mean cut in crisis events (so no variant is chosen by name).
    pub fn contrast_index(&self) -> usize {
        let best = self
            .comparison
            .iter()
            .filter(|c| c.outcome == "crisis_events")
            .min_by(|a, b| a.mean_diff.total_cmp(&b.mean_diff));
        best.and_then(|c| self.variants.iter().position(|v| *v == c.variant))
            .unwrap_or(0)
    }

    /// The index of the variant of run `run_id`, if the sweep has that run.
    pub fn variant_of(&self, run_id: u64) -> Option<usize> {
        self.manifest
            .grid()
            .run(run_id)
            .map(|id| id.variant as usize)
    }

    pub fn load(dir: &Path) -> Result<Self, PlotError> {
        if !dir.is_dir() {
            return Err(bad(
                dir,
                "is not a folder; give a sweep's results folder (made by `placesim sweep`)",
            ));
        }
        let manifest = match Manifest::read(dir) {
            Ok(m) => m,
            Err(ManifestError::Unreadable(_)) => {
                return Err(bad(
                    dir,
                    "is not a placesim sweep results folder: it has no manifest.json",
                ));
            }
            Err(ManifestError::Damaged(e)) => {
                return Err(bad(
                    &dir.join(placesim_results::manifest::MANIFEST),
                    format!("is damaged ({e})"),
                ));
            }
        };
        if manifest.variants.is_empty() {
            return Err(bad(
                &dir.join(placesim_results::manifest::MANIFEST),
                "lists no variants",
            ));
        }
        for f in placesim_results::FINAL_FILES
            .into_iter()
            .filter(|f| f.ends_with(".csv"))
        {
            if !dir.join(f).is_file() {
                return Err(bad(dir, format!("{f} is missing; is the sweep finished? (`placesim sweep --resume` finishes it)")));
            }
        }
        let mut r = Results {
            dir: dir.to_path_buf(),
            variants: manifest.variants.iter().map(|v| v.name.clone()).collect(),
            manifest,
            runs: Vec::new(),
            comparison: Vec::new(),
        };
        r.runs = read_runs(&dir.join(placesim_results::runs::RUNS), &r)?;
        r.comparison = comparison::read(&dir.join(comparison::COMPARISON))?;
        Ok(r)
    }
}

fn read_runs(path: &Path, r: &Results) -> Result<Vec<Run>, PlotError> {
    let table = RunsTable::read(path, &r.manifest.swept)?;
    if table.rows.is_empty() {
        return Err(bad(path, "has no runs"));
    }
    table
        .rows
        .into_iter()
        .map(|row| {
            let variant = r.variant_of(row.run_id).ok_or_else(|| {
                bad(
                    path,
                    format!("run {} is outside the sweep in manifest.json", row.run_id),
                )
            })?;
            Ok(Run {
                variant,
                swept: row.swept,
                outcomes: row.outcomes,
            })
        })
        .collect()
}
