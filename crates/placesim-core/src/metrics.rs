//! Output row types, defined once here so that every writer and reader shares
//! their columns (listed with units in `docs/OUTPUTS.md`).

use crate::citizen::Citizen;
use serde::Serialize;

/// One row of `timeseries.csv`: the place in one week. Counts are scaled to
/// the real place (simulated count × weight); money is £ of the price year,
/// undiscounted.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct TickRow {
    pub week: u32,
    /// 1 during warm-up (excluded from outcomes), else 0.
    pub warmup: u8,
    pub spend: f64,
    pub crisis_spend: f64,
    pub prevention_spend: f64,
    pub board_spend: f64,
    pub crisis_events: f64,
    pub contacts: f64,
    pub failure_demand: f64,
    pub failure_demand_share: f64,
    /// Progress-chasing contacts (part of failure demand).
    pub chasing: f64,
    pub mean_wellbeing: f64,
    pub unmet_need_weeks: f64,
    pub multiple_needs: f64,
    pub referrals_made: f64,
    pub referrals_lost: f64,
    pub queue_len: f64,
    /// Admissions to beds, and those made with every bed full (corridor care).
    pub admissions: f64,
    pub corridor_care: f64,
    /// Bed-days of medically fit patients waiting for a care or housing package.
    pub delayed_discharge_days: f64,
    pub ring_fenced_budgets: f32,
    pub function_bound_targets: f32,
    pub professional_boundaries: f32,
    pub organisational_frameworks: f32,
    pub frontline_burden: f32,
    pub whole_systems_weight: f32,
}

/// One row of `agencies.csv`: one agency in one week.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct AgencyRow {
    pub week: u32,
    /// Shared, not copied, each week: writing a row allocates nothing.
    pub agency: std::sync::Arc<str>,
    pub arrivals: f64,
    pub accepted: f64,
    pub refused: f64,
    pub parked: f64,
    pub served: f64,
    pub gave_up: f64,
    pub crisis_events: f64,
    /// Progress-chasing contacts answered.
    pub chasing: f64,
    /// Admissions to beds, those made with every bed full, bed occupancy
    /// (bed-days used over available; above 1 is corridor care) and
    /// delayed-discharge bed-days; 0 for an agency without beds.
    pub admissions: f64,
    pub corridor_care: f64,
    pub occupancy: f64,
    pub delayed_discharge_days: f64,
    /// End-of-week queue length (both queues), people.
    pub queue_len: f64,
    /// Mean weeks in queue of this week's departures (0 if none).
    pub mean_wait: f64,
    pub referrals_made: f64,
    pub referrals_lost: f64,
    /// Referrals that arrived here outside the remit, and those caught and redirected.
    pub misrouted: f64,
    pub misrouted_caught: f64,
    pub spend: f64,
    pub crisis_spend: f64,
    pub prevention_spend: f64,
    /// Annual allowance in force (own ring-fenced budget plus pool share), £.
    pub budget: f64,
    pub spend_year_to_date: f64,
    pub eligibility_threshold: f32,
    pub complexity_cap: f32,
    pub prevention_capacity_share: f32,
    pub intensity: f32,
    pub referral_propensity: f32,
    /// Work done over capacity available this week (crisis services: episodes over capacity).
    pub utilisation: f64,
    pub culture: f32,
}

/// One row of `cost_shifting.csv`: spend by `spender` attributed to a failure
/// of `caused_by` (an agency id, or `unattributed`), present value £.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct CostShiftRow {
    pub spender: String,
    pub caused_by: String,
    pub spend: f64,
}

