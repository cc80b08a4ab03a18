//! The integration tests of placesim, by concern: the behaviours the model
//! brief asks for (`model`), money and queue accounting (`accounts`), sweeps (`batch`), charts (`plots`),
//! determinism and the golden run (`determinism`), scenario and sweep files
//! (`scenarios`), sweeps on a posterior ensemble (`ensemble`), and the
//! command line (`cli`).

mod accounts;
mod batch;
mod benchmark;
mod calibration;
mod cli;
mod cluster;
mod corpus;
mod determinism;
mod docs;
mod ensemble;
mod hardening;
mod model;
mod plots;
mod scenarios;
mod sensitivity;
mod stats;
