//! Every chart, drawn once for SVG and once for PNG from the same code.

use crate::data::{PlotError, Results};
use placesim_results::series::{CostShiftingRow, AGENCIES, COST_SHIFTING, TIMESERIES};
use placesim_results::table::Table;
use placesim_results::{write_atomic, AtomicPath};
use plotters::coord::ranged1d::SegmentedCoord;
use plotters::coord::types::RangedCoordi32;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::FontStyle;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Okabe–Ito: distinguishable with every common colour-vision deficiency. Variant i always gets colour i.
pub const OKABE_ITO: [RGBColor; 8] = [
    RGBColor(0, 0, 0),
    RGBColor(230, 159, 0),
    RGBColor(86, 180, 233),
    RGBColor(0, 158, 115),
    RGBColor(240, 228, 66),
    RGBColor(0, 114, 178),
    RGBColor(213, 94, 0),
    RGBColor(204, 121, 167),
];

pub fn colour(i: usize) -> RGBColor {
    OKABE_ITO[i % OKABE_ITO.len()]
}

pub(crate) const FONT: &str = "sans-serif";

/// Register the bundled DejaVu Sans as the only font.
pub fn register_font() -> Result<(), PlotError> {
    static DONE: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    let ok = *DONE.get_or_init(|| {
        plotters::style::register_font(FONT, FontStyle::Normal, dejavu::sans::regular()).is_ok()
    });
    if ok {
        Ok(())
    } else {
        Err(PlotError::Io("the bundled font could not be loaded".into()))
    }
}

/// A chart written as SVG and PNG.
#[derive(Clone, Debug)]
pub struct Chart {
    pub name: String,
    pub title: String,
    pub caption: String,
    pub svg: PathBuf,
    pub png: PathBuf,
}

pub(crate) type DrawResult = Result<(), String>;

pub(crate) fn e<E: std::fmt::Debug>(x: E) -> String {
    format!("{x:?}")
}

/// Draw with `$body` (using `$root`) into SVG and PNG, each written atomically.
macro_rules! both {
    ($plots:expr, $name:expr, $title:expr, $caption:expr, $size:expr, |$root:ident| $body:expr) => {{
        let name: String = $name;
        let svg = $plots.join(format!("{name}.svg"));
        let png = $plots.join(format!("{name}.png"));
        let size: (u32, u32) = $size;
        let drawing = |m: String| PlotError::Io(format!("drawing {name}: {m}"));
        let writing = |f: &Path, x: &dyn std::fmt::Debug| {
            PlotError::Io(format!("writing {}: {x:?}", f.display()))
        };
        let mut document = String::new();
        {
            let $root = SVGBackend::with_string(&mut document, size).into_drawing_area();
            frame(&$root, $title, $caption).map_err(drawing)?;
            let $root = inner(&$root);
            $body.map_err(drawing)?;
            $root.present().map_err(|x| writing(&svg, &x))?;
        }
        write_atomic(&svg, document.as_bytes()).map_err(|x| writing(&svg, &x))?;
        // The PNG encoder writes to a path itself (choosing the format by its ending).
        let staged = AtomicPath::new(&png);
        {
            let $root = BitMapBackend::new(staged.temporary(), size).into_drawing_area();
            frame(&$root, $title, $caption).map_err(drawing)?;
            let $root = inner(&$root);
            $body.map_err(drawing)?;
            $root.present().map_err(|x| writing(&png, &x))?;
        }
        staged.commit().map_err(|x| writing(&png, &x))?;
        Chart {
            name,
            title: $title.to_string(),
            caption: $caption.to_string(),
            svg,
            png,
        }
    }};
}

pub(crate) use both;

const TITLE_H: u32 = 44;
const CAPTION_H: u32 = 30;

/// White background, title on top, one-line caption at the bottom.
pub(crate) fn frame<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    caption: &str,
) -> DrawResult {
    root.fill(&WHITE).map_err(e)?;
    let (_, h) = root.dim_in_pixel();
    root.draw(&Text::new(
        title.to_string(),
        (16, 12),
        (FONT, 22).into_font(),
    ))
    .map_err(e)?;
    root.draw(&Text::new(
        caption.to_string(),
        (16, h as i32 - CAPTION_H as i32 + 6),
        (FONT, 14).into_font().color(&RGBColor(60, 60, 60)),
    ))
    .map_err(e)?;
    Ok(())
}

/// The area between the title and the caption.
pub(crate) fn inner<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>) -> DrawingArea<DB, Shift> {
    root.margin(TITLE_H, CAPTION_H, 0, 0)
}

/// How an outcome is shown: label with unit, and the factor from stored values.
pub struct Measure {
    pub key: &'static str,
    pub label: &'static str,
    pub scale: f64,
}

pub const KEY_OUTCOMES: [Measure; 4] = [
    Measure {
        key: "total_spend",
        label: "total spend, £m (present value)",
        scale: 1e-6,
    },
    Measure {
        key: "crisis_events",
        label: "crisis events, thousands",
        scale: 1e-3,
    },
    Measure {
        key: "failure_demand_share",
        label: "failure demand, % of contacts",
        scale: 100.0,
    },
    Measure {
        key: "net_monetary_benefit",
        label: "net monetary benefit, £m (present value)",
        scale: 1e-6,
    },
];

