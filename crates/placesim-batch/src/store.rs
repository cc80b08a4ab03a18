//! The results folder of a sweep: its manifest, the per-run store, the final
//! files, and resuming.

use crate::output::write_atomic;
use crate::shard::Shard;
use placesim_core::stats::Welford;
use placesim_core::{AgencyRow, ComparisonRow, Params, Summary, TickRow, World};
use placesim_scenario::Sweep;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::fs;
use std::io::{self, BufRead, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// What went wrong with a sweep as a whole.
#[derive(Debug, thiserror::Error)]
pub enum BatchError {
    /// The user's request cannot be carried out as given (exit code 2).
    #[error("{0}")]
    BadInput(String),
    /// Shards to merge are missing runs or hold failed ones (exit code 1; merge again later).
    #[error("{0}")]
    Incomplete(String),
    /// Reading or writing the results folder failed (exit code 1).
    #[error("{context}: {source}")]
    Io { context: String, source: io::Error },
}

fn io_err(context: impl Into<String>) -> impl FnOnce(io::Error) -> BatchError {
    let context = context.into();
    move |source| BatchError::Io { context, source }
}

/// How to run a sweep.
#[derive(Clone, Debug)]
pub struct SweepOptions {
    pub out: PathBuf,
    /// Replicates per variant (overrides the sweep file).
    pub replicates: Option<u32>,
    /// Sweep seed (overrides the sweep file).
    pub seed: Option<u64>,
    /// Finish an interrupted sweep, or add replicates to a finished one.
    pub resume: bool,
    /// Start again in a non-empty results folder.
    pub force: bool,
    /// Keep every `every_weeks`-th week in the time series.
    pub every_weeks: u32,
    /// Run only this shard, into `out/<shard folder>/` (see `shard.rs`).
    pub shard: Option<Shard>,
}

/// Progress reported while runs finish.
#[derive(Clone, Copy, Debug)]
pub struct Progress {
    pub done: u64,
    pub total: u64,
    pub citizen_steps: u64,
    pub elapsed_secs: f64,
}

/// What a sweep did.
#[derive(Clone, Debug)]
pub struct SweepReport {
    pub runs: u64,
    pub ran_now: u64,
    pub failed: Vec<FailedRun>,
    pub wall_secs: f64,
    pub citizen_steps_per_sec: f64,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct FailedRun {
    pub run_id: u64,
    pub variant: String,
    pub replicate: u32,
    pub error: String,
}

/// One variant as the manifest records it.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct ManifestVariant {
    name: String,
    overrides: Vec<(String, Value)>,
    /// This variant's value of each swept parameter, in the order of `swept`.
    swept_values: Vec<Value>,
    params: Params,
}

/// `manifest.json`: everything needed to reproduce the sweep, and nothing that changes between runs of it.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Manifest {
    placesim_version: String,
    sweep: String,
    description: String,
    /// FNV-1a 64 of the resolved sweep (variants, seed, sampling), without the replicate count.
    sweep_hash: String,
    sweep_seed: u64,
    replicates: u32,
    baseline: String,
    every_weeks: u32,
    /// Dotted keys the variants differ by: the swept parameters, columns of `runs.csv`.
    swept: Vec<String>,
    /// Seed of each replicate, shared by every variant.
    replicate_seeds: Vec<u64>,
    variants: Vec<ManifestVariant>,
    failed_runs: Vec<FailedRun>,
    /// Set in a shard's folder only; a whole sweep's manifest has no `shard`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    shard: Option<Shard>,
}

const RUNS: &str = "runs";
const OUR_FILES: [&str; 7] = [
    "manifest.json",
    "provenance.json",
    "runs.csv",
    "timeseries.csv",
    "agencies.csv",
    "cost_shifting.csv",
    "comparison.csv",
];

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ b as u64).wrapping_mul(0x0100_0000_01b3)
    })
}

