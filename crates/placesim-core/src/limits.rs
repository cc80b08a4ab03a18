//! The range allowed for every value a user sets, in one table. The scenario
//! crate checks files against it (and names the range in each message),
//! [`Params::problems`](crate::params::Params::problems) guards the core with
//! it, the command line's flags parse and describe their values with it, and
//! the dashboard checks what a page sends with it. A range changed here
//! changes everywhere; the prose in the scenario format's doc comments (the
//! schema and `docs/SCENARIOS.md`) is checked against it by a test.
//!
//! The table follows the sections of a scenario file; several keys that hold
//! the same quantity (a threshold and the range it adapts within) share one
//! entry.

/// An inclusive range `min..=max`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bounds<T> {
    pub min: T,
    pub max: T,
}

impl<T: PartialOrd + Copy> Bounds<T> {
    pub const fn new(min: T, max: T) -> Self {
        Bounds { min, max }
    }

    /// Whether `x` lies in the range (never for NaN).
    pub fn contains(&self, x: T) -> bool {
        self.min <= x && x <= self.max
    }
}

// The place and the run's clock.

/// Real people living in the place.
pub const RESIDENTS: Bounds<u32> = Bounds::new(1, 100_000_000);
/// Simulated citizens: 20 million take about 3 GB.
pub const POPULATION: Bounds<u32> = Bounds::new(1, 20_000_000);
/// Weeks simulated before outcomes are counted.
pub const WARMUP_WEEKS: Bounds<u32> = Bounds::new(0, 5_200);
/// Weeks simulated and counted after warm-up.
pub const WEEKS: Bounds<u32> = Bounds::new(1, 5_200);
/// Financial years by the year they start: those of the GDP deflator table
/// (`placesim_scenario::prices`).
pub const PRICE_YEAR: Bounds<u32> = Bounds::new(2010, 2023);
pub const QALY_VALUE: Bounds<f64> = Bounds::new(0.0, 1e7);
pub const DISCOUNT_RATE: Bounds<f64> = Bounds::new(0.0, 0.5);

// Needs.

/// A domain's weekly shock hazard at risk 1.
pub const BASE_HAZARD: Bounds<f64> = Bounds::new(0.0, 1.0);
/// Each entry of the coupling matrix.
pub const COUPLING: Bounds<f64> = Bounds::new(0.0, 20.0);
/// The need threshold; high need and the crisis level lie between it and this maximum, in that order.
pub const NEED_LEVEL: Bounds<f64> = Bounds::new(0.0, 0.99);
/// The smallest shock; the largest lies between it and this maximum.
pub const SHOCK: Bounds<f64> = Bounds::new(0.0, 1.0);
pub const RECOVERY_RATE: Bounds<f64> = Bounds::new(0.0, 1.0);
pub const FAILURE_WINDOW_WEEKS: Bounds<u32> = Bounds::new(1, 520);
pub const ATTRIBUTION_WINDOW_WEEKS: Bounds<u32> = Bounds::new(1, 520);
/// A domain's winter swing of its hazard around the annual mean.
pub const WINTER_AMPLITUDE: Bounds<f64> = Bounds::new(0.0, 0.9);
/// A share of something: wellbeing lost at a need level, episodes admitted, efficacy lost.
pub const SHARE: Bounds<f64> = Bounds::new(0.0, 1.0);

// Citizens.

pub const RISK_SIGMA: Bounds<f64> = Bounds::new(0.0, 3.0);
/// Both ends of the resilience range.
pub const RESILIENCE: Bounds<f64> = Bounds::new(0.0, 10.0);
/// Both ends of the help-seeking threshold's range.
pub const HELP_THRESHOLD: Bounds<f64> = Bounds::new(0.0, 1.0);
pub const INITIAL_NEED: Bounds<f64> = Bounds::new(0.0, 2.0);
pub const FORGETTING: Bounds<f64> = Bounds::new(0.0, 1.0);
/// Reinforcement of a resolved or a partly helpful contact.
pub const REWARD: Bounds<f64> = Bounds::new(0.0, 100.0);
pub const PROPENSITY_FLOOR: Bounds<f64> = Bounds::new(0.0, 1.0);
/// Both ends of the range of weeks a citizen waits before chasing.
pub const PATIENCE_WEEKS: Bounds<u8> = Bounds::new(1, 52);
/// Case units of frontline work to answer one chasing contact.
pub const CHASE_WORK: Bounds<f64> = Bounds::new(0.0, 1.0);

// Agencies.

