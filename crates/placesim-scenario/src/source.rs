//! Reading a scenario or sweep file safely and parsing it, TOML or JSON, into
//! a JSON value plus the line and column of every key.

use crate::problem::{Location, Problem};
use serde_json::{Map, Number, Value};
use std::collections::BTreeMap;
use std::path::Path;

/// Largest file accepted, bytes.
pub const MAX_FILE_BYTES: u64 = 4 * 1024 * 1024;
/// Deepest nesting accepted.
pub const MAX_DEPTH: usize = 32;

/// A parsed file: its value and where each dotted key was written.
#[derive(Clone, Debug)]
pub struct Doc {
    pub file: String,
    pub value: Value,
    pub spans: BTreeMap<String, Location>,
}

impl Doc {
    /// Where `path` (or its nearest written ancestor) is in the file.
    pub fn locate(&self, path: &str) -> Location {
        locate(&self.spans, &self.file, path)
    }
}

/// The location of `path` or of its nearest ancestor with one; the file's start otherwise.
pub fn locate(spans: &BTreeMap<String, Location>, file: &str, path: &str) -> Location {
    let mut p = path;
    loop {
        if let Some(l) = spans.get(p) {
            return l.clone();
        }
        match p.rfind('.') {
            Some(i) => p = &p[..i],
            None => {
                return Location {
                    file: file.to_string(),
                    line: 1,
                    column: 1,
                }
            }
        }
    }
}

/// Read a file as UTF-8 text, refusing directories, dangling links, anything
/// that is not a regular file (devices, FIFOs, sockets: they never end or
/// never start), huge and binary files. Reads at most [`MAX_FILE_BYTES`] + 1
/// bytes whatever the file claims, so a file that grows while read is caught.
pub fn read_text(path: &Path) -> Result<String, Problem> {
    read_text_of(path, "a scenario file", "(.toml or .json)")
}

/// [`read_text`] for a file of another kind: `noun` ("a scenario file")
/// and the `extensions` it takes name what to give instead.
pub fn read_text_of(path: &Path, noun: &str, extensions: &str) -> Result<String, Problem> {
    use std::io::Read;
    let name = path.display().to_string();
    let link = std::fs::symlink_metadata(path);
    let meta = std::fs::metadata(path);
    let meta = match (link, meta) {
        (Ok(l), Err(_)) if l.file_type().is_symlink() => {
            return Err(Problem::in_file(
                &name,
                "is a link to a file that does not exist (or a loop of links)",
            ))
        }
        (_, Err(e)) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(Problem::in_file(&name, "no such file"))
        }
        (_, Err(e)) => return Err(Problem::in_file(&name, format!("cannot be read: {e}"))),
        (_, Ok(m)) => m,
    };
    if meta.is_dir() {
        return Err(Problem::in_file(
            &name,
            format!("is a directory; give {noun} {extensions}"),
        ));
    }
    if !meta.is_file() {
        return Err(not_regular(&name, noun, extensions));
    }
    let too_big = |len: u64| {
        Problem::in_file(
            &name,
            format!("is {len} bytes or more; {noun} may be at most {MAX_FILE_BYTES} bytes"),
        )
    };
    if meta.len() > MAX_FILE_BYTES {
        return Err(too_big(meta.len()));
    }
    let unreadable = |e: std::io::Error| Problem::in_file(&name, format!("cannot be read: {e}"));
    let file = std::fs::File::open(path).map_err(unreadable)?;
    // The path may have been swapped for something else since it was checked.
    if !file.metadata().map_err(unreadable)?.is_file() {
        return Err(not_regular(&name, noun, extensions));
    }
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(unreadable)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(too_big(bytes.len() as u64));
    }
    String::from_utf8(bytes).map_err(|e| {
        Problem::in_file(
            &name,
            format!(
                "is not UTF-8 text (invalid byte at offset {})",
                e.utf8_error().valid_up_to()
            ),
        )
    })
}

fn not_regular(name: &str, noun: &str, extensions: &str) -> Problem {
    Problem::in_file(
        name,
        format!("is not a regular file (a device, pipe or socket); give {noun} {extensions}"),
    )
}