pub(crate) fn padded(lo: f64, hi: f64) -> (f64, f64) {
    let span = (hi - lo).abs().max(hi.abs() * 1e-3).max(1e-9);
    (lo - 0.06 * span, hi + 0.06 * span)
}

fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let pos = q * (sorted.len() - 1) as f64;
    let (i, f) = (pos.floor() as usize, pos - pos.floor());
    if i + 1 < sorted.len() {
        sorted[i] * (1.0 - f) + sorted[i + 1] * f
    } else {
        sorted[i]
    }
}

/// The row (0 = top) a y tick of a horizontal categorical chart with `n` rows stands for.
pub(crate) fn row_at(y: f64, n: usize) -> Option<usize> {
    let i = (n as f64 - 1.0 - y).round();
    ((y - y.round()).abs() < 1e-6 && i >= 0.0 && (i as usize) < n).then_some(i as usize)
}

/// How a chart of one horizontal row per label is laid out.
pub(crate) struct RowLayout<'a> {
    pub x: std::ops::Range<f64>,
    pub x_desc: &'a str,
    /// Pixels for the row labels, and for the x axis's labels.
    pub label_width: u32,
    pub x_label_height: u32,
    pub font: u32,
}

/// A chart with one row per label (the first at the top, row `n − 1 − k`
/// on the y axis for label `k`), its mesh and labels drawn.
pub(crate) fn rows<'a, DB: DrawingBackend + 'a>(
    root: &'a DrawingArea<DB, Shift>,
    labels: &[String],
    layout: RowLayout,
) -> Result<
    ChartContext<
        'a,
        DB,
        Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
    >,
    String,
> {
    let n = labels.len().max(1);
    let mut chart = ChartBuilder::on(root)
        .margin(16)
        .x_label_area_size(layout.x_label_height)
        .y_label_area_size(layout.label_width)
        .build_cartesian_2d(layout.x, -0.6f64..(n as f64 - 0.4))
        .map_err(e)?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .y_labels(n)
        .y_label_formatter(&|y| {
            row_at(*y, n)
                .and_then(|i| labels.get(i).cloned())
                .unwrap_or_default()
        })
        .x_desc(layout.x_desc)
        .label_style((FONT, layout.font))
        .draw()
        .map_err(e)?;
    Ok(chart)
}

fn variant_label(r: &Results, i: usize) -> String {
    if i == r.baseline_index() {
        format!("{} (baseline)", r.variants[i])
    } else {
        r.variants[i].clone()
    }
}

/// Box plot with every replicate as a point, variants top to bottom, baseline marked.
fn distribution<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    r: &Results,
    m: &Measure,
) -> DrawResult {
    let n = r.variants.len();
    let values: Vec<Vec<f64>> = (0..n)
        .map(|v| {
            let mut x: Vec<f64> = r
                .runs
                .iter()
                .filter(|run| run.variant == v)
                .filter_map(|run| run.outcomes.get(m.key))
                .map(|x| x * m.scale)
                .collect();
            x.sort_by(f64::total_cmp);
            x
        })
        .collect();
    let all = values.iter().flatten();
    let (lo, hi) = all.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| {
        (a.min(x), b.max(x))
    });
    let (lo, hi) = padded(lo, hi);
    let mut chart = ChartBuilder::on(root)
        .margin(12)
        .x_label_area_size(44)
        .y_label_area_size(230)
        .build_cartesian_2d(lo..hi, -0.6f64..(n as f64 - 0.4))
        .map_err(e)?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .y_labels(n)
        .y_label_formatter(&|y| row_at(*y, n).map_or(String::new(), |i| variant_label(r, i)))
        .x_desc(m.label)
        .label_style((FONT, 14))
        .axis_desc_style((FONT, 15))
        .draw()
        .map_err(e)?;
    let base = r.baseline_index();
    if let Some(b) = values.get(base).filter(|b| !b.is_empty()) {
        let med = quantile(b, 0.5);
        chart
            .draw_series(DashedLineSeries::new(
                vec![(med, -0.6), (med, n as f64 - 0.4)],
                6,
                4,
                RGBColor(120, 120, 120).stroke_width(1),
            ))
            .map_err(e)?;
    }
    for (v, x) in values.iter().enumerate() {
        if x.is_empty() {
            continue;
        }
        let y = (n - 1 - v) as f64;
        let c = colour(v);
        let (q1, q2, q3) = (quantile(x, 0.25), quantile(x, 0.5), quantile(x, 0.75));
        let iqr = q3 - q1;
        let lo_w = x
            .iter()
            .copied()
            .find(|&a| a >= q1 - 1.5 * iqr)
            .unwrap_or(x[0]);
        let hi_w = x
            .iter()
            .rev()
            .copied()
            .find(|&a| a <= q3 + 1.5 * iqr)
            .unwrap_or(x[x.len() - 1]);
        chart
            .draw_series(std::iter::once(Rectangle::new(
                [(q1, y - 0.3), (q3, y + 0.3)],
                c.mix(0.25).filled(),
            )))
            .map_err(e)?;
        chart
            .draw_series(std::iter::once(Rectangle::new(
                [(q1, y - 0.3), (q3, y + 0.3)],
                c.stroke_width(2),
            )))
            .map_err(e)?;
        chart
            .draw_series(LineSeries::new(
                vec![(q2, y - 0.3), (q2, y + 0.3)],
                c.stroke_width(3),
            ))
            .map_err(e)?;
        chart
            .draw_series(LineSeries::new(vec![(lo_w, y), (q1, y)], c.stroke_width(1)))
            .map_err(e)?;
        chart
            .draw_series(LineSeries::new(vec![(q3, y), (hi_w, y)], c.stroke_width(1)))
            .map_err(e)?;
        // Replicates as points, spread vertically by a fixed low-discrepancy sequence (no randomness).
        chart
            .draw_series(x.iter().enumerate().map(|(i, &a)| {
                Circle::new(
                    (a, y - 0.25 + 0.5 * ((i as f64 * 0.618_034) % 1.0)),
                    2,
                    c.mix(0.7).filled(),
                )
            }))
            .map_err(e)?;
    }
    Ok(())
}

