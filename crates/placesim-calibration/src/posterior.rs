//! A weighted posterior inside NROY by approximate Bayesian computation
//! with a Gaussian synthetic likelihood (Wood 2010), in two stages
//! ([`two_stage`]): a sequential Monte Carlo sampler with adaptive
//! tempering and Metropolis moves (Del Moral, Doucet and Jasra 2006, 2012;
//! [`temper`]) on the last wave's emulators, which finds where the
//! posterior is without running the model; then the model run at the
//! sampler's particles, each weighed by its runs' likelihood over the
//! emulators' (importance weights, as ABC's are: Toni et al. 2009).
//!
//! The observation `z_t` is taken to be normal about the model's mean with
//! every variance the implausibility counts. On the emulators, `D` is the
//! sum of the squared implausibilities; on the runs, the runs' mean `y_t`
//! stands for the emulated mean and the error of a mean of `r` runs for the
//! emulator's variance (one run's stochastic variance times
//! `realisation_scale + 1/r`), `D = Σ_t (y_t − z_t)² / v_t`. The likelihood
//! is `exp(−D / 2)`; tempered, `exp(−D / 2τ)`, τ the least, at least 1,
//! that keeps the effective sample size at half the particles: τ = 1 is
//! the posterior itself, a larger τ a wider distribution short of it.

use crate::implausibility::{usual_rank, Target, CUT};
use crate::space::not_ruled_out;
use crate::wave::Wave;
use placesim_core::rng::{Purpose, Stream};

/// A particle's `D = Σ_t (y_t − z_t)² / v_t`: its runs' mean `y_t` against
/// each target, over the target's observation and discrepancy variances
/// plus `extra_var[t]` (the stochastic variance the particle's mean and the
/// observed place carry); +∞ where an output is not a number, or a variance
/// is 0 and the target is missed.
pub fn distance(outputs: &[f64], targets: &[Target], extra_var: &[f64]) -> f64 {
    outputs
        .iter()
        .zip(targets)
        .zip(extra_var)
        .map(|((&y, t), &extra)| {
            let v = t.observation_var + t.discrepancy_var + extra;
            let miss = y - t.observed;
            if !y.is_finite() {
                f64::INFINITY
            } else if v > 0.0 {
                miss * miss / v
            } else if miss == 0.0 {
                0.0
            } else {
                f64::INFINITY
            }
        })
        .map(|d| if d.is_nan() { f64::INFINITY } else { d })
        .sum()
}

/// Weights summing to 1 from log weights (a NaN weighs 0; all 0 when every
/// one is −∞ or NaN).
pub fn normalise(log_w: &[f64]) -> Vec<f64> {
    let top = log_w
        .iter()
        .copied()
        .filter(|l| !l.is_nan())
        .fold(f64::NEG_INFINITY, f64::max);
    if !top.is_finite() {
        return vec![0.0; log_w.len()];
    }
    let w: Vec<f64> = log_w
        .iter()
        .map(|&l| if l.is_nan() { 0.0 } else { (l - top).exp() })
        .collect();
    let sum: f64 = w.iter().sum();
    w.into_iter().map(|v| v / sum).collect()
}

/// Kish's effective sample size of normalised weights, `1 / Σ w²`.
pub fn effective_size(w: &[f64]) -> f64 {
    let s: f64 = w.iter().map(|v| v * v).sum();
    if s > 0.0 {
        1.0 / s
    } else {
        0.0
    }
}

/// The `q`-quantile of `values` under weights `w` (the least value whose
/// cumulative weight reaches `q`; NaN when the weights are all 0).
pub fn weighted_quantile(values: &[f64], w: &[f64], q: f64) -> f64 {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]).then(a.cmp(&b)));
    let total: f64 = w.iter().sum();
    if total <= 0.0 {
        return f64::NAN;
    }
    let mut acc = 0.0;
    for &i in &order {
        acc += w[i] / total;
        if acc >= q - 1e-12 {
            return values[i];
        }
    }
    order.last().map_or(f64::NAN, |&i| values[i])
}

/// The weighted mean and standard deviation of `values`.
pub fn weighted_mean_sd(values: &[f64], w: &[f64]) -> (f64, f64) {
    let total: f64 = w.iter().sum();
    if total <= 0.0 {
        return (f64::NAN, f64::NAN);
    }
    // A particle of weight 0 counts for nothing, even with a value that is not a number.
    let weighed = || values.iter().zip(w).filter(|(_, &w)| w > 0.0);
    let mean = weighed().map(|(v, w)| v * w).sum::<f64>() / total;
    let var = weighed()
        .map(|(v, w)| w * (v - mean) * (v - mean))
        .sum::<f64>()
        / total;
    (mean, var.sqrt())
}

