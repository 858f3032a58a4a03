#!/bin/sh
# Replay the fuzz corpora and regressions once (no fuzzing, no clang): for
# `make check` (TESTS) or by hand.  Binaries go to $FUZZ_BUILD (default: a
# fuzz/ directory under the current one, so a read-only source tree works).
set -e
# No compiler with ASan/UBSan: skip (the automake test driver's 77).
if ! command -v "${REGRESS_CC:-gcc}" >/dev/null 2>&1; then
    echo "regress.sh: ${REGRESS_CC:-gcc} not found, skipped"
    exit 77
fi
srcdir=${srcdir:-$(dirname "$0")/..}
build=${FUZZ_BUILD:-$(pwd)/fuzz}
mkdir -p "$build"
exec ${MAKE:-make} -s -C "$srcdir/fuzz" B="$build" \
    ${REGRESS_CC:+REGRESS_CC="$REGRESS_CC"} regress
