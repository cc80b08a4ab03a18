//! What the commands print besides their files: progress bars, the summary
//! table of one run and the headline rows of a sweep's comparison.

use indicatif::{ProgressBar, ProgressStyle};
use std::io::Write;
use std::path::Path;

/// A bar of `total` steps counted in `unit`.
pub fn progress(total: u64, unit: &str) -> ProgressBar {
    bar(total, &format!("{unit} (eta {{eta}})"))
}

/// A bar of `total` steps counted in `unit`, followed by a message (a rate).
pub fn progress_with_message(total: u64, unit: &str) -> ProgressBar {
    bar(total, &format!("{unit} (eta {{eta}}) {{msg}}"))
}

/// A bar whose template ends with `tail` after the count.
fn bar(total: u64, tail: &str) -> ProgressBar {
    let bar = ProgressBar::new(total);
    let template = format!("{{elapsed_precise}} [{{bar:40}}] {{pos}}/{{len}} {tail}");
    if let Ok(style) = ProgressStyle::with_template(&template) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

pub fn print_summary(s: &placesim_core::Summary, out: &Path) {
    let mut o = std::io::stdout().lock();
    let m = |x: f64| format!("£{:.1}m", x / 1e6);
    let rows = [
        (
            "citizens (weight)",
            format!("{} ({:.1} residents each)", s.population, s.weight),
        ),
        (
            "weeks counted",
            format!("{} after {} weeks of warm-up", s.weeks, s.warmup_weeks),
        ),
        ("total spend (PV)", m(s.total_spend)),
        (
            "crisis share of spend",
            format!("{:.1} %", 100.0 * s.crisis_spend_share),
        ),
        (
            "prevention share of spend",
            format!("{:.1} %", 100.0 * s.prevention_spend_share),
        ),
        ("overspend", m(s.overspend)),
        ("mean wellbeing", format!("{:.4}", s.mean_wellbeing)),
        (
            "low-decile wellbeing",
            format!("{:.4}", s.low_decile_wellbeing),
        ),
        (
            "wellbeing-weeks per £m",
            format!("{:.0}", s.wellbeing_weeks_per_million),
        ),
        ("QALYs (PV)", format!("{:.0}", s.qalys)),
        ("crisis events", format!("{:.0}", s.crisis_events)),
        ("contacts", format!("{:.0}", s.contacts)),
        (
            "failure demand share",
            format!(
                "{:.1} % ({:.0} of them chasing)",
                100.0 * s.failure_demand_share,
                s.chasing
            ),
        ),
        (
            "bed occupancy",
            format!(
                "{:.1} % ({:.0} delayed-discharge bed-days)",
                100.0 * s.bed_occupancy,
                s.delayed_discharge_days
            ),
        ),
        (
            "costliest 5 % share of spend",
            format!("{:.1} %", 100.0 * s.top5_cost_share),
        ),
        (
            "crises by risk fifth, q1 to q5",
            by_fifth(s, |g| format!("{:.0}", g.crisis_events)),
        ),
        (
            "wellbeing by risk fifth",
            by_fifth(s, |g| format!("{:.4}", g.mean_wellbeing)),
        ),
        ("mean wait", format!("{:.2} weeks", s.mean_wait)),
        (
            "referrals lost",
            format!("{:.0} of {:.0}", s.referrals_lost, s.referrals_made),
        ),
    ];
    for (k, v) in rows {
        let _ = writeln!(o, "{k:<30} {v}");
    }
    let steady = match s.truncation_week {
        Some(w) => format!("MSER-5 truncation at week {w} of {}", s.weeks),
        None => "too few weeks counted to check".to_string(),
    };
    let _ = writeln!(o, "{:<30} {steady}", "steady state");
    let _ = writeln!(o, "outputs in {}", out.display());
    if s.includes_transient() {
        eprintln!(
            "warning: the counted weeks include a transient (MSER-5 truncates {} weeks, more than {}): outcomes average over a drift; lengthen the warm-up (--warmup) or count more weeks (--weeks)",
            s.truncation_week.unwrap_or_default(),
            placesim_core::metrics::TRANSIENT_WEEKS
        );
    }
}

/// A few headline rows of comparison.csv: each variant's paired difference from the baseline.
pub fn print_comparison(path: &Path) {
    let Ok(comparison) = placesim_results::comparison::read(path) else {
        return;
    };
    let wanted = [
        "crisis_events",
        "failure_demand_share",
        "total_spend",
        "net_monetary_benefit",
    ];
    println!(
        "{:<28} {:>24} {:>24} {:>24} {:>24}",
        "variant - baseline", wanted[0], wanted[1], wanted[2], wanted[3]
    );
    let mut rows: Vec<(String, [String; 4])> = Vec::new();
    for c in &comparison {
        let Some(col) = wanted.iter().position(|w| *w == c.outcome) else {
            continue;
        };
        if rows.last().is_none_or(|(v, _)| *v != c.variant) {
            rows.push((c.variant.clone(), Default::default()));
        }
        if let Some((_, cells)) = rows.last_mut() {
            cells[col] = format!("{} ± {}", short(c.mean_diff), short(c.ci_half_width));
        }
    }
    for (variant, cells) in rows {
        println!(
            "{:<28} {:>24} {:>24} {:>24} {:>24}",
            variant, cells[0], cells[1], cells[2], cells[3]
        );
    }
    println!(
        "mean paired difference ± half-width of its 95 % interval; crisis events are counted for the place's residents over the counted weeks, total spend is £ present value, net monetary benefit is QALYs valued at place.qaly_value (in pounds of the price year) less spend, both present values (every outcome, wellbeing-weeks per £m among them, in comparison.csv)"
    );
}

fn short(x: f64) -> String {
    if x.abs() >= 1e6 {
        format!("{:.2}e6", x / 1e6)
    } else if x.abs() >= 100.0 {
        format!("{x:.0}")
    } else {
        format!("{x:.4}")
    }
}

/// One measure of each risk fifth, lowest risk first, joined for a summary line.
fn by_fifth(
    s: &placesim_core::Summary,
    cell: impl Fn(&placesim_core::metrics::RiskGroup) -> String,
) -> String {
    s.by_risk_quintile
        .iter()
        .map(cell)
        .collect::<Vec<_>>()
        .join(" / ")
}
