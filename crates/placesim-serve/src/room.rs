//! A workshop room: participants run the place's agencies quarter by quarter
//! while the facilitator paces the room; beside the room's place run a ghost
//! place (the same seed, every agency on the model's own adaptive rule, the
//! same barrier switches) and total place (every barrier lifted, whole-systems
//! leadership), all three from the same burned-in place on the same random
//! numbers, so that any difference between them is the room's doing.
//!
//! Everything a room does to its place is a scheduled change of the core
//! (`Change::Lever`, `Change::Adaptive`, `Change::Barrier`,
//! `Change::WholeSystemsWeight`) added as it happens, so the room's decisions
//! export as a scenario schedule ([`Room::schedule_toml`]) that `placesim run`
//! reproduces exactly. No HTTP here and no clock: time comes in as
//! milliseconds, so every rule is tested directly.

use placesim_core::adapt;
use placesim_core::ids::WEEKS_PER_QUARTER;
use placesim_core::learner::{self, Kpi, LEVERS, LEVER_NAMES};
use placesim_core::params::{BarrierKind, Barriers, Change, Role, ScheduledChange};
use placesim_core::rng::{Purpose, Stream};
use placesim_core::{CostShiftRow, Params, Run, TickRow, World};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};

/// The worlds a room runs, in this order everywhere.
pub const WORLDS: [&str; 3] = ["room", "ghost", "total_place"];
/// A member with no request for this long is away: the room stops waiting
/// for their team's decision.
pub const AWAY_MS: u64 = 20_000;
/// Levers are set in hundredths, so that a decision reads the same in the
/// room, the log and the exported schedule.
const LEVER_GRAIN: f32 = 100.0;

/// How a room is set up.
#[derive(Clone, Debug, Serialize)]
pub struct RoomSetup {
    /// The place: a preset's name, or the scenario `placesim serve` was given.
    pub scenario: String,
    /// What an exported schedule `extends` to get that place.
    pub extends: String,
    pub seed: u64,
    pub population: u32,
    /// Quarters the room plays (three rounds of four by default).
    pub quarters: u32,
    /// Seconds a quarter waits for decisions before the timer decides.
    pub decision_seconds: u32,
    /// Most members at one seat; later arrivals observe.
    pub team_size: u32,
    /// The scenario's own scheduled budgets as its file writes them (tick,
    /// agency, £ of its input price year), for the exported schedule: the
    /// parameters hold them converted to the price year ([`base_budgets`]).
    pub base_budgets: Vec<(u32, u8, f64)>,
}

/// The scheduled budgets of the scenario `extends` names (a preset's file
/// name or a scenario file's path), unconverted: read with the input and
/// price years set equal, so nothing is converted.
pub fn base_budgets(extends: &str) -> Vec<(u32, u8, f64)> {
    let same = placesim_scenario::command_line_overrides(&[
        "place.input_price_year=2023".into(),
        "place.price_year=2023".into(),
    ]);
    let Ok(same) = same else { return Vec::new() };
    let preset = extends
        .strip_suffix(".toml")
        .filter(|n| placesim_scenario::presets::scenario(n).is_some());
    let loaded = match preset {
        Some(name) => placesim_scenario::preset(name, &same),
        None => placesim_scenario::load_scenario(std::path::Path::new(extends), &same),
    };
    let Ok(s) = loaded else { return Vec::new() };
    s.params
        .schedule
        .iter()
        .filter_map(|c| match c.change {
            Change::Budget(a, x) => Some((c.tick, a, x)),
            _ => None,
        })
        .collect()
}

/// Who decided a seat's levers for a quarter.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "by", rename_all = "snake_case")]
pub enum DecidedBy {
    /// A member of the seat's team (the last submission in the quarter counts).
    Team { member: String },
    /// Nobody in time: the model's own adaptive rule decided.
    Timer,
}

/// A seat's decision for one quarter, as the log keeps it.
#[derive(Clone, Debug, Serialize)]
pub struct Decision {
    pub quarter: u32,
    pub agency: String,
    #[serde(flatten)]
    pub by: DecidedBy,
    /// The levers in force for the quarter (after the model's rule, for the timer).
    pub levers: [f32; LEVERS],
}

/// A facilitator's switch of barriers or leadership, acting from a quarter's start.
#[derive(Clone, Debug, Serialize)]
pub struct Switch {
    pub quarter: u32,
    pub barrier: Option<&'static str>,
    pub value: f32,
}

/// One agency's quarter as its seat sees it.
#[derive(Clone, Debug, Default, Serialize)]
pub struct AgencyQuarterView {
    pub quarter: u32,
    pub arrivals: f64,
    pub served: f64,
    pub turned_away: f64,
    /// Waiting list at the quarter's end (real place).
    pub queue: f64,
    /// The waiting list's wait at the quarter's end (weeks): how long the
    /// case at its head has waited, as the agency's KPI reads it
    /// (`adapt::waiting_list_wait`); 0 for an empty list.
    pub wait_weeks: f64,
    pub spend: f64,
    /// A quarter of the year's allowance in force at the quarter's end.
    pub allowance: f64,
    pub crisis_spend: f64,
    pub referrals_made: f64,
    /// The agency's KPI score of the quarter, as its barriers define it (higher is better).
    pub kpi: f32,
    pub levers: [f32; LEVERS],
}

