//! From a merged, shape-checked scenario value to the core's typed
//! parameters: every missing value and every value out of range is reported,
//! with its file, line and the range allowed.

use crate::merge::Merged;
use crate::problem::{suggestion, Problem, Problems};
use crate::raw::*;
use placesim_core::ids::{AgencyId, Domain, DomainSet, MAX_AGENCIES, MAX_DOMAINS};
use placesim_core::learner::{LEVERS, LEVER_NAMES};
use placesim_core::limits::{self, Bounds};
use placesim_core::params::*;
use serde_json::Value;

/// Every whole-number key with a fixed range, and that range from core's
/// `limits`: `build` checks them, and the shape check names the range when
/// such a value is negative or not a whole number (the schema knows only
/// "0 or more").
const WHOLE_NUMBERS: [(&str, Bounds<u32>); 17] = [
    ("place.residents", limits::RESIDENTS),
    ("place.population", limits::POPULATION),
    ("place.warmup_weeks", limits::WARMUP_WEEKS),
    ("place.weeks", limits::WEEKS),
    ("place.price_year", limits::PRICE_YEAR),
    ("place.input_price_year", limits::PRICE_YEAR),
    ("needs.failure_window_weeks", limits::FAILURE_WINDOW_WEEKS),
    (
        "needs.attribution_window_weeks",
        limits::ATTRIBUTION_WINDOW_WEEKS,
    ),
    (
        "leadership.kpi_window_quarters",
        limits::KPI_WINDOW_QUARTERS,
    ),
    ("adaptation.max_wait_weeks", limits::MAX_WAIT_WEEKS),
    (
        "barriers.professional_boundaries.max_lead_domains",
        limits::MAX_LEAD_DOMAINS,
    ),
    (
        "barriers.professional_boundaries.lead_min_needs",
        limits::LEAD_MIN_NEEDS,
    ),
    (
        "barriers.ring_fenced_budgets.commissioning_lag_weeks",
        limits::COMMISSIONING_LAG_WEEKS,
    ),
    (
        "barriers.function_bound_targets.outcome_lag_quarters",
        limits::OUTCOME_LAG_QUARTERS,
    ),
    (
        "barriers.function_bound_targets.outcome_audit_cases",
        limits::OUTCOME_AUDIT_CASES,
    ),
    ("output.every_weeks", limits::EVERY_WEEKS),
    ("replicates", limits::REPLICATES),
];

/// The allowed range of the whole number at dotted key `path`, if it has a fixed one.
pub(crate) fn whole_number_bounds(path: &str) -> Option<Bounds<u32>> {
    WHOLE_NUMBERS
        .iter()
        .find(|(k, _)| *k == path)
        .map(|(_, b)| *b)
}

/// How a run's outputs are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct OutputOptions {
    /// Write time-series rows every this many weeks.
    pub every_weeks: u32,
}

/// A validated scenario, ready to run.
#[derive(Clone, Debug)]
pub struct Scenario {
    pub name: String,
    pub description: String,
    pub params: Params,
    pub output: OutputOptions,
    /// The merged file contents after `extends` and overrides (what `placesim check` prints).
    pub resolved: Value,
}

struct Builder<'a> {
    merged: &'a Merged,
    problems: Vec<Problem>,
    /// Paths whose values were removed for a shape problem already reported.
    removed: &'a [String],
}

fn fmt_num(x: f64) -> String {
    if x.abs() >= 1e6 && x.fract() == 0.0 {
        format!("{x:e}")
    } else {
        format!("{x}")
    }
}

impl Builder<'_> {
    fn problem(&mut self, path: &str, message: impl Into<String>) {
        self.problems
            .push(Problem::at(&self.merged.locate(path), path, message));
    }

    fn missing(&mut self, path: &str) {
        if !self
            .removed
            .iter()
            .any(|r| r == path || path.starts_with(&format!("{r}.")))
        {
            self.problem(
                path,
                "is missing; set it in this file or in the file it extends",
            );
        }
    }

    fn num(&mut self, path: &str, v: Option<f64>, bounds: Bounds<f64>) -> f64 {
        let Bounds { min: lo, max: hi } = bounds;
        match v {
            None => {
                self.missing(path);
                lo
            }
            Some(x) if !(lo..=hi).contains(&x) => {
                self.problem(
                    path,
                    format!(
                        "{} is out of range; allowed {} to {}",
                        fmt_num(x),
                        fmt_num(lo),
                        fmt_num(hi)
                    ),
                );
                lo
            }
            Some(x) => x,
        }
    }

    fn int(&mut self, path: &str, v: Option<u64>, bounds: Bounds<u32>) -> u64 {
        let (lo, hi) = (u64::from(bounds.min), u64::from(bounds.max));
        match v {
            None => {
                self.missing(path);
                lo
            }
            Some(x) if !(lo..=hi).contains(&x) => {
                self.problem(path, format!("{x} is out of range; allowed {lo} to {hi}"));
                lo
            }
            Some(x) => x,
        }
    }

    /// A whole number with a fixed range ([`WHOLE_NUMBERS`]).
    fn whole(&mut self, path: &str, v: Option<u64>) -> u64 {
        let bounds = whole_number_bounds(path);
        debug_assert!(bounds.is_some(), "{path} is not in WHOLE_NUMBERS");
        self.int(path, v, bounds.unwrap_or(Bounds::new(0, u32::MAX)))
    }

    fn pair(&mut self, path: &str, v: Option<[f64; 2]>, bounds: Bounds<f64>) -> (f64, f64) {
        let Bounds { min: lo, max: hi } = bounds;
        match v {
            None => {
                self.missing(path);
                (lo, hi)
            }
            Some([a, b]) if !(lo <= a && a <= b && b <= hi) => {
                self.problem(
                    path,
                    format!("[{a}, {b}] is not a range [min, max] with {lo} <= min <= max <= {hi}"),
                );
                (lo, hi)
            }
            Some([a, b]) => (a, b),
        }
    }

    fn section<T: Default>(&mut self, path: &str, v: Option<T>) -> T {
        v.unwrap_or_else(|| {
            self.missing(path);
            T::default()
        })
    }

    fn table<T: serde::de::DeserializeOwned + Default>(&mut self, path: &str, v: &Value) -> T {
        serde_json::from_value(v.clone()).unwrap_or_else(|e| {
            self.problem(path, format!("cannot be read: {e}"));
            T::default()
        })
    }
}

