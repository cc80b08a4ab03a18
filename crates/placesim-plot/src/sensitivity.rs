//! The charts and report section of a sensitivity design: what the key
//! outcomes' paired effects hinge on (Morris μ*–σ, or Sobol bars with
//! intervals), how that changes year by year, and how often each variant
//! beats the baseline over the parameters' distribution.

use crate::charts::{colour, e, frame, inner, padded, Chart, DrawResult, KEY_OUTCOMES};
use crate::data::{read_table, PlotError, Results};
use placesim_results::sensitivity::{
    IndexRow, RobustnessRow, VarianceRow, INDICES, INDICES_BY_YEAR, ROBUSTNESS, VARIANCE,
};
use placesim_results::{write_atomic, AtomicPath};
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::Path;

const FONT: &str = crate::charts::FONT;

/// A design's tables, read back from its results folder.
pub struct Design {
    pub method: String,
    pub indices: Vec<IndexRow>,
    pub by_year: Vec<IndexRow>,
    pub robustness: Vec<RobustnessRow>,
    pub variance: Vec<VarianceRow>,
    /// Points of the design.
    pub points: usize,
    /// The variant whose effects the charts show: the contrast variant.
    pub variant: String,
}

impl Design {
    /// The design's tables, if the results folder is a sensitivity design's.
    pub fn load(r: &Results) -> Result<Option<Design>, PlotError> {
        let Some(d) = &r.manifest.design else {
            return Ok(None);
        };
        Ok(Some(Design {
            method: d.method.name().to_string(),
            indices: read_table(&r.dir, INDICES)?,
            by_year: read_table(&r.dir, INDICES_BY_YEAR)?,
            robustness: read_table(&r.dir, ROBUSTNESS)?,
            variance: read_table(&r.dir, VARIANCE)?,
            points: d.points.len(),
            variant: r.variants[r.contrast_index()].clone(),
        }))
    }

    /// The screening or importance measure the charts rank by.
    pub fn measure(&self) -> &'static str {
        if self.method == "morris" {
            "mu_star"
        } else {
            "total"
        }
    }

    /// One index of the effect of the contrast variant on `outcome`, by parameter, largest first.
    pub fn ranked<'a>(
        &'a self,
        rows: &'a [IndexRow],
        outcome: &str,
        index: &str,
        year: Option<u32>,
    ) -> Vec<&'a IndexRow> {
        let mut out: Vec<&IndexRow> = rows
            .iter()
            .filter(|x| {
                x.variant == self.variant
                    && x.of == "effect"
                    && x.outcome == outcome
                    && x.index == index
                    && x.year == year
            })
            .collect();
        out.sort_by(|a, b| {
            b.value
                .total_cmp(&a.value)
                .then(a.parameter.cmp(&b.parameter))
        });
        out
    }

    /// The same parameter's index `index` in `rows` matching `like`.
    fn partner<'a>(&'a self, like: &IndexRow, index: &str) -> Option<&'a IndexRow> {
        self.indices.iter().find(|x| {
            x.variant == like.variant
                && x.of == like.of
                && x.outcome == like.outcome
                && x.parameter == like.parameter
                && x.index == index
        })
    }
}

/// A dotted key without its first segment, for labels.
fn short(key: &str) -> &str {
    key.split_once('.').map_or(key, |(_, rest)| rest)
}

