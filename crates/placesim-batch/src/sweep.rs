//! Running a sweep: every run not stored yet, in parallel, each stored
//! atomically in its run folder the moment it finishes; then the final files.

use crate::assemble::assemble;
use crate::folder::{check_same_shard, lock_folder, prepare_folder};
use crate::manifest::{manifest_for, write_manifest};
use crate::output::WeekRows;
use crate::shard::Shard;
use crate::start;
use crate::{write_json, BatchError};
use placesim_core::{BurnedIn, Finished, Params, Summary};
use placesim_results::manifest::MANIFEST;
use placesim_results::table::csv_bytes;
use placesim_results::{
    runs, series, stored, AtomicDir, FailedRun, FolderLock, Manifest, RunId, PROVENANCE,
};
use placesim_scenario::Sweep;
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// How to run a sweep.
#[derive(Clone, Debug)]
pub struct SweepOptions {
    pub out: PathBuf,
    /// Replicates per variant (overrides the sweep file).
    pub replicates: Option<u32>,
    /// Sweep seed (overrides the sweep file).
    pub seed: Option<u64>,
    /// Finish the sweep stored in `out` (its replicates, seed and cadence,
    /// from its manifest), or add replicates to it with `replicates`.
    pub resume: bool,
    /// Start again in a non-empty results folder.
    pub force: bool,
    /// Keep every `every_weeks`-th week in the time series [default: the
    /// resumed folder's, else the first variant's `output.every_weeks`].
    pub every_weeks: Option<u32>,
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
    /// Runs run now whose counted weeks include a transient (MSER-5, see
    /// `Summary::includes_transient`), and how many of them are the
    /// baseline's (the others' may be their own transition after week 0).
    pub with_transient: u64,
    pub baseline_with_transient: u64,
}

/// A run's counted weeks summed by year, for a design's time-varying indices.
#[derive(Default)]
struct Years(Vec<runs::YearRow>);

impl Years {
    /// Add a week: spend discounted to the first counted week as the
    /// run's `total_spend` is (at `discount_rate` a year).
    fn week(&mut self, row: &placesim_core::TickRow, first_counted: u32, discount_rate: f64) {
        if row.warmup != 0 || row.week < first_counted {
            return;
        }
        let years = (row.week - first_counted) as f64 / 52.0;
        let discount = libm::pow(1.0 + discount_rate, -years);
        let year = (row.week - first_counted) / 52;
        while self.0.len() <= year as usize {
            let year = self.0.len() as u32 + 1;
            self.0.push(runs::YearRow {
                year,
                ..Default::default()
            });
        }
        let y = &mut self.0[year as usize];
        y.crisis_events += row.crisis_events;
        y.total_spend += row.spend * discount;
        y.failure_demand += row.failure_demand;
        y.contacts += row.contacts;
        y.failure_demand_share = if y.contacts > 0.0 {
            y.failure_demand / y.contacts
        } else {
            0.0
        };
    }
}

/// A run's counted weeks summed by agency, for calibration.
#[derive(Default)]
struct Activity(Vec<runs::ActivityRow>);

impl Activity {
    fn week(&mut self, week: &placesim_core::Week, first_counted: u32) {
        let place = week.place();
        if place.warmup != 0 || place.week < first_counted {
            return;
        }
        for a in week.agencies() {
            let row = match self.0.iter_mut().position(|r| *r.agency == *a.agency) {
                Some(i) => &mut self.0[i],
                None => {
                    self.0.push(runs::ActivityRow {
                        agency: a.agency.to_string(),
                        ..Default::default()
                    });
                    self.0.last_mut().expect("just pushed")
                }
            };
            row.weeks += 1;
            row.arrivals += a.arrivals;
            row.served += a.served;
            row.admissions += a.admissions;
            row.crisis_events += a.crisis_events;
            row.delayed_discharge_days += a.delayed_discharge_days;
        }
    }

    /// The rows, with the place's residents and each agency's beds.
    fn finish(mut self, params: &Params) -> Vec<runs::ActivityRow> {
        for row in &mut self.0 {
            row.residents = params.place.residents as f64;
            row.beds = params
                .agencies
                .iter()
                .find(|a| *a.id == *row.agency)
                .and_then(|a| a.beds.as_ref())
                .map_or(0.0, |b| b.beds);
        }
        self.0
    }
}

