//! The debrief of a workshop room: one HTML file that opens offline (styles
//! and charts inline, no script), built from what the room did. Its three
//! prompts for discussion are drawn from the room's own log and worlds
//! ([`prompts`]); every claim about an effect rests on the room's place
//! against the ghost place, the same place on the same random numbers with
//! every agency on the model's own rule.

use crate::room::{DecidedBy, Room, WORLDS};
use placesim_core::ids::WEEKS_PER_QUARTER;
use placesim_core::learner::{self, LEVERS, LEVER_NAMES};
use placesim_core::params::BarrierKind;
use std::fmt::Write;

/// A prompt for discussion, with how striking it is (to choose three) and its kind
/// (at most one of each kind is chosen).
#[derive(Clone, Debug, PartialEq)]
pub struct Prompt {
    pub kind: &'static str,
    pub salience: f64,
    pub text: String,
}

/// Levers as people say them.
const LEVER_WORDS: [&str; LEVERS] = [
    "eligibility threshold",
    "prevention share",
    "intensity",
    "complexity cap",
    "referral propensity",
];

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// £ in words a room reads: £1.2m, £340k, £900.
pub fn money(x: f64) -> String {
    let a = x.abs();
    let sign = if x < 0.0 { "−" } else { "" };
    if a >= 1e6 {
        format!("{sign}£{:.1}m", a / 1e6)
    } else if a >= 1e3 {
        format!("{sign}£{:.0}k", a / 1e3)
    } else {
        format!("{sign}£{a:.0}")
    }
}

fn count(x: f64) -> String {
    let r = x.round();
    if r.abs() >= 1e4 {
        format!("{:.1}k", r / 1e3)
    } else {
        format!("{r:.0}")
    }
}

fn more_or_fewer(x: f64, more: &str, fewer: &str) -> String {
    if x >= 0.0 {
        format!("{} {more}", count(x))
    } else {
        format!("{} {fewer}", count(-x))
    }
}

fn quarters(a: u32, b: u32) -> String {
    if a == b {
        format!("quarter {a}")
    } else {
        format!("quarters {a}–{b}")
    }
}

/// The agency's name as a sentence's subject ("Adult social care").
fn agency_name(room: &Room, id: &str) -> String {
    room.params()
        .agencies
        .iter()
        .find(|a| a.id == id)
        .map_or(id.to_string(), |a| a.name.clone())
}

/// Crisis spend, room less ghost, summed over quarters `a..=b` (1-based).
fn crisis_gap(room: &Room, a: u32, b: u32) -> f64 {
    let q = |w: usize| -> f64 {
        room.tracks[w]
            .quarters
            .iter()
            .filter(|x| x.quarter >= a && x.quarter <= b)
            .map(|x| x.crisis_spend)
            .sum()
    };
    q(0) - q(1)
}

