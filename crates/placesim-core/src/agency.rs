//! Agencies: their adaptive policy, their queues, their beds and the counters they keep
//! (their money is in the ledger, `finance`).

use crate::ids::{CitizenId, Domain, Tick};
use crate::learner::Learner;
use crate::params::{AgencySpec, Policy};
use std::collections::VecDeque;

/// A case accepted into an agency's queue.
#[derive(Clone, Copy, Debug)]
pub struct Case {
    pub citizen: CitizenId,
    pub domain: Domain,
    /// Tick the case joined the queue.
    pub since: Tick,
}

/// What happened at one agency in one week (reset every tick).
#[derive(Clone, Copy, Debug, Default)]
pub struct AgencyWeek {
    pub arrivals: u32,
    pub failure_demand: u32,
    pub accepted: u32,
    pub refused: u32,
    pub parked: u32,
    pub served: u32,
    pub reneged: u32,
    pub crisis_events: u32,
    /// Progress-chasing contacts answered (part of `failure_demand`).
    pub chasing: u32,
    /// Admissions to beds, and those made with every bed full (corridor care).
    pub admissions: u32,
    pub corridor_care: u32,
    /// Bed-days used this week, and those of medically fit patients waiting
    /// for a package (simulated), and the beds available (simulated).
    pub bed_days: u64,
    pub delayed_days: u64,
    pub beds: f64,
    pub referrals_made: u32,
    pub referrals_lost: u32,
    /// Referrals that arrived here though the need is outside the remit
    /// (sent to the wrong service), and those this agency's own assessment
    /// caught and redirected.
    pub misrouted: u32,
    pub misrouted_caught: u32,
    /// Departures from the queue (served or gave up) and their summed waits in weeks.
    pub departures: u32,
    pub wait_sum: u64,
    /// Capacity available and used this week, in simulated case units.
    pub capacity: f64,
    pub work_done: f64,
}

/// What an agency judges its KPIs on: one quarter's totals.
#[derive(Clone, Copy, Debug, Default)]
pub struct AgencyQuarter {
    pub arrivals: u32,
    pub served: u32,
    pub failure_demand: u32,
    pub refused: u32,
    pub spend: f64,
    pub allowance: f64,
    /// Spend in other agencies attributed to this agency's failures (£).
    pub shifted_out: f64,
    /// The waiting list's wait at each week's end, summed (weeks).
    pub wait_sum: f64,
}

impl AgencyQuarter {
    /// Add a week's counters, the week's spend (£) and the waiting list's wait at its end.
    pub fn add_week(&mut self, w: &AgencyWeek, spend: f64, wait: f64) {
        self.wait_sum += wait;
        self.arrivals += w.arrivals;
        self.served += w.served;
        self.failure_demand += w.failure_demand;
        self.refused += w.refused + w.parked + w.reneged;
        self.spend += spend;
    }
}

/// One agency of the place at run time.
#[derive(Clone, Debug)]
pub struct Agency {
    /// The policy in force this quarter: the learner's settled policy and its trial.
    pub policy: Policy,
    pub learner: Learner,
    /// Steered by hand (a scheduled lever): the agency tries and learns
    /// nothing at a quarter's end and keeps the policy it was given.
    pub steered: bool,
    /// This agency's own weight on the place outcome; moves toward the place's `w`.
    pub culture: f32,
    /// Cases accepted below the eligibility threshold, served first from reserved capacity.
    pub prevention_queue: VecDeque<Case>,
    pub queue: VecDeque<Case>,
    /// Fractional capacity carried to next week.
    pub carry: f64,
    /// Reserved prevention capacity left unused last week (at most one
    /// case's work at the agency's intensity, and none when no capacity is
    /// reserved), carried like `carry` so that a small reserve is not lost
    /// to rounding at low resolution.
    pub prevention_carry: f64,
    /// Work owed for warm hand-offs and answers to chasing contacts (case
    /// units), taken from the agency's next serve phase: this week's for
    /// what happened in triage, next week's for hand-offs sent after its
    /// turn to serve. Work beyond that week's capacity is not carried.
    pub work_owed: f64,
    pub week: AgencyWeek,
    /// Inpatients, for a crisis service with beds.
    pub ward: Ward,
    pub quarter: AgencyQuarter,
    /// Closed KPI quarters, oldest first: the trailing KPI window and, behind
    /// it, the quarters by which outcomes lag.
    pub history: VecDeque<AgencyQuarter>,
    /// Frontline capacity in force as a multiple of the scenario's (money
    /// buys capacity: `commission`), and a change on order: the week it takes
    /// effect and the multiple it sets.
    pub commissioned: f64,
    pub on_order: Option<(Tick, f64)>,
    /// Work done and frontline capacity summed since the last order (this
    /// financial year): the utilisation commissioning reads.
    pub year_work: f64,
    pub year_capacity: f64,
}

impl Agency {
    pub fn new(spec: &AgencySpec, culture: f32) -> Self {
        Agency {
            policy: spec.initial_policy,
            learner: Learner::new(&spec.initial_policy),
            steered: false,
            culture,
            prevention_queue: VecDeque::new(),
            queue: VecDeque::new(),
            carry: 0.0,
            prevention_carry: 0.0,
            work_owed: 0.0,
            week: AgencyWeek::default(),
            ward: Default::default(),
            quarter: AgencyQuarter::default(),
            commissioned: 1.0,
            on_order: None,
            year_work: 0.0,
            year_capacity: 0.0,
            history: VecDeque::new(),
        }
    }

    pub fn queue_len(&self) -> usize {
        self.queue.len() + self.prevention_queue.len()
    }
}

/// One patient in a bed.
#[derive(Clone, Copy, Debug)]
pub struct Inpatient {
    pub citizen: CitizenId,
    /// Day (counted from the run's start) the patient was admitted.
    pub admitted_day: u32,
    /// Day the patient is medically fit to leave.
    pub fit_day: u32,
    /// A package has been asked for (or the open case is one): the patient
    /// stays until that case closes.
    pub awaiting_package: bool,
}

/// A crisis service's beds at run time.
#[derive(Clone, Debug, Default)]
pub struct Ward {
    pub patients: Vec<Inpatient>,
    /// Last week's occupancy: bed-days used over bed-days available (may
    /// exceed 1: corridor care). Admissions this week see it.
    pub occupancy: f64,
}
