//! The files `placesim discover` writes into a results folder
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
/// How often PRIM restricts each input on random half-samples.
pub const STABILITY: &str = "stability.csv";
/// What was asked and the shown box in words.
pub const SUMMARY: &str = "summary.json";
/// How a categorical limit's categories are joined in a cell.
pub const CATEGORY_SEPARATOR: &str = " | ";

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
    /// What a case is: "design point" (a design) or "variant" (a sweep).
    #[serde(default)]
    pub case: String,
    /// Half-samples PRIM was run on to check the shown box (`stability.csv`).
    #[serde(default)]
    pub resamples: u32,
}

/// One row of `cases.csv`: one input of one case.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct CaseRow {
    /// The case: its design point in a design, its variant's position in a sweep.
    #[serde(alias = "design_point")]
    pub case: u32,
    /// The case's variant in a sweep; empty in a design.
    #[serde(default)]
    pub variant: String,
    pub parameter: String,
    /// The input's value; for a categorical input, its category's position in `categories`.
    pub input: f64,
    /// A categorical input's category; empty for a numeric one.
    #[serde(default)]
    pub category: String,
    /// The expression's value for the case (mean over its replicates).
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
    /// A numeric input's limits (NaN for a categorical one).
    pub lower: f64,
    pub upper: f64,
    /// The input's range over the cases (NaN for a categorical one).
    pub min: f64,
    pub max: f64,
    /// Quasi-p-value of the lower and upper limit (NaN where not
    /// restricted); a categorical input's is in `p_lower`.
    pub p_lower: f64,
    pub p_upper: f64,
    /// A categorical input's categories the box keeps, and all of them
    /// over the cases, joined by " | "; empty for a numeric input (and in
    /// files written before categorical inputs).
    #[serde(default)]
    pub categories: String,
    #[serde(default)]
    pub all_categories: String,
}

impl BoxRow {
    /// Whether the input is categorical.
    pub fn is_categorical(&self) -> bool {
        !self.all_categories.is_empty()
    }

    /// The share of the input's range (or of its categories) the box keeps.
    pub fn width(&self) -> f64 {
        if self.is_categorical() {
            let count = |s: &str| s.split(CATEGORY_SEPARATOR).count() as f64;
            count(&self.categories) / count(&self.all_categories)
        } else {
            (self.upper - self.lower) / (self.max - self.min).max(f64::MIN_POSITIVE)
        }
    }
}

/// One row of `stability.csv`: how often PRIM restricts an input when run
/// again on random half-samples of the cases (EMA Workbench's `resample`).
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct StabilityRow {
    pub parameter: String,
    /// Whether the shown box restricts it.
    pub in_box: bool,
    /// Share of half-samples whose box nearest the shown box's coverage restricts it.
    pub near_coverage: f64,
    /// Share of half-samples whose box nearest the shown box's density restricts it.
    pub near_density: f64,
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
