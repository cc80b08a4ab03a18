//! The results folder of a sweep: its manifest, the per-run store, the final
//! files, and resuming.

use crate::shard::Shard;
use placesim_core::stats::Welford;
use placesim_core::{Params, Summary, World};
use placesim_results::manifest::{fnv1a_hex, pretty_json, MANIFEST};
use placesim_results::table::csv_bytes;
use placesim_results::{
    comparison, runs, series, write_atomic, AtomicDir, AtomicFile, ComparisonRow, FailedRun,
    Manifest, ManifestError, ManifestVariant, RunId, FINAL_FILES, MODEL_VERSION, PROVENANCE,
    RUNS_DIR,
};
use placesim_scenario::Sweep;
use rayon::prelude::*;
use serde::Serialize;
use serde_json::Value;
use std::fs;
use std::io::{self, BufRead, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

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

/// How to run a sweep.
#[derive(Clone, Debug)]
pub struct SweepOptions {
    pub out: PathBuf,
    /// Replicates per variant (overrides the sweep file).
    pub replicates: Option<u32>,
    /// Sweep seed (overrides the sweep file).
    pub seed: Option<u64>,
    /// Finish an interrupted sweep, or add replicates to a finished one.
    pub resume: bool,
    /// Start again in a non-empty results folder.
    pub force: bool,
    /// Keep every `every_weeks`-th week in the time series.
    pub every_weeks: u32,
    /// Run only this shard, into `out/<shard folder>/` (see `shard.rs`).
    pub shard: Option<Shard>,
}

/// Progress reported while runs finish.
#[derive(Clone, Copy, Debug)]
pub struct Progress {
    pub done: u64,
    pub total: u64,
    pub citizen_steps: u64,
    pub elapsed_secs: f64,
}

/// What a sweep did.
#[derive(Clone, Debug)]
pub struct SweepReport {
    pub runs: u64,
    pub ran_now: u64,
    pub failed: Vec<FailedRun>,
    pub wall_secs: f64,
    pub citizen_steps_per_sec: f64,
}

fn manifest_for(sweep: &Sweep, opts: &SweepOptions) -> Manifest {
    let seed = opts.seed.unwrap_or(sweep.seed);
    let replicates = opts.replicates.unwrap_or(sweep.replicates);
    // The swept parameters: every dotted key whose resolved value differs between variants.
    let flat: Vec<Vec<(String, Value)>> = sweep
        .variants
        .iter()
        .map(|v| flatten(&v.scenario.resolved))
        .collect();
    let swept: Vec<String> = flat
        .first()
        .map(|first| {
            first
                .iter()
                .filter(|(k, x)| {
                    k != "name"
                        && k != "description"
                        && flat
                            .iter()
                            .any(|f| f.iter().find(|(k2, _)| k2 == k).map(|(_, y)| y) != Some(x))
                })
                .map(|(k, _)| k.clone())
                .collect()
        })
        .unwrap_or_default();
    let variants: Vec<ManifestVariant> = sweep
        .variants
        .iter()
        .zip(&flat)
        .map(|(v, f)| ManifestVariant {
            name: v.name.clone(),
            overrides: v.overrides.clone(),
            swept_values: swept
                .iter()
                .map(|k| {
                    f.iter()
                        .find(|(k2, _)| k2 == k)
                        .map_or(Value::Null, |(_, x)| x.clone())
                })
                .collect(),
            params: v.scenario.params.clone(),
        })
        .collect();
    let mut reseeded = sweep.clone();
    reseeded.seed = seed;
    let defaults = variants
        .iter()
        .find(|v| v.name == sweep.baseline)
        .or(variants.first())
        .map_or(String::new(), |v| {
            placesim_results::defaults_hash(&v.params)
        });
    let identity = serde_json::json!({
        "name": sweep.name, "seed": seed, "baseline": sweep.baseline, "every_weeks": opts.every_weeks,
        "variants": variants.iter().map(|v| serde_json::json!({"name": v.name, "params": v.params})).collect::<Vec<_>>(),
    });
    Manifest {
        placesim_version: env!("CARGO_PKG_VERSION").to_string(),
        sweep: sweep.name.clone(),
        description: sweep.description.clone(),
        sweep_hash: fnv1a_hex(identity.to_string().as_bytes()),
        sweep_seed: seed,
        replicates,
        baseline: sweep.baseline.clone(),
        every_weeks: opts.every_weeks,
        swept,
        replicate_seeds: (0..replicates)
            .map(|r| reseeded.replicate_seed(r))
            .collect(),
        variants,
        failed_runs: Vec::new(),
        model_version: MODEL_VERSION.to_string(),
        defaults_hash: defaults,
        shard: opts.shard.map(Into::into),
    }
}

/// Check the results folder against the options: new, resumable or forced.
fn prepare_folder(out: &Path, m: &Manifest, opts: &SweepOptions) -> Result<(), BatchError> {
    let name = out.display();
    if opts.resume && opts.force {
        return Err(BatchError::BadInput(
            "give --resume or --force, not both".into(),
        ));
    }
    match fs::metadata(out) {
        Ok(meta) if !meta.is_dir() => {
            return Err(BatchError::BadInput(format!(
                "results path {name} is a file, not a folder; give --out a folder"
            )))
        }
        Err(_) => {
            if opts.resume {
                return Err(BatchError::BadInput(format!(
                    "nothing to resume: {name} does not exist"
                )));
            }
            return fs::create_dir_all(out.join(RUNS_DIR)).map_err(|e| {
                BatchError::BadInput(format!("cannot create results folder {name}: {e}"))
            });
        }
        Ok(_) => {}
    }
    let non_empty = fs::read_dir(out)
        .map_err(io_err(format!("reading {name}")))?
        .next()
        .is_some();
    let previous = Manifest::read(out);
    let has_manifest = !matches!(previous, Err(ManifestError::Unreadable(_)));
    if opts.force {
        if non_empty && !has_manifest {
            return Err(BatchError::BadInput(format!(
                "{name} is not empty and is not a placesim results folder (no manifest.json); --force will not delete it; choose another --out"
            )));
        }
        let _ = fs::remove_dir_all(out.join(RUNS_DIR));
        for f in FINAL_FILES {
            let _ = fs::remove_file(out.join(f));
        }
        return fs::create_dir_all(out.join(RUNS_DIR))
            .map_err(io_err(format!("creating {name}/{RUNS_DIR}")));
    }
    if !non_empty {
        return fs::create_dir_all(out.join(RUNS_DIR))
            .map_err(io_err(format!("creating {name}/{RUNS_DIR}")));
    }
    if !opts.resume {
        return Err(BatchError::BadInput(format!(
            "results folder {name} is not empty; add --resume to finish or extend that sweep, or --force to start again"
        )));
    }
    let old = match previous {
        Ok(old) => old,
        Err(ManifestError::Unreadable(_)) => {
            return Err(BatchError::BadInput(format!(
                "cannot resume: {name} has no manifest.json, so it is not a placesim results folder"
            )))
        }
        Err(ManifestError::Damaged(e)) => {
            return Err(BatchError::BadInput(format!(
                "cannot resume: {name}/manifest.json is damaged ({e}); use --force to start again"
            )))
        }
    };
    if old.sweep_hash != m.sweep_hash {
        return Err(BatchError::BadInput(format!(
            "cannot resume: {name} holds a different sweep (`{}`, hash {}; this one is `{}`, hash {}); use --force or another --out",
            old.sweep, old.sweep_hash, m.sweep, m.sweep_hash
        )));
    }
    if m.replicates < old.replicates {
        return Err(BatchError::BadInput(format!(
            "cannot resume with {} replicates: {name} already has {}; --replicates may only grow",
            m.replicates, old.replicates
        )));
    }
    fs::create_dir_all(out.join(RUNS_DIR)).map_err(io_err(format!("creating {name}/{RUNS_DIR}")))
}

/// Every leaf of a JSON value as (dotted key, value), in document order.
fn flatten(v: &Value) -> Vec<(String, Value)> {
    fn go(v: &Value, path: &str, out: &mut Vec<(String, Value)>) {
        match v {
            Value::Object(m) => {
                for (k, x) in m {
                    go(
                        x,
                        &if path.is_empty() {
                            k.clone()
                        } else {
                            format!("{path}.{k}")
                        },
                        out,
                    );
                }
            }
            other => out.push((path.to_string(), other.clone())),
        }
    }
    let mut out = Vec::new();
    go(v, "", &mut out);
    out
}

/// Run one replicate of one variant and store it atomically in its run folder.
fn run_part(params: &Params, seed: u64, every: u32, dir: &Path) -> Result<(u64, Summary), String> {
    let mut p = params.clone();
    p.place.seed = seed;
    let steps = p.place.population as u64 * p.place.total_ticks() as u64;
    let stored = |e: io::Error| format!("storing the run in {}: {e}", dir.display());
    let folder = AtomicDir::create(dir).map_err(stored)?;
    let rows = |name: &str| {
        fs::File::create(folder.temporary().join(name)).map(|f| {
            csv::WriterBuilder::new()
                .has_headers(false)
                .from_writer(io::BufWriter::new(f))
        })
    };
    let mut ts = rows(series::TIMESERIES).map_err(stored)?;
    let mut ag = rows(series::AGENCIES).map_err(stored)?;
    let mut world = World::new(p);
    while !world.is_finished() {
        world.step();
        if world.tick_row().tick % every == 0 {
            ts.serialize(world.tick_row()).map_err(|e| e.to_string())?;
            for r in world.agency_rows() {
                ag.serialize(r).map_err(|e| e.to_string())?;
            }
        }
    }
    ts.flush().map_err(stored)?;
    ag.flush().map_err(stored)?;
    drop((ts, ag));
    let summary = world.summary();
    folder
        .write(runs::OUTCOMES, runs::outcomes_line(&summary).as_bytes())
        .map_err(stored)?;
    let shifts = csv_bytes(world.cost_shifting(), false).map_err(stored)?;
    folder
        .write(series::COST_SHIFTING, &shifts)
        .map_err(stored)?;
    folder.commit().map_err(stored)?;
    Ok((steps, summary))
}

/// Run every missing run of the sweep, then assemble the final files.
pub fn run_sweep(
    sweep: &Sweep,
    opts: &SweepOptions,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<SweepReport, BatchError> {
    let start = Instant::now();
    let started_at = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let mut manifest = manifest_for(sweep, opts);
    let shard_out;
    let mut opts = opts.clone();
    let out = match opts.shard {
        Some(shard) => {
            shard_out = opts.out.join(shard.folder_name());
            // A shard is retried by its scheduler: a folder of the same shard resumes.
            opts.resume = !opts.force && shard_out.join(MANIFEST).is_file();
            &shard_out
        }
        None => &opts.out,
    };
    let opts = &opts;
    prepare_folder(out, &manifest, opts)?;
    if let Some(shard) = opts.shard {
        check_same_shard(out, shard)?;
    }
    write_manifest(out, &manifest)?;
    let grid = manifest.grid();
    let variants = manifest.variants.len();
    // This sweep's runs (or this shard's), and those not stored yet.
    let runs: Vec<RunId> = grid
        .runs()
        .filter(|id| {
            opts.shard
                .is_none_or(|s| s.holds(id.variant as usize, id.replicate, variants))
        })
        .collect();
    let total = runs.len() as u64;
    let pending: Vec<RunId> = runs
        .into_iter()
        .filter(|id| !id.folder(out).is_dir())
        .collect();
    let done = AtomicU64::new(total - pending.len() as u64);
    let steps = AtomicU64::new(0);
    let failed = Mutex::new(Vec::new());
    let every = opts.every_weeks.max(1);
    pending.par_iter().for_each(|&id| {
        let variant = &manifest.variants[id.variant as usize];
        let seed = manifest.replicate_seeds[id.replicate as usize];
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            run_part(&variant.params, seed, every, &id.folder(out))
        }))
        .unwrap_or_else(|e| Err(format!("the run panicked: {}", panic_text(&e))));
        match result {
            Ok((n, _)) => {
                steps.fetch_add(n, Ordering::Relaxed);
            }
            Err(error) => {
                if let Ok(mut f) = failed.lock() {
                    f.push(FailedRun {
                        run_id: grid.flat(id),
                        variant: variant.name.clone(),
                        replicate: id.replicate,
                        error,
                    });
                }
            }
        }
        let d = done.fetch_add(1, Ordering::Relaxed) + 1;
        progress(Progress {
            done: d,
            total,
            citizen_steps: steps.load(Ordering::Relaxed),
            elapsed_secs: start.elapsed().as_secs_f64(),
        });
    });
    let mut failed = failed.into_inner().unwrap_or_default();
    failed.sort_by_key(|f| f.run_id);
    manifest.failed_runs = failed.clone();
    write_manifest(out, &manifest)?;
    if manifest.shard.is_none() {
        assemble(out, &manifest)?;
    }
    let wall = start.elapsed().as_secs_f64();
    let steps = steps.into_inner();
    let report = SweepReport {
        runs: total,
        ran_now: pending.len() as u64,
        failed,
        wall_secs: wall,
        citizen_steps_per_sec: if wall > 0.0 { steps as f64 / wall } else { 0.0 },
    };
    let provenance = serde_json::json!({
        "placesim_version": env!("CARGO_PKG_VERSION"),
        "started_unix_secs": started_at,
        "finished_unix_secs": SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0),
        "wall_secs": wall,
        "threads": rayon::current_num_threads(),
        "shard": opts.shard,
        "runs_total": total,
        "runs_run_now": report.ran_now,
        "citizen_steps_now": steps,
        "citizen_steps_per_sec": report.citizen_steps_per_sec,
        "host": fs::read_to_string("/etc/hostname").map(|h| h.trim().to_string()).unwrap_or_default(),
        "os": std::env::consts::OS,
        "arch": std::env::consts::ARCH,
    });
    write_json(&out.join(PROVENANCE), &provenance)?;
    Ok(report)
}

