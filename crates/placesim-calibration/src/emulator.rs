//! A Gaussian-process emulator of one model output over the unit cube of
//! the uncertain parameters (each parameter's cumulative probability, so
//! the prior is uniform on the cube): a constant mean and an anisotropic
//! squared-exponential correlation, one length scale per parameter fitted
//! by maximum likelihood (`egobox-gp`).
//!
//! The output a wave gives the emulator at a point is the mean of the
//! point's replicates, so it carries stochastic noise; the emulator's
//! nugget is that noise's variance over the outputs' spread, so that it
//! smooths the noise rather than interpolating it.
//!
//! In the terms of any Gaussian-process library: the covariance is
//! `σ² exp(−½ Σ_j (x_j − x′_j)² / ℓ_j²)` ([`Emulator::process_variance`],
//! [`Emulator::length_scales`] on the unit cube), with `σ² × nugget` added
//! on the diagonal of the training points only; the constant mean
//! ([`Emulator::prior_mean`]) is estimated by generalised least squares
//! (universal kriging), and its uncertainty adds
//! `(1ᵀK⁻¹k − 1)² / 1ᵀK⁻¹1` to the predicted variance. The system tests
//! check predictions against scikit-learn's `GaussianProcessRegressor`
//! with these hyperparameters fixed (scripts/check_emulator.py).

use egobox_gp::correlation_models::SquaredExponentialCorr;
use egobox_gp::mean_models::ConstantMean;
use egobox_gp::{GaussianProcess, ThetaTuning};
use linfa::prelude::*;
use ndarray::{Array1, Array2};

type Gp = GaussianProcess<f64, ConstantMean, SquaredExponentialCorr>;

/// Why an emulator could not be fitted.
#[derive(Debug, thiserror::Error)]
pub enum EmulatorError {
    #[error("an emulator needs at least {0} points, one more than its parameters (got {1})")]
    TooFewPoints(usize, usize),
    #[error("the points and outputs differ in number ({0} and {1})")]
    Mismatch(usize, usize),
    #[error("an output or a point is not a finite number")]
    NotFinite,
    #[error("the Gaussian process could not be fitted: {0}")]
    Fit(String),
}

/// A fitted emulator.
pub struct Emulator {
    gp: Gp,
    nugget: f64,
    dims: usize,
    /// Each input's sample sd over the training points (n − 1; 1 where it
    /// is 0), by which `egobox-gp` scales the inputs before correlating.
    input_sd: Vec<f64>,
}

/// The relative nugget for outputs whose noise has variance `noise` (of
/// the values fitted, e.g. the stochastic variance over the replicates
/// averaged) and whose values spread with variance `spread`: their ratio,
/// kept between 1e-8 (numerically safe) and 0.9 (mostly noise).
pub fn relative_nugget(noise: f64, spread: f64) -> f64 {
    if spread.is_nan() || spread <= 0.0 || !noise.is_finite() {
        return 1e-8;
    }
    (noise / spread).clamp(1e-8, 0.9)
}

fn matrix(x: &[Vec<f64>]) -> Array2<f64> {
    let dims = x.first().map_or(0, Vec::len);
    Array2::from_shape_fn((x.len(), dims), |(i, j)| x[i][j])
}

impl Emulator {
    /// Fit to `y` at the points `x` (rows in the unit cube), with
    /// `noise`, the variance of the noise in each `y` (0 for none).
    pub fn fit(x: &[Vec<f64>], y: &[f64], noise: f64) -> Result<Emulator, EmulatorError> {
        let dims = x.first().map_or(0, Vec::len);
        if x.len() != y.len() {
            return Err(EmulatorError::Mismatch(x.len(), y.len()));
        }
        if x.len() < dims + 2 {
            return Err(EmulatorError::TooFewPoints(dims + 2, x.len()));
        }
        if !y.iter().chain(x.iter().flatten()).all(|v| v.is_finite()) {
            return Err(EmulatorError::NotFinite);
        }
        let nugget = relative_nugget(noise, variance(y));
        let gp = Self::params(nugget, None)
            .fit(&Dataset::new(matrix(x), Array1::from(y.to_vec())))
            .map_err(|e| EmulatorError::Fit(e.to_string()))?;
        Ok(Emulator {
            gp,
            nugget,
            dims,
            input_sd: input_sd(x),
        })
    }

