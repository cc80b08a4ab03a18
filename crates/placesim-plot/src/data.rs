//! Reading a results folder, refusing one that is missing files, truncated or not a results folder.

use placesim_core::ComparisonRow;
use serde_json::Value;
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

fn bad(path: &Path, what: impl std::fmt::Display) -> PlotError {
    PlotError::BadInput(format!("{}: {what}", path.display()))
}

/// One row of runs.csv.
#[derive(Clone, Debug)]
pub struct Run {
    pub run_id: u64,
    pub variant: usize,
    /// Swept parameter values, in the manifest's order (NaN when not a number).
    pub swept: Vec<f64>,
    pub outcomes: BTreeMap<String, f64>,
}

/// What the charts are drawn from; the time series stay on disk and are streamed.
#[derive(Clone, Debug)]
pub struct Results {
    pub dir: PathBuf,
    pub sweep: String,
    pub description: String,
    pub baseline: String,
    pub variants: Vec<String>,
    pub replicates: u64,
    pub swept: Vec<String>,
    pub sweep_hash: String,
    pub sweep_seed: u64,
    pub version: String,
    pub failed_runs: usize,
    pub population: u64,
    pub weeks: u64,
    pub runs: Vec<Run>,
    pub comparison: Vec<ComparisonRow>,
}

impl Results {
    pub fn baseline_index(&self) -> usize {
        self.variants
            .iter()
            .position(|v| *v == self.baseline)
            .unwrap_or(0)
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

    pub fn load(dir: &Path) -> Result<Self, PlotError> {
        if !dir.is_dir() {
            return Err(bad(
                dir,
                "is not a folder; give a sweep's results folder (made by `placesim sweep`)",
            ));
        }
        let manifest_path = dir.join("manifest.json");
        let manifest: Value = match std::fs::read(&manifest_path) {
            Ok(b) => serde_json::from_slice(&b)
                .map_err(|e| bad(&manifest_path, format!("is damaged ({e})")))?,
            Err(_) => {
                return Err(bad(
                    dir,
                    "is not a placesim sweep results folder: it has no manifest.json",
                ));
            }
        };
        let text = |k: &str| manifest.get(k).and_then(Value::as_str).map(String::from);
        let variants: Vec<String> = manifest
            .get("variants")
            .and_then(Value::as_array)
            .map(|vs| {
                vs.iter()
                    .filter_map(|v| v.get("name").and_then(Value::as_str).map(String::from))
                    .collect()
            })
            .unwrap_or_default();
        let first = manifest
            .get("variants")
            .and_then(|v| v.get(0))
            .and_then(|v| v.get("params"))
            .and_then(|p| p.get("place"));
        let (Some(sweep), Some(baseline), Some(replicates)) = (
            text("sweep"),
            text("baseline"),
            manifest.get("replicates").and_then(Value::as_u64),
        ) else {
            return Err(bad(&manifest_path, "lacks sweep, baseline or replicates"));
        };
        if variants.is_empty() {
            return Err(bad(&manifest_path, "lists no variants"));
        }
        let swept: Vec<String> = manifest
            .get("swept")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(String::from)
                    .collect()
            })
            .unwrap_or_default();
        for f in [
            "runs.csv",
            "comparison.csv",
            "timeseries.csv",
            "agencies.csv",
            "cost_shifting.csv",
        ] {
            if !dir.join(f).is_file() {
                return Err(bad(dir, format!("{f} is missing; is the sweep finished? (`placesim sweep --resume` finishes it)")));
            }
        }
        let mut r = Results {
            dir: dir.to_path_buf(),
            sweep,
            description: text("description").unwrap_or_default(),
            baseline,
            replicates,
            swept,
            sweep_hash: text("sweep_hash").unwrap_or_default(),
            sweep_seed: manifest
                .get("sweep_seed")
                .and_then(Value::as_u64)
                .unwrap_or(0),
            version: text("placesim_version").unwrap_or_default(),
            failed_runs: manifest
                .get("failed_runs")
                .and_then(Value::as_array)
                .map_or(0, Vec::len),
            population: first
                .and_then(|p| p.get("population"))
                .and_then(Value::as_u64)
                .unwrap_or(0),
            weeks: first
                .and_then(|p| p.get("ticks"))
                .and_then(Value::as_u64)
                .unwrap_or(0),
            variants,
            runs: Vec::new(),
            comparison: Vec::new(),
        };
        r.runs = read_runs(&dir.join("runs.csv"), &r)?;
        r.comparison = read_comparison(&dir.join("comparison.csv"))?;
        Ok(r)
    }
}

/// A CSV reader that refuses ragged (truncated) rows, with its header.
pub fn reader(path: &Path) -> Result<(csv::Reader<std::fs::File>, Vec<String>), PlotError> {
    let mut r = csv::ReaderBuilder::new()
        .flexible(false)
        .from_path(path)
        .map_err(|e| bad(path, format!("cannot be read ({e})")))?;
    let header: Vec<String> = r
        .headers()
        .map_err(|e| bad(path, format!("has no header ({e})")))?
        .iter()
        .map(String::from)
        .collect();
    Ok((r, header))
}

/// Parse a number field, naming file, line and column when it is not one.
pub fn number(path: &Path, rec: &csv::StringRecord, i: usize, col: &str) -> Result<f64, PlotError> {
    let line = rec.position().map_or(0, |p| p.line());
    rec.get(i)
        .and_then(|x| x.parse::<f64>().ok())
        .ok_or_else(|| {
            bad(
                path,
                format!("line {line}, column `{col}`: not a number (is the file truncated?)"),
            )
        })
}

pub fn record(
    path: &Path,
    rec: Result<csv::StringRecord, csv::Error>,
) -> Result<csv::StringRecord, PlotError> {
    rec.map_err(|e| bad(path, format!("is truncated or damaged: {e}")))
}

pub fn column(path: &Path, header: &[String], name: &str) -> Result<usize, PlotError> {
    header
        .iter()
        .position(|h| h == name)
        .ok_or_else(|| bad(path, format!("has no column `{name}`")))
}

fn read_runs(path: &Path, r: &Results) -> Result<Vec<Run>, PlotError> {
    let (mut rd, header) = reader(path)?;
    let id = column(path, &header, "run_id")?;
    let first_outcome = 4 + r.swept.len();
    let mut runs = Vec::new();
    for rec in rd.records() {
        let rec = record(path, rec)?;
        let run_id = number(path, &rec, id, "run_id")? as u64;
        let variant = (run_id / r.replicates.max(1)) as usize;
        if variant >= r.variants.len() {
            return Err(bad(
                path,
                format!("run {run_id} is outside the sweep in manifest.json"),
            ));
        }
        let swept = (0..r.swept.len())
            .map(|k| {
                rec.get(4 + k)
                    .and_then(|x| x.parse().ok())
                    .unwrap_or(f64::NAN)
            })
            .collect();
        let mut outcomes = BTreeMap::new();
        for (i, name) in header.iter().enumerate().skip(first_outcome) {
            outcomes.insert(name.clone(), number(path, &rec, i, name)?);
        }
        runs.push(Run {
            run_id,
            variant,
            swept,
            outcomes,
        });
    }
    if runs.is_empty() {
        return Err(bad(path, "has no runs"));
    }
    Ok(runs)
}

fn read_comparison(path: &Path) -> Result<Vec<ComparisonRow>, PlotError> {
    let (mut rd, _) = reader(path)?;
    rd.deserialize()
        .map(|row: Result<ComparisonRow, csv::Error>| {
            row.map_err(|e| bad(path, format!("is truncated or damaged: {e}")))
        })
        .collect()
}
