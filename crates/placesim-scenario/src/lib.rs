//! placesim-scenario: scenario and sweep files → validated model parameters.
//!
//! A scenario (TOML, or the same structure in JSON) describes one place: its
//! residents and run, need domains and their coupling, citizens, agencies,
//! the five barriers with their strengths and prices, leadership, adaptation,
//! scheduled changes and output options. `extends` inherits from another
//! file; presets are embedded. A sweep names a base scenario and its
//! variants (named, factorial grid, zipped, Latin hypercube). A targets file
//! lists calibration targets: published figures, each with the model output
//! it is compared on, its uncertainties and its source. A posterior
//! ensemble (CSV) lists weighted parameter sets a sweep draws from, one per
//! replicate. Every problem
//! is reported with file, line, column, field and what is allowed. This crate
//! does not run simulations.

pub mod benchmark;
pub mod build;
pub mod check;
pub mod ensemble;
pub mod merge;
pub mod overrides;
pub mod presets;
pub mod prices;
pub mod problem;
pub mod raw;
pub mod source;
pub mod sweep;
pub mod targets;
pub mod uncertainty;

pub use build::{OutputOptions, Scenario};
pub use merge::Source;
pub use overrides::{command_line_overrides, Override, PlaceSetting};
pub use problem::{Problem, Problems};
pub use sweep::{Sweep, Variant};
pub use targets::Target;

use serde_json::Value;
use std::path::Path;

/// The JSON Schema of scenario files, derived from the raw types.
pub fn scenario_schema() -> Value {
    serde_json::to_value(schemars::schema_for!(raw::RawScenario)).unwrap_or(Value::Null)
}

/// The JSON Schema of sweep files.
pub fn sweep_schema() -> Value {
    serde_json::to_value(schemars::schema_for!(raw::RawSweep)).unwrap_or(Value::Null)
}

/// A scenario from a file, with overrides.
pub fn load_scenario(path: &Path, overrides: &[Override]) -> Result<Scenario, Problems> {
    sweep::scenario_with(&Source::File(path.to_path_buf()), overrides)
}

/// A built-in scenario by name (`silos`, `total-place`, ...), with overrides.
/// An unknown name is a problem of the setting `preset`.
pub fn preset(name: &str, overrides: &[Override]) -> Result<Scenario, Problems> {
    preset_as("preset", name, overrides)
}

/// [`preset`], with an unknown name reported as a problem of `field`: each
/// caller names the setting its user typed (the CLI's `--preset`, the
/// dashboard API's `preset`).
pub fn preset_as(field: &str, name: &str, overrides: &[Override]) -> Result<Scenario, Problems> {
    match presets::scenario(name) {
        Some(p) => sweep::scenario_with(&Source::Builtin(p.file), overrides),
        None => {
            let names: Vec<&str> = presets::SCENARIOS.iter().map(|p| p.stem()).collect();
            Err(Problem::in_file(
                field,
                format!(
                    "no preset `{name}`; presets: {}{}",
                    names.join(", "),
                    problem::suggestion(name, names.iter().copied())
                ),
            )
            .into())
        }
    }
}

/// Calibration targets from a file, in the file's order; an output may
/// name any run outcome ([`targets::outcome_names`]).
pub fn load_targets(path: &Path) -> Result<Vec<Target>, Problems> {
    targets::load(&Source::File(path.to_path_buf()), &targets::outcome_names())
}

/// Built-in calibration targets by name (`england-place`). An unknown
/// name is a problem of the setting `targets`.
pub fn targets_preset(name: &str) -> Result<Vec<Target>, Problems> {
    match presets::targets(name) {
        Some(p) => targets::load(&Source::Builtin(p.file), &targets::outcome_names()),
        None => {
            let names: Vec<&str> = presets::TARGETS.iter().map(|p| p.stem()).collect();
            Err(Problem::in_file(
                "targets",
                format!(
                    "no built-in targets `{name}`; built-in: {}{}",
                    names.join(", "),
                    problem::suggestion(name, names.iter().copied())
                ),
            )
            .into())
        }
    }
}

/// A sweep from a file.
pub fn load_sweep(path: &Path) -> Result<Sweep, Problems> {
    sweep::load(&Source::File(path.to_path_buf()))
}

/// A built-in sweep by name (`total-place`, `barrier-factorial`).
pub fn sweep_preset(name: &str) -> Result<Sweep, Problems> {
    match presets::sweep(name) {
        Some(p) => sweep::load(&Source::Builtin(p.file)),
        None => Err(Problem::in_file("sweep", format!("no built-in sweep `{name}`")).into()),
    }
}

/// Whether a file is a sweep: its name ends in `.sweep.toml` or `.sweep.json`,
/// or it has a top-level `base` (scenarios never do).
pub fn is_sweep(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if name.ends_with(".sweep.toml") || name.ends_with(".sweep.json") {
        return true;
    }
    Source::File(path.to_path_buf())
        .load()
        .map(|d| d.value.get("base").is_some())
        .unwrap_or(false)
}
