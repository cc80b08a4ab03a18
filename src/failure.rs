//! How a command ends: the one place that turns failures into messages and
//! exit codes (0 ok, 1 failed, 2 bad input).

use std::process::ExitCode;

/// Exit code of a command that failed for any reason but its input.
const FAILED: u8 = 1;
/// Exit code of bad input: flags, files, folders (clap's own errors too).
const BAD_INPUT: u8 = 2;

/// How a command failed: bad input exits 2, anything else 1.
#[derive(Debug, thiserror::Error)]
pub enum Failure {
    #[error("{0}")]
    BadInput(String),
    #[error("{0}")]
    Failed(String),
}

impl Failure {
    fn exit_code(&self) -> ExitCode {
        match self {
            Failure::BadInput(_) => ExitCode::from(BAD_INPUT),
            Failure::Failed(_) => ExitCode::from(FAILED),
        }
    }
}

/// A command's result as the process's exit code; a failure is one line on stderr.
pub fn exit(result: Result<(), Failure>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            eprintln!("error: {f}");
            f.exit_code()
        }
    }
}

/// A scenario or sweep file with problems is bad input.
impl From<placesim_scenario::Problems> for Failure {
    fn from(p: placesim_scenario::Problems) -> Failure {
        Failure::BadInput(p.to_string())
    }
}

impl From<placesim_batch::BatchError> for Failure {
    fn from(e: placesim_batch::BatchError) -> Failure {
        match e {
            placesim_batch::BatchError::BadInput(m) => Failure::BadInput(m),
            other => Failure::Failed(other.to_string()),
        }
    }
}

impl From<placesim_plot::PlotError> for Failure {
    fn from(e: placesim_plot::PlotError) -> Failure {
        match e {
            placesim_plot::PlotError::BadInput(m) => Failure::BadInput(m),
            placesim_plot::PlotError::Io(m) => Failure::Failed(m),
        }
    }
}

/// Help and version go to stdout as clap renders them; a usage error becomes
/// one line on stderr (clap's message and its hints, without the usage block)
/// and exit code 2.
pub fn usage_error(e: clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
        let _ = e.print();
        return ExitCode::SUCCESS;
    }
    if e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
        let _ = e.print();
        return ExitCode::from(BAD_INPUT);
    }
    let text = e.render().to_string();
    let line: Vec<&str> = text
        .lines()
        .map(str::trim)
        .take_while(|l| !l.starts_with("Usage:"))
        .filter(|l| !l.is_empty() && !l.starts_with("For more information"))
        .collect();
    eprintln!("{}; see 'placesim --help'", line.join(" "));
    ExitCode::from(BAD_INPUT)
}
