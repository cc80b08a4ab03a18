//! The space not ruled out yet (NROY), held as a cloud of points of the
//! unit cube, and a space-filling pick of the next wave's design from it.

use crate::wave::Wave;
use placesim_core::rng::{Purpose, Stream};

/// `n` points drawn uniformly from the unit cube of `dims` dimensions, from `seed`.
pub fn uniform(n: usize, dims: usize, seed: u64) -> Vec<Vec<f64>> {
    let mut rng = Stream::new(seed, Purpose::Design, 0, 0xca1);
    (0..n)
        .map(|_| (0..dims).map(|_| rng.unit_f64()).collect())
        .collect()
}

/// Whether each point survives every wave: its judged implausibility
/// (the `rank`-th largest over a wave's trusted outputs) at most `cut`
/// under each.
pub fn not_ruled_out(
    points: &[Vec<f64>],
    waves: &[Wave],
    rank: impl Fn(usize) -> usize,
    cut: f64,
) -> Vec<bool> {
    let mut alive = vec![true; points.len()];
    for w in waves {
        let idx: Vec<usize> = (0..points.len()).filter(|&i| alive[i]).collect();
        let xs: Vec<Vec<f64>> = idx.iter().map(|&i| points[i].clone()).collect();
        let judged = w.judged(&xs, rank(w.trusted()));
        for (&i, j) in idx.iter().zip(judged) {
            alive[i] = j <= cut;
        }
    }
    alive
}

/// More points inside NROY near `seeds` (points already in it): each a
/// seed moved by a normal step of `sd` in each coordinate (kept in the
/// cube), kept if it survives every wave; stops at `n` or after
/// `20 × n` tries.
pub fn refill(
    seeds: &[Vec<f64>],
    n: usize,
    sd: f64,
    waves: &[Wave],
    rank: impl Fn(usize) -> usize + Copy,
    cut: f64,
    seed: u64,
) -> Vec<Vec<f64>> {
    let mut rng = Stream::new(seed, Purpose::Design, 1, 0xca1);
    let mut found = Vec::new();
    if seeds.is_empty() {
        return found;
    }
    let mut tries = 0;
    while found.len() < n && tries < 20 * n {
        let batch: Vec<Vec<f64>> = (0..n)
            .map(|_| {
                let s = &seeds[rng.below(seeds.len() as u32) as usize];
                s.iter()
                    .map(|&v| (v + sd * rng.normal()).clamp(0.0, 1.0))
                    .collect()
            })
            .collect();
        tries += n;
        found.extend(survivors(batch, waves, rank, cut));
    }
    found.truncate(n);
    found
}

/// The points of `batch` every wave leaves in.
pub fn survivors(
    batch: Vec<Vec<f64>>,
    waves: &[Wave],
    rank: impl Fn(usize) -> usize,
    cut: f64,
) -> Vec<Vec<f64>> {
    let alive = not_ruled_out(&batch, waves, rank, cut);
    kept(&batch, &alive)
}

/// The items whose flag is set, in order (the points a wave leaves in, the
/// runs at them, …).
pub fn kept<T: Clone>(items: &[T], flags: &[bool]) -> Vec<T> {
    items
        .iter()
        .zip(flags)
        .filter(|(_, f)| **f)
        .map(|(x, _)| x.clone())
        .collect()
}

/// Up to `n` points drawn uniformly from NROY: the candidates not ruled out,
/// `kept` (independent uniform draws, so any of them in order are a uniform
/// sample of NROY), then batches of `candidates` more uniform draws of
/// `dims` dimensions, from `seed`, filtered by the waves, up to fifty batches.
pub fn uniform_in_nroy(
    kept: &[Vec<f64>],
    n: usize,
    candidates: usize,
    dims: usize,
    waves: &[Wave],
    seed: u64,
) -> Vec<Vec<f64>> {
    let mut found: Vec<Vec<f64>> = kept.iter().take(n).cloned().collect();
    let mut batch_seed = seed;
    for _ in 0..50 {
        if found.len() >= n || candidates == 0 {
            break;
        }
        batch_seed = batch_seed.wrapping_add(0x5eed);
        let batch = uniform(candidates, dims, batch_seed);
        found.extend(survivors(
            batch,
            waves,
            crate::implausibility::usual_rank,
            crate::implausibility::CUT,
        ));
    }
    found.truncate(n);
    found
}

/// The next wave's design: `n` points picked by [`maximin`] from the
/// survivors `kept`, topped up by [`refill`] (sd 0.05, from `seed`) to ten
/// times `n` when fewer survive.
pub fn next_design(
    kept: &[Vec<f64>],
    n: usize,
    waves: &[Wave],
    rank: impl Fn(usize) -> usize + Copy,
    cut: f64,
    seed: u64,
) -> Vec<Vec<f64>> {
    let mut pool = kept.to_vec();
    let want = 10 * n;
    if pool.len() < want {
        pool.extend(refill(
            kept,
            want - pool.len(),
            0.05,
            waves,
            rank,
            cut,
            seed,
        ));
    }
    maximin(&pool, n)
        .into_iter()
        .map(|i| pool[i].clone())
        .collect()
}

fn distance2(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum()
}

/// A space-filling pick of `n` of `points` (greedy maximin: start from the
/// point nearest the cloud's centre, then repeatedly take the point
/// farthest from those taken; ties to the lower index).
pub fn maximin(points: &[Vec<f64>], n: usize) -> Vec<usize> {
    if points.is_empty() || n == 0 {
        return Vec::new();
    }
    let dims = points[0].len();
    let centre: Vec<f64> = (0..dims)
        .map(|j| points.iter().map(|p| p[j]).sum::<f64>() / points.len() as f64)
        .collect();
    let first = (0..points.len())
        .min_by(|&a, &b| {
            distance2(&points[a], &centre)
                .total_cmp(&distance2(&points[b], &centre))
                .then(a.cmp(&b))
        })
        .unwrap_or(0);
    let mut taken = vec![first];
    let mut nearest: Vec<f64> = points
        .iter()
        .map(|p| distance2(p, &points[first]))
        .collect();
    while taken.len() < n.min(points.len()) {
        let next = (0..points.len())
            .max_by(|&a, &b| nearest[a].total_cmp(&nearest[b]).then(b.cmp(&a)))
            .unwrap_or(0);
        if nearest[next] == 0.0 {
            break;
        }
        taken.push(next);
        for (i, p) in points.iter().enumerate() {
            nearest[i] = nearest[i].min(distance2(p, &points[next]));
        }
    }
    taken
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maximin_spreads_its_pick() {
        let pts = uniform(500, 2, 3);
        let pick = maximin(&pts, 10);
        assert_eq!(pick.len(), 10);
        let min_gap = pick
            .iter()
            .flat_map(|&a| pick.iter().filter(move |&&b| b != a).map(move |&b| (a, b)))
            .map(|(a, b)| distance2(&pts[a], &pts[b]).sqrt())
            .fold(f64::INFINITY, f64::min);
        // Ten points spread over the unit square are at least 0.2 apart;
        // ten drawn at random usually are not.
        assert!(min_gap > 0.2, "{min_gap}");
        assert_eq!(maximin(&pts, 10), pick);
    }
}
