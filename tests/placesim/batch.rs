//! Sweeps: thread-count independence, kill and resume, adding replicates,
//! tidy CSVs, the paired comparison, rerun, folder rules and failure isolation.

use crate::determinism::{bin, scratch};
use crate::stats::mean_ci;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

pub fn sweep(file: &str, out: &Path, extra: &[&str]) -> Output {
    bin()
        .arg("sweep")
        .arg(fixture(file))
        .arg("--out")
        .arg(out)
        .arg("--quiet")
        .args(extra)
        .output()
        .unwrap()
}

/// Every file under `dir` except provenance.json (timing), by relative path.
pub fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(root, &p, out);
            } else if p.file_name().is_some_and(|n| n != "provenance.json") {
                out.insert(
                    p.strip_prefix(root).unwrap().display().to_string(),
                    std::fs::read(&p).unwrap(),
                );
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

pub fn assert_same(a: &Path, b: &Path) {
    let (ta, tb) = (tree(a), tree(b));
    assert_eq!(ta.keys().collect::<Vec<_>>(), tb.keys().collect::<Vec<_>>());
    for (k, v) in &ta {
        assert!(
            v == &tb[k],
            "{k} differs between {} and {}",
            a.display(),
            b.display()
        );
    }
}

#[test]
fn sweep_files_are_identical_with_1_2_and_4_threads() {
    let dirs: Vec<PathBuf> = ["1", "2", "4"]
        .iter()
        .map(|t| scratch(&format!("sweep-threads-{t}")))
        .collect();
    for (d, t) in dirs.iter().zip(["1", "2", "4"]) {
        let o = sweep("small.sweep.toml", d, &["--threads", t]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    assert_same(&dirs[0], &dirs[1]);
    assert_same(&dirs[0], &dirs[2]);
    dirs.iter().for_each(|d| drop(std::fs::remove_dir_all(d)));
}

/// Killed with SIGKILL at three moments (fixed delays), then resumed: the
/// files are byte-identical to an uninterrupted sweep.
#[test]
fn a_killed_sweep_resumes_to_identical_files() {
    let reference = scratch("kill-reference");
    assert!(sweep("kill.sweep.toml", &reference, &[]).status.success());
    // Kill after a given number of runs are stored, watched through the
    // folder (one thread, so runs are stored one by one): the kills land
    // part-way however fast or loaded the machine is. 24 runs in all.
    for (i, stored) in [1usize, 8, 16].into_iter().enumerate() {
        let dir = scratch(&format!("kill-{i}"));
        let mut child = bin()
            .arg("sweep")
            .arg(fixture("kill.sweep.toml"))
            .arg("--out")
            .arg(&dir)
            .args(["--quiet", "--threads", "1"])
            .spawn()
            .unwrap();
        while stored_runs(&dir) < stored && child.try_wait().unwrap().is_none() {
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        let _ = child.kill();
        let _ = child.wait();
        assert!(
            !dir.join("comparison.csv").exists(),
            "the sweep finished before the kill after {stored} runs"
        );
        let o = sweep("kill.sweep.toml", &dir, &["--resume"]);
        assert!(
            o.status.success(),
            "resume after {stored} runs: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert_same(&reference, &dir);
        let _ = std::fs::remove_dir_all(dir);
    }
    let _ = std::fs::remove_dir_all(reference);
}

/// Runs stored in a sweep's folder so far (complete run folders only).
fn stored_runs(dir: &Path) -> usize {
    std::fs::read_dir(dir.join("runs")).map_or(0, |entries| {
        entries
            .filter_map(Result::ok)
            .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
            .count()
    })
}

#[test]
fn adding_replicates_by_resume_equals_running_them_from_the_start() {
    let (grown, direct) = (scratch("grown"), scratch("direct"));
    assert!(sweep("small.sweep.toml", &grown, &["--replicates", "2"])
        .status
        .success());
    let o = sweep(
        "small.sweep.toml",
        &grown,
        &["--resume", "--replicates", "5"],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(sweep("small.sweep.toml", &direct, &["--replicates", "5"])
        .status
        .success());
    assert_same(&grown, &direct);
    let o = sweep(
        "small.sweep.toml",
        &grown,
        &["--resume", "--replicates", "3"],
    );
    assert_eq!(o.status.code(), Some(2), "replicates may only grow");
    let _ = std::fs::remove_dir_all(grown);
    let _ = std::fs::remove_dir_all(direct);
}

fn read_csv(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::ReaderBuilder::new()
        .flexible(false)
        .from_path(path)
        .unwrap();
    let header = r.headers().unwrap().iter().map(String::from).collect();
    let rows = r
        .records()
        .map(|x| x.unwrap().iter().map(String::from).collect())
        .collect();
    (header, rows)
}

/// runs.csv is strict CSV with one row per run in run order; comparison.csv's
/// paired CIs agree with ones computed here from runs.csv; rerun reproduces
/// a run's rows.
#[test]
fn runs_comparison_and_rerun_agree() {
    let dir = scratch("sweep-outputs");
    assert!(sweep("small.sweep.toml", &dir, &[]).status.success());
    let (header, rows) = read_csv(&dir.join("runs.csv"));
    assert_eq!(rows.len(), 12);
    assert_eq!(&header[..4], ["run_id", "variant", "replicate", "seed"]);
    assert!(header.contains(&"barriers.ring_fenced_budgets.strength".to_string()));
    for (i, r) in rows.iter().enumerate() {
        assert_eq!(r[0], i.to_string());
        assert_eq!(r[2], (i % 4).to_string());
        assert_eq!(
            r[3],
            rows[i % 4][3],
            "replicate r shares its seed across variants"
        );
    }
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (_, comparison) = read_csv(&dir.join("comparison.csv"));
    for variant in ["pooled", "total-place"] {
        for outcome in [
            "crisis_events",
            "failure_demand_share",
            "total_spend",
            "wellbeing_weeks_per_million",
        ] {
            let v: Vec<f64> = rows
                .iter()
                .filter(|r| r[1] == variant)
                .map(|r| r[col(outcome)].parse().unwrap())
                .collect();
            let b: Vec<f64> = rows
                .iter()
                .filter(|r| r[1] == "silos")
                .map(|r| r[col(outcome)].parse().unwrap())
                .collect();
            let d: Vec<f64> = v.iter().zip(&b).map(|(x, y)| x - y).collect();
            let (m, h) = mean_ci(&d);
            let row = comparison
                .iter()
                .find(|r| r[0] == variant && r[2] == outcome)
                .unwrap();
            let got: Vec<f64> = row[3..].iter().map(|x| x.parse().unwrap()).collect();
            assert_eq!(got[0], 4.0);
            let close =
                |a: f64, b: f64| (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1e-12) + 1e-12;
            assert!(
                close(got[3], m),
                "{variant} {outcome}: mean_diff {} vs {m}",
                got[3]
            );
            assert!(
                (got[6] - h).abs() <= 1e-3 * h.abs().max(1e-12),
                "{variant} {outcome}: half-width {} vs {h}",
                got[6]
            );
        }
    }
    // rerun of run 5 (pooled, replicate 1) gives the sweep's rows at the sampled weeks.
    let re = dir.join("rerun-5");
    let o = bin().arg("rerun").arg(&dir).arg("5").output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let (ts_header, ts) = read_csv(&dir.join("timeseries.csv"));
    let (re_header, re_rows) = read_csv(&re.join("timeseries.csv"));
    assert_eq!(&ts_header[1..], &re_header[..]);
    let sweep_rows: Vec<&[String]> = ts.iter().filter(|r| r[0] == "5").map(|r| &r[1..]).collect();
    let rerun_rows: Vec<&[String]> = re_rows
        .iter()
        .filter(|r| r[0].parse::<u32>().unwrap() % 2 == 0)
        .map(|r| &r[..])
        .collect();
    assert_eq!(sweep_rows, rerun_rows);
    let (_, ag) = read_csv(&dir.join("agencies.csv"));
    let (_, re_ag) = read_csv(&re.join("agencies.csv"));
    let sweep_ag: Vec<&[String]> = ag.iter().filter(|r| r[0] == "5").map(|r| &r[1..]).collect();
    let rerun_ag: Vec<&[String]> = re_ag
        .iter()
        .filter(|r| r[0].parse::<u32>().unwrap() % 2 == 0)
        .map(|r| &r[..])
        .collect();
    assert_eq!(sweep_ag, rerun_ag);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn results_folder_rules() {
    let dir = scratch("sweep-rules");
    assert!(sweep("small.sweep.toml", &dir, &["--replicates", "1"])
        .status
        .success());
    let o = sweep("small.sweep.toml", &dir, &["--replicates", "1"]);
    assert_eq!(o.status.code(), Some(2));
    let msg = String::from_utf8_lossy(&o.stderr);
    assert!(msg.contains("--resume") && msg.contains("--force"), "{msg}");
    let o = sweep("kill.sweep.toml", &dir, &["--resume"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("different sweep"));
    assert_eq!(
        sweep("small.sweep.toml", &dir, &["--resume", "--force"])
            .status
            .code(),
        Some(2)
    );
    assert!(
        sweep("small.sweep.toml", &dir, &["--force", "--replicates", "1"])
            .status
            .success()
    );
    let o = bin().arg("rerun").arg(&dir).arg("99").output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    let o = bin()
        .arg("rerun")
        .arg(fixture(""))
        .arg("0")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let stranger = scratch("not-results");
    std::fs::create_dir_all(&stranger).unwrap();
    std::fs::write(stranger.join("notes.txt"), "mine").unwrap();
    assert_eq!(
        sweep("small.sweep.toml", &stranger, &["--force"])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        std::fs::read_to_string(stranger.join("notes.txt")).unwrap(),
        "mine"
    );
    let _ = std::fs::remove_dir_all(dir);
    let _ = std::fs::remove_dir_all(stranger);
}

/// A run that cannot be stored fails alone: the others finish, it is listed
/// in manifest.json, the exit code is 1; once the cause is gone, --resume
/// completes the sweep to the same files as an untroubled one.
#[test]
fn a_failed_run_is_isolated_and_recorded() {
    let (dir, reference) = (scratch("sweep-failure"), scratch("sweep-failure-ref"));
    assert!(sweep("small.sweep.toml", &reference, &[]).status.success());
    assert!(sweep("small.sweep.toml", &dir, &[]).status.success());
    std::fs::remove_dir_all(dir.join("runs/v0001-r000002")).unwrap();
    let blocker = dir.join("runs/.tmp-v0001-r000002");
    std::fs::write(&blocker, "in the way").unwrap();
    let o = sweep("small.sweep.toml", &dir, &["--resume"]);
    assert_eq!(o.status.code(), Some(1));
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["failed_runs"][0]["run_id"], 6);
    let (_, rows) = read_csv(&dir.join("runs.csv"));
    assert_eq!(rows.len(), 11);
    std::fs::remove_file(blocker).unwrap();
    assert!(sweep("small.sweep.toml", &dir, &["--resume"])
        .status
        .success());
    assert_same(&reference, &dir);
    let _ = std::fs::remove_dir_all(dir);
    let _ = std::fs::remove_dir_all(reference);
}

/// Every variant of a replicate continues its baseline's burn-in: the
/// warm-up rows of each variant's time series are the baseline's, byte for
/// byte (and differ between replicates), while the counted weeks differ
/// between variants, whose changes take effect at week 0 of them.
#[test]
fn every_variant_of_a_replicate_continues_its_baselines_burn_in() {
    let dir = scratch("shared-burn-in");
    let o = sweep("small.sweep.toml", &dir, &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let (header, rows) = read_csv(&dir.join("timeseries.csv"));
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (run, warm) = (col("run_id"), col("warmup"));
    let mut weeks: BTreeMap<(usize, String), Vec<Vec<String>>> = BTreeMap::new();
    for r in rows {
        let id: usize = r[run].parse().unwrap();
        let rest = r[run + 1..].to_vec();
        weeks.entry((id, r[warm].clone())).or_default().push(rest);
    }
    let warm_up = |id: usize| &weeks[&(id, "1".to_string())];
    let counted = |id: usize| &weeks[&(id, "0".to_string())];
    // Run ids are variant × 4 + replicate; the baseline (silos) is variant 0.
    for replicate in 0..4 {
        assert!(!warm_up(replicate).is_empty());
        for variant in 1..3 {
            let id = variant * 4 + replicate;
            assert_eq!(warm_up(id), warm_up(replicate), "run {id}");
            assert_ne!(counted(id), counted(replicate), "run {id}");
        }
    }
    assert_ne!(warm_up(0), warm_up(1));
    let _ = std::fs::remove_dir_all(dir);
}
