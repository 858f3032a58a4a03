#!/bin/sh
# README.md's table of SDK statuses ("| status | the SDK's meaning |")
# against the one list (lib/approov_sdk_status.h): every status name in
# exactly one row, no name the list lacks.  Run by make check.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/check-sdk-statuses.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
. "$top/tests/readme-table.sh"

sed -n 's/^ *X(APPROOV_SDK_[A-Z0-9_]*, "\([a-z0-9_]*\)").*/\1/p' \
    "$top/lib/approov_sdk_status.h" | sort > "$tmp/list"
readme_table_check check-sdk-statuses '^\| status \| the SDK.s meaning \|' \
    "$tmp/list" statuses "table of SDK statuses"
