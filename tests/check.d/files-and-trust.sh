#!/bin/sh
# tests/check.d/files-and-trust.sh - what the CLI reads and what it
# trusts (issue 11): a walk passes over FIFOs, symlinked directories and
# second paths to the same file, with a warning, and --strict fails it;
# rules others may write to are refused unless --trust-rules; a FIFO named
# *.rules never blocks the load; --explain takes only a cause id or a
# code; a full standard output is exit 4; file names reach stderr
# sanitised.
set -u
cd "$(dirname "$0")/../.." || exit 1
BIN=${BIN:-./bouncediag}
WRAP=${VALGRIND:-}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
fail() { echo "files-and-trust.sh: $*" >&2; exit 1; }
umask 022

# A walk: one message, a hard link to it, a FIFO, two symlink loops.
mkdir -p "$tmp/md/cur"
cp tests/data/eml/lhost-postfix-01.eml "$tmp/md/cur/a"
ln "$tmp/md/cur/a" "$tmp/md/cur/b"
ln -s . "$tmp/md/cur/x"
ln -s .. "$tmp/md/cur/y"
mkfifo "$tmp/md/cur/fifo" || fail "mkfifo"
out=$(timeout 20 $WRAP $BIN --rules rules --format json "$tmp/md" 2>"$tmp/err")
rc=$?
[ $rc -eq 0 ] || fail "walk: exit $rc, want 0"
[ "$(printf '%s\n' "$out" | grep -c '"source"')" -eq 1 ] ||
    fail "walk: want one record"
for w in "a FIFO: skipped" "symbolic link to a directory, not followed" \
    "already read by another path"; do
	grep -q "$w" "$tmp/err" || fail "walk: no warning '$w'"
done
timeout 20 $WRAP $BIN --rules rules --strict --format json "$tmp/md" \
    >/dev/null 2>&1
[ $? -eq 3 ] || fail "walk --strict: want exit 3"

# Rules others may write to.
cp -r rules "$tmp/rules"
chmod g+w "$tmp/rules/52-blocklist.rules"
$WRAP $BIN --rules "$tmp/rules" -e '550 5.1.1 user unknown' >/dev/null \
    2>"$tmp/err"
[ $? -eq 2 ] || fail "group-writable rules: want exit 2"
grep -q "52-blocklist.rules: rules refused: others may write to it" \
    "$tmp/err" || fail "group-writable rules: no message"
$WRAP $BIN --trust-rules --rules "$tmp/rules" -e '550 5.1.1 user unknown' \
    >/dev/null 2>&1 || fail "--trust-rules: the rules did not load"
chmod g-w "$tmp/rules/52-blocklist.rules"
mkfifo "$tmp/rules/99-fifo.rules"
timeout 10 $WRAP $BIN --trust-rules --rules "$tmp/rules" -e x >/dev/null \
    2>"$tmp/err"
[ $? -eq 2 ] || fail "FIFO rules: want exit 2 (and no hang)"
grep -q "99-fifo.rules: not a regular file" "$tmp/err" ||
    fail "FIFO rules: no message"

# --explain takes a cause id, an enhanced code or a reply code only.
$WRAP $BIN --rules rules --explain 5.7.26x >/dev/null 2>&1
[ $? -eq 2 ] || fail "--explain 5.7.26x: want exit 2"
$WRAP $BIN --rules rules --explain 5.7.26 >/dev/null ||
    fail "--explain 5.7.26 failed"

# A full standard output.
if [ -w /dev/full ]; then
	$BIN -V >/dev/full 2>/dev/null
	[ $? -eq 4 ] || fail "-V >/dev/full: want exit 4"
	$BIN --rules rules -e '550 5.1.1 user unknown' >/dev/full 2>/dev/null
	[ $? -eq 4 ] || fail "diagnosis >/dev/full: want exit 4"
fi

# A file name with a terminal escape reaches stderr sanitised.
esc=$(printf '\033]52;c;aGk=\007')
$WRAP $BIN --rules rules "$tmp/no-such-$esc" 2>"$tmp/err" >/dev/null
if grep -q "$(printf '\033')" "$tmp/err"; then
	fail "an escape sequence in a file name reached stderr"
fi
exit 0
