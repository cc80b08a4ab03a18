//! Sweep files: a base scenario, named variants, factorial grids, zipped
//! lists and Latin hypercube designs, expanded into resolved scenarios.

use crate::build::{build, Scenario};
use crate::check::check_shape;
use crate::merge::{resolve, Merged, Source};
use crate::overrides::{self, Override};
use crate::problem::{suggestion, Location, Problem, Problems};
use crate::raw::{RawSweep, Table};
use crate::source::Doc;
use placesim_core::limits;
use placesim_core::rng::{Purpose, Stream};
use serde_json::Value;
use std::collections::BTreeMap;

/// One variant of a sweep, resolved and validated.
#[derive(Clone, Debug)]
pub struct Variant {
    pub name: String,
    /// The sweep's and the variant's overrides, in the order applied.
    pub overrides: Vec<(String, Value)>,
    pub scenario: Scenario,
}

/// A validated sweep: variants × replicates.
/// Seeds placesim derives and shows (replicate seeds) stay below 10^15: every
/// such whole number is exact in an IEEE double (R's and pandas' numbers)
/// and within a spreadsheet's 15 significant digits.
pub const SHOWN_SEED_LIMIT: u64 = 1_000_000_000_000_000;

#[derive(Clone, Debug)]
pub struct Sweep {
    pub name: String,
    pub description: String,
    pub replicates: u32,
    pub seed: u64,
    pub baseline: String,
    pub variants: Vec<Variant>,
    /// The uncertainty file the sweep names (`uncertainty = "..."`), if any.
    pub uncertainty: Option<Source>,
    /// A sensitivity design: every variant runs at each of its points.
    pub design: Option<DesignPoints>,
    /// A posterior ensemble: each replicate runs every variant with one
    /// member's values, drawn by [`Sweep::replicate_member`].
    pub ensemble: Option<crate::ensemble::Ensemble>,
}

/// The points of a sensitivity design, as parameter values.
#[derive(Clone, Debug, PartialEq)]
pub struct DesignPoints {
    pub method: placesim_sensitivity::design::Method,
    /// The uncertainty file the keys and distributions came from.
    pub uncertainty_file: String,
    pub keys: Vec<String>,
    /// The group each key moves with: its group's name, or the key itself when alone.
    pub groups: Vec<String>,
    /// Each point's value of each key, in run order; a categorical key's
    /// value is the position of its value in `categories`.
    pub points: Vec<Vec<f64>>,
    /// The values of each categorical key (`distribution = "categorical"`),
    /// in the uncertainty file's order; no entry for a numeric key.
    pub categories: BTreeMap<String, Vec<Value>>,
}

impl Sweep {
    /// The seed of replicate `r`, shared by every variant (common random
    /// numbers): SplitMix64 of the sweep seed and `r`, reduced below
    /// [`SHOWN_SEED_LIMIT`] so that the seed a user reads in `runs.csv`
    /// survives R's and pandas' doubles and a spreadsheet's 15 digits, and
    /// can be fed back to `placesim run --seed` exactly.
    pub fn replicate_seed(&self, r: u32) -> u64 {
        let mut z = self
            .seed
            .wrapping_add((r as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15));
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        (z ^ (z >> 31)) % SHOWN_SEED_LIMIT
    }

    /// The member of the ensemble replicate `r` runs with (every variant
    /// the same: common parameters as well as common random numbers),
    /// drawn from the sweep seed and `r` alone; `None` without an ensemble.
    pub fn replicate_member(&self, r: u32) -> Option<u32> {
        self.ensemble.as_ref().map(|e| e.draw(self.seed, r))
    }
}

/// Resolve a scenario, apply overrides, check its shape and build it.
pub fn scenario_with(src: &Source, overrides: &[Override]) -> Result<Scenario, Problems> {
    let merged = resolve(src)?;
    apply(merged, overrides)
}

fn apply(mut merged: Merged, overrides: &[Override]) -> Result<Scenario, Problems> {
    let mut problems = overrides::apply(&mut merged, overrides);
    let shape = check_shape(&merged, &crate::scenario_schema());
    let removed = crate::check::remove_bad(&mut merged.value, &shape);
    problems.extend(shape);
    match build(&merged, &removed) {
        Ok(s) if problems.is_empty() => Ok(s),
        Ok(_) => Err(in_order(problems)),
        Err(e) => {
            problems.extend(e.0);
            Err(in_order(problems))
        }
    }
}

/// Problems by file, then line.
fn in_order(mut problems: Vec<Problem>) -> Problems {
    problems.sort_by(|a, b| (&a.file, a.at).cmp(&(&b.file, b.at)));
    Problems(problems)
}

