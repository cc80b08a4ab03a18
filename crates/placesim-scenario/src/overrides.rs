//! Values set over a scenario after `extends` is resolved: `--set key=value`
//! text, typed command-line flags (`--population 5000`: a number, never text
//! to parse again) and a sweep's `[set]` and variants. Each is applied to the
//! merged document before it is checked and built, so a problem with an
//! overridden value names its field and where it was set.

use crate::merge::{parse_set_value, set_dotted, Merged};
use crate::problem::{Location, Problem, Problems};
use serde_json::Value;

/// A value set by dotted key, and where it was written.
#[derive(Clone, Debug)]
pub struct Override {
    pub key: String,
    pub value: Value,
    pub at: Location,
}

/// A place value the command line sets with a flag of its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlaceSetting {
    Seed(u64),
    Weeks(u32),
    WarmupWeeks(u32),
    Population(u32),
}

impl PlaceSetting {
    /// The scenario key it sets.
    pub fn key(self) -> &'static str {
        match self {
            PlaceSetting::Seed(_) => "place.seed",
            PlaceSetting::Weeks(_) => "place.weeks",
            PlaceSetting::WarmupWeeks(_) => "place.warmup_weeks",
            PlaceSetting::Population(_) => "place.population",
        }
    }

    fn value(self) -> Value {
        match self {
            PlaceSetting::Seed(n) => n.into(),
            PlaceSetting::Weeks(n) | PlaceSetting::WarmupWeeks(n) | PlaceSetting::Population(n) => {
                n.into()
            }
        }
    }
}

/// Where a command-line value was given: the flag, with no line.
fn on_command_line(flag: &str) -> Location {
    Location {
        file: flag.into(),
        line: 0,
        column: 0,
    }
}

impl Override {
    /// A typed value given by a command-line `flag` (e.g. `--population`),
    /// which problems with it name.
    pub fn flag(flag: &str, setting: PlaceSetting) -> Override {
        Override {
            key: setting.key().to_string(),
            value: setting.value(),
            at: on_command_line(flag),
        }
    }
}

/// Turn `key=value` command-line settings (`--set`) into overrides; each
/// value is read as TOML, or else taken as text.
pub fn command_line_overrides(settings: &[String]) -> Result<Vec<Override>, Problems> {
    let mut out = Vec::new();
    let mut problems = Vec::new();
    for s in settings {
        let at = on_command_line("--set");
        match s.split_once('=') {
            Some((k, v)) if !k.trim().is_empty() => {
                let key = k.trim();
                let value = parse_set_value(v.trim());
                // A seed beyond TOML's integers reads as text: take it as the number.
                let value = match crate::source::seed_value(&value) {
                    Some(n) if crate::source::is_seed_key(key) => n,
                    _ => value,
                };
                out.push(Override {
                    key: key.to_string(),
                    value,
                    at,
                })
            }
            _ => problems.push(Problem::at(
                &at,
                "",
                format!("`{s}` is not key=value, e.g. --set place.population=50000"),
            )),
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(Problems(problems))
    }
}

/// Set every override in `merged`, in order (a later one wins), each
/// remembered as where its key was last set; unknown keys are problems.
pub(crate) fn apply(merged: &mut Merged, overrides: &[Override]) -> Vec<Problem> {
    let mut problems = Vec::new();
    for o in overrides {
        match set_dotted(&mut merged.value, &o.key, o.value.clone()) {
            Ok(()) => {
                merged
                    .spans
                    .retain(|k, _| !(k == &o.key || k.starts_with(&format!("{}.", o.key))));
                merged.spans.insert(o.key.clone(), o.at.clone());
            }
            Err(msg) => problems.push(Problem::at(&o.at, &o.key, msg)),
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flag_sets_its_key_with_the_typed_value() {
        let o = Override::flag("--population", PlaceSetting::Population(5000));
        assert_eq!(o.key, "place.population");
        assert_eq!(o.value, serde_json::json!(5000));
        assert_eq!(o.at.file, "--population");
        // The same value as `--set place.population=5000` reads.
        let set = command_line_overrides(&["place.population=5000".into()]).unwrap();
        assert_eq!(set[0].value, o.value);
    }

    /// A seed above the largest TOML integer: as text it could only be a
    /// string; as a typed value it is the seed.
    #[test]
    fn a_flag_takes_any_seed() {
        let seed = PlaceSetting::Seed(u64::MAX);
        let s = crate::preset("silos", &[Override::flag("--seed", seed)]).unwrap();
        assert_eq!(s.params.place.seed, u64::MAX);
    }

    #[test]
    fn a_problem_with_a_flag_names_the_flag_and_the_field() {
        let bad = Override::flag("--weeks", PlaceSetting::Weeks(0));
        let e = crate::preset("silos", &[bad]).unwrap_err().to_string();
        assert_eq!(
            e,
            "--weeks: place.weeks: 0 is out of range; allowed 1 to 5200"
        );
    }
}