/// Build a scenario from a merged value whose shape problems (`removed`) were taken out.
pub fn build(merged: &Merged, removed: &[String]) -> Result<Scenario, Problems> {
    let raw: RawScenario = serde_json::from_value(merged.value.clone()).map_err(|e| {
        Problems(vec![Problem::in_file(
            &merged.file,
            format!("cannot be read: {e}"),
        )])
    })?;
    let mut b = Builder {
        merged,
        problems: Vec::new(),
        removed,
    };
    let name = raw.name.clone().unwrap_or_else(|| {
        b.missing("name");
        String::new()
    });
    if raw.name.is_some() {
        if let Err(why) = output_name(&name) {
            b.problem("name", why);
        }
    }
    let description = raw.description.clone().unwrap_or_default();
    let place = place(&mut b, raw.place.clone());
    let (domain_names, domain_specs) = domains(&mut b, &raw);
    let agency_ids: Vec<String> = raw
        .agencies
        .as_ref()
        .map(|a| a.keys().cloned().collect())
        .unwrap_or_default();
    let agencies = agencies(&mut b, &raw, &domain_names);
    let needs = needs(
        &mut b,
        raw.needs.clone(),
        &domain_names,
        domain_specs,
        &agency_ids,
    );
    let citizens = citizens(&mut b, raw.citizens.clone());
    let (barriers, mut prices) = barriers(&mut b, raw.barriers.clone());
    programme(&mut b, raw.programme.clone(), &mut prices);
    let leadership = leadership(&mut b, raw.leadership.clone());
    let adaptation = adaptation(&mut b, raw.adaptation.clone());
    let schedule = schedule(&mut b, raw.schedule.clone(), &place, &agency_ids);
    let out = raw.output.clone().unwrap_or_default();
    let output = OutputOptions {
        every_weeks: b.whole("output.every_weeks", Some(out.every_weeks.unwrap_or(1))) as u32,
    };
    let mut params = Params {
        place,
        needs,
        citizens,
        agencies,
        barriers,
        prices,
        leadership,
        adaptation,
        schedule,
    };
    if b.problems.is_empty() {
        // Both years are checked against the deflator table's range above.
        // Converted before the core's checks, so that a value the conversion
        // takes out of range is reported, never run.
        let pl = &params.place;
        if let Some(f) = crate::prices::factor(pl.input_price_year, pl.price_year) {
            crate::prices::convert(&mut params, f);
        }
    }
    if b.problems.is_empty() && removed.is_empty() {
        // The core's own checks are a safety net: everything they test is checked above with a location.
        for p in params.problems() {
            let (field, message) = p.split_once(": ").unwrap_or(("", p.as_str()));
            b.problem(field, message.to_string());
        }
    }
    if b.problems.is_empty() {
        Ok(Scenario {
            name,
            description,
            params,
            output,
            resolved: merged.value.clone(),
        })
    } else {
        Err(Problems(b.problems))
    }
}

fn place(b: &mut Builder, raw: Option<RawPlace>) -> Place {
    let r = b.section("place", raw);
    if let Some(n) = r
        .population
        .filter(|&n| n > u64::from(limits::POPULATION.max))
    {
        let gb = n as f64 * std::mem::size_of::<placesim_core::citizen::Citizen>() as f64 / 1e9;
        b.problem(
            "place.population",
            format!(
                "{n} citizens would need about {gb:.1} GB of memory for citizens alone; allowed {} to {} (raise residents' weight instead: each citizen can stand for many residents)",
                limits::POPULATION.min,
                limits::POPULATION.max
            ),
        );
    }
    let population = b.whole(
        "place.population",
        r.population
            .map(|n| n.min(u64::from(limits::POPULATION.max))),
    );
    Place {
        residents: b.whole("place.residents", r.residents) as u32,
        population: population as u32,
        warmup_weeks: b.whole("place.warmup_weeks", r.warmup_weeks) as u32,
        weeks: b.whole("place.weeks", r.weeks) as u32,
        seed: match r.seed {
            Some(s) => s,
            None => {
                b.missing("place.seed");
                0
            }
        },
        price_year: b.whole("place.price_year", r.price_year) as u16,
        input_price_year: b.whole("place.input_price_year", r.input_price_year) as u16,
        discount_rate: b.num(
            "place.discount_rate",
            r.discount_rate,
            limits::DISCOUNT_RATE,
        ),
        qaly_value: b.num("place.qaly_value", r.qaly_value, limits::QALY_VALUE),
    }
}

