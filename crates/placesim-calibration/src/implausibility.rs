//! Implausibility (Craig et al. 1997): how many standard deviations an
//! output's emulated value lies from its target, counting every
//! uncertainty between them — the observation's, the model's discrepancy
//! from the world, the emulator's, and the model's own stochastic spread
//! (one run is one realisation, as the place's figures are).
//!
//! A point is ruled out when its second-largest implausibility across the
//! outputs (the largest, with one output) exceeds 3 (Pukelsheim's three-
//! sigma rule: at least 95 % of any unimodal distribution lies within 3
//! standard deviations).

/// The usual cut-off.
pub const CUT: f64 = 3.0;

/// A target as history matching sees it: the observed value and the
/// variances of its observation error and of the model's discrepancy.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Target {
    pub observed: f64,
    pub observation_var: f64,
    pub discrepancy_var: f64,
}

/// The implausibility of an output whose emulator predicts `mean` with
/// variance `emulator_var`, one run of which spreads with `stochastic_var`.
pub fn implausibility(t: &Target, mean: f64, emulator_var: f64, stochastic_var: f64) -> f64 {
    let var = t.observation_var + t.discrepancy_var + emulator_var + stochastic_var;
    if var > 0.0 {
        (t.observed - mean).abs() / var.sqrt()
    } else if t.observed == mean {
        0.0
    } else {
        f64::INFINITY
    }
}

/// The implausibility a point is judged by: the `rank`-th largest of its
/// outputs' (1: the largest), or the largest when there are fewer outputs.
pub fn judged(values: &[f64], rank: usize) -> f64 {
    if values.is_empty() {
        // No output to judge by: nothing rules the point out.
        return 0.0;
    }
    let mut v: Vec<f64> = values.to_vec();
    v.sort_by(|a, b| b.total_cmp(a));
    let k = rank.max(1).min(v.len());
    v.get(k - 1).copied().unwrap_or(0.0)
}

/// The rank used: the second-largest when there are at least three
/// outputs (so one target the model cannot meet does not rule out every
/// point on its own), else the largest.
pub fn usual_rank(outputs: usize) -> usize {
    if outputs >= 3 {
        2
    } else {
        1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_every_variance_and_judges_by_the_rank() {
        let t = Target {
            observed: 10.0,
            observation_var: 1.0,
            discrepancy_var: 1.0,
        };
        // |10 − 4| / sqrt(1 + 1 + 1 + 1) = 3.
        assert_eq!(implausibility(&t, 4.0, 1.0, 1.0), 3.0);
        assert_eq!(implausibility(&t, 16.0, 1.0, 1.0), 3.0);
        assert_eq!(judged(&[1.0, 5.0, 2.0], 2), 2.0);
        assert_eq!(judged(&[1.0, 5.0, 2.0], 1), 5.0);
        assert_eq!(judged(&[4.0], 2), 4.0);
        assert_eq!(judged(&[], 2), 0.0);
        assert_eq!(usual_rank(2), 1);
        assert_eq!(usual_rank(9), 2);
        let exact = Target {
            observed: 1.0,
            observation_var: 0.0,
            discrepancy_var: 0.0,
        };
        assert_eq!(implausibility(&exact, 1.0, 0.0, 0.0), 0.0);
        assert_eq!(implausibility(&exact, 2.0, 0.0, 0.0), f64::INFINITY);
    }
}
