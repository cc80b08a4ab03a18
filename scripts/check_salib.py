"""Compare placesim's Sobol and Morris indices with SALib's on the same numbers.

Usage: python check_salib.py DIR   (DIR written by the salib_layout example)
SALib computes its indices from placesim's outputs (Sobol: Ishigami on a
Saltelli design; Morris: Sobol's G on Morris trajectories); with the same
estimators the point estimates must agree to 1e-9.
"""
import json
import sys

import numpy as np
from SALib.analyze import morris, sobol

d = sys.argv[1]
ours = json.load(open(f"{d}/placesim.json"))
bad = []

k = ours["sobol"]["k"]
problem = {"num_vars": k, "names": [f"x{i}" for i in range(k)], "bounds": [[0, 1]] * k}
y = np.loadtxt(f"{d}/sobol_y.txt")
s = sobol.analyze(problem, y, calc_second_order=False, print_to_console=False, seed=1)
for name in ("S1", "ST"):
    diff = np.max(np.abs(np.array(ours["sobol"][name]) - s[name]))
    print(f"sobol {name}: placesim {ours['sobol'][name]} SALib {list(s[name])} max diff {diff:.2e}")
    if not diff < 1e-9:
        bad.append(f"sobol {name}")

k = ours["morris"]["k"]
problem = {"num_vars": k, "names": [f"x{i}" for i in range(k)], "bounds": [[0, 1]] * k}
x = np.loadtxt(f"{d}/morris_x.txt")
y = np.loadtxt(f"{d}/morris_y.txt")
m = morris.analyze(problem, x, y, num_levels=ours["morris"]["levels"], print_to_console=False, seed=1)
for name in ("mu", "mu_star", "sigma"):
    diff = np.max(np.abs(np.array(ours["morris"][name]) - np.array(m[name])))
    print(f"morris {name}: max diff {diff:.2e}")
    if not diff < 1e-9:
        bad.append(f"morris {name}")

if bad:
    sys.exit("placesim and SALib disagree on: " + ", ".join(bad))
print("placesim and SALib agree to 1e-9")
