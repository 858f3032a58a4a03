#!/usr/bin/env bash
# callgrind_server.sh: what mod_approov costs httpd per request, in CPU
# instructions, which no noise on a shared machine can blur.
#
#   bench/callgrind_server.sh [N]     N requests per row (default 2000)
#   bench/callgrind_server.sh --module path/to/mod_approov.so [N]
#
# For each row, an httpd (mpm_event, one process: -X) runs under valgrind
# --tool=callgrind, counting only inside ap_run_process_connection, and curl
# sends it N keep-alive GETs of a small static file over one connection; a
# second run sends 2N, and the difference is the cost of N requests without
# start-up, warm-up or shutdown.
# Rows, all on the same server:
#   plain        /plain/hello.txt, no Approov-Token header
#   plain+token  /plain/hello.txt with the valid token: what the client's
#                bigger request costs httpd before any module looks at it
#   approov      /approov/hello.txt (Approov On), the valid token: 200; from
#                the connection's second request on, the module's
#                connection cache answers
#   approov-new  the same with a new valid token on every request (64 in
#                turn, curl --next operations on one connection): each one
#                verified in full
#   reject       /approov/hello.txt, the token with a bad signature: 401
#   plain+sig    /plain/hello.txt with row signed's headers (token with ipk,
#                Signature-Input, Signature), not checked there
#   signed       /signed/hello.txt, ApproovMessageSigning Required: the token
#                (repeated: the connection cache answers) and a valid
#                ecdsa-p256-sha256 install signature, checked every request
# ROWS="plain+sig signed" runs only those rows.
# It prints Ir per request per row, the module's cost (approov - plain+token),
# and, for the approov row, the inclusive Ir per request of the module's hook
# and of the functions it calls.  Everything under a temp ServerRoot in /tmp,
# 127.0.0.1 on a free port; the httpd is stopped by its PID.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
module=
if [ "${1:-}" = --module ]; then module=$2; shift 2; fi
n=${1:-2000}
case $n in ''|*[!0-9]*|0) echo "callgrind_server.sh: bad count '$n'" >&2; exit 2 ;; esac

me=callgrind_server.sh
tmp=$(mktemp -d /tmp/approov-cgserver.XXXXXX)
# shellcheck source=bench/common.sh
. "$here/common.sh"
vg_pid=
cleanup() {
    bench_stop "$vg_pid" 10
    [ "${KEEP:-0}" = 1 ] && echo "kept $tmp" >&2 || rm -rf "$tmp"
}
trap cleanup EXIT
chmod 755 "$tmp"
bench_need valgrind callgrind_annotate apxs curl bc ss
httpd=$(command -v apache2 || echo /usr/sbin/apache2)
moddir=$(apxs -q LIBEXECDIR)

if [ -z "$module" ]; then
    module=$(bench_build_module "$top")
fi

make -s -C "$here" bench_verify >&2
{ read -r token; read -r bad_token; } < <("$here/bench_verify" --mint)
mapfile -t tokens < <("$here/bench_verify" --mint-set 64)
secret='h+CX0tOzdAAR9l15bWAqvq7w9olk66daIH+Xk+IAHhVVHszjDzeGobzNnqyRze3lw/WVyWrc2gZfh3XXfBOmww=='

port=$(free_port)

bench_one_process_server "$port" "$module" plain approov signed >"$tmp/httpd.conf"
cat >>"$tmp/httpd.conf" <<EOF
LogLevel warn
ApproovBase64Secret $secret
$(bench_locations)
EOF
# Rows plain+sig and signed: a token with an install key's public half in
# ipk and that key's signature of the request (as bench_server.sh row e).
make -s -C "$here" approov-token >&2
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$tmp/install.pem" 2>/dev/null
sig_token=$("$here/approov-token" mint --secret "$secret" --exp-in 31536000 \
            --install-key "$tmp/install.pem")
