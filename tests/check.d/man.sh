#!/bin/sh
# tests/check.d/man.sh - the man pages and completions keep up with the
# code (issue 7):
#   - mandoc -Tlint is clean (cross-references among our own three pages
#     are only found once they are installed, so those are let through);
#   - bouncediag(1)'s SYNOPSIS is the usage of --help, word for word;
#   - every long option of --help is in bouncediag(1) and both
#     completions;
#   - every function of include/bouncediag.h is in libbouncediag(3);
#   - the completions parse, and bash completes cause ids for --explain.
# Adding an option or a public function means documenting it here too.
set -u
cd "$(dirname "$0")/../.." || exit 1
BIN=${BIN:-./bouncediag}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
bad=0
fail() { echo "man.sh: $*" >&2; bad=1; }

if command -v mandoc >/dev/null 2>&1; then
	mandoc -Tlint man/bouncediag.1 man/bouncediag-rules.5 \
	    man/libbouncediag.3 2>&1 |
	    grep -v -e 'referenced manual not found: Xr \(bouncediag 1\|bouncediag-rules 5\|libbouncediag 3\)' \
	    -e 'outdated mandoc.db' >"$tmp/lint"
	[ -s "$tmp/lint" ] && { cat "$tmp/lint" >&2; fail "mandoc -Tlint"; }

	mandoc -Tascii man/bouncediag.1 | sed 's/.\x08//g' |
	    sed -n '/^SYNOPSIS/,/^DESCRIPTION/p' | sed '1d;$d' |
	    tr -s ' \n' '  ' | sed 's/^ //; s/ $//' >"$tmp/synopsis"
	$BIN --help | sed -n '1,/^$/p' | sed '1s/^usage: //' |
	    tr -s ' \n' '  ' | sed 's/^ //; s/ $//' >"$tmp/usage"
	diff -u "$tmp/usage" "$tmp/synopsis" >"$tmp/diff" ||
	    { cat "$tmp/diff" >&2; fail "SYNOPSIS differs from --help's usage"; }
else
	echo "man.sh: mandoc not installed: lint and SYNOPSIS not checked" >&2
fi

# Every long option, in the page and in both completions.
$BIN --help | grep -o -- '--[a-z][a-z-]*' | sort -u >"$tmp/options"
[ -s "$tmp/options" ] || fail "no options in --help"
while read -r opt; do
	name=${opt#--}
	grep -q "^\.It .*Fl -$name\b" man/bouncediag.1 ||
	    fail "bouncediag.1 does not describe $opt"
	grep -q -- "$opt\b" completions/bouncediag.bash ||
	    fail "completions/bouncediag.bash lacks $opt"
	grep -q -- "$opt\b" completions/_bouncediag ||
	    fail "completions/_bouncediag lacks $opt"
done <"$tmp/options"

# Every public function in libbouncediag(3).
sed -n -e '/^typedef/d' \
    -e 's/^[a-z][^(]*[ 	*]\(bd_[a-z0-9_]*\)(.*/\1/p' include/bouncediag.h |
    sort -u >"$tmp/api"
while read -r fn; do
	grep -q "^\.F[no] $fn\b" man/libbouncediag.3 ||
	    fail "libbouncediag.3 does not document $fn()"
done <"$tmp/api"

# The completions parse; bash completes cause ids after --explain.
bash -n completions/bouncediag.bash || fail "bouncediag.bash: syntax"
if command -v zsh >/dev/null 2>&1; then
	zsh -n completions/_bouncediag || fail "_bouncediag: syntax"
fi
got=$(bash -c '. completions/bouncediag.bash
	COMP_WORDS=("$1" --rules rules --explain au); COMP_CWORD=4
	_bouncediag; printf "%s\n" "${COMPREPLY[@]}"' sh "$BIN" 2>&1)
echo "$got" | grep -qx auth ||
    fail "bash: --explain au completes to '$got', want auth among them"
got=$(bash -c '. completions/bouncediag.bash
	COMP_WORDS=("$1" --check-r); COMP_CWORD=1
	_bouncediag; printf "%s\n" "${COMPREPLY[@]}"' sh "$BIN" 2>&1)
[ "$got" = --check-rules ] || fail "bash: --check-r completes to '$got'"
exit $bad