/// Every prompt the room's run supports, most striking first within each kind.
pub fn candidates(room: &Room) -> Vec<Prompt> {
    let mut out = Vec::new();
    let run = room.quarters_run();
    if run == 0 {
        return out;
    }
    let ranges = learner::ranges(&room.params().adaptation);
    // A team's largest move of a lever, and the crisis spend after it, room against ghost.
    for d in &room.decisions {
        let DecidedBy::Team { member } = &d.by else {
            continue;
        };
        let Some(seat) = room.seats.iter().find(|s| s.agency == d.agency) else {
            continue;
        };
        let before = if d.quarter == 1 {
            room.start_levers[seat.index]
        } else {
            room.tracks[0].agencies[seat.index][(d.quarter - 2) as usize].levers
        };
        let (l, moved) = (0..LEVERS)
            .map(|l| {
                (
                    l,
                    (d.levers[l] - before[l]) / (ranges[l].1 - ranges[l].0).max(1e-6),
                )
            })
            .max_by(|a, b| a.1.abs().total_cmp(&b.1.abs()))
            .expect("five levers");
        if moved.abs() < 0.05 {
            continue;
        }
        let end = (d.quarter + 2).min(run);
        // Per quarter, so that the quarters after and the quarter before compare.
        let after = crisis_gap(room, d.quarter, end) / (end - d.quarter + 1) as f64;
        let prior = (d.quarter > 1).then(|| crisis_gap(room, d.quarter - 1, d.quarter - 1));
        let before_text = match prior {
            Some(x) => format!("against {} in the quarter before", more_or_less_money(x)),
            None => "where the two places were one until the room's first decisions".into(),
        };
        let prior = prior.unwrap_or(0.0);
        let verb = if moved > 0.0 { "raised" } else { "lowered" };
        let text = format!(
            "{} ({member}'s team) {verb} its {} from {:.2} to {:.2} in quarter {}. In {} the room's place spent {} a quarter on crises than the ghost place — the same place on the same random numbers, every agency on the model's own rule — {}. That difference is every team's decisions together, on this one seed: what part did this one play, what happened to the people behind it, and who paid for them?",
            agency_name(room, &d.agency),
            LEVER_WORDS[l],
            before[l],
            d.levers[l],
            d.quarter,
            quarters(d.quarter, end),
            more_or_less_money(after),
            before_text,
        );
        out.push(Prompt {
            kind: "lever",
            salience: moved.abs() as f64 * (1.0 + (after - prior).abs() / 1e6),
            text,
        });
    }
    // The largest bill one agency paid for another's unresolved needs.
    let shift = room.cost_shifting(0);
    let ghost = room.cost_shifting(1);
    let shifted: f64 = shift
        .iter()
        .filter(|r| r.caused_by != "unattributed" && r.caused_by != r.spender)
        .map(|r| r.spend)
        .sum();
    if let Some(top) = shift
        .iter()
        .filter(|r| r.caused_by != "unattributed" && r.caused_by != r.spender)
        .max_by(|a, b| a.spend.total_cmp(&b.spend))
        .filter(|r| r.spend > 0.0)
    {
        let in_ghost = ghost
            .iter()
            .find(|g| g.spender == top.spender && g.caused_by == top.caused_by)
            .map_or(0.0, |g| g.spend);
        let spender = if top.spender == "place_board" {
            "The place board".to_string()
        } else {
            agency_name(room, &top.spender)
        };
        out.push(Prompt {
            kind: "wrong_pocket",
            salience: top.spend / shifted.max(1.0) + 0.2,
            text: format!(
                "{spender} spent {} on needs that {} had refused, parked or left unresolved ({} in the ghost place). That is the wrong-pocket problem in this room: who decided, who paid, and what would it take for the payer to fund the decider?",
                money(top.spend),
                agency_name(room, &top.caused_by).to_lowercase(),
                money(in_ghost)
            ),
        });
    }
    // Seats the timer decided for.
    let mut timer: Vec<(String, Vec<u32>)> = Vec::new();
    for d in room.decisions.iter().filter(|d| d.by == DecidedBy::Timer) {
        match timer.iter_mut().find(|(a, _)| *a == d.agency) {
            Some((_, qs)) => qs.push(d.quarter),
            None => timer.push((d.agency.clone(), vec![d.quarter])),
        }
    }
    if let Some((agency, qs)) = timer.iter().max_by_key(|(_, qs)| qs.len()) {
        let list: Vec<String> = qs.iter().map(u32::to_string).collect();
        out.push(Prompt {
            kind: "timer",
            salience: (0.1 + 0.05 * qs.len() as f64).min(0.35),
            text: format!(
                "Nobody decided for {} in quarter{} {}: the model's own rule set its levers. Did the place notice? Compare its quarters with the team's — what does an agency run on its own KPI do that a team did not?",
                agency_name(room, agency).to_lowercase(),
                if qs.len() > 1 { "s" } else { "" },
                list.join(", ")
            ),
        });
    }
    // Each switch of barriers, and what followed in the room and the ghost.
    for s in &room.switches {
        let q = s.quarter;
        let crises = |w: usize, a: u32, b: u32| -> f64 {
            let t = &room.tracks[w].quarters;
            let xs: Vec<f64> = t
                .iter()
                .filter(|x| x.quarter >= a && x.quarter <= b)
                .map(|x| x.crisis_events)
                .collect();
            xs.iter().sum::<f64>() / xs.len().max(1) as f64
        };
        let (b0, b1) = (q.saturating_sub(2).max(1), q.saturating_sub(1).max(1));
        let end = (q + 2).min(run);
        // The strength before the switch: the last earlier switch of the
        // same barrier, or the place's own.
        let was = |name: &str| -> f32 {
            room.switches
                .iter()
                .rev()
                .find(|o| o.quarter < q && o.barrier == Some(name))
                .map(|o| o.value)
                .or_else(|| BarrierKind::from_name(name).map(|k| room.params().barriers.get(k)))
                .unwrap_or(s.value)
        };
        let what = match s.barrier {
            Some(name) => format!(
                "{} {} (strength {:.2} → {:.2})",
                match was(name).total_cmp(&s.value) {
                    std::cmp::Ordering::Greater => "lifted",
                    std::cmp::Ordering::Less => "raised",
                    std::cmp::Ordering::Equal => "kept",
                },
                name.replace('_', " "),
                was(name),
                s.value
            ),
            None => format!("set whole-systems leadership to {:.2}", s.value),
        };
        let before_known = q > 1;
        out.push(Prompt {
            kind: "switch",
            salience: 0.3,
            text: if before_known {
                format!(
                    "Before quarter {q} the facilitator {what}. Crises a quarter went from {} to {} in the room's place, and from {} to {} in the ghost place, where the model's agencies adapted to the same switch. Did the teams change what they did? Should they have?",
                    count(crises(0, b0, b1)),
                    count(crises(0, q, end)),
                    count(crises(1, b0, b1)),
                    count(crises(1, q, end)),
                )
            } else {
                format!(
                    "The room started with the facilitator's switch: {what}. Over {} the room's place had {} crises a quarter, the ghost place {}. What did the switch ask of each team?",
                    quarters(q, end),
                    count(crises(0, q, end)),
                    count(crises(1, q, end)),
                )
            },
        });
    }
    // The whole session: the room against the ghost place and total place.
    let total = |w: usize, f: fn(&crate::room::PlaceQuarter) -> f64| -> f64 {
        room.tracks[w].quarters.iter().map(f).sum()
    };
    let crises = |w: usize| total(w, |q| q.crisis_events);
    let spend = |w: usize| total(w, |q| q.spend);
    let gap = crises(0) - crises(1);
    let pct = 100.0 * gap / crises(1).max(1.0);
    out.push(Prompt {
        kind: "whole",
        salience: 0.4 + (pct.abs() / 100.0),
        text: format!(
            "Over {run} quarter{} the room's place had {} crises than the ghost place ({} %) and spent {} — same place, same random numbers, so the difference is the room's decisions (on this one seed: the exported schedule run on other seeds says whether it holds). Total place had {} crises than the room. Each team did what made sense for its agency: where did the sum of sensible decisions go wrong, or right?",
            if run > 1 { "s" } else { "" },
            more_or_fewer(gap, "more", "fewer"),
            format!("{pct:+.1}").replace('-', "−"),
            more_or_less_money(spend(0) - spend(1)),
            more_or_fewer(crises(2) - crises(0), "more", "fewer"),
        ),
    });
    // The team whose KPI rose most while the place did worse than the ghost.
    if run >= 2 {
        let mut best: Option<(f64, String, f32, f32)> = None;
        for (s, seat) in room.seats.iter().enumerate() {
            if room.team(s).is_empty() {
                continue;
            }
            let views = &room.tracks[0].agencies[seat.index];
            let ghost = &room.tracks[1].agencies[seat.index];
            let (Some(first), Some(last)) = (views.first(), views.last()) else {
                continue;
            };
            let kpi_gain = (last.kpi - first.kpi) - (ghost[ghost.len() - 1].kpi - ghost[0].kpi);
            if kpi_gain > 0.0 && best.as_ref().is_none_or(|b| kpi_gain as f64 > b.0) {
                best = Some((kpi_gain as f64, seat.agency.clone(), first.kpi, last.kpi));
            }
        }
        if let (Some((gain, agency, a, b)), true) = (best, gap > 0.0) {
            out.push(Prompt {
                kind: "kpi",
                salience: 0.2 + gain,
                text: format!(
                    "{}'s KPI score went from {a:.2} to {b:.2}, better than its ghost's, while the room's place had {} crises than the ghost. Did the team hit its targets and miss the point? What would its KPI have had to measure?",
                    agency_name(room, &agency),
                    more_or_fewer(gap, "more", "fewer"),
                ),
            });
        }
    }
    out
}

