//! `placesim sensitivity`: a Morris or Sobol design over a file of
//! uncertain parameters, run as a sweep (every variant at every point, on
//! common random numbers), then its indices, variance split and robustness.

use super::sweep::{execute, load, RunArgs};
use crate::failure::Failure;
use placesim_scenario::Source;
use placesim_sensitivity::design::Method;
use std::path::PathBuf;

/// The built-in design sweep `placesim sensitivity` runs without a FILE.
const DEFAULT_SWEEP: &str = "sensitivity";

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum MethodName {
    Morris,
    Sobol,
    /// A Latin hypercube: no indices, every point an independent draw (robustness, `placesim discover`).
    LatinHypercube,
}

#[derive(clap::Args)]
pub struct Args {
    /// A sweep file whose variants are compared at every point, or a built-in sweep's name [default: the built-in `sensitivity`: silos and total place on the default place at 2,000 citizens].
    pub file: Option<PathBuf>,
    /// The method: Morris screening (elementary effects), Sobol indices (Saltelli design), or a Latin hypercube (robustness and scenario discovery, no indices).
    #[arg(long, value_enum)]
    pub method: MethodName,
    /// Morris: trajectories (r), 2 to 1000; the design runs r (g + 1) points for g groups.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(2..=1000))]
    pub trajectories: u32,
    /// Morris: grid levels (p), an even number from 2 to 20.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(2..=20))]
    pub levels: u32,
    /// Sobol: base samples (N), 2 to 65536; a power of two balances the sequence. The design runs N (g + 2) points for g groups (a parameter alone is a group). Latin hypercube: its points.
    #[arg(long, default_value_t = 256, value_parser = clap::value_parser!(u32).range(2..=65536))]
    pub samples: u32,
    /// The file of uncertain parameters [default: the sweep's `uncertainty`, else the built-in uncertainty.toml].
    #[arg(long, value_name = "FILE")]
    pub uncertainty: Option<PathBuf>,
    /// Only these uncertain parameters (comma-separated dotted keys); the others stay at the scenario's values.
    #[arg(long, value_name = "KEY,KEY", value_delimiter = ',')]
    pub parameters: Vec<String>,
    #[command(flatten)]
    pub run: RunArgs,
}

pub fn sensitivity(mut a: Args) -> Result<(), Failure> {
    if let Some(file) = &a.run.ensemble {
        return Err(super::sweep::not_with_a_design(file));
    }
    let method = match a.method {
        MethodName::Morris => {
            if a.levels % 2 == 1 {
                return Err(Failure::BadInput(format!(
                    "--levels {}: allowed an even number from 2 to 20",
                    a.levels
                )));
            }
            Method::Morris {
                trajectories: a.trajectories as usize,
                levels: a.levels as usize,
            }
        }
        MethodName::Sobol => Method::Sobol {
            samples: a.samples as usize,
        },
        MethodName::LatinHypercube => Method::LatinHypercube {
            samples: a.samples as usize,
        },
    };
    let mut sweep = load(a.file.as_deref(), DEFAULT_SWEEP)?;
    let source = match (&a.uncertainty, &sweep.uncertainty) {
        (Some(f), _) => {
            if !f.exists() {
                return Err(Failure::BadInput(format!(
                    "--uncertainty {}: no such file",
                    f.display()
                )));
            }
            Source::File(f.clone())
        }
        (None, Some(s)) => s.clone(),
        (None, None) => Source::Builtin(placesim_scenario::presets::UNCERTAINTY.file),
    };
    let mut uncertain = placesim_scenario::uncertainty::load(&source)?;
    if !a.parameters.is_empty() {
        uncertain = placesim_scenario::uncertainty::only(uncertain, &a.parameters, &source.name())?;
    }
    let out = a.run.out.clone().unwrap_or_else(|| {
        let sharded = a.run.shard.is_some() || a.run.shard_from_env;
        PathBuf::from(format!(
            "out/{}-{}{}",
            sweep.name,
            method.name(),
            if sharded { "-shards" } else { "" }
        ))
    });
    // The design is drawn from the sweep seed: on resume, the folder's.
    let resumed_seed = a
        .run
        .resume
        .then(|| placesim_results::Manifest::read(&out).ok())
        .flatten()
        .map(|m| m.sweep_seed);
    sweep.seed = a.run.seed.or(resumed_seed).unwrap_or(sweep.seed);
    a.run.seed = Some(sweep.seed);
    a.run.out = Some(out);
    let sweep = sweep.with_design(&uncertain, &source.name(), method)?;
    if !a.run.quiet {
        let points = sweep.design.as_ref().map_or(0, |d| d.points.len());
        eprintln!(
            "{} design over {} uncertain parameters of {}: {points} points x {} variants",
            method.name(),
            uncertain.len(),
            source.name(),
            sweep.variants.len(),
        );
    }
    execute(&sweep, &a.run, "")
}
