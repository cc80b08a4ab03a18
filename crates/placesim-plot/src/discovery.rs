//! The charts and report section of a scenario discovery (`placesim
//! discover`): PRIM's peeling trajectory, the shown box's limits against
//! each input's range, and the points over the box's two most restricted
//! inputs with the box drawn.

use crate::charts::{colour, e, frame, inner, padded, Chart, DrawResult};
use crate::data::{read_table, PlotError, Results};
use placesim_results::discovery::{
    BoxRow, CaseRow, RuleRow, StabilityRow, Summary, TrajectoryRow, BOXES, CASES,
    CATEGORY_SEPARATOR, DISCOVERY_DIR, RULES, STABILITY, SUMMARY, TRAJECTORY,
};
use placesim_results::{write_atomic, AtomicPath};
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::Path;

const FONT: &str = crate::charts::FONT;

/// A discovery's files, read back.
pub struct Discovery {
    pub summary: Summary,
    pub trajectory: Vec<TrajectoryRow>,
    pub boxes: Vec<BoxRow>,
    pub cases: Vec<CaseRow>,
    pub rules: Vec<RuleRow>,
    /// Empty when the discovery was not resampled (or predates it).
    pub stability: Vec<StabilityRow>,
}

impl Discovery {
    /// The discovery in a results folder, if `placesim discover` ran there.
    pub fn load(r: &Results) -> Result<Option<Discovery>, PlotError> {
        let dir = r.dir.join(DISCOVERY_DIR);
        let Ok(bytes) = std::fs::read(dir.join(SUMMARY)) else {
            return Ok(None);
        };
        let summary: Summary = serde_json::from_slice(&bytes)
            .map_err(|e| PlotError::BadInput(format!("{}: {e}", dir.join(SUMMARY).display())))?;
        Ok(Some(Discovery {
            summary,
            trajectory: read_table(&dir, TRAJECTORY)?,
            boxes: read_table(&dir, BOXES)?,
            cases: read_table(&dir, CASES)?,
            rules: read_table(&dir, RULES)?,
            stability: if dir.join(STABILITY).exists() {
                read_table(&dir, STABILITY)?
            } else {
                Vec::new()
            },
        }))
    }

    /// The shown first box's restricted inputs, the narrowest (as a share
    /// of its range, or of its categories) first.
    fn restricted(&self) -> Vec<&BoxRow> {
        let mut rows: Vec<&BoxRow> = self.boxes.iter().filter(|b| b.box_number == 1).collect();
        rows.sort_by(|a, b| {
            a.width()
                .total_cmp(&b.width())
                .then(a.parameter.cmp(&b.parameter))
        });
        rows
    }

    /// What a case is ("design point" unless the discovery says otherwise).
    fn case(&self) -> &str {
        if self.summary.case.is_empty() {
            "design point"
        } else {
            &self.summary.case
        }
    }
}

/// Coverage against density along the first box's trajectory, coloured by
/// how many inputs are restricted; the shown box ringed.
fn trajectory<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, d: &Discovery) -> DrawResult {
    let steps: Vec<&TrajectoryRow> = d.trajectory.iter().filter(|t| t.box_number == 1).collect();
    let (lo, hi) = padded(
        steps.iter().map(|t| t.density).fold(1.0, f64::min),
        steps.iter().map(|t| t.density).fold(0.0, f64::max),
    );
    let mut chart = ChartBuilder::on(root)
        .margin(16)
        .x_label_area_size(44)
        .y_label_area_size(60)
        .build_cartesian_2d(0.0f64..1.02f64, lo..hi)
        .map_err(e)?;
    chart
        .configure_mesh()
        .x_desc("coverage: share of the points of interest inside the box")
        .y_desc("density: share of the box's points of interest")
        .label_style((FONT, 13))
        .draw()
        .map_err(e)?;
    for t in &steps {
        let c = colour(t.restricted as usize + 1);
        chart
            .draw_series(std::iter::once(Circle::new(
                (t.coverage, t.density),
                5,
                c.filled(),
            )))
            .map_err(e)?;
        if t.chosen {
            chart
                .draw_series(std::iter::once(Circle::new(
                    (t.coverage, t.density),
                    10,
                    BLACK.stroke_width(2),
                )))
                .map_err(e)?;
        }
    }
    let most = steps.iter().map(|t| t.restricted).max().unwrap_or(0);
    for k in 0..=most {
        let c = colour(k as usize + 1);
        chart
            .draw_series(std::iter::empty::<Circle<(f64, f64), i32>>())
            .map_err(e)?
            .label(format!("{k} inputs restricted"))
            .legend(move |(x, y)| Circle::new((x + 8, y), 5, c.filled()));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerLeft)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .label_font((FONT, 12))
        .draw()
        .map_err(e)?;
    Ok(())
}

