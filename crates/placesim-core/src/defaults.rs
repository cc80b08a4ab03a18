//! The built-in default place: about 300,000 residents, six need domains and
//! eight agencies. Each value says where it comes from; `docs/ODD.md` lists
//! them with their sources. Values marked "assumption" are modelling choices
//! to be replaced by local data.

use crate::ids::{AgencyId, Domain, DomainSet};
use crate::params::*;

pub const HEALTH: Domain = Domain(0);
pub const MENTAL_HEALTH: Domain = Domain(1);
pub const HOUSING: Domain = Domain(2);
pub const INCOME: Domain = Domain(3);
pub const SOCIAL_CARE: Domain = Domain(4);
pub const SAFETY: Domain = Domain(5);

pub const ACUTE: AgencyId = AgencyId(0);
pub const GP: AgencyId = AgencyId(1);
pub const MENTAL_HEALTH_SERVICE: AgencyId = AgencyId(2);
pub const SOCIAL_CARE_SERVICE: AgencyId = AgencyId(3);
pub const HOUSING_SERVICE: AgencyId = AgencyId(4);
pub const JOB_CENTRE: AgencyId = AgencyId(5);
pub const POLICE: AgencyId = AgencyId(6);
pub const VOLUNTARY: AgencyId = AgencyId(7);

fn policy(threshold: f32, cap: f32, prevention: f32, referral: f32) -> Policy {
    Policy {
        eligibility_threshold: threshold,
        complexity_cap: cap,
        prevention_capacity_share: prevention,
        intensity: 1.0,
        referral_propensity: referral,
    }
}

#[allow(clippy::too_many_arguments)]
fn agency(
    id: &str,
    name: &str,
    remit: &[Domain],
    role: Role,
    capacity_per_week: f64,
    costs: (f64, f64, f64),
    annual_budget: f64,
    efficacy: f32,
    wait_target_weeks: f32,
    initial_policy: Policy,
) -> AgencySpec {
    AgencySpec {
        id: id.to_string(),
        name: name.to_string(),
        remit: DomainSet::of(remit),
        role,
        capacity_per_week,
        unit_costs: UnitCosts {
            assessment: costs.0,
            intervention: costs.1,
            crisis: costs.2,
        },
        annual_budget,
        efficacy,
        wait_target_weeks,
        initial_propensity: match role {
            Role::Universal => 1.0,
            Role::Specialist => 0.5,
            Role::Crisis => 0.1,
        },
        initial_policy,
    }
}

