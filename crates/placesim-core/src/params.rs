//! Typed model parameters. Core code sees only these validated types, never a
//! string key: files and flags are turned into them at the edge.

use crate::ids::{AgencyId, Domain, DomainSet, MAX_AGENCIES, MAX_DOMAINS};
use crate::limits::{self, Bounds};
use serde::{Deserialize, Serialize};

/// Most simulated citizens a run may have (see [`limits::POPULATION`]).
pub const MAX_POPULATION: u32 = limits::POPULATION.max;

/// Everything a run needs, all in the units `docs/ODD.md` states.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Params {
    pub place: Place,
    pub needs: NeedModel,
    pub citizens: CitizenTraits,
    pub agencies: Vec<AgencySpec>,
    pub barriers: Barriers,
    pub prices: LiftPrices,
    pub leadership: Leadership,
    pub adaptation: AdaptationRule,
    /// Changes to barriers and leadership at given ticks, in tick order.
    pub schedule: Vec<ScheduledChange>,
}

/// One of the five barriers, by name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BarrierKind {
    RingFencedBudgets,
    FunctionBoundTargets,
    ProfessionalBoundaries,
    OrganisationalFrameworks,
    FrontlineBurden,
}

impl BarrierKind {
    pub const ALL: [BarrierKind; 5] = [
        BarrierKind::RingFencedBudgets,
        BarrierKind::FunctionBoundTargets,
        BarrierKind::ProfessionalBoundaries,
        BarrierKind::OrganisationalFrameworks,
        BarrierKind::FrontlineBurden,
    ];

    /// The barrier with this snake_case name (`ring_fenced_budgets`, ...).
    pub fn from_name(name: &str) -> Option<BarrierKind> {
        BarrierKind::ALL.into_iter().find(|k| k.name() == name)
    }

    pub fn name(self) -> &'static str {
        match self {
            BarrierKind::RingFencedBudgets => "ring_fenced_budgets",
            BarrierKind::FunctionBoundTargets => "function_bound_targets",
            BarrierKind::ProfessionalBoundaries => "professional_boundaries",
            BarrierKind::OrganisationalFrameworks => "organisational_frameworks",
            BarrierKind::FrontlineBurden => "frontline_burden",
        }
    }
}

/// What a scheduled change sets.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    Barrier(BarrierKind, f32),
    WholeSystemsWeight(f32),
    /// An agency's capacity (cases a week of the real place): capacity
    /// bought or cut, from the week it arrives.
    Capacity(u8, f64),
    /// An agency's annual budget (£ of the price year): allowances for the
    /// rest of the year are recomputed at once.
    Budget(u8, f64),
    /// One lever of an agency's policy, set by hand (a workshop participant
    /// running the agency): the agency is steered from now on, trying and
    /// learning nothing, until handed back. The lever is indexed as in
    /// `learner::LEVERS`.
    Lever(u8, u8, f32),
    /// Hand a steered agency back to its own adaptive rule, which decides
    /// its policy at once (a workshop seat whose team did not decide in time).
    Adaptive(u8),
}

/// A change that takes effect at the start of `tick` (counted from the start of warm-up).
/// Changes to barriers, leadership, and agencies' capacities and budgets.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScheduledChange {
    pub tick: u32,
    pub change: Change,
}

/// The place and the run's clock.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Place {
    /// Real people living in the place.
    pub residents: u32,
    /// Simulated citizens; each stands for `residents / population` people.
    pub population: u32,
    /// Weeks simulated before outcomes are counted.
    pub warmup_weeks: u32,
    /// Weeks simulated and counted after warm-up.
    pub weeks: u32,
    pub seed: u64,
    /// The financial year (by the year it starts) whose prices every money
    /// value is in, once the scenario's are converted.
    pub price_year: u16,
    /// The financial year the scenario wrote its money in (converted from).
    pub input_price_year: u16,
    /// Annual discount rate for present values of money and QALYs (Green Book: 0.035).
    pub discount_rate: f64,
    /// Pounds a QALY is worth, for the net monetary benefit.
    pub qaly_value: f64,
}

