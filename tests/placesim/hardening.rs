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
            .args(["--population", "30000", "--weeks", "260", "--out"])
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

/// `--resume` finishes the sweep that was started, with the replicates,
/// seed and cadence its manifest records; only `--replicates N` grows it.
/// It says what it will do, and says nothing before refusing.
#[test]
fn resume_finishes_the_sweep_that_was_started() {
    use crate::batch::{fixture, sweep};
    let dir = scratch("resume-as-started");
    let runs_csv = |d: &Path| std::fs::read_to_string(d.join("runs.csv")).unwrap();
    let started = sweep(
        "small.sweep.toml",
        &dir,
        &["--replicates", "2", "--seed", "5", "--every", "4"],
    );
    assert!(
        started.status.success(),
        "{}",
        String::from_utf8_lossy(&started.stderr)
    );
    let before = runs_csv(&dir);
    assert_eq!(before.lines().count(), 1 + 3 * 2);
    // Killed before one run was stored.
    std::fs::remove_dir_all(dir.join("runs/v0001-r000001")).unwrap();
    let o = bin()
        .arg("sweep")
        .arg(fixture("small.sweep.toml"))
        .arg("--out")
        .arg(&dir)
        .arg("--resume")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{stderr}");
    assert!(
        stderr.contains("resuming small: 1 of 6 runs to go"),
        "{stderr}"
    );
    assert_eq!(runs_csv(&dir), before, "resume changed the sweep");
    let grown = sweep("small.sweep.toml", &dir, &["--resume", "--replicates", "3"]);
    assert!(
        grown.status.success(),
        "{}",
        String::from_utf8_lossy(&grown.stderr)
    );
    assert_eq!(runs_csv(&dir).lines().count(), 1 + 3 * 3);
    // A refused resume prints the error and nothing before it.
    let missing = dir.join("missing");
    let o = bin()
        .arg("sweep")
        .arg(fixture("small.sweep.toml"))
        .arg("--out")
        .arg(&missing)
        .arg("--resume")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("error: nothing to resume"), "{stderr}");
    assert!(!missing.exists());
    std::fs::remove_dir_all(&dir).unwrap();
}

