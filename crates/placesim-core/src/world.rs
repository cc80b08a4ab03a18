//! The world of one place and its weekly step:
//! `life_events → seek_help → triage → serve → refer → finance → adapt → record`.
//!
//! `World` holds the state and runs the pipeline; the mechanisms live in the
//! phase modules (`citizen`, `triage`, `service`, `referral`, `finance`,
//! `adapt`, `record`) and every effect of a barrier in `barriers`. The
//! citizen phases run in parallel over fixed chunks of citizens, each with
//! its own keyed random stream, and return contacts; the agency phases apply
//! them serially in chunk order. Agent order never matters and the result is
//! bit-identical for any thread count.

use crate::adapt;
use crate::agency::Agency;
use crate::citizen::{self, Citizen, CitizenPass, DomainLanes, WeekContext};
use crate::commission;
use crate::finance::Ledger;
use crate::frontline::{Frontline, PhaseStreams};
use crate::ids::{is_quarter_end, Tick, WEEKS_PER_QUARTER, WEEKS_PER_YEAR};
use crate::journal::Journal;
use crate::metrics::{AgencyRow, CostShiftRow, Summary, TickRow};
use crate::params::{Barriers, Change, Params};
use crate::record::{Record, WeekSeen};
use crate::referral::ReferralBook;
use crate::rng::{Purpose, Stream};
use rayon::prelude::*;

pub use crate::citizen::CHUNK;
pub use crate::journal::{Happening, JournalEntry};
pub use crate::referral::Referral;

/// A place and everything in it at one tick. Cloning it copies the whole
/// state, so that a burned-in place can be continued more than once.
#[derive(Clone)]
pub struct World {
    params: Params,
    /// The need model padded for the citizen pass's fixed-width loops.
    lanes: DomainLanes,
    barriers: Barriers,
    whole_systems_weight: f32,
    tick: Tick,
    citizens: Vec<Citizen>,
    agencies: Vec<Agency>,
    ledger: Ledger,
    referrals: ReferralBook,
    journal: Journal,
    record: Record,
    citizen_pass: CitizenPass,
    /// Wall time spent in the parallel citizen pass and in the rest of the
    /// week (serial), for `placesim bench`; never part of any output.
    phase_time: PhaseTime,
}

/// Where a world's wall time went (diagnostics only).
#[derive(Clone, Copy, Debug, Default)]
pub struct PhaseTime {
    pub citizens: std::time::Duration,
    pub rest: std::time::Duration,
}

impl World {
    /// Build the place. `params` must have no [`Params::problems`].
    pub fn new(params: Params) -> Self {
        debug_assert!(params.problems().is_empty(), "{:?}", params.problems());
        let n = params.place.population as usize;
        let mut citizens = vec![Citizen::EMPTY; n];
        citizens
            .par_chunks_mut(CHUNK)
            .enumerate()
            .for_each(|(k, chunk)| {
                let mut rng = Stream::new(params.place.seed, Purpose::Initialise, 0, k as u32);
                for c in chunk.iter_mut() {
                    *c = citizen::new_citizen(&params, &mut rng);
                }
            });
        let w = params.leadership.whole_systems_weight;
        World {
            lanes: DomainLanes::new(&params),
            barriers: params.barriers,
            whole_systems_weight: w,
            tick: 0,
            citizens,
            agencies: params.agencies.iter().map(|s| Agency::new(s, w)).collect(),
            ledger: Ledger::new(&params),
            referrals: ReferralBook::default(),
            journal: Journal::default(),
            record: Record::new(&params),
            citizen_pass: CitizenPass::new(n),
            phase_time: PhaseTime::default(),
            params,
        }
    }

    pub fn params(&self) -> &Params {
        &self.params
    }
    pub fn tick(&self) -> Tick {
        self.tick
    }
    pub fn barriers(&self) -> Barriers {
        self.barriers
    }
    pub fn whole_systems_weight(&self) -> f32 {
        self.whole_systems_weight
    }
    pub fn citizens(&self) -> &[Citizen] {
        &self.citizens
    }
    pub fn agencies(&self) -> &[Agency] {
        &self.agencies
    }
    /// The place's books: allowances, spend, the board and the run's money.
    pub fn ledger(&self) -> &Ledger {
        &self.ledger
    }
    pub fn is_finished(&self) -> bool {
        self.tick >= self.params.place.total_weeks()
    }
    /// The place-level row of the last completed week.
    pub fn tick_row(&self) -> &TickRow {
        self.record.place()
    }
    /// The agency rows of the last completed week.
    pub fn agency_rows(&self) -> &[AgencyRow] {
        self.record.agencies()
    }
    /// Keep a journal of each week's happenings to citizens (off by default).
    pub fn keep_journal(&mut self, keep: bool) {
        self.journal.keep(keep);
    }
    /// The happenings of the last completed week, in the order they happened
    /// (empty unless the journal is kept).
    pub fn journal(&self) -> &[JournalEntry] {
        self.journal.entries()
    }
    /// Wall time so far in the parallel citizen pass and in the serial rest of the week.
    pub fn phase_time(&self) -> PhaseTime {
        self.phase_time
    }