fn manifest_for(sweep: &Sweep, opts: &SweepOptions) -> Manifest {
    let seed = opts.seed.unwrap_or(sweep.seed);
    let replicates = opts.replicates.unwrap_or(sweep.replicates);
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
    let identity = serde_json::json!({
        "name": sweep.name, "seed": seed, "baseline": sweep.baseline, "every_weeks": opts.every_weeks,
        "variants": variants.iter().map(|v| serde_json::json!({"name": v.name, "params": v.params})).collect::<Vec<_>>(),
    });
    Manifest {
        placesim_version: env!("CARGO_PKG_VERSION").to_string(),
        sweep: sweep.name.clone(),
        description: sweep.description.clone(),
        sweep_hash: format!("{:016x}", fnv1a(identity.to_string().as_bytes())),
        sweep_seed: seed,
        replicates,
        baseline: sweep.baseline.clone(),
        every_weeks: opts.every_weeks,
        swept,
        replicate_seeds: (0..replicates)
            .map(|r| reseeded.replicate_seed(r))
            .collect(),
        variants,
        failed_runs: Vec::new(),
        shard: opts.shard,
    }
}

fn part_dir(out: &Path, variant: usize, replicate: u32) -> PathBuf {
    out.join(RUNS)
        .join(format!("v{variant:04}-r{replicate:06}"))
}

/// Check the results folder against the options: new, resumable or forced.
fn prepare_folder(out: &Path, m: &Manifest, opts: &SweepOptions) -> Result<(), BatchError> {
    let name = out.display();
    if opts.resume && opts.force {
        return Err(BatchError::BadInput(
            "give --resume or --force, not both".into(),
        ));
    }
    match fs::metadata(out) {
        Ok(meta) if !meta.is_dir() => {
            return Err(BatchError::BadInput(format!(
                "results path {name} is a file, not a folder; give --out a folder"
            )))
        }
        Err(_) => {
            if opts.resume {
                return Err(BatchError::BadInput(format!(
                    "nothing to resume: {name} does not exist"
                )));
            }
            return fs::create_dir_all(out.join(RUNS)).map_err(|e| {
                BatchError::BadInput(format!("cannot create results folder {name}: {e}"))
            });
        }
        Ok(_) => {}
    }
    let non_empty = fs::read_dir(out)
        .map_err(io_err(format!("reading {name}")))?
        .next()
        .is_some();
    let previous = fs::read(out.join("manifest.json")).ok();
    if opts.force {
        if non_empty && previous.is_none() {
            return Err(BatchError::BadInput(format!(
                "{name} is not empty and is not a placesim results folder (no manifest.json); --force will not delete it; choose another --out"
            )));
        }
        let _ = fs::remove_dir_all(out.join(RUNS));
        for f in OUR_FILES {
            let _ = fs::remove_file(out.join(f));
        }
        return fs::create_dir_all(out.join(RUNS))
            .map_err(io_err(format!("creating {name}/{RUNS}")));
    }
    if !non_empty {
        return fs::create_dir_all(out.join(RUNS))
            .map_err(io_err(format!("creating {name}/{RUNS}")));
    }
    if !opts.resume {
        return Err(BatchError::BadInput(format!(
            "results folder {name} is not empty; add --resume to finish or extend that sweep, or --force to start again"
        )));
    }
    let Some(bytes) = previous else {
        return Err(BatchError::BadInput(format!(
            "cannot resume: {name} has no manifest.json, so it is not a placesim results folder"
        )));
    };
    let old: Manifest = serde_json::from_slice(&bytes).map_err(|e| {
        BatchError::BadInput(format!(
            "cannot resume: {name}/manifest.json is damaged ({e}); use --force to start again"
        ))
    })?;
    if old.sweep_hash != m.sweep_hash {
        return Err(BatchError::BadInput(format!(
            "cannot resume: {name} holds a different sweep (`{}`, hash {}; this one is `{}`, hash {}); use --force or another --out",
            old.sweep, old.sweep_hash, m.sweep, m.sweep_hash
        )));
    }
    if m.replicates < old.replicates {
        return Err(BatchError::BadInput(format!(
            "cannot resume with {} replicates: {name} already has {}; --replicates may only grow",
            m.replicates, old.replicates
        )));
    }
    fs::create_dir_all(out.join(RUNS)).map_err(io_err(format!("creating {name}/{RUNS}")))
}

