#!/bin/bash
# Soak test: a throwaway httpd (mpm_event, the module just built) under
# wrk for a while, half valid and half invalid tokens, against a protected
# static file and a protected mod_proxy front to a second loopback vhost,
# with a graceful restart half-way through.
#
#   scripts/soak.sh [--quick] [SECONDS [CONNECTIONS]]
#       SECONDS      default 300 (--quick: 30)
#       CONNECTIONS  default 256
#
# Run `make` first (it needs .libs/mod_approov.so and tools/approov-token)
# and have wrk installed.  Environment: HTTPD, APXS, THREADS (wrk threads,
# default: the number of CPUs), GRACEFUL=0 (no restart: a control run),
# KEEP=1 keeps the server root (config, logs) and prints where it is.
#
# The server lives in a fresh directory under /tmp, listens on two free
# loopback ports, and is stopped at the end through its own pid file: no
# other httpd is touched.  Every request carries X-Expect: ok|bad and
# X-Kind (which token it carries); the access logs record them with the
# status and APPROOV_RESULT, and the checks read them:
#   - httpd starts; the graceful restart (httpd -k graceful) succeeds and
#     brings a new generation of children under the same parent;
#   - wrk ran, with no socket error (connect, read, write, timeout) but
#     at most two read errors per connection from the restart (below);
#   - every valid-token request got 200 (APPROOV_RESULT valid), every
#     invalid one 401 with the reason its kind of token must get, none 5xx;
#   - the access log holds every request wrk counted;
#   - the backend saw every proxied valid request and no invalid one;
#   - no child died (no "exit signal", no segfault in the error log);
#   - the children's resident memory (summed over them, from /proc) does
#     not grow much within a generation nor across the restart, and the
#     parent's does not grow across the restart;
#   - httpd stops.
# The last line printed is "soak: N passed, N failed".

set -u
top=$(cd "$(dirname "$0")/.." && pwd)

seconds=300
if [ "${1:-}" = --quick ]; then
    seconds=30
    shift
fi
seconds=${1:-$seconds}
graceful=${GRACEFUL:-1}
connections=${2:-256}
case "$seconds$connections" in
    *[!0-9]*|'') echo "usage: $0 [--quick] [SECONDS [CONNECTIONS]]" >&2; exit 2 ;;
esac
[ "$seconds" -ge 10 ] || { echo "soak: SECONDS must be at least 10" >&2; exit 2; }

passed=0
failed=0
check() {
    # check OK|FAIL "what"
    if [ "$1" = OK ]; then
        passed=$((passed + 1))
        echo "soak: ok   - $2"
    else
        failed=$((failed + 1))
        echo "soak: FAIL - $2"
    fi
}
summary() {
    echo "soak: $passed passed, $failed failed"
    [ "$failed" = 0 ]
}
give_up() {
    echo "soak: $*" >&2
    failed=$((failed + 1))
    summary
    exit 1
}

module=$top/.libs/mod_approov.so
tool=$top/tools/approov-token
apxs=${APXS:-$(command -v apxs || command -v apxs2 || echo /usr/bin/apxs)}
httpd=${HTTPD:-$("$apxs" -q SBINDIR 2>/dev/null)/$("$apxs" -q TARGET 2>/dev/null)}
modules_dir=$("$apxs" -q LIBEXECDIR 2>/dev/null)
threads=${THREADS:-$(nproc 2>/dev/null || echo 2)}
[ -f "$module" ] || give_up "no $module: run make first"
[ -x "$tool" ] || give_up "no $tool: run make first"
[ -x "$httpd" ] || give_up "no httpd at $httpd (set HTTPD)"
[ -d "$modules_dir" ] || give_up "no module directory from $apxs -q LIBEXECDIR"
command -v wrk >/dev/null || give_up "wrk is not installed (apt-get install wrk)"
[ "$connections" -ge "$threads" ] || threads=$connections

