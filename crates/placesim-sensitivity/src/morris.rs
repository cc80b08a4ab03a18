//! Morris elementary effects (Morris 1991), screened by μ* (Campolongo,
//! Cariboni and Saltelli 2007).
//!
//! A trajectory starts at a random point of a `p`-level grid in the unit
//! cube and moves one factor at a time, in a random order, by
//! `Δ = p / (2 (p − 1))`, up or down at random; `r` trajectories take
//! `r (k + 1)` runs. Factor `i`'s elementary effect on a trajectory is the
//! change in the output over the change in the factor,
//! `(f(x′) − f(x)) / (x′_i − x_i)`. Over the `r` trajectories: `μ`, their
//! mean; `μ*`, the mean of their absolute values (the screening measure);
//! `σ`, their standard deviation (`r − 1` in the denominator, as SALib),
//! large where a factor interacts or acts non-linearly. `μ*` has a 95 %
//! bootstrap interval over trajectories.

use crate::resample;
use crate::Estimate;
use placesim_core::rng::{Purpose, Stream};

/// A Morris design: `r` trajectories over `k` factors in `g` groups on a
/// `p`-level grid. Each step moves one group: every factor of it, the same
/// way (Campolongo, Cariboni and Saltelli 2007); a factor alone is a group
/// of one.
#[derive(Clone, Debug, PartialEq)]
pub struct Morris {
    pub r: usize,
    pub k: usize,
    /// Groups, each a list of factors.
    pub groups: Vec<Vec<usize>>,
    pub levels: usize,
    points: Vec<Vec<f64>>,
    /// For each trajectory, the group moved at each step.
    moved: Vec<Vec<usize>>,
}

impl Morris {
    /// `r` trajectories over `k` factors on an even number `levels` of grid
    /// levels, drawn from the design stream of `seed`.
    pub fn new(r: usize, k: usize, levels: usize, seed: u64) -> Result<Self, String> {
        Morris::grouped(r, &(0..k).collect::<Vec<_>>(), levels, seed)
    }

    /// As [`Morris::new`], with factor `i` in group `group_of[i]` (groups
    /// numbered from 0, each used). With every factor alone, the same design.
    pub fn grouped(r: usize, group_of: &[usize], levels: usize, seed: u64) -> Result<Self, String> {
        let k = group_of.len();
        let g = group_of.iter().max().map_or(0, |m| m + 1);
        let groups: Vec<Vec<usize>> = (0..g)
            .map(|j| (0..k).filter(|&i| group_of[i] == j).collect())
            .collect();
        if groups.iter().any(Vec::is_empty) {
            return Err("a group number has no factor: number groups from 0 without gaps".into());
        }
        if r < 2 {
            return Err(format!("{r} trajectories: allowed 2 or more"));
        }
        if k == 0 {
            return Err("no factors: allowed 1 or more".into());
        }
        if levels < 2 || levels % 2 == 1 {
            return Err(format!(
                "{levels} levels: allowed an even number, 2 or more"
            ));
        }
        let delta = levels as f64 / (2.0 * (levels - 1) as f64);
        let (mut points, mut moved) = (Vec::new(), Vec::new());
        for t in 0..r {
            let mut rng = Stream::new(seed, Purpose::Design, t as u32, 2);
            // Lower half of the grid, so that a step of Δ stays inside.
            let half = (levels / 2) as u32;
            let mut x: Vec<f64> = (0..k)
                .map(|_| rng.below(half) as f64 / (levels - 1) as f64)
                .collect();
            // One direction per group: its factors step together.
            let up: Vec<bool> = (0..g).map(|_| rng.chance(0.5)).collect();
            for (i, xi) in x.iter_mut().enumerate() {
                if !up[group_of[i]] {
                    *xi += delta;
                }
            }
            let mut order: Vec<usize> = (0..g).collect();
            for j in (1..g).rev() {
                order.swap(j, rng.below(j as u32 + 1) as usize);
            }
            points.push(x.clone());
            for &j in &order {
                for &i in &groups[j] {
                    x[i] += if up[j] { delta } else { -delta };
                }
                points.push(x.clone());
            }
            moved.push(order);
        }
        Ok(Morris {
            r,
            k,
            groups,
            levels,
            points,
            moved,
        })
    }

    /// Points the model runs at, in run order: `r (g + 1)`.
    pub fn points(&self) -> &[Vec<f64>] {
        &self.points
    }
}

/// One factor's screening measures.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Effects {
    pub mu: f64,
    pub mu_star: Estimate,
    pub sigma: f64,
}

/// Each group's elementary effects, one per trajectory (a factor alone is
/// a group of one). A group's step is read off its first factor.
pub fn elementary_effects(design: &Morris, outputs: &[f64]) -> Vec<Vec<f64>> {
    assert_eq!(
        outputs.len(),
        design.points.len(),
        "one output per design point"
    );
    let g = design.groups.len();
    let mut ee = vec![Vec::with_capacity(design.r); g];
    for (t, order) in design.moved.iter().enumerate() {
        let base = t * (g + 1);
        for (step, &j) in order.iter().enumerate() {
            let (p, q) = (base + step, base + step + 1);
            let i = design.groups[j][0];
            let dx = design.points[q][i] - design.points[p][i];
            ee[j].push((outputs[q] - outputs[p]) / dx);
        }
    }
    ee
}

