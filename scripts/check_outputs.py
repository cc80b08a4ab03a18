"""Load a placesim run folder with pandas and check it against docs/OUTPUTS.md.

Usage: check_outputs.py RUN_DIR OUTPUTS_MD
Fails (exit 1) if a file's columns differ from the documented ones, a value is
missing or not finite, or the money does not add up.
"""
import json
import math
import re
import sys

import pandas as pd


def documented_columns(md_path):
    """Columns per file from the tables in OUTPUTS.md: a '## `file`' heading, then rows '| `col` | ...'."""
    cols, current = {}, None
    for line in open(md_path, encoding="utf-8"):
        m = re.match(r"^## `([^`]+)`", line)
        if m:
            current = m.group(1)
            cols[current] = []
            continue
        m = re.match(r"^\| `([a-z0-9_]+)` \|", line)
        if m and current:
            cols[current].append(m.group(1))
    return cols


def main(run_dir, md_path):
    docs = documented_columns(md_path)
    problems = []
    frames = {}
    for name in ["timeseries.csv", "agencies.csv", "cost_shifting.csv"]:
        df = pd.read_csv(f"{run_dir}/{name}")
        frames[name] = df
        if list(df.columns) != docs.get(name):
            problems.append(f"{name}: columns {list(df.columns)} but OUTPUTS.md lists {docs.get(name)}")
        numeric = df.select_dtypes("number")
        if not numeric.apply(lambda c: c.map(math.isfinite)).all().all():
            problems.append(f"{name}: non-finite values")
    summary = json.load(open(f"{run_dir}/summary.json", encoding="utf-8"))
    if sorted(summary) != sorted(docs.get("summary.json", [])):
        problems.append(f"summary.json: keys {sorted(summary)} but OUTPUTS.md lists {sorted(docs.get('summary.json', []))}")
    shifts = frames["cost_shifting.csv"]
    total = summary["total_spend"]
    if abs(shifts["spend"].sum() - total) > 1e-6 * total:
        problems.append(f"cost_shifting.csv sums to {shifts['spend'].sum()} but total_spend is {total}")
    by_agency = sum(v for _, v in summary["spend_by_agency"]) + summary["board_spend"]
    if abs(by_agency - total) > 1e-6 * total:
        problems.append(f"spend_by_agency + board_spend = {by_agency}, total_spend = {total}")
    ts, ag = frames["timeseries.csv"], frames["agencies.csv"]
    weekly = ag.groupby("week")["spend"].sum() + ts.set_index("week")["board_spend"]
    if (abs(weekly - ts.set_index("week")["spend"]) > 1e-6 * ts["spend"].max()).any():
        problems.append("timeseries spend is not agencies' spend plus board spend")
    for p in problems:
        print("FAIL:", p, file=sys.stderr)
    if not problems:
        print(f"pandas: {len(ts)} weeks, {len(ag)} agency-weeks, {len(shifts)} cost-shifting cells load and add up")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
