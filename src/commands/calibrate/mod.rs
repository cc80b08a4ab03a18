//! `placesim calibrate`: history matching of the place to published figures
//! (`placesim-calibration`), in waves. Each wave is a design of points the
//! previous waves have not ruled out, run as a sweep (so it resumes after a
//! kill, and its runs are stored like any sweep's); an emulator per target
//! is fitted to the wave's runs and checked by leave-one-out; the space not
//! ruled out yet (NROY) is carried to the next wave as a cloud of points.

mod posterior;
mod stage;

use super::sweep::load;
use crate::failure::Failure;
use placesim_calibration::implausibility::{usual_rank, Target as Matched, CUT};
use placesim_calibration::posterior::{weighted_mean_sd, weighted_quantile};
use placesim_calibration::space::{kept, maximin, next_design, not_ruled_out, uniform};
use placesim_calibration::wave::Wave;
use placesim_results::calibration::{
    EmulatorRow, PairRow, ParameterRow, TargetRow, WaveRow, EMULATORS, GENERATIONS, NROY, PAIRS,
    PARAMETERS, POSTERIOR, SETTINGS, TARGETS, WAVES,
};
use placesim_results::runs::{self, ActivityRow};
use placesim_results::table::csv_bytes_with_header;
use placesim_results::write_atomic;
use placesim_scenario::uncertainty::Uncertain;
use placesim_scenario::Source;
use serde::{Deserialize, Serialize};
use stage::{Halt, Runner, Stage};
use std::path::{Path, PathBuf};

/// The built-in sweep whose place is calibrated.
const DEFAULT_SWEEP: &str = "calibration";

/// The uncertain parameters calibrated when `--parameters` is not given:
/// those that set how much each agency sees and how its beds fill — the
/// need hazards of four domains, how spread risk is, how fast needs
/// recover and how large shocks are, the acute beds (count, share of
/// crises admitted, length of stay) and GP and social care capacity.
/// Assumed: a judgement of which inputs move the targets' outputs; a
/// Morris screening of silos' activity would be the test of it.
pub const DEFAULT_PARAMETERS: [&str; 12] = [
    "needs.domains.health.base_hazard",
    "needs.domains.mental_health.base_hazard",
    "needs.domains.housing.base_hazard",
    "needs.domains.social_care.base_hazard",
    "citizens.risk_sigma",
    "needs.recovery_rate",
    "needs.shock_max",
    "agencies.acute.beds.beds",
    "agencies.acute.beds.admitted_share",
    "agencies.acute.beds.length_of_stay_days",
    "agencies.gp.capacity_per_week",
    "agencies.social_care.capacity_per_week",
];

#[derive(clap::Args)]
pub struct Args {
    /// A targets file, or the built-in `england-place` [default].
    pub targets: Option<PathBuf>,
    /// The file of uncertain parameters [default: the built-in uncertainty.toml].
    #[arg(long, value_name = "FILE")]
    pub uncertainty: Option<PathBuf>,
    /// The parameters calibrated (comma-separated dotted keys) [default: twelve that set activity and beds; docs/CALIBRATION.md].
    #[arg(long, value_name = "KEY,KEY", value_delimiter = ',')]
    pub parameters: Vec<String>,
    /// The sweep whose baseline place is calibrated [default: the built-in `calibration`: the default place, silos, at 30,000 citizens].
    #[arg(long, value_name = "FILE")]
    pub sweep: Option<PathBuf>,
    /// The most waves to run (fewer if NROY stabilises or vanishes).
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=30))]
    pub waves: u32,
    /// Design points per wave.
    #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u32).range(5..=10_000))]
    pub points: u32,
    /// Replicates per point (at least 2: their spread is the stochastic variance).
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(2..=100))]
    pub replicates: u32,
    /// Candidate points of the prior, uniform on the unit cube, that NROY is estimated on.
    #[arg(long, default_value_t = 20_000, value_parser = clap::value_parser!(u32).range(100..=1_000_000))]
    pub candidates: u32,
    /// Seed of the designs and candidates [default: the sweep's].
    #[arg(long)]
    pub seed: Option<u64>,
    /// Particles of the posterior the model is run at (--replicates each), drawn from an ABC posterior of the last wave's emulators inside the final NROY (0: no posterior).
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u32).range(0..=100_000))]
    pub particles: u32,
    /// A synthetic truth: the model run 10 times at these values (KEY=VALUE,…; other calibrated parameters at the place's own values) gives the observed values (their mean), with an observation sd of 5 % of each and no discrepancy.
    #[arg(long, value_name = "KEY=VALUE,…", value_delimiter = ',')]
    pub truth: Vec<String>,
    /// Results folder [default: out/calibration].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Continue an interrupted calibration in --out (same settings).
    #[arg(long, conflicts_with = "force")]
    pub resume: bool,
    /// Replace what --out holds.
    #[arg(long)]
    pub force: bool,
    /// Run only shard K of N (K from 0) of each stage's runs, into OUT/shards/; run the shards again when all are done to go on, and finish with --resume (no --shard), which merges them and writes the results (docs/CALIBRATION.md).
    #[arg(long, value_name = "K/N", value_parser = placesim_batch::Shard::parse, conflicts_with = "force")]
    pub shard: Option<placesim_batch::Shard>,
    #[command(flatten)]
    pub threads: crate::args::Threads,
    /// Print nothing but errors.
    #[arg(long)]
    pub quiet: bool,
}

