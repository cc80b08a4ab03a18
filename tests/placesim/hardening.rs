//! What a user can get wrong, and faults the tool must survive: each case
//! ends with exit 2 and one clear line naming the file, folder or field,
//! nothing written, never a panic.

use crate::determinism::{bin, scratch};
use std::path::Path;

/// Run placesim with `args`; it must refuse with exit 2, one line naming
/// `fragment`, no panic, and write nothing into `out` (if given).
fn refuses(args: &[&str], fragment: &str) {
    let o = bin().args(args).output().unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{args:?}: {stderr}");
    assert!(stderr.contains(fragment), "{args:?}: {stderr}");
    assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
}

fn write(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap();
}

/// Devices and pipes are refused before they are opened, wherever a
/// scenario or sweep file is named (they never end, or never start).
#[test]
fn devices_and_pipes_are_not_scenario_files() {
    let dir = scratch("devices");
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join("out");
    let o = out.to_str().unwrap();
    refuses(&["check", "/dev/zero"], "not a regular file");
    refuses(&["run", "/dev/zero", "--out", o], "not a regular file");
    refuses(&["sweep", "/dev/zero", "--out", o], "not a regular file");
    let extends = dir.join("extends.toml");
    write(&extends, "extends = \"/dev/zero\"\n");
    refuses(&["check", extends.to_str().unwrap()], "not a regular file");
    let sweep = dir.join("s.sweep.toml");
    write(
        &sweep,
        "name = \"s\"\nbase = \"silos\"\nreplicates = 1\nbaseline = \"a\"\n[[variants]]\nname = \"a\"\nscenario = \"/dev/zero\"\n",
    );
    refuses(
        &["sweep", sweep.to_str().unwrap(), "--out", o],
        "not a regular file",
    );
    let fifo = dir.join("pipe.toml");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    assert!(made.is_ok_and(|s| s.success()), "mkfifo");
    refuses(&["check", fifo.to_str().unwrap()], "not a regular file");
    assert!(!out.exists(), "wrote {}", out.display());
    std::fs::remove_dir_all(&dir).unwrap();
}
