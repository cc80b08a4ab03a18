//! The charts and report of a calibration folder (`placesim calibrate`):
//! NROY's share of the prior wave by wave, each target against the model's
//! runs, and the posterior's marginals and pairs.

use crate::charts::{both, colour, e, frame, inner, rows, Chart, DrawResult, RowLayout, FONT};
use crate::data::{read_table, PlotError};
use crate::html::esc;
use placesim_results::calibration::{
    EmulatorRow, GenerationRow, ParameterRow, TargetRow, WaveRow, EMULATORS, GENERATIONS,
    PARAMETERS, POSTERIOR, SETTINGS, TARGETS, WAVES,
};
use placesim_results::table::Table;
use placesim_results::{write_atomic, AtomicPath};
use plotters::coord::Shift;
use plotters::prelude::*;
use std::fmt::Write;
use std::path::{Path, PathBuf};

/// A calibration's files, read back.
pub struct Calibration {
    pub settings: serde_json::Value,
    pub waves: Vec<WaveRow>,
    pub emulators: Vec<EmulatorRow>,
    pub targets: Vec<TargetRow>,
    pub parameters: Vec<ParameterRow>,
    pub generations: Vec<GenerationRow>,
    /// The posterior's parameter names, and each member's weight and values.
    pub posterior_keys: Vec<String>,
    pub posterior: Members,
}

/// Whether `dir` holds a calibration.
pub fn is_calibration(dir: &Path) -> bool {
    dir.join(SETTINGS).exists() && dir.join(WAVES).exists()
}

impl Calibration {
    pub fn load(dir: &Path) -> Result<Calibration, PlotError> {
        let bytes = std::fs::read(dir.join(SETTINGS))
            .map_err(|e| PlotError::BadInput(format!("{}: {e}", dir.join(SETTINGS).display())))?;
        let settings = serde_json::from_slice(&bytes)
            .map_err(|e| PlotError::BadInput(format!("{}: {e}", dir.join(SETTINGS).display())))?;
        let optional = |name: &str| dir.join(name).exists();
        let (posterior_keys, posterior) = if optional(POSTERIOR) {
            read_posterior(&dir.join(POSTERIOR))?
        } else {
            (Vec::new(), Vec::new())
        };
        Ok(Calibration {
            settings,
            waves: read_table(dir, WAVES)?,
            emulators: read_table(dir, EMULATORS)?,
            targets: if optional(TARGETS) {
                read_table(dir, TARGETS)?
            } else {
                Vec::new()
            },
            parameters: if optional(PARAMETERS) {
                read_table(dir, PARAMETERS)?
            } else {
                Vec::new()
            },
            generations: if optional(GENERATIONS) {
                read_table(dir, GENERATIONS)?
            } else {
                Vec::new()
            },
            posterior_keys,
            posterior,
        })
    }

    fn truth(&self) -> bool {
        self.settings
            .get("truth")
            .and_then(|t| t.as_array())
            .is_some_and(|t| !t.is_empty())
    }
}

/// Each posterior member's weight and parameter values.
type Members = Vec<(f64, Vec<f64>)>;

/// `posterior.csv`: the parameter columns after `member` and `weight`.
fn read_posterior(path: &Path) -> Result<(Vec<String>, Members), PlotError> {
    let bad = |m: String| PlotError::BadInput(format!("{}: {m}", path.display()));
    let mut table = Table::open(path).map_err(|e| bad(e.to_string()))?;
    let keys: Vec<String> = table.header().iter().skip(2).cloned().collect();
    let mut rows = Vec::new();
    for rec in table.records() {
        let rec = rec.map_err(|e| bad(e.to_string()))?;
        let weight = rec.number(1).map_err(|e| bad(e.to_string()))?;
        let values = (0..keys.len())
            .map(|j| rec.number(j + 2))
            .collect::<Result<Vec<f64>, _>>()
            .map_err(|e| bad(e.to_string()))?;
        rows.push((weight, values));
    }
    Ok((keys, rows))
}

