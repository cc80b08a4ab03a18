//! One wave of history matching: an emulator per output fitted to the
//! wave's runs, each checked by leave-one-out before it may rule anything
//! out, and the implausibility of any point under the wave.

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
    /// Variance of one run's output about its mean at a point, pooled over the wave's points.
    pub stochastic_var: f64,
    /// Leave-one-out standardised errors, one per point.
    pub loo: Vec<f64>,
    /// Whether the emulator passed its diagnostics and takes part in the cut.
    pub trusted: bool,
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
            let stochastic_var =
                per_point.iter().map(|v| variance(v)).sum::<f64>() / per_point.len().max(1) as f64;
            let replicates = per_point.first().map_or(1, Vec::len).max(1) as f64;
            let noise = stochastic_var / replicates;
            let emulator = Emulator::fit(x, &means, noise)?;
            let loo = emulator.leave_one_out(x, &means, noise);
            let beyond = loo.iter().filter(|z| z.is_nan() || z.abs() > 3.0).count() as f64;
            let trusted = beyond <= LOO_BEYOND_3 * loo.len() as f64;
            outputs.push(Output {
                emulator,
                target: *target,
                stochastic_var,
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
            let pred = if o.trusted {
                o.emulator.predict(x)
            } else {
                vec![(f64::NAN, f64::NAN); x.len()]
            };
            for (row, (m, v)) in out.iter_mut().zip(pred) {
                row.push(if o.trusted {
                    implausibility(&o.target, m, v, o.stochastic_var)
                } else {
                    f64::NAN
                });
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