dir=$(mktemp -d /tmp/mod_approov-soak.XXXXXX) || give_up "mktemp failed"
chmod 0755 "$dir"
mkdir -p "$dir/run" "$dir/logs" "$dir/htdocs/static" "$dir/backend"
pid_file=$dir/run/httpd.pid
conf=$dir/httpd.conf

stop_httpd() {
    local pid i
    [ -s "$pid_file" ] || return 0
    pid=$(cat "$pid_file")
    case "$pid" in ''|*[!0-9]*) return 0 ;; esac
    "$httpd" -f "$conf" -k stop >/dev/null 2>&1 || kill -TERM "$pid" 2>/dev/null
    for i in $(seq 1 100); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.2
    done
    kill -KILL "$pid" 2>/dev/null
    return 1
}
wrk_pid=
cleanup() {
    [ -n "$wrk_pid" ] && kill "$wrk_pid" 2>/dev/null
    stop_httpd
    if [ "${KEEP:-0}" = 1 ]; then
        echo "soak: kept $dir" >&2
    else
        rm -rf "$dir"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Two free loopback ports: the front and the backend.
read -r port bport < <(perl -MIO::Socket::INET -e '
    my @s = map { IO::Socket::INET->new(LocalAddr => "127.0.0.1", LocalPort => 0,
                                        Listen => 1, ReuseAddr => 1) or die $! } 1, 2;
    print join(" ", map { $_->sockport } @s), "\n";') || give_up "no free port"

# The secret, in an env file only its owner reads.
secret=$(openssl rand -base64 32) || give_up "openssl rand failed"
other_secret=$(openssl rand -base64 32)
printf 'APPROOV_BASE64_SECRET=%s\n' "$secret" > "$dir/approov.env"
chmod 0600 "$dir/approov.env"
echo ok > "$dir/htdocs/static/ok.txt"
echo ok > "$dir/backend/ok.txt"
chmod -R go+rX "$dir/htdocs" "$dir/backend"

per_child=$connections
[ "$per_child" -ge 64 ] || per_child=64

user_lines=
if [ "$(id -u)" = 0 ]; then
    group=nogroup
    getent group nogroup >/dev/null || group=nobody
    user_lines="User nobody
Group $group"
fi

cat > "$conf" <<CONF
# mod_approov soak test server (scripts/soak.sh)
ServerRoot "$dir"
DefaultRuntimeDir "$dir/run"
PidFile "$pid_file"
ErrorLog "$dir/logs/error_log"
LogLevel warn
ServerName 127.0.0.1
Listen 127.0.0.1:$port
Listen 127.0.0.1:$bport
$user_lines

LoadModule mpm_event_module "$modules_dir/mod_mpm_event.so"
LoadModule authz_core_module "$modules_dir/mod_authz_core.so"
LoadModule proxy_module "$modules_dir/mod_proxy.so"
LoadModule proxy_http_module "$modules_dir/mod_proxy_http.so"
LoadModule approov_module "$module"

# A fixed number of children (3), so that their memory can be compared,
# and a worker thread for every request that can be in flight: each
# proxied request holds two (front and backend).  When every worker is
# busy, mpm_event closes idle keep-alive connections, and a client (or
# mod_proxy) that has just sent a request on one sees it closed: that
# would measure the machine, not the module.  Room in the scoreboard for
# the old generation during the restart.
StartServers 3
ServerLimit 6
ThreadsPerChild $per_child
ThreadLimit $per_child
MaxRequestWorkers $((3 * per_child))
MinSpareThreads 1
MaxSpareThreads $((3 * per_child))
MaxConnectionsPerChild 0
# Free memory back rather than keep it per thread: RSS then follows use.
MaxMemFree 256
KeepAlive On
MaxKeepAliveRequests 0
KeepAliveTimeout 30
Timeout 30

DocumentRoot "$dir/htdocs"
<Directory />
    Require all granted
</Directory>

ApproovEnvFile approov.env

# The status, the module's result, what the client expects and the kind of
# token, the path: one line per request.
LogFormat "%>s %{APPROOV_RESULT}e %{X-Expect}i %{X-Kind}i %U" soak

<VirtualHost 127.0.0.1:$port>
    DocumentRoot "$dir/htdocs"
    CustomLog logs/front_log soak
    <Location /static/>
        Approov On
    </Location>
    <Location /api/>
        Approov On
        # A new backend connection for each request: the backend restarts
        # with the front here, and its old children close the idle
        # connections a pool would keep, sometimes just as the front
        # sends a request on one (AH01102, a 502): that is mod_proxy
        # against a restarting backend, not the module.
        ProxyPass http://127.0.0.1:$bport/ disablereuse=On
    </Location>
</VirtualHost>

<VirtualHost 127.0.0.1:$bport>
    DocumentRoot "$dir/backend"
    CustomLog logs/backend_log soak
</VirtualHost>
CONF

# ------------------------------------------------------------ the tokens
mint() { "$tool" mint --secret "$1" "${@:2}"; }
b64url() { base64 -w0 | tr '+/' '-_' | tr -d '='; }
declare -a valid
for i in 1 2 3 4 5 6; do
    valid[i]=$(mint "$secret" --exp-in 86400 --claim "did=soak-device-$i") \
        || give_up "approov-token mint failed"
done
wrong_secret=$(mint "$other_secret" --exp-in 86400)
expired=$(mint "$secret" --exp-in -60)
IFS=. read -r h1 p1 s1 <<< "${valid[1]}"
IFS=. read -r h2 p2 s2 <<< "${valid[2]}"
tampered="$h1.$p2.$s1"
alg_none="$(printf '%s' '{"alg":"none","typ":"JWT"}' | b64url).$p1.$s1"
malformed="$h1.$p1"

# [ kind, token ('' for no header), expect ]; the reason each kind gets.
cases=(
    "valid1 ${valid[1]} ok" "valid2 ${valid[2]} ok" "valid3 ${valid[3]} ok"
    "valid4 ${valid[4]} ok" "valid5 ${valid[5]} ok" "valid6 ${valid[6]} ok"
    "wrong_secret $wrong_secret bad" "expired $expired bad"
    "tampered $tampered bad" "alg_none $alg_none bad"
    "malformed $malformed bad" "missing - bad"
)
reasons='valid1=valid valid2=valid valid3=valid valid4=valid valid5=valid
valid6=valid wrong_secret=bad_signature expired=expired tampered=bad_signature
alg_none=bad_alg malformed=malformed missing=missing'

{
    echo '-- generated by scripts/soak.sh: half valid, half invalid tokens,'
    echo '-- half to the static file, half through the proxy'
    echo 'local reqs = {'
    for c in "${cases[@]}"; do
        read -r kind token expect <<< "$c"
        for path in /static/ok.txt /api/ok.txt; do
            echo "  { path = \"$path\", kind = \"$kind\", expect = \"$expect\","
            [ "$token" = - ] && echo '    token = nil },' \
                             || echo "    token = \"$token\" },"
        done
    done
    cat <<'LUA'
}
local built = {}
local n = 0

function init(args)
  for i, r in ipairs(reqs) do
    local h = { ["X-Expect"] = r.expect, ["X-Kind"] = r.kind }
    if r.token then h["Approov-Token"] = r.token end
    built[i] = wrk.format("GET", r.path, h)
  end
  -- each thread starts somewhere else in the list
  n = (tonumber(tostring({}):match("0x(%x+)"), 16) or 0) % #built
end

function request()
  n = n % #built + 1
  return built[n]
end
LUA
} > "$dir/soak.lua"

# -------------------------------------------------------- memory samples
# "<sum of children's VmRSS in kB> <children> <their pids>" and the
# parent's VmRSS.
rss_of() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null; }
children_rss() {
    local parent pid sum=0 n=0 pids=
    parent=$(cat "$pid_file" 2>/dev/null)
    for pid in $(ps --ppid "$parent" -o pid= 2>/dev/null); do
        r=$(rss_of "$pid")
        [ -n "$r" ] || continue
        sum=$((sum + r)); n=$((n + 1)); pids="$pids,$pid"
    done
    echo "$sum $n ${pids#,}"
}
mb() { awk -v k="$1" 'BEGIN { printf "%.1f MB", k / 1024 }'; }

