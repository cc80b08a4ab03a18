//! The files of a sensitivity design, from its stored runs: the design's
//! points (`design.csv`), the indices of every outcome and paired effect
//! (`indices.csv`, and by year `indices_by_year.csv`), the split of each
//! outcome's variance into parameter and stochastic parts
//! (`variance.csv`), and how often each variant beats the baseline over
//! the parameters' distribution (`robustness.csv`). docs/OUTPUTS.md and
//! docs/SENSITIVITY.md say what each column means and how it is estimated.
//!
//! Every run's outcomes are averaged over its point's replicates first: an
//! index is of the expected outcome at a point, not of one noisy run; and
//! an effect is the variant minus the baseline on the same replicate (the
//! same random numbers), averaged likewise.

use crate::{io_err, BatchError};
use placesim_core::stats::{holm, sign_test_p, wilson95, Welford};
use placesim_results::runs::{self, YEAR_OUTCOMES};
use placesim_results::sensitivity::{
    better, Better, DesignRow, IndexRow, RobustnessRow, VarianceRow, DESIGN, INDICES,
    INDICES_BY_YEAR, ROBUSTNESS, VARIANCE,
};
use placesim_results::table::csv_bytes_with_header;
use placesim_results::{write_atomic, Manifest, ManifestDesign, RunId};
use placesim_sensitivity::design::{numbered, Structure};
use placesim_sensitivity::{morris, sobol};
use std::path::Path;

/// Bootstrap resamples behind every interval.
pub const BOOTSTRAP_ROUNDS: usize = 1000;

/// What the indices are of: a variant's outcome, or its paired effect
/// against the baseline.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Of {
    Outcome,
    Effect,
}

impl Of {
    fn name(self) -> &'static str {
        match self {
            Of::Outcome => "outcome",
            Of::Effect => "effect",
        }
    }
}

/// Per design point, per series (a variant's outcome or effect) and per
/// column, the replicates' running mean and variance.
struct Collected {
    /// `[point][series][column]`
    cells: Vec<Vec<Vec<Welford>>>,
    /// (variant, of) of each series.
    series: Vec<(usize, Of)>,
}

/// Read every run's values through `read` (`None`: the run is missing),
/// pairing each with its replicate's baseline run.
fn collect(
    out: &Path,
    m: &Manifest,
    columns: usize,
    read: impl Fn(&Path) -> Result<Option<Vec<f64>>, BatchError>,
) -> Result<Collected, BatchError> {
    let grid = m.grid();
    let baseline = m.baseline_index();
    let mut series: Vec<(usize, Of)> = (0..m.variants.len()).map(|v| (v, Of::Outcome)).collect();
    series.extend(
        (0..m.variants.len())
            .filter(|&v| Some(v) != baseline)
            .map(|v| (v, Of::Effect)),
    );
    let mut cells = Vec::with_capacity(grid.design_points as usize);
    for design_point in 0..grid.design_points {
        let mut here = vec![vec![Welford::default(); columns]; series.len()];
        for replicate in 0..m.replicates {
            let values: Vec<Option<Vec<f64>>> = (0..m.variants.len())
                .map(|v| {
                    read(
                        &RunId {
                            design_point,
                            variant: v as u32,
                            replicate,
                        }
                        .folder(out),
                    )
                })
                .collect::<Result<_, _>>()?;
            for (s, &(v, of)) in series.iter().enumerate() {
                let base = baseline.and_then(|b| values[b].as_ref());
                let (Some(x), Some(b)) = (values[v].as_ref(), base) else {
                    continue;
                };
                if x.len() < columns || b.len() < columns {
                    return Err(BatchError::BadInput(format!(
                        "a stored run of {} has {} values where there should be {columns}; run the design again with --resume after removing its folder",
                        out.display(),
                        x.len().min(b.len())
                    )));
                }
                for (c, w) in here[s].iter_mut().enumerate() {
                    w.add(match of {
                        Of::Outcome => x[c],
                        Of::Effect => x[c] - b[c],
                    });
                }
            }
        }
        cells.push(here);
    }
    Ok(Collected { cells, series })
}