impl Place {
    /// How many real residents one simulated citizen stands for.
    pub fn weight(&self) -> f64 {
        self.residents as f64 / self.population as f64
    }
    /// Simulated citizens per real resident (scales capacities).
    pub fn scale(&self) -> f64 {
        self.population as f64 / self.residents as f64
    }
    pub fn total_weeks(&self) -> u32 {
        self.warmup_weeks + self.weeks
    }
}

/// One need domain.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct DomainSpec {
    pub name: String,
    /// Weekly chance of a shock for a citizen of risk 1 with no other unmet need.
    pub base_hazard: f32,
    /// Where a crisis in this domain lands (A&E, police, emergency housing...).
    pub crisis_agency: AgencyId,
    /// Winter pressure: the hazard is `1 + amplitude·cos(2π(week − 40)/52)`
    /// times its annual mean, peaking in week 40 of the financial year (the
    /// first week of January when week 0 is the first week of April).
    pub winter_amplitude: f32,
    /// Which dimension of the wellbeing scale a need in this domain is a
    /// problem on (an index into [`WELLBEING_DIMENSIONS`]).
    pub wellbeing_dimension: u8,
}

/// The five dimensions of the EQ-5D-3L health-state descriptive system,
/// whose value sets the wellbeing scale takes its decrements from.
pub const WELLBEING_DIMENSIONS: [&str; 5] = [
    "mobility",
    "self_care",
    "usual_activities",
    "pain_discomfort",
    "anxiety_depression",
];

/// A preference-based wellbeing scale in the additive form of an EQ-5D-3L
/// value set. A need above `need_threshold` is a moderate problem (level 2)
/// on its domain's dimension, above `high_need` an extreme one (level 3); a
/// dimension's level is the highest of its domains'. A week's wellbeing is
/// 1 minus `any_problem` (if any dimension has a problem), `any_extreme` (if
/// any is at level 3) and each dimension's decrement at its level, floored
/// at 0 (a state valued below 0, "worse than dead", counts as 0 so that the
/// low decile and the Gini stay defined).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WellbeingScale {
    pub any_problem: f32,
    pub any_extreme: f32,
    /// Per dimension, in [`WELLBEING_DIMENSIONS`] order: [level 2, level 3].
    pub decrements: [[f32; 2]; 5],
}

impl WellbeingScale {
    /// Wellbeing for these dimension levels (0 no problem, 1 moderate, 2 extreme).
    #[inline]
    pub fn value(&self, levels: [u8; 5]) -> f32 {
        let mut v = 1.0f32;
        let mut worst = 0u8;
        for (level, dec) in levels.iter().zip(&self.decrements) {
            v -= dec[0] * (*level == 1) as u8 as f32 + dec[1] * (*level == 2) as u8 as f32;
            worst = worst.max(*level);
        }
        v -= self.any_problem * (worst >= 1) as u8 as f32
            + self.any_extreme * (worst == 2) as u8 as f32;
        v.max(0.0)
    }
}

/// Week of the financial year (week 0 = the first week of April) when
/// winter pressure peaks: the first week of January.
pub const WINTER_PEAK_WEEK: u32 = 40;

/// The season in week `tick`: `cos(2π(week of year − WINTER_PEAK_WEEK)/52)`,
/// 1 at the peak of winter, −1 at midsummer, 0 on average over a year. Every
/// winter effect is `1 + amplitude × winter(tick)` times its annual mean.
pub fn winter(tick: crate::ids::Tick) -> f64 {
    use crate::ids::WEEKS_PER_YEAR;
    let phase = (tick % WEEKS_PER_YEAR) as f64 - WINTER_PEAK_WEEK as f64;
    libm::cos(2.0 * std::f64::consts::PI * phase / WEEKS_PER_YEAR as f64)
}

