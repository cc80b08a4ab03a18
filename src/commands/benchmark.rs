//! `placesim benchmark`: every strategy on every place of a benchmark
//! definition, replicates on common random numbers, each place a sweep in
//! `OUT/places/PLACE/` (resumable like any sweep), then the scores
//! (`placesim-benchmark`): paired effects against the reference per place
//! and pooled, the same at each horizon, regret, satisficing and rank
//! intervals, a leaderboard and a report.

use crate::failure::Failure;
use placesim_benchmark::{
    effects, ranks, regret, satisficing, Condition, EffectRow, Futures, RankRow, RegretRow,
    SatisficingRow, ALL_PLACES, SCORES_VERSION,
};
use placesim_results::manifest::{fnv1a_hex, pretty_json, MODEL_VERSION};
use placesim_results::runs::{self, YEAR_OUTCOMES};
use placesim_results::table::csv_bytes;
use placesim_results::{write_atomic, RunId};
use placesim_scenario::benchmark::{
    load_benchmark, load_strategy, place_sweep, Benchmark, Strategy,
};
use placesim_scenario::Source;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

#[derive(clap::Args)]
pub struct Args {
    /// Strategy files of your own, scored with the shipped ones (each validated like a scenario change).
    pub strategies: Vec<PathBuf>,
    /// A benchmark definition [default: the built-in benchmark.toml].
    #[arg(long, value_name = "FILE")]
    pub definition: Option<PathBuf>,
    /// Only these places (comma-separated names from the definition).
    #[arg(long, value_name = "PLACE,PLACE", value_delimiter = ',')]
    pub places: Vec<String>,
    /// Replicates per place [default: the definition's]; part of what the hash covers.
    #[arg(long, value_parser = clap::value_parser!(u32).range(2..=100_000))]
    pub replicates: Option<u32>,
    /// Run every place on a posterior ensemble of the default place (`placesim calibrate`'s posterior.csv): each replicate draws one member, whose departure from the default place (a ratio, key by key) is applied to each place's own values.
    #[arg(long, value_name = "POSTERIOR.csv")]
    pub ensemble: Option<PathBuf>,
    /// Results folder [default: out/benchmark].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Continue an interrupted benchmark in --out (the same definition, by its hash).
    #[arg(long, conflicts_with = "force")]
    pub resume: bool,
    /// Replace what --out holds.
    #[arg(long)]
    pub force: bool,
    /// Run only shard K of N (K from 0) of every place's runs into --out, for a cluster; then `--merge` the shard folders.
    #[arg(long, value_name = "K/N", value_parser = placesim_batch::Shard::parse, conflicts_with = "merge")]
    pub shard: Option<placesim_batch::Shard>,
    /// Merge the folders of a benchmark's shards (each from `--shard K/N`, under the same definition, strategies and replicates: the same hash) into --out, and score it.
    #[arg(long, value_name = "DIR", num_args = 1.., conflicts_with = "resume")]
    pub merge: Vec<PathBuf>,
    #[command(flatten)]
    pub threads: crate::args::Threads,
    /// Print nothing but errors.
    #[arg(long)]
    pub quiet: bool,
}

/// Bootstrap resamples behind the rank intervals.
const RANK_DRAWS: u32 = 1_000;

/// `benchmark.json`: what was run, and the hash that makes two
/// leaderboards comparable.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Definition {
    pub name: String,
    pub version: u32,
    /// FNV-1a 64 of the model's version, the definition's text, each
    /// strategy's text and each place's resolved scenario (every default
    /// included), the replicates, any ensemble's text, and the version of
    /// the scores' method.
    pub hash: String,
    pub model_version: String,
    pub definition_file: String,
    pub places: Vec<String>,
    pub strategies: Vec<StrategyEntry>,
    pub reference: String,
    pub replicates: u32,
    pub seed: u64,
    pub years: u32,
    pub horizons_years: Vec<u32>,
    pub score: String,
    pub outcomes: Vec<String>,
    pub satisficing: Vec<(String, f64)>,
    /// The posterior ensemble every place ran on, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ensemble: Option<String>,
    /// `K/N` for a shard's folder (from `--shard`); absent for a whole benchmark.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct StrategyEntry {
    pub name: String,
    pub file: String,
    pub description: String,
    pub evidence: String,
}

