//! The `serve` phase: each agency serves its prevention queue, then its
//! main queue, within its capacity and spending room; cases that have waited
//! the maximum give up. A served case reduces the need (and, as far as
//! professional boundaries are lifted, the citizen's other needs), and the
//! citizen learns from the result.

use crate::agency::Case;
use crate::barriers::boundaries;
use crate::finance::SpendKind;
use crate::frontline::{prefetch, Frontline, PREFETCH_AHEAD};
use crate::ids::{AgencyId, Domain, Tick};
use crate::journal::Happening;
use crate::params::Role;

impl Frontline<'_> {
    /// Serve queues within capacity and allowance; cases past the maximum wait give up.
    pub fn serve(&mut self) {
        for a in 0..self.agencies.len() {
            let id = AgencyId(a as u8);
            let nominal = self.frontline_capacity(id);
            if self.params.agencies[a].role == Role::Crisis {
                // A crisis service's hand-offs cost it no frontline time
                // (its capacity limits nothing; its beds do).
                self.agencies[a].work_owed = 0.0;
                let week = &mut self.agencies[a].week;
                week.capacity = nominal;
                week.work_done = week.crisis_events as f64;
                continue;
            }
            self.give_up_waiting(id);
            let agency = &mut self.agencies[a];
            let mut left = nominal + agency.carry - agency.work_owed;
            // Hand-offs and answers to chasing are frontline work too.
            agency.week.work_done = agency.work_owed.min(nominal + agency.carry);
            agency.work_owed = 0.0;
            agency.week.capacity = nominal;
            let mut prevention_left =
                agency.policy.prevention_capacity_share as f64 * nominal + agency.prevention_carry;
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
                    self.help(id, case);
                }
            }
            // The unused reserve carries, up to one case's work at the
            // agency's intensity; with no reserve there is none to carry.
            let agency = &mut self.agencies[a];
            let one_case = (agency.policy.intensity as f64).max(1.0);
            agency.prevention_carry = if agency.policy.prevention_capacity_share > 0.0 {
                prevention_left.clamp(0.0, one_case)
            } else {
                0.0
            };
            self.agencies[a].carry = if blocked_by_work {
                left.max(0.0)
            } else {
                left.clamp(0.0, 1.0)
            };
        }
    }

    /// Work (case units) and cost (£ per simulated citizen) of serving a case.
    fn case_effort(&self, a: AgencyId, case: Case) -> (f64, f64) {
        let spec = &self.params.agencies[a.index()];
        let needs = &self.params.needs;
        let c = &self.citizens[case.citizen.index()];
        let others = c.other_needs_above(case.domain, needs.need_threshold, needs.n_domains());
        let work = boundaries::case_work(
            self.barriers.professional_boundaries,
            self.agencies[a.index()].policy.intensity as f64,
            others,
            &self.params.prices,
        );
        (work, spec.unit_costs.intervention * work)
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
    /// learns, and the onward referral of another high need.
    fn help(&mut self, a: AgencyId, case: Case) {
        let p = self.params;
        let spec = &p.agencies[a.index()];
        let intensity = self.agencies[a.index()].policy.intensity;
        let effect = spec.efficacy * intensity;
        let pb = self.barriers.professional_boundaries;
        let n_domains = p.needs.n_domains();
        let threshold = p.needs.need_threshold;
        let tick = self.tick;
        let c = &mut self.citizens[case.citizen.index()];
        let d = case.domain.index();
        for e in 0..n_domains {
            if e != d && c.needs[e] > threshold {
                c.needs[e] = boundaries::lead_professional(pb, c.needs[e], effect, &p.prices);
            }
        }
        c.needs[d] = (c.needs[d] - effect).max(0.0);
        if c.needs[d] < threshold {
            // Resolved: a later contact about it is new demand.
            c.unresolved &= !(1 << d);
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
            let r = boundaries::onward_referral(
                pb,
                self.agencies[a.index()].policy.referral_propensity,
            );
            self.maybe_refer(a, case.citizen, Domain(e as u8), r);
        }
    }

    /// Cases that have waited the maximum leave the queue, unserved.
    fn give_up_waiting(&mut self, a: AgencyId) {
        let max_wait = self.params.adaptation.max_wait_weeks as Tick;
        let tick = self.tick;
        for prevention in [true, false] {
            loop {
                let agency = &mut self.agencies[a.index()];
                let queue = if prevention {
                    &mut agency.prevention_queue
                } else {
                    &mut agency.queue
                };
                let case = match queue.front() {
                    Some(case) if tick - case.since >= max_wait => *case,
                    _ => break,
                };
                queue.pop_front();
                let week = &mut agency.week;
                week.departures += 1;
                week.wait_sum += (tick - case.since) as u64;
                week.reneged += 1;
                self.citizens[case.citizen.index()].close_case();
                self.failed(case.citizen, a, case.domain);
                let domain = case.domain;
                self.note(case.citizen, Happening::GaveUp { agency: a, domain });
            }
        }
    }
}
