"""placesim against its Mesa 3 peer on the same work: times and outcome means.

Run by benches/compare-mesa.sh (which installs Mesa in a virtual environment):

    python benches/mesa/compare.py --placesim target/release/placesim \
        [--population 2000] [--weeks 104] [--seeds 30] [--skip-single]

The work is the default place (scenarios/default-place.toml) with the given
population and weeks after its 52 weeks of warm-up, over `--seeds` seeds:
  - one core: `placesim sweep --threads 1` against `mesa.batch_run(number_processes=1)`;
  - two cores: `placesim sweep --threads 2` against `mesa.batch_run(number_processes=2)`.
placesim's time is the whole sweep command (simulation, every output file, the
charts and report.html), the best of three; Mesa's is one `batch_run`, which
keeps its results in memory. Seeds differ between the two (placesim derives
replicate seeds from the sweep seed; Mesa uses 1..N), so outcomes are compared
as means over seeds with a Welch 95 % interval (Student t) of the difference.
"""

import argparse
import csv
import math
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import mesa  # noqa: E402
from run import OUTCOMES, run_seeds  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = ROOT / "scenarios" / "default-place.toml"
TOLERANCE = 0.05


def sweep_file(folder: Path, population: int, weeks: int, seeds: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "peer.sweep.toml"
    path.write_text(
        f'''name = "mesa-peer"
description = "The default place at {population} citizens for {weeks} weeks: the Mesa peer's work."
base = "{SCENARIO}"
replicates = {seeds}
seed = 1
baseline = "default-place"

[set]
"place.population" = {population}
"place.weeks" = {weeks}
"output.every_weeks" = 52

[[variants]]
name = "default-place"
'''
    )
    return path


def time_placesim(binary: str, sweep: Path, out: Path, threads: int) -> float:
    best = math.inf
    for _ in range(3):
        start = time.perf_counter()
        subprocess.run([binary, "sweep", str(sweep), "--out", str(out), "--force", "--quiet",
                        "--threads", str(threads)], check=True)
        best = min(best, time.perf_counter() - start)
    return best


def placesim_outcomes(out: Path) -> list[dict]:
    with open(out / "runs.csv", newline="") as f:
        return [{k: float(r[k]) for k in OUTCOMES} for r in csv.DictReader(f)]


def mean_and_var(runs: list[dict], k: str) -> tuple[float, float]:
    """Mean and squared standard error of the mean."""
    v = [r[k] for r in runs]
    return statistics.mean(v), statistics.variance(v) / len(v)


def t975(df: float) -> float:
    """Student t 97.5 % quantile (scipy comes with Mesa)."""
    from scipy.stats import t

    return float(t.ppf(0.975, df))


def welch_df(pv: float, mv: float, n: int, m: int) -> float:
    denominator = pv * pv / (n - 1) + mv * mv / (m - 1)
    return (pv + mv) ** 2 / denominator if denominator > 0 else float(n + m - 2)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--placesim", required=True, help="the placesim binary")
    ap.add_argument("--population", type=int, default=2000)
    ap.add_argument("--weeks", type=int, default=104)
    ap.add_argument("--seeds", type=int, default=30)
    ap.add_argument("--skip-single", action="store_true", help="skip the one-core timing (long at large sizes)")
    ap.add_argument("--smoke", action="store_true",
                    help="check only that both run and give sane outcomes (for the system tests)")
    a = ap.parse_args()
    folder = ROOT / "target" / "compare-mesa"
    sweep = sweep_file(folder, a.population, a.weeks, a.seeds)
    warmup = 52
    steps = a.population * (warmup + a.weeks) * a.seeds
    print(f"work: default place, {a.population} citizens x ({warmup} warm-up + {a.weeks}) weeks x {a.seeds} seeds"
          f" = {steps / 1e6:.1f} M citizen-steps")
    print(f"machine: {platform.processor() or platform.machine()}, Python {platform.python_version()},"
          f" Mesa {mesa.__version__}")
    rows = []
    mesa_runs = None
    for cores in ([2] if a.skip_single else [1, 2]):
        out = folder / f"placesim-{cores}"
        p_time = time_placesim(a.placesim, sweep, out, cores)
        m_time, runs = run_seeds(str(SCENARIO), a.seeds, a.population, a.weeks, warmup, cores)
        if mesa_runs is not None and runs != mesa_runs:
            sys.exit("the Mesa peer gave different results with 1 and 2 processes")
        mesa_runs = runs
        rows.append((cores, p_time, m_time))
    print()
    print(f"{'':38}{'placesim':>12}{'Mesa':>12}{'Mesa/placesim':>15}")
    for cores, p, m in rows:
        label = "1 core (1 thread / 1 process)" if cores == 1 else "2 cores (2 threads / batch_run 2 proc.)"
        print(f"{label:38}{p:>11.2f}s{m:>11.1f}s{m / p:>14.0f}x")
        print(f"{'  citizen-steps per second':38}{steps / p / 1e6:>10.1f} M{steps / m / 1e3:>10.1f} k")
    ours = placesim_outcomes(folder / f"placesim-{rows[-1][0]}")
    print()
    print(f"outcome means over {a.seeds} seeds{'':8}{'placesim':>14}{'Mesa':>14}{'diff':>9}   95 % CI of diff")
    verdicts = []
    for k in OUTCOMES:
        pm, pv = mean_and_var(ours, k)
        mm, mv = mean_and_var(mesa_runs, k)
        diff = (mm - pm) / pm
        half = t975(welch_df(pv, mv, len(ours), len(mesa_runs))) * math.sqrt(pv + mv) / pm
        if abs(diff) <= TOLERANCE:
            verdict = "agree"
        elif diff - half > TOLERANCE or diff + half < -TOLERANCE:
            verdict = "DIFFER"
        else:
            verdict = "undecided: too few seeds for this spread"
        verdicts.append(verdict)
        print(f"{k:38}{pm:>14.6g}{mm:>14.6g}{diff:>+8.1%}   [{diff - half:+.1%}, {diff + half:+.1%}]  {verdict}")
    print(f"\n{sum(v == 'agree' for v in verdicts)} of {len(OUTCOMES)} means within {TOLERANCE:.0%}."
          " 'undecided' means the interval is too wide to tell; use more seeds or more citizens"
          " (the agreement check in results/BENCHMARKS.md is on the default place, 10,000 citizens x 260 weeks).")
    if a.smoke:
        sane = all(math.isfinite(r[k]) and r[k] >= 0 for r in mesa_runs for k in OUTCOMES)
        sane = sane and all(0 < r["mean_wellbeing"] < 1 and r["total_spend"] > 0 for r in mesa_runs)
        if not sane:
            sys.exit("smoke: the Mesa peer gave outcomes out of range")
        print("smoke: both ran and the Mesa peer's outcomes are in range")
    elif "DIFFER" in verdicts:
        sys.exit(1)

if __name__ == "__main__":
    main()
