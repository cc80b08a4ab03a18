//! Files of uncertain parameters: for each dotted key of the default place,
//! the distribution its value may take and why (a source, or the reason it
//! is assumed). docs/SENSITIVITY.md documents the format.
//!
//! ```toml
//! [uncertainty."citizens.risk_sigma"]
//! distribution = "uniform"      # uniform | log_uniform | triangular | truncated_normal | categorical
//! low = 0.7
//! high = 1.1
//! reason = "assumed: no published spread of need by risk for a place"
//!
//! [uncertainty."barriers.ring_fenced_budgets.reallocation"]
//! distribution = "categorical"
//! values = ["last_year_spend", "need_origin", "invest_to_save"]
//! reason = "assumed: which rule a board would choose is open"
//! ```
//!
//! Each distribution names its own fields: `low` and `high` for every
//! numeric one, `mode` for the triangular, `mean` and `sd` for the truncated
//! normal; a categorical lists its `values` instead (at least two distinct
//! ones, all text, all true/false or all numbers, each equally likely; a
//! design holds a value's position in the list). Both ends of a range, and
//! every value of a categorical, must be values the scenario allows for the
//! key, checked by building the default place with each.

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
    /// A categorical parameter's values, in the file's order: a design's
    /// number for it is a position in this list. Empty for a numeric one.
    pub values: Vec<Value>,
}

const DISTRIBUTIONS: [&str; 5] = [
    "uniform",
    "log_uniform",
    "triangular",
    "truncated_normal",
    "categorical",
];

/// The fields each distribution takes, besides `distribution` and the why.
fn fields(distribution: &str) -> &'static [&'static str] {
    match distribution {
        "triangular" => &["low", "mode", "high"],
        "truncated_normal" => &["mean", "sd", "low", "high"],
        "categorical" => &["values"],
        _ => &["low", "high"],
    }
}

/// What a categorical's `values` must be, for messages.
const CATEGORICAL_VALUES: &str =
    "a list of at least 2 distinct values, all text, all true/false or all numbers";

/// The kind of a categorical's value, as a message names it; `None`: not
/// a kind a value may be (a list or a table).
fn kind(v: &Value) -> Option<&'static str> {
    match v {
        Value::String(_) => Some("text"),
        Value::Bool(_) => Some("true/false"),
        Value::Number(_) => Some("a number"),
        _ => None,
    }
}

/// A value as a message quotes it: text in backquotes, else as written.
fn quoted(v: &Value) -> String {
    match v {
        Value::String(s) => format!("`{s}`"),
        other => other.to_string(),
    }
}

/// A categorical's `values`, or the problems with them (each naming the
/// field, or the value's position in the list).
fn categorical_values(
    doc: &Doc,
    path: &str,
    entry: &Map<String, Value>,
    problems: &mut Vec<Problem>,
) -> Option<Vec<Value>> {
    let field = format!("{path}.values");
    let at = doc.locate(&field);
    let list = match entry.get("values") {
        None => {
            problems.push(Problem::at(
                &doc.locate(path),
                &field,
                format!(
                    "is missing; a categorical distribution needs values: {CATEGORICAL_VALUES}"
                ),
            ));
            return None;
        }
        Some(Value::Array(list)) => list,
        Some(other) => {
            problems.push(Problem::at(
                &at,
                &field,
                format!(
                    "{} is not a list; allowed: {CATEGORICAL_VALUES}",
                    quoted(other)
                ),
            ));
            return None;
        }
    };
    if list.len() < 2 {
        problems.push(Problem::at(
            &at,
            &field,
            format!(
                "has {} value{}; allowed: {CATEGORICAL_VALUES}",
                list.len(),
                if list.len() == 1 { "" } else { "s" }
            ),
        ));
        return None;
    }
    let before = problems.len();
    for (i, v) in list.iter().enumerate() {
        if kind(v).is_none() {
            problems.push(Problem::at(
                &doc.locate(&format!("{field}.{i}")),
                &format!("{field}.{i}"),
                format!("{v} is not a value a key takes; allowed: text, true/false or a number"),
            ));
        }
    }
    if problems.len() > before {
        return None;
    }
    let first = kind(&list[0]);
    if let Some((i, v)) = list.iter().enumerate().find(|(_, v)| kind(v) != first) {
        problems.push(Problem::at(
            &doc.locate(&format!("{field}.{i}")),
            &format!("{field}.{i}"),
            format!(
                "{} is {} but the first value is {}; the values must be all text, all true/false or all numbers",
                quoted(v),
                kind(v).unwrap_or("?"),
                first.unwrap_or("?")
            ),
        ));
        return None;
    }
    // Numbers are the same value however written (1 and 1.0).
    let same = |a: &Value, b: &Value| match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    };
    for (i, v) in list.iter().enumerate() {
        if let Some(j) = list[..i].iter().position(|w| same(v, w)) {
            problems.push(Problem::at(
                &doc.locate(&format!("{field}.{i}")),
                &format!("{field}.{i}"),
                format!(
                    "{} is listed twice (values.{j} and values.{i}); each value must be listed once",
                    quoted(v)
                ),
            ));
        }
    }
    if u32::try_from(list.len()).is_err() {
        problems.push(Problem::at(
            &at,
            &field,
            format!("has {} values; allowed at most {}", list.len(), u32::MAX),
        ));
    }
    (problems.len() == before).then(|| list.clone())
}

