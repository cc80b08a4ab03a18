//! The `triage` phase: every arrival (last week's delivered referrals, then
//! this week's contacts in chunk order) is assessed and becomes a crisis
//! episode, an accepted case (eligible, or below threshold into reserved
//! prevention capacity), a parked case (too complex for the agency's cap) or
//! a refusal, which may be signposted on.

use crate::agency::Case;
use crate::barriers::frameworks;
use crate::citizen::{Contact, ContactKind};
use crate::finance::SpendKind;
use crate::frontline::{prefetch, Frontline, PREFETCH_AHEAD};
use crate::ids::AgencyId;
use crate::journal::Happening;
use crate::params::Role;
use crate::referral::Arrival;

impl Frontline<'_> {
    /// Referrals delivered last week, then this week's contacts in chunk order.
    pub fn triage(&mut self, contacts: &[Vec<Contact>]) {
        let referred = self.referrals.take_delivered();
        for (i, arrival) in referred.iter().enumerate() {
            if let Some(a) = referred.get(i + PREFETCH_AHEAD) {
                prefetch(&self.citizens[a.citizen.index()]);
            }
            self.arrive(*arrival);
        }
        self.referrals.return_delivered(referred);
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
                misrouted: false,
                intended: c.agency,
                failure_demand: c.failure_demand,
            };
            self.arrive(arrival);
        }
    }

    /// Assess one arrival: a crisis episode, or accept, park or refuse.
    fn arrive(&mut self, x: Arrival) {
        let (agency, domain) = (x.agency, x.domain);
        self.note(
            x.citizen,
            if x.via_referral {
                Happening::ReferralArrived { agency, domain }
            } else if x.kind == ContactKind::Chasing {
                Happening::Chased { agency, domain }
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
        week.misrouted += x.misrouted as u32;
        week.failure_demand += x.failure_demand as u32;
        if x.kind == ContactKind::Chasing {
            self.answer_chasing(x);
            return;
        }
        if x.kind == ContactKind::Crisis || self.params.agencies[a].role == Role::Crisis {
            self.crisis_episode(x);
            return;
        }
        let spec = &self.params.agencies[a];
        let policy = self.agencies[a].policy;
        let share = frameworks::own_assessment_share(
            self.barriers.organisational_frameworks,
            x.via_referral,
        );
        let assessment = spec.unit_costs.assessment * share;
        if !self.can_spend(x.agency, assessment) {
            self.agencies[a].week.refused += 1;
            self.note(x.citizen, Happening::Refused { agency, domain });
            self.turn_away(x);
            return;
        }
        self.charge(
            x.agency,
            x.citizen,
            x.domain,
            assessment,
            SpendKind::Assessment,
        );
        if x.misrouted
            && frameworks::catches_misroute(
                self.barriers.organisational_frameworks,
                &self.params.prices,
                &mut self.streams.triage,
            )
        {
            self.redirect(x);
            return;
        }
        let needs = &self.params.needs;
        let c = &self.citizens[x.citizen.index()];
        let need = c.needs[x.domain.index()];
        let complexity = c.other_needs_above(x.domain, needs.high_need, needs.n_domains());
        let case = Case {
            citizen: x.citizen,
            domain: x.domain,
            since: self.tick,
        };
        if complexity as f32 > policy.complexity_cap {
            self.agencies[a].week.parked += 1;
            self.note(x.citizen, Happening::Parked { agency, domain });
            self.turn_away(x);
        } else if need >= policy.eligibility_threshold {
            self.agencies[a].queue.push_back(case);
            self.accept(x);
        } else if self.prevention_has_room(x.agency) {
            self.agencies[a].prevention_queue.push_back(case);
            self.accept(x);
        } else {
            self.agencies[a].week.refused += 1;
            self.note(x.citizen, Happening::Refused { agency, domain });
            self.turn_away(x);
        }
    }

    /// A misrouted referral caught by this service's own assessment: sent on
    /// to the service it was meant for (a new hand-off, with its delay and
    /// risk of loss).
    fn redirect(&mut self, x: Arrival) {
        self.agencies[x.agency.index()].week.misrouted_caught += 1;
        self.send(x.agency, x.intended, x.citizen, x.domain);
    }

    fn accept(&mut self, x: Arrival) {
        let (agency, domain) = (x.agency, x.domain);
        self.note(x.citizen, Happening::Accepted { agency, domain });
        self.agencies[x.agency.index()].week.accepted += 1;
        self.citizens[x.citizen.index()].open_case(x.agency, x.domain, self.tick);
    }

    /// A progress-chasing contact: answering it takes frontline time from
    /// next week's capacity, and changes nothing about the case.
    fn answer_chasing(&mut self, x: Arrival) {
        let agency = &mut self.agencies[x.agency.index()];
        agency.week.chasing += 1;
        agency.work_owed += self.params.citizens.chase_work as f64;
    }

    /// Reserved prevention capacity: accept below-threshold cases while the
    /// prevention queue holds less than a week of that reserve (with the
    /// reserve carried from last week). Only the reserve counts, not the
    /// agency's other carried capacity, because only the reserve serves this
    /// queue: with no reserve, nothing may wait in it.
    fn prevention_has_room(&self, a: AgencyId) -> bool {
        let agency = &self.agencies[a.index()];
        let reserve = agency.policy.prevention_capacity_share as f64 * self.frontline_capacity(a)
            + agency.prevention_carry;
        (agency.prevention_queue.len() as f64 + 1.0) * agency.policy.intensity as f64
            <= reserve.max(0.0)
    }

    /// Refused or parked: the citizen is failed by this agency and may be signposted on.
    fn turn_away(&mut self, x: Arrival) {
        self.failed(x.citizen, x.agency, x.domain);
        let c = &mut self.citizens[x.citizen.index()];
        if c.open_agency == x.agency.0 || x.via_referral {
            c.close_case();
        }
        let r = self.agencies[x.agency.index()].policy.referral_propensity;
        self.maybe_refer(x.agency, x.citizen, x.domain, r);
    }

    /// A statutory crisis episode: always given, paid whatever the budget, and
    /// it stabilises rather than resolves; the citizen may be referred on.
    fn crisis_episode(&mut self, x: Arrival) {
        let a = x.agency.index();
        let spec = &self.params.agencies[a];
        let (crowded_cost, crowded_effect) = self.crowding(x.agency);
        let cost = spec.unit_costs.crisis * crowded_cost;
        let efficacy = spec.efficacy * crowded_effect;
        self.agencies[a].week.crisis_events += 1;
        if self.counting() {
            let c = &mut self.citizens[x.citizen.index()];
            c.crises = c.crises.saturating_add(1);
        }
        let (agency, domain) = (x.agency, x.domain);
        self.note(x.citizen, Happening::Crisis { agency, domain });
        self.charge(x.agency, x.citizen, x.domain, cost, SpendKind::Crisis);
        self.maybe_admit(x.agency, x.citizen);
        let threshold = self.params.needs.need_threshold;
        let reward = self.params.citizens.reward_partial;
        let c = &mut self.citizens[x.citizen.index()];
        let need = &mut c.needs[x.domain.index()];
        *need = (*need - efficacy).max(0.0);
        let still_in_need = *need > threshold;
        c.learn(x.agency, reward, self.params);
        if still_in_need && !c.has_open_case() {
            let r = self.agencies[a].policy.referral_propensity;
            self.maybe_refer(x.agency, x.citizen, x.domain, r);
        }
    }
}
