//! The command line's shape: the commands. Each command's own arguments
//! are in its module under `commands`; arguments several share, in `args`.

use crate::commands::{
    bench, benchmark, calibrate, check, discover, merge, plot, rerun, run, schema, sensitivity,
    serve, slurm, sweep,
};
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "placesim",
    version,
    about = "Simulate the whole public service system of one place, with the Total Place barriers on or off.",
    after_help = "Examples:\n  placesim sweep                                # the flagship sweep into out/total-place/ (a few minutes)\n  placesim plot out/total-place                 # redraw its charts and report.html\n  placesim run                                  # one run of the default place (silos), 30,000 citizens, 5 years\n  placesim run --preset total-place --seed 7 --out out/tp7\n  placesim run my-place.toml --set barriers.ring_fenced_budgets.strength=0\n  placesim check scenarios/total-place.sweep.toml\n  placesim scenarios\n  placesim bench --population 1000000 --set place.residents=1000000 --weeks 260 --threads 2"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Run one place and write summary.json, timeseries.csv, agencies.csv and cost_shifting.csv.
    #[command(
        after_help = "Examples:\n  placesim run\n  placesim run --preset total-place --population 100000 --out out/tp --force\n  placesim run scenarios/leadership-only.toml --set leadership.whole_systems_weight=0.5"
    )]
    Run(run::Args),
    /// Run a sweep: variants x replicates in parallel on common random numbers, into tidy CSV files.
    #[command(
        after_help = "Examples:\n  placesim sweep                                   # the flagship: 8 variants x 100 replicates\n  placesim sweep scenarios/barrier-factorial.sweep.toml --replicates 10\n  placesim sweep --resume                          # finish an interrupted sweep\n  placesim sweep --resume --replicates 200         # add replicates to a finished one\n  placesim sweep my.sweep.toml --shard 0/4         # a quarter of the runs, for a cluster (docs/CLUSTER.md)\n  placesim sweep my.sweep.toml --ensemble posterior.csv  # each replicate on one member of a posterior\n\nOutputs in DIR: runs.csv (one row per run), comparison.csv (each variant against the\nbaseline, paired 95 % CIs), timeseries.csv, agencies.csv, cost_shifting.csv,\nmanifest.json (how to reproduce it), provenance.json (timing), runs/ (one folder per run),\nplots/ (SVG and PNG charts) and report.html (everything on one offline page)."
    )]
    Sweep(sweep::Args),
    /// Sensitivity analysis: a Morris or Sobol design over uncertain parameters, run as a sweep; indices, variance split and robustness.
    #[command(
        after_help = "Examples:\n  placesim sensitivity --method morris                     # screen every uncertain parameter (~2 min)\n  placesim sensitivity --method sobol --samples 512 \\\n      --parameters citizens.risk_sigma,needs.crisis_level  # Sobol indices of the few that matter\n  placesim sensitivity my.sweep.toml --method morris --uncertainty my-uncertainty.toml\n  placesim sensitivity --method morris --resume            # finish an interrupted design\n  placesim sensitivity --method sobol --shard 0/8          # a cluster's share; merge with placesim merge\n\nA design is a sweep: every variant of FILE runs at every point, each point's replicates on\nthe same seeds. Besides a sweep's files DIR gets design.csv (the points), indices.csv and\nindices_by_year.csv (Morris mu, mu*, sigma or Sobol first and total, with 95 % bootstrap\nintervals, of every outcome and every paired effect), variance.csv (parameter against\nstochastic variance) and robustness.csv (how often each variant beats the baseline), with\ncharts in DIR/plots/ and a section of report.html. See docs/SENSITIVITY.md."
    )]
    Sensitivity(sensitivity::Args),
    /// Scenario discovery on a design's or a sweep's results: where an outcome or a paired effect meets a condition (PRIM boxes, CART rules).
    #[command(
        after_help = "Examples:\n  placesim sensitivity --method latin-hypercube --samples 500 --out out/lhs\n  placesim discover out/lhs --outcome \"effect(total-place, crisis_events)\" --where \"> 0\"\n  placesim discover out/lhs --outcome \"value(silos, failure_demand_share)\" --where \"> q90\" --box 12\n  placesim sweep scenarios/barrier-factorial.sweep.toml --out out/factorial\n  placesim discover out/factorial --outcome \"effect(crisis_events)\" --where \"< 0\"\n\nIn a design each point is a case and its inputs are the sampled parameters; in a plain\nsweep each variant is a case and its inputs are the settings the variants differ by\n(numbers, or categories such as true/false). Writes DIR/discovery/: cases.csv, trajectory.csv\n(PRIM's peeling and pasting, two boxes), boxes.csv (the shown boxes' limits with\nquasi-p-values), stability.csv (how often PRIM restricts each input on half-samples),\nrules.csv (CART's leaves) and summary.json; redraws DIR/plots/ and report.html with three\ncharts and a section. See docs/DISCOVERY.md."
    )]
    Discover(discover::Args),
    /// Calibrate the place to published figures: history matching in waves (emulators, implausibility, the space not ruled out yet), then a weighted posterior ensemble by ABC.
    #[command(
        after_help = "Examples:\n  placesim calibrate                                   # the built-in England targets, default place\n  placesim calibrate --waves 3 --points 40 --out out/cal\n  placesim calibrate --truth needs.recovery_rate=0.02 --out out/cal-truth   # a synthetic truth\n  placesim calibrate --resume --out out/cal            # finish an interrupted calibration\n  placesim calibrate --out out/cal --shard 0/4         # one of four shards (repeat; finish with --resume)\n  placesim sweep total-place --ensemble out/cal/posterior.csv   # a sweep on the posterior\n\nEach wave is a design of points not yet ruled out, run as a sweep into DIR/wave-K/; the\nposterior's runs go into DIR/posterior-runs/. DIR gets calibration.json (the settings),\nwaves.csv (NROY's share of the prior after each wave), emulators.csv (each target's\nleave-one-out diagnostics), targets.csv (which targets are met, and the posterior's runs),\nparameters.csv (prior, NROY and posterior ranges), nroy.csv, generations.csv, posterior.csv\n(the weighted ensemble), plots/ and report.html. See docs/CALIBRATION.md."
    )]
    Calibrate(calibrate::Args),
    /// Score integration strategies on several places: every strategy x place x replicate on common random numbers, paired effects against silos with intervals, regret, satisficing and rank intervals; your strategy scored against the shipped ones.
    #[command(
        after_help = "Examples:\n  placesim benchmark                                   # the built-in benchmark.toml: 9 strategies x 4 places\n  placesim benchmark my-strategy.toml                  # score your strategy against the shipped ones\n  placesim benchmark --places deprived-city --replicates 5 --out out/bench-small\n  placesim benchmark --resume --out out/benchmark      # finish an interrupted benchmark\n  placesim benchmark --shard 0/2 --out out/b0          # half the runs, for a cluster\n  placesim benchmark --merge out/b0 out/b1 --out out/benchmark   # merge the shards, score\n  placesim benchmark --ensemble out/cal/posterior.csv  # every place on a calibrated ensemble\n\nA strategy file: name, description, evidence, [set] (dotted keys and values set on every\nplace), [scale] (keys whose place value is multiplied), schedule (phasing); see the shipped\nones in strategies/. Each place runs as a sweep into OUT/places/PLACE/. OUT gets\nbenchmark.json (the definition and its hash), leaderboard.csv, effects.csv (per place and\npooled), horizons.csv (at 1, 3, 5, 10 years), regret.csv, satisficing.csv and report.html.\nSee docs/BENCHMARK.md."
    )]
    Benchmark(benchmark::Args),
    /// Draw a sweep's charts (DIR/plots/, SVG and PNG) and its report (DIR/report.html) again.
    #[command(after_help = "Example:\n  placesim plot out/total-place")]
    Plot(plot::Args),
    /// Rerun one run of a sweep with its full weekly outputs (the same rows the sweep has for it).
    #[command(after_help = "Example:\n  placesim rerun out/total-place 17 --out out/run17")]
    Rerun(rerun::Args),
    /// Validate a scenario, sweep or benchmark strategy file and print it fully resolved (extends, overrides, variants; a strategy on every benchmark place).
    #[command(
        after_help = "Examples:\n  placesim check scenarios/total-place.toml\n  placesim check scenarios/barrier-factorial.sweep.toml\n  placesim check strategies/key-worker.toml          # a strategy, built on every benchmark place"
    )]
    Check(check::Args),
    /// List the built-in scenarios and sweeps, one line each.
    Scenarios,
    /// Print the JSON Schema of scenario files (or of sweep files).
    #[command(
        after_help = "Examples:\n  placesim schema > scenario.schema.json\n  placesim schema sweep"
    )]
    Schema(schema::Args),
    /// Run a place without writing outputs; print citizen-steps per second, wall time and peak memory.
    #[command(
        after_help = "Example:\n  placesim bench --population 1000000 --set place.residents=1000000 --weeks 260 --threads 2"
    )]
    Bench(bench::Args),
    /// Combine the folders of a sharded sweep into its final outputs (as if run on one machine).
    #[command(
        after_help = "Examples:\n  placesim merge out/total-place-shards/shard-* --out out/total-place\n\nRefuses shards of different sweeps (exit 2). If a shard or run is missing or failed it\nnames them, writes nothing and exits 1: run those shards again (they resume), then merge again."
    )]
    Merge(merge::Args),
    /// Write Slurm scripts that run a sweep as a job array of shards, then merge them.
    #[command(
        after_help = "Example:\n  placesim slurm scenarios/barrier-factorial.sweep.toml --shards 32 --out /scratch/$USER/factorial\n  bash /scratch/$USER/factorial/slurm/submit.sh\n\nWrites OUT/slurm/array.sbatch (one task per shard, each into OUT/shards/), OUT/slurm/merge.sbatch\n(merges OUT/shards/ into OUT/results/) and OUT/slurm/submit.sh (submits both, the merge with\n--dependency=afterok on the array). See docs/CLUSTER.md."
    )]
    Slurm(slurm::Job),
    /// Live dashboard for trainers: two places side by side in the browser, barriers switched while they run.
    #[command(
        after_help = "Examples:\n  placesim serve                          # silos, on http://127.0.0.1:8080/\n  placesim serve total-place --port 9000  # start both places from another preset\n  placesim serve my-place.toml            # or from a scenario file\n  placesim serve --bind 0.0.0.0           # let other machines in (no authentication!)\n  placesim serve --bind 0.0.0.0 --allow-host trainer-laptop   # and open it by a machine name\n\nThe page works offline. Each browser tab gets its own pair of places (2,000 citizens\nunless the page asks for more, up to --max-population); idle tabs expire.\n\nWorkshop mode: the facilitator opens /workshop and creates a room; participants open\nhttp://ADDRESS:PORT/workshop on their own devices (serve with --bind 0.0.0.0 on a room's\nnetwork), enter the room's code and run an agency each, quarter by quarter. The debrief is\none offline HTML file; the room's decisions download as a schedule placesim run\nreproduces. See docs/WORKSHOP.md."
    )]
    Serve(serve::Args),
}
