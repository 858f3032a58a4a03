#!/bin/sh
# README.md's table of SDK statuses ("| status | the SDK's meaning |")
# against the one list (lib/approov_sdk_status.h): every status name in
# exactly one row, no name the list lacks.  Run by make check.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/check-sdk-statuses.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT

sed -n 's/^ *X(APPROOV_SDK_[A-Z0-9_]*, "\([a-z0-9_]*\)").*/\1/p' \
    "$top/lib/approov_sdk_status.h" | sort > "$tmp/list"
awk '/^\| status \| the SDK.s meaning \|/ { on = 1; next }
     on && !/^\|/ { exit }
     on { n = split($0, col, "|"); if (n > 2) print col[2] }' \
    "$top/README.md" | grep -o '`[a-z0-9_]*`' | tr -d '`' | sort > "$tmp/table"

if [ ! -s "$tmp/list" ] || [ ! -s "$tmp/table" ]; then
    echo "check-sdk-statuses: no status list or no README status table"
    exit 1
fi
status=0
dups=$(uniq -d "$tmp/table")
missing=$(sort -u "$tmp/table" | comm -23 "$tmp/list" -)
extra=$(sort -u "$tmp/table" | comm -13 "$tmp/list" -)
if [ -n "$dups" ]; then
    echo "check-sdk-statuses: README.md lists twice:" $dups
    status=1
fi
if [ -n "$missing" ]; then
    echo "check-sdk-statuses: README.md lacks:" $missing
    status=1
fi
if [ -n "$extra" ]; then
    echo "check-sdk-statuses: README.md lists statuses the list lacks:" $extra
    status=1
fi
[ $status = 0 ] && echo "check-sdk-statuses: $(wc -l < "$tmp/list") statuses, README.md agrees"
exit $status
