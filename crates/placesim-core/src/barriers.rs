//! Everything each barrier does, one module per barrier, and the leadership
//! weight. A barrier acts on the model only through the functions here: to
//! see what lifting ring-fenced budgets does, read [`ring_fence`]; the phases
//! call these functions and hold no barrier logic of their own. Strengths are
//! in [0, 1]: 1 is the barrier fully in place, 0 fully lifted. docs/ODD.md
//! lists the same parameters barrier by barrier.

use crate::params::{AdaptationRule, LiftPrices};
use crate::rng::Stream;

/// Ring-fenced budgets: each agency's own money, or one pool the place board
/// reallocates.
pub mod ring_fence {
    use crate::finance::AgencyYear;
    use crate::params::Reallocation;

    /// An agency's annual allowance: the ring-fenced part of its own budget
    /// plus its board-allocated share of the pool.
    pub fn allowance(ring: f64, own_budget: f64, pool_share: f64, pool: f64) -> f64 {
        ring * own_budget + pool_share * pool
    }

    /// The pool the board allocates: the lifted part of every budget, plus
    /// last year's pooled underspend, net of the board's own annual cost.
    pub fn pool(ring: f64, total_budget: f64, carry: f64, board_cost: f64) -> f64 {
        ((1.0 - ring) * total_budget + carry - board_cost).max(0.0)
    }

    /// Room to spend now: under a ring-fence an agency's own allowance to
    /// date; pooled, its allocation from the board to date, within what the
    /// pool as a whole has left (so crisis overspend anywhere draws on all:
    /// the raid a ring fence protects against).
    pub fn spending_room(ring: f64, own_room: f64, place_room: f64) -> f64 {
        ring * own_room + (1.0 - ring) * own_room.min(place_room)
    }

    /// Underspend carried into next year's pool (ring-fenced underspend is lost).
    pub fn carried_underspend(ring: f64, underspend: f64) -> f64 {
        (1.0 - ring) * underspend.max(0.0)
    }

    /// The place board's annual running cost, as far as budgets are pooled.
    pub fn board_cost(ring: f32, prices: &super::LiftPrices) -> f64 {
        prices.board_running_cost * (1.0 - ring) as f64
    }

    /// The part of the pool the board protects for prevention under
    /// `invest_to_save` (none under the other rules).
    pub fn protected_pool(pool: f64, prices: &super::LiftPrices) -> f64 {
        match prices.reallocation {
            Reallocation::InvestToSave => pool * prices.protected_prevention_share as f64,
            Reallocation::LastYearSpend | Reallocation::NeedOrigin => 0.0,
        }
    }

    /// An agency's demand last year, by which the board shares out the pool:
    /// its spend plus the value of what it turned away; under `need_origin`,
    /// with each pound of spend moved to the agency whose failure caused it.
    pub fn demand(year: &AgencyYear, rule: Reallocation) -> f64 {
        let spend = match rule {
            Reallocation::NeedOrigin => {
                (year.spend - year.caused_by_others + year.caused_elsewhere).max(0.0)
            }
            Reallocation::LastYearSpend | Reallocation::InvestToSave => year.spend,
        };
        spend + year.unmet_value
    }

    /// The budget an agency reads: its own spend over allowance, less 1, or
    /// the place's as far as pooled.
    pub fn budget_signal(ring: f32, own: f32, place: f32) -> f32 {
        ring * own + (1.0 - ring) * place
    }

    /// How a budget reading scores: overspend always counts against (it
    /// forces rationing); underspend counts against as far as budgets are
    /// ring-fenced (it is lost at the year's end), not where it is carried
    /// into next year's pool.
    pub fn budget_score(ring: f32, over: f32) -> f32 {
        -(over.max(0.0) + ring * (-over).max(0.0))
    }
}

/// Function-bound targets: an agency's own KPI is its function's throughput,
/// or (lifted) its clients' outcomes.
pub mod targets {
    use super::AdaptationRule;

    /// The timely part of an agency's own KPI score: under targets, budget
    /// held, waits (the penalty of the waiting list's wait) and throughput
    /// (cases closed per £, weighted by `throughput_pull`); lifted, budget
    /// held alone, its outcomes coming late ([`own_late`]).
    pub fn own_timely(
        targets: f32,
        budget: f32,
        wait: f32,
        throughput: f32,
        rule: &AdaptationRule,
    ) -> f32 {
        targets * (budget - wait + rule.throughput_pull * throughput) + (1.0 - targets) * budget
    }

