//! Sweeps on a cluster: shards run as separate processes, merged into the
//! same bytes as one machine's run; missing shards named; the Slurm scripts.

use crate::batch::{assert_same, fixture, sweep};
use crate::determinism::{bin, scratch};
use std::path::Path;

fn merge(shards: &[&Path], out: &Path) -> std::process::Output {
    bin()
        .arg("merge")
        .args(shards)
        .arg("--out")
        .arg(out)
        .arg("--quiet")
        .output()
        .unwrap()
}

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

#[test]
fn four_shards_merged_equal_one_machine_and_a_missing_shard_is_named() {
    let root = scratch("shards");
    let whole = root.join("whole");
    let shards = root.join("shards");
    let merged = root.join("merged");
    assert!(sweep("small.sweep.toml", &whole, &[]).status.success());
    // Four separate processes, as four array tasks would be.
    let children: Vec<_> = (0..4)
        .map(|k| {
            bin()
                .arg("sweep")
                .arg(fixture("small.sweep.toml"))
                .args([
                    "--out",
                    shards.to_str().unwrap(),
                    "--quiet",
                    "--threads",
                    "1",
                ])
                .args(["--shard", &format!("{k}/4")])
                .spawn()
                .unwrap()
        })
        .collect();
    for mut c in children {
        assert!(c.wait().unwrap().success());
    }
    let dirs: Vec<_> = (0..4)
        .map(|k| shards.join(format!("shard-{k:04}-of-0004")))
        .collect();
    // Shard 2 "not yet run": merging names it, exits 1 and writes nothing.
    let held = root.join("held-back");
    std::fs::rename(&dirs[2], &held).unwrap();
    let present: Vec<&Path> = [0, 1, 3].iter().map(|&k| dirs[k].as_path()).collect();
    let o = merge(&present, &merged);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("missing shards of 4: 2 (shard-0002-of-0004)"),
        "{}",
        stderr(&o)
    );
    assert!(!merged.exists(), "nothing written");
    // A shard with an unfinished run: named too.
    std::fs::rename(&held, &dirs[2]).unwrap();
    let run = std::fs::read_dir(dirs[3].join("runs"))
        .unwrap()
        .flatten()
        .next()
        .unwrap()
        .path();
    let aside = root.join("aside");
    std::fs::rename(&run, &aside).unwrap();
    let all: Vec<&Path> = dirs.iter().map(|d| d.as_path()).collect();
    let o = merge(&all, &merged);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("1 runs not finished in shards [3]"),
        "{}",
        stderr(&o)
    );
    // Running that shard again resumes it (only the missing run).
    let o = bin()
        .arg("sweep")
        .arg(fixture("small.sweep.toml"))
        .args(["--out", shards.to_str().unwrap(), "--shard", "3/4"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("(1 run now)"));
    let _ = std::fs::remove_dir_all(&aside);
    // Now the merge succeeds and is byte for byte the one-machine sweep, charts and report included.
    let o = merge(&all, &merged);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_same(&whole, &merged);
    // Merging again (say after a resubmission) is allowed and changes nothing.
    let o = merge(&all, &merged);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_same(&whole, &merged);
    let _ = std::fs::remove_dir_all(root);
}

