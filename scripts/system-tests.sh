#!/usr/bin/env bash
# System tests: checks that need pieces from outside the Rust toolchain.
# Each suite installs what it needs (a Python venv from PyPI). Outside CI a
# suite whose pieces cannot be installed is skipped LOUDLY; under CI=true a
# missing piece is a failure.
#
# Suites:
#   pandas  - a real run's CSV and JSON outputs load in pandas with exactly the
#             columns docs/OUTPUTS.md lists, and the money in them adds up; a
#             sweep's runs.csv and comparison.csv load with the right types
#             and row counts; README's pandas snippet runs.
#   salib   - SALib (PyPI, pinned) computes Sobol and Morris indices from the
#             outputs of placesim's own designs (the salib_layout example of
#             placesim-sensitivity); its point estimates equal placesim's to
#             1e-9 (scripts/check_salib.py); and a small Morris design of
#             `placesim sensitivity` loads with pandas, and SALib recomputes
#             its indices from design.csv and runs.csv (check_sensitivity.py).
#   ema     - EMA Workbench (PyPI, pinned) runs its PRIM on the cases that
#             `placesim discover` exports from a small Latin hypercube design,
#             and from a plain sweep with a categorical input
#             (scripts/discovery-grid.sweep.toml); the peeling and pasting
#             trajectory and the final box's limits (and categories) equal
#             placesim's to 1e-12 (scripts/check_discovery.py).
#   gp      - scikit-learn's GaussianProcessRegressor (PyPI, pinned, in the
#             ema venv) with placesim's kernel and fitted hyperparameters
#             fixed (optimizer=None), on the designs and outputs of the
#             sklearn_layout example of placesim-calibration: predictive
#             means and variances, the GLS constant mean and the process
#             variance equal placesim's emulator's to 1e-6
#             (scripts/check_emulator.py).
#   r       - a seed read from runs.csv by R (Debian's r-base-core, installed
#             with apt-get as root) reproduces its run through placesim run.
#   browser - `placesim serve` in headless Chromium (Debian's chromium and
#             chromium-driver, installed with apt-get when run as root): two
#             places identical until a barrier is lifted in one; screenshot in
#             target/system-tests/serve-dashboard.png.
#   load    - `placesim serve` with 32 sessions for 30 s on loopback.
#   workshop - the workshop in headless Chromium (the browser suite's
#             chromium): a facilitator and three participants join a room,
#             decide differently for two quarters, the facilitator lifts a
#             barrier, and the debrief opens offline with the decisions as
#             made; screenshots in target/system-tests/workshop-*.png.
#   workshop-load - 5 workshop rooms x 12 participants for 60 s on loopback:
#             no failed request, every decision in force in its quarter.
#   mesa    - the Mesa peer (benches/mesa/, Mesa from PyPI) runs a tiny
#             comparison through benches/compare-mesa.sh.
#   slurm   - a real one-node Slurm cluster (deploy/slurm/local-cluster.sh,
#             Debian's slurm-wlm and munge, as root): the scripts written by
#             `placesim slurm` run a small sweep as a job array and merge it;
#             the merged outputs equal a local run byte for byte; then the
#             same through submit.sh (--dependency=afterok).
set -euo pipefail
cd "$(dirname "$0")/.."

skipped=()
passed=0
failed=0

missing() { # suite, reason
  if [ "${CI:-}" = "true" ]; then
    echo "FAIL: suite '$1' cannot run under CI: $2" >&2
    failed=$((failed + 1))
  else
    echo "!!!!! SKIPPED suite '$1': $2 !!!!!" >&2
    skipped+=("$1")
  fi
}

venv=target/system-tests/venv
python_ready() {
  [ -x "$venv/bin/python" ] && "$venv/bin/python" -c 'import pandas' 2>/dev/null && return 0
  command -v python3 >/dev/null || return 1
  python3 -m venv "$venv" >/dev/null 2>&1 || return 1
  "$venv/bin/pip" install --quiet --disable-pip-version-check 'pandas==2.2.3' >/dev/null 2>&1 || return 1
  "$venv/bin/python" -c 'import pandas' 2>/dev/null
}

