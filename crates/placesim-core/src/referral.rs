//! The referral book: referrals between agencies in flight, those delivered
//! for triage, and where a need is referred. Sending and delivering are the
//! `refer` phase's.

use crate::citizen::ContactKind;
use crate::ids::{AgencyId, CitizenId, Domain, Tick};
use crate::params::{Params, Role};
use crate::rng::Stream;

/// Someone arriving at an agency this week: a citizen's own contact or a referral.
#[derive(Clone, Copy, Debug)]
pub struct Arrival {
    pub citizen: CitizenId,
    pub agency: AgencyId,
    pub domain: Domain,
    pub kind: ContactKind,
    pub via_referral: bool,
    /// A referral sent to a service whose remit does not cover the need,
    /// and the service it was meant for (where a caught one is sent on).
    pub misrouted: bool,
    pub intended: AgencyId,
    pub failure_demand: bool,
}

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
    /// Sent to a service whose remit does not cover the need, and the
    /// service it was meant for.
    pub misrouted: bool,
    pub intended: AgencyId,
}

/// Referrals in flight, and those delivered last week awaiting triage.
#[derive(Clone, Debug, Default)]
pub struct ReferralBook {
    pub(crate) in_flight: Vec<Referral>,
    /// Scratch: referrals falling due this week (kept to avoid allocating each tick).
    pub(crate) due: Vec<Referral>,
    /// Delivered last week, triaged this week.
    pub(crate) delivered: Vec<Arrival>,
}

impl ReferralBook {
    /// Take the delivered referrals for triage; give the buffer back with [`Self::return_delivered`].
    pub fn take_delivered(&mut self) -> Vec<Arrival> {
        std::mem::take(&mut self.delivered)
    }

    /// Referrals delivered last week, awaiting triage.
    pub fn delivered_count(&self) -> usize {
        self.delivered.len()
    }

    pub fn return_delivered(&mut self, mut buffer: Vec<Arrival>) {
        buffer.clear();
        self.delivered = buffer;
    }
}

/// Where a misrouted referral of need `d` from `from` goes: one of the
/// non-crisis services whose remit does not cover it, other than `from`,
/// drawn uniformly; `None` (and no draw) if every other service covers it.
pub fn wrong_target(p: &Params, d: Domain, from: AgencyId, rng: &mut Stream) -> Option<AgencyId> {
    let wrong = |(i, s): &(usize, &crate::params::AgencySpec)| {
        *i != from.index() && s.role != Role::Crisis && !s.remit.contains(d)
    };
    let n = p.agencies.iter().enumerate().filter(wrong).count();
    if n == 0 {
        return None;
    }
    let pick = rng.below(n as u32) as usize;
    p.agencies
        .iter()
        .enumerate()
        .filter(wrong)
        .nth(pick)
        .map(|(i, _)| AgencyId(i as u8))
}

/// Where a need in `d` is referred: the first specialist, else the first
/// universal service, whose remit covers it (never a crisis service, never `from`).
pub fn target(p: &Params, d: Domain, from: AgencyId) -> Option<AgencyId> {
    let fits = |role: Role| {
        p.agencies
            .iter()
            .enumerate()
            .find(|(i, s)| *i != from.index() && s.role == role && s.remit.contains(d))
            .map(|(i, _)| AgencyId(i as u8))
    };
    fits(Role::Specialist).or_else(|| fits(Role::Universal))
}
