//! How an agency learns its policy: each lever on its own, by trial.
//!
//! Every quarter each lever of an agency is tried a little above or a little
//! below where the agency has settled (its own random sign, `exploration` of
//! the lever's step), and the agency scores the quarter on its KPI (see
//! [`crate::adapt`]). A lever's own signal is how the score moved between
//! quarters *with that lever's trial*: the change in score times the change
//! in the lever's sign, averaged over the KPI window. This is simultaneous
//! perturbation stochastic approximation (SPSA; Spall, 1992) with one
//! measurement a quarter: the levers' signs are independent, so each lever's
//! estimate averages the others' effects away. A lever then moves toward
//! a better score by at most its step a quarter. Nothing fixes which way a
//! lever should go: that comes only from what the KPI rewarded.
//!
//! Scores known late (outcomes audited `outcome_lag_quarters` after the
//! quarter they describe) are paired with the trials in force in the quarter
//! they describe. With the learning rate at 0 nothing is tried and nothing
//! moves.

use crate::params::{AdaptationRule, Policy};
use crate::rng::Stream;
use std::collections::VecDeque;

/// The levers, in the order of [`levers`]: eligibility threshold, prevention
/// share, intensity, complexity cap, referral propensity.
pub const LEVERS: usize = 5;

/// The levers' names, as scenario files and outputs spell them.
pub const LEVER_NAMES: [&str; LEVERS] = [
    "eligibility_threshold",
    "prevention_capacity_share",
    "intensity",
    "complexity_cap",
    "referral_propensity",
];

/// A policy as its levers.
pub fn levers(p: &Policy) -> [f32; LEVERS] {
    [
        p.eligibility_threshold,
        p.prevention_capacity_share,
        p.intensity,
        p.complexity_cap,
        p.referral_propensity,
    ]
}

/// The policy with these levers.
pub fn policy(l: [f32; LEVERS]) -> Policy {
    Policy {
        eligibility_threshold: l[0],
        prevention_capacity_share: l[1],
        intensity: l[2],
        complexity_cap: l[3],
        referral_propensity: l[4],
    }
}

/// Each lever's step a quarter and its range.
fn steps(rule: &AdaptationRule) -> [f32; LEVERS] {
    [
        rule.threshold_step,
        rule.prevention_step,
        rule.intensity_step,
        rule.cap_step,
        rule.referral_step,
    ]
}

/// Each lever's range under the adaptation rule: where the model's agencies may set it.
pub fn ranges(rule: &AdaptationRule) -> [(f32, f32); LEVERS] {
    [
        rule.threshold_range,
        rule.prevention_range,
        rule.intensity_range,
        rule.cap_range,
        (0.0, 1.0),
    ]
}

/// The parts of a quarter's score, by when they are known: at the quarter's
/// end; once its outcomes are audited; once the spend its failures caused
/// elsewhere is complete.
pub const TIMELY: usize = 0;
pub const OUTCOME: usize = 1;
pub const HARM: usize = 2;
pub const PARTS: usize = 3;

/// One quarter as the learner remembers it: the trial in force, the parts
/// of its score known so far, and the KPI it was judged by (a pair of
/// quarters judged by different KPIs, across a change of barriers, says
/// nothing about a trial and is skipped).
#[derive(Clone, Copy, Debug, Default)]
pub struct Trial {
    pub signs: [i8; LEVERS],
    /// The quarter's policy was set by hand (at any point in it): its score
    /// says nothing about a trial, and no pair of quarters including it is read.
    pub steered: bool,
    pub scores: [Option<f32>; PARTS],
    pub kpi: Kpi,
}

/// What a quarter was judged by: the culture, and the strengths of the
/// barriers that shape the score (targets and ring-fences).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Kpi {
    pub culture: f32,
    pub targets: f32,
    pub ring: f32,
}

/// An agency's learner: the policy it has settled on and its recent trials.
#[derive(Clone, Debug)]
pub struct Learner {
    /// The policy without this quarter's trial.
    pub settled: [f32; LEVERS],
    /// The signs of the trial in force this quarter (0 before the first).
    pub signs: [i8; LEVERS],
    /// Closed quarters, oldest first.
    pub trials: VecDeque<Trial>,
    /// The quarter in force has been steered by hand (`adapt::steer`).
    pub steered: bool,
}

impl Learner {
    pub fn new(initial: &Policy) -> Self {
        Learner {
            settled: levers(initial),
            signs: [0; LEVERS],
            trials: VecDeque::new(),
            steered: false,
        }
    }

    /// Close a quarter judged by `kpi`: remember its trial and timely score,
    /// keeping `keep` quarters.
    pub fn close(&mut self, kpi: Kpi, timely: f32, keep: usize) {
        let mut scores = [None; PARTS];
        scores[TIMELY] = Some(timely);
        self.trials.push_back(Trial {
            signs: self.signs,
            steered: self.steered,
            scores,
            kpi,
        });
        while self.trials.len() > keep {
            self.trials.pop_front();
        }
    }

