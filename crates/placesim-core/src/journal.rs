//! The journal: what happened to citizens this week, kept only when asked for
//! (`World::keep_journal`). It is an observation tool — what a trainer shows
//! of a citizen's journey and what the live view colours citizens by — and
//! never feeds back into the model.

use crate::ids::{AgencyId, CitizenId, Domain, Tick};

/// Something that happened to a citizen in a week.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "what", rename_all = "snake_case")]
pub enum Happening {
    /// The citizen turned up at an agency (a crisis contact if `crisis`).
    Contact {
        agency: AgencyId,
        domain: Domain,
        crisis: bool,
        failure_demand: bool,
    },
    /// The citizen chased its open case at the agency ("where is my referral?").
    Chased {
        agency: AgencyId,
        domain: Domain,
    },
    /// A referral reached the agency.
    ReferralArrived {
        agency: AgencyId,
        domain: Domain,
    },
    Refused {
        agency: AgencyId,
        domain: Domain,
    },
    Parked {
        agency: AgencyId,
        domain: Domain,
    },
    Accepted {
        agency: AgencyId,
        domain: Domain,
    },
    Served {
        agency: AgencyId,
        domain: Domain,
    },
    Crisis {
        agency: AgencyId,
        domain: Domain,
    },
    GaveUp {
        agency: AgencyId,
        domain: Domain,
    },
    Referred {
        from: AgencyId,
        to: AgencyId,
        domain: Domain,
    },
    ReferralLost {
        from: AgencyId,
        domain: Domain,
    },
}

/// One entry of the journal.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct JournalEntry {
    pub citizen: CitizenId,
    pub tick: Tick,
    #[serde(flatten)]
    pub happening: Happening,
}

/// This week's happenings, or nothing at no cost when not kept.
#[derive(Clone, Debug, Default)]
pub struct Journal {
    entries: Option<Vec<JournalEntry>>,
}

impl Journal {
    pub fn keep(&mut self, keep: bool) {
        self.entries = keep.then(Vec::new);
    }

    /// Start a new week.
    pub fn clear(&mut self) {
        if let Some(entries) = &mut self.entries {
            entries.clear();
        }
    }

    pub fn note(&mut self, citizen: CitizenId, tick: Tick, happening: Happening) {
        if let Some(entries) = &mut self.entries {
            entries.push(JournalEntry {
                citizen,
                tick,
                happening,
            });
        }
    }

    /// This week's entries in the order they happened (empty unless kept).
    pub fn entries(&self) -> &[JournalEntry] {
        self.entries.as_deref().unwrap_or(&[])
    }
}