echo "== suite pandas"
if python_ready; then
  cargo build --release --quiet
  out=target/system-tests/run
  rm -rf "$out"
  ./target/release/placesim run --population 4000 --weeks 104 --seed 11 --out "$out" >/dev/null
  sweep_out=target/system-tests/sweep
  rm -rf "$sweep_out"
  ./target/release/placesim sweep tests/fixtures/small.sweep.toml --out "$sweep_out" --quiet
  # README's pandas snippet (its block is tagged `system`), against the committed flagship results.
  readme=target/system-tests/readme
  rm -rf "$readme" && mkdir -p "$readme/out"
  ln -s "$PWD/results/total-place" "$readme/out/total-place"
  sed -n '/^```python system/,/^```$/p' README.md | sed '1d;$d' >"$readme/snippet.py"
  if "$venv/bin/python" scripts/check_outputs.py "$out" docs/OUTPUTS.md &&
    "$venv/bin/python" scripts/check_sweep.py "$sweep_out" 3 4 &&
    [ -s "$readme/snippet.py" ] && (py="$PWD/$venv/bin/python" && cd "$readme" && "$py" snippet.py >/dev/null); then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
  fi
else
  missing pandas "python3 with venv and pip, or PyPI, is not available to install pandas"
fi

echo "== suite salib"
salib_venv=target/system-tests/salib-venv
salib_ready() {
  [ -x "$salib_venv/bin/python" ] && "$salib_venv/bin/python" -c 'import SALib' 2>/dev/null && return 0
  command -v python3 >/dev/null || return 1
  python3 -m venv "$salib_venv" >/dev/null 2>&1 || return 1
  "$salib_venv/bin/pip" install --quiet --disable-pip-version-check \
    'SALib==1.5.1' 'pandas==2.2.3' 'numpy==2.2.6' 'scipy==1.15.3' >/dev/null 2>&1 || return 1
  "$salib_venv/bin/python" -c 'import SALib' 2>/dev/null
}
if salib_ready; then
  dir=target/system-tests/salib
  rm -rf "$dir"
  if cargo run --release --quiet -p placesim-sensitivity --example salib_layout -- "$dir" &&
    "$salib_venv/bin/python" -W ignore scripts/check_salib.py "$dir" &&
    cargo run --release --quiet -- sensitivity --method morris --trajectories 4 --levels 4 \
      --parameters citizens.risk_sigma,needs.crisis_level,needs.high_need --replicates 2 \
      --out "$dir/morris" --quiet --threads 2 &&
    "$salib_venv/bin/python" -W ignore scripts/check_sensitivity.py "$dir/morris" 4; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
  fi
else
  missing salib "python3 with venv and pip, or PyPI, is not available to install SALib"
fi

