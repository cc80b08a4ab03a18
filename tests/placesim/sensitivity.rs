//! `placesim sensitivity` as a user runs it: a small Morris design of the
//! built-in sensitivity sweep, its files, its determinism across thread
//! counts and resumption, and its bad input.

use crate::determinism::{bin, scratch};
use std::path::Path;

fn design(out: &Path, extra: &[&str]) -> std::process::Output {
    bin()
        .args([
            "sensitivity",
            "--method",
            "morris",
            "--trajectories",
            "3",
            "--parameters",
            "citizens.risk_sigma,needs.crisis_level",
            "--replicates",
            "2",
            "--quiet",
            "--out",
        ])
        .arg(out)
        .args(extra)
        .output()
        .unwrap()
}

fn read(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

const FILES: [&str; 7] = [
    "runs.csv",
    "comparison.csv",
    "design.csv",
    "indices.csv",
    "indices_by_year.csv",
    "variance.csv",
    "robustness.csv",
];

#[test]
fn a_morris_design_runs_as_a_sweep_and_is_the_same_on_any_threads_and_after_resuming() {
    let (one, two) = (scratch("sa-one"), scratch("sa-two"));
    let o = design(&one, &["--threads", "1"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = design(&two, &["--threads", "2"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for f in FILES {
        assert_eq!(
            read(&one, f),
            read(&two, f),
            "{f} differs between 1 and 2 threads"
        );
    }
    // 3 trajectories over 2 parameters: 9 points, each run by 2 variants twice.
    let runs = read(&one, "runs.csv");
    assert_eq!(runs.lines().count(), 1 + 9 * 2 * 2);
    let header: Vec<&str> = runs.lines().next().unwrap().split(',').collect();
    assert_eq!(
        &header[..5],
        ["run_id", "variant", "replicate", "seed", "design_point"]
    );
    let sigma = header
        .iter()
        .position(|c| *c == "citizens.risk_sigma")
        .unwrap();
    // Each run's parameter value is its point's in design.csv.
    let points = read(&one, "design.csv");
    for row in runs.lines().skip(1) {
        let cells: Vec<&str> = row.split(',').collect();
        let wanted = format!("{},citizens.risk_sigma,{}", cells[4], cells[sigma]);
        assert!(
            points.lines().any(|l| l == wanted),
            "{wanted} not in design.csv"
        );
    }
    // The paired effect on crises has a screening measure per parameter, with an interval.
    let indices = read(&one, "indices.csv");
    for p in ["citizens.risk_sigma", "needs.crisis_level"] {
        let row = indices
            .lines()
            .find(|l| l.starts_with(&format!("total-place,effect,crisis_events,,{p},mu_star,")))
            .unwrap_or_else(|| panic!("no mu_star of {p}"));
        let x: Vec<f64> = row
            .split(',')
            .skip(6)
            .take(3)
            .map(|c| c.parse().unwrap())
            .collect();
        assert!(x[1] <= x[0] && x[0] <= x[2] && x[0] > 0.0, "{row}");
    }
    // A killed design resumes to the same bytes.
    std::fs::remove_dir_all(one.join("runs/d0004-v0001-r000001")).unwrap();
    std::fs::remove_file(one.join("indices.csv")).unwrap();
    let o = design(&one, &["--resume"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for f in FILES {
        assert_eq!(read(&one, f), read(&two, f), "{f} differs after resuming");
    }
    let _ = std::fs::remove_dir_all(&one);
    let _ = std::fs::remove_dir_all(&two);
}

#[test]
fn bad_sensitivity_input_exits_2_with_one_line_and_writes_nothing() {
    let out = scratch("sa-bad");
    let cases: [(&[&str], &str); 5] = [
        (
            &["--parameters", "citizens.risk_sigmas"],
            "`citizens.risk_sigmas` is not an uncertain parameter",
        ),
        (&["--levels", "3"], "--levels 3: allowed an even number"),
        (
            &["--uncertainty", "/nowhere/u.toml"],
            "--uncertainty /nowhere/u.toml: no such file",
        ),
        (&["--trajectories", "1"], "--trajectories"),
        (&["--samples", "4"], "--samples"),
    ];
    for (args, fragment) in cases {
        let mut all: Vec<&str> = vec!["sensitivity", "--method", "morris"];
        if args[0] == "--samples" {
            all[2] = "sobol";
            all.extend(["--samples", "1"]);
        } else {
            all.extend(args);
        }
        let o = bin().args(&all).arg("--out").arg(&out).output().unwrap();
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{all:?}: {stderr}");
        assert!(stderr.contains(fragment), "{all:?}: {stderr}");
        assert_eq!(stderr.trim_end().lines().count(), 1, "{all:?}: {stderr}");
        assert!(!out.exists(), "{all:?} wrote {}", out.display());
    }
}

/// A sweep of one variant has no paired effect: the design still runs, its
/// indices of the variant's outcomes are written, and nothing panics.
#[test]
fn a_design_of_one_variant_has_no_effects_and_still_reports() {
    let dir = scratch("sa-one-variant");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("one.sweep.toml");
    std::fs::write(
        &file,
        "name = \"one\"\nbase = \"silos.toml\"\nreplicates = 1\nseed = 3\nbaseline = \"silos\"\n[set]\n\"place.population\" = 2000\n\"place.weeks\" = 104\n[[variants]]\nname = \"silos\"\n",
    )
    .unwrap();
    for method in [
        &["--method", "morris", "--trajectories", "2"][..],
        &["--method", "sobol", "--samples", "4"],
    ] {
        let out = dir.join(method[1]);
        let o = bin()
            .arg("sensitivity")
            .arg(&file)
            .args(method)
            .args(["--parameters", "citizens.risk_sigma", "--quiet", "--out"])
            .arg(&out)
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "{method:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let indices = read(&out, "indices.csv");
        assert!(indices
            .lines()
            .skip(1)
            .all(|l| l.starts_with("silos,outcome,")));
        assert!(indices.lines().count() > 1);
        assert_eq!(
            read(&out, "robustness.csv").lines().count(),
            1,
            "a header alone"
        );
        assert!(out.join("report.html").is_file());
        // One replicate: no stochastic estimate, and the parameters' part is
        // the point means' whole variance (risk_sigma moves crises).
        let crises = read(&out, "variance.csv")
            .lines()
            .find(|l| l.starts_with("silos,outcome,crisis_events,"))
            .unwrap()
            .to_string();
        let cells: Vec<&str> = crises.split(',').collect();
        assert_eq!(
            (cells[4], cells[6], cells[7]),
            ("1", "NaN", "NaN"),
            "{crises}"
        );
        assert!(cells[5].parse::<f64>().unwrap() > 0.0, "{crises}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// `placesim discover` on a small Latin hypercube: its files, the same
/// bytes twice, and bad expressions refused naming the token.
#[test]
fn discovery_on_a_latin_hypercube_is_repeatable_and_refuses_bad_expressions() {
    let out = scratch("discover");
    let o = bin()
        .args([
            "sensitivity",
            "--method",
            "latin-hypercube",
            "--samples",
            "30",
            "--parameters",
            "citizens.risk_sigma,needs.recovery_rate,needs.shock_max",
            "--replicates",
            "1",
            "--quiet",
            "--out",
        ])
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        read(&out, "indices.csv").lines().count(),
        1,
        "a header alone"
    );
    let discover = |extra: &[&str]| {
        bin()
            .arg("discover")
            .arg(&out)
            .args([
                "--outcome",
                "effect(total-place, crisis_events)",
                "--min-leaf",
                "5",
            ])
            .args(extra)
            .output()
            .unwrap()
    };
    let files = [
        "cases.csv",
        "trajectory.csv",
        "boxes.csv",
        "stability.csv",
        "rules.csv",
    ];
    let o = discover(&[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let first: Vec<String> = files
        .iter()
        .map(|f| read(&out.join("discovery"), f))
        .collect();
    assert!(String::from_utf8_lossy(&o.stdout).contains("design points"));
    // 30 points x 3 parameters, and one chosen box on the first trajectory.
    assert_eq!(first[0].lines().count(), 1 + 30 * 3);
    assert_eq!(
        first[1]
            .lines()
            .filter(|l| l.starts_with("1,") && l.ends_with(",true"))
            .count(),
        1
    );
    let o = discover(&["--quiet"]);
    assert!(o.status.success());
    for (f, before) in files.iter().zip(&first) {
        assert_eq!(
            &read(&out.join("discovery"), f),
            before,
            "{f} differs on a rerun"
        );
    }
    for (outcome, condition, token) in [
        (
            "effect(total-plac, crisis_events)",
            "> 0",
            "`total-plac` is not a variant",
        ),
        (
            "effect(total-place, crises)",
            "> 0",
            "`crises` is not an outcome",
        ),
        (
            "effect(silos, crisis_events)",
            "> 0",
            "`silos` is the baseline",
        ),
        (
            "effects(total-place, crisis_events)",
            "> 0",
            "`effects` is not a function",
        ),
        ("effect(total-place, crisis_events", "> 0", "missing `)`"),
        ("crisis_events", "~ 3", "start with an operator"),
        (
            "crisis_events",
            "> q101",
            "`q101` is neither a number nor a quantile",
        ),
    ] {
        let o = bin()
            .arg("discover")
            .arg(&out)
            .args(["--outcome", outcome, "--where", condition])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{outcome} {condition}: {stderr}");
        assert!(stderr.contains(token), "{outcome} {condition}: {stderr}");
        assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    }
    let _ = std::fs::remove_dir_all(&out);
}

/// `placesim discover` on a plain sweep: each variant is a case, the
/// settings the variants differ by are its inputs, a text setting is a
/// categorical input (its category named in cases.csv), and a design's
/// `effect(VARIANT, OUTCOME)` is refused with the sweep's form.
#[test]
fn discovery_on_a_sweep_takes_variants_as_cases_and_text_settings_as_categories() {
    let out = scratch("discover-sweep");
    std::fs::create_dir_all(&out).unwrap();
    let file = out.join("grid.sweep.toml");
    let scenarios = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/total-place.toml");
    std::fs::write(
        &file,
        format!(
            r#"name = "grid"
base = "{}"
replicates = 1
seed = 7
baseline = "barriers.ring_fenced_budgets.reallocation=last_year_spend,citizens.risk_sigma=0.8"

[set]
"place.population" = 400
"place.weeks" = 52
"place.warmup_weeks" = 52

[grid]
"barriers.ring_fenced_budgets.reallocation" = ["last_year_spend", "need_origin", "invest_to_save"]
"citizens.risk_sigma" = [0.7, 0.8, 0.9, 1.0]
"#,
            scenarios.display().to_string().replace('\\', "/")
        ),
    )
    .unwrap();
    let results = out.join("run");
    let o = bin()
        .arg("sweep")
        .arg(&file)
        .arg("--quiet")
        .arg("--out")
        .arg(&results)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let discover = |outcome: &str| {
        bin()
            .arg("discover")
            .arg(&results)
            .args(["--outcome", outcome, "--where", "> q50", "--min-leaf", "2"])
            .output()
            .unwrap()
    };
    let o = discover("effect(crisis_events)");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stdout).contains("of 11 variants"));
    let cases = read(&results.join("discovery"), "cases.csv");
    let header = cases.lines().next().unwrap();
    assert_eq!(
        header,
        "case,variant,parameter,input,category,value,of_interest"
    );
    // 11 variants (the baseline has no effect) × 2 inputs.
    assert_eq!(cases.lines().count(), 1 + 11 * 2);
    // Each row after its quoted variant name: parameter, input, category, value, of_interest.
    let tails: Vec<Vec<&str>> = cases
        .lines()
        .skip(1)
        .map(|l| l.rsplit_once("\",").unwrap().1.split(',').collect())
        .collect();
    let names = ["last_year_spend", "need_origin", "invest_to_save"];
    let mut seen = Vec::new();
    for t in &tails {
        match t[0] {
            "barriers.ring_fenced_budgets.reallocation" => {
                // The input is the category's position, in order of first appearance.
                let named = names.iter().position(|c| *c == t[2]).unwrap();
                assert_eq!(t[1].parse::<f64>().unwrap(), named as f64, "{t:?}");
                seen.push(named);
            }
            "citizens.risk_sigma" => {
                assert!(["0.7", "0.8", "0.9", "1.0"].contains(&t[1]), "{t:?}");
                assert_eq!(t[2], "", "a numeric input has no category: {t:?}");
            }
            other => panic!("unexpected input {other}"),
        }
    }
    seen.sort_unstable();
    seen.dedup();
    assert_eq!(seen, [0, 1, 2]);
    let summary = read(&results.join("discovery"), "summary.json");
    assert!(summary.contains("\"case\": \"variant\""), "{summary}");
    let o = discover("effect(total-place, crisis_events)");
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("write effect(OUTCOME): in a sweep every variant is a case"),
        "{stderr}"
    );
    let _ = std::fs::remove_dir_all(&out);
}

/// A design over a categorical uncertain parameter: `placesim discover`
/// names each point's category in cases.csv, from the manifest's values.
#[test]
fn discovery_on_a_design_names_a_categorical_parameters_values() {
    let out = scratch("discover-categorical");
    std::fs::create_dir_all(&out).unwrap();
    let file = out.join("u.toml");
    std::fs::write(
        &file,
        r#"[uncertainty."barriers.ring_fenced_budgets.reallocation"]
distribution = "categorical"
values = ["last_year_spend", "need_origin", "invest_to_save"]
reason = "test: the board's rule is a choice"

[uncertainty."citizens.risk_sigma"]
distribution = "uniform"
low = 0.7
high = 1.1
reason = "test"
"#,
    )
    .unwrap();
    let results = out.join("run");
    let o = bin()
        .args([
            "sensitivity",
            "--method",
            "latin-hypercube",
            "--samples",
            "24",
            "--replicates",
            "1",
            "--quiet",
            "--uncertainty",
        ])
        .arg(&file)
        .arg("--out")
        .arg(&results)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = bin()
        .arg("discover")
        .arg(&results)
        .args([
            "--outcome",
            "effect(total-place, crisis_events)",
            "--min-leaf",
            "3",
            "--quiet",
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let cases = read(&results.join("discovery"), "cases.csv");
    let mut counts = [0; 3];
    for l in cases.lines().skip(1) {
        let cells: Vec<&str> = l.split(',').collect();
        // case, variant (empty in a design), parameter, input, category, value, of_interest
        if cells[2] == "barriers.ring_fenced_budgets.reallocation" {
            let position: usize = cells[3].parse::<f64>().unwrap() as usize;
            let name = ["last_year_spend", "need_origin", "invest_to_save"][position];
            assert_eq!(cells[4], name, "{l}");
            counts[position] += 1;
        } else {
            assert_eq!(cells[4], "", "{l}");
        }
    }
    // A Latin hypercube of 24 points gives each of three categories 8.
    assert_eq!(counts, [8, 8, 8]);
    let _ = std::fs::remove_dir_all(&out);
}