fn csv_bytes<T: Serialize>(
    rows: impl IntoIterator<Item = T>,
    headers: bool,
) -> io::Result<Vec<u8>> {
    let mut w = csv::WriterBuilder::new()
        .has_headers(headers)
        .from_writer(Vec::new());
    for r in rows {
        w.serialize(r).map_err(io::Error::other)?;
    }
    w.into_inner().map_err(|e| io::Error::other(e.to_string()))
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

/// Run one replicate of one variant and store it atomically in its part folder.
fn run_part(
    out: &Path,
    params: &Params,
    seed: u64,
    every: u32,
    dir: &Path,
) -> Result<(u64, Summary), String> {
    let mut p = params.clone();
    p.place.seed = seed;
    let steps = p.place.population as u64 * p.place.total_ticks() as u64;
    let mut world = World::new(p);
    let mut ts = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(Vec::new());
    let mut ag = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(Vec::new());
    while !world.is_finished() {
        world.step();
        if world.tick_row().tick % every == 0 {
            ts.serialize(world.tick_row()).map_err(|e| e.to_string())?;
            for r in world.agency_rows() {
                ag.serialize(r).map_err(|e| e.to_string())?;
            }
        }
    }
    let summary = world.summary();
    let outcome: Vec<String> = summary
        .outcomes()
        .iter()
        .map(|(_, v)| v.to_string())
        .collect();
    let tmp = out.join(RUNS).join(format!(
        ".tmp-{}",
        dir.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    ));
    let _ = fs::remove_dir_all(&tmp);
    let write = || -> io::Result<()> {
        fs::create_dir_all(&tmp)?;
        for (name, bytes) in [
            (
                "outcomes.csv",
                format!("{}\n", outcome.join(",")).into_bytes(),
            ),
            (
                "timeseries.csv",
                ts.into_inner()
                    .map_err(|e| io::Error::other(e.to_string()))?,
            ),
            (
                "agencies.csv",
                ag.into_inner()
                    .map_err(|e| io::Error::other(e.to_string()))?,
            ),
            (
                "cost_shifting.csv",
                csv_bytes(world.cost_shifting(), false)?,
            ),
        ] {
            let mut f = fs::File::create(tmp.join(name))?;
            f.write_all(&bytes)?;
            f.sync_all()?;
        }
        fs::rename(&tmp, dir)
    };
    write().map_err(|e| format!("storing the run: {e}"))?;
    Ok((steps, summary))
}

/// Run every missing run of the sweep, then assemble the final files.
pub fn run_sweep(
    sweep: &Sweep,
    opts: &SweepOptions,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<SweepReport, BatchError> {
    let start = Instant::now();
    let started_at = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let mut manifest = manifest_for(sweep, opts);
    let shard_out;
    let mut opts = opts.clone();
    let out = match opts.shard {
        Some(shard) => {
            shard_out = opts.out.join(shard.folder_name());
            // A shard is retried by its scheduler: a folder of the same shard resumes.
            opts.resume = !opts.force && shard_out.join("manifest.json").is_file();
            &shard_out
        }
        None => &opts.out,
    };
    let opts = &opts;
    prepare_folder(out, &manifest, opts)?;
    if let Some(shard) = opts.shard {
        check_same_shard(out, shard)?;
    }
    write_atomic(out, "manifest.json", &pretty(&manifest)?)
        .map_err(io_err("writing manifest.json"))?;
    let r_count = manifest.replicates;
    let variants = manifest.variants.len();
    // This sweep's runs (or this shard's), and those not stored yet.
    let runs: Vec<(usize, u32)> = (0..variants)
        .flat_map(|v| (0..r_count).map(move |r| (v, r)))
        .filter(|&(v, r)| opts.shard.is_none_or(|s| s.holds(v, r, variants)))
        .collect();
    let total = runs.len() as u64;
    let pending: Vec<(usize, u32)> = runs
        .into_iter()
        .filter(|&(v, r)| !part_dir(out, v, r).is_dir())
        .collect();
    let done = AtomicU64::new(total - pending.len() as u64);
    let steps = AtomicU64::new(0);
    let failed = Mutex::new(Vec::new());
    let every = opts.every_weeks.max(1);
    pending.par_iter().for_each(|&(v, r)| {
        let variant = &manifest.variants[v];
        let seed = manifest.replicate_seeds[r as usize];
        let dir = part_dir(out, v, r);
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            run_part(out, &variant.params, seed, every, &dir)
        }))
        .unwrap_or_else(|e| Err(format!("the run panicked: {}", panic_text(&e))));
        match result {
            Ok((n, _)) => {
                steps.fetch_add(n, Ordering::Relaxed);
            }
            Err(error) => {
                let run_id = v as u64 * r_count as u64 + r as u64;
                if let Ok(mut f) = failed.lock() {
                    f.push(FailedRun {
                        run_id,
                        variant: variant.name.clone(),
                        replicate: r,
                        error,
                    });
                }
            }
        }
        let d = done.fetch_add(1, Ordering::Relaxed) + 1;
        progress(Progress {
            done: d,
            total,
            citizen_steps: steps.load(Ordering::Relaxed),
            elapsed_secs: start.elapsed().as_secs_f64(),
        });
    });
    let mut failed = failed.into_inner().unwrap_or_default();
    failed.sort_by_key(|f| f.run_id);
    manifest.failed_runs = failed.clone();
    write_atomic(out, "manifest.json", &pretty(&manifest)?)
        .map_err(io_err("writing manifest.json"))?;
    if manifest.shard.is_none() {
        assemble(out, &manifest)?;
    }
    let wall = start.elapsed().as_secs_f64();
    let steps = steps.into_inner();
    let report = SweepReport {
        runs: total,
        ran_now: pending.len() as u64,
        failed,
        wall_secs: wall,
        citizen_steps_per_sec: if wall > 0.0 { steps as f64 / wall } else { 0.0 },
    };
    let provenance = serde_json::json!({
        "placesim_version": env!("CARGO_PKG_VERSION"),
        "started_unix_secs": started_at,
        "finished_unix_secs": SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0),
        "wall_secs": wall,
        "threads": rayon::current_num_threads(),
        "shard": opts.shard,
        "runs_total": total,
        "runs_run_now": report.ran_now,
        "citizen_steps_now": steps,
        "citizen_steps_per_sec": report.citizen_steps_per_sec,
        "host": fs::read_to_string("/etc/hostname").map(|h| h.trim().to_string()).unwrap_or_default(),
        "os": std::env::consts::OS,
        "arch": std::env::consts::ARCH,
    });
    write_atomic(out, "provenance.json", &pretty(&provenance)?)
        .map_err(io_err("writing provenance.json"))?;
    Ok(report)
}

