//! History matching (Craig et al. 1997; Vernon, Goldstein and Bower 2010;
//! Andrianakis et al. 2015): which parameter sets of the model could have
//! produced the published figures of an English place, given how uncertain
//! the figures, the model and its stochastic runs are. Pure functions of
//! (design points, model outputs, targets): no files, no runs, no printing.
//!
//! - [`emulator`]: a Gaussian process per model output, fitted to a wave's
//!   runs, that predicts the output (with its uncertainty) anywhere in the
//!   parameter space, and its leave-one-out diagnostics.
//! - [`implausibility`]: how far an emulated output is from its target in
//!   standard deviations of every uncertainty, and the cut-off rule.
//! - [`space`]: the space not ruled out yet (NROY) as a cloud of candidate
//!   points, and a space-filling pick of the next wave's design from it.
//! - [`wave`]: one wave: its emulators, their diagnostics, and the
//!   implausibility of any point under it.
//! - [`posterior`]: a weighted posterior inside NROY by ABC: a tempered
//!   sequential Monte Carlo sampler on the emulators, then the model's runs
//!   at its particles, weighed.

pub mod emulator;
pub mod implausibility;
pub mod posterior;
pub mod space;
pub mod wave;

/// History matching on a model whose truth is known: a cheap function
/// standing in for the simulator, so the method itself is tested.
#[cfg(test)]
mod synthetic {
    use crate::implausibility::{usual_rank, Target, CUT};
    use crate::posterior::{two_stage, weighted_mean_sd, weighted_quantile};
    use crate::space::{kept, maximin, next_design, not_ruled_out, uniform};
    use crate::wave::Wave;
    use placesim_core::rng::{Purpose, Stream};

    /// Five outputs of four inputs (the fourth moves only one output a little).
    fn model(x: &[f64]) -> Vec<f64> {
        vec![
            10.0 + 5.0 * x[0] + 3.0 * x[1] * x[1],
            20.0 * (1.5 * x[0]).sin() + 4.0 * x[2],
            8.0 * x[1] * x[2] + 2.0,
            6.0 * x[1] - 2.0 * x[0],
            1.0 + 0.5 * x[3],
        ]
    }

    const NOISE_SD: f64 = 0.3;

    fn run(x: &[f64], rng: &mut Stream) -> Vec<f64> {
        model(x)
            .into_iter()
            .map(|v| v + NOISE_SD * rng.normal())
            .collect()
    }