/// The default place, with every barrier fully in place and `w = 0` (silos).
pub fn default_place() -> Params {
    let domains = vec![
        DomainSpec {
            name: "health".into(),
            base_hazard: 0.0045,
            crisis_agency: ACUTE,
        },
        DomainSpec {
            name: "mental_health".into(),
            base_hazard: 0.003,
            crisis_agency: ACUTE,
        },
        DomainSpec {
            name: "housing".into(),
            base_hazard: 0.0015,
            crisis_agency: HOUSING_SERVICE,
        },
        DomainSpec {
            name: "income".into(),
            base_hazard: 0.00225,
            crisis_agency: JOB_CENTRE,
        },
        DomainSpec {
            name: "social_care".into(),
            base_hazard: 0.0015,
            crisis_agency: ACUTE,
        },
        DomainSpec {
            name: "safety".into(),
            base_hazard: 0.001125,
            crisis_agency: POLICE,
        },
    ];
    // coupling[from][to]: unmet need in `from` multiplies shock hazard in `to` (assumption,
    // shaped on the Troubled Families evidence that needs cluster and compound).
    #[rustfmt::skip]
    let coupling = vec![
        //  health  mental  housing income  care   safety      (to)
        0.0,    1.25,   0.0,    3.75,   2.5,   0.0,   // from health
        1.25,   0.0,    1.25,   3.75,   0.0,   3.75,  // from mental health
        3.75,   3.75,   0.0,    2.5,    0.0,   0.0,   // from housing
        0.0,    2.5,    5.0,    0.0,    0.0,   0.0,   // from income
        3.75,   0.0,    0.0,    0.0,    0.0,   0.0,   // from social care
        0.0,    2.5,    1.25,   0.0,    0.0,   0.0,   // from safety
    ];
    use Role::*;
    let agencies = vec![
        agency(
            "acute",
            "Acute hospital and A&E",
            &[HEALTH, MENTAL_HEALTH, SOCIAL_CARE],
            Crisis,
            1_000.0,
            (0.0, 0.0, 1_570.0),
            36.0e6,
            0.30,
            4.0,
            policy(0.0, 6.0, 0.0, 0.4),
        ),
        agency(
            "gp",
            "General practice",
            &[HEALTH, MENTAL_HEALTH],
            Universal,
            1_800.0,
            (42.0, 126.0, 0.0),
            10.0e6,
            0.20,
            2.0,
            policy(0.35, 5.0, 0.15, 0.5),
        ),
        agency(
            "mental_health",
            "Community mental health",
            &[MENTAL_HEALTH],
            Specialist,
            170.0,
            (150.0, 1_200.0, 0.0),
            8.0e6,
            0.35,
            6.0,
            policy(0.50, 3.0, 0.10, 0.4),
        ),
        agency(
            "social_care",
            "Adult social care",
            &[SOCIAL_CARE],
            Specialist,
            130.0,
            (350.0, 3_000.0, 0.0),
            15.0e6,
            0.40,
            4.0,
            policy(0.55, 3.0, 0.10, 0.4),
        ),
        agency(
            "housing",
            "Council housing and homelessness",
            &[HOUSING],
            Specialist,
            150.0,
            (300.0, 1_800.0, 4_500.0),
            16.0e6,
            0.40,
            6.0,
            policy(0.50, 3.0, 0.10, 0.4),
        ),
        agency(
            "job_centre",
            "Job centre",
            &[INCOME],
            Specialist,
            300.0,
            (120.0, 700.0, 400.0),
            10.0e6,
            0.30,
            4.0,
            policy(0.45, 3.0, 0.10, 0.3),
        ),
        agency(
            "police",
            "Police",
            &[SAFETY, MENTAL_HEALTH],
            Crisis,
            500.0,
            (0.0, 0.0, 650.0),
            3.5e6,
            0.20,
            1.0,
            policy(0.0, 6.0, 0.0, 0.4),
        ),
        agency(
            "voluntary",
            "Voluntary and community sector",
            &[HOUSING, INCOME, MENTAL_HEALTH, SOCIAL_CARE, SAFETY],
            Universal,
            300.0,
            (40.0, 350.0, 0.0),
            4.5e6,
            0.25,
            3.0,
            policy(0.30, 4.0, 0.30, 0.5),
        ),
    ];
    Params {
        place: Place {
            residents: 300_000,
            population: 10_000,
            warmup_ticks: 52,
            ticks: 260,
            seed: 1,
            price_year: 2023,
            discount_rate: 0.035,
        },
        needs: NeedModel {
            domains,
            coupling,
            need_threshold: 0.30,
            high_need: 0.55,
            crisis_level: 0.85,
            shock_min: 0.10,
            shock_max: 0.45,
            recovery_rate: 0.015,
            failure_window: 13,
            attribution_window: 26,
        },
        citizens: CitizenTraits {
            risk_sigma: 0.9,
            resilience_min: 0.5,
            resilience_max: 1.5,
            help_threshold_min: 0.35,
            help_threshold_max: 0.55,
            initial_need: 0.5,
            forgetting: 0.1,
            reward_resolved: 1.0,
            reward_partial: 0.3,
            propensity_floor: 0.02,
        },
        agencies,
        barriers: Barriers::all(1.0),
        prices: LiftPrices {
            board_running_cost: 600_000.0,
            shared_outcomes_cost: 250_000.0,
            coordination_cost: 0.25,
            lead_professional_efficacy: 0.7,
            referral_delay_weeks: 4.0,
            referral_loss: 0.2,
            handoff_work: 0.15,
            shared_assessment_setup: 1_500_000.0,
            shared_assessment_running: 300_000.0,
            reporting_share: 0.20,
            target_reporting_share: 0.10,
            light_assurance_cost: 200_000.0,
        },
        leadership: Leadership {
            whole_systems_weight: 0.0,
            culture_rate: 0.25,
            learning_rate: 1.0,
            kpi_window_quarters: 4,
        },
        adaptation: AdaptationRule {
            threshold_step: 0.03,
            prevention_step: 0.02,
            intensity_step: 0.05,
            cap_step: 0.25,
            referral_step: 0.05,
            throughput_pull: 0.2,
            harm_gain: 2.0,
            threshold_range: (0.2, 0.85),
            prevention_range: (0.0, 0.5),
            intensity_range: (0.4, 1.5),
            cap_range: (0.0, 5.0),
            max_wait_weeks: 26,
        },
    }
}

/// The default place with every barrier lifted and `w = 1` (total place).
pub fn total_place() -> Params {
    let mut p = default_place();
    p.barriers = Barriers::all(0.0);
    p.leadership.whole_systems_weight = 1.0;
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_place_is_valid() {
        assert_eq!(default_place().problems(), Vec::<String>::new());
        assert_eq!(total_place().problems(), Vec::<String>::new());
    }
}
