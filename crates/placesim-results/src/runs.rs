//! `runs.csv`: one row per run — its key (`run_id`, `variant`, `replicate`,
//! `seed`), the value of each swept parameter, and the run's outcomes in
//! [`Summary::outcomes`] order — and a stored run's `outcomes.csv`, the
//! outcome cells its row ends with.

use crate::table::{csv_field, ReadError, Table};
use placesim_core::Summary;
use serde_json::Value;
use std::collections::BTreeMap;
use std::io;
use std::path::Path;

/// The file's name in a results folder.
pub const RUNS: &str = "runs.csv";

/// The columns that name a run, first in every row.
pub const KEY: [&str; 4] = ["run_id", "variant", "replicate", "seed"];

/// A stored run's outcome cells, in its run folder.
pub const OUTCOMES: &str = "outcomes.csv";

/// The outcome columns, in order.
pub fn outcome_names() -> Vec<&'static str> {
    Summary::default()
        .outcomes()
        .iter()
        .map(|(name, _)| *name)
        .collect()
}

/// The column of a design's `runs.csv` (after [`KEY`]) that says which point a run ran at.
pub const DESIGN_POINT: &str = "design_point";

/// The column of `runs.csv` (after [`KEY`]) of a sweep run on a posterior
/// ensemble that says which member the run's replicate drew.
pub const ENSEMBLE_MEMBER: &str = "ensemble_member";

/// The header line of `runs.csv` for a sweep with these swept parameters;
/// a sensitivity design's adds `design_point` after the key and its
/// uncertain parameters after the swept ones; a sweep run on an `ensemble`
/// adds `ensemble_member` after the key.
pub fn header(swept: &[String], design_keys: Option<&[String]>, ensemble: bool) -> String {
    let design = design_keys.map(|keys| (DESIGN_POINT, keys));
    KEY.iter()
        .map(|k| csv_field(k))
        .chain(design.map(|(d, _)| csv_field(d)))
        .chain(ensemble.then(|| csv_field(ENSEMBLE_MEMBER)))
        .chain(swept.iter().map(|k| csv_field(k)))
        .chain(
            design
                .into_iter()
                .flat_map(|(_, keys)| keys.iter().map(|k| csv_field(k))),
        )
        .chain(outcome_names().into_iter().map(csv_field))
        .collect::<Vec<_>>()
        .join(",")
}

/// What a run's row says besides its key and swept values: the design
/// point it ran at (and its values), the ensemble member its replicate drew.
#[derive(Clone, Copy, Debug, Default)]
pub struct RowExtras<'a> {
    pub design_point: Option<(u32, &'a [f64])>,
    pub ensemble_member: Option<u32>,
}

/// The cells of a run's row before its outcomes, each followed by a comma.
pub fn row_start(
    run_id: u64,
    variant: &str,
    replicate: u32,
    seed: u64,
    swept_values: &[Value],
    extras: RowExtras,
) -> String {
    let RowExtras {
        design_point,
        ensemble_member,
    } = extras;
    let mut cells = vec![
        run_id.to_string(),
        csv_field(variant),
        replicate.to_string(),
        seed.to_string(),
    ];
    if let Some((d, _)) = design_point {
        cells.push(d.to_string());
    }
    if let Some(m) = ensemble_member {
        cells.push(m.to_string());
    }
    cells.extend(swept_values.iter().map(swept_cell));
    if let Some((_, values)) = design_point {
        cells.extend(values.iter().map(|x| x.to_string()));
    }
    format!("{},", cells.join(","))
}

/// A swept parameter's value as a cell: text as it is, numbers and booleans as JSON writes them, nothing for null.
fn swept_cell(x: &Value) -> String {
    match x {
        Value::String(s) => csv_field(s),
        Value::Null => String::new(),
        other => csv_field(&other.to_string()),
    }
}

/// A run's `outcomes.csv`: its outcomes in order on one line, each the
/// shortest decimal that reads back to the same number.
pub fn outcomes_line(summary: &Summary) -> String {
    let cells: Vec<String> = summary
        .outcomes()
        .iter()
        .map(|(_, v)| v.to_string())
        .collect();
    format!("{}\n", cells.join(","))
}