    fn params(
        nugget: f64,
        theta: Option<Array1<f64>>,
    ) -> egobox_gp::GpParams<f64, ConstantMean, SquaredExponentialCorr> {
        let p =
            Gp::params(ConstantMean::default(), SquaredExponentialCorr::default()).nugget(nugget);
        match theta {
            Some(t) => p.theta_tuning(ThetaTuning::Fixed(t)),
            None => p,
        }
    }

    /// The emulator's mean and variance of the output at each point.
    pub fn predict(&self, x: &[Vec<f64>]) -> Vec<(f64, f64)> {
        if x.is_empty() {
            return Vec::new();
        }
        let m = matrix(x);
        let mean = self.gp.predict(&m);
        let var = self.gp.predict_var(&m);
        match (mean, var) {
            (Ok(mean), Ok(var)) => mean
                .iter()
                .zip(var.iter())
                .map(|(&m, &v)| (m, v.max(0.0)))
                .collect(),
            _ => vec![(f64::NAN, f64::INFINITY); x.len()],
        }
    }

    /// The fitted length-scale parameters, one per input (larger: the
    /// output varies faster along that input).
    pub fn theta(&self) -> Vec<f64> {
        self.gp.theta().to_vec()
    }

    /// The number of inputs.
    pub fn dims(&self) -> usize {
        self.dims
    }

    /// The correlation's length scale along each input, in the units of
    /// the unit cube: `egobox-gp` correlates inputs scaled by their sd with
    /// `exp(−½ Σ (θ_j d_j)²)`, so `ℓ_j = sd_j / θ_j`.
    pub fn length_scales(&self) -> Vec<f64> {
        self.input_sd
            .iter()
            .zip(self.gp.theta())
            .map(|(sd, theta)| sd / theta)
            .collect()
    }

    /// The process variance `σ²` (maximum likelihood, in the output's units).
    pub fn process_variance(&self) -> f64 {
        self.gp.variance()
    }

    /// The nugget, relative to the process variance.
    pub fn nugget(&self) -> f64 {
        self.nugget
    }

    /// The constant mean fitted by generalised least squares: the
    /// prediction far from every training point, where the correlation
    /// with all of them is 0.
    pub fn prior_mean(&self) -> f64 {
        self.predict(&[vec![1e12; self.dims]])[0].0
    }

    /// Leave-one-out diagnostics: for each point, the emulator refitted
    /// without it (with the same length scales) predicts it; the
    /// standardised error is `(y − mean) / sqrt(var + noise)`. About 95 %
    /// of them within ±2 (and none far beyond 3) says the emulator's
    /// uncertainty can be trusted for the cut.
    pub fn leave_one_out(&self, x: &[Vec<f64>], y: &[f64], noise: f64) -> Vec<f64> {
        let theta = self.gp.theta().clone();
        (0..x.len())
            .map(|i| {
                let keep = |v: usize| v != i;
                let xs: Vec<Vec<f64>> = (0..x.len())
                    .filter(|&v| keep(v))
                    .map(|v| x[v].clone())
                    .collect();
                let ys: Vec<f64> = (0..y.len()).filter(|&v| keep(v)).map(|v| y[v]).collect();
                let fitted = Self::params(self.nugget, Some(theta.clone()))
                    .fit(&Dataset::new(matrix(&xs), Array1::from(ys)));
                match fitted {
                    Ok(gp) => {
                        let e = Emulator {
                            gp,
                            nugget: self.nugget,
                            dims: self.dims,
                            input_sd: input_sd(&xs),
                        };
                        let (m, v) = e.predict(std::slice::from_ref(&x[i]))[0];
                        (y[i] - m) / (v + noise).max(f64::MIN_POSITIVE).sqrt()
                    }
                    Err(_) => f64::NAN,
                }
            })
            .collect()
    }
}