/// Morris: μ* against σ of each parameter, one panel per key outcome's effect.
fn screening<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, d: &Design) -> DrawResult {
    for (panel, m) in root.split_evenly((2, 2)).iter().zip(KEY_OUTCOMES.iter()) {
        let ranked = d.ranked(&d.indices, m.key, "mu_star", None);
        let points: Vec<(f64, f64, &str)> = ranked
            .iter()
            .filter_map(|x| {
                let sigma = d.partner(x, "sigma")?.value;
                Some((x.value * m.scale, sigma * m.scale, x.parameter.as_str()))
            })
            .filter(|(a, b, _)| a.is_finite() && b.is_finite())
            .collect();
        let hi_x = points.iter().map(|p| p.0).fold(0.0, f64::max);
        let hi_y = points.iter().map(|p| p.1).fold(0.0, f64::max);
        // Room on the right for the names of the largest.
        let (_, hx) = padded(0.0, hi_x * 1.3);
        let (_, hy) = padded(0.0, hi_y);
        let mut chart = ChartBuilder::on(panel)
            .margin(10)
            .x_label_area_size(40)
            .y_label_area_size(70)
            .caption(format!("effect on {}", m.label), (FONT, 15))
            .build_cartesian_2d(0.0..hx, 0.0..hy)
            .map_err(e)?;
        chart
            .configure_mesh()
            .x_desc("μ* (mean |elementary effect|)")
            .y_desc("σ")
            .label_style((FONT, 12))
            .draw()
            .map_err(e)?;
        for (k, &(x, y, name)) in points.iter().enumerate() {
            let c = if k < 5 {
                colour(1)
            } else {
                RGBColor(150, 150, 150)
            };
            chart
                .draw_series(std::iter::once(Circle::new((x, y), 4, c.filled())))
                .map_err(e)?;
            if k < 5 {
                chart
                    .draw_series(std::iter::once(Text::new(
                        short(name).to_string(),
                        (x, y),
                        (FONT, 12).into_font(),
                    )))
                    .map_err(e)?;
            }
        }
    }
    Ok(())
}

/// Sobol: first-order and total indices of the ten largest, with intervals;
/// an index the design is too small for is drawn hollow.
fn sobol_bars<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, d: &Design) -> DrawResult {
    for (panel, m) in root.split_evenly((2, 2)).iter().zip(KEY_OUTCOMES.iter()) {
        let ranked: Vec<&IndexRow> = d
            .ranked(&d.indices, m.key, "total", None)
            .into_iter()
            .take(10)
            .collect();
        let n = ranked.len().max(1);
        let mut chart = ChartBuilder::on(panel)
            .margin(10)
            .x_label_area_size(36)
            .y_label_area_size(230)
            .caption(format!("effect on {}", m.label), (FONT, 15))
            .build_cartesian_2d(-0.1f64..1.1f64, -0.6f64..(n as f64 - 0.4))
            .map_err(e)?;
        let labels: Vec<String> = ranked
            .iter()
            .map(|x| short(&x.parameter).to_string())
            .collect();
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(n)
            .y_label_formatter(&|y| {
                crate::charts::row_at(*y, n)
                    .and_then(|i| labels.get(i).cloned())
                    .unwrap_or_default()
            })
            .x_desc(
                "first-order (orange) and total (blue) index, 95 % interval; hollow: N too small",
            )
            .label_style((FONT, 12))
            .draw()
            .map_err(e)?;
        for (k, total) in ranked.iter().enumerate() {
            let y = (n - 1 - k) as f64;
            for (row, offset, c) in [
                (Some(*total), 0.15, colour(2)),
                (d.partner(total, "first"), -0.15, colour(1)),
            ] {
                let Some(row) = row else { continue };
                let yy = y + offset;
                if row.ci_low.is_finite() && row.ci_high.is_finite() {
                    chart
                        .draw_series(LineSeries::new(
                            vec![(row.ci_low, yy), (row.ci_high, yy)],
                            c.stroke_width(2),
                        ))
                        .map_err(e)?;
                }
                let style = if row.trusted {
                    c.filled()
                } else {
                    c.stroke_width(2)
                };
                chart
                    .draw_series(std::iter::once(Circle::new(
                        (row.value.clamp(-0.1, 1.1), yy),
                        5,
                        style,
                    )))
                    .map_err(e)?;
            }
        }
    }
    Ok(())
}

