//! PRIM, the patient rule induction method (Friedman and Fisher 1999), as
//! EMA Workbench implements it for scenario discovery (Kwakkel 2017), for
//! numeric inputs: peel, then paste, from the box of all the data, with
//! EMA Workbench's defaults (peel and paste α 0.05, minimum mass 0.05, the
//! `lenient1` objective).
//!
//! - **Peeling.** For each input in order, two candidates: cut the box's
//!   top at the `1 − α` quantile of the input over the cases in the box
//!   (upper first), or its bottom at the `α` quantile. Each is scored by
//!   `lenient1`, the gain in the share of cases of interest per case
//!   removed: `(mean_new − mean_old) / (n_old − n_new)`. The best (ties:
//!   the one leaving fewer inputs restricted, then the first tried) is
//!   taken if it keeps at least the minimum mass, removes something and
//!   gains; otherwise peeling stops.
//! - **Pasting.** From the last peeled box, each restricted input's limits
//!   are widened in turn (lower, then upper) to the `α` quantile of the
//!   strip just outside them, over the cases not yet in an earlier box;
//!   the best widening is taken while it adds cases and raises the mean.
//! - Quantiles are EMA Workbench's (after sdtoolkit): the midpoint of the
//!   two sorted values around the quantile's position, moved outward past
//!   ties.
//!
//! Mass and coverage are shares of all cases and of all cases of interest,
//! also for a second box found after removing the first (covering).

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

/// One box on the trajectory.
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    /// Each input's [lower, upper] limits (inclusive).
    pub limits: Vec<(f64, f64)>,
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

/// The data PRIM runs on: one row per case.
pub struct Data<'a> {
    pub x: &'a [Vec<f64>],
    pub y: &'a [bool],
}

