//! The paired comparison: each variant against the baseline, replicate by
//! replicate (common random numbers), from the stored runs' outcomes.

use crate::{io_err, BatchError};
use placesim_core::stats::{holm, Welford};
use placesim_results::{runs, ComparisonRow, Manifest, RunId};
use placesim_sensitivity::design::{numbered, Structure};
use std::io;
use std::path::Path;

/// A stored run's outcomes, as many as there are outcome columns.
fn outcomes(run_folder: &Path, count: usize) -> Result<Vec<f64>, BatchError> {
    let path = run_folder.join(runs::OUTCOMES);
    let reading = || io_err(format!("reading {}", path.display()));
    let x = runs::read_outcomes(run_folder).map_err(reading())?;
    if x.len() != count {
        return Err(reading()(io::Error::other(format!(
            "{} outcomes where there should be {count}",
            x.len()
        ))));
    }
    Ok(x)
}

/// Each variant against the baseline on each outcome, paired by replicate
/// over the stored runs: means, the Student t 95 % interval of the mean
/// difference, its p-value and the p-value adjusted by Holm's method over
/// every row. Pairs where either run is missing are left out. In a
/// sensitivity design the unit is a point, not a run: each point's paired
/// differences are averaged over its replicates first, and only the points
/// that are independent draws of the parameters count (Sobol's `A` and `B`
/// rows, each Morris trajectory's start), so the interval is over the
/// parameters' distribution. One design point at a time in memory.
pub(crate) fn paired(out: &Path, m: &Manifest) -> Result<Vec<ComparisonRow>, BatchError> {
    let names = runs::outcome_names();
    let baseline = m.baseline_index();
    let grid = m.grid();
    let draws: Option<Vec<bool>> = match &m.design {
        None => None,
        Some(d) => {
            let (group_of, _) = numbered(&d.groups);
            let structure =
                Structure::new(d.method, &group_of, m.sweep_seed).map_err(BatchError::BadInput)?;
            let mut is_draw = vec![false; grid.design_points as usize];
            for p in structure.random_points() {
                if let Some(x) = is_draw.get_mut(p) {
                    *x = true;
                }
            }
            Some(is_draw)
        }
    };
    // Per variant and outcome: the variant, the baseline and their difference.
    let mut acc = vec![vec![[Welford::default(); 3]; names.len()]; m.variants.len()];
    for design_point in 0..grid.design_points {
        if draws.as_ref().is_some_and(|d| !d[design_point as usize]) {
            continue;
        }
        let at = |variant: usize, replicate: u32| RunId {
            design_point,
            variant: variant as u32,
            replicate,
        };
        let baseline_values: Vec<Option<Vec<f64>>> = (0..m.replicates)
            .map(|r| baseline.and_then(|b| outcomes(&at(b, r).folder(out), names.len()).ok()))
            .collect();
        for (v, acc) in acc.iter_mut().enumerate() {
            if Some(v) == baseline {
                continue;
            }
            // This point's pairs; a plain sweep adds each pair, a design its mean.
            let mut here = vec![[Welford::default(); 3]; names.len()];
            for (r, base) in baseline_values.iter().enumerate() {
                let dir = at(v, r as u32).folder(out);
                let Some(base) = base.as_ref().filter(|_| dir.is_dir()) else {
                    continue;
                };
                let x = outcomes(&dir, names.len())?;
                let into = if draws.is_some() {
                    &mut here
                } else {
                    &mut *acc
                };
                for (i, [xs, bs, ds]) in into.iter_mut().enumerate() {
                    xs.add(x[i]);
                    bs.add(base[i]);
                    ds.add(x[i] - base[i]);
                }
            }
            if draws.is_some() {
                for (total, point) in acc.iter_mut().zip(&here) {
                    if point[2].n > 0 {
                        for (t, p) in total.iter_mut().zip(point) {
                            t.add(p.mean());
                        }
                    }
                }
            }
        }
    }
    let mut rows = Vec::new();
    for (v, (variant, acc)) in m.variants.iter().zip(&acc).enumerate() {
        if Some(v) == baseline {
            continue;
        }
        rows.extend(
            names
                .iter()
                .zip(acc.iter())
                .map(|(name, [x, b, d])| ComparisonRow {
                    variant: variant.name.clone(),
                    baseline: m.baseline.clone(),
                    outcome: name.to_string(),
                    n: d.n,
                    mean: x.mean(),
                    mean_baseline: b.mean(),
                    mean_diff: d.mean(),
                    ci_low: d.mean() - d.ci95_half_width(),
                    ci_high: d.mean() + d.ci95_half_width(),
                    ci_half_width: d.ci95_half_width(),
                    p_value: d.p_value_mean_zero(),
                    p_holm: f64::NAN,
                }),
        );
    }
    let p: Vec<f64> = rows.iter().map(|r| r.p_value).collect();
    for (row, adjusted) in rows.iter_mut().zip(holm(&p)) {
        row.p_holm = adjusted;
    }
    Ok(rows)
}