fn panic_text(e: &Box<dyn std::any::Any + Send>) -> String {
    e.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| e.downcast_ref::<String>().cloned())
        .unwrap_or_default()
}

fn write_manifest(out: &Path, m: &Manifest) -> Result<(), BatchError> {
    m.write(out)
        .map_err(io_err(format!("writing {}/manifest.json", out.display())))
}

/// Write a JSON file of the results folder atomically.
fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<(), BatchError> {
    pretty_json(value)
        .and_then(|bytes| write_atomic(path, &bytes))
        .map_err(io_err(format!("writing {}", path.display())))
}

/// A final file written line by line, atomically.
struct Assembled {
    file: AtomicFile,
}

impl Assembled {
    fn create(out: &Path, name: &str, header: &str) -> Result<Self, BatchError> {
        let path = out.join(name);
        let mut file =
            AtomicFile::create(&path).map_err(io_err(format!("creating {}", path.display())))?;
        writeln!(file, "{header}").map_err(io_err(format!("writing {}", path.display())))?;
        Ok(Assembled { file })
    }

    /// Append each line of a stored run's file, prefixed.
    fn append(&mut self, part: &Path, prefix: &str) -> Result<(), BatchError> {
        let f = fs::File::open(part).map_err(io_err(format!("reading {}", part.display())))?;
        for line in io::BufReader::new(f).lines() {
            let line = line.map_err(io_err(format!("reading {}", part.display())))?;
            writeln!(self.file, "{prefix}{line}")
                .map_err(io_err(format!("writing {}", self.file.path().display())))?;
        }
        Ok(())
    }