# ------------------------------------------------------------------ run
echo "soak: $seconds s, $connections connections, $threads wrk threads, graceful restart at $((seconds / 2)) s"
echo "soak: server root $dir, front 127.0.0.1:$port, backend 127.0.0.1:$bport"

start_out=$("$httpd" -f "$conf" -k start 2>&1)
start_status=$?
for _ in $(seq 1 100); do [ -s "$pid_file" ] && break; sleep 0.1; done
if [ "$start_status" = 0 ] && [ -s "$pid_file" ]; then
    check OK "httpd starts (pid $(cat "$pid_file"))"
else
    echo "$start_out"
    cat "$dir/logs/error_log" 2>/dev/null
    check FAIL "httpd starts (exit $start_status)"
    summary
    exit 1
fi
parent=$(cat "$pid_file")
# Ready: a request answers.
for _ in $(seq 1 50); do
    code=$(curl -s -o /dev/null -w '%{http_code}' -H 'X-Expect: probe' \
                "http://127.0.0.1:$port/static/ok.txt" 2>/dev/null)
    [ "$code" = 401 ] && break
    sleep 0.1
done

wrk -t"$threads" -c"$connections" -d"${seconds}s" --timeout 10s --latency \
    -s "$dir/soak.lua" "http://127.0.0.1:$port" > "$dir/wrk.out" 2>&1 &
