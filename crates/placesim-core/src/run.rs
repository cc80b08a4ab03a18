//! The one run driver: build a place, warm it up, step it week by week,
//! hand the weeks on the output cadence to whoever keeps them, finish.
//!
//! `placesim run`, `rerun`, every run of a sweep or shard, `bench` and the
//! dashboard's worlds all go through [`Run`], so that "which weeks are kept"
//! and "when is a run finished" have one definition.

use crate::metrics::{AgencyRow, CostShiftRow, Summary, TickRow};
use crate::params::Params;
use crate::world::World;

/// One run of a place from its parameters to its summary.
#[derive(Clone)]
pub struct Run {
    world: World,
    every_weeks: u32,
}

/// A week the run has just completed.
pub struct Week<'a> {
    pub world: &'a World,
    /// True when the week falls on the output cadence: its rows are kept.
    pub sampled: bool,
}

impl Week<'_> {
    /// The place row of the week.
    pub fn place(&self) -> &TickRow {
        self.world.tick_row()
    }
    /// The agency rows of the week.
    pub fn agencies(&self) -> &[AgencyRow] {
        self.world.agency_rows()
    }
}

/// What a finished run leaves.
pub struct Finished {
    pub summary: Summary,
    pub cost_shifting: Vec<CostShiftRow>,
    pub world: World,
}

impl Run {
    /// Build the place; keep every `every_weeks`-th week (1: every week).
    /// `params` must have no [`Params::problems`].
    pub fn new(params: Params, every_weeks: u32) -> Run {
        Run {
            world: World::new(params),
            every_weeks: every_weeks.max(1),
        }
    }

    pub fn world(&self) -> &World {
        &self.world
    }

    /// The world, for a live view that changes barriers or follows citizens.
    pub fn world_mut(&mut self) -> &mut World {
        &mut self.world
    }

    pub fn is_finished(&self) -> bool {
        self.world.is_finished()
    }

    /// True once the warm-up weeks have been run.
    pub fn is_warm(&self) -> bool {
        self.world.tick() >= self.world.params().place.warmup_weeks
    }

    /// Whether the week with this tick is kept in the time series.
    pub fn samples(&self, tick: u32) -> bool {
        tick.is_multiple_of(self.every_weeks)
    }

    /// Step one week (nothing once finished) and return it.
    pub fn step(&mut self) -> Week<'_> {
        self.world.step();
        let sampled = self.samples(self.world.tick_row().week);
        Week {
            world: &self.world,
            sampled,
        }
    }

    /// Step through the rest of the warm-up, handing every week to `each`.
    pub fn warm_up(&mut self, mut each: impl FnMut(Week<'_>)) {
        while !self.is_warm() && !self.is_finished() {
            each(self.step());
        }
    }

    /// Step every remaining week, handing every week to `each`; stop at the
    /// first error `each` returns.
    pub fn to_end<E>(&mut self, mut each: impl FnMut(Week<'_>) -> Result<(), E>) -> Result<(), E> {
        while !self.is_finished() {
            each(self.step())?;
        }
        Ok(())
    }

    /// The run-level outputs of a finished run.
    pub fn finish(self) -> Finished {
        debug_assert!(self.world.is_finished());
        Finished {
            summary: self.world.summary(),
            cost_shifting: self.world.cost_shifting(),
            world: self.world,
        }
    }
}

/// A week of a burn-in kept on the output cadence.
#[derive(Clone, Debug)]
pub struct KeptWeek {
    pub place: TickRow,
    pub agencies: Vec<AgencyRow>,
}

/// A place after its burn-in (its warm-up weeks), with the warm-up weeks it
/// kept on the output cadence: the one start every variant of a sweep's
/// replicate continues from, so the pairing of variants holds from week 0 of
/// the counted years and the burn-in is paid once.
#[derive(Clone)]
pub struct BurnedIn {
    run: Run,
    kept: Vec<KeptWeek>,
}

impl BurnedIn {
    /// Burn `params`'s place in, keeping every `every_weeks`-th warm-up week.
    pub fn new(params: Params, every_weeks: u32) -> BurnedIn {
        let mut run = Run::new(params, every_weeks);
        let mut kept = Vec::new();
        run.warm_up(|week| {
            if week.sampled {
                kept.push(KeptWeek {
                    place: week.place().clone(),
                    agencies: week.agencies().to_vec(),
                });
            }
        });
        BurnedIn { run, kept }
    }

    /// The parameters the place was burned in under.
    pub fn params(&self) -> &Params {
        self.run.world.params()
    }

    /// The warm-up weeks kept, in order.
    pub fn kept(&self) -> &[KeptWeek] {
        &self.kept
    }

    /// Whether a run with `params` can continue this burn-in (see
    /// [`World::can_continue_as`]).
    pub fn fits(&self, params: &Params) -> bool {
        self.run.world.can_continue_as(params)
    }

    /// A run that continues this burned-in place under `params`, from week 0
    /// of the counted years. `params` must [fit](Self::fits).
    pub fn continue_as(&self, params: Params) -> Run {
        let mut run = self.run.clone();
        run.world.continue_as(params);
        run
    }
}
