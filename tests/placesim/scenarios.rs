//! Scenario and sweep files: every preset and sweep variant loads and runs;
//! the schema validates every preset; bad files give the documented message;
//! random bytes and mutations never panic the loader.

use crate::determinism::{bin, scratch};
use placesim_core::World;
use placesim_scenario::presets::{SCENARIOS, SWEEPS};
use placesim_scenario::{load_scenario, load_sweep, preset, sweep_preset};
use std::path::{Path, PathBuf};

fn bad_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bad-scenarios")
}

fn run_a_few_weeks(mut p: placesim_core::Params) {
    p.place.population = 300;
    p.place.warmup_weeks = 2;
    p.place.weeks = 3;
    let mut w = World::new(p);
    w.run();
    assert!(w.summary().total_spend > 0.0);
}

#[test]
fn every_preset_loads_and_runs() {
    for p in SCENARIOS {
        let s = preset(p.stem(), &[]).unwrap_or_else(|e| panic!("{}: {e}", p.file));
        assert_eq!(s.name, p.stem());
        assert!(
            p.text.starts_with("# "),
            "{} opens with a comment header",
            p.file
        );
        run_a_few_weeks(s.params);
    }
}

#[test]
fn every_variant_of_the_built_in_sweeps_loads_and_runs() {
    let flagship = sweep_preset("total-place").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(flagship.variants.len(), 8);
    assert_eq!(
        (flagship.replicates, flagship.baseline.as_str()),
        (100, "silos")
    );
    let names: Vec<&str> = flagship.variants.iter().map(|v| v.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "silos",
            "pooled-budgets-only",
            "shared-outcomes-only",
            "multi-agency-teams-only",
            "joined-up-referrals-only",
            "lighter-burden-only",
            "leadership-only",
            "total-place"
        ]
    );
    for v in &flagship.variants {
        assert_eq!(
            (
                v.scenario.params.place.population,
                v.scenario.params.place.weeks
            ),
            (30_000, 260)
        );
    }
    let factorial = sweep_preset("barrier-factorial").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(factorial.variants.len(), 32);
    let mut combos: Vec<[u8; 5]> = factorial
        .variants
        .iter()
        .map(|v| {
            let b = v.scenario.params.barriers;
            [
                b.ring_fenced_budgets,
                b.function_bound_targets,
                b.professional_boundaries,
                b.organisational_frameworks,
                b.frontline_burden,
            ]
            .map(|s| s as u8)
        })
        .collect();
    combos.sort();
    combos.dedup();
    assert_eq!(combos.len(), 32, "all 32 on/off combinations, each once");
    let pooling = sweep_preset("pooling-and-targets").unwrap_or_else(|e| panic!("{e}"));
    let strengths: Vec<(f32, f32)> = pooling
        .variants
        .iter()
        .map(|v| {
            let b = v.scenario.params.barriers;
            (b.ring_fenced_budgets, b.function_bound_targets)
        })
        .collect();
    assert_eq!(strengths, [(1.0, 1.0), (0.0, 1.0), (1.0, 0.0), (0.0, 0.0)]);
    let coupling = sweep_preset("coupling-control").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(coupling.variants.len(), 2);
    for v in &coupling.variants {
        assert!(v.scenario.params.needs.coupling.iter().all(|c| *c == 0.0));
    }
    let rules = sweep_preset("pooling-rules").unwrap_or_else(|e| panic!("{e}"));
    let rule_of = |name: &str| {
        let v = rules.variants.iter().find(|v| v.name == name).unwrap();
        (
            v.scenario.params.prices.reallocation,
            v.scenario.params.barriers.ring_fenced_budgets,
        )
    };
    use placesim_core::params::Reallocation;
    assert_eq!(
        rule_of("pooled-need-origin"),
        (Reallocation::NeedOrigin, 0.0)
    );
    assert_eq!(
        rule_of("pooled-invest-to-save"),
        (Reallocation::InvestToSave, 0.0)
    );
    let leadership = sweep_preset("leadership-and-targets").unwrap_or_else(|e| panic!("{e}"));
    let blind = leadership
        .variants
        .iter()
        .find(|v| v.name == "leadership-blind-to-harm")
        .unwrap();
    assert_eq!(blind.scenario.params.adaptation.harm_gain, 0.0);
    assert_eq!(blind.scenario.params.leadership.whole_systems_weight, 1.0);
    let risk = sweep_preset("risk-concentration").unwrap_or_else(|e| panic!("{e}"));
    assert!(risk
        .variants
        .iter()
        .all(|v| v.scenario.params.citizens.risk_sigma == 1.1));
    for v in flagship
        .variants
        .into_iter()
        .chain(factorial.variants)
        .chain(pooling.variants)
        .chain(coupling.variants)
        .chain(rules.variants)
        .chain(leadership.variants)
        .chain(risk.variants)
        .chain(
            sweep_preset("sensitivity")
                .unwrap_or_else(|e| panic!("{e}"))
                .variants,
        )
        .chain(
            sweep_preset("calibration")
                .unwrap_or_else(|e| panic!("{e}"))
                .variants,
        )
        .chain(
            sweep_preset("better-care-fund")
                .unwrap_or_else(|e| panic!("{e}"))
                .variants,
        )
    {
        run_a_few_weeks(v.scenario.params);
    }
    assert_eq!(SWEEPS.len(), 12);
}