    /// The quarter `lag` quarters before the last closed one, if remembered.
    pub fn quarter(&self, lag: usize) -> Option<&Trial> {
        let n = self.trials.len();
        n.checked_sub(lag + 1).map(|k| &self.trials[k])
    }

    /// Record part `part` of the score of the quarter `lag` quarters before
    /// the last closed one.
    pub fn audit(&mut self, part: usize, lag: usize, score: f32) {
        let n = self.trials.len();
        if n > lag {
            self.trials[n - 1 - lag].scores[part] = Some(score);
        }
    }

    /// Each lever's own signal: the change in score per trial of the lever,
    /// summed over the parts of the score, each from the quarter-to-quarter
    /// changes of the `window` quarters ending `lags[part]` quarters ago.
    pub fn gradient(&self, window: usize, lags: [usize; PARTS]) -> [f32; LEVERS] {
        let n = self.trials.len();
        let mut g = [0.0; LEVERS];
        for (part, lag) in lags.into_iter().enumerate() {
            let end = n.saturating_sub(lag);
            let e = estimate(&self.trials, end.saturating_sub(window)..end, part);
            for (a, b) in g.iter_mut().zip(e) {
                *a += b;
            }
        }
        g
    }

    /// Move each lever toward a better score and draw the next quarter's
    /// trial; returns the policy in force for the next quarter. At learning
    /// rate 0 nothing is tried or moved: `current`, the policy in force, stays
    /// (and becomes the settled policy, should learning resume).
    pub fn step(
        &mut self,
        current: &Policy,
        rule: &AdaptationRule,
        learning_rate: f32,
        window: usize,
        lags: [usize; PARTS],
        rng: &mut Stream,
    ) -> Policy {
        if learning_rate <= 0.0 {
            self.settled = levers(current);
            self.signs = [0; LEVERS];
            return *current;
        }
        let g = self.gradient(window, lags);
        let steps = steps(rule);
        let ranges = ranges(rule);
        let mut tried = [0.0; LEVERS];
        for l in 0..LEVERS {
            let step = learning_rate * steps[l];
            let (lo, hi) = ranges[l];
            let moved = step * (rule.gradient_gain * g[l]).clamp(-1.0, 1.0);
            self.settled[l] = (self.settled[l] + moved).clamp(lo, hi);
            self.signs[l] = if rng.chance(0.5) { 1 } else { -1 };
            let trial = rule.exploration * step * self.signs[l] as f32;
            tried[l] = (self.settled[l] + trial).clamp(lo, hi);
        }
        policy(tried)
    }
}

/// The mean over consecutive pairs of quarters in `range` (both with part
/// `part` of their score) of the change in score times half the change in each lever's sign.
fn estimate(trials: &VecDeque<Trial>, range: std::ops::Range<usize>, part: usize) -> [f32; LEVERS] {
    let mut g = [0.0; LEVERS];
    let mut pairs = 0.0;
    for k in range.start.max(1)..range.end {
        let (before, after) = (&trials[k - 1], &trials[k]);
        let (Some(a), Some(b)) = (before.scores[part], after.scores[part]) else {
            continue;
        };
        if (before.kpi.targets, before.kpi.ring) != (after.kpi.targets, after.kpi.ring)
            || before.steered
            || after.steered
        {
            continue;
        }
        for (l, gl) in g.iter_mut().enumerate() {
            *gl += (b - a) * (after.signs[l] - before.signs[l]) as f32 / 2.0;
        }
        pairs += 1.0;
    }
    if pairs > 0.0 {
        g.iter_mut().for_each(|x| *x /= pairs);
    }
    g
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trials(scores: &[(f32, [i8; LEVERS])]) -> Learner {
        let mut l = Learner::new(&policy([0.5; LEVERS]));
        for &(s, signs) in scores {
            l.signs = signs;
            l.close(Kpi::default(), s, 16);
        }
        l
    }

    /// A score that rises whenever the first lever is tried high gives the
    /// first lever a positive signal; a lever whose trials were unrelated to
    /// the score (the third) and levers never varied get none.
    #[test]
    fn each_lever_reads_its_own_signal() {
        let l = trials(&[
            (0.0, [-1, 1, 1, 1, -1]),
            (1.0, [1, 1, -1, 1, -1]),
            (0.0, [-1, 1, -1, 1, -1]),
            (1.0, [1, 1, 1, 1, -1]),
        ]);
        assert_eq!(l.gradient(4, [0; PARTS]), [1.0, 0.0, 0.0, 0.0, 0.0]);
    }

    #[test]
    fn late_scores_pair_with_the_trial_they_describe() {
        let up = [1, 0, 0, 0, 0];
        let down = [-1, 0, 0, 0, 0];
        let mut l = trials(&[(0.0, down), (0.0, up), (0.0, down), (0.0, up)]);
        // Outcomes of the quarters tried up were better, known two quarters late.
        l.audit(OUTCOME, 3, -0.5);
        l.audit(OUTCOME, 2, 0.5);
        assert_eq!(l.gradient(4, [0, 2, 0])[0], 1.0);
    }
}
