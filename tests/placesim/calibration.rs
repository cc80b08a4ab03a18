//! `placesim calibrate` as a user runs it, on a small place and three
//! targets so that two waves take seconds: a synthetic truth is kept in
//! NROY, the files are the same bytes on a rerun, and bad input is refused.

use crate::determinism::{bin, scratch};
use std::path::Path;

const SWEEP: &str = r#"name = "small-calibration"
base = "{BASE}"
replicates = 2
seed = 5
baseline = "silos"

[set]
"place.population" = 1_500
"place.weeks" = 104
"place.warmup_weeks" = 156
"output.every_weeks" = 104

[[variants]]
name = "silos"
scenario = "{BASE}"
"#;

const TARGETS: &str = r#"population = 57_690_300
population_source = "test: the population the rates stand for"

[targets.crises]
output = "acute.arrivals"
unit = "per_1000_residents_per_year"
value = 200.0
observation_sd = 10.0
observation = "test"
discrepancy_sd = 5.0
discrepancy = "test"
source = "test: the value is replaced by the truth's run"

[targets.gp]
output = "gp.arrivals"
unit = "per_1000_residents_per_year"
value = 200.0
observation_sd = 10.0
observation = "test"
discrepancy_sd = 5.0
discrepancy = "test"
source = "test"

[targets.failure]
output = "failure_demand_share"
unit = "share"
value = 0.5
observation_sd = 0.03
observation = "test"
discrepancy_sd = 0.01
discrepancy = "test"
source = "test"
"#;

fn files(dir: &Path) -> (std::path::PathBuf, std::path::PathBuf) {
    std::fs::create_dir_all(dir).unwrap();
    let base = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios/silos.toml")
        .display()
        .to_string()
        .replace('\\', "/");
    let sweep = dir.join("small.sweep.toml");
    std::fs::write(&sweep, SWEEP.replace("{BASE}", &base)).unwrap();
    let targets = dir.join("t.toml");
    std::fs::write(&targets, TARGETS).unwrap();
    (sweep, targets)
}

fn calibrate(sweep: &Path, targets: &Path, out: &Path, extra: &[&str]) -> std::process::Output {
    bin()
        .arg("calibrate")
        .arg(targets)
        .arg("--sweep")
        .arg(sweep)
        .args([
            "--parameters",
            "needs.recovery_rate,citizens.risk_sigma,needs.domains.health.base_hazard",
            "--waves",
            "2",
            "--points",
            "12",
            "--replicates",
            "2",
            "--candidates",
            "3000",
            "--particles",
            "20",
            "--truth",
            "needs.recovery_rate=0.02,citizens.risk_sigma=0.9,needs.domains.health.base_hazard=0.0045",
            "--quiet",
            "--out",
        ])
        .arg(out)
        .args(extra)
        .output()
        .unwrap()
}

/// The files a calibration writes from its runs, compared between runs.
const FILES: [&str; 7] = [
    "waves.csv",
    "emulators.csv",
    "targets.csv",
    "parameters.csv",
    "nroy.csv",
    "posterior.csv",
    "generations.csv",
];