/// Lifting professional boundaries by schedule at week 50 of the counted
/// period is the same as lifting them by hand at that tick.
#[test]
fn a_scheduled_change_acts_like_a_change_by_hand() {
    let sched = placesim_scenario::command_line_overrides(&[
        "place.population=2000".into(),
        "schedule=[{ week = 50, set = { \"barriers.professional_boundaries.strength\" = 0.0 } }]"
            .into(),
    ])
    .unwrap();
    let scheduled = preset("default-place", &sched)
        .unwrap_or_else(|e| panic!("{e}"))
        .params;
    let mut plain = scheduled.clone();
    plain.schedule.clear();
    let at = plain.place.warmup_weeks + 50;
    let (mut a, mut b) = (World::new(scheduled), World::new(plain));
    while !a.is_finished() {
        if b.tick() == at {
            b.set_barriers(placesim_core::Barriers {
                professional_boundaries: 0.0,
                ..b.barriers()
            });
        }
        a.step();
        b.step();
        assert_eq!(a.tick_row(), b.tick_row());
    }
    assert_eq!(a.barriers().professional_boundaries, 0.0);
}

/// An investment by schedule: the GP's capacity and budget set at week 30
/// of the counted period act from that week (the run is the plain one's
/// until then, and the allowance in force is the new budget after), and
/// the budget is converted to the price year like every money value. An
/// unknown agency is refused, naming it.
#[test]
fn a_scheduled_capacity_acts_from_its_week_and_a_budget_is_priced() {
    let sched = placesim_scenario::command_line_overrides(&[
        "place.population=2000".into(),
        "place.weeks=60".into(),
        "schedule=[{ week = 30, set = { \"agencies.gp.capacity_per_week\" = 2400, \"agencies.gp.budget_per_year\" = 12000000 } }]"
            .into(),
    ])
    .unwrap();
    let scheduled = preset("default-place", &sched)
        .unwrap_or_else(|e| panic!("{e}"))
        .params;
    let gp = crate::stats::agency(&scheduled, "gp");
    let factor = placesim_scenario::prices::factor(2021, 2023).unwrap();
    let budget = scheduled
        .schedule
        .iter()
        .find_map(|c| match c.change {
            placesim_core::params::Change::Budget(a, x) if a == gp.0 => Some(x),
            _ => None,
        })
        .unwrap();
    assert!((budget - 12e6 * factor).abs() < 1e-6, "{budget}");
    let mut plain = scheduled.clone();
    plain.schedule.clear();
    let at = plain.place.warmup_weeks + 30;
    let (mut a, mut b) = (World::new(scheduled), World::new(plain));
    let mut diverged = false;
    while !a.is_finished() {
        a.step();
        b.step();
        if a.tick() <= at {
            assert_eq!(
                a.tick_row(),
                b.tick_row(),
                "tick {}: before the change",
                a.tick()
            );
        } else {
            diverged |= a.tick_row() != b.tick_row();
        }
        // The allowance in force: the new budget from week 30 on (ring-fenced,
        // it is the agency's own budget).
        let row = |w: &World| w.agency_rows()[gp.index()].budget;
        if a.tick() > at {
            assert!(
                (row(&a) - budget).abs() < 1e-6,
                "tick {}: {}",
                a.tick(),
                row(&a)
            );
            assert!((row(&b) - budget).abs() > 1.0);
        }
    }
    assert!(diverged, "the capacity bought changed nothing");
    let bad = placesim_scenario::command_line_overrides(&[
        "schedule=[{ week = 3, set = { \"agencies.gps.capacity_per_week\" = 10 } }]".into(),
    ])
    .unwrap();
    let e = preset("default-place", &bad).unwrap_err().to_string();
    assert!(
        e.contains("no agency `gps`") && e.contains("did you mean"),
        "{e}"
    );
}

