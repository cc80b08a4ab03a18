//! The `placesim` command line: arguments, progress, outputs and exit codes.
//! Model logic lives in `placesim-core`; this file only drives it.

mod slurm;

use clap::{Parser, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use placesim_core::params::MAX_POPULATION;
use placesim_core::{Finished, Run};
use placesim_scenario::{Problems, Scenario};
use std::convert::Infallible;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use placesim_batch::output;

#[derive(Parser)]
#[command(
    name = "placesim",
    version,
    about = "Simulate the whole public service system of one place, with the Total Place barriers on or off.",
    after_help = "Examples:\n  placesim sweep                                # the flagship sweep into out/total-place/ (about a minute)\n  placesim plot out/total-place                 # redraw its charts and report.html\n  placesim run                                  # one run of the default place (silos), 10,000 citizens, 5 years\n  placesim run --preset total-place --seed 7 --out out/tp7\n  placesim run my-place.toml --set barriers.ring_fenced_budgets.strength=0\n  placesim check scenarios/total-place.sweep.toml\n  placesim scenarios\n  placesim bench --population 1000000 --ticks 260 --threads 2"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run one place and write summary.json, timeseries.csv, agencies.csv and cost_shifting.csv.
    #[command(
        after_help = "Examples:\n  placesim run\n  placesim run --preset total-place --population 100000 --out out/tp --force\n  placesim run scenarios/leadership-only.toml --set leadership.whole_systems_weight=0.5"
    )]
    Run {
        #[command(flatten)]
        world: WorldArgs,
        /// Output folder [default: out/<scenario name>-seed<N>/]. Must be empty or new unless --force.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Overwrite the outputs of an earlier run in the output folder.
        #[arg(long)]
        force: bool,
    },
    /// Run a sweep: variants x replicates in parallel on common random numbers, into tidy CSV files.
    #[command(
        after_help = "Examples:\n  placesim sweep                                   # the flagship: 8 variants x 100 replicates\n  placesim sweep scenarios/barrier-factorial.sweep.toml --replicates 10\n  placesim sweep --resume                          # finish an interrupted sweep\n  placesim sweep --resume --replicates 200         # add replicates to a finished one\n  placesim sweep my.sweep.toml --shard 0/4         # a quarter of the runs, for a cluster (docs/CLUSTER.md)\n\nOutputs in DIR: runs.csv (one row per run), comparison.csv (each variant against the\nbaseline, paired 95 % CIs), timeseries.csv, agencies.csv, cost_shifting.csv,\nmanifest.json (how to reproduce it), provenance.json (timing), runs/ (one folder per run),\nplots/ (SVG and PNG charts) and report.html (everything on one offline page)."
    )]
    Sweep(SweepArgs),
    /// Draw a sweep's charts (DIR/plots/, SVG and PNG) and its report (DIR/report.html) again.
    #[command(after_help = "Example:\n  placesim plot out/total-place")]
    Plot {
        /// The sweep's results folder.
        dir: PathBuf,
    },
    /// Rerun one run of a sweep with its full weekly outputs (the same rows the sweep has for it).
    #[command(after_help = "Example:\n  placesim rerun out/total-place 17 --out out/run17")]
    Rerun {
        /// The sweep's results folder.
        dir: PathBuf,
        /// The run's run_id (first column of runs.csv).
        run_id: u64,
        /// Output folder [default: DIR/rerun-<RUN_ID>/].
        #[arg(long)]
        out: Option<PathBuf>,
        /// Overwrite an earlier rerun in the output folder.
        #[arg(long)]
        force: bool,
    },
    /// Validate a scenario or sweep file and print it fully resolved (extends, overrides, variants).
    #[command(
        after_help = "Examples:\n  placesim check scenarios/total-place.toml\n  placesim check scenarios/barrier-factorial.sweep.toml"
    )]
    Check {
        /// A scenario (.toml/.json) or sweep (.sweep.toml/.sweep.json) file.
        file: PathBuf,
        /// Override a value by dotted key (scenarios only), e.g. --set place.population=50000.
        #[arg(long = "set", value_name = "KEY=VALUE")]
        set: Vec<String>,
    },
    /// List the built-in scenarios and sweeps, one line each.
    Scenarios,
    /// Print the JSON Schema of scenario files (or of sweep files).
    #[command(
        after_help = "Examples:\n  placesim schema > scenario.schema.json\n  placesim schema sweep"
    )]
    Schema {
        /// Which format.
        #[arg(value_enum, default_value = "scenario")]
        format: SchemaFormat,
    },
    /// Run a place without writing outputs; print citizen-steps per second, wall time and peak memory.
    #[command(
        after_help = "Example:\n  placesim bench --population 1000000 --ticks 260 --threads 2"
    )]
    Bench {
        #[command(flatten)]
        world: WorldArgs,
    },
    /// Combine the folders of a sharded sweep into its final outputs (as if run on one machine).
    #[command(
        after_help = "Examples:\n  placesim merge out/total-place-shards/shard-* --out out/total-place\n\nRefuses shards of different sweeps (exit 2). If a shard or run is missing or failed it\nnames them, writes nothing and exits 1: run those shards again (they resume), then merge again."
    )]
    Merge {
        /// Shard folders (OUT/shard-KKKK-of-NNNN from `placesim sweep --shard`).
        #[arg(required = true)]
        shards: Vec<PathBuf>,
        /// Results folder for the merged sweep.
        #[arg(long)]
        out: PathBuf,
        /// Replace the results of an earlier, different sweep in --out.
        #[arg(long)]
        force: bool,
        /// Print nothing but errors.
        #[arg(long)]
        quiet: bool,
    },
    /// Write Slurm scripts that run a sweep as a job array of shards, then merge them.
    #[command(
        after_help = "Example:\n  placesim slurm scenarios/barrier-factorial.sweep.toml --shards 32 --out /scratch/$USER/factorial\n  bash /scratch/$USER/factorial/slurm/submit.sh\n\nWrites OUT/slurm/array.sbatch (one task per shard, each into OUT/shards/), OUT/slurm/merge.sbatch\n(merges OUT/shards/ into OUT/results/) and OUT/slurm/submit.sh (submits both, the merge with\n--dependency=afterok on the array). See docs/CLUSTER.md."
    )]
    Slurm {
        /// The sweep file (.sweep.toml or .sweep.json).
        file: PathBuf,
        /// Number of shards (array tasks), 1 to 100000.
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..=100_000))]
        shards: u32,
        /// Folder for scripts, shards and results [default: out/<sweep name>].
        #[arg(long)]
        out: Option<PathBuf>,
        /// CPUs per array task (worker threads of each shard).
        #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u32).range(1..=1024))]
        cpus_per_task: u32,
        /// Wall-time limit per task, as Slurm takes it (e.g. 01:00:00).
        #[arg(long, default_value = "01:00:00")]
        time: String,
        /// Slurm partition [default: the cluster's default].
        #[arg(long)]
        partition: Option<String>,
    },
    /// Live dashboard for trainers: two places side by side in the browser, barriers switched while they run.
    #[command(
        after_help = "Examples:\n  placesim serve                          # silos, on http://127.0.0.1:8080/\n  placesim serve total-place --port 9000  # start both places from another preset\n  placesim serve my-place.toml            # or from a scenario file\n  placesim serve --bind 0.0.0.0           # let other machines in (no authentication!)\n\nThe page works offline. Each browser tab gets its own pair of places (2,000 citizens\nunless the page asks for more, up to --max-population); idle tabs expire."
    )]
    Serve {
        /// A built-in preset (see `placesim scenarios`) or a scenario file [default: silos].
        scenario: Option<String>,
        /// Address to listen on. Only 127.0.0.1 (this machine) unless you mean otherwise.
        #[arg(long, default_value = "127.0.0.1")]
        bind: std::net::IpAddr,
        /// Port to listen on (0: any free port).
        #[arg(long, default_value_t = 8080)]
        port: u16,
        /// Most browser tabs served at once, 1 to 1000.
        #[arg(long, default_value_t = 48, value_parser = clap::value_parser!(u32).range(1..=1000))]
        max_sessions: u32,
        /// Largest population a tab may ask for, 100 to 100000.
        #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u32).range(100..=100_000))]
        max_population: u32,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum SchemaFormat {
    Scenario,
    Sweep,
}

#[derive(clap::Args)]
struct WorldArgs {
    /// A scenario file (.toml or .json) [default: the built-in default place].
    scenario: Option<PathBuf>,
    /// A built-in scenario by name (see `placesim scenarios`); not with a SCENARIO file.
    #[arg(long)]
    preset: Option<String>,
    /// Override a value by dotted key, e.g. --set barriers.ring_fenced_budgets.strength=0 (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<String>,
    /// Random seed of the run [default: the scenario's].
    #[arg(long, allow_negative_numbers = true)]
    seed: Option<u64>,
    /// Weeks counted after warm-up, 1 to 5200 [default: the scenario's].
    #[arg(long, allow_negative_numbers = true, value_parser = clap::value_parser!(u32).range(1..=5200))]
    ticks: Option<u32>,
    /// Weeks of warm-up, excluded from outcomes, 0 to 5200 [default: the scenario's].
    #[arg(long, allow_negative_numbers = true, value_parser = clap::value_parser!(u32).range(0..=5200))]
    warmup: Option<u32>,
    /// Simulated citizens, 1 to 20,000,000 [default: the scenario's]; each stands for residents/population people.
    #[arg(long, allow_negative_numbers = true, value_parser = clap::value_parser!(u32).range(1..=MAX_POPULATION as i64))]
    population: Option<u32>,
    /// Worker threads [default: all cores]. Results do not depend on it.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1024))]
    threads: Option<u32>,
}

impl WorldArgs {
    /// The scenario to run: a file, a preset or the default place, with every override applied.
    fn scenario(&self) -> Result<Scenario, Failure> {
        let mut settings = self.set.clone();
        let mut flag = |key: &str, v: Option<String>| {
            if let Some(v) = v {
                settings.push(format!("{key}={v}"));
            }
        };
        flag("place.seed", self.seed.map(|x| x.to_string()));
        flag("place.weeks", self.ticks.map(|x| x.to_string()));
        flag("place.warmup_weeks", self.warmup.map(|x| x.to_string()));
        flag("place.population", self.population.map(|x| x.to_string()));
        let overrides = placesim_scenario::command_line_overrides(&settings).map_err(bad)?;
        match (&self.scenario, &self.preset) {
            (Some(_), Some(_)) => Err(Failure::BadInput(
                "give either a SCENARIO file or --preset, not both".to_string(),
            )),
            (Some(file), None) => placesim_scenario::load_scenario(file, &overrides).map_err(bad),
            (None, preset) => {
                placesim_scenario::preset(preset.as_deref().unwrap_or("default-place"), &overrides)
                    .map_err(bad)
            }
        }
    }

    fn pool(&self) -> Result<rayon::ThreadPool, Failure> {
        let mut b = rayon::ThreadPoolBuilder::new();
        if let Some(n) = self.threads {
            b = b.num_threads(n as usize);
        }
        b.build()
            .map_err(|e| Failure::Failed(format!("cannot start worker threads: {e}")))
    }
}

fn bad(p: Problems) -> Failure {
    Failure::BadInput(p.to_string())
}

/// How a command failed: bad input exits 2, anything else 1.
#[derive(Debug, thiserror::Error)]
enum Failure {
    #[error("{0}")]
    BadInput(String),
    #[error("{0}")]
    Failed(String),
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return usage_error(e),
    };
    let result = match cli.command {
        Command::Run { world, out, force } => run(&world, out, force),
        Command::Sweep(args) => sweep(args),
        Command::Rerun {
            dir,
            run_id,
            out,
            force,
        } => rerun(&dir, run_id, out, force),
        Command::Plot { dir } => plot(&dir, false),
        Command::Check { file, set } => check(&file, &set),
        Command::Scenarios => {
            scenarios();
            Ok(())
        }
        Command::Schema { format } => {
            schema(format);
            Ok(())
        }
        Command::Bench { world } => bench(&world),
        Command::Merge {
            shards,
            out,
            force,
            quiet,
        } => merge(&shards, &out, force, quiet),
        Command::Slurm {
            file,
            shards,
            out,
            cpus_per_task,
            time,
            partition,
        } => slurm::write_scripts(&slurm::Job {
            sweep_file: file,
            shards,
            out,
            cpus_per_task,
            time,
            partition,
        })
        .map_err(|e| match e {
            slurm::Error::BadInput(m) => Failure::BadInput(m),
            slurm::Error::Failed(m) => Failure::Failed(m),
        }),
        Command::Serve {
            scenario,
            bind,
            port,
            max_sessions,
            max_population,
        } => serve(
            scenario.as_deref(),
            std::net::SocketAddr::new(bind, port),
            max_sessions,
            max_population,
        ),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::BadInput(msg)) => {
            eprintln!("error: {msg}");
            ExitCode::from(2)
        }
        Err(Failure::Failed(msg)) => {
            eprintln!("error: {msg}");
            ExitCode::from(1)
        }
    }
}