/// One world's quarter, place-wide.
#[derive(Clone, Debug, Default, Serialize)]
pub struct PlaceQuarter {
    pub quarter: u32,
    pub crisis_events: f64,
    pub spend: f64,
    pub crisis_spend: f64,
    pub failure_demand: f64,
    pub mean_wellbeing: f64,
}

/// One of the three worlds, with what the room keeps of its run.
pub struct Track {
    run: Run,
    /// Every counted week's place row.
    pub weeks: Vec<TickRow>,
    pub quarters: Vec<PlaceQuarter>,
    /// Per agency (in the place's order), each quarter.
    pub agencies: Vec<Vec<AgencyQuarterView>>,
}

impl Track {
    fn new(run: Run) -> Track {
        let n = run.world().params().agencies.len();
        Track {
            run,
            weeks: Vec::new(),
            quarters: Vec::new(),
            agencies: vec![Vec::new(); n],
        }
    }

    pub fn world(&self) -> &World {
        self.run.world()
    }

    fn schedule(&mut self, tick: u32, change: Change) {
        self.run
            .world_mut()
            .schedule_change(ScheduledChange { tick, change });
    }

    /// Run one quarter, keeping its weeks and summing it.
    fn quarter(&mut self, quarter: u32) {
        let mut place = PlaceQuarter {
            quarter,
            ..Default::default()
        };
        let n = self.agencies.len();
        let mut views = vec![
            AgencyQuarterView {
                quarter,
                ..Default::default()
            };
            n
        ];
        for k in 0..WEEKS_PER_QUARTER {
            let week = self.run.step();
            let row = week.place();
            place.crisis_events += row.crisis_events;
            place.spend += row.spend;
            place.crisis_spend += row.crisis_spend;
            place.failure_demand += row.failure_demand;
            place.mean_wellbeing += row.mean_wellbeing / WEEKS_PER_QUARTER as f64;
            for (v, a) in views.iter_mut().zip(week.agencies()) {
                v.arrivals += a.arrivals;
                v.served += a.served;
                v.turned_away += a.refused + a.parked + a.gave_up;
                v.spend += a.spend;
                v.crisis_spend += a.crisis_spend;
                v.referrals_made += a.referrals_made;
                v.queue = a.queue_len;
                v.allowance = a.budget / 4.0;
                // The levers in force in the quarter: a week's row holds the
                // policy at its end, which at the quarter's last week is
                // already the next quarter's; the first week's is this one's.
                if k > 0 {
                    continue;
                }
                v.levers = [
                    a.eligibility_threshold,
                    a.prevention_capacity_share,
                    a.intensity,
                    a.complexity_cap,
                    a.referral_propensity,
                ];
            }
            self.weeks.push(row.clone());
        }
        let world = self.run.world();
        for (i, v) in views.iter_mut().enumerate() {
            v.kpi = kpi_score(world, i);
            v.wait_weeks = adapt::waiting_list_wait(&world.agencies()[i], world.tick());
        }
        for (list, v) in self.agencies.iter_mut().zip(views) {
            list.push(v);
        }
        self.quarters.push(place);
    }
}

/// Agency `i`'s timely KPI score of its last closed quarter, read as the
/// model's agencies read it (`adapt::timely_score`): own targets and the
/// place's budget, mixed by its culture, under the barriers in force.
/// The reading's noise comes from a stream of its own, so showing a score
/// never changes the place.
pub fn kpi_score(world: &World, i: usize) -> f32 {
    let p = world.params();
    let agencies = world.agencies();
    let (agency, spec) = (&agencies[i], &p.agencies[i]);
    let Some(own) = agency.history.back() else {
        return 0.0;
    };
    let mut place = placesim_core::agency::AgencyQuarter::default();
    for a in agencies {
        if let Some(q) = a.history.back() {
            place.spend += q.spend;
            place.allowance += q.allowance;
        }
    }
    let b = world.barriers();
    let reading = adapt::Reading {
        prices: &p.prices,
        burden: b.frontline_burden,
    };
    let mut rng = Stream::new(p.place.seed, Purpose::Adapt, world.tick(), u32::MAX);
    let case_cost = spec.unit_costs.intervention * p.place.weight();
    let s = adapt::signals(
        own,
        case_cost,
        spec.wait_target_weeks,
        &place,
        b.ring_fenced_budgets,
        &reading,
        &mut rng,
    );
    let kpi = Kpi {
        culture: agency.culture,
        targets: b.function_bound_targets,
        ring: b.ring_fenced_budgets,
    };
    adapt::timely_score(s, kpi, p)
}

/// Where a room is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Members are joining; nothing has run.
    Lobby,
    /// Decisions for the quarter are being taken.
    Deciding,
    /// Every quarter has run (or the facilitator ended the room): the debrief is ready.
    Finished,
}

/// A member of a room: one browser.
#[derive(Clone, Debug)]
pub struct Member {
    pub name: String,
    /// The seat (an index into `Room::seats`), or none: an observer.
    pub seat: Option<usize>,
    pub last_seen: u64,
}

/// One agency the room's members may run: an agency the model adapts.
#[derive(Clone, Debug, Serialize)]
pub struct Seat {
    pub agency: String,
    pub name: String,
    /// The agency's index in the place.
    #[serde(skip)]
    pub index: usize,
}