/// NROY's share of the prior after each wave (log scale); with a synthetic
/// truth, a ring where it is still in NROY and a cross where it is not.
fn waves<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, c: &Calibration) -> DrawResult {
    let n = c.waves.len() as f64;
    let least = c
        .waves
        .iter()
        .map(|w| w.nroy_fraction)
        .filter(|f| *f > 0.0)
        .fold(1.0, f64::min);
    let bottom = (least / 2.0).max(1e-7);
    let mut chart = ChartBuilder::on(root)
        .margin(16)
        .x_label_area_size(44)
        .y_label_area_size(80)
        .build_cartesian_2d(0.5f64..n + 0.5, (bottom..1.0f64).log_scale())
        .map_err(e)?;
    chart
        .configure_mesh()
        .x_labels(c.waves.len())
        .x_label_formatter(&|x| format!("{x:.0}"))
        .y_label_formatter(&|y| format!("{:.2} %", 100.0 * y))
        .x_desc("wave")
        .y_desc("NROY's share of the prior")
        .label_style((FONT, 14))
        .draw()
        .map_err(e)?;
    let points: Vec<(f64, f64)> = c
        .waves
        .iter()
        .map(|w| (w.wave as f64, w.nroy_fraction.max(bottom)))
        .collect();
    chart
        .draw_series(LineSeries::new(points.clone(), colour(5).stroke_width(3)))
        .map_err(e)?;
    chart
        .draw_series(
            points
                .iter()
                .map(|&p| Circle::new(p, 5, colour(5).filled())),
        )
        .map_err(e)?;
    if c.truth() {
        for (w, &(x, y)) in c.waves.iter().zip(&points) {
            let label = if w.truth_in_nroy == "true" {
                "truth in"
            } else {
                "truth OUT"
            };
            chart
                .draw_series(std::iter::once(Text::new(
                    label.to_string(),
                    (x, y * 1.25),
                    (FONT, 14).into_font().color(&if w.truth_in_nroy == "true" {
                        colour(3)
                    } else {
                        colour(6)
                    }),
                )))
                .map_err(e)?;
        }
    }
    Ok(())
}

/// How far `value` is from a target, in sd of the observation and discrepancy together.
fn standardised(t: &TargetRow, value: f64) -> f64 {
    let sd = (t.observation_sd.powi(2) + t.discrepancy_sd.powi(2)).sqrt();
    if sd > 0.0 {
        (value - t.observed) / sd
    } else {
        f64::NAN
    }
}

/// Each target: the band of ±3 sd (observation and discrepancy) in grey,
/// the last wave's points' run means (their range) in orange, the
/// posterior's runs (5th to 95th percentile, and mean) in blue.
fn targets<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, c: &Calibration) -> DrawResult {
    const LIMIT: f64 = 12.0;
    let n = c.targets.len();
    let last_wave = c.waves.last().map_or(0, |w| w.wave);
    let clamp = |x: f64| x.clamp(-LIMIT, LIMIT);
    let labels: Vec<String> = c.targets.iter().map(|t| t.target.clone()).collect();
    let mut chart = rows(
        root,
        &labels,
        RowLayout {
            x: -LIMIT..LIMIT,
            x_desc: "sd of observation and discrepancy from the target (0: the published figure; drawn within ±12)",
            label_width: 230,
            x_label_height: 44,
            font: 14,
        },
    )?;
    for (k, t) in c.targets.iter().enumerate() {
        let y = (n - 1 - k) as f64;
        chart
            .draw_series(LineSeries::new(
                vec![(-3.0, y), (3.0, y)],
                RGBColor(210, 210, 210).stroke_width(14),
            ))
            .map_err(e)?;
        if let Some(em) = c
            .emulators
            .iter()
            .find(|r| r.wave == last_wave && r.target == t.target)
        {
            let (l, h) = (
                clamp(standardised(t, em.model_min)),
                clamp(standardised(t, em.model_max)),
            );
            if l.is_finite() && h.is_finite() {
                chart
                    .draw_series(LineSeries::new(
                        vec![(l, y + 0.22), (h, y + 0.22)],
                        colour(1).stroke_width(4),
                    ))
                    .map_err(e)?;
            }
        }
        let (l, m, h) = (
            clamp(standardised(t, t.posterior_p5)),
            clamp(standardised(t, t.posterior_mean)),
            clamp(standardised(t, t.posterior_p95)),
        );
        if l.is_finite() && h.is_finite() {
            chart
                .draw_series(LineSeries::new(
                    vec![(l, y - 0.1), (h, y - 0.1)],
                    colour(5).stroke_width(8),
                ))
                .map_err(e)?;
            chart
                .draw_series(std::iter::once(Circle::new(
                    (m, y - 0.1),
                    6,
                    BLACK.filled(),
                )))
                .map_err(e)?;
        }
    }
    chart
        .draw_series(LineSeries::new(
            vec![(0.0, -0.6), (0.0, n as f64 - 0.4)],
            BLACK.stroke_width(1),
        ))
        .map_err(e)?;
    Ok(())
}