/// One row of `leaderboard.csv`.
#[derive(Clone, Debug, Serialize)]
pub struct LeaderRow {
    pub rank: u32,
    pub strategy: String,
    pub rank_low: u32,
    pub rank_high: u32,
    pub first_share: f64,
    /// The pooled paired effect on the score against the reference.
    pub score_effect: f64,
    pub score_ci_low: f64,
    pub score_ci_high: f64,
    pub mean_regret: f64,
    pub p90_regret: f64,
    pub satisficed: f64,
    pub satisficed_ci_low: f64,
    pub satisficed_ci_high: f64,
    /// Pooled relative effects on crises and spend (NaN if not scored).
    pub crisis_events_relative: f64,
    pub total_spend_relative: f64,
}

fn bad(m: String) -> Failure {
    Failure::BadInput(m)
}

fn write(path: &Path, bytes: std::io::Result<Vec<u8>>) -> Result<(), Failure> {
    bytes
        .and_then(|b| write_atomic(path, &b))
        .map_err(|e| Failure::Failed(format!("writing {}: {e}", path.display())))
}

/// The definition, its strategies (shipped, then the user's) and places.
fn definition(a: &Args) -> Result<(Benchmark, Vec<Strategy>), Failure> {
    let outcomes = runs::outcome_names();
    let src = match &a.definition {
        Some(f) if !f.exists() => {
            return Err(bad(format!("--definition {}: no such file", f.display())))
        }
        Some(f) => Source::File(f.clone()),
        None => Source::Builtin(placesim_scenario::presets::BENCHMARK.file),
    };
    let mut b = load_benchmark(&src, &outcomes)?;
    if !a.places.is_empty() {
        for p in &a.places {
            if !b.places.iter().any(|(n, _)| n == p) {
                let names: Vec<&str> = b.places.iter().map(|(n, _)| n.as_str()).collect();
                return Err(bad(format!(
                    "--places: `{p}` is not a place of {} ({})",
                    b.file,
                    names.join(", ")
                )));
            }
        }
        b.places.retain(|(n, _)| a.places.contains(n));
    }
    let mut strategies = Vec::new();
    for s in &b.strategies {
        strategies.push(load_strategy(s)?);
    }
    for f in &a.strategies {
        if !f.exists() {
            return Err(bad(format!("{}: no such strategy file", f.display())));
        }
        strategies.push(load_strategy(&Source::File(f.clone()))?);
    }
    Ok((b, strategies))
}

/// The hash of what the benchmark runs (see [`Definition::hash`]).
fn hash(
    b: &Benchmark,
    strategies: &[Strategy],
    sweeps: &[placesim_scenario::Sweep],
    replicates: u32,
    ensemble: &str,
) -> String {
    let mut text = format!(
        "model {MODEL_VERSION}\nscores {SCORES_VERSION}, {RANK_DRAWS} rank draws\nreplicates {replicates}\n{}\n",
        b.text
    );
    if !ensemble.is_empty() {
        text.push_str("ensemble\n");
        text.push_str(ensemble);
    }
    for s in strategies {
        text.push_str(&s.text);
        text.push('\n');
    }
    for sweep in sweeps {
        for v in &sweep.variants {
            text.push_str(&v.scenario.resolved.to_string());
            text.push('\n');
        }
    }
    fnv1a_hex(text.as_bytes())
}