/// Load and expand a sweep file: read and check its top-level keys, expand
/// its designs into variants, then resolve and build each variant.
pub fn load(src: &Source) -> Result<Sweep, Problems> {
    let doc = src.load()?;
    let raw = read(&doc)?;
    let mut problems = Vec::new();
    let replicates = check_top_level(&doc, &raw, &mut problems);
    let common = overrides_of(&doc, &raw.set, "set");
    let before = problems.len();
    let designs = expand(&doc, &raw, &mut problems);
    // The baseline is looked for only among designs that all expanded.
    let all_expanded = problems.len() == before;
    check_variant_names(&doc, &raw, &designs, all_expanded, &mut problems);
    let base = find_base(src, &doc, &raw, &mut problems);
    let variants = resolve_variants(src, base.as_ref(), &common, designs, &mut problems);
    report_ranges_not_samples(src, base.as_ref(), &common, &doc, &raw, &mut problems);
    let uncertainty = raw.uncertainty.as_ref().and_then(|u| {
        let found = src.reference(u);
        if found.is_none() {
            problems.push(Problem::at(
                &doc.locate("uncertainty"),
                "uncertainty",
                format!("no uncertainty file `{u}` next to the sweep file, and no built-in one of that name (built-in: uncertainty.toml)"),
            ));
        }
        found
    });
    dedupe(&mut problems);
    if !problems.is_empty() {
        return Err(Problems(problems));
    }
    Ok(Sweep {
        name: raw.name.unwrap_or_default(),
        description: raw.description.unwrap_or_default(),
        replicates,
        seed: raw.seed.unwrap_or_default(),
        baseline: raw.baseline.unwrap_or_default(),
        variants,
        uncertainty,
        design: None,
        ensemble: None,
    })
}

/// The file's shape against the sweep schema, then its typed form; a file
/// of the wrong shape goes no further.
fn read(doc: &Doc) -> Result<RawSweep, Problems> {
    let merged = Merged {
        file: doc.file.clone(),
        value: doc.value.clone(),
        spans: doc.spans.clone(),
    };
    let shape = check_shape(&merged, &crate::sweep_schema());
    if !shape.is_empty() {
        return Err(Problems(shape));
    }
    serde_json::from_value(doc.value.clone()).map_err(|e| {
        Problems(vec![Problem::in_file(
            &doc.file,
            format!("cannot be read: {e}"),
        )])
    })
}

/// The required keys, the name and the replicates; returns the replicates
/// (1 when missing or out of range, which is then a problem).
fn check_top_level(doc: &Doc, raw: &RawSweep, problems: &mut Vec<Problem>) -> u32 {
    let mut need = |key: &str, present: bool| {
        if !present {
            problems.push(Problem::at(&doc.locate(key), key, "is missing"));
        }
    };
    need("name", raw.name.is_some());
    need("base", raw.base.is_some());
    need("replicates", raw.replicates.is_some());
    need("seed", raw.seed.is_some());
    need("baseline", raw.baseline.is_some());
    if let Some(name) = &raw.name {
        if let Err(why) = crate::build::output_name(name) {
            problems.push(Problem::at(&doc.locate("name"), "name", why));
        }
    }
    let replicates = raw.replicates.unwrap_or(1);
    let allowed = limits::REPLICATES;
    if !u32::try_from(replicates).is_ok_and(|r| allowed.contains(r)) {
        problems.push(Problem::at(
            &doc.locate("replicates"),
            "replicates",
            format!(
                "{replicates} is out of range; allowed {} to {}",
                allowed.min, allowed.max
            ),
        ));
    }
    replicates as u32
}

/// A table of dotted keys as overrides, each located at `path.key`.
fn overrides_of(doc: &Doc, table: &Option<Table>, path: &str) -> Vec<Override> {
    table
        .iter()
        .flatten()
        .map(|(k, v)| Override {
            key: k.clone(),
            value: v.clone(),
            at: doc.locate(&format!("{path}.{k}")),
        })
        .collect()
}

/// Every design's variants in order: named variants, grid, zip, Latin
/// hypercube. An empty sweep is a problem.
fn expand(doc: &Doc, raw: &RawSweep, problems: &mut Vec<Problem>) -> Vec<Design> {
    let before = problems.len();
    let mut designs = named_variants(doc, raw, problems);
    designs.extend(grid(doc, raw.grid.as_ref(), problems));
    designs.extend(zip(doc, raw.zip.as_ref(), problems));
    designs.extend(latin_hypercube(doc, raw, problems));
    // A design refused above already says why it gave no variants.
    if designs.is_empty() && problems.len() == before {
        problems.push(Problem::in_file(
            &doc.file,
            "the sweep is empty: give [[variants]], [grid], [zip] or [latin_hypercube]",
        ));
    }
    designs
}

/// The `[[variants]]`: a variant without a name is a problem (and is named
/// `variant-<i>` so the others are still checked).
fn named_variants(doc: &Doc, raw: &RawSweep, problems: &mut Vec<Problem>) -> Vec<Design> {
    let mut designs = Vec::new();
    for (i, v) in raw.variants.iter().flatten().enumerate() {
        let path = format!("variants.{i}");
        let name = v.name.clone().unwrap_or_else(|| {
            problems.push(Problem::at(
                &doc.locate(&path),
                &format!("{path}.name"),
                "is missing",
            ));
            format!("variant-{i}")
        });
        let scenario = v
            .scenario
            .clone()
            .map(|s| (s, doc.locate(&format!("{path}.scenario"))));
        designs.push((
            name,
            scenario,
            overrides_of(doc, &v.set, &format!("{path}.set")),
        ));
    }
    designs
}