wrk_pid=$!
t0=$(date +%s)
at() { local s; s=$(( $1 - ($(date +%s) - t0) )); [ "$s" -gt 0 ] && sleep "$s"; }

warm=$(( seconds / 10 )); [ "$warm" -ge 5 ] || warm=5
half=$(( seconds / 2 ))
renewed=$(( half + warm ))

at "$warm"
read -r rss1 n1 pids1 <<< "$(children_rss)"
prss1=$(rss_of "$parent")
at "$((half - 1))"
read -r rss2 n2 pids2 <<< "$(children_rss)"
prss2=$(rss_of "$parent")

at "$half"
if [ "$graceful" = 1 ]; then
    graceful_out=$("$httpd" -f "$conf" -k graceful 2>&1)
    graceful_status=$?
    echo "soak: graceful restart at $(( $(date +%s) - t0 )) s: exit $graceful_status ${graceful_out:+($graceful_out)}"
fi

at "$renewed"
read -r rss3 n3 pids3 <<< "$(children_rss)"
at "$((seconds - 1))"
read -r rss4 n4 pids4 <<< "$(children_rss)"
prss4=$(rss_of "$parent")

wait "$wrk_pid"
wrk_status=$?
wrk_pid=
parent_after=$(cat "$pid_file" 2>/dev/null)
cat "$dir/wrk.out"

if stop_httpd; then stopped=OK; else stopped=FAIL; fi

# ------------------------------------------------------------- checks
# The restart: httpd -k graceful succeeded, the parent stayed, and the
# children at the end are none of those before it.
restarts=$(grep -c 'resuming normal operations' "$dir/logs/error_log")
common=$(comm -12 <(tr ',' '\n' <<< "$pids2" | sort) <(tr ',' '\n' <<< "$pids4" | sort) | grep -c .)
if [ "$graceful" = 0 ]; then
    [ "$common" -gt 0 ] && [ "$parent_after" = "$parent" ] \
        && check OK "no restart (GRACEFUL=0): same parent, same children ($pids2 -> $pids4)" \
        || check FAIL "no restart (GRACEFUL=0), but children $pids2 -> $pids4, parent $parent -> $parent_after"
