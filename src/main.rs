//! The `placesim` command line: arguments, progress, outputs and exit codes.
//! Model logic lives in `placesim-core`; this file only drives it.

use clap::{Parser, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use placesim_core::params::MAX_POPULATION;
use placesim_core::{defaults, Params, World};
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

mod output;

#[derive(Parser)]
#[command(
    name = "placesim",
    version,
    about = "Simulate the whole public service system of one place, with the Total Place barriers on or off.",
    after_help = "Examples:\n  placesim run                          # the default place (silos), 10,000 citizens, 5 years\n  placesim run --preset total-place --seed 7 --out out/tp7\n  placesim bench --population 1000000 --ticks 260 --threads 2"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run one place and write summary.json, timeseries.csv, agencies.csv and cost_shifting.csv.
    #[command(
        after_help = "Examples:\n  placesim run\n  placesim run --preset total-place --population 100000 --out out/tp --force"
    )]
    Run {
        #[command(flatten)]
        world: WorldArgs,
        /// Output folder [default: out/<preset>-seed<N>/]. Must be empty or new unless --force.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Overwrite the outputs of an earlier run in the output folder.
        #[arg(long)]
        force: bool,
    },
    /// Run the default place without writing outputs; print citizen-steps per second, wall time and peak memory.
    #[command(
        after_help = "Example:\n  placesim bench --population 1000000 --ticks 260 --threads 2"
    )]
    Bench {
        #[command(flatten)]
        world: WorldArgs,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum Preset {
    /// Every barrier in place, leadership weight w = 0 (the default place).
    Silos,
    /// Every barrier lifted, leadership weight w = 1.
    TotalPlace,
}

impl Preset {
    fn name(self) -> &'static str {
        match self {
            Preset::Silos => "silos",
            Preset::TotalPlace => "total-place",
        }
    }
    fn params(self) -> Params {
        match self {
            Preset::Silos => defaults::default_place(),
            Preset::TotalPlace => defaults::total_place(),
        }
    }
}

#[derive(clap::Args)]
struct WorldArgs {
    /// Built-in scenario.
    #[arg(long, value_enum, default_value = "silos")]
    preset: Preset,
    /// Random seed of the run.
    #[arg(long, default_value_t = 1, allow_negative_numbers = true)]
    seed: u64,
    /// Weeks counted after warm-up (1 to 5200).
    #[arg(long, default_value_t = 260, allow_negative_numbers = true, value_parser = clap::value_parser!(u32).range(1..=5200))]
    ticks: u32,
    /// Weeks of warm-up, excluded from outcomes (0 to 5200).
    #[arg(long, default_value_t = 52, allow_negative_numbers = true, value_parser = clap::value_parser!(u32).range(0..=5200))]
    warmup: u32,
    /// Simulated citizens (1 to 20,000,000); each stands for residents/population people.
    #[arg(long, default_value_t = 10_000, allow_negative_numbers = true, value_parser = clap::value_parser!(u32).range(1..=MAX_POPULATION as i64))]
    population: u32,
    /// Worker threads [default: all cores]. Results do not depend on it.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1024))]
    threads: Option<u32>,
}

impl WorldArgs {
    fn params(&self) -> Result<Params, Failure> {
        let mut p = self.preset.params();
        p.place.seed = self.seed;
        p.place.ticks = self.ticks;
        p.place.warmup_ticks = self.warmup;
        p.place.population = self.population;
        let problems = p.problems();
        if problems.is_empty() {
            Ok(p)
        } else {
            Err(Failure::BadInput(problems.join("; ")))
        }
    }

    fn pool(&self) -> Result<rayon::ThreadPool, Failure> {
        let mut b = rayon::ThreadPoolBuilder::new();
        if let Some(n) = self.threads {
            b = b.num_threads(n as usize);
        }
        b.build()
            .map_err(|e| Failure::Failed(format!("cannot start worker threads: {e}")))
    }
}

/// How a command failed: bad input exits 2, anything else 1.
#[derive(Debug, thiserror::Error)]
enum Failure {
    #[error("{0}")]
    BadInput(String),
    #[error("{0}")]
    Failed(String),
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return usage_error(e),
    };
    let result = match cli.command {
        Command::Run { world, out, force } => run(&world, out, force),
        Command::Bench { world } => bench(&world),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::BadInput(msg)) => {
            eprintln!("error: {msg}");
            ExitCode::from(2)
        }
        Err(Failure::Failed(msg)) => {
            eprintln!("error: {msg}");
            ExitCode::from(1)
        }
    }
}

fn run(args: &WorldArgs, out: Option<PathBuf>, force: bool) -> Result<(), Failure> {
    let params = args.params()?;
    let out = out
        .unwrap_or_else(|| PathBuf::from(format!("out/{}-seed{}", args.preset.name(), args.seed)));
    check_output_folder(&out, force)?;
    let pool = args.pool()?;
    fs::create_dir_all(&out).map_err(|e| {
        Failure::BadInput(format!(
            "cannot create output folder {}: {e}",
            out.display()
        ))
    })?;
    let total = params.place.total_ticks() as u64;
    let bar = progress(total, "weeks");
    let mut world = pool.install(|| World::new(params));
    let mut writer = output::RunWriter::create(&out).map_err(|e| Failure::Failed(e.to_string()))?;
    while !world.is_finished() {
        pool.install(|| world.step());
        writer
            .week(&world)
            .map_err(|e| Failure::Failed(e.to_string()))?;
        bar.inc(1);
    }
    bar.finish_and_clear();
    let summary = world.summary();
    writer
        .finish(&world, &summary)
        .map_err(|e| Failure::Failed(e.to_string()))?;
    print_summary(&summary, &out);
    Ok(())
}

