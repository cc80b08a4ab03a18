//! The `refer` phase and the sending of referrals: whether a need is
//! referred on, the hand-off (whose delay, loss and work the
//! organisational-frameworks barrier sets), and delivery, when a referral
//! due this week arrives for triage next week or turns out lost.

use crate::barriers::frameworks;
use crate::citizen::ContactKind;
use crate::frontline::Frontline;
use crate::ids::{AgencyId, CitizenId, Domain};
use crate::journal::Happening;
use crate::referral::{target, wrong_target, Arrival, Referral};

impl Frontline<'_> {
    /// Refer the citizen's need on with probability `propensity`, if some
    /// agency can take it (the chance is drawn only then).
    pub fn maybe_refer(
        &mut self,
        from: AgencyId,
        citizen: CitizenId,
        domain: Domain,
        propensity: f32,
    ) {
        if let Some(to) = target(self.params, domain, from) {
            if self.streams.referral.chance(propensity) {
                self.send(from, to, citizen, domain);
            }
        }
    }

    /// Send a referral: the citizen's case is open with the receiver until it
    /// arrives or is lost; a warm hand-off costs the sender next week's time.
    pub(crate) fn send(
        &mut self,
        from: AgencyId,
        to: AgencyId,
        citizen: CitizenId,
        domain: Domain,
    ) {
        let hand_off = frameworks::hand_off(
            self.barriers.organisational_frameworks,
            &self.params.prices,
            &mut self.streams.referral,
        );
        let wrong = if hand_off.misrouted {
            wrong_target(self.params, domain, from, &mut self.streams.referral)
        } else {
            None
        };
        let intended = to;
        let to = wrong.unwrap_or(to);
        self.referrals.in_flight.push(Referral {
            citizen,
            from,
            to,
            domain,
            due: self.tick + hand_off.delay,
            lost: hand_off.lost,
            misrouted: wrong.is_some(),
            intended,
        });
        self.citizens[citizen.index()].open_case(to, domain, self.tick);
        let sender = &mut self.agencies[from.index()];
        sender.week.referrals_made += 1;
        sender.work_owed += hand_off.work;
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
                    misrouted: r.misrouted,
                    intended: r.intended,
                    failure_demand: false,
                });
            }
        }
        self.referrals.due = due;
    }
}
