//! The ledger: every pound of the place. Allowances and spending room, each
//! charge and the agency it is attributed to (cost shifting), the place
//! board's costs, the year-end pool, and the run's money totals. The
//! `finance` phase closes each week's and each year's books.

use crate::barriers::{burden, frameworks, ring_fence, targets};
use crate::citizen::{Citizen, NONE};
use crate::ids::{AgencyId, Domain, Tick, WEEKS_PER_QUARTER, WEEKS_PER_YEAR};
use crate::metrics::CostShiftRow;
use crate::params::{Barriers, NeedModel, Params, Role};

/// What a unit of spend was for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SpendKind {
    Assessment,
    Intervention,
    Prevention,
    Crisis,
}

/// One agency's spend this week, £ of the real place (undiscounted).
#[derive(Clone, Copy, Debug, Default)]
pub struct WeekMoney {
    pub spend: f64,
    pub crisis_spend: f64,
    pub prevention_spend: f64,
}

/// An agency's money this financial year, £ of the real place.
#[derive(Clone, Copy, Debug, Default)]
pub struct AgencyYear {
    /// Annual allowance: own budget (ring-fenced part) plus its share of the pool.
    pub allowance: f64,
    pub spend: f64,
    /// Spend other than statutory crisis spend: must stay within the allowance.
    pub discretionary: f64,
    /// Value of demand turned away (refused, parked, gave up) at unit intervention cost.
    pub unmet_value: f64,
    /// Spend here attributed to other agencies' failures, and spend elsewhere
    /// attributed to this agency's (for the board's `need_origin` rule).
    pub caused_by_others: f64,
    pub caused_elsewhere: f64,
    /// Spend from reserved prevention capacity.
    pub prevention: f64,
    /// A further allowance protected for prevention (`invest_to_save`), and
    /// what prevention has spent of it: a pot of its own, outside `allowance`.
    pub protected: f64,
    pub protected_spent: f64,
}

impl AgencyYear {
    /// The whole allowance: the ordinary one and the protected one.
    pub fn total_allowance(&self) -> f64 {
        self.allowance + self.protected
    }

    /// Spend out of the ordinary allowance (all spend but the protected pot's).
    pub fn ordinary_spend(&self) -> f64 {
        self.spend - self.protected_spent
    }
}

/// Quarters of failures whose spend elsewhere an account keeps apart: the
/// longest attribution window (520 weeks, 40 quarters) and the quarter in progress.
pub const FAILURE_QUARTERS: usize = 41;

/// Quarters after the quarter of a failure by whose end every pound
/// attributed to it has been spent: the attribution window in quarters, rounded up.
pub fn harm_lag_quarters(attribution_window_weeks: u16) -> usize {
    (attribution_window_weeks as usize).div_ceil(crate::ids::WEEKS_PER_QUARTER as usize)
}

/// One agency's account.
#[derive(Clone, Copy, Debug)]
pub struct Account {
    pub week: WeekMoney,
    pub year: AgencyYear,
    /// Share of the pooled budget the board gives this agency.
    pub pool_share: f64,
    /// Spend elsewhere attributed to this agency's failures (£), by the
    /// quarter the failure happened in (slot: that quarter modulo
    /// [`FAILURE_QUARTERS`]): an agency learns what its failures of a quarter
    /// cost the place once the attribution window has closed on them.
    pub shifted_out: [f64; FAILURE_QUARTERS],
    /// Last financial year's spend (for commissioning).
    pub last_year_spend: f64,
}

impl Default for Account {
    fn default() -> Self {
        Account {
            week: WeekMoney::default(),
            year: AgencyYear::default(),
            pool_share: 0.0,
            shifted_out: [0.0; FAILURE_QUARTERS],
            last_year_spend: 0.0,
        }
    }
}

/// The place board: pooled money carried between years and the costs of lifting.
#[derive(Clone, Copy, Debug)]
struct Board {
    /// Pooled underspend carried into next year's pool.
    pool_carry: f64,
    /// Lowest organisational-frameworks strength whose shared-assessment set-up is paid for.
    setup_floor: f32,
    /// Set-up cost incurred in warm-up, charged at the first counted week.
    pending_setup: f64,
    week_spend: f64,
}

/// The run's money after warm-up, present value £.
#[derive(Clone, Debug, Default)]
pub struct RunMoney {
    pub spend_by_agency: Vec<f64>,
    pub board: f64,
    pub crisis: f64,
    pub prevention: f64,
    /// Spend beyond allowance, summed over agencies and years (undiscounted).
    pub overspend: f64,
    /// Row = spender (agencies, then the board), column = cause (agencies, then unattributed).
    cost_shift: Vec<f64>,
}

