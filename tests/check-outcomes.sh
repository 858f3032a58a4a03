#!/bin/sh
# README.md's reason table against the one outcome list
# (lib/approov_outcome.h): every outcome name in exactly one row, no name
# the list lacks.  "valid" is no reason (the table lists rejections) and a
# test build's test_extra_N outcomes are not documented.  Run by make check.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/check-outcomes.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
. "$top/tests/readme-table.sh"

sed -n 's/^ *X(APPROOV_[A-Z0-9_]*, "\([a-z0-9_]*\)",.*/\1/p' \
    "$top/lib/approov_outcome.h" | grep -vx valid | sort > "$tmp/list"
readme_table_check check-outcomes '^\| reason \| meaning \|' "$tmp/list" \
    reasons "reason table"