fn run(args: &WorldArgs, out: Option<PathBuf>, force: bool) -> Result<(), Failure> {
    let scenario = args.scenario()?;
    let params = scenario.params;
    let out = out.unwrap_or_else(|| {
        PathBuf::from(format!("out/{}-seed{}", scenario.name, params.place.seed))
    });
    check_output_folder(&out, force)?;
    let pool = args.pool()?;
    fs::create_dir_all(&out).map_err(|e| {
        Failure::BadInput(format!(
            "cannot create output folder {}: {e}",
            out.display()
        ))
    })?;
    let total = params.place.total_ticks() as u64;
    let bar = progress(total, "weeks");
    let mut writer = output::RunWriter::create(&out).map_err(|e| Failure::Failed(e.to_string()))?;
    // The whole run inside the pool: the serial agency phases then run on a
    // worker that shares the citizen pass, not on a thread that hands each
    // week over (measured: better 1 -> 2 thread scaling at 10^6 citizens).
    let finished = pool.install(|| -> Result<Finished, Failure> {
        let mut run = Run::new(params, scenario.output.every_weeks);
        run.to_end(|week| {
            writer
                .week(&week)
                .map_err(|e| Failure::Failed(e.to_string()))?;
            bar.inc(1);
            Ok(())
        })?;
        Ok(run.finish())
    })?;
    bar.finish_and_clear();
    writer
        .finish(&finished)
        .map_err(|e| Failure::Failed(e.to_string()))?;
    print_summary(&finished.summary, &out);
    Ok(())
}