    fn finish(self) -> Result<(), BatchError> {
        let path = self.file.path().to_path_buf();
        self.file
            .commit()
            .map_err(io_err(format!("writing {}", path.display())))
    }
}

fn read_outcomes(part: &Path) -> Result<Vec<f64>, BatchError> {
    runs::read_outcomes(part).map_err(io_err(format!("reading {}", part.display())))
}

/// Assemble the final files from the stored runs, in run order.
fn assemble(out: &Path, m: &Manifest) -> Result<(), BatchError> {
    let grid = m.grid();
    let mut runs_csv = Assembled::create(out, runs::RUNS, &runs::header(&m.swept))?;
    let mut ts = Assembled::create(out, series::TIMESERIES, &series::timeseries_header())?;
    let mut ag = Assembled::create(out, series::AGENCIES, &series::agencies_header())?;
    let mut cs = Assembled::create(out, series::COST_SHIFTING, &series::cost_shifting_header())?;
    for (v, variant) in m.variants.iter().enumerate() {
        for r in 0..m.replicates {
            let id = RunId::new(v as u32, r);
            let dir = id.folder(out);
            if !dir.is_dir() {
                continue;
            }
            let run_id = grid.flat(id);
            let seed = m.replicate_seeds[r as usize];
            runs_csv.append(
                &dir.join(runs::OUTCOMES),
                &runs::row_start(run_id, &variant.name, r, seed, &variant.swept_values),
            )?;
            let start = series::row_start(run_id);
            ts.append(&dir.join(series::TIMESERIES), &start)?;
            ag.append(&dir.join(series::AGENCIES), &start)?;
            cs.append(&dir.join(series::COST_SHIFTING), &start)?;
        }
    }
    runs_csv.finish()?;
    ts.finish()?;
    ag.finish()?;
    cs.finish()?;
    let path = out.join(comparison::COMPARISON);
    comparison::write(&path, &paired(out, m)?)
        .map_err(io_err(format!("writing {}", path.display())))
}

