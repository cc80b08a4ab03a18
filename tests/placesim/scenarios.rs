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
    p.place.warmup_ticks = 2;
    p.place.ticks = 3;
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
                v.scenario.params.place.ticks
            ),
            (10_000, 260)
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
    for v in flagship.variants.into_iter().chain(factorial.variants) {
        run_a_few_weeks(v.scenario.params);
    }
    assert_eq!(SWEEPS.len(), 2);
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
    let at = plain.place.warmup_ticks + 50;
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

#[test]
fn the_default_place_file_reproduces_the_golden_run() {
    let out = scratch("golden-from-file");
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/default-place.toml");
    let o = bin()
        .arg("run")
        .arg(&file)
        .args([
            "--population",
            "500",
            "--ticks",
            "52",
            "--warmup",
            "13",
            "--seed",
            "3",
            "--out",
        ])
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

mod never_panics {
    use super::*;
    use proptest::prelude::*;

    fn load_text(name: &str, bytes: &[u8]) {
        let dir = scratch("proptest");
        let _ = std::fs::create_dir_all(&dir);
        let file = dir.join(name);
        std::fs::write(&file, bytes).unwrap();
        let _ = load_scenario(&file, &[]);
        let _ = load_sweep(&file);
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 200, rng_seed: proptest::test_runner::RngSeed::Fixed(7), ..ProptestConfig::default() })]

        #[test]
        fn random_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..400), json in any::<bool>()) {
            load_text(if json { "r.json" } else { "r.toml" }, &bytes);
        }

        #[test]
        fn mutated_presets(which in 0..SCENARIOS.len(), at in any::<prop::sample::Index>(), cut in 0usize..40, insert in "[ -~]{0,12}") {
            let text = SCENARIOS[which].text.as_bytes();
            let i = at.index(text.len());
            let mut mutated = text[..i].to_vec();
            mutated.extend_from_slice(insert.as_bytes());
            mutated.extend_from_slice(&text[(i + cut).min(text.len())..]);
            load_text(SCENARIOS[which].file, &mutated);
        }

        #[test]
        fn mutated_sweeps(which in 0..SWEEPS.len(), at in any::<prop::sample::Index>(), insert in "[ -~]{0,12}") {
            let text = SWEEPS[which].text.as_bytes();
            let i = at.index(text.len());
            let mut mutated = text[..i].to_vec();
            mutated.extend_from_slice(insert.as_bytes());
            mutated.extend_from_slice(&text[i..]);
            load_text(SWEEPS[which].file, &mutated);
        }
    }
}
