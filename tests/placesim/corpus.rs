//! A hostile corpus: files no one writes on purpose (a socket, a loop of
//! links, a 3 MiB line, JSON nested ten thousand deep, names with control
//! characters), each refused with a message, never a panic; and ten thousand
//! seeded mutations of the shipped scenario and sweep files.

use crate::determinism::{bin, scratch};
use placesim_scenario::presets::{SCENARIOS, SWEEPS};
use placesim_scenario::{load_scenario, load_sweep};
use std::path::{Path, PathBuf};

/// A folder of this test's own, removed when the test ends (pass or fail),
/// so the temporary folder is left as it was found.
struct Folder(PathBuf);

impl Folder {
    fn new(name: &str) -> Folder {
        let dir = scratch(&format!("corpus-{name}"));
        std::fs::create_dir_all(&dir).unwrap();
        Folder(dir)
    }
}

impl Drop for Folder {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Loading `path` as a scenario and as a sweep fails with a message that
/// names the file and contains `fragment`; the CLI's `check` exits 2.
fn refused(path: &Path, fragment: &str) {
    let shown = path.display().to_string();
    for message in [
        load_scenario(path, &[])
            .map(|_| ())
            .unwrap_err()
            .to_string(),
        load_sweep(path).map(|_| ()).unwrap_err().to_string(),
    ] {
        assert!(message.contains(fragment), "{shown}: {message}");
        assert!(
            message.contains(shown.as_str()),
            "names the file: {message}"
        );
    }
    let out = bin().arg("check").arg(path).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{shown}: {out:?}");
}

#[cfg(unix)]
#[test]
fn a_socket_is_refused() {
    let dir = Folder::new("socket");
    let path = dir.0.join("place.toml");
    let _listener = std::os::unix::net::UnixListener::bind(&path).unwrap();
    refused(&path, "is not a regular file");
}

#[cfg(unix)]
#[test]
fn a_loop_of_links_is_refused() {
    let dir = Folder::new("link-loop");
    let (a, b) = (dir.0.join("a.toml"), dir.0.join("b.toml"));
    std::os::unix::fs::symlink(&b, &a).unwrap();
    std::os::unix::fs::symlink(&a, &b).unwrap();
    refused(&a, "loop of links");
}

#[test]
fn a_three_mebibyte_line_is_refused_cleanly() {
    let dir = Folder::new("long-line");
    // One line of 3 MiB: under the size limit, so it reaches the parsers.
    let toml = dir.0.join("long.toml");
    let line = format!("name = \"{}\"\n", "x".repeat(3 << 20));
    std::fs::write(&toml, &line).unwrap();
    refused(&toml, "long.toml");
    let json = dir.0.join("long.json");
    std::fs::write(&json, format!("{{\"name\": \"{}\"}}", "x".repeat(3 << 20))).unwrap();
    refused(&json, "long.json");
    let over = dir.0.join("over.toml");
    std::fs::write(&over, "#".repeat(5 << 20)).unwrap();
    refused(&over, "a scenario file may be at most");
}

#[test]
fn deeply_nested_arrays_are_refused() {
    let dir = Folder::new("deep");
    for depth in [33, 1_000, 100_000] {
        let json = dir.0.join(format!("deep-{depth}.json"));
        let text = format!("{{\"name\": {}{}}}", "[".repeat(depth), "]".repeat(depth));
        std::fs::write(&json, text).unwrap();
        let message = load_scenario(&json, &[])
            .map(|_| ())
            .unwrap_err()
            .to_string();
        assert!(
            message.contains("nested deeper than 32 levels") || message.contains("recursion limit"),
            "{depth}: {message}"
        );
        let toml = dir.0.join(format!("deep-{depth}.toml"));
        std::fs::write(
            &toml,
            format!("name = {}{}\n", "[".repeat(depth), "]".repeat(depth)),
        )
        .unwrap();
        let message = load_scenario(&toml, &[])
            .map(|_| ())
            .unwrap_err()
            .to_string();
        assert!(message.contains(&format!("deep-{depth}.toml")), "{message}");
    }
}

#[test]
fn names_with_control_characters_are_refused() {
    let dir = Folder::new("control");
    let text = SCENARIOS[0].text.replacen(
        "name = \"default-place\"",
        "name = \"bad\\u0007name\\u001b[31m\"",
        1,
    );
    assert_ne!(text, SCENARIOS[0].text, "the preset's name line moved");
    let path = dir.0.join("bell.toml");
    std::fs::write(&path, text).unwrap();
    let message = load_scenario(&path, &[])
        .map(|_| ())
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("name: may use only letters, digits"),
        "{message}"
    );
    // A file whose own name holds control characters is named, not obeyed.
    #[cfg(unix)]
    {
        let odd = dir.0.join("bad\u{1b}[2J\u{7}.toml");
        std::fs::write(&odd, "[place\n").unwrap();
        assert!(load_scenario(&odd, &[]).is_err());
    }
}

mod mutations {
    use super::*;
    use proptest::prelude::*;

    /// Apply one mutation: cut `cut` bytes at `at` and insert `insert` there.
    fn mutate(text: &str, at: prop::sample::Index, cut: usize, insert: &[u8]) -> Vec<u8> {
        let text = text.as_bytes();
        let i = at.index(text.len());
        let mut mutated = text[..i].to_vec();
        mutated.extend_from_slice(insert);
        mutated.extend_from_slice(&text[(i + cut).min(text.len())..]);
        mutated
    }

    // 8,000 mutated scenarios and 2,000 mutated sweeps: 10,000 in all, from a
    // fixed seed, so a failure is the same on every machine.
    proptest! {
        #![proptest_config(ProptestConfig {
            cases: 8_000,
            rng_seed: proptest::test_runner::RngSeed::Fixed(13),
            failure_persistence: None,
            ..ProptestConfig::default()
        })]

        #[test]
        fn ten_thousand_mutations_of_scenarios(
            which in 0..SCENARIOS.len(),
            at in any::<prop::sample::Index>(),
            cut in 0usize..40,
            insert in proptest::collection::vec(any::<u8>(), 0..12),
            json in any::<bool>(),
        ) {
            thread_local!(static DIR: Folder = Folder::new(&format!("mutations-{:?}", std::thread::current().id())));
            let mutated = mutate(SCENARIOS[which].text, at, cut, &insert);
            let name = if json { "m.json" } else { SCENARIOS[which].file };
            DIR.with(|dir| {
                let file = dir.0.join(name);
                std::fs::write(&file, &mutated).unwrap();
                let _ = load_scenario(&file, &[]);
            });
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig {
            cases: 2_000,
            rng_seed: proptest::test_runner::RngSeed::Fixed(13),
            failure_persistence: None,
            ..ProptestConfig::default()
        })]

        #[test]
        fn ten_thousand_mutations_of_sweeps(
            which in 0..SWEEPS.len(),
            at in any::<prop::sample::Index>(),
            cut in 0usize..40,
            insert in "[ -~]{0,12}",
        ) {
            thread_local!(static DIR: Folder = Folder::new(&format!("sweeps-{:?}", std::thread::current().id())));
            let mutated = mutate(SWEEPS[which].text, at, cut, insert.as_bytes());
            DIR.with(|dir| {
                let file = dir.0.join(SWEEPS[which].file);
                std::fs::write(&file, &mutated).unwrap();
                let _ = load_sweep(&file);
            });
        }
    }
}