/// Each parameter's prior range (grey), NROY's 5th to 95th percentile
/// (orange), the posterior's (blue, its mean a dot) and any truth (a red bar).
fn parameters<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, c: &Calibration) -> DrawResult {
    let n = c.parameters.len();
    let labels: Vec<String> = c
        .parameters
        .iter()
        .map(|p| {
            format!(
                "{} ({}–{})",
                p.parameter,
                short(p.prior_low),
                short(p.prior_high)
            )
        })
        .collect();
    let mut chart = rows(
        root,
        &labels,
        RowLayout {
            x: -0.02f64..1.02,
            x_desc: "position in the prior's range (0: its least, 1: its most)",
            label_width: 470,
            x_label_height: 44,
            font: 14,
        },
    )?;
    for (k, p) in c.parameters.iter().enumerate() {
        let y = (n - 1 - k) as f64;
        let span = (p.prior_high - p.prior_low).max(f64::MIN_POSITIVE);
        let at = |v: f64| (v - p.prior_low) / span;
        chart
            .draw_series(LineSeries::new(
                vec![(0.0, y), (1.0, y)],
                RGBColor(210, 210, 210).stroke_width(14),
            ))
            .map_err(e)?;
        let bar = |l: f64, h: f64, dy: f64, style: ShapeStyle| {
            LineSeries::new(vec![(at(l), y + dy), (at(h), y + dy)], style)
        };
        if p.nroy_p5.is_finite() {
            chart
                .draw_series(bar(p.nroy_p5, p.nroy_p95, 0.2, colour(1).stroke_width(5)))
                .map_err(e)?;
        }
        if p.posterior_p5.is_finite() {
            chart
                .draw_series(bar(
                    p.posterior_p5,
                    p.posterior_p95,
                    -0.1,
                    colour(5).stroke_width(8),
                ))
                .map_err(e)?;
            chart
                .draw_series(std::iter::once(Circle::new(
                    (at(p.posterior_mean), y - 0.1),
                    6,
                    BLACK.filled(),
                )))
                .map_err(e)?;
        }
        if p.truth.is_finite() {
            chart
                .draw_series(LineSeries::new(
                    vec![(at(p.truth), y - 0.35), (at(p.truth), y + 0.35)],
                    colour(6).stroke_width(3),
                ))
                .map_err(e)?;
        }
    }
    Ok(())
}

fn short(x: f64) -> String {
    if x != 0.0 && (x.abs() < 0.01 || x.abs() >= 10_000.0) {
        format!("{x:.2e}")
    } else {
        format!("{}", (x * 1e4).round() / 1e4)
    }
}

