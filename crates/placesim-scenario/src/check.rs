//! Checking a merged value against the JSON Schema derived from the raw
//! structs: every unknown key (with a "did you mean") and every value of the
//! wrong type, all at once, each with its file, line and column.

use crate::build::whole_number_bounds;
use crate::merge::Merged;
use crate::problem::{suggestion, Problem};
use serde_json::Value;

/// Problems of shape (unknown keys, wrong types, unknown choices) in `merged` against `schema`.
pub fn check_shape(merged: &Merged, schema: &Value) -> Vec<Problem> {
    let mut problems = Vec::new();
    walk(merged, schema, schema, &merged.value, "", &mut problems);
    problems
}

/// Remove every value a shape problem names, so that the rest can still be
/// checked for meaning (every problem is reported in one go). Returns the
/// removed paths.
pub fn remove_bad(value: &mut Value, problems: &[Problem]) -> Vec<String> {
    let mut removed = Vec::new();
    for p in problems {
        if remove_path(value, &p.field) {
            removed.push(p.field.clone());
        }
    }
    removed
}

fn remove_path(value: &mut Value, path: &str) -> bool {
    let (parent, last) = match path.rsplit_once('.') {
        Some((a, b)) => (Some(a), b),
        None => (None, path),
    };
    let mut here = value;
    if let Some(parent) = parent {
        for part in parent.split('.') {
            here = match here {
                Value::Object(m) => match m.get_mut(part) {
                    Some(x) => x,
                    None => return false,
                },
                Value::Array(a) => match part.parse::<usize>().ok().and_then(|i| a.get_mut(i)) {
                    Some(x) => x,
                    None => return false,
                },
                _ => return false,
            };
        }
    }
    match here {
        Value::Object(m) => m.remove(last).is_some(),
        Value::Array(a) => match last.parse::<usize>() {
            Ok(i) if i < a.len() => {
                a[i] = Value::Null;
                true
            }
            _ => false,
        },
        _ => false,
    }
}

fn resolve<'a>(root: &'a Value, node: &'a Value) -> &'a Value {
    match node.get("$ref").and_then(Value::as_str) {
        Some(r) => {
            let name = r.trim_start_matches("#/$defs/");
            root.get("$defs")
                .and_then(|d| d.get(name))
                .map_or(node, |n| resolve(root, n))
        }
        None => node,
    }
}

/// The schema node for a non-null value: unwrap `anyOf`/`oneOf` with a null branch.
fn non_null<'a>(root: &'a Value, node: &'a Value) -> &'a Value {
    let node = resolve(root, node);
    for key in ["anyOf", "oneOf"] {
        if let Some(branches) = node.get(key).and_then(Value::as_array) {
            if let Some(b) = branches
                .iter()
                .find(|b| b.get("type").and_then(Value::as_str) != Some("null"))
            {
                return non_null(root, b);
            }
        }
    }
    node
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "nothing",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.is_f64() => "a number with a fraction",
        Value::Number(n) if n.as_i64().is_some_and(|i| i < 0) => "a negative whole number",
        Value::Number(_) => "a whole number",
        Value::String(_) => "text",
        Value::Array(_) => "a list",
        Value::Object(_) => "a table",
    }
}

fn fits(v: &Value, ty: &str) -> bool {
    match ty {
        "null" => v.is_null(),
        "boolean" => v.is_boolean(),
        "integer" => v.as_u64().is_some() || v.as_i64().is_some(),
        "number" => v.is_number(),
        "string" => v.is_string(),
        "array" => v.is_array(),
        "object" => v.is_object(),
        _ => true,
    }
}

fn describe(ty: &str, node: &Value, path: &str) -> String {
    if let Some(b) = whole_number_bounds(path).filter(|_| ty == "integer") {
        return format!("a whole number from {} to {}", b.min, b.max);
    }
    match ty {
        "integer" if node.get("minimum").and_then(Value::as_f64) == Some(0.0) => {
            "a whole number, 0 or more".into()
        }
        "integer" => "a whole number".into(),
        "number" => "a number".into(),
        "string" => "text in quotes".into(),
        "array" => "a list [ ... ]".into(),
        "object" => "a table".into(),
        "boolean" => "true or false".into(),
        other => other.into(),
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

fn walk(
    merged: &Merged,
    root: &Value,
    node: &Value,
    v: &Value,
    path: &str,
    out: &mut Vec<Problem>,
) {
    if v.is_null() {
        return;
    }
    let node = non_null(root, node);
    let types: Vec<&str> = match node.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(Value::as_str)
            .filter(|t| *t != "null")
            .collect(),
        _ => vec![],
    };
    if !types.is_empty() && !types.iter().any(|t| fits(v, t)) {
        let wanted: Vec<String> = types.iter().map(|t| describe(t, node, path)).collect();
        out.push(Problem::at(
            &merged.locate(path),
            path,
            format!("is {}, but must be {}", type_name(v), wanted.join(" or ")),
        ));
        return;
    }
    if let (Some(min), Some(x)) = (node.get("minimum").and_then(Value::as_f64), v.as_f64()) {
        if x < min {
            let message = match whole_number_bounds(path) {
                Some(b) => format!("{v} is out of range; allowed {} to {}", b.min, b.max),
                None => format!("{x} is below the minimum, {min}"),
            };
            out.push(Problem::at(&merged.locate(path), path, message));
            return;
        }
    }
    if let Some(choices) = node.get("enum").and_then(Value::as_array) {
        if !choices.contains(v) {
            let names: Vec<&str> = choices.iter().filter_map(Value::as_str).collect();
            let word = v.as_str().unwrap_or("");
            out.push(Problem::at(
                &merged.locate(path),
                path,
                format!(
                    "`{}` is not one of {}{}",
                    word,
                    names.join(", "),
                    suggestion(word, names.iter().copied())
                ),
            ));
        }
        return;
    }
    match v {
        Value::Object(map) => {
            let props = node.get("properties").and_then(Value::as_object);
            let extra = node.get("additionalProperties");
            for (k, x) in map {
                let p = join(path, k);
                if let Some(child) = props.and_then(|ps| ps.get(k)) {
                    walk(merged, root, child, x, &p, out);
                } else if let Some(child) = extra.filter(|e| e.is_object()) {
                    walk(merged, root, child, x, &p, out);
                } else if props.is_some() {
                    let known: Vec<&str> = props
                        .map(|ps| ps.keys().map(|k| k.as_str()).collect())
                        .unwrap_or_default();
                    out.push(Problem::at(
                        &merged.locate(&p),
                        &p,
                        format!("unknown key `{k}`{}", suggestion(k, known.iter().copied())),
                    ));
                }
            }
        }
        Value::Array(items) => {
            if let (Some(min), Some(max)) = (
                node.get("minItems").and_then(Value::as_u64),
                node.get("maxItems").and_then(Value::as_u64),
            ) {
                if min == max && items.len() as u64 != min {
                    out.push(Problem::at(
                        &merged.locate(path),
                        path,
                        format!(
                            "must be a list of exactly {min} values, e.g. [0.2, 0.8]; it has {}",
                            items.len()
                        ),
                    ));
                    return;
                }
            }
            if let Some(child) = node.get("items") {
                for (i, x) in items.iter().enumerate() {
                    walk(merged, root, child, x, &join(path, &i.to_string()), out);
                }
            }
        }
        _ => {}
    }
}