fn more_or_less_money(x: f64) -> String {
    if x >= 0.0 {
        format!("{} more", money(x))
    } else {
        format!("{} less", money(-x))
    }
}

/// The three prompts for discussion: the most striking of the room's
/// candidates, at most one of each kind.
pub fn prompts(room: &Room) -> Vec<Prompt> {
    let mut all = candidates(room);
    all.sort_by(|a, b| b.salience.total_cmp(&a.salience));
    let mut out: Vec<Prompt> = Vec::new();
    for p in all {
        if out.len() == 3 {
            break;
        }
        if !out.iter().any(|o| o.kind == p.kind) {
            out.push(p);
        }
    }
    out
}

/// A line chart as inline SVG: `series` are (label, colour, values, faint?).
fn chart(title: &str, x_label: &str, series: &[(&str, &str, Vec<f64>, bool)]) -> String {
    let (w, h, l, r, t, b) = (640.0, 240.0, 64.0, 12.0, 28.0, 36.0);
    let n = series.iter().map(|s| s.2.len()).max().unwrap_or(0);
    let vals = series
        .iter()
        .flat_map(|s| s.2.iter().copied())
        .filter(|x| x.is_finite());
    let (mut lo, mut hi) = vals.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| {
        (a.min(x), b.max(x))
    });
    if !lo.is_finite() {
        (lo, hi) = (0.0, 1.0);
    }
    lo = lo.min(0.0);
    if hi <= lo {
        hi = lo + 1.0;
    }
    let x = |i: usize| l + (w - l - r) * i as f64 / (n.max(2) - 1) as f64;
    let y = |v: f64| t + (h - t - b) * (1.0 - (v - lo) / (hi - lo));
    let mut s = format!(
        "<svg viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" role=\"img\" aria-label=\"{}\">",
        esc(title)
    );
    let _ = write!(
        s,
        "<text x=\"{l}\" y=\"16\" class=\"t\">{}</text>",
        esc(title)
    );
    for k in 0..=4 {
        let v = lo + (hi - lo) * k as f64 / 4.0;
        let _ = write!(
            s,
            "<line x1=\"{l}\" x2=\"{}\" y1=\"{y0:.1}\" y2=\"{y0:.1}\" class=\"g\"/><text x=\"{}\" y=\"{:.1}\" class=\"a\" text-anchor=\"end\">{}</text>",
            w - r,
            l - 4.0,
            y(v) + 4.0,
            axis(v),
            y0 = y(v)
        );
    }
    let _ = write!(
        s,
        "<text x=\"{}\" y=\"{}\" class=\"a\" text-anchor=\"middle\">{}</text>",
        (l + w - r) / 2.0,
        h - 6.0,
        esc(x_label)
    );
    let mut key = 0.0;
    for (label, colour, v, faint) in series {
        let pts: Vec<String> = v
            .iter()
            .enumerate()
            .filter(|(_, v)| v.is_finite())
            .map(|(i, v)| format!("{:.1},{:.1}", x(i), y(*v)))
            .collect();
        let style = if *faint {
            format!("stroke:{colour};stroke-opacity:0.3;stroke-width:1")
        } else {
            format!("stroke:{colour};stroke-width:2.5")
        };
        let _ = write!(
            s,
            "<polyline fill=\"none\" style=\"{style}\" points=\"{}\"/>",
            pts.join(" ")
        );
        if !faint {
            let _ = write!(
                s,
                "<text x=\"{}\" y=\"{}\" class=\"k\" style=\"fill:{colour}\">{}</text>",
                l + 8.0 + key,
                t + 14.0,
                esc(label)
            );
            key += 9.0 + 7.0 * label.chars().count() as f64;
        }
    }
    s.push_str("</svg>");
    s
}