/// The posterior's pairs over up to four parameters it narrows most: on the
/// diagonal each one's weighted histogram over its prior range, below it
/// each pair's particles (darker: heavier), with any truth in red.
fn pairs<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    c: &Calibration,
    chosen: &[usize],
) -> DrawResult {
    let k = chosen.len();
    let cells = root.split_evenly((k, k));
    let top = c.posterior.iter().map(|(w, _)| *w).fold(0.0, f64::max);
    for (i, &a) in chosen.iter().enumerate() {
        for (j, &b) in chosen.iter().enumerate() {
            let cell = &cells[i * k + j];
            if j > i {
                continue;
            }
            let pa = &c.parameters[a];
            let pb = &c.parameters[b];
            let col = |name: &str| c.posterior_keys.iter().position(|key| key == name);
            let (Some(ca), Some(cb)) = (col(&pa.parameter), col(&pb.parameter)) else {
                continue;
            };
            if i == j {
                const BINS: usize = 12;
                let span = (pa.prior_high - pa.prior_low).max(f64::MIN_POSITIVE);
                let mut mass = [0.0f64; BINS];
                for (w, v) in &c.posterior {
                    let bin = (((v[ca] - pa.prior_low) / span) * BINS as f64).floor();
                    mass[(bin.max(0.0) as usize).min(BINS - 1)] += w;
                }
                let peak = mass.iter().copied().fold(0.0, f64::max).max(1e-12);
                let mut chart = ChartBuilder::on(cell)
                    .margin(6)
                    .caption(short_name(&pa.parameter), (FONT, 13))
                    .x_label_area_size(24)
                    .y_label_area_size(10)
                    .build_cartesian_2d(pa.prior_low..pa.prior_high, 0.0..peak * 1.1)
                    .map_err(e)?;
                chart
                    .configure_mesh()
                    .disable_mesh()
                    .x_labels(3)
                    .y_labels(0)
                    .x_label_formatter(&|x| short(*x))
                    .label_style((FONT, 11))
                    .draw()
                    .map_err(e)?;
                let width = span / BINS as f64;
                chart
                    .draw_series(mass.iter().enumerate().map(|(bin, &m)| {
                        let x0 = pa.prior_low + bin as f64 * width;
                        Rectangle::new([(x0, 0.0), (x0 + width, m)], colour(5).filled())
                    }))
                    .map_err(e)?;
                if pa.truth.is_finite() {
                    chart
                        .draw_series(LineSeries::new(
                            vec![(pa.truth, 0.0), (pa.truth, peak * 1.1)],
                            colour(6).stroke_width(2),
                        ))
                        .map_err(e)?;
                }
                continue;
            }
            let mut chart = ChartBuilder::on(cell)
                .margin(6)
                .x_label_area_size(24)
                .y_label_area_size(50)
                .build_cartesian_2d(pb.prior_low..pb.prior_high, pa.prior_low..pa.prior_high)
                .map_err(e)?;
            chart
                .configure_mesh()
                .disable_mesh()
                .x_labels(3)
                .y_labels(3)
                .x_label_formatter(&|x| short(*x))
                .y_label_formatter(&|y| short(*y))
                .label_style((FONT, 11))
                .draw()
                .map_err(e)?;
            chart
                .draw_series(c.posterior.iter().map(|(w, v)| {
                    let shade = 1.0 - (w / top.max(1e-12)).sqrt();
                    let grey = (60.0 + 170.0 * shade) as u8;
                    Circle::new((v[cb], v[ca]), 3, RGBColor(grey, grey, 255).filled())
                }))
                .map_err(e)?;
            if pa.truth.is_finite() && pb.truth.is_finite() {
                chart
                    .draw_series(std::iter::once(Cross::new(
                        (pb.truth, pa.truth),
                        7,
                        colour(6).stroke_width(3),
                    )))
                    .map_err(e)?;
            }
        }
    }
    Ok(())
}

/// The last part of a dotted key, with its agency or domain.
fn short_name(key: &str) -> String {
    let parts: Vec<&str> = key.split('.').collect();
    parts[parts.len().saturating_sub(2)..].join(".")
}