/// μ, μ* (with a 95 % interval from `rounds` bootstrap resamples of the
/// trajectories, keyed by `seed`) and σ of each group (of each factor when
/// every factor is alone). For a group of several factors only μ* is
/// meant to be read (Campolongo et al. 2007): its factors move together.
pub fn effects(design: &Morris, outputs: &[f64], rounds: usize, seed: u64) -> Vec<Effects> {
    let all: Vec<usize> = (0..design.r).collect();
    elementary_effects(design, outputs)
        .iter()
        .enumerate()
        .map(|(i, ee)| {
            let mean_abs =
                |r: &[usize]| r.iter().map(|&t| ee[t].abs()).sum::<f64>() / r.len() as f64;
            let (low, high) =
                resample::interval(design.r, rounds, seed ^ ((i as u64 + 1) << 32), mean_abs);
            let mu = ee.iter().sum::<f64>() / ee.len() as f64;
            let var = ee.iter().map(|e| (e - mu).powi(2)).sum::<f64>() / (ee.len() - 1) as f64;
            Effects {
                mu,
                mu_star: Estimate {
                    value: mean_abs(&all),
                    low,
                    high,
                },
                sigma: var.sqrt(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::known;

    /// On Sobol's G function the importance of a factor falls as its
    /// coefficient rises; μ* ranks the factors so (a = 0, 1, 4.5, 9, then
    /// four at 99 below all of them), with 50 trajectories on 4 levels.
    #[test]
    fn mu_star_ranks_the_g_function_factors_by_importance() {
        let a = [0.0, 1.0, 4.5, 9.0, 99.0, 99.0, 99.0, 99.0];
        let design = Morris::new(50, a.len(), 4, 1).unwrap();
        let out: Vec<f64> = design.points().iter().map(|u| known::g(&a, u)).collect();
        let e = effects(&design, &out, 200, 1);
        let m: Vec<f64> = e.iter().map(|e| e.mu_star.value).collect();
        assert!(m[0] > m[1] && m[1] > m[2] && m[2] > m[3], "{m:?}");
        assert!(m[4..].iter().all(|&x| x < m[3]), "{m:?}");
    }

    /// A linear function's elementary effects are its slopes exactly, with
    /// σ = 0: μ = μ* = slope, whichever way the trajectory stepped.
    #[test]
    fn a_linear_function_has_its_slopes_as_effects() {
        let design = Morris::new(10, 3, 4, 3).unwrap();
        let out: Vec<f64> = design
            .points()
            .iter()
            .map(|u| 2.0 * u[0] - 5.0 * u[1])
            .collect();
        let e = effects(&design, &out, 50, 1);
        let close = |x: f64, y: f64| (x - y).abs() < 1e-9;
        assert!(close(e[0].mu, 2.0) && close(e[0].mu_star.value, 2.0) && close(e[0].sigma, 0.0));
        assert!(close(e[1].mu, -5.0) && close(e[1].mu_star.value, 5.0) && close(e[1].sigma, 0.0));
        assert!(close(e[2].mu_star.value, 0.0));
    }

    /// Grouping the four unimportant G factors (a = 99) gives one group
    /// that still ranks below the four important factors, from a design of
    /// 5 points per trajectory instead of 9; with every factor alone the
    /// grouped design is the plain one.
    #[test]
    fn a_group_moves_together_and_screens_as_one() {
        let a = [0.0, 1.0, 4.5, 9.0, 99.0, 99.0, 99.0, 99.0];
        let groups = [0, 1, 2, 3, 4, 4, 4, 4];
        let design = Morris::grouped(50, &groups, 4, 1).unwrap();
        assert_eq!(design.points().len(), 50 * 6);
        for t in 0..50 {
            for s in 0..5 {
                let (p, q) = (&design.points()[t * 6 + s], &design.points()[t * 6 + s + 1]);
                let changed: Vec<usize> = (0..8).filter(|&i| p[i] != q[i]).collect();
                assert!(changed.len() == 1 || changed == [4, 5, 6, 7], "{changed:?}");
            }
        }
        let out: Vec<f64> = design.points().iter().map(|u| known::g(&a, u)).collect();
        let e = effects(&design, &out, 200, 1);
        assert_eq!(e.len(), 5);
        let m: Vec<f64> = e.iter().map(|e| e.mu_star.value).collect();
        assert!(
            m[0] > m[1] && m[1] > m[2] && m[2] > m[3] && m[4] < m[3],
            "{m:?}"
        );
        assert_eq!(
            Morris::grouped(7, &[0, 1, 2], 4, 5).unwrap(),
            Morris::new(7, 3, 4, 5).unwrap()
        );
        assert!(Morris::grouped(7, &[0, 2, 2], 4, 5).is_err());
    }

    #[test]
    fn trajectories_stay_in_the_cube_and_move_one_factor_a_step() {
        let d = Morris::new(20, 5, 6, 9).unwrap();
        assert_eq!(d.points().len(), 20 * 6);
        for t in 0..20 {
            for s in 0..5 {
                let (p, q) = (&d.points()[t * 6 + s], &d.points()[t * 6 + s + 1]);
                let changed = (0..5).filter(|&i| p[i] != q[i]).count();
                assert_eq!(changed, 1);
            }
        }
        assert!(d
            .points()
            .iter()
            .flatten()
            .all(|&x| (0.0..=1.0).contains(&x)));
        assert!(Morris::new(10, 3, 5, 0).is_err());
    }
}
