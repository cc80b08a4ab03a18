//! Sobol indices from a Saltelli design.
//!
//! The design (Saltelli 2002; Saltelli et al. 2010) takes two independent
//! `n × k` matrices `A` and `B` from one Owen-scrambled Sobol sequence in
//! `2k` dimensions (`A` the first `k`, `B` the next `k`), and for each factor
//! `i` the matrix `AB_i`: `A` with column `i` taken from `B`. The model runs
//! at `n (k + 2)` points. With `V` the variance of the outputs at `A` and `B`
//! together (the population variance, as SALib computes it):
//!
//! - first order, Saltelli et al. (2010): `S_i = mean((f(B) − ȳ) · (f(AB_i) − f(A))) / V`,
//!   with `ȳ` the mean of every output of the design (centring removes a
//!   term that is zero in expectation but not in a sample; SALib 1.5
//!   standardises its outputs first, which comes to the same);
//! - total, Jansen (1999): `ST_i = mean((f(A) − f(AB_i))²) / (2 V)`.
//!
//! Intervals resample the `n` rows (of `A`, `B` and every `AB_i` together).
//! These estimators are unbiased but not bounded: with too small an `n` an
//! index can come out negative or above 1; [`Index::trusted`] says whether
//! the interval is narrow enough to read it.

use crate::resample;
use crate::Estimate;

/// The widest 95 % interval (half-width) at which an index is read; wider
/// means `n` is too small for it.
pub const TRUSTED_HALF_WIDTH: f64 = 0.05;

/// A Saltelli design of `n` base rows over `k` factors in `g` groups: a
/// group's columns are swapped from `B` together, so its indices are the
/// group's (Jacques et al. 2006); a factor alone is a group of one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Saltelli {
    pub n: usize,
    pub k: usize,
    /// The group of each factor, numbered from 0.
    pub group_of: Vec<usize>,
    /// How many groups.
    pub g: usize,
    /// Seed of the sequence's scrambling.
    pub seed: u32,
}

/// Why a design cannot be built.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DesignError {
    /// The sequence has 2^16 points; `n` must be between 2 and that.
    Samples(usize),
    /// The sequence has 256 dimensions, two per factor; `k` must be 1 to 128.
    Factors(usize),
    /// Groups must be numbered from 0 without gaps.
    Groups,
}

impl std::fmt::Display for DesignError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DesignError::Samples(n) => write!(f, "{n} samples: allowed 2 to 65,536"),
            DesignError::Factors(k) => write!(f, "{k} factors: allowed 1 to 128"),
            DesignError::Groups => write!(
                f,
                "a group number has no factor: number groups from 0 without gaps"
            ),
        }
    }
}

impl Saltelli {
    pub fn new(n: usize, k: usize, seed: u32) -> Result<Self, DesignError> {
        Saltelli::grouped(n, &(0..k).collect::<Vec<_>>(), seed)
    }

    /// As [`Saltelli::new`], with factor `i` in group `group_of[i]` (groups
    /// numbered from 0 without gaps).
    pub fn grouped(n: usize, group_of: &[usize], seed: u32) -> Result<Self, DesignError> {
        let k = group_of.len();
        if !(2..=1 << 16).contains(&n) {
            return Err(DesignError::Samples(n));
        }
        if !(1..=128).contains(&k) {
            return Err(DesignError::Factors(k));
        }
        let g = group_of.iter().max().map_or(0, |m| m + 1);
        if (0..g).any(|j| !group_of.contains(&j)) {
            return Err(DesignError::Groups);
        }
        Ok(Saltelli {
            n,
            k,
            group_of: group_of.to_vec(),
            g,
            seed,
        })
    }

    /// Points the model runs at: `n (g + 2)`.
    pub fn len(&self) -> usize {
        self.n * (self.g + 2)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Point `p` in the unit cube, in run order: `A`'s rows, then `B`'s, then
    /// `AB_1`'s, …, `AB_g`'s (`AB_j`: `A` with group `j`'s columns from `B`).
    pub fn point(&self, p: usize) -> Vec<f64> {
        let (block, row) = (p / self.n, p % self.n);
        let a = |i: usize| sobol_burley::sample(row as u32, i as u32, self.seed) as f64;
        let b = |i: usize| a(self.k + i);
        match block {
            0 => (0..self.k).map(a).collect(),
            1 => (0..self.k).map(b).collect(),
            j => {
                let swapped = j - 2;
                (0..self.k)
                    .map(|i| {
                        if self.group_of[i] == swapped {
                            b(i)
                        } else {
                            a(i)
                        }
                    })
                    .collect()
            }
        }
    }
}

/// One factor's indices.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Index {
    pub first: Estimate,
    pub total: Estimate,
}

