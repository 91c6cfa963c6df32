#!/bin/sh
# tests/check.d/install.sh - make install and make uninstall (issue 7).
#
# Builds a fresh tree in a temporary directory (the binary has the rules
# directory of its PREFIX compiled in, so this build's objects are not
# reused), installs it under a temporary PREFIX, and checks that:
#   - every file lands where the variables say, and DESTDIR only prefixes;
#   - the installed binary, run from /, finds and uses the installed rules;
#   - a small C program builds against the installed library through
#     pkg-config, dynamically and statically, and runs;
#   - the shared library has its soname and exports exactly the functions
#     of include/bouncediag.h;
#   - make uninstall removes exactly what make install put there.
set -u
cd "$(dirname "$0")/../.." || exit 1
src=$(pwd)
WRAP=${VALGRIND:-}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
prefix=$tmp/prefix
b=$tmp/build
fail() { echo "install.sh: $*" >&2; exit 1; }

# A nested make of its own, with the default layout: not the flags or
# variables of the `make check` (or asan, or dpkg-buildpackage) that runs
# this, which reach here through MAKEFLAGS and the environment.
unset MAKEFLAGS MFLAGS MAKELEVEL CFLAGS CPPFLAGS LDFLAGS DESTDIR PREFIX \
    BINDIR LIBDIR INCDIR MANDIR DATADIR RULESDIR PKGCONFIGDIR BASHCOMPDIR \
    ZSHCOMPDIR B BIN
jobs=$(nproc 2>/dev/null || echo 2)
mk() { make -s -j"$jobs" B="$b" BIN="$b/bouncediag" PREFIX="$prefix" \
    LDCONFIG=: "$@" >>"$tmp/make.log" 2>&1 ||
    { cat "$tmp/make.log" >&2; fail "make $*"; }; }
files() { (cd "$1" && find . ! -type d | sort); }

# Something of someone else's already in the prefix: uninstall keeps it.
mkdir -p "$prefix/share/man/man1" "$prefix/lib"
echo other >"$prefix/share/man/man1/other.1"
files "$prefix" >"$tmp/before"

mk install
files "$prefix" >"$tmp/after"
comm -13 "$tmp/before" "$tmp/after" >"$tmp/installed"
for f in bin/bouncediag share/bouncediag/rules/00-causes.rules \
    share/bouncediag/rules/README.md share/man/man1/bouncediag.1 \
    share/man/man5/bouncediag-rules.5 share/man/man3/libbouncediag.3 \
    lib/libbouncediag.a lib/libbouncediag.so lib/libbouncediag.so.0 \
    lib/libbouncediag.so.0.1.0 include/bouncediag.h \
    lib/pkgconfig/bouncediag.pc \
    share/bash-completion/completions/bouncediag \
    share/zsh/site-functions/_bouncediag; do
	grep -qx "./$f" "$tmp/installed" || fail "not installed: $f"
done
for f in rules/*.rules; do
	grep -qx "./share/bouncediag/$f" "$tmp/installed" ||
		fail "rules file not installed: $f"
done
[ -x "$prefix/bin/bouncediag" ] || fail "bin/bouncediag not executable"
[ "$(readlink "$prefix/lib/libbouncediag.so")" = libbouncediag.so.0 ] &&
    [ "$(readlink "$prefix/lib/libbouncediag.so.0")" = \
    libbouncediag.so.0.1.0 ] || fail "library symlinks wrong"
readelf -d "$prefix/lib/libbouncediag.so.0.1.0" |
    grep -q 'SONAME.*\[libbouncediag\.so\.0\]' || fail "soname is not libbouncediag.so.0"

# Exported: the public functions, nothing else.
sed -n -e '/^typedef/d' \
    -e 's/^[a-z][^(]*[ 	*]\(bd_[a-z0-9_]*\)(.*/\1/p' include/bouncediag.h |
    sort >"$tmp/api"
nm -D --defined-only "$prefix/lib/libbouncediag.so.0.1.0" |
    awk '$2 == "T" { sub(/@.*/, "", $3); print $3 }' | sort >"$tmp/exported"
diff -u "$tmp/api" "$tmp/exported" >"$tmp/diff" ||
    { cat "$tmp/diff" >&2; fail "exported symbols differ from bouncediag.h (-declared +exported)"; }

# The installed binary, from /, with no user rules: the installed rules.
export XDG_CONFIG_HOME="$tmp/config" XDG_CACHE_HOME="$tmp/cache"
out=$(cd / && $WRAP "$prefix/bin/bouncediag" --check-rules 2>&1) ||
    { echo "$out" >&2; fail "installed --check-rules failed"; }
