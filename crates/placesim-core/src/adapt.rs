//! Quarterly adaptation of agency policy: what an agency scores itself on.
//!
//! At each quarter's end an agency scores the quarter on its KPI, mixing its
//! own KPI and the place outcome by its culture `w`:
//!
//! `J = (1 − w)·J_own + w·J_place`, with
//! `J_own = s_t·(budget − wait + pull·throughput) + (1 − s_t)·(budget − failure share)` and
//! `J_place = place budget − harm_gain·harm`,
//!
//! where `s_t` is the strength of function-bound targets. Budget, waits,
//! throughput and harm are read off the quarter just ended; the failure
//! share of arrivals (the outcome) off an audit of cases, known
//! `outcome_lag_quarters` late. Each lever then learns on its own from how
//! the score moved with its trials ([`crate::learner`]): the direction any
//! lever moves comes only from what the score rewarded. See docs/ODD.md,
//! submodel "adapt".

use crate::agency::{Agency, AgencyQuarter};
use crate::barriers::{burden, leadership, ring_fence, targets};
use crate::finance::Ledger;
use crate::ids::{AgencyId, Tick};
use crate::learner::{Kpi, HARM, OUTCOME};
use crate::params::{Barriers, LiftPrices, Params, Role};
use crate::rng::{Purpose, Stream};

/// Add week `tick`, just finished, to each agency's quarter (its KPI data),
/// with its waiting list's wait at the week's end.
pub fn observe_week(agencies: &mut [Agency], ledger: &Ledger, tick: Tick) {
    for (agency, account) in agencies.iter_mut().zip(ledger.accounts()) {
        let w = agency.week;
        let wait = waiting_list_wait(agency, tick);
        agency.quarter.add_week(&w, account.week.spend, wait);
    }
}

/// How many quarters late each part of the score is known (indexed by
/// [`crate::learner::TIMELY`], [`OUTCOME`], [`HARM`]): at once; after the
/// outcome lag; once the attribution window has closed on the quarter's failures.
pub fn lags(p: &Params) -> [usize; crate::learner::PARTS] {
    [
        0,
        p.prices.outcome_lag_quarters as usize,
        crate::finance::harm_lag_quarters(p.needs.attribution_window),
    ]
}

/// Quarters of KPI history an agency keeps: the KPI window, and behind it
/// the quarters by which outcomes and harm are known late, and one more
/// for the quarter-to-quarter change.
pub fn kept_quarters(p: &Params) -> usize {
    let late = lags(p).into_iter().max().unwrap_or(0);
    p.leadership.kpi_window_quarters as usize + late + 1
}

/// At the end of quarter `quarter` (counted from the run's start), close
/// each agency's quarter into its KPI history with a quarter of its
/// allowance, keeping [`kept_quarters`]. The spend elsewhere attributed to
/// the failures of the quarter the harm lag before it, now complete, goes
/// to that quarter.
pub fn close_quarter(agencies: &mut [Agency], ledger: &mut Ledger, p: &Params, quarter: usize) {
    let keep = kept_quarters(p);
    let harm_lag = lags(p)[HARM];
    for (i, agency) in agencies.iter_mut().enumerate() {
        let mut q = std::mem::take(&mut agency.quarter);
        let a = AgencyId(i as u8);
        q.allowance = ledger.account(a).year.total_allowance() / 4.0;
        if let Some(failed) = quarter.checked_sub(harm_lag) {
            let shifted = ledger.take_shifted_out(a, failed);
            let n = agency.history.len();
            if let Some(then) = n
                .checked_sub(harm_lag)
                .and_then(|k| agency.history.get_mut(k))
            {
                then.shifted_out = shifted;
            }
        }
        agency.history.push_back(q);
        while agency.history.len() > keep {
            agency.history.pop_front();
        }
    }
}

/// What an agency reads off the quarter just ended (the wait off its
/// waiting list now).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Signals {
    /// Spend over allowance, less 1: its own, mixed with the place's as far as pooled.
    pub budget: f32,
    /// The place's spend over its allowance, less 1.
    pub place_budget: f32,
    /// The wait penalty: `ln(1 + wait / target)` of the waiting list's
    /// wait, averaged over the quarter's weekly snapshots (0 for an empty list).
    pub wait: f32,
    /// Cases closed per £, as a multiple of one case at the agency's unit
    /// intervention cost per £ (1 when every £ closes a case at intensity 1).
    pub throughput: f32,
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

