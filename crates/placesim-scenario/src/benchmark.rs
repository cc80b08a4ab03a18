//! A benchmark of integration strategies: its definition (`benchmark.toml`:
//! places, strategies, replicates, horizons, the score, satisficing
//! conditions) and its strategy files (`strategies/*.toml`: a set of changes
//! to whatever place it runs on, its phasing, its costs and its evidence),
//! read and checked with every problem located in its file, and turned into
//! one sweep a place, whose variants are the strategies.

use crate::merge::Source;
use crate::overrides::Override;
use crate::problem::{suggestion, Location, Problem, Problems};
use crate::source::Doc;
use crate::sweep::{scenario_with, Sweep, Variant};
use serde_json::{Map, Value};

/// A strategy: what it changes on any place.
#[derive(Clone, Debug)]
pub struct Strategy {
    pub name: String,
    pub description: String,
    /// Where each of its values comes from.
    pub evidence: String,
    /// The file, as problems name it.
    pub file: String,
    /// Values set by dotted key (`[set]`), then the phasing (`schedule`).
    pub set: Vec<Override>,
    /// Values multiplied on the place they run on (`[scale]`), with where each was written.
    pub scale: Vec<(String, f64, Location)>,
    /// The file's text, which the benchmark's hash covers.
    pub text: String,
}

/// A satisficing condition: an outcome's change against the reference in
/// the same future, as a share of the reference's value, at most `max_change`.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Criterion {
    pub outcome: String,
    pub max_change: f64,
}

/// A benchmark definition.
#[derive(Clone, Debug)]
pub struct Benchmark {
    pub name: String,
    pub description: String,
    pub version: u32,
    /// Each place's name and where it is.
    pub places: Vec<(String, Source)>,
    pub strategies: Vec<Source>,
    pub reference: String,
    pub replicates: u32,
    pub seed: u64,
    pub horizons_years: Vec<u32>,
    /// The outcome regret and rank are on (higher is better).
    pub score: String,
    pub outcomes: Vec<String>,
    pub satisficing: Vec<Criterion>,
    /// Values every place runs with.
    pub set: Vec<Override>,
    pub file: String,
    pub text: String,
}

const STRATEGY_KEYS: [&str; 6] = [
    "name",
    "description",
    "evidence",
    "set",
    "scale",
    "schedule",
];
const BENCHMARK_KEYS: [&str; 13] = [
    "name",
    "description",
    "version",
    "places",
    "strategies",
    "reference",
    "replicates",
    "seed",
    "horizons_years",
    "score",
    "outcomes",
    "set",
    "satisficing",
];

/// Most replicates a benchmark runs a place with.
const MAX_REPLICATES: u64 = 100_000;

fn text_of(src: &Source) -> String {
    match src {
        Source::File(p) => std::fs::read_to_string(p).unwrap_or_default(),
        Source::Builtin(f) => crate::presets::by_file(f)
            .map(|p| p.text.to_string())
            .unwrap_or_default(),
    }
}

/// The top-level table, its unknown keys reported.
fn top<'a>(
    doc: &'a Doc,
    allowed: &[&str],
    problems: &mut Vec<Problem>,
) -> Option<&'a Map<String, Value>> {
    let Some(map) = doc.value.as_object() else {
        problems.push(Problem::in_file(&doc.file, "is not a table of keys"));
        return None;
    };
    for key in map.keys() {
        if !allowed.contains(&key.as_str()) {
            problems.push(Problem::at(
                &doc.locate(key),
                key,
                format!(
                    "is not a key here; allowed: {}{}",
                    allowed.join(", "),
                    suggestion(key, allowed.iter().copied())
                ),
            ));
        }
    }
    Some(map)
}

fn text(doc: &Doc, map: &Map<String, Value>, key: &str, problems: &mut Vec<Problem>) -> String {
    match map.get(key) {
        Some(Value::String(s)) if !s.trim().is_empty() => s.clone(),
        Some(_) => {
            problems.push(Problem::at(&doc.locate(key), key, "must be non-empty text"));
            String::new()
        }
        None => {
            problems.push(Problem::at(&doc.locate(key), key, "is missing"));
            String::new()
        }
    }
}