/// Run-level outcomes (`summary.json`), all after warm-up. Money is present
/// value in £ of the price year; counts are scaled to the real place.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct Summary {
    pub residents: u32,
    pub population: u32,
    pub weight: f64,
    pub seed: u64,
    /// Weeks counted after warm-up, and weeks of warm-up.
    pub weeks: u32,
    pub warmup_weeks: u32,
    pub total_spend: f64,
    pub spend_by_agency: Vec<(String, f64)>,
    pub board_spend: f64,
    pub crisis_spend_share: f64,
    pub prevention_spend_share: f64,
    /// Spend beyond allowance, summed over agencies and financial years (£, undiscounted).
    pub overspend: f64,
    pub mean_wellbeing: f64,
    pub low_decile_wellbeing: f64,
    /// Gini coefficient of citizens' mean wellbeing.
    pub wellbeing_gini: f64,
    pub wellbeing_weeks_per_million: f64,
    /// The place's quality-adjusted life years over the counted weeks (the
    /// EQ-5D wellbeing of every resident, a year at a time), discounted at
    /// the discount rate, as money is.
    pub qalys: f64,
    /// `qaly_value × qalys − total_spend`, both present values: the paired
    /// difference of two strategies is their incremental net monetary
    /// benefit, positive when the QALYs gained are worth more than the extra
    /// spend (or the spend saved is worth more than the QALYs lost).
    pub net_monetary_benefit: f64,
    pub crisis_events: f64,
    /// The steady-state check (MSER-5, White 1997): the week after warm-up
    /// at which the initial transient of the weekly failure-demand share and
    /// crisis events ends, the later of the two (`null` under 20 counted
    /// weeks). More than [`TRANSIENT_WEEKS`] means the counted weeks include
    /// a transient: the outcomes average over a drift.
    pub truncation_week: Option<u32>,
    pub crisis_events_by_agency: Vec<(String, f64)>,
    pub contacts: f64,
    pub failure_demand: f64,
    pub failure_demand_share: f64,
    /// Progress-chasing contacts (part of failure demand).
    pub chasing: f64,
    /// Admissions to beds; those made with every bed full; mean bed
    /// occupancy over the counted weeks (bed-days used over available, all
    /// agencies with beds); bed-days of medically fit patients waiting for a
    /// package.
    pub admissions: f64,
    pub corridor_care: f64,
    pub bed_occupancy: f64,
    pub delayed_discharge_days: f64,
    pub unmet_need_weeks: f64,
    /// Mean number of people with three or more high needs in a week.
    pub multiple_needs: f64,
    pub top5_cost_share: f64,
    pub mean_wait: f64,
    pub referrals_made: f64,
    pub referrals_lost: f64,
    /// Referrals that arrived at a service whose remit does not cover the
    /// need, and those the receiving service's own assessment caught.
    pub misrouted_referrals: f64,
    pub misrouted_caught: f64,
    /// The citizen-level outcomes by fifth of the population by risk, from
    /// the lowest-risk fifth (`q1`) to the highest (`q5`): who gains and who loses.
    pub by_risk_quintile: [RiskGroup; RISK_GROUPS],
}

/// Fifths of the population by risk (drawn once per citizen).
pub const RISK_GROUPS: usize = 5;

/// One risk group's outcomes after warm-up, scaled to the real place.
#[derive(Clone, Copy, Debug, Default, Serialize, PartialEq)]
pub struct RiskGroup {
    /// Real residents the group stands for.
    pub residents: f64,
    pub crisis_events: f64,
    /// Present value of spend on the group's citizens (board costs excluded).
    pub spend: f64,
    pub mean_wellbeing: f64,
    pub unmet_need_weeks: f64,
    /// Failure-demand contacts over the contacts the group made.
    pub failure_demand_share: f64,
}

/// The outcome names of the risk groups, in `outcomes()` order: for each
/// measure, `q1` (lowest risk) to `q5`.
const RISK_OUTCOMES: [[&str; RISK_GROUPS]; 5] = [
    [
        "crisis_events_risk_q1",
        "crisis_events_risk_q2",
        "crisis_events_risk_q3",
        "crisis_events_risk_q4",
        "crisis_events_risk_q5",
    ],
    [
        "spend_risk_q1",
        "spend_risk_q2",
        "spend_risk_q3",
        "spend_risk_q4",
        "spend_risk_q5",
    ],
    [
        "mean_wellbeing_risk_q1",
        "mean_wellbeing_risk_q2",
        "mean_wellbeing_risk_q3",
        "mean_wellbeing_risk_q4",
        "mean_wellbeing_risk_q5",
    ],
    [
        "unmet_need_weeks_risk_q1",
        "unmet_need_weeks_risk_q2",
        "unmet_need_weeks_risk_q3",
        "unmet_need_weeks_risk_q4",
        "unmet_need_weeks_risk_q5",
    ],
    [
        "failure_demand_share_risk_q1",
        "failure_demand_share_risk_q2",
        "failure_demand_share_risk_q3",
        "failure_demand_share_risk_q4",
        "failure_demand_share_risk_q5",
    ],
];

/// A truncation point beyond a year of the counted weeks marks a run whose
/// outcomes include a transient (a few weeks' truncation is noise).
pub const TRANSIENT_WEEKS: u32 = 52;

impl Summary {
    /// Whether the counted weeks include a transient (see [`Summary::truncation_week`]).
    pub fn includes_transient(&self) -> bool {
        self.truncation_week.is_some_and(|w| w > TRANSIENT_WEEKS)
    }