impl Index {
    /// Whether both intervals are narrow enough to read the indices.
    pub fn trusted(&self) -> bool {
        self.first.half_width() <= TRUSTED_HALF_WIDTH
            && self.total.half_width() <= TRUSTED_HALF_WIDTH
    }
}

/// First-order and total indices of each factor from `outputs`, one per
/// point of `design` in its run order, with 95 % intervals from `rounds`
/// bootstrap resamples keyed by `seed`.
pub fn indices(design: &Saltelli, outputs: &[f64], rounds: usize, seed: u64) -> Vec<Index> {
    assert_eq!(outputs.len(), design.len(), "one output per design point");
    let n = design.n;
    let f_a = &outputs[..n];
    let f_b = &outputs[n..2 * n];
    let rows: Vec<usize> = (0..n).collect();
    let centre = outputs.iter().sum::<f64>() / outputs.len() as f64;
    (0..design.g)
        .map(|i| {
            let f_ab = &outputs[(2 + i) * n..(3 + i) * n];
            let first = |r: &[usize]| first_order(f_a, f_b, f_ab, centre, r);
            let total = |r: &[usize]| total_order(f_a, f_b, f_ab, r);
            let estimate = |stat: &dyn Fn(&[usize]) -> f64, key: u64| {
                let (low, high) = resample::interval(n, rounds, key, stat);
                Estimate {
                    value: stat(&rows),
                    low,
                    high,
                }
            };
            let key = seed ^ ((i as u64 + 1) << 32);
            Index {
                first: estimate(&first, key),
                total: estimate(&total, key ^ (1 << 31)),
            }
        })
        .collect()
}

/// The population variance of the outputs at `A` and `B` over rows `r`.
fn variance(f_a: &[f64], f_b: &[f64], r: &[usize]) -> f64 {
    let m = r.len() as f64 * 2.0;
    let mean = r.iter().map(|&j| f_a[j] + f_b[j]).sum::<f64>() / m;
    r.iter()
        .map(|&j| (f_a[j] - mean).powi(2) + (f_b[j] - mean).powi(2))
        .sum::<f64>()
        / m
}

/// Saltelli et al. (2010), their equation (b) of table 2, with `f(B)`
/// centred on `centre`, the mean of every output of the design.
pub fn first_order(f_a: &[f64], f_b: &[f64], f_ab: &[f64], centre: f64, r: &[usize]) -> f64 {
    let s = r
        .iter()
        .map(|&j| (f_b[j] - centre) * (f_ab[j] - f_a[j]))
        .sum::<f64>()
        / r.len() as f64;
    s / variance(f_a, f_b, r)
}

