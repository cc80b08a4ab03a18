//! placesim-benchmark: the scores of a benchmark of integration strategies.
//!
//! A benchmark runs every strategy in every place, replicate by replicate on
//! common random numbers; a *future* is one place and one replicate, the
//! same random history of its citizens for every strategy. From each run's
//! outcomes this crate computes, against a reference strategy (silos):
//!
//! - [`effects`]: each strategy's mean paired difference on each outcome,
//!   per place and pooled over places (each place weighing the same), with
//!   its Student t 95 % interval. Replicate r has the same seed in every
//!   place (and the same ensemble member), so places' differences are
//!   correlated: the pooled interval is over replicates, each replicate's
//!   difference the mean over the places;
//! - [`regret`]: in each future, how far a strategy's score falls short of
//!   the best strategy's there (Savage's regret, as robust decision making
//!   uses it), its mean, 90th percentile and worst over the futures;
//! - [`satisficing`]: the share of futures in which a strategy meets every
//!   condition the benchmark states (each outcome's change against the
//!   reference at most a share), with its Wilson interval in a place and,
//!   pooled, a t interval over replicates of each replicate's share of places;
//! - [`ranks`]: each strategy's rank by pooled score, and the interval of
//!   its rank over bootstrap resamples of the replicates (the same replicates
//!   in every place and for every strategy, keeping the pairs and the
//!   places' shared seeds).
//!
//! Pure functions over numbers; reading runs and writing files is the
//! command's.

use placesim_core::rng::{Purpose, Stream};
use placesim_core::stats::{wilson95, Welford};
use serde::Serialize;

/// Every run's outcomes: `values[place][strategy][replicate][outcome]`.
/// Every place has the same strategies, outcomes and replicates, replicate
/// r on the same seed in every place.
#[derive(Clone, Debug, Default)]
pub struct Futures {
    pub places: Vec<String>,
    pub strategies: Vec<String>,
    pub outcomes: Vec<String>,
    pub values: Vec<Vec<Vec<Vec<f64>>>>,
}

/// The pooled rows' place.
pub const ALL_PLACES: &str = "all";

/// The version of how scores are computed, which a benchmark's hash
/// covers: 2 pools over replicates (places share their seeds); 3 falls
/// back to a Wilson interval over replicates for a pooled satisficed share
/// with no spread.
pub const SCORES_VERSION: u32 = 3;

impl Futures {
    fn replicates(&self, place: usize) -> usize {
        self.values[place].first().map_or(0, Vec::len)
    }

    /// Every place and strategy with the same number of replicates, as the
    /// scores assume (replicate r is one future in every place).
    fn check(&self) {
        let n = self.replicates(0);
        assert!(
            self.values.iter().flatten().all(|s| s.len() == n),
            "every place and strategy must have the same replicates"
        );
    }

    /// The index of an outcome by name.
    pub fn outcome(&self, name: &str) -> Option<usize> {
        self.outcomes.iter().position(|o| o == name)
    }
}

/// One strategy's effect on one outcome in one place (or pooled: `all`),
/// over the years from the first counted one to `horizon_years`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EffectRow {
    pub horizon_years: u32,
    pub strategy: String,
    pub place: String,
    pub outcome: String,
    /// Pairs (futures) counted.
    pub n: u64,
    pub mean_reference: f64,
    pub mean: f64,
    /// The mean of the paired differences, strategy minus reference.
    pub mean_diff: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    /// The mean difference as a share of the reference's mean.
    pub relative: f64,
}

