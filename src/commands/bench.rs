//! `placesim bench`: run a place without outputs and print how fast it went.

use crate::args::WorldArgs;
use crate::failure::Failure;
use placesim_core::Run;
use std::convert::Infallible;
use std::fs;
use std::time::Instant;

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub world: WorldArgs,
}

pub fn bench(args: &WorldArgs) -> Result<(), Failure> {
    let params = args.scenario()?.params;
    let pool = args.pool()?;
    let steps = params.place.population as f64 * params.place.total_weeks() as f64;
    let start = Instant::now();
    let mut sim = pool.install(|| Run::new(params, 1));
    let built = start.elapsed();
    let Ok(()) = pool.install(|| sim.to_end(|_| Ok::<_, Infallible>(())));
    let wall = start.elapsed();
    let world = sim.world();
    let run = wall - built;
    println!("threads               {}", pool.current_num_threads());
    println!(
        "citizens x weeks      {} x {}",
        world.params().place.population,
        world.params().place.total_weeks()
    );
    println!(
        "wall time             {:.3} s ({:.3} s building the place)",
        wall.as_secs_f64(),
        built.as_secs_f64()
    );
    let phases = world.phase_time();
    println!(
        "of which              {:.3} s citizen pass (parallel), {:.3} s agency phases (serial)",
        phases.citizens.as_secs_f64(),
        phases.rest.as_secs_f64()
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