/// How needs arise, couple and recover. Needs are on [0, 1].
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct NeedModel {
    pub domains: Vec<DomainSpec>,
    /// `coupling[from * D + to]`: how much unmet need in `from` multiplies the
    /// shock hazard in `to` (the diagonal is ignored).
    pub coupling: Vec<f32>,
    /// Fixed level above which a need counts as unmet need (outcomes only).
    pub need_threshold: f32,
    /// Fixed level above which a need is "high" (complexity, multiple needs).
    pub high_need: f32,
    /// Level above which a need forces a crisis contact.
    pub crisis_level: f32,
    pub shock_min: f32,
    pub shock_max: f32,
    /// Weekly fraction of a need that recovers on its own, times resilience.
    pub recovery_rate: f32,
    /// A contact about the same need within this many weeks is failure demand.
    pub failure_window: u16,
    /// Spend is attributed to an agency's failure for this many weeks after it.
    pub attribution_window: u16,
    /// How needs take away wellbeing.
    pub wellbeing: WellbeingScale,
}

impl NeedModel {
    /// A need's level on the wellbeing scale: 0 at or below `need_threshold`,
    /// 1 (a moderate problem) above it, 2 (extreme) above `high_need`.
    #[inline]
    pub fn wellbeing_level(&self, need: f32) -> u8 {
        (need > self.need_threshold) as u8 + (need > self.high_need) as u8
    }

    /// A citizen's wellbeing this week: each need's level on its domain's
    /// dimension (`dimension[d]`, a [`WELLBEING_DIMENSIONS`] index), a
    /// dimension at its worst domain's level, valued by the scale.
    #[inline]
    pub fn wellbeing(&self, needs: &[f32], dimension: &[u8]) -> f32 {
        let mut levels = [0u8; 5];
        for (need, &dim) in needs.iter().zip(dimension) {
            let level = &mut levels[dim as usize];
            *level = (*level).max(self.wellbeing_level(*need));
        }
        self.wellbeing.value(levels)
    }

    pub fn n_domains(&self) -> usize {
        self.domains.len()
    }
    pub fn coupling(&self, from: usize, to: usize) -> f32 {
        self.coupling[from * self.domains.len() + to]
    }
}

/// Citizens' traits and how they learn about services.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CitizenTraits {
    /// Standard deviation of log risk (risk is lognormal with median 1).
    pub risk_sigma: f32,
    pub resilience_min: f32,
    pub resilience_max: f32,
    /// Personal help-seeking threshold, uniform on [min, max].
    pub help_threshold_min: f32,
    pub help_threshold_max: f32,
    /// Mean initial need in each domain, as a fraction of `need_threshold`.
    pub initial_need: f32,
    /// Roth–Erev forgetting: every propensity decays by this fraction at each contact.
    pub forgetting: f32,
    /// Reinforcement when a contact resolves the need.
    pub reward_resolved: f32,
    /// Reinforcement when a contact helps without resolving.
    pub reward_partial: f32,
    /// Propensities never fall below this, so no door is ever forgotten entirely.
    pub propensity_floor: f32,
    /// Weeks a citizen waits on an open case before chasing it, uniform on
    /// [min, max] whole weeks.
    pub patience_min: u8,
    pub patience_max: u8,
    /// Frontline work of answering one chasing contact, in case units.
    pub chase_work: f32,
}

/// What an agency is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Open to all, preventive (GP, voluntary sector).
    Universal,
    /// Assessed, eligibility-based (social care, housing, mental health).
    Specialist,
    /// Statutory crisis response; never refuses (A&E, police).
    Crisis,
}

/// Money per event, in pounds of the price year.
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
pub struct UnitCosts {
    pub assessment: f64,
    pub intervention: f64,
    pub crisis: f64,
}

/// The levers an agency adapts.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq)]
pub struct Policy {
    /// Need level at or above which a case is eligible.
    pub eligibility_threshold: f32,
    /// Cases with more than this many other high needs are parked.
    pub complexity_cap: f32,
    /// Share of weekly capacity reserved for cases below the threshold.
    pub prevention_capacity_share: f32,
    /// Intervention intensity: work, cost and effect of a case scale with it.
    pub intensity: f32,
    /// Chance that an out-of-remit or refused need is referred on.
    pub referral_propensity: f32,
}

