//! `placesim discover`: scenario discovery on a design's or a sweep's
//! results folder — which inputs, in which ranges or categories, make an
//! outcome or a paired effect meet a condition — with PRIM boxes and CART
//! rules (`placesim-discovery`).

use crate::failure::Failure;
use placesim_discovery::{cart, prim};
use placesim_results::discovery::{
    BoxRow, CaseRow, RuleRow, StabilityRow, Summary, TrajectoryRow, BOXES, CASES,
    CATEGORY_SEPARATOR, DISCOVERY_DIR, RULES, STABILITY, SUMMARY, TRAJECTORY,
};
use placesim_results::manifest::ManifestDesign;
use placesim_results::table::csv_bytes_with_header;
use placesim_results::{runs, write_atomic, Manifest, RunId};
use serde_json::Value;
use std::path::{Path, PathBuf};

#[derive(clap::Args)]
pub struct Args {
    /// A results folder: of a sensitivity design (`placesim sensitivity`; a Latin hypercube is the usual choice), whose points are the cases, or of a sweep, whose variants are.
    pub dir: PathBuf,
    /// What to explain. In a design: `effect(VARIANT, OUTCOME)` (variant minus baseline on the same replicate), `value(VARIANT, OUTCOME)`, or an OUTCOME of the baseline. In a sweep: `effect(OUTCOME)` (each variant minus the baseline), `value(OUTCOME)` or OUTCOME (each variant's own). Each case's mean over its replicates.
    #[arg(long, value_name = "EXPR")]
    pub outcome: String,
    /// Which cases are of interest: an operator (<, <=, >, >=) and a number or a quantile of the values across cases (q90: the 90th percentile).
    #[arg(
        long = "where",
        value_name = "CONDITION",
        default_value = "> 0",
        allow_hyphen_values = true
    )]
    pub condition: String,
    /// The box shown is the first on PRIM's trajectory whose density reaches this share.
    #[arg(long, default_value_t = 0.8)]
    pub threshold: f64,
    /// Show box K of the trajectory instead (0 is all the data).
    #[arg(long = "box", value_name = "K")]
    pub box_step: Option<usize>,
    /// Check the shown box on this many random half-samples of the cases (0: skip).
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(0..=1000))]
    pub resample: u32,
    /// CART: the tree's depth.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=10))]
    pub depth: u32,
    /// CART: the fewest cases a leaf may hold.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub min_leaf: u32,
    /// Print nothing but errors.
    #[arg(long)]
    pub quiet: bool,
}

/// A parsed `--outcome`: a variant's value of an outcome, or its effect
/// (minus the baseline on the same replicate). `variant` is named in a
/// design; in a sweep every variant is a case and none is named.
#[derive(Debug, PartialEq)]
struct Expr {
    effect: bool,
    variant: Option<String>,
    outcome: String,
}

fn bad(flag: &str, text: &str, why: String) -> Failure {
    Failure::BadInput(format!("{flag} `{text}`: {why}"))
}

fn parse_expr(text: &str, m: &Manifest) -> Result<Expr, Failure> {
    let names = runs::outcome_names();
    let design = m.design.is_some();
    let variants: Vec<&str> = m.variants.iter().map(|v| v.name.as_str()).collect();
    let t = text.trim();
    let outcome_ok = |o: &str| -> Result<String, Failure> {
        if names.contains(&o) {
            Ok(o.to_string())
        } else {
            Err(bad("--outcome", text, format!("`{o}` is not an outcome of runs.csv (e.g. crisis_events, total_spend, failure_demand_share, net_monetary_benefit)")))
        }
    };
    if let Some((name, rest)) = t.split_once('(') {
        let name = name.trim();
        let effect = match name {
            "effect" => true,
            "value" => false,
            other => {
                return Err(bad(
                    "--outcome",
                    text,
                    format!("`{other}` is not a function: write effect(…), value(…) or an outcome"),
                ))
            }
        };
        let f = name;
        let form = if design {
            format!("write {f}(VARIANT, OUTCOME)")
        } else {
            format!("write {f}(OUTCOME): in a sweep every variant is a case")
        };
        let Some(inner) = rest.trim_end().strip_suffix(')') else {
            return Err(bad("--outcome", text, format!("missing `)`: {form}")));
        };
        let parts: Vec<&str> = inner.split(',').map(str::trim).collect();
        let (variant, outcome) = match (design, &parts[..]) {
            (true, [v, o]) => (Some(v.to_string()), *o),
            (false, [o]) => (None, *o),
            _ => return Err(bad("--outcome", text, form)),
        };
        if let Some(v) = &variant {
            if !variants.contains(&v.as_str()) {
                return Err(bad(
                    "--outcome",
                    text,
                    format!(
                        "`{v}` is not a variant of this design (variants: {})",
                        variants.join(", ")
                    ),
                ));
            }
            if effect && *v == m.baseline {
                return Err(bad(
                    "--outcome",
                    text,
                    format!("`{v}` is the baseline: its effect is 0"),
                ));
            }
        }
        return Ok(Expr {
            effect,
            variant,
            outcome: outcome_ok(outcome)?,
        });
    }
    Ok(Expr {
        effect: false,
        variant: design.then(|| m.baseline.clone()),
        outcome: outcome_ok(t)?,
    })
}

