#!/bin/sh
# scripts/bench-paste.sh - one-shot paste latency: the median wall time
# of `bouncediag --format json -e SEED` (rules loaded every run), with
# the compiled-rules cache warm and without it, beside /bin/true for the
# cost of starting any process on this machine.  Needs hyperfine.
set -u
cd "$(dirname "$0")/.." || exit 1
BIN=${BIN:-./bouncediag}
seed=$(cat tests/samples/seed.txt)
if ! command -v hyperfine >/dev/null 2>&1; then
	echo "bench-paste: needs hyperfine (apt-get install hyperfine)"
	exit 0
fi
"$BIN" --format json -e "$seed" >/dev/null	# warm the cache
hyperfine -N --warmup 20 --runs 500 --export-json /tmp/bd-paste.json \
    "/bin/true" \
    "$BIN --format json -e '$seed'" \
    "$BIN --no-cache --format json -e '$seed'" >/dev/null 2>&1
python3 - <<'PY'
import json
r = json.load(open("/tmp/bd-paste.json"))["results"]
for x in r:
    print("%-44s median %6.2f ms  mean %6.2f ms" % (
        x["command"][:44], x["median"] * 1e3, x["mean"] * 1e3))
PY
