//! Fits placesim's emulators to a few designs and writes, for each, the
//! design, the outputs, the fitted hyperparameters and the emulator's
//! predictions at new points, so that the system tests can fit
//! scikit-learn's `GaussianProcessRegressor` with the same kernel and
//! fixed hyperparameters to the same numbers and compare
//! (scripts/check_emulator.py). No model runs.
//!
//! Usage: `cargo run --release -p placesim-calibration --example sklearn_layout -- DIR`

use placesim_calibration::emulator::Emulator;
use placesim_calibration::space;
use placesim_core::rng::{Purpose, Stream};
use serde_json::json;

/// A design, its outputs and the noise variance the emulator is told of.
struct Case {
    name: &'static str,
    x: Vec<Vec<f64>>,
    y: Vec<f64>,
    noise: f64,
}

fn smooth(p: &[f64]) -> f64 {
    (3.0 * p[0]).sin() + p[1] * p[1]
}

/// An output shaped like a wave's: on a rate's scale (per 1,000
/// residents), driven by a few of twelve inputs, one interaction.
fn rate(p: &[f64]) -> f64 {
    80.0 + 25.0 * p[0] + 10.0 * (4.0 * p[3]).sin() + 15.0 * p[5] * p[7] + 3.0 * p[11] * p[11]
}

fn cases() -> Vec<Case> {
    let mut rng = Stream::new(5, Purpose::Design, 0, 9);
    let x3 = space::uniform(40, 3, 1);
    let smooth_y = x3.iter().map(|p| smooth(p)).collect();
    let x3n = space::uniform(60, 3, 2);
    let noisy_y = x3n.iter().map(|p| smooth(p) + 0.1 * rng.normal()).collect();
    let x12 = space::uniform(60, 12, 3);
    // Ten replicates' mean of runs with sd 4: noise variance 16 / 10.
    let wave_y = x12
        .iter()
        .map(|p| rate(p) + (1.6f64).sqrt() * rng.normal())
        .collect();
    vec![
        Case {
            name: "smooth",
            x: x3,
            y: smooth_y,
            noise: 0.0,
        },
        Case {
            name: "noisy",
            x: x3n,
            y: noisy_y,
            noise: 0.01,
        },
        Case {
            name: "wave",
            x: x12,
            y: wave_y,
            noise: 1.6,
        },
    ]
}

fn main() -> std::io::Result<()> {
    let Some(dir) = std::env::args().nth(1).map(std::path::PathBuf::from) else {
        eprintln!("usage: sklearn_layout DIR");
        std::process::exit(2);
    };
    std::fs::create_dir_all(&dir)?;
    for case in cases() {
        let e = Emulator::fit(&case.x, &case.y, case.noise).expect("the emulator fits");
        let dims = e.dims();
        // New points, and the training points themselves (where the nugget shows).
        let mut test = space::uniform(200, dims, 17);
        test.extend(case.x.iter().take(20).cloned());
        let pred = e.predict(&test);
        let doc = json!({
            "name": case.name,
            "x": case.x,
            "y": case.y,
            "length_scales": e.length_scales(),
            "process_variance": e.process_variance(),
            "nugget": e.nugget(),
            "prior_mean": e.prior_mean(),
            "test": test,
            "mean": pred.iter().map(|p| p.0).collect::<Vec<_>>(),
            "variance": pred.iter().map(|p| p.1).collect::<Vec<_>>(),
        });
        let text = serde_json::to_string_pretty(&doc).expect("numbers serialise");
        std::fs::write(dir.join(format!("{}.json", case.name)), text)?;
    }
    Ok(())
}
