//! PRIM, the patient rule induction method (Friedman and Fisher 1999), as
//! EMA Workbench (2.5.3) implements it for scenario discovery (Kwakkel
//! 2017), for numeric and categorical inputs: peel, then paste, from the box
//! of all the data, with EMA Workbench's defaults (peel and paste α 0.05,
//! minimum mass 0.05, the `lenient1` objective).
//!
//! - **Peeling.** Numeric inputs first, in order, then categorical ones.
//!   For a numeric input, two candidates: cut the box's top at the `1 − α`
//!   quantile of the input over the cases in the box (upper first), or its
//!   bottom at the `α` quantile. For a categorical input still holding more
//!   than one category, one candidate per category: remove it. Each is
//!   scored by `lenient1`, the gain in the share of cases of interest per
//!   case removed: `(mean_new − mean_old) / (n_old − n_new)`. The best
//!   (ties: the one leaving more inputs unrestricted, then the first tried)
//!   is taken if it keeps at least the minimum mass, removes something and
//!   gains; otherwise peeling stops.
//! - **Pasting.** From the last peeled box, each restricted numeric input's
//!   limits are widened in turn (lower, then upper) to the `α` quantile of
//!   the strip just outside them, and each category a restricted
//!   categorical input lost is offered back, over the cases not yet in an
//!   earlier box; the best is taken while it adds cases and raises the
//!   mean. As in EMA Workbench 2.5.3, a box none of whose numeric inputs is
//!   restricted is not pasted.
//! - Quantiles are EMA Workbench's (after sdtoolkit): the midpoint of the
//!   two sorted values around the quantile's position, moved outward past
//!   ties.
//!
//! Mass and coverage are shares of all cases and of all cases of interest,
//! also for a second box found after removing the first (covering).
//! [`resample`] checks how reproducible a box is (EMA Workbench's
//! `PrimBox.resample`).

use placesim_core::rng::{Purpose, Stream};

/// PRIM's settings.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Settings {
    pub peel_alpha: f64,
    pub paste_alpha: f64,
    pub mass_min: f64,
}

impl Default for Settings {
    /// EMA Workbench's defaults.
    fn default() -> Self {
        Settings {
            peel_alpha: 0.05,
            paste_alpha: 0.05,
            mass_min: 0.05,
        }
    }
}

/// A box's limit on one input.
#[derive(Clone, Debug, PartialEq)]
pub enum Limit {
    /// A numeric input's lower and upper limits (inclusive).
    Range(f64, f64),
    /// A categorical input's categories kept (their codes, ascending).
    Categories(Vec<u32>),
}

impl Limit {
    /// Whether a case with value `v` on this input is inside.
    pub fn contains(&self, v: f64) -> bool {
        match self {
            Limit::Range(lo, hi) => *lo <= v && v <= *hi,
            Limit::Categories(kept) => kept.binary_search(&code(v)).is_ok(),
        }
    }
}

/// A categorical value's code.
fn code(v: f64) -> u32 {
    v as u32
}

/// One box on the trajectory.
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    /// Each input's limit.
    pub limits: Vec<Limit>,
    /// Cases in the box, and cases of interest among them.
    pub cases: usize,
    pub of_interest: usize,
    /// Share of all cases of interest that are in the box.
    pub coverage: f64,
    /// Share of the box's cases that are of interest.
    pub density: f64,
    /// Share of all cases that are in the box.
    pub mass: f64,
    /// Inputs whose limits differ from the data's range.
    pub restricted: usize,
    /// Whether the step widened the box (pasting) rather than narrowed it.
    pub pasted: bool,
}

/// The data PRIM runs on: one row per case. A categorical input's values
/// are its categories' codes (0, 1, 2, …).
pub struct Data<'a> {
    pub x: &'a [Vec<f64>],
    pub y: &'a [bool],
    /// Which inputs are categorical (none, if shorter than a row).
    pub categorical: &'a [bool],
}

