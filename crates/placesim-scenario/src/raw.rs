//! The file formats as serde structs. Every field is optional here because a
//! file may set only what differs from the file it `extends`; `build` checks
//! that the resolved scenario sets everything. Doc comments become the JSON
//! Schema's descriptions, so each says its unit and allowed range.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// An insertion-ordered table of names to values (domain and agency order is file order).
pub type Table = serde_json::Map<String, Value>;

/// A scenario: one place, its barriers and its run.
#[derive(Clone, Debug, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawScenario {
    /// Path of a scenario this one inherits from (relative to this file), or a built-in preset's file name.
    pub extends: Option<String>,
    /// Short name, used in output folder names.
    pub name: Option<String>,
    /// What the scenario shows, in a sentence or two.
    pub description: Option<String>,
    pub place: Option<RawPlace>,
    pub needs: Option<RawNeeds>,
    pub citizens: Option<RawCitizens>,
    /// The agencies, by short id (letters, digits, `_`), in the order outputs list them.
    #[schemars(with = "Option<std::collections::BTreeMap<String, RawAgency>>")]
    pub agencies: Option<Table>,
    pub barriers: Option<RawBarriers>,
    pub leadership: Option<RawLeadership>,
    pub adaptation: Option<RawAdaptation>,
    pub programme: Option<RawProgramme>,
    /// Changes during the run.
    pub schedule: Option<Vec<RawScheduled>>,
    pub output: Option<RawOutput>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawPlace {
    /// Real people living in the place (1 to 100,000,000).
    pub residents: Option<u64>,
    /// Simulated citizens (1 to 20,000,000, and at most `place.residents`); each stands for residents / population people, so at least one. To benchmark more citizens than the place has residents, raise `place.residents` too (`placesim bench --population 1000000 --set place.residents=1000000`).
    pub population: Option<u64>,
    /// Weeks of warm-up, excluded from outcomes (0 to 5,200).
    pub warmup_weeks: Option<u64>,
    /// Weeks counted after warm-up (1 to 5,200).
    pub weeks: Option<u64>,
    /// Random seed (0 to 2^64 − 1).
    pub seed: Option<u64>,
    /// The financial year whose prices outputs are in, by the year it starts
    /// (2023 is 2023/24; 2010 to 2023, the years of the GDP deflator table).
    pub price_year: Option<u64>,
    /// The financial year whose prices every money value of the scenario is
    /// written in (2021 is 2021/22; 2010 to 2023); converted to `price_year`
    /// with the GDP deflator. It applies to every money value, inherited ones
    /// too: a file that `extends` another and changes it re-dates them all.
    pub input_price_year: Option<u64>,
    /// Annual discount rate for present values of money and QALYs (0 to 0.5; Green Book 0.035).
    pub discount_rate: Option<f64>,
    /// Value of one QALY in pounds of `input_price_year` (0 to 10,000,000), for the net monetary benefit.
    pub qaly_value: Option<f64>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawNeeds {
    /// Need level above which a need counts as unmet (0 to 0.99).
    pub need_threshold: Option<f64>,
    /// Need level above which a need is high (complexity, multiple needs; need_threshold to 0.99).
    pub high_need: Option<f64>,
    /// Need level above which a crisis contact is forced (high_need to 0.99).
    pub crisis_level: Option<f64>,
    /// Smallest shock to a need (0 to 1).
    pub shock_min: Option<f64>,
    /// Largest shock to a need (shock_min to 1).
    pub shock_max: Option<f64>,
    /// Weekly share of a need that recovers on its own at resilience 1 (0 to 1).
    pub recovery_rate: Option<f64>,
    /// A contact about the same need within this many weeks is failure demand (1 to 520).
    pub failure_window_weeks: Option<u64>,
    /// Spend is attributed to an agency's failure for this many weeks after it (1 to 520).
    pub attribution_window_weeks: Option<u64>,
    /// The wellbeing scale: decrements of an EQ-5D-3L value set (each 0 to 1).
    pub wellbeing: Option<RawWellbeing>,
    /// The need domains, by name, in order (1 to 8).
    #[schemars(with = "Option<std::collections::BTreeMap<String, RawDomain>>")]
    pub domains: Option<Table>,
    /// Coupling matrix: one row per domain (`from`), each a list with one entry per domain (`to`, in
    /// domain order), 0 to 20: how much unmet need in `from` multiplies shocks in `to`. Diagonal ignored.
    #[schemars(with = "Option<std::collections::BTreeMap<String, Vec<f64>>>")]
    pub coupling: Option<Table>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawDomain {
    /// Weekly shock hazard for a citizen of risk 1 with no other unmet need (0 to 1).
    pub base_hazard: Option<f64>,
    /// Id of the agency where a crisis in this domain lands.
    pub crisis_service: Option<String>,
    /// Winter swing of the hazard around its annual mean, peaking in the first week of January
    /// (0 to 0.9; 0, no swing, when not given). Week 0 of each financial year is the first week of April.
    pub winter_amplitude: Option<f64>,
    /// The wellbeing dimension a need in this domain is a problem on: mobility, self_care,
    /// usual_activities, pain_discomfort or anxiety_depression.
    pub wellbeing_dimension: Option<String>,
}

/// Decrements of an EQ-5D-3L value set: a need above need_threshold is a moderate problem (level
/// 2) on its domain's dimension, above high_need an extreme one (level 3).
#[derive(Clone, Debug, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawWellbeing {
    /// Taken off when any dimension has a problem (0 to 1).
    pub any_problem: Option<f64>,
    /// Taken off when any dimension is at level 3 (0 to 1).
    pub any_extreme: Option<f64>,
    /// [level 2, level 3] decrements (each 0 to 1).
    pub mobility: Option<[f64; 2]>,
    /// [level 2, level 3] decrements (each 0 to 1).
    pub self_care: Option<[f64; 2]>,
    /// [level 2, level 3] decrements (each 0 to 1).
    pub usual_activities: Option<[f64; 2]>,
    /// [level 2, level 3] decrements (each 0 to 1).
    pub pain_discomfort: Option<[f64; 2]>,
    /// [level 2, level 3] decrements (each 0 to 1).
    pub anxiety_depression: Option<[f64; 2]>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawCitizens {
    /// Standard deviation of log risk (0 to 3).
    pub risk_sigma: Option<f64>,
    /// Range [min, max] of resilience (0 to 10).
    pub resilience: Option<[f64; 2]>,
    /// Range [min, max] of the personal help-seeking threshold (0 to 1).
    pub help_threshold: Option<[f64; 2]>,
    /// Mean initial need as a share of need_threshold (0 to 2).
    pub initial_need: Option<f64>,
    /// Range [min, max] of the whole weeks a citizen waits on an open case before chasing it (1 to 52).
    pub patience_weeks: Option<[f64; 2]>,
    /// Frontline work of answering one chasing contact, in case units (0 to 1).
    pub chase_work: Option<f64>,
    pub learning: Option<RawLearning>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawLearning {
    /// Roth–Erev forgetting per contact (0 to 1).
    pub forgetting: Option<f64>,
    /// Reinforcement when a contact resolves the need (0 to 100).
    pub reward_resolved: Option<f64>,
    /// Reinforcement when a contact helps without resolving (0 to 100).
    pub reward_partial: Option<f64>,
    /// Smallest propensity (0 to 1).
    pub propensity_floor: Option<f64>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RawRole {
    Universal,
    Specialist,
    Crisis,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawAgency {
    /// Full name.
    pub name: Option<String>,
    /// universal (open to all, preventive), specialist (assessed) or crisis (statutory, never refuses).
    pub role: Option<RawRole>,
    /// Names of the need domains it may treat.
    pub remit: Option<Vec<String>>,
    /// Cases the real agency can take on per week for the modelled needs (0 to 10,000,000).
    pub capacity_per_week: Option<f64>,
    /// Annual budget for the modelled needs, £ of `place.input_price_year` (0 to 10^12).
    pub budget_per_year: Option<f64>,
    /// Need reduction of one case at intensity 1 (0 to 1).
    pub efficacy: Option<f64>,
    /// Waiting-time target, weeks (0.1 to 520).
    pub wait_target_weeks: Option<f64>,
    /// Citizens' initial propensity to contact it first (0 to 100).
    pub initial_propensity: Option<f64>,
    pub unit_costs: Option<RawUnitCosts>,
    pub policy: Option<RawPolicy>,
    /// Beds, for a crisis service that admits (none when not given).
    pub beds: Option<RawBeds>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawBeds {
    /// Beds of the real place for the modelled needs (1 to 10^7).
    pub beds: Option<f64>,
    /// Share of crisis episodes admitted to a bed (0 to 1).
    pub admitted_share: Option<f64>,
    /// Mean days from admission until medically fit (1 to 365).
    pub length_of_stay_days: Option<f64>,
    /// Winter's effect on length of stay: the mean stay is `1 + amplitude·cos(2π(week − 40)/52)`
    /// times its annual mean, longest in the first week of January (0 to 0.9; 0, no swing, when
    /// not given).
    pub winter_stay_amplitude: Option<f64>,
    /// Occupancy above which risk and cost rise (0.5 to 0.99).
    pub safe_occupancy: Option<f64>,
    /// Extra cost of a crisis episode, as a share, per unit of excess occupancy (0 to 10).
    pub crowding_cost: Option<f64>,
    /// Share of a crisis episode's effect lost per unit of excess occupancy (0 to 1).
    pub crowding_harm: Option<f64>,
    /// Need domains which, above the need threshold, keep a medically fit patient in bed until a
    /// package is in place.
    pub discharge_needs: Option<Vec<String>>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawUnitCosts {
    /// £ per assessment (0 to 10^7).
    pub assessment: Option<f64>,
    /// £ per intervention at intensity 1 (0 to 10^7).
    pub intervention: Option<f64>,
    /// £ per statutory crisis episode (0 to 10^7).
    pub crisis: Option<f64>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawPolicy {
    /// Need at or above which a case is eligible (0 to 1).
    pub eligibility_threshold: Option<f64>,
    /// Cases with more other high needs than this are parked (0 to 8).
    pub complexity_cap: Option<f64>,
    /// Share of capacity reserved for below-threshold cases (0 to 1).
    pub prevention_capacity_share: Option<f64>,
    /// Work, cost and effect of a case scale with it (0.1 to 3).
    pub intensity: Option<f64>,
    /// Chance an out-of-remit or refused need is referred on (0 to 1).
    pub referral_propensity: Option<f64>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawBarriers {
    pub ring_fenced_budgets: Option<RawRingFence>,
    pub function_bound_targets: Option<RawTargets>,
    pub professional_boundaries: Option<RawBoundaries>,
    pub organisational_frameworks: Option<RawFrameworks>,
    pub frontline_burden: Option<RawBurden>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawRingFence {
    /// 1 = every agency holds its own budget; 0 = one pooled budget (0 to 1).
    pub strength: Option<f64>,
    /// Place board running cost, £ a year, times (1 − strength) (0 to 10^10).
    pub board_running_cost_per_year: Option<f64>,
    /// How the board reallocates the pool each year: last_year_spend (in proportion to last year's
    /// spend plus the demand turned away), need_origin (the same, with each pound of spend moved
    /// to the agency whose failure caused it) or invest_to_save (last_year_spend, after setting
    /// aside protected_prevention_share of the pool for the non-crisis agencies' prevention).
    /// last_year_spend when not given.
    pub reallocation: Option<RawReallocation>,
    /// Under invest_to_save, the share of the pool set aside for prevention, which crisis
    /// overspend cannot draw on (0 to 1; 0 when not given).
    pub protected_prevention_share: Option<f64>,
    /// Money buys capacity: each year every non-crisis agency orders frontline capacity in
    /// proportion to its allowance over last year's spend, by at most this share a year (0 to 1;
    /// 0, money buys none, when not given). Whatever the strength: ring-fenced, an agency buys
    /// with its own budget; pooled, with what the board gives it.
    pub commissioning_step: Option<f64>,
    /// Weeks from ordering capacity to its taking effect (0 to 51: each year's order replaces the
    /// last; 26 when not given).
    pub commissioning_lag_weeks: Option<u64>,
    /// The utilisation commissioners staff for: capacity grows only if last year's utilisation was
    /// above it (and money allows), and shrinks if it was below (0.1 to 1; 0.9 when not given).
    pub commissioning_utilisation: Option<f64>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RawReallocation {
    LastYearSpend,
    NeedOrigin,
    InvestToSave,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawTargets {
    /// 1 = throughput KPIs; 0 = own clients' outcomes (0 to 1).
    pub strength: Option<f64>,
    /// Extra share of frontline capacity on reporting that targets add, times strength (0 to 0.9).
    pub target_reporting_share: Option<f64>,
    /// Cost of measuring shared outcomes, £ a year, times (1 − strength) (0 to 10^10).
    pub shared_outcomes_cost_per_year: Option<f64>,
    /// Quarters before a client outcome can be read: the outcome KPI an agency adapts to as
    /// targets are lifted is this many quarters old (0 to 8).
    pub outcome_lag_quarters: Option<u64>,
    /// Cases a quarter an agency audits to estimate its outcome KPI (1 to 10,000).
    pub outcome_audit_cases: Option<u64>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawBoundaries {
    /// 1 = a worker addresses only the agency's remit; 0 = lead professionals (0 to 1).
    pub strength: Option<f64>,
    /// Coordination of each other need a lead professional addresses, as a share of one of the
    /// host's own cases, on top of the time of a case for that need, which is priced at the
    /// specialist's unit cost (0 to 100).
    pub coordination_cost: Option<f64>,
    /// Effect on another need relative to a specialist's (0 to 1).
    pub lead_professional_efficacy: Option<f64>,
    /// At most this many other needs addressed per case, the highest first (0 to 7).
    pub max_lead_domains: Option<u64>,
    /// A lead professional only for a citizen with at least this many other needs above the
    /// need threshold, as a key-worker programme targets; other cases meet a specialist as under
    /// boundaries (0 to 7; 0, every case, when not given).
    pub lead_min_needs: Option<u64>,
    /// Share of the host's own efficacy lost when boundaries are fully lifted: specialist depth
    /// thins as the worker generalises (0 to 1).
    pub specialist_depth_loss: Option<f64>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawFrameworks {
    /// 1 = slow, lossy referrals and repeated assessments; 0 = warm hand-offs, shared assessment (0 to 1).
    pub strength: Option<f64>,
    /// Weeks a referral takes, times strength (0 to 52).
    pub referral_delay_weeks: Option<f64>,
    /// Chance a referral is lost, times strength (0 to 1).
    pub referral_loss: Option<f64>,
    /// Work of a warm hand-off, share of a case, times (1 − strength) (0 to 10).
    pub handoff_work: Option<f64>,
    /// Share of referrals sent to a service whose remit does not cover the need, whatever the
    /// strength (0 to 1).
    pub misrouting: Option<f64>,
    /// Chance the receiving service's own assessment catches a misrouted referral and sends it
    /// on, times strength (a shared assessment is trusted) (0 to 1).
    pub misroute_detection: Option<f64>,
    /// Shared-assessment set-up cost, £, as frameworks are lifted (0 to 10^10).
    pub shared_assessment_setup: Option<f64>,
    /// Shared-assessment running cost, £ a year, times (1 − strength) (0 to 10^10).
    pub shared_assessment_running_per_year: Option<f64>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawBurden {
    /// 1 = full reporting and compliance burden; 0 = light-touch assurance (0 to 1).
    pub strength: Option<f64>,
    /// Share of frontline capacity on reporting, times strength (0 to 0.9).
    pub reporting_share: Option<f64>,
    /// Running cost of light-touch assurance, £ a year, times (1 − strength) (0 to 10^10).
    pub light_assurance_cost_per_year: Option<f64>,
    /// Error (standard deviation, on the KPIs' −1 to 1 scale) in what an agency reads of its own
    /// waits and outcomes, times (1 − strength): reporting is the data adaptation learns from
    /// (0 to 2).
    pub unreported_signal_noise: Option<f64>,
}

/// A strategy's own costs, beyond what the barriers price.
#[derive(Clone, Debug, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawProgramme {
    /// Set-up cost, £, charged at the first counted week (0 to 10^10; 0 when not given).
    pub setup_cost: Option<f64>,
    /// Running cost, £ a year, booked to the board outside any pooled budget (0 to 10^10; 0 when
    /// not given).
    pub running_cost_per_year: Option<f64>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawLeadership {
    /// Weight w agencies give the place outcome against their own KPI (0 to 1).
    pub whole_systems_weight: Option<f64>,
    /// Quarterly rate at which agencies' culture moves toward w (0 to 1).
    pub culture_rate: Option<f64>,
    /// Multiplies every policy step; 0 freezes adaptation (0 to 10).
    pub learning_rate: Option<f64>,
    /// Quarters over which KPIs are judged (1 to 20).
    pub kpi_window_quarters: Option<u64>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawAdaptation {
    /// Threshold's largest move in a quarter (0 to 1).
    pub threshold_step: Option<f64>,
    /// Prevention share's largest move in a quarter (0 to 1).
    pub prevention_step: Option<f64>,
    /// Intensity's largest move in a quarter (0 to 1).
    pub intensity_step: Option<f64>,
    /// Complexity cap change per quarter at full pressure (0 to 8).
    pub complexity_cap_step: Option<f64>,
    /// Referral propensity's largest move in a quarter (0 to 1).
    pub referral_step: Option<f64>,
    /// Weight of throughput (cases closed per £) in the KPI of function-bound targets (0 to 1).
    pub throughput_pull: Option<f64>,
    /// Size of each lever's quarterly trial, in steps (0 to 5).
    pub exploration: Option<f64>,
    /// Steps a lever moves per unit of its estimated score gradient, before the one-step clip (0 to 1,000).
    pub gradient_gain: Option<f64>,
    /// Response to costs shifted elsewhere, per unit of culture (0 to 100).
    pub harm_gain: Option<f64>,
    /// [min, max] of the eligibility threshold (0 to 1).
    pub threshold_range: Option<[f64; 2]>,
    /// [min, max] of the prevention share (0 to 1).
    pub prevention_range: Option<[f64; 2]>,
    /// [min, max] of intensity (0.1 to 3).
    pub intensity_range: Option<[f64; 2]>,
    /// [min, max] of the complexity cap (0 to 8).
    pub complexity_cap_range: Option<[f64; 2]>,
    /// Queued cases give up after this many weeks (1 to 520).
    pub max_wait_weeks: Option<u64>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawScheduled {
    /// Week, counted from the end of warm-up (0 = first counted week), at whose start the change acts.
    pub week: Option<u64>,
    /// Values to set: `barriers.<barrier>.strength` or `leadership.whole_systems_weight` (0 to 1),
    /// or `agencies.<id>.capacity_per_week` or `agencies.<id>.budget_per_year`,
    /// or one of an agency's levers (`agencies.<id>.eligibility_threshold`,
    /// `prevention_capacity_share`, `intensity`, `complexity_cap`,
    /// `referral_propensity`), which steers it by hand from that week, or
    /// `agencies.<id>.adaptive = true`, which hands it back to its adaptive rule.
    #[schemars(with = "Option<std::collections::BTreeMap<String, serde_json::Value>>")]
    pub set: Option<Table>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawOutput {
    /// Write a time-series row every this many weeks (1 to 520).
    pub every_weeks: Option<u64>,
}

/// A sweep: variants of a base scenario, each run for several replicates.
#[derive(Clone, Debug, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawSweep {
    /// Short name, used for the output folder.
    pub name: Option<String>,
    /// What the sweep compares, in a sentence or two.
    pub description: Option<String>,
    /// The base scenario: a path relative to this file, or a built-in preset's file name.
    pub base: Option<String>,
    /// Replicates per variant (1 to 100,000).
    pub replicates: Option<u64>,
    /// Sweep seed; replicate r of every variant uses the same seed derived from it.
    pub seed: Option<u64>,
    /// Name of the variant the others are compared with.
    pub baseline: Option<String>,
    /// Overrides by dotted key applied to every variant.
    #[schemars(with = "Option<std::collections::BTreeMap<String, Value>>")]
    pub set: Option<Table>,
    /// Named variants.
    pub variants: Option<Vec<RawVariant>>,
    /// Factorial design: each dotted key with a list of values; every combination is a variant.
    #[schemars(with = "Option<std::collections::BTreeMap<String, Vec<Value>>>")]
    pub grid: Option<Table>,
    /// Zipped design: each dotted key with a list of values, all the same length; the i-th values form a variant.
    #[schemars(with = "Option<std::collections::BTreeMap<String, Vec<Value>>>")]
    pub zip: Option<Table>,
    /// Latin hypercube design over ranges of dotted keys.
    pub latin_hypercube: Option<RawLatinHypercube>,
    /// The file of uncertain parameters `placesim sensitivity` samples (a path relative to this file, or the built-in `uncertainty.toml`) [default: the built-in].
    pub uncertainty: Option<String>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawVariant {
    /// The variant's name (unique in the sweep).
    pub name: Option<String>,
    /// A scenario to start from instead of the base (path relative to the sweep file, or a preset's file name).
    pub scenario: Option<String>,
    /// Overrides by dotted key.
    #[schemars(with = "Option<std::collections::BTreeMap<String, Value>>")]
    pub set: Option<Table>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawLatinHypercube {
    /// Number of samples (1 to 10,000).
    pub samples: Option<u64>,
    /// Each dotted key with its [min, max].
    #[schemars(with = "Option<std::collections::BTreeMap<String, [f64; 2]>>")]
    pub ranges: Option<Table>,
}
