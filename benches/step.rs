//! Criterion benchmark of the weekly step: citizen-steps per second against
//! population (one thread per core as rayon chooses). Run with
//! `cargo bench --bench step`; results go in results/BENCHMARKS.md.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use placesim_core::World;
use std::time::Duration;

fn step(c: &mut Criterion) {
    let mut group = c.benchmark_group("step");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(10));
    for population in [10_000u32, 100_000, 1_000_000] {
        let mut p = placesim_scenario::preset("default-place", &[])
            .expect("the built-in place is valid")
            .params;
        p.place.population = population;
        // A citizen stands for at least one resident.
        p.place.residents = p.place.residents.max(population);
        p.place.warmup_weeks = 5_200;
        p.place.weeks = 5_200;
        let settled = || {
            let mut world = World::new(p.clone());
            // Start from a settled place: the first year has no queues and no learning yet.
            for _ in 0..52 {
                world.step();
            }
            world
        };
        let mut world = settled();
        group.throughput(Throughput::Elements(population as u64));
        group.bench_with_input(
            BenchmarkId::from_parameter(population),
            &population,
            |b, _| {
                b.iter(|| {
                    if world.is_finished() {
                        world = settled();
                    }
                    world.step()
                })
            },
        );
    }
    group.finish();
}

criterion_group!(benches, step);
criterion_main!(benches);
