//! Quarterly adaptation of agency policy.
//!
//! An agency reads its KPIs over the trailing window (its waiting list as it
//! stands at the quarter's end) and turns them into one
//! signed "tightening" pressure `T` (positive: ration harder), mixing its own
//! KPI and the place outcome by its culture `w`:
//!
//! `T = (1 − w)·T_own + w·T_place`, with
//! `T_own = s_t·(budget + wait + pull) + (1 − s_t)·(budget − repeat)` and
//! `T_place = place_budget − harm_gain·harm`,
//!
//! where `s_t` is the strength of function-bound targets. Every lever then
//! moves by `learning_rate × step × T`: the eligibility threshold up, the
//! prevention share, intensity, complexity cap and referral propensity down.
//! The signs are the managers' playbook; the sizes of the signals come only
//! from what the agency observed. See docs/ODD.md, submodel "adapt".

use crate::agency::{Agency, AgencyQuarter};
use crate::barriers::{burden, leadership, ring_fence, targets};
use crate::finance::Ledger;
use crate::ids::{AgencyId, Tick};
use crate::params::{Barriers, LiftPrices, Params, Role};
use crate::rng::{Purpose, Stream};
use std::collections::VecDeque;

/// Add the week just finished to each agency's quarter (its KPI data).
pub fn observe_week(agencies: &mut [Agency], ledger: &Ledger) {
    for (agency, account) in agencies.iter_mut().zip(ledger.accounts()) {
        let w = agency.week;
        agency.quarter.add_week(&w, account.week.spend);
    }
}

/// At a quarter's end, close each agency's quarter into its KPI history
/// (with a quarter of its allowance and the spend elsewhere attributed to
/// its failures), keeping `keep` quarters: the KPI window and, behind it,
/// as many quarters as outcomes lag.
pub fn close_quarter(agencies: &mut [Agency], ledger: &mut Ledger, keep: usize) {
    for (i, agency) in agencies.iter_mut().enumerate() {
        let mut q = std::mem::take(&mut agency.quarter);
        let a = AgencyId(i as u8);
        q.shifted_out = ledger.take_shifted_out(a);
        q.allowance = ledger.account(a).year.total_allowance() / 4.0;
        agency.history.push_back(q);
        while agency.history.len() > keep {
            agency.history.pop_front();
        }
    }
}

/// Signals an agency reads off its trailing window (the wait: off its
/// waiting list now), each clipped to [−1, 1].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Signals {
    /// Own spend over own allowance, minus 1, mixed with the place's by the ring-fence strength.
    pub budget: f32,
    /// Place spend over place allowance, minus 1.
    pub place_budget: f32,
    /// The waiting list's current wait (how long the case at its head has
    /// waited) over the wait target, minus 1.
    pub wait: f32,
    /// The outcome KPI: the share of arrivals that are failure demand, as
    /// estimated from an audit of cases, over a window that ends
    /// `outcome_lag_quarters` ago (outcomes are known late).
    pub repeat: f32,
    /// Spend elsewhere attributed to this agency's failures, over its own spend.
    pub harm: f32,
}

fn total<'a>(history: impl IntoIterator<Item = &'a AgencyQuarter>) -> AgencyQuarter {
    let mut t = AgencyQuarter::default();
    for q in history {
        t.arrivals += q.arrivals;
        t.failure_demand += q.failure_demand;
        t.refused += q.refused;
        t.spend += q.spend;
        t.allowance += q.allowance;
        t.shifted_out += q.shifted_out;
    }
    t
}

fn ratio_less_one(x: f64, y: f64) -> f32 {
    if y > 0.0 {
        ((x / y) - 1.0).clamp(-1.0, 1.0) as f32
    } else {
        0.0
    }
}

/// The waiting list's current wait at week `tick`: how long the case at the
/// head of the queue (the next to be served) has waited; 0 for an empty list.
/// A wait target is read off the list as it stands (as the NHS's referral-to-
/// treatment standard is measured on incomplete pathways), not off the waits
/// of cases that left over the window: that is the timely, precise signal
/// targets give, and it falls as soon as a backlog clears.
pub fn waiting_list_wait(agency: &Agency, tick: Tick) -> f64 {
    agency
        .queue
        .front()
        .map_or(0.0, |case| tick.saturating_sub(case.since) as f64)
}

/// The last `window` quarters of a history (all of it if shorter), ending
/// `lag` quarters before its end.
fn lagged(
    history: &VecDeque<AgencyQuarter>,
    window: usize,
    lag: usize,
) -> impl Iterator<Item = &AgencyQuarter> {
    let end = history.len().saturating_sub(lag);
    history.range(end.saturating_sub(window)..end)
}

