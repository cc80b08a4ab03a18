//! `placesim sweep`: variants x replicates in parallel into a results folder
//! (or one shard of it), with progress, the comparison table and the charts.

use super::plot::plot;
use crate::args::{ranged, whole, Threads};
use crate::failure::Failure;
use crate::print::{print_comparison, progress_with_message};
use placesim_core::limits;
use std::path::{Path, PathBuf};

#[derive(clap::Args)]
pub struct Args {
    /// A sweep file (.sweep.toml or .sweep.json), or a built-in sweep's name (`placesim scenarios` lists them) [default: the built-in flagship, total-place].
    pub file: Option<PathBuf>,
    #[command(flatten)]
    pub run: RunArgs,
}

/// How a sweep (or a sensitivity design, which is one) runs and where it goes.
#[derive(clap::Args)]
pub struct RunArgs {
    /// Results folder [default: out/<sweep name>/ (a sensitivity design: out/<sweep name>-<method>/); with a shard, the same ending -shards/].
    #[arg(long)]
    pub out: Option<PathBuf>,
    #[arg(
        long,
        allow_negative_numbers = true,
        value_parser = whole(limits::REPLICATES),
        help = ranged("Replicates per variant", limits::REPLICATES, " [default: the sweep's; with --resume, the folder's]"),
    )]
    pub replicates: Option<u32>,
    /// Sweep seed [default: the sweep's; with --resume, the folder's].
    #[arg(long, allow_negative_numbers = true)]
    pub seed: Option<u64>,
    #[arg(
        long,
        allow_negative_numbers = true,
        value_parser = whole(limits::EVERY_WEEKS),
        help = ranged(
            "Keep every N-th week in timeseries.csv and agencies.csv",
            limits::EVERY_WEEKS,
            " [default: the scenario's output.every_weeks; with --resume, the folder's]",
        ),
    )]
    pub every: Option<u32>,
    #[command(flatten)]
    pub threads: Threads,
    /// Finish the sweep in the folder as it was started (its replicates, seed and --every); add replicates with --replicates N.
    #[arg(long)]
    pub resume: bool,
    /// Delete the previous results in the folder and start again.
    #[arg(long)]
    pub force: bool,
    /// Print nothing but errors.
    #[arg(long)]
    pub quiet: bool,
    /// Run only shard K of N (K from 0) into OUT/shard-KKKK-of-NNNN/; merge the shards with `placesim merge`.
    #[arg(long, value_name = "K/N", value_parser = parse_shard, conflicts_with = "shard_from_env")]
    pub shard: Option<placesim_batch::Shard>,
    /// Take the shard from the scheduler: Slurm job arrays (SLURM_ARRAY_TASK_ID − SLURM_ARRAY_TASK_MIN of SLURM_ARRAY_TASK_COUNT) or Kubernetes indexed jobs (JOB_COMPLETION_INDEX, with --shards N).
    #[arg(long)]
    pub shard_from_env: bool,
    /// Number of shards, for --shard-from-env on Kubernetes (JOB_COMPLETION_INDEX).
    #[arg(long, value_name = "N", requires = "shard_from_env")]
    pub shards: Option<u32>,
    /// Run on a posterior ensemble (a calibration's posterior.csv: member,weight,KEY,...): each replicate draws one member by weight, from the seed, and every variant of it runs with that member's values. Give it again to --resume. Not with a sensitivity design.
    #[arg(long, value_name = "POSTERIOR.csv")]
    pub ensemble: Option<PathBuf>,
}

fn parse_shard(text: &str) -> Result<placesim_batch::Shard, String> {
    placesim_batch::Shard::parse(text)
}

pub fn sweep(a: Args) -> Result<(), Failure> {
    let sweep = load(a.file.as_deref(), "total-place")?;
    execute(&sweep, &a.run, "")
}