/// Only the parameters of `all` named in `keys` (the file's order kept);
/// a key that is not one of them is a problem of `--parameters`, naming
/// `file` and the nearest key.
pub fn only(all: Vec<Uncertain>, keys: &[String], file: &str) -> Result<Vec<Uncertain>, Problems> {
    let known: Vec<&str> = all.iter().map(|u| u.key.as_str()).collect();
    let unknown: Vec<Problem> = keys
        .iter()
        .filter(|k| !known.contains(&k.as_str()))
        .map(|k| {
            Problem::in_file(
                "--parameters",
                format!(
                    "`{k}` is not an uncertain parameter of {file}{}",
                    suggestion(k, known.iter().copied())
                ),
            )
        })
        .collect();
    if !unknown.is_empty() {
        return Err(Problems(unknown));
    }
    Ok(all.into_iter().filter(|u| keys.contains(&u.key)).collect())
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
            check_key(doc, &u, &at, &mut problems);
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
            // A numeric distribution's field given to a categorical, or the reverse.
            let why = match (distribution, f.as_str()) {
                ("categorical", "low" | "high" | "mode" | "mean" | "sd") => {
                    " (a categorical has no range: it lists its values)"
                }
                (_, "values") => " (only a categorical lists values)",
                _ => "",
            };
            problems.push(Problem::at(
                &field_at(f),
                &format!("{path}.{f}"),
                format!(
                    "is not a field of a {distribution} distribution{why}; allowed: distribution, {}{}",
                    allowed.join(", "),
                    suggestion(f, allowed.iter().copied())
                ),
            ));
        }
    }
    let categories = if distribution == "categorical" {
        categorical_values(doc, path, entry, problems)
    } else {
        None
    };
    let wanted: &[&str] = if distribution == "categorical" {
        &[]
    } else {
        wanted
    };
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
    let values = categories.unwrap_or_default();
    let (distribution, shape) = match distribution {
        "categorical" => (
            Distribution::Categorical {
                count: values.len() as u32,
            },
            Ok(()),
        ),
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
        values,
    })
}

