"""Measure the default place under silos at steady state, as issue 14 asks.

Usage: python3 scripts/steady_state.py POPULATION REPLICATES [PLACESIM]
Runs `placesim run --population POPULATION --seed N` for N = 1..REPLICATES
(into /tmp/steady-state-POPULATION-N, reused if there) and prints, with 95 %
intervals over the replicates: MSER-5 truncation points, the failure-demand
share of each counted year and its least-squares slope, each agency's mean
utilisation (acute: bed occupancy) over the counted weeks, and the run-level
outcomes. Standard library only.
"""
import csv
import json
import os
import statistics as st
import subprocess
import sys

T95 = {19: 2.093, 9: 2.262, 4: 2.776}


def ci(x):
    m = st.mean(x)
    if len(x) < 2:
        return m, 0.0
    return m, T95.get(len(x) - 1, 1.96) * st.stdev(x) / len(x) ** 0.5


def one(binary, pop, seed):
    out = f"/tmp/steady-state-{pop}-{seed}"
    if not os.path.exists(out + "/summary.json"):
        subprocess.run([binary, "run", "--population", str(pop), "--seed", str(seed),
                        "--out", out, "--force"], check=True, capture_output=True)
    sm = json.load(open(out + "/summary.json"))
    w0 = sm["warmup_weeks"]
    ts = [r for r in csv.DictReader(open(out + "/timeseries.csv")) if int(r["week"]) >= w0]
    years = []
    for y in range(len(ts) // 52):
        rows = ts[y * 52:(y + 1) * 52]
        years.append(sum(float(r["failure_demand"]) for r in rows) / sum(float(r["contacts"]) for r in rows))
    util = {}
    for r in csv.DictReader(open(out + "/agencies.csv")):
        if int(r["week"]) >= w0:
            a = r["agency"]
            util.setdefault(a, []).append(float(r["occupancy"] if a == "acute" else r["utilisation"]))
    return sm, years, {a: st.mean(v) for a, v in util.items()}


def slope(y):
    mx, my = (len(y) - 1) / 2, st.mean(y)
    return sum((x - mx) * (v - my) for x, v in enumerate(y)) / sum((x - mx) ** 2 for x in range(len(y)))


def main():
    pop, reps = int(sys.argv[1]), int(sys.argv[2])
    binary = sys.argv[3] if len(sys.argv) > 3 else "target/release/placesim"
    runs = [one(binary, pop, s) for s in range(1, reps + 1)]
    sm0 = runs[0][0]
    print(f"default place under silos, {pop} citizens, {reps} replicates (seeds 1-{reps}), "
          f"{sm0['warmup_weeks']} weeks of burn-in, {sm0['weeks']} counted; mean ± 95 % half-width")
    tr = [r[0]["truncation_week"] for r in runs]
    print(f"MSER-5 truncation (weeks after burn-in): mean {st.mean(tr):.1f}, max {max(tr)}, runs above 52: {sum(t > 52 for t in tr)}")
    for y in range(len(runs[0][1])):
        m, h = ci([r[1][y] for r in runs])
        print(f"failure-demand share, counted year {y + 1}: {m:.3f} ± {h:.3f}")
    m, h = ci([slope(r[1]) for r in runs])
    print(f"failure-demand share, slope: {100 * m:+.2f} ± {100 * h:.2f} points a year")
    for a in runs[0][2]:
        m, h = ci([r[2][a] for r in runs])
        print(f"{'occupancy' if a == 'acute' else 'utilisation'} {a}: {m:.3f} ± {h:.3f}")
    for k in ["crisis_events", "contacts", "failure_demand_share", "chasing", "total_spend",
              "crisis_spend_share", "prevention_spend_share", "mean_wellbeing", "low_decile_wellbeing",
              "bed_occupancy", "admissions", "delayed_discharge_days"]:
        m, h = ci([r[0][k] for r in runs])
        print(f"{k}: {m:.6g} ± {h:.3g}")


if __name__ == "__main__":
    main()