/// Write the design's files into `out`.
pub(crate) fn write_files(out: &Path, m: &Manifest) -> Result<(), BatchError> {
    let Some(design) = &m.design else {
        return Ok(());
    };
    let (group_of, group_names) = numbered(&design.groups);
    let structure =
        Structure::new(design.method, &group_of, m.sweep_seed).map_err(BatchError::BadInput)?;
    if structure.len() != design.points.len() {
        return Err(BatchError::BadInput(format!(
            "{}/manifest.json is damaged: its design has {} points where its method makes {}",
            out.display(),
            design.points.len(),
            structure.len()
        )));
    }
    let write = |name: &str, bytes: std::io::Result<Vec<u8>>| {
        let path = out.join(name);
        bytes
            .and_then(|b| write_atomic(&path, &b))
            .map_err(io_err(format!("writing {}", path.display())))
    };
    write(DESIGN, csv_bytes_with_header(&design_rows(design)))?;
    let names = runs::outcome_names();
    let all = collect(out, m, names.len(), |dir| {
        if !dir.is_dir() {
            return Ok(None);
        }
        runs::read_outcomes(dir)
            .map(Some)
            .map_err(io_err(format!("reading {}", dir.display())))
    })?;
    let mut indices = Vec::new();
    let mut variance = Vec::new();
    for (c, outcome) in names.iter().enumerate() {
        for (s, &(v, of)) in all.series.iter().enumerate() {
            let label = (m.variants[v].name.as_str(), of, *outcome);
            let means: Vec<f64> = all.cells.iter().map(|p| p[s][c].mean()).collect();
            indices.extend(index_rows(
                &structure,
                &group_names,
                m.sweep_seed,
                label,
                None,
                &means,
            ));
            variance.push(variance_row(
                &structure,
                m,
                label,
                all.cells.iter().map(|p| &p[s][c]),
            ));
        }
    }
    write(INDICES, csv_bytes_with_header(&indices))?;
    write(VARIANCE, csv_bytes_with_header(&variance))?;
    write(
        ROBUSTNESS,
        csv_bytes_with_header(&robustness(&structure, m, &all, &names)),
    )?;
    write(
        INDICES_BY_YEAR,
        csv_bytes_with_header(&by_year(out, m, &structure, &group_names)?),
    )
}

/// `design.csv`: each point's value of each uncertain parameter, long.
fn design_rows(design: &ManifestDesign) -> Vec<DesignRow> {
    design
        .points
        .iter()
        .enumerate()
        .flat_map(|(p, values)| {
            design
                .keys
                .iter()
                .zip(values)
                .map(move |(k, &x)| DesignRow {
                    design_point: p as u32,
                    parameter: k.clone(),
                    value: x,
                })
        })
        .collect()
}

/// The indices of one series of point means: Morris μ, μ* and σ, or Sobol
/// first-order and total, each parameter's, with intervals.
fn index_rows(
    structure: &Structure,
    groups: &[String],
    seed: u64,
    (variant, of, outcome): (&str, Of, &str),
    year: Option<u32>,
    means: &[f64],
) -> Vec<IndexRow> {
    let row =
        |parameter: &str, index: &str, value: f64, low: f64, high: f64, trusted: bool| IndexRow {
            variant: variant.to_string(),
            of: of.name().to_string(),
            outcome: outcome.to_string(),
            year,
            parameter: parameter.to_string(),
            index: index.to_string(),
            value,
            ci_low: low,
            ci_high: high,
            trusted,
        };
    // A series with a missing run (NaN) has no indices.
    if means.iter().any(|x| !x.is_finite()) {
        return Vec::new();
    }
    let key = seed ^ 0x5e45_1717;
    match structure {
        // A Latin hypercube has no indices: it is for robustness and discovery.
        Structure::LatinHypercube(_) | Structure::Given(_) => Vec::new(),
        Structure::Morris(d) => morris::effects(d, means, BOOTSTRAP_ROUNDS, key)
            .iter()
            .zip(groups)
            .flat_map(|(e, k)| {
                let ok = e.mu_star.value.is_finite();
                [
                    row(k, "mu", e.mu, f64::NAN, f64::NAN, ok),
                    row(
                        k,
                        "mu_star",
                        e.mu_star.value,
                        e.mu_star.low,
                        e.mu_star.high,
                        ok,
                    ),
                    row(k, "sigma", e.sigma, f64::NAN, f64::NAN, ok),
                ]
            })
            .collect(),
        Structure::Sobol(d) => sobol::indices(d, means, BOOTSTRAP_ROUNDS, key)
            .iter()
            .zip(groups)
            .flat_map(|(i, k)| {
                let ok = i.trusted();
                [
                    row(k, "first", i.first.value, i.first.low, i.first.high, ok),
                    row(k, "total", i.total.value, i.total.low, i.total.high, ok),
                ]
            })
            .collect(),
    }
}

