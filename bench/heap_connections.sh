#!/usr/bin/env bash
# heap_connections.sh: does httpd with mod_approov keep any heap memory per
# connection or per request?  The question behind "RSS flat over 1M
# message-signed requests", asked of the heap itself rather than of RSS,
# which glibc's per-thread arenas and the threads' stacks move on their own.
#
#   bench/heap_connections.sh [N]     N connections per path and phase
#                                     (default 150; about a minute)
#   bench/heap_connections.sh --module path/to/mod_approov.so [N]
#
# One httpd (event MPM, -X, 8 threads) runs under valgrind memcheck with its
# gdbserver on.  Each phase opens N connections to each path below, in turn,
# and sends 3 requests on each (curl, 3 URLs on one connection), so every
# connection makes its token cache, the installation key kept with it, and
# frees them when it closes.  After each phase, with the server idle,
# `vgdb leak_check summary` reports the bytes allocated and reachable (or
# lost) at that moment.  Phases: a warm-up, then A, B and C.  Paths:
#   approov   HS256 token (repeated on the connection: the cache answers)
#   signed    ApproovMessageSigning Required, ecdsa-p256-sha256 install
#             signature over @method @target-uri approov-token
#   account   the same with an account (hmac-sha256) signature
#   h2signed  signed over h2c (h2load, 3 streams on one connection): the
#             streams' shared cache
# Pass: every request answered 200, nothing definitely or indirectly lost,
# and the heap reachable after A, B and C the same to the byte (no growth
# per connection or per request).  The last line is "heap_connections: PASS"
# or "heap_connections: FAIL (...)"; the exit status follows it.
# Everything under a temp ServerRoot in /tmp, 127.0.0.1 on a free port; the
# server is stopped by its PID.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
me=heap_connections.sh
tmp=$(mktemp -d /tmp/approov-heap.XXXXXX)
# shellcheck source=bench/common.sh
. "$here/common.sh"
vg_pid=
cleanup() {
    bench_stop "$vg_pid" 30
    [ "${KEEP:-0}" = 1 ] && echo "kept $tmp" >&2 || rm -rf "$tmp"
}
trap cleanup EXIT
chmod 755 "$tmp"

module=$top/.libs/mod_approov.so
if [ "${1:-}" = --module ]; then module=$2; shift 2; fi
n=${1:-150}
case $n in ''|*[!0-9]*|0) bench_die "bad count '$n'" ;; esac
[ -f "$module" ] || bench_die "no $module (run make)"
bench_need valgrind vgdb curl h2load openssl ss setpriv apxs
httpd=$(command -v apache2 || echo /usr/sbin/apache2)
moddir=$(apxs -q LIBEXECDIR)
port=$(free_port)

secret=$(head -c 64 /dev/urandom | base64 -w0)
acct_secret=$(head -c 32 /dev/urandom | base64 -w0)
bench_one_process_server "$port" "$module" approov signed account >"$tmp/httpd.conf"
cat >>"$tmp/httpd.conf" <<EOF
LogLevel warn approov:info
LoadModule http2_module "$moddir/mod_http2.so"
ThreadsPerChild 8
ThreadLimit 8
MaxRequestWorkers 8
Protocols h2c http/1.1
ApproovBase64Secret $secret
$(bench_locations "$acct_secret" heap-msk)
EOF
"$httpd" -t -f "$tmp/httpd.conf" >/dev/null 2>&1 || { "$httpd" -t -f "$tmp/httpd.conf"; exit 1; }

make -s -C "$here" approov-token >&2
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$tmp/install.pem" 2>/dev/null
token=$("$here/approov-token" mint --secret "$secret" --exp-in 3600)
sig_token=$("$here/approov-token" mint --secret "$secret" --exp-in 3600 \
            --install-key "$tmp/install.pem")
acct_token=$("$here/approov-token" mint --secret "$secret" --exp-in 3600 --claim mskid=heap-msk)
base=http://127.0.0.1:$port
"$here/approov-token" sign-request --install-key "$tmp/install.pem" --method GET \
    --url "$base/signed/hello.txt" --header "Approov-Token: $sig_token" >"$tmp/h-signed"
echo "Approov-Token: $sig_token" >>"$tmp/h-signed"
"$here/approov-token" sign-request --account-key "$acct_secret" --method GET \
    --url "$base/account/hello.txt" --header "Approov-Token: $acct_token" >"$tmp/h-account"