/// A target as the command uses it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Goal {
    pub name: String,
    /// `AGENCY.MEASURE` (activity.csv) or a run outcome (outcomes.csv).
    pub output: String,
    pub value: f64,
    pub observation_sd: f64,
    pub discrepancy_sd: f64,
}

impl Goal {
    fn matched(&self) -> Matched {
        Matched {
            observed: self.value,
            observation_var: self.observation_sd * self.observation_sd,
            discrepancy_var: self.discrepancy_sd * self.discrepancy_sd,
        }
    }
}

/// `calibration.json`: what was asked (compared on --resume) and what came of it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Settings {
    pub targets_file: String,
    pub goals: Vec<Goal>,
    pub uncertainty_file: String,
    pub parameters: Vec<String>,
    pub sweep: String,
    pub seed: u64,
    pub waves: u32,
    pub points: u32,
    pub replicates: u32,
    pub candidates: u32,
    pub particles: u32,
    pub truth: Vec<String>,
    /// The share of one run's variance that the observed figure's own
    /// chance variation is: 1/10 for a synthetic truth (a mean of 10 runs); for
    /// published figures, the simulated citizens over the residents they
    /// stand for (a real place of those residents varies by chance that
    /// much less than a run in which each citizen counts several times).
    pub realisation_scale: f64,
}

fn bad(m: String) -> Failure {
    Failure::BadInput(m)
}

/// Runs at a synthetic truth whose mean is taken as observed.
const TRUTH_RUNS: u32 = 10;
/// A synthetic truth's stated observation noise, a share of each value.
const TRUTH_NOISE: f64 = 0.05;

/// The built-in targets `placesim calibrate` uses without a file.
const DEFAULT_TARGETS: &str = "england-place";

/// The goals of a targets file (or a built-in one by name), and its name.
fn goals(path: &Option<PathBuf>) -> Result<(String, Vec<Goal>), Failure> {
    let (name, targets) = match path {
        None => (
            DEFAULT_TARGETS.to_string(),
            placesim_scenario::targets_preset(DEFAULT_TARGETS)?,
        ),
        Some(p)
            if !p.exists()
                && placesim_scenario::presets::targets(&p.to_string_lossy()).is_some() =>
        {
            let name = p.to_string_lossy().to_string();
            let t = placesim_scenario::targets_preset(&name)?;
            (name, t)
        }
        Some(p) if !p.exists() => {
            return Err(bad(format!(
            "{}: no such file, and no built-in targets of that name (built-in: {DEFAULT_TARGETS})",
            p.display()
        )))
        }
        Some(p) => (p.display().to_string(), placesim_scenario::load_targets(p)?),
    };
    let goals = targets
        .iter()
        .map(|t| Goal {
            name: t.name.clone(),
            output: t.output.to_string(),
            value: t.value,
            observation_sd: t.observation_sd,
            discrepancy_sd: t.discrepancy_sd,
        })
        .collect();
    Ok((name, goals))
}

