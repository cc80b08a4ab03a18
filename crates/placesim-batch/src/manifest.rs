//! The manifest of a sweep: what `manifest.json` says about a sweep file
//! (its resolved variants, the swept parameters, the replicate seeds, the
//! sweep's hash), written and read back with errors a user can act on.

use crate::{io_err, BatchError, SweepOptions};
use placesim_results::manifest::fnv1a_hex;
use placesim_results::{
    EnsembleMember, Manifest, ManifestDesign, ManifestEnsemble, ManifestError, ManifestVariant,
    MODEL_VERSION,
};
use placesim_scenario::Sweep;
use serde_json::Value;
use std::path::Path;

/// The manifest of `sweep` run with `opts`.
pub(crate) fn manifest_for(sweep: &Sweep, opts: &SweepOptions) -> Manifest {
    let seed = opts.seed.unwrap_or(sweep.seed);
    let replicates = opts.replicates.unwrap_or(sweep.replicates);
    let every_weeks = opts.every_weeks.unwrap_or_else(|| {
        sweep
            .variants
            .first()
            .map_or(1, |v| v.scenario.output.every_weeks)
    });
    // The swept parameters: every dotted key whose resolved value differs between variants.
    let flat: Vec<Vec<(String, Value)>> = sweep
        .variants
        .iter()
        .map(|v| flatten(&v.scenario.resolved))
        .collect();
    let swept: Vec<String> = flat
        .first()
        .map(|first| {
            first
                .iter()
                .filter(|(k, x)| {
                    k != "name"
                        && k != "description"
                        && flat
                            .iter()
                            .any(|f| f.iter().find(|(k2, _)| k2 == k).map(|(_, y)| y) != Some(x))
                })
                .map(|(k, _)| k.clone())
                .collect()
        })
        .unwrap_or_default();
    let variants: Vec<ManifestVariant> = sweep
        .variants
        .iter()
        .zip(&flat)
        .map(|(v, f)| ManifestVariant {
            name: v.name.clone(),
            overrides: v.overrides.clone(),
            swept_values: swept
                .iter()
                .map(|k| {
                    f.iter()
                        .find(|(k2, _)| k2 == k)
                        .map_or(Value::Null, |(_, x)| x.clone())
                })
                .collect(),
            params: v.scenario.params.clone(),
        })
        .collect();
    let mut reseeded = sweep.clone();
    reseeded.seed = seed;
    let defaults = variants
        .iter()
        .find(|v| v.name == sweep.baseline)
        .or(variants.first())
        .map_or(String::new(), |v| {
            placesim_results::defaults_hash(&v.params)
        });
    let design = sweep.design.as_ref().map(|d| ManifestDesign {
        method: d.method,
        uncertainty_file: d.uncertainty_file.clone(),
        keys: d.keys.clone(),
        groups: d.groups.clone(),
        points: d.points.clone(),
        resolved: sweep
            .variants
            .iter()
            .map(|v| v.scenario.resolved.clone())
            .collect(),
        // Empty (and then not written) unless a key is categorical: a
        // design without one has the manifest, and the hash, it had before.
        categories: d.categories.clone(),
    });
    let ensemble = sweep.ensemble.as_ref().map(|e| ManifestEnsemble {
        file: e.file.clone(),
        keys: e.keys.clone(),
        members: e
            .weights
            .iter()
            .zip(&e.values)
            .map(|(&weight, values)| EnsembleMember {
                weight,
                values: values.clone(),
            })
            .collect(),
        // From the seed and the replicate alone: growing the sweep keeps these.
        replicate_members: (0..replicates).map(|r| e.draw(seed, r)).collect(),
        resolved: sweep
            .variants
            .iter()
            .map(|v| v.scenario.resolved.clone())
            .collect(),
    });
    Manifest {
        placesim_version: env!("CARGO_PKG_VERSION").to_string(),
        sweep: sweep.name.clone(),
        description: sweep.description.clone(),
        sweep_hash: sweep_hash(
            &sweep.name,
            seed,
            &sweep.baseline,
            every_weeks,
            MODEL_VERSION,
            &variants,
            design.as_ref(),
            ensemble.as_ref(),
        ),
        sweep_seed: seed,
        replicates,
        baseline: sweep.baseline.clone(),
        every_weeks,
        swept,
        replicate_seeds: (0..replicates)
            .map(|r| reseeded.replicate_seed(r))
            .collect(),
        variants,
        failed_runs: Vec::new(),
        model_version: MODEL_VERSION.to_string(),
        defaults_hash: defaults,
        shard: opts.shard.map(Into::into),
        design,
        ensemble,
    }
}

