#!/bin/bash
# Run every check of mod_approov: the C unit tests of the verifier, the
# Apache::Test suite against the real httpd, the fuzz replay and smoke
# runs, the sanitizer build, a soak under load, the Debian package, the
# release tarball and a pass under valgrind.
#
#   scripts/test.sh          on Debian 12, as root, from a clone
#
# Installs what is missing (scripts/deps.sh), then
#   ./autogen.sh && ./configure && make && make check
# (unit tests, then the httpd tests), then one stage after another, each
# bounded in time and each ending with its own "NAME: N passed, N failed":
#   fuzz regress   make -C fuzz regress: the corpora and regressions
#                  replayed under ASan+UBSan (gcc); one check per target
#   fuzz smoke     make -C fuzz smoke: each libFuzzer target ~10 s under
#                  ASan+UBSan (clang); one check per target
#   sanitizers     scripts/check-sanitizers.sh: the unit tests under
#                  ASan+UBSan
#   soak           scripts/soak.sh --quick: 30 s of wrk, a graceful restart
#   deb            scripts/check-deb.sh: the .deb built, installed into the
#                  system's apache2 (on 127.0.0.1), checked and purged
#   dist           scripts/check-dist.sh: make distcheck, the tarball, a
#                  .deb from it
#   valgrind       scripts/check-valgrind.sh: httpd tests under memcheck
# A stage that fails does not stop the next ones.  The counts of all of
# them are added up in the last line, "total: N passed, N failed"; a stage
# that ends without its summary line, or fails without counting a
# failure, counts as one failure.  The exit status is non-zero when
# anything failed, including the build.

set -u
cd "$(dirname "$0")/.." || exit 1

scripts/deps.sh || exit 1

tmp=$(mktemp -d /tmp/mod_approov-test.XXXXXX) || exit 1
log=$tmp/check.log
out=$tmp/stage.log
stage_pid=
trap 'rm -rf "$tmp"' EXIT
# Stop the running stage (its whole process group) with us.
trap '[ -n "$stage_pid" ] && kill -TERM -- -"$stage_pid" 2>/dev/null; exit 130' INT TERM

start=$(date +%s)
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
    : > "$log"
fi

# summary_counts NAME FILE: $p and $f from the last "NAME: N passed, N
# failed" line of FILE; none: 0 and 1, and a non-zero return.
summary_counts() {
    local line
    p=0 f=1
    line=$(grep -E "^$1: [0-9]+ passed, [0-9]+ failed\$" "$2" | tail -n 1)
    [ -n "$line" ] || return 1
    p=$(echo "$line" | sed -E 's/^.*: ([0-9]+) passed.*/\1/')
    f=$(echo "$line" | sed -E 's/.* ([0-9]+) failed$/\1/')
}

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
summary_counts "httpd tests" "$log"
httpd_passed=$p httpd_failed=$f
echo "httpd tests: $httpd_passed passed, $httpd_failed failed"

total_passed=$((unit_passed + httpd_passed))
total_failed=$((unit_failed + httpd_failed))
if [ "$total_failed" = 0 ] && { [ "$build_ok" != 1 ] || [ "$check_status" != 0 ]; }; then
    total_failed=1
fi
recap=("unit tests: $unit_passed passed, $unit_failed failed"
       "httpd tests: $httpd_passed passed, $httpd_failed failed"
       "(build, unit and httpd tests: $(( $(date +%s) - start )) s)")

# stage NAME SECONDS COMMAND...: run COMMAND, stopped (with everything it
# started) after SECONDS; its output is shown and kept in $out.  Sets
# $status and $elapsed.
stage() {
    local name=$1 limit=$2 start tail_pid
    shift 2
    echo
    echo "=== $name: $* (at most $limit s)"
    start=$(date +%s)
    : > "$out"
    # timeout runs COMMAND in a process group of its own, all killed at
    # the limit.
    timeout -k 60 "$limit" "$@" > "$out" 2>&1 &
    stage_pid=$!
    tail -n +1 -f --pid="$stage_pid" "$out" &
    tail_pid=$!
    wait "$stage_pid"
    status=$?
    stage_pid=
    wait "$tail_pid"
    elapsed=$(( $(date +%s) - start ))
    [ "$status" = 124 ] && echo "$name: stopped after $limit s"
}

# count NAME: add the stage's summary line ("NAME: N passed, N failed", its
# last in $out) to the total.
count() {
    if ! summary_counts "$1" "$out"; then
        echo "$1: no summary line (exit $status): counted as a failure"
    elif [ "$f" = 0 ] && [ "$status" != 0 ]; then
        echo "$1: exit $status: counted as a failure"
        f=1
    fi
    total_passed=$((total_passed + p))
    total_failed=$((total_failed + f))
    recap+=("$1: $p passed, $f failed ($elapsed s)")
}

# fuzz_counts NAME PATTERN: one check per fuzz target, passed when its
# line matching PATTERN (%s: the target) is in $out and make did not say
# "fuzz_<target>: FAILED"; appends "NAME: N passed, N failed" to $out.
fuzz_counts() {
    local target np=0 nf=0
    # shellcheck disable=SC2013  # the targets: words on one line
    for target in $(sed -n 's/^TARGETS[[:space:]]*=//p' fuzz/Makefile); do
        # shellcheck disable=SC2059  # the pattern is the format
        if grep -qE "$(printf "$2" "$target")" "$out" \
           && ! grep -q "^fuzz_$target: FAILED" "$out"; then
            np=$((np + 1))
        else
            echo "$1: $target FAILED"
            nf=$((nf + 1))
        fi
    done
    [ $((np + nf)) -gt 0 ] || nf=1
    echo "$1: $np passed, $nf failed" | tee -a "$out"
}

# make -k: every target runs even when one fails.  The smoke runs fuzz
# scratch copies of the corpora in our own directory.
stage "fuzz regress" 600 make -k -C fuzz regress
fuzz_counts "fuzz regress" 'regress_%s: [0-9]+ inputs, all passed$'
count "fuzz regress"

stage "fuzz smoke" 900 make -k -C fuzz smoke SCRATCH="$tmp/fuzz"
fuzz_counts "fuzz smoke" '^  %s: Done [0-9]+ runs'
count "fuzz smoke"

# Its own fuzz replay is the "fuzz regress" stage's.
stage sanitizers 900 env FUZZ_REGRESS=0 scripts/check-sanitizers.sh
count sanitizers

stage soak 600 scripts/soak.sh --quick
count soak

stage deb 1200 scripts/check-deb.sh
count deb

stage dist 1500 scripts/check-dist.sh
count dist

stage valgrind 900 scripts/check-valgrind.sh
count valgrind

echo
echo "=== summary (wall time)"
printf '%s\n' "${recap[@]}"
echo "total: $total_passed passed, $total_failed failed"
[ "$total_failed" = 0 ]
