//! The command line as a user meets it: help, default output folder, and bad
//! input (exit code 2, one clear message, nothing written).

use crate::determinism::{bin, scratch};
use std::path::Path;

fn fails_cleanly(args: &[&str], out: &Path, fragment: &str) {
    let o = bin().args(args).arg("--out").arg(out).output().unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{args:?}: {stderr}");
    assert!(stderr.contains(fragment), "{args:?}: {stderr}");
    assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    assert_eq!(
        stderr.trim_end().lines().count(),
        1,
        "{args:?}: one line, got {stderr}"
    );
}

#[test]
fn bad_input_exits_2_and_writes_nothing() {
    let out = scratch("bad-input");
    let cases: [(&[&str], &str); 9] = [
        (&["run", "--preset", "nowhere"], "no preset `nowhere`"),
        (&["run", "--population", "0"], "--population"),
        (&["run", "--population", "-5"], "--population"),
        (&["run", "--population", "99999999999"], "--population"),
        (&["run", "--weeks", "0"], "--weeks"),
        (&["run", "--ticks", "0"], "--weeks"),
        (&["run", "--seed", "twelve"], "--seed"),
        (&["run", "--threads", "0"], "--threads"),
        (&["run", "--frobnicate"], "unexpected argument"),
    ];
    for (args, fragment) in cases {
        fails_cleanly(args, &out, fragment);
        assert!(!out.exists(), "{args:?} wrote {}", out.display());
    }
    let file = scratch("a-file");
    std::fs::write(&file, "not a folder").unwrap();
    fails_cleanly(&["run", "--weeks", "2"], &file, "is a file");
    fails_cleanly(
        &["run", "--weeks", "2"],
        &file.join("below-a-file"),
        "cannot create output folder",
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "not a folder");
    let _ = std::fs::remove_file(file);
}

/// `placesim sweep NAME` runs a built-in sweep by the name `placesim
/// scenarios` lists; a bare name that is neither a file nor a built-in sweep
/// is refused with the built-in names.
#[test]
fn a_built_in_sweep_runs_by_name() {
    let out = scratch("built-in-by-name");
    let o = bin()
        .args([
            "sweep",
            "coupling-control",
            "--replicates",
            "1",
            "--quiet",
            "--out",
        ])
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let manifest = std::fs::read_to_string(out.join("manifest.json")).unwrap();
    assert!(manifest.contains("\"coupling-control\""), "{manifest}");
    let _ = std::fs::remove_dir_all(&out);
    fails_cleanly(
        &["sweep", "coupling-controls"],
        &out,
        "no built-in sweep of that name (built-in: total-place, barrier-factorial, pooling-and-targets, coupling-control, pooling-rules, leadership-and-targets, risk-concentration, lead-professional-price, learning, sensitivity, calibration, better-care-fund)",
    );
    assert!(!out.exists());
}

#[test]
fn a_non_empty_folder_needs_force() {
    let out = scratch("force");
    let args = [
        "run",
        "--population",
        "200",
        "--weeks",
        "3",
        "--warmup",
        "0",
    ];
    assert!(bin()
        .args(args)
        .arg("--out")
        .arg(&out)
        .status()
        .unwrap()
        .success());
    let before = std::fs::read(out.join("summary.json")).unwrap();
    fails_cleanly(&args, &out, "--force");
    assert_eq!(std::fs::read(out.join("summary.json")).unwrap(), before);
    assert!(bin()
        .args(args)
        .arg("--force")
        .arg("--out")
        .arg(&out)
        .status()
        .unwrap()
        .success());
    let no_temp = std::fs::read_dir(&out).unwrap().all(|e| {
        !e.unwrap()
            .file_name()
            .to_string_lossy()
            .starts_with(".tmp-")
    });
    assert!(no_temp, "temporary files left behind");
    let _ = std::fs::remove_dir_all(out);
}

#[test]
fn default_output_folder_is_named_after_preset_and_seed() {
    let cwd = scratch("cwd");
    std::fs::create_dir_all(&cwd).unwrap();
    let o = bin()
        .current_dir(&cwd)
        .args([
            "run",
            "--preset",
            "total-place",
            "--seed",
            "9",
            "--population",
            "200",
            "--weeks",
            "2",
            "--warmup",
            "0",
        ])
        .output()
        .unwrap();
    assert!(o.status.success());
    for f in [
        "summary.json",
        "timeseries.csv",
        "agencies.csv",
        "cost_shifting.csv",
    ] {
        assert!(cwd.join("out/total-place-seed9").join(f).is_file(), "{f}");
    }
    let summary = std::fs::read_to_string(cwd.join("out/total-place-seed9/summary.json")).unwrap();
    assert!(summary.contains("\"failure_demand_share\""));
    let _ = std::fs::remove_dir_all(cwd);
}

/// `--ticks`, the old name of `--weeks`, still works: the same run, the same files.
#[test]
fn ticks_is_another_name_for_weeks() {
    let run = |flag: &str| {
        let out = scratch(&format!("flag{flag}"));
        let o = bin()
            .args(["run", "--population", "200", "--warmup", "0", flag, "3"])
            .arg("--out")
            .arg(&out)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let summary = std::fs::read_to_string(out.join("summary.json")).unwrap();
        let _ = std::fs::remove_dir_all(out);
        summary
    };
    let weeks = run("--weeks");
    assert!(weeks.contains("\"weeks\": 3,"), "{weeks}");
    assert_eq!(run("--ticks"), weeks);
}

#[test]
fn help_shows_examples() {
    let o = bin().arg("--help").output().unwrap();
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("Examples:") && text.contains("placesim run"));
    let o = bin().args(["bench", "--help"]).output().unwrap();
    assert!(String::from_utf8_lossy(&o.stdout).contains("--population"));
}

/// `placesim serve` refuses bad input before it listens: exit 2, one line.
#[test]
fn serve_refuses_bad_input() {
    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = busy.local_addr().unwrap().port().to_string();
    let missing = scratch("serve-missing.toml");
    let cases: [(Vec<&str>, &str); 6] = [
        (vec!["serve", "--port", &port], "cannot listen on 127.0.0.1"),
        (vec!["serve", "--bind", "localhost-ish"], "--bind"),
        (vec!["serve", "--port", "70000"], "--port"),
        (vec!["serve", "--max-sessions", "0"], "--max-sessions"),
        (vec!["serve", "--max-population", "5"], "--max-population"),
        (
            vec!["serve", missing.to_str().unwrap()],
            "serve-missing.toml",
        ),
    ];
    for (args, fragment) in cases {
        let o = bin().args(&args).output().unwrap();
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(fragment), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
    drop(busy);
    let o = bin().args(["serve", "--help"]).output().unwrap();
    assert!(String::from_utf8_lossy(&o.stdout).contains("Examples:"));
}