    /// The late part: as far as targets are lifted, the agency's clients'
    /// outcomes, read as the audited share of its arrivals that were failure
    /// demand.
    pub fn own_late(targets: f32, failure_share: f32) -> f32 {
        -(1.0 - targets) * failure_share
    }

    /// The share of frontline time that target reporting takes.
    pub fn reporting_share(targets: f32, prices: &super::LiftPrices) -> f32 {
        prices.target_reporting_share * targets
    }

    /// The annual cost of shared outcome measures, as far as targets are lifted.
    pub fn shared_outcomes_cost(targets: f32, prices: &super::LiftPrices) -> f64 {
        prices.shared_outcomes_cost * (1.0 - targets) as f64
    }
}

/// Professional boundaries: a worker addresses only the agency's remit, with
/// a specialist's depth, or (lifted) acts as lead professional for up to
/// `max_lead_domains` of the citizen's other needs, at a diluted efficacy,
/// with each need's time priced at its specialist's rate, and with the
/// host's own depth thinning as it generalises.
pub mod boundaries {
    use super::LiftPrices;

    /// How far a worker addresses needs outside the agency's remit.
    pub fn lead_share(boundaries: f32) -> f32 {
        1.0 - boundaries
    }

    /// The boundaries' strength a case meets: the place's, for a citizen
    /// with at least `lead_min_needs` other needs above the need threshold
    /// (`other_needs`); for anyone else, boundaries in full (a key-worker
    /// programme leaves other cases to the specialists, at their depth).
    pub fn for_case(boundaries: f32, other_needs: u32, prices: &LiftPrices) -> f32 {
        if other_needs >= prices.lead_min_needs as u32 {
            boundaries
        } else {
            1.0
        }
    }

    /// How many of the citizen's `other_needs` (above the need threshold) a
    /// lead professional takes on: none under boundaries, else up to the cap.
    pub fn led_needs(boundaries: f32, other_needs: u32, prices: &LiftPrices) -> u32 {
        if lead_share(boundaries) > 0.0 {
            other_needs.min(prices.max_lead_domains as u32)
        } else {
            0
        }
    }

    /// Work of a case in units of the host's own case: intensity, plus, as
    /// far as boundaries are lifted, for each of the `led` other needs the
    /// time of a case and its coordination.
    pub fn case_work(boundaries: f32, intensity: f64, led: u32, prices: &LiftPrices) -> f64 {
        let per_need = 1.0 + prices.coordination_cost as f64;
        intensity * (1.0 + lead_share(boundaries) as f64 * led as f64 * per_need)
    }

    /// Cost of a case: the host's intervention, plus, as far as boundaries are
    /// lifted, for each led need its specialist's intervention (`specialist_costs`,
    /// the time priced at the rate of the service that would otherwise do it) and
    /// the coordination at the host's rate; all at the host's intensity.
    pub fn case_cost(
        boundaries: f32,
        intensity: f64,
        host_cost: f64,
        specialist_costs: f64,
        led: u32,
        prices: &LiftPrices,
    ) -> f64 {
        let coordination = prices.coordination_cost as f64 * host_cost * led as f64;
        intensity * (host_cost + lead_share(boundaries) as f64 * (specialist_costs + coordination))
    }

    /// The host's effect on its own need: a specialist's, thinned as far as
    /// boundaries are lifted (depth traded for breadth).
    pub fn own_effect(boundaries: f32, effect: f32, prices: &LiftPrices) -> f32 {
        effect * (1.0 - prices.specialist_depth_loss * lead_share(boundaries))
    }

    /// The lead professional's effect on another need above the threshold:
    /// `specialist_effect` (the effect its specialist service would have at
    /// the host's intensity) diluted by the lead professional's efficacy.
    pub fn lead_professional(boundaries: f32, need: f32, effect: f32, prices: &LiftPrices) -> f32 {
        (need - effect * prices.lead_professional_efficacy * lead_share(boundaries)).max(0.0)
    }

    /// Chance of referring another high need on after service: under
    /// boundaries the worker refers it; lifted, the worker has addressed it.
    pub fn onward_referral(boundaries: f32, referral_propensity: f32) -> f32 {
        referral_propensity * boundaries
    }
}

/// Organisational frameworks: referrals that take weeks, get lost and are
/// re-assessed, or (lifted) warm hand-offs and a shared assessment.
pub mod frameworks {
    use super::{LiftPrices, Stream};

