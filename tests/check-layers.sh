#!/bin/sh
# The core's shape (lib/README.md), checked by make check:
#   - no core file includes an httpd header (httpd.h, http_*.h, ap_*.h,
#     mod_*.h, util_*.h) or any quoted header but a core one;
#   - a unit includes only its own header and those of lower layers, so
#     the include graph goes downwards only and has no cycle (tsort checks
#     that too, in case the order below is ever loosened).
# The layer order, lowest first.  A unit may not include the other units of
# its own layer.  A new unit goes in here and in lib/README.md.
LAYERS='
0 outcome base64 envfile sdk_status
1 json sfv claims
2 keys
3 token msgsig jwks
4 token_cache mint replay
'
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
status=0
fail() { echo "check-layers: $*"; status=1; }

layer_of() {
    printf '%s\n' "$LAYERS" | awk -v u="$1" '
        { for (i = 2; i <= NF; i++) if ($i == u) { print $1; exit } }'
}

edges=
for f in "$top"/lib/*.c "$top"/lib/*.h; do
    [ -f "$f" ] || continue
    name=$(basename "$f")
    unit=$(echo "$name" | sed -n 's/^approov_\(.*\)\.[ch]$/\1/p')
    mine=$(layer_of "$unit")
    if [ -z "$unit" ] || [ -z "$mine" ]; then
        fail "lib/$name: not a unit of the layer list in tests/check-layers.sh"
        continue
    fi
    bad=$(grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"](httpd\.h|http_[^>"]*\.h|ap_[^>"]*\.h|mod_[^>"]*\.h|util_[^>"]*\.h)[>"]' "$f")
    [ -z "$bad" ] || fail "lib/$name includes an httpd header: $bad"
    for inc in $(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f"); do
        dep=$(echo "$inc" | sed -n 's/^approov_\(.*\)\.h$/\1/p')
        theirs=$(layer_of "$dep")
        if [ -z "$dep" ] || [ -z "$theirs" ] || [ ! -f "$top/lib/$inc" ]; then
            fail "lib/$name includes \"$inc\", not a core header"
            continue
        fi
        [ "$dep" = "$unit" ] && continue
        edges="$edges$unit $dep
"
        if [ "$theirs" -ge "$mine" ]; then
            fail "lib/$name (layer $mine) includes $inc (layer $theirs): not downwards"
        fi
    done
done
if ! printf '%s' "$edges" | tsort >/dev/null 2>&1; then
    fail "the core's include graph has a cycle: $(printf '%s' "$edges" | tsort 2>&1 >/dev/null | tr '\n' ' ')"
fi
[ "$status" = 0 ] && echo "check-layers: $(ls "$top"/lib/*.[ch] | wc -l) core files, downwards only, no httpd header"
exit $status
