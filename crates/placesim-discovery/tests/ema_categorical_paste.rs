//! A fixed case EMA Workbench 2.5.3 was run on (PYTHONHASHSEED 0 and 1
//! agree): 160 cases of two numeric inputs and a categorical one with four
//! categories (`tests/fixtures/ema-categorical-paste.csv`, drawn with numpy
//! seed 152). EMA's trajectory peels categories away, then pastes one back
//! at its last step; its final box and quasi-p-values are pinned here.
//! Pasting, the tie-break and the no-paste rule all show in this
//! trajectory, so a change to any of them fails this test.

use placesim_discovery::prim::{self, Limit};

/// EMA's trajectory: (coverage, density, mass, restricted inputs) per step.
const TRAJECTORY: [(f64, f64, f64, usize); 14] = [
    (1.000000, 0.362500, 1.00000, 0),
    (0.982759, 0.500000, 0.71250, 1),
    (0.982759, 0.527778, 0.67500, 2),
    (0.982759, 0.558824, 0.63750, 2),
    (0.810345, 0.671429, 0.43750, 2),
    (0.379310, 0.687500, 0.20000, 2),
    (0.379310, 0.733333, 0.18750, 2),
    (0.379310, 0.785714, 0.17500, 2),
    (0.362069, 0.807692, 0.16250, 2),
    (0.344828, 0.833333, 0.15000, 2),
    (0.327586, 0.863636, 0.13750, 3),
    (0.344828, 0.869565, 0.14375, 3),
    (0.362069, 0.875000, 0.15000, 3),
    (0.672414, 0.906977, 0.26875, 3),
];

fn data() -> (Vec<Vec<f64>>, Vec<bool>) {
    let text = include_str!("fixtures/ema-categorical-paste.csv");
    let mut x = Vec::new();
    let mut y = Vec::new();
    for line in text.lines().skip(1) {
        let cells: Vec<&str> = line.split(',').collect();
        let category = ["c0", "c1", "c2", "c3"]
            .iter()
            .position(|c| *c == cells[2])
            .unwrap_or_else(|| panic!("{line}"));
        x.push(vec![
            cells[0].parse().unwrap(),
            cells[1].parse().unwrap(),
            category as f64,
        ]);
        y.push(cells[3] == "1");
    }
    (x, y)
}

#[test]
fn the_trajectory_box_and_quasi_p_values_are_ema_workbenchs() {
    let (x, y) = data();
    assert_eq!(x.len(), 160);
    let data = prim::Data {
        x: &x,
        y: &y,
        categorical: &[false, false, true],
    };
    let all: Vec<usize> = (0..x.len()).collect();
    let t = prim::find_box(&data, &all, prim::Settings::default());
    assert_eq!(t.len(), TRAJECTORY.len(), "{t:#?}");
    for (i, (s, &(coverage, density, mass, restricted))) in t.iter().zip(&TRAJECTORY).enumerate() {
        assert!((s.coverage - coverage).abs() < 1e-6, "step {i}: {s:?}");
        assert!((s.density - density).abs() < 1e-6, "step {i}: {s:?}");
        assert!((s.mass - mass).abs() < 1e-6, "step {i}: {s:?}");
        assert_eq!(s.restricted, restricted, "step {i}: {s:?}");
    }
    // Steps 1 to 10 peel; 11 to 13 paste, the last giving category c1 back.
    assert!(t[1..=10].iter().all(|s| !s.pasted) && t[11..].iter().all(|s| s.pasted));
    let last = &t[13].limits;
    assert_eq!(last[0], Limit::Range(0.011, 0.58385));
    assert_eq!(last[1], Limit::Range(0.1328, 0.9988));
    assert_eq!(last[2], Limit::Categories(vec![1, 2]));
    // EMA's quasi-p-values of the final box: x0's upper, x1's lower, c's.
    let p = prim::quasi_p(&data, &all, last);
    let close =
        |a: Option<f64>, b: f64| a.is_some_and(|a| (a - b).abs() <= 1e-9 * b.max(1e-300) + 1e-15);
    assert!(
        p[0].0.is_none() && close(p[0].1, 3.1758244655316185e-05),
        "{p:?}"
    );
    assert!(
        close(p[1].0, 0.47191373566288264) && p[1].1.is_none(),
        "{p:?}"
    );
    assert!(
        close(p[2].0, 1.7310152152374347e-07) && p[2].1.is_none(),
        "{p:?}"
    );
}