/// A sweep named on the command line: a built-in one by name, or a file
/// (`default`, a built-in sweep's name, when none is given).
pub fn load(file: Option<&Path>, default: &str) -> Result<placesim_scenario::Sweep, Failure> {
    Ok(match file {
        Some(f) => match built_in(f) {
            Some(name) => placesim_scenario::sweep_preset(name)?,
            None if is_bare(f) && !f.exists() => {
                let names: Vec<&str> = placesim_scenario::presets::SWEEPS
                    .iter()
                    .map(|p| p.stem())
                    .collect();
                let msg = format!(
                    "no such file, and no built-in sweep of that name (built-in: {})",
                    names.join(", ")
                );
                return Err(placesim_scenario::Problems::from(
                    placesim_scenario::Problem::in_file(&f.to_string_lossy(), msg),
                )
                .into());
            }
            None => placesim_scenario::load_sweep(f)?,
        },
        None => placesim_scenario::sweep_preset(default)?,
    })
}

/// Run `sweep` as `a` says, into `a.out` or else `out/<sweep name><suffix>`;
/// then its charts and report, the comparison, and any failures.
pub fn execute(sweep: &placesim_scenario::Sweep, a: &RunArgs, suffix: &str) -> Result<(), Failure> {
    use std::io::IsTerminal;
    let on_ensemble;
    let sweep = match &a.ensemble {
        None => sweep,
        Some(file) => {
            on_ensemble = with_ensemble(sweep, file)?;
            &on_ensemble
        }
    };
    let opts = placesim_batch::SweepOptions {
        out: a.out.clone().unwrap_or_else(|| {
            let sharded = a.shard.is_some() || a.shard_from_env;
            PathBuf::from(format!(
                "out/{}{suffix}{}",
                sweep.name,
                if sharded { "-shards" } else { "" }
            ))
        }),
        replicates: a.replicates,
        seed: a.seed,
        resume: a.resume,
        force: a.force,
        every_weeks: a.every,
        shard: if a.shard_from_env {
            Some(
                placesim_batch::Shard::from_env(|k| std::env::var(k).ok(), a.shards)
                    .map_err(Failure::BadInput)?,
            )
        } else {
            a.shard
        },
    };
    let pool = a.threads.pool()?;
    // The folder is prepared (or refused) before anything is said about it.
    let plan = placesim_batch::plan_sweep(sweep, &opts)?;
    let total = plan.total();
    for why in plan.damaged() {
        eprintln!("warning: a stored run is damaged and will be run again: {why}");
    }
    if !a.quiet {
        if plan.resumed() {
            eprintln!(
                "resuming {}: {} of {} runs to go ({} variants x {} replicates), {} threads, in {}",
                plan.sweep(),
                plan.to_run(),
                total,
                sweep.variants.len(),
                plan.replicates(),
                pool.current_num_threads(),
                plan.out().display()
            );
        } else {
            let points = sweep
                .design
                .as_ref()
                .map_or(String::new(), |d| format!("{} points x ", d.points.len()));
            let ensemble = sweep.ensemble.as_ref().map_or(String::new(), |e| {
                format!(
                    " on the ensemble {} ({} members; each replicate draws one)",
                    e.file,
                    e.weights.len()
                )
            });
            eprintln!(
                "sweep `{}`{ensemble}: {points}{} variants x {} replicates = {} runs, {} threads, into {}",
                plan.sweep(),
                sweep.variants.len(),
                plan.replicates(),
                total,
                pool.current_num_threads(),
                plan.out().display()
            );
        }
    }
    let terminal = std::io::stderr().is_terminal();
    let bar = (!a.quiet && terminal).then(|| progress_with_message(total, "runs"));
    let last_line = std::sync::Mutex::new(0.0f64);
    let progress = |p: placesim_batch::Progress| {
        let rate = if p.elapsed_secs > 0.0 {
            p.citizen_steps as f64 / p.elapsed_secs
        } else {
            0.0
        };
        if let Some(bar) = &bar {
            bar.set_position(p.done);
            bar.set_message(format!("{:.1} M citizen-steps/s", rate / 1e6));
        } else if !a.quiet {
            if let Ok(mut last) = last_line.lock() {
                if p.elapsed_secs - *last >= 10.0 || p.done == p.total {
                    *last = p.elapsed_secs;
                    eprintln!(
                        "{}/{} runs, {:.0} s, {:.1} M citizen-steps/s",
                        p.done,
                        p.total,
                        p.elapsed_secs,
                        rate / 1e6
                    );
                }
            }
        }
    };
    let report = pool.install(|| plan.run(&progress))?;
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    if let Some(shard) = opts.shard {
        return shard_done(&opts.out, shard, &report, a.quiet);
    }
    if report.failed.is_empty() {
        plot(&opts.out, a.quiet)?;
    }
    if !a.quiet {
        println!(
            "{} runs ({} run now) in {:.1} s, {:.1} million citizen-steps per second",
            report.runs,
            report.ran_now,
            report.wall_secs,
            report.citizen_steps_per_sec / 1e6
        );
        print_comparison(&opts.out.join("comparison.csv"));
        println!("results in {}", opts.out.display());
    }
    if report.with_transient > 0 {
        eprintln!(
            "warning: in {} of the {} runs run now ({} of them the baseline's) the counted weeks include a transient (MSER-5 truncates more than {} weeks; truncation_week in each run's summary): outcomes average over a drift. A variant's own transition after week 0 is part of its outcome; a baseline's means a longer warm-up (place.warmup_weeks) or more counted weeks would help",
            report.with_transient,
            report.ran_now,
            report.baseline_with_transient,
            placesim_core::metrics::TRANSIENT_WEEKS
        );
    }
    failures(&report, &opts.out)
}

