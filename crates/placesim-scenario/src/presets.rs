//! The built-in presets: the files in `scenarios/`, embedded in the binary so
//! that no file is needed to run them.

/// A built-in scenario or sweep file.
#[derive(Clone, Copy, Debug)]
pub struct Preset {
    /// File name, e.g. `silos.toml`.
    pub file: &'static str,
    pub text: &'static str,
}

macro_rules! preset {
    ($file:literal) => {
        Preset {
            file: $file,
            text: include_str!(concat!("../../../scenarios/", $file)),
        }
    };
}

/// A built-in file by its path from the repository's root.
macro_rules! from_root {
    ($file:literal) => {
        Preset {
            file: $file,
            text: include_str!(concat!("../../../", $file)),
        }
    };
}

/// Every built-in scenario, in the order `placesim scenarios` lists them.
pub const SCENARIOS: &[Preset] = &[
    preset!("default-place.toml"),
    preset!("silos.toml"),
    preset!("total-place.toml"),
    preset!("pooled-budgets-only.toml"),
    preset!("shared-outcomes-only.toml"),
    preset!("multi-agency-teams-only.toml"),
    preset!("joined-up-referrals-only.toml"),
    preset!("lighter-burden-only.toml"),
    preset!("leadership-only.toml"),
    preset!("deprived-city.toml"),
    preset!("affluent-suburb.toml"),
    preset!("coastal-town.toml"),
    preset!("rural-county.toml"),
];

/// Every built-in sweep.
pub const SWEEPS: &[Preset] = &[
    preset!("total-place.sweep.toml"),
    preset!("barrier-factorial.sweep.toml"),
    preset!("pooling-and-targets.sweep.toml"),
    preset!("coupling-control.sweep.toml"),
    preset!("pooling-rules.sweep.toml"),
    preset!("leadership-and-targets.sweep.toml"),
    preset!("risk-concentration.sweep.toml"),
    preset!("lead-professional-price.sweep.toml"),
    preset!("learning.sweep.toml"),
    preset!("sensitivity.sweep.toml"),
    preset!("calibration.sweep.toml"),
    preset!("better-care-fund.sweep.toml"),
];

/// The shipped strategies of the benchmark (`strategies/`), by file
/// `strategies/NAME.toml`.
pub const STRATEGIES: &[Preset] = &[
    from_root!("strategies/silos.toml"),
    from_root!("strategies/pooled-budgets.toml"),
    from_root!("strategies/key-worker.toml"),
    from_root!("strategies/multi-disciplinary-teams.toml"),
    from_root!("strategies/single-front-door.toml"),
    from_root!("strategies/vanguard-measures.toml"),
    from_root!("strategies/social-prescribing.toml"),
    from_root!("strategies/total-place.toml"),
    from_root!("strategies/total-place-phased.toml"),
];

/// The benchmark's definition (`benchmark.toml`).
pub const BENCHMARK: Preset = from_root!("benchmark.toml");

/// The uncertain parameters of the default place (`scenarios/uncertainty.toml`).
pub const UNCERTAINTY: Preset = preset!("uncertainty.toml");

/// Every built-in file of calibration targets (`targets/`), by stem:
/// `england-place`.
pub const TARGETS: &[Preset] = &[Preset {
    file: "england-place.toml",
    text: include_str!("../../../targets/england-place.toml"),
}];

impl Preset {
    /// The preset's name: its file name without `.toml` (or `.sweep.toml`).
    pub fn stem(&self) -> &'static str {
        self.file
            .trim_end_matches(".toml")
            .trim_end_matches(".sweep")
    }

    /// The first line of the file's comment header, without `# `.
    pub fn summary(&self) -> &'static str {
        self.text
            .lines()
            .next()
            .unwrap_or("")
            .trim_start_matches('#')
            .trim()
    }
}

/// A built-in scenario by stem (`silos`) or file name (`silos.toml`).
pub fn scenario(name: &str) -> Option<&'static Preset> {
    SCENARIOS
        .iter()
        .find(|p| p.stem() == name || p.file == name)
}

/// A built-in sweep by stem (`total-place`) or file name (`total-place.sweep.toml`).
pub fn sweep(name: &str) -> Option<&'static Preset> {
    SWEEPS.iter().find(|p| p.stem() == name || p.file == name)
}

/// A built-in file of targets by stem (`england-place`) or file name
/// (`england-place.toml`).
pub fn targets(name: &str) -> Option<&'static Preset> {
    TARGETS.iter().find(|p| p.stem() == name || p.file == name)
}

/// A built-in file of any kind by file name.
pub fn by_file(file: &str) -> Option<&'static Preset> {
    SCENARIOS
        .iter()
        .chain(SWEEPS)
        .chain([&UNCERTAINTY, &BENCHMARK])
        .chain(TARGETS)
        .chain(STRATEGIES)
        .find(|p| p.file == file)
}
