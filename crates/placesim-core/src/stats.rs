//! Summary statistics over replicates, shared by the sweep runner and the
//! charts: Welford accumulators, the Student t quantile, p-values (paired
//! t, sign test) with Holm's adjustment for many comparisons, and the
//! Wilson interval of a proportion.

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

impl Welford {
    /// Two-sided p-value of the one-sample t test that the mean is 0 (for
    /// paired differences: that the variant and the baseline do not
    /// differ). With no spread at all: 1 if every value is 0, else 0. NaN
    /// with fewer than two values or a value that is not a number.
    pub fn p_value_mean_zero(&self) -> f64 {
        use statrs::distribution::{ContinuousCDF, StudentsT};
        if self.n < 2 || !self.mean.is_finite() {
            return f64::NAN;
        }
        let se = self.sd() / libm::sqrt(self.n as f64);
        if se == 0.0 || !se.is_finite() {
            return if self.mean == 0.0 { 1.0 } else { 0.0 };
        }
        let t = libm::fabs(self.mean / se);
        StudentsT::new(0.0, 1.0, (self.n - 1) as f64).map_or(f64::NAN, |d| (2.0 * d.sf(t)).min(1.0))
    }
}

/// Holm's step-down adjustment of a family of p-values (Holm 1979), which
/// holds the chance of any false rejection at the level used, whatever the
/// dependence between tests: the i-th smallest of m becomes
/// `max over j ≤ i of min(1, (m − j + 1) p_(j))`. NaN p-values are not in
/// the family and stay NaN.
pub fn holm(p: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..p.len()).filter(|&i| !p[i].is_nan()).collect();
    order.sort_by(|&a, &b| p[a].total_cmp(&p[b]).then(a.cmp(&b)));
    let m = order.len();
    let mut out = vec![f64::NAN; p.len()];
    let mut running: f64 = 0.0;
    for (j, &i) in order.iter().enumerate() {
        running = running.max(((m - j) as f64 * p[i]).min(1.0));
        out[i] = running;
    }
    out
}

/// Two-sided p-value of the exact sign (binomial) test that `k` successes
/// in `n` trials came from a chance of one half: twice the smaller tail, at most 1.
pub fn sign_test_p(k: u64, n: u64) -> f64 {
    use statrs::distribution::{Binomial, DiscreteCDF};
    if n == 0 {
        return f64::NAN;
    }
    let Ok(b) = Binomial::new(0.5, n) else {
        return f64::NAN;
    };
    let low = b.cdf(k);
    let high = if k == 0 { 1.0 } else { b.sf(k - 1) };
    (2.0 * low.min(high)).min(1.0)
}

/// The Wilson 95 % interval of a proportion `k` of `n` (Wilson 1927),
/// which stays inside [0, 1] and is sound near 0 and 1.
pub fn wilson95(k: u64, n: u64) -> (f64, f64) {
    if n == 0 {
        return (f64::NAN, f64::NAN);
    }
    let z = 1.959_963_984_540_054_f64;
    let (nf, p) = (n as f64, k as f64 / n as f64);
    let centre = (p + z * z / (2.0 * nf)) / (1.0 + z * z / nf);
    let half = z / (1.0 + z * z / nf) * libm::sqrt(p * (1.0 - p) / nf + z * z / (4.0 * nf * nf));
    ((centre - half).max(0.0), (centre + half).min(1.0))
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
    fn p_values_holm_and_wilson_match_published_values() {
        // t = 2 on 10 degrees of freedom: two-sided p = 0.073388 (R: 2*pt(-2, 10)).
        let mut w = Welford::default();
        // Eleven values with mean 2/sqrt(11)*sd/... built to give t = 2 exactly:
        // values ±1 around m with sd 1 need m = 2/sqrt(11).
        let m = 2.0 / 11f64.sqrt();
        let sd_one = [
            -1.5075567228888182,
            -1.2060453783110545,
            -0.9045340337332909,
            -0.6030226891555273,
            -0.30151134457776363,
            0.0,
            0.30151134457776363,
            0.6030226891555273,
            0.9045340337332909,
            1.2060453783110545,
            1.5075567228888182,
        ];
        for x in sd_one {
            w.add(m + x);
        }
        assert!((w.sd() - 1.0).abs() < 1e-12, "{}", w.sd());
        assert!((w.p_value_mean_zero() - 0.073_388).abs() < 1e-6);
        // Holm on (0.01, 0.04, 0.03, 0.005): sorted 0.005, 0.01, 0.03, 0.04
        // become 0.02, 0.03, 0.06, 0.06 (R: p.adjust(..., "holm")).
        let adjusted = holm(&[0.01, 0.04, 0.03, 0.005, f64::NAN]);
        let want = [0.03, 0.06, 0.06, 0.02];
        for (a, b) in adjusted.iter().zip(want) {
            assert!((a - b).abs() < 1e-12, "{adjusted:?}");
        }
        assert!(adjusted[4].is_nan());
        // binom.test(2, 10)$p.value = 0.109375; binom.test(5, 10) = 1.
        assert!((sign_test_p(2, 10) - 0.109_375).abs() < 1e-12);
        assert!((sign_test_p(8, 10) - 0.109_375).abs() < 1e-12);
        assert_eq!(sign_test_p(5, 10), 1.0);
        // Wilson 95 % of 8/10: (0.4901625, 0.9433178).
        let (lo, hi) = wilson95(8, 10);
        assert!((lo - 0.490_162_5).abs() < 1e-6 && (hi - 0.943_317_8).abs() < 1e-6);
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
