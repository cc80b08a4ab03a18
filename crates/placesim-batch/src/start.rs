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
use placesim_results::{Manifest, ManifestEnsemble, RunId};
use std::borrow::Cow;

/// The parameters of run `id`: its variant's with its replicate's seed;
/// at a point of a sensitivity design, the point's values set over the
/// variant's resolved scenario (a categorical key's value looked up by its
/// position in the design's `categories`); in a sweep on an ensemble, the
/// values of the member its replicate drew, set the same way.
pub fn run_params(m: &Manifest, id: RunId) -> Result<Params, String> {
    if let Some(ensemble) = &m.ensemble {
        return member_params(m, ensemble, id);
    }
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

/// The parameters of run `id` of a sweep on an ensemble: the values of the
/// member its replicate drew set over its variant's resolved scenario, with
/// the replicate's seed.
fn member_params(m: &Manifest, e: &ManifestEnsemble, id: RunId) -> Result<Params, String> {
    if m.design.is_some() {
        return Err(
            "the manifest has both a design and an ensemble; a sweep has one or neither".into(),
        );
    }
    let r = id.replicate as usize;
    let (Some(seed), Some(&member)) = (m.replicate_seeds.get(r), e.replicate_members.get(r)) else {
        return Err(format!(
            "the manifest has no seed or ensemble member for replicate {r}"
        ));
    };
    let (Some(resolved), Some(drawn)) = (
        e.resolved.get(id.variant as usize),
        e.members.get(member as usize),
    ) else {
        return Err(format!(
            "the manifest has no variant {} or ensemble member {member}",
            id.variant
        ));
    };
    let scenario = placesim_scenario::sweep::at_point(
        resolved,
        &e.keys,
        &drawn.values,
        &Default::default(),
        &e.file,
    )
    .map_err(|why| format!("member {member} of {}: {why}", e.file))?;
    let mut params = scenario.params;
    params.place.seed = *seed;
    Ok(params)
}

/// The burn-in every variant of `replicate` at `design_point` continues:
/// the baseline's parameters there (with the replicate's ensemble member,
/// if any) and the replicate's seed (`None` if the manifest has neither).
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