    /// Four waves of 40 points × 3 replicates from a uniform prior: the
    /// truth is never ruled out, the final NROY holds under 20 % of the
    /// prior's volume, and its range (5th to 95th percentile) is narrower
    /// than the prior's on at least half the inputs and covers the truth;
    /// then the posterior inside it is narrower still and covers the truth.
    #[test]
    fn history_matching_keeps_the_truth_and_narrows_the_space() {
        let truth = [0.3, 0.6, 0.4, 0.7];
        let mut rng = Stream::new(11, Purpose::Design, 0, 9);
        let observed = run(&truth, &mut rng);
        let targets: Vec<Target> = observed
            .iter()
            .map(|&v| Target {
                observed: v,
                observation_var: NOISE_SD * NOISE_SD,
                discrepancy_var: 0.01,
            })
            .collect();
        let candidates = uniform(20_000, 4, 12);
        let mut waves: Vec<Wave> = Vec::new();
        let mut design: Vec<Vec<f64>> = {
            let pool = uniform(2_000, 4, 13);
            maximin(&pool, 40)
                .into_iter()
                .map(|i| pool[i].clone())
                .collect()
        };
        let mut fractions = Vec::new();
        let (mut seen_x, mut seen_runs) = (Vec::new(), Vec::new());
        for w in 0..4 {
            let runs: Vec<Vec<Vec<f64>>> = design
                .iter()
                .map(|x| (0..3).map(|_| run(x, &mut rng)).collect())
                .collect();
            // As `placesim calibrate` does: fitted to every run so far still
            // inside the NROY this wave was drawn from.
            seen_x.extend(design.iter().cloned());
            seen_runs.extend(runs);
            let inside = not_ruled_out(&seen_x, &waves, usual_rank, CUT);
            let train_x: Vec<Vec<f64>> = kept(&seen_x, &inside);
            let train_runs: Vec<Vec<Vec<f64>>> = kept(&seen_runs, &inside);
            waves.push(Wave::fit(&train_x, &train_runs, &targets, 1.0).unwrap());
            assert!(
                waves[w].trusted() >= 3,
                "wave {w}: too few emulators trusted"
            );
            let alive = not_ruled_out(&candidates, &waves, usual_rank, CUT);
            let kept: Vec<Vec<f64>> = candidates
                .iter()
                .zip(&alive)
                .filter(|(_, a)| **a)
                .map(|(p, _)| p.clone())
                .collect();
            fractions.push(kept.len() as f64 / candidates.len() as f64);
            assert!(
                not_ruled_out(&[truth.to_vec()], &waves, usual_rank, CUT)[0],
                "wave {w} ruled out the truth"
            );
            design = next_design(&kept, 40, &waves, usual_rank, CUT, 14 + w as u64);
        }
        let last = *fractions.last().unwrap();
        assert!(last < 0.2, "NROY fractions {fractions:?}");
        assert!(
            fractions.windows(2).all(|f| f[1] <= f[0] + 1e-9),
            "{fractions:?}"
        );
        let alive = not_ruled_out(&candidates, &waves, usual_rank, CUT);
        let kept: Vec<&Vec<f64>> = candidates
            .iter()
            .zip(&alive)
            .filter(|(_, a)| **a)
            .map(|(p, _)| p)
            .collect();
        let mut narrower = 0;
        for j in 0..4 {
            let mut v: Vec<f64> = kept.iter().map(|p| p[j]).collect();
            v.sort_by(f64::total_cmp);
            let (lo, hi) = (v[v.len() / 20], v[v.len() * 19 / 20]);
            assert!(
                lo <= truth[j] && truth[j] <= hi,
                "input {j}: [{lo}, {hi}] misses {}",
                truth[j]
            );
            if hi - lo < 0.9 * 0.9 {
                narrower += 1;
            }
        }
        assert!(
            narrower >= 2,
            "only {narrower} inputs narrower; fractions {fractions:?}"
        );
        // The posterior inside NROY, as `placesim calibrate` makes it: the
        // emulators' sampler on 2,000 particles, then 100 of them each run 3 times. Its sd is
        // under the prior's on at least half the inputs, and its 5th-to-95th
        // percentile range holds the truth on every input.
        let first: Vec<Vec<f64>> = kept.iter().take(2_000).map(|p| p.to_vec()).collect();
        let posterior = two_stage(first, &waves, &targets, 100, 3, 1.0, 15, |points| {
            Ok::<_, ()>(
                points
                    .iter()
                    .map(|p| (0..3).map(|_| run(p, &mut rng)).collect())
                    .collect(),
            )
        })
        .unwrap();
        assert_eq!(posterior.rounds.last().unwrap().temperature, 1.0);
        let g2 = posterior.last;
        let mut tighter = 0;
        for j in 0..4 {
            let v: Vec<f64> = g2.points.iter().map(|p| p[j]).collect();
            let (lo, hi) = (
                weighted_quantile(&v, &g2.weights, 0.05),
                weighted_quantile(&v, &g2.weights, 0.95),
            );
            assert!(
                lo <= truth[j] && truth[j] <= hi,
                "posterior of input {j}: [{lo}, {hi}] misses {}",
                truth[j]
            );
            if weighted_mean_sd(&v, &g2.weights).1 < 1.0 / 12f64.sqrt() {
                tighter += 1;
            }
        }
        assert!(tighter >= 2, "the posterior is tighter on {tighter} inputs");
    }
}
