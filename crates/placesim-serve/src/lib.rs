//! `placesim serve`: a live dashboard for trainers. Two worlds of the same
//! place on the same seed run side by side in the browser; the trainer
//! switches barriers and leadership in one of them while they run.
//!
//! One job per module: `session` holds and steps the two worlds (each a run
//! of the core's run driver), `frame` says what the page is sent of a
//! session, `api` is the HTTP surface (validation, sessions, Server-Sent
//! Events), `guard` decides whose requests it serves, `http` holds what every
//! route shares (embedded pages, JSON bodies), `script` is the guided
//! script built from the presets. They depend one way: `api` on `guard`,
//! `frame` and `session`, `frame` on `session`.
//!
//! The workshop (docs/WORKSHOP.md) is beside them: `room` holds a room's
//! rules and worlds, `view` says what its members are sent, `debrief` writes
//! the debrief, `workshop` is its HTTP surface (merged into `api`'s router,
//! behind the same guard). `workshop` depends on `room`, `view` and
//! `debrief`; `view` and `debrief` on `room`.
//! The page itself (`assets/`) is embedded in the binary and works offline.

pub mod api;
pub mod debrief;
pub mod frame;
pub mod guard;
pub mod http;
pub mod room;
pub mod script;
pub mod session;
pub mod view;
pub mod workshop;

use placesim_core::limits::Bounds;
use std::net::SocketAddr;
use std::time::Duration;

/// The populations a session may ask for: at least the minimum, and at most
/// `Config::max_population`, which may itself be at most the maximum.
pub const SESSION_POPULATION: Bounds<u32> = Bounds::new(100, 100_000);
/// What `Config::max_rooms` may be.
pub const ROOMS: Bounds<u32> = Bounds::new(1, 64);
/// What `Config::max_sessions` may be.
pub const SESSIONS: Bounds<u32> = Bounds::new(1, 1000);

/// How the server runs; every limit is bounded so that a busy room of
/// browsers cannot exhaust the machine.
#[derive(Clone, Debug)]
pub struct Config {
    pub addr: SocketAddr,
    /// Most sessions (browser tabs) at once; more get 503.
    pub max_sessions: usize,
    /// A session with no request and no open frame stream for this long is dropped.
    pub idle_timeout: Duration,
    /// Largest population a session may ask for.
    pub max_population: u32,
    /// Time between frames while playing.
    pub frame_interval: Duration,
    /// The scenario both worlds start from unless the page asks for a preset:
    /// its name and parameters (a preset, or a scenario file given to `placesim serve`).
    pub default_scenario: (String, placesim_core::Params),
    /// Host names besides IP addresses and `localhost` that requests may name
    /// (`--allow-host`, for a trainer who serves a room by a machine name).
    pub allowed_hosts: guard::AllowedHosts,
    /// Most workshop rooms at once; more get 503.
    pub max_rooms: usize,
    /// What a workshop room's exported schedule `extends` to get the default
    /// scenario: a preset's file name, or the path of the scenario file served.
    pub default_extends: String,
    /// Host names or addresses by which participants' devices reach this
    /// server (shown on the workshop's projector when the facilitator opened
    /// it by a loopback address); empty when it serves this machine only.
    pub join_hosts: Vec<String>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            addr: SocketAddr::from(([127, 0, 0, 1], 8080)),
            max_sessions: 48,
            idle_timeout: Duration::from_secs(600),
            max_population: 10_000,
            frame_interval: Duration::from_millis(50),
            default_scenario: (
                "silos".into(),
                placesim_scenario::preset("silos", &[])
                    .expect("the built-in presets are valid (tested)")
                    .params,
            ),
            allowed_hosts: guard::AllowedHosts::default(),
            max_rooms: 8,
            default_extends: "silos.toml".into(),
            join_hosts: Vec::new(),
        }
    }
}

/// Serve until Ctrl-C. Prints the address once listening.
pub fn serve(config: Config) -> std::io::Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(config.addr).await?;
        let addr = listener.local_addr()?;
        println!("placesim serve: open http://{addr}/ in a browser (Ctrl-C to stop)");
        println!("  workshop: http://{addr}/workshop (participants join with the room's code)");
        let app = api::app(config);
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await
    })
}