echo "$out" | grep -q "^$prefix/share/bouncediag/rules/00-causes.rules: " ||
    { echo "$out" >&2; fail "installed binary did not load the installed rules"; }
out=$(cd / && $WRAP "$prefix/bin/bouncediag" --format json \
    "$src/tests/samples/seed.txt" 2>&1) ||
    { echo "$out" >&2; fail "installed binary failed on the sample"; }
echo "$out" | grep -q '"cause": *"blocklist"' ||
    { echo "$out" >&2; fail "installed binary: wrong diagnosis"; }
out=$(cd / && $WRAP "$prefix/bin/bouncediag" --version)
[ "$out" = "bouncediag $(sed -n 's/^VERSION *= *//p' Makefile)" ] ||
    fail "installed --version: $out"

# A C program through pkg-config: shared, then static.
cat >"$tmp/diag.c" <<'EOF'
#include <stdio.h>
#include <string.h>

#include <bouncediag.h>

int
main(int argc, char *argv[])
{
	struct bd_rules *rules;
	struct bd_result *res;
	struct bd_options opts;
	const struct bd_diagnosis *d;

	if (argc != 3 || (rules = bd_rules_new()) == NULL)
		return 2;
	if (bd_rules_add_path(rules, argv[1], NULL, NULL) != BD_OK ||
	    bd_rules_finish(rules, NULL, NULL) != BD_OK)
		return 2;
	bd_options_init(&opts);
	if (bd_diagnose(rules, &opts, "argv", argv[2], strlen(argv[2]),
	    &res) != BD_OK || bd_result_count(res) < 1)
		return 2;
	d = bd_result_get(res, 0);
	printf("%s %d %s %s\n", bd_version(), d->code, d->enhanced,
	    d->cause->id);
	bd_result_free(res);
	bd_rules_free(rules);
	return 0;
}
EOF
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
pkg-config --exists bouncediag || fail "pkg-config does not find bouncediag"
[ "$(pkg-config --modversion bouncediag)" = 0.1.0 ] || fail "pkg-config version"
cc -std=c99 -Wall -Werror $(pkg-config --cflags bouncediag) \
    -o "$tmp/diag" "$tmp/diag.c" $(pkg-config --libs bouncediag) \
    2>"$tmp/cc.log" || { cat "$tmp/cc.log" >&2; fail "cc (shared) failed"; }
readelf -d "$tmp/diag" | grep -q 'NEEDED.*libbouncediag\.so\.0' ||
    fail "the program is not linked against libbouncediag.so.0"
reply='550 5.1.1 <bob@example.com>: Recipient address rejected: User unknown'
want="0.1.0 550 5.1.1 unknown-user"
out=$(cd / && LD_LIBRARY_PATH="$prefix/lib" $WRAP "$tmp/diag" \
    "$prefix/share/bouncediag/rules" "$reply" 2>&1)
[ "$out" = "$want" ] || fail "shared: got '$out', want '$want'"
cc -std=c99 -Wall -Werror $(pkg-config --cflags bouncediag) \
    -o "$tmp/diag-static" "$tmp/diag.c" \
    $(pkg-config --static --libs bouncediag |
    sed 's/-lbouncediag/-l:libbouncediag.a/') 2>"$tmp/cc.log" ||
    { cat "$tmp/cc.log" >&2; fail "cc (static) failed"; }
out=$(cd / && $WRAP "$tmp/diag-static" "$prefix/share/bouncediag/rules" \
    "$reply" 2>&1)
[ "$out" = "$want" ] || fail "static: got '$out', want '$want'"

# DESTDIR only prefixes the paths.
mk install DESTDIR="$tmp/stage"
files "$tmp/stage$prefix" >"$tmp/staged"
diff -u "$tmp/installed" "$tmp/staged" >"$tmp/diff" ||
    { cat "$tmp/diff" >&2; fail "DESTDIR install differs"; }
mk uninstall DESTDIR="$tmp/stage"
[ -z "$(files "$tmp/stage")" ] || fail "DESTDIR uninstall left files"

# Uninstall removes exactly what install added.
mk uninstall
files "$prefix" >"$tmp/left"
diff -u "$tmp/before" "$tmp/left" >"$tmp/diff" ||
    { cat "$tmp/diff" >&2; fail "uninstall did not restore the prefix"; }
[ ! -d "$prefix/share/bouncediag" ] || fail "share/bouncediag left behind"
exit 0