/// What the agency's KPIs are read with: the KPI window, and the noise and
/// lag of measuring them.
pub struct Reading<'a> {
    pub window: usize,
    pub prices: &'a LiftPrices,
    /// Frontline burden's strength (reporting in place: the data to learn from).
    pub burden: f32,
}

/// What one agency perceives at week `tick`; `place` is the whole place's window totals.
/// The budget is read off the ledger exactly; the wait off the waiting list
/// and the outcome off an audit of lagged cases, each with the error of
/// unreported work as far as frontline reporting is lifted.
pub fn signals(
    agency: &Agency,
    wait_target: f32,
    place: &AgencyQuarter,
    ring: f32,
    tick: Tick,
    reading: &Reading,
    rng: &mut Stream,
) -> Signals {
    let own = total(lagged(&agency.history, reading.window, 0));
    let place_budget = ratio_less_one(place.spend, place.allowance);
    let own_budget = ratio_less_one(own.spend, own.allowance);
    let prices = reading.prices;
    let late = total(lagged(
        &agency.history,
        reading.window,
        prices.outcome_lag_quarters as usize,
    ));
    // An audit of `outcome_audit_cases` a quarter over the window; a window
    // with no more arrivals than that is read in full, without sampling error.
    let audit = prices.outcome_audit_cases as u32 * reading.window as u32;
    let repeat = if late.arrivals == 0 {
        0.0
    } else if late.arrivals <= audit {
        late.failure_demand as f32 / late.arrivals as f32
    } else {
        let share = late.failure_demand as f32 / late.arrivals as f32;
        rng.binomial(audit, share) as f32 / audit as f32
    };
    let noise = burden::signal_noise(reading.burden, prices) as f64;
    let mut misread = |x: f64| (x + noise * rng.normal()).clamp(-1.0, 1.0) as f32;
    let wait = misread(ratio_less_one(waiting_list_wait(agency, tick), wait_target as f64) as f64);
    let repeat = misread(repeat as f64).max(0.0);
    Signals {
        budget: ring_fence::budget_signal(ring, own_budget, place_budget),
        place_budget,
        wait,
        repeat,
        harm: if own.spend > 0.0 {
            ((own.shifted_out / own.spend) as f32).min(1.0)
        } else {
            0.0
        },
    }
}

/// The tightening pressure for these signals under these barriers and culture.
pub fn pressure(s: Signals, target_strength: f32, culture: f32, p: &Params) -> f32 {
    let rule = &p.adaptation;
    let own = targets::own_kpi(target_strength, s.budget, s.wait, s.repeat, rule);
    let place = leadership::place_kpi(s.place_budget, s.harm, rule.harm_gain);
    leadership::mix(own, place, culture)
}

/// Adapt every non-crisis agency's policy at the end of the quarter whose last week is `tick`.
pub fn adapt(
    agencies: &mut [Agency],
    p: &Params,
    barriers: Barriers,
    whole_systems_weight: f32,
    tick: Tick,
) {
    let window = p.leadership.kpi_window_quarters as usize;
    let mut place = AgencyQuarter::default();
    for a in agencies.iter() {
        let t = total(lagged(&a.history, window, 0));
        place.spend += t.spend;
        place.allowance += t.allowance;
    }
    let lead = p.leadership;
    let rule = &p.adaptation;
    let reading = Reading {
        window,
        prices: &p.prices,
        burden: barriers.frontline_burden,
    };
    let mut rng = Stream::new(p.place.seed, Purpose::Adapt, tick, 0);
    for (agency, spec) in agencies.iter_mut().zip(&p.agencies) {
        agency.culture =
            leadership::culture_step(agency.culture, whole_systems_weight, lead.culture_rate);
        if spec.role == Role::Crisis {
            continue;
        }
        let s = signals(
            agency,
            spec.wait_target_weeks,
            &place,
            barriers.ring_fenced_budgets,
            tick,
            &reading,
            &mut rng,
        );
        let t =
            pressure(s, barriers.function_bound_targets, agency.culture, p) * lead.learning_rate;
        let pol = &mut agency.policy;
        pol.eligibility_threshold = (pol.eligibility_threshold + rule.threshold_step * t)
            .clamp(rule.threshold_range.0, rule.threshold_range.1);
        pol.prevention_capacity_share = (pol.prevention_capacity_share - rule.prevention_step * t)
            .clamp(rule.prevention_range.0, rule.prevention_range.1);
        pol.intensity = (pol.intensity - rule.intensity_step * t)
            .clamp(rule.intensity_range.0, rule.intensity_range.1);
        pol.complexity_cap =
            (pol.complexity_cap - rule.cap_step * t).clamp(rule.cap_range.0, rule.cap_range.1);
        pol.referral_propensity =
            (pol.referral_propensity - rule.referral_step * t).clamp(0.0, 1.0);
    }
}
