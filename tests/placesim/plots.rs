//! Charts and report from small fixture sweeps: every chart exists as valid
//! SVG and PNG of the same size, with its labels and one mark per variant;
//! identical data gives identical bytes; bad folders exit 2.

use crate::determinism::{bin, scratch};
use std::path::{Path, PathBuf};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn swept(file: &str, name: &str) -> PathBuf {
    let dir = scratch(name);
    let o = bin()
        .arg("sweep")
        .arg(fixture(file))
        .arg("--out")
        .arg(&dir)
        .arg("--quiet")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    dir
}

/// Width and height of an SVG (from its root element) and of a PNG (from IHDR).
fn svg_size(text: &str) -> (u32, u32) {
    let root = &text[text.find("<svg").expect("an <svg> element")..];
    let attr = |name: &str| -> u32 {
        let at = root.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
        root[at..].split('"').next().unwrap().parse().unwrap()
    };
    (attr("width"), attr("height"))
}

/// The text content of every <text> element.
fn texts(svg: &str) -> Vec<String> {
    svg.split("<text")
        .skip(1)
        .filter_map(|t| {
            Some(
                t.split_once('>')?
                    .1
                    .split("</text>")
                    .next()?
                    .trim()
                    .to_string(),
            )
        })
        .collect()
}

fn count(svg: &str, label: &str) -> usize {
    texts(svg).iter().filter(|t| *t == label).count()
}

fn png_size(bytes: &[u8]) -> (u32, u32) {
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "PNG signature");
    assert_eq!(&bytes[12..16], b"IHDR");
    let be = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    (be(&bytes[16..20]), be(&bytes[20..24]))
}

const CHARTS: [&str; 12] = [
    "distribution-total_spend",
    "distribution-crisis_events",
    "distribution-failure_demand_share",
    "distribution-net_monetary_benefit",
    "paired-effects",
    "fan-spend",
    "fan-crisis_events",
    "fan-failure_demand_share",
    "fan-mean_wellbeing",
    "adaptation",
    "cost-shifting",
    "efficiency",
];

#[test]
fn every_chart_is_drawn_with_its_labels() {
    let dir = swept("small.sweep.toml", "plots-small");
    let variants = ["silos", "pooled", "total-place"];
    for name in CHARTS {
        let svg = std::fs::read_to_string(dir.join("plots").join(format!("{name}.svg")))
            .unwrap_or_else(|e| panic!("{name}.svg: {e}"));
        let png = std::fs::read(dir.join("plots").join(format!("{name}.png"))).unwrap();
        assert!(svg.trim_end().ends_with("</svg>"), "{name}.svg is complete");
        let size = svg_size(&svg);
        assert_eq!(
            png_size(&png),
            size,
            "{name}: PNG and SVG of the stated size"
        );
        assert!(size.0 >= 1000 && size.1 >= 300, "{name}: {size:?}");
        assert!(png.len() > 10_000, "{name}.png has content");
    }
    let text = |name: &str| {
        std::fs::read_to_string(dir.join("plots").join(format!("{name}.svg"))).unwrap()
    };
    // One labelled row (distribution), legend entry (efficiency) and panel (fan) per variant.
    for chart in ["distribution-crisis_events", "efficiency", "fan-spend"] {
        let svg = text(chart);
        for v in variants {
            let label = if v == "silos" {
                "silos (baseline)".to_string()
            } else {
                v.to_string()
            };
            assert_eq!(count(&svg, &label), 1, "{chart}: `{label}` once");
        }
    }
    // Paired effects: every non-baseline variant once in each of the four panels.
    let forest = text("paired-effects");
    for v in ["pooled", "total-place"] {
        assert_eq!(count(&forest, v), 4, "paired-effects: {v}");
    }
    assert!(text("distribution-total_spend").contains("total spend, £m (present value)"));
    assert!(text("distribution-failure_demand_share").contains("failure demand, % of contacts"));
    assert_eq!(
        count(&text("cost-shifting"), "unattributed"),
        2,
        "one heatmap column each for baseline and contrast"
    );
    assert!(text("adaptation").contains("eligibility threshold"));
    let report = std::fs::read_to_string(dir.join("report.html")).unwrap();
    assert_eq!(report.matches("<figure").count(), CHARTS.len());
    assert!(report.contains("silos (baseline)") && report.contains("sweep hash"));
    assert!(
        !report.contains("src=") && !report.contains("href=\"http"),
        "report must work offline"
    );
    assert!(
        !dir.join("plots/factorial.svg").exists(),
        "no factorial chart for a sweep that is not one"
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn identical_data_gives_identical_charts() {
    let dir = swept("small.sweep.toml", "plots-twice");
    let read = |d: &Path| {
        let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(d.join("plots"))
            .unwrap()
            .flatten()
            .map(|e| {
                (
                    e.file_name().to_string_lossy().into_owned(),
                    std::fs::read(e.path()).unwrap(),
                )
            })
            .collect();
        files.push((
            "report.html".into(),
            std::fs::read(d.join("report.html")).unwrap(),
        ));
        files.sort();
        files
    };
    let first = read(&dir);
    assert!(bin()
        .arg("plot")
        .arg(&dir)
        .output()
        .unwrap()
        .status
        .success());
    assert!(first == read(&dir), "redrawing changed a chart");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_factorial_sweep_gets_main_effects_and_interactions() {
    let dir = swept("factorial.sweep.toml", "plots-factorial");
    let svg = std::fs::read_to_string(dir.join("plots/factorial.svg")).unwrap();
    assert!(svg.contains("main effect of lifting") && svg.contains("two-way interactions"));
    for barrier in ["ring fenced budgets", "function bound targets"] {
        assert_eq!(
            count(&svg, barrier),
            3,
            "{barrier}: one main-effect row, one interaction row and column"
        );
    }
    assert!(dir.join("plots/factorial.png").is_file());
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn bad_results_folders_exit_2_naming_the_problem() {
    let dir = swept("small.sweep.toml", "plots-bad");
    let plot = |d: &Path| bin().arg("plot").arg(d).output().unwrap();
    let o = plot(&fixture(""));
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no manifest.json"));
    let runs = std::fs::read(dir.join("runs.csv")).unwrap();
    std::fs::write(dir.join("runs.csv"), &runs[..runs.len() * 2 / 3]).unwrap();
    let o = plot(&dir);
    assert_eq!(o.status.code(), Some(2));
    let msg = String::from_utf8_lossy(&o.stderr);
    assert!(
        msg.contains("runs.csv") && (msg.contains("truncated") || msg.contains("not a number")),
        "{msg}"
    );
    std::fs::write(dir.join("runs.csv"), &runs).unwrap();
    std::fs::remove_file(dir.join("timeseries.csv")).unwrap();
    let o = plot(&dir);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("timeseries.csv is missing"));
    let o = plot(&dir.join("nowhere"));
    assert_eq!(o.status.code(), Some(2));
    let _ = std::fs::remove_dir_all(dir);
}
