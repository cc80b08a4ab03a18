//! Identifier newtypes, so that a citizen index is never confused with an agency index.

use serde::{Deserialize, Serialize};

/// Most need domains a place may have. Citizens store their needs in a fixed
/// array of this length so that a citizen needs no heap allocation.
pub const MAX_DOMAINS: usize = 8;
/// Most agencies a place may have (fixed for the same reason as [`MAX_DOMAINS`]).
pub const MAX_AGENCIES: usize = 12;

/// Index of a citizen in the world's citizen table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct CitizenId(pub u32);

/// Index of an agency in the place's agency list.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct AgencyId(pub u8);

/// Index of a need domain (health, housing, ...).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Domain(pub u8);

/// A week of simulated time, counted from 0 at the start of warm-up.
pub type Tick = u32;

impl AgencyId {
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

impl Domain {
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

impl CitizenId {
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// A set of domains as a bit mask (an agency's remit).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DomainSet(pub u8);

impl DomainSet {
    pub fn of(domains: &[Domain]) -> Self {
        DomainSet(domains.iter().fold(0, |m, d| m | (1 << d.0)))
    }
    pub fn contains(self, d: Domain) -> bool {
        self.0 & (1 << d.0) != 0
    }
}

/// Weeks in a financial year (a year closes at its last week).
pub const WEEKS_PER_YEAR: u32 = 52;
/// Weeks in a quarter: agencies judge their KPIs and adapt at each quarter's end.
pub const WEEKS_PER_QUARTER: u32 = 13;

/// Is `tick` the last week of a quarter?
pub fn is_quarter_end(tick: Tick) -> bool {
    tick % WEEKS_PER_QUARTER == WEEKS_PER_QUARTER - 1
}
