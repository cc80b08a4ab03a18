//! Shards: a fixed split of a sweep's runs so a scheduler (a Slurm job
//! array, a Kubernetes indexed job) can run them as separate jobs.
//!
//! The assignment is fixed and documented (docs/CLUSTER.md): the run of
//! variant `v` (0-based, in the sweep file's order) and replicate `r` belongs
//! to shard `(r × V + v) mod N`, where `V` is the number of variants. Counting
//! replicate-major spreads each variant evenly over the shards, and does not
//! depend on the number of replicates, so growing a sweep keeps every
//! existing run in its shard.

use placesim_results::{ManifestShard, RunGrid, RunId};
use serde::{Deserialize, Serialize};

/// Shard `index` of `count` (index counted from 0).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

/// The most shards a sweep may be split into.
pub const MAX_SHARDS: u32 = 100_000;

impl Shard {
    pub fn new(index: u32, count: u32) -> Result<Shard, String> {
        if count == 0 || count > MAX_SHARDS {
            return Err(format!(
                "the number of shards must be between 1 and {MAX_SHARDS}, not {count}"
            ));
        }
        if index >= count {
            return Err(format!(
                "shard {index} does not exist: shards of {count} are numbered 0 to {}",
                count - 1
            ));
        }
        Ok(Shard { index, count })
    }

    /// `K/N`, e.g. `3/16`.
    pub fn parse(text: &str) -> Result<Shard, String> {
        let (k, n) = text
            .split_once('/')
            .ok_or_else(|| format!("--shard: expected K/N such as 0/4, not `{text}`"))?;
        let number = |s: &str, what: &str| {
            s.trim()
                .parse::<u32>()
                .map_err(|_| format!("--shard: {what} in `{text}` must be a whole number"))
        };
        Shard::new(number(k, "K")?, number(n, "N")?).map_err(|e| format!("--shard: {e}"))
    }

    /// From a scheduler's environment: Slurm's job array
    /// (`SLURM_ARRAY_TASK_ID − SLURM_ARRAY_TASK_MIN` of `SLURM_ARRAY_TASK_COUNT`),
    /// or a Kubernetes indexed job (`JOB_COMPLETION_INDEX` of `count`).
    pub fn from_env(
        var: impl Fn(&str) -> Option<String>,
        count: Option<u32>,
    ) -> Result<Shard, String> {
        let number =
            |name: &str| -> Result<Option<u32>, String> {
                match var(name) {
                    None => Ok(None),
                    Some(v) => v.trim().parse().map(Some).map_err(|_| {
                        format!("--shard-from-env: {name}=`{v}` is not a whole number")
                    }),
                }
            };
        if let Some(task) = number("SLURM_ARRAY_TASK_ID")? {
            let min = number("SLURM_ARRAY_TASK_MIN")?.unwrap_or(0);
            let n = number("SLURM_ARRAY_TASK_COUNT")?.ok_or(
                "--shard-from-env: SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_COUNT is not",
            )?;
            if let Some(c) = count {
                if c != n {
                    return Err(format!(
                        "--shard-from-env: --shards {c} disagrees with SLURM_ARRAY_TASK_COUNT={n}"
                    ));
                }
            }
            let k = task.checked_sub(min).ok_or_else(|| {
                format!("--shard-from-env: SLURM_ARRAY_TASK_ID={task} is below SLURM_ARRAY_TASK_MIN={min}")
            })?;
            return Shard::new(k, n).map_err(|e| format!("--shard-from-env: {e}"));
        }
        if let Some(k) = number("JOB_COMPLETION_INDEX")? {
            let n = count.ok_or(
                "--shard-from-env: JOB_COMPLETION_INDEX is set; give the number of shards with --shards N",
            )?;
            return Shard::new(k, n).map_err(|e| format!("--shard-from-env: {e}"));
        }
        Err("--shard-from-env: neither SLURM_ARRAY_TASK_ID (Slurm job array) nor JOB_COMPLETION_INDEX (Kubernetes indexed job) is set".into())
    }

    /// Does this shard hold run `id` of a sweep of extent `grid`? Runs are
    /// dealt out in turn, variant fastest, so each shard holds whole
    /// replicates where it can (a replicate's variants share a burn-in).
    pub fn holds(&self, id: RunId, grid: RunGrid) -> bool {
        let turn = (id.design_point as u64 * grid.replicates as u64 + id.replicate as u64)
            * grid.variants as u64
            + id.variant as u64;
        turn % self.count as u64 == self.index as u64
    }

    /// The shard's folder under the sweep's shards folder.
    pub fn folder_name(&self) -> String {
        format!("shard-{:04}-of-{:04}", self.index, self.count)
    }
}

/// A shard's manifest records which shard it is.
impl From<Shard> for ManifestShard {
    fn from(s: Shard) -> ManifestShard {
        ManifestShard {
            index: s.index,
            count: s.count,
        }
    }
}

impl From<ManifestShard> for Shard {
    fn from(s: ManifestShard) -> Shard {
        Shard {
            index: s.index,
            count: s.count,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_run_is_in_exactly_one_shard_and_shards_are_balanced() {
        for design_points in [1, 3] {
            for n in [1, 3, 4, 7] {
                let grid = RunGrid {
                    design_points,
                    variants: 8,
                    replicates: 10,
                };
                let mut sizes = vec![0; n as usize];
                for id in grid.runs() {
                    let owners: Vec<u32> = (0..n)
                        .filter(|&k| Shard::new(k, n).unwrap().holds(id, grid))
                        .collect();
                    assert_eq!(owners.len(), 1);
                    sizes[owners[0] as usize] += 1;
                }
                assert!(
                    sizes.iter().max().unwrap() - sizes.iter().min().unwrap() <= 1,
                    "{sizes:?}"
                );
            }
        }
    }

    #[test]
    fn shards_are_read_from_flags_and_schedulers() {
        assert_eq!(
            Shard::parse("3/16"),
            Ok(Shard {
                index: 3,
                count: 16
            })
        );
        assert!(Shard::parse("16/16")
            .unwrap_err()
            .contains("numbered 0 to 15"));
        assert!(Shard::parse("0/0").unwrap_err().contains("between 1 and"));
        assert!(Shard::parse("a/4").unwrap_err().contains("whole number"));
        assert!(Shard::parse("4").unwrap_err().contains("K/N"));
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| v.to_string())
            }
        };
        let slurm = env(&[
            ("SLURM_ARRAY_TASK_ID", "12"),
            ("SLURM_ARRAY_TASK_MIN", "10"),
            ("SLURM_ARRAY_TASK_COUNT", "4"),
        ]);
        assert_eq!(
            Shard::from_env(slurm, None),
            Ok(Shard { index: 2, count: 4 })
        );
        assert!(Shard::from_env(slurm, Some(5))
            .unwrap_err()
            .contains("disagrees"));
        let k8s = env(&[("JOB_COMPLETION_INDEX", "1")]);
        assert_eq!(
            Shard::from_env(k8s, Some(3)),
            Ok(Shard { index: 1, count: 3 })
        );
        assert!(Shard::from_env(k8s, None)
            .unwrap_err()
            .contains("--shards N"));
        assert!(Shard::from_env(env(&[]), None)
            .unwrap_err()
            .contains("neither"));
        assert!(Shard::from_env(env(&[("SLURM_ARRAY_TASK_ID", "x")]), None)
            .unwrap_err()
            .contains("not a whole number"));
    }
}