/// The hash of what makes a sweep this sweep: its name, seed, baseline,
/// cadence, the model version, every variant's parameters and, for a
/// sensitivity design, its method, keys and points; for a sweep on an
/// ensemble, its keys, members and the resolved scenarios they are set
/// over (not the file's name: the same members from a moved file are the
/// same sweep; and not the members drawn, which follow from the seed).
#[allow(clippy::too_many_arguments)]
fn sweep_hash(
    name: &str,
    seed: u64,
    baseline: &str,
    every_weeks: u32,
    model_version: &str,
    variants: &[ManifestVariant],
    design: Option<&ManifestDesign>,
    ensemble: Option<&ManifestEnsemble>,
) -> String {
    let mut identity = serde_json::json!({
        "name": name, "seed": seed, "baseline": baseline, "every_weeks": every_weeks,
        // A folder made by another model (or another seed derivation) is another sweep: never resumed into.
        "model_version": model_version,
        "variants": variants.iter().map(|v| serde_json::json!({"name": v.name, "params": v.params})).collect::<Vec<_>>(),
    });
    // A plain sweep's hash is as it was before designs existed.
    if let (Some(d), Some(map)) = (design, identity.as_object_mut()) {
        map.insert(
            "design".into(),
            serde_json::to_value(d).unwrap_or(Value::Null),
        );
    }
    // So is a sweep's without an ensemble.
    if let (Some(e), Some(map)) = (ensemble, identity.as_object_mut()) {
        map.insert(
            "ensemble".into(),
            serde_json::json!({"keys": e.keys, "members": e.members, "resolved": e.resolved}),
        );
    }
    fnv1a_hex(identity.to_string().as_bytes())
}

/// A manifest read back must be the sweep its hash says: an edited seed,
/// cadence or variant is named rather than trusted.
pub(crate) fn check_identity(dir: &Path, m: &Manifest) -> Result<(), BatchError> {
    let hash = sweep_hash(
        &m.sweep,
        m.sweep_seed,
        &m.baseline,
        m.every_weeks,
        &m.model_version,
        &m.variants,
        m.design.as_ref(),
        m.ensemble.as_ref(),
    );
    if hash != m.sweep_hash || m.replicate_seeds.len() != m.replicates as usize {
        return Err(BatchError::BadInput(format!(
            "{}/manifest.json has been changed: its seed, cadence, variants or replicate seeds no longer match its sweep hash {}",
            dir.display(),
            m.sweep_hash
        )));
    }
    if let Some(e) = &m.ensemble {
        let weights: Vec<f64> = e.members.iter().map(|x| x.weight).collect();
        let drawn =
            (0..m.replicates).map(|r| placesim_scenario::ensemble::draw(&weights, m.sweep_seed, r));
        if !drawn.eq(e.replicate_members.iter().copied())
            || e.members.iter().any(|x| x.values.len() != e.keys.len())
            || e.resolved.len() != m.variants.len()
        {
            return Err(BatchError::BadInput(format!(
                "{}/manifest.json has been changed: its ensemble's members, or the members its replicates drew, no longer match its sweep hash {} and seed",
                dir.display(),
                m.sweep_hash
            )));
        }
    }
    Ok(())
}

/// Why a folder run on one ensemble (or none) cannot be resumed with
/// another (or none): `None` if they are the same members.
pub(crate) fn ensemble_mismatch(
    old: Option<&ManifestEnsemble>,
    new: Option<&ManifestEnsemble>,
) -> Option<String> {
    let describe = |e: &ManifestEnsemble| {
        format!(
            "{} ({} members over {})",
            e.file,
            e.members.len(),
            e.keys.join(", ")
        )
    };
    match (old, new) {
        (None, None) => None,
        (Some(o), None) => Some(format!(
            "was run on the ensemble {}; give --ensemble {} again to resume it",
            describe(o),
            o.file
        )),
        (None, Some(n)) => Some(format!(
            "was run without an ensemble, so it cannot be resumed with --ensemble {}; resume it without --ensemble",
            n.file
        )),
        (Some(o), Some(n)) => {
            let differ = if o.keys != n.keys {
                format!(
                    "over {}, not {}",
                    o.keys.join(", "),
                    n.keys.join(", ")
                )
            } else if o.members.len() != n.members.len() {
                format!(
                    "of {} members, not {}",
                    o.members.len(),
                    n.members.len()
                )
            } else {
                let m = o.members.iter().zip(&n.members).position(|(a, b)| a != b)?;
                format!(
                    "whose member {m} has another weight or other values than in {}",
                    n.file
                )
            };
            Some(format!(
                "was run on an ensemble {differ}; give --ensemble {} (the file it was started with) to resume it",
                o.file
            ))
        }
    }
}

