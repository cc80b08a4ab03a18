//! One wave of history matching: an emulator per output fitted to the
//! wave's runs, each checked by leave-one-out before it may rule anything
//! out, and the implausibility of any point under the wave.
//!
//! A stochastic model's spread differs from point to point (where beds
//! overflow, one run may differ from the next far more than where they do
//! not), so each output's stochastic variance is emulated too: a second
//! emulator of the logarithm of the replicates' sample variance at each
//! point (Andrianakis et al. 2017 emulate the variance of a stochastic
//! model the same way). The log of a sample variance of `r` normal
//! replicates is biased: its mean is `ln σ² + ψ(k) − ln k` and its variance
//! `ψ′(k)`, `k = (r − 1) / 2`; the bias is taken off before fitting, the
//! variance is the emulator's noise, and the prediction is the lognormal
//! mean `exp(m + v / 2)`.
//!
//! One run's spread enters a point's implausibility twice: as the chance
//! variation of the observed place, times `realisation_scale` (1/n when the
//! observation is the mean of n runs of the model, as a synthetic truth
//! is; less than 1 for a real place the model's run stands for at a
//! coarser grain),
//! and as the error of the emulated mean, `σ² / r`: a wave's replicates
//! share their seeds across points (common random numbers), so that error
//! is common to neighbouring points and the emulator cannot average it away.
//!
//! An emulator is only as good as its leave-one-out errors say: where they
//! spread wider than its own variance (a mean square above 1), its variance
//! and the emulated mean's error are widened by that mean square before the
//! cut, so one overconfident wave does not rule out the truth for good.

use crate::emulator::{variance, Emulator, EmulatorError};
use crate::implausibility::{implausibility, judged, Target};

/// The share of leave-one-out standardised errors that may exceed 3 in
/// magnitude for an emulator still to be trusted with the cut (a normal
/// puts 0.3 % beyond 3; 5 % allows for a small wave and heavy tails).
pub const LOO_BEYOND_3: f64 = 0.05;

/// The factor by which an emulator's variance is widened so that its
/// leave-one-out standardised errors have a mean square of 1 (never
/// narrowed): an emulator whose errors spread wider than it says is trusted
/// only as far as they do. NaN errors (a refit that failed) are left out.
pub fn inflation(loo: &[f64]) -> f64 {
    let finite: Vec<f64> = loo.iter().copied().filter(|z| z.is_finite()).collect();
    if finite.is_empty() {
        return 1.0;
    }
    let mean_square = finite.iter().map(|z| z * z).sum::<f64>() / finite.len() as f64;
    mean_square.max(1.0)
}

/// One output's part of a wave.
pub struct Output {
    pub emulator: Emulator,
    pub target: Target,
    /// Variance of one run's output about its mean at a point: the mean
    /// over the wave's points (what the mean emulator's nugget is set from).
    pub stochastic_var: f64,
    /// The emulator of the log of that variance, point by point (`None`
    /// where the replicates never differ).
    pub log_variance: Option<Emulator>,
    /// Leave-one-out standardised errors, one per point.
    pub loo: Vec<f64>,
    /// Whether the emulator passed its diagnostics and takes part in the cut.
    pub trusted: bool,
    /// The factor its predicted variance (and the shared error of the
    /// emulated mean) is widened by: [`inflation`] of its leave-one-out errors.
    pub inflation: f64,
    /// The share of one run's variance that the observed place's chance variation is.
    pub realisation_scale: f64,
    /// Replicates a point.
    pub replicates: f64,
}

impl Output {
    /// Each point's implausibility for this output: the emulated mean
    /// against the target over every variance, the emulator's and the
    /// emulated mean's shared error widened by the inflation together.
    pub fn implausibility(&self, x: &[Vec<f64>]) -> Vec<f64> {
        let pred = self.emulator.predict(x);
        let spread = self.stochastic_vars(x);
        let c = self.inflation;
        let share = self.realisation_scale + c / self.replicates;
        pred.into_iter()
            .zip(spread)
            .map(|((m, v), s)| implausibility(&self.target, m, c * v, s * share))
            .collect()
    }

    /// The variance of one run's output about its mean at each point: the
    /// log-variance emulator's prediction, or the median over the wave's
    /// points where there is none.
    pub fn stochastic_vars(&self, x: &[Vec<f64>]) -> Vec<f64> {
        match &self.log_variance {
            Some(e) => e
                .predict(x)
                .into_iter()
                .map(|(m, v)| {
                    let var = (m + v / 2.0).exp();
                    if var.is_finite() {
                        var
                    } else {
                        self.stochastic_var
                    }
                })
                .collect(),
            None => vec![self.stochastic_var; x.len()],
        }
    }
}

