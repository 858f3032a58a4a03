#!/usr/bin/env bash
# bench_replay.sh: what replay protection (ApproovMessageSigningReplay On)
# adds to a signed request, with a shmcb cache (one node) and with Redis
# (a fleet's), in one run.
#
#   bench/bench_replay.sh            5 rounds x 4 rows, 4 s per cell (~2 min)
#   bench/bench_replay.sh --quick    2 rounds, 3 s per cell (~1 min)
#
# Options: --rounds N, --duration S, --conns C (32), --module PATH (a built
# mod_approov.so instead of building one), --keep (keep the temp
# ServerRoot), -h.
#
# Two httpds of the script's own on 127.0.0.1 (free ports), one with
# "ApproovMessageSigningReplayCache shmcb", one with a redis-server the
# script starts on a free port; all three are stopped by their PIDs, on
# exit too.  Rows (server, path), every request signed (ApproovMessageSigning
# Required, a valid ecdsa-p256-sha256 install signature) and every request
# carrying a signature no earlier request of the run used (a wrk Lua script
# walks through a file of fresh signatures, one file per cell: ECDSA signs
# the same signature base differently each time):
#   shmcb-off   the shmcb server, a scope with replay protection off
#   shmcb-on    the same server, replay protection on: look-up and store
#               under the cache's global mutex
#   redis-off   the Redis server, replay protection off
#   redis-on    replay protection on: a GET and a SETEX to Redis
# The cost of replay protection is on - off on each server, taken inside
# each round (the rows alternate their order) and its median printed: in
# httpd CPU per request (every thread's schedstat, not ticks) and in
# latency (wrk's mean at C connections).  A cell where any response was
# not 200 (a signature used twice, a refused request) is reported, and
# fails the run.  Needs: apache2, apache2-dev, wrk, redis-server,
# python3-cryptography (to make the signatures), curl.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
me=bench_replay
# shellcheck source=bench/common.sh
. "$here/common.sh"   # free_port
top=$(cd "$here/.." && pwd)

rounds=5
duration=4
conns=32
threads=2
module=
keep=0

usage() {
    sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
    exit "${1:-0}"
}
die() { echo "bench_replay: $*" >&2; exit 1; }

while [ $# -gt 0 ]; do
    case $1 in
        --quick) rounds=2; duration=3 ;;
        --rounds) rounds=$2; shift ;;
        --duration) duration=$2; shift ;;
        --conns) conns=$2; shift ;;
        --module) module=$2; shift ;;
        --keep) keep=1 ;;
        -h|--help) usage 0 ;;
        *) usage 2 >&2 ;;
    esac
    shift
done

for tool in apxs wrk redis-server curl python3; do
    command -v "$tool" >/dev/null || die "$tool is missing (scripts/deps.sh, apt-get install wrk python3-cryptography)"
done
python3 -c 'import cryptography' 2>/dev/null \
    || die "python3-cryptography is missing: apt-get install python3-cryptography"
httpd=$(apxs -q SBINDIR)/$(apxs -q TARGET)
moddir=$(apxs -q LIBEXECDIR)

