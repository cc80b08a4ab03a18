//! The guided script a trainer clicks through (`assets/script.json`). Each
//! step names a preset; what the step changes is read from the presets
//! themselves — the barriers and leadership weight in which the step's preset
//! differs from the script's baseline — so the script never restates a value.

use placesim_core::params::BarrierKind;
use serde::{Deserialize, Serialize};

const SCRIPT: &str = include_str!("../assets/script.json");

#[derive(Deserialize)]
struct RawScript {
    baseline: String,
    steps: Vec<RawStep>,
}

#[derive(Deserialize)]
struct RawStep {
    title: String,
    text: String,
    /// Start both worlds again from this preset.
    reset: Option<String>,
    /// The world (0 or 1) whose settings change.
    world: Option<usize>,
    /// Apply what this preset changes relative to the baseline.
    preset: Option<String>,
}

/// One step of the script as the page receives it.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Step {
    pub title: String,
    pub text: String,
    pub reset: Option<String>,
    pub world: Option<usize>,
    /// Barrier strengths to set, by name.
    pub barriers: Vec<(String, f32)>,
    pub leadership: Option<f32>,
}

/// The script with each step's changes worked out from the presets.
pub fn steps() -> Result<Vec<Step>, String> {
    let raw: RawScript =
        serde_json::from_str(SCRIPT).map_err(|e| format!("assets/script.json: {e}"))?;
    let params = |name: &str| {
        placesim_scenario::preset(name, &[])
            .map(|s| s.params)
            .map_err(|e| format!("assets/script.json: {e}"))
    };
    let base = params(&raw.baseline)?;
    raw.steps
        .into_iter()
        .map(|s| {
            let (mut barriers, mut leadership) = (Vec::new(), None);
            if let Some(reset) = &s.reset {
                params(reset)?;
            }
            if let Some(preset) = &s.preset {
                let p = params(preset)?;
                for k in BarrierKind::ALL {
                    if p.barriers.get(k) != base.barriers.get(k) {
                        barriers.push((k.name().to_string(), p.barriers.get(k)));
                    }
                }
                let w = p.leadership.whole_systems_weight;
                if w != base.leadership.whole_systems_weight {
                    leadership = Some(w);
                }
            }
            if s.world.is_some_and(|w| w > 1) {
                return Err(format!(
                    "assets/script.json: step `{}`: world must be 0 or 1",
                    s.title
                ));
            }
            Ok(Step {
                title: s.title,
                text: s.text,
                reset: s.reset,
                world: s.world,
                barriers,
                leadership,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_step_changes_what_its_preset_changes() {
        let steps = steps().unwrap();
        assert_eq!(steps[0].reset.as_deref(), Some("silos"));
        assert_eq!(
            steps[1].barriers,
            vec![("ring_fenced_budgets".to_string(), 0.0)]
        );
        assert_eq!(
            steps[2].barriers,
            vec![("function_bound_targets".to_string(), 0.0)]
        );
        assert!(steps[3].barriers.is_empty());
        assert_eq!(steps[3].leadership, Some(1.0));
    }
}
