//! Replicate runs and paired statistics shared by the model tests.

use placesim_core::{AgencyId, Params, Summary, World};

/// Run `params` once per seed and return the summaries (seed order).
pub fn replicates(params: &Params, seeds: std::ops::RangeInclusive<u64>) -> Vec<Summary> {
    seeds
        .map(|seed| {
            let mut p = params.clone();
            p.place.seed = seed;
            let mut w = World::new(p);
            w.run();
            w.summary()
        })
        .collect()
}

/// Seeds of the paired replicates shared by the model tests.
pub const SHARED_SEEDS: std::ops::RangeInclusive<u64> = 1..=20;
/// Citizens in each shared replicate: enough for the mechanisms the paired
/// tests check, at a fifteenth of the default's cost (outcome levels, such
/// as chasing, still depend on resolution: docs/ODD.md §5).
pub const SHARED_POPULATION: u32 = 2_000;

/// The shared replicates of one variant of the default place: `make` gives
/// its parameters, run at [`SHARED_POPULATION`] citizens on [`SHARED_SEEDS`]
/// once per test binary, whichever test asks first; the others wait for it.
/// Every variant shares the seeds, so replicates pair (common random numbers).
pub fn shared(name: &'static str, make: fn() -> Params) -> &'static [Summary] {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    type Cell = &'static OnceLock<Vec<Summary>>;
    static CELLS: OnceLock<Mutex<HashMap<&'static str, Cell>>> = OnceLock::new();
    let cell: Cell = *CELLS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .entry(name)
        .or_insert_with(|| Box::leak(Box::new(OnceLock::new())));
    cell.get_or_init(|| {
        let mut p = make();
        p.place.population = SHARED_POPULATION;
        replicates(&p, SHARED_SEEDS)
    })
}

/// Two-sided 95 % Student t quantile for `df` degrees of freedom.
pub fn t95(df: usize) -> f64 {
    const T: [f64; 30] = [
        12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160,
        2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056,
        2.052, 2.048, 2.045, 2.042,
    ];
    T.get(df.max(1) - 1).copied().unwrap_or(1.96)
}

/// Mean and 95 % half-width of a sample.
pub fn mean_ci(x: &[f64]) -> (f64, f64) {
    let n = x.len() as f64;
    let mean = x.iter().sum::<f64>() / n;
    let var = x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, t95(x.len() - 1) * (var / n).sqrt())
}

/// Paired differences `a − b` of an outcome.
pub fn diffs(a: &[Summary], b: &[Summary], f: impl Fn(&Summary) -> f64) -> Vec<f64> {
    a.iter().zip(b).map(|(x, y)| f(x) - f(y)).collect()
}

/// A built-in scenario's parameters.
pub fn preset(name: &str) -> Params {
    placesim_scenario::preset(name, &[])
        .unwrap_or_else(|e| panic!("{e}"))
        .params
}

pub fn default_place() -> Params {
    preset("default-place")
}

pub fn total_place() -> Params {
    preset("total-place")
}

/// The index of the agency with this id.
pub fn agency(p: &Params, id: &str) -> AgencyId {
    AgencyId(
        p.agencies
            .iter()
            .position(|a| a.id == id)
            .unwrap_or_else(|| panic!("no agency {id}")) as u8,
    )
}