    /// Change barrier strengths from the next step on. Queues stay as they
    /// are; referrals in flight keep the delay and fate drawn when sent;
    /// allowances for the rest of the financial year are recomputed at once.
    pub fn set_barriers(&mut self, barriers: Barriers) {
        self.barriers = barriers;
        self.ledger.set_allowances(&self.params, barriers);
    }

    /// Change the place's leadership weight `w`; agencies' cultures move
    /// toward it at the culture rate each quarter.
    pub fn set_whole_systems_weight(&mut self, w: f32) {
        self.whole_systems_weight = w.clamp(0.0, 1.0);
    }

    /// Continue this place under `params` from the next week: the place a
    /// variant of a sweep starts from is its baseline's, burned in. Citizens,
    /// queues, learned policies and money carry over; the variant's barriers,
    /// leadership weight, capacities, costs, budgets and schedule hold from
    /// now (allowances for the rest of the year are recomputed at once, as
    /// for any change of barriers; cultures move toward the new `w` at the
    /// culture rate). `params` must describe the same place
    /// ([`World::can_continue_as`]).
    pub fn continue_as(&mut self, params: Params) {
        debug_assert!(self.can_continue_as(&params));
        let (barriers, w) = (params.barriers, params.leadership.whole_systems_weight);
        self.lanes = DomainLanes::new(&params);
        self.params = params;
        self.ledger.restart_setup(&self.params);
        self.set_barriers(barriers);
        self.set_whole_systems_weight(w);
    }

    /// Whether `params` describes this place, so that this world can
    /// continue under it: the same residents, citizens, seed and warm-up,
    /// the same need domains, the same agencies in the same order with the
    /// same roles and beds or none, and the same settings that act only when
    /// a place is built (citizens' traits and learning, agencies' initial
    /// propensities and policies): a variant that changes one of those
    /// describes another place, which must burn in under itself.
    pub fn can_continue_as(&self, params: &Params) -> bool {
        let (a, b) = (&self.params, params);
        let place = |p: &Params| {
            (
                p.place.residents,
                p.place.population,
                p.place.seed,
                p.place.warmup_weeks,
            )
        };
        let domains = |p: &Params| {
            p.needs
                .domains
                .iter()
                .map(|d| d.name.clone())
                .collect::<Vec<_>>()
        };
        let agencies = |p: &Params| {
            p.agencies
                .iter()
                .map(|s| (s.id.clone(), s.role, s.beds.is_some()))
                .collect::<Vec<_>>()
        };
        let built = |p: &Params| {
            p.agencies
                .iter()
                .map(|s| (s.initial_propensity, s.initial_policy))
                .collect::<Vec<_>>()
        };
        // The attribution window sets which quarters' harm an agency has
        // booked and when it reads it (`finance::harm_lag_quarters`).
        place(a) == place(b)
            && a.needs.attribution_window == b.needs.attribution_window
            && domains(a) == domains(b)
            && agencies(a) == agencies(b)
            && a.citizens == b.citizens
            && built(a) == built(b)
    }

    /// Add a change to the schedule, to act at the start of its tick, which
    /// must not have begun (a workshop room's decisions, made as it runs).
    /// The change acts exactly as the same change in a scenario's schedule.
    pub fn schedule_change(&mut self, change: crate::params::ScheduledChange) {
        debug_assert!(change.tick >= self.tick, "{} < {}", change.tick, self.tick);
        self.params.schedule.push(change);
    }

    /// Run every remaining week.
    pub fn run(&mut self) {
        while !self.is_finished() {
            self.step();
        }
    }

    fn counting(&self) -> bool {
        self.tick >= self.params.place.warmup_weeks
    }

