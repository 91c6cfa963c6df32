#!/bin/sh
# tests/check.d/provider-texts.sh - held-out-style check: real bounce texts
# published by providers and in public issue threads (not from the Sisimai
# corpus the rules were tuned on), each with the cause we expect.  Runs
# `$BIN --rules rules --format json -e TEXT` per row of
# tests/corpus/provider-texts.tsv (columns: text, cause, source) and fails,
# printing got/want, when the cause differs.  Prints the score.
set -u
BIN=${BIN:-./bouncediag}
WRAP=${VALGRIND:-}
TSV=${PROVIDER_TEXTS:-tests/corpus/provider-texts.tsv}
n=0
ok=0
tab=$(printf '\t')
while IFS="$tab" read -r text want source || [ -n "$text" ]; do
	[ "$text" = "text" ] && continue
	[ -z "$text" ] && continue
	n=$((n + 1))
	got=$($WRAP $BIN --rules rules --format json -e "$text" 2>/dev/null |
	    sed -n 's/.*"cause":"\([^"]*\)".*/\1/p' | head -n 1)
	if [ "$got" = "$want" ]; then
		ok=$((ok + 1))
	else
		printf 'provider-texts: got %s want %s: %s\n' "${got:-(none)}" \
		    "$want" "$text"
	fi
done <"$TSV"
echo "provider-texts: $ok of $n agree"
[ "$n" -gt 0 ] && [ "$ok" -eq "$n" ]
