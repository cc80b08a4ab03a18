//! Referrals between agencies: where a need is referred, sending (a hand-off
//! whose delay, loss and work the organisational-frameworks barrier sets),
//! and delivery, when a referral arrives for triage or turns out lost.

use crate::barriers::frameworks;
use crate::citizen::ContactKind;
use crate::frontline::{Arrival, Frontline};
use crate::ids::{AgencyId, CitizenId, Domain, Tick};
use crate::journal::Happening;
use crate::params::{Params, Role};
use crate::rng::Stream;

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

/// Referrals in flight, and those delivered last week awaiting triage.
#[derive(Clone, Debug, Default)]
pub struct ReferralBook {
    in_flight: Vec<Referral>,
    /// Scratch: referrals falling due this week (kept to avoid allocating each tick).
    due: Vec<Referral>,
    /// Delivered last week, triaged this week.
    delivered: Vec<Arrival>,
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

impl Frontline<'_> {
    /// Refer the citizen's need on with probability `propensity`, if some
    /// agency can take it (the chance is drawn only then).
    pub fn maybe_refer(
        &mut self,
        from: AgencyId,
        citizen: CitizenId,
        domain: Domain,
        propensity: f32,
        rng: &mut Stream,
    ) {
        if let Some(to) = target(self.params, domain, from) {
            if rng.chance(propensity) {
                self.send(from, to, citizen, domain, rng);
            }
        }
    }

    /// Send a referral: the citizen's case is open with the receiver until it
    /// arrives or is lost; a warm hand-off costs the sender next week's time.
    fn send(
        &mut self,
        from: AgencyId,
        to: AgencyId,
        citizen: CitizenId,
        domain: Domain,
        rng: &mut Stream,
    ) {
        let hand_off = frameworks::hand_off(
            self.barriers.organisational_frameworks,
            &self.params.prices,
            rng,
        );
        self.referrals.in_flight.push(Referral {
            citizen,
            from,
            to,
            domain,
            due: self.tick + hand_off.delay,
            lost: hand_off.lost,
        });
        self.citizens[citizen.index()].open_case(to, domain);
        let sender = &mut self.agencies[from.index()];
        sender.week.referrals_made += 1;
        sender.handoff_owed += hand_off.work;
        self.note(citizen, Happening::Referred { from, to, domain });
    }

    /// The `refer` phase: referrals due this week are delivered for triage
    /// next week, or, if lost, leave the citizen with nothing: its next
    /// contact is failure demand.
    pub fn deliver_referrals(&mut self) {
        let tick = self.tick;
        let mut due = std::mem::take(&mut self.referrals.due);
        due.clear();
        self.referrals.in_flight.retain(|r| {
            let arrived = r.due <= tick;
            if arrived {
                due.push(*r);
            }
            !arrived
        });
        for r in &due {
            let c = &mut self.citizens[r.citizen.index()];
            c.close_case();
            if r.lost {
                self.agencies[r.from.index()].week.referrals_lost += 1;
                c.lost_referral |= 1 << r.domain.0;
                self.failed(r.citizen, r.from, r.domain);
                let (from, domain) = (r.from, r.domain);
                self.note(r.citizen, Happening::ReferralLost { from, domain });
            } else {
                self.referrals.delivered.push(Arrival {
                    citizen: r.citizen,
                    agency: r.to,
                    domain: r.domain,
                    kind: ContactKind::HelpSeeking,
                    via_referral: true,
                    failure_demand: false,
                });
            }
        }
        self.referrals.due = due;
    }
}
