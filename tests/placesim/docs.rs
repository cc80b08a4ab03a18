//! Every code block in README.md and docs/ says what it is in its fence's
//! info string — `run` (the test runs it), `check` (the test parses or
//! validates it), `system` (the system tests run it) or `no-run: reason` —
//! and holds: run blocks run, check blocks parse, and the blocks that are
//! not run are exactly the listed ones.

use crate::determinism::{bin, scratch};
use std::path::{Path, PathBuf};

struct Block {
    place: String,
    lang: String,
    tag: String,
    text: String,
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn documents() -> Vec<PathBuf> {
    let mut files = vec![root().join("README.md")];
    let mut docs: Vec<PathBuf> = std::fs::read_dir(root().join("docs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .collect();
    docs.sort();
    files.extend(docs);
    files
}

fn blocks() -> Vec<Block> {
    let mut out = Vec::new();
    for file in documents() {
        let text = std::fs::read_to_string(&file).unwrap();
        let name = file.strip_prefix(root()).unwrap().display().to_string();
        let mut open: Option<(usize, String, String, String)> = None;
        for (i, line) in text.lines().enumerate() {
            let Some(info) = line.strip_prefix("```") else {
                if let Some((_, _, _, body)) = &mut open {
                    body.push_str(line);
                    body.push('\n');
                }
                continue;
            };
            match open.take() {
                None => {
                    let (lang, tag) = info.split_once(' ').unwrap_or((info, ""));
                    open = Some((i + 1, lang.to_string(), tag.to_string(), String::new()));
                }
                Some((at, lang, tag, body)) => out.push(Block {
                    place: format!("{name}:{at}"),
                    lang,
                    tag,
                    text: body,
                }),
            }
        }
        assert!(open.is_none(), "{name}: a code block is not closed");
    }
    out
}

/// The words of a shell line, up to a comment or a redirection, with simple
/// quotes removed; and the file its output is redirected to, if any.
fn words(line: &str) -> (Vec<String>, Option<String>) {
    let (mut words, mut word, mut quote) = (Vec::new(), String::new(), None);
    let mut redirect = None;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => word.push(c),
            (None, '\'' | '"') => quote = Some(c),
            (None, '#') => break,
            (None, '>') => {
                let rest: String = chars.collect();
                redirect = rest.split_whitespace().next().map(str::to_string);
                break;
            }
            (None, c) if c.is_whitespace() => {
                if !word.is_empty() {
                    words.push(std::mem::take(&mut word));
                }
            }
            (None, c) => word.push(c),
        }
    }
    if !word.is_empty() {
        words.push(word);
    }
    (words, redirect)
}

/// The placesim command lines of a shell block (other lines are not ours).
fn placesim_lines(b: &Block) -> Vec<(Vec<String>, Option<String>)> {
    b.text
        .lines()
        .map(words)
        .filter(|(w, _)| w.first().is_some_and(|w| w == "placesim"))
        .map(|(w, r)| (w[1..].to_vec(), r))
        .collect()
}

fn check(b: &Block, dir: &Path) {
    match b.lang.as_str() {
        "sh" => {
            let lines = placesim_lines(b);
            assert!(
                !lines.is_empty(),
                "{}: no placesim command to check",
                b.place
            );
            for (args, _) in lines {
                let o = bin()
                    .env("PLACESIM_PARSE_ONLY", "1")
                    .args(&args)
                    .output()
                    .unwrap();
                assert!(
                    o.status.success(),
                    "{}: `placesim {}` does not parse: {}",
                    b.place,
                    args.join(" "),
                    String::from_utf8_lossy(&o.stderr)
                );
            }
        }
        "toml" | "json" => {
            let sweep = b
                .text
                .lines()
                .any(|l| l.starts_with("base ") || l.starts_with("base="));
            let name = if sweep { "block.sweep" } else { "block" };
            let file = dir.join(format!("{name}.{}", b.lang));
            std::fs::write(&file, &b.text).unwrap();
            let o = bin().arg("check").arg(&file).output().unwrap();
            assert!(
                o.status.success(),
                "{}: placesim check refuses it: {}",
                b.place,
                String::from_utf8_lossy(&o.stderr)
            );
        }
        other => panic!("{}: cannot check a `{other}` block", b.place),
    }
}

fn run(b: &Block, dir: &Path) {
    assert_eq!(b.lang, "sh", "{}: only shell blocks run", b.place);
    for (args, redirect) in placesim_lines(b) {
        let o = bin().current_dir(dir).args(&args).output().unwrap();
        assert!(
            o.status.success(),
            "{}: `placesim {}` failed: {}",
            b.place,
            args.join(" "),
            String::from_utf8_lossy(&o.stderr)
        );
        if let Some(file) = redirect {
            std::fs::write(dir.join(file), &o.stdout).unwrap();
        }
    }
}

#[test]
fn every_code_block_in_the_docs_is_tagged_and_holds() {
    let dir = scratch("docs");
    std::fs::create_dir_all(&dir).unwrap();
    // Commands in the docs name files relative to the repository.
    std::os::unix::fs::symlink(root().join("scenarios"), dir.join("scenarios")).unwrap();
    let mut not_run = Vec::new();
    let mut counted = [0usize; 3];
    for b in blocks() {
        match b.tag.split(':').next().unwrap_or("") {
            "run" => {
                run(&b, &dir);
                counted[0] += 1;
            }
            "check" => {
                check(&b, &dir);
                counted[1] += 1;
            }
            "system" => counted[2] += 1,
            "no-run" => {
                let reason = b.tag.strip_prefix("no-run:").unwrap_or("").trim();
                assert!(!reason.is_empty(), "{}: no-run needs a reason", b.place);
                not_run.push(b.place.split(':').next().unwrap().to_string());
            }
            _ => panic!(
                "{}: tag the block ```{} run|check|system|no-run: reason (got `{}`)",
                b.place, b.lang, b.tag
            ),
        }
    }
    assert!(
        counted.iter().all(|&n| n > 0),
        "run, check, system: {counted:?}"
    );
    assert!(dir.join("scenario.schema.json").metadata().unwrap().len() > 1000);
    not_run.sort();
    let mut expected = vec![
        "README.md",
        "docs/ARCHITECTURE.md",
        "docs/CLUSTER.md",
        "docs/CLUSTER.md",
    ];
    expected.extend(["docs/ODD.md"; 7]);
    assert_eq!(not_run, expected, "the blocks that are not run");
    std::fs::remove_dir_all(&dir).unwrap();
}
