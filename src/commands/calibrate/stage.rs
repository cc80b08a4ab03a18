//! A stage of a calibration's runs — the synthetic truth, a wave, the
//! posterior's runs — run as a sweep of given points, whole or in shards.
//!
//! Whole, a stage is the sweep folder `DIR/NAME/` (resumed after a kill).
//! With `--shard K/N`, each process runs shard K of the stage into
//! `DIR/shards/NAME/shard-KKKK-of-NNNN/` (a sweep shard: the runs dealt
//! out as `placesim sweep --shard` deals them) and reads the other shards'
//! runs where they are; a stage whose runs are not all in yet stops the
//! process (every later stage depends on it). Run the shards again once
//! they are all done, and they go on to the next stage; `--resume` without
//! `--shard` merges each stage's shards into `DIR/NAME/` (`placesim merge`)
//! and writes the results. Each run's seed depends on its point and
//! replicate only, so a sharded calibration equals the whole one.

use super::{model_value, Goal};
use crate::failure::Failure;
use placesim_batch::Shard;
use placesim_results::runs;
use placesim_results::RunId;
use placesim_scenario::uncertainty::Uncertain;
use std::path::{Path, PathBuf};

/// Why a calibration stopped before its end: a failure, or a shard that
/// has done its part of a stage whose other runs are not in yet.
pub enum Halt {
    Failure(Failure),
    ShardDone(String),
}

impl Halt {
    /// Bad input.
    pub fn bad(message: String) -> Halt {
        Halt::Failure(Failure::BadInput(message))
    }
}

impl From<Failure> for Halt {
    fn from(f: Failure) -> Halt {
        Halt::Failure(f)
    }
}

/// Each run's value of each goal: `[point][replicate][goal]`.
pub type StageRuns = Vec<Vec<Vec<f64>>>;

/// The folder that holds the shards of every stage.
pub const SHARDS: &str = "shards";

/// What every stage shares.
pub struct Runner<'a> {
    pub sweep: &'a placesim_scenario::Sweep,
    pub uncertain: &'a [Uncertain],
    pub file: &'a str,
    pub goals: &'a [Goal],
    pub pool: &'a rayon::ThreadPool,
    pub out: &'a Path,
    pub shard: Option<Shard>,
    pub quiet: bool,
}

/// One stage: its folder's name, its points (unit cube), its replicates
/// and seed, and how progress names it.
pub struct Stage<'a> {
    pub name: &'a str,
    pub points: &'a [Vec<f64>],
    pub replicates: u32,
    pub seed: u64,
    pub label: &'a str,
}

