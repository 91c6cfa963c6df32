#!/bin/sh
# scripts/bench-eml.sh - emails per second over every .eml of the corpus,
# in one process, beside Debian's Sisimai (libsisimai-perl) over the
# same files on the same machine in the same run.  Best of 5 runs each.
set -u
cd "$(dirname "$0")/.." || exit 1
CORPUS=${BD_CORPUS:-../shared/corpus}
BIN=${BIN:-./bouncediag}
if [ ! -d "$CORPUS/sisimai" ]; then
	echo "bench-eml: skipped (no corpus at $CORPUS)"
	exit 0
fi
list=$(mktemp)
trap 'rm -f "$list"' EXIT INT TERM
find "$CORPUS/sisimai" -name '*.eml' -type f | sort >"$list"
n=$(wc -l <"$list")

# Wall time of a command, best of 5, in seconds.
best() {
	b=""
	for i in 1 2 3 4 5; do
		s=$(date +%s.%N)
		"$@" >/dev/null 2>&1
		e=$(date +%s.%N)
		t=$(echo "$e - $s" | bc -l)
		if [ -z "$b" ] || [ "$(echo "$t < $b" | bc -l)" = 1 ]; then b=$t; fi
	done
	echo "$b"
}

run_bd() { xargs -d '\n' "$BIN" --format json <"$list"; }
t_bd=$(best run_bd)
rate_bd=$(echo "$n / $t_bd" | bc -l)
printf 'bouncediag: %d emails in %.3f s = %.0f emails/s\n' "$n" "$t_bd" "$rate_bd"

if perl -MSisimai -e 1 2>/dev/null; then
	run_sis() {
		xargs -d '\n' perl -MSisimai -e \
		    'for (@ARGV) { my $v = Sisimai->make($_); }' <"$list"
	}
	t_sis=$(best run_sis)
	rate_sis=$(echo "$n / $t_sis" | bc -l)
	printf 'Sisimai %s: %d emails in %.3f s = %.0f emails/s\n' \
	    "$(perl -MSisimai -e 'print $Sisimai::VERSION')" "$n" "$t_sis" \
	    "$rate_sis"
	printf 'ratio: bouncediag is %.1f times Sisimai\n' \
	    "$(echo "$rate_bd / $rate_sis" | bc -l)"
else
	echo "Sisimai: not installed (apt-get install libsisimai-perl) - no comparison"
fi