/// The ranking measure of the five largest parameters over the years, per yearly outcome.
fn over_time<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, d: &Design) -> DrawResult {
    let outcomes = placesim_results::runs::YEAR_OUTCOMES;
    let years: Vec<u32> = {
        let mut y: Vec<u32> = d.by_year.iter().filter_map(|x| x.year).collect();
        y.sort_unstable();
        y.dedup();
        y
    };
    let last = years.last().copied().unwrap_or(1) as f64;
    for (panel, outcome) in root.split_evenly((1, outcomes.len())).iter().zip(outcomes) {
        // Morris in the key outcomes' units (£m, thousands, %); Sobol indices have none.
        let (scale, label) = KEY_OUTCOMES
            .iter()
            .find(|m| m.key == outcome)
            .map_or((1.0, outcome), |m| (m.scale, m.label));
        let scale = if d.method == "morris" { scale } else { 1.0 };
        let top: Vec<String> = d
            .ranked(&d.by_year, outcome, d.measure(), years.last().copied())
            .iter()
            .take(5)
            .map(|x| x.parameter.clone())
            .collect();
        let series: Vec<Vec<(f64, f64)>> = top
            .iter()
            .map(|p| {
                years
                    .iter()
                    .filter_map(|&y| {
                        d.ranked(&d.by_year, outcome, d.measure(), Some(y))
                            .into_iter()
                            .find(|x| &x.parameter == p)
                            .map(|x| (y as f64, x.value * scale))
                    })
                    .filter(|(_, v)| v.is_finite())
                    .collect()
            })
            .collect();
        let hi = series.iter().flatten().map(|p| p.1).fold(0.0, f64::max);
        let lo = series.iter().flatten().map(|p| p.1).fold(0.0, f64::min);
        let (lo, hi) = padded(lo, hi);
        let mut chart = ChartBuilder::on(panel)
            .margin(10)
            .x_label_area_size(36)
            .y_label_area_size(70)
            .caption(format!("effect on {label}"), (FONT, 15))
            .build_cartesian_2d(0.5..last + 0.5, lo..hi)
            .map_err(e)?;
        chart
            .configure_mesh()
            .x_desc("year of the counted weeks")
            .y_desc(if d.method == "morris" {
                "μ*"
            } else {
                "total index"
            })
            .label_style((FONT, 12))
            .draw()
            .map_err(e)?;
        for (k, (points, name)) in series.iter().zip(&top).enumerate() {
            let c = colour(k + 1);
            chart
                .draw_series(LineSeries::new(points.clone(), c.stroke_width(2)))
                .map_err(e)?
                .label(short(name).to_string())
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 16, y)], c.stroke_width(2))
                });
        }
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .label_font((FONT, 11))
            .draw()
            .map_err(e)?;
    }
    Ok(())
}

/// How often each variant beats the baseline on each key outcome, with its interval.
fn robustness<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    r: &Results,
    d: &Design,
) -> DrawResult {
    let rows: Vec<&RobustnessRow> = KEY_OUTCOMES
        .iter()
        .flat_map(|m| d.robustness.iter().filter(move |x| x.outcome == m.key))
        .collect();
    let n = rows.len().max(1);
    let labels: Vec<String> = rows
        .iter()
        .map(|x| format!("{}: {}", x.variant, x.outcome))
        .collect();
    let mut chart = ChartBuilder::on(root)
        .margin(10)
        .x_label_area_size(40)
        .y_label_area_size(360)
        .build_cartesian_2d(0.0f64..1.0f64, -0.6f64..(n as f64 - 0.4))
        .map_err(e)?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .y_labels(n)
        .y_label_formatter(&|y| crate::charts::row_at(*y, n)
                    .and_then(|i| labels.get(i).cloned())
                    .unwrap_or_default())
        .x_desc("share of the parameter draws where the variant beats the baseline (95 % Wilson interval)")
        .label_style((FONT, 13))
        .draw()
        .map_err(e)?;
    chart
        .draw_series(LineSeries::new(
            vec![(0.5, -0.6), (0.5, n as f64 - 0.4)],
            BLACK.stroke_width(1),
        ))
        .map_err(e)?;
    for (k, row) in rows.iter().enumerate() {
        let y = (n - 1 - k) as f64;
        let c = colour(
            r.variants
                .iter()
                .position(|v| *v == row.variant)
                .unwrap_or(0),
        );
        chart
            .draw_series(LineSeries::new(
                vec![(row.ci_low, y), (row.ci_high, y)],
                c.stroke_width(3),
            ))
            .map_err(e)?;
        chart
            .draw_series(std::iter::once(Circle::new(
                (row.p_beats, y),
                5,
                c.filled(),
            )))
            .map_err(e)?;
    }
    Ok(())
}