/// The outcomes stored in a run folder (a cell that is not a number reads as NaN).
pub fn read_outcomes(run_folder: &Path) -> io::Result<Vec<f64>> {
    let text = std::fs::read_to_string(run_folder.join(OUTCOMES))?;
    Ok(text
        .trim()
        .split(',')
        .map(|x| x.parse().unwrap_or(f64::NAN))
        .collect())
}

/// One row of `runs.csv`.
#[derive(Clone, Debug)]
pub struct RunsRow {
    pub run_id: u64,
    pub variant: String,
    pub replicate: u32,
    pub seed: u64,
    /// The swept parameters' values, in the manifest's order (NaN when not a number).
    pub swept: Vec<f64>,
    /// The ensemble member the run's replicate drew (a sweep run on an ensemble only).
    pub ensemble_member: Option<u32>,
    /// Every outcome column by name.
    pub outcomes: BTreeMap<String, f64>,
}

impl RunsRow {
    pub fn outcome(&self, name: &str) -> Option<f64> {
        self.outcomes.get(name).copied()
    }
}

/// `runs.csv`, read by column name.
#[derive(Clone, Debug)]
pub struct RunsTable {
    /// The outcome columns, in the file's order.
    pub outcomes: Vec<String>,
    pub rows: Vec<RunsRow>,
}

impl RunsTable {
    /// Read `runs.csv` of a sweep that swept `swept` (the manifest's list):
    /// the key columns and those are found by name, as are a design's
    /// `design_point` and an ensemble's `ensemble_member` where present,
    /// and every other column is an outcome.
    pub fn read(path: &Path, swept: &[String]) -> Result<RunsTable, ReadError> {
        let mut table = Table::open(path)?;
        let key = KEY.map(|k| table.column(k));
        let [run_id, variant, replicate, seed] = key;
        let (run_id, variant, replicate, seed) = (run_id?, variant?, replicate?, seed?);
        let swept: Vec<usize> = swept
            .iter()
            .map(|k| table.column(k))
            .collect::<Result<_, _>>()?;
        let member = table.column(ENSEMBLE_MEMBER).ok();
        let not_outcomes: Vec<usize> = [run_id, variant, replicate, seed]
            .into_iter()
            .chain(member)
            .chain(table.column(DESIGN_POINT).ok())
            .chain(swept.iter().copied())
            .collect();
        let outcomes: Vec<(usize, String)> = table
            .header()
            .iter()
            .enumerate()
            .filter(|(i, _)| !not_outcomes.contains(i))
            .map(|(i, name)| (i, name.clone()))
            .collect();
        let mut rows = Vec::new();
        for rec in table.records() {
            let rec = rec?;
            rows.push(RunsRow {
                run_id: rec.parse(run_id)?,
                variant: rec.text(variant).to_string(),
                replicate: rec.parse(replicate)?,
                seed: rec.parse(seed)?,
                swept: swept
                    .iter()
                    .map(|&i| rec.text(i).parse().unwrap_or(f64::NAN))
                    .collect(),
                ensemble_member: member.map(|i| rec.parse(i)).transpose()?,
                outcomes: outcomes
                    .iter()
                    .map(|(i, name)| Ok((name.clone(), rec.number(*i)?)))
                    .collect::<Result<_, ReadError>>()?,
            });
        }
        Ok(RunsTable {
            outcomes: outcomes.into_iter().map(|(_, name)| name).collect(),
            rows,
        })
    }
}

/// A stored run's outcomes by year of the counted weeks: what the
/// time-varying indices and a benchmark's horizons are read from.
pub const YEARS: &str = "years.csv";

/// One year of a run's counted weeks (year 1 is weeks 0 to 51 after
/// warm-up): sums over the year's weeks (spend discounted to the first
/// counted week, as `total_spend` is), and failure demand's share of the
/// year's contacts. A last, partial year is kept as it is.
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct YearRow {
    pub year: u32,
    pub crisis_events: f64,
    pub total_spend: f64,
    pub failure_demand: f64,
    pub contacts: f64,
    pub failure_demand_share: f64,
}