/// Every pound of the place.
#[derive(Clone, Debug)]
pub struct Ledger {
    accounts: Vec<Account>,
    board: Board,
    run: RunMoney,
    /// The week being booked, whether it counts, and its discount factor.
    tick: Tick,
    counting: bool,
    discount: f64,
}

impl Ledger {
    /// Books for the place; the pool is first shared in proportion to budgets.
    pub fn new(p: &Params) -> Ledger {
        let total: f64 = p.agencies.iter().map(|a| a.annual_budget).sum();
        let n = p.n_agencies();
        Ledger {
            accounts: p
                .agencies
                .iter()
                .map(|s| Account {
                    pool_share: if total > 0.0 {
                        s.annual_budget / total
                    } else {
                        0.0
                    },
                    ..Account::default()
                })
                .collect(),
            board: Board {
                pool_carry: 0.0,
                setup_floor: 1.0,
                pending_setup: p.prices.programme_setup,
                week_spend: 0.0,
            },
            run: RunMoney {
                spend_by_agency: vec![0.0; n],
                cost_shift: vec![0.0; (n + 1) * (n + 1)],
                ..RunMoney::default()
            },
            tick: 0,
            counting: false,
            discount: 1.0,
        }
    }

    pub fn accounts(&self) -> &[Account] {
        &self.accounts
    }
    pub fn account(&self, a: AgencyId) -> &Account {
        &self.accounts[a.index()]
    }
    pub fn run(&self) -> &RunMoney {
        &self.run
    }
    /// This week's discount factor: `(1 + rate)^−t` for `t` years since the
    /// end of warm-up, fractional by week (1 before and at the first counted week).
    pub fn discount(&self) -> f64 {
        self.discount
    }
    /// The board's spend in the week just booked.
    pub fn board_week_spend(&self) -> f64 {
        self.board.week_spend
    }

    /// Open the week's books (and, at a year's start, the year's).
    pub fn begin_week(&mut self, p: &Params, barriers: Barriers, tick: Tick, counting: bool) {
        self.tick = tick;
        self.counting = counting;
        for a in &mut self.accounts {
            a.week = WeekMoney::default();
        }
        if tick.is_multiple_of(WEEKS_PER_YEAR) {
            for a in &mut self.accounts {
                a.year = AgencyYear::default();
            }
            self.set_allowances(p, barriers);
        }
        let years = (tick.saturating_sub(p.place.warmup_weeks)) as f64 / WEEKS_PER_YEAR as f64;
        self.discount = libm::pow(1.0 + p.place.discount_rate, -years);
    }

    /// Each agency's annual allowance under the barriers in force: its
    /// ring-fenced budget, its share of the pool and, under `invest_to_save`,
    /// its share (by budget, non-crisis agencies only) of the pool's
    /// protected prevention part.
    pub fn set_allowances(&mut self, p: &Params, barriers: Barriers) {
        let ring = barriers.ring_fenced_budgets as f64;
        let total: f64 = p.agencies.iter().map(|a| a.annual_budget).sum();
        let pool = ring_fence::pool(
            ring,
            total,
            self.board.pool_carry,
            board_annual_cost(p, barriers),
        );
        let protected = ring_fence::protected_pool(pool, &p.prices);
        let upstream: f64 = p
            .agencies
            .iter()
            .filter(|a| a.role != Role::Crisis)
            .map(|a| a.annual_budget)
            .sum();
        for (a, spec) in self.accounts.iter_mut().zip(&p.agencies) {
            a.year.protected = if spec.role != Role::Crisis && upstream > 0.0 {
                protected * spec.annual_budget / upstream
            } else {
                0.0
            };
            a.year.allowance =
                ring_fence::allowance(ring, spec.annual_budget, a.pool_share, pool - protected);
        }
    }

    /// Could agency `a` pay `unit_cost` per simulated citizen for prevention
    /// out of its protected allowance to date (`invest_to_save`), whatever
    /// the place's room?
    pub fn can_spend_protected(&self, p: &Params, a: AgencyId, unit_cost: f64) -> bool {
        let amount = unit_cost * p.place.weight();
        let pace = ((self.tick % WEEKS_PER_YEAR) / WEEKS_PER_QUARTER + 1) as f64 / 4.0;
        let y = &self.accounts[a.index()].year;
        y.protected > 0.0 && amount <= y.protected * pace - y.protected_spent
    }

