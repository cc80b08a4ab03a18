//! The posterior after history matching (`placesim_calibration::posterior`):
//! ABC in generations inside the final NROY, first on the last wave's
//! emulators (no runs), then on the model's runs at draws of the emulators'
//! posterior, into `DIR/posterior-runs/` (a design like a wave's).

use super::stage::{Halt, Runner, Stage};
use super::Wave;
use placesim_calibration::implausibility::Target as Matched;
use placesim_calibration::posterior::{effective_size, two_stage, Generation};
use placesim_results::calibration::GenerationRow;
use placesim_scenario::uncertainty::Uncertain;

/// What the posterior step gives back: the last generation, its particles'
/// run means (particle × target), and a row per generation.
pub struct Posterior {
    pub last: Generation,
    pub outputs: Vec<Vec<f64>>,
    pub rows: Vec<GenerationRow>,
}

/// Everything the posterior step needs from the calibration.
pub struct Setup<'a> {
    pub runner: &'a Runner<'a>,
    pub matched: &'a [Matched],
    pub waves: &'a [Wave],
    pub seed: u64,
    pub replicates: u32,
    /// The share of one run's variance that the observed figure's chance variation is.
    pub realisation_scale: f64,
}

/// The folder of the posterior's runs.
pub const POSTERIOR_RUNS: &str = "posterior-runs";

/// The posterior (`placesim_calibration::posterior::two_stage`): the
/// emulators' sampler, then the model run at its particles into
/// `DIR/posterior-runs/`; a row of `generations.csv` for each round and for the runs.
pub fn run(s: &Setup, first: Vec<Vec<f64>>, particles: usize) -> Result<Posterior, Halt> {
    let result = two_stage(
        first,
        s.waves,
        s.matched,
        particles,
        s.replicates as usize,
        s.realisation_scale,
        s.seed ^ 0xab5,
        |points| {
            s.runner.runs(&Stage {
                name: POSTERIOR_RUNS,
                points,
                replicates: s.replicates,
                seed: s.seed ^ 0xd1b5_4a32_d192_ed03,
                label: "posterior runs",
            })
        },
    )?;
    let mut rows: Vec<GenerationRow> = result
        .rounds
        .iter()
        .enumerate()
        .map(|(k, r)| GenerationRow {
            generation: k as u32 + 1,
            stage: "emulators".to_string(),
            particles: result.emulator_particles as u64,
            runs: 0,
            effective_size: r.effective_size,
            temperature: r.temperature,
            accepted: r.accepted,
        })
        .collect();
    rows.push(GenerationRow {
        generation: rows.len() as u32 + 1,
        stage: "runs".to_string(),
        particles: result.last.points.len() as u64,
        runs: (result.last.points.len() * s.replicates as usize) as u64,
        effective_size: effective_size(&result.last.weights),
        temperature: result.last.temperature,
        accepted: f64::NAN,
    });
    if !s.runner.quiet {
        for r in &rows {
            eprintln!(
                "posterior {} ({}): {} particles; temperature {:.2}; effective sample size {:.1}{}",
                r.generation,
                r.stage,
                r.particles,
                r.temperature,
                r.effective_size,
                if r.accepted.is_nan() {
                    String::new()
                } else {
                    format!("; {:.0} % of moves accepted", 100.0 * r.accepted)
                }
            );
        }
    }
    Ok(Posterior {
        last: result.last,
        outputs: result.means,
        rows,
    })
}

/// `posterior.csv`: `member,weight,KEY…` with each particle's parameter values.
pub fn csv(last: &Generation, uncertain: &[Uncertain]) -> Vec<u8> {
    let mut text = String::from("member,weight");
    for u in uncertain {
        text.push(',');
        text.push_str(&u.key);
    }
    text.push('\n');
    for (i, (p, w)) in last.points.iter().zip(&last.weights).enumerate() {
        text.push_str(&format!("{i},{w}"));
        for (&x, u) in p.iter().zip(uncertain) {
            text.push_str(&format!(",{}", u.distribution.quantile(x)));
        }
        text.push('\n');
    }
    text.into_bytes()
}
