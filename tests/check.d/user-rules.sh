#!/bin/sh
# tests/check.d/user-rules.sh - site and user rules (issue 7, item 3).
#
# Without --rules the shipped rules load first, then /etc/bouncediag/
# rules.d, then $XDG_CONFIG_HOME/bouncediag/rules.d (default
# ~/.config/...).  A user file here replaces a shipped rule by id and adds
# a cause; the diagnosis must change, --check-rules must name the file and
# the override, and --rules must replace all of it.
set -u
cd "$(dirname "$0")/../.." || exit 1
BIN=${BIN:-./bouncediag}
WRAP=${VALGRIND:-}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
fail() { echo "user-rules.sh: $*" >&2; exit 1; }
seed=tests/samples/seed.txt
cause() { sed -n 's/.*"cause": *"\([^"]*\)".*/\1/p'; }

# The shipped rules are found beside the binary (./rules in the source
# tree).  A variant build (make asan: build/asan/bouncediag) has none
# there, so run a copy that has.
mkdir -p "$tmp/bin"
cp "$BIN" "$tmp/bin/bouncediag" || fail "cannot copy $BIN"
ln -s "$(pwd)/rules" "$tmp/bin/rules"
BIN=$tmp/bin/bouncediag

export XDG_CACHE_HOME="$tmp/cache" HOME="$tmp/home"
mkdir -p "$tmp/home"

# Shipped rules only (no user directory yet).
export XDG_CONFIG_HOME="$tmp/config"
got=$($WRAP $BIN --format json "$seed" | cause)
[ "$got" = blocklist ] || fail "shipped: cause '$got', want blocklist"

# The user's file: a new cause, and the shipped rule replaced by id.
dir=$tmp/config/bouncediag/rules.d
mkdir -p "$dir"
cat >"$dir/50-site.rules" <<'EOF'
# A partner's own reputation filter.
cause site-reputation
	title      Refused by the partner's reputation filter
	permanent  no
	actor      you
	retry      Retry once the partner desk has cleared the IP.
	explain    The partner runs its own reputation filter.
	fix        Open a ticket with the partner desk quoting {ip|your sending IP}.
	prevent    Keep the partner desk's contact up to date.

rule blocklist-reputation-standards
	cause      site-reputation
	match      does not meet IP/domain reputation standards
	set        provider Partner
	example    550 5.7.1 [203.0.113.5] Our system has detected that this message does not meet IP/domain reputation standards
EOF
got=$($WRAP $BIN --format json "$seed" | cause)
[ "$got" = site-reputation ] ||
    fail "user rule: cause '$got', want site-reputation"
$WRAP $BIN --list-causes | grep -q '^site-reputation ' ||
    fail "--list-causes lacks the user's cause"
out=$($WRAP $BIN -e '550 5.7.1 [203.0.113.5] does not meet IP/domain reputation standards')
echo "$out" | grep -q "Open a ticket with the partner desk quoting 203.0.113.5" ||
    { echo "$out" >&2; fail "the user's fix steps are not shown"; }

# --check-rules names the file and the rule it replaced.  (The shipped
# table's own check is tests/run.sh's business: only problems in the
# user's file count here.)
out=$($WRAP $BIN --check-rules 2>&1)
echo "$out" | grep -q "^bouncediag: $dir/" &&
    { echo "$out" >&2; fail "--check-rules: problems in the user's file"; }
echo "$out" | grep -qx "$dir/50-site.rules: 1 rules, 1 causes" ||
    { echo "$out" >&2; fail "--check-rules: no line for the user's file"; }
echo "$out" | grep -q "^  $dir/50-site.rules:11: rule 'blocklist-reputation-standards' replaces .*rules/52-blocklist.rules:[0-9]*$" ||
    { echo "$out" >&2; fail "--check-rules: override not shown"; }
echo "$out" | grep -q 'rules/52-blocklist.rules: [0-9]* rules, 0 causes$' ||
    { echo "$out" >&2; fail "--check-rules: no line for a shipped file"; }
echo "$out" | grep -q '^rules: [0-9]* rules, [0-9]* causes: ' ||
    { echo "$out" >&2; fail "--check-rules: no summary line"; }

# --rules replaces shipped, site and user rules alike.
got=$($WRAP $BIN --rules rules --format json "$seed" | cause)
[ "$got" = blocklist ] || fail "--rules: cause '$got', want blocklist"

# Without XDG_CONFIG_HOME, or with a relative one: ~/.config.
mkdir -p "$tmp/home/.config/bouncediag"
mv "$dir" "$tmp/home/.config/bouncediag/rules.d"
for x in unset relative; do
	if [ $x = unset ]; then
		unset XDG_CONFIG_HOME
	else
		export XDG_CONFIG_HOME=relative/config
	fi
	got=$($WRAP $BIN --format json "$seed" | cause)
	[ "$got" = site-reputation ] ||
	    fail "XDG_CONFIG_HOME $x: cause '$got', want site-reputation"
done

# A broken user rule stops the tool (exit 2) and says where.
printf 'rule broken\n\tcause no-such-cause\n\tmatch x\n' \
    >"$tmp/home/.config/bouncediag/rules.d/60-broken.rules"
err=$($WRAP $BIN -e 'x' 2>&1 >/dev/null)
rc=$?
[ $rc -eq 2 ] || fail "broken user rule: exit $rc, want 2"
echo "$err" | grep -q "60-broken.rules:2:1: unknown cause 'no-such-cause'" ||
    { echo "$err" >&2; fail "broken user rule: error does not name file:line"; }
exit 0