/// A parsed `--where`: the operator and the threshold's text.
fn parse_condition(text: &str) -> Result<(&'static str, String), Failure> {
    let t = text.trim();
    for op in ["<=", ">=", "<", ">"] {
        if let Some(rest) = t.strip_prefix(op) {
            let rest = rest.trim();
            let ok = match rest.strip_prefix('q') {
                Some(q) => q.parse::<f64>().is_ok_and(|q| (0.0..=100.0).contains(&q)),
                None => rest.parse::<f64>().is_ok_and(f64::is_finite),
            };
            if !ok {
                return Err(bad(
                    "--where",
                    text,
                    format!("`{rest}` is neither a number nor a quantile q0 to q100"),
                ));
            }
            return Ok((op, rest.to_string()));
        }
    }
    Err(bad(
        "--where",
        text,
        "start with an operator: <, <=, > or >=, e.g. \"> 0\" or \"> q90\"".into(),
    ))
}

/// The quantile `q` (0 to 1) of `values`, interpolated linearly (as numpy's default).
fn linear_quantile(values: &[f64], q: f64) -> f64 {
    let mut s = values.to_vec();
    s.sort_by(f64::total_cmp);
    let t = (s.len() - 1) as f64 * q;
    let (lo, hi) = (t.floor() as usize, t.ceil() as usize);
    s[lo] + (s[hi] - s[lo]) * (t - lo as f64)
}

/// The cases discovery runs on, each with every run stored.
struct Cases {
    /// "design point" or "variant".
    kind: &'static str,
    /// Each case's number (its design point, or its variant's position) and, in a sweep, its variant.
    ids: Vec<(u32, String)>,
    /// The inputs' names; a categorical input's categories (`None`: numeric).
    inputs: Vec<String>,
    categories: Vec<Option<Vec<String>>>,
    /// Each case's inputs (a category's position for a categorical input).
    x: Vec<Vec<f64>>,
    /// Each case's value of the expression.
    values: Vec<f64>,
}

impl Cases {
    fn categorical(&self) -> Vec<bool> {
        self.categories.iter().map(Option::is_some).collect()
    }
}

