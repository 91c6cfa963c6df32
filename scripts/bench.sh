#!/bin/sh
# scripts/bench.sh - `make bench`: how fast bouncediag reads a mail log,
# against grep on the same file in the same run.
#
# Generates (once, cached under build/bench/) a realistic Postfix log of
# BENCH_MB megabytes (default 1024) with scripts/genlog.c: about 2% of its
# lines are status=bounced lines whose replies come from
# ../shared/corpus/diagnostic-texts.txt, the rest delivered, connect,
# queue and cleanup lines.  Then times, best of BENCH_RUNS (default 3):
#
#   bouncediag --mode log --summary LOG
#   grep -c 'status=bounced' LOG | cat   (piped: GNU grep stops at the
#                                         first match when its output is
#                                         /dev/null)
#
# and prints MB/s for each, the ratio, bouncediag's peak RSS, and checks
# that bouncediag found one record per status=bounced/deferred/expired
# line.  Needs /usr/bin/time (GNU time); skips cleanly without the corpus.
set -eu
cd "$(dirname "$0")/.."
BIN=${BIN:-./bouncediag}
MB=${BENCH_MB:-1024}
RUNS=${BENCH_RUNS:-3}
TEXTS=${BENCH_TEXTS:-../shared/corpus/diagnostic-texts.txt}
DIR=build/bench
LOG=$DIR/postfix-${MB}m.log
CC=${CC:-cc}

if [ ! -f "$TEXTS" ]; then
	echo "bench: $TEXTS not found: skipped (set BENCH_TEXTS)"
	exit 0
fi
if [ ! -x /usr/bin/time ]; then
	echo "bench: needs GNU time (apt-get install time): skipped"
	exit 0
fi
mkdir -p "$DIR"
if [ ! -x "$DIR/genlog" ] || [ scripts/genlog.c -nt "$DIR/genlog" ]; then
	$CC -O2 -Wall -Wextra -o "$DIR/genlog" scripts/genlog.c
	rm -f "$LOG"
fi
if [ ! -f "$LOG" ] || [ "$TEXTS" -nt "$LOG" ]; then
	echo "bench: generating $LOG ($MB MB)"
	"$DIR/genlog" "$MB" "$TEXTS" >"$LOG.tmp"
	mv "$LOG.tmp" "$LOG"
fi
bytes=$(wc -c <"$LOG")
cat "$LOG" >/dev/null	# into the page cache for both

# best WALL-seconds and the RSS of that run, of RUNS runs of "$@"
best() {
	b=""
	rss=0
	i=0
	while [ $i -lt "$RUNS" ]; do
		/usr/bin/time -f "%e %M" -o "$DIR/time.out" sh -c "$1" \
		    >/dev/null
		read -r t m <"$DIR/time.out"
		if [ -z "$b" ] || awk "BEGIN { exit !($t < $b) }"; then
			b=$t
		fi
		[ "$m" -gt "$rss" ] && rss=$m
		i=$((i + 1))
	done
	echo "$b $rss"
}

set -- $(best "$BIN --mode log --summary $LOG")
bd_s=$1 bd_rss=$2
set -- $(best "grep -c 'status=bounced' $LOG | cat")
grep_s=$1

awk -v bytes="$bytes" -v bd="$bd_s" -v gr="$grep_s" -v rss="$bd_rss" \
    -v runs="$RUNS" 'BEGIN {
	mb = bytes / 1e6
	printf "bench: %.0f MB Postfix log, best of %d runs\n", mb, runs
	printf "  bouncediag --mode log --summary  %6.2f s  %7.0f MB/s\n", \
	    bd, mb / bd
	printf "  grep -c status=bounced | cat     %6.2f s  %7.0f MB/s\n", gr, mb / gr
	printf "  ratio (bouncediag / grep throughput): %.2f (target >= 0.50)\n", gr / bd
	printf "  bouncediag peak RSS: %.1f MB (limit 16 MB)\n", rss / 1024
}'

# Nothing lost: one record per bounce line.
want=$(grep -cE 'status=(bounced|deferred|expired)' "$LOG" || true)
got=$($BIN --mode log --summary --format json "$LOG" |
    sed -n 's/^{"total":\([0-9]*\),.*/\1/p')
if [ "$got" = "$want" ]; then
	echo "  records: $got = status=bounced|deferred|expired lines: ok"
else
	echo "  records: $got, but $want status=bounced|deferred|expired lines"
	exit 1
fi