/// Each variant's paired difference from the baseline with its 95 % CI, one panel per key outcome.
fn forest<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, r: &Results) -> DrawResult {
    let panels = root.split_evenly((2, 2));
    let others: Vec<usize> = (0..r.variants.len())
        .filter(|&v| v != r.baseline_index())
        .collect();
    let n = others.len();
    for (panel, m) in panels.iter().zip(KEY_OUTCOMES.iter()) {
        let rows: Vec<(usize, f64, f64, f64)> = others
            .iter()
            .filter_map(|&v| {
                r.comparison
                    .iter()
                    .find(|c| c.variant == r.variants[v] && c.outcome == m.key)
                    .map(|c| {
                        (
                            v,
                            c.mean_diff * m.scale,
                            c.ci_low * m.scale,
                            c.ci_high * m.scale,
                        )
                    })
            })
            .collect();
        let (lo, hi) = rows
            .iter()
            .flat_map(|&(_, d, l, h)| [d, l, h])
            .filter(|x| x.is_finite())
            .fold((0.0f64, 0.0f64), |(a, b), x| (a.min(x), b.max(x)));
        let (lo, hi) = padded(lo, hi);
        let mut chart = ChartBuilder::on(panel)
            .margin(10)
            .x_label_area_size(40)
            .y_label_area_size(190)
            .caption(format!("{} − {}", m.label, r.manifest.baseline), (FONT, 15))
            .build_cartesian_2d(lo..hi, -0.6f64..(n as f64 - 0.4))
            .map_err(e)?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(n)
            .y_label_formatter(&|y| {
                row_at(*y, n).map_or(String::new(), |i| r.variants[others[i]].clone())
            })
            .x_labels(6)
            .label_style((FONT, 13))
            .draw()
            .map_err(e)?;
        chart
            .draw_series(LineSeries::new(
                vec![(0.0, -0.6), (0.0, n as f64 - 0.4)],
                BLACK.stroke_width(1),
            ))
            .map_err(e)?;
        for (k, &(v, d, l, h)) in rows.iter().enumerate() {
            let y = (n - 1 - k) as f64;
            let c = colour(v);
            chart
                .draw_series(LineSeries::new(vec![(l, y), (h, y)], c.stroke_width(3)))
                .map_err(e)?;
            chart
                .draw_series(std::iter::once(Circle::new((d, y), 5, c.filled())))
                .map_err(e)?;
        }
    }
    Ok(())
}

/// Per-week quantiles (5, 25, 50, 75, 95 %) across replicates for each variant.
type Bands = Vec<Vec<(f64, [f64; 5])>>;

pub const FAN_METRICS: [(&str, &str, f64); 4] = [
    ("spend", "spend per week, £m", 1e-6),
    ("crisis_events", "crisis events per week", 1.0),
    (
        "failure_demand_share",
        "failure demand, % of contacts",
        100.0,
    ),
    ("mean_wellbeing", "mean wellbeing (0–1)", 1.0),
];

/// Stream timeseries.csv one variant at a time into quantile bands (never all series at once).
fn fan_bands(r: &Results) -> Result<Vec<Bands>, PlotError> {
    let path = r.dir.join(TIMESERIES);
    let mut table = Table::open(&path)?;
    let (irun, itick, iwarm) = (
        table.column("run_id")?,
        table.column("week")?,
        table.column("warmup")?,
    );
    let cols: Vec<usize> = FAN_METRICS
        .iter()
        .map(|(k, _, _)| table.column(k))
        .collect::<Result<_, _>>()?;
    let mut out: Vec<Bands> = vec![vec![Vec::new(); r.variants.len()]; FAN_METRICS.len()];
    let mut current: Option<usize> = None;
    let mut by_tick: Vec<BTreeMap<u64, Vec<f64>>> = vec![BTreeMap::new(); FAN_METRICS.len()];
    let flush = |v: usize, by_tick: &mut Vec<BTreeMap<u64, Vec<f64>>>, out: &mut Vec<Bands>| {
        for (m, ticks) in by_tick.iter_mut().enumerate() {
            out[m][v] = std::mem::take(ticks)
                .into_iter()
                .map(|(t, mut xs)| {
                    xs.sort_by(f64::total_cmp);
                    (
                        t as f64,
                        [0.05, 0.25, 0.5, 0.75, 0.95].map(|q| quantile(&xs, q)),
                    )
                })
                .collect();
        }
    };
    for rec in table.records() {
        let rec = rec?;
        let run: u64 = rec.parse(irun)?;
        let Some(v) = r.variant_of(run) else {
            return Err(PlotError::BadInput(format!(
                "{}: run {run} is outside the sweep",
                path.display()
            )));
        };
        if current != Some(v) {
            if let Some(c) = current {
                flush(c, &mut by_tick, &mut out);
            }
            current = Some(v);
        }
        if rec.number(iwarm)? != 0.0 {
            continue;
        }
        let tick: u64 = rec.parse(itick)?;
        for (m, &c) in cols.iter().enumerate() {
            let x = rec.number(c)? * FAN_METRICS[m].2;
            by_tick[m].entry(tick).or_default().push(x);
        }
    }
    if let Some(c) = current {
        flush(c, &mut by_tick, &mut out);
    }
    Ok(out)
}