/// Steering by hand (a workshop seat): levers scheduled for social care at
/// week 13 hold for every quarter after, though the other agencies go on
/// adapting; the run is the plain one's until week 13; `adaptive = true` at
/// week 39 hands it back and its policy moves again; the other agencies'
/// trials are drawn as in the plain run throughout; a lever out of range and
/// `adaptive = false` are refused naming the key.
#[test]
fn a_steered_agency_keeps_its_levers_until_handed_back() {
    let sched = placesim_scenario::command_line_overrides(&[
        "place.population=2000".into(),
        "place.weeks=78".into(),
        "schedule=[{ week = 13, set = { \"agencies.social_care.eligibility_threshold\" = 0.9, \"agencies.social_care.intensity\" = 0.5 } }, { week = 39, set = { \"agencies.social_care.adaptive\" = true } }]".into(),
    ])
    .unwrap();
    let steered = preset("default-place", &sched)
        .unwrap_or_else(|e| panic!("{e}"))
        .params;
    let care = crate::stats::agency(&steered, "social_care").index();
    let gp = crate::stats::agency(&steered, "gp").index();
    let mut plain = steered.clone();
    plain.schedule.clear();
    let warm = plain.place.warmup_weeks;
    let (mut a, mut b) = (World::new(steered), World::new(plain));
    let mut gp_moved = false;
    let mut freed_moved = false;
    let mut policy_at_39 = None;
    let mut gp_at_13 = None;
    while !a.is_finished() {
        a.step();
        b.step();
        if a.tick() <= warm + 13 {
            assert_eq!(
                a.tick_row(),
                b.tick_row(),
                "tick {}: before steering",
                a.tick()
            );
            continue;
        }
        let week = a.tick() - warm;
        // Every other agency draws the same trials as in the plain run:
        // steering one agency shifts nobody else's random numbers.
        for k in (0..a.agencies().len()).filter(|&k| k != care) {
            assert_eq!(
                a.agencies()[k].learner.signs,
                b.agencies()[k].learner.signs,
                "week {week}, agency {k}"
            );
        }
        let p = a.agencies()[care].policy;
        if week <= 39 {
            assert_eq!(
                (p.eligibility_threshold, p.intensity),
                (0.9, 0.5),
                "week {week}"
            );
            assert!(a.agencies()[care].steered);
            policy_at_39 = Some(p);
            gp_at_13.get_or_insert(a.agencies()[gp].policy);
            gp_moved |= Some(a.agencies()[gp].policy) != gp_at_13;
        } else {
            assert!(!a.agencies()[care].steered);
            freed_moved |= Some(p) != policy_at_39;
        }
    }
    assert!(gp_moved, "the other agencies stopped adapting");
    assert!(freed_moved, "handed back, social care's policy never moved");
    for (bad, key) in [
        (
            "\"agencies.housing.intensity\" = 9",
            "schedule.0.set.agencies.housing.intensity",
        ),
        (
            "\"agencies.housing.adaptive\" = false",
            "schedule.0.set.agencies.housing.adaptive",
        ),
    ] {
        let o = placesim_scenario::command_line_overrides(&[format!(
            "schedule=[{{ week = 3, set = {{ {bad} }} }}]"
        )])
        .unwrap();
        let e = preset("default-place", &o).unwrap_err().to_string();
        assert!(e.contains(key), "{e}");
    }
}

#[test]
fn the_default_place_file_reproduces_the_golden_run() {
    let out = scratch("golden-from-file");
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/default-place.toml");
    let o = bin()
        .arg("run")
        .arg(&file)
        .args(crate::determinism::GOLDEN_ARGS)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let golden = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/silos-seed3");
    for f in [
        "summary.json",
        "timeseries.csv",
        "agencies.csv",
        "cost_shifting.csv",
    ] {
        assert!(
            std::fs::read(out.join(f)).unwrap() == std::fs::read(golden.join(f)).unwrap(),
            "{f}"
        );
    }
    let _ = std::fs::remove_dir_all(out);
}

#[test]
fn json_is_the_same_structure_as_toml() {
    let toml = preset("total-place", &[]).unwrap_or_else(|e| panic!("{e}"));
    let dir = scratch("json");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("total-place.json");
    std::fs::write(&file, serde_json::to_string_pretty(&toml.resolved).unwrap()).unwrap();
    let json = load_scenario(&file, &[]).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        serde_json::to_value(&json.params).unwrap(),
        serde_json::to_value(&toml.params).unwrap()
    );
    let _ = std::fs::remove_dir_all(dir);
}

