//! The `record` phase: each week's output rows (place and agencies), the
//! run's counted totals after warm-up, and the run-level summary.

use crate::agency::Agency;
use crate::citizen::{ChunkTally, Citizen};
use crate::finance::{Account, Ledger};
use crate::ids::{Tick, WEEKS_PER_YEAR};
use crate::metrics::{self, AgencyRow, Summary, TickRow};
use crate::params::{Barriers, Params};
use std::sync::Arc;

/// Run-level counts after warm-up (the run's money is in the ledger).
#[derive(Clone, Debug, Default)]
pub struct RunTotals {
    wellbeing: f64,
    /// Quality-adjusted life years of the place, discounted like money.
    qalys: f64,
    crisis_events: Vec<u64>,
    contacts: u64,
    failure_demand: u64,
    unmet_need_weeks: u64,
    multiple_needs: u64,
    departures: u64,
    wait_sum: u64,
    referrals_made: u64,
    referrals_lost: u64,
    misrouted: u64,
    misrouted_caught: u64,
    chasing: u64,
    admissions: u64,
    corridor_care: u64,
    /// Bed-days used and available (simulated), and delayed-discharge bed-days.
    bed_days: f64,
    bed_days_available: f64,
    delayed_days: u64,
    /// Each counted week's failure-demand share and crisis events (simulated),
    /// for the steady-state check.
    weekly_failure_share: Vec<f64>,
    weekly_crises: Vec<f64>,
}

/// This week's rows and the run's totals.
#[derive(Clone, Debug)]
pub struct Record {
    totals: RunTotals,
    place: TickRow,
    agencies: Vec<AgencyRow>,
    /// Agency ids for output rows, shared rather than copied each week.
    ids: Vec<Arc<str>>,
}

/// What the record phase reads of the week just run.
pub struct WeekSeen<'a> {
    pub params: &'a Params,
    pub tick: Tick,
    pub counting: bool,
    pub barriers: Barriers,
    pub whole_systems_weight: f32,
    pub population: usize,
    pub citizens_tally: ChunkTally,
    /// Referrals delivered into triage this week (not contacts).
    pub referral_arrivals: u64,
}

impl Record {
    pub fn new(p: &Params) -> Record {
        Record {
            totals: RunTotals {
                crisis_events: vec![0; p.n_agencies()],
                ..RunTotals::default()
            },
            place: TickRow::default(),
            agencies: Vec::with_capacity(p.n_agencies()),
            ids: p
                .agencies
                .iter()
                .map(|s| Arc::from(s.id.as_str()))
                .collect(),
        }
    }

    pub fn place(&self) -> &TickRow {
        &self.place
    }
    pub fn agencies(&self) -> &[AgencyRow] {
        &self.agencies
    }