echo "Approov-Token: $acct_token" >>"$tmp/h-account"
echo "Approov-Token: $token" >"$tmp/h-approov"
cp "$tmp/h-signed" "$tmp/h-h2signed"

cd "$tmp/run"
"${as_user[@]}" valgrind --tool=memcheck --leak-check=no --vgdb=yes \
    --vgdb-error=1000000 --vgdb-prefix="$tmp/run/vgdb" --log-file="$tmp/run/vg.log" \
    "$httpd" -X -f "$tmp/httpd.conf" &
vg_pid=$!
for _ in $(seq 1 600); do
    curl -s -o /dev/null "$base/" && break
    kill -0 "$vg_pid" 2>/dev/null || { cat "$tmp/run/vg.log" "$tmp/run/error.log" >&2; exit 1; }
    sleep 0.1
done

# One connection per call: 3 requests on it.
connection() {   # path
    local url h hdrs=()
    case $1 in
        h2signed)
            # 3 streams on one h2c connection (h2load: curl 7.88 fails to
            # reuse a prior-knowledge connection for the next URL).
            while IFS= read -r h; do hdrs+=(-H "$h"); done <"$tmp/h-$1"
            h2load -n 3 -c 1 -m 3 "${hdrs[@]}" "$base/signed/hello.txt" 2>&1 \
                | awk '/^status codes:/ { for (i = 0; i < $3; i++) print 200 }'
            ;;
        *)
            url=$base/$1/hello.txt
            curl -s -w '%{http_code}\n' -H @"$tmp/h-$1" \
                -o /dev/null "$url" -o /dev/null "$url" -o /dev/null "$url"
            ;;
    esac
}
fail=
heap_now() {   # prints "in-use lost", or "? ?" when vgdb could not ask
    local out
    out=$("${as_user[@]}" timeout 120 vgdb --vgdb-prefix="$tmp/run/vgdb" --pid="$vg_pid" \
          leak_check summary 2>&1) || { echo "$out" >&2; echo "? ?"; return; }
    printf '%s\n' "$out" | awk '
        /definitely lost:|indirectly lost:/ { gsub(",", "", $4); lost += $4 }
        /possibly lost:/ { gsub(",", "", $4); possibly = $4 }
        /still reachable:/ { gsub(",", "", $4); reach = $4 }
        END { print reach + possibly, lost + 0 }'
}
paths="approov signed account h2signed"
echo "httpd -X under memcheck, $n connections per path and phase, 3 requests each"
echo
echo "| phase | connections | requests | 200 | heap in use (bytes) | lost (bytes) |"
echo "|---|---:|---:|---:|---:|---:|"
heaps=
for phase in warm-up A B C; do
    ok=0; reqs=0; conns=0
    for p in $paths; do
        for _ in $(seq 1 "$n"); do
            ok=$((ok + $(connection "$p" | grep -c '^200$' || true)))
            reqs=$((reqs + 3)); conns=$((conns + 1))
        done
    done
    read -r heap lost < <(heap_now)
    echo "| $phase | $conns | $reqs | $ok | $heap | $lost |"
    [ "$heap" != "?" ] || fail="$fail $phase:vgdb"
    [ "$ok" = "$reqs" ] || fail="$fail $phase:$((reqs - ok))-not-200"
    [ "$lost" = 0 ] || fail="$fail $phase:lost"
    [ "$phase" = warm-up ] || heaps="$heaps $heap"
done
set -- $heaps
[ "$1" = "$2" ] && [ "$2" = "$3" ] || fail="$fail heap-grew"

bench_stop "$vg_pid" 60
errors=$(sed -n 's/.*ERROR SUMMARY: \([0-9]*\) errors.*/\1/p' "$tmp/run/vg.log" | tail -1)
echo
echo "memcheck at exit: $(grep -E 'total heap usage' "$tmp/run/vg.log" | sed 's/^==[0-9]*== *//'); errors: ${errors:-none reported}"
[ "${errors:-x}" = 0 ] || fail="$fail memcheck-errors"
if [ -z "$fail" ]; then
    echo "heap_connections: PASS"
else
    echo "heap_connections: FAIL ($fail )"
    exit 1
fi
