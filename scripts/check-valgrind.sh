#!/bin/bash
# A short Apache::Test pass with the test httpd under valgrind memcheck:
# one process (-D ONE_PROCESS), the module just built, a few test files.
#
#   scripts/check-valgrind.sh [Apache::Test test files]
#       default: t/protect.t t/reasons.t t/keys.t t/msgsig.t t/proxy.t
#                t/adversarial.t t/keepalive.t
#
# Run `make` first.  Environment: TIMEOUT (seconds, default 600), HTTPD
# (default: apxs's httpd), VALGRIND (default valgrind), KEEP=1 keeps the
# valgrind logs and prints where they are.
#
# tests/run-httpd-tests.sh is run as it is, with HTTPD pointing at a small
# wrapper: it starts httpd under valgrind when Apache::Test starts the test
# server in one-process mode (-one-process), and runs httpd directly for
# everything else (httpd -V and the like).
#
# Checks, each counted:
#   - every Apache::Test subtest, as tests/run-httpd-tests.sh counts them;
#   - valgrind ran, httpd under it stopped normally (its summary is in the
#     log) and no process it watched died of a signal;
#   - no memory error (invalid read or write, use of uninitialised
#     values, bad free...): valgrind's ERROR SUMMARY is 0;
#   - no block "definitely lost" whose allocation stack passes through
#     mod_approov (httpd and its libraries leave some of their own at exit:
#     those are reported, not counted).  OpenSSL's one-time global set-up,
#     which mod_approov happens to trigger first, is suppressed by
#     scripts/valgrind-openssl.supp (it says why).
# The last line printed is "valgrind: N passed, N failed".

set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1

passed=0
failed=0
summary() {
    echo "valgrind: $passed passed, $failed failed"
    [ "$failed" = 0 ]
}

valgrind=${VALGRIND:-$(command -v valgrind)}
apxs=${APXS:-$(command -v apxs || command -v apxs2 || echo /usr/bin/apxs)}
httpd=${HTTPD:-$("$apxs" -q SBINDIR 2>/dev/null)/$("$apxs" -q TARGET 2>/dev/null)}
timeout=${TIMEOUT:-600}
if [ -z "$valgrind" ] || [ ! -x "$valgrind" ]; then
    echo "check-valgrind: valgrind is not installed (apt-get install valgrind)" >&2
    failed=1; summary; exit 1
fi
if [ ! -f .libs/mod_approov.so ]; then
    echo "check-valgrind: no .libs/mod_approov.so: run make first" >&2
    failed=1; summary; exit 1
fi

