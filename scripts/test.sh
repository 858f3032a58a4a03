#!/bin/bash
# Run every test of mod_approov: the C unit tests of the verifier and the
# Apache::Test suite against the real httpd, with the module just built.
#
#   scripts/test.sh          on Debian 12, as root, from a clone
#
# Installs what is missing (scripts/deps.sh), then
#   ./autogen.sh && ./configure && make && make check
# and ends with one line, "total: N passed, N failed".  The exit status is
# non-zero when anything failed, including the build.

set -u
cd "$(dirname "$0")/.." || exit 1

scripts/deps.sh || exit 1

log=$(mktemp /tmp/mod_approov-test.XXXXXX)
trap 'rm -f "$log"' EXIT

build_ok=0
if ./autogen.sh && ./configure && make; then
    build_ok=1
    # No result of an earlier run may count for this one.
    rm -f tests/unit/*.log tests/unit/*.trs test-suite.log
    # -k: the httpd tests run even when a unit test failed.
    make -k check VERBOSE=yes 2>&1 | tee "$log"
    check_status=${PIPESTATUS[0]}
    # If the unit tests did not even build, make check stopped before the
    # httpd tests: run them on their own.
    if ! grep -qE '^httpd tests: ' "$log"; then
        make check-local 2>&1 | tee -a "$log"
    fi
else
    check_status=1
fi

# Each unit test program ends its log with "N passed, N failed"; automake's
# .trs file says whether it passed as a whole.
unit_passed=0 unit_failed=0
for trs in tests/unit/*.trs; do
    [ -f "$trs" ] || continue
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "${trs%.trs}.log" 2>/dev/null | tail -n 1)
    passed=0 failed=0
    if [ -n "$line" ]; then
        passed=$(echo "$line" | sed -E 's/^([0-9]+) passed.*/\1/')
        failed=$(echo "$line" | sed -E 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/')
    fi
    # A crash, or no summary: a failure the program could not count.
    if [ "$failed" = 0 ] && ! grep -q '^:test-result: PASS' "$trs"; then
        failed=1
    fi
    unit_passed=$((unit_passed + passed))
    unit_failed=$((unit_failed + failed))
done
# No result at all: the unit tests did not build.
ls tests/unit/*.trs >/dev/null 2>&1 || unit_failed=1
echo "unit tests: $unit_passed passed, $unit_failed failed"

# "httpd tests: N passed, N failed" from tests/run-httpd-tests.sh.
httpd_passed=0 httpd_failed=1
line=$(grep -E '^httpd tests: [0-9]+ passed, [0-9]+ failed$' "$log" | tail -n 1)
if [ -n "$line" ]; then
    httpd_passed=$(echo "$line" | sed -E 's/^httpd tests: ([0-9]+) passed.*/\1/')
    httpd_failed=$(echo "$line" | sed -E 's/.* ([0-9]+) failed$/\1/')
fi
echo "httpd tests: $httpd_passed passed, $httpd_failed failed"

passed=$((unit_passed + httpd_passed))
failed=$((unit_failed + httpd_failed))
if [ "$failed" = 0 ] && { [ "$build_ok" != 1 ] || [ "$check_status" != 0 ]; }; then
    failed=1
fi
echo "total: $passed passed, $failed failed"
[ "$failed" = 0 ]