impl Data<'_> {
    fn inputs(&self) -> usize {
        self.x.first().map_or(0, Vec::len)
    }

    /// Whether input `j` is categorical.
    pub fn is_categorical(&self, j: usize) -> bool {
        self.categorical.get(j).copied().unwrap_or(false)
    }

    /// The box of all the data: each numeric input's [min, max], each
    /// categorical input's categories present.
    pub fn range(&self) -> Vec<Limit> {
        (0..self.inputs())
            .map(|j| {
                if self.is_categorical(j) {
                    let mut kept: Vec<u32> = self.x.iter().map(|r| code(r[j])).collect();
                    kept.sort_unstable();
                    kept.dedup();
                    Limit::Categories(kept)
                } else {
                    let (lo, hi) = self
                        .x
                        .iter()
                        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), r| {
                            (lo.min(r[j]), hi.max(r[j]))
                        });
                    Limit::Range(lo, hi)
                }
            })
            .collect()
    }

    fn inside(&self, row: usize, limits: &[Limit]) -> bool {
        self.x[row].iter().zip(limits).all(|(&v, l)| l.contains(v))
    }

    /// Numeric inputs, then categorical ones: the order EMA Workbench tries them in.
    fn peel_order(&self) -> Vec<usize> {
        let (mut numeric, categorical): (Vec<usize>, Vec<usize>) =
            (0..self.inputs()).partition(|&j| !self.is_categorical(j));
        numeric.extend(categorical);
        numeric
    }
}

/// EMA Workbench's quantile of `values` at `q` (after sdtoolkit).
pub fn quantile(values: &[f64], q: f64) -> f64 {
    let mut s = values.to_vec();
    s.sort_by(f64::total_cmp);
    let m = s.len();
    if m == 0 {
        return f64::NAN;
    }
    let t = (m - 1) as f64 * q;
    let (mut lo, mut hi) = (t.floor() as usize, t.ceil() as usize);
    if q > 0.5 {
        while s[lo] == s[hi] && lo > 0 {
            lo -= 1;
        }
    } else {
        while s[lo] == s[hi] && hi < m - 1 {
            hi += 1;
        }
    }
    (s[lo] + s[hi]) / 2.0
}

/// `lenient1`: the gain in the mean per case removed (or added).
fn lenient1(old: (usize, usize), new: (usize, usize)) -> f64 {
    let mean = |(n, k): (usize, usize)| if n == 0 { 0.0 } else { k as f64 / n as f64 };
    let (m_old, m_new) = (mean(old), mean(new));
    if m_old == m_new {
        0.0
    } else {
        (m_new - m_old) / (old.0 as f64 - new.0 as f64).abs()
    }
}

fn restricted(limits: &[Limit], range: &[Limit]) -> usize {
    limits.iter().zip(range).filter(|(a, b)| a != b).count()
}

/// A candidate box: its objective, its unrestricted inputs, its limits and its cases.
type Candidate = (f64, usize, Vec<Limit>, Vec<usize>);

