//! Files of calibration targets: published figures the model is compared
//! with, each with the model output it is compared on, its unit, its
//! observation uncertainty and the model's discrepancy (each with why), and
//! its source. docs/CALIBRATION.md documents the format; the shipped file is
//! `targets/england-place.toml` (built in as `england-place`).
//!
//! ```toml
//! population = 57_690_300
//! population_source = "ONS, Population estimates, mid-2023: 57,690,300"
//!
//! [targets.emergency_admissions]
//! output = "acute.admissions"
//! unit = "per_1000_residents_per_year"
//! value = 100.5
//! observation_sd = 5.0
//! observation = "why this sd"
//! discrepancy_sd = 10.0
//! discrepancy = "why the model may differ from it, and by this much"
//! source = "publisher, publication/table, year: the quoted figure"
//! ```
//!
//! An `output` is an agency's measure, `AGENCY.MEASURE` (one of
//! [`AGENCIES`] and one of [`MEASURES`]), or a run outcome: a column of
//! `runs.csv`. This crate does not depend on placesim-results, so the run
//! outcomes a file may name are passed in by the caller ([`read`] and
//! [`load`] take them); [`outcome_names`] gives the same list as
//! `placesim_results::runs::outcome_names`, from the same place
//! (`placesim_core::Summary::outcomes`).
//!
//! Units: `per_1000_residents_per_year` only with a count (an output whose
//! measure or outcome is one of [`COUNTS`]); `share` only with
//! `delayed_bed_share` or an outcome whose name ends in `_share` or is
//! `bed_occupancy`. A target with no source is not a target: each has
//! exactly one of `source` (publisher, publication or table, year and the
//! quoted figure) or `secondary` (the quoted text and where it was found).

use crate::merge::Source;
use crate::problem::{suggestion, Problem, Problems};
use crate::source::Doc;
use serde_json::{Map, Value};
use std::fmt;

/// The agencies of the default place, as an output names them.
pub const AGENCIES: [&str; 8] = [
    "acute",
    "gp",
    "mental_health",
    "social_care",
    "housing",
    "job_centre",
    "police",
    "voluntary",
];

/// What an agency's output measures, as an output names it.
pub const MEASURES: [&str; 5] = [
    "arrivals",
    "served",
    "admissions",
    "crisis_events",
    "delayed_bed_share",
];

/// The measures (and run outcomes) that are counts: the ones a
/// `per_1000_residents_per_year` target may use.
pub const COUNTS: [&str; 4] = ["arrivals", "served", "admissions", "crisis_events"];

/// The units a target may be in.
pub const UNITS: [&str; 2] = ["per_1000_residents_per_year", "share"];

/// The fields of a target.
pub const FIELDS: [&str; 9] = [
    "output",
    "unit",
    "value",
    "observation_sd",
    "observation",
    "discrepancy_sd",
    "discrepancy",
    "source",
    "secondary",
];

/// The top-level keys of a targets file.
pub const KEYS: [&str; 3] = ["population", "population_source", "targets"];

/// The run outcomes, in `runs.csv`'s order: the names an output may take
/// besides `AGENCY.MEASURE` (the same list as
/// `placesim_results::runs::outcome_names`).
pub fn outcome_names() -> Vec<&'static str> {
    placesim_core::Summary::default()
        .outcomes()
        .iter()
        .map(|(name, _)| *name)
        .collect()
}

/// What an agency's output measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Measure {
    /// Contacts arriving at the agency.
    Arrivals,
    /// Cases served.
    Served,
    /// Admissions to its beds.
    Admissions,
    /// Crisis episodes at it.
    CrisisEvents,
    /// The share of its beds held by patients fit to leave.
    DelayedBedShare,
}

impl Measure {
    /// The measure as an output names it.
    pub fn name(self) -> &'static str {
        match self {
            Measure::Arrivals => "arrivals",
            Measure::Served => "served",
            Measure::Admissions => "admissions",
            Measure::CrisisEvents => "crisis_events",
            Measure::DelayedBedShare => "delayed_bed_share",
        }
    }

    /// The measure named `name`, if it is one.
    pub fn from_name(name: &str) -> Option<Measure> {
        [
            Measure::Arrivals,
            Measure::Served,
            Measure::Admissions,
            Measure::CrisisEvents,
            Measure::DelayedBedShare,
        ]
        .into_iter()
        .find(|m| m.name() == name)
    }
}