/// Variant names are unique, and the baseline is one of them.
fn check_variant_names(
    doc: &Doc,
    raw: &RawSweep,
    designs: &[Design],
    check_baseline: bool,
    problems: &mut Vec<Problem>,
) {
    let mut seen = BTreeMap::new();
    for (name, _, _) in designs {
        *seen.entry(name.clone()).or_insert(0) += 1;
    }
    for (name, n) in &seen {
        if *n > 1 {
            problems.push(Problem::in_file(
                &doc.file,
                format!("variant name `{name}` is used {n} times"),
            ));
        }
    }
    if let Some(b) = raw.baseline.as_ref().filter(|_| check_baseline) {
        if !seen.contains_key(b) {
            let names: Vec<&str> = seen.keys().map(String::as_str).collect();
            problems.push(Problem::at(
                &doc.locate("baseline"),
                "baseline",
                format!(
                    "no variant is named `{b}`{}",
                    suggestion(b, names.iter().copied())
                ),
            ));
        }
    }
}

/// The base scenario, if it is given and exists.
fn find_base(
    src: &Source,
    doc: &Doc,
    raw: &RawSweep,
    problems: &mut Vec<Problem>,
) -> Option<Source> {
    let b = raw.base.as_ref()?;
    let found = src.reference(b);
    if found.is_none() {
        problems.push(Problem::at(
            &doc.locate("base"),
            "base",
            format!("no scenario file or built-in preset `{b}`"),
        ));
    }
    found
}

/// Each design resolved from its scenario (or the base), with the sweep's
/// and its own overrides applied, and built. Each scenario is resolved once.
fn resolve_variants(
    src: &Source,
    base: Option<&Source>,
    common: &[Override],
    designs: Vec<Design>,
    problems: &mut Vec<Problem>,
) -> Vec<Variant> {
    let mut variants = Vec::new();
    let mut cache: BTreeMap<String, Merged> = BTreeMap::new();
    for (name, scenario, own) in designs {
        let Some(src_v) = variant_source(src, base, scenario.as_ref(), problems) else {
            continue;
        };
        let merged = match cache.get(&src_v.name()) {
            Some(m) => m.clone(),
            None => match resolve(&src_v) {
                Ok(m) => {
                    cache.insert(src_v.name(), m.clone());
                    m
                }
                Err(e) => {
                    problems.extend(e.0);
                    continue;
                }
            },
        };
        let all: Vec<Override> = common.iter().chain(&own).cloned().collect();
        match apply(merged, &all) {
            Ok(scenario) => variants.push(Variant {
                name,
                overrides: all.into_iter().map(|o| (o.key, o.value)).collect(),
                scenario,
            }),
            Err(e) => {
                for mut p in e.0 {
                    p.message = format!("{} (variant `{name}`)", p.message);
                    problems.push(p);
                }
            }
        }
    }
    variants
}

/// The scenario a variant starts from: its own, or else the base.
fn variant_source(
    src: &Source,
    base: Option<&Source>,
    scenario: Option<&(String, Location)>,
    problems: &mut Vec<Problem>,
) -> Option<Source> {
    let Some((s, at)) = scenario else {
        return base.cloned();
    };
    let found = src.reference(s);
    if found.is_none() {
        problems.push(Problem::at(
            at,
            "scenario",
            format!("no scenario file or built-in preset `{s}`"),
        ));
    }
    found
}

/// The same problem reported for many variants is shown once.
fn dedupe(problems: &mut Vec<Problem>) {
    let mut seen = std::collections::BTreeSet::new();
    problems.retain(|p| {
        let key = format!(
            "{}|{:?}|{}|{}",
            p.file,
            p.at,
            p.field,
            p.message.split(" (variant `").next().unwrap_or("")
        );
        seen.insert(key)
    });
}

type Design = (String, Option<(String, Location)>, Vec<Override>);

/// Short names for design keys: the keys without their shared leading and trailing segments.
fn short_names(keys: &[&String]) -> Vec<String> {
    let parts: Vec<Vec<&str>> = keys.iter().map(|k| k.split('.').collect()).collect();
    let min = parts.iter().map(Vec::len).min().unwrap_or(0);
    let same_at = |pick: &dyn Fn(&[&str]) -> usize| {
        parts
            .iter()
            .all(|p| p[pick(p)] == parts[0][pick(&parts[0])])
    };
    let mut lead = 0;
    while keys.len() > 1 && lead + 1 < min && same_at(&|_| lead) {
        lead += 1;
    }
    let mut trail = 0;
    while keys.len() > 1 && lead + trail + 1 < min && same_at(&|p| p.len() - 1 - trail) {
        trail += 1;
    }
    parts
        .iter()
        .map(|p| p[lead..p.len() - trail].join("."))
        .collect()
}

/// One grid or zip variant: the `pick(d)`-th value of each axis d, named `key=value,...`.
fn design(
    doc: &Doc,
    section: &str,
    axes: &[(&String, &Vec<Value>)],
    names: &[String],
    pick: impl Fn(usize) -> usize,
) -> Design {
    let overrides: Vec<Override> = axes
        .iter()
        .enumerate()
        .map(|(d, (k, a))| {
            let j = pick(d);
            Override {
                key: (*k).clone(),
                value: a[j].clone(),
                at: doc.locate(&format!("{section}.{k}.{j}")),
            }
        })
        .collect();
    (design_name(names, &overrides), None, overrides)
}