#[derive(clap::Args)]
struct SweepArgs {
    /// A sweep file (.sweep.toml or .sweep.json) [default: the built-in flagship, total-place].
    file: Option<PathBuf>,
    /// Results folder [default: out/<sweep name>/; with a shard, out/<sweep name>-shards/].
    #[arg(long)]
    out: Option<PathBuf>,
    /// Replicates per variant, 1 to 100000 [default: the sweep's].
    #[arg(long, allow_negative_numbers = true, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    replicates: Option<u32>,
    /// Sweep seed [default: the sweep's].
    #[arg(long, allow_negative_numbers = true)]
    seed: Option<u64>,
    /// Keep every N-th week in timeseries.csv and agencies.csv, 1 to 520 [default: the scenario's output.every_weeks].
    #[arg(long, allow_negative_numbers = true, value_parser = clap::value_parser!(u32).range(1..=520))]
    every: Option<u32>,
    /// Worker threads [default: all cores]. Results do not depend on it.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1024))]
    threads: Option<u32>,
    /// Finish the missing runs of the sweep in the folder (or add replicates to it).
    #[arg(long)]
    resume: bool,
    /// Delete the previous results in the folder and start again.
    #[arg(long)]
    force: bool,
    /// Print nothing but errors.
    #[arg(long)]
    quiet: bool,
    /// Run only shard K of N (K from 0) into OUT/shard-KKKK-of-NNNN/; merge the shards with `placesim merge`.
    #[arg(long, value_name = "K/N", value_parser = parse_shard, conflicts_with = "shard_from_env")]
    shard: Option<placesim_batch::Shard>,
    /// Take the shard from the scheduler: Slurm job arrays (SLURM_ARRAY_TASK_ID − SLURM_ARRAY_TASK_MIN of SLURM_ARRAY_TASK_COUNT) or Kubernetes indexed jobs (JOB_COMPLETION_INDEX, with --shards N).
    #[arg(long)]
    shard_from_env: bool,
    /// Number of shards, for --shard-from-env on Kubernetes (JOB_COMPLETION_INDEX).
    #[arg(long, value_name = "N", requires = "shard_from_env")]
    shards: Option<u32>,
}