/// The digamma function ψ (recurrence up to 10, then its asymptotic series).
pub fn digamma(mut x: f64) -> f64 {
    let mut result = 0.0;
    while x < 10.0 {
        result -= 1.0 / x;
        x += 1.0;
    }
    let x2 = 1.0 / (x * x);
    result + x.ln()
        - 0.5 / x
        - x2 * (1.0 / 12.0
            - x2 * (1.0 / 120.0 - x2 * (1.0 / 252.0 - x2 * (1.0 / 240.0 - x2 / 132.0))))
}

/// The trigamma function ψ′ (recurrence up to 10, then its asymptotic series).
pub fn trigamma(mut x: f64) -> f64 {
    let mut result = 0.0;
    while x < 10.0 {
        result += 1.0 / (x * x);
        x += 1.0;
    }
    let x2 = 1.0 / (x * x);
    result
        + 1.0 / x
        + x2 / 2.0
        + x2 / x
            * (1.0 / 6.0
                - x2 * (1.0 / 30.0 - x2 * (1.0 / 42.0 - x2 * (1.0 / 30.0 - 5.0 * x2 / 66.0))))
}

/// A fitted wave.
pub struct Wave {
    pub outputs: Vec<Output>,
}

impl Wave {
    /// Fit a wave: `x` the points (unit cube), `runs[p][r][o]` output `o`
    /// of replicate `r` at point `p` (at least two replicates a point, for
    /// the stochastic variance), one target per output.
    pub fn fit(
        x: &[Vec<f64>],
        runs: &[Vec<Vec<f64>>],
        targets: &[Target],
        realisation_scale: f64,
    ) -> Result<Wave, EmulatorError> {
        let mut outputs = Vec::with_capacity(targets.len());
        for (o, target) in targets.iter().enumerate() {
            let per_point: Vec<Vec<f64>> = runs
                .iter()
                .map(|reps| reps.iter().map(|r| r[o]).collect())
                .collect();
            let means: Vec<f64> = per_point
                .iter()
                .map(|v| v.iter().sum::<f64>() / v.len().max(1) as f64)
                .collect();
            let variances: Vec<f64> = per_point.iter().map(|v| variance(v)).collect();
            let stochastic_var = variances.iter().sum::<f64>() / variances.len().max(1) as f64;
            let replicates = per_point.first().map_or(1, Vec::len).max(1) as f64;
            let noise = stochastic_var / replicates;
            let log_variance = if variances.iter().any(|&v| v > 0.0) && replicates >= 2.0 {
                // Where replicates agree exactly, the smallest variance seen stands in.
                let floor = variances
                    .iter()
                    .copied()
                    .filter(|&v| v > 0.0)
                    .fold(f64::INFINITY, f64::min);
                let k = (replicates - 1.0) / 2.0;
                let bias = digamma(k) - k.ln();
                let logs: Vec<f64> = variances
                    .iter()
                    .map(|&v| v.max(floor).ln() - bias)
                    .collect();
                Emulator::fit(x, &logs, trigamma(k)).ok()
            } else {
                None
            };
            let emulator = Emulator::fit(x, &means, noise)?;
            let loo = emulator.leave_one_out(x, &means, noise);
            let beyond = loo.iter().filter(|z| z.is_nan() || z.abs() > 3.0).count() as f64;
            let trusted = beyond <= LOO_BEYOND_3 * loo.len() as f64;
            let inflation = inflation(&loo);
            outputs.push(Output {
                emulator,
                target: *target,
                stochastic_var,
                log_variance,
                loo,
                trusted,
                inflation,
                realisation_scale,
                replicates,
            });
        }
        Ok(Wave { outputs })
    }

    /// Each point's implausibility for each output (NaN for an output not trusted).
    pub fn implausibilities(&self, x: &[Vec<f64>]) -> Vec<Vec<f64>> {
        let mut out = vec![Vec::with_capacity(self.outputs.len()); x.len()];
        for o in &self.outputs {
            if !o.trusted {
                out.iter_mut().for_each(|row| row.push(f64::NAN));
                continue;
            }
            for (row, v) in out.iter_mut().zip(o.implausibility(x)) {
                row.push(v);
            }
        }
        out
    }

