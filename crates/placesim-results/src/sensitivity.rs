//! The files a sensitivity design adds to its results folder, and which
//! way is better for each outcome (what "beats the baseline" means in
//! `robustness.csv`). docs/OUTPUTS.md documents every column.

use serde::{Deserialize, Serialize};

/// Each point's value of each uncertain parameter.
pub const DESIGN: &str = "design.csv";
/// Morris or Sobol indices of every outcome and paired effect.
pub const INDICES: &str = "indices.csv";
/// The same, of the yearly outcomes, year by year.
pub const INDICES_BY_YEAR: &str = "indices_by_year.csv";
/// Parameter and stochastic variance of every outcome and paired effect.
pub const VARIANCE: &str = "variance.csv";
/// How often each variant beats the baseline over the parameters.
pub const ROBUSTNESS: &str = "robustness.csv";

/// The files above, in the order they are written.
pub const FILES: [&str; 5] = [DESIGN, INDICES, INDICES_BY_YEAR, VARIANCE, ROBUSTNESS];

/// One row of `design.csv` (long: one row per point and parameter).
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct DesignRow {
    pub design_point: u32,
    pub parameter: String,
    pub value: f64,
}

/// One row of `indices.csv` or `indices_by_year.csv`.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct IndexRow {
    pub variant: String,
    /// `outcome` (the variant's own) or `effect` (variant minus baseline, paired).
    pub of: String,
    pub outcome: String,
    /// Year of the counted weeks (in `indices_by_year.csv` only).
    pub year: Option<u32>,
    pub parameter: String,
    /// `mu`, `mu_star`, `sigma` (Morris) or `first`, `total` (Sobol).
    pub index: String,
    pub value: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    /// Sobol: both intervals narrower than ±0.05, so the index can be read;
    /// false means the design is too small for it. Morris: the series had spread.
    pub trusted: bool,
}

/// One row of `variance.csv`.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct VarianceRow {
    pub variant: String,
    pub of: String,
    pub outcome: String,
    pub points: u64,
    pub replicates: u32,
    pub parameter_variance: f64,
    pub stochastic_variance: f64,
    pub stochastic_share: f64,
}

/// One row of `robustness.csv`.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct RobustnessRow {
    pub variant: String,
    pub baseline: String,
    pub outcome: String,
    /// `lower` or `higher`: which way beats the baseline.
    pub better: String,
    pub points: u64,
    pub beats: u64,
    /// Draws at which the mean paired effect is exactly 0 (neither beats).
    pub ties: u64,
    pub p_beats: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    pub mean_effect: f64,
    /// Exact two-sided sign test, over the draws that are not ties, that
    /// beating and losing are equally likely.
    pub p_value: f64,
    /// `p_value` adjusted by Holm's method over every row of the file.
    pub p_holm: f64,
}

/// Which way an outcome is better.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Better {
    Lower,
    Higher,
}

impl Better {
    pub fn name(self) -> &'static str {
        match self {
            Better::Lower => "lower",
            Better::Higher => "higher",
        }
    }
}

/// Which way `outcome` is better for the place, where that is not a
/// matter of view: fewer crises, less failure demand, less unmet need,
/// shorter waits, less spend, more wellbeing, QALYs and net benefit. An
/// outcome that is neither (contacts, referrals made, board spend, spend
/// shares, occupancy) has none and is left out of robustness.
pub fn better(outcome: &str) -> Option<Better> {
    let stem = outcome
        .rsplit_once("_risk_q")
        .map_or(outcome, |(stem, _)| stem);
    match stem {
        "crisis_events"
        | "total_spend"
        | "overspend"
        | "failure_demand"
        | "failure_demand_share"
        | "chasing"
        | "admissions"
        | "corridor_care"
        | "delayed_discharge_days"
        | "unmet_need_weeks"
        | "mean_wait"
        | "referrals_lost"
        | "wellbeing_gini" => Some(Better::Lower),
        "mean_wellbeing" | "low_decile_wellbeing" | "qalys" | "net_monetary_benefit" => {
            Some(Better::Higher)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_outcome_named_in_better_exists_and_risk_fifths_follow_their_outcome() {
        let names = crate::runs::outcome_names();
        let judged: Vec<&&str> = names.iter().filter(|n| better(n).is_some()).collect();
        assert!(judged.len() >= 20, "{judged:?}");
        assert_eq!(better("crisis_events_risk_q3"), Some(Better::Lower));
        assert_eq!(better("mean_wellbeing_risk_q1"), Some(Better::Higher));
        assert_eq!(better("spend_risk_q1"), None);
        assert_eq!(better("contacts"), None);
        for stem in [
            "crisis_events",
            "net_monetary_benefit",
            "mean_wait",
            "wellbeing_gini",
        ] {
            assert!(names.contains(&stem), "{stem}");
        }
    }
}