fn parse_shard(text: &str) -> Result<placesim_batch::Shard, String> {
    placesim_batch::Shard::parse(text)
}

fn batch_failure(e: placesim_batch::BatchError) -> Failure {
    match e {
        placesim_batch::BatchError::BadInput(m) => Failure::BadInput(m),
        other => Failure::Failed(other.to_string()),
    }
}

fn sweep(a: SweepArgs) -> Result<(), Failure> {
    use std::io::IsTerminal;
    let sweep = match &a.file {
        Some(f) => placesim_scenario::load_sweep(f).map_err(bad)?,
        None => placesim_scenario::sweep_preset("total-place").map_err(bad)?,
    };
    let every = a.every.unwrap_or_else(|| {
        sweep
            .variants
            .first()
            .map_or(1, |v| v.scenario.output.every_weeks)
    });
    let opts = placesim_batch::SweepOptions {
        out: a.out.clone().unwrap_or_else(|| {
            let sharded = a.shard.is_some() || a.shard_from_env;
            PathBuf::from(format!(
                "out/{}{}",
                sweep.name,
                if sharded { "-shards" } else { "" }
            ))
        }),
        replicates: a.replicates,
        seed: a.seed,
        resume: a.resume,
        force: a.force,
        every_weeks: every,
        shard: if a.shard_from_env {
            Some(
                placesim_batch::Shard::from_env(|k| std::env::var(k).ok(), a.shards)
                    .map_err(Failure::BadInput)?,
            )
        } else {
            a.shard
        },
    };
    let mut pool = rayon::ThreadPoolBuilder::new();
    if let Some(n) = a.threads {
        pool = pool.num_threads(n as usize);
    }
    let pool = pool
        .build()
        .map_err(|e| Failure::Failed(format!("cannot start worker threads: {e}")))?;
    let replicates = a.replicates.unwrap_or(sweep.replicates);
    let total = sweep.variants.len() as u64 * replicates as u64;
    if !a.quiet {
        eprintln!(
            "sweep `{}`: {} variants x {} replicates = {} runs, {} threads, into {}",
            sweep.name,
            sweep.variants.len(),
            replicates,
            total,
            pool.current_num_threads(),
            opts.out.display()
        );
    }
    let terminal = std::io::stderr().is_terminal();
    let bar = (!a.quiet && terminal).then(|| {
        let bar = ProgressBar::new(total);
        if let Ok(style) = ProgressStyle::with_template(
            "{elapsed_precise} [{bar:40}] {pos}/{len} runs (eta {eta}) {msg}",
        ) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar
    });
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
    let report = pool
        .install(|| placesim_batch::run_sweep(&sweep, &opts, &progress))
        .map_err(batch_failure)?;
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
    failures(&report, &opts.out)
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

fn merge(shards: &[PathBuf], out: &Path, force: bool, quiet: bool) -> Result<(), Failure> {
    let report = placesim_batch::merge(shards, out, force).map_err(batch_failure)?;
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

/// A few headline rows of comparison.csv: each variant's paired difference from the baseline.
fn print_comparison(path: &Path) {
    let Ok(comparison) = placesim_results::comparison::read(path) else {
        return;
    };
    let wanted = [
        "crisis_events",
        "failure_demand_share",
        "wellbeing_weeks_per_million",
        "total_spend",
    ];
    println!(
        "{:<28} {:>24} {:>24} {:>24} {:>24}",
        "variant - baseline", wanted[0], wanted[1], wanted[2], wanted[3]
    );
    let mut rows: Vec<(String, [String; 4])> = Vec::new();
    for c in &comparison {
        let Some(col) = wanted.iter().position(|w| *w == c.outcome) else {
            continue;
        };
        if rows.last().is_none_or(|(v, _)| *v != c.variant) {
            rows.push((c.variant.clone(), Default::default()));
        }
        if let Some((_, cells)) = rows.last_mut() {
            cells[col] = format!("{} ± {}", short(c.mean_diff), short(c.ci_half_width));
        }
    }
    for (variant, cells) in rows {
        println!(
            "{:<28} {:>24} {:>24} {:>24} {:>24}",
            variant, cells[0], cells[1], cells[2], cells[3]
        );
    }
}

fn short(x: f64) -> String {
    if x.abs() >= 1e6 {
        format!("{:.2}e6", x / 1e6)
    } else if x.abs() >= 100.0 {
        format!("{x:.0}")
    } else {
        format!("{x:.4}")
    }
}

/// Draw the charts and the report of a results folder.
fn plot(dir: &Path, quiet: bool) -> Result<(), Failure> {
    let written = placesim_plot::plot(dir).map_err(|e| match e {
        placesim_plot::PlotError::BadInput(m) => Failure::BadInput(m),
        placesim_plot::PlotError::Io(m) => Failure::Failed(m),
    })?;
    if !quiet {
        println!(
            "{} charts and report.html in {}",
            written.len().saturating_sub(1) / 2,
            dir.display()
        );
    }
    Ok(())
}

fn rerun(dir: &Path, run_id: u64, out: Option<PathBuf>, force: bool) -> Result<(), Failure> {
    let out = out.unwrap_or_else(|| dir.join(format!("rerun-{run_id}")));
    check_output_folder(&out, force)?;
    let summary = placesim_batch::rerun(dir, run_id, &out).map_err(batch_failure)?;
    print_summary(&summary, &out);
    Ok(())
}

/// Validate a scenario or sweep and print it fully resolved, as TOML.
fn check(file: &Path, set: &[String]) -> Result<(), Failure> {
    use placesim_scenario::source::to_toml;
    let mut o = std::io::stdout().lock();
    if placesim_scenario::is_sweep(file) {
        if !set.is_empty() {
            return Err(Failure::BadInput(
                "--set applies to scenarios, not sweeps; put overrides in the sweep's [set]".into(),
            ));
        }
        let sweep = placesim_scenario::load_sweep(file).map_err(bad)?;
        let _ = writeln!(
            o,
            "# {}: a valid sweep of {} variants x {} replicates (seed {}, baseline `{}`)",
            file.display(),
            sweep.variants.len(),
            sweep.replicates,
            sweep.seed,
            sweep.baseline
        );
        for v in &sweep.variants {
            let _ = writeln!(
                o,
                "\n# ---- variant `{}`{}",
                v.name,
                if v.name == sweep.baseline {
                    " (baseline)"
                } else {
                    ""
                }
            );
            for (k, val) in &v.overrides {
                let _ = writeln!(o, "# {k} = {val}");
            }
            let _ = write!(o, "{}", to_toml(&v.scenario.resolved));
        }
    } else {
        let overrides = placesim_scenario::command_line_overrides(set).map_err(bad)?;
        let scenario = placesim_scenario::load_scenario(file, &overrides).map_err(bad)?;
        let _ = writeln!(o, "# {}: a valid scenario, fully resolved", file.display());
        let _ = write!(o, "{}", to_toml(&scenario.resolved));
    }
    Ok(())
}

fn scenarios() {
    use placesim_scenario::presets::{SCENARIOS, SWEEPS};
    let mut o = std::io::stdout().lock();
    for p in SCENARIOS {
        let _ = writeln!(o, "{:<26} {}", p.stem(), p.summary());
    }
    for p in SWEEPS {
        let _ = writeln!(o, "{:<26} {}", format!("{} (sweep)", p.stem()), p.summary());
    }
}

fn schema(format: SchemaFormat) {
    let value = match format {
        SchemaFormat::Scenario => placesim_scenario::scenario_schema(),
        SchemaFormat::Sweep => placesim_scenario::sweep_schema(),
    };
    println!(
        "{}",
        serde_json::to_string_pretty(&value).unwrap_or_default()
    );
}

/// Help and version go to stdout as clap renders them; a usage error becomes
/// one line on stderr (clap's message and its hints, without the usage block)
/// and exit code 2.
fn usage_error(e: clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
        let _ = e.print();
        return ExitCode::SUCCESS;
    }
    if e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
        let _ = e.print();
        return ExitCode::from(2);
    }
    let text = e.render().to_string();
    let line: Vec<&str> = text
        .lines()
        .map(str::trim)
        .take_while(|l| !l.starts_with("Usage:"))
        .filter(|l| !l.is_empty() && !l.starts_with("For more information"))
        .collect();
    eprintln!("{}; see 'placesim --help'", line.join(" "));
    ExitCode::from(2)
}

