//! Citizens: coupled needs, traits, learned propensities, and the weekly
//! phases that run over them in parallel (`life_events` and `seek_help`).

use crate::ids::{AgencyId, CitizenId, Domain, Tick, MAX_AGENCIES, MAX_DOMAINS};
use crate::params::Params;
use crate::rng::{Purpose, Stream};
use rayon::prelude::*;

/// Marks "no agency" in the compact per-citizen fields.
pub const NONE: u8 = u8::MAX;

/// One simulated citizen, standing for `weight` real residents. Plain, fixed
/// size data (no heap), so a chunk of citizens is one contiguous slice.
#[derive(Clone, Copy, Debug)]
pub struct Citizen {
    /// Need in each domain, 0 (none) to 1 (extreme).
    pub needs: [f32; MAX_DOMAINS],
    /// Learned propensity to contact each agency first (Roth–Erev).
    pub propensity: [f32; MAX_AGENCIES],
    /// Tick + 1 of the last contact about each domain (0 = never).
    pub last_contact: [u16; MAX_DOMAINS],
    /// Agency that last refused, parked, lost or left unresolved each need ([`NONE`] if none).
    pub blame: [u8; MAX_DOMAINS],
    /// Tick of that failure.
    pub blame_tick: [u16; MAX_DOMAINS],
    pub resilience: f32,
    pub risk: f32,
    pub help_threshold: f32,
    /// Present value of spend on this citizen after warm-up, £ per simulated citizen.
    pub spend: f32,
    /// Sum of weekly wellbeing after warm-up.
    pub wellbeing_sum: f32,
    /// Agency holding this citizen's open case (queued, or a referral in flight).
    pub open_agency: u8,
    pub open_domain: u8,
    /// Domains with a lost referral not yet followed by a contact (bit mask).
    pub lost_referral: u8,
    /// Domains contacted about whose need has not since fallen below the
    /// need threshold (bit mask): a repeat contact about one is failure demand.
    pub unresolved: u8,
    /// Weeks the citizen waits on an open case before chasing it.
    pub patience: u8,
    /// Tick + 1 when the open case was opened (0 = none).
    pub case_since: u16,
    /// Crisis episodes after warm-up (for outcomes by risk group).
    pub crises: u16,
    /// Contacts made, failure-demand contacts among them, and need-weeks
    /// above `need_threshold` with no open case for that need, after warm-up
    /// (for outcomes by risk group).
    pub contacts: u16,
    pub failure_demand: u16,
    pub unmet_weeks: u16,
    /// Agency in whose bed the citizen is ([`NONE`] if none).
    pub in_bed: u8,
}

impl Citizen {
    /// A citizen with no needs and no traits, to be overwritten at initialisation.
    pub const EMPTY: Citizen = Citizen {
        needs: [0.0; MAX_DOMAINS],
        propensity: [0.0; MAX_AGENCIES],
        last_contact: [0; MAX_DOMAINS],
        blame: [NONE; MAX_DOMAINS],
        blame_tick: [0; MAX_DOMAINS],
        resilience: 0.0,
        risk: 0.0,
        help_threshold: 0.0,
        spend: 0.0,
        wellbeing_sum: 0.0,
        open_agency: NONE,
        open_domain: NONE,
        lost_referral: 0,
        unresolved: 0,
        patience: 0,
        case_since: 0,
        crises: 0,
        contacts: 0,
        failure_demand: 0,
        unmet_weeks: 0,
        in_bed: NONE,
    };

    pub fn has_open_case(&self) -> bool {
        self.open_agency != NONE
    }

    pub fn close_case(&mut self) {
        self.open_agency = NONE;
        self.open_domain = NONE;
        self.case_since = 0;
    }

    /// A case opened at `tick` (accepted into a queue, or a referral sent).
    pub fn open_case(&mut self, agency: AgencyId, domain: Domain, tick: Tick) {
        self.open_agency = agency.0;
        self.open_domain = domain.0;
        self.case_since = tick as u16 + 1;
    }

    /// Other domains (not `d`) whose need is above `level`.
    pub fn other_needs_above(&self, d: Domain, level: f32, n_domains: usize) -> u32 {
        (0..n_domains)
            .filter(|&e| e != d.index() && self.needs[e] > level)
            .count() as u32
    }