echo "== suite ema"
ema_venv=target/system-tests/ema-venv
ema_ready() {
  [ -x "$ema_venv/bin/python" ] && "$ema_venv/bin/python" -c 'import ema_workbench' 2>/dev/null && return 0
  command -v python3 >/dev/null || return 1
  python3 -m venv "$ema_venv" >/dev/null 2>&1 || return 1
  "$ema_venv/bin/pip" install --quiet --disable-pip-version-check \
    'ema_workbench==2.5.3' 'pandas==2.2.3' 'numpy==2.2.6' 'scipy==1.15.3' 'SALib==1.5.1' \
    'scikit-learn==1.6.1' 'matplotlib==3.10.0' 'statsmodels==0.14.4' 'seaborn==0.13.2' \
    'platypus-opt==1.4.1' 'tqdm==4.67.1' >/dev/null 2>&1 || return 1
  "$ema_venv/bin/python" -c 'import ema_workbench' 2>/dev/null
}
if ema_ready; then
  dir=target/system-tests/ema
  rm -rf "$dir"
  if cargo build --release --quiet &&
    target/release/placesim sensitivity --method latin-hypercube --samples 200 \
      --parameters citizens.risk_sigma,needs.recovery_rate,needs.shock_max,agencies.acute.efficacy \
      --replicates 1 --out "$dir" --quiet --threads 2 &&
    # A fixed hash seed: EMA tries a categorical input's categories in a Python set's order.
    PYTHONHASHSEED=0 MPLBACKEND=Agg "$ema_venv/bin/python" -W ignore scripts/check_discovery.py target/release/placesim "$dir" \
      "effect(total-place, crisis_events)" "> q50" &&
    # A plain sweep (each variant a case) with a categorical input PRIM restricts.
    target/release/placesim sweep scripts/discovery-grid.sweep.toml --out "$dir-grid" --force \
      --quiet --threads 2 2>/dev/null &&
    PYTHONHASHSEED=0 MPLBACKEND=Agg "$ema_venv/bin/python" -W ignore scripts/check_discovery.py target/release/placesim "$dir-grid" \
      "failure_demand_share" "< q25"; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
  fi
else
  missing ema "python3 with venv and pip, or PyPI, is not available to install EMA Workbench"
fi

echo "== suite gp"
# scikit-learn (pinned) comes with the ema suite's venv.
if ema_ready; then
  dir=target/system-tests/gp
  rm -rf "$dir"
  if cargo run --release --quiet -p placesim-calibration --example sklearn_layout -- "$dir" &&
    "$ema_venv/bin/python" -W ignore scripts/check_emulator.py "$dir"; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
  fi
else
  missing gp "python3 with venv and pip, or PyPI, is not available to install scikit-learn"
fi

