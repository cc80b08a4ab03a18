//! `manifest.json`: everything needed to reproduce a sweep, and nothing that
//! changes between runs of it. Written when a sweep starts and again when it
//! ends (with its failed runs); read to resume, merge, rerun and plot.

use crate::atomic::write_atomic;
use crate::run_id::{RunGrid, RunId};
use placesim_core::Params;
use placesim_sensitivity::design::Method;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::io;
use std::path::Path;

/// The version of the model's outputs. Bump it whenever outputs change for
/// the same scenario or sweep file (a change that regenerates the golden run
/// or the committed flagship results), so a results folder says which model
/// made it. 2: replicate seeds below 10^15. 3: failure demand as Seddon
/// defines it (chasing; repeats about the same unresolved need), beds with
/// crowding and delayed discharge, winter pressure, stepped wellbeing, a
/// random stream per serial phase, outputs named `week` not `tick`. 4: every
/// variant of a sweep's replicate continues its baseline's burn-in. 5: a
/// served case that resolves a need clears it as unresolved at once; a
/// continued place pays only for its own lifts; crisis services' hand-offs
/// cost no frontline time. 6: a steady state (waits read off the waiting
/// list, coupling before its ×2.5, 280 beds, a 520-week burn-in). 7:
/// EQ-5D wellbeing, outcomes by risk fifth, prevention capacity carried.
/// 8: the default place at 30,000 citizens. 9: the prevention reserve
/// carries up to a case at the agency's intensity, and nothing when none is reserved.
/// 10: money converted from the scenario's input price year to its price
/// year with the GDP deflator; winter in stays (beds) more than in volumes;
/// QALYs and the net monetary benefit among the outcomes. 11: barriers
/// with two sides (misrouted referrals caught by own assessments; outcome
/// KPIs lagged and audited; unreported KPIs misread), the lead
/// professional at specialist rates with the host's depth thinning. 12:
/// pooled, an agency spends within its board allocation as well as within
/// what the pool has left; the board's reallocation rule is a choice;
/// money can buy capacity (off by default). 13: fixes from review: a
/// caught misroute goes to the service it was meant for, the wrong service
/// is drawn uniformly, the outcome audit is per quarter, and the protected
/// prevention pot is spent once. 14: agencies learn each lever on its own
/// by trial (simultaneous perturbation) on a KPI score, not one controller
/// moving all levers in lockstep; the harm an agency causes elsewhere is
/// booked to the quarter of its failure. 15: comparison.csv has each
/// row's p-value and its Holm adjustment; a sweep can be a sensitivity
/// design (design points in runs.csv and the manifest).
pub const MODEL_VERSION: &str = "15";

/// The manifest's file name in a results folder.
pub const MANIFEST: &str = "manifest.json";

/// One variant as the manifest records it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ManifestVariant {
    pub name: String,
    pub overrides: Vec<(String, Value)>,
    /// This variant's value of each swept parameter, in the order of `swept`.
    pub swept_values: Vec<Value>,
    pub params: Params,
}

/// A run that failed, with why.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct FailedRun {
    pub run_id: u64,
    pub variant: String,
    pub replicate: u32,
    pub error: String,
}

/// Which shard of a sweep a shard's folder holds (`index` of `count`, from 0).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestShard {
    pub index: u32,
    pub count: u32,
}

/// The design of a sensitivity analysis: every variant runs at every point,
/// each point's values set over the variant's resolved scenario.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ManifestDesign {
    /// The method and its size; with the sweep seed and `keys.len()`, it
    /// rebuilds the design's structure (`placesim_sensitivity::design`).
    #[serde(flatten)]
    pub method: Method,
    /// The file the uncertain parameters came from.
    pub uncertainty_file: String,
    /// The uncertain parameters, dotted keys, in the file's order.
    pub keys: Vec<String>,
    /// The group each key moves with: its group's name, or the key itself when alone.
    pub groups: Vec<String>,
    /// Each point's value of each key, in run order.
    pub points: Vec<Vec<f64>>,
    /// Each variant's resolved scenario (in the variants' order), over which a point's values are set.
    pub resolved: Vec<Value>,
    /// The values of each categorical key (`distribution = "categorical"`):
    /// a point holds the position of its value in this list. Empty when no
    /// key is categorical, and then not written.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub categories: std::collections::BTreeMap<String, Vec<Value>>,
}