fn read(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Two waves on a synthetic truth: the truth is never ruled out, NROY
/// shrinks or holds, each parameter's NROY range is within its prior, and
/// a second calibration from scratch writes the same bytes.
#[test]
fn a_synthetic_truth_stays_in_nroy_and_the_files_repeat() {
    let dir = scratch("calibrate");
    let (sweep, targets) = files(&dir);
    let out = dir.join("out");
    let o = calibrate(&sweep, &targets, &out, &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let waves = read(&out, "waves.csv");
    let rows: Vec<Vec<&str>> = waves
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect())
        .collect();
    assert!(!rows.is_empty(), "{waves}");
    let header: Vec<&str> = waves.lines().next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    for r in &rows {
        assert_eq!(r[col("truth_in_nroy")], "true", "{waves}");
        let trusted: u32 = r[col("trusted")].parse().unwrap();
        assert!(trusted >= 2, "too few emulators trusted to cut: {waves}");
    }
    // Stated in advance: two waves on three informative targets leave
    // under 80 % of the prior (a cut that ruled nothing out would not).
    let last: f64 = rows.last().unwrap()[col("nroy_fraction")].parse().unwrap();
    assert!(last > 0.0 && last < 0.8, "{waves}");
    let parameters = read(&out, "parameters.csv");
    assert_eq!(parameters.lines().count(), 1 + 3, "{parameters}");
    let p_header: Vec<&str> = parameters.lines().next().unwrap().split(',').collect();
    let covered = p_header.iter().position(|h| *h == "truth_covered").unwrap();
    assert!(
        parameters
            .lines()
            .skip(1)
            .all(|l| l.split(',').nth(covered) == Some("true")),
        "{parameters}"
    );
    // The posterior: generations on the emulators, then one of runs at up
    // to 20 distinct particles; weights summing to 1, one column per
    // calibrated parameter.
    let generations = read(&out, "generations.csv");
    let stages: Vec<&str> = generations
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(1).unwrap())
        .collect();
    assert!(
        stages.len() >= 2 && stages[..stages.len() - 1].iter().all(|s| *s == "emulators"),
        "{generations}"
    );
    assert_eq!(stages.last(), Some(&"runs"), "{generations}");
    let posterior = read(&out, "posterior.csv");
    assert_eq!(
        posterior.lines().next().unwrap(),
        "member,weight,citizens.risk_sigma,needs.recovery_rate,needs.domains.health.base_hazard",
        "{posterior}"
    );
    let members = posterior.lines().count() - 1;
    assert!((2..=20).contains(&members), "{posterior}");
    let total: f64 = posterior
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(1).unwrap().parse::<f64>().unwrap())
        .sum();
    assert!((total - 1.0).abs() < 1e-9, "{posterior}");
    // Its charts and report: NROY by wave, targets, parameters, pairs.
    for chart in [
        "calibration-waves",
        "calibration-targets",
        "calibration-parameters",
        "calibration-pairs",
    ] {
        assert!(
            out.join("plots").join(format!("{chart}.png")).exists(),
            "{chart}.png missing"
        );
    }
    let report = read(&out, "report.html");
    assert!(
        report.contains("<h2>Waves</h2>") && report.contains("id=\"calibration-pairs\""),
        "report.html lacks its sections"
    );
    let first: Vec<String> = FILES.iter().map(|f| read(&out, f)).collect();
    let o = calibrate(&sweep, &targets, &out, &["--force"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for (f, before) in FILES.iter().zip(&first) {
        assert_eq!(&read(&out, f), before, "{f} differs on a rerun");
    }
    // Resumed with the same settings, nothing changes; with others, refused.
    let o = calibrate(&sweep, &targets, &out, &["--resume"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(read(&out, "nroy.csv"), first[4]);
    let o = calibrate(&sweep, &targets, &out, &["--resume", "--seed", "6"]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("made with other settings"), "{stderr}");
    let o = calibrate(&sweep, &targets, &out, &[]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("is not empty"), "{stderr}");

    // In two shards: each round, each shard runs its half of the next
    // stage (the truth, two waves, the posterior's runs); --resume then
    // merges them and writes the same bytes as the whole calibration.
    let sharded = dir.join("sharded");
    for round in 0..5 {
        for shard in ["0/2", "1/2"] {
            let o = calibrate(&sweep, &targets, &sharded, &["--shard", shard]);
            assert!(
                o.status.success(),
                "round {round}, shard {shard}: {}",
                String::from_utf8_lossy(&o.stderr)
            );
        }
        assert!(
            !sharded.join("waves.csv").exists(),
            "a shard wrote the results"
        );
    }
    let halves: Vec<usize> = ["shard-0000-of-0002", "shard-0001-of-0002"]
        .iter()
        .map(|s| {
            std::fs::read_dir(sharded.join("shards/wave-1").join(s).join("runs"))
                .map_or(0, |d| d.count())
        })
        .collect();
    assert_eq!(halves, [12, 12], "each shard runs half of wave 1's 24 runs");
    // Finishing before every shard is done is refused, naming the shards.
    let early = dir.join("early");
    let o = calibrate(&sweep, &targets, &early, &["--shard", "0/2"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = calibrate(&sweep, &targets, &early, &["--resume"]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("still missing"), "{stderr}");
    let o = calibrate(&sweep, &targets, &sharded, &["--resume"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for (f, whole) in FILES.iter().zip(&first) {
        assert_eq!(&read(&sharded, f), whole, "{f}: sharded differs from whole");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Bad parameters, truths and targets are refused with exit 2 and a
/// message naming what is wrong, before anything runs.
#[test]
fn bad_calibration_input_is_refused_naming_it() {
    let dir = scratch("calibrate-bad");
    let (sweep, targets) = files(&dir);
    let out = dir.join("out");
    for (extra, says) in [
        (
            vec!["--parameters", "needs.recovery_rat"],
            "`needs.recovery_rat` is not an uncertain parameter",
        ),
        (
            vec!["--truth", "citizens.risk_sigma=5"],
            "outside its range",
        ),
        (
            vec!["--truth", "place.qaly_value=1"],
            "is not a calibrated parameter",
        ),
        (
            vec!["--truth", "citizens.risk_sigma=x"],
            "`x` is not a number",
        ),
        (vec!["--truth", "citizens.risk_sigma"], "write KEY=VALUE"),
        (
            vec!["--truth", "citizens.risk_sigma=0.8,citizens.risk_sigma=0.9"],
            "is given twice",
        ),
        (
            vec![
                "--parameters",
                "citizens.risk_sigma,needs.recovery_rate,needs.shock_max,needs.domains.health.base_hazard,needs.domains.mental_health.base_hazard",
                "--points",
                "5",
            ],
            "at least the parameters plus 2",
        ),
    ] {
        let mut o = bin();
        o.arg("calibrate")
            .arg(&targets)
            .arg("--sweep")
            .arg(&sweep)
            .arg("--out")
            .arg(&out);
        if extra[0] != "--parameters" {
            o.args(["--parameters", "citizens.risk_sigma,needs.recovery_rate"]);
        }
        let o = o.args(&extra).output().unwrap();
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{extra:?}: {stderr}");
        assert!(stderr.contains(says), "{extra:?}: {stderr}");
        assert!(
            !out.join("waves.csv").exists(),
            "{extra:?} left output behind"
        );
    }
    let missing = bin()
        .args(["calibrate", "no-such-targets.toml", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&missing.stderr);
    assert_eq!(missing.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("no such file"), "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}