elif [ "$graceful_status" = 0 ] && grep -q 'Graceful restart requested\|SIGUSR1 received' "$dir/logs/error_log" \
   && [ "$restarts" -ge 2 ] && [ "$parent_after" = "$parent" ] && [ "$common" = 0 ] && [ "$n4" -gt 0 ]; then
    check OK "graceful restart: exit 0, same parent, new children ($pids2 -> $pids4)"
else
    check FAIL "graceful restart: exit $graceful_status, 'resuming' logged $restarts times, parent $parent -> $parent_after, children $pids2 -> $pids4"
fi

# wrk's own figures.
requests=$(sed -nE 's/^ *([0-9]+) requests in .*/\1/p' "$dir/wrk.out")
rps=$(sed -nE 's/^Requests\/sec: *([0-9.]+).*/\1/p' "$dir/wrk.out")
socket_errors=$(sed -nE 's/^ *Socket errors: (.*)/\1/p' "$dir/wrk.out")
if [ "$wrk_status" = 0 ] && [ -n "$requests" ] && [ "$requests" -gt 0 ]; then
    check OK "wrk ran: $requests requests, $rps req/s"
else
    check FAIL "wrk ran (exit $wrk_status, requests '${requests:-none}')"
fi
# A graceful restart makes the old children close their idle keep-alive
# connections; a client that has just sent its next request on one sees
# it closed (RFC 9112 9.6 lets a server do that; clients retry).  wrk
# sends its next request as soon as a response arrives, so each of its
# connections can meet this once, and a connection it opens again at that
# moment can be taken by an old child that has not yet closed its
# listeners, and meet it once more (seen: 259 with 256 connections, on a
# loaded machine): up to 2 x CONNECTIONS read errors, and nothing else.
# GRACEFUL=0 shows the run without a restart has none.
read -r e_connect e_read e_write e_timeout <<< "$(
    sed -nE 's/.*connect ([0-9]+), read ([0-9]+), write ([0-9]+), timeout ([0-9]+).*/\1 \2 \3 \4/p' <<< "$socket_errors")"
allowed_read=0
[ "$graceful" = 1 ] && allowed_read=$((2 * connections))
if [ -z "$socket_errors" ]; then
    check OK "no wrk socket error (connect, read, write, timeout)"
elif [ "${e_connect:-1}" = 0 ] && [ "${e_write:-1}" = 0 ] && [ "${e_timeout:-1}" = 0 ] \
     && [ "${e_read:-0}" -le "$allowed_read" ]; then
    check OK "wrk socket errors: none but $e_read reads on keep-alive connections the restart closed (at most two per connection: $allowed_read)"
else
    check FAIL "wrk socket errors: $socket_errors (allowed: $allowed_read reads at the restart)"
fi

# The access logs.  Front: status result expect kind path.
front=$dir/logs/front_log
backend=$dir/logs/backend_log
read -r lines s200 s401 s5xx sother ok_wrong bad_wrong unknown api_ok <<< "$(
    awk -v reasons="$reasons" '
        BEGIN { n = split(reasons, r, /[ \n]+/)
                for (i = 1; i <= n; i++) { split(r[i], kv, "="); want[kv[1]] = kv[2] } }
        $3 == "probe" { next }
        { lines++ }
        $1 == 200 { s200++ } $1 == 401 { s401++ } $1 >= 500 { s5xx++ }
        $1 != 200 && $1 != 401 && $1 < 500 { sother++ }
        !($4 in want) { unknown++; next }
        $3 == "ok"  && ($1 != 200 || $2 != "valid") { ok_wrong++ }
        $3 == "bad" && ($1 != 401 || $2 != want[$4]) { bad_wrong++ }
        $3 == "ok"  && $5 ~ /^\/api\// && $1 == 200 { api_ok++ }
        END { print lines+0, s200+0, s401+0, s5xx+0, sother+0, ok_wrong+0,
                    bad_wrong+0, unknown+0, api_ok+0 }' "$front")"
