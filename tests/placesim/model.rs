//! The behaviours `../shared/MODEL.md` says the model must be able to show,
//! each on paired replicates (common random numbers) with fixed seeds and a
//! stated tolerance.

use crate::stats::{default_place, diffs, mean_ci, replicates, shared};
use placesim_core::params::Role;
use placesim_core::{Barriers, Params, World};

const POPULATION: u32 = 10_000;

fn place(mut p: Params) -> Params {
    p.place.population = POPULATION;
    p
}

fn zero_coupling(mut p: Params) -> Params {
    p.needs.coupling.iter_mut().for_each(|c| *c = 0.0);
    p
}

/// How far each non-crisis agency's levers (threshold, prevention share,
/// intensity, complexity cap, referral propensity), averaged over a run's
/// counted weeks, lie from its initial policy.
fn counted_levers(p: Params) -> Vec<[f64; 5]> {
    let mut w = World::new(p);
    let n = w.agencies().len();
    let (mut sum, mut weeks) = (vec![[0.0; 5]; n], 0.0);
    while !w.is_finished() {
        w.step();
        if w.tick() > w.params().place.warmup_weeks {
            for (s, a) in sum.iter_mut().zip(w.agencies()) {
                let l = placesim_core::learner::levers(&a.policy);
                s.iter_mut().zip(l).for_each(|(x, y)| *x += y as f64);
            }
            weeks += 1.0;
        }
    }
    // How far each lever moved from where the agency started: agencies
    // start at different thresholds, so levels would differ without learning.
    let keep = |(s, spec): (&[f64; 5], &placesim_core::params::AgencySpec)| {
        let start = placesim_core::learner::levers(&spec.initial_policy);
        let moved = std::array::from_fn(|l| s[l] / weeks - start[l] as f64);
        (spec.role != Role::Crisis).then_some(moved)
    };
    sum.iter()
        .zip(&w.params().agencies)
        .filter_map(keep)
        .collect()
}

/// What agencies learn depends on their barriers and on the agency, beyond
/// the noise of their own trials: over seeds 1–20 at 10,000 citizens, paired,
/// at least 6 of the 30 (agency, lever) differences between silos and total
/// place have a 95 % CI excluding 0 (noise alone would give about 1.5), and
/// under silos at least one agency's threshold moved from its start by a
/// different amount from another's, with a CI excluding 0. Which way each
/// lever moves is reported, not asserted (docs/ODD.md §5). (Measured at
/// commit time: 10 of 30; at 2,000 citizens only 4. With the learning rate at
/// 0 none would differ.)
#[test]
fn learned_policies_differ_between_barrier_sets_and_between_agencies() {
    let seeds = 1..=20u64;
    let run = |make: fn() -> Params, seed| {
        let mut p = make();
        p.place.population = POPULATION;
        p.place.seed = seed;
        counted_levers(p)
    };
    let silos: Vec<_> = seeds.clone().map(|s| run(default_place, s)).collect();
    let whole: Vec<_> = seeds.map(|s| run(crate::stats::total_place, s)).collect();
    let agencies = silos[0].len();
    let mut differ = 0;
    for a in 0..agencies {
        for l in 0..5 {
            let d: Vec<f64> = silos
                .iter()
                .zip(&whole)
                .map(|(x, y)| y[a][l] - x[a][l])
                .collect();
            let (m, h) = mean_ci(&d);
            if m.abs() > h {
                differ += 1;
            }
        }
    }
    assert!(
        differ >= 6,
        "{differ} of {} lever differences exclude 0",
        agencies * 5
    );
    let agencies_differ = (0..agencies).any(|a| {
        (0..agencies).any(|b| {
            let d: Vec<f64> = silos.iter().map(|r| r[a][0] - r[b][0]).collect();
            let (m, h) = mean_ci(&d);
            m.abs() > h
        })
    });
    assert!(
        agencies_differ,
        "no two agencies learned different thresholds"
    );
}

