//! `placesim serve`: the live dashboard, from a preset or a scenario file.

use crate::args::{ranged, whole};
use crate::failure::Failure;
use placesim_serve::{ROOMS, SESSIONS, SESSION_POPULATION};
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
    /// A host name the page may be opened by besides IP addresses and
    /// localhost (e.g. this machine's name on a room's network); repeatable.
    /// Requests naming any other host are refused, so that no other web site
    /// can reach the dashboard through DNS rebinding.
    #[arg(long = "allow-host", value_name = "NAME", value_parser = parse_host_name)]
    pub allow_hosts: Vec<String>,
    #[arg(
        long,
        default_value_t = 8,
        value_parser = whole(ROOMS),
        help = ranged("Most workshop rooms at once (the page /workshop)", ROOMS, ""),
    )]
    pub max_rooms: u32,
}

/// How participants' devices reach a server bound to `bind`: the names given
/// with `--allow-host`, then the address itself, or for an unspecified
/// address (0.0.0.0) this machine's address on its network (the local
/// address of a route out, found without sending anything). None when bound
/// to loopback: only this machine can join.
fn join_hosts(bind: std::net::IpAddr, allowed: &[String]) -> Vec<String> {
    if bind.is_loopback() {
        return Vec::new();
    }
    let mut hosts = allowed.to_vec();
    let address = if bind.is_unspecified() {
        std::net::UdpSocket::bind("0.0.0.0:0")
            .and_then(|s| s.connect("192.0.2.1:9").map(|_| s))
            .and_then(|s| s.local_addr())
            .map(|a| a.ip())
            .ok()
            .filter(|ip| !ip.is_unspecified() && !ip.is_loopback())
    } else {
        Some(bind)
    };
    if let Some(ip) = address {
        hosts.push(match ip {
            std::net::IpAddr::V6(v6) => format!("[{v6}]"),
            v4 => v4.to_string(),
        });
    }
    hosts
}

/// A host name as `--allow-host` takes it: letters, digits, dots and hyphens.
fn parse_host_name(text: &str) -> Result<String, String> {
    let ok = !text.is_empty()
        && text.len() <= 253
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
    if ok {
        Ok(text.to_ascii_lowercase())
    } else {
        Err("a host name (letters, digits, dots and hyphens, no port)".into())
    }
}

pub fn serve(a: &Args) -> Result<(), Failure> {
    let addr = std::net::SocketAddr::new(a.bind, a.port);
    // What a workshop room's exported schedule extends: the preset's file
    // name, or the scenario file's full path.
    let (default, extends) = match a.scenario.as_deref() {
        None => (
            placesim_scenario::preset("silos", &[])?,
            "silos.toml".to_string(),
        ),
        Some(name) if placesim_scenario::presets::scenario(name).is_some() => (
            placesim_scenario::preset(name, &[])?,
            format!("{name}.toml"),
        ),
        Some(file) => {
            let s = placesim_scenario::load_scenario(Path::new(file), &[])?;
            let full = std::fs::canonicalize(file)
                .map_or(file.to_string(), |p| p.to_string_lossy().into_owned());
            (s, full)
        }
    };
    let config = placesim_serve::Config {
        addr,
        max_sessions: a.max_sessions as usize,
        max_population: a.max_population,
        default_scenario: (default.name.clone(), default.params),
        allowed_hosts: placesim_serve::guard::AllowedHosts(a.allow_hosts.clone()),
        max_rooms: a.max_rooms as usize,
        default_extends: extends,
        join_hosts: join_hosts(a.bind, &a.allow_hosts),
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
