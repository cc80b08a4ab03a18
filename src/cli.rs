//! The command line's shape: the commands and the arguments several of them
//! share. Each command's own arguments are in its module under `commands`.

use crate::commands::{bench, check, merge, plot, rerun, run, schema, serve, slurm, sweep};
use crate::failure::Failure;
use clap::{Parser, Subcommand};
use placesim_core::limits::{self, Bounds};
use placesim_scenario::{Override, PlaceSetting, Scenario};
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "placesim",
    version,
    about = "Simulate the whole public service system of one place, with the Total Place barriers on or off.",
    after_help = "Examples:\n  placesim sweep                                # the flagship sweep into out/total-place/ (about a minute)\n  placesim plot out/total-place                 # redraw its charts and report.html\n  placesim run                                  # one run of the default place (silos), 10,000 citizens, 5 years\n  placesim run --preset total-place --seed 7 --out out/tp7\n  placesim run my-place.toml --set barriers.ring_fenced_budgets.strength=0\n  placesim check scenarios/total-place.sweep.toml\n  placesim scenarios\n  placesim bench --population 1000000 --weeks 260 --threads 2"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Run one place and write summary.json, timeseries.csv, agencies.csv and cost_shifting.csv.
    #[command(
        after_help = "Examples:\n  placesim run\n  placesim run --preset total-place --population 100000 --out out/tp --force\n  placesim run scenarios/leadership-only.toml --set leadership.whole_systems_weight=0.5"
    )]
    Run(run::Args),
    /// Run a sweep: variants x replicates in parallel on common random numbers, into tidy CSV files.
    #[command(
        after_help = "Examples:\n  placesim sweep                                   # the flagship: 8 variants x 100 replicates\n  placesim sweep scenarios/barrier-factorial.sweep.toml --replicates 10\n  placesim sweep --resume                          # finish an interrupted sweep\n  placesim sweep --resume --replicates 200         # add replicates to a finished one\n  placesim sweep my.sweep.toml --shard 0/4         # a quarter of the runs, for a cluster (docs/CLUSTER.md)\n\nOutputs in DIR: runs.csv (one row per run), comparison.csv (each variant against the\nbaseline, paired 95 % CIs), timeseries.csv, agencies.csv, cost_shifting.csv,\nmanifest.json (how to reproduce it), provenance.json (timing), runs/ (one folder per run),\nplots/ (SVG and PNG charts) and report.html (everything on one offline page)."
    )]
    Sweep(sweep::Args),
    /// Draw a sweep's charts (DIR/plots/, SVG and PNG) and its report (DIR/report.html) again.
    #[command(after_help = "Example:\n  placesim plot out/total-place")]
    Plot(plot::Args),
    /// Rerun one run of a sweep with its full weekly outputs (the same rows the sweep has for it).
    #[command(after_help = "Example:\n  placesim rerun out/total-place 17 --out out/run17")]
    Rerun(rerun::Args),
    /// Validate a scenario or sweep file and print it fully resolved (extends, overrides, variants).
    #[command(
        after_help = "Examples:\n  placesim check scenarios/total-place.toml\n  placesim check scenarios/barrier-factorial.sweep.toml"
    )]
    Check(check::Args),
    /// List the built-in scenarios and sweeps, one line each.
    Scenarios,
    /// Print the JSON Schema of scenario files (or of sweep files).
    #[command(
        after_help = "Examples:\n  placesim schema > scenario.schema.json\n  placesim schema sweep"
    )]
    Schema(schema::Args),
    /// Run a place without writing outputs; print citizen-steps per second, wall time and peak memory.
    #[command(
        after_help = "Example:\n  placesim bench --population 1000000 --weeks 260 --threads 2"
    )]
    Bench(bench::Args),
    /// Combine the folders of a sharded sweep into its final outputs (as if run on one machine).
    #[command(
        after_help = "Examples:\n  placesim merge out/total-place-shards/shard-* --out out/total-place\n\nRefuses shards of different sweeps (exit 2). If a shard or run is missing or failed it\nnames them, writes nothing and exits 1: run those shards again (they resume), then merge again."
    )]
    Merge(merge::Args),
    /// Write Slurm scripts that run a sweep as a job array of shards, then merge them.
    #[command(
        after_help = "Example:\n  placesim slurm scenarios/barrier-factorial.sweep.toml --shards 32 --out /scratch/$USER/factorial\n  bash /scratch/$USER/factorial/slurm/submit.sh\n\nWrites OUT/slurm/array.sbatch (one task per shard, each into OUT/shards/), OUT/slurm/merge.sbatch\n(merges OUT/shards/ into OUT/results/) and OUT/slurm/submit.sh (submits both, the merge with\n--dependency=afterok on the array). See docs/CLUSTER.md."
    )]
    Slurm(slurm::Job),
    /// Live dashboard for trainers: two places side by side in the browser, barriers switched while they run.
    #[command(
        after_help = "Examples:\n  placesim serve                          # silos, on http://127.0.0.1:8080/\n  placesim serve total-place --port 9000  # start both places from another preset\n  placesim serve my-place.toml            # or from a scenario file\n  placesim serve --bind 0.0.0.0           # let other machines in (no authentication!)\n  placesim serve --bind 0.0.0.0 --allow-host trainer-laptop   # and open it by a machine name\n\nThe page works offline. Each browser tab gets its own pair of places (2,000 citizens\nunless the page asks for more, up to --max-population); idle tabs expire."
    )]
    Serve(serve::Args),
}