/// Invariant (true by construction, not a finding): with the learning rate at
/// 0 no agency's policy moves in any week, whatever the place does (seeds
/// 1–3): neither from the initial policy, even where it lies outside the
/// adaptation ranges (complexity caps of 3–6 against a range of [0, 2]), nor,
/// in a place burned in with learning and continued without it, from the
/// policy in force when learning stopped (its last trial included).
#[test]
fn invariant_a_learning_rate_of_zero_freezes_every_policy() {
    let policies = |w: &World| w.agencies().iter().map(|a| a.policy).collect::<Vec<_>>();
    for seed in 1..=3 {
        let mut p = place(default_place());
        p.place.seed = seed;
        p.adaptation.cap_range = (0.0, 2.0);
        let mut frozen = p.clone();
        frozen.leadership.learning_rate = 0.0;
        let mut w = World::new(frozen.clone());
        let before = policies(&w);
        while !w.is_finished() {
            w.step();
            assert_eq!(before, policies(&w), "seed {seed}, week {}", w.tick());
        }
        let mut continued = placesim_core::BurnedIn::new(p, 52).continue_as(frozen);
        let at_stop = policies(continued.world());
        while !continued.is_finished() {
            continued.step();
            assert_eq!(at_stop, policies(continued.world()), "seed {seed}");
        }
    }
}

fn silos() -> Params {
    default_place()
}

fn frameworks_lifted() -> Params {
    let mut p = default_place();
    p.barriers.organisational_frameworks = 0.0;
    p
}

/// Total place with coordination at 3 host cases per extra need.
fn total_place_dear_coordination() -> Params {
    let mut p = crate::stats::total_place();
    p.prices.coordination_cost = 3.0;
    p
}

fn silos_uncoupled() -> Params {
    zero_coupling(default_place())
}

/// Invariant (true by construction: the loss chance is `referral_loss × s_f`):
/// with warm hand-offs no referral is lost, where silos lose some in every
/// one of the shared replicates (20 paired seeds at 2,000 citizens) and
/// referrals are still made. Outcome directions (crises, spend) are reported
/// by the flagship sweep, not asserted here.
#[test]
fn invariant_warm_hand_offs_lose_no_referral() {
    let silos = shared("silos", silos);
    let warm = shared("frameworks lifted", frameworks_lifted);
    for (s, w) in silos.iter().zip(warm) {
        assert!(s.referrals_lost > 0.0, "seed {}: silos lose none", s.seed);
        assert_eq!(w.referrals_lost, 0.0, "seed {}", w.seed);
        assert!(w.referrals_made > 0.0, "seed {}: no referrals", w.seed);
    }
}

/// The price of lifting professional boundaries: inside total place, every
/// host case of coordination per extra need (3 against the default 0.25)
/// lowers the net monetary benefit (QALYs at `place.qaly_value` less spend),
/// paired on the shared replicates with the 95 % CI excluding 0. The model
/// brief expects a coordination cost above which lifting stops paying; with
/// the lead professional's time at specialist rates (model 11) lifting does
/// not pay at the default cost either, against total place with boundaries
/// kept (about −£360m ± £240m over five years at 2,000 citizens), so there
/// is no break-even above 0 to assert: that is reported, not tested.
#[test]
fn dearer_coordination_lowers_what_lifting_boundaries_is_worth() {
    let cheap = shared("total place", crate::stats::total_place);
    let dear = shared(
        "total place, dear coordination",
        total_place_dear_coordination,
    );
    let loss = mean_ci(&diffs(dear, cheap, |s| s.net_monetary_benefit));
    assert!(
        loss.0 + loss.1 < 0.0,
        "dear minus default coordination: {loss:?}"
    );
}

/// Coupling concentrates cost: the costliest 5 % of citizens take more of
/// the spend with coupled needs than with none (paired, shared replicates,
/// 95 % CI excluding 0), and over four times their headcount share in every
/// replicate of both.
#[test]
fn cost_concentrates_and_more_so_with_coupling() {
    let coupled = shared("silos", silos);
    let uncoupled = shared("silos, no coupling", silos_uncoupled);
    for s in coupled.iter().chain(uncoupled) {
        assert!(
            s.top5_cost_share > 4.0 * 0.05,
            "seed {}: {}",
            s.seed,
            s.top5_cost_share
        );
    }
    let more = mean_ci(&diffs(coupled, uncoupled, |s| s.top5_cost_share));
    assert!(
        more.0 - more.1 > 0.0,
        "top-5 % share coupled - uncoupled: {more:?}"
    );
}

