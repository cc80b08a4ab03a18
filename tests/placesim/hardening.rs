//! What a user can get wrong, and faults the tool must survive: each case
//! ends with exit 2 and one clear line naming the file, folder or field,
//! nothing written, never a panic.

use crate::determinism::{bin, scratch};
use std::path::Path;

/// Run placesim with `args`; it must refuse with exit 2, one line naming
/// `fragment`, no panic, and write nothing into `out` (if given).
fn refuses(args: &[&str], fragment: &str) {
    let o = bin().args(args).output().unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{args:?}: {stderr}");
    assert!(stderr.contains(fragment), "{args:?}: {stderr}");
    assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
}

fn write(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap();
}

/// Devices and pipes are refused before they are opened, wherever a
/// scenario or sweep file is named (they never end, or never start).
#[test]
fn devices_and_pipes_are_not_scenario_files() {
    let dir = scratch("devices");
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join("out");
    let o = out.to_str().unwrap();
    refuses(&["check", "/dev/zero"], "not a regular file");
    refuses(&["run", "/dev/zero", "--out", o], "not a regular file");
    refuses(&["sweep", "/dev/zero", "--out", o], "not a regular file");
    let extends = dir.join("extends.toml");
    write(&extends, "extends = \"/dev/zero\"\n");
    refuses(&["check", extends.to_str().unwrap()], "not a regular file");
    let sweep = dir.join("s.sweep.toml");
    write(
        &sweep,
        "name = \"s\"\nbase = \"silos\"\nreplicates = 1\nbaseline = \"a\"\n[[variants]]\nname = \"a\"\nscenario = \"/dev/zero\"\n",
    );
    refuses(
        &["sweep", sweep.to_str().unwrap(), "--out", o],
        "not a regular file",
    );
    let fifo = dir.join("pipe.toml");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    assert!(made.is_ok_and(|s| s.success()), "mkfifo");
    refuses(&["check", fifo.to_str().unwrap()], "not a regular file");
    assert!(!out.exists(), "wrote {}", out.display());
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Every seed from 0 to 2^64 − 1 is accepted wherever a seed goes: a seed
/// read from the flagship's runs.csv reproduces that run's outcomes through
/// `run --seed`, `--set place.seed=` and a scenario file, and so does a seed
/// above TOML's integers (2^64 − 1, written as text in a file).
#[test]
fn seeds_from_runs_csv_and_beyond_toml_reproduce_their_runs() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let runs = std::fs::read_to_string(root.join("results/total-place/runs.csv")).unwrap();
    let mut lines = runs.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let row: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    assert_eq!(row[col("variant")], "silos");
    let dir = scratch("seeds");
    std::fs::create_dir_all(&dir).unwrap();
    let outcomes = [
        "total_spend",
        "crisis_events",
        "failure_demand_share",
        "mean_wellbeing",
    ];
    let summary_of = |way: &[String], out: &Path| -> serde_json::Value {
        let o = bin()
            .arg("run")
            .args(way)
            .args(["--population", "10000", "--weeks", "260", "--out"])
            .arg(out)
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "{way:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap()
    };
    for (k, seed) in [row[col("seed")].to_string(), u64::MAX.to_string()]
        .iter()
        .enumerate()
    {
        let file = dir.join(format!("seeded-{k}.toml"));
        write(
            &file,
            &format!("extends = \"silos.toml\"\n[place]\nseed = \"{seed}\"\n"),
        );
        let ways: [Vec<String>; 3] = [
            vec![
                "--preset".into(),
                "silos".into(),
                "--seed".into(),
                seed.clone(),
            ],
            vec![
                "--preset".into(),
                "silos".into(),
                "--set".into(),
                format!("place.seed={seed}"),
            ],
            vec![file.to_str().unwrap().into()],
        ];
        let summaries: Vec<serde_json::Value> = ways
            .iter()
            .enumerate()
            .map(|(i, way)| summary_of(way, &dir.join(format!("run-{k}-{i}"))))
            .collect();
        for (way, summary) in ways.iter().zip(&summaries) {
            assert_eq!(
                summary["seed"].as_u64().unwrap().to_string(),
                *seed,
                "{way:?}"
            );
            for outcome in outcomes {
                let expected = if k == 0 {
                    row[col(outcome)].parse::<f64>().unwrap()
                } else {
                    summaries[0][outcome].as_f64().unwrap()
                };
                assert_eq!(
                    summary[outcome].as_f64(),
                    Some(expected),
                    "{way:?}: {outcome}"
                );
            }
        }
    }
    refuses(
        &["run", "--seed", "18446744073709551616", "--weeks", "1"],
        "--seed",
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
