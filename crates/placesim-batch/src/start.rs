//! Where each run of a sweep starts: its replicate's baseline, burned in.
//!
//! Every variant of a replicate continues one burn-in, run under the
//! sweep's baseline with the replicate's seed, so the pairing of variants
//! holds from the first counted week and the burn-in is paid once per
//! replicate. A variant's changes take effect at week 0 of the counted
//! years; the transient that follows is part of its outcome. A variant that
//! describes a different place (another population, seed, warm-up, other
//! domains or agencies) cannot continue it, and burns in under itself.

use placesim_core::{BurnedIn, KeptWeek, Params, Run};
use placesim_results::{Manifest, RunId};
use std::borrow::Cow;

/// The parameters of run `id`: its variant's with its replicate's seed;
/// at a point of a sensitivity design, the point's values set over the
/// variant's resolved scenario (a categorical key's value looked up by its
/// position in the design's `categories`).
pub fn run_params(m: &Manifest, id: RunId) -> Result<Params, String> {
    let Some(design) = &m.design else {
        return m.run_params(id).ok_or_else(|| {
            format!(
                "the manifest has no variant {} or seed for replicate {}",
                id.variant, id.replicate
            )
        });
    };
    let seed = m
        .replicate_seeds
        .get(id.replicate as usize)
        .ok_or_else(|| format!("the manifest has no seed for replicate {}", id.replicate))?;
    let (Some(resolved), Some(point)) = (
        design.resolved.get(id.variant as usize),
        design.points.get(id.design_point as usize),
    ) else {
        return Err(format!(
            "the manifest has no variant {} or design point {}",
            id.variant, id.design_point
        ));
    };
    let scenario = placesim_scenario::sweep::at_point(
        resolved,
        &design.keys,
        point,
        &design.categories,
        &design.uncertainty_file,
    )
    .map_err(|e| e.to_string())?;
    let mut params = scenario.params;
    params.place.seed = *seed;
    Ok(params)
}

/// The burn-in every variant of `replicate` at `design_point` continues:
/// the baseline's parameters there with the replicate's seed (`None` if the
/// manifest has neither).
pub fn burn_in(
    m: &Manifest,
    design_point: u32,
    replicate: u32,
    every_weeks: u32,
) -> Option<BurnedIn> {
    let baseline = RunId {
        design_point,
        variant: m.baseline_index()? as u32,
        replicate,
    };
    Some(BurnedIn::new(run_params(m, baseline).ok()?, every_weeks))
}

/// The run of `params`: continuing `shared` if it fits, else burning in
/// under itself; with the burn-in's weeks already kept, to write first
/// (borrowed from the shared burn-in, not copied for each run).
pub fn start(
    shared: Option<&BurnedIn>,
    params: Params,
    every_weeks: u32,
) -> (Run, Cow<'_, [KeptWeek]>) {
    match shared {
        Some(b) if b.fits(&params) => (b.continue_as(params), Cow::Borrowed(b.kept())),
        _ => {
            let own = BurnedIn::new(params.clone(), every_weeks);
            (own.continue_as(params), Cow::Owned(own.kept().to_vec()))
        }
    }
}
