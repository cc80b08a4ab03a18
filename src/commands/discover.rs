//! `placesim discover`: scenario discovery on a design's results folder —
//! which inputs, in which ranges, make an outcome or a paired effect meet a
//! condition — with PRIM boxes and CART rules (`placesim-discovery`).

use crate::failure::Failure;
use placesim_discovery::{cart, prim};
use placesim_results::discovery::{
    BoxRow, CaseRow, RuleRow, Summary, TrajectoryRow, BOXES, CASES, DISCOVERY_DIR, RULES, SUMMARY,
    TRAJECTORY,
};
use placesim_results::table::csv_bytes_with_header;
use placesim_results::{runs, write_atomic, Manifest, RunId};
use std::path::{Path, PathBuf};

#[derive(clap::Args)]
pub struct Args {
    /// The results folder of a sensitivity design (`placesim sensitivity`; a Latin hypercube is the usual choice).
    pub dir: PathBuf,
    /// What to explain: `effect(VARIANT, OUTCOME)` (variant minus baseline on the same replicate), `value(VARIANT, OUTCOME)`, or an OUTCOME of the baseline; each point's mean over its replicates.
    #[arg(long, value_name = "EXPR")]
    pub outcome: String,
    /// Which points are cases of interest: an operator (<, <=, >, >=) and a number or a quantile of the values across points (q90: the 90th percentile).
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
    /// CART: the tree's depth.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=10))]
    pub depth: u32,
    /// CART: the fewest points a leaf may hold.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub min_leaf: u32,
    /// Print nothing but errors.
    #[arg(long)]
    pub quiet: bool,
}

/// A parsed `--outcome`.
#[derive(Debug, PartialEq)]
enum Expr {
    Effect(String, String),
    Value(String, String),
}

fn bad(flag: &str, text: &str, why: String) -> Failure {
    Failure::BadInput(format!("{flag} `{text}`: {why}"))
}