/// A grid or zip variant's name: `key=value,...` with the short key names.
fn design_name(names: &[String], overrides: &[Override]) -> String {
    names
        .iter()
        .zip(overrides)
        .map(|(n, o)| format!("{n}={}", label(&o.value)))
        .collect::<Vec<_>>()
        .join(",")
}

fn label(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn lists<'a>(
    doc: &Doc,
    table: &'a Table,
    path: &str,
    problems: &mut Vec<Problem>,
) -> Vec<(&'a String, &'a Vec<Value>)> {
    let mut out = Vec::new();
    for (k, v) in table {
        match v.as_array() {
            Some(a) if !a.is_empty() => out.push((k, a)),
            _ => problems.push(Problem::at(
                &doc.locate(&format!("{path}.{k}")),
                &format!("{path}.{k}"),
                "must be a non-empty list of values",
            )),
        }
    }
    out
}

fn grid(doc: &Doc, table: Option<&Table>, problems: &mut Vec<Problem>) -> Vec<Design> {
    let Some(table) = table else {
        return Vec::new();
    };
    let axes = lists(doc, table, "grid", problems);
    if axes.is_empty() {
        return Vec::new();
    }
    let names = short_names(&axes.iter().map(|(k, _)| *k).collect::<Vec<_>>());
    let total: usize = axes.iter().map(|(_, a)| a.len()).product();
    if total > 100_000 {
        problems.push(Problem::at(
            &doc.locate("grid"),
            "grid",
            format!("has {total} combinations; at most 100000"),
        ));
        return Vec::new();
    }
    (0..total)
        .map(|mut i| {
            let mut picks = vec![0; axes.len()];
            for (d, (_, a)) in axes.iter().enumerate().rev() {
                picks[d] = i % a.len();
                i /= a.len();
            }
            design(doc, "grid", &axes, &names, |d| picks[d])
        })
        .collect()
}

fn zip(doc: &Doc, table: Option<&Table>, problems: &mut Vec<Problem>) -> Vec<Design> {
    let Some(table) = table else {
        return Vec::new();
    };
    let axes = lists(doc, table, "zip", problems);
    let Some(n) = axes.first().map(|(_, a)| a.len()) else {
        return Vec::new();
    };
    if let Some((k, a)) = axes.iter().find(|(_, a)| a.len() != n) {
        problems.push(Problem::at(
            &doc.locate(&format!("zip.{k}")),
            &format!("zip.{k}"),
            format!(
                "has {} values but the first list has {n}; zipped lists must be the same length",
                a.len()
            ),
        ));
        return Vec::new();
    }
    let names = short_names(&axes.iter().map(|(k, _)| *k).collect::<Vec<_>>());
    (0..n)
        .map(|j| design(doc, "zip", &axes, &names, |_| j))
        .collect()
}

/// The numbers of a `[min, max]` range as written (any count, for checking).
fn min_max(v: &Value) -> Option<Vec<f64>> {
    v.as_array()
        .map(|a| a.iter().filter_map(Value::as_f64).collect())
}

/// A Latin hypercube range that reaches outside what its key allows is
/// reported once, as the range, at its ends (which bound every sample),
/// instead of once per sampled value. Problems a sample has for another
/// reason (a constraint between keys, say) are left as they are.
fn report_ranges_not_samples(
    src: &Source,
    base: Option<&Source>,
    common: &[Override],
    doc: &Doc,
    raw: &RawSweep,
    problems: &mut Vec<Problem>,
) {
    let ranges = raw
        .latin_hypercube
        .iter()
        .flat_map(|l| l.ranges.iter().flatten());
    for (key, v) in ranges {
        let Some([lo, hi]) = min_max(v).and_then(|r| <[f64; 2]>::try_from(r).ok()) else {
            continue;
        };
        let path = format!("latin_hypercube.ranges.{key}");
        let at = doc.locate(&path);
        let mut at_ends = Vec::new();
        for end in [lo, hi] {
            let probe = Override {
                key: key.clone(),
                value: serde_json::Number::from_f64(end).map_or(Value::Null, Value::Number),
                at: at.clone(),
            };
            let design = (String::new(), None, vec![probe]);
            resolve_variants(src, base, common, vec![design], &mut at_ends);
        }
        let here = Some((at.line, at.column));
        let mut reasons: Vec<String> = at_ends
            .iter()
            .filter(|p| &p.field == key && p.at == here && p.file == at.file)
            .map(|p| {
                p.message
                    .split(" (variant `")
                    .next()
                    .unwrap_or("")
                    .to_string()
            })
            .collect();
        let at_both_ends = reasons.len() == 2;
        reasons.dedup();
        problems.retain(|p| !(&p.field == key && p.at == here && p.file == at.file));
        match reasons.as_slice() {
            [] => {}
            // The same at both ends: the key itself is the problem.
            [reason] if at_both_ends && lo != hi => {
                problems.push(Problem::at(&at, key, reason.clone()))
            }
            _ => problems.push(Problem::at(
                &at,
                &path,
                format!(
                    "the range [{lo}, {hi}] reaches outside what `{key}` allows: {}",
                    reasons.join("; and ")
                ),
            )),
        }
    }
}

