//! The report of a benchmark (`placesim benchmark`): the leaderboard with
//! its intervals, a forest chart of the pooled effects on the score, the
//! effects at each horizon, and a section per strategy saying where it wins
//! and where it loses, all in one offline page.

use crate::html::esc;
use std::fmt::Write as _;

/// A strategy's row of the leaderboard.
pub struct Leader {
    pub rank: u32,
    pub strategy: String,
    pub rank_low: u32,
    pub rank_high: u32,
    /// Pooled effect on the score, with its 95 % interval.
    pub score_effect: (f64, f64, f64),
    pub mean_regret: f64,
    /// Satisficed share, with its pooled interval.
    pub satisficed: (f64, f64, f64),
    pub crisis_events_relative: f64,
    pub total_spend_relative: f64,
}

/// One paired effect against the reference.
pub struct Effect {
    pub strategy: String,
    pub place: String,
    pub outcome: String,
    pub mean_diff: f64,
    pub ci: (f64, f64),
    pub relative: f64,
}

/// What the report shows.
pub struct Report<'a> {
    pub name: &'a str,
    pub hash: &'a str,
    pub model_version: &'a str,
    pub places: &'a [String],
    pub replicates: u32,
    pub years: u32,
    pub reference: &'a str,
    pub score: &'a str,
    pub satisficing: &'a [(String, f64)],
    /// Name, description and evidence.
    pub strategies: &'a [(String, String, String)],
    pub leaderboard: &'a [Leader],
    pub effects: &'a [Effect],
    /// Pooled effects at each horizon (years).
    pub horizons: &'a [(u32, Effect)],
}

/// A number in engineering style with three significant figures.
fn num(x: f64) -> String {
    if !x.is_finite() {
        return "–".into();
    }
    let a = x.abs();
    if a >= 1e9 {
        format!("{:.2} bn", x / 1e9)
    } else if a >= 1e6 {
        format!("{:.2} m", x / 1e6)
    } else if a >= 1e3 {
        format!("{:.1} k", x / 1e3)
    } else if a >= 1.0 || a == 0.0 {
        format!("{x:.2}")
    } else {
        format!("{x:.4}")
    }
}

fn pct(x: f64) -> String {
    if x.is_finite() {
        format!("{:+.1} %", 100.0 * x)
    } else {
        "–".into()
    }
}

/// Whether an effect's interval lies wholly on one side of 0: 1 above, −1 below, 0 neither.
fn side(e: &Effect) -> i8 {
    if e.ci.0 > 0.0 {
        1
    } else if e.ci.1 < 0.0 {
        -1
    } else {
        0
    }
}

/// A forest chart (inline SVG) of the pooled effects on the score.
fn forest(r: &Report) -> String {
    let rows: Vec<&Leader> = r.leaderboard.iter().collect();
    let lo = rows
        .iter()
        .map(|l| l.score_effect.1)
        .filter(|x| x.is_finite())
        .fold(0.0f64, f64::min);
    let hi = rows
        .iter()
        .map(|l| l.score_effect.2)
        .filter(|x| x.is_finite())
        .fold(0.0f64, f64::max);
    let span = if hi > lo { hi - lo } else { 1.0 };
    let (left, width, row_h) = (230.0, 560.0, 26.0);
    let x = |v: f64| left + (v - lo) / span * width;
    let height = 40.0 + row_h * rows.len() as f64;
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{height}\" viewBox=\"0 0 {w} {height}\" role=\"img\" aria-label=\"pooled effect on {score}\" font-family=\"DejaVu Sans,Verdana,sans-serif\" font-size=\"13\">\n",
        w = left + width + 30.0,
        score = esc(r.score)
    );
    let _ = writeln!(
        s,
        "<line x1=\"{z}\" y1=\"10\" x2=\"{z}\" y2=\"{b}\" stroke=\"#888\" stroke-dasharray=\"4 3\"/>",
        z = x(0.0),
        b = height - 20.0
    );
    for (i, l) in rows.iter().enumerate() {
        let y = 25.0 + row_h * i as f64;
        let (m, a, b) = l.score_effect;
        let colour = if a > 0.0 {
            "#009E73"
        } else if b < 0.0 {
            "#D55E00"
        } else {
            "#555"
        };
        let _ = writeln!(
            s,
            "<text x=\"{tx}\" y=\"{ty}\" text-anchor=\"end\">{rank}. {name}</text>",
            tx = left - 10.0,
            ty = y + 4.0,
            rank = l.rank,
            name = esc(&l.strategy)
        );
        if m.is_finite() && a.is_finite() && b.is_finite() {
            let _ = writeln!(
                s,
                "<line x1=\"{x1:.1}\" y1=\"{y}\" x2=\"{x2:.1}\" y2=\"{y}\" stroke=\"{colour}\" stroke-width=\"2\"/><circle cx=\"{cx:.1}\" cy=\"{y}\" r=\"4\" fill=\"{colour}\"/>",
                x1 = x(a),
                x2 = x(b),
                cx = x(m)
            );
        }
    }
    let _ = writeln!(
        s,
        "<text x=\"{l}\" y=\"{y}\">{lo}</text><text x=\"{r}\" y=\"{y}\" text-anchor=\"end\">{hi}</text><text x=\"{z}\" y=\"{y}\" text-anchor=\"middle\">0</text>",
        l = left,
        r = left + width,
        z = x(0.0),
        y = height - 5.0,
        lo = esc(&num(lo)),
        hi = esc(&num(hi))
    );
    s.push_str("</svg>\n");
    s
}

