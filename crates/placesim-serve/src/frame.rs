//! What the page is sent: one frame of both worlds, small enough to send many
//! times a second (about 17 KB at 2,000 citizens; `benches/frames.rs` measures it).

use crate::session::{Live, Pane};
use placesim_core::citizen::NONE;
use placesim_core::params::BarrierKind;
use placesim_core::World;
use serde::Serialize;

/// A citizen's state in the population view.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum CitizenState {
    /// No need above the unmet-need level.
    Well = 0,
    /// A need above the unmet-need level and no open case.
    InNeed = 1,
    /// An open case: queued at an agency or a referral in flight.
    Waiting = 2,
    /// Served by an agency this week.
    Helped = 3,
    /// A crisis episode this week, or a need past the crisis level.
    Crisis = 4,
}

#[derive(Serialize)]
pub struct Frame {
    /// Grows with every change: a frame older than one already shown is stale.
    pub version: u64,
    /// Grows with every reset.
    pub generation: u64,
    pub playing: bool,
    pub speed: f64,
    pub finished: bool,
    pub preset: String,
    pub seed: u64,
    pub population: u32,
    pub worlds: [WorldFrame; 2],
}

#[derive(Serialize)]
pub struct WorldFrame {
    /// Weeks run after warm-up.
    pub week: u32,
    pub barriers: Vec<(&'static str, f32)>,
    pub leadership: f32,
    /// The last weeks of the four charted series, oldest first, from `from_week`.
    pub series: Series,
    pub agencies: Vec<AgencyPanel>,
    /// One digit per citizen, its `CitizenState`.
    pub cells: String,
    pub journey: Option<JourneyTail>,
}

#[derive(Serialize, Default)]
pub struct Series {
    pub from_week: u32,
    /// Spend in the week, £ (agencies and board).
    pub spend: Vec<f64>,
    /// Crisis episodes in the week (real place).
    pub crisis_events: Vec<f64>,
    pub failure_demand_share: Vec<f64>,
    pub mean_wellbeing: Vec<f64>,
}

#[derive(Serialize)]
pub struct AgencyPanel {
    pub id: String,
    pub name: String,
    pub queue: f64,
    pub eligibility_threshold: f32,
    /// Spend so far this financial year over the year's allowance.
    pub budget_used: f64,
    pub utilisation: f64,
}

#[derive(Serialize)]
pub struct JourneyTail {
    pub citizen: u32,
    pub warmup: u32,
    pub domains: Vec<String>,
    pub from_week: u32,
    pub needs: Vec<Vec<f32>>,
    pub events: Vec<placesim_core::world::JournalEntry>,
    pub agencies: Vec<String>,
}

/// The frame of a session now, with the last `tail` weeks of each series.
pub fn build(live: &Live, tail: usize) -> Frame {
    Frame {
        version: live.version,
        generation: live.generation,
        playing: live.playing,
        speed: live.speed,
        finished: live.finished(),
        preset: live.setup.preset.clone(),
        seed: live.setup.seed,
        population: live.setup.population,
        worlds: [world(&live.panes[0], tail), world(&live.panes[1], tail)],
    }
}

/// The last `tail` weeks after warm-up of a pane's series.
pub fn series(pane: &Pane, tail: usize) -> Series {
    let warmup = pane.world().params().place.warmup_weeks as usize;
    let shown = &pane.rows[warmup.min(pane.rows.len())..];
    let start = shown.len().saturating_sub(tail);
    let rows = &shown[start..];
    Series {
        from_week: start as u32,
        spend: rows.iter().map(|r| r.spend).collect(),
        crisis_events: rows.iter().map(|r| r.crisis_events).collect(),
        failure_demand_share: rows.iter().map(|r| r.failure_demand_share).collect(),
        mean_wellbeing: rows.iter().map(|r| r.mean_wellbeing).collect(),
    }
}

fn world(pane: &Pane, tail: usize) -> WorldFrame {
    let w = pane.world();
    let p = w.params();
    let b = w.barriers();
    WorldFrame {
        week: pane.week(),
        barriers: BarrierKind::ALL
            .iter()
            .map(|&k| (k.name(), b.get(k)))
            .collect(),
        leadership: w.whole_systems_weight(),
        series: series(pane, tail),
        agencies: w
            .agency_rows()
            .iter()
            .zip(&p.agencies)
            .map(|(r, spec)| AgencyPanel {
                id: spec.id.clone(),
                name: spec.name.clone(),
                queue: r.queue_len,
                eligibility_threshold: r.eligibility_threshold,
                budget_used: if r.budget > 0.0 {
                    r.spend_year_to_date / r.budget
                } else {
                    0.0
                },
                utilisation: r.utilisation,
            })
            .collect(),
        cells: citizen_states(w)
            .into_iter()
            .map(|s| (b'0' + s) as char)
            .collect(),
        journey: pane.journey.as_ref().map(|j| {
            let start = j.needs.len().saturating_sub(tail);
            JourneyTail {
                citizen: j.citizen,
                warmup: j.warmup,
                domains: p.needs.domains.iter().map(|d| d.name.clone()).collect(),
                from_week: j.from_week + start as u32,
                needs: j.needs[start..].to_vec(),
                events: j.events[j.events.len().saturating_sub(40)..].to_vec(),
                agencies: p.agencies.iter().map(|a| a.id.clone()).collect(),
            }
        }),
    }
}

/// Each citizen's state this week, one byte each (a [`CitizenState`]).
fn citizen_states(world: &World) -> Vec<u8> {
    use CitizenState as S;
    let p = world.params();
    let n = p.needs.n_domains();
    let mut states: Vec<u8> = world
        .citizens()
        .iter()
        .map(|c| {
            let worst = c.needs[..n].iter().fold(0.0f32, |a, &b| a.max(b));
            if worst > p.needs.crisis_level {
                S::Crisis
            } else if c.open_agency != NONE {
                S::Waiting
            } else if worst > p.needs.need_threshold {
                S::InNeed
            } else {
                S::Well
            }
        } as u8)
        .collect();
    for e in world.journal() {
        use placesim_core::world::Happening as H;
        let s = &mut states[e.citizen.index()];
        match e.happening {
            H::Crisis { .. } => *s = S::Crisis as u8,
            H::Served { .. } if *s != S::Crisis as u8 => *s = S::Helped as u8,
            _ => {}
        }
    }
    states
}
