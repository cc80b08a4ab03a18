use placesim_core::defaults::{default_place, total_place};
use placesim_core::{Params, World};
fn run(p: &Params, seeds: u64) -> [f64; 6] {
    let mut acc = [0.0; 6];
    for s in 1..=seeds {
        let mut q = p.clone();
        q.place.seed = s;
        let mut w = World::new(q);
        w.run();
        let m = w.summary();
        let v = [
            m.crisis_events,
            m.failure_demand_share,
            m.wellbeing_weeks_per_million,
            m.total_spend / 1e6,
            m.top5_cost_share,
            m.mean_wellbeing,
        ];
        for i in 0..6 {
            acc[i] += v[i] / seeds as f64;
        }
    }
    acc
}
fn main() {
    let k: f32 = std::env::args()
        .nth(1)
        .map(|s| s.parse().unwrap())
        .unwrap_or(1.0);
    let h: f32 = std::env::args()
        .nth(2)
        .map(|s| s.parse().unwrap())
        .unwrap_or(1.0);
    let tweak = |mut p: Params, c: f32| {
        p.needs.coupling.iter_mut().for_each(|x| *x *= c);
        p.needs.domains.iter_mut().for_each(|d| d.base_hazard *= h);
        p
    };
    for (name, p) in [
        ("silos", tweak(default_place(), k)),
        ("tp", tweak(total_place(), k)),
        ("silos0", tweak(default_place(), 0.0)),
        ("tp0", tweak(total_place(), 0.0)),
    ] {
        let r = run(&p, 4);
        println!(
            "{name:8} crises {:9.0} fd {:.3} wbw/£m {:8.0} spend £{:6.1}m top5 {:.3} wb {:.4}",
            r[0], r[1], r[2], r[3], r[4], r[5]
        );
    }
}