/// Every file in tests/bad-scenarios gives the message fragment EXPECTED.tsv
/// names, with its file name, and no partial result.
#[test]
fn bad_scenarios_give_their_documented_messages() {
    let dir = bad_dir();
    let expected = std::fs::read_to_string(dir.join("EXPECTED.tsv")).unwrap();
    let mut n = 0;
    for line in expected
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let (file, fragment) = line.split_once('\t').unwrap();
        let path = dir.join(file);
        let result = if file.contains(".sweep.") {
            load_sweep(&path).map(|_| ())
        } else {
            load_scenario(&path, &[]).map(|_| ())
        };
        let message = match result {
            Ok(()) => panic!("{file} loaded, but should fail with: {fragment}"),
            Err(e) => e.to_string(),
        };
        assert!(
            message.contains(fragment),
            "{file}:\n  got: {message}\n  want: {fragment}"
        );
        assert!(
            message.contains(file.trim_end_matches('/')),
            "{file}: message must name the file: {message}"
        );
        n += 1;
    }
    assert!(n >= 30, "only {n} bad scenarios");
}

/// Through the CLI, a bad scenario exits 2 with its message and writes nothing.
#[test]
fn a_bad_scenario_on_the_command_line_exits_2_and_writes_nothing() {
    let out = scratch("bad-scenario-run");
    for file in [
        "unknown-key.toml",
        "coupling-short-row.toml",
        "missing-extends.toml",
        "not-utf8.toml",
    ] {
        let o = bin()
            .arg("run")
            .arg(bad_dir().join(file))
            .arg("--out")
            .arg(&out)
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2), "{file}");
        assert!(String::from_utf8_lossy(&o.stderr).contains(file), "{file}");
        assert!(!out.exists(), "{file}: wrote output");
    }
    let o = bin()
        .args(["check"])
        .arg(bad_dir().join("bad-baseline.sweep.toml"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let o = bin()
        .args(["run", "--preset", "silos"])
        .arg(bad_dir().join("unknown-key.toml"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("not both"));
}

#[test]
fn check_scenarios_and_schema_commands() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let o = bin()
        .arg("check")
        .arg(root.join("scenarios/total-place.sweep.toml"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success());
    assert!(
        text.contains("a valid sweep of 8 variants x 100 replicates"),
        "{text}"
    );
    let o = bin()
        .arg("check")
        .arg(root.join("scenarios/leadership-only.toml"))
        .args(["--set", "place.seed=77"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("seed = 77") && text.contains("whole_systems_weight = 1.0"),
        "{text}"
    );
    let o = bin().arg("scenarios").output().unwrap();
    let text = String::from_utf8_lossy(&o.stdout);
    assert_eq!(text.lines().count(), SCENARIOS.len() + SWEEPS.len());
    assert!(text.lines().any(|l| l.starts_with("pooled-budgets-only ")));
    let o = bin().arg("schema").output().unwrap();
    let schema: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(schema["properties"]["barriers"].is_object());
}

/// `placesim schema` (the derived JSON Schema) validates every preset and sweep, and rejects a bad one.
#[test]
fn the_schema_validates_every_preset() {
    let scenario = jsonschema::validator_for(&placesim_scenario::scenario_schema()).unwrap();
    let sweep = jsonschema::validator_for(&placesim_scenario::sweep_schema()).unwrap();
    for (presets, validator) in [(SCENARIOS, &scenario), (SWEEPS, &sweep)] {
        for p in presets {
            let doc = placesim_scenario::source::parse(p.file, p.text).unwrap();
            let errors: Vec<String> = validator
                .iter_errors(&doc.value)
                .map(|e| e.to_string())
                .collect();
            assert!(errors.is_empty(), "{}: {errors:?}", p.file);
        }
    }
    let bad = placesim_scenario::source::parse("x.toml", "[place]\npopulaton = 3\n").unwrap();
    assert!(!scenario.is_valid(&bad.value));
}

/// A byte-order mark, as some Windows editors write, is accepted in JSON as in TOML.
#[test]
fn a_byte_order_mark_is_accepted_in_json_and_toml() {
    let dir = scratch("bom");
    std::fs::create_dir_all(&dir).unwrap();
    let json = dir.join("bom.json");
    std::fs::write(
        &json,
        "\u{feff}{\"extends\": \"silos.toml\", \"name\": \"bom\"}",
    )
    .unwrap();
    let toml = dir.join("bom.toml");
    std::fs::write(&toml, "\u{feff}extends = \"silos.toml\"\nname = \"bom\"\n").unwrap();
    let loaded = (load_scenario(&json, &[]), load_scenario(&toml, &[]));
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(loaded.0.is_ok(), "{}", loaded.0.unwrap_err());
    assert!(loaded.1.is_ok(), "{}", loaded.1.unwrap_err());
}

/// An empty file is one problem, not one per missing key; a reversed
/// Latin-hypercube range is one problem, not also "needs at least one"; a
/// range reaching outside its key's limits is one problem, not one per sample.
#[test]
fn one_mistake_is_one_message() {
    for (file, sweep) in [
        ("empty.toml", false),
        ("lhs-reversed.sweep.toml", true),
        ("lhs-outside.sweep.toml", true),
    ] {
        let path = bad_dir().join(file);
        let e = if sweep {
            load_sweep(&path).map(|_| ()).unwrap_err()
        } else {
            load_scenario(&path, &[]).map(|_| ()).unwrap_err()
        };
        assert_eq!(e.0.len(), 1, "{file}: {e}");
    }
}

mod never_panics {
    use super::*;
    use proptest::prelude::*;

    /// Write `bytes` to a file in a folder of this test's own (the three
    /// properties run in parallel, so they must not share one), load it, and
    /// remove the folder again, so that a passing test leaves nothing behind.
    fn load_text(test: &str, name: &str, bytes: &[u8]) {
        let dir = std::env::temp_dir().join(format!(
            "placesim-test-{}-proptest-{test}",
            std::process::id()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join(name);
        std::fs::write(&file, bytes).unwrap();
        let _ = load_scenario(&file, &[]);
        let _ = load_sweep(&file);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 200, rng_seed: proptest::test_runner::RngSeed::Fixed(7), ..ProptestConfig::default() })]

        #[test]
        fn random_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..400), json in any::<bool>()) {
            load_text("bytes", if json { "r.json" } else { "r.toml" }, &bytes);
        }

        #[test]
        fn mutated_presets(which in 0..SCENARIOS.len(), at in any::<prop::sample::Index>(), cut in 0usize..40, insert in "[ -~]{0,12}") {
            let text = SCENARIOS[which].text.as_bytes();
            let i = at.index(text.len());
            let mut mutated = text[..i].to_vec();
            mutated.extend_from_slice(insert.as_bytes());
            mutated.extend_from_slice(&text[(i + cut).min(text.len())..]);
            load_text("presets", SCENARIOS[which].file, &mutated);
        }

        #[test]
        fn mutated_sweeps(which in 0..SWEEPS.len(), at in any::<prop::sample::Index>(), insert in "[ -~]{0,12}") {
            let text = SWEEPS[which].text.as_bytes();
            let i = at.index(text.len());
            let mut mutated = text[..i].to_vec();
            mutated.extend_from_slice(insert.as_bytes());
            mutated.extend_from_slice(&text[i..]);
            load_text("sweeps", SWEEPS[which].file, &mutated);
        }
    }
}