/// A refused request, with what to tell the member.
#[derive(Debug, PartialEq)]
pub enum Refusal {
    /// Not allowed for this member (another seat's decision, a participant
    /// acting as facilitator).
    Forbidden(String),
    /// Out of turn: a decision for a quarter not being decided, or sent twice.
    Conflict(String),
    /// Malformed or out of range.
    Invalid(String),
}

/// A room: its worlds, members, pace and log.
pub struct Room {
    pub code: String,
    pub setup: RoomSetup,
    pub seats: Vec<Seat>,
    pub members: HashMap<String, Member>,
    /// Member tokens in the order they joined (a stable order to show).
    pub joined: Vec<String>,
    pub facilitator: String,
    pub phase: Phase,
    pub paused: bool,
    /// The quarter being decided (1-based; the next to run).
    pub quarter: u32,
    /// When the timer decides (ms on the room's clock), unless paused.
    pub deadline: Option<u64>,
    /// Time left when paused.
    left_ms: u64,
    /// This quarter's submissions by seat: the last counts.
    pending: BTreeMap<usize, (String, [f32; LEVERS])>,
    /// Decision ids seen in the quarter being decided (a replay is refused;
    /// a replay of an earlier quarter's is stale).
    seen_ids: HashSet<String>,
    /// Submissions by seat in the quarter being decided.
    submissions: BTreeMap<usize, u32>,
    /// Barrier and leadership changes to act from the next quarter's start.
    pub switches_pending: Vec<(Option<BarrierKind>, f32)>,
    pub decisions: Vec<Decision>,
    pub switches: Vec<Switch>,
    /// The three worlds, in the order of [`WORLDS`].
    pub tracks: [Track; 3],
    /// Each agency's levers at the end of warm-up, before the room's first quarter.
    pub start_levers: Vec<[f32; LEVERS]>,
    /// Bumped whenever anything a view shows changes.
    pub version: u64,
}

/// Does the place's warm-up end at a quarter's end, so that the room's
/// quarters are the model's (agencies adapt at a model quarter's end)?
pub fn quarters_align(params: &Params) -> bool {
    params.place.warmup_weeks.is_multiple_of(WEEKS_PER_QUARTER)
}

/// Most submissions a seat may send in one quarter.
pub const MAX_SUBMISSIONS: u32 = 50;

/// Round a lever to the room's grain.
fn grain(x: f32) -> f32 {
    (x * LEVER_GRAIN).round() / LEVER_GRAIN
}

impl Room {
    /// Build a room: burn the place in once and start the three worlds from it.
    /// `params` must have no problems; its weeks are set to the room's quarters.
    pub fn new(code: String, facilitator: String, setup: RoomSetup, mut params: Params) -> Room {
        debug_assert!(quarters_align(&params), "checked by the caller");
        params.place.seed = setup.seed;
        params.place.population = setup.population;
        params.place.weeks = setup.quarters * WEEKS_PER_QUARTER;
        let seats = params
            .agencies
            .iter()
            .enumerate()
            .filter(|(_, a)| a.role != Role::Crisis)
            .map(|(index, a)| Seat {
                agency: a.id.clone(),
                name: a.name.clone(),
                index,
            })
            .collect();
        let mut burned = Run::new(params, 1);
        burned.warm_up(|_| {});
        let warm = burned.world().tick();
        let start_levers = burned
            .world()
            .agencies()
            .iter()
            .map(|a| learner::levers(&a.policy))
            .collect();
        let room = Track::new(burned.clone());
        let ghost = Track::new(burned.clone());
        let mut total = Track::new(burned);
        // Total place from the room's first week, and again after any change
        // of barriers or leadership the scenario itself schedules.
        let mut lifts = vec![warm];
        lifts.extend(
            total
                .world()
                .params()
                .schedule
                .iter()
                .filter(|c| {
                    matches!(
                        c.change,
                        Change::Barrier(..) | Change::WholeSystemsWeight(_)
                    )
                })
                .map(|c| c.tick)
                .filter(|&t| t > warm),
        );
        lifts.dedup();
        for tick in lifts {
            for kind in BarrierKind::ALL {
                total.schedule(tick, Change::Barrier(kind, 0.0));
            }
            total.schedule(tick, Change::WholeSystemsWeight(1.0));
        }
        Room {
            code,
            setup,
            seats,
            members: HashMap::new(),
            joined: Vec::new(),
            facilitator,
            phase: Phase::Lobby,
            paused: false,
            quarter: 1,
            deadline: None,
            left_ms: 0,
            pending: BTreeMap::new(),
            seen_ids: HashSet::new(),
            submissions: BTreeMap::new(),
            switches_pending: Vec::new(),
            decisions: Vec::new(),
            switches: Vec::new(),
            tracks: [room, ghost, total],
            start_levers,
            version: 1,
        }
    }

    pub fn params(&self) -> &Params {
        self.tracks[0].world().params()
    }

    fn warmup(&self) -> u32 {
        self.params().place.warmup_weeks
    }

    /// The tick at which quarter `q` (1-based) starts.
    fn quarter_start(&self, q: u32) -> u32 {
        self.warmup() + (q - 1) * WEEKS_PER_QUARTER
    }

    /// Members at seat `s`.
    pub fn team(&self, s: usize) -> Vec<&Member> {
        self.joined
            .iter()
            .filter_map(|t| self.members.get(t))
            .filter(|m| m.seat == Some(s))
            .collect()
    }