    /// Book `unit_cost` per simulated citizen of agency `a`'s spend (already
    /// charged) to its protected prevention pot.
    pub fn spent_protected(&mut self, p: &Params, a: AgencyId, unit_cost: f64) {
        self.accounts[a.index()].year.protected_spent += unit_cost * p.place.weight();
    }

    /// Could agency `a` spend `unit_cost` per simulated citizen now? Within
    /// its spending room to date (allowance paced by quarter).
    pub fn can_spend(&self, p: &Params, barriers: Barriers, a: AgencyId, unit_cost: f64) -> bool {
        let amount = unit_cost * p.place.weight();
        let pace = ((self.tick % WEEKS_PER_YEAR) / WEEKS_PER_QUARTER + 1) as f64 / 4.0;
        let room = |y: &AgencyYear| y.allowance * pace - y.ordinary_spend();
        let own = room(&self.accounts[a.index()].year);
        let place: f64 = self.accounts.iter().map(|x| room(&x.year)).sum();
        amount <= ring_fence::spending_room(barriers.ring_fenced_budgets as f64, own, place)
    }

    /// Book spend by agency `a` on a citizen's need `d`, attribute it to the
    /// agency whose failure caused it (cost shifting), and add it to the citizen's cost.
    pub fn charge(
        &mut self,
        p: &Params,
        a: AgencyId,
        citizen: &mut Citizen,
        d: Domain,
        unit_cost: f64,
        kind: SpendKind,
    ) {
        let amount = unit_cost * p.place.weight();
        let account = &mut self.accounts[a.index()];
        account.week.spend += amount;
        account.year.spend += amount;
        match kind {
            SpendKind::Crisis => account.week.crisis_spend += amount,
            SpendKind::Prevention => {
                account.week.prevention_spend += amount;
                account.year.prevention += amount;
            }
            SpendKind::Assessment | SpendKind::Intervention => {}
        }
        if kind != SpendKind::Crisis {
            account.year.discretionary += amount;
        }
        let cause = attribute(citizen, d, &p.needs, self.tick);
        if let Some((cause, failed)) = cause {
            if cause != a {
                self.accounts[a.index()].year.caused_by_others += amount;
                let origin = &mut self.accounts[cause.index()];
                let quarter = failed as usize / crate::ids::WEEKS_PER_QUARTER as usize;
                origin.shifted_out[quarter % FAILURE_QUARTERS] += amount;
                origin.year.caused_elsewhere += amount;
            }
        }
        let cause = cause.map(|(c, _)| c);
        if self.counting {
            let pv = amount * self.discount;
            let n = self.accounts.len();
            let col = cause.map_or(n, |c| c.index());
            self.run.cost_shift[a.index() * (n + 1) + col] += pv;
            self.run.spend_by_agency[a.index()] += pv;
            match kind {
                SpendKind::Crisis => self.run.crisis += pv,
                SpendKind::Prevention => self.run.prevention += pv,
                SpendKind::Assessment | SpendKind::Intervention => {}
            }
            citizen.spend += (unit_cost * self.discount) as f32;
        }
    }

    /// Demand an agency turned away this week, valued at its unit cost (the
    /// board reallocates the pool by spend plus this).
    pub fn turned_away(&mut self, a: AgencyId, cases: u32, unit_cost: f64, weight: f64) {
        self.accounts[a.index()].year.unmet_value += cases as f64 * unit_cost * weight;
    }

    /// The week's board costs: running costs of what is lifted, and the
    /// one-off set-up of a shared assessment (charged at the first counted week).
    /// A run that continues a burned-in place pays for its own lifting of
    /// organisational frameworks: the shared-assessment set-up the burn-in
    /// paid or owed is forgotten, and the run's first counted week charges
    /// the set-up for its own strength (exactly what a run burned in under
    /// itself charges then).
    /// A strategy's programme set-up is charged the same way, at the first
    /// counted week of the run that pays for it.
    pub fn restart_setup(&mut self, p: &Params) {
        self.board.setup_floor = 1.0;
        self.board.pending_setup = p.prices.programme_setup;
    }

