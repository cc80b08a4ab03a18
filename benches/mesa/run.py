"""Run the Mesa peer over seeds 1..N with `mesa.batch_run` and print one JSON line.

    python benches/mesa/run.py SCENARIO --population 2000 --weeks 104 --seeds 30 --processes 2
"""

import argparse
import json
import sys
import time
from pathlib import Path

import mesa

sys.path.insert(0, str(Path(__file__).resolve().parent))
from placesim_mesa import Place, load_scenario  # noqa: E402

OUTCOMES = ("crisis_events", "failure_demand_share", "total_spend", "mean_wellbeing")


def run_seeds(scenario: str, seeds: int, population: int, weeks: int, warmup: int | None,
              processes: int, shuffle: bool = True) -> tuple[float, list[dict]]:
    """Wall seconds and each seed's outcomes, in seed order."""
    if warmup is None:
        warmup = load_scenario(scenario)["place"]["warmup_weeks"]
    start = time.perf_counter()
    rows = mesa.batch_run(
        Place,
        parameters={"scenario": scenario, "seed": range(1, seeds + 1), "population": population,
                    "weeks": weeks, "warmup": warmup, "shuffle": shuffle},
        number_processes=processes,
        iterations=1,
        data_collection_period=-1,
        max_steps=warmup + weeks,
        display_progress=False,
    )
    wall = time.perf_counter() - start
    runs = sorted(({k: r[k] for k in ("seed",) + OUTCOMES} for r in rows), key=lambda r: r["seed"])
    return wall, runs


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("scenario")
    ap.add_argument("--population", type=int, default=2000)
    ap.add_argument("--weeks", type=int, default=104)
    ap.add_argument("--warmup", type=int, default=None)
    ap.add_argument("--seeds", type=int, default=30, help="seeds 1..N")
    ap.add_argument("--processes", type=int, default=1)
    ap.add_argument("--fixed-order", action="store_true", help="citizens act in creation order, not shuffled")
    a = ap.parse_args()
    wall, runs = run_seeds(a.scenario, a.seeds, a.population, a.weeks, a.warmup, a.processes,
                           shuffle=not a.fixed_order)
    print(json.dumps({"wall_seconds": wall, "processes": a.processes, "population": a.population,
                      "weeks": a.weeks, "runs": runs}))


if __name__ == "__main__":
    main()