    /// A new member: at the seat asked for (an agency id) if it has room,
    /// else at the seat with the fewest members if any has room, else an
    /// observer; `observe` asks to observe.
    pub fn join(
        &mut self,
        token: String,
        name: &str,
        seat: Option<&str>,
        now: u64,
    ) -> Result<Option<usize>, Refusal> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 40 || name.chars().any(char::is_control) {
            return Err(Refusal::Invalid(
                "name: give 1 to 40 printable characters".into(),
            ));
        }
        let size = |s: usize| self.team(s).len() as u32;
        let seat = match seat {
            Some("observe") => None,
            Some(id) => {
                let s = self
                    .seats
                    .iter()
                    .position(|x| x.agency == id)
                    .ok_or_else(|| {
                        let ids: Vec<_> = self.seats.iter().map(|x| x.agency.as_str()).collect();
                        Refusal::Invalid(format!(
                            "seat: no seat `{id}`; seats: {}, or observe",
                            ids.join(", ")
                        ))
                    })?;
                if size(s) >= self.setup.team_size {
                    return Err(Refusal::Conflict(format!(
                        "seat: {} already has {} members, the most a team may have; choose another seat or observe",
                        self.seats[s].name, self.setup.team_size
                    )));
                }
                Some(s)
            }
            None => (0..self.seats.len())
                .filter(|&s| size(s) < self.setup.team_size)
                .min_by_key(|&s| (size(s), s)),
        };
        self.members.insert(
            token.clone(),
            Member {
                name: name.to_string(),
                seat,
                last_seen: now,
            },
        );
        self.joined.push(token);
        self.version += 1;
        Ok(seat)
    }

    /// Mark a member (or the facilitator) as present.
    pub fn seen(&mut self, token: &str, now: u64) {
        if let Some(m) = self.members.get_mut(token) {
            m.last_seen = now;
        }
    }

    /// Start the room: the first quarter's decisions are open.
    pub fn start(&mut self, now: u64) -> Result<(), Refusal> {
        if self.phase != Phase::Lobby {
            return Err(Refusal::Conflict("the room has already started".into()));
        }
        self.phase = Phase::Deciding;
        self.open_quarter(now);
        Ok(())
    }

    fn open_quarter(&mut self, now: u64) {
        let ms = self.setup.decision_seconds as u64 * 1000;
        if self.paused {
            self.deadline = None;
            self.left_ms = ms;
        } else {
            self.deadline = Some(now + ms);
        }
        self.version += 1;
    }

    pub fn pause(&mut self, now: u64) {
        if let (false, Some(d)) = (self.paused, self.deadline) {
            self.left_ms = d.saturating_sub(now);
            self.deadline = None;
        }
        self.paused = true;
        self.version += 1;
    }

    pub fn resume(&mut self, now: u64) {
        if self.paused && self.phase == Phase::Deciding {
            self.deadline = Some(now + self.left_ms);
        }
        self.paused = false;
        self.version += 1;
    }

    /// Seconds until the timer decides (when paused, those left when it
    /// paused; none in the lobby or when finished).
    pub fn seconds_left(&self, now: u64) -> Option<u64> {
        match (self.phase, self.deadline) {
            (Phase::Deciding, Some(d)) => Some(d.saturating_sub(now).div_ceil(1000)),
            (Phase::Deciding, None) if self.paused => Some(self.left_ms.div_ceil(1000)),
            _ => None,
        }
    }

    /// A member's decision for their seat: `quarter` must be the one being
    /// decided, `agency` their own seat's, `id` never sent before.
    pub fn decide(
        &mut self,
        token: &str,
        quarter: u32,
        agency: &str,
        id: &str,
        levers: &BTreeMap<String, f64>,
    ) -> Result<(), Refusal> {
        let member = self
            .members
            .get(token)
            .ok_or_else(|| Refusal::Forbidden("not a member of this room".into()))?;
        let seat = member.seat.ok_or_else(|| {
            Refusal::Forbidden("observers cannot decide; join a seat to decide".into())
        })?;
        if self.seats[seat].agency != agency {
            return Err(Refusal::Forbidden(format!(
                "agency: you sit for {}, not `{agency}`",
                self.seats[seat].agency
            )));
        }
        if id.is_empty() || id.len() > 64 {
            return Err(Refusal::Invalid("id: give 1 to 64 characters".into()));
        }
        if self.seen_ids.contains(id) {
            return Err(Refusal::Conflict(format!(
                "decision `{id}` was already received; a decision counts once"
            )));
        }
        if self.phase != Phase::Deciding || quarter != self.quarter {
            return Err(Refusal::Conflict(match self.phase {
                Phase::Deciding => format!(
                    "quarter: decisions are open for quarter {}, not {quarter}",
                    self.quarter
                ),
                Phase::Lobby => "the room has not started".into(),
                Phase::Finished => "the room has finished".into(),
            }));
        }
        let ranges = learner::ranges(&self.params().adaptation);
        let current = self.tracks[0].world().agencies()[self.seats[seat].index].policy;
        let mut out = learner::levers(&current).map(grain);
        for (name, &x) in levers {
            let l = LEVER_NAMES.iter().position(|n| n == name).ok_or_else(|| {
                Refusal::Invalid(format!(
                    "levers: no lever `{name}`; levers: {}",
                    LEVER_NAMES.join(", ")
                ))
            })?;
            let (lo, hi) = ranges[l];
            // Compared as the lever is kept (f32), so that a range's own ends are allowed.
            if !(x.is_finite() && (lo..=hi).contains(&(x as f32))) {
                return Err(Refusal::Invalid(format!(
                    "levers.{name}: must be between {lo} and {hi}, not {x}"
                )));
            }
            out[l] = grain(x as f32).clamp(lo, hi);
        }
        let sent = self.submissions.entry(seat).or_default();
        if *sent >= MAX_SUBMISSIONS {
            return Err(Refusal::Conflict(format!(
                "your team has sent {MAX_SUBMISSIONS} decisions this quarter, the most it may; the last one counts"
            )));
        }
        *sent += 1;
        let name = member.name.clone();
        self.seen_ids.insert(id.to_string());
        self.pending.insert(seat, (name, out));
        self.version += 1;
        Ok(())
    }

    /// Has seat `s` a decision for this quarter?
    pub fn decided(&self, s: usize) -> bool {
        self.pending.contains_key(&s)
    }

    /// The decision pending at seat `s`, if any.
    pub fn pending(&self, s: usize) -> Option<&(String, [f32; LEVERS])> {
        self.pending.get(&s)
    }

    /// A switch of a barrier (or, with `None`, the leadership weight) from
    /// the next quarter's start, in the room's place and the ghost place.
    pub fn switch(&mut self, barrier: Option<BarrierKind>, value: f32) -> Result<(), Refusal> {
        if self.phase == Phase::Finished {
            return Err(Refusal::Conflict("the room has finished".into()));
        }
        self.switches_pending.retain(|(b, _)| *b != barrier);
        // A switch back to the value in force is no switch at all.
        let w = self.tracks[0].world();
        let now = match barrier {
            Some(k) => w.barriers().get(k),
            None => w.whole_systems_weight(),
        };
        if grain(value) != now {
            self.switches_pending.push((barrier, grain(value)));
        }
        self.version += 1;
        Ok(())
    }

    /// Barrier strengths and leadership as they will stand at the next quarter's start.
    pub fn barriers_next(&self) -> (Barriers, f32) {
        let w = self.tracks[0].world();
        let (mut b, mut l) = (w.barriers(), w.whole_systems_weight());
        for &(kind, x) in &self.switches_pending {
            match kind {
                Some(k) => b.set(k, x),
                None => l = x,
            }
        }
        (b, l)
    }

    /// Is every seat with a member present decided (and some seat staffed)?
    fn all_present_decided(&self, now: u64) -> bool {
        let mut staffed = false;
        for s in 0..self.seats.len() {
            let present = self
                .team(s)
                .iter()
                .any(|m| now.saturating_sub(m.last_seen) < AWAY_MS);
            if present {
                staffed = true;
                if !self.decided(s) {
                    return false;
                }
            }
        }
        staffed
    }

    /// Called on the room's clock: run the quarter once every present team
    /// has decided or the timer has run out (not while paused). Returns
    /// whether a quarter ran.
    pub fn tick(&mut self, now: u64) -> bool {
        if self.phase != Phase::Deciding || self.paused {
            return false;
        }
        let due = self.deadline.is_some_and(|d| now >= d);
        if due || self.all_present_decided(now) {
            self.run_quarter(now);
            true
        } else {
            false
        }
    }

    /// Run the quarter being decided now (the facilitator's "advance", or the clock's).
    pub fn run_quarter(&mut self, now: u64) {
        if self.phase != Phase::Deciding {
            return;
        }
        let q = self.quarter;
        let tick = self.quarter_start(q);
        for (kind, x) in std::mem::take(&mut self.switches_pending) {
            let change = match kind {
                Some(k) => Change::Barrier(k, x),
                None => Change::WholeSystemsWeight(x),
            };
            self.tracks[0].schedule(tick, change);
            self.tracks[1].schedule(tick, change);
            self.switches.push(Switch {
                quarter: q,
                barrier: kind.map(BarrierKind::name),
                value: x,
            });
        }
        let mut by_timer = Vec::new();
        for s in 0..self.seats.len() {
            if self.team(s).is_empty() {
                continue; // an empty seat: the model's agency, as in the ghost place
            }
            let a = self.seats[s].index as u8;
            match self.pending.remove(&s) {
                Some((member, levers)) => {
                    for (l, x) in levers.into_iter().enumerate() {
                        self.tracks[0].schedule(tick, Change::Lever(a, l as u8, x));
                    }
                    self.decisions.push(Decision {
                        quarter: q,
                        agency: self.seats[s].agency.clone(),
                        by: DecidedBy::Team { member },
                        levers,
                    });
                }
                None => {
                    if self.tracks[0].world().agencies()[a as usize].steered {
                        self.tracks[0].schedule(tick, Change::Adaptive(a));
                    }
                    by_timer.push(s);
                }
            }
        }
        self.pending.clear();
        self.seen_ids.clear();
        self.submissions.clear();
        for t in &mut self.tracks {
            t.quarter(q);
        }
        // The timer's levers are the model's: read them off the quarter just run.
        for s in by_timer {
            let levers = self.tracks[0].agencies[self.seats[s].index]
                .last()
                .map(|v| v.levers)
                .unwrap_or_default();
            self.decisions.push(Decision {
                quarter: q,
                agency: self.seats[s].agency.clone(),
                by: DecidedBy::Timer,
                levers,
            });
        }
        self.decisions
            .sort_by(|a, b| (a.quarter, &a.agency).cmp(&(b.quarter, &b.agency)));
        self.quarter += 1;
        if self.quarter > self.setup.quarters {
            self.finish();
        } else {
            self.open_quarter(now);
        }
    }

    /// End the room now: no more quarters; the debrief covers those run.
    pub fn finish(&mut self) {
        self.phase = Phase::Finished;
        self.deadline = None;
        self.pending.clear();
        self.version += 1;
    }

    /// Quarters run so far.
    pub fn quarters_run(&self) -> u32 {
        self.tracks[0].quarters.len() as u32
    }

    /// The room's cost-shifting matrix so far (spender by cause, £).
    pub fn cost_shifting(&self, world: usize) -> Vec<CostShiftRow> {
        self.tracks[world].world().cost_shifting()
    }

    /// The room's decisions and switches as a scenario: the place it was
    /// built from, its seed, population and the weeks run, and a schedule of
    /// every lever set, every seat handed back to the model and every
    /// switch. `placesim run` on it reproduces the room's place week by week.
    pub fn schedule_toml(&self) -> String {
        let weeks = self.quarters_run() * WEEKS_PER_QUARTER;
        // Every change of the run, the scenario's own and the room's, as
        // TOML replaces a list whole: the exported schedule is the run's.
        // Two changes of one key in a week act in turn, so the later stands.
        let mut entries: BTreeMap<u32, Vec<(String, String)>> = BTreeMap::new();
        let warm = self.warmup();
        let p = self.params();
        for c in &p.schedule {
            if c.tick < warm || c.tick >= warm + weeks {
                continue;
            }
            let id = |a: u8| &p.agencies[a as usize].id;
            let (key, value) = match c.change {
                Change::Lever(a, l, x) => (
                    format!("agencies.{}.{}", id(a), LEVER_NAMES[l as usize]),
                    format!("{x}"),
                ),
                Change::Adaptive(a) => (format!("agencies.{}.adaptive", id(a)), "true".into()),
                Change::Barrier(k, x) => {
                    (format!("barriers.{}.strength", k.name()), format!("{x}"))
                }
                Change::WholeSystemsWeight(x) => {
                    ("leadership.whole_systems_weight".into(), format!("{x}"))
                }
                Change::Capacity(a, x) => (
                    format!("agencies.{}.capacity_per_week", id(a)),
                    toml_float(x),
                ),
                Change::Budget(a, x) => {
                    // As the scenario's file wrote it (the room sets no budgets).
                    let written = self
                        .setup
                        .base_budgets
                        .iter()
                        .find(|b| (b.0, b.1) == (c.tick, a))
                        .map_or(x, |b| b.2);
                    (
                        format!("agencies.{}.budget_per_year", id(a)),
                        toml_float(written),
                    )
                }
            };
            let week = entries.entry(c.tick - warm).or_default();
            week.retain(|(k, _)| *k != key);
            week.push((key, value));
        }
        let mut out = String::new();
        out.push_str(&format!(
            "# Workshop room {}: the room's decisions as a schedule.\n\
             # `placesim run` on this file reproduces the room's place week by week.\n\
             # Levers set by a team steer that agency from that week; `adaptive = true`\n\
             # hands it back to the model's own rule (its team did not decide in time).\n\n",
            self.code
        ));
        out.push_str(&format!("extends = {}\n", toml_string(&self.setup.extends)));
        out.push_str(&format!(
            "name = {}\n",
            toml_string(&format!("workshop-room-{}", self.code.to_lowercase()))
        ));
        out.push_str(&format!(
            "description = {}\n",
            toml_string(&format!(
                "Workshop room {} on {}: {} quarters of the room's decisions.",
                self.code,
                self.setup.scenario,
                self.quarters_run()
            ))
        ));
        out.push_str("schedule = [\n");
        for (week, sets) in &entries {
            let body: Vec<String> = sets
                .iter()
                .map(|(k, v)| format!("{} = {v}", toml_string(k)))
                .collect();
            out.push_str(&format!(
                "  {{ week = {week}, set = {{ {} }} }},\n",
                body.join(", ")
            ));
        }
        out.push_str("]\n\n[place]\n");
        out.push_str(&format!("seed = {}\n", toml_seed(self.setup.seed)));
        out.push_str(&format!("population = {}\n", self.setup.population));
        out.push_str(&format!("weeks = {}\n", weeks.max(1)));
        out
    }
}

