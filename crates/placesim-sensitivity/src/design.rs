//! A sensitivity design as the model runs it: the method with its size, and
//! its points as parameter values (each unit-cube point mapped through each
//! parameter's distribution). Rebuilt from the method, the distributions and
//! the seed alone, so that a results folder's manifest need only name them.

use crate::morris::Morris;
use crate::sobol::Saltelli;
use crate::Distribution;
use serde::{Deserialize, Serialize};

/// A method and its size.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "method", rename_all = "snake_case")]
pub enum Method {
    /// Morris screening: `trajectories` one-at-a-time paths on a grid of `levels`.
    Morris { trajectories: usize, levels: usize },
    /// Sobol indices from a Saltelli design of `samples` base rows.
    Sobol { samples: usize },
    /// A Latin hypercube of `samples` points: no indices, but every point
    /// an independent draw, for robustness and scenario discovery.
    LatinHypercube { samples: usize },
    /// `count` points the caller chose (a calibration wave's pick from the
    /// space not ruled out yet): no indices; the points live in the
    /// manifest, not rebuilt from the seed.
    Given { count: usize },
}

impl Method {
    /// The method's name as the command line and the files write it.
    pub fn name(&self) -> &'static str {
        match self {
            Method::Morris { .. } => "morris",
            Method::Sobol { .. } => "sobol",
            Method::LatinHypercube { .. } => "latin_hypercube",
            Method::Given { .. } => "given",
        }
    }

    /// How many points a design of `g` groups (factors alone count as one) has.
    pub fn points(&self, g: usize) -> usize {
        match *self {
            Method::Morris { trajectories, .. } => trajectories * (g + 1),
            Method::Sobol { samples } => samples * (g + 2),
            Method::LatinHypercube { samples } => samples,
            Method::Given { count } => count,
        }
    }
}

/// The unit-cube structure of a design, which the estimators read.
#[derive(Clone, Debug, PartialEq)]
pub enum Structure {
    Morris(Morris),
    Sobol(Saltelli),
    /// Each point in the unit cube, in run order.
    LatinHypercube(Vec<Vec<f64>>),
    /// The number of points a caller chose; their positions are the caller's.
    Given(usize),
}

impl Structure {
    /// The design of `method` over factors in groups (factor `i` in group
    /// `group_of[i]`, numbered from 0), from `seed`; an error says what is allowed.
    pub fn new(method: Method, group_of: &[usize], seed: u64) -> Result<Structure, String> {
        match method {
            Method::Morris {
                trajectories,
                levels,
            } => Morris::grouped(trajectories, group_of, levels, seed).map(Structure::Morris),
            Method::Sobol { samples } => {
                // The scrambling seed is the sweep seed folded to 32 bits.
                let folded = (seed ^ (seed >> 32)) as u32;
                Saltelli::grouped(samples, group_of, folded)
                    .map(Structure::Sobol)
                    .map_err(|e| e.to_string())
            }
            Method::LatinHypercube { samples } => {
                if !(2..=100_000).contains(&samples) {
                    return Err(format!("{samples} samples: allowed 2 to 100,000"));
                }
                Ok(Structure::LatinHypercube(latin_hypercube(
                    samples,
                    group_of.len(),
                    seed,
                )))
            }
            Method::Given { count } => {
                if !(1..=100_000).contains(&count) {
                    return Err(format!("{count} points: allowed 1 to 100,000"));
                }
                Ok(Structure::Given(count))
            }
        }
    }