/// Run one run from its replicate's shared burn-in (or its own, if it does
/// not fit), streaming its rows into its run folder, which appears
/// (atomically) when the run is complete; its counted citizen-steps and summary.
fn run_and_store(
    shared: Option<&BurnedIn>,
    params: Params,
    every: u32,
    dir: &Path,
) -> Result<(u64, Summary), String> {
    let seed = params.place.seed;
    let steps = params.place.population as u64 * params.place.weeks as u64;
    let stored = |e: io::Error| format!("storing the run in {}: {e}", dir.display());
    let folder = AtomicDir::create(dir).map_err(stored)?;
    let file = |name: &str| fs::File::create(folder.temporary().join(name)).map(io::BufWriter::new);
    let mut rows = WeekRows::new(
        file(series::TIMESERIES).map_err(stored)?,
        file(series::AGENCIES).map_err(stored)?,
        false,
    );
    let (first_counted, discount_rate) = (params.place.warmup_weeks, params.place.discount_rate);
    let place_params = params.clone();
    let (mut run, kept) = start::start(shared, params, every);
    rows.kept(&kept).map_err(stored)?;
    let mut years = Years::default();
    let mut activity = Activity::default();
    run.to_end(|week| {
        years.week(week.place(), first_counted, discount_rate);
        activity.week(&week, first_counted);
        rows.week(&week)
    })
    .map_err(stored)?;
    drop(rows.finish().map_err(stored)?);
    let bytes = csv_bytes(&years.0, true).map_err(stored)?;
    folder.write(runs::YEARS, &bytes).map_err(stored)?;
    let bytes = csv_bytes(activity.finish(&place_params), true).map_err(stored)?;
    folder.write(runs::ACTIVITY, &bytes).map_err(stored)?;
    let Finished {
        summary,
        cost_shifting,
        ..
    } = run.finish();
    folder
        .write(runs::OUTCOMES, runs::outcomes_line(&summary).as_bytes())
        .map_err(stored)?;
    let shifts = csv_bytes(&cost_shifting, false).map_err(stored)?;
    folder
        .write(series::COST_SHIFTING, &shifts)
        .map_err(stored)?;
    stored::write_record(&folder, seed).map_err(stored)?;
    folder.commit().map_err(stored)?;
    Ok((steps, summary))
}

/// A sweep ready to run: its folder prepared (new, resumed or forced) and
/// its manifest written, so a caller can say what it will do before it runs.
pub struct SweepPlan {
    manifest: Manifest,
    out: PathBuf,
    shard: Option<Shard>,
    resumed: bool,
    total: u64,
    pending: Vec<RunId>,
    started_at: u64,
    start: Instant,
    damaged: Vec<String>,
    /// Held until the sweep is done: one writer per folder.
    _lock: Option<FolderLock>,
}

impl SweepPlan {
    /// The sweep's name.
    pub fn sweep(&self) -> &str {
        &self.manifest.sweep
    }
    /// Replicates per variant (a resumed folder's unless grown).
    pub fn replicates(&self) -> u32 {
        self.manifest.replicates
    }
    /// Whether runs stored earlier in the folder are kept.
    pub fn resumed(&self) -> bool {
        self.resumed
    }
    /// Runs of the sweep (or shard) in all.
    pub fn total(&self) -> u64 {
        self.total
    }
    /// Runs still to run.
    pub fn to_run(&self) -> u64 {
        self.pending.len() as u64
    }
    /// Stored runs found damaged (each says which file and why), to be run again.
    pub fn damaged(&self) -> &[String] {
        &self.damaged
    }
    /// The folder the runs go into (a shard's own folder for a shard).
    pub fn out(&self) -> &Path {
        &self.out
    }
}

/// Prepare the results folder for `sweep`: refuse a folder that is not ours
/// or another sweep's before anything is written, take a resumed folder's
/// replicates, seed and cadence unless they are given, and list the runs
/// not stored yet.
pub fn plan_sweep(sweep: &Sweep, opts: &SweepOptions) -> Result<SweepPlan, BatchError> {
    let start = Instant::now();
    let started_at = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let mut opts = opts.clone();
    let out = match opts.shard {
        Some(shard) => {
            let shard_out = opts.out.join(shard.folder_name());
            // A shard is retried by its scheduler: a folder of the same shard resumes.
            opts.resume = !opts.force && shard_out.join(MANIFEST).is_file();
            shard_out
        }
        None => opts.out.clone(),
    };
    if opts.resume && !opts.force {
        // Resuming finishes the sweep that was started: what it was run with
        // comes from its manifest; only an explicit flag changes it.
        if let Ok(old) = Manifest::read(&out) {
            opts.replicates = opts.replicates.or(Some(old.replicates));
            opts.seed = opts.seed.or(Some(old.sweep_seed));
            opts.every_weeks = opts.every_weeks.or(Some(old.every_weeks));
        }
    }
    let manifest = manifest_for(sweep, &opts);
    let locked = lock_folder(&out, opts.resume)?;
    let prepared = prepare_folder(&out, &manifest, opts.resume, opts.force).and_then(|()| {
        opts.shard
            .map_or(Ok(()), |shard| check_same_shard(&out, shard))
    });
    if let Err(e) = prepared {
        if locked.created {
            drop(locked.lock);
            let _ = fs::remove_dir_all(&out);
        }
        return Err(e);
    }
    write_manifest(&out, &manifest)?;
    let grid = manifest.grid();
    // This sweep's runs (or this shard's), and those not stored yet.
    let runs: Vec<RunId> = grid
        .runs()
        .filter(|id| opts.shard.is_none_or(|s| s.holds(*id, grid)))
        .collect();
    let total = runs.len() as u64;
    // A stored run that does not check out is run again, after saying so.
    let mut damaged = Vec::new();
    let mut pending = Vec::new();
    for id in runs {
        let dir = id.folder(&out);
        if dir.is_dir() {
            let seed = manifest.replicate_seeds.get(id.replicate as usize).copied();
            match seed.map_or(Err("no seed in the manifest".to_string()), |s| {
                stored::verify(&dir, s)
            }) {
                Ok(()) => continue,
                Err(why) => {
                    fs::remove_dir_all(&dir)
                        .map_err(crate::io_err(format!("removing {}", dir.display())))?;
                    damaged.push(why);
                }
            }
        }
        pending.push(id);
    }
    Ok(SweepPlan {
        manifest,
        out,
        shard: opts.shard,
        resumed: opts.resume,
        total,
        pending,
        started_at,
        start,
        damaged,
        _lock: locked.lock,
    })
}