/// What the agency's KPIs are read with: the noise and lag of measuring them.
pub struct Reading<'a> {
    pub prices: &'a LiftPrices,
    /// Frontline burden's strength (reporting in place: the data to learn from).
    pub burden: f32,
}

impl Reading<'_> {
    /// The error of unreported work, as far as frontline reporting is lifted.
    fn misread(&self, x: f64, rng: &mut Stream) -> f64 {
        let noise = burden::signal_noise(self.burden, self.prices) as f64;
        x + noise * rng.normal()
    }
}

/// What an agency reads of its quarter just closed (`own`, the last of its
/// history): `place` is the whole place's quarter, `case_cost` the real cost
/// of one simulated case at intensity 1 (the unit intervention cost times the
/// people a citizen stands for). Budget, throughput and harm are read off the
/// ledger exactly; the wait off the waiting list, with the error of unreported work.
pub fn signals(
    own: &AgencyQuarter,
    case_cost: f64,
    wait_target: f32,
    place: &AgencyQuarter,
    ring: f32,
    reading: &Reading,
    rng: &mut Stream,
) -> Signals {
    let place_budget = ratio_less_one(place.spend, place.allowance);
    let own_budget = ratio_less_one(own.spend, own.allowance);
    let weeks = crate::ids::WEEKS_PER_QUARTER as f64;
    let wait = libm::log1p(own.wait_sum / weeks / wait_target.max(0.1) as f64);
    let per = |x: f64, y: f64| if y > 0.0 { (x / y) as f32 } else { 0.0 };
    Signals {
        budget: ring_fence::budget_signal(ring, own_budget, place_budget),
        place_budget,
        wait: reading.misread(wait, rng).max(0.0) as f32,
        throughput: per(own.served as f64 * case_cost, own.spend),
    }
}

/// The share of an agency's arrivals in the quarter `lag` quarters before
/// its last that were failure demand, as an audit of `outcome_audit_cases`
/// of them finds (all of them if fewer), with the error of unreported work.
pub fn audited_failure_share(
    agency: &Agency,
    lag: usize,
    reading: &Reading,
    rng: &mut Stream,
) -> Option<f32> {
    let n = agency.history.len();
    let q = agency.history.get(n.checked_sub(lag + 1)?)?;
    let audit = reading.prices.outcome_audit_cases as u32;
    let share = if q.arrivals == 0 {
        0.0
    } else if q.arrivals <= audit {
        q.failure_demand as f32 / q.arrivals as f32
    } else {
        let share = q.failure_demand as f32 / q.arrivals as f32;
        rng.binomial(audit, share) as f32 / audit as f32
    };
    Some(reading.misread(share as f64, rng).clamp(0.0, 1.0) as f32)
}

/// The timely score of a quarter with these signals, judged by `kpi`: the
/// own KPI's timely part, and the place's budget.
pub fn timely_score(s: Signals, kpi: Kpi, p: &Params) -> f32 {
    let budget = ring_fence::budget_score(kpi.ring, s.budget);
    let rule = &p.adaptation;
    let own = targets::own_timely(kpi.targets, budget, s.wait, s.throughput, rule);
    let place = ring_fence::budget_score(kpi.ring, s.place_budget);
    leadership::mix(own, place, kpi.culture)
}

/// The outcome score, known late, judged by the KPI of the quarter it
/// describes: the outcome part of the agency's own KPI.
pub fn outcome_score(failure_share: f32, kpi: Kpi) -> f32 {
    let own = targets::own_late(kpi.targets, failure_share);
    leadership::mix(own, 0.0, kpi.culture)
}

