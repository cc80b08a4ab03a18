//! The posterior after history matching (`placesim_calibration::posterior`):
//! ABC in generations inside the final NROY, first on the last wave's
//! emulators (no runs), then on the model's runs at draws of the emulators'
//! posterior, into `DIR/posterior-runs/` (a design like a wave's).

use super::{run_wave, Goal, Wave};
use crate::failure::Failure;
use placesim_calibration::implausibility::{usual_rank, Target as Matched, CUT};
use placesim_calibration::posterior::{distance, effective_size, temper, Generation};
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
    /// The share of one run's variance that the observed figure's chance variation is.
    pub realisation_scale: f64,
    pub quiet: bool,
}

/// The folder of the posterior's runs.
pub const POSTERIOR_RUNS: &str = "posterior-runs";

/// The least effective sample size a generation keeps, as a share of its
/// particles: its likelihood is tempered until it does.
const MIN_ESS_SHARE: f64 = 0.5;

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

/// The most rounds of the emulators' stage.
const EMULATOR_ROUNDS: usize = 30;
/// Metropolis moves a particle makes each round.
const MOVES: usize = 20;
/// Particles of the emulator stage per particle run.
pub const EMULATOR_PARTICLES_PER_RUN: usize = 20;

/// The posterior in two stages. First the emulators: an adaptively
/// tempered sequential Monte Carlo sampler of `EMULATOR_PARTICLES_PER_RUN ×
/// particles` points from `first` (uniform in NROY) towards the last wave's
/// emulators' Gaussian likelihood on NROY. Then the model: `particles` of
/// those points, each distinct one run `replicates` times and weighed by
/// its runs' likelihood over the emulators' (the density it was drawn
/// from), tempered if need be.
pub fn run(s: &Setup, first: Vec<Vec<f64>>, particles: usize) -> Result<Posterior, Failure> {
    let Some(last_wave) = s.waves.last() else {
        return Err(Failure::Failed("no wave to build a posterior on".into()));
    };
    let mut rows = Vec::new();
    let tempered = temper(
        first,
        |batch| last_wave.squared_distances(batch),
        |batch| not_ruled_out(batch, s.waves, usual_rank, CUT),
        MIN_ESS_SHARE,
        MOVES,
        EMULATOR_ROUNDS,
        s.seed ^ 0xab5,
    );
    for r in &tempered.rounds {
        let row = GenerationRow {
            generation: rows.len() as u32 + 1,
            stage: "emulators".to_string(),
            particles: tempered.points.len() as u64,
            runs: 0,
            effective_size: r.effective_size,
            temperature: r.temperature,
            accepted: r.accepted,
        };
        if !s.quiet {
            eprintln!(
                "posterior round {} (emulators): {} particles; temperature {:.2}; {:.0} % of moves accepted",
                row.generation,
                row.particles,
                row.temperature,
                100.0 * r.accepted
            );
        }
        rows.push(row);
    }
    let (generation, distances) = (
        Generation {
            weights: vec![1.0; tempered.points.len()],
            points: tempered.points,
            temperature: tempered.temperature,
        },
        tempered.distances,
    );
    // The model's runs at `particles` of the emulators' particles (equally
    // weighted draws of their posterior), each distinct point once with its
    // multiplicity.
    let mut distinct: Vec<(usize, u32)> = Vec::new();
    for i in 0..particles.min(generation.points.len()) {
        match distinct
            .iter_mut()
            .find(|(j, _)| generation.points[*j] == generation.points[i])
        {
            Some((_, m)) => *m += 1,
            None => distinct.push((i, 1)),
        }
    }
    let points: Vec<Vec<f64>> = distinct
        .iter()
        .map(|&(i, _)| generation.points[i].clone())
        .collect();
    let runs = run_wave(
        s.sweep,
        s.uncertain,
        s.file,
        &points,
        s.replicates,
        s.seed ^ 0xd1b5_4a32_d192_ed03,
        &s.out.join(POSTERIOR_RUNS),
        s.goals,
        s.pool,
        "posterior runs",
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
    // Each particle's stochastic variance, from the last wave's emulators
    // of it, counted as the observed place's chance variation and the
    // error of a mean of `replicates` runs.
    let share = s.realisation_scale + 1.0 / s.replicates as f64;
    let spreads: Vec<Vec<f64>> = last_wave
        .outputs
        .iter()
        .map(|o| o.stochastic_vars(&points))
        .collect();
    let run_distances: Vec<f64> = means
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let extra: Vec<f64> = (0..m.len()).map(|t| spreads[t][i] * share).collect();
            distance(m, s.matched, &extra)
        })
        .collect();
    // Weights: the runs' likelihood over the emulators' (tempered at the
    // temperature their stage reached), times the multiplicity; tempered
    // again if that leaves too few particles counting.
    let corrections: Vec<f64> = run_distances
        .iter()
        .zip(&distinct)
        .map(|(&d_run, &(i, _))| d_run - distances[i] / generation.temperature)
        .collect();
    let log_q: Vec<f64> = distinct.iter().map(|&(_, m)| -(m as f64).ln()).collect();
    // Half of what the multiplicities alone allow (the effective size when
    // the runs are not counted at all).
    let total: f64 = distinct.iter().map(|&(_, m)| m as f64).sum();
    let shares: Vec<f64> = distinct.iter().map(|&(_, m)| m as f64 / total).collect();
    let allowed = effective_size(&shares) / distinct.len().max(1) as f64;
    let last = Generation::weigh_from(
        points,
        &corrections,
        &log_q,
        MIN_ESS_SHARE * allowed,
        f64::INFINITY,
    );
    let row = GenerationRow {
        generation: rows.len() as u32 + 1,
        stage: "runs".to_string(),
        particles: last.points.len() as u64,
        runs: (last.points.len() * s.replicates as usize) as u64,
        effective_size: effective_size(&last.weights),
        temperature: last.temperature,
        accepted: f64::NAN,
    };
    if !s.quiet {
        eprintln!(
            "posterior (runs): {} particles x {} replicates; temperature {:.2}; effective sample size {:.1}",
            row.particles, s.replicates, row.temperature, row.effective_size
        );
    }
    rows.push(row);
    Ok(Posterior {
        last,
        outputs: means,
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
