//! placesim-plot: the charts and the HTML report of a sweep's results folder.
//!
//! Reads `manifest.json`, `runs.csv`, `comparison.csv` and streams the time
//! series one variant at a time; draws each chart as SVG and PNG with a
//! bundled font (no fontconfig, no system fonts), Okabe–Ito colours fixed per
//! variant, and no timestamps, so identical data gives identical bytes; and
//! writes a self-contained `report.html`. It does not run simulations.

pub mod benchmark;
mod calibration;
mod charts;
mod data;
mod discovery;
mod html;
mod report;
mod sensitivity;

pub use data::{PlotError, Results};

use std::path::{Path, PathBuf};

/// Draw every chart into `DIR/plots/` and write `DIR/report.html`; returns
/// the files written. A calibration's folder (`placesim calibrate`) gets its
/// own charts and report.
pub fn plot(dir: &Path) -> Result<Vec<PathBuf>, PlotError> {
    charts::register_font()?;
    if calibration::is_calibration(dir) {
        return calibration::plot(dir);
    }
    let results = Results::load(dir)?;
    let plots = dir.join("plots");
    std::fs::create_dir_all(&plots)
        .map_err(|e| PlotError::Io(format!("cannot create {}: {e}", plots.display())))?;
    let mut charts = charts::draw_all(&results, &plots)?;
    let design = sensitivity::Design::load(&results)?;
    if let Some(d) = &design {
        charts.extend(sensitivity::draw(&results, d, &plots)?);
    }
    let discovered = discovery::Discovery::load(&results)?;
    if let Some(d) = &discovered {
        charts.extend(discovery::draw(d, &plots)?);
    }
    let mut written: Vec<PathBuf> = charts
        .iter()
        .flat_map(|c| [c.svg.clone(), c.png.clone()])
        .collect();
    written.push(report::write(
        &results,
        &charts,
        design.as_ref(),
        discovered.as_ref(),
        dir,
    )?);
    Ok(written)
}
