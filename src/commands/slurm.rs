//! `placesim slurm`: the Slurm scripts for a sharded sweep, from the
//! templates in `deploy/slurm/` with this sweep's paths and sizes filled in.

use crate::args::{ranged, whole, THREADS};
use crate::failure::Failure;
use placesim_batch::shard::MAX_SHARDS;
use placesim_core::limits::Bounds;
use std::fs;
use std::path::{Path, PathBuf};

const ARRAY: &str = include_str!("../../deploy/slurm/array.sbatch.in");
const MERGE: &str = include_str!("../../deploy/slurm/merge.sbatch.in");
const SUBMIT: &str = include_str!("../../deploy/slurm/submit.sh.in");

/// The shards a sweep may be split into.
const SHARDS: Bounds<u32> = Bounds::new(1, MAX_SHARDS);

#[derive(clap::Args)]
pub struct Job {
    /// The sweep file (.sweep.toml or .sweep.json).
    #[arg(value_name = "FILE")]
    pub sweep_file: PathBuf,
    #[arg(
        long,
        value_parser = whole(SHARDS),
        help = ranged("Number of shards (array tasks)", SHARDS, ""),
    )]
    pub shards: u32,
    /// Folder for scripts, shards and results [default: out/<sweep name>].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// CPUs per array task (worker threads of each shard).
    #[arg(long, default_value_t = 2, value_parser = whole(THREADS))]
    pub cpus_per_task: u32,
    /// Wall-time limit per task, as Slurm takes it (e.g. 01:00:00).
    #[arg(long, default_value = "01:00:00")]
    pub time: String,
    /// Slurm partition [default: the cluster's default].
    #[arg(long)]
    pub partition: Option<String>,
    /// Run every shard on this posterior ensemble (as `placesim sweep --ensemble`); checked now, before anything is submitted.
    #[arg(long, value_name = "POSTERIOR.csv")]
    pub ensemble: Option<PathBuf>,
}

/// A path the scripts can quote safely, made absolute so jobs find it from any node's working folder.
fn absolute(path: &Path, what: &str) -> Result<String, Failure> {
    let abs = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir()
            .map_err(|e| Failure::Failed(format!("cannot read the working folder: {e}")))?
            .join(path)
    };
    let text = abs.to_str().ok_or_else(|| {
        Failure::BadInput(format!(
            "{what} {}: the path is not valid UTF-8",
            abs.display()
        ))
    })?;
    if text.contains(['"', '$', '`', '\\', '\n', '\r']) {
        return Err(Failure::BadInput(format!(
            "{what} {text}: the path contains a character a shell script would interpret (\" $ ` \\ or a newline); move it"
        )));
    }
    Ok(text.to_string())
}

fn plain(value: &str, what: &str, allowed: impl Fn(char) -> bool) -> Result<(), Failure> {
    if value.is_empty() || !value.chars().all(allowed) {
        return Err(Failure::BadInput(format!(
            "--{what} `{value}`: not a valid Slurm {what}"
        )));
    }
    Ok(())
}

/// Render a template: every `@KEY@` replaced.
fn render(template: &str, values: &[(&str, String)]) -> String {
    values.iter().fold(template.to_string(), |t, (k, v)| {
        t.replace(&format!("@{k}@"), v)
    })
}

pub fn write_scripts(job: &Job) -> Result<(), Failure> {
    let sweep = placesim_scenario::load_sweep(&job.sweep_file)?;
    // A posterior the shards would refuse is refused here, before any job is queued.
    let ensemble = match &job.ensemble {
        None => String::new(),
        Some(f) => {
            sweep
                .clone()
                .with_ensemble(placesim_scenario::ensemble::load(f)?)?;
            let path = fs::canonicalize(f)
                .map_err(|e| Failure::BadInput(format!("{}: {e}", f.display())))?;
            format!(" --ensemble \"{}\"", absolute(&path, "posterior file")?)
        }
    };
    plain(&job.time, "time", |c| {
        c.is_ascii_digit() || c == ':' || c == '-'
    })?;
    if let Some(p) = &job.partition {
        plain(p, "partition", |c| {
            c.is_ascii_alphanumeric() || "_-.,".contains(c)
        })?;
    }
    let out = job
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from(format!("out/{}", sweep.name)));
    let sweep_path = fs::canonicalize(&job.sweep_file)
        .map_err(|e| Failure::BadInput(format!("{}: {e}", job.sweep_file.display())))?;
    let exe = std::env::current_exe()
        .and_then(fs::canonicalize)
        .map_err(|e| Failure::Failed(format!("cannot find the placesim binary: {e}")))?;
    let out_text = absolute(&out, "--out")?;
    let values = [
        ("NAME", sweep.name.clone()),
        ("SHARDS", job.shards.to_string()),
        ("LAST", (job.shards - 1).to_string()),
        ("COUNT4", format!("{:04}", job.shards)),
        ("CPUS", job.cpus_per_task.to_string()),
        ("TIME", job.time.clone()),
        (
            "PARTITION",
            job.partition
                .as_ref()
                .map_or(String::new(), |p| format!("#SBATCH --partition={p}")),
        ),
        ("OUT", out_text.clone()),
        ("SWEEP", absolute(&sweep_path, "sweep file")?),
        ("ENSEMBLE", ensemble),
        ("PLACESIM", absolute(&exe, "placesim binary")?),
    ];
    let dir = out.join("slurm");
    fs::create_dir_all(dir.join("logs"))
        .map_err(|e| Failure::BadInput(format!("cannot create {}: {e}", dir.display())))?;
    for (name, template, executable) in [
        ("array.sbatch", ARRAY, false),
        ("merge.sbatch", MERGE, false),
        ("submit.sh", SUBMIT, true),
    ] {
        let path = dir.join(name);
        placesim_results::write_atomic(&path, render(template, &values).as_bytes())
            .map_err(|e| Failure::Failed(format!("writing {}: {e}", path.display())))?;
        if executable {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(&path, fs::Permissions::from_mode(0o755))
                .map_err(|e| Failure::Failed(format!("{}: {e}", path.display())))?;
        }
    }
    let runs = sweep.variants.len() as u64 * sweep.replicates as u64;
    println!(
        "wrote {0}/slurm/array.sbatch ({1} tasks, {2} runs), merge.sbatch and submit.sh\nsubmit with: bash {0}/slurm/submit.sh\nshards go to {0}/shards/, the merged results to {0}/results/",
        out_text, job.shards, runs
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_placeholder_is_filled() {
        let values: Vec<(&str, String)> = [
            "NAME",
            "SHARDS",
            "LAST",
            "COUNT4",
            "CPUS",
            "TIME",
            "PARTITION",
            "OUT",
            "SWEEP",
            "ENSEMBLE",
            "PLACESIM",
        ]
        .iter()
        .map(|k| (*k, "x".to_string()))
        .collect();
        for t in [ARRAY, MERGE, SUBMIT] {
            let r = render(t, &values);
            assert!(!r.contains('@') || r.contains("\"$@\""), "{r}");
        }
    }
}