/// Run every missing run of the sweep, then assemble the final files.
pub fn run_sweep(
    sweep: &Sweep,
    opts: &SweepOptions,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<SweepReport, BatchError> {
    plan_sweep(sweep, opts)?.run(progress)
}

impl SweepPlan {
    /// Run the missing runs, each stored the moment it finishes, then
    /// assemble the final files (not for a shard).
    pub fn run(self, progress: &(dyn Fn(Progress) + Sync)) -> Result<SweepReport, BatchError> {
        let SweepPlan {
            mut manifest,
            out,
            shard,
            total,
            pending,
            started_at,
            start,
            ..
        } = self;
        let out = &out;
        let grid = manifest.grid();
        let done = AtomicU64::new(total - pending.len() as u64);
        let steps = AtomicU64::new(0);
        let transient = AtomicU64::new(0);
        let baseline_transient = AtomicU64::new(0);
        let failed = Mutex::new(Vec::new());
        let every = manifest.every_weeks.max(1);
        let run_one = |id: RunId, shared: Option<&BurnedIn>| {
            let variant = &manifest.variants[id.variant as usize];
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                let params = start::run_params(&manifest, id)?;
                run_and_store(shared, params, every, &id.folder(out))
            }))
            .unwrap_or_else(|e| Err(format!("the run panicked: {}", panic_text(&e))));
            match result {
                Ok((n, summary)) => {
                    steps.fetch_add(n, Ordering::Relaxed);
                    if summary.includes_transient() {
                        transient.fetch_add(1, Ordering::Relaxed);
                        if variant.name == manifest.baseline {
                            baseline_transient.fetch_add(1, Ordering::Relaxed);
                        }
                    }
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
        };
        // Each replicate's pending runs (at each design point) continue one burn-in, paid once.
        let mut by_replicate: BTreeMap<(u32, u32), Vec<RunId>> = BTreeMap::new();
        for &id in &pending {
            by_replicate
                .entry((id.design_point, id.replicate))
                .or_default()
                .push(id);
        }
        let groups: Vec<((u32, u32), Vec<RunId>)> = by_replicate.into_iter().collect();
        groups
            .par_iter()
            .for_each(|((design_point, replicate), ids)| {
                // A burn-in that fails leaves each run to burn in (and fail) itself.
                let shared = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    start::burn_in(&manifest, *design_point, *replicate, every)
                }))
                .ok()
                .flatten();
                if let Some(b) = &shared {
                    let p = &b.params().place;
                    steps.fetch_add(
                        p.population as u64 * p.warmup_weeks as u64,
                        Ordering::Relaxed,
                    );
                }
                ids.par_iter().for_each(|&id| run_one(id, shared.as_ref()));
            });
        let mut failed = failed.into_inner().unwrap_or_default();
        failed.sort_by_key(|f| f.run_id);
        manifest.failed_runs = failed.clone();
        write_manifest(out, &manifest)?;
        let runs_secs = start.elapsed().as_secs_f64();
        let analysis_secs = if manifest.shard.is_none() {
            assemble(out, &manifest)?
        } else {
            0.0
        };
        let wall = start.elapsed().as_secs_f64();
        let steps = steps.into_inner();
        let report = SweepReport {
            runs: total,
            ran_now: pending.len() as u64,
            failed,
            wall_secs: wall,
            citizen_steps_per_sec: if wall > 0.0 { steps as f64 / wall } else { 0.0 },
            with_transient: transient.into_inner(),
            baseline_with_transient: baseline_transient.into_inner(),
        };
        let provenance = serde_json::json!({
            "placesim_version": env!("CARGO_PKG_VERSION"),
            "started_unix_secs": started_at,
            "finished_unix_secs": SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0),
            "wall_secs": wall,
            // The runs, and then the final files with any design's analysis.
            "runs_secs": runs_secs,
            "assemble_secs": wall - runs_secs,
            "analysis_secs": analysis_secs,
            "threads": rayon::current_num_threads(),
            "shard": shard,
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
}

fn panic_text(e: &Box<dyn std::any::Any + Send>) -> String {
    e.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| e.downcast_ref::<String>().cloned())
        .unwrap_or_default()
}
