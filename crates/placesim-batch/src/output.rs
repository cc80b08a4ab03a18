//! Writing one run's outputs (`placesim run`, `placesim rerun`). Time series
//! are streamed week by week into temporary files; every file is renamed into
//! place only when complete, so a killed run never leaves a truncated output
//! under its final name.

use placesim_core::{Summary, World};
use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// Streams `timeseries.csv` and `agencies.csv`, then writes the run-level files.
pub struct RunWriter {
    dir: PathBuf,
    timeseries: csv::Writer<BufWriter<File>>,
    agencies: csv::Writer<BufWriter<File>>,
    every_weeks: u32,
}

fn tmp_path(dir: &Path, name: &str) -> PathBuf {
    dir.join(format!(".{name}.tmp"))
}

fn csv_writer(dir: &Path, name: &str) -> io::Result<csv::Writer<BufWriter<File>>> {
    Ok(csv::Writer::from_writer(BufWriter::new(File::create(
        tmp_path(dir, name),
    )?)))
}

fn csv_error(e: csv::Error) -> io::Error {
    io::Error::other(e)
}

/// Write `bytes` to `dir/name` atomically (temporary file, then rename).
pub fn write_atomic(dir: &Path, name: &str, bytes: &[u8]) -> io::Result<()> {
    let tmp = tmp_path(dir, name);
    let mut f = File::create(&tmp)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    fs::rename(tmp, dir.join(name))
}

impl RunWriter {
    /// Write into `dir`, keeping every `every_weeks`-th week of the time series.
    pub fn create(dir: &Path, every_weeks: u32) -> io::Result<Self> {
        Ok(RunWriter {
            dir: dir.to_path_buf(),
            timeseries: csv_writer(dir, "timeseries.csv")?,
            agencies: csv_writer(dir, "agencies.csv")?,
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
        for (w, name) in [
            (self.timeseries, "timeseries.csv"),
            (self.agencies, "agencies.csv"),
        ] {
            let mut inner = w
                .into_inner()
                .map_err(|e| io::Error::other(e.to_string()))?;
            inner.flush()?;
            inner.get_ref().sync_all()?;
            fs::rename(tmp_path(&self.dir, name), self.dir.join(name))?;
        }
        let mut shifts = csv::Writer::from_writer(Vec::new());
        for row in world.cost_shifting() {
            shifts.serialize(row).map_err(csv_error)?;
        }
        let bytes = shifts
            .into_inner()
            .map_err(|e| io::Error::other(e.to_string()))?;
        write_atomic(&self.dir, "cost_shifting.csv", &bytes)?;
        let mut json = serde_json::to_vec_pretty(summary).map_err(io::Error::other)?;
        json.push(b'\n');
        write_atomic(&self.dir, "summary.json", &json)
    }
}