/// The page.
pub fn report(r: &Report) -> String {
    let mut h = String::new();
    let title = format!("placesim benchmark: {}", esc(r.name));
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{title}</title>\n<style>\nbody{{font-family:DejaVu Sans,Verdana,sans-serif;max-width:1400px;margin:2em auto;padding:0 1em;color:#222}}\ntable{{border-collapse:collapse;margin:1em 0}}th,td{{border:1px solid #bbb;padding:4px 8px;text-align:right}}th:first-child,td:first-child,td.l{{text-align:left}}\nsvg{{max-width:100%;height:auto}}.win{{color:#007a5a}}.lose{{color:#b34700}}\n</style>\n</head>\n<body>\n<h1>{title}</h1>\n"
    );
    let conditions: Vec<String> = r
        .satisficing
        .iter()
        .map(|(o, m)| format!("{} changes by at most {}", esc(o), pct(*m)))
        .collect();
    let _ = writeln!(
        h,
        "<p>{n} strategies on {p} places ({places}), {reps} replicates a place on common random numbers, {years} counted years each, scored against <code>{reference}</code>. Definition hash <code>{hash}</code> (model {model}): leaderboards with the same hash are comparable.</p>",
        n = r.strategies.len(),
        p = r.places.len(),
        places = esc(&r.places.join(", ")),
        reps = r.replicates,
        years = r.years,
        reference = esc(r.reference),
        hash = esc(r.hash),
        model = esc(r.model_version)
    );
    let _ = writeln!(
        h,
        "<h2>Leaderboard</h2>\n<p>Ranked by the pooled mean of <code>{score}</code> (higher is better; each place weighs the same); the rank interval is the 2.5th to 97.5th percentile over 1,000 bootstrap resamples of the replicates. Regret: the shortfall from the best strategy in the same future (place and replicate), averaged. A future is satisficed when {cond}, against {reference} in that future.</p>",
        score = esc(r.score),
        cond = if conditions.is_empty() { "always".into() } else { conditions.join(" and ") },
        reference = esc(r.reference)
    );
    h.push_str("<table>\n<tr><th>strategy</th><th>rank</th><th>rank interval</th><th>effect on the score</th><th>95 % interval</th><th>mean regret</th><th>satisficed</th><th>crises</th><th>spend</th></tr>\n");
    for l in r.leaderboard {
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}–{}</td><td>{}</td><td>{} to {}</td><td>{}</td><td>{:.0} % ({:.0}–{:.0})</td><td>{}</td><td>{}</td></tr>",
            esc(&l.strategy),
            l.rank,
            l.rank_low,
            l.rank_high,
            esc(&num(l.score_effect.0)),
            esc(&num(l.score_effect.1)),
            esc(&num(l.score_effect.2)),
            esc(&num(l.mean_regret)),
            100.0 * l.satisficed.0,
            100.0 * l.satisficed.1,
            100.0 * l.satisficed.2,
            pct(l.crisis_events_relative),
            pct(l.total_spend_relative)
        );
    }
    h.push_str("</table>\n<figure>\n");
    h.push_str(&forest(r));
    let _ = writeln!(
        h,
        "<figcaption>Pooled paired effect on <code>{}</code> against {} with its 95 % interval: green above 0, orange below, grey across it.</figcaption>\n</figure>",
        esc(r.score),
        esc(r.reference)
    );
    // Horizons: pooled effects on crises and spend, year by year.
    let horizons: Vec<u32> = {
        let mut v: Vec<u32> = r.horizons.iter().map(|(y, _)| *y).collect();
        v.dedup();
        v
    };
    if !horizons.is_empty() {
        h.push_str("<h2>Horizons</h2>\n<p>Pooled effects summed from the first counted year to each horizon: an invest-to-save strategy pays late or never.</p>\n");
        for outcome in ["crisis_events", "total_spend", "failure_demand_share"] {
            let _ = write!(h, "<h3>{outcome}</h3>\n<table>\n<tr><th>strategy</th>");
            for y in &horizons {
                let _ = write!(h, "<th>{y} y</th>");
            }
            h.push_str("</tr>\n");
            for (s, _, _) in r.strategies {
                if s == r.reference {
                    continue;
                }
                let _ = write!(h, "<tr><td>{}</td>", esc(s));
                for y in &horizons {
                    let e = r
                        .horizons
                        .iter()
                        .find(|(yy, e)| yy == y && &e.strategy == s && e.outcome == outcome);
                    match e {
                        Some((_, e)) => {
                            let class = match side(e) {
                                1 => " class=\"lose\"",
                                -1 => " class=\"win\"",
                                _ => "",
                            };
                            let _ = write!(h, "<td{class}>{}</td>", pct(e.relative));
                        }
                        None => h.push_str("<td>–</td>"),
                    }
                }
                h.push_str("</tr>\n");
            }
            h.push_str("</table>\n");
        }
        h.push_str("<p>Coloured where the interval excludes 0: green a fall, orange a rise (for crises, spend and failure demand a fall is the better). In each strategy's table below only the score is coloured, green where it beats the reference.</p>\n");
    }
    // A section per strategy.
    h.push_str("<h2>Strategies</h2>\n");
    for (s, description, evidence) in r.strategies {
        let _ = writeln!(
            h,
            "<h3 id=\"{id}\">{name}</h3>\n<p>{desc}</p>\n<p><em>Evidence:</em> {ev}</p>",
            id = esc(s),
            name = esc(s),
            desc = esc(description),
            ev = esc(evidence)
        );
        if s == r.reference {
            h.push_str("<p>The reference.</p>\n");
            continue;
        }
        let mut wins = Vec::new();
        let mut losses = Vec::new();
        for e in r
            .effects
            .iter()
            .filter(|e| &e.strategy == s && e.outcome == r.score && e.place != "all")
        {
            match side(e) {
                1 => wins.push(e.place.clone()),
                -1 => losses.push(e.place.clone()),
                _ => {}
            }
        }
        let _ = writeln!(
            h,
            "<p>On <code>{}</code> it beats {} in {} and falls behind in {}; elsewhere the interval holds 0.</p>",
            esc(r.score),
            esc(r.reference),
            if wins.is_empty() { "no place".into() } else { esc(&wins.join(", ")) },
            if losses.is_empty() { "no place".into() } else { esc(&losses.join(", ")) }
        );
        h.push_str("<table>\n<tr><th>place</th><th>outcome</th><th>effect</th><th>95 % interval</th><th>relative</th></tr>\n");
        for e in r.effects.iter().filter(|e| &e.strategy == s) {
            // Only the score says which way is better (higher).
            let class = match (side(e), e.outcome == r.score) {
                (1, true) => " class=\"win\"",
                (-1, true) => " class=\"lose\"",
                _ => "",
            };
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td class=\"l\">{}</td><td{class}>{}</td><td>{} to {}</td><td>{}</td></tr>",
                esc(&e.place),
                esc(&e.outcome),
                esc(&num(e.mean_diff)),
                esc(&num(e.ci.0)),
                esc(&num(e.ci.1)),
                pct(e.relative)
            );
        }
        h.push_str("</table>\n");
    }
    h.push_str("<p>Files: leaderboard.csv, effects.csv, horizons.csv, regret.csv, satisficing.csv, benchmark.json, and each place's sweep in places/ (docs/BENCHMARK.md).</p>\n</body>\n</html>\n");
    h
}
