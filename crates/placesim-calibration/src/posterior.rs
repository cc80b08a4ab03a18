//! A weighted posterior inside NROY by approximate Bayesian computation
//! with a fixed Gaussian kernel (Wilkinson 2013: ABC is exact when its
//! kernel is the distribution of the error between model and observation),
//! in generations as ABC-SMC does it (Toni et al. 2009; Beaumont et al.
//! 2009): the first generation is drawn uniformly from NROY (the prior
//! restricted to it), each later one from the last's weighted particles
//! moved by a normal step, and each particle's weight is its kernel value
//! times the prior over the density it was proposed from.
//!
//! The kernel of a particle whose runs' mean for target `t` is `y_t` is
//! `exp(−½ Σ_t (y_t − z_t)² / (observation var + discrepancy var))`: the
//! model's own stochastic spread is in `y_t`, as it is in the observation.

use crate::implausibility::Target;
use placesim_core::rng::{Purpose, Stream};

/// Each particle's unnormalised log kernel: `−½ Σ_t (y_t − z_t)² / v_t`
/// (−∞ where an output is not a number or a variance is 0 and missed).
pub fn log_kernel(outputs: &[f64], targets: &[Target]) -> f64 {
    outputs
        .iter()
        .zip(targets)
        .map(|(&y, t)| {
            let v = t.observation_var + t.discrepancy_var;
            let miss = y - t.observed;
            if !y.is_finite() {
                f64::NEG_INFINITY
            } else if v > 0.0 {
                -0.5 * miss * miss / v
            } else if miss == 0.0 {
                0.0
            } else {
                f64::NEG_INFINITY
            }
        })
        .sum()
}

/// Weights summing to 1 from log weights (all 0 when every one is −∞).
pub fn normalise(log_w: &[f64]) -> Vec<f64> {
    let top = log_w.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if !top.is_finite() {
        return vec![0.0; log_w.len()];
    }
    let w: Vec<f64> = log_w.iter().map(|&l| (l - top).exp()).collect();
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
    let mean = values.iter().zip(w).map(|(v, w)| v * w).sum::<f64>() / total;
    let var = values
        .iter()
        .zip(w)
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
}

impl Generation {
    /// The step each coordinate is moved by when the next generation is
    /// proposed from this one: twice its weighted variance (Beaumont et al.
    /// 2009), as a standard deviation, at least 0.01 of the cube.
    pub fn step(&self) -> Vec<f64> {
        let dims = self.points.first().map_or(0, Vec::len);
        (0..dims)
            .map(|j| {
                let v: Vec<f64> = self.points.iter().map(|p| p[j]).collect();
                let (_, sd) = weighted_mean_sd(&v, &self.weights);
                (2.0f64.sqrt() * sd).max(0.01)
            })
            .collect()
    }

    /// The density (up to a constant shared by every point) of proposing
    /// `x` from this generation: the weighted mixture of its particles'
    /// normal steps.
    pub fn proposal_density(&self, x: &[f64], step: &[f64]) -> f64 {
        self.points
            .iter()
            .zip(&self.weights)
            .filter(|(_, &w)| w > 0.0)
            .map(|(p, &w)| {
                let d2: f64 = p
                    .iter()
                    .zip(x)
                    .zip(step)
                    .map(|((a, b), s)| ((a - b) / s) * ((a - b) / s))
                    .sum();
                w * (-0.5 * d2).exp()
            })
            .sum()
    }

