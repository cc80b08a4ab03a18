//! What a room's members are sent: everyone gets the whole place beside the
//! ghost place and total place (the projector shows them to the room anyway);
//! a participant also gets their agency's desk (its queue, waits, budget, KPI
//! as its barriers define it, and its levers). Small enough to poll every second.

use crate::debrief::rolling_quarter;
use crate::room::{AgencyQuarterView, Decision, PlaceQuarter, Room, Switch, AWAY_MS};
use placesim_core::learner::{self, LEVERS, LEVER_NAMES};
use placesim_core::params::BarrierKind;
use serde::Serialize;

#[derive(Serialize)]
pub struct SeatView {
    pub agency: String,
    pub name: String,
    pub team: Vec<String>,
    /// Members of the team seen in the last 20 s.
    pub present: usize,
    pub decided: bool,
}

#[derive(Serialize)]
pub struct WorldSeries {
    /// Crisis episodes each week, and their rolling quarter.
    pub crises: Vec<f64>,
    pub crises_smooth: Vec<f64>,
    pub spend: Vec<f64>,
    pub spend_smooth: Vec<f64>,
    pub quarters: Vec<PlaceQuarter>,
}

/// Referrals and cost shifting between agencies, for the live diagram.
#[derive(Serialize)]
pub struct Flows {
    pub agencies: Vec<String>,
    pub names: Vec<String>,
    /// Referrals each agency made in the last quarter run (real place).
    pub referrals: Vec<f64>,
    /// `shifted[i][j]`: spend by agency i on needs agency j left unresolved, so far (£).
    pub shifted: Vec<Vec<f64>>,
}