/// A TOML basic string.
fn toml_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A float as TOML writes one (always with a point or an exponent).
fn toml_float(x: f64) -> String {
    let s = format!("{x:?}");
    if s.contains(['.', 'e', 'E']) || !x.is_finite() {
        s
    } else {
        format!("{s}.0")
    }
}

/// A seed as a scenario file takes it (text above TOML's largest integer).
fn toml_seed(seed: u64) -> String {
    if seed > i64::MAX as u64 {
        format!("\"{seed}\"")
    } else {
        seed.to_string()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn small_room(quarters: u32) -> Room {
        let params = placesim_scenario::preset("silos", &[]).unwrap().params;
        let setup = RoomSetup {
            scenario: "silos".into(),
            extends: "silos.toml".into(),
            seed: 7,
            population: 400,
            quarters,
            decision_seconds: 60,
            team_size: 2,
            base_budgets: Vec::new(),
        };
        Room::new("ABCD".into(), "f".into(), setup, params)
    }

    /// The counted weeks of a run of `params`, as `placesim run` writes them.
    fn counted_weeks(params: Params) -> Vec<TickRow> {
        let mut run = Run::new(params, 1);
        let warm = run.world().params().place.warmup_weeks;
        let mut rows = Vec::new();
        run.to_end(|w| {
            if w.place().week >= warm {
                rows.push(w.place().clone());
            }
            Ok::<(), ()>(())
        })
        .unwrap();
        rows
    }

    fn json(rows: &[TickRow]) -> String {
        serde_json::to_string(rows).unwrap()
    }

    fn levers(pairs: &[(&str, f64)]) -> BTreeMap<String, f64> {
        pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
    }

    #[test]
    fn seats_are_the_adaptive_agencies_and_teams_fill_evenly() {
        let mut r = small_room(2);
        let ids: Vec<_> = r.seats.iter().map(|s| s.agency.as_str()).collect();
        assert_eq!(
            ids,
            [
                "gp",
                "mental_health",
                "social_care",
                "housing",
                "job_centre",
                "voluntary"
            ]
        );
        for k in 0..13 {
            r.join(format!("t{k}"), &format!("P{k}"), None, 0).unwrap();
        }
        for s in 0..6 {
            assert_eq!(r.team(s).len(), 2, "seat {s}");
        }
        assert_eq!(r.members["t12"].seat, None, "the thirteenth observes");
        assert!(matches!(
            r.join("x".into(), "X", Some("gp"), 0),
            Err(Refusal::Conflict(_))
        ));
        assert!(matches!(
            r.join("y".into(), "Y", Some("gps"), 0),
            Err(Refusal::Invalid(_))
        ));
    }

    #[test]
    fn decisions_are_for_ones_own_seat_this_quarter_and_count_once() {
        let mut r = small_room(3);
        r.join("a".into(), "Ann", Some("social_care"), 0).unwrap();
        r.join("b".into(), "Bo", Some("housing"), 0).unwrap();
        r.join("o".into(), "Obs", Some("observe"), 0).unwrap();
        let l = levers(&[("eligibility_threshold", 0.6)]);
        assert!(
            matches!(
                r.decide("a", 1, "social_care", "1", &l),
                Err(Refusal::Conflict(_))
            ),
            "before the start"
        );
        r.start(0).unwrap();
        assert!(matches!(
            r.decide("a", 1, "housing", "2", &l),
            Err(Refusal::Forbidden(_))
        ));
        assert!(matches!(
            r.decide("o", 1, "housing", "3", &l),
            Err(Refusal::Forbidden(_))
        ));
        assert!(matches!(
            r.decide("zz", 1, "housing", "4", &l),
            Err(Refusal::Forbidden(_))
        ));
        assert!(matches!(
            r.decide("a", 2, "social_care", "5", &l),
            Err(Refusal::Conflict(_))
        ));
        let far = levers(&[("eligibility_threshold", 7.0)]);
        assert!(matches!(
            r.decide("a", 1, "social_care", "6", &far),
            Err(Refusal::Invalid(_))
        ));
        r.decide("a", 1, "social_care", "7", &l).unwrap();
        assert_eq!(
            r.decide("a", 1, "social_care", "7", &l),
            Err(Refusal::Conflict(
                "decision `7` was already received; a decision counts once".into()
            ))
        );
        assert!(!r.tick(1000), "housing has not decided");
        r.decide("b", 1, "housing", "8", &levers(&[("intensity", 0.8)]))
            .unwrap();
        assert!(r.tick(1000), "every present team decided: the quarter runs");
        assert_eq!(r.quarter, 2);
        assert!(
            matches!(
                r.decide("a", 1, "social_care", "9", &l),
                Err(Refusal::Conflict(_))
            ),
            "a stale quarter"
        );
        let care = r.seats[2].index;
        let row = r.tracks[0].agencies[care].last().unwrap();
        assert_eq!(row.levers[0], 0.6, "applied in the quarter it was made");
    }

    /// A team that vanishes does not stall the room: the timer runs the
    /// quarter and the model's rule decides for it, and the log says so.
    #[test]
    fn the_timer_decides_for_a_team_that_vanished() {
        let mut r = small_room(3);
        r.join("a".into(), "Ann", Some("gp"), 0).unwrap();
        r.join("b".into(), "Bo", Some("housing"), 0).unwrap();
        r.start(0).unwrap();
        r.decide("a", 1, "gp", "1", &levers(&[("intensity", 1.2)]))
            .unwrap();
        r.seen("a", 30_000);
        assert!(!r.tick(10_000), "Bo is present and has not decided");
        // Bo has been away for AWAY_MS: the room no longer waits for him.
        assert!(r.tick(30_000));
        r.seen("a", 61_000);
        assert!(r.tick(30_000 + 60_000), "the timer runs quarter 2");
        let by: Vec<_> = r
            .decisions
            .iter()
            .map(|d| (d.quarter, d.agency.as_str(), d.by.clone()))
            .collect();
        assert_eq!(
            by,
            [
                (
                    1,
                    "gp",
                    DecidedBy::Team {
                        member: "Ann".into()
                    }
                ),
                (1, "housing", DecidedBy::Timer),
                (2, "gp", DecidedBy::Timer),
                (2, "housing", DecidedBy::Timer),
            ]
        );
        assert!(!r.tracks[0].world().agencies()[r.seats[0].index].steered);
    }

    /// The room's decisions, hand-backs and a barrier switch export as a
    /// schedule that `placesim run` (the scenario loader and the run driver)
    /// reproduces week by week, bit for bit.
    #[test]
    fn the_exported_schedule_reproduces_the_rooms_place() {
        let mut r = small_room(4);
        r.join("a".into(), "Ann", Some("social_care"), 0).unwrap();
        r.join("b".into(), "Bo", Some("gp"), 0).unwrap();
        r.start(0).unwrap();
        r.decide(
            "a",
            1,
            "social_care",
            "1",
            &levers(&[("eligibility_threshold", 0.71)]),
        )
        .unwrap();
        r.decide("b", 1, "gp", "2", &levers(&[("referral_propensity", 0.33)]))
            .unwrap();
        r.run_quarter(0);
        r.decide("a", 2, "social_care", "3", &levers(&[("intensity", 1.37)]))
            .unwrap();
        r.switch(Some(BarrierKind::RingFencedBudgets), 0.0).unwrap();
        r.switch(None, 0.5).unwrap();
        r.run_quarter(0); // the GP's team did not decide: handed back
        r.run_quarter(0);
        let toml = r.schedule_toml();
        assert!(toml.contains("\"agencies.gp.adaptive\" = true"), "{toml}");
        assert!(
            toml.contains("\"barriers.ring_fenced_budgets.strength\" = 0"),
            "{toml}"
        );
        let dir = std::env::temp_dir().join(format!("placesim-room-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("room.toml");
        std::fs::write(&file, &toml).unwrap();
        let loaded =
            placesim_scenario::load_scenario(&file, &[]).unwrap_or_else(|e| panic!("{e}\n{toml}"));
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(loaded.params.place.weeks, 39);
        let rows = counted_weeks(loaded.params);
        assert_eq!(rows.len(), r.tracks[0].weeks.len());
        assert_eq!(json(&rows), json(&r.tracks[0].weeks));
        assert_ne!(
            json(&r.tracks[0].weeks),
            json(&r.tracks[1].weeks),
            "the room's decisions changed nothing"
        );
    }

    /// A scenario with its own schedule (a barrier, a capacity and a budget)
    /// and a facilitator's switch of the same barrier in the same week: the
    /// export carries the scenario's changes, one value per key and week, and
    /// still reproduces the room's place.
    #[test]
    fn a_scenario_with_its_own_schedule_exports_whole() {
        let dir = std::env::temp_dir().join(format!("placesim-room-base-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let base = dir.join("base.toml");
        std::fs::write(
            &base,
            "extends = \"silos.toml\"\nname = \"base\"\nschedule = [\n  { week = 0, set = { \"barriers.ring_fenced_budgets.strength\" = 0.5 } },\n  { week = 13, set = { \"agencies.voluntary.capacity_per_week\" = 900, \"agencies.gp.budget_per_year\" = 90000000 } },\n]\n",
        )
        .unwrap();
        let params = placesim_scenario::load_scenario(&base, &[]).unwrap().params;
        let setup = RoomSetup {
            scenario: "base".into(),
            extends: base.to_string_lossy().into_owned(),
            seed: 3,
            population: 400,
            quarters: 3,
            decision_seconds: 60,
            team_size: 2,
            base_budgets: base_budgets(&base.to_string_lossy()),
        };
        let mut r = Room::new("BASE".into(), "f".into(), setup, params);
        r.join("a".into(), "Ann", Some("housing"), 0).unwrap();
        r.start(0).unwrap();
        r.switch(Some(BarrierKind::RingFencedBudgets), 0.2).unwrap();
        r.decide("a", 1, "housing", "1", &levers(&[("complexity_cap", 2.5)]))
            .unwrap();
        r.run_quarter(0);
        r.run_quarter(0);
        r.run_quarter(0);
        let toml = r.schedule_toml();
        assert_eq!(toml.matches("ring_fenced_budgets").count(), 1, "{toml}");
        assert!(toml.contains("capacity_per_week\" = 900.0"), "{toml}");
        assert!(toml.contains("budget_per_year\" = 90000000.0"), "{toml}");
        let file = dir.join("room.toml");
        std::fs::write(&file, &toml).unwrap();
        let loaded =
            placesim_scenario::load_scenario(&file, &[]).unwrap_or_else(|e| panic!("{e}\n{toml}"));
        std::fs::remove_dir_all(&dir).unwrap();
        let rows = counted_weeks(loaded.params);
        assert_eq!(json(&rows), json(&r.tracks[0].weeks));
        // Total place stays total place through the scenario's own switch.
        assert_eq!(r.tracks[2].world().barriers().ring_fenced_budgets, 0.0);
    }

    /// The levers a quarter shows are those in force in it: for the timer's
    /// seat, the model's policy in the quarter's first week, not the one it
    /// chose at the quarter's end for the next.
    #[test]
    fn a_quarters_levers_are_those_in_force_in_it() {
        let mut r = small_room(2);
        r.join("a".into(), "Ann", Some("housing"), 0).unwrap();
        r.start(0).unwrap();
        let before = learner::levers(&r.tracks[0].world().agencies()[r.seats[3].index].policy);
        r.run_quarter(0);
        let after = learner::levers(&r.tracks[0].world().agencies()[r.seats[3].index].policy);
        let logged = r.decisions[0].levers;
        assert_eq!(r.decisions[0].by, DecidedBy::Timer);
        assert_eq!(logged, before, "the policy the quarter ran under");
        assert_ne!(logged, after, "not the next quarter's");
    }
}