    /// How many points.
    pub fn len(&self) -> usize {
        match self {
            Structure::Morris(m) => m.points().len(),
            Structure::Sobol(s) => s.len(),
            Structure::LatinHypercube(p) => p.len(),
            Structure::Given(n) => *n,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Point `p` in the unit cube.
    pub fn unit_point(&self, p: usize) -> Vec<f64> {
        match self {
            Structure::Morris(m) => m.points()[p].clone(),
            Structure::Sobol(s) => s.point(p),
            Structure::LatinHypercube(points) => points[p].clone(),
            // Not rebuilt: the caller holds a given design's unit points.
            Structure::Given(_) => Vec::new(),
        }
    }

    /// The points that are independent draws from the parameters' joint
    /// distribution, on which robustness, the split of variance and the
    /// design's comparison are read: Sobol's `A` and `B` rows (a scrambled
    /// low-discrepancy sample), and the start of each Morris trajectory (a
    /// random point of the grid; the later points of a trajectory are tied
    /// to it, so they are not counted as draws).
    pub fn random_points(&self) -> Vec<usize> {
        match self {
            Structure::Morris(m) => {
                let per = m.groups.len() + 1;
                (0..m.r).map(|t| t * per).collect()
            }
            Structure::Sobol(s) => (0..2 * s.n).collect(),
            Structure::LatinHypercube(p) => (0..p.len()).collect(),
            Structure::Given(n) => (0..*n).collect(),
        }
    }
}

/// A Latin hypercube of `n` points over `k` factors (McKay, Beckman and
/// Conover 1979): each factor's range cut into `n` equal strata, each point
/// in a different stratum of every factor (a random permutation per
/// factor), uniformly within it. Every factor draws from its own stream.
fn latin_hypercube(n: usize, k: usize, seed: u64) -> Vec<Vec<f64>> {
    use placesim_core::rng::{Purpose, Stream};
    let columns: Vec<Vec<f64>> = (0..k)
        .map(|d| {
            let mut rng = Stream::new(seed, Purpose::Design, 1, d as u32);
            let mut strata: Vec<u32> = (0..n as u32).collect();
            for i in (1..n).rev() {
                strata.swap(i, rng.below(i as u32 + 1) as usize);
            }
            strata
                .iter()
                .map(|&s| (s as f64 + rng.unit_f64()) / n as f64)
                .collect()
        })
        .collect();
    (0..n)
        .map(|i| columns.iter().map(|c| c[i]).collect())
        .collect()
}

/// Numbers for the distinct names of `labels` (each parameter's group), from
/// 0 in order of first appearance, and the names in that order.
pub fn numbered(labels: &[String]) -> (Vec<usize>, Vec<String>) {
    let mut names: Vec<String> = Vec::new();
    let of = labels
        .iter()
        .map(|l| {
            names.iter().position(|n| n == l).unwrap_or_else(|| {
                names.push(l.clone());
                names.len() - 1
            })
        })
        .collect();
    (of, names)
}

/// Point `p` of `structure` as parameter values, one per distribution.
pub fn values(structure: &Structure, distributions: &[Distribution], p: usize) -> Vec<f64> {
    structure
        .unit_point(p)
        .iter()
        .zip(distributions)
        .map(|(&u, d)| d.quantile(u))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every factor of a Latin hypercube has one point in each of its strata.
    #[test]
    fn a_latin_hypercube_fills_every_stratum_once() {
        let Structure::LatinHypercube(points) =
            Structure::new(Method::LatinHypercube { samples: 50 }, &[0, 1, 2], 9).unwrap()
        else {
            panic!("not a Latin hypercube")
        };
        for d in 0..3 {
            let mut strata: Vec<usize> = points.iter().map(|p| (p[d] * 50.0) as usize).collect();
            strata.sort_unstable();
            assert_eq!(strata, (0..50).collect::<Vec<_>>());
        }
    }

    #[test]
    fn points_map_through_each_distribution_and_count_as_the_method_says() {
        let d = [
            Distribution::Uniform {
                low: 2.0,
                high: 4.0,
            },
            Distribution::LogUniform {
                low: 1.0,
                high: 100.0,
            },
        ];
        for method in [
            Method::Morris {
                trajectories: 5,
                levels: 4,
            },
            Method::Sobol { samples: 16 },
            Method::LatinHypercube { samples: 16 },
        ] {
            let s = Structure::new(method, &[0, 1], 7).unwrap();
            assert_eq!(s.len(), method.points(2));
            for p in 0..s.len() {
                let u = s.unit_point(p);
                let x = values(&s, &d, p);
                assert!((x[0] - (2.0 + 2.0 * u[0])).abs() < 1e-12);
                assert!((x[1] - 10f64.powf(2.0 * u[1])).abs() < 1e-9 * x[1]);
            }
        }
        assert!(Structure::new(Method::Sobol { samples: 1 }, &[0, 1], 0).is_err());
        assert!(Structure::new(
            Method::Morris {
                trajectories: 4,
                levels: 3
            },
            &[0, 1],
            0
        )
        .is_err());
    }

    /// A categorical factor takes its positions, whole numbers from 0 to
    /// `count − 1`, under every method; Morris steps it between positions
    /// like any factor (its elementary effect is per unit of the cube).
    #[test]
    fn a_categorical_factor_takes_whole_positions_under_every_method() {
        let d = [
            Distribution::Categorical { count: 3 },
            Distribution::Uniform {
                low: 0.0,
                high: 1.0,
            },
        ];
        for method in [
            Method::Morris {
                trajectories: 6,
                levels: 4,
            },
            Method::Sobol { samples: 64 },
            Method::LatinHypercube { samples: 60 },
        ] {
            let s = Structure::new(method, &[0, 1], 11).unwrap();
            let mut seen = [0usize; 3];
            for p in 0..s.len() {
                let x = values(&s, &d, p)[0];
                assert!(x == x.round() && (0.0..=2.0).contains(&x), "{x}");
                seen[x as usize] += 1;
            }
            assert!(seen.iter().all(|&n| n > 0), "{method:?}: {seen:?}");
            if let Method::LatinHypercube { .. } = method {
                assert_eq!(seen, [20, 20, 20]);
            }
        }
    }
}