    /// Roth–Erev update after a contact with `agency`: every propensity decays
    /// by the forgetting rate, the agency used gains `reward`.
    pub fn learn(&mut self, agency: AgencyId, reward: f32, p: &Params) {
        let c = &p.citizens;
        for q in &mut self.propensity[..p.n_agencies()] {
            *q = (*q * (1.0 - c.forgetting)).max(c.propensity_floor);
        }
        self.propensity[agency.index()] += reward;
    }

    /// Remember which agency failed this need, for cost-shifting attribution.
    pub fn blame_on(&mut self, d: Domain, agency: AgencyId, tick: Tick) {
        self.blame[d.index()] = agency.0;
        self.blame_tick[d.index()] = tick as u16;
    }

    pub fn clear_blame(&mut self, d: Domain) {
        self.blame[d.index()] = NONE;
    }
}

/// Initial traits and needs of citizen `id`.
pub fn new_citizen(p: &Params, rng: &mut Stream) -> Citizen {
    let c = &p.citizens;
    let n = &p.needs;
    let mut needs = [0.0; MAX_DOMAINS];
    for need in needs.iter_mut().take(n.n_domains()) {
        *need = 2.0 * c.initial_need * n.need_threshold * rng.unit_f32() * rng.unit_f32();
    }
    let mut propensity = [0.0; MAX_AGENCIES];
    for (q, a) in propensity.iter_mut().zip(&p.agencies) {
        *q = a.initial_propensity;
    }
    Citizen {
        needs,
        propensity,
        last_contact: [0; MAX_DOMAINS],
        blame: [NONE; MAX_DOMAINS],
        blame_tick: [0; MAX_DOMAINS],
        resilience: c.resilience_min + (c.resilience_max - c.resilience_min) * rng.unit_f32(),
        risk: libm::exp(c.risk_sigma as f64 * rng.normal()) as f32,
        help_threshold: c.help_threshold_min
            + (c.help_threshold_max - c.help_threshold_min) * rng.unit_f32(),
        spend: 0.0,
        wellbeing_sum: 0.0,
        open_agency: NONE,
        open_domain: NONE,
        lost_referral: 0,
        unresolved: 0,
        patience: c.patience_min + rng.below(u32::from(c.patience_max - c.patience_min) + 1) as u8,
        case_since: 0,
        crises: 0,
        contacts: 0,
        failure_demand: 0,
        unmet_weeks: 0,
        in_bed: NONE,
    }
}

/// Why a citizen turns up at an agency.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ContactKind {
    /// Need past the personal threshold: the citizen chooses where to go.
    HelpSeeking,
    /// Need past the crisis level: a forced contact with the crisis service.
    Crisis,
    /// Waiting on an open case beyond the citizen's patience: "where is my
    /// referral / appointment?" to the agency holding it. Always failure demand.
    Chasing,
}

/// A citizen's contact with an agency, produced by the parallel citizen phase
/// and applied by the serial agency phase.
#[derive(Clone, Copy, Debug)]
pub struct Contact {
    pub citizen: CitizenId,
    pub agency: AgencyId,
    pub domain: Domain,
    pub kind: ContactKind,
    /// Failure demand (Seddon): a repeat contact about the same unresolved
    /// need within the window, a contact after a lost referral, or chasing.
    pub failure_demand: bool,
}

/// What a chunk of citizens reports about its week, summed in a fixed order.
#[derive(Clone, Copy, Debug, Default)]
pub struct ChunkTally {
    pub wellbeing: f64,
    pub unmet_need_weeks: u64,
    pub multiple_needs: u64,
}

/// Facts a citizen phase needs about the place, computed once a tick.
pub struct WeekContext<'a> {
    pub params: &'a Params,
    pub tick: Tick,
    pub counting: bool,
    pub lanes: &'a DomainLanes,
}

/// The need model's per-domain numbers padded to [`MAX_DOMAINS`] lanes with
/// zeros, so that the citizen pass runs fixed-width loops the compiler turns
/// into vector code. A padded lane has no hazard and no coupling, so a
/// citizen's need there stays exactly 0; the zero diagonal of `coupling_into`
/// replaces the "other domains only" test. Every padded term adds an exact
/// `+0.0` or multiplies by an exact `1.0`: the results are bit for bit those
/// of loops over the place's own domains.
#[derive(Clone, Debug)]
pub struct DomainLanes {
    pub base_hazard: [f32; MAX_DOMAINS],
    /// `coupling_into[to][from]`, zero on the diagonal and in padded lanes.
    pub coupling_into: [[f32; MAX_DOMAINS]; MAX_DOMAINS],
    /// Each lane's wellbeing dimension (0 in padded lanes, whose need is 0
    /// and so never a problem).
    pub wellbeing_dimension: [u8; MAX_DOMAINS],
}

