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

/// The burn-in every variant of `replicate` continues: the baseline's
/// parameters with the replicate's seed (`None` if the manifest has neither).
pub fn burn_in(m: &Manifest, replicate: u32, every_weeks: u32) -> Option<BurnedIn> {
    let baseline = RunId {
        design_point: 0,
        variant: m.baseline_index()? as u32,
        replicate,
    };
    Some(BurnedIn::new(m.run_params(baseline)?, every_weeks))
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
