//! Writing one run's outputs (`placesim run`, `placesim rerun`). Time series
//! are streamed week by week; every file is written atomically (see
//! `placesim_results::atomic`), so a killed run never leaves a truncated
//! output under its final name.

use placesim_core::{Summary, World};
use placesim_results::manifest::pretty_json;
use placesim_results::series::{AGENCIES, COST_SHIFTING, TIMESERIES};
use placesim_results::table::csv_bytes;
use placesim_results::{write_atomic, AtomicFile};
use std::io;
use std::path::{Path, PathBuf};

/// Streams `timeseries.csv` and `agencies.csv`, then writes the run-level files.
pub struct RunWriter {
    dir: PathBuf,
    timeseries: csv::Writer<AtomicFile>,
    agencies: csv::Writer<AtomicFile>,
    every_weeks: u32,
}

fn csv_writer(dir: &Path, name: &str) -> io::Result<csv::Writer<AtomicFile>> {
    Ok(csv::Writer::from_writer(AtomicFile::create(
        &dir.join(name),
    )?))
}

fn csv_error(e: csv::Error) -> io::Error {
    io::Error::other(e)
}

impl RunWriter {
    /// Write into `dir`, keeping every `every_weeks`-th week of the time series.
    pub fn create(dir: &Path, every_weeks: u32) -> io::Result<Self> {
        Ok(RunWriter {
            dir: dir.to_path_buf(),
            timeseries: csv_writer(dir, TIMESERIES)?,
            agencies: csv_writer(dir, AGENCIES)?,
            every_weeks: every_weeks.max(1),
        })
    }

    /// Append the week the world just completed, if it is a sampled week.
    pub fn week(&mut self, world: &World) -> io::Result<()> {
        if world.tick_row().tick % self.every_weeks != 0 {
            return Ok(());
        }
        self.timeseries
            .serialize(world.tick_row())
            .map_err(csv_error)?;
        for row in world.agency_rows() {
            self.agencies.serialize(row).map_err(csv_error)?;
        }
        Ok(())
    }

    /// Close the streams and write the run-level files.
    pub fn finish(self, world: &World, summary: &Summary) -> io::Result<()> {
        for w in [self.timeseries, self.agencies] {
            w.into_inner()
                .map_err(|e| io::Error::other(e.to_string()))?
                .commit()?;
        }
        write_atomic(
            &self.dir.join(COST_SHIFTING),
            &csv_bytes(world.cost_shifting(), true)?,
        )?;
        write_atomic(&self.dir.join("summary.json"), &pretty_json(summary)?)
    }
}
