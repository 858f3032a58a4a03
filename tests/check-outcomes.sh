#!/bin/sh
# README.md's reason table against the one outcome list
# (lib/approov_outcome.h): every outcome name in exactly one row, no name
# the list lacks.  "valid" is no reason (the table lists rejections) and a
# test build's test_extra_N outcomes are not documented.  Run by make check.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/check-outcomes.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT

sed -n 's/^ *X(APPROOV_[A-Z0-9_]*, "\([a-z0-9_]*\)",.*/\1/p' \
    "$top/lib/approov_outcome.h" | grep -vx valid | sort > "$tmp/list"
# The rows after the "| reason | meaning |" header, up to the first line
# that is not a row; every `name` in a row's first column.
awk '/^\| reason \| meaning \|/ { on = 1; next }
     on && !/^\|/ { exit }
     on { n = split($0, col, "|"); if (n > 2) print col[2] }' \
    "$top/README.md" | grep -o '`[a-z0-9_]*`' | tr -d '`' | sort > "$tmp/table"

if [ ! -s "$tmp/list" ] || [ ! -s "$tmp/table" ]; then
    echo "check-outcomes: no outcome list or no README reason table"
    exit 1
fi
status=0
dups=$(uniq -d "$tmp/table")
missing=$(sort -u "$tmp/table" | comm -23 "$tmp/list" -)
extra=$(sort -u "$tmp/table" | comm -13 "$tmp/list" -)
if [ -n "$dups" ]; then
    echo "check-outcomes: README.md lists twice:" $dups
    status=1
fi
if [ -n "$missing" ]; then
    echo "check-outcomes: outcomes missing from README.md's reason table:" $missing
    status=1
fi
if [ -n "$extra" ]; then
    echo "check-outcomes: README.md's reason table names no outcome:" $extra
    status=1
fi
[ "$status" = 0 ] && echo "check-outcomes: $(wc -l < "$tmp/list") reasons, README.md agrees"
exit $status