/// The outcomes [`YearRow`] carries, by the names `runs.csv` gives them.
pub const YEAR_OUTCOMES: [&str; 3] = ["crisis_events", "total_spend", "failure_demand_share"];

impl YearRow {
    /// The value of one of [`YEAR_OUTCOMES`].
    pub fn outcome(&self, name: &str) -> f64 {
        match name {
            "crisis_events" => self.crisis_events,
            "total_spend" => self.total_spend,
            "failure_demand_share" => self.failure_demand_share,
            _ => f64::NAN,
        }
    }
}

/// The years stored in a run folder, in order.
pub fn read_years(run_folder: &Path) -> Result<Vec<YearRow>, ReadError> {
    Table::open(&run_folder.join(YEARS))?.rows().collect()
}

/// A stored run's activity by agency over its counted weeks: what
/// calibration targets are compared with.
pub const ACTIVITY: &str = "activity.csv";

/// One agency's activity over a run's counted weeks, scaled to the real
/// place, with what turns it into rates: the place's residents, the
/// weeks counted and the agency's beds (0 for an agency without beds).
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ActivityRow {
    pub agency: String,
    pub residents: f64,
    pub weeks: u32,
    pub beds: f64,
    pub arrivals: f64,
    pub served: f64,
    pub admissions: f64,
    pub crisis_events: f64,
    pub delayed_discharge_days: f64,
}

/// The measures of [`ActivityRow`] a calibration target may name.
pub const ACTIVITY_MEASURES: [&str; 5] = [
    "arrivals",
    "served",
    "admissions",
    "crisis_events",
    "delayed_bed_share",
];

impl ActivityRow {
    /// A count per 1,000 residents a year.
    fn per_1000_a_year(&self, count: f64) -> f64 {
        if self.weeks == 0 || self.residents <= 0.0 {
            return f64::NAN;
        }
        count / self.residents * 1_000.0 * 52.0 / self.weeks as f64
    }

    /// One of [`ACTIVITY_MEASURES`]: a count per 1,000 residents a year,
    /// or (`delayed_bed_share`) the share of bed-days taken by patients
    /// whose discharge is delayed.
    pub fn measure(&self, name: &str) -> f64 {
        match name {
            "arrivals" => self.per_1000_a_year(self.arrivals),
            "served" => self.per_1000_a_year(self.served),
            "admissions" => self.per_1000_a_year(self.admissions),
            "crisis_events" => self.per_1000_a_year(self.crisis_events),
            "delayed_bed_share" if self.beds > 0.0 && self.weeks > 0 => {
                self.delayed_discharge_days / (self.beds * 7.0 * self.weeks as f64)
            }
            _ => f64::NAN,
        }
    }
}

