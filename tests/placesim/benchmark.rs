//! `placesim benchmark` as a user runs it, on a small definition (two
//! places, three shipped strategies and one of the user's, four replicates
//! of a small place) so that it takes seconds: the scores are there and
//! repeat to the byte whatever the threads, a changed definition is refused
//! on resume, and bad strategies, places and horizons are refused with
//! exit 2 naming the file and line.

use crate::determinism::{bin, scratch};
use std::path::{Path, PathBuf};

const DEFINITION: &str = r#"name = "small-benchmark"
description = "A small benchmark for the tests."
version = 1
places = ["default-place", "rural-county"]
strategies = ["silos", "single-front-door", "total-place-phased"]
reference = "silos"
replicates = 4
seed = 11
horizons_years = [1, 3]
score = "net_monetary_benefit"
outcomes = ["net_monetary_benefit", "crisis_events", "total_spend"]

[set]
"place.population" = 1_500
"place.warmup_weeks" = 156
"place.weeks" = 156
"output.every_weeks" = 52

[[satisficing]]
outcome = "crisis_events"
max_change = 0.0
"#;

const MINE: &str = r#"name = "my-lighter-burden"
description = "Reporting burden halved."
evidence = "A test."

[set]
"barriers.frontline_burden.strength" = 0.5

[scale]
"agencies.gp.capacity_per_week" = 1.1
"#;

fn files(dir: &Path) -> (PathBuf, PathBuf) {
    std::fs::create_dir_all(dir).unwrap();
    let def = dir.join("benchmark.toml");
    std::fs::write(&def, DEFINITION).unwrap();
    let mine = dir.join("mine.toml");
    std::fs::write(&mine, MINE).unwrap();
    (def, mine)
}

fn benchmark(def: &Path, out: &Path, extra: &[&str]) -> std::process::Output {
    bin()
        .arg("benchmark")
        .arg("--definition")
        .arg(def)
        .arg("--out")
        .arg(out)
        .arg("--quiet")
        .args(extra)
        .output()
        .unwrap()
}

const SCORES: [&str; 6] = [
    "leaderboard.csv",
    "effects.csv",
    "horizons.csv",
    "regret.csv",
    "satisficing.csv",
    "report.html",
];