/// One writer per folder: while a process holds a folder's lock, a sweep,
/// a resume, a forced sweep, a merge and a run into it are refused, naming
/// the holder's pid, and nothing in the folder changes; a lock file left by
/// a process that is gone does not block.
#[test]
fn a_second_writer_is_refused_while_the_first_holds_the_folder() {
    use crate::batch::{fixture, sweep, tree};
    let dir = scratch("one-writer");
    let out = dir.join("sweep");
    let o = sweep("small.sweep.toml", &out, &["--replicates", "1"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let before = tree(&out);
    // Another writer, as a running sweep would hold it.
    let holder = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .open(out.join(".lock"))
        .unwrap();
    holder.try_lock().unwrap();
    std::fs::write(out.join(".lock"), "4242\n").unwrap();
    let s = fixture("small.sweep.toml");
    let (s, o) = (s.to_str().unwrap(), out.to_str().unwrap());
    refuses(&["sweep", s, "--out", o, "--quiet", "--resume"], "pid 4242");
    refuses(&["sweep", s, "--out", o, "--quiet", "--force"], "pid 4242");
    refuses(&["run", "--weeks", "1", "--out", o, "--force"], "pid 4242");
    let shards = dir.join("shards");
    let shard = sweep(
        "small.sweep.toml",
        &shards,
        &["--replicates", "1", "--shard", "0/1"],
    );
    assert!(
        shard.status.success(),
        "{}",
        String::from_utf8_lossy(&shard.stderr)
    );
    let shard = shards.join("shard-0000-of-0001");
    refuses(
        &[
            "merge",
            shard.to_str().unwrap(),
            "--out",
            o,
            "--quiet",
            "--force",
        ],
        "pid 4242",
    );
    let mut after = tree(&out);
    assert_eq!(after.remove(".lock").as_deref(), Some(&b"4242\n"[..]));
    assert!(after == before, "a refused writer changed {o}");
    // Released (as when its process dies), the stale file does not block.
    drop(holder);
    let again = sweep("small.sweep.toml", &out, &["--resume"]);
    assert!(
        again.status.success(),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    assert!(
        !out.join(".lock").exists(),
        "a finished writer leaves its lock file"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Stored runs are checked against their `run.json` (seed and checksums)
/// when read back: a damaged run is run again on resume after saying so,
/// and merge names an edited, truncated or reseeded shard and writes nothing.
#[test]
fn damaged_or_edited_stored_runs_are_named_not_trusted() {
    use crate::batch::{fixture, sweep};
    let dir = scratch("damaged-runs");
    let whole = dir.join("whole");
    let o = sweep("small.sweep.toml", &whole, &["--replicates", "1"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let before = std::fs::read(whole.join("runs.csv")).unwrap();
    write(&whole.join("runs/v0000-r000000/outcomes.csv"), "garbage\n");
    let o = bin()
        .arg("sweep")
        .arg(fixture("small.sweep.toml"))
        .args(["--resume", "--out"])
        .arg(&whole)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{stderr}");
    assert!(stderr.contains("v0000-r000000/outcomes.csv"), "{stderr}");
    assert!(
        stderr.contains("resuming small: 1 of 3 runs to go"),
        "{stderr}"
    );
    assert_eq!(std::fs::read(whole.join("runs.csv")).unwrap(), before);

    let shards = dir.join("shards");
    let o = sweep(
        "small.sweep.toml",
        &shards,
        &["--replicates", "1", "--shard", "0/1"],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let shard = shards.join("shard-0000-of-0001");
    let merged = dir.join("merged");
    let (s, m) = (shard.to_str().unwrap(), merged.to_str().unwrap());
    let outcomes = shard.join("runs/v0001-r000000/outcomes.csv");
    let good = std::fs::read_to_string(&outcomes).unwrap();
    write(&outcomes, &good.replacen('1', "2", 1));
    refuses(
        &["merge", s, "--out", m, "--quiet"],
        "v0001-r000000/outcomes.csv",
    );
    write(&outcomes, &good);
    let series = shard.join("runs/v0002-r000000/timeseries.csv");
    let full = std::fs::read_to_string(&series).unwrap();
    write(&series, &full[..full.len() / 2]);
    refuses(
        &["merge", s, "--out", m, "--quiet"],
        "v0002-r000000/timeseries.csv",
    );
    write(&series, &full);
    let manifest = shard.join("manifest.json");
    let text = std::fs::read_to_string(&manifest).unwrap();
    write(
        &manifest,
        &text.replace("\"sweep_seed\": 99", "\"sweep_seed\": 98"),
    );
    refuses(&["merge", s, "--out", m, "--quiet"], "manifest.json");
    assert!(!merged.exists(), "a refused merge wrote {m}");
    write(&manifest, &text);
    let o = bin()
        .args(["merge", s, "--out", m, "--quiet"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(std::fs::read(merged.join("runs.csv")).unwrap(), before);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A run whose disk fills (a temporary file that is /dev/full) fails with
/// exit 1 naming the file, and leaves the folder as it found it: no
/// temporary files, no outputs.
#[test]
fn a_run_that_cannot_write_names_the_file_and_leaves_nothing() {
    let dir = scratch("disk-full");
    std::fs::create_dir_all(&dir).unwrap();
    std::os::unix::fs::symlink("/dev/full", dir.join(".tmp-timeseries.csv")).unwrap();
    let o = bin()
        .args([
            "run",
            "--weeks",
            "10",
            "--population",
            "300",
            "--force",
            "--out",
        ])
        .arg(&dir)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("timeseries.csv") && stderr.contains("No space"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    let left: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A sweep whose disk fills while it writes its results (here runs.csv, on
/// a resume that reassembles it) fails with exit 1 naming the file, and
/// leaves the folder exactly as it found it: no temporary files, every
/// stored run still there, so a later resume can finish.
#[test]
fn a_sweep_that_cannot_write_names_the_file_and_leaves_the_folder_as_it_was() {
    use crate::batch::{fixture, sweep, tree};
    let dir = scratch("sweep-disk-full");
    let o = sweep("small.sweep.toml", &dir, &["--replicates", "1"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    std::fs::remove_file(dir.join("runs.csv")).unwrap();
    let before = tree(&dir);
    let full = dir.join(".tmp-runs.csv");
    std::os::unix::fs::symlink("/dev/full", &full).unwrap();
    let o = bin()
        .arg("sweep")
        .arg(fixture("small.sweep.toml"))
        .arg("--out")
        .arg(&dir)
        .arg("--resume")
        .arg("--quiet")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("runs.csv") && stderr.contains("No space"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    // Checked before reading the tree: reading /dev/full never ends.
    assert!(
        std::fs::symlink_metadata(&full).is_err(),
        "the temporary file was left behind"
    );
    assert_eq!(
        tree(&dir).keys().collect::<Vec<_>>(),
        before.keys().collect::<Vec<_>>()
    );
    assert!(tree(&dir) == before, "the folder changed");
    let o = sweep("small.sweep.toml", &dir, &["--resume"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(dir.join("runs.csv").exists());
    std::fs::remove_dir_all(&dir).unwrap();
}