fn whole(
    doc: &Doc,
    map: &Map<String, Value>,
    key: &str,
    range: (u64, u64),
    problems: &mut Vec<Problem>,
) -> u64 {
    match map.get(key).map(Value::as_u64) {
        Some(Some(n)) if (range.0..=range.1).contains(&n) => n,
        Some(_) => {
            problems.push(Problem::at(
                &doc.locate(key),
                key,
                format!("must be a whole number from {} to {}", range.0, range.1),
            ));
            range.0
        }
        None => {
            problems.push(Problem::at(&doc.locate(key), key, "is missing"));
            range.0
        }
    }
}

/// A name: lower-case letters, digits and `-`, as folder names use.
fn check_name(doc: &Doc, name: &str, problems: &mut Vec<Problem>) {
    if !name.is_empty()
        && !name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        problems.push(Problem::at(
            &doc.locate("name"),
            "name",
            format!("`{name}`: use lower-case letters, digits and `-` only"),
        ));
    }
}

fn table_overrides(
    doc: &Doc,
    map: &Map<String, Value>,
    key: &str,
    problems: &mut Vec<Problem>,
) -> Vec<Override> {
    match map.get(key) {
        None => Vec::new(),
        Some(Value::Object(t)) => {
            // A nested table (`place.weeks = 4` unquoted, or `{ a = 1 }`)
            // is its dotted keys, so that every key is checked as written.
            fn flatten(prefix: &str, v: &Value, out: &mut Vec<(String, Value)>) {
                match v {
                    Value::Object(t) => {
                        for (k, v) in t {
                            flatten(&format!("{prefix}.{k}"), v, out);
                        }
                    }
                    v => out.push((prefix.to_string(), v.clone())),
                }
            }
            let mut flat = Vec::new();
            for (k, v) in t {
                if v.as_object().is_some_and(|o| o.is_empty()) {
                    problems.push(Problem::at(
                        &doc.locate(&format!("{key}.{k}")),
                        k,
                        "is an empty table: give dotted keys and values",
                    ));
                }
                flatten(k, v, &mut flat);
            }
            let mut seen = std::collections::BTreeSet::new();
            for (k, _) in &flat {
                if !seen.insert(k.clone()) {
                    problems.push(Problem::at(
                        &doc.locate(&format!("{key}.{k}")),
                        k,
                        "is given twice (once quoted, once as a table?): give each key once",
                    ));
                }
            }
            flat.into_iter()
                .map(|(k, v)| Override {
                    at: doc.locate(&format!("{key}.{k}")),
                    key: k,
                    value: v,
                })
                .collect()
        }
        Some(_) => {
            problems.push(Problem::at(
                &doc.locate(key),
                key,
                "must be a table of dotted keys and values",
            ));
            Vec::new()
        }
    }
}