    /// Each point's sum over every output, trusted or not, of its squared
    /// implausibility: the emulators' `D` of a Gaussian likelihood of the
    /// targets (an output not trusted still says where its target lies,
    /// with the variance its leave-one-out errors widened).
    pub fn squared_distances(&self, x: &[Vec<f64>]) -> Vec<f64> {
        let mut d = vec![0.0; x.len()];
        for o in &self.outputs {
            for (total, v) in d.iter_mut().zip(o.implausibility(x)) {
                // An emulator that could not predict puts the point out of reach.
                *total += if v.is_nan() { f64::INFINITY } else { v * v };
            }
        }
        d
    }

    /// Each point's judged implausibility: the `rank`-th largest over the trusted outputs.
    pub fn judged(&self, x: &[Vec<f64>], rank: usize) -> Vec<f64> {
        self.implausibilities(x)
            .iter()
            .map(|row| {
                let trusted: Vec<f64> = row.iter().copied().filter(|v| !v.is_nan()).collect();
                judged(&trusted, rank)
            })
            .collect()
    }

    /// How many outputs take part in the cut.
    pub fn trusted(&self) -> usize {
        self.outputs.iter().filter(|o| o.trusted).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::space::uniform;
    use placesim_core::rng::{Purpose, Stream};

    /// Noise whose sd grows from 0.05 to 1.05 along the first input: the
    /// emulated stochastic variance follows it (at x0 = 0.9 it is more than
    /// ten times that at x0 = 0.1), where one pooled figure could not.
    #[test]
    fn the_stochastic_variance_is_emulated_point_by_point() {
        let x = uniform(50, 2, 21);
        let mut rng = Stream::new(22, Purpose::Design, 0, 1);
        let runs: Vec<Vec<Vec<f64>>> = x
            .iter()
            .map(|p| {
                (0..4)
                    .map(|_| vec![p[0] + p[1] + (0.05 + p[0]) * rng.normal()])
                    .collect()
            })
            .collect();
        let target = Target {
            observed: 1.0,
            observation_var: 0.01,
            discrepancy_var: 0.01,
        };
        let wave = Wave::fit(&x, &runs, &[target], 1.0).unwrap();
        let v = wave.outputs[0].stochastic_vars(&[vec![0.1, 0.5], vec![0.9, 0.5]]);
        assert!(v[1] > 10.0 * v[0], "{v:?}");
        // The truth's variances are 0.0225 and 0.9025: within a factor of 2
        // once the log's bias is taken off (uncorrected, four replicates
        // would understate them by about 0.69).
        assert!((0.0225 / 2.0..0.0225 * 2.0).contains(&v[0]), "{v:?}");
        assert!((0.9025 / 2.0..0.9025 * 2.0).contains(&v[1]), "{v:?}");
    }

    /// Errors twice as wide as the emulator says widen its variance about
    /// fourfold; errors narrower than it says leave it as it is.
    #[test]
    fn the_variance_is_widened_by_the_errors_mean_square() {
        let mut rng = Stream::new(5, Purpose::Design, 0, 2);
        let wide: Vec<f64> = (0..2_000).map(|_| 2.0 * rng.normal()).collect();
        let c = inflation(&wide);
        assert!((3.6..4.4).contains(&c), "{c}");
        let narrow: Vec<f64> = (0..2_000).map(|_| 0.5 * rng.normal()).collect();
        assert_eq!(inflation(&narrow), 1.0);
        assert_eq!(inflation(&[f64::NAN, 3.0, f64::NAN]), 9.0);
        assert_eq!(inflation(&[]), 1.0);
    }

    #[test]
    fn digamma_and_trigamma_match_known_values() {
        // ψ(1) = −γ, ψ(1/2) = −γ − 2 ln 2, ψ′(1) = π²/6, ψ′(1/2) = π²/2.
        let gamma = 0.577_215_664_901_532_9;
        assert!((digamma(1.0) + gamma).abs() < 1e-10);
        assert!((digamma(0.5) + gamma + 2.0 * 2f64.ln()).abs() < 1e-10);
        let pi2 = std::f64::consts::PI * std::f64::consts::PI;
        assert!((trigamma(1.0) - pi2 / 6.0).abs() < 1e-10);
        assert!((trigamma(0.5) - pi2 / 2.0).abs() < 1e-10);
    }
}