/// Make `out` ready: new, resumed under the same hash, or replaced.
fn prepare(out: &Path, def: &Definition, resume: bool, force: bool) -> Result<(), Failure> {
    let file = out.join("benchmark.json");
    if force && out.exists() {
        std::fs::remove_dir_all(out)
            .map_err(|e| Failure::Failed(format!("cannot remove {}: {e}", out.display())))?;
    } else if resume {
        let bytes = std::fs::read(&file).map_err(|_| {
            bad(format!(
                "{}: no benchmark.json, so nothing to resume; run without --resume",
                out.display()
            ))
        })?;
        let before: Definition = serde_json::from_slice(&bytes).map_err(|e| {
            bad(format!(
                "{}: damaged ({e}); rerun with --force",
                file.display()
            ))
        })?;
        if before.hash != def.hash || before.shard != def.shard {
            return Err(bad(format!(
                "{} holds a benchmark of another definition or shard (hash {}, model {}, shard {}; this one is {}, model {}, shard {}): a folder is resumed only under the same hash and shard. Rerun with --force, or give the same definition, strategies, replicates and --shard",
                out.display(),
                before.hash,
                before.model_version,
                before.shard.as_deref().unwrap_or("none"),
                def.hash,
                def.model_version,
                def.shard.as_deref().unwrap_or("none")
            )));
        }
        return Ok(());
    } else {
        super::check_output_folder(out, false)?;
    }
    std::fs::create_dir_all(out)
        .map_err(|e| Failure::Failed(format!("cannot create {}: {e}", out.display())))?;
    write(&file, pretty_json(def))
}

pub fn benchmark(a: Args) -> Result<(), Failure> {
    let (b, strategies) = definition(&a)?;
    let replicates = a.replicates.unwrap_or(b.replicates);
    let mut sweeps: Vec<placesim_scenario::Sweep> = b
        .places
        .iter()
        .map(|p| place_sweep(&b, p, &strategies, replicates))
        .collect::<Result<_, _>>()?;
    let mut ensemble_text = String::new();
    if let Some(file) = &a.ensemble {
        let e = placesim_scenario::ensemble::load(file)?;
        ensemble_text = std::fs::read_to_string(file).unwrap_or_default();
        let default_place = placesim_scenario::sweep::scenario_with(
            &Source::Builtin(placesim_scenario::presets::SCENARIOS[0].file),
            &b.set,
        )?;
        for (sweep, (name, _)) in sweeps.iter_mut().zip(&b.places) {
            let place = &sweep
                .variants
                .iter()
                .find(|v| v.name == b.reference)
                .unwrap_or(&sweep.variants[0])
                .scenario
                .resolved;
            let carried = placesim_scenario::benchmark::ensemble_on_place(
                &e,
                &default_place.resolved,
                place,
                name,
            )?;
            *sweep = sweep.clone().with_ensemble(carried)?;
        }
    }
    let weeks = sweeps
        .first()
        .and_then(|s| s.variants.first())
        .map_or(0, |v| v.scenario.params.place.weeks);
    for (sweep, (name, _)) in sweeps.iter().zip(&b.places) {
        if let Some(v) = sweep
            .variants
            .iter()
            .find(|v| v.scenario.params.place.weeks != weeks)
        {
            return Err(bad(format!(
                "{}: `{name}` runs {} counted weeks under `{}`, the first place {weeks}: every place and strategy must count the same weeks; set place.weeks in the definition's [set]",
                b.file, v.scenario.params.place.weeks, v.name
            )));
        }
    }
    let years = weeks / 52;
    if let Some(h) = b.horizons_years.iter().find(|&&h| h > years) {
        return Err(bad(format!(
            "{}: horizon {h} years is beyond the {years} counted years (place.weeks {weeks}); lengthen place.weeks in its [set] or drop the horizon",
            b.file
        )));
    }
    let reference = strategies
        .iter()
        .position(|s| s.name == b.reference)
        .unwrap_or(0);
    let def = Definition {
        name: b.name.clone(),
        version: b.version,
        hash: hash(&b, &strategies, &sweeps, replicates, &ensemble_text),
        model_version: MODEL_VERSION.to_string(),
        definition_file: b.file.clone(),
        places: b.places.iter().map(|(n, _)| n.clone()).collect(),
        strategies: strategies
            .iter()
            .map(|s| StrategyEntry {
                name: s.name.clone(),
                file: s.file.clone(),
                description: s.description.clone(),
                evidence: s.evidence.clone(),
            })
            .collect(),
        reference: b.reference.clone(),
        replicates,
        seed: b.seed,
        years,
        horizons_years: b.horizons_years.clone(),
        score: b.score.clone(),
        outcomes: b.outcomes.clone(),
        satisficing: b
            .satisficing
            .iter()
            .map(|c| (c.outcome.clone(), c.max_change))
            .collect(),
        ensemble: a.ensemble.as_ref().map(|f| f.display().to_string()),
        shard: a.shard.map(|s| format!("{}/{}", s.index, s.count)),
    };
    let out = a
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("out/benchmark"));
    if !a.merge.is_empty() {
        // --out may not hold a shard, nor sit inside one: --force would remove it.
        let out_abs = std::path::absolute(&out).unwrap_or_else(|_| out.clone());
        let overlaps = |d: &PathBuf| {
            let d = std::fs::canonicalize(d)
                .or_else(|_| std::path::absolute(d))
                .unwrap_or_else(|_| d.clone());
            let o = std::fs::canonicalize(&out).unwrap_or_else(|_| out_abs.clone());
            d.starts_with(&o) || o.starts_with(&d)
        };
        if let Some(d) = a.merge.iter().find(|d| overlaps(d)) {
            return Err(bad(format!(
                "--merge {}: it is inside --out {} (or holds it); merge into a folder apart from the shards",
                d.display(),
                out.display()
            )));
        }
        let shards = shard_folders(&a.merge, &def)?;
        let whole_def = Definition {
            shard: None,
            ..def.clone()
        };
        prepare(&out, &whole_def, false, a.force)?;
        for place in &def.places {
            let folders: Vec<PathBuf> = shards
                .iter()
                .map(|(dir, shard)| dir.join("places").join(place).join(shard.folder_name()))
                .collect();
            placesim_batch::merge(&folders, &out.join("places").join(place), false)?;
        }
    } else {
        prepare(&out, &def, a.resume, a.force)?;
        let pool = a.threads.pool()?;
        run_places(&a, &out, &def, &sweeps, &pool)?;
        if let Some(shard) = a.shard {
            if !a.quiet {
                println!(
                    "shard {} of {}: its runs of every place are in {}; when every shard is done: placesim benchmark --merge DIR... --out DIR, with the same definition, strategies and replicates",
                    shard.index,
                    shard.count,
                    out.display()
                );
            }
            return Ok(());
        }
    }
    let (whole, by_year) = gather(&out, &def, &sweeps)?;
    score(&out, &def, &whole, &by_year, reference, a.quiet)
}

