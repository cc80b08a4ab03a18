//! `placesim serve`: the live dashboard, from a preset or a scenario file.

use crate::cli::{ranged, whole};
use crate::failure::Failure;
use placesim_serve::{SESSIONS, SESSION_POPULATION};
use std::path::Path;

#[derive(clap::Args)]
pub struct Args {
    /// A built-in preset (see `placesim scenarios`) or a scenario file [default: silos].
    pub scenario: Option<String>,
    /// Address to listen on. Only 127.0.0.1 (this machine) unless you mean otherwise.
    #[arg(long, default_value = "127.0.0.1")]
    pub bind: std::net::IpAddr,
    /// Port to listen on (0: any free port).
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
    #[arg(
        long,
        default_value_t = 48,
        value_parser = whole(SESSIONS),
        help = ranged("Most browser tabs served at once", SESSIONS, ""),
    )]
    pub max_sessions: u32,
    #[arg(
        long,
        default_value_t = 10_000,
        value_parser = whole(SESSION_POPULATION),
        help = ranged("Largest population a tab may ask for", SESSION_POPULATION, ""),
    )]
    pub max_population: u32,
}

pub fn serve(
    scenario: Option<&str>,
    addr: std::net::SocketAddr,
    max_sessions: u32,
    max_population: u32,
) -> Result<(), Failure> {
    let default = match scenario {
        None => placesim_scenario::preset("silos", &[])?,
        Some(name) if placesim_scenario::presets::scenario(name).is_some() => {
            placesim_scenario::preset(name, &[])?
        }
        Some(file) => placesim_scenario::load_scenario(Path::new(file), &[])?,
    };
    let config = placesim_serve::Config {
        addr,
        max_sessions: max_sessions as usize,
        max_population,
        default_scenario: (default.name.clone(), default.params),
        ..placesim_serve::Config::default()
    };
    placesim_serve::serve(config).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AddrInUse
            || e.kind() == std::io::ErrorKind::AddrNotAvailable
        {
            Failure::BadInput(format!(
                "cannot listen on {addr}: {e}; choose another --port or --bind"
            ))
        } else {
            Failure::Failed(format!("serve: {e}"))
        }
    })
}
