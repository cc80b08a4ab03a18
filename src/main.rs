//! The `placesim` command line: parse the arguments, run the command, turn its
//! result into an exit code. Model logic lives in `placesim-core`; each
//! command is a module of `commands`.

mod args;
mod cli;
mod commands;
mod failure;
mod print;

use clap::Parser;
use cli::{Cli, Command};
use commands::{
    bench, benchmark, calibrate, check, discover, merge, plot, rerun, run, scenarios, schema,
    sensitivity, serve, slurm, sweep,
};
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return failure::usage_error(e),
    };
    // The documentation test checks that the command lines in the docs parse,
    // without running them (DEVELOPERS.md).
    if std::env::var_os("PLACESIM_PARSE_ONLY").is_some() {
        return ExitCode::SUCCESS;
    }
    failure::exit(match cli.command {
        Command::Run(a) => run::run(&a.world, a.out, a.force),
        Command::Sweep(a) => sweep::sweep(a),
        Command::Sensitivity(a) => sensitivity::sensitivity(a),
        Command::Discover(a) => discover::discover(a),
        Command::Calibrate(a) => calibrate::calibrate(a),
        Command::Benchmark(a) => benchmark::benchmark(a),
        Command::Rerun(a) => rerun::rerun(&a.dir, a.run_id, a.out, a.force),
        Command::Plot(a) => plot::plot(&a.dir, false),
        Command::Check(a) => check::check(&a.file, &a.set),
        Command::Scenarios => {
            scenarios::scenarios();
            Ok(())
        }
        Command::Schema(a) => {
            schema::schema(a.format);
            Ok(())
        }
        Command::Bench(a) => bench::bench(&a.world),
        Command::Merge(a) => merge::merge(&a.shards, &a.out, a.force, a.quiet),
        Command::Slurm(job) => slurm::write_scripts(&job),
        Command::Serve(a) => serve::serve(&a),
    })
}
