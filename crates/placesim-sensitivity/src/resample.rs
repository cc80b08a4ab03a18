//! Bootstrap resampling, keyed by a seed so intervals are reproducible.

use placesim_core::rng::{Purpose, Stream};

/// The 95 % percentile interval of `statistic` over `rounds` resamples (with
/// replacement) of `n` units; round `b` draws from its own stream.
pub fn interval(
    n: usize,
    rounds: usize,
    seed: u64,
    mut statistic: impl FnMut(&[usize]) -> f64,
) -> (f64, f64) {
    let mut values: Vec<f64> = (0..rounds)
        .map(|b| {
            let mut rng = Stream::new(seed, Purpose::Design, b as u32, 1);
            let pick: Vec<usize> = (0..n).map(|_| rng.below(n as u32) as usize).collect();
            statistic(&pick)
        })
        .filter(|v| v.is_finite())
        .collect();
    if values.is_empty() {
        return (f64::NAN, f64::NAN);
    }
    values.sort_by(f64::total_cmp);
    let at = |q: f64| values[((values.len() - 1) as f64 * q).round() as usize];
    (at(0.025), at(0.975))
}