/// What the model is compared on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Output {
    /// One agency's measure: `acute.admissions`.
    Agency {
        /// One of [`AGENCIES`].
        agency: String,
        measure: Measure,
    },
    /// A run outcome (a column of `runs.csv`): `bed_occupancy`.
    Outcome(String),
}

impl Output {
    /// The units this output may be compared in.
    pub fn units(&self) -> &'static [Unit] {
        let name = match self {
            Output::Agency { measure, .. } => measure.name(),
            Output::Outcome(name) => name,
        };
        if COUNTS.contains(&name) {
            &[Unit::Per1000ResidentsPerYear]
        } else if name == "delayed_bed_share" || name.ends_with("_share") || name == "bed_occupancy"
        {
            &[Unit::Share]
        } else {
            &[]
        }
    }
}

impl fmt::Display for Output {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Output::Agency { agency, measure } => write!(f, "{agency}.{}", measure.name()),
            Output::Outcome(name) => f.write_str(name),
        }
    }
}

/// The unit of a target's value and its standard deviations.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    /// A count per 1,000 residents per year.
    Per1000ResidentsPerYear,
    /// A share, from 0 to 1.
    Share,
}

impl Unit {
    /// The unit as a file names it.
    pub fn name(self) -> &'static str {
        match self {
            Unit::Per1000ResidentsPerYear => "per_1000_residents_per_year",
            Unit::Share => "share",
        }
    }

    /// The unit named `name`, if it is one.
    pub fn from_name(name: &str) -> Option<Unit> {
        [Unit::Per1000ResidentsPerYear, Unit::Share]
            .into_iter()
            .find(|u| u.name() == name)
    }
}

impl fmt::Display for Unit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Where a target's figure comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Evidence {
    /// Read at its publisher: publisher, publication or table, year and the
    /// quoted figure.
    Source(String),
    /// Quoted by someone else: the quoted text and where it was found.
    Secondary(String),
}

/// One calibration target.
#[derive(Clone, Debug, PartialEq)]
pub struct Target {
    /// Its name in the file (`[targets.NAME]`).
    pub name: String,
    pub output: Output,
    pub unit: Unit,
    /// The published figure, in `unit`.
    pub value: f64,
    /// The observation's standard deviation, in `unit`: how far the figure
    /// may be from the truth it stands for.
    pub observation_sd: f64,
    /// Why `observation_sd` is what it is.
    pub observation: String,
    /// The model discrepancy's standard deviation, in `unit`: how far the
    /// model at its best parameters may be from the truth.
    pub discrepancy_sd: f64,
    /// Why `discrepancy_sd` is what it is.
    pub discrepancy: String,
    pub evidence: Evidence,
}

/// Load the targets of a file, in the file's order; an output may be an
/// agency's measure or one of `outcomes` (see [`outcome_names`]).
pub fn load(src: &Source, outcomes: &[&str]) -> Result<Vec<Target>, Problems> {
    let doc = src.load()?;
    read(&doc, outcomes)
}

