#!/bin/bash
# Run the Apache::Test suite (tests/httpd) against the built module.
#
#   tests/run-httpd-tests.sh [Apache::Test arguments, e.g. t/proxy.t -verbose]
#
# The test tree and the module are copied to a fresh directory under /tmp:
# httpd's children must be able to traverse ServerRoot and DocumentRoot, and
# the checkout stays clean.  Apache::Test refuses to run as root, so as
# root the copy is handed to nobody and the suite runs as nobody.
#
# Environment: APPROOV_MODULE (default .libs/mod_approov.so), APPROOV_TOOL
# (default tools/approov-token: it signs requests for t/msgsig.t),
# APPROOV_MODULE_EXTRA (optional: a build with more outcomes, into which
# t/upgrade.t makes a graceful restart; make check builds one), APXS, HTTPD,
# PERL, APACHE_TEST_PORT (default: a free port, "select");
# KEEP=1 keeps the copy (its logs) and prints where it is.
# The last line printed is "httpd tests: N passed, N failed".

set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
module=${APPROOV_MODULE:-$top/.libs/mod_approov.so}
tool=${APPROOV_TOOL:-$top/tools/approov-token}
apxs=${APXS:-$(command -v apxs || command -v apxs2 || echo /usr/bin/apxs)}
httpd=${HTTPD:-$("$apxs" -q SBINDIR 2>/dev/null)/$("$apxs" -q TARGET 2>/dev/null)}
perl=${PERL:-perl}
port=${APACHE_TEST_PORT:-select}

summary() {
    echo "httpd tests: $1 passed, $2 failed"
}

fail() {
    echo "run-httpd-tests: $*" >&2
    summary 0 1
    exit 1
}

[ -f "$module" ] || fail "no module at $module: run make first"
[ -x "$httpd" ] || fail "no httpd at $httpd (set HTTPD)"
"$perl" -MApache::Test -e 1 2>/dev/null \
    || fail "Apache::Test is missing: apt-get install libapache2-mod-perl2"

work=$(mktemp -d /tmp/mod_approov-httpd-tests.XXXXXX) || fail "mktemp failed"
log="$work/run.log"

cleanup() {
    # Stop the test server if a run was cut short: only the one whose pid
    # file is in our own copy.
    local pid_file="$work/tree/t/logs/httpd.pid" pid
    if [ -s "$pid_file" ]; then
        pid=$(cat "$pid_file")
        case "$pid" in
            ''|*[!0-9]*) ;;
            *) kill "$pid" 2>/dev/null ;;
        esac
    fi
    if [ "${KEEP:-0}" = 1 ]; then
        echo "run-httpd-tests: kept $work" >&2
    else
        rm -rf "$work"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir "$work/tree"
cp -R "$here/httpd/." "$work/tree/"
cp "$module" "$work/mod_approov.so"
# The operator's example configurations, which t/conf_examples.t checks.
cp -R "$top/conf" "$work/examples"
# env -u first: an APPROOV_TEST_MODULE_EXTRA of the caller's never leaks in.
extra_env=(-u APPROOV_TEST_MODULE_EXTRA)
if [ -n "${APPROOV_MODULE_EXTRA:-}" ]; then
    [ -f "$APPROOV_MODULE_EXTRA" ] \
        || fail "no module at APPROOV_MODULE_EXTRA=$APPROOV_MODULE_EXTRA"
    cp "$APPROOV_MODULE_EXTRA" "$work/mod_approov_extra.so"
    extra_env=(APPROOV_TEST_MODULE_EXTRA="$work/mod_approov_extra.so")
fi
tool_env=()
if [ -x "$tool" ]; then
    cp "$tool" "$work/approov-token"
    tool_env=(APPROOV_TEST_TOOL="$work/approov-token")
fi
chmod -R u+rwX,go+rX "$work"

run=()
if [ "$(id -u)" = 0 ]; then
    chown -R nobody:nogroup "$work" 2>/dev/null \
        || chown -R nobody "$work" || fail "cannot chown $work to nobody"
    run=(runuser -u nobody --)
fi

cd "$work/tree" || fail "cannot enter $work/tree"
"${run[@]}" env "${extra_env[@]}" HOME="$work" \
    APPROOV_TEST_MODULE="$work/mod_approov.so" "${tool_env[@]}" APXS="$apxs" \
    APPROOV_TEST_EXAMPLES="$work/examples" \
    "$perl" t/TEST.PL -apxs "$apxs" -httpd "$httpd" -port "$port" "$@" \
    2>&1 | tee "$log"
status=${PIPESTATUS[0]}

# t/lib/ApproovHarness.pm ends the harness's summary with this line.
line=$(grep -E '^subtests: [0-9]+ passed, [0-9]+ failed$' "$log" | tail -n 1)
if [ -z "$line" ]; then
    # The harness never ran (the server did not start, say).
    summary 0 1
    exit 1
fi
passed=$(echo "$line" | sed -E 's/^subtests: ([0-9]+) passed.*/\1/')
failed=$(echo "$line" | sed -E 's/.* ([0-9]+) failed$/\1/')
# A failure the harness did not count (e.g. the server would not stop).
[ "$status" != 0 ] && [ "$failed" = 0 ] && failed=1
summary "$passed" "$failed"
[ "$status" = 0 ] && [ "$failed" = 0 ]