echo "== suite r"
r_ready() {
  command -v Rscript >/dev/null && return 0
  [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null || return 1
  echo "installing r-base-core with apt-get"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null 2>&1 || return 1
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends r-base-core >/dev/null 2>&1 || return 1
  command -v Rscript >/dev/null
}
# A seed read from runs.csv by R (as a double) and fed back to placesim run
# reproduces that run: replicate seeds stay below 10^15.
r_seed_round_trip() {
  cargo build --release --quiet
  local out=target/system-tests/r-run
  rm -rf "$out"
  local seed
  seed=$(Rscript -e 'runs <- read.csv("results/total-place/runs.csv"); cat(format(runs$seed[1], scientific = FALSE, digits = 15))')
  local text
  text=$(python3 -c 'import csv; print(next(csv.DictReader(open("results/total-place/runs.csv")))["seed"])')
  [ "$seed" = "$text" ] || { echo "r: R read seed $text as $seed" >&2; return 1; }
  ./target/release/placesim run --preset silos --seed "$seed" --population 30000 --weeks 260 --out "$out" >/dev/null
  python3 - "$out/summary.json" <<'PY'
import csv, json, sys
row = next(csv.DictReader(open("results/total-place/runs.csv")))
summary = json.load(open(sys.argv[1]))
for k in ("total_spend", "crisis_events", "failure_demand_share", "mean_wellbeing"):
    assert float(row[k]) == summary[k], (k, row[k], summary[k])
print("r: seed", row["seed"], "read by R reproduces run 0 of the flagship")
PY
}
if r_ready; then
  if (r_seed_round_trip); then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
  fi
else
  missing r "R (Debian's r-base-core) is not installed and cannot be installed without root and apt-get"
fi

echo "== suite browser"
chromium_ready() {
  command -v chromedriver >/dev/null && { command -v chromium >/dev/null || command -v chromium-browser >/dev/null; } && return 0
  [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null || return 1
  echo "installing chromium and chromium-driver with apt-get"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null 2>&1 || return 1
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null 2>&1 || return 1
  command -v chromedriver >/dev/null
}
if chromium_ready; then
  if cargo test --workspace --test browser -- --ignored; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
  fi
else
  missing browser "chromium and chromium-driver are not installed and cannot be installed (needs root and apt-get)"
fi

echo "== suite load"
if cargo test --workspace --test load -- --ignored --nocapture; then
  passed=$((passed + 1))
else
  failed=$((failed + 1))
fi

echo "== suite workshop"
if chromium_ready; then
  if cargo test --workspace --test workshop_browser -- --ignored --nocapture; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
  fi
else
  missing workshop "chromium and chromium-driver are not installed and cannot be installed (needs root and apt-get)"
fi

echo "== suite workshop-load"
if cargo test --workspace --test workshop_load -- --ignored --nocapture; then
  passed=$((passed + 1))
else
  failed=$((failed + 1))
fi

echo "== suite mesa"
if command -v python3 >/dev/null && python3 -m venv --help >/dev/null 2>&1; then
  rc=0
  bash benches/compare-mesa.sh --population 300 --weeks 10 --seeds 3 --smoke || rc=$?
  if [ "$rc" = 0 ]; then
    passed=$((passed + 1))
  elif [ "$rc" = 3 ]; then
    missing mesa "Mesa could not be installed from PyPI"
  else
    failed=$((failed + 1))
  fi
else
  missing mesa "python3 with venv is not available to install Mesa"
fi

echo "== suite slurm"
slurm_sweep() {
  set -e
  cargo build --release --quiet
  local root=target/system-tests/slurm sweep=tests/fixtures/small.sweep.toml
  rm -rf "$root"
  ./target/release/placesim sweep "$sweep" --out "$root/local" --quiet
  # 1. The array with sbatch --wait, then the merge after it.
  ./target/release/placesim slurm "$sweep" --shards 3 --cpus-per-task 1 --time 00:10:00 --out "$root/job"
  local submitted jid
  submitted=$(cd "$root/job/slurm" && timeout 600 sbatch --wait array.sbatch)
  jid=${submitted##* }
  (cd "$root/job/slurm" && timeout 600 sbatch --wait --dependency=afterok:"$jid" merge.sbatch)
  diff -r -q -x provenance.json "$root/local" "$root/job/results"
  echo "slurm: array job $jid and its merge reproduce the local sweep byte for byte"
  # 2. submit.sh: the merge waits on the array by itself.
  ./target/release/placesim slurm "$sweep" --shards 4 --cpus-per-task 1 --time 00:10:00 --out "$root/submitted"
  bash "$root/submitted/slurm/submit.sh"
  local waited=0
  while [ -n "$(squeue -h -o %i)" ]; do
    sleep 1
    waited=$((waited + 1))
    [ "$waited" -lt 600 ] || { echo "slurm: jobs still queued after 600 s" >&2; squeue >&2; return 1; }
  done
  diff -r -q -x provenance.json "$root/local" "$root/submitted/results"
  echo "slurm: submit.sh (array, then merge with --dependency=afterok) reproduces the local sweep"
}
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null && bash deploy/slurm/local-cluster.sh start; then
  if (slurm_sweep); then
    passed=$((passed + 1))
  else
    echo "slurm logs:" >&2
    tail -n 20 /var/log/slurm/*.log target/system-tests/slurm/*/slurm/logs/*.out >&2 2>/dev/null || true
    failed=$((failed + 1))
  fi
  bash deploy/slurm/local-cluster.sh stop
else
  missing slurm "a one-node Slurm cluster needs root, apt-get and Debian's slurm-wlm and munge (deploy/slurm/local-cluster.sh)"
fi

echo "system tests: ${passed} passed, ${failed} failed, ${#skipped[@]} skipped"
if ((${#skipped[@]})); then
  echo "!!!!! skipped suites: ${skipped[*]} !!!!!" >&2
fi
[ "$failed" -eq 0 ]