/// Read a strategy file.
pub fn load_strategy(src: &Source) -> Result<Strategy, Problems> {
    let doc = src.load()?;
    let mut problems = Vec::new();
    let Some(map) = top(&doc, &STRATEGY_KEYS, &mut problems) else {
        return Err(Problems(problems));
    };
    let name = text(&doc, map, "name", &mut problems);
    check_name(&doc, &name, &mut problems);
    let description = text(&doc, map, "description", &mut problems);
    let evidence = text(&doc, map, "evidence", &mut problems);
    let mut set = table_overrides(&doc, map, "set", &mut problems);
    let scaled = table_overrides(&doc, map, "scale", &mut problems);
    for o in set.iter().chain(&scaled) {
        if o.key == "place"
            || o.key.starts_with("place.")
            || o.key.starts_with("output")
            || o.key == "schedule"
        {
            problems.push(Problem::at(
                &o.at,
                &o.key,
                "is the benchmark's to set, not a strategy's (a strategy changes services, barriers, leadership and its own costs; phasing goes in `schedule`)",
            ));
        }
    }
    let mut scale = Vec::new();
    for o in scaled {
        match o.value.as_f64() {
            Some(f) if f.is_finite() && f >= 0.0 => scale.push((o.key, f, o.at)),
            _ => problems.push(Problem::at(
                &o.at,
                &o.key,
                "a scale factor must be a number at least 0 (the place's value is multiplied by it)",
            )),
        }
    }
    if let Some(s) = map.get("schedule") {
        if s.is_array() {
            set.push(Override {
                key: "schedule".into(),
                value: s.clone(),
                at: doc.locate("schedule"),
            });
        } else {
            problems.push(Problem::at(
                &doc.locate("schedule"),
                "schedule",
                "must be a list of { week = W, set = { KEY = VALUE } }",
            ));
        }
    }
    if problems.is_empty() {
        Ok(Strategy {
            name,
            description,
            evidence,
            file: doc.file.clone(),
            set,
            scale,
            text: text_of(src),
        })
    } else {
        Err(Problems(problems))
    }
}

/// A built-in strategy by name (`key-worker`), or `None`.
pub fn builtin_strategy(name: &str) -> Option<Source> {
    let file = format!("strategies/{name}.toml");
    crate::presets::by_file(&file).map(|p| Source::Builtin(p.file))
}

/// A reference in a benchmark file to a place or strategy: a path relative
/// to the file (ending in `.toml`), or a built-in name.
fn referenced(
    doc_src: &Source,
    name: &str,
    builtin: impl Fn(&str) -> Option<Source>,
) -> Option<Source> {
    if name.ends_with(".toml") || name.ends_with(".json") {
        doc_src.reference(name)
    } else {
        builtin(name)
    }
}

fn names(
    doc: &Doc,
    map: &Map<String, Value>,
    key: &str,
    problems: &mut Vec<Problem>,
) -> Vec<String> {
    match map.get(key) {
        Some(Value::Array(a)) if !a.is_empty() && a.iter().all(Value::is_string) => a
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect(),
        Some(_) => {
            problems.push(Problem::at(
                &doc.locate(key),
                key,
                "must be a non-empty list of names",
            ));
            Vec::new()
        }
        None => {
            problems.push(Problem::at(&doc.locate(key), key, "is missing"));
            Vec::new()
        }
    }
}