/// Draw the calibration's charts into `dir/plots/`.
pub fn draw(c: &Calibration, plots: &Path) -> Result<Vec<Chart>, PlotError> {
    let mut charts = Vec::new();
    if !c.waves.is_empty() {
        let caption = if c.truth() {
            "NROY's share of the prior's candidates after each wave, and whether the synthetic truth is still in it."
        } else {
            "NROY's share of the prior's candidates after each wave (log scale)."
        };
        charts.push(both!(
            plots,
            "calibration-waves".to_string(),
            "History matching: the space not ruled out yet, wave by wave",
            caption,
            (900, 560),
            |root| waves(&root, c)
        ));
    }
    if !c.targets.is_empty() {
        charts.push(both!(
            plots,
            "calibration-targets".to_string(),
            "Each target against the model's runs",
            "Grey: within 3 sd of the target; orange: the last wave's points' run means; blue: the posterior's runs (5th–95th percentile; dot: weighted mean).",
            (1300, (140 + 70 * c.targets.len() as u32).max(360)),
            |root| targets(&root, c)
        ));
    }
    if !c.parameters.is_empty() {
        charts.push(both!(
            plots,
            "calibration-parameters".to_string(),
            "Each parameter: prior, NROY and posterior",
            "Grey: the prior's range; orange: NROY's 5th–95th percentile; blue: the posterior's (dot: its weighted mean); red: the synthetic truth.",
            (1400, (140 + 60 * c.parameters.len() as u32).max(360)),
            |root| parameters(&root, c)
        ));
    }
    if !c.posterior.is_empty() && !c.parameters.is_empty() {
        let mut order: Vec<usize> = (0..c.parameters.len())
            .filter(|&i| c.parameters[i].posterior_sd_share.is_finite())
            .collect();
        order.sort_by(|&a, &b| {
            c.parameters[a]
                .posterior_sd_share
                .total_cmp(&c.parameters[b].posterior_sd_share)
                .then(a.cmp(&b))
        });
        order.truncate(4);
        if order.len() >= 2 {
            let side = 260 * order.len() as u32;
            charts.push(both!(
                plots,
                "calibration-pairs".to_string(),
                "The posterior over the parameters it narrows most",
                "Diagonal: each parameter's posterior over its prior range; below: pairs of particles (darker: heavier); red: the synthetic truth.",
                (side + 40, side + 90),
                |root| pairs(&root, c, &order)
            ));
        }
    }
    Ok(charts)
}

fn num(x: f64) -> String {
    if !x.is_finite() {
        "–".into()
    } else {
        short(x)
    }
}

