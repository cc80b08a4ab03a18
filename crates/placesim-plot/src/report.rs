//! `report.html`: one self-contained page (inline SVG, no network) with the
//! sweep's description, a table of variant means with 95 % intervals, every
//! chart with its caption, and the manifest's key facts.

use crate::charts::{Chart, KEY_OUTCOMES};
use crate::data::{PlotError, Results};
use crate::html::esc;
use placesim_core::stats::Welford;
use std::fmt::Write;
use std::path::{Path, PathBuf};

fn num(x: f64) -> String {
    if !x.is_finite() {
        "–".into()
    } else if x.abs() >= 100.0 {
        format!("{x:.0}")
    } else if x.abs() >= 1.0 {
        format!("{x:.2}")
    } else {
        format!("{x:.3}")
    }
}

/// Write `DIR/report.html` atomically.
pub fn write(
    r: &Results,
    charts: &[Chart],
    design: Option<&crate::sensitivity::Design>,
    discovered: Option<&crate::discovery::Discovery>,
    dir: &Path,
) -> Result<PathBuf, PlotError> {
    let m = &r.manifest;
    let (population, weeks) = m.variants.first().map_or((0, 0), |v| {
        (v.params.place.population, v.params.place.weeks)
    });
    let mut h = String::new();
    let title = format!("placesim sweep `{}`", m.sweep);
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n<style>\nbody{{font-family:DejaVu Sans,Verdana,sans-serif;max-width:1400px;margin:2em auto;padding:0 1em;color:#222}}\ntable{{border-collapse:collapse;margin:1em 0}}th,td{{border:1px solid #bbb;padding:4px 8px;text-align:right}}th:first-child,td:first-child{{text-align:left}}\nfigure{{margin:2em 0}}figcaption{{color:#444;margin-top:.3em}}svg{{max-width:100%;height:auto}}dt{{font-weight:bold;float:left;width:12em}}dd{{margin-left:13em}}\n</style>\n</head>\n<body>\n<h1>{}</h1>\n<p>{}</p>\n",
        esc(&title),
        esc(&title),
        esc(&m.description)
    );
    let _ = write!(h, "<h2>Key facts</h2>\n<dl>\n");
    let mut facts = vec![
        ("placesim version", m.placesim_version.clone()),
        ("sweep hash", m.sweep_hash.clone()),
        ("sweep seed", m.sweep_seed.to_string()),
        ("variants", r.variants.join(", ")),
        ("baseline", m.baseline.clone()),
        ("replicates", m.replicates.to_string()),
        ("citizens per run", population.to_string()),
        ("weeks counted", weeks.to_string()),
        ("runs", r.runs.len().to_string()),
        ("failed runs", m.failed_runs.len().to_string()),
    ];
    if let Some(e) = &m.ensemble {
        let mut drawn = vec![0usize; e.members.len()];
        for &member in &e.replicate_members {
            if let Some(n) = drawn.get_mut(member as usize) {
                *n += 1;
            }
        }
        let times: Vec<String> = drawn
            .iter()
            .enumerate()
            .filter(|(_, &n)| n > 0)
            .map(|(member, n)| format!("{member} ×{n}"))
            .collect();
        facts.push((
            "ensemble",
            format!(
                "{}: {} members over {}; each replicate's variants run with the member it drew (members drawn: {})",
                e.file,
                e.members.len(),
                e.keys.join(", "),
                times.join(", ")
            ),
        ));
    }
    for (k, v) in facts {
        let _ = writeln!(h, "<dt>{}</dt><dd>{}</dd>", esc(k), esc(&v));
    }
    let _ = write!(h, "</dl>\n<h2>Variant means</h2>\n<p>Mean over replicates with the half-width of its 95 % Student t interval.</p>\n<table>\n<tr><th>variant</th>");
    for m in &KEY_OUTCOMES {
        let _ = write!(h, "<th>{}</th>", esc(m.label));
    }
    h.push_str("</tr>\n");
    for (v, name) in r.variants.iter().enumerate() {
        let label = if *name == m.baseline {
            format!("{name} (baseline)")
        } else {
            name.clone()
        };
        let _ = write!(h, "<tr><td>{}</td>", esc(&label));
        for m in &KEY_OUTCOMES {
            let mut w = Welford::default();
            r.runs
                .iter()
                .filter(|run| run.variant == v)
                .filter_map(|run| run.outcomes.get(m.key))
                .for_each(|x| w.add(x * m.scale));
            let _ = write!(
                h,
                "<td>{} ± {}</td>",
                num(w.mean()),
                num(w.ci95_half_width())
            );
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</table>\n");
    if let Some(d) = design {
        h.push_str(&crate::sensitivity::section(r, d));
    }
    if let Some(d) = discovered {
        h.push_str(&crate::discovery::section(d));
    }
    h.push_str("<h2>Charts</h2>\n");
    h.push_str(&figures(charts)?);
    h.push_str("</body>\n</html>\n");
    let path = dir.join("report.html");
    placesim_results::write_atomic(&path, h.as_bytes())
        .map_err(|e| PlotError::Io(format!("writing {}: {e}", path.display())))?;
    Ok(path)
}

/// Each chart as an inline SVG figure with its title and caption.
pub(crate) fn figures(charts: &[Chart]) -> Result<String, PlotError> {
    let mut h = String::new();
    for c in charts {
        let svg = std::fs::read_to_string(&c.svg)
            .map_err(|e| PlotError::Io(format!("reading {}: {e}", c.svg.display())))?;
        let svg = svg.trim_start_matches(|ch| ch != '<');
        let svg = match svg.strip_prefix("<?xml") {
            Some(rest) => rest.split_once("?>").map_or(svg, |(_, b)| b.trim_start()),
            None => svg,
        };
        let _ = write!(
            h,
            "<figure id=\"{}\">\n{}\n<figcaption><b>{}.</b> {}</figcaption>\n</figure>\n",
            esc(&c.name),
            svg,
            esc(&c.title),
            esc(&c.caption)
        );
    }
    Ok(h)
}
