#!/bin/sh
# tests/e2e/postfix.sh - the real end-to-end test (issue 5, item 8).
#
# A real Postfix, on loopback only, relays one message to a local SMTP
# server (tests/e2e/reject-smtp.py, 127.0.0.1, a free unprivileged port)
# that rejects RCPT TO with Gmail's real multi-line 550-5.7.26 reply.
# Postfix logs the bounce to its own log file (maillog_file, postlogd) and
# returns a delivery status notification to the sender's local mailbox.
# bouncediag then reads both, and the test asserts the cause (auth), the
# recipient and the enhanced code in each.
#
# The Postfix instance is private: its config_directory, queue_directory,
# data_directory, mail spool and log all live in one temporary directory;
# it listens on no port at all (master.cf has no smtpd) and is stopped and
# removed on exit, whatever happens. A system Postfix, if any, is not
# touched. Missing packages (postfix, python3) are installed with apt-get;
# nothing that would remove a package (such as another MTA) is installed.
#
# Usage: BIN=./bouncediag sh tests/e2e/postfix.sh    (make check-e2e)
#
# Exit status: 0 passed or skipped ("e2e: skipped: REASON" says why),
# 1 failed. Environment:
#   BIN          the bouncediag binary (default ./bouncediag)
#   E2E_REQUIRE  1: a skip is a failure (exit 1), for CI that must run it
#   E2E_KEEP     1: keep the temporary directory for inspection
#   E2E_WAIT     seconds to wait for the bounce and the DSN (default 60)
# shellcheck disable=SC2317  # cleanup() runs from the EXIT trap
set -u

here=$(cd "$(dirname "$0")" && pwd)
BIN=${BIN:-./bouncediag}
case $BIN in /*) ;; *) BIN=$(pwd)/$BIN ;; esac
PATH=$PATH:/usr/sbin:/sbin
export PATH
WAIT=${E2E_WAIT:-60}

SENDER=sender@localhost
RCPT=rcpt@example.net
WANT_CAUSE=auth
WANT_CODE=5.7.26

say()  { echo "e2e: $*"; }
fail() { echo "e2e: FAIL: $*"; exit 1; }
skip() {
	echo "e2e: skipped: $*"
	[ "${E2E_REQUIRE:-0}" = 1 ] && { echo "e2e: E2E_REQUIRE=1: a skip fails"; exit 1; }
	exit 0
}

[ -x "$BIN" ] || fail "no bouncediag binary at $BIN (run make first)"

# --- privileges: Postfix needs root; re-run under password-less sudo ------
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
		say "not root: re-running under sudo -n"
		exec sudo -n env BIN="$BIN" E2E_REQUIRE="${E2E_REQUIRE:-0}" \
			E2E_KEEP="${E2E_KEEP:-0}" E2E_WAIT="$WAIT" \
			sh "$here/postfix.sh"
	fi
	skip "needs root or password-less sudo (to install and run Postfix)"
fi

# --- dependencies ---------------------------------------------------------
find_python() {
	for p in python3 /usr/bin/python3; do
		if command -v "$p" >/dev/null 2>&1 &&
		    "$p" -c 'import json, socket' >/dev/null 2>&1; then
			command -v "$p"
			return 0
		fi
	done
	return 1
}
have_postfix() {
	[ -x /usr/sbin/postfix ] && [ -x /usr/sbin/postconf ] &&
	    [ -x /usr/sbin/sendmail ]
}

need=""
have_postfix || need="$need postfix"
find_python >/dev/null || need="$need python3"
if [ -n "$need" ]; then
	command -v apt-get >/dev/null 2>&1 ||
	    skip "missing:$need, and apt-get is unavailable to install it"
	export DEBIAN_FRONTEND=noninteractive
	say "installing:$need"
	apt_out=$(apt-get update -qq 2>&1) ||
	    skip "no network to the package registry (apt-get update failed: $(echo "$apt_out" | tail -n 1))"
	# shellcheck disable=SC2086  # $need is a list of package names
	sim=$(apt-get install -s --no-install-recommends $need 2>&1) ||
	    skip "apt-get cannot install$need: $(echo "$sim" | tail -n 1)"
	removes=$(echo "$sim" | sed -n 's/^Remv \([^ ]*\).*/\1/p' | tr '\n' ' ')
	[ -z "$removes" ] ||
	    skip "installing$need would remove ${removes}(another MTA?); not touching this machine"
	# "No configuration": the package installs the programs only; no
	# system main.cf and no system instance is set up or started.
	echo "postfix postfix/main_mailer_type select No configuration" |
	    debconf-set-selections 2>/dev/null || true
	# shellcheck disable=SC2086
	apt_out=$(apt-get install -y -qq --no-install-recommends $need 2>&1) ||
	    skip "apt-get install$need failed: $(echo "$apt_out" | tail -n 1)"
	have_postfix || skip "postfix installed but /usr/sbin/postfix, postconf or sendmail is missing"