/// The trajectory of one box over the cases `remaining`, from the range of
/// all the data; mass and coverage are shares of all cases.
pub fn find_box(data: &Data, remaining: &[usize], s: Settings) -> Vec<Step> {
    let range = data.range();
    let total = data.x.len();
    let total_of_interest = data.y.iter().filter(|&&y| y).count();
    let step = |limits: Vec<Limit>, rows: &[usize], pasted: bool| {
        let k = rows.iter().filter(|&&r| data.y[r]).count();
        Step {
            restricted: restricted(&limits, &range),
            limits,
            cases: rows.len(),
            of_interest: k,
            coverage: k as f64 / total_of_interest.max(1) as f64,
            density: k as f64 / rows.len().max(1) as f64,
            mass: rows.len() as f64 / total.max(1) as f64,
            pasted,
        }
    };
    let counts = |rows: &[usize]| (rows.len(), rows.iter().filter(|&&r| data.y[r]).count());
    let inputs = data.inputs();
    let order = data.peel_order();
    // A candidate replaces the best so far if it scores higher, or as high
    // while leaving more inputs unrestricted; the first tried wins a tie
    // (EMA Workbench's stable sort on (objective, unrestricted inputs)).
    let consider =
        |best: &mut Option<Candidate>, rows: &[usize], l: Vec<Limit>, kept: Vec<usize>| {
            let obj = lenient1(counts(rows), counts(&kept));
            let free = inputs - restricted(&l, &range);
            if best
                .as_ref()
                .is_none_or(|(o, f, _, _)| obj > *o || (obj == *o && free > *f))
            {
                *best = Some((obj, free, l, kept));
            }
        };
    let mut rows: Vec<usize> = remaining.to_vec();
    let mut limits = range.clone();
    let mut trajectory = vec![step(limits.clone(), &rows, false)];
    // Peel.
    loop {
        let mut best: Option<Candidate> = None;
        for &j in &order {
            match &limits[j] {
                Limit::Range(..) => {
                    let xj: Vec<f64> = rows.iter().map(|&r| data.x[r][j]).collect();
                    for upper in [true, false] {
                        let mut l = limits.clone();
                        let Limit::Range(lo, hi) = l[j] else { continue };
                        let kept: Vec<usize> = if upper {
                            let v = quantile(&xj, 1.0 - s.peel_alpha);
                            l[j] = Limit::Range(lo, v);
                            rows.iter()
                                .copied()
                                .filter(|&r| data.x[r][j] <= v)
                                .collect()
                        } else {
                            let v = quantile(&xj, s.peel_alpha);
                            l[j] = Limit::Range(v, hi);
                            rows.iter()
                                .copied()
                                .filter(|&r| data.x[r][j] >= v)
                                .collect()
                        };
                        consider(&mut best, &rows, l, kept);
                    }
                }
                Limit::Categories(kept_now) if kept_now.len() > 1 => {
                    for &c in kept_now {
                        let mut l = limits.clone();
                        l[j] = Limit::Categories(
                            kept_now.iter().copied().filter(|&k| k != c).collect(),
                        );
                        let kept: Vec<usize> = rows
                            .iter()
                            .copied()
                            .filter(|&r| code(data.x[r][j]) != c)
                            .collect();
                        consider(&mut best, &rows, l, kept);
                    }
                }
                Limit::Categories(_) => {}
            }
        }
        let Some((obj, _, l, kept)) = best else { break };
        let mass_new = kept.len() as f64 / total as f64;
        if mass_new >= s.mass_min && kept.len() < rows.len() && obj > 0.0 {
            limits = l;
            rows = kept;
            trajectory.push(step(limits.clone(), &rows, false));
        } else {
            break;
        }
    }
    // Paste.
    loop {
        let dims: Vec<usize> = order
            .iter()
            .copied()
            .filter(|&j| limits[j] != range[j])
            .collect();
        if !dims.iter().any(|&j| !data.is_categorical(j)) {
            break;
        }
        let within = |r: usize, l: &[Limit]| dims.iter().all(|&j| l[j].contains(data.x[r][j]));
        let mut best: Option<Candidate> = None;
        for &u in &dims {
            match (&limits[u], &range[u]) {
                (&Limit::Range(lo, hi), &Limit::Range(min, max)) => {
                    for lower in [true, false] {
                        let mut strip_limits = limits.clone();
                        strip_limits[u] = if lower {
                            Limit::Range(min, lo)
                        } else {
                            Limit::Range(hi, max)
                        };
                        let strip: Vec<f64> = remaining
                            .iter()
                            .filter(|&&r| within(r, &strip_limits))
                            .map(|&r| data.x[r][u])
                            .collect();
                        let mut l = limits.clone();
                        l[u] = if lower {
                            let v = if strip.is_empty() {
                                min
                            } else {
                                quantile(&strip, 1.0 - s.paste_alpha)
                            };
                            Limit::Range(v, hi)
                        } else {
                            let v = if strip.is_empty() {
                                max
                            } else {
                                quantile(&strip, s.paste_alpha)
                            };
                            Limit::Range(lo, v)
                        };
                        let kept: Vec<usize> = remaining
                            .iter()
                            .copied()
                            .filter(|&r| within(r, &l))
                            .collect();
                        consider(&mut best, &rows, l, kept);
                    }
                }
                (Limit::Categories(kept_now), Limit::Categories(all)) => {
                    for &c in all.iter().filter(|c| !kept_now.contains(c)) {
                        let mut more = kept_now.clone();
                        more.push(c);
                        more.sort_unstable();
                        let mut l = limits.clone();
                        l[u] = Limit::Categories(more);
                        let kept: Vec<usize> = remaining
                            .iter()
                            .copied()
                            .filter(|&r| within(r, &l))
                            .collect();
                        consider(&mut best, &rows, l, kept);
                    }
                }
                _ => {}
            }
        }
        let Some((obj, _, l, kept)) = best else { break };
        let (old, new) = (counts(&rows), counts(&kept));
        let mean = |(n, k): (usize, usize)| k as f64 / n.max(1) as f64;
        let mass_new = kept.len() as f64 / total as f64;
        if mass_new >= s.mass_min && kept.len() > rows.len() && obj > 0.0 && mean(new) > mean(old) {
            limits = l;
            rows = kept;
            trajectory.push(step(limits.clone(), &rows, true));
        } else {
            break;
        }
    }
    trajectory
}

