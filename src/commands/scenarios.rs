//! `placesim scenarios`: the built-in scenarios and sweeps, one line each.

use std::io::Write;

pub fn scenarios() {
    use placesim_scenario::presets::{SCENARIOS, SWEEPS};
    let mut o = std::io::stdout().lock();
    for p in SCENARIOS {
        let _ = writeln!(o, "{:<26} {}", p.stem(), p.summary());
    }
    for p in SWEEPS {
        let _ = writeln!(o, "{:<26} {}", format!("{} (sweep)", p.stem()), p.summary());
    }
}