/// The activity stored in a run folder, one row per agency.
pub fn read_activity(run_folder: &Path) -> Result<Vec<ActivityRow>, ReadError> {
    Table::open(&run_folder.join(ACTIVITY))?.rows().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn activity_becomes_rates_per_1000_residents_a_year_and_a_bed_share() {
        let a = ActivityRow {
            agency: "acute".into(),
            residents: 300_000.0,
            weeks: 104,
            beds: 280.0,
            arrivals: 60_000.0,
            admissions: 30_000.0,
            delayed_discharge_days: 280.0 * 7.0 * 104.0 * 0.1,
            ..Default::default()
        };
        // 60,000 over two years for 300,000 residents: 100 per 1,000 a year.
        assert_eq!(a.measure("arrivals"), 100.0);
        assert_eq!(a.measure("admissions"), 50.0);
        assert!((a.measure("delayed_bed_share") - 0.1).abs() < 1e-12);
        assert!(a.measure("nothing").is_nan());
        let none = ActivityRow::default();
        assert!(none.measure("arrivals").is_nan() && none.measure("delayed_bed_share").is_nan());
    }

    #[test]
    fn the_committed_flagship_runs_read_by_name() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../results/total-place");
        let swept = crate::Manifest::read(&dir).unwrap().swept;
        let t = RunsTable::read(&dir.join("runs.csv"), &swept).unwrap();
        assert_eq!(t.rows.len(), 800);
        assert_eq!(t.outcomes, outcome_names());
        let first = &t.rows[0];
        assert_eq!(
            (first.run_id, first.variant.as_str(), first.replicate),
            (0, "silos", 0)
        );
        assert_eq!(first.swept, [1.0, 1.0, 1.0, 1.0, 1.0, 0.0]);
        assert_eq!(first.outcome("board_spend"), Some(0.0));
        assert_eq!(first.ensemble_member, None);
        let last = &t.rows[799];
        assert_eq!((last.run_id, last.replicate), (799, 99));
        assert!(
            RunsTable::read(&dir.join("runs.csv"), &["nowhere".to_string()])
                .unwrap_err()
                .to_string()
                .contains("has no column `nowhere`")
        );
    }

    /// An ensemble sweep's `ensemble_member` (and a design's
    /// `design_point`) is read as what it is, never as an outcome.
    #[test]
    fn the_ensemble_member_is_not_an_outcome() {
        let swept = vec!["a.b".to_string()];
        let dir = std::env::temp_dir().join(format!("placesim-runs-member-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(RUNS);
        let outcomes = outcomes_line(&Summary::default());
        let extras = |m| RowExtras {
            ensemble_member: Some(m),
            ..Default::default()
        };
        let text = format!(
            "{}\n{}{outcomes}{}{outcomes}",
            header(&swept, None, true),
            row_start(0, "silos", 0, 11, &[Value::from(1)], extras(2)),
            row_start(1, "silos", 1, 12, &[Value::from(1)], extras(0)),
        );
        std::fs::write(&path, text).unwrap();
        let t = RunsTable::read(&path, &swept).unwrap();
        assert_eq!(t.outcomes, outcome_names());
        let members: Vec<Option<u32>> = t.rows.iter().map(|r| r.ensemble_member).collect();
        assert_eq!(members, [Some(2), Some(0)]);
        assert_eq!(t.rows[0].swept, [1.0]);
        assert_eq!(t.rows[1].outcome(ENSEMBLE_MEMBER), None);
        let design = format!(
            "{}\n{}{outcomes}",
            header(&swept, Some(&[]), false),
            row_start(
                0,
                "silos",
                0,
                11,
                &[Value::from(1)],
                RowExtras {
                    design_point: Some((3, &[])),
                    ..Default::default()
                }
            ),
        );
        std::fs::write(&path, design).unwrap();
        let t = RunsTable::read(&path, &swept).unwrap();
        assert_eq!(t.outcomes, outcome_names());
        assert_eq!(t.rows[0].ensemble_member, None);
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn a_header_and_row_start_quote_what_they_must() {
        let swept = ["a.b".to_string(), "c,d".to_string()];
        let h = header(&swept, None, false);
        let d = header(&swept, Some(&["x.y".to_string()]), false);
        let e = header(&swept, None, true);
        assert!(
            e.starts_with("run_id,variant,replicate,seed,ensemble_member,a.b,\"c,d\",total_spend,")
        );
        assert!(d.starts_with(
            "run_id,variant,replicate,seed,design_point,a.b,\"c,d\",x.y,total_spend,"
        ));
        assert!(h.starts_with("run_id,variant,replicate,seed,a.b,\"c,d\",total_spend,"));
        assert!(h.contains(
            ",referrals_lost,misrouted_referrals,misrouted_caught,crisis_events_risk_q1"
        ));
        assert!(h.ends_with(",failure_demand_share_risk_q5"));
        let swept_values = [Value::from(1.0), Value::Null];
        let row = row_start(5, "x\"y", 1, 9, &swept_values, RowExtras::default());
        assert_eq!(row, "5,\"x\"\"y\",1,9,1.0,,");
        let member = RowExtras {
            ensemble_member: Some(2),
            ..Default::default()
        };
        assert_eq!(
            row_start(5, "v", 1, 9, &swept_values, member),
            "5,v,1,9,2,1.0,,"
        );
        let line = outcomes_line(&Summary::default());
        assert!(line.starts_with("0,0,") && line.ends_with("0\n"));
    }
}