/// Paired effects against `reference` on every outcome, per place and
/// pooled, of outcomes over `horizon_years`. A place's interval is over its
/// replicates' paired differences. The pooled effect is the mean over the
/// places; its interval is over replicates, each replicate's difference
/// the mean of its places' (a replicate with a value that is not a number
/// in any place is left out of the pooled row), since replicate r shares
/// its seed across places. Pairs with a value that is not a number are
/// left out.
pub fn effects(f: &Futures, reference: usize, horizon_years: u32) -> Vec<EffectRow> {
    f.check();
    let mut rows = Vec::new();
    let replicates = f.replicates(0);
    for (s, strategy) in f.strategies.iter().enumerate() {
        for (o, outcome) in f.outcomes.iter().enumerate() {
            for (p, place) in f.places.iter().enumerate() {
                let (mut d, mut a, mut b) =
                    (Welford::default(), Welford::default(), Welford::default());
                for r in 0..f.replicates(p) {
                    let (x, y) = (f.values[p][s][r][o], f.values[p][reference][r][o]);
                    if x.is_finite() && y.is_finite() {
                        d.add(x - y);
                        a.add(x);
                        b.add(y);
                    }
                }
                rows.push(row(horizon_years, strategy, place, outcome, &d, &a, &b));
            }
            let (mut d, mut a, mut b) =
                (Welford::default(), Welford::default(), Welford::default());
            let k = f.places.len() as f64;
            for r in 0..replicates {
                let pairs: Vec<(f64, f64)> = (0..f.places.len())
                    .map(|p| (f.values[p][s][r][o], f.values[p][reference][r][o]))
                    .collect();
                if pairs.iter().all(|(x, y)| x.is_finite() && y.is_finite()) {
                    let (x, y) = pairs
                        .iter()
                        .fold((0.0, 0.0), |(sx, sy), (x, y)| (sx + x / k, sy + y / k));
                    d.add(x - y);
                    a.add(x);
                    b.add(y);
                }
            }
            rows.push(row(
                horizon_years,
                strategy,
                ALL_PLACES,
                outcome,
                &d,
                &a,
                &b,
            ));
        }
    }
    rows
}

/// An effect row from the accumulators of the differences, the strategy's
/// values and the reference's.
fn row(
    horizon_years: u32,
    strategy: &str,
    place: &str,
    outcome: &str,
    d: &Welford,
    a: &Welford,
    b: &Welford,
) -> EffectRow {
    let half = d.ci95_half_width();
    EffectRow {
        horizon_years,
        strategy: strategy.to_string(),
        place: place.to_string(),
        outcome: outcome.to_string(),
        n: d.n,
        mean_reference: b.mean(),
        mean: a.mean(),
        mean_diff: d.mean(),
        ci_low: d.mean() - half,
        ci_high: d.mean() + half,
        relative: d.mean() / b.mean(),
    }
}

/// One strategy's regret on the score, in one place or over all futures.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RegretRow {
    pub strategy: String,
    pub place: String,
    pub futures: u64,
    /// Mean over the futures of (best strategy's score − this one's).
    pub mean_regret: f64,
    /// The 90th percentile of that shortfall (nearest rank).
    pub p90_regret: f64,
    pub max_regret: f64,
    /// The share of futures in which this strategy is the best (ties count for each).
    pub best_share: f64,
}

fn nearest_rank(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let k = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[k - 1]
}

/// Regret on outcome `score` (higher is better), per place and over all
/// futures. A future where any strategy's score is not a number is left out.
pub fn regret(f: &Futures, score: usize) -> Vec<RegretRow> {
    let mut per: Vec<Vec<Vec<f64>>> = vec![vec![Vec::new(); f.places.len()]; f.strategies.len()];
    let mut best: Vec<Vec<u64>> = vec![vec![0; f.places.len()]; f.strategies.len()];
    for p in 0..f.places.len() {
        for r in 0..f.replicates(p) {
            let scores: Vec<f64> = (0..f.strategies.len())
                .map(|s| f.values[p][s][r][score])
                .collect();
            if !scores.iter().all(|x| x.is_finite()) {
                continue;
            }
            let top = scores.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            for (s, x) in scores.iter().enumerate() {
                per[s][p].push(top - x);
                if *x == top {
                    best[s][p] += 1;
                }
            }
        }
    }
    let row = |s: usize, place: &str, mut v: Vec<f64>, wins: u64| {
        v.sort_by(f64::total_cmp);
        let n = v.len();
        RegretRow {
            strategy: f.strategies[s].clone(),
            place: place.to_string(),
            futures: n as u64,
            mean_regret: v.iter().sum::<f64>() / n as f64,
            p90_regret: nearest_rank(&v, 0.9),
            max_regret: v.last().copied().unwrap_or(f64::NAN),
            best_share: wins as f64 / n as f64,
        }
    };
    let mut rows = Vec::new();
    for s in 0..f.strategies.len() {
        for (p, place) in f.places.iter().enumerate() {
            rows.push(row(s, place, per[s][p].clone(), best[s][p]));
        }
        rows.push(row(s, ALL_PLACES, per[s].concat(), best[s].iter().sum()));
    }
    rows
}