/// One agency of the place.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AgencySpec {
    /// Short machine name used in outputs, e.g. `gp`.
    pub id: String,
    pub name: String,
    pub remit: DomainSet,
    pub role: Role,
    /// Cases the real agency can take on per week for the modelled needs.
    pub capacity_per_week: f64,
    pub unit_costs: UnitCosts,
    /// Annual budget of the real agency for the modelled needs, £.
    pub annual_budget: f64,
    /// Need reduction of one case at intensity 1.
    pub efficacy: f32,
    /// Waiting-time target, weeks (function-bound KPI).
    pub wait_target_weeks: f32,
    /// Citizens' initial propensity to use this agency as first contact.
    pub initial_propensity: f32,
    pub initial_policy: Policy,
    /// Beds, for a crisis service that admits (acute hospital); none otherwise.
    pub beds: Option<Beds>,
}

/// A crisis service's beds: a stock that admissions fill for their length
/// of stay, with risk and cost rising above a safe occupancy, and patients
/// who are medically fit but wait for a care package (delayed discharge).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Beds {
    /// Beds of the real place for the modelled needs.
    pub beds: f64,
    /// Share of crisis episodes admitted to a bed.
    pub admitted_share: f32,
    /// Mean days from admission until medically fit (geometric, at least a
    /// day), over the year.
    pub length_of_stay_days: f32,
    /// Winter's effect on stays: the mean stay of an admission in week
    /// `tick` is `length_of_stay_days × (1 + amplitude × winter(tick))`.
    pub winter_stay_amplitude: f32,
    /// Occupancy above which risk and cost rise (about 0.85).
    pub safe_occupancy: f32,
    /// Extra cost of an episode, as a share, per unit of excess occupancy
    /// (excess = (occupancy − safe) / (1 − safe): 0 at safe, 1 when full).
    pub crowding_cost: f32,
    /// Share of an episode's efficacy lost per unit of excess occupancy.
    pub crowding_harm: f32,
    /// Needs which, above the need threshold, keep a medically fit patient
    /// in bed until a package from the agency that meets them is in place.
    pub discharge_needs: DomainSet,
}

/// Crowding's effects grow up to twice their size at full occupancy (at
/// the default safe occupancy of 0.85, an occupancy of 1.15) and no further:
/// an assumption, so that a full hospital's harm is bounded.
pub const MAX_EXCESS: f64 = 2.0;

impl Beds {
    /// Excess occupancy: 0 up to the safe occupancy, 1 when every bed is
    /// full, up to [`MAX_EXCESS`] over capacity (corridor care), where
    /// crowding's effects stop growing.
    pub fn excess(&self, occupancy: f64) -> f64 {
        let safe = self.safe_occupancy as f64;
        ((occupancy - safe) / (1.0 - safe)).clamp(0.0, MAX_EXCESS)
    }
}

/// The five Total Place barriers, each a strength in [0, 1]: 1 = fully in
/// place (silos), 0 = lifted.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq)]
pub struct Barriers {
    pub ring_fenced_budgets: f32,
    pub function_bound_targets: f32,
    pub professional_boundaries: f32,
    pub organisational_frameworks: f32,
    pub frontline_burden: f32,
}

impl Barriers {
    pub fn get(&self, kind: BarrierKind) -> f32 {
        match kind {
            BarrierKind::RingFencedBudgets => self.ring_fenced_budgets,
            BarrierKind::FunctionBoundTargets => self.function_bound_targets,
            BarrierKind::ProfessionalBoundaries => self.professional_boundaries,
            BarrierKind::OrganisationalFrameworks => self.organisational_frameworks,
            BarrierKind::FrontlineBurden => self.frontline_burden,
        }
    }