for u in plain signed; do
    "$here/approov-token" sign-request --install-key "$tmp/install.pem" --method GET \
        --url "http://127.0.0.1:$port/$u/hello.txt" \
        --header "Approov-Token: $sig_token" >"$tmp/sig-$u"
done
"$httpd" -t -f "$tmp/httpd.conf" >/dev/null 2>&1 || { "$httpd" -t -f "$tmp/httpd.conf"; exit 1; }

# N GETs over one keep-alive connection (curl's URL range).
fire() {   # count path expected-status [header]
    local codes
    codes=$(curl -s -o /dev/null -w '%{http_code}\n' --max-time 900 ${4:+-H "$4"} \
        "http://127.0.0.1:$port$2?[1-$1]" | sort | uniq -c | awk '{print $2 "x" $1}' | paste -sd' ')
    [ "$codes" = "$3x$1" ] || { echo "callgrind_server.sh: $2: got $codes, expected $3x$1" >&2; exit 1; }
}

# N GETs over one connection, each with the next of the 64 tokens: one curl
# operation per request (--next), which reuses the connection.
fire_new() {   # count path expected-status
    local i codes
    for ((i = 0; i < $1; i++)); do
        [ "$i" = 0 ] || echo next
        printf 'url = "http://127.0.0.1:%s%s?%d"\nheader = "Approov-Token: %s"\n' \
            "$port" "$2" "$i" "${tokens[$((i % 64))]}"
        printf 'silent\noutput = /dev/null\nmax-time = 900\n'
        printf 'write-out = "%%{http_code} %%{num_connects}\\n"\n'
    done >"$tmp/curl-new.conf"
    codes=$(curl -K "$tmp/curl-new.conf" | sort | uniq -c | awk '{print $2 "/" $3 "x" $1}' | paste -sd' ')
    # one connection made (the first request), every other one reused
    [ "$codes" = "$3/0x$(($1 - 1)) $3/1x1" ] \
        || { echo "callgrind_server.sh: $2 with new tokens: got $codes (status/connects)" >&2; exit 1; }
}