/// Median with 50 % and 90 % bands over time, one small panel per variant, same axes.
fn fan<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    r: &Results,
    bands: &Bands,
    warmup_weeks: f64,
) -> DrawResult {
    let n = r.variants.len();
    let cols = n.clamp(1, 4);
    let rows = n.div_ceil(cols);
    let panels = root.split_evenly((rows, cols));
    let (mut lo, mut hi, mut t_max) = (f64::INFINITY, f64::NEG_INFINITY, 0.0f64);
    for (t, q) in bands.iter().flatten() {
        lo = lo.min(q[0]);
        hi = hi.max(q[4]);
        t_max = t_max.max((t - warmup_weeks) / 52.0);
    }
    if !lo.is_finite() {
        return Ok(());
    }
    let (lo, hi) = padded(lo, hi);
    for (v, panel) in panels.iter().enumerate().take(n) {
        let c = colour(v);
        let mut chart = ChartBuilder::on(panel)
            .margin(8)
            .x_label_area_size(30)
            .y_label_area_size(56)
            .caption(variant_label(r, v), (FONT, 14))
            .build_cartesian_2d(0.0..t_max.max(1e-9), lo..hi)
            .map_err(e)?;
        chart
            .configure_mesh()
            .x_labels(6)
            .y_labels(5)
            .x_desc("years")
            .label_style((FONT, 12))
            .axis_desc_style((FONT, 12))
            .draw()
            .map_err(e)?;
        let yr = |t: f64| (t - warmup_weeks) / 52.0;
        let band = |a: usize, b: usize| -> Vec<(f64, f64)> {
            let up = bands[v].iter().map(|(t, q)| (yr(*t), q[b]));
            let down = bands[v].iter().rev().map(|(t, q)| (yr(*t), q[a]));
            up.chain(down).collect()
        };
        chart
            .draw_series(std::iter::once(Polygon::new(
                band(0, 4),
                c.mix(0.15).filled(),
            )))
            .map_err(e)?;
        chart
            .draw_series(std::iter::once(Polygon::new(
                band(1, 3),
                c.mix(0.35).filled(),
            )))
            .map_err(e)?;
        chart
            .draw_series(LineSeries::new(
                bands[v].iter().map(|(t, q)| (yr(*t), q[2])),
                c.stroke_width(2),
            ))
            .map_err(e)?;
    }
    Ok(())
}

/// Mean over replicates of each agency's policy over time, for two variants.
struct Adaptation {
    agencies: Vec<String>,
    /// [variant slot][agency] -> (tick, threshold, prevention share)
    series: [Vec<Vec<(f64, f64, f64)>>; 2],
}

/// Sums of (threshold, prevention share, count) by (agency, tick).
type PolicySums = BTreeMap<(usize, u64), (f64, f64, f64)>;

fn adaptation_data(r: &Results, pair: [usize; 2]) -> Result<Adaptation, PlotError> {
    let mut table = Table::open(&r.dir.join(AGENCIES))?;
    let c = |n: &str| table.column(n);
    let (irun, itick, iag, ithr, iprev) = (
        c("run_id")?,
        c("week")?,
        c("agency")?,
        c("eligibility_threshold")?,
        c("prevention_capacity_share")?,
    );
    let mut agencies: Vec<String> = Vec::new();
    let mut sums: [PolicySums; 2] = [BTreeMap::new(), BTreeMap::new()];
    for rec in table.records() {
        let rec = rec?;
        let v = r.variant_of(rec.parse(irun)?);
        let Some(slot) = pair.iter().position(|&p| Some(p) == v) else {
            continue;
        };
        let name = rec.text(iag).to_string();
        let a = match agencies.iter().position(|x| *x == name) {
            Some(a) => a,
            None => {
                agencies.push(name);
                agencies.len() - 1
            }
        };
        let tick: u64 = rec.parse(itick)?;
        let e = sums[slot].entry((a, tick)).or_insert((0.0, 0.0, 0.0));
        e.0 += rec.number(ithr)?;
        e.1 += rec.number(iprev)?;
        e.2 += 1.0;
    }
    let series = sums.map(|s| {
        let mut per: Vec<Vec<(f64, f64, f64)>> = vec![Vec::new(); agencies.len()];
        for ((a, t), (thr, prev, n)) in s {
            per[a].push((t as f64, thr / n, prev / n));
        }
        per
    });
    Ok(Adaptation { agencies, series })
}

