//! Files of uncertain parameters: for each dotted key of the default place,
//! the distribution its value may take and why (a source, or the reason it
//! is assumed). docs/SENSITIVITY.md documents the format.
//!
//! ```toml
//! [uncertainty."citizens.risk_sigma"]
//! distribution = "uniform"      # uniform | log_uniform | triangular | truncated_normal
//! low = 0.7
//! high = 1.1
//! reason = "assumed: no published spread of need by risk for a place"
//! ```
//!
//! Each distribution names its own fields: `low` and `high` for every one,
//! `mode` for the triangular, `mean` and `sd` for the truncated normal. Both
//! ends must be values the scenario allows for the key, checked by building
//! the default place with each.

use crate::merge::Source;
use crate::overrides::Override;
use crate::problem::{suggestion, Location, Problem, Problems};
use crate::source::Doc;
use placesim_sensitivity::Distribution;
use serde_json::{Map, Value};

/// Why a parameter is uncertain as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Why {
    /// Publisher, table and year (or the quoted secondary text).
    Source(String),
    /// Why it is assumed, and why this range.
    Reason(String),
}

/// One uncertain parameter.
#[derive(Clone, Debug, PartialEq)]
pub struct Uncertain {
    pub key: String,
    pub distribution: Distribution,
    pub why: Why,
    /// The group it moves with in a Morris or Sobol design (`group = "..."`),
    /// e.g. the entries of the coupling matrix; `None`: a group of its own.
    pub group: Option<String>,
}

const DISTRIBUTIONS: [&str; 4] = ["uniform", "log_uniform", "triangular", "truncated_normal"];

/// The fields each distribution takes, besides `distribution` and the why.
fn fields(distribution: &str) -> &'static [&'static str] {
    match distribution {
        "triangular" => &["low", "mode", "high"],
        "truncated_normal" => &["mean", "sd", "low", "high"],
        _ => &["low", "high"],
    }
}

/// Load the uncertain parameters of a file, in the file's order, checking
/// each against the default place.
pub fn load(src: &Source) -> Result<Vec<Uncertain>, Problems> {
    let doc = src.load()?;
    read(&doc)
}