/// Failure-demand share of each counted year of a run of `p`, and its summary.
fn yearly_failure_share(p: Params) -> (Vec<f64>, placesim_core::Summary) {
    let mut w = World::new(p);
    let mut years = Vec::new();
    let (mut failure, mut contacts) = (0.0, 0.0);
    while !w.is_finished() {
        w.step();
        let row = w.tick_row();
        if row.warmup == 0 {
            failure += row.failure_demand;
            contacts += row.contacts;
            if (row.week + 1 - w.params().place.warmup_weeks).is_multiple_of(52) {
                years.push(failure / contacts);
                (failure, contacts) = (0.0, 0.0);
            }
        }
    }
    (years, w.summary())
}

/// Least-squares slope of a series against 0, 1, 2, …
fn slope(y: &[f64]) -> f64 {
    let n = y.len() as f64;
    let mx = (n - 1.0) / 2.0;
    let my = y.iter().sum::<f64>() / n;
    let sxy: f64 = y
        .iter()
        .enumerate()
        .map(|(x, v)| (x as f64 - mx) * (v - my))
        .sum();
    let sxx: f64 = (0..y.len()).map(|x| (x as f64 - mx).powi(2)).sum();
    sxy / sxx
}

/// The default place under silos at steady state (seeds 1–5, its 520-week
/// burn-in): failure demand 30–80 % of contacts and prevention under 10 %
/// of spend in every replicate, and no trend in the failure-demand share
/// over the five counted years: the mean over replicates of each run's
/// yearly slope lies within ±2 points a year (10^4 citizens; measured on 20
/// replicates in results/STEADY-STATE.md).
#[test]
fn silos_calibration_matches_published_ranges() {
    let mut slopes = Vec::new();
    for seed in 1..=5 {
        let mut p = place(default_place());
        p.place.seed = seed;
        let (years, s) = yearly_failure_share(p);
        assert_eq!(years.len(), 5);
        slopes.push(slope(&years));
        assert!(
            (0.30..=0.80).contains(&s.failure_demand_share),
            "seed {seed}: failure demand share {}",
            s.failure_demand_share
        );
        assert!(
            s.prevention_spend_share < 0.10,
            "seed {seed}: prevention share {}",
            s.prevention_spend_share
        );
    }
    let trend = slopes.iter().sum::<f64>() / slopes.len() as f64;
    assert!(
        trend.abs() <= 0.02,
        "failure-demand share drifts {:+.2} points a year ({slopes:?})",
        100.0 * trend
    );
}

/// Means of the main outcomes at 10^4 and 10^5 citizens agree within their
/// 95 % confidence intervals (8 and 3 replicates).
#[test]
fn resolution_changes_precision_not_the_place() {
    let mut small = default_place();
    small.place.population = 10_000;
    let mut large = default_place();
    large.place.population = 100_000;
    let a = replicates(&small, 1..=8);
    let b = replicates(&large, 101..=103);
    type Outcome = fn(&placesim_core::Summary) -> f64;
    let outcomes: [(&str, Outcome); 4] = [
        ("crisis_events", |s| s.crisis_events),
        ("failure_demand_share", |s| s.failure_demand_share),
        ("total_spend", |s| s.total_spend),
        ("mean_wellbeing", |s| s.mean_wellbeing),
    ];
    for (name, f) in outcomes {
        let xa: Vec<f64> = a.iter().map(f).collect();
        let xb: Vec<f64> = b.iter().map(f).collect();
        let (ma, ha) = mean_ci(&xa);
        let (mb, hb) = mean_ci(&xb);
        assert!(
            (ma - mb).abs() <= ha + hb,
            "{name}: 10^4 {ma} ± {ha}, 10^5 {mb} ± {hb}"
        );
    }
}