/// A participant's own agency.
#[derive(Serialize)]
pub struct Desk {
    pub agency: String,
    pub name: String,
    pub team: Vec<String>,
    pub decided: bool,
    /// The team's submission this quarter, if any, and who sent it.
    pub pending: Option<(String, [f32; LEVERS])>,
    /// Levers in force now.
    pub levers: [f32; LEVERS],
    pub lever_names: [&'static str; LEVERS],
    pub ranges: [(f32, f32); LEVERS],
    pub quarters: Vec<AgencyQuarterView>,
    /// Its KPI as its barriers define it, in words.
    pub kpi: String,
    pub wait_target_weeks: f32,
}

#[derive(Serialize)]
pub struct View {
    pub role: &'static str,
    pub code: String,
    pub me: Option<String>,
    pub scenario: String,
    pub population: u32,
    pub phase: crate::room::Phase,
    pub paused: bool,
    pub quarter: u32,
    pub quarters: u32,
    pub quarters_run: u32,
    pub seconds_left: Option<u64>,
    pub decision_seconds: u32,
    pub seats: Vec<SeatView>,
    pub observers: Vec<String>,
    /// Barriers: name, strength now, strength from the next quarter.
    pub barriers: Vec<(&'static str, f32, f32)>,
    pub leadership: (f32, f32),
    /// The room's place, the ghost place and total place.
    pub worlds: [WorldSeries; 3],
    /// Crises avoided so far by the room against the ghost place and total place.
    pub avoided: (f64, f64),
    pub flows: Flows,
    pub desk: Option<Desk>,
    pub decisions: Vec<Decision>,
    pub switches: Vec<Switch>,
    pub version: u64,
    /// Send it back as `since` to be answered 204 while nothing has changed.
    pub etag: String,
    /// How participants' devices reach the server (`Config::join_hosts`).
    pub join_hosts: Vec<String>,
}

fn series(room: &Room, w: usize) -> WorldSeries {
    let t = &room.tracks[w];
    let crises: Vec<f64> = t.weeks.iter().map(|r| r.crisis_events).collect();
    let spend: Vec<f64> = t.weeks.iter().map(|r| r.spend).collect();
    WorldSeries {
        crises_smooth: rolling_quarter(&crises),
        spend_smooth: rolling_quarter(&spend),
        crises,
        spend,
        quarters: t.quarters.clone(),
    }
}

/// The KPI an agency judges itself by under the barriers in force, in words.
fn kpi_words(room: &Room, index: usize) -> String {
    let world = room.tracks[0].world();
    let b = world.barriers();
    let culture = world.agencies()[index].culture;
    let targets = b.function_bound_targets;
    format!(
        "Scored {:.0} % on your own targets and {:.0} % on the place as a whole (your culture). Your own score is {:.0} % function-bound targets (staying in budget, your waiting list's wait against its target, cases closed per £) and {:.0} % shared outcomes (staying in budget, and how few of your arrivals are failure demand). Ring-fenced budgets at {:.0} %: {}.",
        100.0 * (1.0 - culture),
        100.0 * culture,
        100.0 * targets,
        100.0 * (1.0 - targets),
        100.0 * b.ring_fenced_budgets,
        if b.ring_fenced_budgets > 0.5 {
            "your budget is your own to keep"
        } else {
            "your budget is partly pooled with the place's"
        }
    )
}

/// The view of `token`'s member (or the facilitator's) at time `now`.
pub fn build(room: &Room, token: &str, now: u64) -> View {
    let facilitator = token == room.facilitator;
    let me = room.members.get(token);
    let seats = room
        .seats
        .iter()
        .enumerate()
        .map(|(s, seat)| {
            let team = room.team(s);
            SeatView {
                agency: seat.agency.clone(),
                name: seat.name.clone(),
                team: team.iter().map(|m| m.name.clone()).collect(),
                present: team
                    .iter()
                    .filter(|m| now.saturating_sub(m.last_seen) < AWAY_MS)
                    .count(),
                decided: room.decided(s),
            }
        })
        .collect();
    let observers = room
        .joined
        .iter()
        .filter_map(|t| room.members.get(t))
        .filter(|m| m.seat.is_none())
        .map(|m| m.name.clone())
        .collect();
    let (next, lead_next) = room.barriers_next();
    let world = room.tracks[0].world();
    let now_b = world.barriers();
    let barriers = BarrierKind::ALL
        .iter()
        .map(|&k| (k.name(), now_b.get(k), next.get(k)))
        .collect();
    let avoided = |other: usize| -> f64 {
        let sum = |w: usize| -> f64 {
            room.tracks[w]
                .quarters
                .iter()
                .map(|q| q.crisis_events)
                .sum()
        };
        sum(other) - sum(0)
    };
    let p = room.params();
    let n = p.agencies.len();
    let rows = room.cost_shifting(0);
    let mut shifted = vec![vec![0.0; n]; n];
    for r in &rows {
        let (Some(i), Some(j)) = (
            p.agencies.iter().position(|a| a.id == r.spender),
            p.agencies.iter().position(|a| a.id == r.caused_by),
        ) else {
            continue;
        };
        if i != j {
            shifted[i][j] = r.spend;
        }
    }
    let flows = Flows {
        agencies: p.agencies.iter().map(|a| a.id.clone()).collect(),
        names: p.agencies.iter().map(|a| a.name.clone()).collect(),
        referrals: room.tracks[0]
            .agencies
            .iter()
            .map(|q| q.last().map_or(0.0, |v| v.referrals_made))
            .collect(),
        shifted,
    };
    let desk = me.and_then(|m| m.seat).map(|s| {
        let seat = &room.seats[s];
        let agency = &world.agencies()[seat.index];
        Desk {
            agency: seat.agency.clone(),
            name: seat.name.clone(),
            team: room.team(s).iter().map(|m| m.name.clone()).collect(),
            decided: room.decided(s),
            pending: room.pending(s).cloned(),
            levers: learner::levers(&agency.policy),
            lever_names: LEVER_NAMES,
            ranges: learner::ranges(&p.adaptation),
            quarters: room.tracks[0].agencies[seat.index].clone(),
            kpi: kpi_words(room, seat.index),
            wait_target_weeks: p.agencies[seat.index].wait_target_weeks,
        }
    });
    View {
        role: if facilitator {
            "facilitator"
        } else {
            "participant"
        },
        code: room.code.clone(),
        me: me.map(|m| m.name.clone()),
        scenario: room.setup.scenario.clone(),
        population: room.setup.population,
        phase: room.phase,
        paused: room.paused,
        quarter: room.quarter,
        quarters: room.setup.quarters,
        quarters_run: room.quarters_run(),
        seconds_left: room.seconds_left(now),
        decision_seconds: room.setup.decision_seconds,
        seats,
        observers,
        barriers,
        leadership: (world.whole_systems_weight(), lead_next),
        worlds: [series(room, 0), series(room, 1), series(room, 2)],
        avoided: (avoided(1), avoided(2)),
        flows,
        desk,
        decisions: room.decisions.clone(),
        switches: room.switches.clone(),
        version: room.version,
        etag: etag(room, now),
        join_hosts: Vec::new(),
    }
}

/// What a view depends on besides the room's version: who is present. Equal
/// etags mean an unchanged view (but for the countdown, which pages keep).
pub fn etag(room: &Room, now: u64) -> String {
    let present: Vec<String> = (0..room.seats.len())
        .map(|s| {
            room.team(s)
                .iter()
                .filter(|m| now.saturating_sub(m.last_seen) < AWAY_MS)
                .count()
                .to_string()
        })
        .collect();
    format!(
        "{}-{}-{}",
        room.version,
        room.paused as u8,
        present.join(".")
    )
}
