//! The agencies' serial week: what triage, service and referral act on. A
//! [`Frontline`] borrows just the pieces of the world those phases need — the
//! citizens, the agencies, the ledger, the referral book and the journal —
//! for one week; the phases themselves live in `triage`, `service` and
//! `refer`.

use crate::agency::Agency;
use crate::barriers::burden;
use crate::citizen::Citizen;
use crate::finance::{Ledger, SpendKind};
use crate::ids::{AgencyId, CitizenId, Domain, Tick};
use crate::journal::{Happening, Journal};
use crate::params::{Barriers, Params};
use crate::referral::ReferralBook;
use crate::rng::{Purpose, Stream};

/// The serial phases' random streams, one each, so that a draw added in one
/// phase never shifts the numbers another gets. Service draws nothing today;
/// its stream's purpose ([`Purpose::Service`]) is keyed for when it does.
pub struct PhaseStreams {
    pub triage: Stream,
    pub referral: Stream,
}

impl PhaseStreams {
    pub fn new(seed: u64, tick: Tick) -> Self {
        PhaseStreams {
            triage: Stream::new(seed, Purpose::Triage, tick, 0),
            referral: Stream::new(seed, Purpose::Referral, tick, 0),
        }
    }
}

/// The pieces of the world the agency phases act on, for one week.
pub struct Frontline<'a> {
    pub params: &'a Params,
    pub barriers: Barriers,
    pub tick: Tick,
    pub citizens: &'a mut [Citizen],
    pub agencies: &'a mut [Agency],
    pub ledger: &'a mut Ledger,
    pub referrals: &'a mut ReferralBook,
    pub journal: &'a mut Journal,
    pub streams: PhaseStreams,
}

impl Frontline<'_> {
    /// Whether this week's outcomes count (after warm-up).
    pub fn counting(&self) -> bool {
        self.tick >= self.params.place.warmup_weeks
    }

    pub fn note(&mut self, citizen: CitizenId, happening: Happening) {
        self.journal.note(citizen, self.tick, happening);
    }

    pub fn can_spend(&self, a: AgencyId, unit_cost: f64) -> bool {
        self.ledger
            .can_spend(self.params, self.barriers, a, unit_cost)
    }

    /// Prevention out of the protected allowance (`invest_to_save`).
    pub fn can_spend_protected(&self, a: AgencyId, unit_cost: f64) -> bool {
        self.ledger.can_spend_protected(self.params, a, unit_cost)
    }

    pub fn charge(
        &mut self,
        a: AgencyId,
        citizen: CitizenId,
        d: Domain,
        cost: f64,
        kind: SpendKind,
    ) {
        let c = &mut self.citizens[citizen.index()];
        self.ledger.charge(self.params, a, c, d, cost, kind);
    }

    /// Weekly case capacity of the agency for the simulated population, after reporting burden.
    pub fn frontline_capacity(&self, a: AgencyId) -> f64 {
        let nominal = self.params.agencies[a.index()].capacity_per_week
            * self.params.place.scale()
            * self.agencies[a.index()].commissioned;
        burden::reporting_capacity(
            nominal,
            self.barriers.frontline_burden,
            self.barriers.function_bound_targets,
            &self.params.prices,
        )
    }

    /// The citizen was failed by `agency` on need `d` (refused, parked, gave
    /// up waiting, or lost in a referral): blamed for cost shifting, and the
    /// citizen learns the agency did not help.
    pub fn failed(&mut self, citizen: CitizenId, agency: AgencyId, d: Domain) {
        let c = &mut self.citizens[citizen.index()];
        c.blame_on(d, agency, self.tick);
        c.learn(agency, 0.0, self.params);
    }
}

/// Hint the CPU to fetch a citizen's record before it is needed (the serial
/// phases visit citizens scattered over the table, one cache miss each).
#[inline]
pub fn prefetch(c: &Citizen) {
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
pub const PREFETCH_AHEAD: usize = 8;