    /// `n` proposals for the next generation: a particle drawn by weight,
    /// moved by a normal step of `step` in each coordinate, kept when it
    /// stays in the cube and `inside` accepts it; at most `50 × n` tries.
    pub fn propose(
        &self,
        n: usize,
        step: &[f64],
        inside: impl Fn(&[Vec<f64>]) -> Vec<bool>,
        seed: u64,
    ) -> Vec<Vec<f64>> {
        let mut rng = Stream::new(seed, Purpose::Design, 2, 0xabc);
        let cumulative: Vec<f64> = self
            .weights
            .iter()
            .scan(0.0, |acc, w| {
                *acc += w;
                Some(*acc)
            })
            .collect();
        let total = cumulative.last().copied().unwrap_or(0.0);
        let mut found = Vec::new();
        if total <= 0.0 {
            return found;
        }
        let mut tries = 0;
        while found.len() < n && tries < 50 * n {
            let batch: Vec<Vec<f64>> = (0..n)
                .filter_map(|_| {
                    let u = rng.unit_f64() * total;
                    let i = cumulative
                        .partition_point(|&c| c <= u)
                        .min(self.points.len() - 1);
                    let moved: Vec<f64> = self.points[i]
                        .iter()
                        .zip(step)
                        .map(|(&v, s)| v + s * rng.normal())
                        .collect();
                    moved
                        .iter()
                        .all(|v| (0.0..=1.0).contains(v))
                        .then_some(moved)
                })
                .collect();
            tries += n;
            let keep = inside(&batch);
            found.extend(
                batch
                    .into_iter()
                    .zip(keep)
                    .filter(|(_, k)| *k)
                    .map(|(p, _)| p),
            );
        }
        found.truncate(n);
        found
    }

    /// The weights of `points` proposed from `previous` (or uniformly from
    /// NROY when there is none) whose runs have log kernels `log_kernel`:
    /// kernel × prior / proposal density, normalised. The prior is uniform
    /// on NROY, which every proposal is in.
    pub fn weigh(
        points: Vec<Vec<f64>>,
        log_kernel: &[f64],
        previous: Option<&Generation>,
    ) -> Generation {
        let log_w: Vec<f64> = match previous {
            None => log_kernel.to_vec(),
            Some(prev) => {
                let step = prev.step();
                points
                    .iter()
                    .zip(log_kernel)
                    .map(|(p, &k)| k - prev.proposal_density(p, &step).ln())
                    .collect()
            }
        };
        Generation {
            weights: normalise(&log_w),
            points,
        }
    }
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
            discrepancy_var: 0.5,
        };
        assert_eq!(log_kernel(&[3.0, 1.0], &[t, t]), -2.0);
        assert_eq!(log_kernel(&[f64::NAN], &[t]), f64::NEG_INFINITY);
    }

    /// One output `y = x0 + noise` observed at 0.3 with variance 0.01, a
    /// flat prior on [0, 1]: the posterior of x0 is about N(0.3, 0.1²)
    /// (its mean within 0.02, its sd within 0.02 of 0.1) after two
    /// generations of 2,000 particles, and the second generation's
    /// effective size exceeds the first's.
    #[test]
    fn two_generations_recover_a_known_posterior() {
        let t = Target {
            observed: 0.3,
            observation_var: 0.01,
            discrepancy_var: 0.0,
        };
        let mut rng = Stream::new(3, Purpose::Design, 0, 1);
        let first: Vec<Vec<f64>> = (0..2_000).map(|_| vec![rng.unit_f64()]).collect();
        let k1: Vec<f64> = first.iter().map(|p| log_kernel(&[p[0]], &[t])).collect();
        let g1 = Generation::weigh(first, &k1, None);
        let step = g1.step();
        let second = g1.propose(2_000, &step, |b| vec![true; b.len()], 4);
        assert_eq!(second.len(), 2_000);
        let k2: Vec<f64> = second.iter().map(|p| log_kernel(&[p[0]], &[t])).collect();
        let g2 = Generation::weigh(second, &k2, Some(&g1));
        let x: Vec<f64> = g2.points.iter().map(|p| p[0]).collect();
        let (mean, sd) = weighted_mean_sd(&x, &g2.weights);
        assert!((mean - 0.3).abs() < 0.02, "{mean}");
        assert!((sd - 0.1).abs() < 0.02, "{sd}");
        assert!(effective_size(&g2.weights) > effective_size(&g1.weights));
    }
}