/// The box a reader is shown by default: the first peeled or pasted box
/// whose density reaches `threshold`; if none does, the densest of them.
/// The first box (all the data) is chosen only when nothing was peeled.
pub fn choose(trajectory: &[Step], threshold: f64) -> usize {
    if trajectory.len() < 2 {
        return 0;
    }
    (1..trajectory.len())
        .find(|&i| trajectory[i].density >= threshold)
        .unwrap_or_else(|| {
            (1..trajectory.len())
                .max_by(|&a, &b| {
                    trajectory[a]
                        .density
                        .total_cmp(&trajectory[b].density)
                        .then(b.cmp(&a))
                })
                .unwrap_or(0)
        })
}

/// The cases of `remaining` inside `limits`.
pub fn cases_in(data: &Data, remaining: &[usize], limits: &[Limit]) -> Vec<usize> {
    remaining
        .iter()
        .copied()
        .filter(|&r| data.inside(r, limits))
        .collect()
}

/// Quasi-p-value of each restricted limit of a box (EMA Workbench's): the
/// one-sided binomial chance of at least the box's cases of interest among
/// its cases, at the density of the box with that one limit undone; `None`
/// for a limit that is not restricted. Per input: (lower, upper) for a
/// numeric input; (the categories kept, `None`) for a categorical one.
pub fn quasi_p(
    data: &Data,
    remaining: &[usize],
    limits: &[Limit],
) -> Vec<(Option<f64>, Option<f64>)> {
    use statrs::distribution::{Binomial, DiscreteCDF};
    let range = data.range();
    let inside = cases_in(data, remaining, limits);
    let (t_box, h_box) = (
        inside.len() as u64,
        inside.iter().filter(|&&r| data.y[r]).count() as u64,
    );
    let p_for = |undone: Vec<Limit>| -> Option<f64> {
        let rows = cases_in(data, remaining, &undone);
        let (t, h) = (rows.len(), rows.iter().filter(|&&r| data.y[r]).count());
        let p = h as f64 / t.max(1) as f64;
        let b = Binomial::new(p, t_box).ok()?;
        Some(if h_box == 0 { 1.0 } else { b.sf(h_box - 1) })
    };
    let undo = |j: usize, to: Limit| {
        let mut undone = limits.to_vec();
        undone[j] = to;
        p_for(undone)
    };
    (0..limits.len())
        .map(|j| match (&limits[j], &range[j]) {
            (&Limit::Range(lo, hi), &Limit::Range(min, max)) => (
                (lo != min)
                    .then(|| undo(j, Limit::Range(min, hi)))
                    .flatten(),
                (hi != max)
                    .then(|| undo(j, Limit::Range(lo, max)))
                    .flatten(),
            ),
            (kept, all) => ((kept != all).then(|| undo(j, all.clone())).flatten(), None),
        })
        .collect()
}

/// The density a half-sample's final box must reach for its trajectory to
/// count in [`resample`] (EMA Workbench's `threshold=0.1` there).
pub const RESAMPLE_THRESHOLD: f64 = 0.1;