impl Runner<'_> {
    /// Each run's value of each goal (`[point][replicate][goal]`), the
    /// runs made first where they are missing; with a shard, only its own,
    /// and [`Halt::ShardDone`] while other shards' runs are missing.
    pub fn runs(&self, stage: &Stage) -> Result<StageRuns, Halt> {
        let whole = self.out.join(stage.name);
        let shards = self.out.join(SHARDS).join(stage.name);
        let complete = whole.join(placesim_results::manifest::MANIFEST).exists();
        match self.shard {
            Some(shard) if !complete => {
                self.sweep_into(stage, &shards, Some(shard))?;
                let mut folders = shard_folders(&shards);
                folders.push(whole);
                let (values, missing) = self.read(stage, &folders)?;
                if missing > 0 {
                    return Err(Halt::ShardDone(format!(
                        "shard {} of {}: its runs of {} are done; {missing} of the stage's {} runs are still to come from other shards. When every shard is done, run the shards again to go on (or finish with --resume without --shard)",
                        shard.index,
                        shard.count,
                        stage.label,
                        stage.points.len() * stage.replicates as usize
                    )));
                }
                Ok(values)
            }
            _ => {
                if !complete && shards.exists() {
                    self.merge_shards(stage, &shards, &whole)?;
                }
                self.sweep_into(stage, &whole, None)?;
                let (values, missing) = self.read(stage, std::slice::from_ref(&whole))?;
                if missing > 0 {
                    return Err(Failure::Failed(format!(
                        "{}: {missing} runs missing after the sweep",
                        whole.display()
                    ))
                    .into());
                }
                Ok(values)
            }
        }
    }

    /// Merge a stage's shards into its whole folder: refused, naming the
    /// shards, unless every shard's runs are in.
    fn merge_shards(&self, stage: &Stage, shards: &Path, whole: &Path) -> Result<(), Failure> {
        let folders = shard_folders(shards);
        let (_, missing) = self.read(stage, &folders)?;
        if missing > 0 {
            return Err(Failure::BadInput(format!(
                "{} holds shards of {} with {missing} of its runs still missing; finish the shards (`--shard K/N`), or remove {} to run the stage here",
                shards.display(),
                stage.label,
                shards.display()
            )));
        }
        placesim_batch::merge(&folders, whole, false)?;
        Ok(())
    }

    /// Run a stage's points (or one shard of them) into `dir`, resuming
    /// what is there.
    fn sweep_into(&self, stage: &Stage, dir: &Path, shard: Option<Shard>) -> Result<(), Failure> {
        let design =
            self.sweep
                .clone()
                .with_given_points(self.uncertain, self.file, stage.points)?;
        let folder = match shard {
            Some(s) => dir.join(s.folder_name()),
            None => dir.to_path_buf(),
        };
        let opts = placesim_batch::SweepOptions {
            out: dir.to_path_buf(),
            replicates: Some(stage.replicates),
            seed: Some(stage.seed),
            resume: folder.join(placesim_results::manifest::MANIFEST).exists(),
            force: false,
            every_weeks: None,
            shard,
        };
        let plan = placesim_batch::plan_sweep(&design, &opts)?;
        let total = plan.total();
        let label = stage.label;
        let bar = (!self.quiet && std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .then(|| crate::print::progress_with_message(total, "runs"));
        if !self.quiet && bar.is_none() {
            eprintln!("{label}: {} of {total} runs to go", plan.to_run());
        }
        let report = self.pool.install(|| {
            plan.run(&|p: placesim_batch::Progress| {
                if let Some(b) = &bar {
                    b.set_position(p.done);
                    b.set_message(label.to_string());
                }
            })
        })?;
        if let Some(b) = &bar {
            b.finish_and_clear();
        }
        if let Some(f) = report.failed.first() {
            return Err(Failure::Failed(format!(
                "{label}: {} runs failed; the first ({} replicate {}): {}",
                report.failed.len(),
                f.variant,
                f.replicate,
                f.error
            )));
        }
        Ok(())
    }

    /// Each run's values, read from the first of `folders` that holds the
    /// run (a run's folder appears only once it is complete), and how many
    /// runs none holds (their values NaN).
    fn read(&self, stage: &Stage, folders: &[PathBuf]) -> Result<(StageRuns, usize), Failure> {
        let mut missing = 0;
        let mut out = Vec::with_capacity(stage.points.len());
        for p in 0..stage.points.len() {
            let mut reps = Vec::with_capacity(stage.replicates as usize);
            for r in 0..stage.replicates {
                let id = RunId {
                    design_point: p as u32,
                    variant: 0,
                    replicate: r,
                };
                let Some(folder) = folders
                    .iter()
                    .map(|d| id.folder(d))
                    .find(|f| f.join(placesim_results::runs::OUTCOMES).exists())
                else {
                    missing += 1;
                    reps.push(vec![f64::NAN; self.goals.len()]);
                    continue;
                };
                let read = |e: String| Failure::Failed(format!("{}: {e}", folder.display()));
                let outcomes = runs::read_outcomes(&folder).map_err(|e| read(e.to_string()))?;
                let activity = runs::read_activity(&folder).map_err(|e| read(e.to_string()))?;
                reps.push(
                    self.goals
                        .iter()
                        .map(|g| model_value(&g.output, &outcomes, &activity))
                        .collect(),
                );
            }
            out.push(reps);
        }
        Ok((out, missing))
    }
}

/// The shard folders of a stage, in name order.
fn shard_folders(shards: &Path) -> Vec<PathBuf> {
    let mut folders: Vec<PathBuf> = std::fs::read_dir(shards)
        .map(|d| {
            d.filter_map(|e| e.ok())
                .map(|e| e.path())
                .filter(|p| {
                    p.is_dir()
                        && p.file_name()
                            .and_then(|n| n.to_str())
                            .is_some_and(|n| n.starts_with("shard-"))
                })
                .collect()
        })
        .unwrap_or_default();
    folders.sort();
    folders
}