/// Help and version go to stdout as clap renders them; a usage error becomes
/// one line on stderr (clap's message and its hints, without the usage block)
/// and exit code 2.
fn usage_error(e: clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
        let _ = e.print();
        return ExitCode::SUCCESS;
    }
    if e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
        let _ = e.print();
        return ExitCode::from(2);
    }
    let text = e.render().to_string();
    let line: Vec<&str> = text
        .lines()
        .map(str::trim)
        .take_while(|l| !l.starts_with("Usage:"))
        .filter(|l| !l.is_empty() && !l.starts_with("For more information"))
        .collect();
    eprintln!("{}; see 'placesim --help'", line.join(" "));
    ExitCode::from(2)
}

/// Refuse an output path that is a file, or a non-empty folder without --force.
fn check_output_folder(out: &Path, force: bool) -> Result<(), Failure> {
    match fs::metadata(out) {
        Ok(m) if !m.is_dir() => Err(Failure::BadInput(format!(
            "output path {} is a file, not a folder; give --out a folder",
            out.display()
        ))),
        Ok(_) => {
            let non_empty = fs::read_dir(out)
                .map_err(|e| {
                    Failure::BadInput(format!("cannot read output folder {}: {e}", out.display()))
                })?
                .next()
                .is_some();
            if non_empty && !force {
                Err(Failure::BadInput(format!(
                    "output folder {} is not empty; add --force to overwrite it or choose another --out",
                    out.display()
                )))
            } else {
                Ok(())
            }
        }
        Err(_) => Ok(()),
    }
}

fn progress(total: u64, unit: &str) -> ProgressBar {
    let bar = ProgressBar::new(total);
    let template = format!("{{elapsed_precise}} [{{bar:40}}] {{pos}}/{{len}} {unit} (eta {{eta}})");
    if let Ok(style) = ProgressStyle::with_template(&template) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

fn print_summary(s: &placesim_core::Summary, out: &Path) {
    let mut o = std::io::stdout().lock();
    let m = |x: f64| format!("£{:.1}m", x / 1e6);
    let rows = [
        (
            "citizens (weight)",
            format!("{} ({:.1} residents each)", s.population, s.weight),
        ),
        (
            "weeks counted",
            format!("{} after {} weeks of warm-up", s.ticks, s.warmup_ticks),
        ),
        ("total spend (PV)", m(s.total_spend)),
        (
            "crisis share of spend",
            format!("{:.1} %", 100.0 * s.crisis_spend_share),
        ),
        (
            "prevention share of spend",
            format!("{:.1} %", 100.0 * s.prevention_spend_share),
        ),
        ("overspend", m(s.overspend)),
        ("mean wellbeing", format!("{:.4}", s.mean_wellbeing)),
        (
            "low-decile wellbeing",
            format!("{:.4}", s.low_decile_wellbeing),
        ),
        (
            "wellbeing-weeks per £m",
            format!("{:.0}", s.wellbeing_weeks_per_million),
        ),
        ("crisis events", format!("{:.0}", s.crisis_events)),
        ("contacts", format!("{:.0}", s.contacts)),
        (
            "failure demand share",
            format!("{:.1} %", 100.0 * s.failure_demand_share),
        ),
        (
            "costliest 5 % share of spend",
            format!("{:.1} %", 100.0 * s.top5_cost_share),
        ),
        ("mean wait", format!("{:.2} weeks", s.mean_wait)),
        (
            "referrals lost",
            format!("{:.0} of {:.0}", s.referrals_lost, s.referrals_made),
        ),
    ];
    for (k, v) in rows {
        let _ = writeln!(o, "{k:<30} {v}");
    }
    let _ = writeln!(o, "outputs in {}", out.display());
}

fn bench(args: &WorldArgs) -> Result<(), Failure> {
    let params = args.params()?;
    let pool = args.pool()?;
    let steps = params.place.population as f64 * params.place.total_ticks() as f64;
    let start = Instant::now();
    let mut world = pool.install(|| World::new(params));
    let built = start.elapsed();
    pool.install(|| world.run());
    let wall = start.elapsed();
    let run = wall - built;
    println!("threads               {}", pool.current_num_threads());
    println!(
        "citizens x weeks      {} x {}",
        world.params().place.population,
        world.params().place.total_ticks()
    );
    println!(
        "wall time             {:.3} s ({:.3} s building the place)",
        wall.as_secs_f64(),
        built.as_secs_f64()
    );
    println!("citizen-steps/s       {:.0}", steps / run.as_secs_f64());
    println!(
        "per thread            {:.0}",
        steps / run.as_secs_f64() / pool.current_num_threads() as f64
    );
    match peak_memory_kib() {
        Some(kib) => println!("peak memory           {:.1} MB", kib as f64 * 1024.0 / 1e6),
        None => println!("peak memory           unknown on this system"),
    }
    Ok(())
}

/// Peak resident memory of this process (Linux `VmHWM`), KiB.
fn peak_memory_kib() -> Option<u64> {
    let status = fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
