//! Synthetic data with a planted box, for the tests: uniform points in five
//! dimensions; a case is of interest inside `0.2 ≤ x0 < 0.6` and `x1 ≥ 0.5`
//! (three dimensions unrestricted), and one label in ten is flipped; or with
//! a categorical fifth input, of interest where it is category 1 or 2 of
//! four and `x0 < 0.5`.

use placesim_core::rng::{Purpose, Stream};

/// The planted box's limits on the unit range: (input, limit).
pub const LIMITS: [(usize, f64); 3] = [(0, 0.2), (0, 0.6), (1, 0.5)];

/// `n` points and their labels, from `seed`.
pub fn data(n: usize, seed: u64) -> (Vec<Vec<f64>>, Vec<bool>) {
    let mut rng = Stream::new(seed, Purpose::Design, 0, 3);
    let mut x = Vec::with_capacity(n);
    let mut y = Vec::with_capacity(n);
    for _ in 0..n {
        let p: Vec<f64> = (0..5).map(|_| rng.unit_f64()).collect();
        let inside = (0.2..0.6).contains(&p[0]) && p[1] >= 0.5;
        let flip = rng.chance(0.1);
        y.push(inside != flip);
        x.push(p);
    }
    (x, y)
}

/// `n` points with four uniform inputs and a fifth categorical one (codes
/// 0 to 3, equally likely), of interest where `x0 < 0.5` and the category
/// is 1 or 2; one label in ten flipped.
pub fn with_category(n: usize, seed: u64) -> (Vec<Vec<f64>>, Vec<bool>) {
    let mut rng = Stream::new(seed, Purpose::Design, 0, 5);
    let mut x = Vec::with_capacity(n);
    let mut y = Vec::with_capacity(n);
    for _ in 0..n {
        let mut p: Vec<f64> = (0..4).map(|_| rng.unit_f64()).collect();
        let category = rng.below(4);
        p.push(category as f64);
        let inside = p[0] < 0.5 && (category == 1 || category == 2);
        let flip = rng.chance(0.1);
        y.push(inside != flip);
        x.push(p);
    }
    (x, y)
}