    pub fn close_week(&mut self, p: &Params, barriers: Barriers) {
        let f = barriers.organisational_frameworks;
        self.board.pending_setup += frameworks::setup_cost(f, self.board.setup_floor, &p.prices);
        self.board.setup_floor = self.board.setup_floor.min(f);
        // A programme's running cost is the place's too, but outside the pool.
        self.board.week_spend =
            (board_annual_cost(p, barriers) + p.prices.programme_running) / WEEKS_PER_YEAR as f64;
        if self.counting {
            self.board.week_spend += std::mem::take(&mut self.board.pending_setup);
            self.run.board += self.board.week_spend * self.discount;
            let n = self.accounts.len();
            self.run.cost_shift[n * (n + 1) + n] += self.board.week_spend * self.discount;
        }
    }

    /// Spend attributed to `a`'s failures in quarter `quarter` (counted from
    /// the run's start), handed to its KPIs once complete; the slot is then
    /// free for a later quarter.
    pub fn take_shifted_out(&mut self, a: AgencyId, quarter: usize) -> f64 {
        std::mem::take(&mut self.accounts[a.index()].shifted_out[quarter % FAILURE_QUARTERS])
    }

    /// Year end: overspend, pooled underspend carried, and the pool
    /// reallocated by the board's rule (`ring_fence::demand`) on last year's
    /// demand: spend plus what was turned away, valued at unit cost.
    pub fn close_year(&mut self, p: &Params, barriers: Barriers) {
        if self.counting {
            self.run.overspend += self
                .accounts
                .iter()
                .map(|a| (a.year.spend - a.year.total_allowance()).max(0.0))
                .sum::<f64>();
        }
        let underspend: f64 = self
            .accounts
            .iter()
            .map(|a| a.year.total_allowance() - a.year.spend)
            .sum();
        self.board.pool_carry =
            ring_fence::carried_underspend(barriers.ring_fenced_budgets as f64, underspend);
        for a in &mut self.accounts {
            a.last_year_spend = a.year.spend;
        }
        let demand: Vec<f64> = self
            .accounts
            .iter()
            .map(|a| ring_fence::demand(&a.year, p.prices.reallocation))
            .collect();
        let total: f64 = demand.iter().sum();
        if total > 0.0 {
            for (a, d) in self.accounts.iter_mut().zip(&demand) {
                a.pool_share = d / total;
            }
        }
    }

    /// The cost-shifting matrix in long form: for each spender (agencies, then
    /// the place board) the spend attributed to each agency and `unattributed`;
    /// each spender's rows sum to its spend.
    pub fn cost_shifting(&self, p: &Params) -> Vec<CostShiftRow> {
        let n = self.accounts.len();
        let name =
            |i: usize, none: &str| p.agencies.get(i).map_or(none.to_string(), |a| a.id.clone());
        let mut rows = Vec::with_capacity((n + 1) * (n + 1));
        for spender in 0..=n {
            for cause in 0..=n {
                rows.push(CostShiftRow {
                    spender: name(spender, "place_board"),
                    caused_by: name(cause, "unattributed"),
                    spend: self.run.cost_shift[spender * (n + 1) + cause],
                });
            }
        }
        rows
    }
}

/// The board's annual cost: what each lifted barrier costs to run.
fn board_annual_cost(p: &Params, b: Barriers) -> f64 {
    let prices = &p.prices;
    ring_fence::board_cost(b.ring_fenced_budgets, prices)
        + targets::shared_outcomes_cost(b.function_bound_targets, prices)
        + frameworks::shared_assessment_cost(b.organisational_frameworks, prices)
        + burden::light_assurance_cost(b.frontline_burden, prices)
}

/// The attribution rule (docs/ODD.md): spend on a need goes to the agency
/// that last refused, parked, lost or left that need unresolved within the
/// attribution window; failing that, to the agency blamed for the unmet
/// need that couples most strongly into it; failing that, unattributed.
/// Returns the agency and the week of its failure.
pub fn attribute(c: &Citizen, d: Domain, n: &NeedModel, tick: Tick) -> Option<(AgencyId, u16)> {
    let recent = |e: usize| {
        c.blame[e] != NONE && (tick as u16).wrapping_sub(c.blame_tick[e]) <= n.attribution_window
    };
    if recent(d.index()) {
        return Some((AgencyId(c.blame[d.index()]), c.blame_tick[d.index()]));
    }
    let mut best: Option<(f32, usize)> = None;
    for e in 0..n.n_domains() {
        let pull = n.coupling(e, d.index()) * c.needs[e];
        if e != d.index()
            && pull > 0.0
            && c.needs[e] > n.need_threshold
            && recent(e)
            && best.is_none_or(|(b, _)| pull > b)
        {
            best = Some((pull, e));
        }
    }
    best.map(|(_, e)| (AgencyId(c.blame[e]), c.blame_tick[e]))
}