/// Named variants, a 2 × 3 grid, a zip of 2 and a Latin hypercube of 10
/// expand to 2 + 6 + 2 + 10 variants; the hypercube puts exactly one sample
/// in each tenth of each range, and expansion is deterministic.
#[test]
fn every_design_mode_expands() {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/designs.sweep.toml");
    let s = load_sweep(&file).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.variants.len(), 20);
    assert!(s
        .variants
        .iter()
        .all(|v| v.scenario.params.place.population == 500));
    let pooled = &s.variants[1].scenario.params;
    assert_eq!(
        (
            pooled.barriers.ring_fenced_budgets,
            pooled.leadership.whole_systems_weight
        ),
        (0.0, 0.5)
    );
    let grid: Vec<&str> = s.variants[2..8].iter().map(|v| v.name.as_str()).collect();
    assert_eq!(grid[0], "ring_fenced_budgets=1,function_bound_targets=1");
    assert_eq!(grid[5], "ring_fenced_budgets=0,function_bound_targets=0");
    assert_eq!(
        s.variants[4]
            .scenario
            .params
            .barriers
            .function_bound_targets,
        0.0
    );
    let zip = &s.variants[9].scenario.params;
    assert_eq!((zip.place.seed, zip.leadership.learning_rate), (6, 2.0));
    let lhs = &s.variants[10..];
    assert!(lhs.iter().all(|v| v.name.starts_with("lhs-")));
    for (get, hi) in [
        (
            Box::new(|p: &placesim_core::Params| p.leadership.whole_systems_weight as f64)
                as Box<dyn Fn(&_) -> f64>,
            1.0,
        ),
        (
            Box::new(|p: &placesim_core::Params| p.prices.coordination_cost as f64),
            2.0,
        ),
    ] {
        let mut strata: Vec<usize> = lhs
            .iter()
            .map(|v| (get(&v.scenario.params) / hi * 10.0) as usize)
            .collect();
        strata.sort();
        assert_eq!(strata, (0..10).collect::<Vec<_>>());
    }
    let again = load_sweep(&file).unwrap();
    let names = |s: &placesim_scenario::Sweep| {
        s.variants
            .iter()
            .map(|v| format!("{:?}", v.overrides))
            .collect::<Vec<_>>()
    };
    assert_eq!(names(&s), names(&again));
    assert_ne!(s.replicate_seed(0), s.replicate_seed(1));
    // Seeds a user reads in runs.csv survive doubles (R, pandas) and 15-digit spreadsheets.
    for r in 0..10_000 {
        let seed = s.replicate_seed(r);
        assert!(seed < placesim_scenario::sweep::SHOWN_SEED_LIMIT, "{seed}");
        assert_eq!(seed as f64 as u64, seed);
        assert!(seed.to_string().len() <= 15);
    }
}