/// Both ends of the range (every value of a categorical) must be values the
/// default place allows for the key (a whole-number key's rounded as a
/// design rounds it); a problem at every probe alike is the key's own
/// (unknown, say, or not a number where every value is text).
fn check_key(doc: &Doc, u: &Uncertain, at: &Location, problems: &mut Vec<Problem>) {
    let default = crate::preset("default-place", &[])
        .map(|s| s.resolved)
        .unwrap_or_default();
    let categories: std::collections::BTreeMap<String, Vec<Value>> = if u.values.is_empty() {
        Default::default()
    } else {
        [(u.key.clone(), u.values.clone())].into()
    };
    let found = |x: f64| -> Vec<String> {
        // Probed as it is run: a whole-number key at the nearest whole
        // number, a categorical's position as its value.
        let probe = Override {
            key: u.key.clone(),
            value: point_value(&default, &u.key, x, &categories),
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
    let field = format!("uncertainty.{}", u.key);
    // Each probe: where a problem with it is reported, the field, and how it is named.
    let probes: Vec<(f64, Location, String, String)> = if u.values.is_empty() {
        let (low, high) = u.distribution.bounds();
        [low, high]
            .into_iter()
            .map(|end| {
                let name = format!("{end} (an end of its range)");
                (end, at.clone(), field.clone(), name)
            })
            .collect()
    } else {
        u.values
            .iter()
            .enumerate()
            .map(|(i, v)| {
                let path = format!("{field}.values.{i}");
                let name = format!("{} (one of its values)", quoted(v));
                (i as f64, doc.locate(&path), path, name)
            })
            .collect()
    };
    let messages: Vec<Vec<String>> = probes.iter().map(|(x, ..)| found(*x)).collect();
    if !messages[0].is_empty() && messages.iter().all(|m| *m == messages[0]) {
        for m in &messages[0] {
            problems.push(Problem::at(at, &field, m.clone()));
        }
        return;
    }
    for ((_, here, path, name), messages) in probes.iter().zip(messages) {
        for m in messages {
            problems.push(Problem::at(here, path, format!("{name}: {m}")));
        }
    }
}

/// A design's value `x` for `key` as the scenario takes it: for a key of
/// `categories`, its value at position `x` (rounded to the nearest
/// position and kept within the list; a number that is not finite is the
/// first); else the nearest whole number where `resolved` holds a whole
/// number there, else `x`.
pub fn point_value(
    resolved: &Value,
    key: &str,
    x: f64,
    categories: &std::collections::BTreeMap<String, Vec<Value>>,
) -> Value {
    if let Some(values) = categories.get(key).filter(|v| !v.is_empty()) {
        let last = values.len() - 1;
        let position = if x.is_finite() {
            // A saturating cast: below 0 is 0, beyond usize::MAX is usize::MAX.
            (x.round().max(0.0) as usize).min(last)
        } else {
            0
        };
        return values[position].clone();
    }
    let whole = crate::merge::value_at(resolved, key).is_some_and(|v| v.is_u64() || v.is_i64());
    if whole {
        Value::from(x.round() as i64)
    } else {
        serde_json::Number::from_f64(x).map_or(Value::Null, Value::Number)
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

    const REALLOCATION: &str = r#"
[uncertainty."barriers.ring_fenced_budgets.reallocation"]
distribution = "categorical"
values = ["last_year_spend", "need_origin", "invest_to_save"]
reason = "assumed: which rule a board would choose is open"
group = "pooling"
"#;

    #[test]
    fn a_categorical_entry_reads_its_values_in_order() {
        let doc = crate::source::parse("u.toml", REALLOCATION).unwrap();
        let got = read(&doc).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(got.len(), 1);
        let u = &got[0];
        assert_eq!(u.key, "barriers.ring_fenced_budgets.reallocation");
        assert_eq!(u.distribution, Distribution::Categorical { count: 3 });
        assert_eq!(u.distribution.bounds(), (0.0, 2.0));
        assert_eq!(
            u.values,
            vec![
                Value::from("last_year_spend"),
                Value::from("need_origin"),
                Value::from("invest_to_save")
            ]
        );
        assert_eq!(
            u.why,
            Why::Reason("assumed: which rule a board would choose is open".into())
        );
        assert_eq!(u.group.as_deref(), Some("pooling"));
        // Numbers and true/false are values too; a numeric entry has none.
        let text = r#"
[uncertainty."place.population"]
distribution = "categorical"
values = [2000, 3000]
source = "a publisher, table 1, 2020"

[uncertainty."citizens.risk_sigma"]
distribution = "uniform"
low = 0.7
high = 1.1
reason = "assumed"
"#;
        let doc = crate::source::parse("u.toml", text).unwrap();
        let got = read(&doc).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(got[0].distribution, Distribution::Categorical { count: 2 });
        assert_eq!(got[0].values, vec![Value::from(2000), Value::from(3000)]);
        assert!(got[1].values.is_empty());
    }

    /// Every value of a categorical is built on the default place, and the
    /// one the scenario refuses is named, at its line, by its position.
    #[test]
    fn every_categorical_value_is_probed_and_a_bad_one_named() {
        let text = REALLOCATION.replace("\"need_origin\"", "\"need_orign\"");
        let got = problems(&text);
        assert_eq!(got.len(), 1, "{got:#?}");
        assert!(
            got[0].starts_with(
                "u.toml:4:30: uncertainty.barriers.ring_fenced_budgets.reallocation.values.1: `need_orign` (one of its values): "
            ),
            "{got:#?}"
        );
        assert!(got[0].contains("need_origin"), "{got:#?}");
        // A fourth value is probed as well as the first three.
        let text = REALLOCATION.replace("\"invest_to_save\"]", "\"invest_to_save\", \"pool_it\"]");
        let got = problems(&text);
        assert_eq!(got.len(), 1, "{got:#?}");
        assert!(
            got[0].contains("reallocation.values.3: `pool_it` (one of its values): "),
            "{got:#?}"
        );
        // A value of the wrong kind for a numeric key: the same problem at
        // every value is the key's, said once.
        let text = "[uncertainty.\"citizens.risk_sigma\"]\ndistribution = \"categorical\"\nvalues = [\"low\", \"high\"]\nreason = \"r\"\n";
        assert_eq!(
            problems(text),
            ["u.toml:1:14: uncertainty.citizens.risk_sigma: is text, but must be a number"]
        );
        // Whole numbers out of a whole-number key's range: the bad one named.
        let text = "[uncertainty.\"place.population\"]\ndistribution = \"categorical\"\nvalues = [2000, 0]\nreason = \"r\"\n";
        let got = problems(text);
        assert_eq!(got.len(), 1, "{got:#?}");
        assert!(
            got[0].contains("place.population.values.1: 0 (one of its values): "),
            "{got:#?}"
        );
    }

    #[test]
    fn each_categorical_mistake_names_its_field_and_what_is_allowed() {
        let entry = |body: &str| {
            format!(
                "[uncertainty.\"barriers.ring_fenced_budgets.reallocation\"]\ndistribution = \"categorical\"\n{body}reason = \"r\"\n"
            )
        };
        let field = "uncertainty.barriers.ring_fenced_budgets.reallocation";
        let cases = [
            (
                entry(""),
                format!("u.toml:1:14: {field}.values: is missing; a categorical distribution needs values: a list of at least 2 distinct values, all text, all true/false or all numbers"),
            ),
            (
                entry("values = []\n"),
                format!("u.toml:3:1: {field}.values: has 0 values; allowed: a list of at least 2 distinct values"),
            ),
            (
                entry("values = [\"need_origin\"]\n"),
                format!("u.toml:3:1: {field}.values: has 1 value; allowed: a list of at least 2 distinct values"),
            ),
            (
                entry("values = \"need_origin\"\n"),
                format!("u.toml:3:1: {field}.values: `need_origin` is not a list; allowed: a list of"),
            ),
            (
                entry("values = [\"need_origin\", 2, true]\n"),
                format!("{field}.values.1: 2 is a number but the first value is text; the values must be all text, all true/false or all numbers"),
            ),
            (
                entry("values = [\"need_origin\", \"invest_to_save\", \"need_origin\"]\n"),
                format!("{field}.values.2: `need_origin` is listed twice (values.0 and values.2); each value must be listed once"),
            ),
            (
                entry("values = [\"need_origin\", [1, 2]]\n"),
                format!("{field}.values.1: [1,2] is not a value a key takes; allowed: text, true/false or a number"),
            ),
            (
                entry("values = [\"need_origin\", \"invest_to_save\"]\nlow = 0\nhigh = 2\n"),
                format!("u.toml:4:1: {field}.low: is not a field of a categorical distribution (a categorical has no range: it lists its values); allowed: distribution, values, source, reason, group"),
            ),
            (
                entry("values = [\"need_origin\", \"invest_to_save\"]\nhigh = 2\n"),
                format!("u.toml:4:1: {field}.high: is not a field of a categorical distribution"),
            ),
            (
                entry("value = [\"need_origin\", \"invest_to_save\"]\n"),
                format!("u.toml:3:1: {field}.value: is not a field of a categorical distribution; allowed: distribution, values, source, reason, group; did you mean `values`?"),
            ),
            (
                "[uncertainty.\"citizens.risk_sigma\"]\ndistribution = \"uniform\"\nlow = 0.7\nhigh = 1.1\nvalues = [1, 2]\nreason = \"r\"\n".to_string(),
                "u.toml:5:1: uncertainty.citizens.risk_sigma.values: is not a field of a uniform distribution (only a categorical lists values); allowed: distribution, low, high, source, reason, group".to_string(),
            ),
            (
                "[uncertainty.\"barriers.ring_fenced_budgets.reallocation\"]\ndistribution = \"categorical\"\nvalues = [\"need_origin\", \"invest_to_save\"]\n".to_string(),
                format!("{field}.reason: is missing"),
            ),
            (
                "[uncertainty.\"barriers.ring_fenced_budgets.reallocation\"]\ndistribution = \"categorcal\"\nvalues = [\"need_origin\", \"invest_to_save\"]\nreason = \"r\"\n".to_string(),
                "allowed: uniform, log_uniform, triangular, truncated_normal, categorical; did you mean `categorical`?".to_string(),
            ),
        ];
        for (text, want) in cases {
            let got = problems(&text);
            assert!(
                got.iter().any(|p| p.contains(&want)),
                "want {want:?} in {got:#?}"
            );
        }
    }

    #[test]
    fn each_mistake_is_named_with_its_line_and_what_is_allowed() {
        let cases = [
            (
                "[uncertainty.\"citizens.risk_sigma\"]\ndistribution = \"unifrom\"\nlow = 0.7\nhigh = 1.1\nreason = \"r\"\n",
                "u.toml:2:1: uncertainty.citizens.risk_sigma.distribution: `unifrom` is not a distribution; allowed: uniform, log_uniform, triangular, truncated_normal, categorical; did you mean `uniform`?",
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
