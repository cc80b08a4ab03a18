//! One wave of history matching: an emulator per output fitted to the
//! wave's runs, each checked by leave-one-out before it may rule anything
//! out, and the implausibility of any point under the wave.
//!
//! A stochastic model's spread differs from point to point (where beds
//! overflow, one run may differ from the next far more than where they do
//! not), so each output's stochastic variance is emulated too: a second
//! emulator of the logarithm of the replicates' sample variance at each
//! point (Andrianakis et al. 2017 emulate the variance of a stochastic
//! model the same way), whose noise is that of a log sample variance,
//! about `2 / (r − 1)` for `r` replicates.

use crate::emulator::{variance, Emulator, EmulatorError};
use crate::implausibility::{implausibility, judged, Target};

/// The share of leave-one-out standardised errors that may exceed 3 in
/// magnitude for an emulator still to be trusted with the cut (a normal
/// puts 0.3 % beyond 3; 5 % allows for a small wave and heavy tails).
pub const LOO_BEYOND_3: f64 = 0.05;

/// One output's part of a wave.
pub struct Output {
    pub emulator: Emulator,
    pub target: Target,
    /// Variance of one run's output about its mean at a point: the median
    /// over the wave's points (what the mean emulator's nugget is set from).
    pub stochastic_var: f64,
    /// The emulator of the log of that variance, point by point (`None`
    /// where the replicates never differ).
    pub log_variance: Option<Emulator>,
    /// Leave-one-out standardised errors, one per point.
    pub loo: Vec<f64>,
    /// Whether the emulator passed its diagnostics and takes part in the cut.
    pub trusted: bool,
}

impl Output {
    /// The variance of one run's output about its mean at each point: the
    /// log-variance emulator's prediction, or the median over the wave's
    /// points where there is none.
    pub fn stochastic_vars(&self, x: &[Vec<f64>]) -> Vec<f64> {
        match &self.log_variance {
            Some(e) => e
                .predict(x)
                .into_iter()
                .map(|(m, _)| {
                    if m.is_finite() {
                        m.exp()
                    } else {
                        self.stochastic_var
                    }
                })
                .collect(),
            None => vec![self.stochastic_var; x.len()],
        }
    }
}

fn median(v: &[f64]) -> f64 {
    let mut s: Vec<f64> = v.iter().copied().filter(|x| x.is_finite()).collect();
    if s.is_empty() {
        return 0.0;
    }
    s.sort_by(f64::total_cmp);
    let n = s.len();
    if n % 2 == 1 {
        s[n / 2]
    } else {
        0.5 * (s[n / 2 - 1] + s[n / 2])
    }
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
            let stochastic_var = median(&variances);
            let replicates = per_point.first().map_or(1, Vec::len).max(1) as f64;
            let noise = stochastic_var / replicates;
            let log_variance = if variances.iter().any(|&v| v > 0.0) && replicates >= 2.0 {
                // A floor a millionth of the largest keeps the log finite where replicates agree.
                let floor = variances.iter().copied().fold(0.0, f64::max) * 1e-6;
                let logs: Vec<f64> = variances.iter().map(|&v| v.max(floor).ln()).collect();
                Emulator::fit(x, &logs, 2.0 / (replicates - 1.0)).ok()
            } else {
                None
            };
            let emulator = Emulator::fit(x, &means, noise)?;
            let loo = emulator.leave_one_out(x, &means, noise);
            let beyond = loo.iter().filter(|z| z.is_nan() || z.abs() > 3.0).count() as f64;
            let trusted = beyond <= LOO_BEYOND_3 * loo.len() as f64;
            outputs.push(Output {
                emulator,
                target: *target,
                stochastic_var,
                log_variance,
                loo,
                trusted,
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
            let pred = o.emulator.predict(x);
            let spread = o.stochastic_vars(x);
            for ((row, (m, v)), s) in out.iter_mut().zip(pred).zip(spread) {
                row.push(implausibility(&o.target, m, v, s));
            }
        }
        out
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
        let wave = Wave::fit(&x, &runs, &[target]).unwrap();
        let v = wave.outputs[0].stochastic_vars(&[vec![0.1, 0.5], vec![0.9, 0.5]]);
        assert!(v[1] > 10.0 * v[0], "{v:?}");
        // The truth's variances are 0.0225 and 0.9025.
        assert!(v[0] < 0.1 && v[1] > 0.3, "{v:?}");
    }
}