/// A scenario's or sweep's name names output folders (`out/NAME/`), so it is
/// 1 to 64 letters, digits, `-` and `_`: never empty, never a path.
pub fn output_name(name: &str) -> Result<(), &'static str> {
    if name.is_empty() || name.len() > 64 {
        Err("must be 1 to 64 characters (it names output folders)")
    } else if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        Err("may use only letters, digits, `-` and `_` (it names output folders)")
    } else {
        Ok(())
    }
}

/// A table of named entries (domains, agencies): 1 to `max` entries, each name letters, digits and `_`.
fn check_names(
    b: &mut Builder,
    path: &str,
    table: &Table,
    max: usize,
    (plural, what): (&str, &str),
) {
    if !(1..=max).contains(&table.len()) {
        b.problem(
            path,
            format!("has {} {plural}; allowed 1 to {max}", table.len()),
        );
    }
    for name in table.keys().filter(|n| !is_name(n)) {
        b.problem(
            &format!("{path}.{name}"),
            format!("{what} may use only letters, digits and `_`"),
        );
    }
}

fn is_name(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn domains(b: &mut Builder, raw: &RawScenario) -> (Vec<String>, Vec<(String, RawDomain)>) {
    let table = raw.needs.as_ref().and_then(|n| n.domains.clone());
    let Some(table) = table else {
        b.missing("needs.domains");
        return (Vec::new(), Vec::new());
    };
    check_names(
        b,
        "needs.domains",
        &table,
        MAX_DOMAINS,
        ("domains", "a domain name"),
    );
    let mut specs = Vec::new();
    for (name, v) in &table {
        let path = format!("needs.domains.{name}");
        specs.push((name.clone(), b.table::<RawDomain>(&path, v)));
    }
    (table.keys().cloned().collect(), specs)
}

fn needs(
    b: &mut Builder,
    raw: Option<RawNeeds>,
    names: &[String],
    specs: Vec<(String, RawDomain)>,
    agency_ids: &[String],
) -> NeedModel {
    let r = b.section("needs", raw);
    let mut domains = Vec::new();
    for (name, d) in specs {
        let path = format!("needs.domains.{name}");
        let base_hazard = b.num(
            &format!("{path}.base_hazard"),
            d.base_hazard,
            limits::BASE_HAZARD,
        ) as f32;
        let crisis_agency = match d.crisis_service {
            None => {
                b.missing(&format!("{path}.crisis_service"));
                AgencyId(0)
            }
            Some(id) => match agency_ids.iter().position(|a| *a == id) {
                Some(i) => AgencyId(i as u8),
                None => {
                    let msg = format!(
                        "no agency `{id}` in [agencies]{}",
                        suggestion(&id, agency_ids.iter().map(String::as_str))
                    );
                    b.problem(&format!("{path}.crisis_service"), msg);
                    AgencyId(0)
                }
            },
        };
        let winter_amplitude = match d.winter_amplitude {
            None => 0.0,
            amplitude => b.num(
                &format!("{path}.winter_amplitude"),
                amplitude,
                limits::WINTER_AMPLITUDE,
            ) as f32,
        };
        let wellbeing_dimension = wellbeing_dimension(b, &path, d.wellbeing_dimension);
        domains.push(DomainSpec {
            name,
            base_hazard,
            crisis_agency,
            winter_amplitude,
            wellbeing_dimension,
        });
    }
    let coupling = coupling(b, r.coupling.clone(), names);
    // Each level lies between the one below it and the greatest level allowed.
    let level = Bounds::new;
    let top = limits::NEED_LEVEL.max;
    let need_threshold = b.num("needs.need_threshold", r.need_threshold, limits::NEED_LEVEL);
    let high_need = b.num("needs.high_need", r.high_need, level(need_threshold, top));
    let crisis_level = b.num("needs.crisis_level", r.crisis_level, level(high_need, top));
    let shock_min = b.num("needs.shock_min", r.shock_min, limits::SHOCK);
    let shock_max = b.num(
        "needs.shock_max",
        r.shock_max,
        Bounds::new(shock_min, limits::SHOCK.max),
    );
    NeedModel {
        domains,
        coupling,
        need_threshold: need_threshold as f32,
        high_need: high_need as f32,
        crisis_level: crisis_level as f32,
        shock_min: shock_min as f32,
        shock_max: shock_max as f32,
        recovery_rate: b.num(
            "needs.recovery_rate",
            r.recovery_rate,
            limits::RECOVERY_RATE,
        ) as f32,
        failure_window: b.whole("needs.failure_window_weeks", r.failure_window_weeks) as u16,
        attribution_window: b.whole("needs.attribution_window_weeks", r.attribution_window_weeks)
            as u16,
        wellbeing: wellbeing(b, r.wellbeing.clone()),
    }
}

/// A domain's wellbeing dimension, by name.
fn wellbeing_dimension(b: &mut Builder, path: &str, raw: Option<String>) -> u8 {
    let key = format!("{path}.wellbeing_dimension");
    let Some(name) = raw else {
        b.missing(&key);
        return 0;
    };
    match WELLBEING_DIMENSIONS.iter().position(|d| *d == name) {
        Some(i) => i as u8,
        None => {
            let msg = format!(
                "`{name}` is not a wellbeing dimension; allowed: {}{}",
                WELLBEING_DIMENSIONS.join(", "),
                suggestion(&name, WELLBEING_DIMENSIONS.iter().copied())
            );
            b.problem(&key, msg);
            0
        }
    }
}

/// The wellbeing scale's decrements, each a share.
fn wellbeing(b: &mut Builder, raw: Option<RawWellbeing>) -> WellbeingScale {
    let r = b.section("needs.wellbeing", raw);
    let share = |b: &mut Builder, key: &str, v: Option<f64>| {
        b.num(&format!("needs.wellbeing.{key}"), v, limits::SHARE) as f32
    };
    let any_problem = share(b, "any_problem", r.any_problem);
    let any_extreme = share(b, "any_extreme", r.any_extreme);
    let dims = [
        r.mobility,
        r.self_care,
        r.usual_activities,
        r.pain_discomfort,
        r.anxiety_depression,
    ];
    let mut decrements = [[0.0f32; 2]; 5];
    for ((dec, raw), name) in decrements.iter_mut().zip(dims).zip(WELLBEING_DIMENSIONS) {
        match raw {
            None => b.missing(&format!("needs.wellbeing.{name}")),
            Some([l2, l3]) => {
                dec[0] = share(b, &format!("{name}[0]"), Some(l2));
                dec[1] = share(b, &format!("{name}[1]"), Some(l3));
                if l2 > l3 {
                    b.problem(
                        &format!("needs.wellbeing.{name}"),
                        format!("[{l2}, {l3}]: the level 3 decrement must be at least the level 2 one (a worse problem cannot cost less wellbeing)"),
                    );
                }
            }
        }
    }
    WellbeingScale {
        any_problem,
        any_extreme,
        decrements,
    }
}

fn coupling(b: &mut Builder, raw: Option<Table>, names: &[String]) -> Vec<f32> {
    let d = names.len();
    let mut m = vec![0.0f32; d * d];
    let Some(rows) = raw else {
        b.missing("needs.coupling");
        return m;
    };
    for row in rows.keys() {
        if !names.contains(row) {
            let msg = format!(
                "`{row}` is not a need domain; rows are named after [needs.domains]{}",
                suggestion(row, names.iter().map(String::as_str))
            );
            b.problem(&format!("needs.coupling.{row}"), msg);
        }
    }
    for (i, from) in names.iter().enumerate() {
        let path = format!("needs.coupling.{from}");
        match rows.get(from).and_then(Value::as_array) {
            None => b.problem(
                &path,
                format!(
                    "row missing: the coupling matrix needs one row per domain ({})",
                    names.join(", ")
                ),
            ),
            Some(row) if row.len() != d => b.problem(
                &path,
                format!(
                    "has {} entries; the coupling matrix is {d} x {d}, one entry per domain ({})",
                    row.len(),
                    names.join(", ")
                ),
            ),
            Some(row) => {
                for (j, x) in row.iter().enumerate() {
                    m[i * d + j] =
                        b.num(&format!("{path}.{j}"), x.as_f64(), limits::COUPLING) as f32;
                }
            }
        }
    }
    m
}

fn agencies(b: &mut Builder, raw: &RawScenario, domains: &[String]) -> Vec<AgencySpec> {
    let Some(table) = raw.agencies.clone() else {
        b.missing("agencies");
        return Vec::new();
    };
    check_names(
        b,
        "agencies",
        &table,
        MAX_AGENCIES,
        ("agencies", "an agency id"),
    );
    let mut out = Vec::new();
    for (id, v) in &table {
        let path = format!("agencies.{id}");
        let a: RawAgency = b.table(&path, v);
        let role = match a.role {
            Some(RawRole::Universal) => Role::Universal,
            Some(RawRole::Specialist) => Role::Specialist,
            Some(RawRole::Crisis) => Role::Crisis,
            None => {
                b.missing(&format!("{path}.role"));
                Role::Universal
            }
        };
        let remit = domain_list(b, &format!("{path}.remit"), a.remit.as_deref(), domains);
        let costs = b.section(&format!("{path}.unit_costs"), a.unit_costs.clone());
        let policy = b.section(&format!("{path}.policy"), a.policy.clone());
        let pp = format!("{path}.policy");
        out.push(AgencySpec {
            id: id.clone(),
            name: a.name.clone().unwrap_or_else(|| id.clone()),
            remit: DomainSet::of(&remit),
            role,
            capacity_per_week: b.num(
                &format!("{path}.capacity_per_week"),
                a.capacity_per_week,
                limits::CAPACITY_PER_WEEK,
            ),
            unit_costs: UnitCosts {
                assessment: b.num(
                    &format!("{path}.unit_costs.assessment"),
                    costs.assessment,
                    limits::UNIT_COST,
                ),
                intervention: b.num(
                    &format!("{path}.unit_costs.intervention"),
                    costs.intervention,
                    limits::UNIT_COST,
                ),
                crisis: b.num(
                    &format!("{path}.unit_costs.crisis"),
                    costs.crisis,
                    limits::UNIT_COST,
                ),
            },
            annual_budget: b.num(
                &format!("{path}.budget_per_year"),
                a.budget_per_year,
                limits::ANNUAL_BUDGET,
            ),
            efficacy: b.num(&format!("{path}.efficacy"), a.efficacy, limits::EFFICACY) as f32,
            wait_target_weeks: b.num(
                &format!("{path}.wait_target_weeks"),
                a.wait_target_weeks,
                limits::WAIT_TARGET_WEEKS,
            ) as f32,
            initial_propensity: b.num(
                &format!("{path}.initial_propensity"),
                a.initial_propensity,
                limits::INITIAL_PROPENSITY,
            ) as f32,
            initial_policy: Policy {
                eligibility_threshold: b.num(
                    &format!("{pp}.eligibility_threshold"),
                    policy.eligibility_threshold,
                    limits::ELIGIBILITY_THRESHOLD,
                ) as f32,
                complexity_cap: b.num(
                    &format!("{pp}.complexity_cap"),
                    policy.complexity_cap,
                    limits::COMPLEXITY_CAP,
                ) as f32,
                prevention_capacity_share: b.num(
                    &format!("{pp}.prevention_capacity_share"),
                    policy.prevention_capacity_share,
                    limits::PREVENTION_SHARE,
                ) as f32,
                intensity: b.num(
                    &format!("{pp}.intensity"),
                    policy.intensity,
                    limits::INTENSITY,
                ) as f32,
                referral_propensity: b.num(
                    &format!("{pp}.referral_propensity"),
                    policy.referral_propensity,
                    limits::REFERRAL_PROPENSITY,
                ) as f32,
            },
            beds: a
                .beds
                .as_ref()
                .map(|r| beds(b, &format!("{path}.beds"), r, role, domains)),
        });
    }
    out
}

/// A list of need domains by name (a remit, the needs that hold a discharge):
/// each a domain of the place, listed once.
fn domain_list(
    b: &mut Builder,
    path: &str,
    names: Option<&[String]>,
    domains: &[String],
) -> Vec<Domain> {
    let Some(names) = names else {
        b.missing(path);
        return Vec::new();
    };
    let mut out = Vec::new();
    for (k, n) in names.iter().enumerate() {
        match domains.iter().position(|d| d == n) {
            Some(_) if names[..k].contains(n) => {
                let msg = format!("`{n}` is listed twice; list each domain once");
                b.problem(&format!("{path}.{k}"), msg);
            }
            Some(i) => out.push(Domain(i as u8)),
            None => {
                let msg = format!(
                    "`{n}` is not a need domain (domains: {}){}",
                    domains.join(", "),
                    suggestion(n, domains.iter().map(String::as_str))
                );
                b.problem(&format!("{path}.{k}"), msg);
            }
        }
    }
    out
}

/// A crisis service's beds; only a crisis service may have them.
fn beds(b: &mut Builder, path: &str, r: &RawBeds, role: Role, domains: &[String]) -> Beds {
    if role != Role::Crisis {
        b.problem(
            path,
            "only a crisis service (role = \"crisis\") admits to beds",
        );
    }
    let key = |k: &str| format!("{path}.{k}");
    let discharge = domain_list(
        b,
        &key("discharge_needs"),
        r.discharge_needs.as_deref(),
        domains,
    );
    Beds {
        beds: b.num(&key("beds"), r.beds, limits::BEDS),
        admitted_share: b.num(&key("admitted_share"), r.admitted_share, limits::SHARE) as f32,
        length_of_stay_days: b.num(
            &key("length_of_stay_days"),
            r.length_of_stay_days,
            limits::LENGTH_OF_STAY_DAYS,
        ) as f32,
        winter_stay_amplitude: b.num(
            &key("winter_stay_amplitude"),
            Some(r.winter_stay_amplitude.unwrap_or(0.0)),
            limits::WINTER_AMPLITUDE,
        ) as f32,
        safe_occupancy: b.num(
            &key("safe_occupancy"),
            r.safe_occupancy,
            limits::SAFE_OCCUPANCY,
        ) as f32,
        crowding_cost: b.num(&key("crowding_cost"), r.crowding_cost, limits::CROWDING) as f32,
        crowding_harm: b.num(&key("crowding_harm"), r.crowding_harm, limits::SHARE) as f32,
        discharge_needs: DomainSet::of(&discharge),
    }
}

fn citizens(b: &mut Builder, raw: Option<RawCitizens>) -> CitizenTraits {
    let r = b.section("citizens", raw);
    let l = b.section("citizens.learning", r.learning.clone());
    let resilience = b.pair("citizens.resilience", r.resilience, limits::RESILIENCE);
    let help = b.pair(
        "citizens.help_threshold",
        r.help_threshold,
        limits::HELP_THRESHOLD,
    );
    let weeks = limits::PATIENCE_WEEKS;
    let patience = b.pair(
        "citizens.patience_weeks",
        r.patience_weeks,
        Bounds::new(f64::from(weeks.min), f64::from(weeks.max)),
    );
    if patience.0.fract() != 0.0 || patience.1.fract() != 0.0 {
        b.problem("citizens.patience_weeks", "must be whole weeks");
    }
    CitizenTraits {
        risk_sigma: b.num("citizens.risk_sigma", r.risk_sigma, limits::RISK_SIGMA) as f32,
        resilience_min: resilience.0 as f32,
        resilience_max: resilience.1 as f32,
        help_threshold_min: help.0 as f32,
        help_threshold_max: help.1 as f32,
        initial_need: b.num(
            "citizens.initial_need",
            r.initial_need,
            limits::INITIAL_NEED,
        ) as f32,
        forgetting: b.num(
            "citizens.learning.forgetting",
            l.forgetting,
            limits::FORGETTING,
        ) as f32,
        reward_resolved: b.num(
            "citizens.learning.reward_resolved",
            l.reward_resolved,
            limits::REWARD,
        ) as f32,
        reward_partial: b.num(
            "citizens.learning.reward_partial",
            l.reward_partial,
            limits::REWARD,
        ) as f32,
        propensity_floor: b.num(
            "citizens.learning.propensity_floor",
            l.propensity_floor,
            limits::PROPENSITY_FLOOR,
        ) as f32,
        patience_min: patience.0 as u8,
        patience_max: patience.1 as u8,
        chase_work: b.num("citizens.chase_work", r.chase_work, limits::CHASE_WORK) as f32,
    }
}

fn barriers(b: &mut Builder, raw: Option<RawBarriers>) -> (Barriers, LiftPrices) {
    let r = b.section("barriers", raw);
    let ring = b.section("barriers.ring_fenced_budgets", r.ring_fenced_budgets);
    let targets = b.section("barriers.function_bound_targets", r.function_bound_targets);
    let bounds = b.section(
        "barriers.professional_boundaries",
        r.professional_boundaries,
    );
    let frames = b.section(
        "barriers.organisational_frameworks",
        r.organisational_frameworks,
    );
    let burden = b.section("barriers.frontline_burden", r.frontline_burden);
    let s = |b: &mut Builder, name: &str, v: Option<f64>| {
        b.num(&format!("barriers.{name}.strength"), v, limits::STRENGTH) as f32
    };
    let barriers = Barriers {
        ring_fenced_budgets: s(b, "ring_fenced_budgets", ring.strength),
        function_bound_targets: s(b, "function_bound_targets", targets.strength),
        professional_boundaries: s(b, "professional_boundaries", bounds.strength),
        organisational_frameworks: s(b, "organisational_frameworks", frames.strength),
        frontline_burden: s(b, "frontline_burden", burden.strength),
    };
    let prices = LiftPrices {
        board_running_cost: b.num(
            "barriers.ring_fenced_budgets.board_running_cost_per_year",
            ring.board_running_cost_per_year,
            limits::LIFT_COST,
        ),
        reallocation: match ring.reallocation {
            None | Some(RawReallocation::LastYearSpend) => Reallocation::LastYearSpend,
            Some(RawReallocation::NeedOrigin) => Reallocation::NeedOrigin,
            Some(RawReallocation::InvestToSave) => Reallocation::InvestToSave,
        },
        protected_prevention_share: b.num(
            "barriers.ring_fenced_budgets.protected_prevention_share",
            Some(ring.protected_prevention_share.unwrap_or(0.0)),
            limits::SHARE,
        ) as f32,
        commissioning_step: b.num(
            "barriers.ring_fenced_budgets.commissioning_step",
            Some(ring.commissioning_step.unwrap_or(0.0)),
            limits::SHARE,
        ) as f32,
        commissioning_lag_weeks: b.whole(
            "barriers.ring_fenced_budgets.commissioning_lag_weeks",
            Some(ring.commissioning_lag_weeks.unwrap_or(26)),
        ) as u16,
        commissioning_utilisation: b.num(
            "barriers.ring_fenced_budgets.commissioning_utilisation",
            Some(ring.commissioning_utilisation.unwrap_or(0.9)),
            limits::COMMISSIONING_UTILISATION,
        ) as f32,
        shared_outcomes_cost: b.num(
            "barriers.function_bound_targets.shared_outcomes_cost_per_year",
            targets.shared_outcomes_cost_per_year,
            limits::LIFT_COST,
        ),
        target_reporting_share: b.num(
            "barriers.function_bound_targets.target_reporting_share",
            targets.target_reporting_share,
            limits::REPORTING_SHARE,
        ) as f32,
        outcome_lag_quarters: b.whole(
            "barriers.function_bound_targets.outcome_lag_quarters",
            targets.outcome_lag_quarters,
        ) as u8,
        outcome_audit_cases: b.whole(
            "barriers.function_bound_targets.outcome_audit_cases",
            targets.outcome_audit_cases,
        ) as u16,
        coordination_cost: b.num(
            "barriers.professional_boundaries.coordination_cost",
            bounds.coordination_cost,
            limits::COORDINATION_COST,
        ) as f32,
        lead_professional_efficacy: b.num(
            "barriers.professional_boundaries.lead_professional_efficacy",
            bounds.lead_professional_efficacy,
            limits::LEAD_PROFESSIONAL_EFFICACY,
        ) as f32,
        max_lead_domains: b.whole(
            "barriers.professional_boundaries.max_lead_domains",
            bounds.max_lead_domains,
        ) as u8,
        lead_min_needs: b.whole(
            "barriers.professional_boundaries.lead_min_needs",
            Some(bounds.lead_min_needs.unwrap_or(0)),
        ) as u8,
        specialist_depth_loss: b.num(
            "barriers.professional_boundaries.specialist_depth_loss",
            bounds.specialist_depth_loss,
            limits::SPECIALIST_DEPTH_LOSS,
        ) as f32,
        referral_delay_weeks: b.num(
            "barriers.organisational_frameworks.referral_delay_weeks",
            frames.referral_delay_weeks,
            limits::REFERRAL_DELAY_WEEKS,
        ) as f32,
        referral_loss: b.num(
            "barriers.organisational_frameworks.referral_loss",
            frames.referral_loss,
            limits::REFERRAL_LOSS,
        ) as f32,
        handoff_work: b.num(
            "barriers.organisational_frameworks.handoff_work",
            frames.handoff_work,
            limits::HANDOFF_WORK,
        ) as f32,
        misrouting: b.num(
            "barriers.organisational_frameworks.misrouting",
            frames.misrouting,
            limits::SHARE,
        ) as f32,
        misroute_detection: b.num(
            "barriers.organisational_frameworks.misroute_detection",
            frames.misroute_detection,
            limits::SHARE,
        ) as f32,
        shared_assessment_setup: b.num(
            "barriers.organisational_frameworks.shared_assessment_setup",
            frames.shared_assessment_setup,
            limits::LIFT_COST,
        ),
        shared_assessment_running: b.num(
            "barriers.organisational_frameworks.shared_assessment_running_per_year",
            frames.shared_assessment_running_per_year,
            limits::LIFT_COST,
        ),
        reporting_share: b.num(
            "barriers.frontline_burden.reporting_share",
            burden.reporting_share,
            limits::REPORTING_SHARE,
        ) as f32,
        light_assurance_cost: b.num(
            "barriers.frontline_burden.light_assurance_cost_per_year",
            burden.light_assurance_cost_per_year,
            limits::LIFT_COST,
        ),
        unreported_signal_noise: b.num(
            "barriers.frontline_burden.unreported_signal_noise",
            burden.unreported_signal_noise,
            limits::SIGNAL_NOISE,
        ) as f32,
        // Set by `programme` below.
        programme_setup: 0.0,
        programme_running: 0.0,
    };
    (barriers, prices)
}

/// A strategy's own costs (`[programme]`), none when not given.
fn programme(b: &mut Builder, raw: Option<RawProgramme>, prices: &mut LiftPrices) {
    let r = raw.unwrap_or_default();
    prices.programme_setup = b.num(
        "programme.setup_cost",
        Some(r.setup_cost.unwrap_or(0.0)),
        limits::LIFT_COST,
    );
    prices.programme_running = b.num(
        "programme.running_cost_per_year",
        Some(r.running_cost_per_year.unwrap_or(0.0)),
        limits::LIFT_COST,
    );
}

fn leadership(b: &mut Builder, raw: Option<RawLeadership>) -> Leadership {
    let r = b.section("leadership", raw);
    Leadership {
        whole_systems_weight: b.num(
            "leadership.whole_systems_weight",
            r.whole_systems_weight,
            limits::WHOLE_SYSTEMS_WEIGHT,
        ) as f32,
        culture_rate: b.num(
            "leadership.culture_rate",
            r.culture_rate,
            limits::CULTURE_RATE,
        ) as f32,
        learning_rate: b.num(
            "leadership.learning_rate",
            r.learning_rate,
            limits::LEARNING_RATE,
        ) as f32,
        kpi_window_quarters: b.whole("leadership.kpi_window_quarters", r.kpi_window_quarters)
            as u32,
    }
}

fn adaptation(b: &mut Builder, raw: Option<RawAdaptation>) -> AdaptationRule {
    let r = b.section("adaptation", raw);
    let range = |b: &mut Builder, k: &str, v, bounds| {
        let (x, y) = b.pair(&format!("adaptation.{k}"), v, bounds);
        (x as f32, y as f32)
    };
    let step = limits::ADAPTATION_STEP;
    AdaptationRule {
        threshold_step: b.num("adaptation.threshold_step", r.threshold_step, step) as f32,
        prevention_step: b.num("adaptation.prevention_step", r.prevention_step, step) as f32,
        intensity_step: b.num("adaptation.intensity_step", r.intensity_step, step) as f32,
        cap_step: b.num(
            "adaptation.complexity_cap_step",
            r.complexity_cap_step,
            limits::COMPLEXITY_CAP,
        ) as f32,
        referral_step: b.num("adaptation.referral_step", r.referral_step, step) as f32,
        throughput_pull: b.num(
            "adaptation.throughput_pull",
            r.throughput_pull,
            limits::THROUGHPUT_PULL,
        ) as f32,
        exploration: b.num("adaptation.exploration", r.exploration, limits::EXPLORATION) as f32,
        gradient_gain: b.num(
            "adaptation.gradient_gain",
            r.gradient_gain,
            limits::GRADIENT_GAIN,
        ) as f32,
        harm_gain: b.num("adaptation.harm_gain", r.harm_gain, limits::HARM_GAIN) as f32,
        threshold_range: range(
            b,
            "threshold_range",
            r.threshold_range,
            limits::ELIGIBILITY_THRESHOLD,
        ),
        prevention_range: range(
            b,
            "prevention_range",
            r.prevention_range,
            limits::PREVENTION_SHARE,
        ),
        intensity_range: range(b, "intensity_range", r.intensity_range, limits::INTENSITY),
        cap_range: range(
            b,
            "complexity_cap_range",
            r.complexity_cap_range,
            limits::COMPLEXITY_CAP,
        ),
        max_wait_weeks: b.whole("adaptation.max_wait_weeks", r.max_wait_weeks) as u16,
    }
}

/// The keys a schedule may set: barrier strengths and the leadership weight.
pub fn schedulable(key: &str) -> Option<fn(f32) -> Change> {
    if key == "leadership.whole_systems_weight" {
        return Some(Change::WholeSystemsWeight);
    }
    let name = key.strip_prefix("barriers.")?.strip_suffix(".strength")?;
    Some(match BarrierKind::from_name(name)? {
        BarrierKind::RingFencedBudgets => |s| Change::Barrier(BarrierKind::RingFencedBudgets, s),
        BarrierKind::FunctionBoundTargets => {
            |s| Change::Barrier(BarrierKind::FunctionBoundTargets, s)
        }
        BarrierKind::ProfessionalBoundaries => {
            |s| Change::Barrier(BarrierKind::ProfessionalBoundaries, s)
        }
        BarrierKind::OrganisationalFrameworks => {
            |s| Change::Barrier(BarrierKind::OrganisationalFrameworks, s)
        }
        BarrierKind::FrontlineBurden => |s| Change::Barrier(BarrierKind::FrontlineBurden, s),
    })
}

/// The bounds of each lever (in the order of `LEVER_NAMES`), as for an
/// agency's initial policy.
const LEVER_BOUNDS: [Bounds<f64>; LEVERS] = [
    limits::ELIGIBILITY_THRESHOLD,
    limits::PREVENTION_SHARE,
    limits::INTENSITY,
    limits::COMPLEXITY_CAP,
    limits::REFERRAL_PROPENSITY,
];

/// The fields of `agencies.<id>` a schedule may set: capacity and budget,
/// each lever of its policy (steering it by hand) and `adaptive` (handing it back).
fn agency_schedulable(field: &str) -> bool {
    matches!(field, "capacity_per_week" | "budget_per_year" | "adaptive")
        || LEVER_NAMES.contains(&field)
}

fn schedule(
    b: &mut Builder,
    raw: Option<Vec<RawScheduled>>,
    place: &Place,
    agencies: &[String],
) -> Vec<ScheduledChange> {
    let mut out = Vec::new();
    // Two changes of the same key in the same week would act in file order,
    // which a reader cannot see: refuse them.
    let mut set_at: std::collections::BTreeMap<(u64, String), usize> = Default::default();
    let allowed: Vec<String> = BarrierKind::ALL
        .iter()
        .map(|k| format!("barriers.{}.strength", k.name()))
        .chain(["leadership.whole_systems_weight".to_string()])
        .chain(["agencies.<id>.capacity_per_week".to_string()])
        .chain(["agencies.<id>.budget_per_year".to_string()])
        .chain(LEVER_NAMES.iter().map(|l| format!("agencies.<id>.{l}")))
        .chain(["agencies.<id>.adaptive".to_string()])
        .collect();
    for (i, s) in raw.unwrap_or_default().into_iter().enumerate() {
        let path = format!("schedule.{i}");
        let week = b.int(
            &format!("{path}.week"),
            s.week,
            Bounds::new(0, place.weeks.saturating_sub(1)),
        );
        let Some(set) = s.set else {
            b.missing(&format!("{path}.set"));
            continue;
        };
        for (key, v) in set {
            let kp = format!("{path}.set.{key}");
            if let Some(first) = set_at.insert((week, key.clone()), i) {
                b.problem(
                    &kp,
                    format!(
                        "week {week} already sets `{key}` (schedule entry {first}); \
                         give each key at most one change a week"
                    ),
                );
                continue;
            }
            if let Some((agency, field)) = key
                .strip_prefix("agencies.")
                .and_then(|k| k.split_once('.'))
                .filter(|(_, f)| agency_schedulable(f))
            {
                let Some(i) = agencies.iter().position(|id| id == agency) else {
                    b.problem(
                        &kp,
                        format!(
                            "no agency `{agency}`; agencies: {}{}",
                            agencies.join(", "),
                            suggestion(agency, agencies.iter().map(String::as_str))
                        ),
                    );
                    continue;
                };
                let a = i as u8;
                let change = match field {
                    "capacity_per_week" => {
                        Change::Capacity(a, b.num(&kp, v.as_f64(), limits::CAPACITY_PER_WEEK))
                    }
                    "budget_per_year" => {
                        Change::Budget(a, b.num(&kp, v.as_f64(), limits::ANNUAL_BUDGET))
                    }
                    "adaptive" => {
                        if v.as_bool() != Some(true) {
                            b.problem(
                                &kp,
                                "must be true: it hands the agency back to its own adaptive rule \
                                 (set a lever to steer it by hand)",
                            );
                        }
                        Change::Adaptive(a)
                    }
                    lever => {
                        let l = LEVER_NAMES
                            .iter()
                            .position(|n| *n == lever)
                            .expect("agency_schedulable lets through only levers here");
                        let x = b.num(&kp, v.as_f64(), LEVER_BOUNDS[l]) as f32;
                        Change::Lever(a, l as u8, x)
                    }
                };
                out.push(ScheduledChange {
                    tick: place.warmup_weeks + week as u32,
                    change,
                });
                continue;
            }
            match schedulable(&key) {
                Some(make) => {
                    let bounds = match make(0.0) {
                        Change::WholeSystemsWeight(_) => limits::WHOLE_SYSTEMS_WEIGHT,
                        _ => limits::STRENGTH,
                    };
                    let x = b.num(&kp, v.as_f64(), bounds) as f32;
                    out.push(ScheduledChange {
                        tick: place.warmup_weeks + week as u32,
                        change: make(x),
                    });
                }
                None => {
                    let msg = format!(
                        "a schedule can set only {}{}",
                        allowed.join(", "),
                        suggestion(&key, allowed.iter().map(String::as_str))
                    );
                    b.problem(&kp, msg);
                }
            }
        }
    }
    out.sort_by_key(|c| c.tick);
    out
}