    pub fn set(&mut self, kind: BarrierKind, strength: f32) {
        let s = match kind {
            BarrierKind::RingFencedBudgets => &mut self.ring_fenced_budgets,
            BarrierKind::FunctionBoundTargets => &mut self.function_bound_targets,
            BarrierKind::ProfessionalBoundaries => &mut self.professional_boundaries,
            BarrierKind::OrganisationalFrameworks => &mut self.organisational_frameworks,
            BarrierKind::FrontlineBurden => &mut self.frontline_burden,
        };
        *s = strength;
    }

    pub fn all(strength: f32) -> Self {
        Barriers {
            ring_fenced_budgets: strength,
            function_bound_targets: strength,
            professional_boundaries: strength,
            organisational_frameworks: strength,
            frontline_burden: strength,
        }
    }
}

/// How the place board reallocates the pooled budget at each year's end.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reallocation {
    /// In proportion to last year's spend plus the demand turned away
    /// (valued at unit cost): money follows where it was spent.
    #[default]
    LastYearSpend,
    /// The same, with each pound of spend moved to the agency whose failure
    /// caused it (the cost-shifting attribution): money follows where demand
    /// originated.
    NeedOrigin,
    /// `LastYearSpend` for the pool less a protected prevention share, which
    /// goes to the non-crisis agencies (by budget) for prevention only and
    /// which crisis overspend cannot draw on.
    InvestToSave,
}

/// What each barrier does when in place, and what lifting it costs.
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
pub struct LiftPrices {
    /// Running cost of the place board that holds a pooled budget, £ a year, times (1 − ring-fence).
    pub board_running_cost: f64,
    /// The board's reallocation rule for the pool.
    pub reallocation: Reallocation,
    /// Under `InvestToSave`, the share of the pool protected for prevention.
    pub protected_prevention_share: f32,
    /// Money buys capacity: each year every non-crisis agency orders
    /// frontline capacity in proportion to its allowance over last year's
    /// spend, changed by at most this share a year (0: money buys none).
    pub commissioning_step: f32,
    /// Weeks from ordering capacity to its taking effect.
    pub commissioning_lag_weeks: u16,
    /// The utilisation a commissioner staffs for: above it, work calls for
    /// more capacity; below it, for less.
    pub commissioning_utilisation: f32,
    /// Cost of measuring shared outcomes, £ a year, times (1 − targets).
    pub shared_outcomes_cost: f64,
    /// Quarters before a client outcome can be read (whether the need came
    /// back): the outcome KPI an agency reads as targets are lifted is this old.
    pub outcome_lag_quarters: u8,
    /// Cases a quarter an agency audits to estimate its outcome KPI (the
    /// failure-demand share of its arrivals): the estimate's sampling noise.
    pub outcome_audit_cases: u16,
    /// Coordination of each additional need a lead professional addresses,
    /// as a share of a case of the host's own (on top of the case itself).
    pub coordination_cost: f32,
    /// Effect on an additional need addressed by a lead professional, relative to a specialist.
    pub lead_professional_efficacy: f32,
    /// At most this many other needs addressed per case (the highest).
    pub max_lead_domains: u8,
    /// A lead professional only for a citizen with at least this many other
    /// needs above the need threshold (a key-worker programme's targeting);
    /// other cases meet a specialist as under boundaries (0: every case).
    /// Absent from manifests written before it existed, and left out when
    /// 0, so that their bytes and hashes stay as they were.
    #[serde(default, skip_serializing_if = "is_zero_u8")]
    pub lead_min_needs: u8,
    /// The host's own efficacy lost as it generalises: its own effect is
    /// `1 − specialist_depth_loss × (1 − boundaries)` times a specialist's.
    pub specialist_depth_loss: f32,
    /// Weeks a referral takes with frameworks fully in place.
    pub referral_delay_weeks: f32,
    /// Chance that a referral is lost with frameworks fully in place.
    pub referral_loss: f32,
    /// Work of a warm hand-off per referral (share of a case), times (1 − frameworks).
    pub handoff_work: f32,
    /// Share of referrals sent to a service whose remit does not cover the
    /// need (the sender's error, whatever the frameworks).
    pub misrouting: f32,
    /// Chance that a receiving service's own assessment catches a misrouted
    /// referral, times the frameworks' strength (a shared assessment is trusted).
    pub misroute_detection: f32,
    /// Shared assessment set-up cost, £, charged as frameworks are lifted.
    pub shared_assessment_setup: f64,
    /// Shared assessment running cost, £ a year, times (1 − frameworks).
    pub shared_assessment_running: f64,
    /// Share of frontline capacity on reporting with burden fully in place.
    pub reporting_share: f32,
    /// Extra reporting share that function-bound targets add.
    pub target_reporting_share: f32,
    /// Running cost of lighter, risk-based assurance, £ a year, times (1 − burden).
    /// Standard deviation of the error in the KPIs an agency reads (its wait
    /// and its outcome signal, on their [−1, 1] scale) with frontline
    /// reporting fully lifted, times (1 − burden): reporting is the data
    /// adaptation learns from.
    pub unreported_signal_noise: f32,
    pub light_assurance_cost: f64,
    /// A strategy's own set-up cost (£, once, at the first counted week)
    /// beyond what the barriers price: a programme team, key workers' or
    /// link workers' recruitment. Absent from older manifests, and left
    /// out when 0.
    #[serde(default, skip_serializing_if = "is_zero_f64")]
    pub programme_setup: f64,
    /// A strategy's own running cost, £ a year, outside any pooled budget.
    #[serde(default, skip_serializing_if = "is_zero_f64")]
    pub programme_running: f64,
}

