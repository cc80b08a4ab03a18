//! `placesim run`: one place, its weekly output files and its summary table.

use super::check_output_folder;
use crate::args::WorldArgs;
use crate::failure::Failure;
use crate::print::{print_summary, progress};
use placesim_batch::output;
use placesim_core::{Finished, Run};
use placesim_results::FolderLock;
use std::fs;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub world: WorldArgs,
    /// Output folder [default: out/<scenario name>-seed<N>/]. Must be empty or new unless --force.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Overwrite the outputs of an earlier run in the output folder.
    #[arg(long)]
    pub force: bool,
}

pub fn run(args: &WorldArgs, out: Option<PathBuf>, force: bool) -> Result<(), Failure> {
    let scenario = args.scenario()?;
    let params = scenario.params;
    let out = out.unwrap_or_else(|| {
        PathBuf::from(format!("out/{}-seed{}", scenario.name, params.place.seed))
    });
    let pool = args.pool()?;
    let created = !out.exists();
    if created {
        fs::create_dir_all(&out).map_err(|e| {
            Failure::BadInput(format!(
                "cannot create output folder {}: {e}",
                out.display()
            ))
        })?;
    }
    // One writer per folder; the folder rules are checked under the lock.
    let lock = if out.is_dir() {
        FolderLock::take(&out)
            .map(Some)
            .map_err(|e| Failure::BadInput(e.to_string()))
    } else {
        Ok(None)
    };
    let _lock = match lock.and_then(|l| check_output_folder(&out, force).map(|()| l)) {
        Ok(l) => l,
        Err(e) => {
            if created {
                let _ = fs::remove_dir_all(&out);
            }
            return Err(e);
        }
    };
    let total = params.place.total_weeks() as u64;
    let bar = progress(total, "weeks");
    let written = (|| -> Result<Finished, Failure> {
        let mut writer =
            output::RunWriter::create(&out).map_err(|e| Failure::Failed(e.to_string()))?;
        // The whole run inside the pool: the serial agency phases then run on a
        // worker that shares the citizen pass, not on a thread that hands each
        // week over (measured: better 1 -> 2 thread scaling at 10^6 citizens).
        let finished = pool.install(|| -> Result<Finished, Failure> {
            let mut run = Run::new(params, scenario.output.every_weeks);
            run.to_end(|week| {
                writer
                    .week(&week)
                    .map_err(|e| Failure::Failed(e.to_string()))?;
                bar.inc(1);
                Ok::<(), Failure>(())
            })?;
            Ok(run.finish())
        })?;
        writer
            .finish(&finished)
            .map_err(|e| Failure::Failed(e.to_string()))?;
        Ok(finished)
    })();
    bar.finish_and_clear();
    // A failed run leaves the folder as it found it: the writer has removed
    // its temporary files, and a folder this command created goes too.
    let finished = match written {
        Ok(finished) => finished,
        Err(e) => {
            if created {
                let _ = fs::remove_dir_all(&out);
            }
            return Err(e);
        }
    };
    print_summary(&finished.summary, &out);
    Ok(())
}
