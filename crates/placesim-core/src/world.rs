//! The world of one place and its weekly step:
//! `life_events → seek_help → triage → serve → refer → finance → adapt → record`.
//!
//! The citizen phases run in parallel over fixed chunks of citizens, each with
//! its own keyed random stream, and return contacts; the agency phases apply
//! them serially in chunk order. Agent order never matters and the result is
//! bit-identical for any thread count.

use crate::adapt;
use crate::agency::{Agency, AgencyYear, Case};
use crate::citizen::{
    self, ChunkTally, Citizen, Contact, ContactKind, DomainLanes, WeekContext, NONE,
};
use crate::ids::{AgencyId, CitizenId, Domain, Tick};
use crate::metrics::{self, AgencyRow, CostShiftRow, Summary, TickRow};
use crate::params::{Barriers, Change, Params, Role};
use crate::rng::{Purpose, Stream};
use rayon::prelude::*;

/// Citizens per chunk: fixed, so chunk boundaries (and so random streams)
/// never depend on the thread count.
pub const CHUNK: usize = 2048;

const WEEKS_PER_YEAR: u32 = 52;
const WEEKS_PER_QUARTER: u32 = 13;

/// A referral between agencies, in flight until its due tick.
#[derive(Clone, Copy, Debug)]
pub struct Referral {
    pub citizen: CitizenId,
    pub from: AgencyId,
    pub to: AgencyId,
    pub domain: Domain,
    pub due: Tick,
    /// Decided when sent: a lost referral never arrives.
    pub lost: bool,
}

/// Someone arriving at an agency this week: a citizen's own contact or a referral.
#[derive(Clone, Copy, Debug)]
struct Arrival {
    citizen: CitizenId,
    agency: AgencyId,
    domain: Domain,
    kind: ContactKind,
    via_referral: bool,
    failure_demand: bool,
}

/// What a unit of spend was for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum SpendKind {
    Assessment,
    Intervention,
    Prevention,
    Crisis,
}

/// The place board: pooled money carried between years and lift costs.
#[derive(Clone, Debug, Default)]
struct Board {
    /// Pooled underspend carried into next year's pool.
    pool_carry: f64,
    /// Lowest organisational-frameworks strength whose shared-assessment set-up is paid for.
    setup_floor: f32,
    /// Set-up cost incurred in warm-up, charged at the first counted week.
    pending_setup: f64,
    week_spend: f64,
}

/// Run-level accumulators after warm-up.
#[derive(Clone, Debug, Default)]
struct RunTotals {
    spend_by_agency: Vec<f64>,
    board: f64,
    crisis: f64,
    prevention: f64,
    overspend: f64,
    wellbeing: f64,
    crisis_events: Vec<u64>,
    contacts: u64,
    failure_demand: u64,
    unmet_need_weeks: u64,
    multiple_needs: u64,
    departures: u64,
    wait_sum: u64,
    referrals_made: u64,
    referrals_lost: u64,
    /// Row = spender (agencies, then the board), column = cause (agencies, then unattributed).
    cost_shift: Vec<f64>,
}

/// A place and everything in it at one tick.
pub struct World {
    params: Params,
    /// The need model padded for the citizen pass's fixed-width loops.
    lanes: DomainLanes,
    barriers: Barriers,
    whole_systems_weight: f32,
    tick: Tick,
    citizens: Vec<Citizen>,
    agencies: Vec<Agency>,
    referrals: Vec<Referral>,
    /// Scratch buffer of referrals falling due this week (kept to avoid allocating each tick).
    due: Vec<Referral>,
    /// Referrals delivered last week, triaged this week.
    referred: Vec<Arrival>,
    chunk_contacts: Vec<Vec<Contact>>,
    chunk_tallies: Vec<ChunkTally>,
    board: Board,
    run: RunTotals,
    week_tally: ChunkTally,
    week_referral_arrivals: u64,
    /// Discount factor of the current tick.
    discount: f64,
    tick_row: TickRow,
    agency_rows: Vec<AgencyRow>,
    /// Agency ids for output rows, shared rather than copied each week.
    agency_ids: Vec<std::sync::Arc<str>>,
    /// Wall time spent in the parallel citizen pass and in the rest of the
    /// week (serial), for `placesim bench`; never part of any output.
    phase_time: PhaseTime,
    /// This week's happenings, when kept (None: not kept, no cost).
    journal: Option<Vec<JournalEntry>>,
}

/// Something that happened to a citizen in a week, kept in the world's journal
/// when asked for (`World::keep_journal`): what a trainer shows of a
/// citizen's journey, and what the live view colours citizens by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "what", rename_all = "snake_case")]
pub enum Happening {
    /// The citizen turned up at an agency (a crisis contact if `crisis`).
    Contact {
        agency: AgencyId,
        domain: Domain,
        crisis: bool,
        failure_demand: bool,
    },
    /// A referral reached the agency.
    ReferralArrived {
        agency: AgencyId,
        domain: Domain,
    },
    Refused {
        agency: AgencyId,
        domain: Domain,
    },
    Parked {
        agency: AgencyId,
        domain: Domain,
    },
    Accepted {
        agency: AgencyId,
        domain: Domain,
    },
    Served {
        agency: AgencyId,
        domain: Domain,
    },
    Crisis {
        agency: AgencyId,
        domain: Domain,
    },
    GaveUp {
        agency: AgencyId,
        domain: Domain,
    },
    Referred {
        from: AgencyId,
        to: AgencyId,
        domain: Domain,
    },
    ReferralLost {
        from: AgencyId,
        domain: Domain,
    },
}