/// Every target's output must be one the sweep's baseline place measures:
/// its agency exists, and has beds where the measure needs them.
fn check_outputs(sweep: &placesim_scenario::Sweep, goals: &[Goal]) -> Result<(), Failure> {
    let Some(base) = sweep
        .variants
        .iter()
        .find(|v| v.name == sweep.baseline)
        .or(sweep.variants.first())
    else {
        return Err(bad(format!("sweep `{}` has no variants", sweep.name)));
    };
    let agencies = &base.scenario.params.agencies;
    for g in goals {
        let Some((agency, measure)) = g.output.split_once('.') else {
            continue;
        };
        match agencies.iter().find(|a| a.id == agency) {
            None => {
                let ids: Vec<&str> = agencies.iter().map(|a| a.id.as_str()).collect();
                return Err(bad(format!(
                    "target `{}`: the place of sweep `{}` has no agency `{agency}` (it has {})",
                    g.name,
                    sweep.name,
                    ids.join(", ")
                )));
            }
            Some(a)
                if a.beds.is_none() && ["admissions", "delayed_bed_share"].contains(&measure) =>
            {
                return Err(bad(format!(
                    "target `{}`: `{agency}` has no beds in the place of sweep `{}`, so it has no {measure}",
                    g.name, sweep.name
                )));
            }
            Some(_) => {}
        }
    }
    Ok(())
}

/// A target's value in one run.
fn model_value(output: &str, outcomes: &[f64], activity: &[ActivityRow]) -> f64 {
    match output.split_once('.') {
        Some((agency, measure)) => activity
            .iter()
            .find(|a| a.agency == agency)
            .map_or(f64::NAN, |a| a.measure(measure)),
        None => runs::outcome_names()
            .iter()
            .position(|n| *n == output)
            .and_then(|i| outcomes.get(i).copied())
            .unwrap_or(f64::NAN),
    }
}