/// Draw the design's charts.
pub fn draw(r: &Results, d: &Design, plots: &Path) -> Result<Vec<Chart>, PlotError> {
    let mut charts = Vec::new();
    let effect = format!("{} − {}", d.variant, r.manifest.baseline);
    // A design with no paired effect to show (one variant, or a series
    // with a failed run) draws no index charts.
    let has_effects = d
        .indices
        .iter()
        .any(|x| x.variant == d.variant && x.of == "effect");
    if has_effects && d.method == "morris" {
        let caption = format!("Each dot is an uncertain parameter: μ* how much it moves the paired effect {effect} over its range, σ how unevenly (interaction or non-linearity); the five largest named.");
        charts.push(crate::charts::both!(
            plots,
            "sensitivity-screening".to_string(),
            "Morris screening: what the effect hinges on",
            &caption,
            (1300, 860),
            |root| screening(&root, d)
        ));
    } else if has_effects {
        let caption = format!("Sobol indices of the paired effect {effect}: share of its variance a parameter explains alone (first-order, orange) and with its interactions (total, blue); a hollow dot: the design is too small to read that index.");
        charts.push(crate::charts::both!(
            plots,
            "sensitivity-sobol".to_string(),
            "Sobol indices: what the effect hinges on",
            &caption,
            (1400, 900),
            |root| sobol_bars(&root, d)
        ));
    }
    if has_effects {
        let caption = format!("The {} of the five parameters that matter most in the last year, for the paired effect {effect} year by year.", if d.method == "morris" { "μ*" } else { "total index" });
        charts.push(crate::charts::both!(
            plots,
            "sensitivity-by-year".to_string(),
            "Sensitivity over time",
            &caption,
            (1400, 520),
            |root| over_time(&root, d)
        ));
    }
    let shown = d
        .robustness
        .iter()
        .filter(|x| KEY_OUTCOMES.iter().any(|m| m.key == x.outcome))
        .count() as u32;
    if shown > 0 {
        let caption = format!("Dots: share of the design's independent parameter draws at which the variant's mean paired effect beats {} (fewer crises, less failure demand and spend, more net benefit); 0.5: a coin toss.", r.manifest.baseline);
        charts.push(crate::charts::both!(
            plots,
            "robustness".to_string(),
            "Robustness: how often each variant beats the baseline",
            &caption,
            (1300, (120 + 40 * shown).max(300)),
            |root| robustness(&root, r, d)
        ));
    }
    Ok(charts)
}

/// A number for the report: three significant figures, or `—`.
fn fig(x: f64) -> String {
    if !x.is_finite() {
        return "—".into();
    }
    let a = x.abs();
    if a >= 1e4 || (a < 1e-3 && a > 0.0) {
        format!("{x:.3e}")
    } else {
        format!("{x:.3}")
    }
}

