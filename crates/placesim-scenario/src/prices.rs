//! Money to one price year. A scenario writes every money value in the
//! prices of one financial year (`place.input_price_year`); the model books
//! and reports money in the prices of another (`place.price_year`). Between
//! them stands the GDP deflator at market prices, the deflator the Green Book
//! uses for real terms. docs/ODD.md section 4 ("Prices") gives its source.

use placesim_core::params::Params;

/// The GDP deflator at market prices, calendar years, 2024 = 100: ONS series
/// YBGB as bundled in `inst/extdata/gdp_deflator.csv` of the `greenbook` R
/// package (github.com/charlescoverdale/greenbook); secondary, not read at ONS.
const GDP_DEFLATOR: [(u16, f64); 15] = [
    (2010, 69.1217),
    (2011, 70.834),
    (2012, 71.9294),
    (2013, 73.4795),
    (2014, 74.6524),
    (2015, 75.1536),
    (2016, 76.4554),
    (2017, 77.6367),
    (2018, 79.1606),
    (2019, 81.1085),
    (2020, 85.2137),
    (2021, 85.6358),
    (2022, 90.5005),
    (2023, 96.2507),
    (2024, 100.0),
];

fn calendar(year: u16) -> Option<f64> {
    GDP_DEFLATOR
        .iter()
        .find(|(y, _)| *y == year)
        .map(|(_, v)| *v)
}

/// The deflator of the financial year starting in April of `year` (2021 is
/// 2021/22): nine months of `year` and three of the next, so ¾ and ¼ of
/// their calendar-year values. `None` outside the table
/// ([`FIRST_YEAR`] to [`LAST_YEAR`]).
pub fn financial_year(year: u16) -> Option<f64> {
    Some(0.75 * calendar(year)? + 0.25 * calendar(year + 1)?)
}

/// The first and last financial years (by the year they start) the table covers.
pub const FIRST_YEAR: u16 = 2010;
pub const LAST_YEAR: u16 = 2023;

/// What a pound of financial year `from` is worth in pounds of financial year `to`.
pub fn factor(from: u16, to: u16) -> Option<f64> {
    Some(financial_year(to)? / financial_year(from)?)
}

/// Convert every money value of `params` by `factor`: budgets, unit costs,
/// the prices of lifting barriers and the value of a QALY. Shares, weeks and
/// efficacies are not money and do not move. Afterwards the parameters say
/// their money is in the price year (`input_price_year = price_year`), so
/// that stored parameters (a manifest's, a rerun's) are never converted twice.
pub fn convert(params: &mut Params, factor: f64) {
    for a in &mut params.agencies {
        a.annual_budget *= factor;
        a.unit_costs.assessment *= factor;
        a.unit_costs.intervention *= factor;
        a.unit_costs.crisis *= factor;
    }
    let p = &mut params.prices;
    p.board_running_cost *= factor;
    p.shared_outcomes_cost *= factor;
    p.shared_assessment_setup *= factor;
    p.shared_assessment_running *= factor;
    p.light_assurance_cost *= factor;
    p.programme_setup *= factor;
    p.programme_running *= factor;
    params.place.qaly_value *= factor;
    for c in &mut params.schedule {
        if let placesim_core::params::Change::Budget(_, pounds) = &mut c.change {
            *pounds *= factor;
        }
    }
    // Every value is now in pounds of the price year.
    params.place.input_price_year = params.place.price_year;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_financial_year_weighs_its_two_calendar_years_three_to_one() {
        let fy = financial_year(2021).unwrap();
        assert!((fy - (0.75 * 85.6358 + 0.25 * 90.5005)).abs() < 1e-9);
        // 2021/22 to 2023/24: the sourced unit costs' year to the default price year.
        let f = factor(2021, 2023).unwrap();
        assert!((f - 1.1190).abs() < 5e-4, "{f}");
        assert_eq!(factor(2023, 2023), Some(1.0));
        assert!(financial_year(FIRST_YEAR).is_some() && financial_year(LAST_YEAR).is_some());
        assert!(
            financial_year(FIRST_YEAR - 1).is_none() && financial_year(LAST_YEAR + 1).is_none()
        );
    }
}