/// A generation's particles (points of the unit cube) and their normalised weights.
#[derive(Clone, Debug, PartialEq)]
pub struct Generation {
    pub points: Vec<Vec<f64>>,
    pub weights: Vec<f64>,
    /// The temperature its likelihood was tempered by (1: untempered).
    pub temperature: f64,
}

impl Generation {
    /// Weigh `points` at distances `distances`, proposed with log densities
    /// `log_q`, by `exp(−D / 2τ)` × prior / proposal density (the prior is
    /// uniform on NROY, which every proposal is in), τ the least
    /// temperature, at least 1 and at most `ceiling` (the generation
    /// before's: tempering only comes down), that keeps the effective
    /// sample size at `min_ess_share` of the particles or more — or
    /// `ceiling` when none does. (Above the temperature the particles were
    /// drawn at, the weights tend to 1 / proposal density, and the effective
    /// size falls again: it is not monotone there.)
    pub fn weigh_from(
        points: Vec<Vec<f64>>,
        distances: &[f64],
        log_q: &[f64],
        min_ess_share: f64,
        ceiling: f64,
    ) -> Generation {
        let weights_at = |tau: f64| -> Vec<f64> {
            let log_w: Vec<f64> = distances
                .iter()
                .zip(log_q)
                .map(|(&d, &q)| -d / (2.0 * tau) - q)
                .collect();
            normalise(&log_w)
        };
        let want = min_ess_share * points.len() as f64;
        let enough = |tau: f64| effective_size(&weights_at(tau)) >= want;
        let temperature = if enough(1.0) {
            1.0
        } else {
            // Bisection on ln τ between 1 and a temperature that flattens
            // every finite distance.
            // A temperature a thousand times the finite distances' range
            // flattens them (they may be negative: a difference of two).
            let finite = distances.iter().copied().filter(|d| d.is_finite());
            let range = finite.clone().fold(f64::NEG_INFINITY, f64::max)
                - finite.fold(f64::INFINITY, f64::min);
            let top = if range.is_finite() {
                range.max(1.0)
            } else {
                1.0
            };
            let (mut lo, mut hi) = (0.0f64, (1e3 * top).min(ceiling).max(1.0).ln());
            if !enough(hi.exp()) {
                lo = hi;
            }
            for _ in 0..60 {
                let mid = 0.5 * (lo + hi);
                if enough(mid.exp()) {
                    hi = mid;
                } else {
                    lo = mid;
                }
            }
            hi.exp()
        };
        Generation {
            weights: weights_at(temperature),
            points,
            temperature,
        }
    }

    /// `n` of the particles drawn by weight (systematic resampling from
    /// `seed`), as indices: heavier particles may be drawn more than once.
    pub fn resample(&self, n: usize, seed: u64) -> Vec<usize> {
        let mut rng = Stream::new(seed, Purpose::Design, 3, 0xabc);
        let total: f64 = self.weights.iter().sum();
        if total <= 0.0 || n == 0 {
            return Vec::new();
        }
        let start = rng.unit_f64() / n as f64;
        let mut out = Vec::with_capacity(n);
        let (mut i, mut acc) = (0usize, self.weights[0] / total);
        for k in 0..n {
            let u = start + k as f64 / n as f64;
            while acc < u && i + 1 < self.weights.len() {
                i += 1;
                acc += self.weights[i] / total;
            }
            out.push(i);
        }
        out
    }
}

/// One round of [`temper`]: the temperature it came down to and the share
/// of its moves accepted.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Round {
    pub temperature: f64,
    /// The effective sample size of its incremental weights, before resampling.
    pub effective_size: f64,
    pub accepted: f64,
}

/// What [`temper`] ends with: equally weighted particles of
/// `exp(−D / 2τ)` on NROY, their distances, and each round.
pub struct Tempered {
    pub points: Vec<Vec<f64>>,
    pub distances: Vec<f64>,
    pub temperature: f64,
    pub rounds: Vec<Round>,
}

