//! A sweep's `timeseries.csv`, `agencies.csv` and `cost_shifting.csv`: the
//! rows of `placesim run`'s files of every run, in run order, with the run's
//! `run_id` first. A stored run keeps its rows without `run_id` and without
//! a header, in files of the same names.

use crate::table::header_of;
use placesim_core::{AgencyRow, CostShiftRow, TickRow};
use serde::Deserialize;

pub const TIMESERIES: &str = "timeseries.csv";
pub const AGENCIES: &str = "agencies.csv";
pub const COST_SHIFTING: &str = "cost_shifting.csv";

/// The header line of a sweep's `timeseries.csv`.
pub fn timeseries_header() -> String {
    format!("run_id,{}", header_of(&TickRow::default()))
}

/// The header line of a sweep's `agencies.csv`.
pub fn agencies_header() -> String {
    format!("run_id,{}", header_of(&AgencyRow::default()))
}

/// The header line of a sweep's `cost_shifting.csv`.
pub fn cost_shifting_header() -> String {
    let row = CostShiftRow {
        spender: String::new(),
        caused_by: String::new(),
        spend: 0.0,
    };
    format!("run_id,{}", header_of(&row))
}

/// The start of a run's line in any of these files.
pub fn row_start(run_id: u64) -> String {
    format!("{run_id},")
}

/// One row of a sweep's `cost_shifting.csv`.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct CostShiftingRow {
    pub run_id: u64,
    pub spender: String,
    pub caused_by: String,
    pub spend: f64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_are_the_row_types_with_run_id_first() {
        assert_eq!(cost_shifting_header(), "run_id,spender,caused_by,spend");
        assert!(timeseries_header().starts_with("run_id,week,warmup,spend,"));
        assert!(agencies_header().starts_with("run_id,week,agency,arrivals,"));
        let row: CostShiftingRow = csv::Reader::from_reader(
            format!("{}\n3,gp,unattributed,1.5\n", cost_shifting_header()).as_bytes(),
        )
        .deserialize()
        .next()
        .unwrap()
        .unwrap();
        assert_eq!((row.run_id, row.spend), (3, 1.5));
    }
}
