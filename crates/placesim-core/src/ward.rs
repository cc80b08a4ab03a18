//! Beds: a crisis service's stock of inpatients. A crisis episode may admit
//! the citizen for a length of stay; crowding above a safe occupancy raises
//! every episode's cost and lowers its effect (exit block: Bagust, Place &
//! Posnett, BMJ 1999); over capacity, patients are still admitted (corridor
//! care, counted), never refused. The weekly `ward_round` discharges the
//! medically fit, except those whose care or housing need keeps them in bed
//! until a package is in place (delayed discharge), for which the hospital
//! refers them on.

use crate::agency::Inpatient;
use crate::citizen::NONE;
use crate::frontline::Frontline;
use crate::ids::{AgencyId, CitizenId, Domain};
use crate::params::Beds;
use crate::referral::target;
use crate::rng::Stream;

/// Days in a week: beds are counted in bed-days.
const DAYS: u32 = 7;

/// Days from admission until medically fit: geometric with mean `mean`
/// days, at least one.
pub fn length_of_stay(mean: f32, rng: &mut Stream) -> u32 {
    if mean <= 1.0 {
        return 1;
    }
    let u = 1.0 - rng.unit_f64();
    let stay = 1.0 + (libm::log(u) / libm::log(1.0 - 1.0 / mean as f64)).floor();
    stay.min(3650.0) as u32
}

impl Frontline<'_> {
    /// How crowded the agency's beds make a crisis episode: (cost factor,
    /// efficacy factor), both 1 at or below the safe occupancy.
    pub fn crowding(&self, a: AgencyId) -> (f64, f32) {
        match &self.params.agencies[a.index()].beds {
            Some(beds) => {
                let excess = beds.excess(self.agencies[a.index()].ward.occupancy);
                (
                    1.0 + beds.crowding_cost as f64 * excess,
                    (1.0 - beds.crowding_harm * excess as f32).max(0.0),
                )
            }
            None => (1.0, 1.0),
        }
    }

    /// After a crisis episode at an agency with beds: admit the citizen with
    /// the admitted share's chance (not twice), for a drawn length of stay.
    pub fn maybe_admit(&mut self, a: AgencyId, citizen: CitizenId) {
        let Some(beds) = &self.params.agencies[a.index()].beds else {
            return;
        };
        if self.citizens[citizen.index()].in_bed != NONE
            || !self.streams.triage.chance(beds.admitted_share)
        {
            return;
        }
        let season = crate::params::winter(self.tick) as f32;
        let mean = beds.length_of_stay_days * (1.0 + beds.winter_stay_amplitude * season);
        let stay = length_of_stay(mean, &mut self.streams.triage);
        let day = self.tick * DAYS;
        let agency = &mut self.agencies[a.index()];
        agency.week.admissions += 1;
        agency.week.corridor_care += (agency.ward.occupancy >= 1.0) as u32;
        agency.ward.patients.push(Inpatient {
            citizen,
            admitted_day: day,
            fit_day: day + stay,
            awaiting_package: false,
        });
        self.citizens[citizen.index()].in_bed = a.0;
    }

    /// The `ward_round` phase: for every agency with beds, count this week's
    /// bed-days, discharge the medically fit who need no package (or whose
    /// package case has closed), ask for a package for those who need one,
    /// and count the days they wait for it.
    pub fn ward_round(&mut self) {
        for a in 0..self.agencies.len() {
            let Some(beds) = self.params.agencies[a].beds.clone() else {
                continue;
            };
            let id = AgencyId(a as u8);
            let mut ward = std::mem::take(&mut self.agencies[a].ward);
            let (mut bed_days, mut delayed_days) = (0u64, 0u64);
            let (start, end) = (self.tick * DAYS, (self.tick + 1) * DAYS);
            ward.patients.retain_mut(|p| {
                let from = p.admitted_day.max(start);
                if p.fit_day >= end {
                    bed_days += u64::from(end - from);
                    return true;
                }
                if self.stays_for_package(id, p, &beds) {
                    bed_days += u64::from(end - from);
                    delayed_days += u64::from(end - p.fit_day.max(start));
                    return true;
                }
                bed_days += u64::from(p.fit_day.max(from) - from);
                self.citizens[p.citizen.index()].in_bed = NONE;
                false
            });
            let available = f64::from(DAYS) * beds.beds * self.params.place.scale();
            ward.occupancy = bed_days as f64 / available;
            let week = &mut self.agencies[a].week;
            week.bed_days = bed_days;
            week.delayed_days = delayed_days;
            week.beds = beds.beds * self.params.place.scale();
            self.agencies[a].ward = ward;
        }
    }

    /// A medically fit patient stays while a package is awaited: one is
    /// asked for (a referral for the worst discharge need above the need
    /// threshold) when the patient first becomes fit with no case open.
    fn stays_for_package(&mut self, a: AgencyId, p: &mut Inpatient, beds: &Beds) -> bool {
        let threshold = self.params.needs.need_threshold;
        let c = &self.citizens[p.citizen.index()];
        let open_for_discharge =
            c.has_open_case() && beds.discharge_needs.contains(Domain(c.open_domain));
        if p.awaiting_package {
            return open_for_discharge;
        }
        if open_for_discharge {
            p.awaiting_package = true;
            return true;
        }
        if c.has_open_case() {
            return false;
        }
        let n = self.params.needs.n_domains();
        let worst = (0..n)
            .filter(|&e| beds.discharge_needs.contains(Domain(e as u8)) && c.needs[e] > threshold)
            .max_by(|&x, &y| c.needs[x].total_cmp(&c.needs[y]).then(y.cmp(&x)));
        let Some(e) = worst else {
            return false;
        };
        let domain = Domain(e as u8);
        let Some(to) = target(self.params, domain, a) else {
            return false;
        };
        self.send(a, to, p.citizen, domain);
        p.awaiting_package = true;
        true
    }
}
