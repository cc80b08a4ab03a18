//! Resolving `extends`, merging a file over what it extends, and setting
//! values by dotted key (`--set`, sweep overrides, schedules).

use crate::presets;
use crate::problem::{suggestion, Location, Problem, Problems};
use crate::source::{self, Doc};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Where a file comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    File(PathBuf),
    Builtin(&'static str),
}

impl Source {
    pub fn name(&self) -> String {
        match self {
            Source::File(p) => p.display().to_string(),
            Source::Builtin(f) => format!("<built-in>/{f}"),
        }
    }

    /// Resolve a reference (`extends`, `base`, a variant's `scenario`) written in this file:
    /// a path relative to this file's folder or, failing that, a built-in preset's file name.
    pub fn reference(&self, name: &str) -> Option<Source> {
        if let Source::File(p) = self {
            let dir = p.parent().unwrap_or(Path::new("."));
            let candidate = dir.join(name);
            if std::fs::symlink_metadata(&candidate).is_ok() {
                return Some(Source::File(candidate));
            }
        }
        presets::by_file(name).map(|p| Source::Builtin(p.file))
    }

    fn identity(&self) -> String {
        match self {
            Source::File(p) => std::fs::canonicalize(p)
                .unwrap_or_else(|_| p.clone())
                .display()
                .to_string(),
            Source::Builtin(f) => format!("<built-in>/{f}"),
        }
    }

    /// Read and parse this file.
    pub fn load(&self) -> Result<Doc, Problems> {
        match self {
            Source::File(p) => {
                let text = source::read_text(p)?;
                source::parse(&self.name(), &text).map_err(Problems)
            }
            Source::Builtin(f) => {
                let text = presets::by_file(f).map(|p| p.text).unwrap_or_default();
                source::parse(&self.name(), text).map_err(Problems)
            }
        }
    }
}

/// A value merged from a file and everything it extends, with where each key was last set.
#[derive(Clone, Debug)]
pub struct Merged {
    pub file: String,
    pub value: Value,
    pub spans: BTreeMap<String, Location>,
}

impl Merged {
    pub fn locate(&self, path: &str) -> Location {
        source::locate(&self.spans, &self.file, path)
    }
}

/// Load a scenario and everything it `extends`, merged; cycles and missing files are problems.
pub fn resolve(src: &Source) -> Result<Merged, Problems> {
    resolve_chain(src, &mut Vec::new())
}

fn resolve_chain(src: &Source, stack: &mut Vec<String>) -> Result<Merged, Problems> {
    let id = src.identity();
    if stack.contains(&id) {
        let chain: Vec<String> = stack.iter().chain([&id]).cloned().collect();
        return Err(Problem::in_file(
            &src.name(),
            format!("`extends` makes a cycle: {}", chain.join(" -> ")),
        )
        .into());
    }
    let doc = src.load()?;
    let extends = match doc.value.get("extends") {
        None => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => {
            return Err(Problem::at(
                &doc.locate("extends"),
                "extends",
                "must be a file name in quotes",
            )
            .into());
        }
    };
    let Some(parent_name) = extends else {
        return Ok(Merged {
            file: doc.file.clone(),
            value: doc.value,
            spans: doc.spans,
        });
    };
    let Some(parent) = src.reference(&parent_name) else {
        let builtin: Vec<&str> = presets::SCENARIOS.iter().map(|p| p.file).collect();
        return Err(Problem::at(
            &doc.locate("extends"),
            "extends",
            format!(
                "no file `{parent_name}` next to this one, and no built-in preset of that name (built-in: {}){}",
                builtin.join(", "),
                suggestion(&parent_name, builtin.iter().copied())
            ),
        )
        .into());
    };
    stack.push(id);
    let mut merged = resolve_chain(&parent, stack)?;
    stack.pop();
    let mut value = doc.value;
    if let Value::Object(m) = &mut value {
        m.remove("extends");
    }
    deep_merge(&mut merged.value, value);
    merged.spans.extend(doc.spans);
    merged.file = doc.file;
    Ok(merged)
}