/// docs/SCENARIOS.md names every key of both schemas (regenerate its
/// reference with scripts/scenario_reference.py when the format changes).
#[test]
fn the_scenario_docs_name_every_key() {
    fn keys(root: &serde_json::Value, node: &serde_json::Value, path: &str, out: &mut Vec<String>) {
        let node = resolve(root, node);
        if let Some(props) = node.get("properties").and_then(|p| p.as_object()) {
            for (k, v) in props {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                let sub = resolve(root, v);
                let extra_table = sub
                    .get("additionalProperties")
                    .is_some_and(|e| resolve(root, e).get("properties").is_some());
                if sub.get("properties").is_none() && !extra_table {
                    out.push(p.clone());
                }
                if let Some(items) = sub.get("items").filter(|_| sub.get("properties").is_none()) {
                    if resolve(root, items).get("properties").is_some() {
                        keys(root, items, &format!("{p}[]"), out);
                        continue;
                    }
                }
                keys(root, sub, &p, out);
            }
        }
        if let Some(extra) = node.get("additionalProperties").filter(|e| e.is_object()) {
            if resolve(root, extra).get("properties").is_some() {
                keys(root, extra, &format!("{path}.<id>"), out);
            }
        }
    }
    fn resolve<'a>(root: &'a serde_json::Value, n: &'a serde_json::Value) -> &'a serde_json::Value {
        if let Some(r) = n.get("$ref").and_then(|r| r.as_str()) {
            return resolve(root, &root["$defs"][r.rsplit('/').next().unwrap_or("")]);
        }
        if let Some(b) = n
            .get("anyOf")
            .and_then(|a| a.as_array())
            .and_then(|a| a.iter().find(|b| b["type"] != "null"))
        {
            return resolve(root, b);
        }
        n
    }
    let docs =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/SCENARIOS.md"))
            .unwrap();
    for schema in [
        placesim_scenario::scenario_schema(),
        placesim_scenario::sweep_schema(),
    ] {
        let mut out = Vec::new();
        keys(&schema, &schema, "", &mut out);
        assert!(out.len() > 10);
        for k in out {
            assert!(
                docs.contains(&format!("`{k}`")),
                "docs/SCENARIOS.md does not list `{k}`"
            );
        }
    }
}