/// Latin hypercube: each range cut into `samples` equal strata; each sample
/// takes one stratum per key (a random permutation per key) and a uniform
/// point inside it. Deterministic from the sweep seed.
fn latin_hypercube(doc: &Doc, raw: &RawSweep, problems: &mut Vec<Problem>) -> Vec<Design> {
    let Some(lhs) = &raw.latin_hypercube else {
        return Vec::new();
    };
    let n = match lhs.samples {
        Some(n) if (1..=10_000).contains(&n) => n as u32,
        Some(n) => {
            problems.push(Problem::at(
                &doc.locate("latin_hypercube.samples"),
                "latin_hypercube.samples",
                format!("{n} is out of range; allowed 1 to 10000"),
            ));
            return Vec::new();
        }
        None => {
            problems.push(Problem::at(
                &doc.locate("latin_hypercube"),
                "latin_hypercube.samples",
                "is missing",
            ));
            return Vec::new();
        }
    };
    let mut ranges = Vec::new();
    for (k, v) in lhs.ranges.iter().flatten() {
        let path = format!("latin_hypercube.ranges.{k}");
        match min_max(v) {
            Some(r) if r.len() == 2 && r[0] <= r[1] => ranges.push((k.clone(), r[0], r[1])),
            Some(r) if r.len() == 2 => problems.push(Problem::at(
                &doc.locate(&path),
                &path,
                format!(
                    "[{}, {}] is not a range [min, max] with min <= max",
                    r[0], r[1]
                ),
            )),
            _ => problems.push(Problem::at(
                &doc.locate(&path),
                &path,
                "must be [min, max] with min <= max",
            )),
        }
    }
    // A range already reported as bad is not also reported as missing.
    if lhs.ranges.as_ref().is_some_and(|r| !r.is_empty()) && ranges.is_empty() {
        return Vec::new();
    }
    if ranges.is_empty() {
        problems.push(Problem::at(
            &doc.locate("latin_hypercube"),
            "latin_hypercube.ranges",
            "needs at least one dotted key with [min, max]",
        ));
        return Vec::new();
    }
    let seed = raw.seed.unwrap_or_default();
    let columns: Vec<Vec<f64>> = ranges
        .iter()
        .enumerate()
        .map(|(d, (_, lo, hi))| {
            let mut rng = Stream::new(seed, Purpose::Design, 0, d as u32);
            let mut strata: Vec<u32> = (0..n).collect();
            for i in (1..n as usize).rev() {
                strata.swap(i, rng.below(i as u32 + 1) as usize);
            }
            strata
                .iter()
                .map(|&s| lo + (hi - lo) * (s as f64 + rng.unit_f64()) / n as f64)
                .collect()
        })
        .collect();
    (0..n as usize)
        .map(|i| {
            let overrides = ranges
                .iter()
                .zip(&columns)
                .map(|((k, _, _), col)| Override {
                    key: k.clone(),
                    value: serde_json::Number::from_f64(col[i]).map_or(Value::Null, Value::Number),
                    at: doc.locate(&format!("latin_hypercube.ranges.{k}")),
                })
                .collect();
            (format!("lhs-{:04}", i + 1), None, overrides)
        })
        .collect()
}

/// A variant's scenario at a point of a sensitivity design: `values` (one
/// per dotted key of `keys`) set over its resolved document (`resolved`,
/// as [`Scenario::resolved`] keeps it), then checked and built. A key whose
/// resolved value is a whole number takes the nearest whole number; a key
/// of `categories` takes its value at the position the number gives (see
/// [`crate::uncertainty::point_value`]). A problem names `file`, the uncertainty file the keys
/// came from.
pub fn at_point(
    resolved: &Value,
    keys: &[String],
    values: &[f64],
    categories: &BTreeMap<String, Vec<Value>>,
    file: &str,
) -> Result<Scenario, Problems> {
    let merged = Merged {
        file: file.to_string(),
        value: resolved.clone(),
        spans: BTreeMap::new(),
    };
    let overrides: Vec<Override> = keys
        .iter()
        .zip(values)
        .map(|(key, &x)| Override {
            key: key.clone(),
            value: crate::uncertainty::point_value(resolved, key, x, categories),
            at: Location {
                file: file.to_string(),
                line: 0,
                column: 0,
            },
        })
        .collect();
    apply(merged, &overrides)
}