/// One member of a posterior ensemble.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct EnsembleMember {
    /// Its weight: the chance a replicate draws it.
    pub weight: f64,
    /// Its value of each key, in the order of [`ManifestEnsemble::keys`].
    pub values: Vec<f64>,
}

/// The posterior ensemble a sweep ran on: each replicate drew one member,
/// whose values are set over every variant's resolved scenario, so the
/// replicate's variants share parameters as well as random numbers.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ManifestEnsemble {
    /// The posterior file, as it was given.
    pub file: String,
    /// The dotted keys the members set, in the file's order.
    pub keys: Vec<String>,
    /// The members, in the file's order (member m is `members[m]`).
    pub members: Vec<EnsembleMember>,
    /// The member each replicate drew, in replicate order.
    pub replicate_members: Vec<u32>,
    /// Each variant's resolved scenario (in the variants' order), over which a member's values are set.
    pub resolved: Vec<Value>,
}

/// `manifest.json`. Fields are written in this order; fields added later
/// come last and read as empty from older manifests.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Manifest {
    pub placesim_version: String,
    pub sweep: String,
    pub description: String,
    /// FNV-1a 64 of the resolved sweep (variants, seed, sampling), without the replicate count.
    pub sweep_hash: String,
    pub sweep_seed: u64,
    pub replicates: u32,
    pub baseline: String,
    pub every_weeks: u32,
    /// Dotted keys the variants differ by: the swept parameters, columns of `runs.csv`.
    pub swept: Vec<String>,
    /// Seed of each replicate, shared by every variant.
    pub replicate_seeds: Vec<u64>,
    pub variants: Vec<ManifestVariant>,
    pub failed_runs: Vec<FailedRun>,
    /// [`MODEL_VERSION`] of the model that made the results (empty in manifests older than it).
    #[serde(default)]
    pub model_version: String,
    /// [`defaults_hash`] of the baseline variant's parameters (empty in manifests older than it).
    #[serde(default)]
    pub defaults_hash: String,
    /// Set in a shard's folder only; a whole sweep's manifest has no `shard`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<ManifestShard>,
    /// Set for a sensitivity design only: its points, at each of which every variant runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub design: Option<ManifestDesign>,
    /// Set for a sweep run on a posterior ensemble only (`--ensemble`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ensemble: Option<ManifestEnsemble>,
}

/// Why a manifest could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    /// There is no readable `manifest.json`: not a results folder.
    #[error("cannot read manifest.json ({0})")]
    Unreadable(io::Error),
    /// `manifest.json` is not a manifest.
    #[error("manifest.json is damaged ({0})")]
    Damaged(serde_json::Error),
}

impl Manifest {
    /// Read `dir/manifest.json`.
    pub fn read(dir: &Path) -> Result<Manifest, ManifestError> {
        let bytes = std::fs::read(dir.join(MANIFEST)).map_err(ManifestError::Unreadable)?;
        serde_json::from_slice(&bytes).map_err(ManifestError::Damaged)
    }

    /// Write `dir/manifest.json` atomically (pretty JSON, ending in a newline).
    pub fn write(&self, dir: &Path) -> io::Result<()> {
        write_atomic(&dir.join(MANIFEST), &pretty_json(self)?)
    }

    /// The sweep's runs: its design points (one for a plain sweep), variants and replicates.
    pub fn grid(&self) -> RunGrid {
        RunGrid {
            design_points: self.design.as_ref().map_or(1, |d| d.points.len() as u32),
            variants: self.variants.len() as u32,
            replicates: self.replicates,
        }
    }

    /// The index of the baseline variant.
    pub fn baseline_index(&self) -> Option<usize> {
        self.variants.iter().position(|v| v.name == self.baseline)
    }

    /// The parameters of a run of a plain sweep: its variant's, with its
    /// replicate's seed (a design's runs, and an ensemble's, are built by
    /// `placesim-batch`).
    pub fn run_params(&self, id: RunId) -> Option<Params> {
        if self.design.is_some() || self.ensemble.is_some() {
            return None;
        }
        let mut params = self.variants.get(id.variant as usize)?.params.clone();
        params.place.seed = *self.replicate_seeds.get(id.replicate as usize)?;
        Some(params)
    }
}

/// A value as pretty JSON ending in a newline, as every JSON file of a results folder is written.
pub fn pretty_json<T: Serialize>(value: &T) -> io::Result<Vec<u8>> {
    let mut bytes = serde_json::to_vec_pretty(value).map_err(io::Error::other)?;
    bytes.push(b'\n');
    Ok(bytes)
}