/// How often each input is restricted when PRIM runs again on random
/// subsamples (EMA Workbench's `PrimBox.resample`): on each of
/// `iterations` subsamples of `share` of the cases (without replacement,
/// from `seed`), find the first box's trajectory, take its step nearest
/// `target` in coverage and its step nearest in density, and count the
/// inputs each restricts; a half whose final box has density below
/// [`RESAMPLE_THRESHOLD`] counts as restricting nothing. Per input: (share
/// of subsamples restricting it near the coverage, near the density).
pub fn resample(
    data: &Data,
    target: &Step,
    iterations: usize,
    share: f64,
    seed: u64,
    s: Settings,
) -> Vec<(f64, f64)> {
    let n = data.x.len();
    let m = (n as f64 * share) as usize;
    let mut counts = vec![(0usize, 0usize); data.inputs()];
    for i in 0..iterations {
        // A partial Fisher–Yates shuffle: the first m of a random order.
        let mut rng = Stream::new(seed, Purpose::Design, i as u32, 0x5e5a);
        let mut order: Vec<usize> = (0..n).collect();
        for k in 0..m.min(n) {
            let pick = k + rng.below((n - k) as u32) as usize;
            order.swap(k, pick);
        }
        let picked = &order[..m.min(n)];
        let x: Vec<Vec<f64>> = picked.iter().map(|&r| data.x[r].clone()).collect();
        let y: Vec<bool> = picked.iter().map(|&r| data.y[r]).collect();
        let sub = Data {
            x: &x,
            y: &y,
            categorical: data.categorical,
        };
        let all: Vec<usize> = (0..x.len()).collect();
        let mut trajectory = find_box(&sub, &all, s);
        // EMA Workbench reruns PRIM with a threshold of 0.1: a half whose
        // final box is less dense than that keeps only the box of all its
        // data, which restricts nothing.
        if trajectory
            .last()
            .is_some_and(|t| t.density < RESAMPLE_THRESHOLD)
        {
            trajectory.truncate(1);
        }
        let range = sub.range();
        let nearest = |of: fn(&Step) -> f64| -> usize {
            (0..trajectory.len())
                .min_by(|&a, &b| {
                    (of(&trajectory[a]) - of(target))
                        .abs()
                        .total_cmp(&(of(&trajectory[b]) - of(target)).abs())
                        .then(a.cmp(&b))
                })
                .unwrap_or(0)
        };
        let (by_coverage, by_density) = (nearest(|t| t.coverage), nearest(|t| t.density));
        for (j, c) in counts.iter_mut().enumerate() {
            c.0 += usize::from(trajectory[by_coverage].limits[j] != range[j]);
            c.1 += usize::from(trajectory[by_density].limits[j] != range[j]);
        }
    }
    let per = iterations.max(1) as f64;
    counts
        .iter()
        .map(|&(a, b)| (a as f64 / per, b as f64 / per))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::planted;

    #[test]
    fn quantiles_are_ema_workbenchs() {
        let v = [1.0, 2.0, 3.0, 4.0, 5.0];
        // At an exact position the two indices coincide and, being equal,
        // move outward: the median of 1..5 is the midpoint of 3 and 4.
        assert_eq!(quantile(&v, 0.5), 3.5);
        // (5 − 1) × 0.05 = 0.2: floor 0, ceil 1 → midpoint of 1 and 2.
        assert_eq!(quantile(&v, 0.05), 1.5);
        assert_eq!(quantile(&v, 0.95), 4.5);
        // Ties move outward: the lower quantile of [1, 1, 1, 2] is the midpoint of 1 and 2.
        assert_eq!(quantile(&[1.0, 1.0, 1.0, 2.0], 0.05), 1.5);
    }

    fn range_of(l: &Limit) -> (f64, f64) {
        match *l {
            Limit::Range(lo, hi) => (lo, hi),
            Limit::Categories(_) => panic!("{l:?} is not a range"),
        }
    }

    /// The planted box (x0 in [0.2, 0.6), x1 ≥ 0.5, 10 % of labels flipped,
    /// 2,000 points, seed 7): the chosen box (first with density ≥ 0.8)
    /// has each planted limit within 0.05 and leaves x1's top and the
    /// other three inputs unrestricted.
    #[test]
    fn prim_recovers_the_planted_box() {
        let (x, y) = planted::data(2_000, 7);
        let data = Data {
            x: &x,
            y: &y,
            categorical: &[],
        };
        let all: Vec<usize> = (0..x.len()).collect();
        let trajectory = find_box(&data, &all, Settings::default());
        let chosen = &trajectory[choose(&trajectory, 0.8)];
        let range = data.range();
        let l = &chosen.limits;
        let (x0, x1) = (range_of(&l[0]), range_of(&l[1]));
        assert!((x0.0 - 0.2).abs() < 0.05, "{l:?}");
        assert!((x0.1 - 0.6).abs() < 0.05, "{l:?}");
        assert!((x1.0 - 0.5).abs() < 0.05, "{l:?}");
        assert_eq!(x1.1, range_of(&range[1]).1, "{l:?}");
        for j in 2..5 {
            assert_eq!(l[j], range[j], "input {j} restricted: {l:?}");
        }
        assert!(chosen.density >= 0.8 && chosen.coverage > 0.7, "{chosen:?}");
        // Each restricted limit is far from chance; the others have none.
        let p = quasi_p(&data, &all, l);
        for (j, side) in [(0, 0), (0, 1), (1, 0)] {
            let q = if side == 0 { p[j].0 } else { p[j].1 };
            assert!(q.is_some_and(|q| q < 1e-6), "{p:?}");
        }
        assert!(p[2..].iter().all(|s| s.0.is_none() && s.1.is_none()));
        // The trajectory's mass falls and its density rises while peeling.
        for w in trajectory.windows(2).filter(|w| !w[1].pasted) {
            assert!(w[1].mass < w[0].mass && w[1].density >= w[0].density - 1e-12);
        }
    }

    /// A planted box on a categorical input (categories 1 and 2 of four)
    /// and a numeric one (x0 < 0.5), 10 % of labels flipped: the first box
    /// with density ≥ 0.85 keeps exactly categories 1 and 2, has x0's top within 0.05 of
    /// 0.5, leaves the other three numeric inputs unrestricted, and its
    /// categorical limit's quasi-p-value is far from chance.
    #[test]
    fn prim_recovers_a_planted_categorical_box() {
        let (x, y) = planted::with_category(2_000, 7);
        let categorical = [false, false, false, false, true];
        let data = Data {
            x: &x,
            y: &y,
            categorical: &categorical,
        };
        let all: Vec<usize> = (0..x.len()).collect();
        let trajectory = find_box(&data, &all, Settings::default());
        // With one label in ten flipped the planted box's density is about
        // 0.9; at 0.8 PRIM stops one peel short of x0's limit (0.56).
        let chosen = &trajectory[choose(&trajectory, 0.85)];
        let l = &chosen.limits;
        assert_eq!(l[4], Limit::Categories(vec![1, 2]), "{l:?}");
        assert!((range_of(&l[0]).1 - 0.5).abs() < 0.05, "{l:?}");
        let range = data.range();
        for j in 1..4 {
            assert_eq!(l[j], range[j], "input {j} restricted: {l:?}");
        }
        let p = quasi_p(&data, &all, l);
        assert!(
            p[4].0.is_some_and(|q| q < 1e-6) && p[4].1.is_none(),
            "{p:?}"
        );
    }

    /// Resampling the planted box: both planted inputs are restricted in
    /// (nearly) every half-sample, the unrestricted ones rarely.
    #[test]
    fn resampling_reproduces_the_planted_inputs() {
        let (x, y) = planted::data(2_000, 7);
        let data = Data {
            x: &x,
            y: &y,
            categorical: &[],
        };
        let all: Vec<usize> = (0..x.len()).collect();
        let trajectory = find_box(&data, &all, Settings::default());
        let chosen = &trajectory[choose(&trajectory, 0.8)];
        let shares = resample(&data, chosen, 10, 0.5, 11, Settings::default());
        for (j, s) in shares.iter().enumerate() {
            if j < 2 {
                assert!(s.0 >= 0.9 && s.1 >= 0.9, "input {j}: {shares:?}");
            } else {
                assert!(s.0 <= 0.3 && s.1 <= 0.3, "input {j}: {shares:?}");
            }
        }
        // The same seed gives the same shares.
        assert_eq!(
            shares,
            resample(&data, chosen, 10, 0.5, 11, Settings::default())
        );
    }
}