fn adaptation<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    r: &Results,
    d: &Adaptation,
    pair: [usize; 2],
    keep: &[bool],
) -> DrawResult {
    let (body, legend) = root.split_vertically(root.dim_in_pixel().1 - 40);
    let panels = body.split_evenly((2, 2));
    let t_max = d
        .series
        .iter()
        .flatten()
        .flatten()
        .map(|p| p.0 / 52.0)
        .fold(0.0, f64::max);
    for (k, panel) in panels.iter().enumerate() {
        let (row, slot) = (k / 2, k % 2);
        let (label, range) = if row == 0 {
            ("eligibility threshold (need 0–1)", 0.0..1.0)
        } else {
            ("prevention capacity share, %", 0.0..60.0)
        };
        let mut chart = ChartBuilder::on(panel)
            .margin(8)
            .x_label_area_size(30)
            .y_label_area_size(50)
            .caption(
                format!("{}: {label}", variant_label(r, pair[slot])),
                (FONT, 14),
            )
            .build_cartesian_2d(0.0..t_max.max(1e-9), range)
            .map_err(e)?;
        chart
            .configure_mesh()
            .x_desc("years from start (including warm-up)")
            .label_style((FONT, 12))
            .axis_desc_style((FONT, 12))
            .draw()
            .map_err(e)?;
        for (a, s) in d.series[slot].iter().enumerate() {
            if !keep.get(a).copied().unwrap_or(true) {
                continue;
            }
            let c = colour(a + 1);
            let pts = s
                .iter()
                .map(|&(t, thr, prev)| (t / 52.0, if row == 0 { thr } else { prev * 100.0 }));
            chart
                .draw_series(LineSeries::new(pts, c.stroke_width(2)))
                .map_err(e)?;
        }
    }
    let shown: Vec<(usize, &String)> = d
        .agencies
        .iter()
        .enumerate()
        .filter(|(a, _)| keep.get(*a).copied().unwrap_or(true))
        .collect();
    let step = legend.dim_in_pixel().0 as i32 / shown.len().max(1) as i32;
    for (k, (a, name)) in shown.iter().enumerate() {
        let x = 16 + k as i32 * step;
        legend
            .draw(&Rectangle::new(
                [(x, 14), (x + 18, 26)],
                colour(a + 1).filled(),
            ))
            .map_err(e)?;
        legend
            .draw(&Text::new(name.to_string(), (x + 24, 12), (FONT, 13)))
            .map_err(e)?;
    }
    Ok(())
}

/// Spenders, causes, and the mean matrix (£m PV) [spender][caused_by].
type Shifting = (Vec<String>, Vec<String>, Vec<Vec<f64>>);

/// Mean cost-shifting matrix (£m PV) of a variant: [spender][caused_by].
fn shifting_data(r: &Results, v: usize) -> Result<Shifting, PlotError> {
    let (mut rows, mut cols): (Vec<String>, Vec<String>) = (Vec::new(), Vec::new());
    let mut sum: BTreeMap<(usize, usize), f64> = BTreeMap::new();
    let mut runs = std::collections::BTreeSet::new();
    for row in Table::open(&r.dir.join(COST_SHIFTING))?.rows() {
        let row: CostShiftingRow = row?;
        if r.variant_of(row.run_id) != Some(v) {
            continue;
        }
        runs.insert(row.run_id);
        let idx = |list: &mut Vec<String>, s: &str| match list.iter().position(|x| x == s) {
            Some(i) => i,
            None => {
                list.push(s.to_string());
                list.len() - 1
            }
        };
        let (a, b) = (idx(&mut rows, &row.spender), idx(&mut cols, &row.caused_by));
        *sum.entry((a, b)).or_default() += row.spend / 1e6;
    }
    let n = runs.len().max(1) as f64;
    let matrix = (0..rows.len())
        .map(|a| {
            (0..cols.len())
                .map(|b| sum.get(&(a, b)).copied().unwrap_or(0.0) / n)
                .collect()
        })
        .collect();
    Ok((rows, cols, matrix))
}

fn heat(x: f64, max: f64) -> RGBColor {
    let t = if max > 0.0 {
        (x / max).clamp(0.0, 1.0).sqrt()
    } else {
        0.0
    };
    let lerp = |a: u8, b: u8| (a as f64 + (b as f64 - a as f64) * t).round() as u8;
    RGBColor(lerp(255, 0), lerp(255, 114), lerp(255, 178))
}