impl Sweep {
    /// This sweep as a sensitivity design: `method` over the parameters of
    /// `uncertain` (read from `file`), from the sweep seed. Every variant is
    /// built at every point first, so that a point the scenario refuses (a
    /// combination outside what the keys allow together) is reported, with
    /// its values, before anything runs.
    pub fn with_design(
        self,
        uncertain: &[crate::uncertainty::Uncertain],
        file: &str,
        method: placesim_sensitivity::design::Method,
    ) -> Result<Sweep, Problems> {
        use placesim_sensitivity::design::{numbered, values, Method, Structure};
        let in_file = |m: String| Problems(vec![Problem::in_file(file, m)]);
        if let Method::Given { .. } = method {
            return Err(in_file(
                "a given design's points come from its caller (Sweep::with_given_points)".into(),
            ));
        }
        let groups: Vec<String> = uncertain
            .iter()
            .map(|u| u.group.clone().unwrap_or_else(|| u.key.clone()))
            .collect();
        let distributions: Vec<_> = uncertain.iter().map(|u| u.distribution).collect();
        let structure = Structure::new(method, &numbered(&groups).0, self.seed)
            .map_err(|e| in_file(format!("cannot make a {} design: {e}", method.name())))?;
        let points: Vec<Vec<f64>> = (0..structure.len())
            .map(|p| values(&structure, &distributions, p))
            .collect();
        self.with_points(uncertain, file, method, points)
    }

    /// This sweep as a design over `unit_points` the caller chose (each a
    /// point of the unit cube, one coordinate per parameter of `uncertain`,
    /// mapped through its distribution), as a calibration wave is: a
    /// [`Method::Given`](placesim_sensitivity::design::Method::Given) design.
    pub fn with_given_points(
        self,
        uncertain: &[crate::uncertainty::Uncertain],
        file: &str,
        unit_points: &[Vec<f64>],
    ) -> Result<Sweep, Problems> {
        let points = unit_points
            .iter()
            .map(|u| {
                u.iter()
                    .zip(uncertain)
                    .map(|(&x, p)| p.distribution.quantile(x))
                    .collect()
            })
            .collect();
        let method = placesim_sensitivity::design::Method::Given {
            count: unit_points.len(),
        };
        self.with_points(uncertain, file, method, points)
    }

    /// Set the design's `points` (parameter values), after building every
    /// variant at every point.
    fn with_points(
        mut self,
        uncertain: &[crate::uncertainty::Uncertain],
        file: &str,
        method: placesim_sensitivity::design::Method,
        points: Vec<Vec<f64>>,
    ) -> Result<Sweep, Problems> {
        let in_file = |m: String| Problems(vec![Problem::in_file(file, m)]);
        let keys: Vec<String> = uncertain.iter().map(|u| u.key.clone()).collect();
        let groups: Vec<String> = uncertain
            .iter()
            .map(|u| u.group.clone().unwrap_or_else(|| u.key.clone()))
            .collect();
        let categories: BTreeMap<String, Vec<Value>> = uncertain
            .iter()
            .filter(|u| !u.values.is_empty())
            .map(|u| (u.key.clone(), u.values.clone()))
            .collect();
        let mut refused = Vec::new();
        for (p, point) in points.iter().enumerate() {
            for v in &self.variants {
                if let Err(e) = at_point(&v.scenario.resolved, &keys, point, &categories, file) {
                    refused.push(format!(
                        "point {p} ({}) of variant `{}`: {e}",
                        keys.iter()
                            .zip(point)
                            .map(|(k, &x)| match categories.get(k) {
                                Some(_) => format!(
                                    "{k}={} (position {x})",
                                    label(&crate::uncertainty::point_value(
                                        &v.scenario.resolved,
                                        k,
                                        x,
                                        &categories
                                    ))
                                ),
                                None => format!("{k}={x}"),
                            })
                            .collect::<Vec<_>>()
                            .join(", "),
                        v.name
                    ));
                }
            }
        }
        if let Some(first) = refused.first() {
            return Err(in_file(format!(
                "{} of the design's {} runs cannot be built; the first: {first}",
                refused.len(),
                points.len() * self.variants.len()
            )));
        }
        self.design = Some(DesignPoints {
            method,
            uncertainty_file: file.to_string(),
            keys,
            groups,
            points,
            categories,
        });
        Ok(self)
    }
}

