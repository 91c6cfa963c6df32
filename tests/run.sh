#!/bin/sh
# tests/run.sh - the whole suite behind `make check`: the cmocka unit
# tests given as arguments, the rule table's own check (every example
# diagnosed by its own rule), the CLI goldens in tests/cli and the
# rules-loader goldens in tests/rules-bad.  Ends with "N passed, M failed"
# and exits non-zero on any failure.
#
# VALGRIND may name a wrapper (make valgrind sets it).
set -u
BIN=${BIN:-./bouncediag}
WRAP=${VALGRIND:-}
pass=0
fail=0
failed=""

ok()   { pass=$((pass + 1)); }
bad()  { fail=$((fail + 1)); failed="$failed $1"; echo "FAIL: $1"; }

# 1. Unit tests (cmocka prints its own report).
for t in "$@"; do
	if $WRAP "$t" >"$t.log" 2>&1; then ok; else cat "$t.log"; bad "$t"; fi
done

# 2. The rule table checks itself: no errors and no warnings.
out=$($WRAP $BIN --rules rules --check-rules 2>&1)
rc=$?
if [ $rc -eq 0 ] && printf '%s\n' "$out" | grep -q ': 0 errors, 0 warnings$'; then
	ok
else
	printf '%s\n' "$out" | tail -30
	bad "check-rules"
fi

# 3. CLI goldens: NAME.args (one argument per line), optional NAME.in
#    (standard input), expected NAME.out, NAME.err and NAME.rc.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
run_golden() {
	# $1 = path without extension
	name=$1
	set --
	if [ -f "$name.args" ]; then
		while IFS= read -r arg || [ -n "$arg" ]; do
			set -- "$@" "$arg"
		done <"$name.args"
	fi
	if [ -f "$name.in" ]; then
		NO_COLOR=1 $WRAP $BIN "$@" <"$name.in" >"$tmp/out" 2>"$tmp/err"
	else
		NO_COLOR=1 $WRAP $BIN "$@" </dev/null >"$tmp/out" 2>"$tmp/err"
	fi
	echo $? >"$tmp/rc"
}
for args in tests/cli/*.args tests/rules-bad/*.args; do
	[ -f "$args" ] || continue
	name=${args%.args}
	run_golden "$name"
	good=1
	for ext in out err rc; do
		if [ -f "$name.$ext" ]; then
			if ! diff -u "$name.$ext" "$tmp/$ext" >"$tmp/diff"; then
				cat "$tmp/diff"
				good=0
			fi
		fi
	done
	if [ $good -eq 1 ]; then ok; else bad "$name"; fi
done

# 4. Suites that live with their feature: tests/check.d/*.sh, each run
#    with BIN, B and VALGRIND in the environment; exit 0 = pass.
for s in tests/check.d/*.sh; do
	[ -f "$s" ] || continue
	if BIN=$BIN B=${B:-build/default} VALGRIND=$WRAP sh "$s"; then
		ok
	else
		bad "$s"
	fi
done

echo
echo "check: $pass passed, $fail failed"
[ $fail -eq 0 ]