fn parse_expr(text: &str, m: &Manifest) -> Result<Expr, Failure> {
    let names = runs::outcome_names();
    let variants: Vec<&str> = m.variants.iter().map(|v| v.name.as_str()).collect();
    let t = text.trim();
    let outcome_ok = |o: &str| -> Result<String, Failure> {
        if names.contains(&o) {
            Ok(o.to_string())
        } else {
            Err(bad("--outcome", text, format!("`{o}` is not an outcome of runs.csv (e.g. crisis_events, total_spend, failure_demand_share, net_monetary_benefit)")))
        }
    };
    let call = |f: &str| -> Option<(String, String)> {
        let inner = t
            .strip_prefix(f)?
            .trim_start()
            .strip_prefix('(')?
            .strip_suffix(')')?;
        let (v, o) = inner.split_once(',')?;
        Some((v.trim().to_string(), o.trim().to_string()))
    };
    for (f, effect) in [("effect", true), ("value", false)] {
        if t.starts_with(f) {
            let Some((v, o)) = call(f) else {
                return Err(bad(
                    "--outcome",
                    text,
                    format!("write {f}(VARIANT, OUTCOME)"),
                ));
            };
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
            if effect && v == m.baseline {
                return Err(bad(
                    "--outcome",
                    text,
                    format!("`{v}` is the baseline: its effect is 0"),
                ));
            }
            let o = outcome_ok(&o)?;
            return Ok(if effect {
                Expr::Effect(v, o)
            } else {
                Expr::Value(v, o)
            });
        }
    }
    Ok(Expr::Value(m.baseline.clone(), outcome_ok(t)?))
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

pub fn discover(a: Args) -> Result<(), Failure> {
    let m = Manifest::read(&a.dir).map_err(|e| {
        Failure::BadInput(format!("{}: {e}; is it a results folder?", a.dir.display()))
    })?;
    let Some(design) = &m.design else {
        return Err(Failure::BadInput(format!(
            "{} holds a sweep, not a design: run `placesim sensitivity --method latin-hypercube` (or morris, sobol) first",
            a.dir.display()
        )));
    };
    if !(0.0..=1.0).contains(&a.threshold) {
        return Err(Failure::BadInput(format!(
            "--threshold {}: allowed 0 to 1",
            a.threshold
        )));
    }
    let expr = parse_expr(&a.outcome, &m)?;
    let (op, limit) = parse_condition(&a.condition)?;
    let values = point_values(&a.dir, &m, &expr)?;
    let points: Vec<usize> = (0..values.len())
        .filter(|&p| values[p].is_finite())
        .collect();
    if points.len() < 2 {
        return Err(Failure::BadInput(format!(
            "{}: fewer than 2 design points have every run stored; finish the design with --resume",
            a.dir.display()
        )));
    }
    let known: Vec<f64> = points.iter().map(|&p| values[p]).collect();
    let cut = match limit.strip_prefix('q') {
        Some(q) => linear_quantile(&known, q.parse::<f64>().unwrap_or(50.0) / 100.0),
        None => limit.parse().unwrap_or(0.0),
    };
    let meets = |v: f64| match op {
        "<" => v < cut,
        "<=" => v <= cut,
        ">" => v > cut,
        _ => v >= cut,
    };
    let x: Vec<Vec<f64>> = points.iter().map(|&p| design.points[p].clone()).collect();
    let y: Vec<bool> = known.iter().map(|&v| meets(v)).collect();
    let data = prim::Data { x: &x, y: &y };
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
    let tree = cart::grow(
        &x,
        &y,
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
    let cases: Vec<CaseRow> = points
        .iter()
        .enumerate()
        .flat_map(|(i, &p)| {
            let (v, of_interest) = (known[i], y[i]);
            design
                .keys
                .iter()
                .zip(&design.points[p])
                .map(move |(k, &input)| CaseRow {
                    design_point: p as u32,
                    parameter: k.clone(),
                    input,
                    value: v,
                    of_interest,
                })
        })
        .collect();
    write(CASES, csv_bytes_with_header(&cases))?;
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
            for (j, key) in design.keys.iter().enumerate() {
                if b.limits[j] != range[j] {
                    boxes.push(BoxRow {
                        box_number: number,
                        step: k as u32,
                        parameter: key.clone(),
                        lower: b.limits[j].0,
                        upper: b.limits[j].1,
                        min: range[j].0,
                        max: range[j].1,
                        p_lower: p[j].0.unwrap_or(f64::NAN),
                        p_upper: p[j].1.unwrap_or(f64::NAN),
                    });
                }
            }
        }
    }
    write(TRAJECTORY, csv_bytes_with_header(&trajectory))?;
    write(BOXES, csv_bytes_with_header(&boxes))?;
    let rule_rows: Vec<RuleRow> = rules
        .iter()
        .enumerate()
        .map(|(i, r)| RuleRow {
            leaf: i as u32 + 1,
            rule: r
                .conditions
                .iter()
                .map(|&(j, below, t)| {
                    format!("{} {} {t}", design.keys[j], if below { "<" } else { ">=" })
                })
                .collect::<Vec<_>>()
                .join(" and "),
            cases: r.cases as u64,
            of_interest: r.of_interest as u64,
            density: r.density(),
        })
        .collect();
    write(RULES, csv_bytes_with_header(&rule_rows))?;
    let hits = y.iter().filter(|&&b| b).count();
    let words = words(&a, &expr, &m, &first[chosen], &boxes, hits, y.len());
    let summary = Summary {
        outcome: a.outcome.clone(),
        condition: a.condition.clone(),
        cut,
        points: y.len() as u64,
        of_interest: hits as u64,
        threshold: a.threshold,
        chosen_step: chosen as u32,
        words: words.clone(),
    };
    write(SUMMARY, placesim_results::manifest::pretty_json(&summary))?;
    // The design's charts and report, now with the discovery's.
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

/// Each design point's mean of the expression over its replicates (NaN where a run is missing).
fn point_values(dir: &Path, m: &Manifest, expr: &Expr) -> Result<Vec<f64>, Failure> {
    let names = runs::outcome_names();
    let index = |v: &str| m.variants.iter().position(|x| x.name == v).unwrap_or(0);
    let (variant, outcome, minus) = match expr {
        Expr::Effect(v, o) => (index(v), o, m.baseline_index()),
        Expr::Value(v, o) => (index(v), o, None),
    };
    let column = names.iter().position(|n| n == outcome).unwrap_or(0);
    let read = |design_point: u32, v: usize, replicate: u32| -> Option<f64> {
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
    Ok((0..m.grid().design_points)
        .map(|d| {
            let mut sum = 0.0;
            for r in 0..m.replicates {
                let x = read(d, variant, r);
                let b = minus.map_or(Some(0.0), |b| read(d, b, r));
                match (x, b) {
                    (Some(x), Some(b)) => sum += x - b,
                    _ => return f64::NAN,
                }
            }
            sum / m.replicates as f64
        })
        .collect())
}

/// The question and the chosen box in words, a sentence a line.
fn words(
    a: &Args,
    expr: &Expr,
    m: &Manifest,
    b: &prim::Step,
    boxes: &[BoxRow],
    hits: usize,
    n: usize,
) -> Vec<String> {
    let mut lines = Vec::new();
    let what = match expr {
        Expr::Effect(v, o) => format!("{v} − {} on {o}", m.baseline),
        Expr::Value(v, o) => format!("{o} under {v}"),
    };
    lines.push(format!(
        "{hits} of {n} design points ({:.0} %) have {what} {}.",
        100.0 * hits as f64 / n.max(1) as f64,
        a.condition.trim()
    ));
    let conditions: Vec<String> = boxes
        .iter()
        .filter(|r| r.box_number == 1)
        .map(|r| {
            let (lo, hi) = (r.lower != r.min, r.upper != r.max);
            match (lo, hi) {
                (true, true) => format!("{} is {:.4} to {:.4}", r.parameter, r.lower, r.upper),
                (true, false) => format!("{} ≥ {:.4}", r.parameter, r.lower),
                _ => format!("{} ≤ {:.4}", r.parameter, r.upper),
            }
        })
        .collect();
    if conditions.is_empty() {
        lines.push(
            "PRIM found no box: the condition is met about as often everywhere in the design."
                .into(),
        );
    } else {
        lines.push(format!(
            "It is met in {:.0} % of the points where {} (PRIM's box {}: it holds {:.0} % of the points that meet it and {:.0} % of all points).",
            100.0 * b.density,
            conditions.join(" and "),
            boxes.first().map_or(0, |r| r.step),
            100.0 * b.coverage,
            100.0 * b.mass
        ));
    }
    lines
}