/// The ranges the format's reference states (docs/SCENARIOS.md, generated
/// from the doc comments of the raw types, which cannot read constants) are
/// the ranges of the limits table the files are checked against.
#[test]
fn the_documented_ranges_are_the_limits() {
    use placesim_core::limits::{self as l, Bounds};
    fn wide(b: Bounds<u32>) -> Bounds<f64> {
        Bounds::new(b.min.into(), b.max.into())
    }
    let documented: Vec<(&str, Bounds<f64>)> = vec![
        ("place.residents", wide(l::RESIDENTS)),
        ("place.population", wide(l::POPULATION)),
        ("place.warmup_weeks", wide(l::WARMUP_WEEKS)),
        ("place.weeks", wide(l::WEEKS)),
        ("place.price_year", wide(l::PRICE_YEAR)),
        ("place.input_price_year", wide(l::PRICE_YEAR)),
        ("place.discount_rate", l::DISCOUNT_RATE),
        ("place.qaly_value", l::QALY_VALUE),
        ("needs.need_threshold", l::NEED_LEVEL),
        ("needs.shock_min", l::SHOCK),
        ("needs.recovery_rate", l::RECOVERY_RATE),
        ("needs.failure_window_weeks", wide(l::FAILURE_WINDOW_WEEKS)),
        (
            "needs.attribution_window_weeks",
            wide(l::ATTRIBUTION_WINDOW_WEEKS),
        ),
        ("needs.domains.<id>.base_hazard", l::BASE_HAZARD),
        ("needs.coupling", l::COUPLING),
        ("citizens.risk_sigma", l::RISK_SIGMA),
        ("citizens.resilience", l::RESILIENCE),
        ("citizens.help_threshold", l::HELP_THRESHOLD),
        ("citizens.initial_need", l::INITIAL_NEED),
        ("citizens.learning.forgetting", l::FORGETTING),
        ("citizens.learning.reward_resolved", l::REWARD),
        ("citizens.learning.reward_partial", l::REWARD),
        ("citizens.learning.propensity_floor", l::PROPENSITY_FLOOR),
        (
            "citizens.patience_weeks",
            Bounds::new(l::PATIENCE_WEEKS.min.into(), l::PATIENCE_WEEKS.max.into()),
        ),
        ("citizens.chase_work", l::CHASE_WORK),
        ("needs.domains.<id>.winter_amplitude", l::WINTER_AMPLITUDE),
        ("agencies.<id>.beds.beds", l::BEDS),
        ("agencies.<id>.beds.admitted_share", l::SHARE),
        (
            "agencies.<id>.beds.length_of_stay_days",
            l::LENGTH_OF_STAY_DAYS,
        ),
        (
            "agencies.<id>.beds.winter_stay_amplitude",
            l::WINTER_AMPLITUDE,
        ),
        ("agencies.<id>.beds.safe_occupancy", l::SAFE_OCCUPANCY),
        ("agencies.<id>.beds.crowding_cost", l::CROWDING),
        ("agencies.<id>.beds.crowding_harm", l::SHARE),
        ("agencies.<id>.capacity_per_week", l::CAPACITY_PER_WEEK),
        ("agencies.<id>.budget_per_year", l::ANNUAL_BUDGET),
        ("agencies.<id>.efficacy", l::EFFICACY),
        ("agencies.<id>.wait_target_weeks", l::WAIT_TARGET_WEEKS),
        ("agencies.<id>.initial_propensity", l::INITIAL_PROPENSITY),
        ("agencies.<id>.unit_costs.assessment", l::UNIT_COST),
        ("agencies.<id>.unit_costs.intervention", l::UNIT_COST),
        ("agencies.<id>.unit_costs.crisis", l::UNIT_COST),
        (
            "agencies.<id>.policy.eligibility_threshold",
            l::ELIGIBILITY_THRESHOLD,
        ),
        ("agencies.<id>.policy.complexity_cap", l::COMPLEXITY_CAP),
        (
            "agencies.<id>.policy.prevention_capacity_share",
            l::PREVENTION_SHARE,
        ),
        ("agencies.<id>.policy.intensity", l::INTENSITY),
        (
            "agencies.<id>.policy.referral_propensity",
            l::REFERRAL_PROPENSITY,
        ),
        ("barriers.ring_fenced_budgets.strength", l::STRENGTH),
        (
            "barriers.ring_fenced_budgets.board_running_cost_per_year",
            l::LIFT_COST,
        ),
        ("barriers.function_bound_targets.strength", l::STRENGTH),
        (
            "barriers.function_bound_targets.target_reporting_share",
            l::REPORTING_SHARE,
        ),
        (
            "barriers.function_bound_targets.shared_outcomes_cost_per_year",
            l::LIFT_COST,
        ),
        ("barriers.professional_boundaries.strength", l::STRENGTH),
        (
            "barriers.professional_boundaries.coordination_cost",
            l::COORDINATION_COST,
        ),
        (
            "barriers.professional_boundaries.lead_professional_efficacy",
            l::LEAD_PROFESSIONAL_EFFICACY,
        ),
        ("barriers.organisational_frameworks.strength", l::STRENGTH),
        (
            "barriers.organisational_frameworks.referral_delay_weeks",
            l::REFERRAL_DELAY_WEEKS,
        ),
        (
            "barriers.organisational_frameworks.referral_loss",
            l::REFERRAL_LOSS,
        ),
        (
            "barriers.organisational_frameworks.handoff_work",
            l::HANDOFF_WORK,
        ),
        (
            "barriers.organisational_frameworks.shared_assessment_setup",
            l::LIFT_COST,
        ),
        (
            "barriers.organisational_frameworks.shared_assessment_running_per_year",
            l::LIFT_COST,
        ),
        ("barriers.frontline_burden.strength", l::STRENGTH),
        (
            "barriers.frontline_burden.reporting_share",
            l::REPORTING_SHARE,
        ),
        (
            "barriers.frontline_burden.light_assurance_cost_per_year",
            l::LIFT_COST,
        ),
        ("leadership.whole_systems_weight", l::WHOLE_SYSTEMS_WEIGHT),
        ("leadership.culture_rate", l::CULTURE_RATE),
        ("leadership.learning_rate", l::LEARNING_RATE),
        (
            "leadership.kpi_window_quarters",
            wide(l::KPI_WINDOW_QUARTERS),
        ),
        ("adaptation.threshold_step", l::ADAPTATION_STEP),
        ("adaptation.prevention_step", l::ADAPTATION_STEP),
        ("adaptation.intensity_step", l::ADAPTATION_STEP),
        ("adaptation.complexity_cap_step", l::COMPLEXITY_CAP),
        ("adaptation.referral_step", l::ADAPTATION_STEP),
        ("adaptation.throughput_pull", l::THROUGHPUT_PULL),
        ("adaptation.harm_gain", l::HARM_GAIN),
        ("adaptation.threshold_range", l::ELIGIBILITY_THRESHOLD),
        ("adaptation.prevention_range", l::PREVENTION_SHARE),
        ("adaptation.intensity_range", l::INTENSITY),
        ("adaptation.complexity_cap_range", l::COMPLEXITY_CAP),
        ("adaptation.max_wait_weeks", wide(l::MAX_WAIT_WEEKS)),
        ("schedule[].set", l::STRENGTH),
        ("output.every_weeks", wide(l::EVERY_WEEKS)),
        ("replicates", wide(l::REPLICATES)),
    ];
    // "1,000", "0.5", "10^7" as numbers.
    fn number(text: &str) -> Option<f64> {
        let text = text.replace(',', "");
        match text.split_once('^') {
            Some((base, exp)) => Some(base.parse::<f64>().ok()?.powf(exp.parse().ok()?)),
            None => text.parse().ok(),
        }
    }
    // The first "A to B" of a row's description, both numbers.
    fn stated(row: &str) -> Option<Bounds<f64>> {
        let ends = |c: char| c == ' ' || c == '(' || c == ')' || c == ';' || c == ':';
        row.match_indices(" to ").find_map(|(at, _)| {
            let min = row[..at].rsplit(ends).next()?;
            let max = row[at + 4..].split(ends).next()?;
            let max = max.trim_end_matches(['.', ',']);
            Some(Bounds::new(number(min)?, number(max)?))
        })
    }
    let docs =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/SCENARIOS.md"))
            .unwrap();
    for (key, bounds) in documented {
        let row = docs
            .lines()
            .find(|l| l.starts_with(&format!("| `{key}` |")))
            .unwrap_or_else(|| panic!("docs/SCENARIOS.md has no row for `{key}`"));
        assert_eq!(stated(row), Some(bounds), "`{key}`: {row}");
    }
    // The core's own check and a file's check state the same range.
    let mut p = placesim_scenario::preset("silos", &[]).unwrap().params;
    p.leadership.learning_rate = 11.0;
    assert_eq!(
        p.problems(),
        ["leadership.learning_rate: must be between 0 and 10"]
    );
}