impl Data<'_> {
    fn inputs(&self) -> usize {
        self.x.first().map_or(0, Vec::len)
    }

    /// Each input's [min, max] over all cases: the first box.
    pub fn range(&self) -> Vec<(f64, f64)> {
        (0..self.inputs())
            .map(|j| {
                self.x
                    .iter()
                    .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), r| {
                        (lo.min(r[j]), hi.max(r[j]))
                    })
            })
            .collect()
    }

    fn inside(&self, row: usize, limits: &[(f64, f64)]) -> bool {
        self.x[row]
            .iter()
            .zip(limits)
            .all(|(&v, &(lo, hi))| lo <= v && v <= hi)
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

fn restricted(limits: &[(f64, f64)], range: &[(f64, f64)]) -> usize {
    limits.iter().zip(range).filter(|(a, b)| a != b).count()
}

/// A candidate box: its objective, its unrestricted inputs, its limits and its cases.
type Candidate = (f64, usize, Vec<(f64, f64)>, Vec<usize>);

/// The trajectory of one box over the cases `remaining`, from the range of
/// all the data; `total` and `total_of_interest` are all cases' counts.
pub fn find_box(data: &Data, remaining: &[usize], s: Settings) -> Vec<Step> {
    let range = data.range();
    let total = data.x.len();
    let total_of_interest = data.y.iter().filter(|&&y| y).count();
    let step = |limits: Vec<(f64, f64)>, rows: &[usize], pasted: bool| {
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
    // A candidate replaces the best so far if it scores higher, or as high
    // while leaving more inputs unrestricted; the first tried wins a tie
    // (EMA Workbench's stable sort on (objective, unrestricted inputs)).
    let consider =
        |best: &mut Option<Candidate>, rows: &[usize], l: Vec<(f64, f64)>, kept: Vec<usize>| {
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
        for j in 0..inputs {
            let xj: Vec<f64> = rows.iter().map(|&r| data.x[r][j]).collect();
            for upper in [true, false] {
                let mut l = limits.clone();
                let kept: Vec<usize> = if upper {
                    let v = quantile(&xj, 1.0 - s.peel_alpha);
                    l[j].1 = v;
                    rows.iter()
                        .copied()
                        .filter(|&r| data.x[r][j] <= v)
                        .collect()
                } else {
                    let v = quantile(&xj, s.peel_alpha);
                    l[j].0 = v;
                    rows.iter()
                        .copied()
                        .filter(|&r| data.x[r][j] >= v)
                        .collect()
                };
                consider(&mut best, &rows, l, kept);
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
        let dims: Vec<usize> = (0..inputs).filter(|&j| limits[j] != range[j]).collect();
        if dims.is_empty() {
            break;
        }
        let within = |r: usize, l: &[(f64, f64)]| {
            dims.iter()
                .all(|&j| l[j].0 <= data.x[r][j] && data.x[r][j] <= l[j].1)
        };
        let mut best: Option<Candidate> = None;
        for &u in &dims {
            for lower in [true, false] {
                let mut strip_limits = limits.clone();
                if lower {
                    strip_limits[u] = (range[u].0, limits[u].0);
                } else {
                    strip_limits[u] = (limits[u].1, range[u].1);
                }
                let strip: Vec<f64> = remaining
                    .iter()
                    .filter(|&&r| within(r, &strip_limits))
                    .map(|&r| data.x[r][u])
                    .collect();
                let mut l = limits.clone();
                if lower {
                    l[u].0 = if strip.is_empty() {
                        range[u].0
                    } else {
                        quantile(&strip, 1.0 - s.paste_alpha)
                    };
                } else {
                    l[u].1 = if strip.is_empty() {
                        range[u].1
                    } else {
                        quantile(&strip, s.paste_alpha)
                    };
                }
                let kept: Vec<usize> = remaining
                    .iter()
                    .copied()
                    .filter(|&r| within(r, &l))
                    .collect();
                consider(&mut best, &rows, l, kept);
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
pub fn cases_in(data: &Data, remaining: &[usize], limits: &[(f64, f64)]) -> Vec<usize> {
    remaining
        .iter()
        .copied()
        .filter(|&r| data.inside(r, limits))
        .collect()
}

/// Quasi-p-value of each restricted limit of a box (EMA Workbench's): the
/// one-sided binomial chance of at least the box's cases of interest among
/// its cases, at the density of the box with that one limit undone; `None`
/// for a limit that is not restricted. Per input: (lower, upper).
pub fn quasi_p(
    data: &Data,
    remaining: &[usize],
    limits: &[(f64, f64)],
) -> Vec<(Option<f64>, Option<f64>)> {
    use statrs::distribution::{Binomial, DiscreteCDF};
    let range = data.range();
    let inside = cases_in(data, remaining, limits);
    let (t_box, h_box) = (
        inside.len() as u64,
        inside.iter().filter(|&&r| data.y[r]).count() as u64,
    );
    let p_for = |undone: Vec<(f64, f64)>| -> Option<f64> {
        let rows = cases_in(data, remaining, &undone);
        let (t, h) = (rows.len(), rows.iter().filter(|&&r| data.y[r]).count());
        let p = h as f64 / t.max(1) as f64;
        let b = Binomial::new(p, t_box).ok()?;
        Some(if h_box == 0 { 1.0 } else { b.sf(h_box - 1) })
    };
    (0..limits.len())
        .map(|j| {
            let side = |lower: bool| {
                let (now, init) = if lower {
                    (limits[j].0, range[j].0)
                } else {
                    (limits[j].1, range[j].1)
                };
                (now != init).then(|| {
                    let mut undone = limits.to_vec();
                    if lower {
                        undone[j].0 = init;
                    } else {
                        undone[j].1 = init;
                    }
                    p_for(undone)
                })?
            };
            (side(true), side(false))
        })
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

    /// The planted box (x0 in [0.2, 0.6), x1 ≥ 0.5, 10 % of labels flipped,
    /// 2,000 points, seed 7): the chosen box (first with density ≥ 0.8)
    /// has each planted limit within 0.05 and leaves x1's top and the
    /// other three inputs unrestricted.
    #[test]
    fn prim_recovers_the_planted_box() {
        let (x, y) = planted::data(2_000, 7);
        let data = Data { x: &x, y: &y };
        let all: Vec<usize> = (0..x.len()).collect();
        let trajectory = find_box(&data, &all, Settings::default());
        let chosen = &trajectory[choose(&trajectory, 0.8)];
        let range = data.range();
        let l = &chosen.limits;
        assert!((l[0].0 - 0.2).abs() < 0.05, "{l:?}");
        assert!((l[0].1 - 0.6).abs() < 0.05, "{l:?}");
        assert!((l[1].0 - 0.5).abs() < 0.05, "{l:?}");
        assert_eq!(l[1].1, range[1].1, "{l:?}");
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
}
