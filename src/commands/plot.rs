//! `placesim plot`: a sweep's charts and report, drawn again from its results.

use crate::failure::Failure;
use std::path::{Path, PathBuf};

#[derive(clap::Args)]
pub struct Args {
    /// The sweep's results folder.
    pub dir: PathBuf,
}

/// Draw the charts and the report of a results folder.
pub fn plot(dir: &Path, quiet: bool) -> Result<(), Failure> {
    let written = placesim_plot::plot(dir)?;
    if !quiet {
        println!(
            "{} charts and report.html in {}",
            written.len().saturating_sub(1) / 2,
            dir.display()
        );
    }
    Ok(())
}
