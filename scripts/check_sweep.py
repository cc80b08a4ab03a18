"""Load a placesim sweep's results with pandas, as a researcher would, and check them.

Usage: check_sweep.py SWEEP_DIR VARIANTS REPLICATES
Fails (exit 1) on wrong row counts, column types, or intervals that do not contain their mean.
"""
import json
import sys

import pandas as pd


def main(d, variants, replicates):
    problems = []
    runs = pd.read_csv(f"{d}/runs.csv")
    comp = pd.read_csv(f"{d}/comparison.csv")
    manifest = json.load(open(f"{d}/manifest.json", encoding="utf-8"))
    outcomes = [c for c in comp["outcome"].unique()]
    if len(runs) != variants * replicates:
        problems.append(f"runs.csv has {len(runs)} rows, expected {variants * replicates}")
    if list(runs["run_id"]) != list(range(len(runs))):
        problems.append("runs.csv is not one row per run_id in order")
    for col, kinds in {"run_id": "iu", "replicate": "iu", "seed": "iu", "variant": "O"}.items():
        if runs[col].dtype.kind not in kinds:
            problems.append(f"runs.csv column {col} has dtype {runs[col].dtype}")
    for col in outcomes:
        if runs[col].dtype.kind != "f" and runs[col].dtype.kind not in "iu":
            problems.append(f"runs.csv outcome {col} has dtype {runs[col].dtype}")
    if runs.groupby("replicate")["seed"].nunique().max() != 1:
        problems.append("replicates do not share seeds across variants")
    expected = (variants - 1) * len(outcomes)
    if len(comp) != expected:
        problems.append(f"comparison.csv has {len(comp)} rows, expected {expected}")
    for col in ["n", "mean", "mean_baseline", "mean_diff", "ci_low", "ci_high", "ci_half_width"]:
        if comp[col].dtype.kind not in "fiu":
            problems.append(f"comparison.csv column {col} has dtype {comp[col].dtype}")
    finite = comp.dropna()
    if not ((finite.ci_low <= finite.mean_diff) & (finite.mean_diff <= finite.ci_high)).all():
        problems.append("a comparison interval does not contain its mean difference")
    if (comp["baseline"] != manifest["baseline"]).any():
        problems.append("comparison baseline differs from the manifest's")
    ts = pd.read_csv(f"{d}/timeseries.csv")
    if set(ts["run_id"]) != set(runs["run_id"]):
        problems.append("timeseries.csv does not cover every run")
    for p in problems:
        print("FAIL:", p, file=sys.stderr)
    if not problems:
        print(f"pandas: runs.csv {runs.shape}, comparison.csv {comp.shape}, timeseries.csv {ts.shape} load with the right types")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3])))