    /// How a referral travels.
    pub struct HandOff {
        /// Weeks until it arrives.
        pub delay: u32,
        /// Decided when sent: a lost referral never arrives.
        pub lost: bool,
        /// Decided when sent: sent to a service whose remit does not cover the need.
        pub misrouted: bool,
        /// The sender's work (case units) for a warm hand-off.
        pub work: f64,
    }

    /// Send a referral: delay and loss under frameworks, hand-off work
    /// lifted; misrouting is the sender's error either way.
    pub fn hand_off(frameworks: f32, prices: &LiftPrices, rng: &mut Stream) -> HandOff {
        HandOff {
            delay: libm::roundf(prices.referral_delay_weeks * frameworks) as u32,
            lost: rng.chance(prices.referral_loss * frameworks),
            misrouted: rng.chance(prices.misrouting),
            work: prices.handoff_work as f64 * (1.0 - frameworks) as f64,
        }
    }

    /// The protective side of frameworks: a receiving service that does its
    /// own assessment catches a misrouted referral (and sends it on to the
    /// right service); one that trusts a shared assessment takes it on.
    pub fn catches_misroute(frameworks: f32, prices: &LiftPrices, rng: &mut Stream) -> bool {
        rng.chance(prices.misroute_detection * frameworks)
    }

    /// Share of its own assessment cost a receiving agency pays: a shared
    /// assessment spares it for referred citizens as far as frameworks are lifted.
    pub fn own_assessment_share(frameworks: f32, via_referral: bool) -> f64 {
        if via_referral {
            frameworks as f64
        } else {
            1.0
        }
    }

    /// The annual running cost of the shared assessment.
    pub fn shared_assessment_cost(frameworks: f32, prices: &LiftPrices) -> f64 {
        prices.shared_assessment_running * (1.0 - frameworks) as f64
    }

    /// One-off set-up cost of lifting frameworks from `paid_floor` (the lowest
    /// strength already paid for) to `frameworks`; 0 if already paid.
    pub fn setup_cost(frameworks: f32, paid_floor: f32, prices: &LiftPrices) -> f64 {
        if frameworks < paid_floor {
            prices.shared_assessment_setup * (paid_floor - frameworks) as f64
        } else {
            0.0
        }
    }
}

/// Frontline burden: the share of frontline time spent on reporting and compliance.
pub mod burden {
    use super::LiftPrices;

    /// Weekly case capacity left after reporting (target reporting included).
    pub fn reporting_capacity(nominal: f64, burden: f32, targets: f32, prices: &LiftPrices) -> f64 {
        let share =
            prices.reporting_share * burden + super::targets::reporting_share(targets, prices);
        nominal * (1.0 - share.min(0.95)) as f64
    }

    /// The protective side of reporting: it is the data adaptation learns
    /// from. The error (a standard deviation on the KPIs' [−1, 1] scale) in
    /// what an agency reads of its own waits and outcomes, as far as
    /// reporting is lifted.
    pub fn signal_noise(burden: f32, prices: &LiftPrices) -> f32 {
        prices.unreported_signal_noise * (1.0 - burden)
    }

    /// The annual cost of lighter assurance, as far as the burden is lifted.
    pub fn light_assurance_cost(burden: f32, prices: &LiftPrices) -> f64 {
        prices.light_assurance_cost * (1.0 - burden) as f64
    }
}

/// Whole-systems leadership: the weight `w` an agency puts on the place outcome.
pub mod leadership {
    /// An agency's culture moves toward the place's `w` at the culture rate.
    pub fn culture_step(culture: f32, w: f32, rate: f32) -> f32 {
        culture + rate.clamp(0.0, 1.0) * (w - culture)
    }

    /// The harm an agency causes elsewhere as the place outcome counts it:
    /// the spend attributed to its failures of a quarter, over its allowance
    /// for that quarter, weighted by `harm_gain` (known once the attribution
    /// window has closed on them). With `harm_gain` 0 the place outcome is
    /// the place's budget alone.
    pub fn harm_score(harm: f32, harm_gain: f32) -> f32 {
        -harm_gain * harm
    }

    /// What the agency optimises: `(1 − w)·own + w·place`.
    pub fn mix(own: f32, place: f32, culture: f32) -> f32 {
        (1.0 - culture) * own + culture * place
    }
}
