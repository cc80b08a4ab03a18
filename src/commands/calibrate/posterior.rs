//! The posterior after history matching: ABC in generations inside the
//! final NROY (`placesim_calibration::posterior`), each generation's
//! particles run as a design like a wave's, into `DIR/posterior-G/`.

use super::{run_wave, Goal, Wave};
use crate::failure::Failure;
use placesim_calibration::implausibility::{usual_rank, Target as Matched, CUT};
use placesim_calibration::posterior::{effective_size, log_kernel, Generation};
use placesim_calibration::space::{not_ruled_out, uniform};
use placesim_results::calibration::GenerationRow;
use placesim_scenario::uncertainty::Uncertain;
use std::path::Path;

/// What the posterior step gives back: the last generation, its particles'
/// run means (particle × target), and a row per generation.
pub struct Posterior {
    pub last: Generation,
    pub outputs: Vec<Vec<f64>>,
    pub rows: Vec<GenerationRow>,
}

/// Everything the posterior step needs from the calibration.
pub struct Setup<'a> {
    pub sweep: &'a placesim_scenario::Sweep,
    pub uncertain: &'a [Uncertain],
    pub file: &'a str,
    pub goals: &'a [Goal],
    pub matched: &'a [Matched],
    pub waves: &'a [Wave],
    pub pool: &'a rayon::ThreadPool,
    pub out: &'a Path,
    pub seed: u64,
    pub replicates: u32,
    pub quiet: bool,
}

/// Up to `n` points drawn uniformly from NROY: the candidates not ruled out
/// (independent uniform draws, so any of them in order are a uniform sample
/// of NROY), then more uniform draws filtered by the waves, up to fifty
/// times the candidates' number.
pub fn uniform_in_nroy(
    kept: &[Vec<f64>],
    n: usize,
    candidates: usize,
    waves: &[Wave],
    seed: u64,
) -> Vec<Vec<f64>> {
    let mut found: Vec<Vec<f64>> = kept.iter().take(n).cloned().collect();
    let dims = kept
        .first()
        .map(Vec::len)
        .or_else(|| {
            waves
                .first()
                .and_then(|w| w.outputs.first())
                .map(|o| o.emulator.dims())
        })
        .unwrap_or(0);
    let mut batch_seed = seed;
    let mut drawn = 0;
    while found.len() < n && drawn < 50 * candidates {
        batch_seed = batch_seed.wrapping_add(0x5eed);
        let batch = uniform(candidates, dims, batch_seed);
        drawn += candidates;
        let alive = not_ruled_out(&batch, waves, usual_rank, CUT);
        found.extend(
            batch
                .into_iter()
                .zip(alive)
                .filter(|(_, a)| *a)
                .map(|(p, _)| p),
        );
    }
    found.truncate(n);
    found
}

/// Run the generations: the first from `first` (uniform in NROY), each
/// later one proposed from the last and kept inside NROY.
pub fn run(
    s: &Setup,
    first: Vec<Vec<f64>>,
    particles: usize,
    generations: u32,
) -> Result<Posterior, Failure> {
    let mut rows = Vec::new();
    let mut previous: Option<Generation> = None;
    let mut outputs = Vec::new();
    for g in 1..=generations {
        let points = match &previous {
            None => first.clone(),
            Some(prev) => prev.propose(
                particles,
                &prev.step(),
                |batch| not_ruled_out(batch, s.waves, usual_rank, CUT),
                s.seed ^ (0xab5 + g as u64),
            ),
        };
        if points.is_empty() {
            break;
        }
        let runs = run_wave(
            s.sweep,
            s.uncertain,
            s.file,
            &points,
            s.replicates,
            s.seed ^ (g as u64).wrapping_mul(0xd1b5_4a32_d192_ed03),
            &s.out.join(format!("posterior-{g}")),
            s.goals,
            s.pool,
            &format!("posterior generation {g}"),
            s.quiet,
        )?;
        let means: Vec<Vec<f64>> = runs
            .iter()
            .map(|reps| {
                (0..s.goals.len())
                    .map(|t| reps.iter().map(|r| r[t]).sum::<f64>() / reps.len() as f64)
                    .collect()
            })
            .collect();
        let kernels: Vec<f64> = means.iter().map(|m| log_kernel(m, s.matched)).collect();
        let generation = Generation::weigh(points, &kernels, previous.as_ref());
        let ess = effective_size(&generation.weights);
        rows.push(GenerationRow {
            generation: g,
            particles: generation.points.len() as u64,
            runs: (generation.points.len() * s.replicates as usize) as u64,
            effective_size: ess,
        });
        if !s.quiet {
            eprintln!(
                "posterior generation {g}: {} particles x {} replicates; effective sample size {ess:.1}",
                generation.points.len(),
                s.replicates
            );
        }
        outputs = means;
        previous = Some(generation);
    }
    Ok(Posterior {
        last: previous.unwrap_or(Generation {
            points: Vec::new(),
            weights: Vec::new(),
        }),
        outputs,
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
