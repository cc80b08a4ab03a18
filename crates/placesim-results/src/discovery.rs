//! The files `placesim discover` writes into a design's results folder
//! (`DIR/discovery/`); docs/OUTPUTS.md documents every column.

use serde::{Deserialize, Serialize};

/// The folder under a results folder that holds them.
pub const DISCOVERY_DIR: &str = "discovery";
/// Each design point's inputs, value and whether it is a case of interest (long).
pub const CASES: &str = "cases.csv";
/// PRIM's peeling and pasting trajectory of each box.
pub const TRAJECTORY: &str = "trajectory.csv";
/// The chosen boxes' limits with quasi-p-values.
pub const BOXES: &str = "boxes.csv";
/// CART's leaves as rules.
pub const RULES: &str = "rules.csv";
/// What was asked and the shown box in words.
pub const SUMMARY: &str = "summary.json";

/// `summary.json`.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Summary {
    /// `--outcome` and `--where` as given.
    pub outcome: String,
    pub condition: String,
    /// The number the condition compares with (a quantile resolved).
    pub cut: f64,
    pub points: u64,
    pub of_interest: u64,
    pub threshold: f64,
    /// The shown first box's step on its trajectory.
    pub chosen_step: u32,
    /// The answer in words.
    pub words: Vec<String>,
}

/// One row of `cases.csv`.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct CaseRow {
    pub design_point: u32,
    pub parameter: String,
    pub input: f64,
    /// The expression's value at the point (mean over its replicates).
    pub value: f64,
    pub of_interest: bool,
}

/// One row of `trajectory.csv`.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct TrajectoryRow {
    /// 1 for the first box, 2 for the box found after removing it.
    pub box_number: u32,
    /// Position on the trajectory, from 0 (all the data).
    pub step: u32,
    pub pasted: bool,
    pub cases: u64,
    pub of_interest: u64,
    pub coverage: f64,
    pub density: f64,
    pub mass: f64,
    pub restricted: u32,
    /// Whether this is the box shown (`--threshold` or `--box`).
    pub chosen: bool,
}

/// One row of `boxes.csv`: a restricted input of a chosen box.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct BoxRow {
    pub box_number: u32,
    pub step: u32,
    pub parameter: String,
    pub lower: f64,
    pub upper: f64,
    /// The input's range over the design.
    pub min: f64,
    pub max: f64,
    /// Quasi-p-value of the lower and upper limit (NaN where not restricted).
    pub p_lower: f64,
    pub p_upper: f64,
}

/// One row of `rules.csv`: a leaf of the tree.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct RuleRow {
    pub leaf: u32,
    /// The conditions from the root, joined by " and ".
    pub rule: String,
    pub cases: u64,
    pub of_interest: u64,
    pub density: f64,
}