/// Parse text as JSON if the file name ends in `.json`, else as TOML.
/// Seeds written as text are read as numbers (see [`seed_value`]).
pub fn parse(file: &str, text: &str) -> Result<Doc, Vec<Problem>> {
    let mut doc = if file.ends_with(".json") {
        parse_json(file, text)
    } else {
        parse_toml(file, text)
    }?;
    if doc.value.as_object().is_some_and(|m| m.is_empty()) {
        return Err(vec![Problem::in_file(
            file,
            "is an empty file (no keys): a scenario sets every key or `extends` another; \
             a sweep sets name, base, replicates, seed, baseline and its variants",
        )]);
    }
    seeds_as_numbers(&mut doc.value);
    Ok(doc)
}

/// Is `key` (a key or dotted key) a seed?
pub fn is_seed_key(key: &str) -> bool {
    key == "seed" || key.ends_with(".seed")
}

/// A seed may be any whole number from 0 to 2^64 − 1, but TOML integers
/// stop at 2^63 − 1 (and spreadsheets and R keep 15 digits), so a seed may
/// also be written as text of digits: `seed = "15824617304438902051"`. Text
/// of digits that fits 64 bits becomes that number; anything else is left
/// for the schema check to name.
pub fn seed_value(v: &Value) -> Option<Value> {
    match v {
        Value::String(t) if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) => {
            t.parse::<u64>().ok().map(|n| Value::Number(n.into()))
        }
        _ => None,
    }
}