/// Refuse an output path that is a file, or a non-empty folder without --force.
fn check_output_folder(out: &Path, force: bool) -> Result<(), Failure> {
    match fs::metadata(out) {
        Ok(m) if !m.is_dir() => Err(Failure::BadInput(format!(
            "output path {} is a file, not a folder; give --out a folder",
            out.display()
        ))),
        Ok(_) => {
            let non_empty = fs::read_dir(out)
                .map_err(|e| {
                    Failure::BadInput(format!("cannot read output folder {}: {e}", out.display()))
                })?
                .next()
                .is_some();
            if non_empty && !force {
                Err(Failure::BadInput(format!(
                    "output folder {} is not empty; add --force to overwrite it or choose another --out",
                    out.display()
                )))
            } else {
                Ok(())
            }
        }
        Err(_) => Ok(()),
    }
}

fn progress(total: u64, unit: &str) -> ProgressBar {
    let bar = ProgressBar::new(total);
    let template = format!("{{elapsed_precise}} [{{bar:40}}] {{pos}}/{{len}} {unit} (eta {{eta}})");
    if let Ok(style) = ProgressStyle::with_template(&template) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

fn print_summary(s: &placesim_core::Summary, out: &Path) {
    let mut o = std::io::stdout().lock();
    let m = |x: f64| format!("£{:.1}m", x / 1e6);
    let rows = [
        (
            "citizens (weight)",
            format!("{} ({:.1} residents each)", s.population, s.weight),
        ),
        (
            "weeks counted",
            format!("{} after {} weeks of warm-up", s.ticks, s.warmup_ticks),
        ),
        ("total spend (PV)", m(s.total_spend)),
        (
            "crisis share of spend",
            format!("{:.1} %", 100.0 * s.crisis_spend_share),
        ),
        (
            "prevention share of spend",
            format!("{:.1} %", 100.0 * s.prevention_spend_share),
        ),
        ("overspend", m(s.overspend)),
        ("mean wellbeing", format!("{:.4}", s.mean_wellbeing)),
        (
            "low-decile wellbeing",
            format!("{:.4}", s.low_decile_wellbeing),
        ),
        (
            "wellbeing-weeks per £m",
            format!("{:.0}", s.wellbeing_weeks_per_million),
        ),
        ("crisis events", format!("{:.0}", s.crisis_events)),
        ("contacts", format!("{:.0}", s.contacts)),
        (
            "failure demand share",
            format!("{:.1} %", 100.0 * s.failure_demand_share),
        ),
        (
            "costliest 5 % share of spend",
            format!("{:.1} %", 100.0 * s.top5_cost_share),
        ),
        ("mean wait", format!("{:.2} weeks", s.mean_wait)),
        (
            "referrals lost",
            format!("{:.0} of {:.0}", s.referrals_lost, s.referrals_made),
        ),
    ];
    for (k, v) in rows {
        let _ = writeln!(o, "{k:<30} {v}");
    }
    let _ = writeln!(o, "outputs in {}", out.display());
}

fn bench(args: &WorldArgs) -> Result<(), Failure> {
    let params = args.scenario()?.params;
    let pool = args.pool()?;
    let steps = params.place.population as f64 * params.place.total_ticks() as f64;
    let start = Instant::now();
    let mut sim = pool.install(|| Run::new(params, 1));
    let built = start.elapsed();
    let Ok(()) = pool.install(|| sim.to_end(|_| Ok::<_, Infallible>(())));
    let wall = start.elapsed();
    let world = sim.world();
    let run = wall - built;
    println!("threads               {}", pool.current_num_threads());
    println!(
        "citizens x weeks      {} x {}",
        world.params().place.population,
        world.params().place.total_ticks()
    );
    println!(
        "wall time             {:.3} s ({:.3} s building the place)",
        wall.as_secs_f64(),
        built.as_secs_f64()
    );
    let phases = world.phase_time();
    println!(
        "of which              {:.3} s citizen pass (parallel), {:.3} s agency phases (serial)",
        phases.citizens.as_secs_f64(),
        phases.rest.as_secs_f64()
    );
    println!("citizen-steps/s       {:.0}", steps / run.as_secs_f64());
    println!(
        "per thread            {:.0}",
        steps / run.as_secs_f64() / pool.current_num_threads() as f64
    );
    match peak_memory_kib() {
        Some(kib) => println!("peak memory           {:.1} MB", kib as f64 * 1024.0 / 1e6),
        None => println!("peak memory           unknown on this system"),
    }
    Ok(())
}

fn serve(
    scenario: Option<&str>,
    addr: std::net::SocketAddr,
    max_sessions: u32,
    max_population: u32,
) -> Result<(), Failure> {
    let default = match scenario {
        None => placesim_scenario::preset("silos", &[]).map_err(bad)?,
        Some(name) if placesim_scenario::presets::scenario(name).is_some() => {
            placesim_scenario::preset(name, &[]).map_err(bad)?
        }
        Some(file) => placesim_scenario::load_scenario(Path::new(file), &[]).map_err(bad)?,
    };
    let config = placesim_serve::Config {
        addr,
        max_sessions: max_sessions as usize,
        max_population,
        default_scenario: (default.name.clone(), default.params),
        ..placesim_serve::Config::default()
    };
    placesim_serve::serve(config).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AddrInUse
            || e.kind() == std::io::ErrorKind::AddrNotAvailable
        {
            Failure::BadInput(format!(
                "cannot listen on {addr}: {e}; choose another --port or --bind"
            ))
        } else {
            Failure::Failed(format!("serve: {e}"))
        }
    })
}

/// Peak resident memory of this process (Linux `VmHWM`), KiB.
fn peak_memory_kib() -> Option<u64> {
    let status = fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