fn shifting<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    r: &Results,
    pair: [usize; 2],
    data: &[Shifting; 2],
) -> DrawResult {
    let panels = root.split_evenly((1, 2));
    let max = data
        .iter()
        .flat_map(|d| {
            d.2.iter().enumerate().flat_map(move |(a, row)| {
                row.iter()
                    .enumerate()
                    .filter(move |(b, _)| d.0.get(a) != d.1.get(*b))
                    .map(|(_, x)| *x)
            })
        })
        .fold(0.0, f64::max);
    for (slot, panel) in panels.iter().enumerate() {
        let (rows, cols, m) = &data[slot];
        let (nr, nc) = (rows.len(), cols.len());
        let mut chart = ChartBuilder::on(panel)
            .margin(10)
            .x_label_area_size(120)
            .y_label_area_size(120)
            .caption(
                format!(
                    "{}: spend by row, caused by column, £m",
                    variant_label(r, pair[slot])
                ),
                (FONT, 14),
            )
            .build_cartesian_2d(
                (0..nc as i32 - 1).into_segmented(),
                (0..nr as i32 - 1).into_segmented(),
            )
            .map_err(e)?;
        let name = |list: &[String], v: &SegmentValue<i32>, flip: bool| match v {
            SegmentValue::CenterOf(i) => {
                let i = if flip { list.len() as i32 - 1 - i } else { *i };
                list.get(i as usize).cloned().unwrap_or_default()
            }
            _ => String::new(),
        };
        chart
            .configure_mesh()
            .disable_mesh()
            .x_labels(nc)
            .y_labels(nr)
            .x_label_formatter(&|_| String::new())
            .y_label_formatter(&|v| name(rows, v, true))
            .label_style((FONT, 12))
            .draw()
            .map_err(e)?;
        column_labels(panel, &chart, cols)?;
        for (a, row) in m.iter().enumerate() {
            for (b, &x) in row.iter().enumerate() {
                let y = (nr - 1 - a) as i32;
                let own = rows.get(a) == cols.get(b);
                let fill = if own {
                    RGBColor(225, 225, 225)
                } else {
                    heat(x, max)
                };
                let cell = [
                    (SegmentValue::Exact(b as i32), SegmentValue::Exact(y)),
                    (
                        SegmentValue::Exact(b as i32 + 1),
                        SegmentValue::Exact(y + 1),
                    ),
                ];
                chart
                    .draw_series(std::iter::once(Rectangle::new(cell, fill.filled())))
                    .map_err(e)?;
                if x >= 0.05 {
                    let ink = if !own && x / max.max(1e-9) > 0.35 {
                        WHITE
                    } else {
                        BLACK
                    };
                    let at = (SegmentValue::CenterOf(b as i32), SegmentValue::CenterOf(y));
                    let style = (FONT, 11)
                        .into_font()
                        .color(&ink)
                        .pos(Pos::new(HPos::Center, VPos::Center));
                    chart
                        .draw_series(std::iter::once(Text::new(format!("{x:.1}"), at, style)))
                        .map_err(e)?;
                }
            }
        }
    }
    Ok(())
}

type Grid<'a, DB> = ChartContext<
    'a,
    DB,
    Cartesian2d<SegmentedCoord<RangedCoordi32>, SegmentedCoord<RangedCoordi32>>,
>;

/// Column names of a heatmap, written downwards below each column (drawn by
/// hand: plotters centres rotated tick labels on the axis, which cuts them).
fn column_labels<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    chart: &Grid<'_, DB>,
    names: &[String],
) -> DrawResult {
    let base = area.get_base_pixel();
    for (b, name) in names.iter().enumerate() {
        let (x, y) =
            chart.backend_coord(&(SegmentValue::CenterOf(b as i32), SegmentValue::Exact(0)));
        let style = (FONT, 12)
            .into_font()
            .transform(FontTransform::Rotate90)
            .color(&BLACK);
        area.draw(&Text::new(
            name.clone(),
            (x - base.0 + 6, y - base.1 + 8),
            style,
        ))
        .map_err(e)?;
    }
    Ok(())
}

/// Total spend against mean wellbeing, one point per run, coloured by variant.
fn efficiency<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, r: &Results) -> DrawResult {
    let pts: Vec<(usize, f64, f64)> = r
        .runs
        .iter()
        .filter_map(|run| {
            Some((
                run.variant,
                run.outcomes.get("total_spend")? / 1e6,
                *run.outcomes.get("mean_wellbeing")?,
            ))
        })
        .collect();
    let (xl, xh) = pts
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), p| {
            (a.min(p.1), b.max(p.1))
        });
    let (yl, yh) = pts
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), p| {
            (a.min(p.2), b.max(p.2))
        });
    let ((xl, xh), (yl, yh)) = (padded(xl, xh), padded(yl, yh));
    let mut chart = ChartBuilder::on(root)
        .margin(12)
        .x_label_area_size(44)
        .y_label_area_size(70)
        .build_cartesian_2d(xl..xh, yl..yh)
        .map_err(e)?;
    chart
        .configure_mesh()
        .x_desc("total spend, £m (present value)")
        .y_desc("mean wellbeing (0–1)")
        .label_style((FONT, 13))
        .axis_desc_style((FONT, 14))
        .draw()
        .map_err(e)?;
    for v in 0..r.variants.len() {
        let c = colour(v);
        chart
            .draw_series(
                pts.iter()
                    .filter(|p| p.0 == v)
                    .map(|p| Circle::new((p.1, p.2), 3, c.mix(0.8).filled())),
            )
            .map_err(e)?
            .label(variant_label(r, v))
            .legend(move |(x, y)| Circle::new((x + 6, y), 4, c.filled()));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .label_font((FONT, 13))
        .draw()
        .map_err(e)?;
    Ok(())
}