/// `sweep` on the posterior ensemble in `file`, every member checked to
/// build for every variant; refused for a sensitivity design, which sets
/// the parameters itself.
fn with_ensemble(
    sweep: &placesim_scenario::Sweep,
    file: &Path,
) -> Result<placesim_scenario::Sweep, Failure> {
    if sweep.design.is_some() {
        return Err(not_with_a_design(file));
    }
    let ensemble = placesim_scenario::ensemble::load(file)?;
    Ok(sweep.clone().with_ensemble(ensemble)?)
}

/// Why `--ensemble` is refused for a sensitivity design.
pub fn not_with_a_design(file: &Path) -> Failure {
    Failure::BadInput(format!(
        "--ensemble {}: a sensitivity design sets the uncertain parameters itself, at each of its points, so it cannot also draw them from an ensemble; run the ensemble with `placesim sweep FILE --ensemble {}`",
        file.display(),
        file.display()
    ))
}

/// Failed runs, one line each, and exit 1 if there were any.
fn failures(report: &placesim_batch::SweepReport, dir: &Path) -> Result<(), Failure> {
    for f in &report.failed {
        eprintln!(
            "run {} ({} replicate {}) failed: {}",
            f.run_id, f.variant, f.replicate, f.error
        );
    }
    if report.failed.is_empty() {
        Ok(())
    } else {
        Err(Failure::Failed(format!(
            "{} of {} runs failed; they are listed in {}",
            report.failed.len(),
            report.runs,
            dir.join("manifest.json").display()
        )))
    }
}

/// A shard has no final files: say where it is and how to merge.
fn shard_done(
    out: &Path,
    shard: placesim_batch::Shard,
    report: &placesim_batch::SweepReport,
    quiet: bool,
) -> Result<(), Failure> {
    let dir = out.join(shard.folder_name());
    if !quiet {
        println!(
            "shard {} of {}: {} runs ({} run now) in {:.1} s, stored in {}",
            shard.index,
            shard.count,
            report.runs,
            report.ran_now,
            report.wall_secs,
            dir.display()
        );
        println!(
            "when every shard is done: placesim merge {}/shard-*-of-{:04} --out DIR",
            out.display(),
            shard.count
        );
    }
    failures(report, &dir)
}

/// A built-in sweep named on the command line: a bare name (no folder, no
/// extension) that is no file here and is a built-in sweep's name.
fn built_in(f: &std::path::Path) -> Option<&str> {
    let name = f.to_str()?;
    (is_bare(f) && !f.exists() && placesim_scenario::presets::sweep(name).is_some()).then_some(name)
}

/// A name with no folder and no extension.
fn is_bare(f: &std::path::Path) -> bool {
    f.components().count() == 1 && f.extension().is_none()
}
