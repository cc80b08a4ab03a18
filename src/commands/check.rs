//! `placesim check`: validate a scenario or sweep and print it fully resolved.

use crate::failure::Failure;
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(clap::Args)]
pub struct Args {
    /// A scenario (.toml/.json), sweep (.sweep.toml/.sweep.json) or benchmark strategy file.
    pub file: PathBuf,
    /// Override a value by dotted key (scenarios only), e.g. --set place.population=50000.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
}

/// Validate a scenario or sweep and print it fully resolved, as TOML.
pub fn check(file: &Path, set: &[String]) -> Result<(), Failure> {
    use placesim_scenario::source::to_toml;
    let mut o = std::io::stdout().lock();
    let src = placesim_scenario::Source::File(file.to_path_buf());
    if !placesim_scenario::is_sweep(file)
        && file.exists()
        && placesim_scenario::benchmark::is_strategy(&src)
    {
        if !set.is_empty() {
            return Err(Failure::BadInput(
                "--set applies to scenarios, not strategies; put the strategy's values in its [set]"
                    .into(),
            ));
        }
        return check_strategy(&src, &mut o);
    }
    if placesim_scenario::is_sweep(file) {
        if !set.is_empty() {
            return Err(Failure::BadInput(
                "--set applies to scenarios, not sweeps; put overrides in the sweep's [set]".into(),
            ));
        }
        let sweep = placesim_scenario::load_sweep(file)?;
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
        let overrides = placesim_scenario::command_line_overrides(set)?;
        let scenario = placesim_scenario::load_scenario(file, &overrides)?;
        let _ = writeln!(o, "# {}: a valid scenario, fully resolved", file.display());
        let _ = write!(o, "{}", to_toml(&scenario.resolved));
    }
    Ok(())
}

/// A strategy checked on every place of the built-in benchmark, and the
/// values it sets on each (its `[scale]` resolved to the place's own);
/// printed only once every place has built.
fn check_strategy(src: &placesim_scenario::Source, o: &mut impl Write) -> Result<(), Failure> {
    use placesim_scenario::benchmark::{load_benchmark, load_strategy, strategy_on_place};
    use std::fmt::Write as _;
    let strategy = load_strategy(src)?;
    let definition = load_benchmark(
        &placesim_scenario::Source::Builtin(placesim_scenario::presets::BENCHMARK.file),
        &placesim_results::runs::outcome_names(),
    )?;
    let mut text = format!(
        "# {}: a valid strategy `{}` on every place of the built-in benchmark\n# {}\n# evidence: {}\n",
        src.name(),
        strategy.name,
        strategy.description,
        strategy.evidence
    );
    for place in &definition.places {
        let base = placesim_scenario::sweep::scenario_with(&place.1, &definition.set)?;
        let variant = strategy_on_place(&definition, place, &base.resolved, &strategy)?;
        let _ = writeln!(text, "\n# ---- on `{}`", place.0);
        for (k, v) in variant.overrides.iter().skip(definition.set.len()) {
            let _ = writeln!(text, "{k} = {v}");
        }
    }
    let _ = o.write_all(text.as_bytes());
    Ok(())
}