impl Sweep {
    /// This sweep on a posterior ensemble: replicate r runs every variant
    /// with the values of the member it draws ([`Sweep::replicate_member`])
    /// set over the variant's resolved scenario, as [`at_point`] sets a
    /// design's. Checked before anything runs, every problem at once, each
    /// naming the file, line, column and key: every key is a key of every
    /// variant's scenario, other than the seed a sweep gives each replicate,
    /// and not one the variants differ by (a member's value would replace
    /// each variant's own); every member builds for every variant.
    pub fn with_ensemble(mut self, ensemble: crate::ensemble::Ensemble) -> Result<Sweep, Problems> {
        let file = ensemble.file.clone();
        if self.design.is_some() {
            return Err(Problem::in_file(
                &file,
                "a sensitivity design sets the parameters itself, at each of its points; an ensemble cannot be combined with one",
            )
            .into());
        }
        let mut problems = Vec::new();
        for (key, &column) in ensemble.keys.iter().zip(&ensemble.columns) {
            let header = |message: String| Problem {
                file: file.clone(),
                at: Some((1, column)),
                field: key.clone(),
                message,
            };
            if key == "place.seed" {
                problems.push(header(
                    "is the seed the sweep gives each replicate; allowed: any other scenario key"
                        .into(),
                ));
                continue;
            }
            let unknown = self.variants.iter().enumerate().find_map(|(i, v)| {
                let mut doc = v.scenario.resolved.clone();
                crate::merge::set_dotted(&mut doc, key, Value::from(0.0))
                    .err()
                    .map(|why| (i, v, why))
            });
            if let Some((i, v, why)) = unknown {
                problems.push(header(if i == 0 {
                    format!("is not a scenario key: {why}")
                } else {
                    format!("is not a key of variant `{}`'s scenario: {why}", v.name)
                }));
                continue;
            }
            let first = self
                .variants
                .first()
                .and_then(|v| crate::merge::value_at(&v.scenario.resolved, key));
            if self
                .variants
                .iter()
                .any(|v| crate::merge::value_at(&v.scenario.resolved, key) != first)
            {
                let each: Vec<String> = self
                    .variants
                    .iter()
                    .map(|v| {
                        let x = crate::merge::value_at(&v.scenario.resolved, key);
                        format!("`{}` {}", v.name, x.map_or("none".into(), label))
                    })
                    .collect();
                problems.push(header(format!(
                    "the sweep's variants differ by this key ({}), and a member's value would replace each one's own; allowed: a key the variants share",
                    each.join(", ")
                )));
            }
        }
        if !problems.is_empty() {
            return Err(Problems(problems));
        }
        // Each member against each variant; a problem shared by variants is said once.
        let none = BTreeMap::new();
        let mut refused: Vec<(usize, Problem, Vec<&str>)> = Vec::new();
        for (m, values) in ensemble.values.iter().enumerate() {
            for v in &self.variants {
                let Err(e) = at_point(&v.scenario.resolved, &ensemble.keys, values, &none, &file)
                else {
                    continue;
                };
                for p in e.0 {
                    match refused
                        .iter_mut()
                        .find(|(n, q, _)| *n == m && q.field == p.field && q.message == p.message)
                    {
                        Some((_, _, names)) => names.push(&v.name),
                        None => refused.push((m, p, vec![&v.name])),
                    }
                }
            }
        }
        // In the file's order: by member, then by column.
        refused.sort_by_key(|(m, p, _)| ensemble.locate(*m, &p.field));
        let members = refused
            .iter()
            .map(|(m, _, _)| m)
            .collect::<std::collections::BTreeSet<_>>()
            .len();
        for (m, p, names) in refused.iter().take(10) {
            let variants = if names.len() == self.variants.len() && names.len() > 1 {
                "in every variant".to_string()
            } else {
                let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
                format!(
                    "in variant{} {}",
                    if names.len() > 1 { "s" } else { "" },
                    quoted.join(", ")
                )
            };
            problems.push(Problem {
                file: file.clone(),
                at: Some(ensemble.locate(*m, &p.field)),
                field: p.field.clone(),
                message: format!("{} (member {m}, {variants})", p.message),
            });
        }
        if refused.len() > 10 {
            problems.push(Problem::in_file(
                &file,
                format!(
                    "{} more problems; {members} of the {} members cannot be built for some variant, the first 10 problems are listed",
                    refused.len() - 10,
                    ensemble.values.len()
                ),
            ));
        }
        if !problems.is_empty() {
            return Err(Problems(problems));
        }
        self.ensemble = Some(ensemble);
        Ok(self)
    }
}

#[cfg(test)]
mod at_point_tests {
    use super::*;

    #[test]
    fn a_point_over_a_resolved_scenario_builds_as_the_same_overrides_on_its_file() {
        let base = crate::preset("total-place", &[]).unwrap();
        // Nothing set: the resolved document builds the same parameters.
        let none = BTreeMap::new();
        let same = at_point(&base.resolved, &[], &[], &none, "u.toml").unwrap();
        assert_eq!(
            serde_json::to_value(&same.params).unwrap(),
            serde_json::to_value(&base.params).unwrap()
        );
        let keys = vec![
            "citizens.risk_sigma".to_string(),
            "place.population".to_string(),
        ];
        let at = at_point(&base.resolved, &keys, &[1.05, 2400.4], &none, "u.toml").unwrap();
        let direct = crate::preset(
            "total-place",
            &crate::command_line_overrides(&[
                "citizens.risk_sigma=1.05".into(),
                "place.population=2400".into(),
            ])
            .unwrap(),
        )
        .unwrap();
        assert_eq!(
            serde_json::to_value(&at.params).unwrap(),
            serde_json::to_value(&direct.params).unwrap()
        );
        // A list's entry by index: one coupling entry.
        let entry = vec!["needs.coupling.income.2".to_string()];
        let coupled = at_point(&base.resolved, &entry, &[2.5], &none, "u.toml").unwrap();
        assert_eq!(coupled.params.needs.coupling(3, 2), 2.5);
        assert_eq!(
            coupled.params.needs.coupling(3, 1),
            base.params.needs.coupling(3, 1)
        );
        let bad = at_point(&base.resolved, &keys[..1], &[-1.0], &none, "u.toml").unwrap_err();
        assert!(bad.to_string().contains("citizens.risk_sigma"), "{bad}");
    }
}