/// For a full two-level factorial over barrier strengths: main effects and two-way interactions on crises.
pub struct Factorial {
    pub names: Vec<String>,
    pub main: Vec<f64>,
    /// (i, j, interaction)
    pub pairs: Vec<(usize, usize, f64)>,
}

pub fn factorial(r: &Results) -> Option<Factorial> {
    let keys: Vec<usize> = r
        .manifest
        .swept
        .iter()
        .enumerate()
        .filter(|(_, k)| k.starts_with("barriers.") && k.ends_with(".strength"))
        .map(|(i, _)| i)
        .collect();
    if keys.len() < 2 || keys.len() != r.manifest.swept.len() {
        return None;
    }
    let levels_ok = r.runs.iter().all(|run| {
        keys.iter()
            .all(|&k| run.swept[k] == 0.0 || run.swept[k] == 1.0)
    });
    if !levels_ok || r.variants.len() != 1 << keys.len() {
        return None;
    }
    let crises = |run: &crate::data::Run| {
        run.outcomes
            .get("crisis_events")
            .copied()
            .unwrap_or(f64::NAN)
            / 1e3
    };
    let mean_where = |f: &dyn Fn(&crate::data::Run) -> bool| {
        let xs: Vec<f64> = r.runs.iter().filter(|run| f(run)).map(crises).collect();
        xs.iter().sum::<f64>() / xs.len().max(1) as f64
    };
    let main = keys
        .iter()
        .map(|&k| mean_where(&|run| run.swept[k] == 0.0) - mean_where(&|run| run.swept[k] == 1.0))
        .collect();
    let mut pairs = Vec::new();
    for (a, &i) in keys.iter().enumerate() {
        for (b, &j) in keys.iter().enumerate().skip(a + 1) {
            let m = |x: f64, y: f64| mean_where(&|run| run.swept[i] == x && run.swept[j] == y);
            // Effect of lifting i when j is lifted, minus when j is in place.
            pairs.push((
                a,
                b,
                (m(0.0, 0.0) - m(1.0, 0.0)) - (m(0.0, 1.0) - m(1.0, 1.0)),
            ));
        }
    }
    let names = keys
        .iter()
        .map(|&k| {
            r.manifest.swept[k]
                .trim_start_matches("barriers.")
                .trim_end_matches(".strength")
                .replace('_', " ")
        })
        .collect();
    Some(Factorial { names, main, pairs })
}

fn factorial_chart<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, f: &Factorial) -> DrawResult {
    let (left, right) = root.split_horizontally(root.dim_in_pixel().0 / 2);
    let n = f.names.len();
    let (lo, hi) = f
        .main
        .iter()
        .fold((0.0f64, 0.0f64), |(a, b), &x| (a.min(x), b.max(x)));
    let (lo, hi) = padded(lo, hi);
    let mut chart = ChartBuilder::on(&left)
        .margin(10)
        .x_label_area_size(40)
        .y_label_area_size(190)
        .caption("main effect of lifting, thousand crises", (FONT, 14))
        .build_cartesian_2d(lo..hi, -0.6f64..(n as f64 - 0.4))
        .map_err(e)?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .y_labels(n)
        .y_label_formatter(&|y| row_at(*y, n).map_or(String::new(), |i| f.names[i].clone()))
        .label_style((FONT, 13))
        .draw()
        .map_err(e)?;
    for (k, &x) in f.main.iter().enumerate() {
        let y = (n - 1 - k) as f64;
        chart
            .draw_series(std::iter::once(Rectangle::new(
                [(0.0, y - 0.3), (x, y + 0.3)],
                colour(5).filled(),
            )))
            .map_err(e)?;
    }
    let max = f
        .pairs
        .iter()
        .map(|p| p.2.abs())
        .fold(0.0, f64::max)
        .max(1e-9);
    let mut grid = ChartBuilder::on(&right)
        .margin(10)
        .x_label_area_size(160)
        .y_label_area_size(190)
        .caption("two-way interactions, thousand crises", (FONT, 14))
        .build_cartesian_2d(
            (0..n as i32 - 1).into_segmented(),
            (0..n as i32 - 1).into_segmented(),
        )
        .map_err(e)?;
    let name = |v: &SegmentValue<i32>, flip: bool| match v {
        SegmentValue::CenterOf(i) => f
            .names
            .get((if flip { n as i32 - 1 - i } else { *i }) as usize)
            .cloned()
            .unwrap_or_default(),
        _ => String::new(),
    };
    grid.configure_mesh()
        .disable_mesh()
        .x_labels(n)
        .y_labels(n)
        .x_label_formatter(&|_| String::new())
        .y_label_formatter(&|v| name(v, true))
        .label_style((FONT, 12))
        .draw()
        .map_err(e)?;
    column_labels(&right, &grid, &f.names)?;
    for &(i, j, x) in &f.pairs {
        let y = (n - 1 - i) as i32;
        let t = (x.abs() / max).sqrt();
        let c = if x < 0.0 {
            RGBColor(
                (255.0 - 255.0 * t) as u8,
                (255.0 - 141.0 * t) as u8,
                (255.0 - 77.0 * t) as u8,
            )
        } else {
            RGBColor(
                (255.0 - 42.0 * t) as u8,
                (255.0 - 161.0 * t) as u8,
                (255.0 - 255.0 * t) as u8,
            )
        };
        let cell = [
            (SegmentValue::Exact(j as i32), SegmentValue::Exact(y)),
            (
                SegmentValue::Exact(j as i32 + 1),
                SegmentValue::Exact(y + 1),
            ),
        ];
        grid.draw_series(std::iter::once(Rectangle::new(cell, c.filled())))
            .map_err(e)?;
        let style = (FONT, 12)
            .into_font()
            .color(&BLACK)
            .pos(Pos::new(HPos::Center, VPos::Center));
        let at = (SegmentValue::CenterOf(j as i32), SegmentValue::CenterOf(y));
        grid.draw_series(std::iter::once(Text::new(format!("{x:.1}"), at, style)))
            .map_err(e)?;
    }
    Ok(())
}