/// The uncertain parameters of a parsed file.
pub fn read(doc: &Doc) -> Result<Vec<Uncertain>, Problems> {
    let mut problems = Vec::new();
    let top = doc.value.as_object().cloned().unwrap_or_default();
    for key in top.keys().filter(|k| k.as_str() != "uncertainty") {
        problems.push(Problem::at(
            &doc.locate(key),
            key,
            format!(
                "is not a key of an uncertainty file; allowed: uncertainty{}",
                suggestion(key, ["uncertainty"])
            ),
        ));
    }
    let entries = match top.get("uncertainty") {
        Some(Value::Object(m)) if !m.is_empty() => m.clone(),
        _ => {
            problems.push(Problem::at(
                &doc.locate("uncertainty"),
                "uncertainty",
                "needs at least one table [uncertainty.\"dotted.key\"] with a distribution",
            ));
            return Err(Problems(problems));
        }
    };
    let mut out = Vec::new();
    for (key, entry) in &entries {
        let path = format!("uncertainty.{key}");
        let at = doc.locate(&path);
        let Some(entry) = entry.as_object() else {
            problems.push(Problem::at(
                &at,
                &path,
                "must be a table with distribution, its fields, and source or reason",
            ));
            continue;
        };
        if let Some(u) = entry_of(doc, key, &path, entry, &mut problems) {
            check_key(&u, &at, &mut problems);
            out.push(u);
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        problems.sort_by(|a, b| (&a.file, a.at).cmp(&(&b.file, b.at)));
        Err(Problems(problems))
    }
}

/// One entry, or its problems.
fn entry_of(
    doc: &Doc,
    key: &str,
    path: &str,
    entry: &Map<String, Value>,
    problems: &mut Vec<Problem>,
) -> Option<Uncertain> {
    let before = problems.len();
    let field_at = |f: &str| doc.locate(&format!("{path}.{f}"));
    let distribution = match entry.get("distribution").and_then(Value::as_str) {
        Some(d) if DISTRIBUTIONS.contains(&d) => d,
        Some(d) => {
            problems.push(Problem::at(
                &field_at("distribution"),
                &format!("{path}.distribution"),
                format!(
                    "`{d}` is not a distribution; allowed: {}{}",
                    DISTRIBUTIONS.join(", "),
                    suggestion(d, DISTRIBUTIONS)
                ),
            ));
            return None;
        }
        None => {
            problems.push(Problem::at(
                &doc.locate(path),
                &format!("{path}.distribution"),
                format!("is missing; allowed: {}", DISTRIBUTIONS.join(", ")),
            ));
            return None;
        }
    };
    let wanted = fields(distribution);
    for f in entry.keys() {
        let known = wanted.contains(&f.as_str())
            || ["distribution", "source", "reason", "group"].contains(&f.as_str());
        if !known {
            let allowed: Vec<&str> = wanted
                .iter()
                .copied()
                .chain(["source", "reason", "group"])
                .collect();
            problems.push(Problem::at(
                &field_at(f),
                &format!("{path}.{f}"),
                format!(
                    "is not a field of a {distribution} distribution; allowed: distribution, {}{}",
                    allowed.join(", "),
                    suggestion(f, allowed.iter().copied())
                ),
            ));
        }
    }
    let mut number = |f: &str| match entry.get(f) {
        Some(v) if v.as_f64().is_some_and(f64::is_finite) => v.as_f64(),
        Some(v) => {
            problems.push(Problem::at(
                &field_at(f),
                &format!("{path}.{f}"),
                format!("{v} is not a number"),
            ));
            None
        }
        None => {
            problems.push(Problem::at(
                &doc.locate(path),
                &format!("{path}.{f}"),
                format!(
                    "is missing; a {distribution} distribution needs {}",
                    wanted.join(", ")
                ),
            ));
            None
        }
    };
    let values: Vec<Option<f64>> = wanted.iter().map(|f| number(f)).collect();
    let why = match (entry.get("source"), entry.get("reason")) {
        (Some(Value::String(s)), None) if !s.trim().is_empty() => Some(Why::Source(s.clone())),
        (None, Some(Value::String(r))) if !r.trim().is_empty() => Some(Why::Reason(r.clone())),
        (Some(_), Some(_)) => {
            problems.push(Problem::at(
                &doc.locate(path),
                path,
                "has both source and reason; give one: source (publisher, table, year) if the range is published, reason if it is assumed",
            ));
            None
        }
        (None, None) => {
            problems.push(Problem::at(
                &doc.locate(path),
                &format!("{path}.reason"),
                "is missing: give source (publisher, table, year) if the range is published, or reason (why assumed, and why this range)",
            ));
            None
        }
        (s, _) => {
            let f = if s.is_some() { "source" } else { "reason" };
            problems.push(Problem::at(
                &field_at(f),
                &format!("{path}.{f}"),
                "must be non-empty text",
            ));
            None
        }
    };
    let group = match entry.get("group") {
        None => None,
        Some(Value::String(g)) if !g.trim().is_empty() => Some(g.clone()),
        Some(_) => {
            problems.push(Problem::at(
                &field_at("group"),
                &format!("{path}.group"),
                "must be non-empty text: the name of the group the parameter moves with",
            ));
            None
        }
    };
    if problems.len() > before {
        return None;
    }
    let v: Vec<f64> = values.into_iter().flatten().collect();
    let (distribution, shape) = match distribution {
        "uniform" => (
            Distribution::Uniform {
                low: v[0],
                high: v[1],
            },
            (v[0] < v[1]).then_some(()).ok_or("low must be below high"),
        ),
        "log_uniform" => (
            Distribution::LogUniform {
                low: v[0],
                high: v[1],
            },
            (0.0 < v[0] && v[0] < v[1])
                .then_some(())
                .ok_or("needs 0 < low < high"),
        ),
        "triangular" => (
            Distribution::Triangular {
                low: v[0],
                mode: v[1],
                high: v[2],
            },
            (v[0] <= v[1] && v[1] <= v[2] && v[0] < v[2])
                .then_some(())
                .ok_or("needs low <= mode <= high, low < high"),
        ),
        _ => (
            Distribution::TruncatedNormal {
                mean: v[0],
                sd: v[1],
                low: v[2],
                high: v[3],
            },
            (v[1] > 0.0 && v[2] < v[3])
                .then_some(())
                .ok_or("needs sd > 0 and low < high"),
        ),
    };
    if let Err(why) = shape {
        problems.push(Problem::at(&doc.locate(path), path, why));
        return None;
    }
    Some(Uncertain {
        group,
        key: key.to_string(),
        distribution,
        why: why?,
    })
}

/// Both ends of the range must be values the default place allows for the
/// key (a whole-number key's rounded as a design rounds it); a problem at
/// both ends alike is the key's own (unknown, or not a number).
fn check_key(u: &Uncertain, at: &Location, problems: &mut Vec<Problem>) {
    let (low, high) = u.distribution.bounds();
    let default = crate::preset("default-place", &[])
        .map(|s| s.resolved)
        .unwrap_or_default();
    let found = |end: f64| -> Vec<String> {
        // A whole-number key is probed, as it is run, at the nearest whole number.
        let probe = Override {
            key: u.key.clone(),
            value: crate::sweep::point_value(&default, &u.key, end),
            at: at.clone(),
        };
        match crate::preset("default-place", &[probe]) {
            Ok(_) => Vec::new(),
            Err(found) => found
                .0
                .iter()
                .map(|p| {
                    if p.field == u.key {
                        p.message.clone()
                    } else {
                        p.to_string()
                    }
                })
                .collect(),
        }
    };
    let (at_low, at_high) = (found(low), found(high));
    let field = format!("uncertainty.{}", u.key);
    if !at_low.is_empty() && at_low == at_high {
        for m in at_low {
            problems.push(Problem::at(at, &field, m));
        }
        return;
    }
    for (end, messages) in [(low, at_low), (high, at_high)] {
        for m in messages {
            problems.push(Problem::at(
                at,
                &field,
                format!("{end} (an end of its range): {m}"),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(text: &str) -> Vec<String> {
        let doc = crate::source::parse("u.toml", text).unwrap();
        match read(&doc) {
            Ok(_) => Vec::new(),
            Err(p) => p.0.iter().map(|p| p.to_string()).collect(),
        }
    }

    #[test]
    fn a_good_file_reads_in_order() {
        let text = r#"
[uncertainty."citizens.risk_sigma"]
distribution = "uniform"
low = 0.7
high = 1.1
reason = "assumed"

[uncertainty."barriers.professional_boundaries.coordination_cost"]
distribution = "triangular"
low = 0.1
mode = 0.25
high = 1.0
source = "a publisher, table 1, 2020"
"#;
        let doc = crate::source::parse("u.toml", text).unwrap();
        let got = read(&doc).unwrap();
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].key, "citizens.risk_sigma");
        assert_eq!(
            got[0].distribution,
            Distribution::Uniform {
                low: 0.7,
                high: 1.1
            }
        );
        assert_eq!(got[1].why, Why::Source("a publisher, table 1, 2020".into()));
    }

    /// The shipped file reads without a problem, and every range holds the
    /// default place's own value.
    #[test]
    fn the_shipped_file_covers_the_default_place() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../scenarios/");
        let path = std::path::PathBuf::from(dir).join("uncertainty.toml");
        let got = load(&Source::File(path)).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(got.len(), 105, "parameters");
        let groups: Vec<String> = got
            .iter()
            .map(|u| u.group.clone().unwrap_or_else(|| u.key.clone()))
            .collect();
        let (_, names) = placesim_sensitivity::design::numbered(&groups);
        assert_eq!(names.len(), 76, "groups");
        assert_eq!(
            got.iter()
                .filter(|u| u.group.as_deref() == Some("coupling"))
                .count(),
            30
        );
        let text = std::fs::read_to_string(format!("{dir}default-place.toml")).unwrap();
        let place = crate::source::parse("default-place.toml", &text)
            .unwrap()
            .value;
        for u in &got {
            let value = u
                .key
                .split('.')
                .try_fold(&place, |v, k| match v {
                    Value::Array(items) => k.parse::<usize>().ok().and_then(|i| items.get(i)),
                    _ => v.get(k),
                })
                .and_then(Value::as_f64)
                .unwrap_or_else(|| panic!("{}: no number in default-place.toml", u.key));
            let (low, high) = u.distribution.bounds();
            assert!(
                low <= value && value <= high,
                "{}: {value} outside [{low}, {high}]",
                u.key
            );
        }
    }

    #[test]
    fn each_mistake_is_named_with_its_line_and_what_is_allowed() {
        let cases = [
            (
                "[uncertainty.\"citizens.risk_sigma\"]\ndistribution = \"unifrom\"\nlow = 0.7\nhigh = 1.1\nreason = \"r\"\n",
                "u.toml:2:1: uncertainty.citizens.risk_sigma.distribution: `unifrom` is not a distribution; allowed: uniform, log_uniform, triangular, truncated_normal; did you mean `uniform`?",
            ),
            (
                "[uncertainty.\"citizens.risk_sigma\"]\ndistribution = \"uniform\"\nlow = 1.1\nhigh = 0.7\nreason = \"r\"\n",
                "u.toml:1:14: uncertainty.citizens.risk_sigma: low must be below high",
            ),
            (
                "[uncertainty.\"citizens.risk_sigma\"]\ndistribution = \"uniform\"\nlow = 0.7\nhigh = 1.1\n",
                "u.toml:1:14: uncertainty.citizens.risk_sigma.reason: is missing: give source (publisher, table, year) if the range is published, or reason (why assumed, and why this range)",
            ),
            (
                "[uncertainty.\"citizens.risk_sigma\"]\ndistribution = \"uniform\"\nlow = 0.7\nhihg = 1.1\nreason = \"r\"\n",
                "u.toml:4:1: uncertainty.citizens.risk_sigma.hihg: is not a field of a uniform distribution; allowed: distribution, low, high, source, reason, group; did you mean `high`?",
            ),
            (
                "[uncertainty.\"citizens.risk_sigmaa\"]\ndistribution = \"uniform\"\nlow = 0.7\nhigh = 1.1\nreason = \"r\"\n",
                "uncertainty.citizens.risk_sigmaa: no key `risk_sigmaa` in `citizens`; did you mean `citizens.risk_sigma`?",
            ),
            (
                "[uncertainty.\"leadership.learning_rate\"]\ndistribution = \"uniform\"\nlow = 0.5\nhigh = 20\nreason = \"r\"\n",
                "20 (an end of its range)",
            ),
            ("[something]\nx = 1\n", "allowed: uncertainty"),
            (
                "[uncertainty.\"citizens.risk_sigma\"]\ndistribution = \"uniform\"\nlow = 0.7\nhigh = 1.1\ngroup = 3\nreason = \"r\"\n",
                "u.toml:5:1: uncertainty.citizens.risk_sigma.group: must be non-empty text",
            ),
            (
                "[uncertainty.\"needs.coupling.income.9\"]\ndistribution = \"uniform\"\nlow = 0\nhigh = 1\nreason = \"r\"\n",
                "is a list of 6 values; `9` is not an index of it (0 to 5)",
            ),
        ];
        for (text, want) in cases {
            let got = problems(text);
            assert!(
                got.iter().any(|p| p.contains(want)),
                "want {want:?} in {got:#?}"
            );
        }
    }
}
