//! The files `placesim calibrate` writes into its folder; docs/OUTPUTS.md
//! documents every column and docs/CALIBRATION.md how each is made.

use serde::{Deserialize, Serialize};

/// The settings (compared on `--resume`).
pub const SETTINGS: &str = "calibration.json";
/// One row per wave.
pub const WAVES: &str = "waves.csv";
/// One row per wave and target: its emulator's diagnostics.
pub const EMULATORS: &str = "emulators.csv";
/// One row per target after the last wave.
pub const TARGETS: &str = "targets.csv";
/// One row per pair of targets: how often they are met together.
pub const PAIRS: &str = "pairs.csv";
/// One row per calibrated parameter: prior, NROY and posterior.
pub const PARAMETERS: &str = "parameters.csv";
/// The candidates not ruled out, as parameter values.
pub const NROY: &str = "nroy.csv";
/// One row per generation of the posterior.
pub const GENERATIONS: &str = "generations.csv";
/// The posterior's weighted particles: `member,weight,KEY…`.
pub const POSTERIOR: &str = "posterior.csv";

/// One row of `waves.csv`.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct WaveRow {
    pub wave: u32,
    pub points: u64,
    pub runs: u64,
    /// Points the wave's emulators were fitted to: its own and the earlier
    /// waves' still inside the NROY it was drawn from.
    pub training_points: u64,
    /// Targets whose emulator passed leave-one-out and took part in the cut.
    pub trusted: u32,
    /// The implausibility rank the cut used (2: the second-largest).
    pub rank: u32,
    /// Share of the prior's candidates not ruled out after this wave.
    pub nroy_fraction: f64,
    /// Whether the truth (with --truth) is still not ruled out.
    pub truth_in_nroy: String,
    /// With --truth: the truth's implausibility under this wave for each
    /// target, `name=value` joined by spaces (NaN: not trusted).
    pub truth_implausibility: String,
}

/// One row of `emulators.csv`: one target's emulator in one wave.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct EmulatorRow {
    pub wave: u32,
    pub target: String,
    pub trusted: bool,
    /// The factor the emulator's variance was widened by (the mean square of
    /// its leave-one-out standardised errors, at least 1).
    pub inflation: f64,
    /// Share of leave-one-out standardised errors within ±2, and beyond ±3.
    pub loo_within_2: f64,
    pub loo_beyond_3: f64,
    /// The sd of one run's output about its point's mean, pooled over the wave.
    pub stochastic_sd: f64,
    /// The wave's points' run means: their least and most.
    pub model_min: f64,
    pub model_max: f64,
}

/// One row of `parameters.csv`: each calibrated parameter's prior and NROY.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct ParameterRow {
    pub parameter: String,
    pub prior_low: f64,
    pub prior_high: f64,
    /// The 5th and 95th percentiles of the parameter over the NROY points.
    pub nroy_p5: f64,
    pub nroy_p95: f64,
    /// The same as a share of the prior's 5th-to-95th-percentile width.
    pub width_share: f64,
    /// The posterior's weighted mean, 5th and 95th percentiles (NaN without one).
    pub posterior_mean: f64,
    pub posterior_p5: f64,
    pub posterior_p95: f64,
    /// The posterior's sd over the prior's, both in the unit cube (the prior's is 1/√12).
    pub posterior_sd_share: f64,
    /// The truth's value (with --truth), and whether the NROY range holds it.
    pub truth: f64,
    pub truth_covered: String,
    /// With --truth: whether the posterior's 5th-to-95th percentile range holds it.
    pub truth_in_posterior: String,
}

/// One row of `pairs.csv`: two targets met together, under the last wave,
/// in the NROY the last wave was fitted in (0: they conflict there).
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct PairRow {
    pub target_a: String,
    pub target_b: String,
    pub met_together: f64,
}

/// One row of `targets.csv`: each target after the last wave.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct TargetRow {
    pub target: String,
    pub output: String,
    pub observed: f64,
    pub observation_sd: f64,
    pub discrepancy_sd: f64,
    /// Share of the candidates in the NROY the last wave was fitted in
    /// (the waves before it) where this target alone is met (its
    /// implausibility under the last wave at most 3).
    pub met_alone: f64,
    /// The least implausibility of the target over those candidates.
    pub least_implausibility: f64,
    /// Whether it is met somewhere in the final NROY.
    pub met_in_nroy: bool,
    /// The posterior's runs: the weighted mean, 5th and 95th percentiles of
    /// the particles' run means (NaN without a posterior).
    pub posterior_mean: f64,
    pub posterior_p5: f64,
    pub posterior_p95: f64,
}

/// One row of `generations.csv`.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct GenerationRow {
    pub generation: u32,
    /// `emulators` (weighed by the last wave's emulators, no runs) or
    /// `runs` (the model run at draws of the emulators' posterior).
    pub stage: String,
    pub particles: u64,
    pub runs: u64,
    /// Kish's effective sample size of the generation's weights.
    pub effective_size: f64,
    /// The temperature its likelihood was tempered by to keep that size at
    /// half its particles or more (1: the posterior itself).
    pub temperature: f64,
    /// The emulators' stage: the share of the round's Metropolis moves
    /// accepted (NaN for the runs).
    pub accepted: f64,
}