impl DomainLanes {
    pub fn new(p: &Params) -> Self {
        let n = &p.needs;
        let mut lanes = DomainLanes {
            base_hazard: [0.0; MAX_DOMAINS],
            coupling_into: [[0.0; MAX_DOMAINS]; MAX_DOMAINS],
            wellbeing_dimension: [0; MAX_DOMAINS],
        };
        for (d, spec) in n.domains.iter().enumerate() {
            lanes.base_hazard[d] = spec.base_hazard;
            lanes.wellbeing_dimension[d] = spec.wellbeing_dimension;
            for e in (0..n.n_domains()).filter(|&e| e != d) {
                lanes.coupling_into[d][e] = n.coupling(e, d);
            }
        }
        lanes
    }

    /// These lanes in week `tick`: each domain's hazard times its winter
    /// factor `1 + amplitude·cos(2π(week of year − WINTER_PEAK_WEEK)/52)`,
    /// whose mean over a year is 1.
    pub fn in_week(&self, p: &Params, tick: Tick) -> DomainLanes {
        let mut week = self.clone();
        let season = crate::params::winter(tick);
        for (h, spec) in week.base_hazard.iter_mut().zip(&p.needs.domains) {
            *h *= (1.0 + spec.winter_amplitude as f64 * season) as f32;
        }
        week
    }
}

/// Citizens per chunk: fixed, so chunk boundaries (and so random streams)
/// never depend on the thread count.
pub const CHUNK: usize = 2048;

/// The parallel citizen phase's buffers: each chunk's contacts and tally,
/// reused every week.
#[derive(Clone, Debug, Default)]
pub struct CitizenPass {
    contacts: Vec<Vec<Contact>>,
    tallies: Vec<ChunkTally>,
}

impl CitizenPass {
    pub fn new(population: usize) -> Self {
        let n_chunks = population.div_ceil(CHUNK);
        CitizenPass {
            contacts: vec![Vec::new(); n_chunks],
            tallies: vec![ChunkTally::default(); n_chunks],
        }
    }

    /// `life_events` and `seek_help` for every citizen, in parallel over
    /// fixed chunks each with its own keyed stream; returns the week's tally.
    pub fn run(&mut self, ctx: &WeekContext, seed: u64, citizens: &mut [Citizen]) -> ChunkTally {
        let tick = ctx.tick;
        citizens
            .par_chunks_mut(CHUNK)
            .zip(self.contacts.par_iter_mut())
            .zip(self.tallies.par_iter_mut())
            .enumerate()
            .for_each(|(k, ((chunk, contacts), tally))| {
                contacts.clear();
                let mut rng = Stream::new(seed, Purpose::LifeEvents, tick, k as u32);
                *tally = citizens_week(ctx, (k * CHUNK) as u32, chunk, &mut rng, contacts);
            });
        let mut week = ChunkTally::default();
        for t in &self.tallies {
            week.wellbeing += t.wellbeing;
            week.unmet_need_weeks += t.unmet_need_weeks;
            week.multiple_needs += t.multiple_needs;
        }
        week
    }

    /// This week's contacts, chunk by chunk in chunk order.
    pub fn contacts(&self) -> &[Vec<Contact>] {
        &self.contacts
    }
}

/// The parallel citizen phase for one chunk: needs drift (`life_events`),
/// then each citizen seeks help or is forced into crisis (`seek_help`).
/// Reads only its own citizens and the place's parameters; returns contacts.
pub fn citizens_week(
    ctx: &WeekContext,
    first_id: u32,
    citizens: &mut [Citizen],
    rng: &mut Stream,
    contacts: &mut Vec<Contact>,
) -> ChunkTally {
    let mut tally = ChunkTally::default();
    for (i, c) in citizens.iter_mut().enumerate() {
        life_events(c, ctx.params, ctx.lanes, rng);
        let worst = recover_and_observe(c, ctx, &mut tally);
        let id = CitizenId(first_id + i as u32);
        if let Some(contact) = seek_help(c, id, worst, ctx, rng) {
            if ctx.counting {
                c.contacts = c.contacts.saturating_add(1);
                c.failure_demand = c
                    .failure_demand
                    .saturating_add(contact.failure_demand as u16);
            }
            contacts.push(contact);
        }
    }
    debug_assert!(tally.multiple_needs <= citizens.len() as u64);
    tally
}

