#!/bin/sh
# Instructions per call of each bench_verify row, counted by callgrind:
# noise-free, unlike the timings.  Then where a valid-token verification
# spends its instructions, by stage and by function.
#
#   bench/callgrind.sh [ITERATIONS]     (default 10000)
#   bench/callgrind.sh --perf [ITERATIONS]
#                                       also sample the native run with
#                                       perf record -e cpu-clock, if perf works
#
# Each row runs ITERATIONS times under valgrind --tool=callgrind with
# collection on only inside bench_loop(), so set-up and token minting are
# not counted; the total is divided by ITERATIONS.  Valgrind's virtual CPU
# has no SHA-NI (nor AVX-512), so OpenSSL runs its AVX2 SHA-256 code here:
# hashing takes a larger share of the instructions than of the real time
# on a CPU with SHA-NI.  The --perf samples show the real time split.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
perf=0
if [ "${1:-}" = --perf ]; then perf=1; shift; fi
iters=${1:-10000}
case $iters in
    ''|*[!0-9]*|0) echo "usage: $0 [--perf] [ITERATIONS]" >&2; exit 2 ;;
esac
command -v valgrind >/dev/null || { echo "$0: valgrind is not installed" >&2; exit 2; }
make -s -C "$here" bench_verify

tmp=$(mktemp -d /tmp/approov-callgrind.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

echo "callgrind: $iters iterations per row (hmac-oneshot: a tenth), instructions per call"
echo
printf '%-13s %10s\n' row Ir/call
for row in $("$here/bench_verify" --list); do
    n=$iters
    [ "$row" != hmac-oneshot ] || n=$((iters / 10 + 1))
    valgrind --tool=callgrind --toggle-collect=bench_loop \
        --callgrind-out-file="$tmp/cg.$row" \
        "$here/bench_verify" --only "$row" -n "$n" >/dev/null 2>"$tmp/log.$row" \
        || { cat "$tmp/log.$row" >&2; exit 1; }
    sed -n 's/^totals: *\([0-9]*\).*/\1/p' "$tmp/cg.$row" \
        | awk -v n="$n" -v r="$row" '{ printf "%-13s %10.0f\n", r, $1 / n }'
done

# Lines of callgrind_annotate: "1,234 (12.3%)  file:function [object]".
# Prints "Ir-per-call<TAB>function<TAB>object" with the path stripped.
annotate() {   # [--inclusive=yes] file
    callgrind_annotate --threshold=100 "$@" 2>/dev/null | perl -ne '
        next unless /^\s*([\d,]+)\s+\(\s*[\d.]+%\)\s+(\S+?)(?:\s+\[(.*)\])?\s*$/;
        my ($ir, $where, $obj) = ($1, $2, $3 // "");
        next if $where eq "PROGRAM";
        $ir =~ tr/,//d;
        (my $fn = $where) =~ s/^.*://;
        $obj =~ s{^.*/}{};
        print join("\t", $ir / '"$iters"', $fn, $obj), "\n";'
}
annotate --inclusive=yes "$tmp/cg.verify" >"$tmp/incl"
annotate "$tmp/cg.verify" >"$tmp/excl"

echo
echo "a valid 0.25K verification by stage (inclusive Ir per call):"
perl -e '
    my %ir;
    open my $fh, "<", $ARGV[0] or die;
    while (<$fh>) { chomp; my ($ir, $fn) = split /\t/; $ir{$fn} //= $ir; }
    my $total = $ir{bench_loop} || 1;
    my @stages = (
        [ "approov_verify + apr_pool_clear (the whole row)", "bench_loop" ],
        [ "  approov_verify_keys", "approov_verify_keys" ],
        [ "    approov_key_verify: HMAC-SHA256 + compare", "approov_key_verify" ],
        [ "      approov_key_mac: HMAC-SHA256 (the floor)", "approov_key_mac" ],
        [ "    approov_json_parse_object (header + payload)", "approov_json_parse_object" ],
        [ "      build_string (names and strings, checked and copied)", "build_string" ],
        [ "      build_number", "build_number" ],
        [ "      apr_palloc (nodes and strings from the pool)", "apr_palloc" ],
        [ "      has_duplicate_names", "has_duplicate_names" ],
        [ "    approov_b64url_decode (3 segments)", "approov_b64url_decode" ],
        [ "    approov_alg_from_name", "approov_alg_from_name" ],
        [ "  apr_pool_clear", "apr_pool_clear" ],
        [ "malloc + free, everywhere", "malloc", "free" ],
        [ "strcmp + strncmp, everywhere", qr/^__strn?cmp_/ ],
    );
    for my $s (@stages) {
        my ($label, @fns) = @$s;
        my $sum = 0; my $seen = 0;
        for my $f (@fns) {
            for (ref $f ? grep({ $_ =~ $f } keys %ir) : $f) {
                if (defined $ir{$_}) { $sum += $ir{$_}; $seen = 1 }
            }
        }
        printf "  %-62s %7s %5s\n", $label, $seen ? sprintf("%.0f", $sum) : "-",
            $seen ? sprintf("%4.1f%%", 100 * $sum / $total) : "";
    }
' "$tmp/incl"

echo
echo "self cost, top 15 functions (exclusive Ir per call; ??? = a static function of that library):"
head -15 "$tmp/excl" | awk -F '\t' '{ printf "  %7.0f  %-40s %s\n", $1, $2, $3 }'

if [ "$perf" = 1 ]; then
    echo
    if ! command -v perf >/dev/null \
       || ! perf record -q -e cpu-clock -o "$tmp/perf.test" true >/dev/null 2>&1; then
        echo "perf record -e cpu-clock does not work here: no native profile"
        exit 0
    fi
    n=$((iters * 200))
    echo "perf record -e cpu-clock, native: $n valid 0.25K verifications, share of samples"
    echo "(self time; the token minting at start-up is negligible against $n calls)"
    perf record -q -e cpu-clock -o "$tmp/perf.data" \
        "$here/bench_verify" --only verify -n "$n" >/dev/null 2>&1
    perf report -i "$tmp/perf.data" --stdio --no-children --sort dso,symbol 2>/dev/null \
        | perl -ne '
            next unless /^\s+([\d.]+)%\s+(\S+)\s+\[.\]\s+(\S+)/;
            my ($pct, $dso, $sym) = ($1, $2, $3);
            $sym = "(its static functions)" if $sym =~ /^0x/;
            $by_dso{$dso} += $pct;
            $by_sym{"$dso\t$sym"} += $pct;
            END {
                print "  by library:\n";
                printf "  %6.1f%%  %s\n", $by_dso{$_}, $_
                    for grep { $by_dso{$_} >= 0.5 }
                        sort { $by_dso{$b} <=> $by_dso{$a} } keys %by_dso;
                print "  by function (top 20):\n";
                my @top = (sort { $by_sym{$b} <=> $by_sym{$a} } keys %by_sym)[0 .. 19];
                for (grep { defined } @top) {
                    my ($d, $s) = split /\t/;
                    printf "  %6.1f%%  %-20s %s\n", $by_sym{$_}, $d, $s;
                }
            }'
fi