/// A condition of satisficing: outcome `outcome`'s change against the
/// reference in the same future, over the reference's value, at most `max_change`.
#[derive(Clone, Debug, PartialEq)]
pub struct Condition {
    pub outcome: usize,
    pub max_change: f64,
}

/// The share of futures in which a strategy meets every condition.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SatisficingRow {
    pub strategy: String,
    pub place: String,
    pub futures: u64,
    pub met: u64,
    pub share: f64,
    /// Wilson 95 % interval of the share.
    pub ci_low: f64,
    pub ci_high: f64,
}

/// Whether a strategy's outcomes `x` meet every condition against the
/// reference's `y` in one future. A reference value of 0 counts any rise
/// as infinite and no change as 0.
pub fn meets(x: &[f64], y: &[f64], conditions: &[Condition]) -> bool {
    conditions.iter().all(|c| {
        let (a, b) = (x[c.outcome], y[c.outcome]);
        let change = if b != 0.0 {
            (a - b) / b.abs()
        } else if a == b {
            0.0
        } else {
            (a - b).signum() * f64::INFINITY
        };
        change <= c.max_change
    })
}

/// Whether every condition's outcome is a number in both, so that the
/// future can be judged.
fn judged(x: &[f64], y: &[f64], conditions: &[Condition]) -> bool {
    conditions
        .iter()
        .all(|c| x[c.outcome].is_finite() && y[c.outcome].is_finite())
}

/// Satisficing per place (a Wilson interval over its futures) and over all
/// futures (the interval over replicates of each replicate's share of
/// places met, since replicate r shares its seed across places; a
/// replicate with any future that cannot be judged is left out of it).
/// Futures whose outcomes are not numbers are not counted.
pub fn satisficing(f: &Futures, reference: usize, conditions: &[Condition]) -> Vec<SatisficingRow> {
    f.check();
    let mut rows = Vec::new();
    let places = f.places.len();
    for (s, strategy) in f.strategies.iter().enumerate() {
        let verdict = |p: usize, r: usize| {
            let (x, y) = (&f.values[p][s][r], &f.values[p][reference][r]);
            judged(x, y, conditions).then(|| meets(x, y, conditions))
        };
        for (p, place) in f.places.iter().enumerate() {
            let v: Vec<bool> = (0..f.replicates(p)).filter_map(|r| verdict(p, r)).collect();
            let (n, met) = (v.len() as u64, v.iter().filter(|m| **m).count() as u64);
            let (lo, hi) = wilson95(met, n);
            rows.push(SatisficingRow {
                strategy: strategy.clone(),
                place: place.clone(),
                futures: n,
                met,
                share: met as f64 / n as f64,
                ci_low: lo,
                ci_high: hi,
            });
        }
        let mut shares = Welford::default();
        let (mut n, mut met) = (0u64, 0u64);
        for r in 0..f.replicates(0) {
            let v: Option<Vec<bool>> = (0..places).map(|p| verdict(p, r)).collect();
            if let Some(v) = v {
                let k = v.iter().filter(|m| **m).count() as u64;
                shares.add(k as f64 / places as f64);
                n += places as u64;
                met += k;
            }
        }
        // With no spread over replicates (every share 0 or every share 1)
        // or too few, the t interval says nothing: Wilson's over the
        // replicates, each counted once, as the effective sample.
        let half = shares.ci95_half_width();
        let (lo, hi) = if half.is_finite() && half > 0.0 {
            (
                (shares.mean() - half).max(0.0),
                (shares.mean() + half).min(1.0),
            )
        } else {
            let r = shares.n;
            wilson95((shares.mean() * r as f64).round() as u64, r)
        };
        rows.push(SatisficingRow {
            strategy: strategy.clone(),
            place: ALL_PLACES.into(),
            futures: n,
            met,
            share: met as f64 / n as f64,
            ci_low: lo,
            ci_high: hi,
        });
    }
    rows
}