/// The shard folders to merge, each with its shard: every one a
/// benchmark's shard under this definition's hash, every shard of one split
/// given once.
fn shard_folders(
    dirs: &[PathBuf],
    def: &Definition,
) -> Result<Vec<(PathBuf, placesim_batch::Shard)>, Failure> {
    let mut seen: Vec<Option<(PathBuf, placesim_batch::Shard)>> = Vec::new();
    for dir in dirs {
        let file = dir.join("benchmark.json");
        let bytes = std::fs::read(&file).map_err(|_| {
            bad(format!(
                "--merge {}: no benchmark.json; give folders written by `placesim benchmark --shard K/N`",
                dir.display()
            ))
        })?;
        let d: Definition = serde_json::from_slice(&bytes)
            .map_err(|e| bad(format!("{}: damaged ({e})", file.display())))?;
        if d.hash != def.hash {
            return Err(bad(format!(
                "--merge {}: a shard of another definition (hash {}, model {}; this one is {}, model {}): its scores would not be comparable. Merge shards run with the same definition, strategies and replicates, and give those again here",
                dir.display(),
                d.hash,
                d.model_version,
                def.hash,
                def.model_version
            )));
        }
        let Some(shard) = d
            .shard
            .as_deref()
            .and_then(|s| placesim_batch::Shard::parse(s).ok())
        else {
            return Err(bad(format!(
                "--merge {}: a whole benchmark, not a shard; only folders from `--shard K/N` are merged",
                dir.display()
            )));
        };
        if seen.is_empty() {
            seen = vec![None; shard.count as usize];
        }
        if shard.count as usize != seen.len() {
            return Err(bad(format!(
                "--merge {}: shard {} of {}, but the others are of {}",
                dir.display(),
                shard.index,
                shard.count,
                seen.len()
            )));
        }
        if seen[shard.index as usize].is_some() {
            return Err(bad(format!(
                "--merge {}: shard {} of {} is given twice",
                dir.display(),
                shard.index,
                shard.count
            )));
        }
        seen[shard.index as usize] = Some((dir.clone(), shard));
    }
    let missing: Vec<String> = seen
        .iter()
        .enumerate()
        .filter(|(_, d)| d.is_none())
        .map(|(k, _)| k.to_string())
        .collect();
    if !missing.is_empty() {
        return Err(bad(format!(
            "--merge: shards {} of {} are missing; nothing was written",
            missing.join(", "),
            seen.len()
        )));
    }
    Ok(seen.into_iter().flatten().collect())
}