fn input_sd(x: &[Vec<f64>]) -> Vec<f64> {
    let dims = x.first().map_or(0, Vec::len);
    (0..dims)
        .map(|j| {
            let column: Vec<f64> = x.iter().map(|p| p[j]).collect();
            let sd = variance(&column).sqrt();
            if sd == 0.0 {
                1.0
            } else {
                sd
            }
        })
        .collect()
}

/// The sample variance of `v` (n − 1), 0 for fewer than two values.
pub fn variance(v: &[f64]) -> f64 {
    if v.len() < 2 {
        return 0.0;
    }
    let mean = v.iter().sum::<f64>() / v.len() as f64;
    v.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (v.len() - 1) as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use placesim_core::rng::{Purpose, Stream};

    fn points(n: usize, d: usize, seed: u64) -> Vec<Vec<f64>> {
        let mut rng = Stream::new(seed, Purpose::Design, 0, 7);
        (0..n)
            .map(|_| (0..d).map(|_| rng.unit_f64()).collect())
            .collect()
    }

    fn truth(p: &[f64]) -> f64 {
        (3.0 * p[0]).sin() + p[1] * p[1]
    }

    /// On a smooth function of two of three inputs, 40 points: held-out
    /// predictions within 0.05, a predicted variance that covers the
    /// errors, and the inert input's length scale the smallest.
    #[test]
    fn emulates_a_smooth_function_and_finds_the_inert_input() {
        let x = points(40, 3, 1);
        let y: Vec<f64> = x.iter().map(|p| truth(p)).collect();
        let e = Emulator::fit(&x, &y, 0.0).unwrap();
        let test = points(200, 3, 2);
        let pred = e.predict(&test);
        let worst = test
            .iter()
            .zip(&pred)
            .map(|(p, (m, _))| (m - truth(p)).abs())
            .fold(0.0, f64::max);
        assert!(worst < 0.05, "worst error {worst}");
        let theta = e.theta();
        assert!(theta[2] < theta[0] && theta[2] < theta[1], "{theta:?}");
        // Same data, same fit, to the bit.
        let again = Emulator::fit(&x, &y, 0.0).unwrap();
        assert_eq!(again.predict(&test), pred);
    }

    /// With noise (sd 0.1) on the outputs, leave-one-out standardised
    /// errors are mostly within ±2: the emulator's uncertainty is honest.
    #[test]
    fn leave_one_out_errors_are_standard_on_noisy_outputs() {
        let x = points(60, 3, 3);
        let mut rng = Stream::new(4, Purpose::Design, 0, 8);
        let y: Vec<f64> = x.iter().map(|p| truth(p) + 0.1 * rng.normal()).collect();
        let e = Emulator::fit(&x, &y, 0.01).unwrap();
        let z = e.leave_one_out(&x, &y, 0.01);
        let within = z.iter().filter(|z| z.abs() <= 2.0).count() as f64 / z.len() as f64;
        assert!(within >= 0.85, "{within}: {z:?}");
        assert!(z.iter().all(|z| z.abs() < 5.0), "{z:?}");
    }

    #[test]
    fn refuses_too_few_points_and_non_numbers() {
        let x = points(3, 3, 5);
        assert!(matches!(
            Emulator::fit(&x, &[1.0, 2.0, 3.0], 0.0),
            Err(EmulatorError::TooFewPoints(5, 3))
        ));
        let x = points(10, 2, 5);
        let mut y = vec![1.0; 10];
        y[3] = f64::NAN;
        assert!(matches!(
            Emulator::fit(&x, &y, 0.0),
            Err(EmulatorError::NotFinite)
        ));
    }
}