/// Each variant against the baseline on each outcome, paired by replicate
/// over the stored runs: means, and the Student t 95 % interval of the mean
/// difference. Replicates where either run is missing are left out.
fn paired(out: &Path, m: &Manifest) -> Result<Vec<ComparisonRow>, BatchError> {
    let names = runs::outcome_names();
    let outcomes = |dir: &Path| -> Result<Vec<f64>, BatchError> {
        let x = read_outcomes(dir)?;
        if x.len() != names.len() {
            return Err(BatchError::Io {
                context: format!("reading {}", dir.join(runs::OUTCOMES).display()),
                source: io::Error::other(format!(
                    "{} outcomes where {} were expected",
                    x.len(),
                    names.len()
                )),
            });
        }
        Ok(x)
    };
    let baseline = m.baseline_index();
    let baseline_values: Vec<Option<Vec<f64>>> = (0..m.replicates)
        .map(|r| {
            baseline
                .map(|b| outcomes(&RunId::new(b as u32, r).folder(out)).ok())
                .unwrap_or_default()
        })
        .collect();
    let mut rows = Vec::new();
    for (v, variant) in m.variants.iter().enumerate() {
        if Some(v) == baseline {
            continue;
        }
        // Per outcome: the variant, the baseline and their difference.
        let mut acc = vec![[Welford::default(); 3]; names.len()];
        for (r, base) in baseline_values.iter().enumerate() {
            let dir = RunId::new(v as u32, r as u32).folder(out);
            let Some(base) = base.as_ref().filter(|_| dir.is_dir()) else {
                continue;
            };
            let x = outcomes(&dir)?;
            for (i, [xs, bs, ds]) in acc.iter_mut().enumerate() {
                xs.add(x[i]);
                bs.add(base[i]);
                ds.add(x[i] - base[i]);
            }
        }
        rows.extend(
            names
                .iter()
                .zip(&acc)
                .map(|(name, [x, b, d])| ComparisonRow {
                    variant: variant.name.clone(),
                    baseline: m.baseline.clone(),
                    outcome: name.to_string(),
                    n: d.n,
                    mean: x.mean(),
                    mean_baseline: b.mean(),
                    mean_diff: d.mean(),
                    ci_low: d.mean() - d.ci95_half_width(),
                    ci_high: d.mean() + d.ci95_half_width(),
                    ci_half_width: d.ci95_half_width(),
                }),
        );
    }
    Ok(rows)
}

