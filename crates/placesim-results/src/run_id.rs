//! Which run is which: a run is a replicate of a variant at a design point,
//! numbered in files by one flat `run_id`, and stored in a folder of its own.
//!
//! The flat number is `(design_point × V + variant) × R + replicate` (V
//! variants, R replicates): design-point-major, then variant, then
//! replicate. A sweep has one design point, so its ids are `variant × R +
//! replicate`, as documented in `docs/OUTPUTS.md`.

use std::path::{Path, PathBuf};

/// The folder of a results folder that holds one folder per stored run.
pub const RUNS_DIR: &str = "runs";

/// One run of a sweep.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RunId {
    pub design_point: u32,
    /// Index of the variant, in the sweep file's order.
    pub variant: u32,
    pub replicate: u32,
}

impl RunId {
    /// A run of a plain sweep (design point 0).
    pub fn new(variant: u32, replicate: u32) -> RunId {
        RunId {
            design_point: 0,
            variant,
            replicate,
        }
    }

    /// The run's folder name: `vVVVV-rRRRRRR`, prefixed `dDDDD-` for design points after the first.
    pub fn folder_name(&self) -> String {
        let (v, r) = (self.variant, self.replicate);
        match self.design_point {
            0 => format!("v{v:04}-r{r:06}"),
            d => format!("d{d:04}-v{v:04}-r{r:06}"),
        }
    }

    /// The run's folder in the results folder `results`.
    pub fn folder(&self, results: &Path) -> PathBuf {
        results.join(RUNS_DIR).join(self.folder_name())
    }
}

/// The extent of a sweep's runs, which turns run ids into flat numbers and back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RunGrid {
    pub design_points: u32,
    pub variants: u32,
    pub replicates: u32,
}

impl RunGrid {
    /// The flat `run_id` of a run, as written in the files.
    pub fn flat(&self, id: RunId) -> u64 {
        (id.design_point as u64 * self.variants as u64 + id.variant as u64) * self.replicates as u64
            + id.replicate as u64
    }

    /// The run a flat `run_id` stands for, if the grid has it.
    pub fn run(&self, flat: u64) -> Option<RunId> {
        if flat >= self.len() {
            return None;
        }
        let (v, r) = (self.variants as u64, self.replicates as u64);
        Some(RunId {
            design_point: (flat / r / v) as u32,
            variant: (flat / r % v) as u32,
            replicate: (flat % r) as u32,
        })
    }

    /// How many runs.
    pub fn len(&self) -> u64 {
        self.design_points as u64 * self.variants as u64 * self.replicates as u64
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every run, in run-id order.
    pub fn runs(&self) -> impl Iterator<Item = RunId> {
        let RunGrid {
            design_points,
            variants,
            replicates,
        } = *self;
        (0..design_points).flat_map(move |design_point| {
            (0..variants).flat_map(move |variant| {
                (0..replicates).map(move |replicate| RunId {
                    design_point,
                    variant,
                    replicate,
                })
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plain_sweep_keeps_variant_major_ids_and_folder_names() {
        let grid = RunGrid {
            design_points: 1,
            variants: 8,
            replicates: 100,
        };
        let id = RunId::new(3, 17);
        assert_eq!(grid.flat(id), 317);
        assert_eq!(grid.run(317), Some(id));
        assert_eq!(grid.run(800), None);
        assert_eq!(id.folder_name(), "v0003-r000017");
        assert_eq!(
            id.folder(Path::new("out")),
            Path::new("out/runs/v0003-r000017")
        );
    }

    #[test]
    fn flat_ids_count_every_run_once_in_order() {
        let grid = RunGrid {
            design_points: 3,
            variants: 4,
            replicates: 5,
        };
        let ids: Vec<RunId> = grid.runs().collect();
        assert_eq!(ids.len() as u64, grid.len());
        for (k, id) in ids.iter().enumerate() {
            assert_eq!(grid.flat(*id), k as u64);
            assert_eq!(grid.run(k as u64), Some(*id));
        }
        assert_eq!(ids[59].folder_name(), "d0002-v0003-r000004");
        let empty = RunGrid {
            replicates: 0,
            ..grid
        };
        assert_eq!(empty.run(0), None);
    }
}