/// The harm score, known once complete: the place outcome's count of the
/// spend this agency's failures of quarter `q` caused elsewhere, over its
/// allowance for that quarter. Only culture (`w`) makes an agency see it.
pub fn harm_score(q: &AgencyQuarter, harm_gain: f32, culture: f32) -> f32 {
    let harm = if q.allowance > 0.0 {
        (q.shifted_out / q.allowance) as f32
    } else {
        0.0
    };
    leadership::mix(0.0, leadership::harm_score(harm, harm_gain), culture)
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
    let lags = lags(p);
    let keep = kept_quarters(p);
    let mut place = AgencyQuarter::default();
    for a in agencies.iter() {
        if let Some(q) = a.history.back() {
            place.spend += q.spend;
            place.allowance += q.allowance;
        }
    }
    let lead = p.leadership;
    let reading = Reading {
        prices: &p.prices,
        burden: barriers.frontline_burden,
    };
    let ring = barriers.ring_fenced_budgets;
    let targets = barriers.function_bound_targets;
    // Readings and trials on streams of their own, so that paired variants
    // whose readings differ still try the same trials.
    let mut rng = Stream::new(p.place.seed, Purpose::Adapt, tick, 0);
    let mut trials = Stream::new(p.place.seed, Purpose::Adapt, tick, 1);
    for (agency, spec) in agencies.iter_mut().zip(&p.agencies) {
        agency.culture =
            leadership::culture_step(agency.culture, whole_systems_weight, lead.culture_rate);
        if spec.role == Role::Crisis {
            continue;
        }
        let own = agency.history.back().copied().unwrap_or_default();
        let case_cost = spec.unit_costs.intervention * p.place.weight();
        let wait_target = spec.wait_target_weeks;
        let s = signals(
            &own,
            case_cost,
            wait_target,
            &place,
            ring,
            &reading,
            &mut rng,
        );
        let kpi = Kpi {
            culture: agency.culture,
            targets,
            ring,
        };
        let timely = timely_score(s, kpi, p);
        agency.learner.close(kpi, timely, keep);
        let lag = lags[OUTCOME];
        if let (Some(share), Some(then)) = (
            audited_failure_share(agency, lag, &reading, &mut rng),
            agency.learner.quarter(lag).map(|t| t.kpi),
        ) {
            agency
                .learner
                .audit(OUTCOME, lag, outcome_score(share, then));
        }
        let (lag, n) = (lags[HARM], agency.history.len());
        if let (Some(q), Some(then)) = (
            n.checked_sub(lag + 1).and_then(|k| agency.history.get(k)),
            agency.learner.quarter(lag).map(|t| t.kpi),
        ) {
            let score = harm_score(q, p.adaptation.harm_gain, then.culture);
            agency.learner.audit(HARM, lag, score);
        }
        // A steered agency learns as one whose learning rate is 0: it
        // tries nothing and keeps the policy it was given. It still takes
        // its trial draws, so that every other agency draws the same trials
        // as in a place where nobody steers (the ghost place of a workshop).
        let current = agency.policy;
        if agency.steered {
            agency
                .learner
                .step(&current, &p.adaptation, 0.0, window, lags, &mut trials);
            if lead.learning_rate > 0.0 {
                for _ in 0..crate::learner::LEVERS {
                    trials.chance(0.5);
                }
            }
        } else {
            agency.policy = agency.learner.step(
                &current,
                &p.adaptation,
                lead.learning_rate,
                window,
                lags,
                &mut trials,
            );
        }
        agency.learner.steered = agency.steered;
    }
}

/// Set lever `lever` of an agency's policy by hand from now on: the agency
/// is steered, and the quarter in force carries no trial of its own (so that
/// its score is never read as the effect of one).
pub fn steer(agency: &mut Agency, lever: usize, value: f32) {
    let mut l = crate::learner::levers(&agency.policy);
    l[lever] = value;
    agency.policy = crate::learner::policy(l);
    agency.steered = true;
    agency.learner.steered = true;
    agency.learner.signs = [0; crate::learner::LEVERS];
    agency.learner.settled[lever] = value;
}

/// Hand steered agency `index` back to its own adaptive rule at the start of
/// week `tick`: its learner decides this quarter's policy at once, from the
/// policy in force, as it would have at the quarter's start (its steered
/// quarters are marked, and no pair of quarters including one is read, so
/// they tell it nothing). A crisis service,
/// which never adapts, just stops being steered.
pub fn hand_back(agency: &mut Agency, p: &Params, index: usize, tick: Tick) {
    if !agency.steered {
        return;
    }
    agency.steered = false;
    // Handed back at a quarter's start, the quarter is the learner's own;
    // handed back mid-quarter, the quarter was partly steered.
    if tick.is_multiple_of(crate::ids::WEEKS_PER_QUARTER) {
        agency.learner.steered = false;
    }
    if p.agencies[index].role == Role::Crisis {
        return;
    }
    let mut trials = Stream::new(p.place.seed, Purpose::Adapt, tick, 2 + index as u32);
    let current = agency.policy;
    agency.policy = agency.learner.step(
        &current,
        &p.adaptation,
        p.leadership.learning_rate,
        p.leadership.kpi_window_quarters as usize,
        lags(p),
        &mut trials,
    );
}