/// One entry of the journal.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct JournalEntry {
    pub citizen: CitizenId,
    pub tick: Tick,
    #[serde(flatten)]
    pub happening: Happening,
}

/// Hint the CPU to fetch a citizen's record before it is needed (the serial
/// phases visit citizens scattered over the table, one cache miss each).
#[inline]
fn prefetch(c: &Citizen) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        let p = c as *const Citizen as *const i8;
        // SAFETY: a prefetch is only a hint: it never faults, reads nothing
        // into the program and needs SSE, which every x86-64 CPU has.
        unsafe {
            _mm_prefetch::<_MM_HINT_T0>(p);
            _mm_prefetch::<_MM_HINT_T0>(p.wrapping_add(64));
            _mm_prefetch::<_MM_HINT_T0>(p.wrapping_add(128));
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = c;
}

/// How far ahead the serial phases prefetch citizens: contacts in triage, cases in a queue.
const PREFETCH_AHEAD: usize = 8;

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
        let total_budget: f64 = params.agencies.iter().map(|a| a.annual_budget).sum();
        let w = params.leadership.whole_systems_weight;
        let agencies = params
            .agencies
            .iter()
            .map(|s| {
                Agency::new(
                    s,
                    w,
                    if total_budget > 0.0 {
                        s.annual_budget / total_budget
                    } else {
                        0.0
                    },
                )
            })
            .collect();
        let n_chunks = n.div_ceil(CHUNK);
        let a = params.n_agencies();
        World {
            lanes: DomainLanes::new(&params),
            barriers: params.barriers,
            whole_systems_weight: w,
            tick: 0,
            citizens,
            agencies,
            referrals: Vec::new(),
            due: Vec::new(),
            referred: Vec::new(),
            chunk_contacts: vec![Vec::new(); n_chunks],
            chunk_tallies: vec![ChunkTally::default(); n_chunks],
            board: Board {
                setup_floor: 1.0,
                ..Board::default()
            },
            run: RunTotals {
                spend_by_agency: vec![0.0; a],
                crisis_events: vec![0; a],
                cost_shift: vec![0.0; (a + 1) * (a + 1)],
                ..RunTotals::default()
            },
            week_tally: ChunkTally::default(),
            week_referral_arrivals: 0,
            discount: 1.0,
            tick_row: TickRow::default(),
            agency_rows: Vec::with_capacity(a),
            agency_ids: params
                .agencies
                .iter()
                .map(|s| std::sync::Arc::from(s.id.as_str()))
                .collect(),
            phase_time: PhaseTime::default(),
            journal: None,
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
    pub fn is_finished(&self) -> bool {
        self.tick >= self.params.place.total_ticks()
    }
    /// The place-level row of the last completed week.
    pub fn tick_row(&self) -> &TickRow {
        &self.tick_row
    }
    /// Keep a journal of each week's happenings to citizens (off by default).
    pub fn keep_journal(&mut self, keep: bool) {
        self.journal = keep.then(Vec::new);
    }

    /// The happenings of the last completed week, in the order they happened
    /// (empty unless the journal is kept).
    pub fn journal(&self) -> &[JournalEntry] {
        self.journal.as_deref().unwrap_or(&[])
    }

    fn note(&mut self, citizen: CitizenId, happening: Happening) {
        if let Some(journal) = &mut self.journal {
            journal.push(JournalEntry {
                citizen,
                tick: self.tick,
                happening,
            });
        }
    }

    /// Wall time so far in the parallel citizen pass and in the serial rest of the week.
    pub fn phase_time(&self) -> PhaseTime {
        self.phase_time
    }
    /// The agency rows of the last completed week.
    pub fn agency_rows(&self) -> &[AgencyRow] {
        &self.agency_rows
    }

    /// Change barrier strengths from the next step on. Queues stay as they
    /// are; referrals in flight keep the delay and fate drawn when sent;
    /// allowances for the rest of the financial year are recomputed at once.
    pub fn set_barriers(&mut self, barriers: Barriers) {
        self.barriers = barriers;
        self.set_allowances();
    }

    /// Change the place's leadership weight `w`; agencies' cultures move
    /// toward it at the culture rate each quarter.
    pub fn set_whole_systems_weight(&mut self, w: f32) {
        self.whole_systems_weight = w.clamp(0.0, 1.0);
    }

    /// Run every remaining week.
    pub fn run(&mut self) {
        while !self.is_finished() {
            self.step();
        }
    }

    /// One week.
    pub fn step(&mut self) {
        if self.is_finished() {
            return;
        }
        let start = std::time::Instant::now();
        self.apply_schedule();
        self.begin_week();
        self.citizens_week();
        let citizens_done = std::time::Instant::now();
        let mut rng = Stream::new(self.params.place.seed, Purpose::Agencies, self.tick, 0);
        self.triage(&mut rng);
        self.serve(&mut rng);
        self.refer();
        self.finance();
        if self.tick % WEEKS_PER_QUARTER == WEEKS_PER_QUARTER - 1 {
            adapt::adapt(
                &mut self.agencies,
                &self.params,
                self.barriers,
                self.whole_systems_weight,
            );
        }
        self.record();
        self.tick += 1;
        self.phase_time.citizens += citizens_done - start;
        self.phase_time.rest += citizens_done.elapsed();
    }

    /// Scheduled changes due this tick take effect before anything else happens in it.
    fn apply_schedule(&mut self) {
        let due: Vec<Change> = self
            .params
            .schedule
            .iter()
            .filter(|c| c.tick == self.tick)
            .map(|c| c.change)
            .collect();
        for change in due {
            match change {
                Change::Barrier(kind, strength) => {
                    let mut b = self.barriers;
                    b.set(kind, strength);
                    self.set_barriers(b);
                }
                Change::WholeSystemsWeight(w) => self.set_whole_systems_weight(w),
            }
        }
    }

    fn counting(&self) -> bool {
        self.tick >= self.params.place.warmup_ticks
    }

    fn begin_week(&mut self) {
        if let Some(journal) = &mut self.journal {
            journal.clear();
        }
        for a in &mut self.agencies {
            a.week = Default::default();
        }
        if self.tick % WEEKS_PER_YEAR == 0 {
            for a in &mut self.agencies {
                a.year = AgencyYear::default();
            }
            self.set_allowances();
        }
        let years = (self.tick.saturating_sub(self.params.place.warmup_ticks)) as f64
            / WEEKS_PER_YEAR as f64;
        self.discount = libm::pow(1.0 + self.params.place.discount_rate, -years);
    }

    /// Each agency's annual allowance: the ring-fenced part of its own budget
    /// plus its board-allocated share of the pool (net of the board's costs).
    fn set_allowances(&mut self) {
        let ring = self.barriers.ring_fenced_budgets as f64;
        let total: f64 = self.params.agencies.iter().map(|a| a.annual_budget).sum();
        let pool =
            ((1.0 - ring) * total + self.board.pool_carry - self.board_annual_cost()).max(0.0);
        for (a, spec) in self.agencies.iter_mut().zip(&self.params.agencies) {
            a.year.allowance = ring * spec.annual_budget + a.pool_share * pool;
        }
    }

    fn board_annual_cost(&self) -> f64 {
        let (b, p) = (self.barriers, &self.params.prices);
        p.board_running_cost * (1.0 - b.ring_fenced_budgets) as f64
            + p.shared_outcomes_cost * (1.0 - b.function_bound_targets) as f64
            + p.shared_assessment_running * (1.0 - b.organisational_frameworks) as f64
            + p.light_assurance_cost * (1.0 - b.frontline_burden) as f64
    }

    /// `life_events` and `seek_help`, in parallel over fixed chunks.
    fn citizens_week(&mut self) {
        let ctx = WeekContext {
            params: &self.params,
            tick: self.tick,
            counting: self.counting(),
            lanes: &self.lanes,
        };
        let seed = self.params.place.seed;
        let tick = self.tick;
        self.citizens
            .par_chunks_mut(CHUNK)
            .zip(self.chunk_contacts.par_iter_mut())
            .zip(self.chunk_tallies.par_iter_mut())
            .enumerate()
            .for_each(|(k, ((chunk, contacts), tally))| {
                contacts.clear();
                let mut rng = Stream::new(seed, Purpose::LifeEvents, tick, k as u32);
                *tally =
                    citizen::citizens_week(&ctx, (k * CHUNK) as u32, chunk, &mut rng, contacts);
            });
        let mut week = ChunkTally::default();
        for t in &self.chunk_tallies {
            week.wellbeing += t.wellbeing;
            week.unmet_need_weeks += t.unmet_need_weeks;
            week.multiple_needs += t.multiple_needs;
        }
        self.week_tally = week;
    }

    /// Referrals delivered last week, then this week's contacts in chunk order.
    fn triage(&mut self, rng: &mut Stream) {
        let referred = std::mem::take(&mut self.referred);
        self.week_referral_arrivals = referred.len() as u64;
        for (i, arrival) in referred.iter().enumerate() {
            if let Some(a) = referred.get(i + PREFETCH_AHEAD) {
                prefetch(&self.citizens[a.citizen.index()]);
            }
            self.arrive(*arrival, rng);
        }
        self.referred = referred;
        self.referred.clear();
        let contacts = std::mem::take(&mut self.chunk_contacts);
        let mut ahead = contacts.iter().flatten().skip(PREFETCH_AHEAD);
        for c in contacts.iter().flatten() {
            if let Some(a) = ahead.next() {
                prefetch(&self.citizens[a.citizen.index()]);
            }
            let arrival = Arrival {
                citizen: c.citizen,
                agency: c.agency,
                domain: c.domain,
                kind: c.kind,
                via_referral: false,
                failure_demand: c.failure_demand,
            };
            self.arrive(arrival, rng);
        }
        self.chunk_contacts = contacts;
    }

    /// Assess one arrival: a crisis episode, or accept, park or refuse.
    fn arrive(&mut self, x: Arrival, rng: &mut Stream) {
        let (agency, domain) = (x.agency, x.domain);
        self.note(
            x.citizen,
            if x.via_referral {
                Happening::ReferralArrived { agency, domain }
            } else {
                Happening::Contact {
                    agency,
                    domain,
                    crisis: x.kind == ContactKind::Crisis,
                    failure_demand: x.failure_demand,
                }
            },
        );
        let a = x.agency.index();
        let week = &mut self.agencies[a].week;
        week.arrivals += 1;
        week.failure_demand += x.failure_demand as u32;
        if x.kind == ContactKind::Crisis || self.params.agencies[a].role == Role::Crisis {
            self.crisis_episode(x, rng);
            return;
        }
        let spec = &self.params.agencies[a];
        let policy = self.agencies[a].policy;
        // A shared assessment spares the receiving agency its own, as far as frameworks are lifted.
        let repeat_share = if x.via_referral {
            self.barriers.organisational_frameworks as f64
        } else {
            1.0
        };
        let assessment = spec.unit_costs.assessment * repeat_share;
        if !self.can_spend(x.agency, assessment) {
            self.agencies[a].week.refused += 1;
            self.note(x.citizen, Happening::Refused { agency, domain });
            self.turn_away(x, rng);
            return;
        }
        self.charge(
            x.agency,
            x.citizen,
            x.domain,
            assessment,
            SpendKind::Assessment,
        );
        let c = &self.citizens[x.citizen.index()];
        let need = c.needs[x.domain.index()];
        let complexity = c.other_needs_above(
            x.domain,
            self.params.needs.high_need,
            self.params.needs.n_domains(),
        );
        let case = Case {
            citizen: x.citizen,
            domain: x.domain,
            since: self.tick,
        };
        if complexity as f32 > policy.complexity_cap {
            self.agencies[a].week.parked += 1;
            self.note(x.citizen, Happening::Parked { agency, domain });
            self.turn_away(x, rng);
        } else if need >= policy.eligibility_threshold {
            self.agencies[a].queue.push_back(case);
            self.accept(x);
        } else if self.prevention_has_room(x.agency) {
            self.agencies[a].prevention_queue.push_back(case);
            self.accept(x);
        } else {
            self.agencies[a].week.refused += 1;
            self.note(x.citizen, Happening::Refused { agency, domain });
            self.turn_away(x, rng);
        }
    }

    fn accept(&mut self, x: Arrival) {
        let (agency, domain) = (x.agency, x.domain);
        self.note(x.citizen, Happening::Accepted { agency, domain });
        self.agencies[x.agency.index()].week.accepted += 1;
        self.citizens[x.citizen.index()].open_case(x.agency, x.domain);
    }

    /// Reserved prevention capacity: accept below-threshold cases while the
    /// prevention queue holds less than a week of that reserve.
    fn prevention_has_room(&self, a: AgencyId) -> bool {
        let agency = &self.agencies[a.index()];
        let reserve = agency.policy.prevention_capacity_share as f64 * self.frontline_capacity(a);
        (agency.prevention_queue.len() as f64 + 1.0) * agency.policy.intensity as f64
            <= reserve.max(0.0) + agency.carry
    }

    /// Weekly case capacity of the agency for the simulated population, after reporting burden.
    fn frontline_capacity(&self, a: AgencyId) -> f64 {
        let b = self.barriers;
        let p = &self.params.prices;
        let burden = p.reporting_share * b.frontline_burden
            + p.target_reporting_share * b.function_bound_targets;
        self.params.agencies[a.index()].capacity_per_week
            * self.params.place.scale()
            * (1.0 - burden.min(0.95)) as f64
    }

    /// Refused or parked: the citizen is blamed on this agency, learns it did not help, and may be signposted on.
    fn turn_away(&mut self, x: Arrival, rng: &mut Stream) {
        let tick = self.tick;
        let c = &mut self.citizens[x.citizen.index()];
        c.blame_on(x.domain, x.agency, tick);
        c.learn(x.agency, 0.0, &self.params);
        if c.open_agency == x.agency.0 || x.via_referral {
            c.close_case();
        }
        let r = self.agencies[x.agency.index()].policy.referral_propensity;
        if let Some(to) = self.referral_target(x.domain, x.agency) {
            if rng.chance(r) {
                self.make_referral(x.agency, to, x.citizen, x.domain, rng);
            }
        }
    }

    /// A statutory crisis episode: always given, paid whatever the budget, and
    /// it stabilises rather than resolves; the citizen may be referred on.
    fn crisis_episode(&mut self, x: Arrival, rng: &mut Stream) {
        let a = x.agency.index();
        let spec = &self.params.agencies[a];
        let (cost, efficacy) = (spec.unit_costs.crisis, spec.efficacy);
        self.agencies[a].week.crisis_events += 1;
        let (agency, domain) = (x.agency, x.domain);
        self.note(x.citizen, Happening::Crisis { agency, domain });
        if self.counting() {
            self.run.crisis_events[a] += 1;
        }
        self.charge(x.agency, x.citizen, x.domain, cost, SpendKind::Crisis);
        let threshold = self.params.needs.need_threshold;
        let reward = self.params.citizens.reward_partial;
        let c = &mut self.citizens[x.citizen.index()];
        let need = &mut c.needs[x.domain.index()];
        *need = (*need - efficacy).max(0.0);
        let still_in_need = *need > threshold;
        c.learn(x.agency, reward, &self.params);
        if still_in_need && !c.has_open_case() {
            let r = self.agencies[a].policy.referral_propensity;
            if let Some(to) = self.referral_target(x.domain, x.agency) {
                if rng.chance(r) {
                    self.make_referral(x.agency, to, x.citizen, x.domain, rng);
                }
            }
        }
    }

    /// Where a need in `d` is referred: the first specialist, else the first
    /// universal service, whose remit covers it (never a crisis service, never `from`).
    fn referral_target(&self, d: Domain, from: AgencyId) -> Option<AgencyId> {
        let fits = |role: Role| {
            self.params
                .agencies
                .iter()
                .enumerate()
                .find(|(i, s)| *i != from.index() && s.role == role && s.remit.contains(d))
                .map(|(i, _)| AgencyId(i as u8))
        };
        fits(Role::Specialist).or_else(|| fits(Role::Universal))
    }

    /// Send a referral. Under organisational frameworks it takes weeks and may
    /// be lost; lifted, it is a warm hand-off that costs the sender time.
    fn make_referral(
        &mut self,
        from: AgencyId,
        to: AgencyId,
        citizen: CitizenId,
        domain: Domain,
        rng: &mut Stream,
    ) {
        let frameworks = self.barriers.organisational_frameworks;
        let p = &self.params.prices;
        let delay = libm::roundf(p.referral_delay_weeks * frameworks) as u32;
        let lost = rng.chance(p.referral_loss * frameworks);
        let handoff = p.handoff_work as f64 * (1.0 - frameworks) as f64;
        self.referrals.push(Referral {
            citizen,
            from,
            to,
            domain,
            due: self.tick + delay,
            lost,
        });
        self.citizens[citizen.index()].open_case(to, domain);
        let sender = &mut self.agencies[from.index()];
        sender.week.referrals_made += 1;
        sender.handoff_owed += handoff;
        self.note(citizen, Happening::Referred { from, to, domain });
    }

    /// Serve queues within capacity and allowance; cases past the maximum wait give up.
    fn serve(&mut self, rng: &mut Stream) {
        for a in 0..self.agencies.len() {
            let id = AgencyId(a as u8);
            let nominal = self.frontline_capacity(id);
            if self.params.agencies[a].role == Role::Crisis {
                self.agencies[a].week.capacity = nominal;
                self.agencies[a].week.work_done = self.agencies[a].week.crisis_events as f64;
                continue;
            }
            self.give_up_waiting(id);
            let agency = &mut self.agencies[a];
            let mut left = nominal + agency.carry - agency.handoff_owed;
            agency.handoff_owed = 0.0;
            agency.week.capacity = nominal;
            let mut prevention_left = agency.policy.prevention_capacity_share as f64 * nominal;
            let mut blocked_by_work = false;
            for prevention in [true, false] {
                loop {
                    let agency = &self.agencies[a];
                    let queue = if prevention {
                        &agency.prevention_queue
                    } else {
                        &agency.queue
                    };
                    let Some(&case) = queue.front() else { break };
                    if let Some(next) = queue.get(PREFETCH_AHEAD) {
                        prefetch(&self.citizens[next.citizen.index()]);
                    }
                    let (work, cost) = self.case_effort(id, case);
                    if work > left || (prevention && prevention_left <= 0.0) {
                        blocked_by_work = work > left;
                        break;
                    }
                    if !self.can_spend(id, cost) {
                        break;
                    }
                    let agency = &mut self.agencies[a];
                    if prevention {
                        agency.prevention_queue.pop_front();
                        prevention_left -= work;
                    } else {
                        agency.queue.pop_front();
                    }
                    left -= work;
                    agency.week.work_done += work;
                    self.depart(id, case);
                    // Prevention spend is spend from the reserved prevention capacity:
                    // cases taken on below the eligibility threshold.
                    let kind = if prevention {
                        SpendKind::Prevention
                    } else {
                        SpendKind::Intervention
                    };
                    self.charge(id, case.citizen, case.domain, cost, kind);
                    self.help(id, case, rng);
                }
            }
            self.agencies[a].carry = if blocked_by_work {
                left.max(0.0)
            } else {
                left.clamp(0.0, 1.0)
            };
        }
    }

    /// Work (case units) and cost (£ per simulated citizen) of serving a case:
    /// intensity, plus the lead professional's coordination of other needs.
    fn case_effort(&self, a: AgencyId, case: Case) -> (f64, f64) {
        let spec = &self.params.agencies[a.index()];
        let intensity = self.agencies[a.index()].policy.intensity as f64;
        let extra = self.lead_share() as f64 * self.other_needs(case) as f64;
        let scale = intensity * (1.0 + self.params.prices.coordination_cost as f64 * extra);
        (scale, spec.unit_costs.intervention * scale)
    }

    /// How far a worker addresses needs outside the agency's remit (0 under professional boundaries).
    fn lead_share(&self) -> f32 {
        1.0 - self.barriers.professional_boundaries
    }

    fn other_needs(&self, case: Case) -> u32 {
        let c = &self.citizens[case.citizen.index()];
        c.other_needs_above(
            case.domain,
            self.params.needs.need_threshold,
            self.params.needs.n_domains(),
        )
    }

    fn depart(&mut self, a: AgencyId, case: Case) {
        let (agency, domain) = (a, case.domain);
        self.note(case.citizen, Happening::Served { agency, domain });
        let wait = (self.tick - case.since) as u64;
        let week = &mut self.agencies[a.index()].week;
        week.departures += 1;
        week.wait_sum += wait;
        week.served += 1;
        self.citizens[case.citizen.index()].close_case();
    }

    /// The effect of a served case on the citizen's needs, what the citizen
    /// learns, and the referral of another high need under professional boundaries.
    fn help(&mut self, a: AgencyId, case: Case, rng: &mut Stream) {
        let p = &self.params;
        let spec = &p.agencies[a.index()];
        let intensity = self.agencies[a.index()].policy.intensity;
        let effect = spec.efficacy * intensity;
        let lead = self.lead_share();
        let boundaries = self.barriers.professional_boundaries;
        let n_domains = p.needs.n_domains();
        let threshold = p.needs.need_threshold;
        let tick = self.tick;
        let c = &mut self.citizens[case.citizen.index()];
        let d = case.domain.index();
        for e in 0..n_domains {
            if e != d && c.needs[e] > threshold {
                c.needs[e] =
                    (c.needs[e] - effect * p.prices.lead_professional_efficacy * lead).max(0.0);
            }
        }
        c.needs[d] = (c.needs[d] - effect).max(0.0);
        if c.needs[d] < threshold {
            c.clear_blame(case.domain);
            c.learn(a, p.citizens.reward_resolved, p);
        } else {
            c.blame_on(case.domain, a, tick);
            c.learn(a, p.citizens.reward_partial, p);
        }
        let other = (0..n_domains)
            .filter(|&e| e != d && c.needs[e] > p.needs.high_need)
            .max_by(|&x, &y| c.needs[x].total_cmp(&c.needs[y]).then(y.cmp(&x)));
        if let Some(e) = other {
            let r = self.agencies[a.index()].policy.referral_propensity * boundaries;
            let domain = Domain(e as u8);
            if let Some(to) = self.referral_target(domain, a) {
                if rng.chance(r) {
                    self.make_referral(a, to, case.citizen, domain, rng);
                }
            }
        }
    }

    /// Cases that have waited the maximum leave the queue, unserved.
    fn give_up_waiting(&mut self, a: AgencyId) {
        let max_wait = self.params.adaptation.max_wait_weeks as Tick;
        for prevention in [true, false] {
            loop {
                let agency = &mut self.agencies[a.index()];
                let queue = if prevention {
                    &mut agency.prevention_queue
                } else {
                    &mut agency.queue
                };
                match queue.front() {
                    Some(case) if self.tick - case.since >= max_wait => {
                        let case = *case;
                        queue.pop_front();
                        let week = &mut agency.week;
                        week.departures += 1;
                        week.wait_sum += (self.tick - case.since) as u64;
                        week.reneged += 1;
                        let tick = self.tick;
                        let c = &mut self.citizens[case.citizen.index()];
                        c.close_case();
                        c.blame_on(case.domain, a, tick);
                        c.learn(a, 0.0, &self.params);
                        let domain = case.domain;
                        self.note(case.citizen, Happening::GaveUp { agency: a, domain });
                    }
                    _ => break,
                }
            }
        }
    }

    /// Referrals due this week are delivered for triage next week, or, if
    /// lost, leave the citizen with nothing: its next contact is failure demand.
    fn refer(&mut self) {
        let tick = self.tick;
        let mut due = std::mem::take(&mut self.due);
        due.clear();
        self.referrals.retain(|r| {
            let arrived = r.due <= tick;
            if arrived {
                due.push(*r);
            }
            !arrived
        });
        for r in &due {
            if r.lost {
                self.agencies[r.from.index()].week.referrals_lost += 1;
                let c = &mut self.citizens[r.citizen.index()];
                c.close_case();
                c.lost_referral |= 1 << r.domain.0;
                c.blame_on(r.domain, r.from, tick);
                c.learn(r.from, 0.0, &self.params);
                let (from, domain) = (r.from, r.domain);
                self.note(r.citizen, Happening::ReferralLost { from, domain });
            } else {
                self.citizens[r.citizen.index()].close_case();
                self.referred.push(Arrival {
                    citizen: r.citizen,
                    agency: r.to,
                    domain: r.domain,
                    kind: ContactKind::HelpSeeking,
                    via_referral: true,
                    failure_demand: false,
                });
            }
        }
        self.due = due;
    }

    /// Could agency `a` spend `unit_cost` per simulated citizen now? Under a
    /// ring-fence it must fit its own allowance to date; pooled, the place's.
    fn can_spend(&self, a: AgencyId, unit_cost: f64) -> bool {
        let amount = unit_cost * self.params.place.weight();
        let pace = ((self.tick % WEEKS_PER_YEAR) / WEEKS_PER_QUARTER + 1) as f64 / 4.0;
        let room = |y: &AgencyYear| y.allowance * pace - y.spend;
        let own = room(&self.agencies[a.index()].year);
        let place: f64 = self.agencies.iter().map(|x| room(&x.year)).sum();
        let ring = self.barriers.ring_fenced_budgets as f64;
        amount <= ring * own + (1.0 - ring) * place
    }

    /// Book spend by agency `a` on a citizen's need, attribute it to the agency
    /// whose failure caused it (cost shifting), and add it to the citizen's cost.
    fn charge(
        &mut self,
        a: AgencyId,
        citizen: CitizenId,
        d: Domain,
        unit_cost: f64,
        kind: SpendKind,
    ) {
        let weight = self.params.place.weight();
        let amount = unit_cost * weight;
        let agency = &mut self.agencies[a.index()];
        agency.week.spend += amount;
        agency.year.spend += amount;
        match kind {
            SpendKind::Crisis => agency.week.crisis_spend += amount,
            SpendKind::Prevention => agency.week.prevention_spend += amount,
            SpendKind::Assessment => agency.week.assessment_spend += amount,
            SpendKind::Intervention => {}
        }
        if kind != SpendKind::Crisis {
            agency.year.discretionary += amount;
        }
        let cause = self.attribute(citizen, d);
        if let Some(cause) = cause {
            if cause != a {
                self.agencies[cause.index()].quarter.shifted_out += amount;
            }
        }
        if self.counting() {
            let pv = amount * self.discount;
            let n = self.agencies.len();
            let col = cause.map_or(n, |c| c.index());
            self.run.cost_shift[a.index() * (n + 1) + col] += pv;
            self.run.spend_by_agency[a.index()] += pv;
            match kind {
                SpendKind::Crisis => self.run.crisis += pv,
                SpendKind::Prevention => self.run.prevention += pv,
                _ => {}
            }
            self.citizens[citizen.index()].spend += (unit_cost * self.discount) as f32;
        }
    }

    /// The attribution rule (docs/ODD.md): spend on a need goes to the agency
    /// that last refused, parked, lost or left that need unresolved within the
    /// attribution window; failing that, to the agency blamed for the unmet
    /// need that couples most strongly into it; failing that, unattributed.
    fn attribute(&self, citizen: CitizenId, d: Domain) -> Option<AgencyId> {
        let c = &self.citizens[citizen.index()];
        let n = &self.params.needs;
        let recent = |e: usize| {
            c.blame[e] != NONE
                && (self.tick as u16).wrapping_sub(c.blame_tick[e]) <= n.attribution_window
        };
        if recent(d.index()) {
            return Some(AgencyId(c.blame[d.index()]));
        }
        let mut best: Option<(f32, usize)> = None;
        for e in 0..n.n_domains() {
            let pull = n.coupling(e, d.index()) * c.needs[e];
            if e != d.index()
                && pull > 0.0
                && c.needs[e] > n.need_threshold
                && recent(e)
                && best.is_none_or(|(b, _)| pull > b)
            {
                best = Some((pull, e));
            }
        }
        best.map(|(_, e)| AgencyId(c.blame[e]))
    }

    /// Board costs; quarter ends (KPI history); year ends
    /// (overspend, pooled reallocation from last year's demand).
    fn finance(&mut self) {
        let counting = self.counting();
        let frameworks = self.barriers.organisational_frameworks;
        if frameworks < self.board.setup_floor {
            self.board.pending_setup += self.params.prices.shared_assessment_setup
                * (self.board.setup_floor - frameworks) as f64;
            self.board.setup_floor = frameworks;
        }
        self.board.week_spend = self.board_annual_cost() / WEEKS_PER_YEAR as f64;
        if counting {
            self.board.week_spend += std::mem::take(&mut self.board.pending_setup);
            self.run.board += self.board.week_spend * self.discount;
            let n = self.agencies.len();
            self.run.cost_shift[n * (n + 1) + n] += self.board.week_spend * self.discount;
        }
        let weight = self.params.place.weight();
        for (agency, spec) in self.agencies.iter_mut().zip(&self.params.agencies) {
            let w = agency.week;
            agency.quarter.add_week(&w);
            agency.year.unmet_value +=
                (w.refused + w.parked + w.reneged) as f64 * spec.unit_costs.intervention * weight;
        }
        let week_of_year = self.tick % WEEKS_PER_YEAR;
        if week_of_year % WEEKS_PER_QUARTER == WEEKS_PER_QUARTER - 1 {
            let window = self.params.leadership.kpi_window_quarters as usize;
            for agency in &mut self.agencies {
                let mut q = std::mem::take(&mut agency.quarter);
                q.allowance = agency.year.allowance / 4.0;
                agency.history.push_back(q);
                while agency.history.len() > window {
                    agency.history.pop_front();
                }
            }
        }
        if week_of_year == WEEKS_PER_YEAR - 1 {
            self.close_year(counting);
        }
    }

    fn close_year(&mut self, counting: bool) {
        if counting {
            self.run.overspend += self
                .agencies
                .iter()
                .map(|a| (a.year.spend - a.year.allowance).max(0.0))
                .sum::<f64>();
        }
        let ring = self.barriers.ring_fenced_budgets as f64;
        let underspend: f64 = self
            .agencies
            .iter()
            .map(|a| a.year.allowance - a.year.spend)
            .sum();
        self.board.pool_carry = (1.0 - ring) * underspend.max(0.0);
        // The board reallocates the pool in proportion to last year's demand:
        // what each agency spent plus what it turned away, valued at its unit cost.
        let demand: Vec<f64> = self
            .agencies
            .iter()
            .map(|a| a.year.spend + a.year.unmet_value)
            .collect();
        let total: f64 = demand.iter().sum();
        if total > 0.0 {
            for (a, d) in self.agencies.iter_mut().zip(&demand) {
                a.pool_share = d / total;
            }
        }
    }

    /// Build this week's output rows and add the week to the run's totals.
    fn record(&mut self) {
        let weight = self.params.place.weight();
        let counting = self.counting();
        let t = self.week_tally;
        let mut row = TickRow {
            tick: self.tick,
            warmup: (!counting) as u8,
            board_spend: self.board.week_spend,
            mean_wellbeing: t.wellbeing / self.citizens.len() as f64,
            unmet_need_weeks: t.unmet_need_weeks as f64 * weight,
            multiple_needs: t.multiple_needs as f64 * weight,
            ring_fenced_budgets: self.barriers.ring_fenced_budgets,
            function_bound_targets: self.barriers.function_bound_targets,
            professional_boundaries: self.barriers.professional_boundaries,
            organisational_frameworks: self.barriers.organisational_frameworks,
            frontline_burden: self.barriers.frontline_burden,
            whole_systems_weight: self.whole_systems_weight,
            ..TickRow::default()
        };
        let mut contacts = 0u64;
        let mut failure = 0u64;
        let mut crises = 0u64;
        let mut made = 0u64;
        let mut lost = 0u64;
        let mut queued = 0u64;
        row.spend = self.board.week_spend;
        self.agency_rows.clear();
        for (i, agency) in self.agencies.iter().enumerate() {
            let w = &agency.week;
            contacts += w.arrivals as u64;
            failure += w.failure_demand as u64;
            crises += w.crisis_events as u64;
            made += w.referrals_made as u64;
            lost += w.referrals_lost as u64;
            queued += agency.queue_len() as u64;
            row.spend += w.spend;
            row.crisis_spend += w.crisis_spend;
            row.prevention_spend += w.prevention_spend;
            if counting {
                self.run.departures += w.departures as u64;
                self.run.wait_sum += w.wait_sum;
            }
            self.agency_rows.push(AgencyRow {
                tick: self.tick,
                agency: self.agency_ids[i].clone(),
                arrivals: w.arrivals as f64 * weight,
                accepted: w.accepted as f64 * weight,
                refused: w.refused as f64 * weight,
                parked: w.parked as f64 * weight,
                served: w.served as f64 * weight,
                gave_up: w.reneged as f64 * weight,
                crisis_events: w.crisis_events as f64 * weight,
                queue_len: agency.queue_len() as f64 * weight,
                mean_wait: if w.departures > 0 {
                    w.wait_sum as f64 / w.departures as f64
                } else {
                    0.0
                },
                referrals_made: w.referrals_made as f64 * weight,
                referrals_lost: w.referrals_lost as f64 * weight,
                spend: w.spend,
                crisis_spend: w.crisis_spend,
                prevention_spend: w.prevention_spend,
                budget: agency.year.allowance,
                spend_year_to_date: agency.year.spend,
                eligibility_threshold: agency.policy.eligibility_threshold,
                complexity_cap: agency.policy.complexity_cap,
                prevention_capacity_share: agency.policy.prevention_capacity_share,
                intensity: agency.policy.intensity,
                referral_propensity: agency.policy.referral_propensity,
                utilisation: if w.capacity > 0.0 {
                    w.work_done / w.capacity
                } else {
                    0.0
                },
                culture: agency.culture,
            });
        }
        // Contacts are what citizens did themselves: referral arrivals are not contacts.
        contacts -= self.week_referral_arrivals;
        row.crisis_events = crises as f64 * weight;
        row.contacts = contacts as f64 * weight;
        row.failure_demand = failure as f64 * weight;
        row.failure_demand_share = if contacts > 0 {
            failure as f64 / contacts as f64
        } else {
            0.0
        };
        row.referrals_made = made as f64 * weight;
        row.referrals_lost = lost as f64 * weight;
        row.queue_len = queued as f64 * weight;
        if counting {
            self.run.wellbeing += t.wellbeing * weight;
            self.run.unmet_need_weeks += t.unmet_need_weeks;
            self.run.multiple_needs += t.multiple_needs;
            self.run.contacts += contacts;
            self.run.failure_demand += failure;
            self.run.referrals_made += made;
            self.run.referrals_lost += lost;
        }
        self.tick_row = row;
    }
}