fn is_zero_u8(x: &u8) -> bool {
    *x == 0
}

fn is_zero_f64(x: &f64) -> bool {
    *x == 0.0
}

/// Whole-systems leadership and the pace of organisational learning.
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
pub struct Leadership {
    /// Weight `w` an agency gives the place outcome against its own KPI.
    pub whole_systems_weight: f32,
    /// Quarterly rate at which an agency's culture moves toward `w`.
    pub culture_rate: f32,
    /// Multiplies every policy step; 0 freezes adaptation.
    pub learning_rate: f32,
    /// Quarters over which KPIs are judged.
    pub kpi_window_quarters: u32,
}

/// How an agency's levers respond to the pressure it perceives (`docs/ODD.md`, submodel "adapt").
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
pub struct AdaptationRule {
    pub threshold_step: f32,
    pub prevention_step: f32,
    pub intensity_step: f32,
    pub cap_step: f32,
    pub referral_step: f32,
    /// Weight of throughput (cases closed per £) in the KPI of function-bound targets.
    pub throughput_pull: f32,
    /// Size of each lever's quarterly trial, in steps (see `learner`).
    pub exploration: f32,
    /// How many steps a lever moves per unit of its estimated score gradient
    /// (change in score per trial step), before the one-step clip.
    pub gradient_gain: f32,
    /// How strongly an agency with weight on the place outcome responds to costs it shifts.
    pub harm_gain: f32,
    pub threshold_range: (f32, f32),
    pub prevention_range: (f32, f32),
    pub intensity_range: (f32, f32),
    pub cap_range: (f32, f32),
    /// Queued cases leave after this many weeks (gave up).
    pub max_wait_weeks: u16,
}

impl Params {
    pub fn n_agencies(&self) -> usize {
        self.agencies.len()
    }
    pub fn domain(&self, i: usize) -> Domain {
        Domain(i as u8)
    }

