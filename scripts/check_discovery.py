"""Run EMA Workbench's PRIM on the cases placesim discover exported, and compare.

Usage: python check_discovery.py PLACESIM DIR OUTCOME CONDITION
(DIR: a design's results folder; PLACESIM: the binary). placesim discover
runs with its defaults, then EMA Workbench's prim.Prim (2.5.3: peel and
paste alpha 0.05, mass_min 0.05, lenient1) on cases.csv's inputs and cases
of interest; a categorical input goes to EMA as its categories' names.
Also the quasi-p-values of that box's restricted limits, to 1e-9 relative. The peeling and pasting trajectories (coverage, density, mass,
restricted inputs) must agree to 1e-12 step by step, and EMA's final box
(the last on its trajectory) must have the limits placesim gives that box
(`--box LAST`), to 1e-12. EMA's `threshold` (0.5) does two things in
its binary mode: the cases of interest are y >= 0.5 (y is 0 or 1), and its
final box is refused if its density falls below it; the threshold
placesim applies (0.8) picks a box to show, a different thing.
"""
import subprocess
import sys

import numpy as np
import pandas as pd
from ema_workbench.analysis import prim

placesim, d, outcome, condition = sys.argv[1:5]


def discover(*extra):
    subprocess.run([placesim, "discover", d, "--outcome", outcome, "--where", condition, "--quiet", *extra], check=True)


discover()
cases = pd.read_csv(f"{d}/discovery/cases.csv", dtype={"category": str, "variant": str})
cases["category"] = cases["category"].fillna("")
categorical = list(dict.fromkeys(cases.loc[cases.category != "", "parameter"]))
order = list(dict.fromkeys(cases["parameter"]))
numeric = cases.pivot(index="case", columns="parameter", values="input")
names = cases.pivot(index="case", columns="parameter", values="category")
x = pd.DataFrame({p: (names[p] if p in categorical else numeric[p].astype(float)) for p in order})
y = cases.drop_duplicates("case").set_index("case").loc[x.index, "of_interest"].astype(int).to_numpy()
print(f"{len(x)} cases, {len(order)} inputs ({len(categorical)} categorical: {', '.join(categorical) or 'none'})")
ours = pd.read_csv(f"{d}/discovery/trajectory.csv")
ours = ours[ours.box_number == 1].reset_index(drop=True)

p = prim.Prim(x.reset_index(drop=True), y, threshold=0.5, peel_alpha=0.05, paste_alpha=0.05, mass_min=0.05)
box = p.find_box()
theirs = box.peeling_trajectory.reset_index(drop=True)
bad = []
if len(theirs) != len(ours):
    bad.append(f"trajectory lengths differ: EMA {len(theirs)}, placesim {len(ours)}")
else:
    for ema, mine in [("coverage", "coverage"), ("density", "density"), ("mass", "mass"), ("res_dim", "restricted")]:
        diff = np.max(np.abs(theirs[ema].to_numpy(dtype=float) - ours[mine].to_numpy(dtype=float)))
        print(f"trajectory {ema}: {len(ours)} steps, max difference {diff:.2e}")
        if not diff < 1e-12:
            bad.append(f"trajectory {ema}")
last = len(ours) - 1
discover("--box", str(last))
limits = pd.read_csv(f"{d}/discovery/boxes.csv", dtype={"categories": str, "all_categories": str})
limits = limits[limits.box_number == 1].set_index("parameter")
ema_lims = box.box_lims[-1]
for col in x.columns:
    if col in categorical:
        theirs_kept = set(ema_lims.loc[0, col])
        if col in limits.index:
            mine_kept = set(str(limits.loc[col, "categories"]).split(" | "))
        else:
            mine_kept = set(x[col])
        print(f"box categories of {col}: EMA {sorted(theirs_kept)}, placesim {sorted(mine_kept)}")
        if theirs_kept != mine_kept:
            bad.append(f"categories of {col}")
        continue
    lo, hi = float(ema_lims.loc[0, col]), float(ema_lims.loc[1, col])
    if col in limits.index:
        mlo, mhi = limits.loc[col, "lower"], limits.loc[col, "upper"]
    else:
        mlo, mhi = x[col].min(), x[col].max()
    diff = max(abs(lo - mlo), abs(hi - mhi))
    print(f"box limits of {col}: EMA [{lo:.6g}, {hi:.6g}], placesim [{mlo:.6g}, {mhi:.6g}], difference {diff:.2e}")
    if not diff < 1e-12:
        bad.append(f"limits of {col}")
# Quasi-p-values of the final box's restricted limits (EMA: -1 where a side is not restricted).
qp = box.qp[-1]
for col, (lo_p, hi_p) in qp.items():
    if col not in limits.index:
        bad.append(f"quasi-p of {col}: EMA restricts it, placesim does not")
        continue
    for side, theirs_p in (("p_lower", lo_p), ("p_upper", hi_p)):
        mine_p = limits.loc[col, side]
        if theirs_p == -1:
            ok = np.isnan(mine_p)
        else:
            ok = abs(theirs_p - mine_p) <= 1e-9 * max(theirs_p, 1e-300) + 1e-15
        print(f"quasi-p {side} of {col}: EMA {theirs_p:.6g}, placesim {mine_p:.6g}")
        if not ok:
            bad.append(f"quasi-p {side} of {col}")
if bad:
    sys.exit("EMA Workbench and placesim disagree on: " + ", ".join(bad))
print("EMA Workbench agrees with placesim's PRIM")