/// A sequential Monte Carlo sampler with adaptive tempering (Del Moral,
/// Doucet and Jasra 2006, 2012) from `points`, drawn uniformly on the
/// space `inside` accepts, towards `exp(−D / 2)` on it, `distance` giving
/// each point's `D`. Each round lowers the temperature as far as keeps the
/// effective sample size of the incremental weights
/// `exp(−D (1/τ′ − 1/τ) / 2)` at `min_ess_share` of the particles (to 1 if
/// it can), resamples them (systematic), and moves each by `moves`
/// Metropolis steps on `exp(−D / 2τ′)`: a normal step in each coordinate
/// (sd `2.38/√d` times the particles' sd there at first, Roberts, Gelman
/// and Gilks 1997; then 0.6 times as large after a sweep in which under a
/// fifth of the particles moved, 1.5 times after one in which over half
/// did), refused outside the cube or outside the space. It stops at τ = 1
/// (after that round's moves) or after `max_rounds` rounds.
pub fn temper(
    points: Vec<Vec<f64>>,
    distance: impl Fn(&[Vec<f64>]) -> Vec<f64>,
    inside: impl Fn(&[Vec<f64>]) -> Vec<bool>,
    min_ess_share: f64,
    moves: usize,
    max_rounds: usize,
    seed: u64,
) -> Tempered {
    let mut rng = Stream::new(seed, Purpose::Design, 4, 0xabc);
    let mut points = points;
    let mut d = distance(&points);
    let mut tau = f64::INFINITY;
    let mut rounds = Vec::new();
    let n = points.len();
    let dims = points.first().map_or(0, Vec::len);
    while tau > 1.0 && rounds.len() < max_rounds && n > 0 {
        let weights_at = |t: f64| -> Vec<f64> {
            let inv = 1.0 / t - if tau.is_finite() { 1.0 / tau } else { 0.0 };
            normalise(&d.iter().map(|&x| -x * inv / 2.0).collect::<Vec<_>>())
        };
        let want = min_ess_share * n as f64;
        let next = if effective_size(&weights_at(1.0)) >= want {
            1.0
        } else {
            // The effective size grows with τ′ up to τ: bisection on ln τ′.
            let top = d
                .iter()
                .copied()
                .filter(|x| x.is_finite())
                .fold(1.0, f64::max);
            let (mut lo, mut hi) = (0.0f64, (1e3 * top).min(tau).ln());
            for _ in 0..60 {
                let mid = 0.5 * (lo + hi);
                if effective_size(&weights_at(mid.exp())) >= want {
                    hi = mid;
                } else {
                    lo = mid;
                }
            }
            hi.exp()
        };
        let g = Generation {
            weights: weights_at(next),
            points: points.clone(),
            temperature: next,
        };
        let ess = effective_size(&g.weights);
        let picks = g.resample(n, seed ^ (0x100 + rounds.len() as u64));
        if picks.len() != n {
            // Every particle weighs 0 (no distance is finite): nothing to move.
            break;
        }
        points = picks.iter().map(|&i| g.points[i].clone()).collect();
        d = picks.iter().map(|&i| d[i]).collect();
        tau = next;
        let sd: Vec<f64> = (0..dims)
            .map(|j| {
                let v: Vec<f64> = points.iter().map(|p| p[j]).collect();
                weighted_mean_sd(&v, &vec![1.0; n]).1
            })
            .collect();
        let mut scale = 2.38 / (dims as f64).sqrt();
        let mut accepted = 0usize;
        for _ in 0..moves {
            let step: Vec<f64> = sd.iter().map(|s| (scale * s).max(0.002)).collect();
            let before = accepted;
            let proposed: Vec<Vec<f64>> = points
                .iter()
                .map(|p| {
                    p.iter()
                        .zip(&step)
                        .map(|(&x, &s)| x + s * rng.normal())
                        .collect()
                })
                .collect();
            let in_cube: Vec<bool> = proposed
                .iter()
                .map(|p| p.iter().all(|v| (0.0..=1.0).contains(v)))
                .collect();
            let candidates: Vec<Vec<f64>> = proposed
                .iter()
                .zip(&in_cube)
                .filter(|(_, c)| **c)
                .map(|(p, _)| p.clone())
                .collect();
            let ok = inside(&candidates);
            let dist = distance(&candidates);
            let mut k = 0;
            for i in 0..n {
                let u = rng.unit_f64();
                if !in_cube[i] {
                    continue;
                }
                let (keep, new_d) = (ok[k], dist[k]);
                k += 1;
                if keep && new_d.is_finite() && u.ln() < -(new_d - d[i]) / (2.0 * tau) {
                    points[i] = proposed[i].clone();
                    d[i] = new_d;
                    accepted += 1;
                }
            }
            // The step follows the population's acceptance, sweep by sweep:
            // smaller when under a fifth of moves are taken, larger over half.
            let rate = (accepted - before) as f64 / n as f64;
            if rate < 0.2 {
                scale *= 0.6;
            } else if rate > 0.5 {
                scale *= 1.5;
            }
        }
        rounds.push(Round {
            temperature: tau,
            effective_size: ess,
            accepted: accepted as f64 / (n * moves.max(1)) as f64,
        });
    }
    Tempered {
        points,
        distances: d,
        temperature: tau,
        rounds,
    }
}

