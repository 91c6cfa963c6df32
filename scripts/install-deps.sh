#!/bin/sh
# scripts/install-deps.sh - make sure the build dependencies are present.
# On Debian/Ubuntu it installs what is missing with apt-get (as root, or
# through sudo when that works without a password); elsewhere, or without
# the rights, it prints exactly what to install and fails.
set -u
PKGS="pkg-config libpcre2-dev libcmocka-dev libjansson-dev zlib1g-dev"

missing=""
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'ok installed'; }

if command -v dpkg-query >/dev/null 2>&1; then
	for p in $PKGS; do
		have_pkg "$p" || missing="$missing $p"
	done
else
	# Not Debian: check the headers and tools directly.
	command -v pkg-config >/dev/null 2>&1 || missing="$missing pkg-config"
	[ -f /usr/include/pcre2.h ] || [ -f /usr/local/include/pcre2.h ] ||
		missing="$missing pcre2(dev)"
	[ -f /usr/include/cmocka.h ] || [ -f /usr/local/include/cmocka.h ] ||
		missing="$missing cmocka(dev)"
	[ -f /usr/include/jansson.h ] || [ -f /usr/local/include/jansson.h ] ||
		missing="$missing jansson(dev)"
	[ -f /usr/include/zlib.h ] || [ -f /usr/local/include/zlib.h ] ||
		missing="$missing zlib(dev)"
	if [ -n "$missing" ]; then
		echo "bouncediag: please install:$missing" >&2
		exit 1
	fi
	exit 0
fi
[ -z "$missing" ] && exit 0

echo "bouncediag: installing build dependencies:$missing" >&2
if [ "$(id -u)" -eq 0 ]; then
	SUDO=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
	SUDO="sudo -n"
else
	echo "bouncediag: run this, then make again:" >&2
	echo "  sudo apt-get install -y$missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null 2>&1 || true
if ! $SUDO apt-get install -y -qq $missing >/dev/null; then
	echo "bouncediag: apt-get failed; install by hand:$missing" >&2
	exit 1
fi
