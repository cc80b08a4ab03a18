//! One module per command; each holds its own arguments (those shared by
//! several commands are in `cli`) and the function `main` dispatches to.
//! A command's help is the doc comment of its variant in `cli::Command`, so
//! the argument structs here carry none.

pub mod bench;
pub mod benchmark;
pub mod calibrate;
pub mod check;
pub mod discover;
pub mod merge;
pub mod plot;
pub mod rerun;
pub mod run;
pub mod scenarios;
pub mod schema;
pub mod sensitivity;
pub mod serve;
pub mod slurm;
pub mod sweep;

use crate::failure::Failure;
use std::fs;
use std::path::Path;

/// Refuse an output path that is a file, or a non-empty folder without --force.
pub fn check_output_folder(out: &Path, force: bool) -> Result<(), Failure> {
    match fs::metadata(out) {
        Ok(m) if !m.is_dir() => Err(Failure::BadInput(format!(
            "output path {} is a file, not a folder; give --out a folder",
            out.display()
        ))),
        Ok(_) => {
            // The lock file alone does not make a folder non-empty.
            let non_empty = !placesim_results::lock::is_empty_but_lock(out).map_err(|e| {
                Failure::BadInput(format!("cannot read output folder {}: {e}", out.display()))
            })?;
            if non_empty && !force {
                Err(Failure::BadInput(format!(
                    "output folder {} is not empty; add --force to overwrite it or choose another --out",
                    out.display()
                )))
            } else {
                Ok(())
            }
        }
        Err(_) => Ok(()),
    }
}
