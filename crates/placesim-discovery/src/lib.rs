//! Scenario discovery (Bryant and Lempert 2010): which inputs, in which
//! ranges, make the cases of interest (say, futures where total place
//! raises crises) likely. Pure functions of (inputs, cases): no files, no
//! runs, no printing.
//!
//! - [`prim`]: PRIM boxes, as EMA Workbench finds them.
//! - [`cart`]: a classification tree, read as rules.

pub mod cart;
pub mod prim;

#[cfg(test)]
mod planted;