fn read(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn a_benchmark_scores_every_strategy_and_repeats_to_the_byte() {
    let dir = scratch("benchmark");
    let (def, mine) = files(&dir);
    let out = dir.join("out");
    let mine_arg = mine.to_str().unwrap();
    let o = benchmark(&def, &out, &[mine_arg, "--threads", "2"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // Four strategies ranked, each with an interval that holds its rank.
    let board = read(&out, "leaderboard.csv");
    let header: Vec<&str> = board.lines().next().unwrap().split(',').collect();
    let col = |n: &str| header.iter().position(|h| *h == n).unwrap();
    let rows: Vec<Vec<&str>> = board
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect())
        .collect();
    assert_eq!(rows.len(), 4, "{board}");
    for r in &rows {
        let (rank, lo, hi): (u32, u32, u32) = (
            r[col("rank")].parse().unwrap(),
            r[col("rank_low")].parse().unwrap(),
            r[col("rank_high")].parse().unwrap(),
        );
        assert!(lo <= rank && rank <= hi && hi <= 4, "{board}");
    }
    let silos = rows.iter().find(|r| r[col("strategy")] == "silos").unwrap();
    assert_eq!(silos[col("score_effect")], "0.0", "{board}");
    assert_eq!(silos[col("satisficed")], "1.0", "{board}");
    assert!(board.contains("my-lighter-burden"), "{board}");
    // Effects: 4 strategies x (2 places + pooled) x 3 outcomes; horizons
    // the same for 3 yearly outcomes at 2 horizons.
    assert_eq!(read(&out, "effects.csv").lines().count(), 1 + 4 * 3 * 3);
    assert_eq!(
        read(&out, "horizons.csv").lines().count(),
        1 + 2 * 4 * 3 * 3
    );
    let report = read(&out, "report.html");
    assert!(report.contains("<h2>Leaderboard</h2>") && report.contains("id=\"my-lighter-burden\""));
    // The user's scale: the GP's capacity x 1.1 of each place's own (the
    // rural county's 1,620, the default place's 1,800).
    for (place, scaled) in [("rural-county", 1782.0), ("default-place", 1980.0)] {
        let manifest = read(&out.join("places").join(place), "manifest.json");
        let squeezed: String = manifest.split_whitespace().collect();
        let key = "[\"agencies.gp.capacity_per_week\",";
        let at = squeezed
            .find(key)
            .unwrap_or_else(|| panic!("{place}: no scaled GP"));
        let rest = &squeezed[at + key.len()..];
        let value: f64 = rest[..rest.find(']').unwrap()].parse().unwrap();
        assert!(
            (value - scaled).abs() < 1e-6,
            "{place}: the GP's capacity is {value}, not {scaled}"
        );
    }
    let first: Vec<String> = SCORES.iter().map(|f| read(&out, f)).collect();
    // From scratch with one thread: the same bytes.
    let again = dir.join("again");
    let o = benchmark(&def, &again, &[mine_arg, "--threads", "1"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for (f, before) in SCORES.iter().zip(&first) {
        assert_eq!(&read(&again, f), before, "{f} differs with one thread");
    }
    // Resumed as it was: nothing to run, the same files; under another
    // definition (more replicates, or without the user's strategy): refused.
    let o = benchmark(&def, &out, &[mine_arg, "--resume"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(read(&out, "leaderboard.csv"), first[0]);
    for extra in [
        vec![mine_arg, "--resume", "--replicates", "5"],
        vec!["--resume"],
    ] {
        let o = benchmark(&def, &out, &extra);
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains("another definition"), "{stderr}");
    }
    // In two shards on two "machines", then merged: the same bytes. A
    // shard of another definition is refused by the merge.
    let halves: Vec<PathBuf> = (0..2).map(|k| dir.join(format!("shard-{k}"))).collect();
    for (k, half) in halves.iter().enumerate() {
        let shard = format!("{k}/2");
        let o = benchmark(&def, half, &[mine_arg, "--shard", &shard]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        assert!(!half.join("leaderboard.csv").exists(), "a shard scored");
    }
    let merged = dir.join("merged");
    let mut args = vec![mine_arg, "--merge"];
    args.extend(halves.iter().map(|h| h.to_str().unwrap()));
    let o = benchmark(&def, &merged, &args);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for (f, before) in SCORES.iter().zip(&first) {
        assert_eq!(
            &read(&merged, f),
            before,
            "{f} differs when merged from shards"
        );
    }
    // Merging into a folder that holds the shards is refused before
    // anything is removed, even with --force.
    let mut args = vec![mine_arg, "--force", "--merge"];
    args.extend(halves.iter().map(|h| h.to_str().unwrap()));
    let o = benchmark(&def, &dir, &args);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("inside --out"), "{stderr}");
    assert!(
        halves.iter().all(|h| h.join("benchmark.json").exists()),
        "a shard was removed"
    );
    let mut args = vec!["--merge"];
    args.extend(halves.iter().map(|h| h.to_str().unwrap()));
    let o = benchmark(&def, &dir.join("never"), &args);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("another definition"), "{stderr}");
    assert!(!dir.join("never").exists());
    let o = benchmark(
        &def,
        &dir.join("never"),
        &[mine_arg, "--merge", halves[0].to_str().unwrap()],
    );
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("shards 1 of 2 are missing"), "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// On a posterior ensemble of the default place: every place's replicates
/// draw members (runs.csv says which), each member's values carried to the
/// place as ratios to the default place's (the deprived city has 1.2 times
/// its beds, so a member's 200 beds become 240; the risk spread is the
/// same in both), and the hash covers the ensemble.
#[test]
fn a_benchmark_runs_on_a_posterior_ensemble_carried_to_each_place() {
    let dir = scratch("benchmark-ensemble");
    let (_, _) = files(&dir);
    let def = dir.join("deprived.toml");
    std::fs::write(
        &def,
        DEFINITION.replace(
            "[\"default-place\", \"rural-county\"]",
            "[\"deprived-city\"]",
        ),
    )
    .unwrap();
    let posterior = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/posterior.csv");
    let out = dir.join("out");
    let o = benchmark(&def, &out, &["--ensemble", posterior.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let json = read(&out, "benchmark.json");
    assert!(json.contains("posterior.csv"), "{json}");
    let runs = read(&out.join("places/deprived-city"), "runs.csv");
    assert!(
        runs.lines().next().unwrap().contains("ensemble_member"),
        "no ensemble_member column"
    );
    let manifest = read(&out.join("places/deprived-city"), "manifest.json");
    let squeezed: String = manifest.split_whitespace().collect();
    for member in ["[0.7,240.0]", "[1.2,384.0]", "[1.0,312.0]"] {
        assert!(
            squeezed.contains(&format!("\"values\":{member}")),
            "the deprived city's carried member {member}"
        );
    }
    let plain = dir.join("plain");
    let o = benchmark(&def, &plain, &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_ne!(
        read(&plain, "benchmark.json"),
        json,
        "the hash covers the ensemble"
    );
    assert_ne!(read(&plain, "effects.csv"), read(&out, "effects.csv"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_strategies_places_and_horizons_are_refused_naming_them() {
    let dir = scratch("benchmark-bad");
    let (def, _) = files(&dir);
    let refused = |extra: &[&str], def: &Path, wants: &[&str]| {
        let out = dir.join("never");
        let o = benchmark(def, &out, extra);
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{extra:?}: {stderr}");
        for w in wants {
            assert!(stderr.contains(w), "{extra:?}: wanted `{w}` in {stderr}");
        }
        assert!(!out.exists(), "{extra:?} wrote {}", out.display());
    };
    let strategy = |name: &str, text: &str| {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p.to_str().unwrap().to_string()
    };
    let typo = strategy(
        "typo.toml",
        "name = \"typo\"\ndescription = \"d\"\nevidence = \"e\"\n\n[set]\n\"barriers.frontline_burdn.strength\" = 0.5\n",
    );
    refused(&[&typo], &def, &["typo.toml:6", "frontline_burdn"]);
    let place = strategy(
        "place.toml",
        "name = \"place\"\ndescription = \"d\"\nevidence = \"e\"\n\n[set]\n\"place.population\" = 99\n",
    );
    refused(&[&place], &def, &["place.toml:6", "the benchmark's to set"]);
    let range = strategy(
        "range.toml",
        "name = \"range\"\ndescription = \"d\"\nevidence = \"e\"\n[set]\n\"barriers.frontline_burden.strength\" = 2\n",
    );
    refused(&[&range], &def, &["range.toml:5", "out of range"]);
    let nameless = strategy("nameless.toml", "description = \"d\"\nevidence = \"e\"\n");
    refused(&[&nameless], &def, &["nameless.toml", "name", "is missing"]);
    let twin = strategy(
        "twin.toml",
        "name = \"silos\"\ndescription = \"d\"\nevidence = \"e\"\n",
    );
    refused(&[&twin], &def, &["already in the benchmark"]);
    let scaled = strategy(
        "scaled.toml",
        "name = \"scaled\"\ndescription = \"d\"\nevidence = \"e\"\n\n[scale]\n\"place.weeks\" = 2\n",
    );
    refused(
        &[&scaled],
        &def,
        &["scaled.toml:6", "the benchmark's to set"],
    );
    let nested = strategy(
        "nested.toml",
        "name = \"nested\"\ndescription = \"d\"\nevidence = \"e\"\n\n[set]\nplace.weeks = 104\n",
    );
    refused(
        &[&nested],
        &def,
        &["nested.toml:6", "place.weeks", "the benchmark's to set"],
    );
    refused(
        &["--places", "atlantis"],
        &def,
        &["atlantis", "not a place"],
    );
    refused(
        &["no-such.toml"],
        &def,
        &["no-such.toml", "no such strategy file"],
    );
    let far = dir.join("far.toml");
    std::fs::write(&far, DEFINITION.replace("[1, 3]", "[1, 5]")).unwrap();
    refused(&[], &far, &["horizon 5 years", "3 counted years"]);
    let twice = dir.join("twice.toml");
    std::fs::write(
        &twice,
        DEFINITION.replace("\"rural-county\"]", "\"rural-county\", \"rural-county\"]"),
    )
    .unwrap();
    refused(&[], &twice, &["twice.toml:4", "already listed"]);
    let one = dir.join("one.toml");
    std::fs::write(&one, DEFINITION.replace("replicates = 4", "replicates = 1")).unwrap();
    refused(&[], &one, &["one.toml:7", "replicates", "2 to"]);
    let odd = dir.join("odd.toml");
    std::fs::write(
        &odd,
        DEFINITION.replace("score = \"net_monetary_benefit\"", "score = \"happiness\""),
    )
    .unwrap();
    refused(
        &[],
        &odd,
        &["odd.toml:10", "happiness", "not a run outcome"],
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// `placesim check` knows a strategy: it builds it on every place of the
/// built-in benchmark and prints what it sets on each (scaled values
/// resolved), or exits 2 naming the line, with nothing on stdout.
#[test]
fn check_builds_a_strategy_on_every_place() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let o = bin()
        .arg("check")
        .arg(root.join("strategies/social-prescribing.toml"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("a valid strategy `social-prescribing`"),
        "{out}"
    );
    // The deprived city's voluntary sector (250 x 1.2 = 300) x 1.25.
    assert!(
        out.contains("\"agencies.voluntary.capacity_per_week\":375.0"),
        "{out}"
    );
    let dir = scratch("check-strategy");
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.toml");
    std::fs::write(
        &bad,
        "name = \"bad\"\ndescription = \"d\"\nevidence = \"e\"\n\n[set]\n\"leadership.whole_systems_weigth\" = 1\n",
    )
    .unwrap();
    let o = bin().arg("check").arg(&bad).output().unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("bad.toml:6") && stderr.contains("whole_systems_weight"),
        "{stderr}"
    );
    assert!(o.stdout.is_empty());
    let _ = std::fs::remove_dir_all(&dir);
}
