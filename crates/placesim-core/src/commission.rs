//! Money buys capacity. At the start of each financial year, once the
//! allowances are set, every non-crisis agency orders frontline capacity:
//! more only if both its money (its allowance — its own budget, or the
//! board's share of the pool — over last year's spend) and its work (last
//! year's utilisation over `commissioning_utilisation`) call for more, fewer
//! if either falls short, by the smaller of the two ratios, changed by at
//! most `commissioning_step` a year and in force after
//! `commissioning_lag_weeks`. Crisis services' capacity limits nothing (their
//! beds do), so they order none. See docs/ODD.md, submodel "commission".

use crate::agency::Agency;
use crate::finance::Ledger;
use crate::ids::Tick;
use crate::params::{Params, Role};

/// The limits of what commissioning can do to a scenario's capacity.
pub const COMMISSIONED_RANGE: (f64, f64) = (0.25, 4.0);

/// Year start (`tick` a multiple of 52): order each agency's capacity for
/// `tick + lag`.
pub fn order(agencies: &mut [Agency], ledger: &Ledger, p: &Params, tick: Tick) {
    let step = p.prices.commissioning_step as f64;
    if step <= 0.0 {
        return;
    }
    for (i, (agency, spec)) in agencies.iter_mut().zip(&p.agencies).enumerate() {
        let account = ledger.accounts()[i];
        let (work, capacity) = (agency.year_work, agency.year_capacity);
        agency.year_work = 0.0;
        agency.year_capacity = 0.0;
        if spec.role == Role::Crisis || account.last_year_spend <= 0.0 || capacity <= 0.0 {
            continue;
        }
        let money = account.year.total_allowance() / account.last_year_spend;
        let busy = (work / capacity) / p.prices.commissioning_utilisation as f64;
        let ratio = money.min(busy).clamp(1.0 - step, 1.0 + step);
        let (lo, hi) = COMMISSIONED_RANGE;
        let target = (agency.commissioned * ratio).clamp(lo, hi);
        agency.on_order = Some((tick + p.prices.commissioning_lag_weeks as Tick, target));
    }
}

/// Add the week just served to each agency's year (its utilisation).
pub fn observe_week(agencies: &mut [Agency]) {
    for agency in agencies {
        agency.year_work += agency.week.work_done;
        agency.year_capacity += agency.week.capacity;
    }
}

/// Capacity on order that falls due at `tick` takes effect.
pub fn deliver(agencies: &mut [Agency], tick: Tick) {
    for agency in agencies {
        if let Some((due, target)) = agency.on_order {
            if due <= tick {
                agency.commissioned = target;
                agency.on_order = None;
            }
        }
    }
}