tmp=$(mktemp -d /tmp/approov-bench-replay.XXXXXX)
chmod 755 "$tmp"
pids=()
cleanup() {
    local p
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
    if [ "$keep" = 1 ]; then echo "bench_replay: kept $tmp" >&2; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The module, built like the real one, from a copy of the sources.
if [ -z "$module" ]; then
    module=$(bench_build_module "$top")
fi
[ -f "$module" ] || die "no module at $module"

# Redis, without persistence, as the fleet's cache.
port_redis=$(free_port)
redis-server --port "$port_redis" --bind 127.0.0.1 --save '' --appendonly no \
    --dir "$tmp" --daemonize no --loglevel warning --logfile "$tmp/redis.log" &
pids+=("$!")

# A token with an installation key in ipk; the signatures are made below.
make -s -C "$here" approov-token >&2
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
    -out "$tmp/install.pem" 2>/dev/null || die "openssl genpkey failed"
secret='h+CX0tOzdAAR9l15bWAqvq7w9olk66daIH+Xk+IAHhVVHszjDzeGobzNnqyRze3lw/WVyWrc2gZfh3XXfBOmww=='
token=$("$here/approov-token" mint --secret "$secret" --exp-in 31536000 \
        --install-key "$tmp/install.pem") || die "approov-token mint failed"

mkdir -p "$tmp/htdocs/on" "$tmp/htdocs/off"
printf 'Hello, world!\n' >"$tmp/htdocs/on/hello.txt"
printf 'Hello, world!\n' >"$tmp/htdocs/off/hello.txt"
chmod -R a+rX "$tmp"

# Both servers alike (event MPM, every thread up front, keep-alive without
# a limit, no access log) but for their cache.  Every request has the same
# Host, so one signature base serves both servers.
server_conf() {   # name port cache
    cat <<EOF
ServerRoot "$tmp"
ServerName 127.0.0.1
Listen 127.0.0.1:$2
PidFile "$tmp/$1.pid"
DefaultRuntimeDir "$tmp/run-$1"
ErrorLog "$tmp/$1-error.log"
LogLevel warn
User nobody
Group nogroup
LoadModule mpm_event_module "$moddir/mod_mpm_event.so"
LoadModule authz_core_module "$moddir/mod_authz_core.so"
LoadModule socache_shmcb_module "$moddir/mod_socache_shmcb.so"
LoadModule socache_redis_module "$moddir/mod_socache_redis.so"
LoadModule approov_module "$module"
StartServers 2
ServerLimit 2
ThreadLimit $((conns + 32))
ThreadsPerChild $((conns + 32))
MaxRequestWorkers $((2 * (conns + 32)))
MinSpareThreads 1
MaxSpareThreads $((2 * (conns + 32)))
MaxConnectionsPerChild 0
KeepAlive On
MaxKeepAliveRequests 0
EnableMMAP Off
EnableSendfile Off
DocumentRoot "$tmp/htdocs"
<Directory />
    Require all granted
</Directory>
ApproovBase64Secret $secret
ApproovMessageSigningReplayCache $3
<LocationMatch "^/(on|off)/">
    Approov On
    ApproovMessageSigning Required
    ApproovMessageSigningMaxAge 86400
</LocationMatch>
<Location /on/>
    ApproovMessageSigningReplay On
</Location>
EOF
}
port_shmcb=$(free_port)
port_rd=$(free_port)
mkdir -p "$tmp/run-shmcb" "$tmp/run-redis"
server_conf shmcb "$port_shmcb" "shmcb:$tmp/replay(32000000)" >"$tmp/shmcb.conf"
server_conf redis "$port_rd" "redis:127.0.0.1:$port_redis" >"$tmp/redis.conf"
[ "$(id -u)" = 0 ] && chown nobody "$tmp/run-shmcb" "$tmp/run-redis" "$tmp"
for s in shmcb redis; do
    "$httpd" -t -f "$tmp/$s.conf" >"$tmp/$s-configtest.log" 2>&1 \
        || { cat "$tmp/$s-configtest.log" >&2; die "$s: configtest failed"; }
    "$httpd" -f "$tmp/$s.conf" -DFOREGROUND >>"$tmp/$s-error.log" 2>&1 &
    pids+=("$!")
    eval "pid_$s=$!"
done

# The signature template: one signature of /on/hello.txt (and of
# /off/hello.txt) by the tool; the script then signs the same base again
# and again with the install key.
sign_template() {   # path
    "$here/approov-token" sign-request --install-key "$tmp/install.pem" \
        --method GET --url "http://bench.example$1" --header "Approov-Token: $token"
}
cat >"$tmp/sign.py" <<'EOF'
# sign.py KEY TOKEN PATH SIGNATURE-INPUT N: N fresh install signatures of
# GET http://bench.example<PATH>, one "install=:b64:" per line.
import base64, sys
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
key_file, token, path, sig_input, n = sys.argv[1:6]
key = serialization.load_pem_private_key(open(key_file, 'rb').read(), None)
params = sig_input.split('=', 1)[1]
base = ('"@method": GET\n"@target-uri": http://bench.example%s\n'
        '"approov-token": %s\n"@signature-params": %s' % (path, token, params)).encode()
out = sys.stdout
for _ in range(int(n)):
    r, s = decode_dss_signature(key.sign(base, ec.ECDSA(hashes.SHA256())))
    out.write('install=:%s:\n' % base64.b64encode(r.to_bytes(32, 'big') + s.to_bytes(32, 'big')).decode())
EOF
for p in on off; do
    sign_template "/$p/hello.txt" >"$tmp/template-$p"
    sed -n 's/^Signature-Input: //p' "$tmp/template-$p" >"$tmp/input-$p"
done

# Each wrk thread takes every other line of the cell's file.
cat >"$tmp/walk.lua" <<'EOF'
local n = 0
function setup(thread)
    thread:set("id", n)
    n = n + 1
end
function init(args)
    sigs, token, input, i = {}, args[2], args[3], id
    for line in io.lines(args[1]) do sigs[#sigs + 1] = line end
end
function request()
    i = i + 2
    return wrk.format(nil, nil, { ["Host"] = "bench.example",
        ["Approov-Token"] = token, ["Signature-Input"] = input,
        ["Signature"] = sigs[(i - 1) % #sigs + 1] })
end
EOF

# N fresh signatures for a cell of path /$1/.
signatures() {   # on|off n file
    python3 "$tmp/sign.py" "$tmp/install.pem" "$token" "/$1/hello.txt" \
        "$(cat "$tmp/input-$1")" "$2" >"$3"
}

status_of() {   # port on|off signature
    curl -s -o /dev/null -w '%{http_code}' --max-time 5 -H 'Host: bench.example' \
        -H "Approov-Token: $token" -H "Signature-Input: $(cat "$tmp/input-$2")" \
        -H "Signature: $3" "http://127.0.0.1:$1/$2/hello.txt"
}
for port in "$port_shmcb" "$port_rd"; do
    for _ in $(seq 1 100); do
        [ "$(status_of "$port" off x)" != 000 ] && break
        sleep 0.1
    done
done
# Sanity: a fresh signature passes once, then is a replay, on both servers.
signatures on 2 "$tmp/check"
for port in "$port_shmcb" "$port_rd"; do
    sig=$(sed -n 1p "$tmp/check")
    got="$(status_of "$port" on "$sig") $(status_of "$port" on "$sig")"
    [ "$got" = "200 401" ] || die "port $port: a fresh signature twice gave $got, not 200 401"
    sed -i 1d "$tmp/check"
done

httpd_ns() {   # parent pid
    local p
    for p in "$1" $(ps -o pid= --ppid "$1"); do
        cat /proc/"$p"/task/*/schedstat 2>/dev/null || true
    done | awk '{ t += $1 } END { printf "%.0f\n", t }'
}

# One cell: prints "requests rps mean_latency_us non2xx httpd_us_per_req".
# Signatures: enough for 20000 requests a second.
run_cell() {   # row
    local server=${1%-*} scope=${1#*-} port pid out h0 h1
    port=$([ "$server" = shmcb ] && echo "$port_shmcb" || echo "$port_rd")
    pid=$([ "$server" = shmcb ] && echo "$pid_shmcb" || echo "$pid_redis")
    signatures "$scope" $((20000 * duration)) "$tmp/cell"
    h0=$(httpd_ns "$pid")
    out=$(timeout $((duration + 30)) wrk -t "$threads" -c "$conns" -d "${duration}s" \
          --timeout 10s -s "$tmp/walk.lua" "http://127.0.0.1:$port/$scope/hello.txt" \
          -- "$tmp/cell" "$token" "$(cat "$tmp/input-$scope")" 2>&1) \
        || die "wrk failed ($1): $out"
    h1=$(httpd_ns "$pid")
    printf '%s\n' "$out" >>"$tmp/wrk.log"
    printf '%s\n' "$out" | perl -ne '
        BEGIN { ($h0, $h1) = splice @ARGV, 0, 2 }
        $req = $1 if /^\s*(\d+) requests in/;
        $rps = $1 if /^Requests\/sec:\s*([\d.]+)/;
        $lat = $1 * { us => 1, ms => 1000, s => 1e6 }->{$2}
            if /^\s*Latency\s+([\d.]+)(us|ms|s)\b/;
        $non = $1 if /Non-2xx or 3xx responses:\s*(\d+)/;
        END { printf "%d %.1f %.1f %d %.2f\n", $req, $rps, $lat, $non // 0,
                     $req ? ($h1 - $h0) / 1000 / $req : 0 }' "$h0" "$h1"
}

rows=(shmcb-off shmcb-on redis-off redis-on)
echo "bench_replay: $rounds rounds x ${duration}s, wrk -t $threads -c $conns, $(nproc) CPUs; load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
run_cell shmcb-on >/dev/null; run_cell redis-on >/dev/null   # warm-up
: >"$tmp/results"
failed=0
for ((r = 1; r <= rounds; r++)); do
    order=("${rows[@]}")
    ((r % 2 == 0)) && order=(redis-on redis-off shmcb-on shmcb-off)
    for row in "${order[@]}"; do
        line=$(run_cell "$row")
        echo "$r $row $line" >>"$tmp/results"
        echo "round $r $row: $line" >&2
        [ "$(echo "$line" | cut -d' ' -f4)" = 0 ] || failed=1
    done
done

perl -e '
    my (%cell, %rows);
    while (<STDIN>) {
        my ($r, $row, $req, $rps, $lat, $non, $us) = split;
        $cell{$r}{$row} = { rps => $rps, lat => $lat, us => $us, non => $non };
    }
    sub median { my @v = sort { $a <=> $b } @_; return $v[$#v / 2] }
    my @rounds = sort keys %cell;
    print "| row | req/s | mean latency (us) | httpd CPU (us/request) | non-200 |\n|---|---|---|---|---|\n";
    for my $row (qw(shmcb-off shmcb-on redis-off redis-on)) {
        printf "| %s | %.0f | %.0f | %.1f | %d |\n", $row,
            median(map { $cell{$_}{$row}{rps} } @rounds),
            median(map { $cell{$_}{$row}{lat} } @rounds),
            median(map { $cell{$_}{$row}{us} } @rounds),
            eval { my $t = 0; $t += $cell{$_}{$row}{non} for @rounds; $t };
    }
    print "\n| added by replay protection (median of per-round differences) | latency (us) | httpd CPU (us/request) |\n|---|---|---|\n";
    for my $cache (qw(shmcb redis)) {
        printf "| %s: on - off | %+.0f | %+.1f |\n", $cache,
            median(map { $cell{$_}{"$cache-on"}{lat} - $cell{$_}{"$cache-off"}{lat} } @rounds),
            median(map { $cell{$_}{"$cache-on"}{us} - $cell{$_}{"$cache-off"}{us} } @rounds);
    }
' <"$tmp/results"
[ "$failed" = 0 ] || die "some responses were not 200: see the non-200 column"