/// Each restricted input's range (grey) and the box's limits on it (blue), with quasi-p-values.
fn limits<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, d: &Discovery) -> DrawResult {
    let rows = d.restricted();
    let n = rows.len().max(1);
    let labels: Vec<String> = rows
        .iter()
        .map(|b| {
            let p = |x: f64| {
                if x.is_finite() {
                    format!("{x:.2e}")
                } else {
                    "–".into()
                }
            };
            format!("{} (p {} / {})", b.parameter, p(b.p_lower), p(b.p_upper))
        })
        .collect();
    let mut chart = crate::charts::rows(
        root,
        &labels,
        crate::charts::RowLayout {
            x: -0.02f64..1.02f64,
            x_desc: "position within the input's range over the cases (0: its least, 1: its most); a categorical input's categories side by side",
            label_width: 420,
            x_label_height: 40,
            font: 13,
        },
    )?;
    for (k, b) in rows.iter().enumerate() {
        let y = (n - 1 - k) as f64;
        chart
            .draw_series(LineSeries::new(
                vec![(0.0, y), (1.0, y)],
                RGBColor(200, 200, 200).stroke_width(10),
            ))
            .map_err(e)?;
        // A numeric input: one span. A categorical one: its categories as
        // equal slots, those the box keeps in blue, each named.
        let spans: Vec<(f64, f64, Option<&str>)> = if b.is_categorical() {
            let all: Vec<&str> = b.all_categories.split(CATEGORY_SEPARATOR).collect();
            let kept: Vec<&str> = b.categories.split(CATEGORY_SEPARATOR).collect();
            let slot = 1.0 / all.len() as f64;
            all.iter()
                .enumerate()
                .filter(|(_, c)| kept.contains(c))
                .map(|(i, c)| {
                    (
                        i as f64 * slot + 0.01,
                        (i + 1) as f64 * slot - 0.01,
                        Some(*c),
                    )
                })
                .collect()
        } else {
            let span = (b.max - b.min).max(f64::MIN_POSITIVE);
            vec![((b.lower - b.min) / span, (b.upper - b.min) / span, None)]
        };
        for (l, h, name) in spans {
            chart
                .draw_series(LineSeries::new(
                    vec![(l, y), (h, y)],
                    colour(2).stroke_width(10),
                ))
                .map_err(e)?;
            if let Some(name) = name {
                chart
                    .draw_series(std::iter::once(Text::new(
                        name.to_string(),
                        (l, y + 0.3),
                        (FONT, 13),
                    )))
                    .map_err(e)?;
            }
        }
    }
    Ok(())
}

/// The points over the two narrowest restricted inputs, of interest or not, with the box.
fn scatter<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    d: &Discovery,
    pair: [&BoxRow; 2],
) -> DrawResult {
    let value_of = |case: u32, key: &str| {
        d.cases
            .iter()
            .find(|c| c.case == case && c.parameter == key)
            .map(|c| (c.input, c.of_interest))
    };
    let mut points: Vec<(f64, f64, bool)> = Vec::new();
    for c in d.cases.iter().filter(|c| c.parameter == pair[0].parameter) {
        if let Some((y, _)) = value_of(c.case, &pair[1].parameter) {
            points.push((c.input, y, c.of_interest));
        }
    }
    let mut chart = ChartBuilder::on(root)
        .margin(16)
        .x_label_area_size(44)
        .y_label_area_size(70)
        .build_cartesian_2d(pair[0].min..pair[0].max, pair[1].min..pair[1].max)
        .map_err(e)?;
    chart
        .configure_mesh()
        .x_desc(pair[0].parameter.as_str())
        .y_desc(pair[1].parameter.as_str())
        .label_style((FONT, 13))
        .draw()
        .map_err(e)?;
    for &(x, y, hit) in &points {
        let c = if hit {
            colour(6)
        } else {
            RGBColor(170, 170, 170)
        };
        chart
            .draw_series(std::iter::once(Circle::new((x, y), 3, c.filled())))
            .map_err(e)?;
    }
    let (x0, x1, y0, y1) = (pair[0].lower, pair[0].upper, pair[1].lower, pair[1].upper);
    chart
        .draw_series(LineSeries::new(
            vec![(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)],
            BLACK.stroke_width(2),
        ))
        .map_err(e)?;
    Ok(())
}