/// Shocks arrive, with a hazard raised by unmet need in coupled domains
/// (recovery follows in `recover_and_observe`).
///
/// Each domain has an independent weekly shock with its hazard. Drawing them
/// exactly with one random number in the common case: a first draw decides
/// whether any shock arrives (probability `1 − Π(1 − h_d)`); only then are the
/// domains visited in order, each shocked with its probability conditional on
/// at least one shock among the domains not yet visited (until one is shocked,
/// after which the rest are independent again). About 97 % of citizen-weeks
/// need one draw instead of one per domain.
#[inline]
pub fn life_events(c: &mut Citizen, p: &Params, lanes: &DomainLanes, rng: &mut Stream) {
    let n = &p.needs;
    let mut unmet = [0.0f32; MAX_DOMAINS];
    let span = 1.0 - n.need_threshold;
    let mut any_unmet = false;
    for (u, need) in unmet.iter_mut().zip(&c.needs) {
        *u = ((need - n.need_threshold) / span).max(0.0);
        any_unmet |= *u > 0.0;
    }
    let mut hazard = [0.0f32; MAX_DOMAINS];
    for ((h, base), coupling) in hazard
        .iter_mut()
        .zip(&lanes.base_hazard)
        .zip(&lanes.coupling_into)
    {
        // Most citizens have no unmet need: their spill-over is exactly 0, so
        // the coupling sum is skipped (every term would be 0).
        let mut spill = 0.0;
        if any_unmet {
            for (k, u) in coupling.iter().zip(&unmet) {
                spill += k * u;
            }
        }
        *h = (base * c.risk * (1.0 + spill)).min(1.0);
    }
    // none_from[d] = chance of no shock in domains d.. ; none_from[0] = no shock at all.
    let mut none_from = [1.0f32; MAX_DOMAINS + 1];
    for d in (0..MAX_DOMAINS).rev() {
        none_from[d] = none_from[d + 1] * (1.0 - hazard[d]);
    }
    if rng.unit_f32() >= none_from[0] {
        // Only the place's own domains: a padded lane must not draw.
        let mut conditioned = true;
        for d in 0..n.n_domains() {
            let chance = if conditioned {
                let any = 1.0 - none_from[d];
                if any > 0.0 {
                    hazard[d] / any
                } else {
                    0.0
                }
            } else {
                hazard[d]
            };
            if rng.unit_f32() < chance {
                conditioned = false;
                c.needs[d] += n.shock_min + (n.shock_max - n.shock_min) * rng.unit_f32();
            }
        }
    }
}

/// Needs recover slowly on their own (the end of `life_events`); in the same
/// pass over the domains, this week's wellbeing, unmet need and multiple
/// needs are observed (after warm-up) and the greatest need is found for
/// `seek_help`. One pass instead of three: the citizen pass is the model's cost.
#[inline]
fn recover_and_observe(c: &mut Citizen, ctx: &WeekContext, tally: &mut ChunkTally) -> Domain {
    let n = &ctx.params.needs;
    let shrink = n.recovery_rate * c.resilience;
    // All lanes (see `DomainLanes`): a padded need is 0 and stays 0, and
    // takes nothing off wellbeing. Three loops, each branch-free or short,
    // so that the first two vectorise.
    for need in c.needs.iter_mut() {
        *need = (*need - shrink * *need).clamp(0.0, 1.0);
    }
    // The greatest need, the first of equals.
    let mut worst = 0;
    let mut worst_need = c.needs[0];
    for (d, need) in c.needs.iter().enumerate().skip(1) {
        if *need > worst_need {
            worst = d;
            worst_need = *need;
        }
    }
    // Most citizens have no need above the threshold: then nothing is unmet
    // or high and every domain is resolved, without visiting the lanes.
    let (mut high, mut unmet, mut resolved) = (0u32, 0u64, u8::MAX);
    if worst_need > n.need_threshold {
        resolved = 0;
        for (d, need) in c.needs.iter().enumerate() {
            unmet += (*need > n.need_threshold && c.open_domain as usize != d) as u64;
            high += (*need > n.high_need) as u32;
            resolved |= ((*need <= n.need_threshold) as u8) << (d as u32 & 7);
        }
    }
    // A need that has fallen to the threshold is resolved: a later contact
    // about it is new demand, not failure demand.
    c.unresolved &= !resolved;
    if ctx.counting {
        // Wellbeing only where it counts, in a loop of its own (its indexed
        // stores would keep the recovery loop above from vectorising), and
        // only for a citizen with a need above the threshold: with none, it
        // is exactly 1.
        let wb = if resolved == u8::MAX {
            1.0
        } else {
            n.wellbeing(&c.needs, &ctx.lanes.wellbeing_dimension)
        };
        c.wellbeing_sum += wb;
        c.unmet_weeks = c.unmet_weeks.saturating_add(unmet as u16);
        tally.wellbeing += wb as f64;
        tally.unmet_need_weeks += unmet;
        tally.multiple_needs += (high >= 3) as u64;
    }
    Domain(worst as u8)
}

