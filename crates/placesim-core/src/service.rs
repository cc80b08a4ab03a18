//! The `serve` phase: each agency serves its prevention queue, then its
//! main queue, within its capacity and spending room; cases that have waited
//! the maximum give up. A served case reduces the need (and, as far as
//! professional boundaries are lifted, the citizen's other needs), and the
//! citizen learns from the result.

use crate::agency::Case;
use crate::barriers::boundaries;
use crate::finance::SpendKind;
use crate::frontline::{prefetch, Frontline, PREFETCH_AHEAD};
use crate::ids::{AgencyId, Domain, Tick, MAX_DOMAINS};
use crate::journal::Happening;
use crate::params::{Params, Role};
use crate::referral::target;

/// The other needs a lead professional takes on with one case, and the
/// professional boundaries' strength the case meets
/// ([`boundaries::for_case`]).
#[derive(Clone, Copy)]
struct LedNeeds {
    domains: [u8; MAX_DOMAINS],
    len: u8,
    strength: f32,
}

impl LedNeeds {
    /// No other need taken on, at boundaries' strength `strength`.
    fn none(strength: f32) -> LedNeeds {
        LedNeeds {
            domains: [0; MAX_DOMAINS],
            len: 0,
            strength,
        }
    }
    fn iter(&self) -> std::slice::Iter<'_, u8> {
        self.domains[..self.len as usize].iter()
    }
    fn len(&self) -> usize {
        self.len as usize
    }
}

/// The service that would otherwise meet need `d` (where `from` would refer
/// it); `from` itself if none.
fn specialist_for(p: &Params, d: Domain, from: AgencyId) -> AgencyId {
    target(p, d, from).unwrap_or(from)
}

/// The unit cost of an intervention for need `d` at its specialist service.
fn specialist_cost(p: &Params, d: Domain, from: AgencyId) -> f64 {
    p.agencies[specialist_for(p, d, from).index()]
        .unit_costs
        .intervention
}

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
                    // A lead professional takes other needs on only if the
                    // host has the time and the money for them this week;
                    // otherwise it serves the case within its remit.
                    let mut led = self.led_needs(case);
                    let (mut work, mut cost) = self.case_effort(id, &led);
                    if led.len() > 0 && (work > left || !self.can_spend(id, cost)) {
                        led = LedNeeds::none(led.strength);
                        (work, cost) = self.case_effort(id, &led);
                    }
                    if work > left || (prevention && prevention_left <= 0.0) {
                        blocked_by_work = work > left;
                        break;
                    }
                    // Under invest_to_save, prevention is paid from its
                    // protected pot first, then from the ordinary allowance.
                    let protected = prevention && self.can_spend_protected(id, cost);
                    if !protected && !self.can_spend(id, cost) {
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
                    if protected {
                        self.ledger.spent_protected(self.params, id, cost);
                    }
                    self.help(id, case, &led);
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
    /// `led`: the other needs the worker takes on with it (none within its remit alone).
    fn case_effort(&self, a: AgencyId, led: &LedNeeds) -> (f64, f64) {
        let p = self.params;
        let pb = led.strength;
        let intensity = self.agencies[a.index()].policy.intensity as f64;
        let host_cost = p.agencies[a.index()].unit_costs.intervention;
        let specialist_costs: f64 = led.iter().map(|&e| specialist_cost(p, Domain(e), a)).sum();
        let n = led.len() as u32;
        let work = boundaries::case_work(pb, intensity, n, &p.prices);
        let cost = boundaries::case_cost(pb, intensity, host_cost, specialist_costs, n, &p.prices);
        (work, cost)
    }

    /// The other needs a lead professional takes on with this case: the
    /// citizen's highest needs above the need threshold, up to the cap (none
    /// under professional boundaries, nor for a citizen with fewer other
    /// needs than a key-worker programme targets).
    fn led_needs(&self, case: Case) -> LedNeeds {
        let p = self.params;
        let c = &self.citizens[case.citizen.index()];
        let n = p.needs.n_domains();
        let others = c.other_needs_above(case.domain, p.needs.need_threshold, n);
        let strength =
            boundaries::for_case(self.barriers.professional_boundaries, others, &p.prices);
        let k = boundaries::led_needs(strength, others, &p.prices);
        let mut led = LedNeeds::none(strength);
        if k == 0 {
            return led;
        }
        let mut order: [u8; MAX_DOMAINS] = std::array::from_fn(|i| i as u8);
        let order = &mut order[..n];
        // Highest need first; ties to the earlier domain (a stable sort).
        order.sort_by(|&x, &y| c.needs[y as usize].total_cmp(&c.needs[x as usize]));
        for &e in order.iter() {
            if led.len as u32 == k {
                break;
            }
            if e != case.domain.0 && c.needs[e as usize] > p.needs.need_threshold {
                led.domains[led.len as usize] = e;
                led.len += 1;
            }
        }
        led
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
    fn help(&mut self, a: AgencyId, case: Case, led: &LedNeeds) {
        let p = self.params;
        let spec = &p.agencies[a.index()];
        let intensity = self.agencies[a.index()].policy.intensity;
        let effect = spec.efficacy * intensity;
        let pb = led.strength;
        let n_domains = p.needs.n_domains();
        let threshold = p.needs.need_threshold;
        let tick = self.tick;
        let c = &mut self.citizens[case.citizen.index()];
        let d = case.domain.index();
        for &e in led.iter() {
            // The specialist's effect for that need, diluted.
            let specialist = specialist_for(p, Domain(e), a);
            let full = p.agencies[specialist.index()].efficacy * intensity;
            let e = e as usize;
            c.needs[e] = boundaries::lead_professional(pb, c.needs[e], full, &p.prices);
        }
        // A case outside the remit (a misrouted referral taken on) is not
        // this service's to meet: only a lead professional's diluted effect.
        let own = if spec.remit.contains(case.domain) {
            boundaries::own_effect(pb, effect, &p.prices)
        } else {
            let specialist = specialist_for(p, case.domain, a);
            let full = p.agencies[specialist.index()].efficacy * intensity;
            full * p.prices.lead_professional_efficacy * boundaries::lead_share(pb)
        };
        c.needs[d] = (c.needs[d] - own).max(0.0);
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
            // A need the lead professional took on is referred as far as
            // boundaries are in place; one it did not, as usual.
            let propensity = self.agencies[a.index()].policy.referral_propensity;
            let r = if led.iter().any(|&x| x as usize == e) {
                boundaries::onward_referral(pb, propensity)
            } else {
                propensity
            };
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
