//! `comparison.csv`: each variant against the baseline on each outcome,
//! paired by replicate. Written by the sweep's assembly, read by the charts
//! and the command line.

use crate::atomic::write_atomic;
use crate::table::{csv_bytes, ReadError, Table};
use serde::{Deserialize, Serialize};
use std::io;
use std::path::Path;

/// The file's name in a results folder.
pub const COMPARISON: &str = "comparison.csv";

/// One row of `comparison.csv`: a variant against the baseline on one
/// outcome, paired by replicate (in a sensitivity design, each point's
/// paired differences averaged over its replicates, over the points that
/// are independent draws); the 95 % interval is Student t on the paired
/// differences.
/// `p_value` is the paired t test's, two-sided; `p_holm` is it adjusted by
/// Holm's method over every row of the file (every variant and outcome the
/// sweep compares), for reading many comparisons at once.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ComparisonRow {
    pub variant: String,
    pub baseline: String,
    pub outcome: String,
    pub n: u64,
    pub mean: f64,
    pub mean_baseline: f64,
    pub mean_diff: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    pub ci_half_width: f64,
    /// Empty (NaN) in files written before p-values were.
    #[serde(default = "not_a_number")]
    pub p_value: f64,
    #[serde(default = "not_a_number")]
    pub p_holm: f64,
}

fn not_a_number() -> f64 {
    f64::NAN
}

/// Write `comparison.csv` atomically (no rows: an empty file).
pub fn write(path: &Path, rows: &[ComparisonRow]) -> io::Result<()> {
    write_atomic(path, &csv_bytes(rows, true)?)
}

/// Read `comparison.csv`, columns matched by name.
pub fn read(path: &Path) -> Result<Vec<ComparisonRow>, ReadError> {
    Table::open(path)?.rows().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_committed_flagship_comparison_reads_and_writes_back_the_same_bytes() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../results/total-place")
            .join(COMPARISON);
        let rows = read(&path).unwrap();
        assert_eq!(rows.len(), 7 * crate::runs::outcome_names().len());
        assert_eq!(
            (rows[0].variant.as_str(), rows[0].n),
            ("pooled-budgets-only", 100)
        );
        assert_eq!(
            csv_bytes(&rows, true).unwrap(),
            std::fs::read(&path).unwrap()
        );
    }
}