/// What `run` and `bench` run: a place, its overrides and the threads.
#[derive(clap::Args)]
pub struct WorldArgs {
    /// A scenario file (.toml or .json) [default: the built-in default place].
    pub scenario: Option<PathBuf>,
    /// A built-in scenario by name (see `placesim scenarios`); not with a SCENARIO file.
    #[arg(long)]
    pub preset: Option<String>,
    /// Override a value by dotted key, e.g. --set barriers.ring_fenced_budgets.strength=0 (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// Random seed of the run [default: the scenario's].
    #[arg(long, allow_negative_numbers = true)]
    pub seed: Option<u64>,
    // `--ticks` was its name before it took the scenario files' word.
    #[arg(
        long,
        alias = "ticks",
        allow_negative_numbers = true,
        value_parser = whole(limits::WEEKS),
        help = ranged("Weeks counted after warm-up", limits::WEEKS, " [default: the scenario's]"),
    )]
    pub weeks: Option<u32>,
    #[arg(
        long,
        allow_negative_numbers = true,
        value_parser = whole(limits::WARMUP_WEEKS),
        help = ranged(
            "Weeks of warm-up, excluded from outcomes",
            limits::WARMUP_WEEKS,
            " [default: the scenario's]",
        ),
    )]
    pub warmup: Option<u32>,
    #[arg(
        long,
        allow_negative_numbers = true,
        value_parser = whole(limits::POPULATION),
        help = format!(
            "Simulated citizens, {} to {} [default: the scenario's]; each stands for residents/population people",
            limits::POPULATION.min,
            grouped(limits::POPULATION.max),
        ),
    )]
    pub population: Option<u32>,
    #[command(flatten)]
    pub threads: Threads,
}

impl WorldArgs {
    /// The scenario to run: a file, a preset or the default place, with every override applied.
    pub fn scenario(&self) -> Result<Scenario, Failure> {
        // The flags after --set, so that a flag wins over a --set of its key.
        let mut overrides = placesim_scenario::command_line_overrides(&self.set)?;
        let flags = [
            ("--seed", self.seed.map(PlaceSetting::Seed)),
            ("--weeks", self.weeks.map(PlaceSetting::Weeks)),
            ("--warmup", self.warmup.map(PlaceSetting::WarmupWeeks)),
            (
                "--population",
                self.population.map(PlaceSetting::Population),
            ),
        ];
        for (flag, setting) in flags {
            overrides.extend(setting.map(|s| Override::flag(flag, s)));
        }
        match (&self.scenario, &self.preset) {
            (Some(_), Some(_)) => Err(Failure::BadInput(
                "give either a SCENARIO file or --preset, not both".to_string(),
            )),
            (Some(file), None) => Ok(placesim_scenario::load_scenario(file, &overrides)?),
            (None, preset) => Ok(placesim_scenario::preset_as(
                "--preset",
                preset.as_deref().unwrap_or("default-place"),
                &overrides,
            )?),
        }
    }

    /// The worker threads of `--threads`.
    pub fn pool(&self) -> Result<rayon::ThreadPool, Failure> {
        self.threads.pool()
    }
}

/// The most worker threads a command (or a Slurm task) may ask for.
pub const THREADS: Bounds<u32> = Bounds::new(1, 1024);

/// `--threads`, shared by the commands that run places.
#[derive(clap::Args)]
pub struct Threads {
    /// Worker threads [default: all cores]. Results do not depend on it.
    #[arg(long, value_parser = whole(THREADS))]
    pub threads: Option<u32>,
}

impl Threads {
    /// The worker threads every command runs its places on.
    pub fn pool(&self) -> Result<rayon::ThreadPool, Failure> {
        let mut b = rayon::ThreadPoolBuilder::new();
        if let Some(n) = self.threads {
            b = b.num_threads(n as usize);
        }
        b.build()
            .map_err(|e| Failure::Failed(format!("cannot start worker threads: {e}")))
    }
}

/// A flag's parser for whole numbers in `bounds`; clap's message on a value
/// outside them states the range.
pub fn whole(bounds: Bounds<u32>) -> clap::builder::RangedI64ValueParser<u32> {
    clap::value_parser!(u32).range(i64::from(bounds.min)..=i64::from(bounds.max))
}

/// A flag's help that states its range: `what, MIN to MAX` and then `rest`.
pub fn ranged(what: &str, bounds: Bounds<u32>, rest: &str) -> String {
    format!("{what}, {} to {}{rest}", bounds.min, bounds.max)
}

/// A whole number with its thousands separated by commas (20,000,000).
fn grouped(n: u32) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