/// `dir/report.html`: the calibration in words and tables, and its charts.
pub fn write_report(c: &Calibration, charts: &[Chart], dir: &Path) -> Result<PathBuf, PlotError> {
    let mut h = String::new();
    let title = "placesim calibration";
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{title}</title>\n<style>\nbody{{font-family:DejaVu Sans,Verdana,sans-serif;max-width:1400px;margin:2em auto;padding:0 1em;color:#222}}\ntable{{border-collapse:collapse;margin:1em 0}}th,td{{border:1px solid #bbb;padding:4px 8px;text-align:right}}th:first-child,td:first-child{{text-align:left}}\nfigure{{margin:2em 0}}figcaption{{color:#444;margin-top:.3em}}svg{{max-width:100%;height:auto}}\n</style>\n</head>\n<body>\n<h1>{title}</h1>\n"
    );
    let setting = |k: &str| {
        c.settings
            .get(k)
            .map(|v| v.to_string().trim_matches('"').to_string())
            .unwrap_or_default()
    };
    let _ = writeln!(
        h,
        "<p>The place of sweep <code>{}</code> history-matched to <code>{}</code> over {} parameters of <code>{}</code>: {} waves of {} points × {} replicates, seed {}{}.</p>",
        esc(&setting("sweep")),
        esc(&setting("targets_file")),
        c.parameters.len(),
        esc(&setting("uncertainty_file")),
        c.waves.len(),
        esc(&setting("points")),
        esc(&setting("replicates")),
        esc(&setting("seed")),
        if c.truth() {
            format!("; a synthetic truth ({})", esc(&setting("truth")))
        } else {
            String::new()
        }
    );
    h.push_str("<h2>Waves</h2>\n<table>\n<tr><th>wave</th><th>points</th><th>training points</th><th>trusted targets</th><th>NROY's share of the prior</th>");
    if c.truth() {
        h.push_str("<th>truth in NROY</th>");
    }
    h.push_str("</tr>\n");
    for w in &c.waves {
        let _ = write!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{:.3} %</td>",
            w.wave,
            w.points,
            w.training_points,
            w.trusted,
            100.0 * w.nroy_fraction
        );
        if c.truth() {
            let _ = write!(h, "<td>{}</td>", esc(&w.truth_in_nroy));
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</table>\n");
    if let Some(g) = c.generations.last() {
        let _ = writeln!(
            h,
            "<p>The posterior: {} generations of ABC inside NROY; the last has {} particles with an effective sample size of {:.1}, at temperature {:.2} ({}).</p>",
            c.generations.len(),
            g.particles,
            g.effective_size,
            g.temperature,
            if g.temperature <= 1.0 {
                "untempered: the posterior itself"
            } else {
                "tempered: wider than the posterior, which more generations would approach"
            }
        );
    }
    h.push_str("<h2>Targets</h2>\n<table>\n<tr><th>target</th><th>observed</th><th>observation sd</th><th>discrepancy sd</th><th>met alone</th><th>least implausibility</th><th>met in NROY</th><th>posterior runs (5th–95th)</th></tr>\n");
    for t in &c.targets {
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{:.1} %</td><td>{:.2}</td><td>{}</td><td>{} ({}–{})</td></tr>",
            esc(&t.target),
            num(t.observed),
            num(t.observation_sd),
            num(t.discrepancy_sd),
            100.0 * t.met_alone,
            t.least_implausibility,
            t.met_in_nroy,
            num(t.posterior_mean),
            num(t.posterior_p5),
            num(t.posterior_p95)
        );
    }
    h.push_str("</table>\n<h2>Parameters</h2>\n<table>\n<tr><th>parameter</th><th>prior</th><th>NROY (5th–95th)</th><th>posterior mean (5th–95th)</th><th>posterior sd / prior sd</th>");
    if c.truth() {
        h.push_str("<th>truth</th><th>in the posterior's range</th>");
    }
    h.push_str("</tr>\n");
    for p in &c.parameters {
        let _ = write!(
            h,
            "<tr><td>{}</td><td>{}–{}</td><td>{}–{}</td><td>{} ({}–{})</td><td>{}</td>",
            esc(&p.parameter),
            num(p.prior_low),
            num(p.prior_high),
            num(p.nroy_p5),
            num(p.nroy_p95),
            num(p.posterior_mean),
            num(p.posterior_p5),
            num(p.posterior_p95),
            num(p.posterior_sd_share)
        );
        if c.truth() {
            let _ = write!(
                h,
                "<td>{}</td><td>{}</td>",
                num(p.truth),
                esc(&p.truth_in_posterior)
            );
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</table>\n<h2>Charts</h2>\n");
    h.push_str(&crate::report::figures(charts)?);
    h.push_str("</body>\n</html>\n");
    let path = dir.join("report.html");
    write_atomic(&path, h.as_bytes())
        .map_err(|e| PlotError::Io(format!("writing {}: {e}", path.display())))?;
    Ok(path)
}

/// Draw a calibration folder's charts and write its report; the files written.
pub fn plot(dir: &Path) -> Result<Vec<PathBuf>, PlotError> {
    let c = Calibration::load(dir)?;
    let plots = dir.join("plots");
    std::fs::create_dir_all(&plots)
        .map_err(|e| PlotError::Io(format!("cannot create {}: {e}", plots.display())))?;
    let charts = draw(&c, &plots)?;
    let mut written: Vec<PathBuf> = charts
        .iter()
        .flat_map(|c| [c.svg.clone(), c.png.clone()])
        .collect();
    written.push(write_report(&c, &charts, dir)?);
    Ok(written)
}
