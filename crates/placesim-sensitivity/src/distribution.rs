//! The distributions an uncertain parameter can take, each mapped from the
//! unit interval by its quantile function, so that a design's points in
//! the unit cube become parameter values.
//!
//! A categorical parameter (one of `count` values that are not numbers, or
//! not ordered) is mapped to its value's position, 0 to `count − 1`, each
//! with probability `1 / count`; the caller turns the position into the
//! value. A design treats the positions as ordered numbers.

/// A parameter's distribution.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Distribution {
    Uniform {
        low: f64,
        high: f64,
    },
    /// Uniform in the logarithm: for a parameter known to within a factor.
    LogUniform {
        low: f64,
        high: f64,
    },
    Triangular {
        low: f64,
        mode: f64,
        high: f64,
    },
    /// A normal with `mean` and `sd`, cut to [low, high].
    TruncatedNormal {
        mean: f64,
        sd: f64,
        low: f64,
        high: f64,
    },
    /// One of `count` values, each equally likely: the quantile is the
    /// value's position, `min(floor(u count), count − 1)`.
    Categorical {
        count: u32,
    },
}

impl Distribution {
    /// The value at cumulative probability `u` in [0, 1].
    pub fn quantile(&self, u: f64) -> f64 {
        let u = u.clamp(0.0, 1.0);
        match *self {
            Distribution::Uniform { low, high } => low + u * (high - low),
            Distribution::LogUniform { low, high } => {
                libm::exp(libm::log(low) + u * (libm::log(high) - libm::log(low)))
            }
            Distribution::Triangular { low, mode, high } => {
                let split = (mode - low) / (high - low);
                if u < split {
                    low + libm::sqrt(u * (high - low) * (mode - low))
                } else {
                    high - libm::sqrt((1.0 - u) * (high - low) * (high - mode))
                }
            }
            Distribution::TruncatedNormal {
                mean,
                sd,
                low,
                high,
            } => {
                let cdf = |x: f64| 0.5 * libm::erfc(-(x - mean) / (sd * std::f64::consts::SQRT_2));
                let target = cdf(low) + u * (cdf(high) - cdf(low));
                // Bisection on the normal CDF: monotone, exact to the last bits.
                let (mut a, mut b) = (low, high);
                for _ in 0..200 {
                    let m = 0.5 * (a + b);
                    if cdf(m) < target {
                        a = m;
                    } else {
                        b = m;
                    }
                }
                0.5 * (a + b)
            }
            Distribution::Categorical { count } => {
                let last = count.saturating_sub(1);
                ((u * count as f64).floor() as u32).min(last) as f64
            }
        }
    }

    /// The lowest and highest values it can take.
    pub fn bounds(&self) -> (f64, f64) {
        match *self {
            Distribution::Uniform { low, high }
            | Distribution::LogUniform { low, high }
            | Distribution::Triangular { low, high, .. }
            | Distribution::TruncatedNormal { low, high, .. } => (low, high),
            Distribution::Categorical { count } => (0.0, count.saturating_sub(1) as f64),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn quantiles_match_their_closed_forms() {
        let u = Distribution::Uniform {
            low: 2.0,
            high: 6.0,
        };
        assert!(close(u.quantile(0.25), 3.0));
        let l = Distribution::LogUniform {
            low: 1.0,
            high: 100.0,
        };
        assert!(close(l.quantile(0.5), 10.0));
        let t = Distribution::Triangular {
            low: 0.0,
            mode: 1.0,
            high: 2.0,
        };
        assert!(close(t.quantile(0.5), 1.0) && close(t.quantile(0.125), 0.5));
        // A normal cut far outside its spread is the normal: its median is
        // the mean, its 97.5 % point 1.959964 sd above.
        let n = Distribution::TruncatedNormal {
            mean: 1.0,
            sd: 0.5,
            low: -10.0,
            high: 12.0,
        };
        assert!(close(n.quantile(0.5), 1.0));
        assert!((n.quantile(0.975) - (1.0 + 0.5 * 1.959_963_985)).abs() < 1e-6);
        // Cut to [1, 2], its quantiles stay inside and start at the cut.
        let c = Distribution::TruncatedNormal {
            mean: 1.0,
            sd: 0.5,
            low: 1.0,
            high: 2.0,
        };
        assert!(close(c.quantile(0.0), 1.0) && close(c.quantile(1.0), 2.0));
        assert!(c.quantile(0.5) > 1.0 && c.quantile(0.5) < 1.5);
    }

    /// A categorical's quantile is its value's position, each of the
    /// `count` positions taking an equal share of the unit interval.
    #[test]
    fn a_categorical_quantile_is_a_position_with_equal_shares() {
        let c = Distribution::Categorical { count: 3 };
        assert_eq!(c.bounds(), (0.0, 2.0));
        assert_eq!(c.quantile(0.0), 0.0);
        assert_eq!(c.quantile(0.333), 0.0);
        assert_eq!(c.quantile(1.0 / 3.0), 1.0);
        assert_eq!(c.quantile(0.5), 1.0);
        assert_eq!(c.quantile(2.0 / 3.0), 2.0);
        assert_eq!(c.quantile(1.0), 2.0);
        // Outside the unit interval (or not a number), still a position.
        assert_eq!(c.quantile(-0.5), 0.0);
        assert_eq!(c.quantile(7.0), 2.0);
        assert_eq!(c.quantile(f64::NAN), 0.0);
        let mut shares = [0usize; 3];
        for i in 0..3000 {
            shares[c.quantile((i as f64 + 0.5) / 3000.0) as usize] += 1;
        }
        assert_eq!(shares, [1000, 1000, 1000]);
        // A degenerate count never panics.
        assert_eq!(Distribution::Categorical { count: 0 }.quantile(0.7), 0.0);
        assert_eq!(Distribution::Categorical { count: 0 }.bounds(), (0.0, 0.0));
    }
}