pub const CAPACITY_PER_WEEK: Bounds<f64> = Bounds::new(0.0, 1e7);
/// £ per assessment, intervention or crisis episode.
pub const UNIT_COST: Bounds<f64> = Bounds::new(0.0, 1e7);
pub const ANNUAL_BUDGET: Bounds<f64> = Bounds::new(0.0, 1e12);
pub const EFFICACY: Bounds<f64> = Bounds::new(0.0, 1.0);
pub const WAIT_TARGET_WEEKS: Bounds<f64> = Bounds::new(0.1, 520.0);
pub const INITIAL_PROPENSITY: Bounds<f64> = Bounds::new(0.0, 100.0);
/// An agency's eligibility threshold, and the range it adapts within.
pub const ELIGIBILITY_THRESHOLD: Bounds<f64> = Bounds::new(0.0, 1.0);
/// An agency's complexity cap, the range it adapts within, and its step.
pub const COMPLEXITY_CAP: Bounds<f64> = Bounds::new(0.0, 8.0);
/// The share of capacity kept for prevention, and the range it adapts within.
pub const PREVENTION_SHARE: Bounds<f64> = Bounds::new(0.0, 1.0);
/// Intervention intensity, and the range it adapts within.
pub const INTENSITY: Bounds<f64> = Bounds::new(0.1, 3.0);
pub const REFERRAL_PROPENSITY: Bounds<f64> = Bounds::new(0.0, 1.0);
/// Beds of the real place.
pub const BEDS: Bounds<f64> = Bounds::new(1.0, 1e7);
pub const LENGTH_OF_STAY_DAYS: Bounds<f64> = Bounds::new(1.0, 365.0);
/// Occupancy above which crowding raises risk and cost.
pub const SAFE_OCCUPANCY: Bounds<f64> = Bounds::new(0.5, 0.99);
/// Extra cost share of an episode per unit of excess occupancy.
pub const CROWDING: Bounds<f64> = Bounds::new(0.0, 10.0);

// Barriers and the prices of lifting them.

/// A barrier's strength: 1 in place, 0 lifted.
pub const STRENGTH: Bounds<f64> = Bounds::new(0.0, 1.0);
/// £ a year (or once, for set-up) of what lifting a barrier takes.
pub const LIFT_COST: Bounds<f64> = Bounds::new(0.0, 1e10);
/// Share of frontline capacity on reporting, and the extra share targets add.
pub const REPORTING_SHARE: Bounds<f64> = Bounds::new(0.0, 0.9);
pub const COORDINATION_COST: Bounds<f64> = Bounds::new(0.0, 100.0);
pub const LEAD_PROFESSIONAL_EFFICACY: Bounds<f64> = Bounds::new(0.0, 1.0);
pub const MAX_LEAD_DOMAINS: Bounds<u32> = Bounds::new(0, 7);
/// Other needs a citizen must have for a lead professional (0: any).
pub const LEAD_MIN_NEEDS: Bounds<u32> = Bounds::new(0, 7);
pub const OUTCOME_LAG_QUARTERS: Bounds<u32> = Bounds::new(0, 8);
/// Under a year: each year's order replaces the last, so a longer lag would never deliver.
pub const COMMISSIONING_LAG_WEEKS: Bounds<u32> = Bounds::new(0, 51);
pub const COMMISSIONING_UTILISATION: Bounds<f64> = Bounds::new(0.1, 1.0);
pub const OUTCOME_AUDIT_CASES: Bounds<u32> = Bounds::new(1, 10_000);
pub const SIGNAL_NOISE: Bounds<f64> = Bounds::new(0.0, 2.0);
pub const SPECIALIST_DEPTH_LOSS: Bounds<f64> = Bounds::new(0.0, 1.0);
pub const REFERRAL_DELAY_WEEKS: Bounds<f64> = Bounds::new(0.0, 52.0);
pub const REFERRAL_LOSS: Bounds<f64> = Bounds::new(0.0, 1.0);
pub const HANDOFF_WORK: Bounds<f64> = Bounds::new(0.0, 10.0);

// Leadership and adaptation.

pub const WHOLE_SYSTEMS_WEIGHT: Bounds<f64> = Bounds::new(0.0, 1.0);
pub const CULTURE_RATE: Bounds<f64> = Bounds::new(0.0, 1.0);
pub const LEARNING_RATE: Bounds<f64> = Bounds::new(0.0, 10.0);
pub const KPI_WINDOW_QUARTERS: Bounds<u32> = Bounds::new(1, 20);
/// A quarter's step of the threshold, the prevention share, intensity or referral propensity.
pub const ADAPTATION_STEP: Bounds<f64> = Bounds::new(0.0, 1.0);
pub const THROUGHPUT_PULL: Bounds<f64> = Bounds::new(0.0, 1.0);
pub const HARM_GAIN: Bounds<f64> = Bounds::new(0.0, 100.0);
pub const EXPLORATION: Bounds<f64> = Bounds::new(0.0, 5.0);
pub const GRADIENT_GAIN: Bounds<f64> = Bounds::new(0.0, 1000.0);
pub const MAX_WAIT_WEEKS: Bounds<u32> = Bounds::new(1, 520);

// Outputs and sweeps.

/// Keep every this-many-th week in the time series.
pub const EVERY_WEEKS: Bounds<u32> = Bounds::new(1, 520);
/// Replicates per variant of a sweep.
pub const REPLICATES: Bounds<u32> = Bounds::new(1, 100_000);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_are_inclusive_and_refuse_nan() {
        assert!(WEEKS.contains(1) && WEEKS.contains(5_200));
        assert!(!WEEKS.contains(0) && !WEEKS.contains(5_201));
        assert!(STRENGTH.contains(0.0) && STRENGTH.contains(1.0));
        assert!(!STRENGTH.contains(f64::NAN) && !STRENGTH.contains(1.000_001));
    }
}
