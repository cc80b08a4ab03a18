//! Summary statistics over replicates, shared by the sweep runner and the
//! charts: Welford accumulators and the Student t quantile.

/// Running mean and variance (Welford), added to in a fixed order so results are reproducible.
#[derive(Clone, Copy, Debug, Default)]
pub struct Welford {
    pub n: u64,
    mean: f64,
    m2: f64,
}

impl Welford {
    pub fn add(&mut self, x: f64) {
        self.n += 1;
        let d = x - self.mean;
        self.mean += d / self.n as f64;
        self.m2 += d * (x - self.mean);
    }
    pub fn mean(&self) -> f64 {
        if self.n == 0 {
            f64::NAN
        } else {
            self.mean
        }
    }
    /// Sample standard deviation (n − 1).
    pub fn sd(&self) -> f64 {
        if self.n < 2 {
            f64::NAN
        } else {
            libm::sqrt(self.m2 / (self.n - 1) as f64)
        }
    }
    /// Half-width of the two-sided 95 % Student t interval of the mean.
    pub fn ci95_half_width(&self) -> f64 {
        if self.n < 2 {
            return f64::NAN;
        }
        t975(self.n - 1) * self.sd() / libm::sqrt(self.n as f64)
    }
}

/// Student t 0.975 quantiles for 1 to 30 degrees of freedom (standard tables, 6 decimals).
const T975: [f64; 30] = [
    12.706205, 4.302653, 3.182446, 2.776445, 2.570582, 2.446912, 2.364624, 2.306004, 2.262157,
    2.228139, 2.200985, 2.178813, 2.160369, 2.144787, 2.131450, 2.119905, 2.109816, 2.100922,
    2.093024, 2.085963, 2.079614, 2.073873, 2.068658, 2.063899, 2.059539, 2.055529, 2.051831,
    2.048407, 2.045230, 2.042272,
];

/// The 0.975 quantile of Student's t with `df` degrees of freedom: from the
/// table up to 30, a Cornish–Fisher expansion around the normal quantile
/// above (error below 1e-5 there).
pub fn t975(df: u64) -> f64 {
    let z = 1.959_963_984_540_054_f64;
    match df {
        0 => f64::NAN,
        1..=30 => T975[df as usize - 1],
        _ => {
            let v = df as f64;
            let (z3, z5, z7, z9) = (z.powi(3), z.powi(5), z.powi(7), z.powi(9));
            z + (z3 + z) / (4.0 * v)
                + (5.0 * z5 + 16.0 * z3 + 3.0 * z) / (96.0 * v * v)
                + (3.0 * z7 + 19.0 * z5 + 17.0 * z3 - 15.0 * z) / (384.0 * v.powi(3))
                + (79.0 * z9 + 776.0 * z7 + 1482.0 * z5 - 1920.0 * z3 - 945.0 * z)
                    / (92_160.0 * v.powi(4))
        }
    }
}

/// MSER-5 (White 1997; White, Cobb & Spratt 2000): the truncation point of
/// a series' initial transient, in observations. The series is cut into
/// batches of 5 means (a last, incomplete batch is dropped); for each number
/// of leading batches `d` up to half of them, the marginal standard error of
/// the batches left, `Σ(Y_i − Ȳ)² / (k − d)²`, is computed, and the `d` that
/// minimises it (the first, on a tie) is the truncation: `5·d`
/// observations. `None` for fewer than 4 batches.
pub fn mser5(series: &[f64]) -> Option<usize> {
    const BATCH: usize = 5;
    let batches: Vec<f64> = series
        .chunks_exact(BATCH)
        .map(|b| b.iter().sum::<f64>() / BATCH as f64)
        .collect();
    let k = batches.len();
    if k < 4 {
        return None;
    }
    let mut best = (f64::INFINITY, 0);
    for d in 0..=k / 2 {
        let rest = &batches[d..];
        let n = rest.len() as f64;
        let mean = rest.iter().sum::<f64>() / n;
        let ss: f64 = rest.iter().map(|y| (y - mean) * (y - mean)).sum();
        let mser = ss / (n * n);
        if mser < best.0 {
            best = (mser, d);
        }
    }
    Some(best.1 * BATCH)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn t_quantiles_match_tables() {
        for (df, t) in [
            (3, 3.182446),
            (29, 2.045230),
            (31, 2.039513),
            (40, 2.021075),
            (99, 1.984217),
            (1000, 1.962339),
        ] {
            assert!((t975(df) - t).abs() < 1e-4, "df {df}: {} vs {t}", t975(df));
        }
    }

    #[test]
    fn welford_matches_two_pass() {
        let x = [2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0];
        let mut w = Welford::default();
        x.iter().for_each(|&v| w.add(v));
        assert!((w.mean() - 5.0).abs() < 1e-12);
        assert!((w.sd() - (32.0f64 / 7.0).sqrt()).abs() < 1e-12);
    }

    /// A series that settles after a ramp is truncated at about the ramp's
    /// end; a stationary series (alternating noise) is not truncated.
    #[test]
    fn mser5_finds_the_end_of_a_ramp_and_leaves_a_flat_series() {
        let ramp: Vec<f64> = (0..200)
            .map(|i| if i < 50 { i as f64 / 50.0 } else { 1.0 } + if i % 2 == 0 { 0.01 } else { -0.01 })
            .collect();
        let cut = mser5(&ramp).unwrap();
        assert!((45..=55).contains(&cut), "{cut}");
        let flat: Vec<f64> = (0..200)
            .map(|i| if i % 3 == 0 { 0.2 } else { -0.1 })
            .collect();
        assert_eq!(mser5(&flat), Some(0));
        assert_eq!(mser5(&[1.0; 19]), None);
    }
}
