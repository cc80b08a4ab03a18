//! The final files of a sweep, assembled from its stored runs in run order,
//! line by line: `runs.csv`, `timeseries.csv`, `agencies.csv`,
//! `cost_shifting.csv`, then `comparison.csv`. Memory does not grow with
//! the number of runs, and the bytes do not depend on the order runs
//! finished in.

use crate::compare::paired;
use crate::{io_err, BatchError};
use placesim_results::{comparison, runs, series, AtomicFile, Manifest};
use std::fs;
use std::io::{self, BufRead, Write};
use std::path::Path;

/// A final file written line by line, atomically.
struct Assembled {
    file: AtomicFile,
}

impl Assembled {
    fn create(out: &Path, name: &str, header: &str) -> Result<Self, BatchError> {
        let path = out.join(name);
        let mut file =
            AtomicFile::create(&path).map_err(io_err(format!("creating {}", path.display())))?;
        writeln!(file, "{header}").map_err(io_err(format!("writing {}", path.display())))?;
        Ok(Assembled { file })
    }

    /// Append each line of a stored run's file, prefixed.
    fn append(&mut self, part: &Path, prefix: &str) -> Result<(), BatchError> {
        let f = fs::File::open(part).map_err(io_err(format!("reading {}", part.display())))?;
        for line in io::BufReader::new(f).lines() {
            let line = line.map_err(io_err(format!("reading {}", part.display())))?;
            writeln!(self.file, "{prefix}{line}")
                .map_err(io_err(format!("writing {}", self.file.path().display())))?;
        }
        Ok(())
    }

    fn finish(self) -> Result<(), BatchError> {
        let path = self.file.path().to_path_buf();
        self.file
            .commit()
            .map_err(io_err(format!("writing {}", path.display())))
    }
}

/// Assemble the final files from the stored runs, in run order; returns
/// the seconds a sensitivity design's analysis took (0 for a plain sweep).
pub(crate) fn assemble(out: &Path, m: &Manifest) -> Result<f64, BatchError> {
    let grid = m.grid();
    // A design's runs also say which point they ran at, and its values.
    let design_keys = m.design.as_ref().map(|d| d.keys.as_slice());
    let mut runs_csv = Assembled::create(
        out,
        runs::RUNS,
        &runs::header(&m.swept, design_keys, m.ensemble.is_some()),
    )?;
    let mut ts = Assembled::create(out, series::TIMESERIES, &series::timeseries_header())?;
    let mut ag = Assembled::create(out, series::AGENCIES, &series::agencies_header())?;
    let mut cs = Assembled::create(out, series::COST_SHIFTING, &series::cost_shifting_header())?;
    for id in grid.runs() {
        let dir = id.folder(out);
        if !dir.is_dir() {
            continue;
        }
        let r = id.replicate;
        let run_id = grid.flat(id);
        let Some(&seed) = m.replicate_seeds.get(r as usize) else {
            return Err(BatchError::BadInput(format!(
                "{}/manifest.json has no seed for replicate {r}",
                out.display()
            )));
        };
        let variant = &m.variants[id.variant as usize];
        let point = m.design.as_ref().map(|d| {
            let values = d.points.get(id.design_point as usize);
            (id.design_point, values.map_or(&[][..], Vec::as_slice))
        });
        // An ensemble's replicate runs every variant with the member it drew.
        let member = match &m.ensemble {
            None => None,
            Some(e) => Some(*e.replicate_members.get(r as usize).ok_or_else(|| {
                BatchError::BadInput(format!(
                    "{}/manifest.json has no ensemble member for replicate {r}",
                    out.display()
                ))
            })?),
        };
        let extras = runs::RowExtras {
            design_point: point,
            ensemble_member: member,
        };
        runs_csv.append(
            &dir.join(runs::OUTCOMES),
            &runs::row_start(
                run_id,
                &variant.name,
                r,
                seed,
                &variant.swept_values,
                extras,
            ),
        )?;
        let start = series::row_start(run_id);
        ts.append(&dir.join(series::TIMESERIES), &start)?;
        ag.append(&dir.join(series::AGENCIES), &start)?;
        cs.append(&dir.join(series::COST_SHIFTING), &start)?;
    }
    runs_csv.finish()?;
    ts.finish()?;
    ag.finish()?;
    cs.finish()?;
    let path = out.join(comparison::COMPARISON);
    comparison::write(&path, &paired(out, m)?)
        .map_err(io_err(format!("writing {}", path.display())))?;
    let analysis = std::time::Instant::now();
    crate::sensitivity::write_files(out, m)?;
    Ok(analysis.elapsed().as_secs_f64())
}