/// Merge `over` into `base`: tables merge key by key, anything else is replaced.
pub fn deep_merge(base: &mut Value, over: Value) {
    match (base, over) {
        (Value::Object(b), Value::Object(o)) => {
            for (k, v) in o {
                match b.get_mut(&k) {
                    Some(existing) => deep_merge(existing, v),
                    None => {
                        b.insert(k, v);
                    }
                }
            }
        }
        (b, o) => *b = o,
    }
}

/// Set `value` at a dotted key that must already exist in `target` (every
/// key of a resolved scenario does); a number indexes a list. Unknown keys
/// get a "did you mean".
pub fn set_dotted(target: &mut Value, key: &str, value: Value) -> Result<(), String> {
    let mut here = target;
    let mut walked = String::new();
    for part in key.split('.') {
        // A list's entry by its index: `needs.coupling.income.2`.
        if let Value::Array(items) = here {
            let n = items.len();
            let Some(item) = part.parse::<usize>().ok().and_then(|i| items.get_mut(i)) else {
                return Err(format!(
                    "`{walked}` is a list of {n} values; `{part}` is not an index of it (0 to {})",
                    n.saturating_sub(1)
                ));
            };
            walked.push('.');
            walked.push_str(part);
            here = item;
            continue;
        }
        let map: &mut Map<String, Value> = match here {
            Value::Object(m) => m,
            _ => {
                return Err(format!(
                    "`{walked}` is a value, not a table, so `{key}` does not exist"
                ))
            }
        };
        if !map.contains_key(part) {
            let keys: Vec<&str> = map.keys().map(|k| k.as_str()).collect();
            let at = if walked.is_empty() {
                "the top level".to_string()
            } else {
                format!("`{walked}`")
            };
            return Err(format!(
                "no key `{part}` in {at}{}",
                suggestion(part, keys.iter().copied()).replace(
                    "did you mean `",
                    &format!("did you mean `{}", prefix(&walked))
                )
            ));
        }
        if !walked.is_empty() {
            walked.push('.');
        }
        walked.push_str(part);
        here = map.get_mut(part).expect("checked above");
    }
    if here.is_object() && !value.is_object() {
        return Err(format!("`{key}` is a table; set one of its keys instead"));
    }
    *here = value;
    Ok(())
}

fn prefix(walked: &str) -> String {
    if walked.is_empty() {
        String::new()
    } else {
        format!("{walked}.")
    }
}

/// The value at a dotted key of a resolved document (a number indexes a list).
pub fn value_at<'a>(resolved: &'a Value, key: &str) -> Option<&'a Value> {
    key.split('.').try_fold(resolved, |v, part| match v {
        Value::Array(items) => part.parse::<usize>().ok().and_then(|i| items.get(i)),
        _ => v.get(part),
    })
}

/// Parse the value of `--set key=value`: a TOML value (`0.5`, `true`, `"text"`,
/// `[1, 2]`), or, if it is not one, the text itself as a string.
pub fn parse_set_value(text: &str) -> Value {
    let doc = format!("v = {text}");
    match source::parse("--set", &doc) {
        Ok(d) => d
            .value
            .get("v")
            .cloned()
            .unwrap_or(Value::String(text.to_string())),
        Err(_) => Value::String(text.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn merge_overrides_tables_key_by_key() {
        let mut a = json!({"place": {"seed": 1, "weeks": 260}, "list": [1, 2]});
        deep_merge(&mut a, json!({"place": {"seed": 2}, "list": [3]}));
        assert_eq!(a, json!({"place": {"seed": 2, "weeks": 260}, "list": [3]}));
    }

    #[test]
    fn set_dotted_checks_keys() {
        let mut a = json!({"place": {"seed": 1}});
        set_dotted(&mut a, "place.seed", json!(5)).unwrap();
        assert_eq!(a["place"]["seed"], 5);
        let e = set_dotted(&mut a, "place.sed", json!(5)).unwrap_err();
        assert!(e.contains("did you mean `place.seed`"), "{e}");
        assert!(set_dotted(&mut a, "place", json!(5)).is_err());
    }

    #[test]
    fn set_values_parse_as_toml_or_text() {
        assert_eq!(parse_set_value("0.5"), json!(0.5));
        assert_eq!(parse_set_value("[1, 2]"), json!([1, 2]));
        assert_eq!(parse_set_value("universal"), json!("universal"));
    }
}