/// The position in the unit cube of `value` under `u`'s distribution (bisection on its quantile).
fn unit_of(u: &Uncertain, value: f64) -> f64 {
    let (mut lo, mut hi) = (0.0f64, 1.0f64);
    for _ in 0..100 {
        let mid = 0.5 * (lo + hi);
        if u.distribution.quantile(mid) < value {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

/// The uncertain parameters calibrated, in the file's order.
fn calibrated(source: &Source, keys: &[String]) -> Result<Vec<Uncertain>, Failure> {
    let all = placesim_scenario::uncertainty::load(source)?;
    let chosen = placesim_scenario::uncertainty::only(all, keys, &source.name())?;
    if let Some(c) = chosen.iter().find(|u| !u.values.is_empty()) {
        return Err(bad(format!(
            "--parameters: `{}` is categorical; calibration emulates numeric parameters only",
            c.key
        )));
    }
    Ok(chosen)
}

fn write(path: &Path, bytes: std::io::Result<Vec<u8>>) -> Result<(), Failure> {
    bytes
        .and_then(|b| write_atomic(path, &b))
        .map_err(|e| Failure::Failed(format!("writing {}: {e}", path.display())))
}

pub fn calibrate(a: Args) -> Result<(), Failure> {
    let quiet = a.quiet;
    match calibrate_stages(a) {
        Ok(()) => Ok(()),
        Err(Halt::Failure(f)) => Err(f),
        Err(Halt::ShardDone(message)) => {
            if !quiet {
                println!("{message}");
            }
            Ok(())
        }
    }
}

fn calibrate_stages(a: Args) -> Result<(), Halt> {
    let (targets_file, mut goals) = goals(&a.targets)?;
    let sweep = load(a.sweep.as_deref(), DEFAULT_SWEEP)?;
    check_outputs(&sweep, &goals)?;
    let source = match &a.uncertainty {
        Some(f) if !f.exists() => {
            return Err(Halt::bad(format!(
                "--uncertainty {}: no such file",
                f.display()
            )))
        }
        Some(f) => Source::File(f.clone()),
        None => Source::Builtin(placesim_scenario::presets::UNCERTAINTY.file),
    };
    let keys: Vec<String> = if a.parameters.is_empty() {
        DEFAULT_PARAMETERS.iter().map(|k| k.to_string()).collect()
    } else {
        a.parameters.clone()
    };
    let uncertain = calibrated(&source, &keys)?;
    if (a.points as usize) < uncertain.len() + 2 {
        return Err(Halt::bad(format!(
            "--points {}: a wave needs at least the parameters plus 2 ({}) to fit its emulators; about 10 a parameter ({}) is the usual rule",
            a.points,
            uncertain.len() + 2,
            10 * uncertain.len()
        )));
    }
    // The file's order, which every output follows.
    let keys: Vec<String> = uncertain.iter().map(|u| u.key.clone()).collect();
    let file = source.name();
    let seed = a.seed.unwrap_or(sweep.seed);
    let out = a
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("out/calibration"));
    // The truth, as values of the calibrated parameters.
    let mut seen = Vec::new();
    for kv in &a.truth {
        let Some((k, _)) = kv.split_once('=') else {
            return Err(Halt::bad(format!("--truth {kv}: write KEY=VALUE")));
        };
        if seen.contains(&k.trim()) {
            return Err(Halt::bad(format!("--truth: `{}` is given twice", k.trim())));
        }
        seen.push(k.trim());
    }
    let truth_values: Option<Vec<f64>> = if a.truth.is_empty() {
        None
    } else {
        let base = sweep
            .variants
            .iter()
            .find(|v| v.name == sweep.baseline)
            .or(sweep.variants.first())
            .ok_or_else(|| bad("the sweep has no variants".into()))?;
        let mut values = Vec::new();
        for u in &uncertain {
            let given = a.truth.iter().find_map(|kv| {
                let (k, v) = kv.split_once('=')?;
                (k.trim() == u.key).then(|| v.trim().to_string())
            });
            let value = match given {
                Some(v) => v
                    .parse::<f64>()
                    .map_err(|_| bad(format!("--truth {}={v}: `{v}` is not a number", u.key)))?,
                None => u
                    .key
                    .split('.')
                    .try_fold(&base.scenario.resolved, |v, part| v.get(part))
                    .and_then(serde_json::Value::as_f64)
                    .ok_or_else(|| bad(format!("--truth: no value of `{}` in the place", u.key)))?,
            };
            let (lo, hi) = u.distribution.bounds();
            if !(lo..=hi).contains(&value) {
                return Err(Halt::bad(format!(
                    "--truth {}={value}: outside its range {lo} to {hi} in {file}",
                    u.key
                )));
            }
            values.push(value);
        }
        for kv in &a.truth {
            let k = kv.split_once('=').map_or(kv.as_str(), |(k, _)| k.trim());
            if !uncertain.iter().any(|u| u.key == k) {
                return Err(Halt::bad(format!(
                    "--truth {kv}: `{k}` is not a calibrated parameter ({})",
                    keys.join(", ")
                )));
            }
        }
        Some(values)
    };
    let realisation_scale = if a.truth.is_empty() {
        sweep
            .variants
            .iter()
            .find(|v| v.name == sweep.baseline)
            .or(sweep.variants.first())
            .map_or(1.0, |v| v.scenario.params.place.scale())
    } else {
        // The observed values are the mean of TRUTH_RUNS runs.
        1.0 / TRUTH_RUNS as f64
    };
    let settings = Settings {
        targets_file: targets_file.clone(),
        goals: goals.clone(),
        uncertainty_file: file.clone(),
        parameters: keys.clone(),
        sweep: sweep.name.clone(),
        seed,
        waves: a.waves,
        points: a.points,
        replicates: a.replicates,
        candidates: a.candidates,
        particles: a.particles,
        truth: a.truth.clone(),
        realisation_scale,
    };
    prepare(&out, &settings, a.resume || a.shard.is_some(), a.force)?;
    let pool = a.threads.pool()?;
    let runner = Runner {
        sweep: &sweep,
        uncertain: &uncertain,
        file: &file,
        goals: &goals.clone(),
        pool: &pool,
        out: &out,
        shard: a.shard,
        quiet: a.quiet,
    };
    let d = uncertain.len();
    let truth_unit: Option<Vec<f64>> = truth_values.as_ref().map(|v| {
        uncertain
            .iter()
            .zip(v)
            .map(|(u, &x)| unit_of(u, x))
            .collect()
    });
    if let Some(t) = &truth_unit {
        // The observed values: the mean of TRUTH_RUNS runs at the truth,
        // on seeds of their own, with a stated observation noise of
        // TRUTH_NOISE of each value and no discrepancy.
        let observed = runner.runs(&Stage {
            name: "truth",
            points: std::slice::from_ref(t),
            replicates: TRUTH_RUNS,
            seed: seed ^ 0x7e57_7e57,
            label: "the truth",
        })?;
        for (o, g) in goals.iter_mut().enumerate() {
            let runs = &observed[0];
            g.value = runs.iter().map(|r| r[o]).sum::<f64>() / runs.len() as f64;
            g.observation_sd = TRUTH_NOISE * g.value.abs();
            g.discrepancy_sd = 0.0;
        }
    }
    let matched: Vec<Matched> = goals.iter().map(Goal::matched).collect();
    let candidates = uniform(a.candidates as usize, d, seed);
    let mut waves: Vec<Wave> = Vec::new();
    let mut rows: Vec<WaveRow> = Vec::new();
    let mut emulator_rows: Vec<EmulatorRow> = Vec::new();
    let mut status = String::from("ran every wave asked for");
    let mut alive = vec![true; candidates.len()];
    let mut seen_points: Vec<Vec<f64>> = Vec::new();
    let mut seen_runs: Vec<Vec<Vec<f64>>> = Vec::new();
    for k in 1..=a.waves {
        let unit_points: Vec<Vec<f64>> = if k == 1 {
            let pool_points = uniform(20 * a.points as usize, d, seed ^ 0x1);
            maximin(&pool_points, a.points as usize)
                .into_iter()
                .map(|i| pool_points[i].clone())
                .collect()
        } else {
            next_design(
                &kept(&candidates, &alive),
                a.points as usize,
                &waves,
                usual_rank,
                CUT,
                seed ^ k as u64,
            )
        };
        if unit_points.len() < d + 2 {
            status = format!(
                "stopped before wave {k}: NROY too small to place a wave ({} points found)",
                unit_points.len()
            );
            break;
        }
        // Each wave's replicates on seeds of their own, so that no two
        // waves share their runs' noise.
        let runs = runner.runs(&Stage {
            name: &format!("wave-{k}"),
            points: &unit_points,
            replicates: a.replicates,
            seed: seed ^ (k as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15),
            label: &format!("wave {k}"),
        })?;
        // The wave's emulators learn from every run so far whose point the
        // waves before have not ruled out (Andrianakis et al. 2015): this
        // wave's, and the earlier waves' inside the NROY it was drawn from.
        seen_points.extend(unit_points.iter().cloned());
        seen_runs.extend(runs.iter().cloned());
        let inside = not_ruled_out(&seen_points, &waves, usual_rank, CUT);
        let (train_x, train_runs) = (kept(&seen_points, &inside), kept(&seen_runs, &inside));
        let wave = Wave::fit(&train_x, &train_runs, &matched, realisation_scale)
            .map_err(|e| Failure::Failed(format!("wave {k}: {e}")))?;
        for (i, (g, o)) in goals.iter().zip(&wave.outputs).enumerate() {
            let means: Vec<f64> = runs
                .iter()
                .map(|reps| reps.iter().map(|r| r[i]).sum::<f64>() / reps.len() as f64)
                .collect();
            let n = o.loo.len().max(1) as f64;
            emulator_rows.push(EmulatorRow {
                wave: k,
                target: g.name.clone(),
                trusted: o.trusted,
                inflation: o.inflation,
                loo_within_2: o.loo.iter().filter(|z| z.abs() <= 2.0).count() as f64 / n,
                loo_beyond_3: o.loo.iter().filter(|z| z.is_nan() || z.abs() > 3.0).count() as f64
                    / n,
                stochastic_sd: o.stochastic_var.sqrt(),
                model_min: means.iter().copied().fold(f64::INFINITY, f64::min),
                model_max: means.iter().copied().fold(f64::NEG_INFINITY, f64::max),
            });
        }
        let rank = usual_rank(wave.trusted());
        waves.push(wave);
        alive = not_ruled_out(&candidates, &waves, usual_rank, CUT);
        let fraction = alive.iter().filter(|a| **a).count() as f64 / candidates.len() as f64;
        let truth_in = truth_unit.as_ref().map_or(String::new(), |t| {
            not_ruled_out(std::slice::from_ref(t), &waves, usual_rank, CUT)[0].to_string()
        });
        let truth_implausibility = truth_unit.as_ref().map_or(String::new(), |t| {
            let row = &waves[k as usize - 1].implausibilities(std::slice::from_ref(t))[0];
            goals
                .iter()
                .zip(row)
                .map(|(g, v)| format!("{}={v:.2}", g.name))
                .collect::<Vec<_>>()
                .join(" ")
        });
        rows.push(WaveRow {
            wave: k,
            points: unit_points.len() as u64,
            runs: (unit_points.len() * a.replicates as usize) as u64,
            training_points: train_x.len() as u64,
            trusted: waves[k as usize - 1].trusted() as u32,
            rank: rank as u32,
            nroy_fraction: fraction,
            truth_in_nroy: truth_in.clone(),
            truth_implausibility,
        });
        // Shards leave the results to the one process that merges them.
        if a.shard.is_none() {
            write(&out.join(WAVES), csv_bytes_with_header(&rows))?;
            write(&out.join(EMULATORS), csv_bytes_with_header(&emulator_rows))?;
        }
        if !a.quiet {
            eprintln!(
                "wave {k}: {} points x {} replicates; {} of {} targets' emulators trusted; NROY {:.2} % of the prior{}",
                unit_points.len(),
                a.replicates,
                waves[k as usize - 1].trusted(),
                goals.len(),
                100.0 * fraction,
                if truth_in.is_empty() { String::new() } else { format!("; truth in NROY: {truth_in}") }
            );
        }
        if fraction == 0.0 {
            status = format!(
                "NROY vanished at wave {k}: none of the {} candidates meets the targets together (NROY is under 1/{} of the prior)",
                candidates.len(),
                candidates.len()
            );
            break;
        }
        if waves[k as usize - 1].trusted() == 0 {
            status = format!("wave {k} trusted no emulator, so it ruled nothing out; stopping (more points a wave may help)");
            break;
        }
        if k > 1 && fraction >= 0.9 * rows[k as usize - 2].nroy_fraction {
            status = format!(
                "NROY stabilised at wave {k} (within 10 % of wave {})",
                k - 1
            );
            break;
        }
    }
    // The posterior: ABC in generations inside the final NROY.
    let kept_points = kept(&candidates, &alive);
    let mut abc: Option<posterior::Posterior> = None;
    if a.particles > 0 && !waves.is_empty() {
        let first = placesim_calibration::space::uniform_in_nroy(
            &kept_points,
            placesim_calibration::posterior::EMULATOR_PARTICLES_PER_RUN * a.particles as usize,
            candidates.len(),
            d,
            &waves,
            seed ^ 0xab0,
        );
        if first.len() < d + 2 {
            status.push_str(&format!(
                "; no posterior: only {} points of NROY found for its first generation",
                first.len()
            ));
        } else {
            let setup = posterior::Setup {
                runner: &runner,
                matched: &matched,
                waves: &waves,
                seed,
                replicates: a.replicates,
                realisation_scale,
            };
            let p = posterior::run(&setup, first, a.particles as usize)?;
            if let Some(shard) = a.shard {
                return Err(Halt::ShardDone(format!(
                    "shard {} of {}: every stage's runs are in; finish with `placesim calibrate --resume` (the same settings, no --shard), which merges the shards and writes the results",
                    shard.index, shard.count
                )));
            }
            write(&out.join(GENERATIONS), csv_bytes_with_header(&p.rows))?;
            if p.last.weights.iter().sum::<f64>() > 0.0 {
                write(
                    &out.join(POSTERIOR),
                    Ok(posterior::csv(&p.last, &uncertain)),
                )?;
                abc = Some(p);
            } else {
                status.push_str(&format!(
                    "; no posterior: its {} particles all weigh 0 (no run's outputs were numbers at a finite distance from the targets)",
                    p.last.points.len()
                ));
            }
        }
    }
    let weights: &[f64] = abc.as_ref().map_or(&[], |p| &p.last.weights);
    // Each target after the last wave, judged where the last wave's
    // emulators were fitted: the NROY of the waves before it.
    let last = waves.last();
    let mut target_rows = Vec::new();
    let mut pair_rows = Vec::new();
    if let Some(w) = last {
        let before = not_ruled_out(&candidates, &waves[..waves.len() - 1], usual_rank, CUT);
        let inside = kept(&candidates, &before);
        let alive_inside = kept(&alive, &before);
        let imp = w.implausibilities(&inside);
        for (x, ga) in goals.iter().enumerate() {
            for (y, gb) in goals.iter().enumerate().skip(x + 1) {
                let both = imp
                    .iter()
                    .filter(|row| row[x] <= CUT && row[y] <= CUT)
                    .count();
                pair_rows.push(PairRow {
                    target_a: ga.name.clone(),
                    target_b: gb.name.clone(),
                    met_together: both as f64 / imp.len().max(1) as f64,
                });
            }
        }
        let alive = &alive_inside;
        for (o, g) in goals.iter().enumerate() {
            let column: Vec<f64> = imp.iter().map(|row| row[o]).collect();
            let posterior_column: Option<Vec<f64>> = abc
                .as_ref()
                .map(|p| p.outputs.iter().map(|m| m[o]).collect());
            let posterior_column = posterior_column.as_deref();
            let trusted = !column.iter().all(|v| v.is_nan());
            target_rows.push(TargetRow {
                target: g.name.clone(),
                output: g.output.clone(),
                observed: g.value,
                observation_sd: g.observation_sd,
                discrepancy_sd: g.discrepancy_sd,
                met_alone: if trusted {
                    column.iter().filter(|v| **v <= CUT).count() as f64 / column.len() as f64
                } else {
                    f64::NAN
                },
                least_implausibility: column
                    .iter()
                    .copied()
                    .filter(|v| !v.is_nan())
                    .fold(f64::INFINITY, f64::min),
                met_in_nroy: trusted && column.iter().zip(alive).any(|(v, a)| *a && *v <= CUT),
                posterior_mean: posterior_column
                    .map_or(f64::NAN, |c| weighted_mean_sd(c, weights).0),
                posterior_p5: posterior_column
                    .map_or(f64::NAN, |c| weighted_quantile(c, weights, 0.05)),
                posterior_p95: posterior_column
                    .map_or(f64::NAN, |c| weighted_quantile(c, weights, 0.95)),
            });
        }
    }
    write(&out.join(TARGETS), csv_bytes_with_header(&target_rows))?;
    write(&out.join(PAIRS), csv_bytes_with_header(&pair_rows))?;
    // Each parameter's NROY range against its prior's (both in the unit
    // cube, where the prior's 5th to 95th percentile is 0.9 wide).
    let parameter_rows: Vec<ParameterRow> = uncertain
        .iter()
        .enumerate()
        .map(|(j, u)| {
            let mut v: Vec<f64> = kept_points.iter().map(|p| p[j]).collect();
            v.sort_by(f64::total_cmp);
            let pick = |q: f64| {
                if v.is_empty() {
                    f64::NAN
                } else {
                    v[((v.len() - 1) as f64 * q).round() as usize]
                }
            };
            let (lo, hi) = (pick(0.05), pick(0.95));
            let (low, high) = u.distribution.bounds();
            let truth = truth_values.as_ref().map_or(f64::NAN, |t| t[j]);
            let particle: Vec<f64> = abc
                .as_ref()
                .map_or(Vec::new(), |p| p.last.points.iter().map(|x| x[j]).collect());
            let (post_lo, post_hi) = if particle.is_empty() {
                (f64::NAN, f64::NAN)
            } else {
                (
                    weighted_quantile(&particle, weights, 0.05),
                    weighted_quantile(&particle, weights, 0.95),
                )
            };
            let post_sd = if particle.is_empty() {
                f64::NAN
            } else {
                weighted_mean_sd(&particle, weights).1
            };
            ParameterRow {
                parameter: u.key.clone(),
                prior_low: low,
                prior_high: high,
                nroy_p5: u.distribution.quantile(lo),
                nroy_p95: u.distribution.quantile(hi),
                width_share: (hi - lo) / 0.9,
                truth,
                truth_covered: truth_unit
                    .as_ref()
                    .map_or(String::new(), |t| (lo <= t[j] && t[j] <= hi).to_string()),
                posterior_mean: if particle.is_empty() {
                    f64::NAN
                } else {
                    let values: Vec<f64> = particle
                        .iter()
                        .map(|&x| u.distribution.quantile(x))
                        .collect();
                    weighted_mean_sd(&values, weights).0
                },
                posterior_p5: u.distribution.quantile(post_lo),
                posterior_p95: u.distribution.quantile(post_hi),
                posterior_sd_share: post_sd * 12f64.sqrt(),
                truth_in_posterior: match (&truth_unit, particle.is_empty()) {
                    (Some(t), false) => (post_lo <= t[j] && t[j] <= post_hi).to_string(),
                    _ => String::new(),
                },
            }
        })
        .collect();
    write(
        &out.join(PARAMETERS),
        csv_bytes_with_header(&parameter_rows),
    )?;
    // NROY as parameter values, one row per candidate that survives.
    let mut nroy = keys.join(",");
    nroy.push('\n');
    for p in &kept_points {
        let values: Vec<String> = p
            .iter()
            .zip(&uncertain)
            .map(|(&x, u)| u.distribution.quantile(x).to_string())
            .collect();
        nroy.push_str(&values.join(","));
        nroy.push('\n');
    }
    write(&out.join(NROY), Ok(nroy.into_bytes()))?;
    super::plot::plot(&out, true)?;
    if !a.quiet {
        println!("{status}");
        for t in &target_rows {
            if t.met_alone.is_nan() {
                println!(
                    "  {}: observed {:.4}; not tested (its emulator was not trusted in the last wave)",
                    t.target, t.observed
                );
                continue;
            }
            println!(
                "  {}: observed {:.4}; met alone at {:.1} % of the NROY the last wave was fitted in; least implausibility {:.2}; {}",
                t.target,
                t.observed,
                100.0 * t.met_alone,
                t.least_implausibility,
                if t.met_in_nroy { "met in NROY" } else { "NOT met in NROY" }
            );
        }
        // Under 0.9 of the prior's width: sampling noise alone keeps it near 1.
        let narrower = parameter_rows
            .iter()
            .filter(|p| p.width_share < 0.9)
            .count();
        println!(
            "  NROY's 5th-95th percentile range is under 0.9 of the prior's on {narrower} of {} parameters",
            parameter_rows.len()
        );
        if let Some(p) = &abc {
            let narrower = parameter_rows
                .iter()
                .filter(|p| p.posterior_sd_share < 1.0)
                .count();
            let ess = p.rows.last().map_or(0.0, |r| r.effective_size);
            println!(
                "  posterior ({} particles, effective size {ess:.1}): sd under the prior's on {narrower} of {} parameters{}",
                p.last.points.len(),
                parameter_rows.len(),
                if truth_unit.is_some() {
                    format!(
                        "; its 5th-95th percentile range holds the truth on {} of them",
                        parameter_rows.iter().filter(|p| p.truth_in_posterior == "true").count()
                    )
                } else {
                    String::new()
                }
            );
        }
        println!(
            "results in {}; charts in {}/plots/, report {}/report.html",
            out.display(),
            out.display(),
            out.display()
        );
    }
    Ok(())
}

/// Make `out` ready: new, or resumed with the same settings, or replaced.
fn prepare(out: &Path, settings: &Settings, resume: bool, force: bool) -> Result<(), Failure> {
    let file = out.join(SETTINGS);
    if out.exists() {
        if force {
            std::fs::remove_dir_all(out)
                .map_err(|e| Failure::Failed(format!("cannot remove {}: {e}", out.display())))?;
        } else if resume {
            let bytes = std::fs::read(&file).map_err(|_| {
                bad(format!(
                    "{}: no calibration.json, so nothing to resume; run without --resume (or with --force)",
                    out.display()
                ))
            })?;
            let before: Settings = serde_json::from_slice(&bytes).map_err(|e| {
                bad(format!(
                    "{}: damaged ({e}); rerun with --force",
                    file.display()
                ))
            })?;
            if &before != settings {
                return Err(bad(format!(
                    "{}: made with other settings (targets, parameters, seed, waves, points, replicates, candidates, particles or truth); rerun with --force, or give the same ones",
                    out.display()
                )));
            }
            return Ok(());
        } else if out.read_dir().is_ok_and(|mut d| d.next().is_some()) {
            return Err(bad(format!(
                "{} is not empty: add --resume to continue it or --force to replace it",
                out.display()
            )));
        }
    }
    std::fs::create_dir_all(out)
        .map_err(|e| Failure::Failed(format!("cannot create {}: {e}", out.display())))?;
    write(&file, placesim_results::manifest::pretty_json(settings))
}