/// Every leaf of a JSON value as (dotted key, value), in document order.
fn flatten(v: &Value) -> Vec<(String, Value)> {
    fn go(v: &Value, path: &str, out: &mut Vec<(String, Value)>) {
        match v {
            Value::Object(m) => {
                for (k, x) in m {
                    go(
                        x,
                        &if path.is_empty() {
                            k.clone()
                        } else {
                            format!("{path}.{k}")
                        },
                        out,
                    );
                }
            }
            other => out.push((path.to_string(), other.clone())),
        }
    }
    let mut out = Vec::new();
    go(v, "", &mut out);
    out
}

pub(crate) fn write_manifest(out: &Path, m: &Manifest) -> Result<(), BatchError> {
    m.write(out)
        .map_err(io_err(format!("writing {}/manifest.json", out.display())))
}

/// Read a results folder's manifest; a missing or damaged one is bad input.
pub(crate) fn read_manifest(dir: &Path) -> Result<Manifest, BatchError> {
    Manifest::read(dir).map_err(|e| match e {
        ManifestError::Unreadable(e) => BatchError::BadInput(format!(
            "{} is not a placesim results folder: cannot read manifest.json ({e})",
            dir.display()
        )),
        ManifestError::Damaged(e) => {
            BatchError::BadInput(format!("{}/manifest.json is damaged: {e}", dir.display()))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use placesim_core::params::Reallocation;
    use placesim_results::RunId;
    use placesim_scenario::{Source, Sweep};
    use placesim_sensitivity::design::Method;

    const KEY: &str = "barriers.ring_fenced_budgets.reallocation";

    fn design_sweep(uncertainty: &str) -> Sweep {
        let doc = placesim_scenario::source::parse("u.toml", uncertainty).unwrap();
        let uncertain =
            placesim_scenario::uncertainty::read(&doc).unwrap_or_else(|e| panic!("{e}"));
        placesim_scenario::sweep::load(&Source::Builtin("sensitivity.sweep.toml"))
            .and_then(|s| {
                s.with_design(&uncertain, "u.toml", Method::LatinHypercube { samples: 9 })
            })
            .unwrap_or_else(|e| panic!("{e}"))
    }

    fn options() -> SweepOptions {
        SweepOptions {
            out: "unused".into(),
            replicates: None,
            seed: None,
            resume: false,
            force: false,
            every_weeks: None,
            shard: None,
        }
    }

    /// The manifest of a design over a categorical key records its values,
    /// reads them back, keeps its hash, and each run is built with the value
    /// its point's position names.
    #[test]
    fn a_design_manifest_carries_its_categories_to_every_run() {
        let sweep = design_sweep(
            r#"
[uncertainty."barriers.ring_fenced_budgets.reallocation"]
distribution = "categorical"
values = ["last_year_spend", "need_origin", "invest_to_save"]
reason = "assumed"
"#,
        );
        let m = manifest_for(&sweep, &options());
        let design = m.design.as_ref().unwrap();
        let values: Vec<Value> = ["last_year_spend", "need_origin", "invest_to_save"]
            .into_iter()
            .map(Value::from)
            .collect();
        assert_eq!(
            design.categories,
            [(KEY.to_string(), values)].into_iter().collect()
        );
        assert_eq!(design.categories, sweep.design.as_ref().unwrap().categories);
        let bytes = placesim_results::manifest::pretty_json(&m).unwrap();
        let back: Manifest = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(back.design, m.design);
        check_identity(Path::new("unused"), &back).unwrap();
        let rules = [
            Reallocation::LastYearSpend,
            Reallocation::NeedOrigin,
            Reallocation::InvestToSave,
        ];
        for (p, point) in design.points.iter().enumerate() {
            for variant in 0..2 {
                let id = RunId {
                    design_point: p as u32,
                    variant,
                    replicate: 1,
                };
                let params = crate::start::run_params(&back, id).unwrap();
                assert_eq!(params.prices.reallocation, rules[point[0] as usize]);
                assert_eq!(params.place.seed, back.replicate_seeds[1]);
            }
        }
    }

    /// A sweep on an ensemble: the manifest records the members and the
    /// member each replicate drew, reads back and checks out; every run is
    /// built with its replicate's member; an edited draw is caught, and a
    /// folder is resumed only with the same members.
    #[test]
    fn an_ensemble_manifest_builds_each_run_with_its_replicates_member() {
        let ensemble = placesim_scenario::ensemble::read(
            "posterior.csv",
            "member,weight,citizens.risk_sigma,agencies.acute.beds.beds
0,0.5,0.7,200.4
1,0.5,1.1,320
",
        )
        .unwrap();
        let sweep = placesim_scenario::sweep::load(&Source::Builtin("sensitivity.sweep.toml"))
            .and_then(|s| s.with_ensemble(ensemble))
            .unwrap_or_else(|e| panic!("{e}"));
        let mut opts = options();
        opts.replicates = Some(8);
        let m = manifest_for(&sweep, &opts);
        let e = m.ensemble.as_ref().unwrap();
        assert_eq!(e.replicate_members.len(), 8);
        assert!(e.replicate_members.contains(&0) && e.replicate_members.contains(&1));
        let bytes = placesim_results::manifest::pretty_json(&m).unwrap();
        let back: Manifest = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(back.ensemble, m.ensemble);
        check_identity(Path::new("unused"), &back).unwrap();
        assert!(back.run_params(RunId::new(0, 0)).is_none());
        for r in 0..8 {
            let member = e.replicate_members[r as usize];
            let (sigma, beds) = [(0.7f32, 200.0), (1.1f32, 320.0)][member as usize];
            for variant in 0..2 {
                let params = crate::start::run_params(&back, RunId::new(variant, r)).unwrap();
                assert_eq!(params.citizens.risk_sigma, sigma);
                let acute = params.agencies.iter().find(|a| a.id == "acute").unwrap();
                // A whole-number key runs at the nearest whole number.
                assert_eq!(acute.beds.as_ref().unwrap().beds, beds);
                assert_eq!(params.place.seed, back.replicate_seeds[r as usize]);
            }
        }
        // Without the ensemble the hash differs: another sweep.
        let plain = manifest_for(
            &placesim_scenario::sweep::load(&Source::Builtin("sensitivity.sweep.toml")).unwrap(),
            &opts,
        );
        assert_ne!(plain.sweep_hash, m.sweep_hash);
        let mut edited = back.clone();
        let first = &mut edited.ensemble.as_mut().unwrap().replicate_members[0];
        *first = 1 - *first;
        let err = check_identity(Path::new("dir"), &edited)
            .unwrap_err()
            .to_string();
        assert!(err.contains("members its replicates drew"), "{err}");
        assert_eq!(
            ensemble_mismatch(m.ensemble.as_ref(), back.ensemble.as_ref()),
            None
        );
        let mut reweighted = back.ensemble.clone().unwrap();
        reweighted.members[1].weight = 0.6;
        let why = ensemble_mismatch(m.ensemble.as_ref(), Some(&reweighted)).unwrap();
        assert!(why.contains("member 1 has another weight"), "{why}");
        assert!(ensemble_mismatch(m.ensemble.as_ref(), None)
            .unwrap()
            .contains("give --ensemble posterior.csv again"));
        assert!(ensemble_mismatch(None, m.ensemble.as_ref())
            .unwrap()
            .contains("was run without an ensemble"));
    }

    /// Without a categorical key the manifest has no `categories`: the
    /// bytes, and the sweep hash, of a design are what they were.
    #[test]
    fn a_numeric_design_manifest_writes_no_categories() {
        let sweep = design_sweep(
            r#"
[uncertainty."citizens.risk_sigma"]
distribution = "uniform"
low = 0.7
high = 1.1
reason = "assumed"
"#,
        );
        let m = manifest_for(&sweep, &options());
        assert!(m.design.as_ref().unwrap().categories.is_empty());
        let text = String::from_utf8(placesim_results::manifest::pretty_json(&m).unwrap()).unwrap();
        assert!(!text.contains("categories"), "{text}");
    }
}