/// A strategy's rank by pooled score (1 best) and its bootstrap interval.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RankRow {
    pub strategy: String,
    /// The mean over places of the mean score over replicates.
    pub pooled_score: f64,
    pub rank: u32,
    /// 2.5th and 97.5th percentiles of the rank over the resamples.
    pub rank_low: u32,
    pub rank_high: u32,
    /// The share of resamples in which it ranks first.
    pub first_share: f64,
}

/// Ranks by each strategy's pooled mean of `score` (1 the highest; ties
/// share the better rank; a score that is not a number ranks last), with
/// intervals from `draws` bootstrap resamples of the replicates, drawn with
/// replacement, the same draw in every place and for every strategy
/// (replicate r shares its seed across places), seeded by `seed`. The
/// interval is the 2.5th to 97.5th percentile of the resampled ranks, as
/// many draws outside it at each end.
pub fn ranks(f: &Futures, score: usize, draws: u32, seed: u64) -> Vec<RankRow> {
    f.check();
    let n = f.replicates(0);
    let pooled = |pick: &dyn Fn(usize) -> usize| -> Vec<f64> {
        (0..f.strategies.len())
            .map(|s| {
                let mut total = 0.0;
                for p in 0..f.places.len() {
                    let sum: f64 = (0..n).map(|i| f.values[p][s][pick(i)][score]).sum();
                    total += sum / n as f64;
                }
                total / f.places.len() as f64
            })
            .collect()
    };
    let rank_of = |x: &[f64]| -> Vec<u32> {
        let key = |v: f64| if v.is_nan() { f64::NEG_INFINITY } else { v };
        x.iter()
            .map(|&a| 1 + x.iter().filter(|&&b| key(b) > key(a)).count() as u32)
            .collect()
    };
    let whole = pooled(&|i| i);
    let rank = rank_of(&whole);
    let mut seen: Vec<Vec<u32>> = vec![Vec::with_capacity(draws as usize); f.strategies.len()];
    for d in 0..draws {
        let mut rng = Stream::new(seed, Purpose::Bootstrap, 0, d);
        let picks: Vec<usize> = (0..n)
            .map(|_| ((rng.unit_f64() * n as f64) as usize).min(n.saturating_sub(1)))
            .collect();
        let r = rank_of(&pooled(&|i| picks[i]));
        for (s, k) in r.into_iter().enumerate() {
            seen[s].push(k);
        }
    }
    (0..f.strategies.len())
        .map(|s| {
            let mut v = seen[s].clone();
            v.sort_unstable();
            let len = v.len();
            let (low, high) = if len == 0 || whole[s].is_nan() {
                (rank[s], rank[s])
            } else {
                let lo = ((0.025 * len as f64).floor() as usize).min(len - 1);
                let hi = ((0.975 * len as f64).ceil() as usize).clamp(1, len) - 1;
                (v[lo], v[hi])
            };
            RankRow {
                strategy: f.strategies[s].clone(),
                pooled_score: whole[s],
                rank: rank[s],
                rank_low: low,
                rank_high: high,
                first_share: if len == 0 || whole[s].is_nan() {
                    f64::NAN
                } else {
                    v.iter().filter(|&&k| k == 1).count() as f64 / len as f64
                },
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two places, three strategies, one outcome: strategy `s` adds `s`
    /// to the reference's value in every future, plus place-specific noise.
    fn futures() -> Futures {
        let mut rng = Stream::new(1, Purpose::Bootstrap, 0, 99);
        let mut values = Vec::new();
        for p in 0..2 {
            let mut by_s = vec![Vec::new(); 3];
            for _ in 0..30 {
                let base = 100.0 + 10.0 * rng.normal() + p as f64 * 50.0;
                for (s, v) in by_s.iter_mut().enumerate() {
                    v.push(vec![base + s as f64 + 0.1 * rng.normal()]);
                }
            }
            values.push(by_s);
        }
        Futures {
            places: vec!["a".into(), "b".into()],
            strategies: vec!["ref".into(), "one".into(), "two".into()],
            outcomes: vec!["score".into()],
            values,
        }
    }

    /// Paired effects recover the planted differences (1 and 2) in each
    /// place and pooled, with intervals that hold them and are narrow
    /// (common random numbers take the futures' spread of sd 10 out).
    #[test]
    fn paired_effects_recover_the_planted_differences() {
        let rows = effects(&futures(), 0, 1);
        for r in rows.iter().filter(|r| r.strategy != "ref") {
            let truth = if r.strategy == "one" { 1.0 } else { 2.0 };
            assert!(r.ci_low < truth && truth < r.ci_high, "{r:?}");
            assert!(r.ci_high - r.ci_low < 0.2, "{r:?}");
        }
        let pooled = rows
            .iter()
            .find(|r| r.strategy == "two" && r.place == ALL_PLACES)
            .unwrap();
        assert_eq!(pooled.n, 30, "the pooled unit is the replicate");
        assert!((pooled.mean_reference - 125.0).abs() < 6.0, "{pooled:?}");
    }

    /// Places share replicate r's seed, so their differences move together:
    /// when every place's difference in replicate r is the same, pooling
    /// four places gives no narrower an interval than one (treating them as
    /// independent would halve it).
    #[test]
    fn the_pooled_interval_counts_the_places_shared_seeds() {
        let mut rng = Stream::new(3, Purpose::Bootstrap, 0, 5);
        let shared: Vec<f64> = (0..20).map(|_| 1.0 + rng.normal()).collect();
        let values = (0..4)
            .map(|p| {
                vec![
                    (0..20).map(|_| vec![10.0 * p as f64]).collect(),
                    shared.iter().map(|d| vec![10.0 * p as f64 + d]).collect(),
                ]
            })
            .collect();
        let f = Futures {
            places: (0..4).map(|p| p.to_string()).collect(),
            strategies: vec!["ref".into(), "s".into()],
            outcomes: vec!["y".into()],
            values,
        };
        let rows = effects(&f, 0, 1);
        let one = rows
            .iter()
            .find(|r| r.strategy == "s" && r.place == "0")
            .unwrap();
        let all = rows
            .iter()
            .find(|r| r.strategy == "s" && r.place == ALL_PLACES)
            .unwrap();
        let width = |r: &EffectRow| r.ci_high - r.ci_low;
        assert!(
            (width(all) - width(one)).abs() < 1e-9,
            "{all:?} against {one:?}"
        );
    }

    /// The best strategy everywhere has no regret and is best in every
    /// future; the reference's regret is about 2 in every future.
    #[test]
    fn regret_is_the_shortfall_from_the_best_in_each_future() {
        let rows = regret(&futures(), 0);
        let get = |s: &str| {
            rows.iter()
                .find(|r| r.strategy == s && r.place == ALL_PLACES)
                .unwrap()
        };
        assert_eq!(get("two").mean_regret, 0.0);
        assert_eq!(get("two").best_share, 1.0);
        assert!(
            (get("ref").mean_regret - 2.0).abs() < 0.1,
            "{:?}",
            get("ref")
        );
        assert!(get("ref").max_regret >= get("ref").p90_regret);
    }

    /// A condition on the score rising at most 0: only the reference meets
    /// it (by 0); allowing a 10 % rise lets every strategy through.
    #[test]
    fn satisficing_counts_the_futures_meeting_every_condition() {
        let f = futures();
        let strict = satisficing(
            &f,
            0,
            &[Condition {
                outcome: 0,
                max_change: 0.0,
            }],
        );
        let all = |s: &str, rows: &[SatisficingRow]| {
            rows.iter()
                .find(|r| r.strategy == s && r.place == ALL_PLACES)
                .unwrap()
                .share
        };
        assert_eq!(all("ref", &strict), 1.0);
        assert_eq!(all("two", &strict), 0.0);
        let loose = satisficing(
            &f,
            0,
            &[Condition {
                outcome: 0,
                max_change: 0.1,
            }],
        );
        assert_eq!(all("two", &loose), 1.0);
        // A rise from a reference of 0 is an infinite change.
        let from_zero = Condition {
            outcome: 0,
            max_change: 0.5,
        };
        assert!(!meets(&[1.0], &[0.0], std::slice::from_ref(&from_zero)));
        assert!(meets(&[0.0], &[0.0], &[from_zero]));
    }

    /// A strategy that never satisfies a strict condition still gets an
    /// interval of some width pooled (Wilson's over the replicates), not a
    /// point; a strategy whose score is not a number ranks last, with no
    /// bootstrap interval to contradict it.
    #[test]
    fn no_point_intervals_and_nan_ranks_last() {
        let f = futures();
        let rows = satisficing(
            &f,
            0,
            &[Condition {
                outcome: 0,
                max_change: 0.0,
            }],
        );
        let two = rows
            .iter()
            .find(|r| r.strategy == "two" && r.place == ALL_PLACES)
            .unwrap();
        assert_eq!(two.share, 0.0);
        assert!(two.ci_low == 0.0 && two.ci_high > 0.05, "{two:?}");
        let mut g = f.clone();
        g.values[1][2][7][0] = f64::NAN;
        let ranks = ranks(&g, 0, 100, 1);
        let two = ranks.iter().find(|r| r.strategy == "two").unwrap();
        assert_eq!(
            (two.rank, two.rank_low, two.rank_high),
            (3, 3, 3),
            "{two:?}"
        );
        assert!(two.first_share.is_nan());
    }

    /// Ranks follow the planted order with no doubt (intervals of width
    /// 0); two strategies equal up to noise share their ranks' interval.
    #[test]
    fn ranks_and_their_bootstrap_intervals() {
        let f = futures();
        let rows = ranks(&f, 0, 200, 7);
        let get = |s: &str| rows.iter().find(|r| r.strategy == s).unwrap();
        assert_eq!(
            (get("two").rank, get("two").rank_low, get("two").rank_high),
            (1, 1, 1)
        );
        assert_eq!(get("ref").rank, 3);
        assert_eq!(get("two").first_share, 1.0);
        // Make "one" and "two" equal but for noise: their intervals overlap.
        let mut g = f.clone();
        for p in 0..2 {
            for r in 0..30 {
                g.values[p][2][r][0] -= 1.0;
            }
        }
        let rows = ranks(&g, 0, 200, 7);
        let one = rows.iter().find(|r| r.strategy == "one").unwrap();
        let two = rows.iter().find(|r| r.strategy == "two").unwrap();
        assert!(one.rank_low == 1 && two.rank_low == 1, "{rows:?}");
        assert!(one.rank_high == 2 && two.rank_high == 2, "{rows:?}");
        assert_eq!(ranks(&g, 0, 200, 7), rows, "same seed, same intervals");
    }
}