/// The report's section on the design, in words and tables.
pub fn section(r: &Results, d: &Design) -> String {
    use std::fmt::Write;
    let esc = crate::html::esc;
    let m = &r.manifest;
    let keys = m.design.as_ref().map_or(0, |x| x.keys.len());
    let mut h = String::new();
    let measure = if d.method == "morris" {
        "μ* (95 % bootstrap interval)"
    } else {
        "total index S<sub>T</sub> (95 % interval); first-order S<sub>1</sub>"
    };
    let _ = write!(
        h,
        "<h2>Sensitivity ({})</h2>\n<p>{} points over {keys} uncertain parameters, each run by every variant on {} replicates with the same seeds at every point. Indices are of each point's mean over its replicates; an effect is {} minus {} on the same replicate. docs/SENSITIVITY.md says how to read them.</p>\n",
        esc(&d.method), d.points, m.replicates, esc(&d.variant), esc(&m.baseline)
    );
    // A Latin hypercube has no indices to list.
    let key_outcomes = if d.method == "latin_hypercube" {
        &KEY_OUTCOMES[..0]
    } else {
        &KEY_OUTCOMES[..]
    };
    for km in key_outcomes {
        let ranked = d.ranked(&d.indices, km.key, d.measure(), None);
        let _ = write!(h, "<h3>Effect on {}: the ten parameters that matter most</h3>\n<table>\n<tr><th>parameter</th><th>{measure}</th></tr>\n", esc(km.label));
        for x in ranked.iter().take(10) {
            let cell = if d.method == "sobol" && !x.trusted {
                // No point estimate: only how wide the design leaves it.
                format!(
                    "N too small to read: somewhere from {} to {} (wider than ±0.05; add samples)",
                    fig(x.ci_low),
                    fig(x.ci_high)
                )
            } else if d.method == "sobol" {
                let first = d.partner(x, "first").map_or(f64::NAN, |f| f.value);
                format!(
                    "{} ({} to {}); S1 {}",
                    fig(x.value),
                    fig(x.ci_low),
                    fig(x.ci_high),
                    fig(first)
                )
            } else {
                format!(
                    "{} ({} to {})",
                    fig(x.value * km.scale),
                    fig(x.ci_low * km.scale),
                    fig(x.ci_high * km.scale)
                )
            };
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td>{}</td></tr>",
                esc(&x.parameter),
                cell
            );
        }
        h.push_str("</table>\n");
    }
    h.push_str("<h3>Parameter against stochastic variance</h3>\n<p>Over the design's independent parameter draws: the variance between replicates at a point (stochastic) and the variance of the point means less its share of that (parameters).</p>\n<table>\n<tr><th>series</th><th>outcome</th><th>parameter variance</th><th>stochastic variance</th><th>stochastic share</th></tr>\n");
    for v in d
        .variance
        .iter()
        .filter(|v| KEY_OUTCOMES.iter().any(|k| k.key == v.outcome))
    {
        let series = if v.of == "effect" {
            format!("{} − {}", v.variant, m.baseline)
        } else {
            v.variant.clone()
        };
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&series),
            esc(&v.outcome),
            fig(v.parameter_variance),
            fig(v.stochastic_variance),
            fig(v.stochastic_share)
        );
    }
    h.push_str("</table>\n<h3>Robustness</h3>\n<p>The share of the design's independent parameter draws at which each variant's mean paired effect beats the baseline, with its Wilson interval; p: exact sign test against one half, ties left out; Holm: adjusted over every row of robustness.csv.</p>\n<table>\n<tr><th>variant</th><th>outcome</th><th>better</th><th>beats baseline</th><th>95 % interval</th><th>mean effect</th><th>p</th><th>p (Holm)</th></tr>\n");
    for x in d
        .robustness
        .iter()
        .filter(|x| KEY_OUTCOMES.iter().any(|k| k.key == x.outcome))
    {
        let _ = writeln!(h, "<tr><td>{}</td><td>{}</td><td>{}</td><td>{} of {} ({:.0} %)</td><td>{:.0} to {:.0} %</td><td>{}</td><td>{}</td><td>{}</td></tr>", esc(&x.variant), esc(&x.outcome), esc(&x.better), x.beats, x.points, 100.0 * x.p_beats, 100.0 * x.ci_low, 100.0 * x.ci_high, fig(x.mean_effect), fig(x.p_value), fig(x.p_holm));
    }
    h.push_str("</table>\n");
    h
}
