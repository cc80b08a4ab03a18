//! placesim-core: the model of one place's whole public service system.
//!
//! Citizens with coupled needs seek help from agencies that triage, queue,
//! serve, refer and spend, and that adapt their policies each quarter to the
//! KPIs the Total Place barriers give them. [`World::step`] runs one week as a
//! pipeline of phases; [`metrics`] defines every output row. This crate does
//! not read files, parse text, print, or know about presets or sweeps: those
//! live in the edge crates (`placesim-scenario` holds the built-in place) and the CLI. The model is documented in `docs/ODD.md`.

pub mod adapt;
pub mod agency;
pub mod barriers;
pub mod citizen;
pub mod commission;
pub mod finance;
mod frontline;
pub mod ids;
pub mod journal;
pub mod learner;
pub mod limits;
pub mod metrics;
pub mod params;
pub mod record;
mod refer;
pub mod referral;
pub mod rng;
pub mod run;
mod service;
pub mod stats;
mod triage;
pub mod ward;
pub mod world;

pub use ids::{AgencyId, CitizenId, Domain, Tick};
pub use metrics::{AgencyRow, CostShiftRow, Summary, TickRow};
pub use params::{Barriers, Params};
pub use run::{BurnedIn, Finished, KeptWeek, Run, Week};
pub use world::World;
