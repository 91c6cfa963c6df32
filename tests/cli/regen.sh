#!/bin/sh
# Rewrite the expected output of every CLI golden from the current
# binary.  Review `git diff tests/` before committing the result.
set -u
BIN=${BIN:-./bouncediag}
for args in tests/cli/*.args tests/rules-bad/*.args; do
	[ -f "$args" ] || continue
	name=${args%.args}
	set --
	while IFS= read -r arg || [ -n "$arg" ]; do
		set -- "$@" "$arg"
	done <"$args"
	if [ -f "$name.in" ]; then
		NO_COLOR=1 $BIN "$@" <"$name.in" >"$name.out" 2>"$name.err"
	else
		NO_COLOR=1 $BIN "$@" </dev/null >"$name.out" 2>"$name.err"
	fi
	echo $? >"$name.rc"
	echo "regenerated $name"
done
