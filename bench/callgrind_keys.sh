#!/usr/bin/env bash
# callgrind_keys.sh: per approov_verify() of a key-file token (RS256, PS256,
# ES256, EdDSA), the instructions and the calls into OpenSSL's shared
# state: read/write locks, by-name lookups (OPENSSL_strcasecmp, the name
# map) and method fetches.  None of them should be on a request's path.
#
#   bench/callgrind_keys.sh [N]     N and 2N verifications per algorithm
#                                   (default 200); the difference / N
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
n=${1:-200}
make -s -C "$here" bench_keys >/dev/null
tmp=$(mktemp -d /tmp/cgkeys.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fns='CRYPTO_THREAD_read_lock CRYPTO_THREAD_write_lock OPENSSL_strcasecmp EVP_MD_fetch EVP_SIGNATURE_fetch'
count() {   # $1 alg, $2 iterations: "Ir calls..." inside approov_verify
    local out=$tmp/cg.$1.$2
    valgrind --tool=callgrind --callgrind-out-file="$out" \
        --toggle-collect=approov_verify "$here/bench_keys" 1 "$2" "$1" \
        >/dev/null 2>&1
    callgrind_annotate "$out" 2>/dev/null |
        awk '/PROGRAM TOTALS/ { gsub(",", "", $1); total = $1 }
             END { printf "%s", total }'
    # call counts: from the calls= lines of the raw profile
    for fn in $fns; do
        awk -v fn="$fn" '
            /^cfn=/ { cur = $0; sub(/^cfn=\([0-9]+\) ?/, "", cur);
                      if (cur == "") { id = $0; sub(/^cfn=/, "", id); cur = names[id] }
                      else { id = $0; sub(/^cfn=/, "", id); sub(/ .*/, "", id); names[id] = cur } ;
                      target = cur; next }
            /^fn=/ { x = $0; sub(/^fn=/, "", x); id = x; sub(/ .*/, "", id);
                     nm = x; sub(/^\([0-9]+\) ?/, "", nm); if (nm != "") names[id] = nm }
            /^calls=/ { t = target; sub(/@.*/, "", t); if (t == fn) { split($0, a, /[= ]/); c += a[2] } }
            END { printf " %d", c }' "$out"
    done
    echo
}
printf '| alg | Ir/verify |'; for fn in $fns; do printf ' %s |' "$fn"; done; echo
printf '|---|---:|'; for fn in $fns; do printf -- '---:|'; done; echo
for alg in ${ALGS:-RS256 PS256 ES256 EdDSA}; do
    a=($(count "$alg" "$n")); b=($(count "$alg" $((2 * n))))
    printf '| %s |' "$alg"
    for i in "${!a[@]}"; do
        awk -v x="${a[$i]}" -v y="${b[$i]}" -v n="$n" \
            'BEGIN { v = (y - x) / n; printf (v == int(v) ? " %d |" : " %.1f |"), v }'
    done
    echo
done
