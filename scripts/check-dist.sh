#!/bin/bash
# Check the release tarball: "make distcheck", what the tarball holds, and a
# Debian package built from the unpacked tarball.
#
#   scripts/check-dist.sh    on Debian 12, from a clone (as root: the httpd
#                            suite inside distcheck then runs as nobody)
#
# Works in a temporary copy of the tree: the checkout is not configured or
# built, and nothing a concurrent build leaves in it reaches the tarball.
# make distcheck builds from the tarball in a separate, read-only source
# tree and runs "make check" there: the unit tests and the whole Apache::Test
# suite.  Checks:
#   1. make distcheck passes (and its httpd suite counted no failure);
#   2. the tarball holds the sources, tests, packaging and docs, and no
#      build output;
#   3. dpkg-buildpackage -us -uc -b succeeds in the unpacked tarball.
# Every step is bounded in time.  The last line is "dist: N passed, N
# failed"; the exit status is non-zero when anything failed.
#
# Environment: CHECK_DIST_TIMEOUT (bound on the whole run, default 2400 s),
# APACHE_TEST_PORT (default: a free block of ports), KEEP=1 (keep the
# temporary directory and its logs).

set -u
export LC_ALL=C

if [ -z "${CHECK_DIST_TIMED:-}" ]; then
    CHECK_DIST_TIMED=1 exec timeout -k 30 "${CHECK_DIST_TIMEOUT:-2400}" "$0" "$@"
fi

top=$(cd "$(dirname "$0")/.." && pwd)

passed=0 failed=0
pass() { passed=$((passed + 1)); echo "ok: $*"; }
fail() { failed=$((failed + 1)); echo "FAIL: $*"; }
finish() {
    echo "dist: $passed passed, $failed failed"
    [ "$failed" = 0 ]
    exit
}

work=$(mktemp -d /tmp/mod_approov-check-dist.XXXXXX) || { fail "mktemp"; finish; }
cleanup() {
    if [ "${KEEP:-0}" = 1 ]; then
        echo "check-dist: kept $work" >&2
    else
        chmod -R u+w "$work" 2>/dev/null
        rm -rf "$work"
    fi
}
trap cleanup EXIT
trap 'fail "interrupted"; finish' INT TERM

# The files git tracks, as they are in the checkout: neither build outputs
# nor files not added yet (work in progress) reach the tarball.
mkdir "$work/src"
if git -C "$top" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    (cd "$top" && git ls-files -z --cached \
        | xargs -0 sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' sh \
        | tar --null -T - -cf -) | tar -xf - -C "$work/src"
    # dist-hook ships the git-tracked files of bench/ and fuzz/: let it see
    # the checkout's index.
    cp -a "$top/.git" "$work/src/.git" 2>/dev/null
else
    cp -a "$top/." "$work/src/"
fi

# Apache::Test's "-port select" can race with another suite on this
# machine: hand it a block of free ports (the server and its virtual hosts).
port_free() {
    ! ss -Hltn 2>/dev/null | awk '{print $4}' | grep -qE "[:.]$1\$"
}
if [ -z "${APACHE_TEST_PORT:-}" ]; then
    for try in $(seq 1 50); do
        base=$(( 20000 + (RANDOM % 2000) * 10 ))
        ok=1
        for p in $(seq "$base" $((base + 9))); do port_free "$p" || ok=0; done
        [ "$ok" = 1 ] && { export APACHE_TEST_PORT=$base; break; }
    done
fi

# ------------------------------------------------------------ distcheck
start=$(date +%s)
(cd "$work/src" && ./autogen.sh && ./configure && timeout 1800 make distcheck) \
    > "$work/distcheck.log" 2>&1
status=$?
echo "check-dist: make distcheck took $(( $(date +%s) - start )) s (log: $work/distcheck.log)"
httpd_line=$(grep -E '^httpd tests: [0-9]+ passed, [0-9]+ failed$' "$work/distcheck.log" | tail -n 1)
unit_line=$(grep -E '^# (PASS|FAIL): ' "$work/distcheck.log" | tr '\n' ' ')
echo "check-dist: in distcheck: ${httpd_line:-no httpd tests line}; unit: ${unit_line:-none}"
tarball=$(ls "$work"/src/mod_approov-*.tar.gz 2>/dev/null | head -n 1)
if [ "$status" = 0 ] && [ -n "$tarball" ] && [ -n "$httpd_line" ] &&
   echo "$httpd_line" | grep -q ' 0 failed$'; then
    pass "make distcheck ($(basename "$tarball"))"
else
    tail -n 40 "$work/distcheck.log"
    fail "make distcheck (status $status)"
    finish
fi

# ------------------------------------------------------ what it holds
list=$(tar -tzf "$tarball" | sed 's|^[^/]*/||')
missing=
for f in configure Makefile.in Makefile.am configure.ac autogen.sh README.md \
         $(cd "$top" && ls mod_approov*.c mod_approov*.h) \
         sources.mk $(sed -n 's/^CORE_[A-Z_]* *= *//p' "$top/sources.mk") \
         tools/approov-token.c tools/approov-token.1 \
         tests/unit/test_token.c tests/unit/test_msgsig.c \
         tests/run-httpd-tests.sh tests/httpd/t/TEST.PL \
         tests/httpd/t/conf/extra.conf.in tests/httpd/t/http2.t \
         tests/httpd/t/lib/ApproovMint.pm \
         conf/approov.load conf/approov.conf conf/reverse-proxy.conf \
         scripts/test.sh scripts/check-deb.sh scripts/check-dist.sh .ci/run \
         debian/control debian/rules debian/changelog debian/copyright \
         debian/source/format debian/libapache2-mod-approov.apache2; do
    grep -qxF "$f" <<< "$list" || missing="$missing $f"
done
# What git tracks in bench/ and fuzz/ must be there too.
if [ -d "$work/src/.git" ]; then
    for f in $(git -C "$work/src" ls-files -- bench fuzz); do
        grep -qxF "$f" <<< "$list" || missing="$missing $f"
    done
fi
outputs=$(grep -E '\.(o|lo|la|slo|so|deb|log|trs)$|(^|/)\.libs/|(^|/)\.deps/|^debian/(\.debhelper|files$|libapache2-mod-approov/|debhelper-build-stamp)|^tools/approov-token$|^tests/unit/test_(token|msgsig)$' <<< "$list" | head -n 5)
if [ -z "$missing" ] && [ -z "$outputs" ]; then
    pass "the tarball holds sources, tests, packaging and docs ($(wc -l <<< "$list") entries), no build output"
else
    fail "the tarball${missing:+ lacks$missing}${outputs:+; holds build outputs: $(echo $outputs)}"
fi

# --------------------------------------------- a .deb from the tarball
mkdir "$work/deb"
tar -xzf "$tarball" -C "$work/deb"
srcdir=$(ls -d "$work"/deb/mod_approov-*/ | head -n 1)
start=$(date +%s)
(cd "$srcdir" && timeout 1200 dpkg-buildpackage -us -uc -b) > "$work/deb.log" 2>&1
status=$?
echo "check-dist: dpkg-buildpackage from the tarball took $(( $(date +%s) - start )) s"
deb=$(ls "$work"/deb/libapache2-mod-approov_*.deb 2>/dev/null | head -n 1)
if [ "$status" = 0 ] && [ -n "$deb" ]; then
    pass "dpkg-buildpackage -us -uc -b in the unpacked tarball ($(basename "$deb"))"
else
    tail -n 30 "$work/deb.log"
    fail "dpkg-buildpackage -us -uc -b in the unpacked tarball (status $status)"
fi

finish