/// Read a benchmark definition; `outcomes` are the run outcomes it may name.
pub fn load_benchmark(src: &Source, outcomes: &[&str]) -> Result<Benchmark, Problems> {
    let doc = src.load()?;
    let mut problems = Vec::new();
    let Some(map) = top(&doc, &BENCHMARK_KEYS, &mut problems) else {
        return Err(Problems(problems));
    };
    let name = text(&doc, map, "name", &mut problems);
    check_name(&doc, &name, &mut problems);
    let description = text(&doc, map, "description", &mut problems);
    let version = whole(&doc, map, "version", (1, u32::MAX as u64), &mut problems) as u32;
    // At least two: an interval needs them.
    let replicates = whole(&doc, map, "replicates", (2, MAX_REPLICATES), &mut problems) as u32;
    let seed = whole(&doc, map, "seed", (0, u64::MAX), &mut problems);
    let mut places = Vec::new();
    for p in names(&doc, map, "places", &mut problems) {
        match referenced(src, &p, |n| {
            crate::presets::scenario(n).map(|x| Source::Builtin(x.file))
        }) {
            Some(s) => {
                let name = p
                    .trim_end_matches(".toml")
                    .trim_end_matches(".json")
                    .rsplit('/')
                    .next()
                    .unwrap_or(&p)
                    .to_string();
                let clash = places.iter().any(|(n, _): &(String, Source)| *n == name);
                if clash || name == "all" || name.is_empty() {
                    problems.push(Problem::at(
                        &doc.locate("places"),
                        "places",
                        format!(
                            "`{p}`: {}",
                            if clash {
                                "a place of that name is already listed (each place once; two files need different names)"
                            } else {
                                "`all` names the pooled rows; give the place another name"
                            }
                        ),
                    ));
                } else {
                    places.push((name, s));
                }
            }
            None => {
                let builtin: Vec<&str> =
                    crate::presets::SCENARIOS.iter().map(|x| x.stem()).collect();
                problems.push(Problem::at(
                    &doc.locate("places"),
                    "places",
                    format!(
                        "`{p}` is neither a file next to this one nor a built-in place ({}){}",
                        builtin.join(", "),
                        suggestion(&p, builtin.iter().copied())
                    ),
                ));
            }
        }
    }
    let mut strategies = Vec::new();
    for s in names(&doc, map, "strategies", &mut problems) {
        match referenced(src, &s, builtin_strategy) {
            Some(x) => strategies.push(x),
            None => {
                let builtin: Vec<&str> = crate::presets::STRATEGIES
                    .iter()
                    .map(|x| x.stem().trim_start_matches("strategies/"))
                    .collect();
                problems.push(Problem::at(
                    &doc.locate("strategies"),
                    "strategies",
                    format!(
                        "`{s}` is neither a file next to this one nor a built-in strategy ({}){}",
                        builtin.join(", "),
                        suggestion(&s, builtin.iter().copied())
                    ),
                ));
            }
        }
    }
    let reference = text(&doc, map, "reference", &mut problems);
    let horizons_years: Vec<u32> = match map.get("horizons_years") {
        Some(Value::Array(a)) if !a.is_empty() => {
            let h: Vec<Option<u64>> = a.iter().map(Value::as_u64).collect();
            if h.iter().all(|x| x.is_some_and(|y| (1..=100).contains(&y))) {
                h.into_iter().map(|x| x.unwrap_or(1) as u32).collect()
            } else {
                problems.push(Problem::at(
                    &doc.locate("horizons_years"),
                    "horizons_years",
                    "must be a list of whole numbers of years, 1 to 100",
                ));
                Vec::new()
            }
        }
        _ => {
            problems.push(Problem::at(
                &doc.locate("horizons_years"),
                "horizons_years",
                "must be a non-empty list of whole numbers of years",
            ));
            Vec::new()
        }
    };
    let known = |o: &str, at: &str, problems: &mut Vec<Problem>| {
        if !outcomes.contains(&o) {
            problems.push(Problem::at(
                &doc.locate(at),
                at,
                format!(
                    "`{o}` is not a run outcome{}; see docs/OUTPUTS.md",
                    suggestion(o, outcomes.iter().copied())
                ),
            ));
        }
    };
    let score = text(&doc, map, "score", &mut problems);
    if !score.is_empty() {
        known(&score, "score", &mut problems);
    }
    let outcome_list = names(&doc, map, "outcomes", &mut problems);
    for o in &outcome_list {
        known(o, "outcomes", &mut problems);
    }
    let set = table_overrides(&doc, map, "set", &mut problems);
    let mut satisficing = Vec::new();
    match map.get("satisficing") {
        None => {}
        Some(Value::Array(a)) => {
            for (i, c) in a.iter().enumerate() {
                let at = format!("satisficing.{i}");
                let outcome = c.get("outcome").and_then(Value::as_str);
                let max_change = c.get("max_change").and_then(Value::as_f64);
                let extra = c
                    .as_object()
                    .is_some_and(|m| m.keys().any(|k| k != "outcome" && k != "max_change"));
                match (outcome, max_change) {
                    (Some(o), Some(m)) if m.is_finite() && !extra => {
                        known(o, &at, &mut problems);
                        satisficing.push(Criterion {
                            outcome: o.to_string(),
                            max_change: m,
                        });
                    }
                    _ => problems.push(Problem::at(
                        &doc.locate(&at),
                        "satisficing",
                        "each condition is { outcome = NAME, max_change = SHARE } and nothing else",
                    )),
                }
            }
        }
        Some(_) => problems.push(Problem::at(
            &doc.locate("satisficing"),
            "satisficing",
            "must be a list of [[satisficing]] tables",
        )),
    }
    if problems.is_empty() {
        Ok(Benchmark {
            name,
            description,
            version,
            places,
            strategies,
            reference,
            replicates,
            seed,
            horizons_years,
            score,
            outcomes: outcome_list,
            satisficing,
            set,
            file: doc.file.clone(),
            text: text_of(src),
        })
    } else {
        Err(Problems(problems))
    }
}