/// Run each place's sweep into `OUT/places/PLACE/`, resuming what is there.
fn run_places(
    a: &Args,
    out: &Path,
    def: &Definition,
    sweeps: &[placesim_scenario::Sweep],
    pool: &rayon::ThreadPool,
) -> Result<(), Failure> {
    let total_runs = sweeps.len() as u64 * def.strategies.len() as u64 * def.replicates as u64;
    if !a.quiet {
        eprintln!(
            "benchmark `{}` (hash {}): {} strategies x {} places x {} replicates = {total_runs} runs, {} threads, into {}",
            def.name,
            def.hash,
            def.strategies.len(),
            sweeps.len(),
            def.replicates,
            pool.current_num_threads(),
            out.display()
        );
    }
    let bar = (!a.quiet && std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .then(|| crate::print::progress_with_message(total_runs, "runs"));
    let mut done_before = 0;
    for (sweep, place) in sweeps.iter().zip(&def.places) {
        let dir = out.join("places").join(place);
        let opts = placesim_batch::SweepOptions {
            out: dir.clone(),
            replicates: Some(def.replicates),
            seed: None,
            resume: match a.shard {
                Some(s) => dir.join(s.folder_name()),
                None => dir.clone(),
            }
            .join(placesim_results::manifest::MANIFEST)
            .exists(),
            force: false,
            every_weeks: None,
            shard: a.shard,
        };
        let plan = placesim_batch::plan_sweep(sweep, &opts)?;
        let total = plan.total();
        if !a.quiet && bar.is_none() {
            eprintln!("{place}: {} of {total} runs to go", plan.to_run());
        }
        let report = pool.install(|| {
            plan.run(&|p: placesim_batch::Progress| {
                if let Some(b) = &bar {
                    b.set_position(done_before + p.done);
                    b.set_message(place.to_string());
                }
            })
        })?;
        if let Some(f) = report.failed.first() {
            return Err(Failure::Failed(format!(
                "{place}: {} runs failed; the first ({} replicate {}): {}",
                report.failed.len(),
                f.variant,
                f.replicate,
                f.error
            )));
        }
        done_before += total;
    }
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    Ok(())
}

/// Every run's outcomes (the definition's), and its yearly outcomes summed
/// to each horizon (one [`Futures`] a horizon).
fn gather(
    out: &Path,
    def: &Definition,
    sweeps: &[placesim_scenario::Sweep],
) -> Result<(Futures, Vec<Futures>), Failure> {
    let names = runs::outcome_names();
    let index: Vec<usize> = def
        .outcomes
        .iter()
        .map(|o| names.iter().position(|n| n == o).unwrap_or(0))
        .collect();
    let mut whole = Futures {
        places: def.places.clone(),
        strategies: def.strategies.iter().map(|s| s.name.clone()).collect(),
        outcomes: def.outcomes.clone(),
        values: Vec::new(),
    };
    let mut by_year: Vec<Futures> = def
        .horizons_years
        .iter()
        .map(|_| Futures {
            outcomes: YEAR_OUTCOMES.iter().map(|s| s.to_string()).collect(),
            ..whole.clone()
        })
        .collect();
    for (p, place) in def.places.iter().enumerate() {
        let dir = out.join("places").join(place);
        let n_variants = sweeps[p].variants.len();
        let mut place_values = vec![Vec::new(); n_variants];
        let mut year_values = vec![vec![Vec::new(); n_variants]; def.horizons_years.len()];
        for (v, values) in place_values.iter_mut().enumerate() {
            for r in 0..def.replicates {
                let folder = RunId {
                    design_point: 0,
                    variant: v as u32,
                    replicate: r,
                }
                .folder(&dir);
                let read = |e: String| Failure::Failed(format!("{}: {e}", folder.display()));
                let x = runs::read_outcomes(&folder).map_err(|e| read(e.to_string()))?;
                values.push(
                    index
                        .iter()
                        .map(|&i| x.get(i).copied().unwrap_or(f64::NAN))
                        .collect(),
                );
                let years = runs::read_years(&folder).map_err(|e| read(e.to_string()))?;
                for (h, &horizon) in def.horizons_years.iter().enumerate() {
                    let upto: Vec<_> = years.iter().filter(|y| y.year <= horizon).collect();
                    let crises: f64 = upto.iter().map(|y| y.crisis_events).sum();
                    let spend: f64 = upto.iter().map(|y| y.total_spend).sum();
                    let failure: f64 = upto.iter().map(|y| y.failure_demand).sum();
                    let contacts: f64 = upto.iter().map(|y| y.contacts).sum();
                    year_values[h][v].push(vec![crises, spend, failure / contacts]);
                }
            }
        }
        whole.values.push(place_values);
        for (h, f) in by_year.iter_mut().enumerate() {
            f.values.push(std::mem::take(&mut year_values[h]));
        }
    }
    Ok((whole, by_year))
}

/// The scores, the leaderboard, the report and a summary on stdout.
fn score(
    out: &Path,
    def: &Definition,
    whole: &Futures,
    by_year: &[Futures],
    reference: usize,
    quiet: bool,
) -> Result<(), Failure> {
    let score = whole.outcome(&def.score).unwrap_or(0);
    let effect_rows = effects(whole, reference, def.years);
    let mut horizon_rows = Vec::new();
    for (f, &h) in by_year.iter().zip(&def.horizons_years) {
        horizon_rows.extend(effects(f, reference, h));
    }
    let regret_rows = regret(whole, score);
    let conditions: Vec<Condition> = def
        .satisficing
        .iter()
        .filter_map(|(o, m)| {
            whole.outcome(o).map(|outcome| Condition {
                outcome,
                max_change: *m,
            })
        })
        .collect();
    let satisficing_rows = satisficing(whole, reference, &conditions);
    let rank_rows = ranks(whole, score, RANK_DRAWS, def.seed);
    let leaders = leaderboard(
        def,
        &effect_rows,
        &regret_rows,
        &satisficing_rows,
        &rank_rows,
    );
    write(&out.join("effects.csv"), csv_bytes(&effect_rows, true))?;
    write(&out.join("horizons.csv"), csv_bytes(&horizon_rows, true))?;
    write(&out.join("regret.csv"), csv_bytes(&regret_rows, true))?;
    write(
        &out.join("satisficing.csv"),
        csv_bytes(&satisficing_rows, true),
    )?;
    write(&out.join("leaderboard.csv"), csv_bytes(&leaders, true))?;
    let html = placesim_plot::benchmark::report(&placesim_plot::benchmark::Report {
        name: &def.name,
        hash: &def.hash,
        model_version: &def.model_version,
        places: &def.places,
        replicates: def.replicates,
        years: def.years,
        reference: &def.reference,
        score: &def.score,
        satisficing: &def.satisficing,
        strategies: &def
            .strategies
            .iter()
            .map(|s| (s.name.clone(), s.description.clone(), s.evidence.clone()))
            .collect::<Vec<_>>(),
        leaderboard: &leaders
            .iter()
            .map(|l| placesim_plot::benchmark::Leader {
                rank: l.rank,
                strategy: l.strategy.clone(),
                rank_low: l.rank_low,
                rank_high: l.rank_high,
                score_effect: (l.score_effect, l.score_ci_low, l.score_ci_high),
                mean_regret: l.mean_regret,
                satisficed: (l.satisficed, l.satisficed_ci_low, l.satisficed_ci_high),
                crisis_events_relative: l.crisis_events_relative,
                total_spend_relative: l.total_spend_relative,
            })
            .collect::<Vec<_>>(),
        effects: &effect_rows
            .iter()
            .map(|e| placesim_plot::benchmark::Effect {
                strategy: e.strategy.clone(),
                place: e.place.clone(),
                outcome: e.outcome.clone(),
                mean_diff: e.mean_diff,
                ci: (e.ci_low, e.ci_high),
                relative: e.relative,
            })
            .collect::<Vec<_>>(),
        horizons: &horizon_rows
            .iter()
            .filter(|h| h.place == ALL_PLACES)
            .map(|h| {
                (
                    h.horizon_years,
                    placesim_plot::benchmark::Effect {
                        strategy: h.strategy.clone(),
                        place: h.place.clone(),
                        outcome: h.outcome.clone(),
                        mean_diff: h.mean_diff,
                        ci: (h.ci_low, h.ci_high),
                        relative: h.relative,
                    },
                )
            })
            .collect::<Vec<_>>(),
    });
    write(&out.join("report.html"), Ok(html.into_bytes()))?;
    if !quiet {
        println!(
            "leaderboard (pooled over {} places; {} against {}, 95 % intervals; rank interval from {RANK_DRAWS} bootstrap resamples):",
            def.places.len(),
            def.score,
            def.reference
        );
        for l in &leaders {
            println!(
                "  {:>2} [{}-{}] {:<26} {:>+14.4e} ({:+.3e} to {:+.3e})  regret {:.3e}  satisficed {:>5.1} %  crises {:+.1} %  spend {:+.1} %",
                l.rank,
                l.rank_low,
                l.rank_high,
                l.strategy,
                l.score_effect,
                l.score_ci_low,
                l.score_ci_high,
                l.mean_regret,
                100.0 * l.satisficed,
                100.0 * l.crisis_events_relative,
                100.0 * l.total_spend_relative
            );
        }
        println!(
            "results in {}: leaderboard.csv, effects.csv, horizons.csv, regret.csv, satisficing.csv, report.html",
            out.display()
        );
    }
    Ok(())
}

/// The leaderboard: each strategy's rank and interval, its pooled effect
/// on the score, its regret, its satisficed share and its effects on
/// crises and spend, in rank order.
fn leaderboard(
    def: &Definition,
    effects: &[EffectRow],
    regrets: &[RegretRow],
    satisficed: &[SatisficingRow],
    ranks: &[RankRow],
) -> Vec<LeaderRow> {
    let pooled = |s: &str, o: &str| {
        effects
            .iter()
            .find(|e| e.strategy == s && e.place == ALL_PLACES && e.outcome == o)
    };
    let mut rows: Vec<LeaderRow> = ranks
        .iter()
        .map(|r| {
            let s = r.strategy.as_str();
            let score = pooled(s, &def.score);
            let regret = regrets
                .iter()
                .find(|x| x.strategy == s && x.place == ALL_PLACES);
            let sat = satisficed
                .iter()
                .find(|x| x.strategy == s && x.place == ALL_PLACES);
            LeaderRow {
                rank: r.rank,
                strategy: r.strategy.clone(),
                rank_low: r.rank_low,
                rank_high: r.rank_high,
                first_share: r.first_share,
                score_effect: score.map_or(f64::NAN, |e| e.mean_diff),
                score_ci_low: score.map_or(f64::NAN, |e| e.ci_low),
                score_ci_high: score.map_or(f64::NAN, |e| e.ci_high),
                mean_regret: regret.map_or(f64::NAN, |x| x.mean_regret),
                p90_regret: regret.map_or(f64::NAN, |x| x.p90_regret),
                satisficed: sat.map_or(f64::NAN, |x| x.share),
                satisficed_ci_low: sat.map_or(f64::NAN, |x| x.ci_low),
                satisficed_ci_high: sat.map_or(f64::NAN, |x| x.ci_high),
                crisis_events_relative: pooled(s, "crisis_events").map_or(f64::NAN, |e| e.relative),
                total_spend_relative: pooled(s, "total_spend").map_or(f64::NAN, |e| e.relative),
            }
        })
        .collect();
    rows.sort_by(|a, b| a.rank.cmp(&b.rank).then(a.strategy.cmp(&b.strategy)));
    rows
}