fn panic_text(e: &Box<dyn std::any::Any + Send>) -> String {
    e.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| e.downcast_ref::<String>().cloned())
        .unwrap_or_default()
}

fn pretty<T: Serialize>(v: &T) -> Result<Vec<u8>, BatchError> {
    let mut b = serde_json::to_vec_pretty(v).map_err(|e| BatchError::Io {
        context: "encoding JSON".into(),
        source: io::Error::other(e),
    })?;
    b.push(b'\n');
    Ok(b)
}

/// The header line of a row type's CSV.
fn header_of<T: Serialize + Default>() -> String {
    let bytes = csv_bytes([T::default()], true).unwrap_or_default();
    String::from_utf8_lossy(&bytes)
        .lines()
        .next()
        .unwrap_or("")
        .to_string()
}

/// A final file written line by line into a temporary file, renamed when complete.
struct Assembled {
    tmp: PathBuf,
    path: PathBuf,
    w: BufWriter<fs::File>,
}

impl Assembled {
    fn create(out: &Path, name: &str, header: &str) -> Result<Self, BatchError> {
        let tmp = out.join(format!(".{name}.tmp"));
        let f = fs::File::create(&tmp).map_err(io_err(format!("creating {name}")))?;
        let mut w = BufWriter::new(f);
        writeln!(w, "{header}").map_err(io_err(format!("writing {name}")))?;
        Ok(Assembled {
            tmp,
            path: out.join(name),
            w,
        })
    }