/// Money is converted once, every value of it: the default place written in
/// 2021/22 pounds and reported in 2023/24 has every money value at the GDP
/// deflator's ratio of the same place reported in 2021/22 (no conversion),
/// and nothing else moves; the converted parameters say their money is in
/// the price year.
#[test]
fn every_money_value_is_converted_once_to_the_price_year() {
    let same_year =
        placesim_scenario::command_line_overrides(&["place.price_year=2021".into()]).unwrap();
    let raw = preset("default-place", &same_year).unwrap().params;
    let converted = preset("default-place", &[]).unwrap().params;
    let f = placesim_scenario::prices::factor(2021, 2023).unwrap();
    let close = |a: f64, b: f64| (a - b * f).abs() <= 1e-9 * (a.abs() + 1.0);
    for (c, r) in converted.agencies.iter().zip(&raw.agencies) {
        assert!(close(c.annual_budget, r.annual_budget), "{}", c.id);
        assert!(close(c.unit_costs.assessment, r.unit_costs.assessment));
        assert!(close(c.unit_costs.intervention, r.unit_costs.intervention));
        assert!(close(c.unit_costs.crisis, r.unit_costs.crisis));
        assert_eq!(c.capacity_per_week, r.capacity_per_week);
        assert_eq!(c.efficacy, r.efficacy);
    }
    let (c, r) = (&converted.prices, &raw.prices);
    assert!(close(c.board_running_cost, r.board_running_cost));
    assert!(close(c.shared_outcomes_cost, r.shared_outcomes_cost));
    assert!(close(c.shared_assessment_setup, r.shared_assessment_setup));
    assert!(close(
        c.shared_assessment_running,
        r.shared_assessment_running
    ));
    assert!(close(c.light_assurance_cost, r.light_assurance_cost));
    assert_eq!(c.coordination_cost, r.coordination_cost);
    assert!(close(converted.place.qaly_value, raw.place.qaly_value));
    assert_eq!(converted.place.input_price_year, 2023);
    assert!(f > 1.1 && f < 1.13, "{f}");
}
