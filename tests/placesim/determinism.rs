//! Same scenario and seed → bit-identical outputs, whatever the thread count;
//! and the committed golden run still comes out byte for byte.

use crate::stats::default_place;
use placesim_core::World;
use std::path::{Path, PathBuf};
use std::process::Command;

pub fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_placesim"))
}

/// A fresh, empty temporary folder path (not created).
pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("placesim-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn rows_with_threads(threads: usize) -> Vec<String> {
    let mut p = default_place();
    p.place.population = 9_000; // several chunks, the last one partial
    p.place.weeks = 60;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    pool.install(|| {
        let mut w = World::new(p);
        let mut out = Vec::new();
        while !w.is_finished() {
            w.step();
            out.push(format!("{:?} {:?}", w.tick_row(), w.agency_rows()));
        }
        out.push(format!("{:?} {:?}", w.summary(), w.cost_shifting()));
        out
    })
}

#[test]
fn one_and_four_threads_give_identical_worlds() {
    assert_eq!(rows_with_threads(1), rows_with_threads(4));
}

fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    v.sort();
    v
}

fn run_cli(out: &Path, threads: &str) {
    let status = bin()
        .args([
            "run",
            "--population",
            "3000",
            "--weeks",
            "40",
            "--warmup",
            "13",
            "--seed",
            "5",
            "--threads",
            threads,
        ])
        .arg("--out")
        .arg(out)
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
}

#[test]
fn cli_files_are_byte_identical_with_1_and_4_threads() {
    let (a, b) = (scratch("threads1"), scratch("threads4"));
    run_cli(&a, "1");
    run_cli(&b, "4");
    let (fa, fb) = (files(&a), files(&b));
    assert_eq!(
        fa.iter().map(|f| &f.0).collect::<Vec<_>>(),
        [
            "agencies.csv",
            "cost_shifting.csv",
            "summary.json",
            "timeseries.csv"
        ]
    );
    assert!(fa == fb, "outputs differ between 1 and 4 threads");
    let _ = std::fs::remove_dir_all(a);
    let _ = std::fs::remove_dir_all(b);
}

/// The settings of the golden run, after `placesim run [SCENARIO]`.
pub const GOLDEN_ARGS: [&str; 8] = [
    "--population",
    "2500",
    "--weeks",
    "52",
    "--warmup",
    "13",
    "--seed",
    "3",
];

/// The golden run in `tests/golden/`: `placesim run --population 2500 --weeks 52
/// --warmup 13 --seed 3` (above the 2,000-citizen resolution floor of
/// docs/ODD.md §1.2, so that every agency's reserved capacity is at least a case). A change to the model that changes it must say why
/// in its commit; regenerate with `PLACESIM_BLESS=1 cargo test golden`.
#[test]
fn golden_run_is_reproduced_byte_for_byte() {
    let golden = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/silos-seed3");
    let out = scratch("golden");
    let status = bin()
        .arg("run")
        .args(GOLDEN_ARGS)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(status.status.success());
    if std::env::var_os("PLACESIM_BLESS").is_some() {
        let _ = std::fs::remove_dir_all(&golden);
        std::fs::create_dir_all(&golden).unwrap();
        for (name, bytes) in files(&out) {
            std::fs::write(golden.join(name), bytes).unwrap();
        }
    }
    let (got, want) = (files(&out), files(&golden));
    for ((gn, gb), (wn, wb)) in got.iter().zip(&want) {
        assert_eq!(gn, wn);
        assert!(gb == wb, "{gn} differs from the golden run");
    }
    assert_eq!(got.len(), want.len());
    let _ = std::fs::remove_dir_all(out);
}
