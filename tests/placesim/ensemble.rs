//! Sweeps on a posterior ensemble (`placesim sweep --ensemble FILE`): each
//! replicate draws one member, every variant of it runs with that member's
//! values; the same files whatever the threads, resumption or sharding;
//! bad posteriors refused with exit 2, naming what is wrong, writing nothing.

use crate::batch::{assert_same, fixture, sweep};
use crate::determinism::{bin, scratch};
use std::path::{Path, PathBuf};
use std::process::Output;

/// The fixture posterior: three members over `citizens.risk_sigma` and
/// `agencies.acute.beds.beds`, member 1 with weight 0.
const POSTERIOR: &str = "posterior.csv";
/// Each member's values, as the fixture has them.
const MEMBERS: [(f64, u32); 3] = [(0.7, 200), (1.2, 320), (1.0, 260)];

fn on_ensemble(out: &Path, posterior: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["--ensemble", posterior.to_str().unwrap()];
    args.extend_from_slice(extra);
    sweep("small.sweep.toml", out, &args)
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// runs.csv as a header and rows of cells.
fn runs(dir: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_path(dir.join("runs.csv")).unwrap();
    let header = r.headers().unwrap().iter().map(String::from).collect();
    let rows = r
        .records()
        .map(|x| x.unwrap().iter().map(String::from).collect())
        .collect();
    (header, rows)
}

fn manifest(dir: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap()
}

/// The member each replicate drew, as the manifest records it.
fn drawn(dir: &Path) -> Vec<u64> {
    manifest(dir)["ensemble"]["replicate_members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_u64().unwrap())
        .collect()
}

/// The small sweep's baseline run of one replicate, run alone by `placesim
/// run` at its seed with `set` overrides: its summary.json.
fn run_alone(seed: &str, set: &[String], out: &Path) -> serde_json::Value {
    let o = bin()
        .args(["run", "--preset", "silos", "--population", "600"])
        .args(["--weeks", "40", "--warmup", "13", "--seed", seed])
        .args(set.iter().flat_map(|s| ["--set", s.as_str()]))
        .arg("--out")
        .arg(out)
        .arg("--force")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap()
}

/// The outcomes of `row` that summary.json also holds at its top level, and
/// whether every one of them is the same number in both.
fn same_outcomes(header: &[String], row: &[String], summary: &serde_json::Value) -> bool {
    let mut compared = 0;
    for (name, cell) in header.iter().zip(row) {
        if let Some(x) = summary.get(name).and_then(|x| x.as_f64()) {
            if name == "seed" {
                continue;
            }
            compared += 1;
            if cell.parse::<f64>().unwrap() != x {
                return false;
            }
        }
    }
    assert!(compared >= 20, "only {compared} outcomes compared");
    true
}

/// Every variant of a replicate runs with the replicate's seed and member,
/// recorded in runs.csv and the manifest; a member of weight 0 is never
/// drawn; and the member's values are really what ran: the baseline's run
/// of each replicate is, outcome for outcome, `placesim run` at its seed
/// with the member's values set, and not the run without them.
#[test]
fn each_replicate_runs_every_variant_on_the_member_it_drew() {
    let dir = scratch("ensemble-sweep");
    let o = on_ensemble(&dir, &fixture(POSTERIOR), &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let (header, rows) = runs(&dir);
    assert_eq!(
        &header[..5],
        ["run_id", "variant", "replicate", "seed", "ensemble_member"]
    );
    let members = drawn(&dir);
    assert_eq!(members.len(), 4);
    assert!(!members.contains(&1), "member 1 has weight 0: {members:?}");
    assert!(
        members.contains(&0) && members.contains(&2),
        "both members with weight are drawn in 4 replicates of this seed: {members:?}"
    );
    let m = manifest(&dir);
    assert_eq!(m["ensemble"]["keys"][0], "citizens.risk_sigma");
    assert_eq!(m["ensemble"]["members"][1]["weight"], 0.0);
    assert_eq!(m["ensemble"]["members"][2]["values"][1], 260.0);
    assert_eq!(rows.len(), 12);
    for row in &rows {
        let r: usize = row[2].parse().unwrap();
        assert_eq!(row[3], rows[r][3], "run {}: the replicate's seed", row[0]);
        assert_eq!(row[4], members[r].to_string(), "run {}: its member", row[0]);
    }
    let scratch_run = scratch("ensemble-run-alone");
    for (r, row) in rows.iter().take(4).enumerate() {
        assert_eq!(row[1], "silos");
        let (sigma, beds) = MEMBERS[members[r] as usize];
        let set = [
            format!("citizens.risk_sigma={sigma}"),
            format!("agencies.acute.beds.beds={beds}"),
        ];
        let with = run_alone(&row[3], &set, &scratch_run);
        assert!(
            same_outcomes(&header, row, &with),
            "replicate {r}: the sweep's silos run is not `placesim run` with member {}'s values",
            members[r]
        );
        let without = run_alone(&row[3], &[], &scratch_run);
        assert!(
            !same_outcomes(&header, row, &without),
            "replicate {r}: the member's values made no difference"
        );
    }
    // Every variant continues the burn-in its baseline ran with the member:
    // its warm-up weeks are the baseline's, row for row.
    let mut ts = csv::Reader::from_path(dir.join("timeseries.csv")).unwrap();
    let warm = ts
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == "warmup")
        .unwrap();
    let mut warm_up: Vec<Vec<Vec<String>>> = vec![Vec::new(); 12];
    for rec in ts.records() {
        let rec = rec.unwrap();
        if &rec[warm] == "1" {
            let id: usize = rec[0].parse().unwrap();
            warm_up[id].push(rec.iter().skip(1).map(String::from).collect());
        }
    }
    for (id, rows) in warm_up.iter().enumerate() {
        assert!(!rows.is_empty(), "run {id}");
        assert_eq!(
            rows,
            &warm_up[id % 4],
            "run {id}: not its baseline's burn-in"
        );
    }
    // rerun rebuilds a variant's run with its replicate's member.
    let re = scratch("ensemble-rerun");
    let o = bin()
        .arg("rerun")
        .arg(&dir)
        .arg("6")
        .arg("--out")
        .arg(&re)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(re.join("summary.json")).unwrap()).unwrap();
    assert_eq!(rows[6][1], "pooled");
    assert!(same_outcomes(&header, &rows[6], &summary));
    // The charts and report read the folder; the report says which members ran.
    let o = bin().arg("plot").arg(&dir).output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let report = std::fs::read_to_string(dir.join("report.html")).unwrap();
    assert!(
        report.contains("3 members over citizens.risk_sigma, agencies.acute.beds.beds"),
        "{report}"
    );
    for d in [dir, scratch_run, re] {
        let _ = std::fs::remove_dir_all(d);
    }
}

/// The same files with 1 and 2 threads; growing the sweep by --resume keeps
/// every earlier replicate's member and equals the grown sweep run at once;
/// a folder is resumed only with the ensemble it was started with.
#[test]
fn an_ensemble_sweep_is_the_same_whatever_the_threads_and_grows_by_resume() {
    let posterior = fixture(POSTERIOR);
    let dirs: Vec<PathBuf> = ["1", "2"]
        .iter()
        .map(|t| scratch(&format!("ensemble-threads-{t}")))
        .collect();
    for (d, t) in dirs.iter().zip(["1", "2"]) {
        let o = on_ensemble(d, &posterior, &["--threads", t]);
        assert!(o.status.success(), "{}", stderr(&o));
    }
    assert_same(&dirs[0], &dirs[1]);
    let (grown, direct) = (scratch("ensemble-grown"), scratch("ensemble-direct"));
    let o = on_ensemble(&grown, &posterior, &["--replicates", "2"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let before = drawn(&grown);
    let o = on_ensemble(&grown, &posterior, &["--resume", "--replicates", "7"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let after = drawn(&grown);
    assert_eq!(after.len(), 7);
    assert_eq!(
        &after[..2],
        &before[..],
        "earlier replicates keep their members"
    );
    assert_eq!(&after[..4], &drawn(&dirs[0])[..]);
    assert!(!after.contains(&1), "{after:?}");
    let o = on_ensemble(&direct, &posterior, &["--replicates", "7"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_same(&grown, &direct);
    // Resumed without the ensemble, with another, or a plain folder with one: refused.
    let o = sweep("small.sweep.toml", &grown, &["--resume"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains(&format!(
            "was run on the ensemble {} (3 members over citizens.risk_sigma, agencies.acute.beds.beds); give --ensemble {} again to resume it",
            posterior.display(),
            posterior.display()
        )),
        "{}",
        stderr(&o)
    );
    let other = scratch("ensemble-other.csv");
    std::fs::write(
        &other,
        "member,weight,citizens.risk_sigma,agencies.acute.beds.beds\n0,0.5,0.7,200\n1,0.1,1.2,320\n2,0.4,1.0,260\n",
    )
    .unwrap();
    let o = on_ensemble(&grown, &other, &["--resume"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("whose member 1 has another weight or other values"),
        "{}",
        stderr(&o)
    );
    let plain = scratch("ensemble-plain");
    let o = sweep("small.sweep.toml", &plain, &["--replicates", "1"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = on_ensemble(&plain, &posterior, &["--resume"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("was run without an ensemble"),
        "{}",
        stderr(&o)
    );
    // The refusals left the folders as they were.
    assert_same(&grown, &direct);
    for d in dirs.into_iter().chain([grown, direct, plain, other]) {
        let _ = std::fs::remove_dir_all(&d);
        let _ = std::fs::remove_file(&d);
    }
}

/// Shards carry the ensemble and merge to the one-machine sweep, byte for byte.
#[test]
fn shards_of_an_ensemble_sweep_merge_to_the_same_files() {
    let root = scratch("ensemble-shards");
    let (whole, shards, merged) = (root.join("whole"), root.join("shards"), root.join("merged"));
    let posterior = fixture(POSTERIOR);
    assert!(on_ensemble(&whole, &posterior, &[]).status.success());
    for k in 0..3 {
        let o = on_ensemble(&shards, &posterior, &["--shard", &format!("{k}/3")]);
        assert!(o.status.success(), "{}", stderr(&o));
    }
    let o = bin()
        .arg("merge")
        .args((0..3).map(|k| shards.join(format!("shard-{k:04}-of-0003"))))
        .arg("--out")
        .arg(&merged)
        .arg("--quiet")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert_same(&whole, &merged);
    let _ = std::fs::remove_dir_all(root);
}

/// One bad posterior: exit 2, its message, nothing written, no panic.
fn refused(out: &Path, posterior: &Path, sweep_file: &str, want: &[&str]) {
    let o = bin()
        .arg("sweep")
        .arg(fixture(sweep_file))
        .arg("--ensemble")
        .arg(posterior)
        .arg("--out")
        .arg(out)
        .output()
        .unwrap();
    let text = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{want:?}: {text}");
    for w in want {
        assert!(text.contains(w), "want {w:?} in: {text}");
    }
    assert!(!text.contains("panicked"), "{text}");
    assert!(!out.exists(), "{want:?}: {} was written", out.display());
}

/// Each kind of bad posterior, and an ensemble with a sensitivity design,
/// exits 2 with a message naming the file, line, column or field and what
/// is allowed, and writes nothing.
#[test]
fn a_bad_posterior_exits_2_names_the_problem_and_writes_nothing() {
    let out = scratch("ensemble-bad-out");
    let file = scratch("ensemble-bad.csv");
    let name = file.display().to_string();
    let head = "member,weight,citizens.risk_sigma,agencies.acute.beds.beds\n";
    let cases: Vec<(String, Vec<String>)> = vec![
        ("".into(), vec![format!("{name}: is empty; allowed: a header `member,weight,KEY,...`")]),
        (head.into(), vec![format!("{name}: has a header but no members")]),
        (
            "weight,citizens.risk_sigma\n1,0.9\n".into(),
            vec![format!("{name}:1:1: has no `member` column")],
        ),
        (
            "member,wieght,citizens.risk_sigma\n0,1,0.9\n".into(),
            vec![format!("{name}:1:1: has no `weight` column"), "did you mean `wieght`?".into()],
        ),
        (
            "member,weight,citizens.risk_sigmaa\n0,1,0.9\n".into(),
            vec![format!("{name}:1:3: citizens.risk_sigmaa: is not a scenario key: no key `risk_sigmaa` in `citizens`; did you mean `citizens.risk_sigma`?")],
        ),
        (
            "member,weight,barriers.ring_fenced_budgets.strength\n0,1,0.5\n".into(),
            vec![format!("{name}:1:3: barriers.ring_fenced_budgets.strength: the sweep's variants differ by this key (`silos` 1.0, `pooled` 0.0, `total-place` 0.0)")],
        ),
        (
            "member,weight,place.seed\n0,1,5\n".into(),
            vec![format!("{name}:1:3: place.seed: is the seed the sweep gives each replicate")],
        ),
        (
            format!("{head}0,-0.5,0.9,280\n1,1.5,0.9,280\n"),
            vec![format!("{name}:2:2: weight: -0.5 is negative; allowed: a finite number at least 0 (the weights sum to 1)")],
        ),
        (
            format!("{head}0,NaN,0.9,280\n"),
            vec![format!("{name}:2:2: weight: NaN is not finite")],
        ),
        (
            format!("{head}0,half,0.9,280\n"),
            vec![format!("{name}:2:2: weight: `half` is not a number")],
        ),
        (
            format!("{head}0,0.5,0.9,280\n1,0.4,0.9,280\n"),
            vec![format!("{name}: weight: the 2 members' weights sum to 0.9; allowed: weights that sum to 1 (within 0.000001)")],
        ),
        (
            format!("{head}0,0.5,0.9,280\n2,0.5,0.9,280\n"),
            vec![format!("{name}:3:1: member: 2 where member 1 was expected; allowed: members numbered 0, 1, 2, … in the file's order")],
        ),
        (
            format!("{head}0,1,0.9\n"),
            vec![format!("{name}:2:1: has 3 fields where the header has 4")],
        ),
        (
            format!("{head}0,0.5,0.9,280\n1,0.5,-1,280\n"),
            vec![format!("{name}:3:3: citizens.risk_sigma: -1 is out of range; allowed 0 to 3 (member 1, in every variant)")],
        ),
    ];
    for (text, want) in &cases {
        std::fs::write(&file, text).unwrap();
        let want: Vec<&str> = want.iter().map(String::as_str).collect();
        refused(&out, &file, "small.sweep.toml", &want);
    }
    // A value one variant cannot take (its population outnumbers the
    // member's residents), named with that variant alone.
    std::fs::write(
        &file,
        "member,weight,place.residents\n0,0.5,700\n1,0.5,1000\n",
    )
    .unwrap();
    refused(
        &out,
        &file,
        "ensemble-populations.sweep.toml",
        &[
            &format!("{name}:2:1: place.population: 900 simulated citizens for 700 residents"),
            "(member 0, in variant `larger`)",
        ],
    );
    refused(
        &out,
        &fixture("nowhere.csv"),
        "small.sweep.toml",
        &["nowhere.csv: no such file"],
    );
    // A sensitivity design draws its own parameters.
    let o = bin()
        .args(["sensitivity", "--method", "morris", "--ensemble"])
        .arg(fixture(POSTERIOR))
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("a sensitivity design sets the uncertain parameters itself"),
        "{}",
        stderr(&o)
    );
    assert_eq!(stderr(&o).lines().count(), 1, "{}", stderr(&o));
    assert!(!out.exists());
    let _ = std::fs::remove_file(file);
}