impl World {
    /// Run-level outcomes after warm-up (call when the run is finished).
    pub fn summary(&self) -> Summary {
        let p = &self.params;
        let weight = p.place.weight();
        let weeks = self.tick.saturating_sub(p.place.warmup_ticks).max(1) as f64;
        let agency_spend: f64 = self.run.spend_by_agency.iter().sum();
        let total = agency_spend + self.run.board;
        let share = |x: f64| if total > 0.0 { x / total } else { 0.0 };
        let mut wellbeing: Vec<f32> = self
            .citizens
            .iter()
            .map(|c| c.wellbeing_sum / weeks as f32)
            .collect();
        let low_decile = metrics::low_decile_mean(&mut wellbeing);
        let gini = metrics::gini_sorted(&wellbeing);
        let mut spend: Vec<f32> = self.citizens.iter().map(|c| c.spend).collect();
        let crisis_events: f64 = self.run.crisis_events.iter().sum::<u64>() as f64 * weight;
        Summary {
            residents: p.place.residents,
            population: p.place.population,
            weight,
            seed: p.place.seed,
            ticks: p.place.ticks,
            warmup_ticks: p.place.warmup_ticks,
            total_spend: total,
            spend_by_agency: p
                .agencies
                .iter()
                .zip(&self.run.spend_by_agency)
                .map(|(a, s)| (a.id.clone(), *s))
                .collect(),
            board_spend: self.run.board,
            crisis_spend_share: share(self.run.crisis),
            prevention_spend_share: share(self.run.prevention),
            overspend: self.run.overspend,
            mean_wellbeing: self.run.wellbeing / (weeks * p.place.residents as f64),
            low_decile_wellbeing: low_decile,
            wellbeing_gini: gini,
            wellbeing_weeks_per_million: if total > 0.0 {
                self.run.wellbeing / (total / 1e6)
            } else {
                0.0
            },
            crisis_events,
            crisis_events_by_agency: p
                .agencies
                .iter()
                .zip(&self.run.crisis_events)
                .map(|(a, n)| (a.id.clone(), *n as f64 * weight))
                .collect(),
            contacts: self.run.contacts as f64 * weight,
            failure_demand: self.run.failure_demand as f64 * weight,
            failure_demand_share: if self.run.contacts > 0 {
                self.run.failure_demand as f64 / self.run.contacts as f64
            } else {
                0.0
            },
            unmet_need_weeks: self.run.unmet_need_weeks as f64 * weight,
            multiple_needs: self.run.multiple_needs as f64 * weight / weeks,
            top5_cost_share: metrics::top_share(&mut spend, 0.05),
            mean_wait: if self.run.departures > 0 {
                self.run.wait_sum as f64 / self.run.departures as f64
            } else {
                0.0
            },
            referrals_made: self.run.referrals_made as f64 * weight,
            referrals_lost: self.run.referrals_lost as f64 * weight,
        }
    }

    /// The cost-shifting matrix in long form: for each spender (agencies, then
    /// the place board) the spend attributed to each agency and `unattributed`;
    /// each spender's rows sum to its spend.
    pub fn cost_shifting(&self) -> Vec<CostShiftRow> {
        let n = self.agencies.len();
        let name = |i: usize, none: &str| {
            self.params
                .agencies
                .get(i)
                .map_or(none.to_string(), |a| a.id.clone())
        };
        let mut rows = Vec::with_capacity((n + 1) * (n + 1));
        for spender in 0..=n {
            for cause in 0..=n {
                rows.push(CostShiftRow {
                    spender: name(spender, "place_board"),
                    caused_by: name(cause, "unattributed"),
                    spend: self.run.cost_shift[spender * (n + 1) + cause],
                });
            }
        }
        rows
    }
}
