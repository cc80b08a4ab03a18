//! `placesim check`: validate a scenario or sweep and print it fully resolved.

use crate::failure::Failure;
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(clap::Args)]
pub struct Args {
    /// A scenario (.toml/.json) or sweep (.sweep.toml/.sweep.json) file.
    pub file: PathBuf,
    /// Override a value by dotted key (scenarios only), e.g. --set place.population=50000.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
}

/// Validate a scenario or sweep and print it fully resolved, as TOML.
pub fn check(file: &Path, set: &[String]) -> Result<(), Failure> {
    use placesim_scenario::source::to_toml;
    let mut o = std::io::stdout().lock();
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