/// Draw every chart the results allow.
pub fn draw_all(r: &Results, plots: &Path) -> Result<Vec<Chart>, PlotError> {
    let mut charts = Vec::new();
    let base = &r.manifest.baseline;
    for m in &KEY_OUTCOMES {
        let title = format!(
            "{}: distribution across {} replicates per variant",
            capitalised(m.label),
            r.manifest.replicates
        );
        let caption = format!("Each box spans the middle half of the replicates, the bar is the median, dots are replicates; dashed line: the median of {base}.");
        charts.push(both!(
            plots,
            format!("distribution-{}", m.key),
            &title,
            &caption,
            (1100, 560),
            |root| distribution(&root, r, m)
        ));
    }
    let caption = format!("Mean paired difference from {base} over the same replicates (common random numbers), with its 95 % interval.");
    charts.push(both!(
        plots,
        "paired-effects".to_string(),
        "Which barrier matters: each variant against the baseline",
        &caption,
        (1300, 760),
        |root| forest(&root, r)
    ));
    let bands = fan_bands(r)?;
    // Time is shown from the end of warm-up (from 0 if the series have no counted week).
    let warmup_weeks = first_counted_tick(r).unwrap_or(0.0);
    for (m, (key, label, _)) in FAN_METRICS.iter().enumerate() {
        let title = format!("{} over time, by variant", capitalised(label));
        let caption = "Median across replicates (line), middle 50 % (dark band) and 90 % (light band); years after warm-up.".to_string();
        let rows = r.variants.len().div_ceil(4).max(1) as u32;
        charts.push(both!(
            plots,
            format!("fan-{key}"),
            &title,
            &caption,
            (1300, 74 + 250 * rows),
            |root| fan(&root, r, &bands[m], warmup_weeks)
        ));
    }
    let pair = [r.baseline_index(), r.contrast_index()];
    let adapt = adaptation_data(r, pair)?;
    let keep: Vec<bool> = adapt.series[0]
        .iter()
        .map(|s| s.iter().any(|p| p.1 > 0.0 || p.2 > 0.0))
        .collect();
    let caption = format!("Mean over replicates of each assessing agency's policy; {} is the variant that cut crises most.", r.variants[pair[1]]);
    charts.push(both!(
        plots,
        "adaptation".to_string(),
        "How agencies adapt: eligibility thresholds and prevention capacity",
        &caption,
        (1300, 760),
        |root| adaptation(&root, r, &adapt, pair, &keep)
    ));
    let shift = [shifting_data(r, pair[0])?, shifting_data(r, pair[1])?];
    let caption = "Mean spend (£m, present value) by the row's agency attributed to failures of the column's agency; grey: an agency's own.".to_string();
    charts.push(both!(
        plots,
        "cost-shifting".to_string(),
        "Cost shifting: who pays for whose failures",
        &caption,
        (1400, 640),
        |root| shifting(&root, r, pair, &shift)
    ));
    let caption =
        "Each dot is one run; further left and higher is better: less spend, more wellbeing."
            .to_string();
    charts.push(both!(
        plots,
        "efficiency".to_string(),
        "Spend against wellbeing, every run",
        &caption,
        (1100, 700),
        |root| efficiency(&root, r)
    ));
    if let Some(f) = factorial(r) {
        let caption = "Main effect: mean crises with a barrier lifted minus in place. Interaction: how lifting the row changes the column's effect.".to_string();
        charts.push(both!(
            plots,
            "factorial".to_string(),
            "Barrier factorial: main effects and two-way interactions on crisis events",
            &caption,
            (1400, 640),
            |root| factorial_chart(&root, &f)
        ));
    }
    Ok(charts)
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map_or(String::new(), |f| f.to_uppercase().chain(c).collect())
}

/// The first tick after warm-up, from the time series' `warmup` column.
fn first_counted_tick(r: &Results) -> Option<f64> {
    let mut table = Table::open(&r.dir.join(TIMESERIES)).ok()?;
    let (itick, iwarm) = (table.column("week").ok()?, table.column("warmup").ok()?);
    for rec in table.records().flatten() {
        if rec.text(iwarm) == "0" {
            return rec.text(itick).parse().ok();
        }
    }
    None
}