#[cfg(test)]
mod categorical_tests {
    use super::*;
    use placesim_core::params::Reallocation;
    use placesim_sensitivity::design::Method;

    const KEY: &str = "barriers.ring_fenced_budgets.reallocation";

    fn uncertain() -> Vec<crate::uncertainty::Uncertain> {
        let text = r#"
[uncertainty."barriers.ring_fenced_budgets.reallocation"]
distribution = "categorical"
values = ["last_year_spend", "need_origin", "invest_to_save"]
reason = "assumed"

[uncertainty."citizens.risk_sigma"]
distribution = "uniform"
low = 0.7
high = 1.1
reason = "assumed"
"#;
        let doc = crate::source::parse("u.toml", text).unwrap();
        crate::uncertainty::read(&doc).unwrap_or_else(|e| panic!("{e}"))
    }

    fn sweep() -> Sweep {
        load(&Source::Builtin("sensitivity.sweep.toml")).unwrap_or_else(|e| panic!("{e}"))
    }

    fn rule(value: &Value) -> Reallocation {
        match value.as_str() {
            Some("last_year_spend") => Reallocation::LastYearSpend,
            Some("need_origin") => Reallocation::NeedOrigin,
            Some("invest_to_save") => Reallocation::InvestToSave,
            other => panic!("{other:?} is not a rule"),
        }
    }

    /// A Latin hypercube over a categorical key gives each of its values to
    /// a third of the points, and the scenario built at a point holds the
    /// value its position names, in its resolved document and its parameters.
    #[test]
    fn a_latin_hypercube_gives_each_category_a_third_of_the_points() {
        let design = sweep()
            .with_design(
                &uncertain(),
                "u.toml",
                Method::LatinHypercube { samples: 30 },
            )
            .unwrap_or_else(|e| panic!("{e}"))
            .design
            .unwrap();
        let values: Vec<Value> = ["last_year_spend", "need_origin", "invest_to_save"]
            .map(Value::from)
            .to_vec();
        assert_eq!(
            design.categories,
            BTreeMap::from([(KEY.to_string(), values.clone())])
        );
        assert_eq!(design.keys[0], KEY);
        let mut counts = [0usize; 3];
        for point in &design.points {
            let position = point[0];
            assert!(
                [0.0, 1.0, 2.0].contains(&position),
                "{position} is not a position"
            );
            counts[position as usize] += 1;
            assert!((0.7..=1.1).contains(&point[1]));
        }
        assert!(counts.iter().all(|&n| (9..=11).contains(&n)), "{counts:?}");
        assert_eq!(counts.iter().sum::<usize>(), 30);
        let base = crate::preset("total-place", &[]).unwrap();
        for point in &design.points {
            let at = at_point(
                &base.resolved,
                &design.keys,
                point,
                &design.categories,
                "u.toml",
            )
            .unwrap_or_else(|e| panic!("{e}"));
            let want = &values[point[0] as usize];
            let resolved = KEY
                .split('.')
                .try_fold(&at.resolved, |v, k| v.get(k))
                .unwrap();
            assert_eq!(resolved, want);
            assert_eq!(at.params.prices.reallocation, rule(want));
        }
    }

    /// A position off the list (from a damaged manifest, say) is kept within
    /// it rather than panicking; a key without categories is a number.
    #[test]
    fn a_position_is_rounded_and_kept_within_the_list() {
        let values: Vec<Value> = ["a", "b", "c"].map(Value::from).to_vec();
        let categories = BTreeMap::from([(KEY.to_string(), values)]);
        let resolved = Value::Null;
        let at = |x: f64| crate::uncertainty::point_value(&resolved, KEY, x, &categories);
        assert_eq!(at(0.0), "a");
        assert_eq!(at(0.49), "a");
        assert_eq!(at(1.5), "c");
        assert_eq!(at(1.0), "b");
        assert_eq!(at(2.0), "c");
        assert_eq!(at(7.0), "c");
        assert_eq!(at(1e300), "c");
        assert_eq!(at(-3.0), "a");
        assert_eq!(at(f64::NAN), "a");
        assert_eq!(at(f64::INFINITY), "a");
        assert_eq!(
            crate::uncertainty::point_value(&resolved, "citizens.risk_sigma", 0.9, &categories),
            Value::from(0.9)
        );
        // An empty list (never read from a file) is no category.
        let empty = BTreeMap::from([(KEY.to_string(), Vec::new())]);
        assert_eq!(
            crate::uncertainty::point_value(&resolved, KEY, 1.0, &empty),
            Value::from(1.0)
        );
    }

    /// A design whose point the scenario refuses names the categorical's
    /// value as well as its position.
    #[test]
    fn a_refused_point_names_the_categorical_value() {
        let mut u = uncertain();
        u.truncate(1);
        // A value the file check would refuse, given directly.
        u[0].values[1] = Value::from("pool_it");
        let err = sweep()
            .with_design(&u, "u.toml", Method::LatinHypercube { samples: 6 })
            .unwrap_err()
            .to_string();
        assert!(
            err.contains(&format!("{KEY}=pool_it (position 1)")),
            "{err}"
        );
    }
}