fn axis(v: f64) -> String {
    let a = v.abs();
    if a >= 1e6 {
        format!("{:.1}m", v / 1e6)
    } else if a >= 1e3 {
        format!("{:.0}k", v / 1e3)
    } else if a == 0.0 {
        "0".into()
    } else if a >= 10.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}

/// The rolling mean over a quarter (13 weeks, fewer at the start).
pub fn rolling_quarter(xs: &[f64]) -> Vec<f64> {
    let k = WEEKS_PER_QUARTER as usize;
    let mut out = Vec::with_capacity(xs.len());
    let mut sum = 0.0;
    for (i, x) in xs.iter().enumerate() {
        sum += x;
        if i >= k {
            sum -= xs[i - k];
        }
        out.push(sum / (i + 1).min(k) as f64);
    }
    out
}

const COLOURS: [&str; 3] = ["#c0392b", "#7f8c8d", "#2471a3"];
const WORLD_WORDS: [&str; 3] = ["room's place", "ghost place", "total place"];

/// The debrief as one offline HTML file.
pub fn html(room: &Room) -> String {
    let mut h = String::new();
    let run = room.quarters_run();
    let _ = write!(
        h,
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Workshop debrief — room {code}</title><style>{CSS}</style></head><body><h1>Workshop debrief — room {code}</h1><p class=\"lead\">The {scenario} place, {pop} simulated citizens, seed {seed}: {run} quarter{s} run by the room. Beside it ran the <b>ghost place</b> (the same place on the same random numbers, every agency on the model's own adaptive rule, with the facilitator's switches) and <b>total place</b> (every barrier lifted and whole-systems leadership, on the same random numbers). Any difference between the room's place and the ghost place is the room's decisions — on this one set of random numbers; whether it holds on others is a question for the exported schedule, run on other seeds.</p>",
        code = esc(&room.code),
        scenario = esc(&room.setup.scenario),
        pop = room.setup.population,
        seed = room.setup.seed,
        s = if run == 1 { "" } else { "s" },
    );
    h.push_str("<h2>Three questions for the room</h2><ol class=\"prompts\">");
    for p in prompts(room) {
        let _ = write!(h, "<li>{}</li>", esc(&p.text));
    }
    h.push_str("</ol>");

    // The place: weekly crises, smoothed, with the raw weeks faint.
    h.push_str("<h2>The room's place, the ghost place and total place</h2>");
    let weekly = |w: usize| -> Vec<f64> {
        room.tracks[w]
            .weeks
            .iter()
            .map(|r| r.crisis_events)
            .collect()
    };
    let mut series = Vec::new();
    for w in 0..3 {
        series.push((WORLD_WORDS[w], COLOURS[w], weekly(w), true));
    }
    for w in 0..3 {
        series.push((
            WORLD_WORDS[w],
            COLOURS[w],
            rolling_quarter(&weekly(w)),
            false,
        ));
    }
    h.push_str(&chart(
        "Crisis episodes a week (rolling quarter; each week faint)",
        "week of the room",
        &series,
    ));
    let cumulative = |other: usize| -> Vec<f64> {
        let mut acc = 0.0;
        room.tracks[0]
            .weeks
            .iter()
            .zip(&room.tracks[other].weeks)
            .map(|(r, o)| {
                acc += o.crisis_events - r.crisis_events;
                acc
            })
            .collect()
    };
    h.push_str(&chart(
        "Crises avoided so far by the room (above 0: fewer than the other place)",
        "week of the room",
        &[
            ("against the ghost place", COLOURS[1], cumulative(1), false),
            ("against total place", COLOURS[2], cumulative(2), false),
        ],
    ));
    h.push_str("<table><tr><th>quarter</th>");
    for w in WORLD_WORDS {
        let _ = write!(h, "<th>crises, {w}</th>");
    }
    for w in WORLD_WORDS {
        let _ = write!(h, "<th>spend, {w}</th>");
    }
    h.push_str("</tr>");
    for q in 0..run as usize {
        let _ = write!(h, "<tr><td>{}</td>", q + 1);
        for w in 0..3 {
            let _ = write!(
                h,
                "<td>{}</td>",
                count(room.tracks[w].quarters[q].crisis_events)
            );
        }
        for w in 0..3 {
            let _ = write!(h, "<td>{}</td>", money(room.tracks[w].quarters[q].spend));
        }
        h.push_str("</tr>");
    }
    h.push_str("</table>");

    // Each agency: its decisions against its KPI and the place.
    h.push_str("<h2>Each agency's decisions</h2><p>Levers in force each quarter, who set them, the agency's KPI score as its barriers defined it (its own targets and the place's budget, weighted by its culture; higher is better), and the place's crises against the ghost place.</p>");
    for (s, seat) in room.seats.iter().enumerate() {
        let team: Vec<String> = room.team(s).iter().map(|m| esc(&m.name)).collect();
        let _ = write!(
            h,
            "<h3>{} <span class=\"who\">{}</span></h3>",
            esc(&seat.name),
            if team.is_empty() {
                "no team: the model's own rule all session".to_string()
            } else {
                format!("team: {}", team.join(", "))
            }
        );
        let views = &room.tracks[0].agencies[seat.index];
        let kpi: Vec<f64> = views.iter().map(|v| v.kpi as f64).collect();
        let ghost_kpi: Vec<f64> = room.tracks[1].agencies[seat.index]
            .iter()
            .map(|v| v.kpi as f64)
            .collect();
        let threshold: Vec<f64> = views.iter().map(|v| v.levers[0] as f64).collect();
        h.push_str(&chart(
            &format!(
                "{}: KPI score and eligibility threshold by quarter",
                seat.name
            ),
            "quarter",
            &[
                ("KPI, room", COLOURS[0], kpi, false),
                ("KPI, ghost", COLOURS[1], ghost_kpi, false),
                ("threshold, room", "#8e44ad", threshold, false),
            ],
        ));
        h.push_str("<table><tr><th>quarter</th><th>set by</th>");
        for l in LEVER_WORDS {
            let _ = write!(h, "<th>{l}</th>");
        }
        h.push_str("<th>KPI</th><th>spend / allowance</th><th>queue at end</th><th>place crises − ghost</th></tr>");
        for (q, v) in views.iter().enumerate() {
            let by = room
                .decisions
                .iter()
                .find(|d| d.quarter == v.quarter && d.agency == seat.agency)
                .map_or("model".to_string(), |d| match &d.by {
                    DecidedBy::Team { member } => esc(member),
                    DecidedBy::Timer => "timer (model's rule)".to_string(),
                });
            let _ = write!(h, "<tr><td>{}</td><td>{by}</td>", v.quarter);
            for x in v.levers {
                let _ = write!(h, "<td>{x:.2}</td>");
            }
            let gap =
                room.tracks[0].quarters[q].crisis_events - room.tracks[1].quarters[q].crisis_events;
            let _ = write!(
                h,
                "<td>{:.2}</td><td>{:.0} %</td><td>{}</td><td>{:+.0}</td></tr>",
                v.kpi,
                100.0 * v.spend / v.allowance.max(1.0),
                count(v.queue),
                gap
            );
        }
        h.push_str("</table>");
    }

    // Who paid for whose decisions.
    h.push_str("<h2>Who paid for whose decisions</h2><p>The room's cost-shifting matrix over the quarters run: each row is an agency's spend, split by the agency whose refusal, parking, lost referral or unresolved need caused it (docs/ODD.md, the attribution rule).</p>");
    let rows = room.cost_shifting(0);
    let mut causes: Vec<&str> = Vec::new();
    let mut spenders: Vec<&str> = Vec::new();
    for r in &rows {
        if !causes.contains(&r.caused_by.as_str()) {
            causes.push(&r.caused_by);
        }
        if !spenders.contains(&r.spender.as_str()) {
            spenders.push(&r.spender);
        }
    }
    h.push_str("<table class=\"matrix\"><tr><th>spent by ↓ / caused by →</th>");
    for c in &causes {
        let _ = write!(h, "<th>{}</th>", esc(&c.replace('_', " ")));
    }
    h.push_str("</tr>");
    let top = rows
        .iter()
        .filter(|r| r.spender != r.caused_by && r.caused_by != "unattributed")
        .map(|r| r.spend)
        .fold(0.0, f64::max);
    for sp in &spenders {
        let _ = write!(h, "<tr><th>{}</th>", esc(&sp.replace('_', " ")));
        for c in &causes {
            let x = rows
                .iter()
                .find(|r| r.spender == *sp && r.caused_by == *c)
                .map_or(0.0, |r| r.spend);
            let heat = if sp != c && *c != "unattributed" && top > 0.0 {
                (x / top).clamp(0.0, 1.0)
            } else {
                0.0
            };
            let _ = write!(
                h,
                "<td style=\"background:rgba(192,57,43,{:.2})\">{}</td>",
                0.6 * heat,
                if x == 0.0 { "·".into() } else { money(x) }
            );
        }
        h.push_str("</tr>");
    }
    h.push_str("</table>");

    h.push_str("<h2>The room's log</h2><table><tr><th>quarter</th><th>agency</th><th>set by</th>");
    for l in LEVER_NAMES {
        let _ = write!(h, "<th>{}</th>", l.replace('_', " "));
    }
    h.push_str("</tr>");
    for d in &room.decisions {
        let by = match &d.by {
            DecidedBy::Team { member } => esc(member),
            DecidedBy::Timer => "timer: the model's own rule decided".into(),
        };
        let _ = write!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{by}</td>",
            d.quarter,
            esc(&d.agency)
        );
        for x in d.levers {
            let _ = write!(h, "<td>{x:.2}</td>");
        }
        h.push_str("</tr>");
    }
    h.push_str("</table>");
    if room.switches.is_empty() {
        h.push_str("<p>The facilitator switched no barrier.</p>");
    } else {
        h.push_str("<ul>");
        for s in &room.switches {
            let _ = write!(
                h,
                "<li>From quarter {}: {} set to {:.2} (in the room's place and the ghost place).</li>",
                s.quarter,
                esc(&s.barrier.map_or("whole-systems leadership".into(), |b| b.replace('_', " "))),
                s.value
            );
        }
        h.push_str("</ul>");
    }
    let _ = write!(
        h,
        "<h2>Reproduce the room</h2><p>Save this as <code>room-{code}.toml</code> and run <code>placesim run room-{code}.toml --out room</code>: the run's <code>timeseries.csv</code> is the room's place, week by week.</p><pre>{}</pre><p class=\"foot\">Worlds: {}. Made by placesim serve's workshop.</p></body></html>",
        esc(&room.schedule_toml()),
        WORLDS.join(", "),
        code = esc(&room.code.to_lowercase()),
    );
    h
}