    /// Build this week's output rows and add the week to the run's totals.
    pub fn week(&mut self, seen: WeekSeen, agencies: &[Agency], ledger: &Ledger) {
        let weight = seen.params.place.weight();
        let counting = seen.counting;
        let t = seen.citizens_tally;
        let b = seen.barriers;
        let mut row = TickRow {
            week: seen.tick,
            warmup: (!counting) as u8,
            board_spend: ledger.board_week_spend(),
            mean_wellbeing: t.wellbeing / seen.population as f64,
            unmet_need_weeks: t.unmet_need_weeks as f64 * weight,
            multiple_needs: t.multiple_needs as f64 * weight,
            ring_fenced_budgets: b.ring_fenced_budgets,
            function_bound_targets: b.function_bound_targets,
            professional_boundaries: b.professional_boundaries,
            organisational_frameworks: b.organisational_frameworks,
            frontline_burden: b.frontline_burden,
            whole_systems_weight: seen.whole_systems_weight,
            ..TickRow::default()
        };
        let mut contacts = 0u64;
        let mut failure = 0u64;
        let mut crises = 0u64;
        let mut made = 0u64;
        let mut lost = 0u64;
        let mut queued = 0u64;
        let (mut chasing, mut admissions, mut corridor, mut delayed) = (0u64, 0u64, 0u64, 0u64);
        row.spend = ledger.board_week_spend();
        self.agencies.clear();
        for (i, (agency, account)) in agencies.iter().zip(ledger.accounts()).enumerate() {
            let w = &agency.week;
            let money = &account.week;
            contacts += w.arrivals as u64;
            failure += w.failure_demand as u64;
            crises += w.crisis_events as u64;
            made += w.referrals_made as u64;
            lost += w.referrals_lost as u64;
            queued += agency.queue_len() as u64;
            chasing += w.chasing as u64;
            admissions += w.admissions as u64;
            corridor += w.corridor_care as u64;
            delayed += w.delayed_days;
            row.spend += money.spend;
            row.crisis_spend += money.crisis_spend;
            row.prevention_spend += money.prevention_spend;
            if counting {
                self.totals.departures += w.departures as u64;
                self.totals.wait_sum += w.wait_sum;
                self.totals.crisis_events[i] += w.crisis_events as u64;
                self.totals.misrouted += w.misrouted as u64;
                self.totals.misrouted_caught += w.misrouted_caught as u64;
                self.totals.bed_days += w.bed_days as f64;
                self.totals.bed_days_available += 7.0 * w.beds;
            }
            self.agencies.push(agency_row(
                seen.tick,
                self.ids[i].clone(),
                agency,
                account,
                weight,
            ));
        }
        // Contacts are what citizens did themselves: referral arrivals are not contacts.
        contacts -= seen.referral_arrivals;
        row.crisis_events = crises as f64 * weight;
        row.contacts = contacts as f64 * weight;
        row.failure_demand = failure as f64 * weight;
        row.failure_demand_share = per(failure, contacts);
        row.referrals_made = made as f64 * weight;
        row.referrals_lost = lost as f64 * weight;
        row.queue_len = queued as f64 * weight;
        row.chasing = chasing as f64 * weight;
        row.admissions = admissions as f64 * weight;
        row.corridor_care = corridor as f64 * weight;
        row.delayed_discharge_days = delayed as f64 * weight;
        if counting {
            let totals = &mut self.totals;
            totals.wellbeing += t.wellbeing * weight;
            totals.qalys += t.wellbeing * weight / WEEKS_PER_YEAR as f64 * ledger.discount();
            totals.unmet_need_weeks += t.unmet_need_weeks;
            totals.multiple_needs += t.multiple_needs;
            totals.contacts += contacts;
            totals.failure_demand += failure;
            totals.referrals_made += made;
            totals.referrals_lost += lost;
            totals.chasing += chasing;
            totals.admissions += admissions;
            totals.corridor_care += corridor;
            totals.delayed_days += delayed;
            totals.weekly_failure_share.push(row.failure_demand_share);
            totals.weekly_crises.push(crises as f64);
        }
        self.place = row;
    }

    /// The steady-state check: MSER-5's truncation point (weeks after
    /// warm-up) of the counted weeks' failure-demand share and crisis
    /// events, the later of the two; `None` when fewer than 20 weeks are counted.
    fn truncation_week(&self) -> Option<u32> {
        let t = &self.totals;
        let a = crate::stats::mser5(&t.weekly_failure_share)?;
        let b = crate::stats::mser5(&t.weekly_crises)?;
        Some(a.max(b) as u32)
    }