fi
PY=$(find_python) || skip "no usable python3 (json, socket) even after installing"

version=$(postconf -d -h mail_version 2>/dev/null)
case $version in
	[3-9].[4-9]*|[3-9].[1-9][0-9]*|[4-9].*) ;;
	*) skip "Postfix $version is older than 3.4 (no maillog_file)" ;;
esac
if ! getent passwd postfix >/dev/null || ! getent group postdrop >/dev/null; then
	skip "the postfix user or the postdrop group is missing"
fi

# --- a private Postfix, torn down on exit ---------------------------------
T=""
srv_pid=""
cleanup() {
	rc=$?
	trap - EXIT INT TERM
	if [ -n "$T" ] && [ -d "$T" ]; then
		pidf=$T/queue/pid/master.pid
		if [ -f "$pidf" ]; then
			pid=$(tr -dc 0-9 <"$pidf")
			postfix -c "$T/etc" stop >/dev/null 2>&1 ||
			    { [ -n "$pid" ] && kill "$pid" 2>/dev/null; }
			i=0
			while [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null &&
			    [ "$i" -lt 100 ]; do
				sleep 0.1; i=$((i + 1))
			done
			if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
				postfix -c "$T/etc" abort >/dev/null 2>&1
				sleep 1
				kill -9 "$pid" 2>/dev/null
			fi
		fi
		if [ -n "$srv_pid" ]; then
			kill "$srv_pid" 2>/dev/null
			wait "$srv_pid" 2>/dev/null
		fi
		if [ "${E2E_KEEP:-0}" = 1 ]; then
			say "kept $T"
		else
			sleep 0.2	# let the last Postfix children exit
			rm -rf "$T"
		fi
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

T=$(mktemp -d /tmp/bouncediag-e2e.XXXXXX) || fail "mktemp"
chmod 755 "$T"		# the postfix user must reach queue/ and data/
mkdir "$T/etc" "$T/queue" "$T/data" "$T/spool" || fail "mkdir in $T"
chmod 1777 "$T/spool"
chown postfix "$T/data"

# The receiving "provider": rejects RCPT TO with Gmail's 550-5.7.26 text.
# It exits by itself after the longest the test can take.
"$PY" "$here/reject-smtp.py" "$T/port" "$T/smtp-transcript" $((WAIT + 50)) &
srv_pid=$!
i=0
while [ ! -s "$T/port" ] && [ $i -lt 100 ]; do
	kill -0 "$srv_pid" 2>/dev/null || break
	sleep 0.1; i=$((i + 1))
done
[ -s "$T/port" ] || skip "the test SMTP server could not listen on 127.0.0.1"
PORT=$(tr -dc 0-9 <"$T/port")
say "rejecting SMTP server on 127.0.0.1:$PORT"

cat >"$T/etc/main.cf" <<EOF
# bouncediag e2e: a private, loopback-only Postfix ($T)
compatibility_level = 3.6
queue_directory = $T/queue
data_directory = $T/data
mail_owner = postfix
setgid_group = postdrop
myhostname = e2e.localhost
mydomain = localhost
myorigin = localhost
mydestination = localhost, \$myhostname
inet_interfaces = loopback-only
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
relayhost = [127.0.0.1]:$PORT
smtp_dns_support_level = disabled
smtp_tls_security_level = none
smtp_connect_timeout = 10s
alias_maps = texthash:$T/etc/aliases
alias_database =
local_recipient_maps =
mail_spool_directory = $T/spool
home_mailbox =
mailbox_command =
biff = no
delay_warning_time = 0
maillog_file = $T/maillog
maillog_file_prefixes = $T
EOF
# No inet service at all: mail enters through sendmail/postdrop/pickup.
cat >"$T/etc/master.cf" <<'EOF'
# service type  private unpriv  chroot  wakeup  maxproc command
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
local     unix  -       n       n       -       -       local
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
EOF
# The sender is a local address; its mail goes to root's mailbox in $T/spool.
# texthash: postmap(1) "key value" format, read directly (no newaliases).
printf 'sender root\npostmaster root\nmailer-daemon root\n' >"$T/etc/aliases"

show_diag() {
	for f in "$T/maillog" "$T/smtp-transcript" "$T/postfix.out"; do
		[ -f "$f" ] || continue
		echo "---- $f (last 40 lines)"
		tail -n 40 "$f"
	done
	echo "---- $T/spool:"
	ls -l "$T/spool" 2>&1
}

postfix -c "$T/etc" check >"$T/postfix.out" 2>&1 ||
    { show_diag; fail "postfix check of the private configuration"; }
postfix -c "$T/etc" start >>"$T/postfix.out" 2>&1 ||
    { show_diag; fail "postfix start (private instance)"; }
say "Postfix $version started (config $T/etc, log $T/maillog)"

# --- send one message -----------------------------------------------------
msgid="<bouncediag-e2e.$$.$(date +%s)@localhost>"
printf '%s\n' \
	"From: Sender <$SENDER>" \
	"To: <$RCPT>" \
	"Subject: bouncediag end-to-end test" \
	"Message-ID: $msgid" \
	"Date: $(LC_ALL=C date -R)" \
	"" \
	"This message is rejected on purpose by a local test server." |
    MAIL_CONFIG=$T/etc sendmail -f "$SENDER" "$RCPT" >>"$T/postfix.out" 2>&1 ||
    { show_diag; fail "sendmail -f $SENDER $RCPT"; }
say "sent $msgid from $SENDER to $RCPT"

# --- wait for the bounce in the log and the DSN in the mailbox ------------
mbox=$T/spool/root
bounced=0 delivered=0
end=$(( $(date +%s) + WAIT ))
while [ "$(date +%s)" -lt "$end" ]; do
	grep -q "to=<$RCPT>.*status=bounced" "$T/maillog" 2>/dev/null && bounced=1
	grep -q "to=<root@localhost>, orig_to=<$SENDER>.*status=sent (delivered to mailbox)" \
	    "$T/maillog" 2>/dev/null && delivered=1
	[ $bounced = 1 ] && [ $delivered = 1 ] && break
	# the DSN itself failed: no point waiting
	grep -q "to=<[^>]*>, orig_to=<$SENDER>.*status=\(bounced\|deferred\)\|to=<$SENDER>.*status=\(bounced\|deferred\)" \
	    "$T/maillog" 2>/dev/null && break
	sleep 0.2
done
[ $bounced = 1 ] ||
    { show_diag; fail "no 'status=bounced' line for $RCPT in $T/maillog within ${WAIT}s"; }
if [ $delivered != 1 ] || [ ! -s "$mbox" ]; then
	show_diag
	fail "the DSN for $SENDER was not delivered to $mbox within ${WAIT}s"
fi
grep -q '^Content-Type: message/delivery-status' "$mbox" ||
    { show_diag; fail "$mbox holds no message/delivery-status part"; }
say "log line: $(grep "to=<$RCPT>.*status=bounced" "$T/maillog" | cut -c1-200)..."
say "DSN delivered to $mbox ($(wc -c <"$mbox") bytes)"

# --- bouncediag over the real log and the real DSN ------------------------
nbounced=$(grep -c 'status=bounced' "$T/maillog")
"$BIN" --no-cache --mode log --format json "$T/maillog" >"$T/log.json" 2>"$T/log.err"
rc=$?
[ $rc -eq 0 ] || { cat "$T/log.err"; fail "bouncediag --mode log: exit status got $rc, want 0"; }
"$BIN" --no-cache --format json "$mbox" >"$T/dsn.json" 2>"$T/dsn.err"
rc=$?
[ $rc -eq 0 ] || { cat "$T/dsn.err"; fail "bouncediag (DSN mbox): exit status got $rc, want 0"; }

ok=1
"$PY" "$here/assert-json.py" "log" "$T/log.json" "$nbounced" \
    "$RCPT" "$WANT_CAUSE" "$WANT_CODE" || ok=0
"$PY" "$here/assert-json.py" "dsn" "$T/dsn.json" 1 \
    "$RCPT" "$WANT_CAUSE" "$WANT_CODE" || ok=0
if [ $ok = 0 ]; then
	echo "---- bouncediag --mode log --format json $T/maillog:"
	cat "$T/log.json"
	echo "---- bouncediag --format json $mbox:"
	cat "$T/dsn.json"
	show_diag
	fail "bouncediag's diagnosis of the real Postfix bounce"
fi
say "passed: Postfix log and DSN both diagnosed as $WANT_CAUSE ($WANT_CODE) for $RCPT"
exit 0