const CSS: &str = "body{font:16px/1.45 system-ui,sans-serif;max-width:980px;margin:2em auto;padding:0 1em;color:#222}h1{font-size:1.7em}h2{margin-top:2em;border-bottom:2px solid #ddd}h3 .who{font-weight:normal;color:#666;font-size:.8em}.lead{font-size:1.05em}.prompts li{margin:.6em 0;font-size:1.1em}table{border-collapse:collapse;margin:1em 0;font-size:.85em}td,th{border:1px solid #ddd;padding:3px 6px;text-align:right}th{background:#f5f5f5}svg{display:block;margin:1em 0;max-width:100%;height:auto}svg .t{font-weight:bold;font-size:13px}svg .a{font-size:11px;fill:#555}svg .k{font-size:12px;font-weight:bold}svg .g{stroke:#eee}pre{background:#f7f7f7;padding:1em;overflow:auto;font-size:.8em}.foot{color:#888;font-size:.8em}";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::room::tests::small_room;
    use std::collections::BTreeMap;

    fn play(decisions: &[(&str, &str, f64)]) -> Room {
        let mut r = small_room(4);
        r.join("a".into(), "Ann", Some("social_care"), 0).unwrap();
        r.join("b".into(), "Bo", Some("housing"), 0).unwrap();
        r.join("c".into(), "Cy", Some("gp"), 0).unwrap();
        r.start(0).unwrap();
        let tokens = [("social_care", "a"), ("housing", "b"), ("gp", "c")];
        for q in 1..=4 {
            for (k, &(agency, lever, x)) in decisions.iter().enumerate() {
                let token = tokens.iter().find(|t| t.0 == agency).unwrap().1;
                let l: BTreeMap<String, f64> = [(lever.to_string(), x)].into();
                r.decide(token, q, agency, &format!("{q}-{k}"), &l).unwrap();
            }
            r.run_quarter(0);
        }
        r
    }

    /// Two rooms that decided differently get different prompts: the
    /// prompts are drawn from the room, not fixed text.
    #[test]
    fn different_decisions_give_different_prompts() {
        let strict = play(&[
            ("social_care", "eligibility_threshold", 0.85),
            ("housing", "eligibility_threshold", 0.85),
        ]);
        let open = play(&[
            ("gp", "prevention_capacity_share", 0.4),
            ("housing", "eligibility_threshold", 0.2),
        ]);
        let (a, b) = (prompts(&strict), prompts(&open));
        assert_eq!(a.len(), 3);
        assert_eq!(b.len(), 3);
        for p in &a {
            assert!(!b.contains(p), "the same prompt in both rooms: {}", p.text);
        }
        let lever = |ps: &[Prompt]| {
            ps.iter()
                .find(|p| p.kind == "lever")
                .map(|p| p.text.clone())
        };
        let (la, lb) = (lever(&a).unwrap(), lever(&b).unwrap());
        assert!(la.contains("raised its eligibility threshold"), "{la}");
        assert!(
            lb.contains("lowered its eligibility threshold")
                || lb.contains("raised its prevention share"),
            "{lb}"
        );
    }

    #[test]
    fn the_debrief_is_one_offline_file_with_the_decisions_as_made() {
        let mut r = play(&[("social_care", "eligibility_threshold", 0.83)]);
        // A member's name is theirs to type: it is shown, never run.
        r.join(
            "m".into(),
            "<img src=x onerror=alert(1)>",
            Some("observe"),
            0,
        )
        .unwrap();
        r.members.get_mut("a").unwrap().name = "<script>x</script>".into();
        let h = html(&r);
        assert!(h.contains("&lt;script&gt;x&lt;/script&gt;"));
        assert!(h.starts_with("<!doctype html>") && h.ends_with("</html>"));
        for outside in ["<script", "src=", "href=", "@import", "url("] {
            assert!(
                !h.contains(outside),
                "the debrief reaches outside: {outside}"
            );
        }
        assert!(h.contains("<td>0.83</td>"));
        assert!(h.contains("timer: the model's own rule decided"));
        assert!(h.matches("<li>").count() >= 3);
    }

    #[test]
    fn a_rolling_quarter_averages_up_to_thirteen_weeks() {
        let xs: Vec<f64> = (0..20).map(|i| i as f64).collect();
        let r = rolling_quarter(&xs);
        assert_eq!(r[0], 0.0);
        assert_eq!(r[1], 0.5);
        assert_eq!(r[12], 6.0);
        assert_eq!(r[19], (7..20).sum::<i32>() as f64 / 13.0);
    }
}