/// A need past the crisis level forces a crisis contact. Otherwise a citizen
/// with an open case who has waited past its patience chases it (at most
/// once per patience), and a citizen with no open case and a need past its
/// personal threshold goes to the agency it chooses by its learned
/// propensities. Failure demand is marked here (Seddon): chasing, a contact
/// after a lost referral, or a repeat contact about the same unresolved need
/// within the window.
#[inline]
fn seek_help(
    c: &mut Citizen,
    id: CitizenId,
    domain: Domain,
    ctx: &WeekContext,
    rng: &mut Stream,
) -> Option<Contact> {
    let p = ctx.params;
    let stamp = ctx.tick as u16 + 1;
    let worst = domain.index();
    let need = c.needs[worst];
    let (agency, domain, kind) = if need > p.needs.crisis_level {
        (
            p.needs.domains[worst].crisis_agency,
            domain,
            ContactKind::Crisis,
        )
    } else if c.has_open_case() {
        let d = c.open_domain as usize;
        let patience = u16::from(c.patience);
        let waited = stamp - c.case_since;
        let since_contact = stamp - c.last_contact[d];
        if waited < patience || since_contact < patience {
            return None;
        }
        c.last_contact[d] = stamp;
        return Some(Contact {
            citizen: id,
            agency: AgencyId(c.open_agency),
            domain: Domain(d as u8),
            kind: ContactKind::Chasing,
            failure_demand: true,
        });
    } else if need > c.help_threshold {
        (
            choose_agency(c, domain, p, rng)?,
            domain,
            ContactKind::HelpSeeking,
        )
    } else {
        return None;
    };
    let d = domain.index();
    let bit = 1u8 << d;
    let last = c.last_contact[d];
    let repeat = c.unresolved & bit != 0 && last != 0 && stamp - last <= p.needs.failure_window;
    let after_lost = c.lost_referral & bit != 0;
    c.last_contact[d] = stamp;
    c.lost_referral &= !bit;
    c.unresolved |= bit;
    Some(Contact {
        citizen: id,
        agency,
        domain,
        kind,
        failure_demand: repeat || after_lost,
    })
}

/// Choose among the agencies whose remit covers the need, in proportion to
/// learned propensity (crisis services included: they are a door too).
#[inline]
fn choose_agency(c: &Citizen, d: Domain, p: &Params, rng: &mut Stream) -> Option<AgencyId> {
    let mut total = 0.0;
    for (a, spec) in p.agencies.iter().enumerate() {
        if spec.remit.contains(d) {
            total += c.propensity[a];
        }
    }
    if total <= 0.0 {
        return None;
    }
    let mut pick = rng.unit_f32() * total;
    let mut last = None;
    for (a, spec) in p.agencies.iter().enumerate() {
        if spec.remit.contains(d) {
            last = Some(AgencyId(a as u8));
            pick -= c.propensity[a];
            if pick < 0.0 {
                break;
            }
        }
    }
    last
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The citizen table is the model's memory: keep a citizen within 160 bytes
    /// so that 10^6 citizens fit in under 200 MB with everything else.
    #[test]
    fn a_citizen_is_compact_plain_data() {
        assert!(
            std::mem::size_of::<Citizen>() <= 160,
            "{}",
            std::mem::size_of::<Citizen>()
        );
    }
}