    /// One week.
    pub fn step(&mut self) {
        if self.is_finished() {
            return;
        }
        let start = std::time::Instant::now();
        self.apply_schedule();
        self.begin_week();
        let lanes = self.lanes.in_week(&self.params, self.tick);
        let ctx = WeekContext {
            params: &self.params,
            tick: self.tick,
            counting: self.counting(),
            lanes: &lanes,
        };
        let tally = self
            .citizen_pass
            .run(&ctx, self.params.place.seed, &mut self.citizens);
        let citizens_done = std::time::Instant::now();
        let mut frontline = Frontline {
            params: &self.params,
            barriers: self.barriers,
            tick: self.tick,
            citizens: &mut self.citizens,
            agencies: &mut self.agencies,
            ledger: &mut self.ledger,
            referrals: &mut self.referrals,
            journal: &mut self.journal,
            streams: PhaseStreams::new(self.params.place.seed, self.tick),
        };
        let referral_arrivals = frontline.referrals.delivered_count() as u64;
        frontline.triage(self.citizen_pass.contacts());
        frontline.serve();
        frontline.ward_round();
        frontline.deliver_referrals();
        self.finance();
        if is_quarter_end(self.tick) {
            adapt::adapt(
                &mut self.agencies,
                &self.params,
                self.barriers,
                self.whole_systems_weight,
                self.tick,
            );
        }
        let seen = WeekSeen {
            params: &self.params,
            tick: self.tick,
            counting: self.counting(),
            barriers: self.barriers,
            whole_systems_weight: self.whole_systems_weight,
            population: self.citizens.len(),
            citizens_tally: tally,
            referral_arrivals,
        };
        self.record.week(seen, &self.agencies, &self.ledger);
        self.tick += 1;
        self.phase_time.citizens += citizens_done - start;
        self.phase_time.rest += citizens_done.elapsed();
    }

    /// Scheduled changes due this tick take effect before anything else happens in it.
    fn apply_schedule(&mut self) {
        // By index, in schedule order: a change never alters the schedule,
        // and the week allocates nothing.
        for k in 0..self.params.schedule.len() {
            let c = self.params.schedule[k];
            if c.tick != self.tick {
                continue;
            }
            match c.change {
                Change::Barrier(kind, strength) => {
                    let mut b = self.barriers;
                    b.set(kind, strength);
                    self.set_barriers(b);
                }
                Change::WholeSystemsWeight(w) => self.set_whole_systems_weight(w),
                Change::Capacity(a, cases) => {
                    self.params.agencies[a as usize].capacity_per_week = cases;
                }
                Change::Budget(a, pounds) => {
                    // Allowances for the rest of the year are recomputed at
                    // once, as a change of barriers recomputes them.
                    self.params.agencies[a as usize].annual_budget = pounds;
                    self.ledger.set_allowances(&self.params, self.barriers);
                }
                Change::Lever(a, lever, value) => {
                    adapt::steer(&mut self.agencies[a as usize], lever as usize, value);
                }
                Change::Adaptive(a) => {
                    let i = a as usize;
                    adapt::hand_back(&mut self.agencies[i], &self.params, i, self.tick);
                }
            }
        }
    }

    fn begin_week(&mut self) {
        self.journal.clear();
        for a in &mut self.agencies {
            a.week = Default::default();
        }
        let counting = self.counting();
        self.ledger
            .begin_week(&self.params, self.barriers, self.tick, counting);
        if self.tick.is_multiple_of(WEEKS_PER_YEAR) && self.tick > 0 {
            commission::order(&mut self.agencies, &self.ledger, &self.params, self.tick);
        }
        commission::deliver(&mut self.agencies, self.tick);
    }

    /// The `finance` phase: the week's board costs and turned-away demand,
    /// the agencies' KPI quarter, and at a year's end the ledger's year.
    fn finance(&mut self) {
        self.ledger.close_week(&self.params, self.barriers);
        let weight = self.params.place.weight();
        for (i, (agency, spec)) in self.agencies.iter().zip(&self.params.agencies).enumerate() {
            let w = agency.week;
            let turned_away = w.refused + w.parked + w.reneged;
            self.ledger.turned_away(
                crate::ids::AgencyId(i as u8),
                turned_away,
                spec.unit_costs.intervention,
                weight,
            );
        }
        adapt::observe_week(&mut self.agencies, &self.ledger, self.tick);
        commission::observe_week(&mut self.agencies);
        if is_quarter_end(self.tick) {
            let quarter = (self.tick / WEEKS_PER_QUARTER) as usize;
            adapt::close_quarter(&mut self.agencies, &mut self.ledger, &self.params, quarter);
        }
        if self.tick % WEEKS_PER_YEAR == WEEKS_PER_YEAR - 1 {
            self.ledger.close_year(&self.params, self.barriers);
        }
    }

    /// Run-level outcomes after warm-up (call when the run is finished).
    pub fn summary(&self) -> Summary {
        self.record
            .summary(&self.params, self.tick, &self.citizens, &self.ledger)
    }

    /// The cost-shifting matrix in long form (see [`Ledger::cost_shifting`]).
    pub fn cost_shifting(&self) -> Vec<CostShiftRow> {
        self.ledger.cost_shifting(&self.params)
    }
}