/// The targets of a parsed file, in the file's order.
pub fn read(doc: &Doc, outcomes: &[&str]) -> Result<Vec<Target>, Problems> {
    let mut problems = Vec::new();
    let top = doc.value.as_object().cloned().unwrap_or_default();
    for key in top.keys().filter(|k| !KEYS.contains(&k.as_str())) {
        problems.push(Problem::at(
            &doc.locate(key),
            key,
            format!(
                "is not a key of a targets file; allowed: {}{}",
                KEYS.join(", "),
                suggestion(key, KEYS)
            ),
        ));
    }
    let population = population(doc, &top, &mut problems);
    let entries = match top.get("targets") {
        Some(Value::Object(m)) if !m.is_empty() => m.clone(),
        _ => {
            problems.push(Problem::at(
                &doc.locate("targets"),
                "targets",
                "needs at least one table [targets.NAME] with output, unit, value, observation_sd, observation, discrepancy_sd, discrepancy and source or secondary",
            ));
            return Err(sorted(problems));
        }
    };
    let mut out = Vec::new();
    for (name, entry) in &entries {
        let path = format!("targets.{name}");
        let at = doc.locate(&path);
        if name.is_empty()
            || !name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        {
            problems.push(Problem::at(
                &at,
                &path,
                format!(
                    "`{name}` is not a target's name; allowed: lower-case letters, digits and _"
                ),
            ));
        }
        let Some(entry) = entry.as_object() else {
            problems.push(Problem::at(
                &at,
                &path,
                format!("must be a table with {}", FIELDS.join(", ")),
            ));
            continue;
        };
        if let Some(t) = target(doc, name, &path, entry, outcomes, &mut problems) {
            out.push(t);
        }
    }
    if population.is_none() && !top.contains_key("population") {
        if let Some(t) = out.iter().find(|t| t.unit == Unit::Per1000ResidentsPerYear) {
            problems.push(Problem::at(
                &doc.locate("population"),
                "population",
                format!(
                    "is missing; target `{}` is per_1000_residents_per_year, so the file states the residents its figures were divided by (population, with population_source)",
                    t.name
                ),
            ));
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(sorted(problems))
    }
}

fn sorted(mut problems: Vec<Problem>) -> Problems {
    problems.sort_by(|a, b| (&a.file, a.at).cmp(&(&b.file, b.at)));
    Problems(problems)
}

/// The population the file's rates were divided by, if given (and its
/// source, which it needs).
fn population(doc: &Doc, top: &Map<String, Value>, problems: &mut Vec<Problem>) -> Option<f64> {
    let source = top.get("population_source");
    let n = match top.get("population") {
        None => {
            if source.is_some() {
                problems.push(Problem::at(
                    &doc.locate("population_source"),
                    "population_source",
                    "is given without population; give both, or neither if no target is per_1000_residents_per_year",
                ));
            }
            return None;
        }
        Some(v) => match v.as_f64() {
            Some(n) if n.is_finite() && n > 0.0 => Some(n),
            _ => {
                problems.push(Problem::at(
                    &doc.locate("population"),
                    "population",
                    format!("{v} is not allowed; allowed: a number of residents above 0"),
                ));
                None
            }
        },
    };
    match source {
        Some(Value::String(s)) if !s.trim().is_empty() => {}
        None => problems.push(Problem::at(
            &doc.locate("population"),
            "population_source",
            "is missing: give the publisher, publication and year of the population",
        )),
        Some(_) => problems.push(Problem::at(
            &doc.locate("population_source"),
            "population_source",
            "must be non-empty text: the publisher, publication and year of the population",
        )),
    }
    n
}

/// What an output may be, for messages.
fn outputs_allowed(outcomes: &[&str]) -> String {
    format!(
        "AGENCY.MEASURE with AGENCY one of {} and MEASURE one of {}, or a run outcome ({})",
        AGENCIES.join(", "),
        MEASURES.join(", "),
        outcomes.join(", ")
    )
}

/// An output, or the problem with it.
fn parse_output(text: &str, outcomes: &[&str]) -> Result<Output, String> {
    let combos: Vec<String> = AGENCIES
        .iter()
        .flat_map(|a| MEASURES.iter().map(move |m| format!("{a}.{m}")))
        .collect();
    let candidates = || {
        combos
            .iter()
            .map(String::as_str)
            .chain(outcomes.iter().copied())
    };
    if let Some((agency, measure)) = text.split_once('.') {
        if !AGENCIES.contains(&agency) {
            return Err(format!(
                "`{agency}` is not an agency; allowed: AGENCY.MEASURE with AGENCY one of {}{}",
                AGENCIES.join(", "),
                suggestion(text, candidates())
            ));
        }
        return match Measure::from_name(measure) {
            Some(measure) => Ok(Output::Agency {
                agency: agency.to_string(),
                measure,
            }),
            None => Err(format!(
                "`{measure}` is not a measure of an agency; allowed: AGENCY.MEASURE with MEASURE one of {}{}",
                MEASURES.join(", "),
                suggestion(text, candidates())
            )),
        };
    }
    if outcomes.contains(&text) {
        return Ok(Output::Outcome(text.to_string()));
    }
    Err(format!(
        "`{text}` is not an output; allowed: {}{}",
        outputs_allowed(outcomes),
        suggestion(text, candidates())
    ))
}

/// One target, or its problems.
fn target(
    doc: &Doc,
    name: &str,
    path: &str,
    entry: &Map<String, Value>,
    outcomes: &[&str],
    problems: &mut Vec<Problem>,
) -> Option<Target> {
    let before = problems.len();
    let field_at = |f: &str| doc.locate(&format!("{path}.{f}"));
    let here = doc.locate(path);
    for f in entry.keys().filter(|f| !FIELDS.contains(&f.as_str())) {
        problems.push(Problem::at(
            &field_at(f),
            &format!("{path}.{f}"),
            format!(
                "is not a field of a target; allowed: {}{}",
                FIELDS.join(", "),
                suggestion(f, FIELDS)
            ),
        ));
    }
    let mut text = |f: &str, missing: &str| match entry.get(f) {
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.clone()),
        Some(_) => {
            problems.push(Problem::at(
                &field_at(f),
                &format!("{path}.{f}"),
                format!("must be non-empty text: {missing}"),
            ));
            None
        }
        None => {
            problems.push(Problem::at(
                &here,
                &format!("{path}.{f}"),
                format!("is missing: {missing}"),
            ));
            None
        }
    };
    let output_text = text("output", &outputs_allowed(outcomes));
    let unit_text = text("unit", &format!("allowed: {}", UNITS.join(", ")));
    let observation = text(
        "observation",
        "say why observation_sd is what it is (how far the figure may be from what it measures)",
    );
    let discrepancy = text(
        "discrepancy",
        "say why discrepancy_sd is what it is (how the model's output differs from what the figure counts)",
    );
    let output = output_text.and_then(|o| match parse_output(&o, outcomes) {
        Ok(o) => Some(o),
        Err(message) => {
            problems.push(Problem::at(
                &field_at("output"),
                &format!("{path}.output"),
                message,
            ));
            None
        }
    });
    let unit = unit_text.and_then(|u| match Unit::from_name(&u) {
        Some(u) => Some(u),
        None => {
            problems.push(Problem::at(
                &field_at("unit"),
                &format!("{path}.unit"),
                format!(
                    "`{u}` is not a unit; allowed: {}{}",
                    UNITS.join(", "),
                    suggestion(&u, UNITS)
                ),
            ));
            None
        }
    });
    if let (Some(o), Some(u)) = (&output, unit) {
        let fits = o.units();
        if !fits.contains(&u) {
            let why = match fits.first() {
                Some(Unit::Per1000ResidentsPerYear) => format!(
                    "`{o}` is a count; allowed: per_1000_residents_per_year (share only with delayed_bed_share, bed_occupancy or an outcome ending in _share)"
                ),
                Some(Unit::Share) => format!(
                    "`{o}` is a share; allowed: share (per_1000_residents_per_year only with a count: {})",
                    COUNTS.join(", ")
                ),
                None => format!(
                    "`{o}` is neither a count nor a share, so no unit fits it: per_1000_residents_per_year is for a count ({}), share for delayed_bed_share, bed_occupancy or an outcome ending in _share",
                    COUNTS.join(", ")
                ),
            };
            problems.push(Problem::at(
                &field_at("unit"),
                &format!("{path}.unit"),
                format!("{u} does not fit the output: {why}"),
            ));
        }
    }
    let mut number = |f: &str, allowed: &str, ok: &dyn Fn(f64) -> bool| match entry.get(f) {
        Some(v) => match v.as_f64() {
            Some(x) if x.is_finite() && ok(x) => Some(x),
            _ => {
                problems.push(Problem::at(
                    &field_at(f),
                    &format!("{path}.{f}"),
                    format!("{v} is not allowed; allowed: {allowed}"),
                ));
                None
            }
        },
        None => {
            problems.push(Problem::at(
                &here,
                &format!("{path}.{f}"),
                format!("is missing; allowed: {allowed}"),
            ));
            None
        }
    };
    let value = match unit {
        Some(Unit::Share) => number("value", "a share from 0 to 1", &|x| {
            (0.0..=1.0).contains(&x)
        }),
        Some(Unit::Per1000ResidentsPerYear) => {
            number("value", "a rate of 0 or more", &|x| x >= 0.0)
        }
        None => number("value", "a finite number", &|_| true),
    };
    let sd = "a finite number above 0, in the target's unit";
    let observation_sd = number("observation_sd", sd, &|x| x > 0.0);
    let discrepancy_sd = number("discrepancy_sd", sd, &|x| x > 0.0);
    let evidence = match (entry.get("source"), entry.get("secondary")) {
        (Some(Value::String(s)), None) if !s.trim().is_empty() => Some(Evidence::Source(s.clone())),
        (None, Some(Value::String(s))) if !s.trim().is_empty() => {
            Some(Evidence::Secondary(s.clone()))
        }
        (Some(_), Some(_)) => {
            problems.push(Problem::at(
                &field_at("secondary"),
                &format!("{path}.secondary"),
                "is given as well as source; give one: source (publisher, publication or table, year: the figure) if read at its publisher, secondary (the quoted text — where it was found) if not",
            ));
            None
        }
        (None, None) => {
            problems.push(Problem::at(
                &here,
                &format!("{path}.source"),
                "is missing, and so is secondary: a target with no source is not a target; give source (publisher, publication or table, year: the figure) or secondary (the quoted text — where it was found)",
            ));
            None
        }
        (s, _) => {
            let f = if s.is_some() { "source" } else { "secondary" };
            problems.push(Problem::at(
                &field_at(f),
                &format!("{path}.{f}"),
                "must be non-empty text: a target with no source is not a target",
            ));
            None
        }
    };
    if problems.len() > before {
        return None;
    }
    Some(Target {
        name: name.to_string(),
        output: output?,
        unit: unit?,
        value: value?,
        observation_sd: observation_sd?,
        observation: observation?,
        discrepancy_sd: discrepancy_sd?,
        discrepancy: discrepancy?,
        evidence: evidence?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const ONE: &str = r#"population = 1000
population_source = "a census, 2021"

[targets.admissions]
output = "acute.admissions"
unit = "per_1000_residents_per_year"
value = 100.5
observation_sd = 5.0
observation = "two counts differ"
discrepancy_sd = 10.0
discrepancy = "the model admits from crises only"
source = "a publisher, table 1, 2020: 5.8 million"
"#;

    fn read_text(text: &str) -> Result<Vec<Target>, Vec<String>> {
        let doc = crate::source::parse("t.toml", text).unwrap_or_else(|e| panic!("{e:?}"));
        read(&doc, &outcome_names()).map_err(|p| p.0.iter().map(|p| p.to_string()).collect())
    }

    fn problems(text: &str) -> Vec<String> {
        read_text(text).err().unwrap_or_default()
    }

    /// ONE with `old` replaced by `new` (which must be there).
    fn with(old: &str, new: &str) -> String {
        assert!(ONE.contains(old), "{old:?}");
        ONE.replacen(old, new, 1)
    }

    #[test]
    fn a_good_target_reads_with_every_field() {
        let got = read_text(ONE).unwrap_or_else(|e| panic!("{e:#?}"));
        assert_eq!(
            got,
            vec![Target {
                name: "admissions".into(),
                output: Output::Agency {
                    agency: "acute".into(),
                    measure: Measure::Admissions
                },
                unit: Unit::Per1000ResidentsPerYear,
                value: 100.5,
                observation_sd: 5.0,
                observation: "two counts differ".into(),
                discrepancy_sd: 10.0,
                discrepancy: "the model admits from crises only".into(),
                evidence: Evidence::Source("a publisher, table 1, 2020: 5.8 million".into()),
            }]
        );
        assert_eq!(got[0].output.to_string(), "acute.admissions");
        // A secondary figure, and a share of a run outcome, need no population.
        let text = "[targets.occupancy]\noutput = \"bed_occupancy\"\nunit = \"share\"\nvalue = 0.923\nobservation_sd = 0.02\nobservation = \"o\"\ndiscrepancy_sd = 0.03\ndiscrepancy = \"d\"\nsecondary = \"quoted — somewhere (https://example.org)\"\n";
        let got = read_text(text).unwrap_or_else(|e| panic!("{e:#?}"));
        assert_eq!(got[0].output, Output::Outcome("bed_occupancy".into()));
        assert_eq!(got[0].unit, Unit::Share);
        assert_eq!(
            got[0].evidence,
            Evidence::Secondary("quoted — somewhere (https://example.org)".into())
        );
    }

    /// The outcome names are the caller's: one it does not pass is refused.
    #[test]
    fn run_outcomes_are_the_callers_list() {
        let text = with("\"acute.admissions\"", "\"admissions\"");
        let doc = crate::source::parse("t.toml", &text).unwrap();
        assert!(read(&doc, &["admissions"]).is_ok());
        let e = read(&doc, &["crisis_events"]).unwrap_err();
        assert!(
            e.0[0]
                .to_string()
                .contains("`admissions` is not an output; allowed: AGENCY.MEASURE"),
            "{e}"
        );
        // The list this crate derives is runs.csv's outcome columns.
        let names = outcome_names();
        assert_eq!(names[0], "total_spend");
        for n in ["admissions", "bed_occupancy", "failure_demand_share"] {
            assert!(names.contains(&n), "{n}");
        }
    }

    /// The shipped file: eight targets in order, with their outputs and
    /// units, every one sourced, and the rates' arithmetic as its comments say.
    #[test]
    fn the_shipped_file_has_its_eight_targets_in_order() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../targets/");
        let path = std::path::PathBuf::from(dir).join("england-place.toml");
        let got = load(&Source::File(path), &outcome_names()).unwrap_or_else(|e| panic!("{e}"));
        let rate = Unit::Per1000ResidentsPerYear;
        let want: [(&str, &str, Unit); 8] = [
            ("emergency_admissions", "acute.admissions", rate),
            ("ae_attendances", "acute.arrivals", rate),
            ("gp_appointments", "gp.arrivals", rate),
            ("social_care_requests", "social_care.arrivals", rate),
            ("homelessness_duties", "housing.arrivals", rate),
            (
                "delayed_discharge_share",
                "acute.delayed_bed_share",
                Unit::Share,
            ),
            ("bed_occupancy", "bed_occupancy", Unit::Share),
            ("failure_demand_share", "failure_demand_share", Unit::Share),
        ];
        let seen: Vec<(&str, String, Unit)> = got
            .iter()
            .map(|t| (t.name.as_str(), t.output.to_string(), t.unit))
            .collect();
        let want: Vec<(&str, String, Unit)> = want
            .iter()
            .map(|(n, o, u)| (*n, o.to_string(), *u))
            .collect();
        assert_eq!(seen, want);
        assert!(matches!(
            &got[6].output,
            Output::Outcome(o) if o == "bed_occupancy"
        ));
        assert_eq!(
            got[5].output,
            Output::Agency {
                agency: "acute".into(),
                measure: Measure::DelayedBedShare
            }
        );
        // The per-1,000 rates are the national counts over the population.
        let population = 57_690_300.0;
        for (i, count, places) in [
            (0, 5_800_000.0, 1),
            (1, 25_200_000.0, 1),
            (2, 336_000_000.0, 0),
            (3, 2_002_055.0, 1),
            (4, 298_430.0, 2),
        ] {
            let scale = 10f64.powi(places);
            let rate = (count / population * 1000.0 * scale).round() / scale;
            assert_eq!(got[i].value, rate, "{}", got[i].name);
        }
        assert_eq!(got[5].value, 0.136);
        assert_eq!(got[6].value, 0.923);
        // Failure demand: 0.55 with two combined sd spanning about 0.30 to 0.80.
        let t = &got[7];
        let sd = t.observation_sd.hypot(t.discrepancy_sd);
        assert!((t.value - 2.0 * sd - 0.30).abs() < 0.01, "{sd}");
        assert!((t.value + 2.0 * sd - 0.80).abs() < 0.01, "{sd}");
        let primary: Vec<bool> = got
            .iter()
            .map(|t| matches!(t.evidence, Evidence::Source(_)))
            .collect();
        assert_eq!(primary, [true, true, true, true, true, false, false, false]);
        for t in &got {
            let text = match &t.evidence {
                Evidence::Source(s) | Evidence::Secondary(s) => s,
            };
            assert!(text.contains("http"), "{}: no address", t.name);
        }
        // The GP's discrepancy is large: the model's GP sees only its domains.
        assert!(got[2].discrepancy_sd >= 0.4 * got[2].value);
        assert!(got[4].discrepancy.contains("broader than statutory duties"));
        // And the binary carries it as `england-place`.
        let builtin = crate::targets_preset("england-place").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(builtin, got);
        assert!(
            crate::load_targets(&std::path::PathBuf::from(dir).join("england-place.toml")).is_ok()
        );
        let e = crate::targets_preset("england-plaice").unwrap_err();
        assert!(
            e.to_string()
                .contains("no built-in targets `england-plaice`; built-in: england-place; did you mean `england-place`?"),
            "{e}"
        );
    }

    #[test]
    fn each_mistake_names_its_field_and_what_is_allowed() {
        let field = "targets.admissions";
        let cases: Vec<(String, String)> = vec![
            (
                with("source = \"a publisher, table 1, 2020: 5.8 million\"\n", ""),
                format!("t.toml:4:10: {field}.source: is missing, and so is secondary: a target with no source is not a target"),
            ),
            (
                with("\nsource =", "\nsecondary = \"quoted — there\"\nsource ="),
                format!("t.toml:12:1: {field}.secondary: is given as well as source; give one"),
            ),
            (
                with("source = \"a publisher, table 1, 2020: 5.8 million\"", "source = \"  \""),
                format!("t.toml:12:1: {field}.source: must be non-empty text: a target with no source is not a target"),
            ),
            (
                with("\"acute.admissions\"", "\"acute.admisions\""),
                format!("t.toml:5:1: {field}.output: `admisions` is not a measure of an agency; allowed: AGENCY.MEASURE with MEASURE one of arrivals, served, admissions, crisis_events, delayed_bed_share; did you mean `acute.admissions`?"),
            ),
            (
                with("\"acute.admissions\"", "\"acutee.admissions\""),
                format!("t.toml:5:1: {field}.output: `acutee` is not an agency; allowed: AGENCY.MEASURE with AGENCY one of acute, gp, mental_health, social_care, housing, job_centre, police, voluntary; did you mean `acute.admissions`?"),
            ),
            (
                with("\"acute.admissions\"", "\"bed_ocupancy\""),
                format!("t.toml:5:1: {field}.output: `bed_ocupancy` is not an output; allowed: AGENCY.MEASURE with AGENCY one of acute,"),
            ),
            (
                with("\"acute.admissions\"", "\"bed_ocupancy\""),
                "did you mean `bed_occupancy`?".to_string(),
            ),
            (
                with("\"per_1000_residents_per_year\"", "\"share\""),
                format!("t.toml:6:1: {field}.unit: share does not fit the output: `acute.admissions` is a count; allowed: per_1000_residents_per_year"),
            ),
            (
                with("\"acute.admissions\"", "\"acute.delayed_bed_share\""),
                format!("t.toml:6:1: {field}.unit: per_1000_residents_per_year does not fit the output: `acute.delayed_bed_share` is a share; allowed: share"),
            ),
            (
                with("\"acute.admissions\"", "\"total_spend\""),
                format!("t.toml:6:1: {field}.unit: per_1000_residents_per_year does not fit the output: `total_spend` is neither a count nor a share"),
            ),
            (
                with("\"per_1000_residents_per_year\"", "\"per_1000\""),
                format!("t.toml:6:1: {field}.unit: `per_1000` is not a unit; allowed: per_1000_residents_per_year, share"),
            ),
            (
                with("observation_sd = 5.0", "observation_sd = 0"),
                format!("t.toml:8:1: {field}.observation_sd: 0 is not allowed; allowed: a finite number above 0, in the target's unit"),
            ),
            (
                with("discrepancy_sd = 10.0", "discrepancy_sd = -1.5"),
                format!("t.toml:10:1: {field}.discrepancy_sd: -1.5 is not allowed; allowed: a finite number above 0"),
            ),
            (
                with("discrepancy_sd = 10.0", "discrepancy_sd = \"ten\""),
                format!("t.toml:10:1: {field}.discrepancy_sd: \"ten\" is not allowed; allowed: a finite number above 0"),
            ),
            (
                with("observation_sd = 5.0\n", ""),
                format!("t.toml:4:10: {field}.observation_sd: is missing; allowed: a finite number above 0"),
            ),
            (
                with("\"the model admits from crises only\"", "\"\""),
                format!("t.toml:11:1: {field}.discrepancy: must be non-empty text: say why discrepancy_sd is what it is"),
            ),
            (
                with("discrepancy = \"the model admits from crises only\"\n", ""),
                format!("t.toml:4:10: {field}.discrepancy: is missing: say why discrepancy_sd is what it is"),
            ),
            (
                with("observation = \"two counts differ\"\n", ""),
                format!("t.toml:4:10: {field}.observation: is missing: say why observation_sd is what it is"),
            ),
            (
                with("value = 100.5", "valeu = 100.5"),
                format!("t.toml:7:1: {field}.valeu: is not a field of a target; allowed: output, unit, value, observation_sd, observation, discrepancy_sd, discrepancy, source, secondary; did you mean `value`?"),
            ),
            (
                with("value = 100.5", "value = -3"),
                format!("t.toml:7:1: {field}.value: -3 is not allowed; allowed: a rate of 0 or more"),
            ),
            (
                with("output = \"acute.admissions\"\n", ""),
                format!("t.toml:4:10: {field}.output: is missing: AGENCY.MEASURE with AGENCY one of"),
            ),
            (
                with("population = 1000", "populaton = 1000"),
                "t.toml:1:1: populaton: is not a key of a targets file; allowed: population, population_source, targets; did you mean `population`?".to_string(),
            ),
            (
                with("population = 1000", "populaton = 1000"),
                "population: is missing; target `admissions` is per_1000_residents_per_year".to_string(),
            ),
            (
                with("population_source = \"a census, 2021\"\n", ""),
                "t.toml:1:1: population_source: is missing: give the publisher, publication and year of the population".to_string(),
            ),
            (
                with("population = 1000", "population = 0"),
                "t.toml:1:1: population: 0 is not allowed; allowed: a number of residents above 0".to_string(),
            ),
            (
                with("[targets.admissions]", "[targets.Admissions]"),
                "t.toml:4:10: targets.Admissions: `Admissions` is not a target's name; allowed: lower-case letters, digits and _".to_string(),
            ),
            (
                "population = 1\npopulation_source = \"s\"\n".to_string(),
                "t.toml:1:1: targets: needs at least one table [targets.NAME]".to_string(),
            ),
            (
                "population = 1\npopulation_source = \"s\"\n[targets]\n".to_string(),
                "t.toml:3:2: targets: needs at least one table".to_string(),
            ),
        ];
        for (text, want) in cases {
            let got = problems(&text);
            assert!(
                got.iter().any(|p| p.contains(&want)),
                "want {want:?} in {got:#?}\n{text}"
            );
        }
    }

    /// A population that is there but wrong is not also said to be missing.
    #[test]
    fn a_bad_population_is_named_once() {
        let text = with("population = 1000", "population = 0");
        assert_eq!(
            problems(&text),
            ["t.toml:1:1: population: 0 is not allowed; allowed: a number of residents above 0"]
        );
        let text = with("population = 1000\n", "");
        let got = problems(&text);
        assert_eq!(got.len(), 2, "{got:#?}");
        for want in [
            "t.toml:1:1: population: is missing; target `admissions` is per_1000_residents_per_year",
            "t.toml:1:1: population_source: is given without population",
        ] {
            assert!(got.iter().any(|p| p.starts_with(want)), "{want}: {got:#?}");
        }
    }

    /// A share is from 0 to 1, and every problem of a target is reported at
    /// once, in the file's order.
    #[test]
    fn a_share_is_from_0_to_1_and_all_problems_are_reported() {
        let text = "[targets.occupancy]\noutput = \"bed_occupancy\"\nunit = \"share\"\nvalue = 92.3\nobservation_sd = 0\nobservation = \"o\"\ndiscrepancy_sd = 0.03\ndiscrepancy = \"\"\nsecondary = \"s\"\n";
        assert_eq!(
            problems(text),
            [
                "t.toml:4:1: targets.occupancy.value: 92.3 is not allowed; allowed: a share from 0 to 1",
                "t.toml:5:1: targets.occupancy.observation_sd: 0 is not allowed; allowed: a finite number above 0, in the target's unit",
                "t.toml:8:1: targets.occupancy.discrepancy: must be non-empty text: say why discrepancy_sd is what it is (how the model's output differs from what the figure counts)",
            ]
        );
    }
}