/// A strategy built over one place (`base`: the place's resolved document
/// with the benchmark's values set): its scaled values, its set values and
/// its phasing, as the variant the place's sweep runs. Problems name the
/// strategy's file and line.
pub fn strategy_on_place(
    b: &Benchmark,
    place: &(String, Source),
    base: &Value,
    s: &Strategy,
) -> Result<Variant, Problems> {
    let mut problems = Vec::new();
    let mut overrides: Vec<Override> = b.set.clone();
    for (key, factor, at) in &s.scale {
        match scaled(base, key, *factor) {
            Some(value) => overrides.push(Override {
                key: key.clone(),
                value,
                at: at.clone(),
            }),
            None => problems.push(Problem::at(
                at,
                key,
                format!(
                    "is not a number of the place `{}`, so it cannot be scaled",
                    place.0
                ),
            )),
        }
    }
    for o in &s.set {
        let mut o = o.clone();
        if o.key == "schedule" {
            o.value = scaled_schedule(&o, base, &place.0, &mut problems);
        }
        overrides.push(o);
    }
    let built = scenario_with(&place.1, &overrides);
    match built {
        Ok(scenario) if problems.is_empty() => Ok(Variant {
            name: s.name.clone(),
            overrides: overrides
                .iter()
                .map(|o| (o.key.clone(), o.value.clone()))
                .collect(),
            scenario,
        }),
        Ok(_) => Err(Problems(problems)),
        Err(p) => {
            problems.extend(p.0);
            Err(Problems(problems))
        }
    }
}

/// Whether a file (not a sweep) reads as a strategy: a table with
/// `evidence`, `set` or `scale`, keys no scenario has. `load_strategy`
/// then says what else is wrong with it.
pub fn is_strategy(src: &Source) -> bool {
    src.load().is_ok_and(|doc| {
        doc.value.as_object().is_some_and(|m| {
            ["evidence", "set", "scale"]
                .iter()
                .any(|k| m.contains_key(*k))
        })
    })
}

/// One place's sweep: every strategy a variant (in order), each built over
/// the place with the benchmark's values set first; `reference` the
/// baseline. Problems name the strategy file and line.
pub fn place_sweep(
    b: &Benchmark,
    place: &(String, Source),
    strategies: &[Strategy],
    replicates: u32,
) -> Result<Sweep, Problems> {
    let mut problems = Vec::new();
    let base = scenario_with(&place.1, &b.set)?;
    let mut variants = Vec::with_capacity(strategies.len());
    for s in strategies {
        match strategy_on_place(b, place, &base.resolved, s) {
            Ok(v) => variants.push(v),
            Err(p) => problems.extend(p.0),
        }
    }
    if !strategies.iter().any(|s| s.name == b.reference) {
        problems.push(Problem::in_file(
            &b.file,
            format!(
                "the reference `{}` is not among the strategies run",
                b.reference
            ),
        ));
    }
    let mut seen = std::collections::BTreeSet::new();
    for s in strategies {
        if !seen.insert(&s.name) {
            problems.push(Problem::in_file(
                &s.file,
                format!("a strategy named `{}` is already in the benchmark", s.name),
            ));
        }
    }
    if !problems.is_empty() {
        return Err(Problems(problems));
    }
    Ok(Sweep {
        name: format!("{}-{}", b.name, place.0),
        description: format!("{} Place: {}.", b.description, place.0),
        replicates,
        seed: b.seed,
        baseline: b.reference.clone(),
        variants,
        uncertainty: None,
        design: None,
        ensemble: None,
    })
}