/// Draw the discovery's charts.
pub fn draw(d: &Discovery, plots: &Path) -> Result<Vec<Chart>, PlotError> {
    let mut charts = Vec::new();
    let question = format!("{} {}", d.summary.outcome, d.summary.condition);
    let caption = format!("PRIM's boxes for {question}: each peel trades coverage for density; the ringed box is the one shown (the first reaching density {}).", d.summary.threshold);
    charts.push(crate::charts::both!(
        plots,
        "discovery-trajectory".to_string(),
        "Scenario discovery: PRIM's peeling trajectory",
        &caption,
        (1100, 700),
        |root| trajectory(&root, d)
    ));
    let rows = d.restricted();
    if !rows.is_empty() {
        let caption = "Blue: the shown box's limits within each restricted input's range over the cases (grey), or the categories it keeps; p: quasi-p-values of its lower / upper limit (small: the limit matters).".to_string();
        charts.push(crate::charts::both!(
            plots,
            "discovery-box".to_string(),
            "Scenario discovery: where the box lies",
            &caption,
            (1300, (140 + 60 * rows.len() as u32).max(300)),
            |root| limits(&root, d)
        ));
    }
    let numeric: Vec<&BoxRow> = rows
        .iter()
        .copied()
        .filter(|b| !b.is_categorical())
        .collect();
    if let [a, b, ..] = numeric[..] {
        let caption = format!("Each dot a {}; coloured where {question}; the rectangle is the box on its two narrowest numeric inputs.", d.case());
        charts.push(crate::charts::both!(
            plots,
            "discovery-scatter".to_string(),
            "Scenario discovery: the box on its two narrowest numeric inputs",
            &caption,
            (1000, 800),
            |root| scatter(&root, d, [a, b])
        ));
    }
    Ok(charts)
}

/// The report's section: the answer in words, the box and the tree's rules.
pub fn section(d: &Discovery) -> String {
    use std::fmt::Write;
    let esc = crate::html::esc;
    let mut h = String::from("<h2>Scenario discovery</h2>\n");
    for w in &d.summary.words {
        let _ = writeln!(h, "<p>{}</p>", esc(w));
    }
    h.push_str("<h3>The shown box</h3>\n<table>\n<tr><th>input</th><th>lower</th><th>upper</th><th>range (or categories) over the cases</th><th>p (lower)</th><th>p (upper)</th></tr>\n");
    for b in d.restricted() {
        if b.is_categorical() {
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td colspan=\"2\">{}</td><td>{}</td><td>{:.2e}</td><td></td></tr>",
                esc(&b.parameter),
                esc(&b.categories.replace(CATEGORY_SEPARATOR, " or ")),
                esc(&b.all_categories.replace(CATEGORY_SEPARATOR, ", ")),
                b.p_lower
            );
            continue;
        }
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{:.4}</td><td>{:.4}</td><td>{:.4} to {:.4}</td><td>{:.2e}</td><td>{:.2e}</td></tr>",
            esc(&b.parameter),
            b.lower,
            b.upper,
            b.min,
            b.max,
            b.p_lower,
            b.p_upper
        );
    }
    h.push_str("</table>\n");
    if !d.stability.is_empty() {
        let _ = writeln!(
            h,
            "<h3>How stable the box is</h3>\n<p>PRIM run again on {} random halves of the {}s: the share of them whose box nearest the shown one (in coverage, in density) restricts each input.</p>\n<table>\n<tr><th>input</th><th>in the shown box</th><th>near its coverage</th><th>near its density</th></tr>",
            d.summary.resamples,
            d.case()
        );
        for r in d
            .stability
            .iter()
            .filter(|r| r.in_box || r.near_coverage > 0.0 || r.near_density > 0.0)
        {
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{:.0} %</td><td>{:.0} %</td></tr>",
                esc(&r.parameter),
                if r.in_box { "yes" } else { "no" },
                100.0 * r.near_coverage,
                100.0 * r.near_density
            );
        }
        h.push_str("</table>\n");
    }
    let _ = writeln!(
        h,
        "<h3>CART's rules</h3>\n<table>\n<tr><th>rule</th><th>{}s</th><th>of interest</th></tr>",
        d.case()
    );
    for r in &d.rules {
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{:.0} %</td></tr>",
            esc(&r.rule),
            r.cases,
            100.0 * r.density
        );
    }
    h.push_str("</table>\n");
    h
}