    /// Run-level outcomes after warm-up, at week `tick`.
    pub fn summary(
        &self,
        p: &Params,
        tick: Tick,
        citizens: &[Citizen],
        ledger: &Ledger,
    ) -> Summary {
        let run = &self.totals;
        let money = ledger.run();
        let weight = p.place.weight();
        let weeks = tick.saturating_sub(p.place.warmup_weeks).max(1) as f64;
        let agency_spend: f64 = money.spend_by_agency.iter().sum();
        let total = agency_spend + money.board;
        let share = |x: f64| if total > 0.0 { x / total } else { 0.0 };
        let mut wellbeing: Vec<f32> = citizens
            .iter()
            .map(|c| c.wellbeing_sum / weeks as f32)
            .collect();
        let low_decile = metrics::low_decile_mean(&mut wellbeing);
        let gini = metrics::gini_sorted(&wellbeing);
        let mut spend: Vec<f32> = citizens.iter().map(|c| c.spend).collect();
        let crisis_events: f64 = run.crisis_events.iter().sum::<u64>() as f64 * weight;
        Summary {
            residents: p.place.residents,
            population: p.place.population,
            weight,
            seed: p.place.seed,
            weeks: p.place.weeks,
            warmup_weeks: p.place.warmup_weeks,
            total_spend: total,
            spend_by_agency: p
                .agencies
                .iter()
                .zip(&money.spend_by_agency)
                .map(|(a, s)| (a.id.clone(), *s))
                .collect(),
            board_spend: money.board,
            crisis_spend_share: share(money.crisis),
            prevention_spend_share: share(money.prevention),
            overspend: money.overspend,
            mean_wellbeing: run.wellbeing / (weeks * p.place.residents as f64),
            low_decile_wellbeing: low_decile,
            wellbeing_gini: gini,
            wellbeing_weeks_per_million: if total > 0.0 {
                run.wellbeing / (total / 1e6)
            } else {
                0.0
            },
            qalys: run.qalys,
            net_monetary_benefit: p.place.qaly_value * run.qalys - total,
            crisis_events,
            truncation_week: self.truncation_week(),
            crisis_events_by_agency: p
                .agencies
                .iter()
                .zip(&run.crisis_events)
                .map(|(a, n)| (a.id.clone(), *n as f64 * weight))
                .collect(),
            contacts: run.contacts as f64 * weight,
            failure_demand: run.failure_demand as f64 * weight,
            failure_demand_share: per(run.failure_demand, run.contacts),
            chasing: run.chasing as f64 * weight,
            admissions: run.admissions as f64 * weight,
            corridor_care: run.corridor_care as f64 * weight,
            bed_occupancy: if run.bed_days_available > 0.0 {
                run.bed_days / run.bed_days_available
            } else {
                0.0
            },
            delayed_discharge_days: run.delayed_days as f64 * weight,
            unmet_need_weeks: run.unmet_need_weeks as f64 * weight,
            multiple_needs: run.multiple_needs as f64 * weight / weeks,
            top5_cost_share: metrics::top_share(&mut spend, 0.05),
            mean_wait: per(run.wait_sum, run.departures),
            referrals_made: run.referrals_made as f64 * weight,
            referrals_lost: run.referrals_lost as f64 * weight,
            misrouted_referrals: run.misrouted as f64 * weight,
            misrouted_caught: run.misrouted_caught as f64 * weight,
            by_risk_quintile: metrics::by_risk_quintile(citizens, weeks, weight),
        }
    }
}

/// `count / of` for integer tallies, 0 when there is nothing to divide by
/// (a mean wait with no departures, a share of no contacts).
fn per(count: impl Into<u64>, of: impl Into<u64>) -> f64 {
    let of = of.into();
    if of > 0 {
        count.into() as f64 / of as f64
    } else {
        0.0
    }
}

/// One agency's row for the week just run.
fn agency_row(
    tick: Tick,
    id: Arc<str>,
    agency: &Agency,
    account: &Account,
    weight: f64,
) -> AgencyRow {
    let w = &agency.week;
    let money = &account.week;
    AgencyRow {
        week: tick,
        agency: id,
        arrivals: w.arrivals as f64 * weight,
        accepted: w.accepted as f64 * weight,
        refused: w.refused as f64 * weight,
        parked: w.parked as f64 * weight,
        served: w.served as f64 * weight,
        gave_up: w.reneged as f64 * weight,
        crisis_events: w.crisis_events as f64 * weight,
        chasing: w.chasing as f64 * weight,
        admissions: w.admissions as f64 * weight,
        corridor_care: w.corridor_care as f64 * weight,
        occupancy: if w.beds > 0.0 {
            w.bed_days as f64 / (7.0 * w.beds)
        } else {
            0.0
        },
        delayed_discharge_days: w.delayed_days as f64 * weight,
        queue_len: agency.queue_len() as f64 * weight,
        mean_wait: per(w.wait_sum, w.departures),
        referrals_made: w.referrals_made as f64 * weight,
        referrals_lost: w.referrals_lost as f64 * weight,
        misrouted: w.misrouted as f64 * weight,
        misrouted_caught: w.misrouted_caught as f64 * weight,
        spend: money.spend,
        crisis_spend: money.crisis_spend,
        prevention_spend: money.prevention_spend,
        budget: account.year.total_allowance(),
        spend_year_to_date: account.year.spend,
        eligibility_threshold: agency.policy.eligibility_threshold,
        complexity_cap: agency.policy.complexity_cap,
        prevention_capacity_share: agency.policy.prevention_capacity_share,
        intensity: agency.policy.intensity,
        referral_propensity: agency.policy.referral_propensity,
        utilisation: if w.capacity > 0.0 {
            w.work_done / w.capacity
        } else {
            0.0
        },
        culture: agency.culture,
    }
}
