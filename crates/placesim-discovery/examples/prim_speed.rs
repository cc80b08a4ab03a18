//! How long PRIM takes on 10,000 cases × 30 inputs (issue 17: ≤ 5 s), with
//! two planted restricted inputs and one label in ten flipped.
//!
//! `cargo run --release -p placesim-discovery --example prim_speed`

use placesim_core::rng::{Purpose, Stream};
use placesim_discovery::prim;
use std::time::Instant;

fn main() {
    let (n, d) = (10_000, 30);
    let mut rng = Stream::new(11, Purpose::Design, 0, 4);
    let mut x = Vec::with_capacity(n);
    let mut y = Vec::with_capacity(n);
    for _ in 0..n {
        let p: Vec<f64> = (0..d).map(|_| rng.unit_f64()).collect();
        let inside = (0.2..0.6).contains(&p[0]) && p[1] >= 0.5;
        y.push(inside != rng.chance(0.1));
        x.push(p);
    }
    let data = prim::Data {
        x: &x,
        y: &y,
        categorical: &[],
    };
    let all: Vec<usize> = (0..n).collect();
    let start = Instant::now();
    let trajectory = prim::find_box(&data, &all, prim::Settings::default());
    let chosen = prim::choose(&trajectory, 0.8);
    let p = prim::quasi_p(&data, &all, &trajectory[chosen].limits);
    let secs = start.elapsed().as_secs_f64();
    println!(
        "PRIM on {n} cases x {d} inputs: {} boxes on the trajectory, box {chosen} shown (density {:.3}, coverage {:.3}), {} limits with quasi-p-values, in {secs:.2} s",
        trajectory.len(),
        trajectory[chosen].density,
        trajectory[chosen].coverage,
        p.iter().filter(|s| s.0.is_some() || s.1.is_some()).count()
    );
}