    /// Problems that make the parameters unusable, each as `field: what is allowed`.
    /// The scenario layer reports these with file and line; the core only
    /// guarantees it never runs with them. The ranges are those of [`limits`].
    pub fn problems(&self) -> Vec<String> {
        let mut p = Vec::new();
        let wide = f64::from;
        let pl = &self.place;
        within(&mut p, "place.residents", limits::RESIDENTS, [pl.residents]);
        within(
            &mut p,
            "place.population",
            limits::POPULATION,
            [pl.population],
        );
        // A simulated citizen is one or more people, never a fraction of one.
        require(
            &mut p,
            pl.population <= pl.residents,
            &format!(
                "place.population: {} simulated citizens for {} residents; each citizen stands for residents / population people, at least one, so allowed 1 to {} (or raise place.residents)",
                pl.population, pl.residents, pl.residents
            ),
        );
        within(&mut p, "place.weeks", limits::WEEKS, [pl.weeks]);
        within(
            &mut p,
            "place.warmup_weeks",
            limits::WARMUP_WEEKS,
            [pl.warmup_weeks],
        );
        require(
            &mut p,
            pl.total_weeks() < u16::MAX as u32,
            "place.weeks: warm-up plus weeks must be below 65,535 weeks",
        );
        within(
            &mut p,
            "place.discount_rate",
            limits::DISCOUNT_RATE,
            [pl.discount_rate],
        );
        let d = self.needs.n_domains();
        require(
            &mut p,
            (1..=MAX_DOMAINS).contains(&d),
            "needs.domains: between 1 and 8 domains",
        );
        require(
            &mut p,
            self.needs.coupling.len() == d * d,
            "needs.coupling: must be a D x D matrix",
        );
        within(
            &mut p,
            "needs.coupling",
            limits::COUPLING,
            self.needs.coupling.iter().map(|&c| wide(c)),
        );
        let a = self.n_agencies();
        require(
            &mut p,
            (1..=MAX_AGENCIES).contains(&a),
            "agencies: between 1 and 12 agencies",
        );
        require(
            &mut p,
            self.needs
                .domains
                .iter()
                .all(|s| s.crisis_agency.index() < a),
            "needs.domains.crisis_agency: must name an agency of the place",
        );
        within(
            &mut p,
            "needs.domains.base_hazard",
            limits::BASE_HAZARD,
            self.needs.domains.iter().map(|s| wide(s.base_hazard)),
        );
        let n = &self.needs;
        let levels = [n.need_threshold, n.high_need, n.crisis_level].map(wide);
        require(
            &mut p,
            levels.iter().all(|&l| limits::NEED_LEVEL.contains(l))
                && levels[0] <= levels[1]
                && levels[1] <= levels[2],
            &format!(
                "needs: need_threshold <= high_need <= crisis_level, all between {} and {}",
                limits::NEED_LEVEL.min,
                limits::NEED_LEVEL.max
            ),
        );
        let (lo, hi) = (wide(n.shock_min), wide(n.shock_max));
        require(
            &mut p,
            limits::SHOCK.contains(lo) && limits::SHOCK.contains(hi) && lo <= hi,
            &format!(
                "needs: {} <= shock_min <= shock_max <= {}",
                limits::SHOCK.min,
                limits::SHOCK.max
            ),
        );
        within(
            &mut p,
            "needs.recovery_rate",
            limits::RECOVERY_RATE,
            [wide(n.recovery_rate)],
        );
        within(
            &mut p,
            "needs.domains.winter_amplitude",
            limits::WINTER_AMPLITUDE,
            n.domains.iter().map(|s| wide(s.winter_amplitude)),
        );
        let w = &n.wellbeing;
        within(
            &mut p,
            "needs.wellbeing",
            limits::SHARE,
            [w.any_problem, w.any_extreme]
                .into_iter()
                .chain(w.decrements.iter().flatten().copied())
                .map(wide),
        );
        require(
            &mut p,
            w.decrements.iter().all(|[l2, l3]| l2 <= l3),
            "needs.wellbeing: each dimension's level 3 decrement must be at least its level 2 one (a worse problem cannot cost less wellbeing)",
        );
        require(
            &mut p,
            n.domains
                .iter()
                .all(|d| (d.wellbeing_dimension as usize) < WELLBEING_DIMENSIONS.len()),
            "needs.domains.wellbeing_dimension: one of the five EQ-5D dimensions",
        );
        let c = &self.citizens;
        require(
            &mut p,
            limits::PATIENCE_WEEKS.contains(c.patience_min)
                && limits::PATIENCE_WEEKS.contains(c.patience_max)
                && c.patience_min <= c.patience_max,
            &format!(
                "citizens.patience_weeks: [min, max] with {} <= min <= max <= {}",
                limits::PATIENCE_WEEKS.min,
                limits::PATIENCE_WEEKS.max
            ),
        );
        within(
            &mut p,
            "citizens.chase_work",
            limits::CHASE_WORK,
            [wide(c.chase_work)],
        );
        for s in &self.agencies {
            let field = |name: &str| format!("agencies.{}.{name}", s.id);
            let capacity = limits::CAPACITY_PER_WEEK;
            within(
                &mut p,
                &field("capacity_per_week"),
                capacity,
                [s.capacity_per_week],
            );
            within(
                &mut p,
                &field("annual_budget"),
                limits::ANNUAL_BUDGET,
                [s.annual_budget],
            );
            within(
                &mut p,
                &field("efficacy"),
                limits::EFFICACY,
                [wide(s.efficacy)],
            );
            if let Some(b) = &s.beds {
                require(
                    &mut p,
                    s.role == Role::Crisis,
                    &format!("{}: only a crisis service admits to beds", field("beds")),
                );
                within(&mut p, &field("beds.beds"), limits::BEDS, [b.beds]);
                let shares = [b.admitted_share, b.safe_occupancy].map(wide);
                within(
                    &mut p,
                    &field("beds.admitted_share"),
                    limits::SHARE,
                    [shares[0]],
                );
                within(
                    &mut p,
                    &field("beds.safe_occupancy"),
                    limits::SAFE_OCCUPANCY,
                    [shares[1]],
                );
                within(
                    &mut p,
                    &field("beds.length_of_stay_days"),
                    limits::LENGTH_OF_STAY_DAYS,
                    [wide(b.length_of_stay_days)],
                );
                within(
                    &mut p,
                    &field("beds.winter_stay_amplitude"),
                    limits::WINTER_AMPLITUDE,
                    [wide(b.winter_stay_amplitude)],
                );
                within(
                    &mut p,
                    &field("beds.crowding_cost"),
                    limits::CROWDING,
                    [wide(b.crowding_cost)],
                );
                within(
                    &mut p,
                    &field("beds.crowding_harm"),
                    limits::SHARE,
                    [wide(b.crowding_harm)],
                );
            }
        }
        for k in BarrierKind::ALL {
            let strength = wide(self.barriers.get(k));
            let field = format!("barriers.{}.strength", k.name());
            within(&mut p, &field, limits::STRENGTH, [strength]);
        }
        let l = self.leadership;
        within(
            &mut p,
            "leadership.whole_systems_weight",
            limits::WHOLE_SYSTEMS_WEIGHT,
            [wide(l.whole_systems_weight)],
        );
        within(
            &mut p,
            "leadership.learning_rate",
            limits::LEARNING_RATE,
            [wide(l.learning_rate)],
        );
        within(
            &mut p,
            "leadership.kpi_window_quarters",
            limits::KPI_WINDOW_QUARTERS,
            [l.kpi_window_quarters],
        );
        p
    }
}

/// A problem `msg` unless `ok`.
fn require(problems: &mut Vec<String>, ok: bool, msg: &str) {
    if !ok {
        problems.push(msg.to_string());
    }
}

/// A problem naming `field` and its range unless every one of `values` lies in `bounds`.
fn within<T: PartialOrd + Copy + std::fmt::Display>(
    problems: &mut Vec<String>,
    field: &str,
    bounds: Bounds<T>,
    values: impl IntoIterator<Item = T>,
) {
    if !values.into_iter().all(|x| bounds.contains(x)) {
        problems.push(format!(
            "{field}: must be between {} and {}",
            bounds.min, bounds.max
        ));
    }
}