/// Rerun run `run_id` of the sweep in `dir` with full weekly outputs into `out`.
pub fn rerun(dir: &Path, run_id: u64, out: &Path) -> Result<Summary, BatchError> {
    let m = read_manifest(dir)?;
    let grid = m.grid();
    let Some(p) = grid.run(run_id).and_then(|id| m.run_params(id)) else {
        return Err(BatchError::BadInput(format!(
            "run {run_id} does not exist: the sweep has runs 0 to {}",
            grid.len().saturating_sub(1)
        )));
    };
    let mut world = World::new(p);
    fs::create_dir_all(out)
        .map_err(|e| BatchError::BadInput(format!("cannot create {}: {e}", out.display())))?;
    let mut writer =
        crate::output::RunWriter::create(out, 1).map_err(io_err("creating outputs"))?;
    while !world.is_finished() {
        world.step();
        writer.week(&world).map_err(io_err("writing outputs"))?;
    }
    let summary = world.summary();
    writer
        .finish(&world, &summary)
        .map_err(io_err("writing outputs"))?;
    Ok(summary)
}

/// A shard's folder may only be resumed by the same shard of the same split.
fn check_same_shard(out: &Path, shard: Shard) -> Result<(), BatchError> {
    let old = match Manifest::read(out) {
        Ok(old) => old,
        Err(ManifestError::Unreadable(_)) => return Ok(()),
        Err(ManifestError::Damaged(e)) => {
            return Err(BatchError::BadInput(format!(
                "{}/manifest.json is damaged: {e}",
                out.display()
            )))
        }
    };
    match old.shard {
        Some(s) if Shard::from(s) == shard => Ok(()),
        other => Err(BatchError::BadInput(format!(
            "{} holds {}, not shard {} of {}; use --force or another --out",
            out.display(),
            other.map_or("a whole sweep".to_string(), |s| format!(
                "shard {} of {}",
                s.index, s.count
            )),
            shard.index,
            shard.count
        ))),
    }
}

