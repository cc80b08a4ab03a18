//! Writing a run's weekly rows and, for `placesim run` and `placesim rerun`,
//! its files. Which weeks are kept is the run driver's
//! ([`placesim_core::Run`]): rows are written for the weeks it marks
//! sampled. Every file is written atomically (`placesim_results::atomic`),
//! so a killed run never leaves a truncated output under its final name.

use placesim_core::{AgencyRow, Finished, KeptWeek, TickRow, Week};
use placesim_results::manifest::pretty_json;
use placesim_results::series::{AGENCIES, COST_SHIFTING, TIMESERIES};
use placesim_results::table::csv_bytes;
use placesim_results::{write_atomic, AtomicFile};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// A run's rows of the sampled weeks: its `timeseries.csv` and `agencies.csv`.
pub struct WeekRows<W: Write> {
    timeseries: csv::Writer<W>,
    agencies: csv::Writer<W>,
}

impl<W: Write> WeekRows<W> {
    /// Rows into `timeseries` and `agencies`, each with its header line or without.
    pub fn new(timeseries: W, agencies: W, headers: bool) -> Self {
        let csv = |w| {
            csv::WriterBuilder::new()
                .has_headers(headers)
                .from_writer(w)
        };
        WeekRows {
            timeseries: csv(timeseries),
            agencies: csv(agencies),
        }
    }

    /// Append the week's rows if the week is sampled. An error names the
    /// file (`timeseries.csv` or `agencies.csv`) it happened to.
    pub fn week(&mut self, week: &Week<'_>) -> io::Result<()> {
        if !week.sampled {
            return Ok(());
        }
        self.rows(week.place(), week.agencies())
    }

    /// Append the burn-in weeks a run continues from (kept on the cadence).
    pub fn kept(&mut self, weeks: &[KeptWeek]) -> io::Result<()> {
        for w in weeks {
            self.rows(&w.place, &w.agencies)?;
        }
        Ok(())
    }

    fn rows(&mut self, place: &TickRow, agencies: &[AgencyRow]) -> io::Result<()> {
        self.timeseries
            .serialize(place)
            .map_err(|e| in_file(TIMESERIES, e))?;
        for row in agencies {
            self.agencies
                .serialize(row)
                .map_err(|e| in_file(AGENCIES, e))?;
        }
        Ok(())
    }

    /// Flush the rows and hand back the two writers.
    pub fn finish(self) -> io::Result<(W, W)> {
        let timeseries = self
            .timeseries
            .into_inner()
            .map_err(|e| in_file(TIMESERIES, e.to_string()))?;
        let agencies = self
            .agencies
            .into_inner()
            .map_err(|e| in_file(AGENCIES, e.to_string()))?;
        Ok((timeseries, agencies))
    }
}

/// An error writing one of a run's files, naming the file.
fn in_file(name: &str, e: impl std::fmt::Display) -> io::Error {
    io::Error::other(format!("{name}: {e}"))
}

/// One run's files in a folder: `timeseries.csv` and `agencies.csv` streamed
/// week by week, then `cost_shifting.csv` and `summary.json`.
pub struct RunWriter {
    dir: PathBuf,
    rows: WeekRows<AtomicFile>,
}

/// An error of a file in `dir` (the error names the file), with the folder.
fn in_dir(dir: &Path) -> impl FnOnce(io::Error) -> io::Error + '_ {
    move |e| io::Error::new(e.kind(), format!("{}/{e}", dir.display()))
}

/// An error, naming the file it happened to.
fn at(path: &Path) -> impl FnOnce(io::Error) -> io::Error + '_ {
    move |e| io::Error::new(e.kind(), format!("{}: {e}", path.display()))
}

impl RunWriter {
    /// Write into `dir`.
    pub fn create(dir: &Path) -> io::Result<Self> {
        let file = |name: &str| {
            let path = dir.join(name);
            AtomicFile::create(&path).map_err(at(&path))
        };
        Ok(RunWriter {
            dir: dir.to_path_buf(),
            rows: WeekRows::new(file(TIMESERIES)?, file(AGENCIES)?, true),
        })
    }

    /// Append the week the run just completed, if it is sampled.
    pub fn week(&mut self, week: &Week<'_>) -> io::Result<()> {
        self.rows.week(week).map_err(in_dir(&self.dir))
    }

    /// Append the burn-in weeks the run continues from.
    pub fn kept(&mut self, weeks: &[KeptWeek]) -> io::Result<()> {
        self.rows.kept(weeks).map_err(in_dir(&self.dir))
    }

    /// Close the streams and write the run-level files.
    pub fn finish(self, run: &Finished) -> io::Result<()> {
        let (timeseries, agencies) = self.rows.finish().map_err(in_dir(&self.dir))?;
        for file in [timeseries, agencies] {
            let path = file.path().to_path_buf();
            file.commit().map_err(at(&path))?;
        }
        let path = self.dir.join(COST_SHIFTING);
        write_atomic(&path, &csv_bytes(&run.cost_shifting, true)?).map_err(at(&path))?;
        let path = self.dir.join("summary.json");
        write_atomic(&path, &pretty_json(&run.summary)?).map_err(at(&path))
    }
}
