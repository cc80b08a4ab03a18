//! Global sensitivity analysis: the designs that say where to run the
//! model, and the estimators that turn its outputs into indices.
//!
//! Both are pure: a design is a list of points in the unit cube (mapping
//! them to parameter values is the caller's), and an estimator is a
//! function of the design and one output per point. So they are tested
//! against functions with known indices (Ishigami, Sobol's G) without a
//! model run.
//!
//! - [`sobol`]: a Saltelli design on an Owen-scrambled Sobol sequence, and
//!   first-order (Saltelli et al. 2010) and total (Jansen 1999) indices
//!   with bootstrap intervals.
//! - [`distribution`]: the distributions of uncertain parameters, as
//!   quantile functions from the unit interval.
//! - [`design`]: a method with its size, and its points as parameter
//!   values, rebuilt from the method, the distributions and the seed.
//! - [`morris`]: Morris trajectories and elementary effects (μ, μ*, σ;
//!   Morris 1991, μ* after Campolongo, Cariboni and Saltelli 2007) with a
//!   bootstrap interval on μ*.

pub mod design;
pub mod distribution;
pub mod morris;
pub mod sobol;

pub use distribution::Distribution;

mod resample;

/// An estimate with its 95 % bootstrap interval (percentile method).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Estimate {
    pub value: f64,
    pub low: f64,
    pub high: f64,
}

impl Estimate {
    /// Half the interval's width.
    pub fn half_width(&self) -> f64 {
        (self.high - self.low) / 2.0
    }
}

#[cfg(test)]
pub(crate) mod known {
    //! Test functions with analytic indices.

    use std::f64::consts::PI;

    /// Ishigami (a = 7, b = 0.1) on [−π, π]^3, from unit-cube coordinates.
    pub fn ishigami(u: &[f64]) -> f64 {
        let x: Vec<f64> = u.iter().map(|v| -PI + 2.0 * PI * v).collect();
        x[0].sin() + 7.0 * x[1].sin().powi(2) + 0.1 * x[2].powi(4) * x[0].sin()
    }

    /// Ishigami's first-order and total indices (Saltelli et al. 2008, table).
    pub fn ishigami_indices() -> ([f64; 3], [f64; 3]) {
        let (a, b) = (7.0_f64, 0.1_f64);
        let pi4 = PI.powi(4);
        let v1 = 0.5 * (1.0 + b * pi4 / 5.0).powi(2);
        let v2 = a * a / 8.0;
        let v13 = b * b * PI.powi(8) * (1.0 / 18.0 - 1.0 / 50.0);
        let v = v1 + v2 + v13;
        ([v1 / v, v2 / v, 0.0], [(v1 + v13) / v, v2 / v, v13 / v])
    }

    /// Sobol's G function with coefficients `a`, on the unit cube.
    pub fn g(a: &[f64], u: &[f64]) -> f64 {
        a.iter()
            .zip(u)
            .map(|(a, x)| ((4.0 * x - 2.0).abs() + a) / (1.0 + a))
            .product()
    }

    /// The G function's first-order and total indices.
    pub fn g_indices(a: &[f64]) -> (Vec<f64>, Vec<f64>) {
        let vi: Vec<f64> = a.iter().map(|a| 1.0 / (3.0 * (1.0 + a).powi(2))).collect();
        let v = vi.iter().map(|x| 1.0 + x).product::<f64>() - 1.0;
        let first = vi.iter().map(|x| x / v).collect();
        let total = (0..a.len())
            .map(|i| {
                let rest: f64 = (0..a.len())
                    .filter(|&j| j != i)
                    .map(|j| 1.0 + vi[j])
                    .product();
                vi[i] * rest / v
            })
            .collect();
        (first, total)
    }
}