/// What a merge did.
#[derive(Clone, Debug)]
pub struct MergeReport {
    pub runs: u64,
    pub shards: u32,
    pub sweep: String,
}

fn read_manifest(dir: &Path) -> Result<Manifest, BatchError> {
    Manifest::read(dir).map_err(|e| match e {
        ManifestError::Unreadable(e) => BatchError::BadInput(format!(
            "{} is not a placesim results folder: cannot read manifest.json ({e})",
            dir.display()
        )),
        ManifestError::Damaged(e) => {
            BatchError::BadInput(format!("{}/manifest.json is damaged: {e}", dir.display()))
        }
    })
}

/// Combine the folders of a sweep's shards into the sweep's final outputs in
/// `out`, byte for byte those of the same sweep run on one machine (only
/// `provenance.json` differs). Shards of different sweeps or splits are
/// refused (exit 2); missing shards, missing runs and failed runs are named
/// and nothing final is written (exit 1) — merge again once they are done.
pub fn merge(shards: &[PathBuf], out: &Path, force: bool) -> Result<MergeReport, BatchError> {
    let start = Instant::now();
    if shards.is_empty() {
        return Err(BatchError::BadInput(
            "give at least one shard folder to merge".into(),
        ));
    }
    let mut first: Option<(PathBuf, Manifest)> = None;
    let mut by_index: Vec<Option<PathBuf>> = Vec::new();
    for dir in shards {
        let m = read_manifest(dir)?;
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
    let (_, manifest) = first.expect("at least one shard");
    let count = by_index.len() as u32;
    // Every run of the sweep, where it should be.
    let variants = manifest.variants.len();
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
            if shard.holds(id.variant as usize, id.replicate, variants) && !id.folder(dir).is_dir()
            {
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
    let mut whole = manifest.clone();
    whole.shard = None;
    whole.failed_runs = Vec::new();
    // The results folder: new, or an earlier merge of the same sweep (merging again is allowed).
    let opts = SweepOptions {
        out: out.to_path_buf(),
        replicates: None,
        seed: None,
        resume: !force && out.join(MANIFEST).is_file(),
        force,
        every_weeks: whole.every_weeks,
        shard: None,
    };
    prepare_folder(out, &whole, &opts)?;
    for (k, dir) in by_index.iter().enumerate() {
        let shard = Shard {
            index: k as u32,
            count,
        };
        let dir = dir.as_ref().expect("checked above");
        for id in grid.runs() {
            if shard.holds(id.variant as usize, id.replicate, variants) {
                copy_run(&id.folder(dir), &id.folder(out))?;
            }
        }
    }
    write_manifest(out, &whole)?;
    assemble(out, &whole)?;
    let provenance = serde_json::json!({
        "placesim_version": env!("CARGO_PKG_VERSION"),
        "merged_from": shards.iter().map(|d| d.display().to_string()).collect::<Vec<_>>(),
        "finished_unix_secs": SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0),
        "merge_wall_secs": start.elapsed().as_secs_f64(),
        "runs_total": grid.len(),
        "host": fs::read_to_string("/etc/hostname").map(|h| h.trim().to_string()).unwrap_or_default(),
    });
    write_json(&out.join(PROVENANCE), &provenance)?;
    Ok(MergeReport {
        runs: grid.len(),
        shards: count,
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