echo "soak: front access log: $lines requests: 200 x $s200, 401 x $s401, 5xx x $s5xx, other x $sother"
echo "soak: by kind (status result kind):"
awk '$3 != "probe" { print $1, $2, $4 }' "$front" | sort | uniq -c | sort -rn | sed 's/^/soak:   /'

[ "$ok_wrong" = 0 ] && [ "$s200" -gt 0 ] \
    && check OK "every valid-token request got 200 (valid)" \
    || check FAIL "valid-token requests not 200 valid: $ok_wrong"
[ "$bad_wrong" = 0 ] && [ "$s401" -gt 0 ] \
    && check OK "every invalid-token request got 401 with its reason" \
    || check FAIL "invalid-token requests without 401 and their reason: $bad_wrong"
[ "$s5xx" = 0 ] && [ "$sother" = 0 ] && [ "$unknown" = 0 ] \
    && check OK "no 5xx, no other status, no request the soak did not send" \
    || check FAIL "5xx: $s5xx, other statuses: $sother, unknown requests: $unknown"
# wrk does not count the requests still in flight when it stops; httpd
# logs them.
if [ -n "$requests" ] && [ "$lines" -ge "$requests" ] \
   && [ "$lines" -le $((requests + 2 * connections)) ]; then
    check OK "the access log holds every request wrk counted ($lines lines, $requests counted)"
else
    check FAIL "access log lines $lines, wrk counted ${requests:-none}"
fi

read -r b_lines b_bad <<< "$(awk '{ n++ } $3 != "ok" { bad++ } END { print n+0, bad+0 }' "$backend")"
if [ "$b_bad" = 0 ] && [ "$b_lines" = "$api_ok" ] && [ "$api_ok" -gt 0 ]; then
    check OK "the backend saw every proxied valid request ($b_lines) and no invalid one"
else
    check FAIL "backend: $b_lines requests, $b_bad not valid; front proxied valid: $api_ok"
fi

died=$(grep -E 'exit signal|Segmentation fault|AH00052|AH00060|child process .* still did not exit' "$dir/logs/error_log")
if [ -z "$died" ]; then
    check OK "no child died"
else
    echo "$died" | head -n 20
    check FAIL "children died"
fi
echo "soak: error log, warnings and errors:"
grep -vE 'AH00489|AH00094|AH00493|AH00163|AH00171|AH00170|AH00169|resuming normal|Command line:' \
    "$dir/logs/error_log" | head -n 20 | sed 's/^/soak:   /'

# Memory: within the first generation (from warm to just before the
# restart), within the second (from warm to the end), and across.
echo "soak: children RSS (sum): at ${warm}s $(mb "$rss1") ($n1), at $((half - 1))s $(mb "$rss2") ($n2), at ${renewed}s $(mb "$rss3") ($n3), at $((seconds - 1))s $(mb "$rss4") ($n4)"
echo "soak: parent RSS: at ${warm}s $(mb "$prss1"), before the restart $(mb "$prss2"), at the end $(mb "${prss4:-0}")"
bound() { echo $(( $1 * 5 / 4 + 16384 )); }      # +25 % and 16 MB
if [ "$n1" -gt 0 ] && [ "$rss2" -le "$(bound "$rss1")" ] && [ "$rss4" -le "$(bound "$rss3")" ] \
   && [ "$rss4" -le $(( rss1 * 3 / 2 + 32768 )) ]; then
    check OK "children RSS bounded: $(mb "$rss1") -> $(mb "$rss2") | restart | $(mb "$rss3") -> $(mb "$rss4")"
else
    check FAIL "children RSS grew: $(mb "$rss1") -> $(mb "$rss2") | restart | $(mb "$rss3") -> $(mb "$rss4")"
fi
if [ -n "${prss4:-}" ] && [ "$prss4" -le $(( prss1 + 16384 )) ]; then
    check OK "parent RSS bounded across the restart: $(mb "$prss1") -> $(mb "$prss4")"
else
    check FAIL "parent RSS grew across the restart: $(mb "$prss1") -> $(mb "${prss4:-0}")"
fi

check "$stopped" "httpd stops"

summary
