//! Arguments several commands share: a place to run with its overrides
//! (`WorldArgs`), `--threads`, and flags whose parser and help state their
//! range from core's `limits`. Commands import these; `cli` assembles the
//! commands.

use crate::failure::Failure;
use placesim_core::limits::{self, Bounds};
use placesim_scenario::{Override, PlaceSetting, Scenario};
use std::path::PathBuf;

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