# N identical GETs over one connection with row signed's headers (the
# signature covers the target URI: no ?[1-N]), one curl operation each.
fire_sig() {   # count path expected-status
    local i codes u=${2#/}
    u=${u%%/*}
    for ((i = 0; i < $1; i++)); do
        [ "$i" = 0 ] || echo next
        printf 'url = "http://127.0.0.1:%s%s"\nheader = "Approov-Token: %s"\n' \
            "$port" "$2" "$sig_token"
        sed 's/"/\\"/g; s/^.*$/header = "&"/' "$tmp/sig-$u"
        printf 'silent\noutput = /dev/null\nmax-time = 900\n'
        printf 'write-out = "%%{http_code} %%{num_connects}\\n"\n'
    done >"$tmp/curl-sig.conf"
    codes=$(curl -K "$tmp/curl-sig.conf" | sort | uniq -c | awk '{print $2 "/" $3 "x" $1}' | paste -sd' ')
    [ "$codes" = "$3/0x$(($1 - 1)) $3/1x1" ] \
        || { echo "callgrind_server.sh: $2 signed: got $codes (status/connects)" >&2; exit 1; }
}

# One httpd under callgrind serving count requests of a row; counting only
# inside ap_run_process_connection (reading, handling and answering a
# request; not start-up, not the MPM's waiting).  Prints the total Ir.
run_row() {   # out-file count path status [header]
    local out=$1 count=$2
    shift 2
    "${as_user[@]}" valgrind --tool=callgrind --toggle-collect=ap_run_process_connection \
        --callgrind-out-file="$out" \
        "$httpd" -X -f "$tmp/httpd.conf" >"$tmp/valgrind.log" 2>&1 &
    vg_pid=$!
    for _ in $(seq 1 600); do
        [ -n "$(ss -Htln "sport = :$port" 2>/dev/null)" ] && break
        sleep 0.2
    done
    case $1 in
        new) fire_new "$count" "${@:2}" ;;
        sig) fire_sig "$count" "${@:2}" ;;
        *) fire "$count" "$@" ;;
    esac
    kill -TERM "$vg_pid"
    wait "$vg_pid" || true
    vg_pid=
    callgrind_annotate "$out" 2>/dev/null \
        | awk '/PROGRAM TOTALS/ && !done { gsub(",", "", $1); print $1; done = 1 }'
}

# Two runs per row, n and 2n requests: the difference is n requests' worth,
# without start-up, warm-up or shutdown.
rows=(${ROWS:-plain plain+token approov approov-new reject plain+sig signed})
declare -A ir
for row in "${rows[@]}"; do
    case $row in
        plain)       args=(/plain/hello.txt 200) ;;
        plain+token) args=(/plain/hello.txt 200 "Approov-Token: $token") ;;
        approov)     args=(/approov/hello.txt 200 "Approov-Token: $token") ;;
        approov-new) args=(new /approov/hello.txt 200) ;;
        reject)      args=(/approov/hello.txt 401 "Approov-Token: $bad_token") ;;
        plain+sig)   args=(sig /plain/hello.txt 200) ;;
        signed)      args=(sig /signed/hello.txt 200) ;;
    esac
    one=$(run_row "$tmp/run/$row-1.out" "$n" "${args[@]}")
    two=$(run_row "$tmp/run/$row-2.out" $((2 * n)) "${args[@]}")
    ir[$row]=$((two - one))
done

echo "callgrind: httpd -X (event MPM), $n keep-alive GETs per row, instructions per request"
echo
printf '%-12s %10s\n' row Ir/request
for row in "${rows[@]}"; do
    printf '%-12s %10.0f\n' "$row" "$(echo "${ir[$row]} / $n" | bc -l)"
done
echo
pair() {   # label row reference
    [ -n "${ir[$2]:-}" ] && [ -n "${ir[$3]:-}" ] || return 0
    printf '%-58s %8.0f Ir (%.1f%% of %s)\n' "$1 ($2 - $3):" \
        "$(echo "(${ir[$2]} - ${ir[$3]}) / $n" | bc -l)" \
        "$(echo "100 * (${ir[$2]} - ${ir[$3]}) / ${ir[$3]}" | bc -l)" "$3"
}
pair "the token header alone" plain+token plain
pair "the module, valid token" approov plain+token
pair "the module, a new token each request" approov-new plain+token
pair "the module, signed request (token cached)" signed plain+sig
echo
for row in approov approov-new signed; do
    [ -f "$tmp/run/$row-2.out" ] || continue
    echo
    echo "$row row: inclusive Ir per request of the module's functions and what they call (2n run, per request)"
    callgrind_annotate --inclusive=yes "$tmp/run/$row-2.out" 2>/dev/null \
        | awk -v n="$n" -v row="$row" '
              row != "signed" && !/mod_approov|approov_|cJSON_|SHA256|CRYPTO_memcmp/ { next }
              row == "signed" && !/mod_approov|approov_|cJSON_|SHA|EC_|ECDSA|BN_|ossl_|CRYPTO_|OPENSSL_|ERR_|EVP_|pthread_|ecp_nistz256|apr_|b64/ { next }
              {
              ir = $1; gsub(",", "", ir); fn = $0
              # "  1,234 ( 0.5%)  file:function [object]" -> "file:function [object]"
              sub(/^ *[0-9,]+ *(\( *[0-9.]+%\))? */, "", fn)
              # drop the temp build directory from the names
              gsub(/\/tmp\/approov-cgserver\.[^\/]*\/build\/(\.libs\/)?/, "", fn)
              if (ir + 0 >= n * 40) printf "  %8.0f  %s\n", ir / (2 * n), fn }' \
        | sort -k1,1nr -u | head -${TOP:-25}
done
