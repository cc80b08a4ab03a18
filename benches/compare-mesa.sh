#!/usr/bin/env bash
# placesim against its Mesa 3 peer (benches/mesa/), on the same work, in one go:
# installs Mesa in a virtual environment, builds placesim, then prints the time
# ratios (one core: 1 thread against 1 process; two cores: 2 threads against
# mesa.batch_run(number_processes=2)) and the outcome means side by side.
#
#   benches/compare-mesa.sh                       # 2,000 citizens x 104 weeks, 30 seeds (~4 min)
#   benches/compare-mesa.sh --population 10000 --weeks 260 --skip-single
#                                                 # the default place itself (~16 min)
# Exit status: 0 done, 1 a mean differs beyond 5 % with confidence, 3 Mesa could not be installed.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=target/mesa-venv
if ! [ -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import mesa' 2>/dev/null; then
  echo "== installing Mesa 3.3.1 into $venv"
  if ! python3 -m venv "$venv" || ! "$venv/bin/pip" install --quiet --disable-pip-version-check 'mesa==3.3.1'; then
    echo "compare-mesa: could not install Mesa from PyPI into $venv" >&2
    exit 3
  fi
fi
cargo build --release --quiet
exec "$venv/bin/python" benches/mesa/compare.py --placesim target/release/placesim "$@"