/// Jansen (1999), as in Saltelli et al. (2010), equation (f) of table 2.
pub fn total_order(f_a: &[f64], f_b: &[f64], f_ab: &[f64], r: &[usize]) -> f64 {
    let s = r.iter().map(|&j| (f_a[j] - f_ab[j]).powi(2)).sum::<f64>() / r.len() as f64;
    s / (2.0 * variance(f_a, f_b, r))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::known;

    fn run(design: &Saltelli, f: impl Fn(&[f64]) -> f64) -> Vec<f64> {
        (0..design.len()).map(|p| f(&design.point(p))).collect()
    }

    /// Sobol's G with its last three factors as one group, at n = 4,096: the
    /// group's closed first-order index is `(Π_{i∈G}(1 + V_i) − 1) / V` and
    /// its total `1 − (Π_{i∉G}(1 + V_i) − 1) / V`, with `V_i = 1 / (3 (1 +
    /// a_i)²)` and `V = Π(1 + V_i) − 1`; both recovered within 0.03.
    #[test]
    fn a_group_has_its_closed_and_total_indices() {
        let a = [0.0, 1.0, 2.0, 3.0, 4.0];
        let design = Saltelli::grouped(4096, &[0, 1, 2, 2, 2], 0).unwrap();
        assert_eq!(design.len(), 4096 * 5);
        let got = indices(&design, &run(&design, |u| known::g(&a, u)), 200, 1);
        let v: Vec<f64> = a
            .iter()
            .map(|ai| 1.0 / (3.0 * (1.0 + ai) * (1.0 + ai)))
            .collect();
        let prod = |idx: &[usize]| idx.iter().map(|&i| 1.0 + v[i]).product::<f64>();
        let total_v = prod(&[0, 1, 2, 3, 4]) - 1.0;
        let first = (prod(&[2, 3, 4]) - 1.0) / total_v;
        let total = 1.0 - (prod(&[0, 1]) - 1.0) / total_v;
        assert_eq!(got.len(), 3);
        assert!(
            (got[2].first.value - first).abs() < 0.03,
            "{:?} vs {first}",
            got[2].first
        );
        assert!(
            (got[2].total.value - total).abs() < 0.03,
            "{:?} vs {total}",
            got[2].total
        );
        assert_eq!(Saltelli::grouped(8, &[0, 2], 0), Err(DesignError::Groups));
    }

    /// Ishigami at n = 4,096 (seed 0 of the scrambling, the first one tried):
    /// every first-order and total index within 0.03 of its analytic value.
    #[test]
    fn ishigami_indices_are_recovered() {
        let design = Saltelli::new(4096, 3, 0).unwrap();
        let got = indices(&design, &run(&design, known::ishigami), 200, 1);
        let (first, total) = known::ishigami_indices();
        for i in 0..3 {
            assert!(
                (got[i].first.value - first[i]).abs() < 0.03,
                "S{i}: {:?} vs {}",
                got[i].first,
                first[i]
            );
            assert!(
                (got[i].total.value - total[i]).abs() < 0.03,
                "ST{i}: {:?} vs {}",
                got[i].total,
                total[i]
            );
        }
    }

    /// Sobol's G function (a = 0, 1, 4.5, 9, 99, 99, 99, 99) at n = 4,096:
    /// every index within 0.03 of its analytic value, and each analytic
    /// value inside its 95 % bootstrap interval widened by 0.01.
    #[test]
    fn g_function_indices_are_recovered() {
        let a = [0.0, 1.0, 4.5, 9.0, 99.0, 99.0, 99.0, 99.0];
        let design = Saltelli::new(4096, a.len(), 0).unwrap();
        let got = indices(&design, &run(&design, |u| known::g(&a, u)), 200, 1);
        let (first, total) = known::g_indices(&a);
        for i in 0..a.len() {
            for (e, want, name) in [
                (got[i].first, first[i], "S"),
                (got[i].total, total[i], "ST"),
            ] {
                assert!((e.value - want).abs() < 0.03, "{name}{i}: {e:?} vs {want}");
                assert!(
                    e.low - 0.01 <= want && want <= e.high + 0.01,
                    "{name}{i}: {e:?} vs {want}"
                );
            }
        }
    }

    /// Too few samples is said, not printed as if it were an answer: at
    /// n = 16 the Ishigami indices are not trusted; at 4,096 they are.
    #[test]
    fn small_designs_say_their_indices_cannot_be_trusted() {
        let small = Saltelli::new(16, 3, 0).unwrap();
        let got = indices(&small, &run(&small, known::ishigami), 200, 1);
        assert!(got.iter().all(|i| !i.trusted()), "{got:?}");
        let large = Saltelli::new(4096, 3, 0).unwrap();
        let got = indices(&large, &run(&large, known::ishigami), 200, 1);
        assert!(got.iter().all(|i| i.trusted()), "{got:?}");
    }

    #[test]
    fn the_design_swaps_one_column_per_block() {
        let d = Saltelli::new(8, 3, 7).unwrap();
        assert_eq!(d.len(), 40);
        let (a, b) = (d.point(5), d.point(8 + 5));
        let ab1 = d.point(3 * 8 + 5);
        assert_eq!(ab1, vec![a[0], b[1], a[2]]);
        assert_eq!(Saltelli::new(1, 3, 0), Err(DesignError::Samples(1)));
        assert_eq!(Saltelli::new(8, 129, 0), Err(DesignError::Factors(129)));
    }
}