/// A barrier changed at tick 100 acts from that tick: rows before it are
/// identical to an unchanged run, the board's shared-assessment cost appears
/// at tick 100, and no referral sent after it is lost.
#[test]
fn a_barrier_lifted_mid_run_acts_from_that_tick() {
    let p = place(default_place());
    let mut plain = World::new(p.clone());
    let mut changed = World::new(p);
    let mut lost_after = (0.0, 0.0);
    while !plain.is_finished() {
        if changed.tick() == 100 {
            changed.set_barriers(Barriers {
                organisational_frameworks: 0.0,
                ..changed.barriers()
            });
        }
        let t = plain.tick();
        plain.step();
        changed.step();
        let (a, b) = (plain.tick_row(), changed.tick_row());
        if t < 100 {
            assert_eq!(a, b, "tick {t} differs before the change");
        }
        if t == 100 {
            assert_eq!(a.board_spend, 0.0);
            assert!(b.board_spend > 0.0, "shared assessment costs from tick 100");
            assert_eq!(b.organisational_frameworks, 0.0);
        }
        if t > 100 + p_delay() {
            lost_after.0 += a.referrals_lost;
            lost_after.1 += b.referrals_lost;
        }
    }
    assert!(lost_after.0 > 0.0);
    assert_eq!(
        lost_after.1, 0.0,
        "referrals lost after frameworks were lifted"
    );
}

fn p_delay() -> u32 {
    default_place().prices.referral_delay_weeks.ceil() as u32
}

/// Invariant (the wiring of the protective side of organisational
/// frameworks; the catch chance is `misroute_detection × s_f` by
/// construction): under silos the share of misrouted arrivals caught is the
/// detection chance (0.9, within 4 binomial standard errors of the pooled
/// count over the shared replicates), so misrouted referrals do reach
/// triage and get counted; with a shared assessment trusted, none is caught
/// though misrouted referrals still arrive.
#[test]
fn invariant_own_assessments_catch_misrouted_referrals_a_shared_one_lets_through() {
    let silos = shared("silos", silos);
    let warm = shared("frameworks lifted", frameworks_lifted);
    let (arrived, caught): (f64, f64) = silos
        .iter()
        .map(|s| (s.misrouted_referrals, s.misrouted_caught))
        .fold((0.0, 0.0), |a, b| (a.0 + b.0, a.1 + b.1));
    // Summaries count real residents: each simulated citizen stands for this many.
    let weight = default_place().place.residents as f64 / crate::stats::SHARED_POPULATION as f64;
    let n = arrived / weight;
    let share = caught / arrived;
    let se = (0.9 * 0.1 / n).sqrt();
    assert!(n > 100.0, "too few misrouted referrals to test: {n}");
    assert!(
        (share - 0.9).abs() < 4.0 * se,
        "caught {share:.3} of {n:.0}, se {se:.4}"
    );
    for w in warm {
        assert!(
            w.misrouted_referrals > 0.0,
            "seed {}: none misrouted",
            w.seed
        );
        assert_eq!(w.misrouted_caught, 0.0, "seed {}", w.seed);
    }
}

/// Invariant (true by construction): a key-worker programme's targeting
/// (`lead_min_needs`) leaves every case below it to the specialists as under
/// boundaries. Boundaries lifted but targeted above what any citizen can
/// have (six domains: at most five other needs) runs exactly as silos; and
/// targeted at two other needs, it is neither silos nor boundaries lifted
/// for everyone (seed 4, 2,000 citizens, 104 weeks after 156 of warm-up).
#[test]
fn invariant_a_key_worker_programme_leads_only_the_citizens_it_targets() {
    let run = |f: &dyn Fn(&mut Params)| {
        let mut p = default_place();
        p.place.population = 2_000;
        p.place.warmup_weeks = 156;
        p.place.weeks = 104;
        p.place.seed = 4;
        f(&mut p);
        let mut w = World::new(p);
        while !w.is_finished() {
            w.step();
        }
        w.summary()
    };
    let silos = run(&|_| {});
    let nobody = run(&|p| {
        p.barriers.professional_boundaries = 0.0;
        p.prices.lead_min_needs = 6;
    });
    assert_eq!(nobody.crisis_events, silos.crisis_events);
    assert_eq!(nobody.total_spend, silos.total_spend);
    assert_eq!(nobody.qalys, silos.qalys);
    let everyone = run(&|p| p.barriers.professional_boundaries = 0.0);
    let targeted = run(&|p| {
        p.barriers.professional_boundaries = 0.0;
        p.prices.lead_min_needs = 2;
    });
    for other in [&silos, &everyone] {
        assert_ne!(targeted.total_spend, other.total_spend);
    }
}