#[test]
fn shards_of_other_sweeps_or_splits_are_refused() {
    let root = scratch("shards-bad");
    let a = root.join("a");
    let b = root.join("b");
    for (k, dir, seed) in [(0, &a, "1"), (1, &a, "1"), (1, &b, "2")] {
        let o = sweep(
            "small.sweep.toml",
            dir,
            &["--shard", &format!("{k}/2"), "--seed", seed],
        );
        assert!(o.status.success(), "{}", stderr(&o));
    }
    let a0 = a.join("shard-0000-of-0002");
    let a1 = a.join("shard-0001-of-0002");
    let b1 = b.join("shard-0001-of-0002");
    let out = root.join("merged");
    for (shards, fragment) in [
        (vec![&a0, &b1], "is a shard of a different sweep"),
        (vec![&a0, &a0], "shard 0 of 2 is given twice"),
        (vec![&a0, &root], "is not a placesim results folder"),
    ] {
        let dirs: Vec<&Path> = shards.iter().map(|p| p.as_path()).collect();
        let o = merge(&dirs, &out);
        assert_eq!(o.status.code(), Some(2), "{fragment}: {}", stderr(&o));
        assert!(stderr(&o).contains(fragment), "{}", stderr(&o));
        assert!(!out.exists());
    }
    // The two halves of the same sweep do merge.
    let o = merge(&[a1.as_path(), a0.as_path()], &out);
    assert!(o.status.success(), "{}", stderr(&o));
    let _ = std::fs::remove_dir_all(&out);
    // A whole sweep's folder is not a shard.
    let whole = root.join("whole");
    assert!(sweep("small.sweep.toml", &whole, &[]).status.success());
    let o = merge(&[a0.as_path(), whole.as_path()], &out);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("not a shard"));
    // A shard's folder only resumes the same shard of the same split.
    let o = sweep("small.sweep.toml", &a, &["--shard", "0/2", "--seed", "2"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("different sweep"), "{}", stderr(&o));
    // Bad shard flags.
    for (extra, fragment) in [
        (vec!["--shard", "2/2"], "numbered 0 to 1"),
        (vec!["--shard", "x"], "K/N"),
        (vec!["--shard-from-env"], "neither SLURM_ARRAY_TASK_ID"),
        (
            vec!["--shard", "0/2", "--shard-from-env"],
            "cannot be used with",
        ),
    ] {
        let o = sweep("small.sweep.toml", &root.join("x"), &extra);
        assert_eq!(o.status.code(), Some(2), "{extra:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(fragment), "{extra:?}: {}", stderr(&o));
    }
    let _ = std::fs::remove_dir_all(root);
}

#[test]
fn shards_come_from_slurm_and_kubernetes_environments() {
    let root = scratch("shards-env");
    let run = |env: &[(&str, &str)], extra: &[&str]| {
        let mut c = bin();
        c.arg("sweep")
            .arg(fixture("small.sweep.toml"))
            .args([
                "--out",
                root.to_str().unwrap(),
                "--quiet",
                "--shard-from-env",
            ])
            .args(extra);
        for k in [
            "SLURM_ARRAY_TASK_ID",
            "SLURM_ARRAY_TASK_MIN",
            "SLURM_ARRAY_TASK_COUNT",
            "JOB_COMPLETION_INDEX",
        ] {
            c.env_remove(k);
        }
        c.envs(env.iter().copied()).output().unwrap()
    };
    let o = run(
        &[
            ("SLURM_ARRAY_TASK_ID", "11"),
            ("SLURM_ARRAY_TASK_MIN", "10"),
            ("SLURM_ARRAY_TASK_COUNT", "3"),
        ],
        &[],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(root.join("shard-0001-of-0003/manifest.json").is_file());
    let o = run(&[("JOB_COMPLETION_INDEX", "2")], &["--shards", "3"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(root.join("shard-0002-of-0003/manifest.json").is_file());
    let o = run(&[("JOB_COMPLETION_INDEX", "2")], &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--shards N"));
    let _ = std::fs::remove_dir_all(root);
}

#[test]
fn slurm_scripts_have_the_array_size_and_absolute_paths() {
    let root = scratch("slurm-scripts");
    let o = bin()
        .args(["slurm"])
        .arg(fixture("small.sweep.toml"))
        .args([
            "--shards",
            "5",
            "--out",
            root.to_str().unwrap(),
            "--time",
            "00:10:00",
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let array = std::fs::read_to_string(root.join("slurm/array.sbatch")).unwrap();
    assert!(array.contains("#SBATCH --array=0-4"));
    assert!(array.contains("--shard \"${SLURM_ARRAY_TASK_ID}/5\""));
    assert!(array.contains("#SBATCH --time=00:10:00"));
    assert!(array.contains(&format!("--out \"{}/shards\"", root.display())));
    assert!(array.contains(
        &fixture("small.sweep.toml")
            .canonicalize()
            .unwrap()
            .display()
            .to_string()
    ));
    let merge = std::fs::read_to_string(root.join("slurm/merge.sbatch")).unwrap();
    assert!(merge.contains("shards/shard-*-of-0005"));
    assert!(merge.contains(&format!("--out \"{}/results\"", root.display())));
    let submit = std::fs::read_to_string(root.join("slurm/submit.sh")).unwrap();
    assert!(submit.contains("--dependency=afterok:\"$array\" merge.sbatch"));
    assert!(root.join("slurm/logs").is_dir());
    for text in [&array, &merge, &submit] {
        assert!(
            !text.contains("@SHARDS@") && !text.contains("@OUT@"),
            "{text}"
        );
    }
    for (args, fragment) in [
        (vec!["--shards", "0"], "--shards"),
        (
            vec!["--shards", "2", "--time", "soon"],
            "not a valid Slurm time",
        ),
        (
            vec!["--shards", "2", "--partition", "a b"],
            "not a valid Slurm partition",
        ),
    ] {
        let o = bin()
            .arg("slurm")
            .arg(fixture("small.sweep.toml"))
            .args(&args)
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(fragment), "{args:?}: {}", stderr(&o));
    }
    let o = bin()
        .args(["slurm", "nowhere.sweep.toml", "--shards", "2"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(!array.contains("--ensemble"), "{array}");
    // On a posterior ensemble, every shard is given it; a bad one is refused first.
    let posterior = fixture("posterior.csv");
    let o = bin()
        .arg("slurm")
        .arg(fixture("small.sweep.toml"))
        .args([
            "--shards",
            "5",
            "--out",
            root.to_str().unwrap(),
            "--ensemble",
        ])
        .arg(&posterior)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let array = std::fs::read_to_string(root.join("slurm/array.sbatch")).unwrap();
    let canonical = posterior.canonicalize().unwrap();
    assert!(
        array.contains(&format!(
            "sweep \"{}\" --ensemble \"{}\" --shard",
            fixture("small.sweep.toml")
                .canonicalize()
                .unwrap()
                .display(),
            canonical.display()
        )),
        "{array}"
    );
    let bad = root.join("bad.csv");
    std::fs::write(&bad, "member,weight,citizens.risk_sigma\n0,0.5,0.9\n").unwrap();
    let o = bin()
        .arg("slurm")
        .arg(fixture("small.sweep.toml"))
        .args([
            "--shards",
            "2",
            "--out",
            root.join("other").to_str().unwrap(),
            "--ensemble",
        ])
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("weights sum to 0.5"), "{}", stderr(&o));
    assert!(!root.join("other").exists());
    let _ = std::fs::remove_dir_all(root);
}

#[test]
fn a_failed_run_in_a_shard_is_named_by_merge() {
    let root = scratch("shards-failed");
    let shards = root.join("shards");
    let merged = root.join("merged");
    for k in 0..2 {
        let o = sweep("small.sweep.toml", &shards, &["--shard", &format!("{k}/2")]);
        assert!(o.status.success(), "{}", stderr(&o));
    }
    // Run (variant 1, replicate 1) = run_id 5 is in shard 0: (1 × 3 + 1) mod 2 = 0.
    let s0 = shards.join("shard-0000-of-0002");
    std::fs::remove_dir_all(s0.join("runs/v0001-r000001")).unwrap();
    let blocker = s0.join("runs/.tmp-v0001-r000001");
    std::fs::write(&blocker, "in the way").unwrap();
    let o = sweep("small.sweep.toml", &shards, &["--shard", "0/2"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let s1 = shards.join("shard-0001-of-0002");
    let o = merge(&[s0.as_path(), s1.as_path()], &merged);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("failed runs: 5 ("), "{}", stderr(&o));
    assert!(!merged.exists());
    std::fs::remove_file(blocker).unwrap();
    assert!(sweep("small.sweep.toml", &shards, &["--shard", "0/2"])
        .status
        .success());
    let o = merge(&[s0.as_path(), s1.as_path()], &merged);
    assert!(o.status.success(), "{}", stderr(&o));
    let _ = std::fs::remove_dir_all(root);
}
