"""Load a Morris design's results folder with pandas and recompute its indices with SALib.

Usage: python check_sensitivity.py DIR LEVELS   (DIR written by `placesim sensitivity --method morris`)
Every sensitivity file loads with the documented columns; SALib's Morris
estimator, given design.csv's points and the per-point mean paired effect
computed here from runs.csv, gives placesim's mu, mu_star and sigma in
indices.csv to 1e-9 (relative) for every outcome checked.
"""
import json
import sys

import numpy as np
import pandas as pd
from SALib.analyze import morris

d, levels = sys.argv[1], int(sys.argv[2])
columns = {
    "design.csv": ["design_point", "parameter", "value"],
    "indices.csv": ["variant", "of", "outcome", "year", "parameter", "index", "value", "ci_low", "ci_high", "trusted"],
    "indices_by_year.csv": ["variant", "of", "outcome", "year", "parameter", "index", "value", "ci_low", "ci_high", "trusted"],
    "variance.csv": ["variant", "of", "outcome", "points", "replicates", "parameter_variance", "stochastic_variance", "stochastic_share"],
    "robustness.csv": ["variant", "baseline", "outcome", "better", "points", "beats", "ties", "p_beats", "ci_low", "ci_high", "mean_effect", "p_value", "p_holm"],
    "comparison.csv": ["variant", "baseline", "outcome", "n", "mean", "mean_baseline", "mean_diff", "ci_low", "ci_high", "ci_half_width", "p_value", "p_holm"],
}
bad = []
frames = {}
for name, want in columns.items():
    f = pd.read_csv(f"{d}/{name}")
    frames[name] = f
    if list(f.columns) != want:
        bad.append(f"{name} has columns {list(f.columns)}")
manifest = json.load(open(f"{d}/manifest.json"))
baseline = manifest["baseline"]
keys = manifest["design"]["keys"]
design = frames["design.csv"].pivot(index="design_point", columns="parameter", values="value")[keys]
runs = pd.read_csv(f"{d}/runs.csv")
problem = {"num_vars": len(keys), "names": keys, "bounds": [[0, 1]] * len(keys)}
indices = frames["indices.csv"]
for variant in [v["name"] for v in manifest["variants"] if v["name"] != baseline]:
    for outcome in ["crisis_events", "total_spend", "failure_demand_share"]:
        wide = runs.pivot_table(index=["design_point", "replicate"], columns="variant", values=outcome)
        effect = (wide[variant] - wide[baseline]).groupby(level="design_point").mean()
        m = morris.analyze(problem, design.to_numpy(), effect.to_numpy(), num_levels=levels, print_to_console=False, seed=1)
        ours = indices[(indices.variant == variant) & (indices.of == "effect") & (indices.outcome == outcome)]
        for name in ("mu", "mu_star", "sigma"):
            mine = ours[ours["index"] == name].set_index("parameter").loc[keys, "value"].to_numpy()
            diff = np.max(np.abs(mine - np.array(m[name])) / np.maximum(np.abs(mine), 1e-300))
            print(f"{variant} - {baseline}, {outcome}, {name}: max relative diff {diff:.2e}")
            if not diff < 1e-9:
                bad.append(f"{outcome} {name}")
if bad:
    sys.exit("sensitivity files: " + "; ".join(bad))
print(f"sensitivity files load with pandas {pd.__version__}; SALib agrees")
