#!/bin/bash
# Rebuild the unit test programs of the verification core with
# AddressSanitizer and UndefinedBehaviorSanitizer, and run them with leak
# detection; then, if fuzz/Makefile has a "regress" target, replay the
# fuzz corpus through its sanitizer build too.
#
#   scripts/check-sanitizers.sh          from anywhere in a clone
#
# Environment: CC (default clang, else gcc), KEEP=1 keeps the build
# directory and prints where it is, FUZZ_REGRESS=0 skips the fuzz replay
# (scripts/test.sh runs it as a stage of its own).
#
# The checkout is not touched: everything is built in a directory under
# /tmp.  Each unit test program ends with "N passed, N failed"; those
# counts are summed, and a program that a sanitizer stopped, or that ended
# without its summary, adds a failure.  The fuzz replay counts as one
# check.  The last line printed is
#   sanitizers: N passed, N failed
# and the exit status is 0 only when nothing failed.

set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1

passed=0
failed=0
summary() {
    echo "sanitizers: $passed passed, $failed failed"
    [ "$failed" = 0 ]
}

cc=${CC:-$(command -v clang || command -v gcc || echo cc)}

# The core the unit tests link, as sources.mk lists it.
core=$(sed -n 's/^CORE\(_TOOL\)\{0,1\}_SRCS[[:space:]]*=[[:space:]]*//p' sources.mk)
if [ -z "$core" ]; then
    echo "check-sanitizers: no CORE_SRCS in sources.mk" >&2
    failed=1; summary; exit 1
fi
if ! flags=$(pkg-config --cflags apr-1 libcjson 2>/dev/null) \
   || ! libs=$(pkg-config --libs apr-1 libcjson libcrypto 2>/dev/null); then
    echo "check-sanitizers: pkg-config knows no apr-1, libcjson or libcrypto" >&2
    failed=1; summary; exit 1
fi

work=$(mktemp -d /tmp/mod_approov-sanitizers.XXXXXX) || exit 1
cleanup() {
    if [ "${KEEP:-0}" = 1 ]; then
        echo "check-sanitizers: kept $work" >&2
    else
        rm -rf "$work"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

san=(-fsanitize=address,undefined -fno-sanitize-recover=undefined
     -fno-omit-frame-pointer -g -O1)
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:strict_string_checks=1:detect_stack_use_after_return=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-}

# "sanitizer said something" in a program's output.
sanitizer_report() {
    grep -E '^(==[0-9]+==ERROR: |SUMMARY: (Address|Undefined|Leak)Sanitizer)|runtime error: ' "$1"
}

echo "check-sanitizers: $cc ${san[*]}, ASAN_OPTIONS=$ASAN_OPTIONS"
# Every unit test program make check builds.
progs=$(cd tests/unit && ls test_*.c | sed 's/\.c$//')
for prog in $progs; do
    src=tests/unit/$prog.c
    if [ ! -f "$src" ]; then
        echo "check-sanitizers: $src: missing"
        failed=$((failed + 1))
        continue
    fi
    # shellcheck disable=SC2086  # flags and libs are word lists
    if ! "$cc" -std=c99 -Wall -Wextra "${san[@]}" -I. -Ilib $flags -o "$work/$prog" \
            "$src" $core $libs > "$work/$prog.build.log" 2>&1; then
        cat "$work/$prog.build.log"
        echo "check-sanitizers: $prog: build FAILED"
        failed=$((failed + 1))
        continue
    fi
    "$work/$prog" > "$work/$prog.log" 2>&1
    status=$?
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$work/$prog.log" | tail -n 1)
    p=0 f=0
    if [ -n "$line" ]; then
        p=${line%% passed*}
        f=${line#*passed, }
        f=${f%% failed*}
    fi
    report=$(sanitizer_report "$work/$prog.log")
    if [ "$status" != 0 ] || [ -n "$report" ] || [ -z "$line" ]; then
        # Show what went wrong: the failing checks and the sanitizer's words.
        grep -vE '^[0-9]+ passed, [0-9]+ failed$' "$work/$prog.log" | head -n 60
        [ "$f" = 0 ] && f=1
        echo "check-sanitizers: $prog: exit $status, ${line:-no summary}: FAILED"
    else
        echo "check-sanitizers: $prog: $line"
    fi
    passed=$((passed + p))
    failed=$((failed + f))
done

# The fuzz targets' replay driver, built with the same sanitizers by
# fuzz/Makefile, into our directory (B=).
if [ "${FUZZ_REGRESS:-1}" = 0 ]; then
    echo "check-sanitizers: make -C fuzz regress: skipped (FUZZ_REGRESS=0)"
elif [ -f fuzz/Makefile ] && grep -qE '^regress:' fuzz/Makefile; then
    mkdir -p "$work/fuzz"
    if make -C fuzz regress B="$work/fuzz" > "$work/fuzz.log" 2>&1 \
       && [ -z "$(sanitizer_report "$work/fuzz.log")" ]; then
        echo "check-sanitizers: make -C fuzz regress: ok"
        passed=$((passed + 1))
    else
        tail -n 40 "$work/fuzz.log"
        echo "check-sanitizers: make -C fuzz regress: FAILED"
        failed=$((failed + 1))
    fi
else
    echo "check-sanitizers: no fuzz/Makefile with a regress target: skipped"
fi

summary
