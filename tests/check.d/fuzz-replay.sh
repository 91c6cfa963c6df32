#!/bin/sh
# tests/check.d/fuzz-replay.sh - replay every fuzz seed and every saved
# crash (fuzz/seeds/HARNESS, fuzz/crashes/HARNESS) through the harnesses
# built without libFuzzer ($B/fuzz/fuzz_HARNESS, made by mk/fuzz.mk as
# part of CHECK_DEPS).  Runs under $VALGRIND when set, and under the
# sanitizers in `make asan` / `make ubsan`, whose builds the harnesses
# share.  Each harness gets a time bound: a saved timeout must stay fixed.
set -u
B=${B:-build/default}
WRAP=${VALGRIND:-}
# Seconds per harness; valgrind is ~30x slower.
limit=120
[ -n "$WRAP" ] && limit=900
rc=0
for h in reply message log rules diagnose; do
	bin=$B/fuzz/fuzz_$h
	if [ ! -x "$bin" ]; then
		echo "fuzz-replay: $bin missing (make fuzz-replay)"
		rc=1
		continue
	fi
	if out=$(timeout $limit $WRAP "$bin" fuzz/seeds/$h fuzz/crashes/$h \
	    2>&1); then
		:
	else
		st=$?
		printf '%s\n' "$out" | tail -40
		echo "fuzz-replay: $h failed (status $st)"
		rc=1
	fi
done
exit $rc