/// The split of one series' variance over the design's random points:
/// the mean variance between replicates at a point (stochastic), and the
/// variance of the point means less its expected share of that
/// (parameters), as in a one-way random-effects analysis of variance.
fn variance_row<'a>(
    structure: &Structure,
    m: &Manifest,
    (variant, of, outcome): (&str, Of, &str),
    cells: impl Iterator<Item = &'a Welford>,
) -> VarianceRow {
    let cells: Vec<&Welford> = cells.collect();
    let mut within = Welford::default();
    let mut between = Welford::default();
    for &p in &structure.random_points() {
        let c = cells[p];
        between.add(c.mean());
        if c.n >= 2 {
            within.add(c.sd().powi(2));
        }
    }
    let r = m.replicates as f64;
    // With one replicate there is no stochastic estimate, and the
    // parameters' part is the point means' whole variance.
    let stochastic = within.mean();
    let spread = between.sd().powi(2);
    let parameters = if stochastic.is_finite() {
        (spread - stochastic / r).max(0.0)
    } else {
        spread
    };
    VarianceRow {
        variant: variant.to_string(),
        of: of.name().to_string(),
        outcome: outcome.to_string(),
        points: between.n,
        replicates: m.replicates,
        parameter_variance: parameters,
        stochastic_variance: stochastic,
        stochastic_share: stochastic / (stochastic + parameters),
    }
}

/// For each variant, and each outcome with a better direction, the share
/// of the design's random points at which its mean paired effect is better
/// than the baseline's, with its Wilson interval, the exact sign test's
/// p-value against one half, and that adjusted by Holm's method over the
/// table.
fn robustness(
    structure: &Structure,
    m: &Manifest,
    all: &Collected,
    names: &[&str],
) -> Vec<RobustnessRow> {
    let points = structure.random_points();
    let mut rows = Vec::new();
    for (s, &(v, of)) in all.series.iter().enumerate() {
        if of != Of::Effect {
            continue;
        }
        for (c, outcome) in names.iter().enumerate() {
            let Some(direction) = better(outcome) else {
                continue;
            };
            let effects: Vec<f64> = points.iter().map(|&p| all.cells[p][s][c].mean()).collect();
            let n = effects.iter().filter(|x| x.is_finite()).count() as u64;
            let beats = effects
                .iter()
                .filter(|&&x| match direction {
                    Better::Lower => x < 0.0,
                    Better::Higher => x > 0.0,
                })
                .count() as u64;
            let ties = effects.iter().filter(|&&x| x == 0.0).count() as u64;
            let mut mean = Welford::default();
            effects
                .iter()
                .filter(|x| x.is_finite())
                .for_each(|&x| mean.add(x));
            let (low, high) = wilson95(beats, n);
            rows.push(RobustnessRow {
                variant: m.variants[v].name.clone(),
                baseline: m.baseline.clone(),
                outcome: outcome.to_string(),
                better: direction.name().to_string(),
                points: n,
                beats,
                ties,
                p_beats: beats as f64 / n as f64,
                ci_low: low,
                ci_high: high,
                mean_effect: mean.mean(),
                p_value: sign_test_p(beats, n - ties),
                p_holm: f64::NAN,
            });
        }
    }
    let p: Vec<f64> = rows.iter().map(|r| r.p_value).collect();
    for (row, adjusted) in rows.iter_mut().zip(holm(&p)) {
        row.p_holm = adjusted;
    }
    rows
}

/// The indices of the yearly outcomes, year by year.
fn by_year(
    out: &Path,
    m: &Manifest,
    structure: &Structure,
    groups: &[String],
) -> Result<Vec<IndexRow>, BatchError> {
    let years = m
        .variants
        .first()
        .map_or(0, |v| v.params.place.weeks.div_ceil(52)) as usize;
    let columns = years * YEAR_OUTCOMES.len();
    let all = collect(out, m, columns, |dir| {
        if !dir.is_dir() {
            return Ok(None);
        }
        let rows = runs::read_years(dir).map_err(|e| BatchError::Io {
            context: format!("reading {}", dir.display()),
            source: std::io::Error::other(e.to_string()),
        })?;
        let mut x = vec![f64::NAN; columns];
        for y in rows.iter().filter(|y| (1..=years as u32).contains(&y.year)) {
            for (o, name) in YEAR_OUTCOMES.iter().enumerate() {
                x[(y.year as usize - 1) * YEAR_OUTCOMES.len() + o] = y.outcome(name);
            }
        }
        Ok(Some(x))
    })?;
    let mut rows = Vec::new();
    for year in 0..years {
        for (o, outcome) in YEAR_OUTCOMES.iter().enumerate() {
            let c = year * YEAR_OUTCOMES.len() + o;
            for (s, &(v, of)) in all.series.iter().enumerate() {
                let means: Vec<f64> = all.cells.iter().map(|p| p[s][c].mean()).collect();
                let label = (m.variants[v].name.as_str(), of, *outcome);
                rows.extend(index_rows(
                    structure,
                    groups,
                    m.sweep_seed,
                    label,
                    Some(year as u32 + 1),
                    &means,
                ));
            }
        }
    }
    Ok(rows)
}