/// FNV-1a 64 of `bytes`, as 16 hex digits.
pub fn fnv1a_hex(bytes: &[u8]) -> String {
    let hash = bytes.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, &b| {
        (h ^ b as u64).wrapping_mul(0x0100_0000_01b3)
    });
    format!("{hash:016x}")
}

/// The hash of the model's defaults a sweep ran on: FNV-1a 64 of the
/// compact JSON of the baseline variant's resolved parameters (every value
/// the model was given, defaults included), as 16 hex digits.
pub fn defaults_hash(baseline: &Params) -> String {
    fnv1a_hex(&serde_json::to_vec(baseline).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_committed_flagship_manifest_reads_and_older_fields_default() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../results/total-place");
        let m = Manifest::read(&dir).unwrap();
        assert_eq!(m.sweep, "total-place");
        assert_eq!(m.grid().len(), 800);
        assert_eq!(m.baseline_index(), Some(0));
        let params = m.run_params(RunId::new(7, 99)).unwrap();
        assert_eq!(params.place.seed, m.replicate_seeds[99]);
        assert_eq!(defaults_hash(&params).len(), 16);
        let mut older = serde_json::to_value(&m).unwrap();
        for newer in [
            "model_version",
            "defaults_hash",
            "shard",
            "design",
            "ensemble",
        ] {
            older.as_object_mut().unwrap().remove(newer);
        }
        let older: Manifest = serde_json::from_value(older).unwrap();
        assert!(older.model_version.is_empty() && older.defaults_hash.is_empty());
        assert!(older.shard.is_none());
        // A plain sweep writes no ensemble: its manifest is the bytes it was
        // before ensembles existed.
        assert!(m.ensemble.is_none());
        let text = String::from_utf8(pretty_json(&m).unwrap()).unwrap();
        assert!(!text.contains("ensemble"));
        assert_eq!(
            text.as_bytes(),
            std::fs::read(dir.join(MANIFEST)).unwrap().as_slice()
        );
    }

    fn design(categories: std::collections::BTreeMap<String, Vec<Value>>) -> ManifestDesign {
        ManifestDesign {
            method: Method::LatinHypercube { samples: 2 },
            uncertainty_file: "u.toml".into(),
            keys: vec![
                "barriers.ring_fenced_budgets.reallocation".into(),
                "citizens.risk_sigma".into(),
            ],
            groups: vec![
                "barriers.ring_fenced_budgets.reallocation".into(),
                "citizens.risk_sigma".into(),
            ],
            points: vec![vec![2.0, 0.75], vec![0.0, 1.05]],
            resolved: vec![serde_json::json!({"place": {"population": 2000}})],
            categories,
        }
    }

    /// A categorical key's values are written and read back as they were;
    /// a design without one writes no `categories` at all, so its manifest
    /// is the bytes it was before categories existed.
    #[test]
    fn a_design_round_trips_its_categories_and_writes_none_when_empty() {
        let values: Vec<Value> = ["last_year_spend", "need_origin", "invest_to_save"]
            .into_iter()
            .map(Value::from)
            .collect();
        let with = design(
            [(
                "barriers.ring_fenced_budgets.reallocation".to_string(),
                values,
            )]
            .into(),
        );
        let bytes = pretty_json(&with).unwrap();
        let text = String::from_utf8(bytes.clone()).unwrap();
        assert!(text.contains("\"categories\": {"), "{text}");
        assert!(text.contains("\"need_origin\""), "{text}");
        let back: ManifestDesign = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(back, with);
        let without = design(Default::default());
        let bytes = pretty_json(&without).unwrap();
        assert!(!String::from_utf8(bytes.clone())
            .unwrap()
            .contains("categories"));
        let back: ManifestDesign = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(back, without);
        // Field for field, the design as written before `categories` existed.
        let mut before = serde_json::to_value(&with).unwrap();
        before.as_object_mut().unwrap().remove("categories");
        assert_eq!(
            serde_json::to_vec_pretty(&before).unwrap(),
            serde_json::to_vec_pretty(&without).unwrap()
        );
    }

    #[test]
    fn fnv1a_matches_its_reference_values() {
        assert_eq!(fnv1a_hex(b""), "cbf29ce484222325");
        assert_eq!(fnv1a_hex(b"a"), "af63dc4c8601ec8c");
    }
}