    /// Append each line of a part file, prefixed.
    fn append(&mut self, part: &Path, prefix: &str) -> Result<(), BatchError> {
        let f = fs::File::open(part).map_err(io_err(format!("reading {}", part.display())))?;
        for line in io::BufReader::new(f).lines() {
            let line = line.map_err(io_err(format!("reading {}", part.display())))?;
            writeln!(self.w, "{prefix}{line}")
                .map_err(io_err(format!("writing {}", self.path.display())))?;
        }
        Ok(())
    }

    fn finish(self) -> Result<(), BatchError> {
        let f = self.w.into_inner().map_err(|e| BatchError::Io {
            context: "flushing".into(),
            source: e.into_error(),
        })?;
        f.sync_all().map_err(io_err("syncing"))?;
        fs::rename(&self.tmp, &self.path)
            .map_err(io_err(format!("renaming {}", self.path.display())))
    }
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn cell(x: &Value) -> String {
    match x {
        Value::String(s) => csv_field(s),
        Value::Null => String::new(),
        other => csv_field(&other.to_string()),
    }
}

fn read_outcomes(part: &Path) -> Result<Vec<f64>, BatchError> {
    let text = fs::read_to_string(part.join("outcomes.csv"))
        .map_err(io_err(format!("reading {}", part.display())))?;
    Ok(text
        .trim()
        .split(',')
        .map(|x| x.parse().unwrap_or(f64::NAN))
        .collect())
}

/// Assemble the final files from the stored runs, in run order.
fn assemble(out: &Path, m: &Manifest) -> Result<(), BatchError> {
    let names: Vec<&str> = Summary::default()
        .outcomes()
        .iter()
        .map(|(n, _)| *n)
        .collect();
    let mut header = vec![
        "run_id".to_string(),
        "variant".into(),
        "replicate".into(),
        "seed".into(),
    ];
    header.extend(m.swept.iter().cloned());
    header.extend(names.iter().map(|s| s.to_string()));
    let mut runs = Assembled::create(
        out,
        "runs.csv",
        &header
            .iter()
            .map(|h| csv_field(h))
            .collect::<Vec<_>>()
            .join(","),
    )?;
    let mut ts = Assembled::create(
        out,
        "timeseries.csv",
        &format!("run_id,{}", header_of::<TickRow>()),
    )?;
    let mut ag = Assembled::create(
        out,
        "agencies.csv",
        &format!("run_id,{}", header_of::<AgencyRow>()),
    )?;
    let mut cs = Assembled::create(out, "cost_shifting.csv", "run_id,spender,caused_by,spend")?;
    let baseline = m.variants.iter().position(|v| v.name == m.baseline);
    let baseline_values: Vec<Option<Vec<f64>>> = (0..m.replicates)
        .map(|r| baseline.and_then(|b| read_outcomes(&part_dir(out, b, r)).ok()))
        .collect();
    let mut comparison = Vec::new();
    for (v, variant) in m.variants.iter().enumerate() {
        let mut acc =
            vec![(Welford::default(), Welford::default(), Welford::default()); names.len()];
        let swept: Vec<String> = variant.swept_values.iter().map(cell).collect();
        for r in 0..m.replicates {
            let dir = part_dir(out, v, r);
            if !dir.is_dir() {
                continue;
            }
            let run_id = v as u64 * m.replicates as u64 + r as u64;
            let seed = m.replicate_seeds[r as usize];
            let mut prefix = vec![
                run_id.to_string(),
                csv_field(&variant.name),
                r.to_string(),
                seed.to_string(),
            ];
            prefix.extend(swept.iter().cloned());
            runs.append(&dir.join("outcomes.csv"), &format!("{},", prefix.join(",")))?;
            ts.append(&dir.join("timeseries.csv"), &format!("{run_id},"))?;
            ag.append(&dir.join("agencies.csv"), &format!("{run_id},"))?;
            cs.append(&dir.join("cost_shifting.csv"), &format!("{run_id},"))?;
            if let (Some(b), Some(Some(base))) = (baseline, baseline_values.get(r as usize)) {
                if b != v {
                    let x = read_outcomes(&dir)?;
                    for (i, a) in acc.iter_mut().enumerate() {
                        a.0.add(x[i]);
                        a.1.add(base[i]);
                        a.2.add(x[i] - base[i]);
                    }
                }
            }
        }
        if Some(v) != baseline {
            for (i, (x, b, d)) in acc.iter().enumerate() {
                comparison.push(ComparisonRow {
                    variant: variant.name.clone(),
                    baseline: m.baseline.clone(),
                    outcome: names[i].to_string(),
                    n: d.n,
                    mean: x.mean(),
                    mean_baseline: b.mean(),
                    mean_diff: d.mean(),
                    ci_low: d.mean() - d.ci95_half_width(),
                    ci_high: d.mean() + d.ci95_half_width(),
                    ci_half_width: d.ci95_half_width(),
                });
            }
        }
    }
    runs.finish()?;
    ts.finish()?;
    ag.finish()?;
    cs.finish()?;
    let bytes = csv_bytes(comparison, true).map_err(io_err("encoding comparison.csv"))?;
    write_atomic(out, "comparison.csv", &bytes).map_err(io_err("writing comparison.csv"))
}

/// Rerun run `run_id` of the sweep in `dir` with full weekly outputs into `out`.
pub fn rerun(dir: &Path, run_id: u64, out: &Path) -> Result<Summary, BatchError> {
    let m = read_manifest(dir)?;
    let total = m.variants.len() as u64 * m.replicates as u64;
    if run_id >= total {
        return Err(BatchError::BadInput(format!(
            "run {run_id} does not exist: the sweep has runs 0 to {}",
            total.saturating_sub(1)
        )));
    }
    let (v, r) = (
        (run_id / m.replicates as u64) as usize,
        (run_id % m.replicates as u64) as usize,
    );
    let mut p = m.variants[v].params.clone();
    p.place.seed = m.replicate_seeds[r];
    let mut world = World::new(p);
    fs::create_dir_all(out)
        .map_err(|e| BatchError::BadInput(format!("cannot create {}: {e}", out.display())))?;
    let mut writer =
        crate::output::RunWriter::create(out, 1).map_err(io_err("creating outputs"))?;
    while !world.is_finished() {
        world.step();
        writer.week(&world).map_err(io_err("writing outputs"))?;
    }
    let summary = world.summary();
    writer
        .finish(&world, &summary)
        .map_err(io_err("writing outputs"))?;
    Ok(summary)
}

/// A shard's folder may only be resumed by the same shard of the same split.
fn check_same_shard(out: &Path, shard: Shard) -> Result<(), BatchError> {
    let Ok(bytes) = fs::read(out.join("manifest.json")) else {
        return Ok(());
    };
    let old: Manifest = serde_json::from_slice(&bytes).map_err(|e| {
        BatchError::BadInput(format!("{}/manifest.json is damaged: {e}", out.display()))
    })?;
    match old.shard {
        Some(s) if s == shard => Ok(()),
        other => Err(BatchError::BadInput(format!(
            "{} holds {}, not shard {} of {}; use --force or another --out",
            out.display(),
            other.map_or("a whole sweep".to_string(), |s| format!(
                "shard {} of {}",
                s.index, s.count
            )),
            shard.index,
            shard.count
        ))),
    }
}

/// What a merge did.
#[derive(Clone, Debug)]
pub struct MergeReport {
    pub runs: u64,
    pub shards: u32,
    pub sweep: String,
}

fn read_manifest(dir: &Path) -> Result<Manifest, BatchError> {
    let bytes = fs::read(dir.join("manifest.json")).map_err(|e| {
        BatchError::BadInput(format!(
            "{} is not a placesim results folder: cannot read manifest.json ({e})",
            dir.display()
        ))
    })?;
    serde_json::from_slice(&bytes).map_err(|e| {
        BatchError::BadInput(format!("{}/manifest.json is damaged: {e}", dir.display()))
    })
}

/// Combine the folders of a sweep's shards into the sweep's final outputs in
/// `out`, byte for byte those of the same sweep run on one machine (only
/// `provenance.json` differs). Shards of different sweeps or splits are
/// refused (exit 2); missing shards, missing runs and failed runs are named
/// and nothing final is written (exit 1) — merge again once they are done.
pub fn merge(shards: &[PathBuf], out: &Path, force: bool) -> Result<MergeReport, BatchError> {
    let start = Instant::now();
    if shards.is_empty() {
        return Err(BatchError::BadInput(
            "give at least one shard folder to merge".into(),
        ));
    }
    let mut first: Option<(PathBuf, Manifest)> = None;
    let mut by_index: Vec<Option<PathBuf>> = Vec::new();
    for dir in shards {
        let m = read_manifest(dir)?;
        let Some(shard) = m.shard else {
            return Err(BatchError::BadInput(format!(
                "{} holds a whole sweep, not a shard; only shard folders (from `placesim sweep --shard`) are merged",
                dir.display()
            )));
        };
        if let Some((f, fm)) = &first {
            if m.sweep_hash != fm.sweep_hash {
                return Err(BatchError::BadInput(format!(
                    "{} is a shard of a different sweep (`{}`, hash {}) than {} (`{}`, hash {}); merge shards of one sweep",
                    dir.display(), m.sweep, m.sweep_hash, f.display(), fm.sweep, fm.sweep_hash
                )));
            }
            let fs_ = fm.shard.unwrap_or(shard);
            if shard.count != fs_.count
                || m.replicates != fm.replicates
                || m.every_weeks != fm.every_weeks
            {
                return Err(BatchError::BadInput(format!(
                    "{} was split or run differently ({} shards, {} replicates, every {} weeks) from {} ({} shards, {} replicates, every {} weeks)",
                    dir.display(), shard.count, m.replicates, m.every_weeks,
                    f.display(), fs_.count, fm.replicates, fm.every_weeks
                )));
            }
        } else {
            by_index = vec![None; shard.count as usize];
            first = Some((dir.clone(), m.clone()));
        }
        let slot = &mut by_index[shard.index as usize];
        if let Some(other) = slot {
            return Err(BatchError::BadInput(format!(
                "shard {} of {} is given twice: {} and {}",
                shard.index,
                shard.count,
                other.display(),
                dir.display()
            )));
        }
        *slot = Some(dir.clone());
    }
    let (_, manifest) = first.expect("at least one shard");
    let count = by_index.len() as u32;
    // Every run of the sweep, where it should be.
    let variants = manifest.variants.len();
    let mut missing_shards = Vec::new();
    let mut missing_runs: Vec<(u32, u64)> = Vec::new();
    let mut failed = Vec::new();
    for (k, dir) in by_index.iter().enumerate() {
        let shard = Shard {
            index: k as u32,
            count,
        };
        let Some(dir) = dir else {
            missing_shards.push(shard);
            continue;
        };
        failed.extend(read_manifest(dir)?.failed_runs);
        for v in 0..variants {
            for r in (0..manifest.replicates).filter(|&r| shard.holds(v, r, variants)) {
                if !part_dir(dir, v, r).is_dir() {
                    missing_runs.push((
                        shard.index,
                        v as u64 * manifest.replicates as u64 + r as u64,
                    ));
                }
            }
        }
    }
    if !missing_shards.is_empty() || !missing_runs.is_empty() || !failed.is_empty() {
        let mut why = Vec::new();
        if !missing_shards.is_empty() {
            let names: Vec<String> = missing_shards
                .iter()
                .map(|s| format!("{} ({})", s.index, s.folder_name()))
                .collect();
            why.push(format!("missing shards of {count}: {}", names.join(", ")));
        }
        if !missing_runs.is_empty() {
            let mut shards_short: Vec<u32> = missing_runs.iter().map(|(k, _)| *k).collect();
            shards_short.dedup();
            let ids: Vec<String> = missing_runs
                .iter()
                .take(10)
                .map(|(_, id)| id.to_string())
                .collect();
            why.push(format!(
                "{} runs not finished in shards {:?} (run_id {}{}); run those shards again (they resume)",
                missing_runs.len(),
                shards_short,
                ids.join(", "),
                if missing_runs.len() > 10 { ", …" } else { "" }
            ));
        }
        if !failed.is_empty() {
            let ids: Vec<String> = failed
                .iter()
                .map(|f| {
                    format!(
                        "{} ({} replicate {}: {})",
                        f.run_id, f.variant, f.replicate, f.error
                    )
                })
                .collect();
            why.push(format!("failed runs: {}", ids.join("; ")));
        }
        return Err(BatchError::Incomplete(format!(
            "cannot merge sweep `{}` yet: {}. Nothing was written to {}; merge again when they are done.",
            manifest.sweep,
            why.join("; "),
            out.display()
        )));
    }
    let mut whole = manifest.clone();
    whole.shard = None;
    whole.failed_runs = Vec::new();
    // The results folder: new, or an earlier merge of the same sweep (merging again is allowed).
    let opts = SweepOptions {
        out: out.to_path_buf(),
        replicates: None,
        seed: None,
        resume: !force && out.join("manifest.json").is_file(),
        force,
        every_weeks: whole.every_weeks,
        shard: None,
    };
    prepare_folder(out, &whole, &opts)?;
    for (k, dir) in by_index.iter().enumerate() {
        let shard = Shard {
            index: k as u32,
            count,
        };
        let dir = dir.as_ref().expect("checked above");
        for v in 0..variants {
            for r in (0..whole.replicates).filter(|&r| shard.holds(v, r, variants)) {
                copy_run(&part_dir(dir, v, r), &part_dir(out, v, r))?;
            }
        }
    }
    write_atomic(out, "manifest.json", &pretty(&whole)?)
        .map_err(io_err("writing manifest.json"))?;
    assemble(out, &whole)?;
    let provenance = serde_json::json!({
        "placesim_version": env!("CARGO_PKG_VERSION"),
        "merged_from": shards.iter().map(|d| d.display().to_string()).collect::<Vec<_>>(),
        "finished_unix_secs": SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0),
        "merge_wall_secs": start.elapsed().as_secs_f64(),
        "runs_total": variants as u64 * whole.replicates as u64,
        "host": fs::read_to_string("/etc/hostname").map(|h| h.trim().to_string()).unwrap_or_default(),
    });
    write_atomic(out, "provenance.json", &pretty(&provenance)?)
        .map_err(io_err("writing provenance.json"))?;
    Ok(MergeReport {
        runs: variants as u64 * whole.replicates as u64,
        shards: count,
        sweep: whole.sweep,
    })
}

/// Copy a stored run into place atomically (a folder renamed when complete).
fn copy_run(from: &Path, to: &Path) -> Result<(), BatchError> {
    if to.is_dir() {
        return Ok(());
    }
    let parent = to.parent().expect("a run folder has a parent");
    let tmp = parent.join(format!(
        ".tmp-{}",
        to.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    ));
    let _ = fs::remove_dir_all(&tmp);
    let copy = || -> io::Result<()> {
        fs::create_dir_all(&tmp)?;
        for entry in fs::read_dir(from)? {
            let entry = entry?;
            fs::copy(entry.path(), tmp.join(entry.file_name()))?;
        }
        fs::rename(&tmp, to)
    };
    copy().map_err(io_err(format!(
        "copying {} to {}",
        from.display(),
        to.display()
    )))
}