/// A strategy's phasing on one place: each entry's `scale` table (keys
/// whose place value is multiplied from that week, as `[scale]` does from
/// the start) turned into values in its `set`.
fn scaled_schedule(
    o: &Override,
    resolved: &Value,
    place: &str,
    problems: &mut Vec<Problem>,
) -> Value {
    let mut entries = o.value.clone();
    for entry in entries.as_array_mut().into_iter().flatten() {
        let Some(map) = entry.as_object_mut() else {
            continue;
        };
        let Some(scale) = map.remove("scale") else {
            continue;
        };
        let Some(scale) = scale.as_object() else {
            problems.push(Problem::at(
                &o.at,
                "schedule",
                "an entry's `scale` must be a table of dotted keys and factors",
            ));
            continue;
        };
        let set = map
            .entry("set")
            .or_insert_with(|| Value::Object(Map::new()));
        for (key, factor) in scale {
            let value = factor
                .as_f64()
                .filter(|f| f.is_finite() && *f >= 0.0)
                .and_then(|f| scaled(resolved, key, f));
            match value {
                Some(json) => {
                    if let Some(set) = set.as_object_mut() {
                        set.insert(key.clone(), json);
                    }
                }
                _ => problems.push(Problem::at(
                    &o.at,
                    key,
                    format!("cannot be scaled on `{place}`: it must be a number of the place, and its factor a number at least 0"),
                )),
            }
        }
    }
    entries
}

/// Whether `key` is a whole number of the scenario (weeks, counts).
fn is_whole_number(key: &str) -> bool {
    crate::build::whole_number_bounds(key).is_some()
}

/// The number at dotted `key` of a resolved document.
fn number_at(doc: &Value, key: &str) -> Option<f64> {
    crate::merge::value_at(doc, key).and_then(Value::as_f64)
}

/// The place's value at `key` times `factor`, a whole-number key (weeks,
/// counts) rounded; `None` if the place has no number there.
fn scaled(doc: &Value, key: &str, factor: f64) -> Option<Value> {
    let x = number_at(doc, key)? * factor;
    Some(if is_whole_number(key) {
        Value::from(x.round() as u64)
    } else {
        Value::from(x)
    })
}

/// A posterior ensemble of the default place (`placesim calibrate`),
/// carried to another place: each member's value of each key, over the
/// default place's value, times the place's own (rounded for a
/// whole-number key). So a member that finds the default place's health
/// hazard 20 % too low raises every place's by 20 %, and the places keep
/// what distinguishes them. A key the default place sets to 0 is refused:
/// no ratio can carry it.
pub fn ensemble_on_place(
    e: &crate::ensemble::Ensemble,
    default_place: &Value,
    place: &Value,
    place_name: &str,
) -> Result<crate::ensemble::Ensemble, Problems> {
    let mut problems = Vec::new();
    let mut ratios = Vec::with_capacity(e.keys.len());
    for key in &e.keys {
        match (number_at(default_place, key), number_at(place, key)) {
            (Some(d), Some(p)) if d != 0.0 => ratios.push(p / d),
            _ => {
                problems.push(Problem::in_file(
                    &e.file,
                    format!(
                        "{key}: the default place's value is 0 or not a number, or `{place_name}` has none, so a member's value cannot be carried to `{place_name}` as a ratio"
                    ),
                ));
                ratios.push(1.0);
            }
        }
    }
    if !problems.is_empty() {
        return Err(Problems(problems));
    }
    let mut carried = e.clone();
    for member in &mut carried.values {
        for ((x, r), key) in member.iter_mut().zip(&ratios).zip(&e.keys) {
            *x *= r;
            if is_whole_number(key) {
                *x = x.round();
            }
        }
    }
    Ok(carried)
}