fn seeds_as_numbers(v: &mut Value) {
    match v {
        Value::Object(map) => {
            for (k, x) in map.iter_mut() {
                match seed_value(x) {
                    Some(n) if is_seed_key(k) => *x = n,
                    _ => seeds_as_numbers(x),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(seeds_as_numbers),
        _ => {}
    }
}

struct Lines(Vec<usize>);

impl Lines {
    fn new(text: &str) -> Self {
        Lines(
            std::iter::once(0)
                .chain(text.match_indices('\n').map(|(i, _)| i + 1))
                .collect(),
        )
    }
    fn at(&self, file: &str, text: &str, offset: usize) -> Location {
        let line = self.0.partition_point(|&s| s <= offset).max(1);
        let start = self.0[line - 1];
        let column = text
            .get(start..offset.min(text.len()))
            .map_or(1, |s| s.chars().count() + 1);
        Location {
            file: file.to_string(),
            line,
            column,
        }
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

fn parse_toml(file: &str, text: &str) -> Result<Doc, Vec<Problem>> {
    let doc = toml_edit::Document::parse(text).map_err(|e| {
        let lines = Lines::new(text);
        let at = lines.at(file, text, e.span().map_or(0, |s| s.start));
        let mut message = e.message().trim().to_string();
        if message.contains("overflow") {
            message.push_str(
                " (TOML whole numbers stop at 9223372036854775807; write a larger seed as text, e.g. seed = \"15824617304438902051\")",
            );
        }
        vec![Problem::at(
            &at,
            "",
            format!("TOML syntax error: {message}"),
        )]
    })?;
    let mut w = TomlWalker {
        file,
        text,
        lines: Lines::new(text),
        spans: BTreeMap::new(),
        problems: Vec::new(),
    };
    let value = w.item(doc.as_item(), "", 0);
    if w.problems.is_empty() {
        Ok(Doc {
            file: file.to_string(),
            value,
            spans: w.spans,
        })
    } else {
        Err(w.problems)
    }
}

struct TomlWalker<'a> {
    file: &'a str,
    text: &'a str,
    lines: Lines,
    spans: BTreeMap<String, Location>,
    problems: Vec<Problem>,
}

impl TomlWalker<'_> {
    fn mark(&mut self, path: &str, span: Option<std::ops::Range<usize>>) {
        if let Some(s) = span {
            let loc = self.lines.at(self.file, self.text, s.start);
            self.spans.entry(path.to_string()).or_insert(loc);
        }
    }

    fn too_deep(&mut self, path: &str, depth: usize) -> bool {
        if depth > MAX_DEPTH {
            let at = crate::source::locate(&self.spans, self.file, path);
            self.problems.push(Problem::at(
                &at,
                path,
                format!("nested deeper than {MAX_DEPTH} levels"),
            ));
            return true;
        }
        false
    }

    fn item(&mut self, item: &toml_edit::Item, path: &str, depth: usize) -> Value {
        if self.too_deep(path, depth) {
            return Value::Null;
        }
        match item {
            toml_edit::Item::None => Value::Null,
            toml_edit::Item::Value(v) => self.value(v, path, depth),
            toml_edit::Item::Table(t) => {
                let mut map = Map::new();
                for (k, v) in t.iter() {
                    let p = join(path, k);
                    self.mark(&p, t.key(k).and_then(|key| key.span()));
                    let v = self.item(v, &p, depth + 1);
                    map.insert(k.to_string(), v);
                }
                Value::Object(map)
            }
            toml_edit::Item::ArrayOfTables(a) => Value::Array(
                a.iter()
                    .enumerate()
                    .map(|(i, t)| {
                        let p = join(path, &i.to_string());
                        self.mark(&p, t.span());
                        self.item(&toml_edit::Item::Table(t.clone()), &p, depth + 1)
                    })
                    .collect(),
            ),
        }
    }

    fn value(&mut self, v: &toml_edit::Value, path: &str, depth: usize) -> Value {
        if self.too_deep(path, depth) {
            return Value::Null;
        }
        use toml_edit::Value as V;
        match v {
            V::String(s) => Value::String(s.value().clone()),
            V::Integer(i) => Value::Number((*i.value()).into()),
            V::Float(f) => match Number::from_f64(*f.value()) {
                Some(n) => Value::Number(n),
                None => {
                    let at = self
                        .lines
                        .at(self.file, self.text, v.span().map_or(0, |s| s.start));
                    self.problems.push(Problem::at(
                        &at,
                        path,
                        format!("{} is not a finite number", f.value()),
                    ));
                    Value::Null
                }
            },
            V::Boolean(b) => Value::Bool(*b.value()),
            V::Datetime(d) => Value::String(d.value().to_string()),
            V::Array(a) => Value::Array(
                a.iter()
                    .enumerate()
                    .map(|(i, x)| {
                        let p = join(path, &i.to_string());
                        self.mark(&p, x.span());
                        self.value(x, &p, depth + 1)
                    })
                    .collect(),
            ),
            V::InlineTable(t) => {
                let mut map = Map::new();
                for (k, x) in t.iter() {
                    let p = join(path, k);
                    self.mark(&p, t.key(k).and_then(|key| key.span()));
                    let x = self.value(x, &p, depth + 1);
                    map.insert(k.to_string(), x);
                }
                Value::Object(map)
            }
        }
    }
}

fn parse_json(file: &str, text: &str) -> Result<Doc, Vec<Problem>> {
    // A byte-order mark, as some Windows editors write, is accepted as in TOML.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let value: Value = serde_json::from_str(text).map_err(|e| {
        let at = Location {
            file: file.to_string(),
            line: e.line().max(1),
            column: e.column().max(1),
        };
        vec![Problem::at(&at, "", format!("JSON syntax error: {e}"))]
    })?;
    let (spans, problems) = json_spans(file, text);
    if let Some(path) = deeper_than(&value, MAX_DEPTH, "") {
        let at = locate(&spans, file, &path);
        return Err(vec![Problem::at(
            &at,
            &path,
            format!("nested deeper than {MAX_DEPTH} levels"),
        )]);
    }
    if problems.is_empty() {
        Ok(Doc {
            file: file.to_string(),
            value,
            spans,
        })
    } else {
        Err(problems)
    }
}

fn deeper_than(v: &Value, limit: usize, path: &str) -> Option<String> {
    if limit == 0 {
        return Some(path.to_string());
    }
    match v {
        Value::Object(m) => m
            .iter()
            .find_map(|(k, x)| deeper_than(x, limit - 1, &join(path, k))),
        Value::Array(a) => a
            .iter()
            .enumerate()
            .find_map(|(i, x)| deeper_than(x, limit - 1, &join(path, &i.to_string()))),
        _ => None,
    }
}

/// Where each key of valid JSON text is, and any duplicate keys (which JSON
/// parsers silently collapse). A small scanner: the text is already known valid.
fn json_spans(file: &str, text: &str) -> (BTreeMap<String, Location>, Vec<Problem>) {
    enum Frame {
        Object {
            path: String,
            seen: Vec<String>,
            key: Option<String>,
        },
        Array {
            path: String,
            index: usize,
        },
    }
    let lines = Lines::new(text);
    let mut spans = BTreeMap::new();
    let mut problems = Vec::new();
    let mut stack: Vec<Frame> = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    let value_path = |stack: &[Frame]| -> String {
        match stack.last() {
            Some(Frame::Object {
                path, key: Some(k), ..
            }) => join(path, k),
            Some(Frame::Array { path, index }) => join(path, &index.to_string()),
            _ => String::new(),
        }
    };
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                let start = i;
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                let raw = &text[start..=i.min(text.len() - 1)];
                let s: String = serde_json::from_str(raw).unwrap_or_default();
                let mut j = i + 1;
                while j < bytes.len() && bytes[j].is_ascii_whitespace() {
                    j += 1;
                }
                let is_key = j < bytes.len() && bytes[j] == b':';
                if let (true, Some(Frame::Object { path, seen, key })) = (is_key, stack.last_mut())
                {
                    let p = join(path, &s);
                    let at = lines.at(file, text, start);
                    if seen.contains(&s) {
                        problems.push(Problem::at(&at, &p, "duplicate key"));
                    } else {
                        seen.push(s.clone());
                    }
                    spans.entry(p).or_insert(at);
                    *key = Some(s);
                }
            }
            b'{' | b'[' => {
                let path = value_path(&stack);
                stack.push(if bytes[i] == b'{' {
                    Frame::Object {
                        path,
                        seen: Vec::new(),
                        key: None,
                    }
                } else {
                    Frame::Array { path, index: 0 }
                });
            }
            b'}' | b']' => {
                stack.pop();
            }
            b',' => {
                if let Some(Frame::Array { index, .. }) = stack.last_mut() {
                    *index += 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    (spans, problems)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toml_keys_have_lines_and_columns() {
        let d = parse("a.toml", "x = 1\n[place]\n  seed = 3\nt = { u = 2 }\n").unwrap();
        assert_eq!(d.value["place"]["seed"], 3);
        let l = d.locate("place.seed");
        assert_eq!((l.line, l.column), (3, 3));
        assert_eq!(d.locate("place.t.u").line, 4);
        assert_eq!(d.locate("place.nothing.here").line, 2);
    }

    #[test]
    fn json_keys_have_lines_and_duplicates_are_caught() {
        let d = parse(
            "a.json",
            "{\n \"place\": {\n  \"seed\": 3,\n  \"list\": [1, {\"k\": 2}]\n }\n}",
        )
        .unwrap();
        assert_eq!(d.locate("place.seed").line, 3);
        assert_eq!(d.locate("place.list.1.k").line, 4);
        let e = parse("a.json", "{\"a\": 1, \"a\": 2}").unwrap_err();
        assert!(e[0].message.contains("duplicate key"));
    }

    #[test]
    fn devices_and_pipes_are_refused_without_reading_them() {
        for device in ["/dev/zero", "/dev/null", "/dev/urandom"] {
            let e = read_text(Path::new(device)).unwrap_err();
            assert!(e.message.contains("not a regular file"), "{device}: {e:?}");
        }
        let dir = std::env::temp_dir().join(format!("placesim-fifo-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let fifo = dir.join("scenario.toml");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if made.is_ok_and(|s| s.success()) {
            // Nobody writes to the pipe: opening it would block for ever.
            let e = read_text(&fifo).unwrap_err();
            assert!(e.message.contains("not a regular file"), "{e:?}");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn seeds_cover_64_bits_as_numbers_or_text() {
        let big = u64::MAX.to_string();
        let d = parse("a.toml", &format!("[place]\nseed = \"{big}\"\n")).unwrap();
        assert_eq!(d.value["place"]["seed"].as_u64(), Some(u64::MAX));
        let d = parse("a.json", &format!("{{\"place\": {{\"seed\": {big}}}}}")).unwrap();
        assert_eq!(d.value["place"]["seed"].as_u64(), Some(u64::MAX));
        let d = parse(
            "s.toml",
            "seed = \"7\"\n[set]\n\"place.seed\" = \"18446744073709551615\"\n",
        )
        .unwrap();
        assert_eq!(d.value["seed"], 7);
        assert_eq!(d.value["set"]["place.seed"].as_u64(), Some(u64::MAX));
        // Not a seed, or not a whole number that fits: left as text for the checks to name.
        let d = parse(
            "a.toml",
            "name = \"123\"\n[place]\nseed = \"18446744073709551616\"\n",
        )
        .unwrap();
        assert_eq!(d.value["name"], "123");
        assert!(d.value["place"]["seed"].is_string());
        let e = parse("a.toml", "[place]\nseed = 15824617304438902051\n").unwrap_err();
        assert!(
            e[0].message.contains("write a larger seed as text"),
            "{e:?}"
        );
        let back = parse(
            "r.toml",
            &to_toml(&serde_json::json!({"place": {"seed": u64::MAX}})),
        )
        .unwrap();
        assert_eq!(back.value["place"]["seed"].as_u64(), Some(u64::MAX));
    }

    #[test]
    fn a_file_over_the_limit_is_refused() {
        let dir = std::env::temp_dir().join(format!("placesim-big-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let big = dir.join("big.toml");
        std::fs::write(&big, vec![b'#'; MAX_FILE_BYTES as usize + 1]).unwrap();
        let e = read_text(&big).unwrap_err();
        assert!(e.message.contains("at most"), "{e:?}");
        std::fs::write(&big, vec![b'#'; MAX_FILE_BYTES as usize]).unwrap();
        assert!(read_text(&big).is_ok());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn non_finite_and_syntax_errors_have_locations() {
        let e = parse("a.toml", "a = 1\nb = nan\n").unwrap_err();
        assert_eq!(e[0].at, Some((2, 5)));
        let e = parse("a.toml", "a = 1\nb = \n").unwrap_err();
        assert_eq!(e[0].at.map(|a| a.0), Some(2));
        assert!(e[0].message.starts_with("TOML syntax error"));
    }
}

/// Render a JSON value as a TOML document (what `placesim check` prints).
/// Tables of scalars stay tables; lists of tables become arrays of tables.
pub fn to_toml(value: &Value) -> String {
    let mut doc = toml_edit::DocumentMut::new();
    if let Value::Object(map) = value {
        fill_table(doc.as_table_mut(), map);
    }
    doc.to_string()
}

fn fill_table(table: &mut toml_edit::Table, map: &Map<String, Value>) {
    for (k, v) in map {
        let item = match v {
            Value::Object(m) => {
                let mut t = toml_edit::Table::new();
                fill_table(&mut t, m);
                toml_edit::Item::Table(t)
            }
            Value::Array(a) if !a.is_empty() && a.iter().all(Value::is_object) => {
                let mut tables = toml_edit::ArrayOfTables::new();
                for x in a {
                    let mut t = toml_edit::Table::new();
                    if let Value::Object(m) = x {
                        fill_table(&mut t, m);
                    }
                    tables.push(t);
                }
                toml_edit::Item::ArrayOfTables(tables)
            }
            other => match to_toml_value(other) {
                Some(x) => toml_edit::Item::Value(x),
                None => continue,
            },
        };
        table.insert(k, item);
    }
}

fn to_toml_value(v: &Value) -> Option<toml_edit::Value> {
    Some(match v {
        Value::Null => return None,
        Value::Bool(b) => (*b).into(),
        Value::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => i.into(),
            // Beyond TOML's integers (a seed): written as text, read back as the number.
            (None, Some(u), _) => u.to_string().into(),
            (None, None, Some(f)) => f.into(),
            _ => return None,
        },
        Value::String(s) => s.as_str().into(),
        Value::Array(a) => {
            let mut arr = toml_edit::Array::new();
            for x in a {
                arr.push_formatted(to_toml_value(x)?);
            }
            arr.fmt();
            toml_edit::Value::Array(arr)
        }
        Value::Object(m) => {
            let mut t = toml_edit::InlineTable::new();
            for (k, x) in m {
                if let Some(x) = to_toml_value(x) {
                    t.insert(k, x);
                }
            }
            t.fmt();
            toml_edit::Value::InlineTable(t)
        }
    })
}

#[cfg(test)]
mod render_tests {
    use super::*;

    #[test]
    fn rendered_toml_parses_back_to_the_same_value() {
        let v: Value = serde_json::json!({
            "name": "x", "place": {"seed": 3, "rate": 0.5},
            "needs": {"coupling": {"a": [0.0, 1.5]}},
            "schedule": [{"week": 4, "set": {"barriers.x.strength": 0.0}}],
            "empty": []
        });
        let text = to_toml(&v);
        let back = parse("r.toml", &text).unwrap_or_else(|e| panic!("{e:?}\n{text}"));
        assert_eq!(back.value, v, "{text}");
    }
}