/// A value a scenario key takes, as a category's name.
fn category_name(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The mean over replicates of `variant`'s outcome `column` at `design_point`,
/// minus `minus`'s on the same replicate; NaN where a run is missing.
fn replicate_mean(
    dir: &Path,
    m: &Manifest,
    design_point: u32,
    variant: usize,
    minus: Option<usize>,
    column: usize,
) -> f64 {
    let read = |v: usize, replicate: u32| -> Option<f64> {
        let id = RunId {
            design_point,
            variant: v as u32,
            replicate,
        };
        runs::read_outcomes(&id.folder(dir))
            .ok()?
            .get(column)
            .copied()
    };
    let mut sum = 0.0;
    for r in 0..m.replicates {
        match (read(variant, r), minus.map_or(Some(0.0), |b| read(b, r))) {
            (Some(x), Some(b)) => sum += x - b,
            _ => return f64::NAN,
        }
    }
    sum / m.replicates.max(1) as f64
}

/// The cases of a design: its points, with the sampled parameters as inputs.
fn design_cases(dir: &Path, m: &Manifest, design: &ManifestDesign, expr: &Expr) -> Cases {
    let column = outcome_column(&expr.outcome);
    let variant = expr
        .variant
        .as_ref()
        .and_then(|v| m.variants.iter().position(|x| &x.name == v))
        .unwrap_or(0);
    let minus = if expr.effect {
        m.baseline_index()
    } else {
        None
    };
    let categories = design
        .keys
        .iter()
        .map(|k| {
            design
                .categories
                .get(k)
                .map(|values| values.iter().map(category_name).collect())
        })
        .collect();
    let mut cases = Cases {
        kind: "design point",
        ids: Vec::new(),
        inputs: design.keys.clone(),
        categories,
        x: Vec::new(),
        values: Vec::new(),
    };
    for (d, point) in design.points.iter().enumerate() {
        let v = replicate_mean(dir, m, d as u32, variant, minus, column);
        if v.is_finite() {
            cases.ids.push((d as u32, String::new()));
            cases.x.push(point.clone());
            cases.values.push(v);
        }
    }
    cases
}

/// The cases of a plain sweep: its variants (but the baseline, for an
/// effect), with the settings they differ by as inputs: numeric where every
/// variant's value is a number, else categorical.
fn sweep_cases(dir: &Path, m: &Manifest, expr: &Expr) -> Cases {
    let column = outcome_column(&expr.outcome);
    let baseline = m.baseline_index();
    let minus = if expr.effect { baseline } else { None };
    let chosen: Vec<usize> = (0..m.variants.len())
        .filter(|&v| !(expr.effect && Some(v) == baseline))
        .collect();
    let mut categories = Vec::new();
    let mut columns: Vec<Vec<f64>> = Vec::new();
    for j in 0..m.swept.len() {
        let values: Vec<&Value> = chosen
            .iter()
            .map(|&v| m.variants[v].swept_values.get(j).unwrap_or(&Value::Null))
            .collect();
        if values.iter().all(|v| v.as_f64().is_some()) {
            categories.push(None);
            columns.push(values.iter().filter_map(|v| v.as_f64()).collect());
        } else {
            let mut names: Vec<String> = Vec::new();
            let codes = values
                .iter()
                .map(|v| {
                    let name = category_name(v);
                    let code = names.iter().position(|n| *n == name).unwrap_or_else(|| {
                        names.push(name);
                        names.len() - 1
                    });
                    code as f64
                })
                .collect();
            categories.push(Some(names));
            columns.push(codes);
        }
    }
    let mut cases = Cases {
        kind: "variant",
        ids: Vec::new(),
        inputs: m.swept.clone(),
        categories,
        x: Vec::new(),
        values: Vec::new(),
    };
    for (i, &v) in chosen.iter().enumerate() {
        let value = replicate_mean(dir, m, 0, v, minus, column);
        if value.is_finite() {
            cases.ids.push((v as u32, m.variants[v].name.clone()));
            cases.x.push(columns.iter().map(|c| c[i]).collect());
            cases.values.push(value);
        }
    }
    cases
}

fn outcome_column(outcome: &str) -> usize {
    runs::outcome_names()
        .iter()
        .position(|n| *n == outcome)
        .unwrap_or(0)
}

/// A box's limit on input `j` as a row of `boxes.csv`, if restricted.
fn box_row(
    number: u32,
    step: usize,
    cases: &Cases,
    j: usize,
    limit: &prim::Limit,
    range: &prim::Limit,
    p: (Option<f64>, Option<f64>),
) -> Option<BoxRow> {
    if limit == range {
        return None;
    }
    let names = |codes: &[u32]| {
        let labels = cases.categories[j].as_deref().unwrap_or_default();
        codes
            .iter()
            .map(|&c| labels.get(c as usize).cloned().unwrap_or_default())
            .collect::<Vec<_>>()
            .join(CATEGORY_SEPARATOR)
    };
    let nan = f64::NAN;
    let (lower, upper, min, max, categories, all_categories) = match (limit, range) {
        (&prim::Limit::Range(lo, hi), &prim::Limit::Range(min, max)) => {
            (lo, hi, min, max, String::new(), String::new())
        }
        (prim::Limit::Categories(kept), prim::Limit::Categories(all)) => {
            (nan, nan, nan, nan, names(kept), names(all))
        }
        _ => return None,
    };
    Some(BoxRow {
        box_number: number,
        step: step as u32,
        parameter: cases.inputs[j].clone(),
        lower,
        upper,
        min,
        max,
        p_lower: p.0.unwrap_or(nan),
        p_upper: p.1.unwrap_or(nan),
        categories,
        all_categories,
    })
}

pub fn discover(a: Args) -> Result<(), Failure> {
    let m = Manifest::read(&a.dir).map_err(|e| {
        Failure::BadInput(format!("{}: {e}; is it a results folder?", a.dir.display()))
    })?;
    if !(0.0..=1.0).contains(&a.threshold) {
        return Err(Failure::BadInput(format!(
            "--threshold {}: allowed 0 to 1",
            a.threshold
        )));
    }
    let expr = parse_expr(&a.outcome, &m)?;
    let (op, limit) = parse_condition(&a.condition)?;
    let cases = match &m.design {
        Some(design) => design_cases(&a.dir, &m, design, &expr),
        None => {
            if m.swept.is_empty() {
                return Err(Failure::BadInput(format!(
                    "{}: the variants of sweep `{}` differ in no setting, so there is no input to discover on; sweep settings with [grid] or variants' `set`, or run a design (`placesim sensitivity --method latin-hypercube`)",
                    a.dir.display(),
                    m.sweep
                )));
            }
            sweep_cases(&a.dir, &m, &expr)
        }
    };
    let possible = match &m.design {
        Some(d) => d.points.len(),
        None => m.variants.len() - usize::from(expr.effect && m.baseline_index().is_some()),
    };
    if possible < 2 {
        return Err(Failure::BadInput(format!(
            "{}: {possible} {}{} to compare, and discovery needs at least 2{}",
            a.dir.display(),
            cases.kind,
            if possible == 1 { "" } else { "s" },
            if expr.effect && m.design.is_none() {
                " (the baseline has no effect, so it is not a case)"
            } else {
                ""
            }
        )));
    }
    if cases.values.len() < 2 {
        return Err(Failure::BadInput(format!(
            "{}: fewer than 2 {}s have every run stored; finish the runs with --resume",
            a.dir.display(),
            cases.kind
        )));
    }
    if cases.values.len() < possible && !a.quiet {
        eprintln!(
            "note: {} of {possible} {}s are left out: a run of theirs is missing or its outcome is not a number",
            possible - cases.values.len(),
            cases.kind
        );
    }
    let known = &cases.values;
    let cut = match limit.strip_prefix('q') {
        Some(q) => linear_quantile(known, q.parse::<f64>().unwrap_or(50.0) / 100.0),
        None => limit.parse().unwrap_or(0.0),
    };
    let meets = |v: f64| match op {
        "<" => v < cut,
        "<=" => v <= cut,
        ">" => v > cut,
        _ => v >= cut,
    };
    let x = &cases.x;
    let y: Vec<bool> = known.iter().map(|&v| meets(v)).collect();
    let categorical = cases.categorical();
    let data = prim::Data {
        x,
        y: &y,
        categorical: &categorical,
    };
    let all: Vec<usize> = (0..x.len()).collect();
    let settings = prim::Settings::default();
    let first = prim::find_box(&data, &all, settings);
    let chosen = match a.box_step {
        Some(k) if k < first.len() => k,
        Some(k) => {
            return Err(Failure::BadInput(format!(
                "--box {k}: the trajectory has boxes 0 to {}",
                first.len() - 1
            )))
        }
        None => prim::choose(&first, a.threshold),
    };
    let in_first = prim::cases_in(&data, &all, &first[chosen].limits);
    let rest: Vec<usize> = all
        .iter()
        .copied()
        .filter(|r| !in_first.contains(r))
        .collect();
    let second = if rest.is_empty() {
        Vec::new()
    } else {
        prim::find_box(&data, &rest, settings)
    };
    let second_chosen = (!second.is_empty()).then(|| prim::choose(&second, a.threshold));
    let stability = prim::resample(
        &data,
        &first[chosen],
        a.resample as usize,
        0.5,
        m.sweep_seed,
        settings,
    );
    let tree = cart::grow(
        x,
        &y,
        &categorical,
        cart::Settings {
            max_depth: a.depth as usize,
            min_leaf: a.min_leaf as usize,
        },
    );
    let rules = cart::rules(&tree);
    // Files.
    let out = a.dir.join(DISCOVERY_DIR);
    std::fs::create_dir_all(&out)
        .map_err(|e| Failure::Failed(format!("cannot create {}: {e}", out.display())))?;
    let write = |name: &str, bytes: std::io::Result<Vec<u8>>| {
        let path = out.join(name);
        bytes
            .and_then(|b| write_atomic(&path, &b))
            .map_err(|e| Failure::Failed(format!("writing {}: {e}", path.display())))
    };
    let case_rows: Vec<CaseRow> = cases
        .ids
        .iter()
        .enumerate()
        .flat_map(|(i, (case, variant))| {
            let (value, of_interest) = (known[i], y[i]);
            let cases = &cases;
            cases.inputs.iter().enumerate().map(move |(j, k)| {
                let input = cases.x[i][j];
                let category = cases.categories[j]
                    .as_ref()
                    .and_then(|c| c.get(input as usize).cloned())
                    .unwrap_or_default();
                CaseRow {
                    case: *case,
                    variant: variant.clone(),
                    parameter: k.clone(),
                    input,
                    category,
                    value,
                    of_interest,
                }
            })
        })
        .collect();
    write(CASES, csv_bytes_with_header(&case_rows))?;
    let mut trajectory = Vec::new();
    let mut boxes = Vec::new();
    let range = data.range();
    for (number, (traj, pick), remaining) in [
        (1, (&first, Some(chosen)), &all),
        (2, (&second, second_chosen), &rest),
    ] {
        for (i, s) in traj.iter().enumerate() {
            trajectory.push(TrajectoryRow {
                box_number: number,
                step: i as u32,
                pasted: s.pasted,
                cases: s.cases as u64,
                of_interest: s.of_interest as u64,
                coverage: s.coverage,
                density: s.density,
                mass: s.mass,
                restricted: s.restricted as u32,
                chosen: pick == Some(i),
            });
        }
        if let Some(k) = pick {
            let b = &traj[k];
            let p = prim::quasi_p(&data, remaining, &b.limits);
            for j in 0..cases.inputs.len() {
                boxes.extend(box_row(number, k, &cases, j, &b.limits[j], &range[j], p[j]));
            }
        }
    }
    write(TRAJECTORY, csv_bytes_with_header(&trajectory))?;
    write(BOXES, csv_bytes_with_header(&boxes))?;
    let mut stability_rows: Vec<StabilityRow> = if a.resample == 0 {
        Vec::new()
    } else {
        cases
            .inputs
            .iter()
            .zip(&stability)
            .enumerate()
            .map(|(j, (k, &(near_coverage, near_density)))| StabilityRow {
                parameter: k.clone(),
                in_box: first[chosen].limits[j] != range[j],
                near_coverage,
                near_density,
            })
            .collect()
    };
    // As EMA Workbench sorts them: most reproduced first (stable: ties in input order).
    stability_rows.sort_by(|a, b| {
        (b.near_coverage, b.near_density)
            .partial_cmp(&(a.near_coverage, a.near_density))
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    write(STABILITY, csv_bytes_with_header(&stability_rows))?;
    let rule_rows: Vec<RuleRow> = rules
        .iter()
        .enumerate()
        .map(|(i, r)| RuleRow {
            leaf: i as u32 + 1,
            rule: if r.conditions.is_empty() {
                format!("all {}s (the tree did not split)", cases.kind)
            } else {
                r.conditions
                    .iter()
                    .map(|&(j, test, passes)| condition_text(&cases, j, test, passes))
                    .collect::<Vec<_>>()
                    .join(" and ")
            },
            cases: r.cases as u64,
            of_interest: r.of_interest as u64,
            density: r.density(),
        })
        .collect();
    write(RULES, csv_bytes_with_header(&rule_rows))?;
    let hits = y.iter().filter(|&&b| b).count();
    let words = words(
        &a,
        &expr,
        &m,
        &cases,
        &first[chosen],
        &boxes,
        &stability_rows,
        hits,
    );
    let summary = Summary {
        outcome: a.outcome.clone(),
        condition: a.condition.clone(),
        cut,
        points: y.len() as u64,
        of_interest: hits as u64,
        threshold: a.threshold,
        chosen_step: chosen as u32,
        words: words.clone(),
        case: cases.kind.to_string(),
        resamples: a.resample,
    };
    write(SUMMARY, placesim_results::manifest::pretty_json(&summary))?;
    // The folder's charts and report, now with the discovery's.
    let drawn = placesim_plot::plot(&a.dir)?;
    if !a.quiet {
        for w in &words {
            println!("{w}");
        }
        println!(
            "files in {}; charts in {}/plots/ and report.html ({} files drawn)",
            out.display(),
            a.dir.display(),
            drawn.len()
        );
    }
    Ok(())
}

/// One condition of a CART rule in words: `key < 0.5`, `key >= 0.5`,
/// `key is need_origin`, `key is not need_origin`.
fn condition_text(cases: &Cases, j: usize, test: cart::Test, passes: bool) -> String {
    let key = &cases.inputs[j];
    match test {
        cart::Test::Below(t) => format!("{key} {} {t}", if passes { "<" } else { ">=" }),
        cart::Test::Is(c) => {
            let name = cases.categories[j]
                .as_ref()
                .and_then(|n| n.get(c as usize).cloned())
                .unwrap_or_default();
            format!("{key} is {}{name}", if passes { "" } else { "not " })
        }
    }
}

/// The question and the chosen box in words, a sentence a line.
#[allow(clippy::too_many_arguments)]
fn words(
    a: &Args,
    expr: &Expr,
    m: &Manifest,
    cases: &Cases,
    b: &prim::Step,
    boxes: &[BoxRow],
    stability: &[StabilityRow],
    hits: usize,
) -> Vec<String> {
    let mut lines = Vec::new();
    let o = &expr.outcome;
    let what = match (&expr.variant, expr.effect) {
        (Some(v), true) => format!("{v} − {} on {o}", m.baseline),
        (None, true) => format!("the variant − {} on {o}", m.baseline),
        (Some(v), false) => format!("{o} under {v}"),
        (None, false) => o.clone(),
    };
    let (n, kind) = (cases.values.len(), cases.kind);
    lines.push(format!(
        "{hits} of {n} {kind}s ({:.0} %) have {what} {}.",
        100.0 * hits as f64 / n.max(1) as f64,
        a.condition.trim()
    ));
    let shown: Vec<&BoxRow> = boxes.iter().filter(|r| r.box_number == 1).collect();
    let conditions: Vec<String> = shown
        .iter()
        .map(|r| {
            if r.is_categorical() {
                let kept: Vec<&str> = r.categories.split(CATEGORY_SEPARATOR).collect();
                return format!("{} is {}", r.parameter, kept.join(" or "));
            }
            let (lo, hi) = (r.lower != r.min, r.upper != r.max);
            match (lo, hi) {
                (true, true) => format!("{} is {:.4} to {:.4}", r.parameter, r.lower, r.upper),
                (true, false) => format!("{} ≥ {:.4}", r.parameter, r.lower),
                _ => format!("{} ≤ {:.4}", r.parameter, r.upper),
            }
        })
        .collect();
    if conditions.is_empty() {
        lines.push(format!(
            "PRIM found no box: the condition is met about as often at every {kind}."
        ));
        return lines;
    }
    lines.push(format!(
        "It is met in {:.0} % of the {kind}s where {} (PRIM's box {}: it holds {:.0} % of the {kind}s that meet it and {:.0} % of all {kind}s).",
        100.0 * b.density,
        conditions.join(" and "),
        shown.first().map_or(0, |r| r.step),
        100.0 * b.coverage,
        100.0 * b.mass
    ));
    if !stability.is_empty() {
        let pct = |x: f64| format!("{:.0} %", 100.0 * x);
        let kept: Vec<String> = stability
            .iter()
            .filter(|s| s.in_box)
            .map(|s| {
                format!(
                    "{} in {} ({} nearest in density)",
                    s.parameter,
                    pct(s.near_coverage),
                    pct(s.near_density)
                )
            })
            .collect();
        let others = stability
            .iter()
            .filter(|s| !s.in_box)
            .map(|s| s.near_coverage.max(s.near_density))
            .fold(0.0, f64::max);
        lines.push(format!(
            "Run again on {} random halves of the {kind}s, PRIM's box nearest this one in coverage restricts {}; no other input in more than {} of them either way.",
            a.resample,
            kept.join(", "),
            pct(others)
        ));
    }
    lines
}