tests=("$@")
[ ${#tests[@]} = 0 ] && tests=(t/protect.t t/reasons.t t/keys.t t/msgsig.t t/proxy.t
                                 t/adversarial.t t/keepalive.t)

# World-writable: the test server runs as nobody when we are root.
vg=$(mktemp -d /tmp/mod_approov-valgrind.XXXXXX) || exit 1
chmod 1777 "$vg"
cleanup() {
    if [ "${KEEP:-0}" = 1 ]; then
        echo "check-valgrind: kept $vg" >&2
    else
        rm -rf "$vg"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
# Where the nobody user can read it, as the module's copy.
if ! cp scripts/valgrind-openssl.supp "$vg/openssl.supp" \
   || ! chmod 0644 "$vg/openssl.supp"; then
    echo "check-valgrind: cannot copy scripts/valgrind-openssl.supp" >&2
    failed=1; summary; exit 1
fi

# --keep-debuginfo: httpd unloads the module before valgrind looks for
# leaks; without it a leaked block's stack would show "???".
cat > "$vg/httpd" <<WRAPPER
#!/bin/sh
for arg in "\$@"; do
    case "\$arg" in
        ONE_PROCESS|-X)
            exec "$valgrind" --tool=memcheck --error-exitcode=99 \\
                --log-file="$vg/valgrind.%p.log" --num-callers=40 \\
                --track-origins=no --leak-check=full \\
                --show-leak-kinds=definite --errors-for-leak-kinds=none \\
                --keep-debuginfo=yes --suppressions="$vg/openssl.supp" \\
                "$httpd" "\$@"
            ;;
    esac
done
exec "$httpd" "\$@"
WRAPPER
chmod 0755 "$vg/httpd"

echo "check-valgrind: ${tests[*]} with $httpd under $valgrind (at most ${timeout}s)"
start=$(date +%s)
# valgrind slows start-up and every request down.
APACHE_TEST_STARTUP_TIMEOUT=300 HTTPD="$vg/httpd" \
    timeout -k 30 "$timeout" tests/run-httpd-tests.sh -one-process "${tests[@]}" \
    > "$vg/run.log" 2>&1
status=$?
elapsed=$(( $(date +%s) - start ))
grep -E '^t/.*\.t \.|^(Files=|Result:|Failed |subtests:)' "$vg/run.log"
[ "$status" = 124 ] && echo "check-valgrind: timed out after ${timeout}s"
echo "check-valgrind: the test run took ${elapsed}s"

line=$(grep -E '^httpd tests: [0-9]+ passed, [0-9]+ failed$' "$vg/run.log" | tail -n 1)
if [ -n "$line" ]; then
    p=$(echo "$line" | sed -E 's/^httpd tests: ([0-9]+) passed.*/\1/')
    f=$(echo "$line" | sed -E 's/.* ([0-9]+) failed$/\1/')
    passed=$((passed + p))
    failed=$((failed + f))
    echo "check-valgrind: subtests: $p passed, $f failed"
else
    tail -n 30 "$vg/run.log"
    echo "check-valgrind: the test run gave no count"
    failed=$((failed + 1))
fi

# One log per process valgrind watched: the server itself (one process),
# and what it forked (mod_cgid's daemon and, until they exec a CGI
# script, its children: those logs end at the exec, without a summary).
logs=()
for log in "$vg"/valgrind.*.log; do
    [ -f "$log" ] && logs+=("$log")
done
pids=" "
for log in "${logs[@]}"; do
    pids+="$(basename "$log" .log | sed 's/^valgrind\.//') "
done
servers=0 server_ok=0 crashes=0 errors=0 approov_lost=0 other_lost=0
in_exit_lost=0
for log in "${logs[@]}"; do
    parent=$(sed -nE 's/^==[0-9]+== Parent PID: ([0-9]+).*/\1/p' "$log" | head -n 1)
    if [ -n "$parent" ] && [ "${pids#* $parent }" = "$pids" ]; then
        # Started by Apache::Test, not forked by a watched process: the
        # server.  It must end with valgrind's summary, not by a signal.
        servers=$((servers + 1))
        if grep -q 'ERROR SUMMARY:' "$log" \
           && ! grep -q 'Process terminating with default action of signal' "$log"; then
            server_ok=$((server_ok + 1))
        fi
    fi
    # A crash anywhere (SIGTERM is how the server stops mod_cgid's daemon).
    if grep -E 'Process terminating with default action of signal' "$log" \
       | grep -vq 'signal 15 (SIGTERM)'; then
        crashes=$((crashes + 1))
        grep -E -A 15 'Process terminating with default action' "$log"
    fi
    n=$(sed -nE 's/.*ERROR SUMMARY: ([0-9]+) errors.*/\1/p' "$log" | tail -n 1)
    errors=$((errors + ${n:-0}))
    # A process killed part-way through its exit handlers (mod_cgid's
    # daemon: httpd sends it SIGHUP, it calls exit(), and the SIGTERM that
    # follows can land inside OpenSSL's atexit cleanup) has tables half
    # freed, and what they still pointed to shows as lost: its loss
    # records say nothing about leaks.  Counted apart, not failed.
    if awk '/Process terminating with default action of signal/ { t = 1; next }
            t && /^==[0-9]+== *$/ { exit }
            t && /__run_exit_handlers/ { found = 1; exit }
            END { exit !found }' "$log"; then
        n=$(grep -c 'definitely lost in loss record' "$log")
        echo "check-valgrind: $(basename "$log"): killed during its exit handlers; $n loss records not counted"
        in_exit_lost=$((in_exit_lost + n))
        continue
    fi
    # Loss records: from "... definitely lost in loss record ..." up to the
    # blank line that ends the record's stack.
    n=$(awk '/definitely lost in loss record/ { rec = 1; hit = 0; next }
             rec && /^==[0-9]+== *$/ { if (hit) c++; rec = 0; next }
             rec && /approov/ { hit = 1 }
             END { print c + 0 }' "$log")
    approov_lost=$((approov_lost + n))
    n=$(grep -c 'definitely lost in loss record' "$log")
    other_lost=$((other_lost + n))
done
other_lost=$((other_lost - approov_lost))

echo "check-valgrind: ${#logs[@]} processes watched; the server: $servers, stopped normally: $server_ok; crashed: $crashes"
if [ "$servers" -gt 0 ] && [ "$server_ok" = "$servers" ] && [ "$crashes" = 0 ]; then
    passed=$((passed + 1))
else
    echo "check-valgrind: httpd under valgrind did not run, did not stop normally or crashed: FAILED"
    failed=$((failed + 1))
fi

if [ "$errors" = 0 ]; then
    echo "check-valgrind: memory errors (invalid reads/writes, uninitialised values): 0"
    passed=$((passed + 1))
else
    echo "check-valgrind: memory errors: $errors: FAILED"
    for log in "${logs[@]}"; do
        # Each error, with the first frames of its stack.
        grep -E -A 12 '== (Invalid|Conditional|Use of uninit|Syscall param|Mismatched|Source and destination|Argument)' "$log" | head -n 120
    done
    failed=$((failed + 1))
fi

for log in "${logs[@]}"; do
    grep -E 'definitely lost:|indirectly lost:' "$log" | tail -n 2 | sed "s|^|$(basename "$log"): |"
done
if [ "$approov_lost" = 0 ]; then
    echo "check-valgrind: definitely lost blocks allocated through mod_approov: 0 (others, httpd's and its libraries': $other_lost; in processes killed during exit: $in_exit_lost)"
    passed=$((passed + 1))
else
    echo "check-valgrind: definitely lost blocks allocated through mod_approov: $approov_lost: FAILED"
    for log in "${logs[@]}"; do
        awk '/definitely lost in loss record/ { rec = 1; buf = $0 "\n"; hit = 0; next }
             rec { buf = buf $0 "\n"; if (/approov/) hit = 1 }
             rec && /^==[0-9]+== *$/ { if (hit) printf "%s", buf; rec = 0 }' "$log" | head -n 150
    done
    failed=$((failed + 1))
fi

summary
