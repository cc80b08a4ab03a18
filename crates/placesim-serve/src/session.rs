//! A trainer's session: two worlds of the same place, on the same seed,
//! stepped together so they stay identical until one of them is changed.
//! Each world is a run of the core's run driver, like any other run; what the
//! page is sent of them is `frame`'s business.

use placesim_core::params::BarrierKind;
use placesim_core::world::{JournalEntry, World};
use placesim_core::{Params, Run, TickRow};

/// Weeks shown after warm-up before a session stops by itself.
pub const MAX_WEEKS: u32 = 1040;
/// The most happenings kept for a followed citizen.
const MAX_JOURNEY_EVENTS: usize = 2000;

/// What a session starts from (and goes back to on reset).
#[derive(Clone, Debug, PartialEq)]
pub struct Setup {
    pub preset: String,
    pub seed: u64,
    pub population: u32,
}

/// A citizen being followed in one world: its needs each week and what happened to it.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct Journey {
    pub citizen: u32,
    /// Warm-up weeks: an event's week is its tick minus these.
    pub warmup: u32,
    /// Week (after warm-up) of the first entry of `needs`.
    pub from_week: u32,
    pub needs: Vec<Vec<f32>>,
    pub events: Vec<JournalEntry>,
}

/// One of the two worlds, with what the page needs of its past.
pub struct Pane {
    /// Every week is kept: the page charts them all.
    run: Run,
    /// Every week's place-level row since the start (warm-up included).
    pub rows: Vec<TickRow>,
    pub journey: Option<Journey>,
}

impl Pane {
    fn new(params: Params) -> Pane {
        let mut run = Run::new(params, 1);
        run.world_mut().keep_journal(true);
        let warmup = run.world().params().place.warmup_weeks;
        let mut rows = Vec::with_capacity((warmup + MAX_WEEKS) as usize);
        run.warm_up(|week| rows.push(week.place().clone()));
        Pane {
            run,
            rows,
            journey: None,
        }
    }

    fn step(&mut self) {
        let week = self.run.step();
        self.rows.push(week.place().clone());
        let world = week.world;
        if let Some(j) = &mut self.journey {
            let c = &world.citizens()[j.citizen as usize];
            let n = world.params().needs.n_domains();
            j.needs.push(c.needs[..n].to_vec());
            let id = j.citizen;
            j.events.extend(
                world
                    .journal()
                    .iter()
                    .filter(|e| e.citizen.0 == id)
                    .copied(),
            );
            let excess = j.events.len().saturating_sub(MAX_JOURNEY_EVENTS);
            j.events.drain(..excess);
        }
    }

    /// The world as it stands after the last week run.
    pub fn world(&self) -> &World {
        self.run.world()
    }

    /// Weeks run after warm-up.
    pub fn week(&self) -> u32 {
        let world = self.world();
        world.tick() - world.params().place.warmup_weeks
    }

    /// Follow citizen `id` from now on.
    pub fn follow(&mut self, id: u32) {
        let world = self.run.world();
        let c = &world.citizens()[id as usize];
        let n = world.params().needs.n_domains();
        self.journey = Some(Journey {
            citizen: id,
            warmup: world.params().place.warmup_weeks,
            from_week: self.week(),
            needs: vec![c.needs[..n].to_vec()],
            events: Vec::new(),
        });
    }
}

/// Both worlds and the clock that drives them.
pub struct Live {
    pub setup: Setup,
    pub panes: [Pane; 2],
    pub playing: bool,
    /// Weeks per second while playing.
    pub speed: f64,
    /// Fraction of a week owed to the clock.
    owed: f64,
    /// Bumped whenever something the page shows changes, so idle sessions
    /// send nothing; it only grows, so the page can drop a stale frame.
    pub version: u64,
    /// Bumped at every reset, so the page knows to forget the old series.
    pub generation: u64,
}

impl Live {
    pub fn new(setup: Setup, params: Params) -> Live {
        Live {
            panes: [Pane::new(params.clone()), Pane::new(params)],
            setup,
            playing: false,
            speed: 10.0,
            owed: 0.0,
            version: 1,
            generation: 0,
        }
    }

    /// Start again from `fresh`, keeping the speed; version and generation move on.
    pub fn restart(&mut self, mut fresh: Live) {
        fresh.speed = self.speed;
        fresh.version = self.version + 1;
        fresh.generation = self.generation + 1;
        *self = fresh;
    }

    pub fn finished(&self) -> bool {
        self.panes[0].week() >= MAX_WEEKS || self.panes[0].run.is_finished()
    }

    /// One week in both worlds.
    pub fn step(&mut self) {
        if self.finished() {
            self.playing = false;
            return;
        }
        for pane in &mut self.panes {
            pane.step();
        }
        self.version += 1;
    }

    /// Advance the clock by `seconds` of wall time while playing; at most
    /// `max_weeks` weeks at once, so a late tick never stalls the server.
    pub fn advance(&mut self, seconds: f64, max_weeks: u32) {
        if !self.playing {
            self.owed = 0.0;
            return;
        }
        self.owed += seconds * self.speed;
        let weeks = (self.owed.floor() as u32).min(max_weeks);
        self.owed = (self.owed - weeks as f64).min(1.0);
        for _ in 0..weeks {
            self.step();
        }
    }

    pub fn set_barrier(&mut self, world: usize, kind: BarrierKind, strength: f32) {
        let w = self.panes[world].run.world_mut();
        let mut b = w.barriers();
        b.set(kind, strength);
        w.set_barriers(b);
        self.version += 1;
    }

    pub fn set_leadership(&mut self, world: usize, weight: f32) {
        self.panes[world]
            .run
            .world_mut()
            .set_whole_systems_weight(weight);
        self.version += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A dashboard world keeps every week of its run, warm-up first, and
    /// stops where any other run of the same parameters stops.
    #[test]
    fn a_pane_keeps_every_week_of_the_run() {
        let mut params = placesim_scenario::preset("silos", &[]).unwrap().params;
        params.place.population = 300;
        params.place.warmup_weeks = 4;
        params.place.weeks = 6;
        let setup = Setup {
            preset: "silos".into(),
            seed: params.place.seed,
            population: 300,
        };
        let mut live = Live::new(setup, params.clone());
        assert_eq!(live.panes[0].rows.len(), 4);
        assert_eq!(live.panes[0].week(), 0);
        while !live.finished() {
            live.step();
        }
        assert_eq!(live.panes[0].week(), 6);
        let mut run = Run::new(params, 1);
        let mut rows = Vec::new();
        run.to_end(|week| {
            rows.push(week.place().clone());
            Ok::<(), ()>(())
        })
        .unwrap();
        let json = |rows: &[TickRow]| serde_json::to_string(rows).unwrap();
        assert_eq!(json(&live.panes[0].rows), json(&rows));
        assert_eq!(json(&live.panes[1].rows), json(&rows));
    }
}