/// The most rounds of the emulators' stage.
pub const EMULATOR_ROUNDS: usize = 30;
/// Metropolis moves a particle makes each round.
pub const MOVES: usize = 20;
/// Particles of the emulators' stage for each particle the model is run at.
pub const EMULATOR_PARTICLES_PER_RUN: usize = 20;
/// The least effective sample size a generation keeps, as a share of its
/// particles: its likelihood is tempered until it does.
pub const MIN_ESS_SHARE: f64 = 0.5;

/// What [`two_stage`] ends with.
pub struct TwoStage {
    /// The emulators' stage, round by round, and the temperature it reached.
    pub rounds: Vec<Round>,
    pub emulator_particles: usize,
    /// The particles the model was run at, weighed: the posterior.
    pub last: Generation,
    /// Each of those particles' runs' mean of each target.
    pub means: Vec<Vec<f64>>,
}

/// The posterior inside NROY in two stages. First the emulators: [`temper`]
/// from `first` (uniform draws of NROY, the space `waves` leave in) towards
/// the last wave's Gaussian likelihood, `D` its squared implausibilities
/// ([`Wave::squared_distances`]). Then the model: the first `particles` of
/// those equally weighted particles, each distinct one given to `run` once
/// (which returns its `replicates` runs' outputs, run × target), weighed
/// by its runs' likelihood over the emulators' tempered likelihood and by
/// its multiplicity: the density it was drawn from. The runs' `D` counts
/// one run's stochastic variance (the last wave's emulator of it) times
/// `realisation_scale + 1/replicates`. Where that leaves under half the
/// effective size the multiplicities allow, the weights are tempered too.
#[allow(clippy::too_many_arguments)]
pub fn two_stage<E>(
    first: Vec<Vec<f64>>,
    waves: &[Wave],
    targets: &[Target],
    particles: usize,
    replicates: usize,
    realisation_scale: f64,
    seed: u64,
    run: impl FnOnce(&[Vec<f64>]) -> Result<Vec<Vec<Vec<f64>>>, E>,
) -> Result<TwoStage, E> {
    let last_wave = waves.last();
    let tempered = temper(
        first,
        |batch| last_wave.map_or(vec![0.0; batch.len()], |w| w.squared_distances(batch)),
        |batch| not_ruled_out(batch, waves, usual_rank, CUT),
        MIN_ESS_SHARE,
        MOVES,
        EMULATOR_ROUNDS,
        seed,
    );
    let emulator_particles = tempered.points.len();
    // `particles` of them spread evenly over the population (resampling and
    // moves keep the particles in the order of their ancestors, so the first
    // few would all descend from the first few starting points), each
    // distinct point once with its multiplicity.
    let take = particles.min(emulator_particles);
    let mut distinct: Vec<(usize, u32)> = Vec::new();
    for k in 0..take {
        let i = ((2 * k + 1) * emulator_particles) / (2 * take);
        match distinct
            .iter_mut()
            .find(|(j, _)| tempered.points[*j] == tempered.points[i])
        {
            Some((_, m)) => *m += 1,
            None => distinct.push((i, 1)),
        }
    }
    let points: Vec<Vec<f64>> = distinct
        .iter()
        .map(|&(i, _)| tempered.points[i].clone())
        .collect();
    let runs = run(&points)?;
    let means: Vec<Vec<f64>> = runs
        .iter()
        .map(|reps| {
            (0..targets.len())
                .map(|t| reps.iter().map(|r| r[t]).sum::<f64>() / reps.len().max(1) as f64)
                .collect()
        })
        .collect();
    let share = realisation_scale + 1.0 / replicates.max(1) as f64;
    let spreads: Vec<Vec<f64>> = last_wave.map_or(Vec::new(), |w| {
        w.outputs
            .iter()
            .map(|o| o.stochastic_vars(&points))
            .collect()
    });
    // The runs' D less the emulators' (at the temperature they reached).
    let corrections: Vec<f64> = means
        .iter()
        .zip(&distinct)
        .enumerate()
        .map(|(k, (m, &(i, _)))| {
            let extra: Vec<f64> = (0..m.len())
                .map(|t| spreads.get(t).map_or(0.0, |v| v[k] * share))
                .collect();
            distance(m, targets, &extra) - tempered.distances[i] / tempered.temperature
        })
        .collect();
    let log_q: Vec<f64> = distinct.iter().map(|&(_, m)| -(m as f64).ln()).collect();
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
    Ok(TwoStage {
        rounds: tempered.rounds,
        emulator_particles,
        last,
        means,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_normalise_and_count_their_effective_size() {
        let w = normalise(&[0.0, 0.0, f64::NEG_INFINITY, 0.0]);
        assert_eq!(w, vec![1.0 / 3.0, 1.0 / 3.0, 0.0, 1.0 / 3.0]);
        assert!((effective_size(&w) - 3.0).abs() < 1e-12);
        assert_eq!(normalise(&[f64::NEG_INFINITY; 2]), vec![0.0, 0.0]);
        let v = [3.0, 1.0, 2.0, 4.0];
        let w = [0.1, 0.4, 0.4, 0.1];
        assert_eq!(weighted_quantile(&v, &w, 0.05), 1.0);
        assert_eq!(weighted_quantile(&v, &w, 0.5), 2.0);
        assert_eq!(weighted_quantile(&v, &w, 0.95), 4.0);
        let t = Target {
            observed: 1.0,
            observation_var: 0.5,
            discrepancy_var: 0.25,
        };
        assert_eq!(distance(&[3.0, 1.0], &[t, t], &[0.25, 0.0]), 4.0);
        assert_eq!(distance(&[f64::NAN], &[t], &[0.0]), f64::INFINITY);
    }

    /// Distances so spread that one particle would take every weight are
    /// tempered until half the particles count; the temperature falls as
    /// the particles crowd near the target.
    #[test]
    fn a_degenerate_generation_is_tempered_to_half_its_particles() {
        let points: Vec<Vec<f64>> = (0..200).map(|i| vec![i as f64 / 200.0]).collect();
        let far: Vec<f64> = (0..200).map(|i| (i as f64 * 0.5).powi(2)).collect();
        let flat = vec![0.0; 200];
        let g = Generation::weigh_from(points.clone(), &far, &flat, 0.5, f64::INFINITY);
        assert!(g.temperature > 1.0, "{}", g.temperature);
        let ess = effective_size(&g.weights);
        assert!((99.0..=101.0).contains(&ess), "{ess}");
        let near: Vec<f64> = far.iter().map(|d| d / 100.0).collect();
        let h = Generation::weigh_from(points, &near, &flat, 0.5, f64::INFINITY);
        assert!(h.temperature < g.temperature);
    }

    /// Tempering from 4,000 uniform points of [0, 1]² towards `y = x0 + x1`
    /// observed at 0.6 with variance 0.01: the prior of `s = x0 + x1` is
    /// triangular (density `s` below 1), so its posterior is proportional to
    /// `s · N(s; 0.6, 0.1²)`, whose mean is `0.6 + 0.1²/0.6 = 0.6167` and sd
    /// 0.0986. τ comes down to 1 and the particles' `s` has that mean within
    /// 0.01 (a sampler that ignored the prior would give 0.6) and that sd
    /// within 0.015.
    #[test]
    fn tempering_reaches_a_known_posterior() {
        let mut rng = Stream::new(8, Purpose::Design, 0, 1);
        let first: Vec<Vec<f64>> = (0..4_000)
            .map(|_| vec![rng.unit_f64(), rng.unit_f64()])
            .collect();
        let t = Target {
            observed: 0.6,
            observation_var: 0.01,
            discrepancy_var: 0.0,
        };
        let d = |b: &[Vec<f64>]| -> Vec<f64> {
            b.iter()
                .map(|p| distance(&[p[0] + p[1]], &[t], &[0.0]))
                .collect()
        };
        let out = temper(first, d, |b| vec![true; b.len()], 0.5, 5, 30, 9);
        assert_eq!(out.temperature, 1.0);
        let sums: Vec<f64> = out.points.iter().map(|p| p[0] + p[1]).collect();
        let (mean, sd) = weighted_mean_sd(&sums, &vec![1.0; sums.len()]);
        assert!((mean - 0.6167).abs() < 0.01, "{mean}");
        assert!((sd - 0.0986).abs() < 0.015, "{sd}");
        assert!(
            out.rounds.iter().all(|r| r.accepted > 0.05),
            "{:?}",
            out.rounds
        );
    }
}