    /// The run-level outcomes that sweeps tabulate and compare, by name, in
    /// a fixed order (the columns of `runs.csv` and the rows of
    /// `comparison.csv`): the place's, then each risk group's.
    pub fn outcomes(&self) -> Vec<(&'static str, f64)> {
        let mut all = vec![
            ("total_spend", self.total_spend),
            ("board_spend", self.board_spend),
            ("crisis_spend_share", self.crisis_spend_share),
            ("prevention_spend_share", self.prevention_spend_share),
            ("overspend", self.overspend),
            ("mean_wellbeing", self.mean_wellbeing),
            ("low_decile_wellbeing", self.low_decile_wellbeing),
            ("wellbeing_gini", self.wellbeing_gini),
            (
                "wellbeing_weeks_per_million",
                self.wellbeing_weeks_per_million,
            ),
            ("qalys", self.qalys),
            ("net_monetary_benefit", self.net_monetary_benefit),
            ("crisis_events", self.crisis_events),
            ("contacts", self.contacts),
            ("failure_demand", self.failure_demand),
            ("failure_demand_share", self.failure_demand_share),
            ("chasing", self.chasing),
            ("admissions", self.admissions),
            ("corridor_care", self.corridor_care),
            ("bed_occupancy", self.bed_occupancy),
            ("delayed_discharge_days", self.delayed_discharge_days),
            ("unmet_need_weeks", self.unmet_need_weeks),
            ("multiple_needs", self.multiple_needs),
            ("top5_cost_share", self.top5_cost_share),
            ("mean_wait", self.mean_wait),
            ("referrals_made", self.referrals_made),
            ("referrals_lost", self.referrals_lost),
            ("misrouted_referrals", self.misrouted_referrals),
            ("misrouted_caught", self.misrouted_caught),
        ];
        let measures: [fn(&RiskGroup) -> f64; 5] = [
            |g| g.crisis_events,
            |g| g.spend,
            |g| g.mean_wellbeing,
            |g| g.unmet_need_weeks,
            |g| g.failure_demand_share,
        ];
        for (names, measure) in RISK_OUTCOMES.iter().zip(measures) {
            for (name, group) in names.iter().zip(&self.by_risk_quintile) {
                all.push((name, measure(group)));
            }
        }
        all
    }
}

/// The citizens' outcomes by fifth of risk (`weeks` counted, each citizen
/// standing for `weight` residents). Citizens are ranked by risk, ties by
/// index, so the groups never depend on anything but the citizens.
pub fn by_risk_quintile(citizens: &[Citizen], weeks: f64, weight: f64) -> [RiskGroup; RISK_GROUPS] {
    let mut order: Vec<u32> = (0..citizens.len() as u32).collect();
    order.sort_unstable_by(|&a, &b| {
        citizens[a as usize]
            .risk
            .total_cmp(&citizens[b as usize].risk)
            .then(a.cmp(&b))
    });
    let n = order.len();
    let mut groups = [RiskGroup::default(); RISK_GROUPS];
    for (k, g) in groups.iter_mut().enumerate() {
        let members = &order[k * n / RISK_GROUPS..(k + 1) * n / RISK_GROUPS];
        let (mut wellbeing, mut contacts, mut failure) = (0.0f64, 0u64, 0u64);
        for &i in members {
            let c = &citizens[i as usize];
            g.crisis_events += c.crises as f64 * weight;
            g.spend += c.spend as f64 * weight;
            g.unmet_need_weeks += c.unmet_weeks as f64 * weight;
            wellbeing += c.wellbeing_sum as f64 / weeks;
            contacts += c.contacts as u64;
            failure += c.failure_demand as u64;
        }
        g.residents = members.len() as f64 * weight;
        g.mean_wellbeing = if members.is_empty() {
            0.0
        } else {
            wellbeing / members.len() as f64
        };
        g.failure_demand_share = if contacts > 0 {
            failure as f64 / contacts as f64
        } else {
            0.0
        };
    }
    groups
}

/// Low-decile mean, Gini and top-5 % share computed from per-citizen values.
pub fn low_decile_mean(values: &mut [f32]) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    values.sort_unstable_by(f32::total_cmp);
    let n = (values.len() / 10).max(1);
    values[..n].iter().map(|&v| v as f64).sum::<f64>() / n as f64
}

/// Gini coefficient of sorted non-negative values.
pub fn gini_sorted(sorted: &[f32]) -> f64 {
    let n = sorted.len() as f64;
    let total: f64 = sorted.iter().map(|&v| v as f64).sum();
    if sorted.is_empty() || total <= 0.0 {
        return 0.0;
    }
    let weighted: f64 = sorted
        .iter()
        .enumerate()
        .map(|(i, &v)| (i as f64 + 1.0) * v as f64)
        .sum();
    (2.0 * weighted) / (n * total) - (n + 1.0) / n
}

/// Share of the total held by the largest 5 % of values.
pub fn top_share(values: &mut [f32], share: f64) -> f64 {
    let total: f64 = values.iter().map(|&v| v as f64).sum();
    if values.is_empty() || total <= 0.0 {
        return 0.0;
    }
    values.sort_unstable_by(|a, b| b.total_cmp(a));
    let k = ((values.len() as f64 * share).ceil() as usize).max(1);
    values[..k].iter().map(|&v| v as f64).sum::<f64>() / total
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gini_of_equal_values_is_zero_and_of_one_holder_near_one() {
        assert!(gini_sorted(&[1.0; 100]).abs() < 1e-9);
        let mut v = vec![0.0f32; 99];
        v.push(1.0);
        assert!((gini_sorted(&v) - 0.99).abs() < 1e-9);
    }

    #[test]
    fn top_share_and_low_decile() {
        let mut v: Vec<f32> = (1..=100).map(|i| i as f32).collect();
        let top = top_share(&mut v.clone(), 0.05);
        assert!((top - (96.0 + 97.0 + 98.0 + 99.0 + 100.0) / 5050.0).abs() < 1e-9);
        assert!((low_decile_mean(&mut v) - 5.5).abs() < 1e-9);
    }
}
