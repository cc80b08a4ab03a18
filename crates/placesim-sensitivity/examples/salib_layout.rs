//! Writes a Saltelli design's outputs and a Morris design's points and
//! outputs in SALib's layout, with placesim's own indices of them, so that
//! the system tests can compute SALib's indices from the same numbers and
//! compare (scripts/check_salib.py). The functions are Ishigami (Sobol) and
//! Sobol's G (Morris); no model runs.
//!
//! Usage: `cargo run --release -p placesim-sensitivity --example salib_layout -- DIR`

use placesim_sensitivity::{morris, sobol};
use std::f64::consts::PI;
use std::fmt::Write as _;

fn ishigami(u: &[f64]) -> f64 {
    let x: Vec<f64> = u.iter().map(|v| -PI + 2.0 * PI * v).collect();
    x[0].sin() + 7.0 * x[1].sin().powi(2) + 0.1 * x[2].powi(4) * x[0].sin()
}

fn g(u: &[f64]) -> f64 {
    let a = [0.0, 1.0, 4.5, 9.0, 99.0, 99.0];
    a.iter()
        .zip(u)
        .map(|(a, x)| ((4.0 * x - 2.0).abs() + a) / (1.0 + a))
        .product()
}

fn numbers(values: impl IntoIterator<Item = f64>) -> String {
    let mut s = String::new();
    for v in values {
        let _ = writeln!(s, "{v:e}");
    }
    s
}

fn main() -> std::io::Result<()> {
    let Some(dir) = std::env::args().nth(1).map(std::path::PathBuf::from) else {
        eprintln!("usage: salib_layout DIR");
        std::process::exit(2);
    };
    std::fs::create_dir_all(&dir)?;

    // Sobol: SALib orders each base row as A, AB_1, ..., AB_k, B.
    let design = sobol::Saltelli::new(1024, 3, 0).expect("a valid design");
    let y: Vec<f64> = (0..design.len())
        .map(|p| ishigami(&design.point(p)))
        .collect();
    let (n, k) = (design.n, design.k);
    let salib_order = (0..n).flat_map(|j| {
        let y = &y;
        std::iter::once(y[j])
            .chain((0..k).map(move |i| y[(2 + i) * n + j]))
            .chain(std::iter::once(y[n + j]))
    });
    std::fs::write(dir.join("sobol_y.txt"), numbers(salib_order))?;
    let got = sobol::indices(&design, &y, 10, 1);
    let s1: Vec<String> = got.iter().map(|i| format!("{:e}", i.first.value)).collect();
    let st: Vec<String> = got.iter().map(|i| format!("{:e}", i.total.value)).collect();

    // Morris: points and outputs in run order, as SALib reads them.
    let m = morris::Morris::new(40, 6, 4, 1).expect("a valid design");
    let my: Vec<f64> = m.points().iter().map(|u| g(u)).collect();
    let mut x = String::new();
    for p in m.points() {
        let row: Vec<String> = p.iter().map(|v| format!("{v:e}")).collect();
        let _ = writeln!(x, "{}", row.join(" "));
    }
    std::fs::write(dir.join("morris_x.txt"), x)?;
    std::fs::write(dir.join("morris_y.txt"), numbers(my.iter().copied()))?;
    let e = morris::effects(&m, &my, 10, 1);
    let list = |f: &dyn Fn(&morris::Effects) -> f64| {
        e.iter()
            .map(|e| format!("{:e}", f(e)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let json = format!(
        "{{\"sobol\": {{\"k\": {k}, \"S1\": [{}], \"ST\": [{}]}}, \"morris\": {{\"k\": 6, \"levels\": 4, \"mu\": [{}], \"mu_star\": [{}], \"sigma\": [{}]}}}}\n",
        s1.join(", "),
        st.join(", "),
        list(&|e| e.mu),
        list(&|e| e.mu_star.value),
        list(&|e| e.sigma),
    );
    std::fs::write(dir.join("placesim.json"), json)
}
