#!/usr/bin/env bash
# bench_server.sh: what mod_approov costs a real httpd, next to a plain
# httpd and to mod_auth_openidc verifying the same HS256 token, in one run.
#
#   bench/bench_server.sh             7 rounds x 3 concurrencies x 4 rows, 5 s
#                                     per cell: about 9 minutes
#   bench/bench_server.sh --quick     2 rounds, 3 s per cell: about 2 minutes
#   bench/bench_server.sh --long      also the RSS of the httpd children before
#                                     and after 1M requests on row b (adds a
#                                     few minutes; at most --long-seconds);
#                                     --long-row ROW drives another row (e.g.
#                                     signed: 1M message-signed requests)
#   bench/bench_server.sh --perf      also where httpd spends its CPU on rows b
#                                     and d, by library (perf record -e
#                                     cpu-clock on the children; 2 x S seconds)
#
# Options: --rounds N, --duration S (per cell), --conns "32 256 1024",
# --rows "plain plaintok approov" (a subset of the rows below, by these
# names, for a longer run of fewer rows; plain is always measured),
# --long-requests N (1000000), --long-seconds S (600), --long-chunk S (10:
# the length of each wrk run of the long run; wrk opens its connections
# again for each), --long-conf 'DIRECTIVE' (added to server A's config,
# e.g. MaxMemFree 64), --module PATH (a
# built mod_approov.so instead of building one), --no-openidc, --no-h2
# (server A without mod_http2, rows h2 and h2es left out: mod_http2 moves
# the children's RSS on its own, see --long), --keep (keep
# the temp ServerRoot), -h.
#
# Everything runs on 127.0.0.1 under a temp ServerRoot, with ports picked
# free at start.  The script starts two httpds of its own in the foreground
# and stops them by their PIDs, on exit too.  Each wrk run is bounded by
# -d and by timeout(1).  It installs libapache2-mod-auth-openidc with
# apt-get when that is missing (and then disables it again in Debian's own
# /etc/apache2, where the package enables it: our httpds do not read it).
#
# Rows, each at every concurrency:
#   a plain    server A, /plain/hello.txt, no module on the path
#   a2 plaintok  the same, with the valid token in Approov-Token: the bytes
#              of row b's request, to a path where Approov is off
#   b approov  server A, /approov/hello.txt, Approov On, valid token
#   a4 plainloc  row a2's request to a <Location> that says Approov Off:
#              what httpd's per-request <Location> merge costs, which
#              b pays as well (b - a4 is the module's hook alone)
#   a3 plainnew  row a2, but each request on a connection carries another
#              valid token (64 in turn, by a wrk Lua script)
#   b2 approovnew  row b the same way: no request repeats the token of the
#              one before it, so none is served from the module's
#              connection cache: every one is verified in full
#   c reject   server A, /approov/hello.txt, token with a bad signature (401)
#   a5 plainsig  row a2's path with row e's headers: a token carrying ipk
#              and its install signature headers, not checked there
#   e signed   server A, /signed/hello.txt, ApproovMessageSigning Required:
#              the token (repeated: the connection cache answers) and a valid
#              ecdsa-p256-sha256 install signature over @method @target-uri
#              approov-token, checked on every request (its floor: one P-256
#              verify, bench_keys' es256 row)
#   d openidc  server B (mod_auth_openidc, no mod_approov), /oidc/hello.txt,
#              AuthType oauth20, the same valid token as a Bearer token
# The paths of issue 17, each next to a plain twin (p...: the same request
# bytes to /plain/, where Approov is off), in one run:
#   p1, p64    POST of a 1 KB / 64 KB body to /signed/, with Content-Digest
#              (sha-256) covered by the install signature: the body is read,
#              hashed and kept for the handler (twins plainp1, plainp64)
#   acct       GET to /account/, ApproovMessageSigning Required with an
#              ApproovAccountSigningSecret: a token with mskid (no ipk) and
#              a valid account signature (hmac-sha256) over @method
#              @target-uri approov-token (twin plainacct; its floor: HMAC-
#              SHA256 of the signature base from prepared key states)
#   rs256, es256, eddsa  Approov On with ApproovPublicKeyFile: a token
#              signed RS256 (RSA 2048), ES256 (P-256) or EdDSA (Ed25519),
#              repeated (the connection cache answers); ...new: the next of
#              64 such tokens on every request, each verified in full
#              (twins plainrs256, plainrs256new, ...)
#   h2         h2load, h2c with prior knowledge: 1 connection, 64 streams at
#              a time, the valid HS256 token of row b on every stream, to
#              /approov/ (twin plainh2: the same to /plain/); rows h2es and
#              plainh2es: the same with row es256's token (the stream cache
#              saves a P-256 verify per stream)
# --rows takes these names, and the groups sig (signed p1 p64 acct), alg (the
# six token rows) and h2 (h2 h2es); the twins come along.  The summary
# after the table is one Markdown table for all of them, with each crypto
# row's floor measured in the same run by bench_floor (in-process OpenSSL,
# same key type and message size): "module cost = floor x k + c".
# Rounds alternate the row order (a b c d, then d c b a, ...); the ratio to
# plain is taken inside each round and its median is printed.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
me=bench_server.sh
# shellcheck source=bench/common.sh
. "$here/common.sh"   # free_port
top=$(cd "$here/.." && pwd)

rounds=7
duration=5
conns="32 256 1024"
threads=2
long=0
profile=0
long_requests=1000000
long_seconds=600
long_conns=256
long_row=approov
long_chunk=10
long_conf=
module=
only_rows=
openidc=1
h2=1
keep=0

usage() {
    sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
    exit "${1:-0}"
}

while [ $# -gt 0 ]; do
    case $1 in
        --quick) rounds=2; duration=3 ;;
        --long) long=1 ;;
        --perf) profile=1 ;;
        --rounds) rounds=$2; shift ;;
        --duration) duration=$2; shift ;;
        --conns) conns=$2; shift ;;
        --rows) only_rows=$2; shift ;;
        --long-requests) long_requests=$2; shift ;;
        --long-seconds) long_seconds=$2; shift ;;
        --long-row) long_row=$2; shift ;;
        --long-chunk) long_chunk=$2; shift ;;
        --long-conf) long_conf=$2; shift ;;
        --module) module=$2; shift ;;
        --no-openidc) openidc=0 ;;
        --no-h2) h2=0 ;;
        --keep) keep=1 ;;
        -h|--help) usage 0 ;;
        *) echo "bench_server.sh: unknown option $1" >&2; usage 2 ;;
    esac
    shift
done
for v in "$rounds" "$duration" "$long_requests" "$long_seconds" "$long_chunk"; do
    case $v in ''|*[!0-9]*|0) echo "bench_server.sh: bad number '$v'" >&2; exit 2 ;; esac
done

say() { printf '%s\n' "$*" >&2; }
die() { say "bench_server.sh: $*"; exit 1; }

for tool in apache2 apxs wrk curl perl; do
    command -v "$tool" >/dev/null || [ -x "/usr/sbin/$tool" ] \
        || die "$tool is missing (apt-get install apache2 apache2-dev wrk curl perl)"
done
httpd=$(command -v apache2 || echo /usr/sbin/apache2)
moddir=$(apxs -q LIBEXECDIR)

# ---------------------------------------------------------------- set-up

tmp=$(mktemp -d /tmp/approov-bench.XXXXXX)
chmod 755 "$tmp"                  # httpd children run as nobody
pids=()

stop_servers() {
    local pid
    for pid in "${pids[@]}"; do
        if kill -0 "$pid" 2>/dev/null; then
            kill -TERM "$pid" 2>/dev/null || true
            for _ in $(seq 1 100); do
                kill -0 "$pid" 2>/dev/null || break
                sleep 0.1
            done
            kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
        fi
        wait "$pid" 2>/dev/null || true
    done
    pids=()
}
cleanup() {
    stop_servers
    if [ "$keep" = 1 ]; then say "kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# wrk needs a descriptor per connection.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
maxconn=0
for c in $conns; do [ "$c" -gt "$maxconn" ] && maxconn=$c; done
[ "$(ulimit -n)" -gt $((maxconn + 64)) ] \
    || die "ulimit -n is $(ulimit -n): too low for $maxconn connections"

if [ "$openidc" = 1 ] && [ ! -f "$moddir/mod_auth_openidc.so" ]; then
    say "installing libapache2-mod-auth-openidc ..."
    was_enabled=$([ -e /etc/apache2/mods-enabled/auth_openidc.load ] && echo 1 || echo 0)
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q libapache2-mod-auth-openidc >"$tmp/apt.log" 2>&1 \
        || { apt-get update -q >>"$tmp/apt.log" 2>&1 \
             && apt-get install -y -q libapache2-mod-auth-openidc >>"$tmp/apt.log" 2>&1; } \
        || { tail -20 "$tmp/apt.log" >&2; die "cannot install libapache2-mod-auth-openidc"; }
    if [ "$was_enabled" = 0 ] && command -v a2dismod >/dev/null; then
        a2dismod -q auth_openidc >/dev/null 2>&1 || true
    fi
fi
[ "$openidc" = 0 ] || [ -f "$moddir/mod_auth_openidc.so" ] || die "no mod_auth_openidc.so"

# The module, built like the real one, from a copy of the sources.
if [ -z "$module" ]; then
    module=$(bench_build_module "$top")
fi
[ -f "$module" ] || die "no module at $module"

# Tokens: minted by bench_verify with Approov's dummy secret, exp a year out.
make -s -C "$here" bench_verify >&2
{ read -r token; read -r bad_token; } < <("$here/bench_verify" --mint)
[ -n "$token" ] && [ -n "$bad_token" ] || die "bench_verify --mint printed no tokens"
# Rows a3 and b2: 64 valid tokens of the same size, one per request in turn.
"$here/bench_verify" --mint-set 64 >"$tmp/tokens"
[ "$(wc -l <"$tmp/tokens")" = 64 ] || die "bench_verify --mint-set printed no tokens"
cat >"$tmp/rotate.lua" <<'EOF'
-- The next token of the file (the script's argument) on every request.
local tokens, i = {}, 0
function init(args)
    for line in io.lines(args[1]) do tokens[#tokens + 1] = line end
end
function request()
    i = i % #tokens + 1
    return wrk.format(nil, nil, { ["Approov-Token"] = tokens[i] })
end
EOF
secret='h+CX0tOzdAAR9l15bWAqvq7w9olk66daIH+Xk+IAHhVVHszjDzeGobzNnqyRze3lw/WVyWrc2gZfh3XXfBOmww=='
# Rows a5 and e: a token with an installation key's public half in ipk,
# and that key's signature of row e's request (approov-token, as the SDK
# would sign; created now, accepted for a day).
make -s -C "$here" approov-token bench_floor >&2
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
    -out "$tmp/install.pem" 2>/dev/null || die "openssl genpkey failed"
sig_token=$("$here/approov-token" mint --secret "$secret" --exp-in 31536000 \
            --install-key "$tmp/install.pem") || die "approov-token mint failed"

# Row acct: an account message-signing secret (32 random bytes) and a
# token naming it by mskid, without ipk.
acct_secret=$(head -c 32 /dev/urandom | base64 -w0)
acct_token=$("$here/approov-token" mint --secret "$secret" --exp-in 31536000 \
             --claim mskid=bench-msk) || die "approov-token mint (mskid) failed"

# Rows rs256, es256, eddsa: a key pair each; the public half configured
# for /<alg>/, one token (rows rs256...) and 64 (rows ...new) signed with
# the private half, each with a kid naming its key.
mkdir "$tmp/alg"
for a in rs256 es256 eddsa; do
    case $a in
        rs256) gen=(-algorithm RSA -pkeyopt rsa_keygen_bits:2048); alg=RS256 ;;
        es256) gen=(-algorithm EC -pkeyopt ec_paramgen_curve:P-256); alg=ES256 ;;
        eddsa) gen=(-algorithm ED25519); alg=EdDSA ;;
    esac
    openssl genpkey "${gen[@]}" -out "$tmp/alg/$a.pem" 2>/dev/null \
        && openssl pkey -in "$tmp/alg/$a.pem" -pubout -out "$tmp/alg/$a.pub.pem" 2>/dev/null \
        || die "openssl: no $a key"
    for i in $(seq 0 64); do
        "$here/approov-token" mint --private-key "$tmp/alg/$a.pem" --alg "$alg" --kid "$a" \
            --exp-in 31536000 --claim "did=bench-$i"
    done >"$tmp/alg/$a.all" || die "approov-token mint --alg $alg failed"
    head -1 "$tmp/alg/$a.all" >"$tmp/alg/$a.one"
    tail -n +2 "$tmp/alg/$a.all" >"$tmp/alg/$a.set"
done
chmod -R a+rX "$tmp/alg"
# Rows p1 and p64: the bodies.
head -c 1024 /dev/zero | tr '\0' x >"$tmp/body1k"
head -c 65536 /dev/zero | tr '\0' x >"$tmp/body64k"
# The requests that wrk sends with a Lua script: the method, a body file
# (or -), a file of header lines, and a file of tokens to rotate (or -).
cat >"$tmp/request.lua" <<'EOF'
-- args: method, body file or "-", header file, token file or "-"
local headers, body, tokens, i = {}, nil, {}, 0
function init(args)
    wrk.method = args[1]
    if args[2] ~= "-" then
        local f = io.open(args[2], "rb"); body = f:read("*a"); f:close()
        headers["Content-Length"] = tostring(#body)
    end
    for line in io.lines(args[3]) do
        local k, v = line:match("^([^:]+):%s*(.*)$")
        if k then headers[k] = v end
    end
    if args[4] ~= "-" then
        for line in io.lines(args[4]) do tokens[#tokens + 1] = line end
    end
end
function request()
    if #tokens > 0 then
        i = i % #tokens + 1
        headers["Approov-Token"] = tokens[i]
    end
    return wrk.format(nil, nil, headers, body)
end
EOF

mkdir -p "$tmp/htdocs/plain" "$tmp/htdocs/plainloc" "$tmp/htdocs/approov" "$tmp/htdocs/oidc" \
    "$tmp/htdocs/signed" "$tmp/htdocs/account"
for d in plain plainloc approov oidc signed account; do
    printf 'Hello, world!\n' >"$tmp/htdocs/$d/hello.txt"
done
chmod -R a+rX "$tmp/htdocs"

# What both servers share: event MPM with every process and thread started
# up front and never reaped (no spawning during a run), keep-alive without a
# request limit, no access log.  Each of the 2 processes has a worker thread
# per connection at the highest concurrency: with fewer, a busy event MPM
# closes keep-alive connections above its limit and wrk counts read errors.
# EnableMMAP Off: in a VM, the mmap and munmap of the file on every request
# cost TLB-shootdown IPIs that dwarf everything else (three times the
# request rate here); reading 14 bytes is what a tuned server does anyway.
common_conf() {   # name port
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
StartServers 2
ServerLimit 2
ThreadLimit $threads_per_child
ThreadsPerChild $threads_per_child
MaxRequestWorkers $((2 * threads_per_child))
MinSpareThreads 1
MaxSpareThreads $((2 * threads_per_child))
MaxConnectionsPerChild 0
ListenBacklog 4096
KeepAlive On
MaxKeepAliveRequests 0
KeepAliveTimeout 60
Timeout 60
EnableMMAP Off
EnableSendfile Off
DocumentRoot "$tmp/htdocs"
<Directory />
    AllowOverride None
    Require all granted
</Directory>
EOF
}

[ "$long" = 0 ] || [ "$long_conns" -le "$maxconn" ] || maxconn=$long_conns
[ "$profile" = 0 ] || [ 256 -le "$maxconn" ] || maxconn=256
threads_per_child=$((maxconn + 64))
port_a=$(free_port)
mkdir -p "$tmp/run-a" "$tmp/run-b"
# mod_http2 for rows h2 and h2es (not with --no-h2).
h2_conf=
[ "$h2" = 0 ] || h2_conf="<IfModule !mod_http2.c>
    LoadModule http2_module \"$moddir/mod_http2.so\"
</IfModule>
Protocols h2c http/1.1
H2MaxSessionStreams 128"
{
    common_conf a "$port_a"
    cat <<EOF
LoadModule approov_module "$module"
ApproovBase64Secret $secret
$(bench_locations "$acct_secret" bench-msk)
<Location /plainloc/>
    Approov Off
</Location>
$h2_conf
$([ "$long" = 0 ] || printf '%s\n' "$long_conf")
EOF
    for a in rs256 es256 eddsa; do
        mkdir -p "$tmp/htdocs/$a"
        printf 'Hello, world!\n' >"$tmp/htdocs/$a/hello.txt"
        printf '<Location /%s/>\n    Approov On\n    ApproovPublicKeyFile %s %s\n</Location>\n' \
            "$a" "$tmp/alg/$a.pub.pem" "$a"
    done
    chmod -R a+rX "$tmp/htdocs"
} >"$tmp/a.conf"
"$here/approov-token" sign-request --install-key "$tmp/install.pem" --method GET \
    --url "http://127.0.0.1:$port_a/signed/hello.txt" \
    --header "Approov-Token: $sig_token" >"$tmp/signature" \
    || die "approov-token sign-request failed"
sig_input=$(sed -n 's/^Signature-Input: //p' "$tmp/signature")
sig_value=$(sed -n 's/^Signature: //p' "$tmp/signature")
# Rows p1, p64 and twins: POST, the body's Content-Digest covered.
mkdir "$tmp/req"
for b in 1 64; do
    "$here/approov-token" sign-request --install-key "$tmp/install.pem" --method POST \
        --url "http://127.0.0.1:$port_a/signed/hello.txt" \
        --header "Approov-Token: $sig_token" --body "$(cat "$tmp/body${b}k")" \
        >"$tmp/req/p$b" || die "approov-token sign-request --body failed"
    echo "Approov-Token: $sig_token" >>"$tmp/req/p$b"
    cp "$tmp/req/p$b" "$tmp/req/plainp$b"
done
# Row acct and its twin: the account signature of a GET to /account/.
"$here/approov-token" sign-request --account-key "$acct_secret" --method GET \
    --url "http://127.0.0.1:$port_a/account/hello.txt" \
    --header "Approov-Token: $acct_token" >"$tmp/req/acct" \
    || die "approov-token sign-request --account-key failed"
grep -q '^Signature-Input: account=' "$tmp/req/acct" || die "no account signature"
echo "Approov-Token: $acct_token" >>"$tmp/req/acct"
cp "$tmp/req/acct" "$tmp/req/plainacct"
for a in rs256 es256 eddsa; do
    echo "Approov-Token: $(cat "$tmp/alg/$a.one")" >"$tmp/req/$a"
    : >"$tmp/req/${a}new"
    cp "$tmp/req/$a" "$tmp/req/plain$a"
    : >"$tmp/req/plain${a}new"
done
# What run_wrk gives wrk's Lua script for a row: method body headers tokens.
row_lua_args() {
    case $1 in
        p1|plainp1) echo "POST $tmp/body1k $tmp/req/$1 -" ;;
        p64|plainp64) echo "POST $tmp/body64k $tmp/req/$1 -" ;;
        *new) echo "GET - $tmp/req/$1 $tmp/alg/$(echo "$1" | sed 's/^plain//; s/new$//').set" ;;
        *) echo "GET - $tmp/req/$1 -" ;;
    esac
}

if [ "$openidc" = 1 ]; then
    port_b=$(free_port)
    {
        common_conf b "$port_b"
        cat <<EOF
LoadModule authn_core_module "$moddir/mod_authn_core.so"
LoadModule authz_user_module "$moddir/mod_authz_user.so"
LoadModule auth_openidc_module "$moddir/mod_auth_openidc.so"
OIDCCryptoPassphrase $(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
OIDCOAuthVerifySharedKeys b64##$secret
OIDCOAuthRemoteUserClaim did
<Location /oidc/>
    AuthType oauth20
    Require valid-user
</Location>
EOF
    } >"$tmp/b.conf"
fi

start_server() {   # name
    "$httpd" -t -f "$tmp/$1.conf" >"$tmp/$1-configtest.log" 2>&1 \
        || { cat "$tmp/$1-configtest.log" >&2; die "server $1: configtest failed"; }
    "$httpd" -f "$tmp/$1.conf" -DFOREGROUND >>"$tmp/$1-error.log" 2>&1 &
    pids+=("$!")
    eval "pid_$1=$!"
}

wait_up() {   # port
    for _ in $(seq 1 100); do
        curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$1/plain/hello.txt" && return 0
        sleep 0.1
    done
    die "httpd on port $1 did not come up"
}

start_server a
wait_up "$port_a"
if [ "$openidc" = 1 ]; then
    start_server b
    wait_up "$port_b"
fi

# ------------------------------------------------------------ the rows

rows=(plain plaintok plainloc plainnew approov approovnew reject plainsig signed
      plainp1 p1 plainp64 p64 plainacct acct)
for a in rs256 es256 eddsa; do rows+=("plain$a" "$a" "plain${a}new" "${a}new"); done
rows+=(plainh2 h2 plainh2es h2es)
[ "$openidc" = 1 ] && rows+=(openidc)
# The row whose request bytes a row sends to a path where Approov is off.
twin_of() {
    case $1 in
        approov|plainloc|reject) echo plaintok ;;
        approovnew) echo plainnew ;;
        signed) echo plainsig ;;
        p1|p64|acct|rs256|rs256new|es256|es256new|eddsa|eddsanew|h2|h2es) echo "plain$1" ;;
        *) echo plaintok ;;
    esac
}
if [ -n "$only_rows" ]; then
    only_rows=$(for r in $only_rows; do
        case $r in
            sig) echo signed p1 p64 acct ;;
            alg) echo rs256 rs256new es256 es256new eddsa eddsanew ;;
            h2) echo h2 h2es ;;
            *) echo "$r" ;;
        esac
    done | tr '\n' ' ')
    for r in $only_rows; do
        case " ${rows[*]} " in *" $r "*) ;; *) die "--rows: no row '$r' (rows: ${rows[*]})" ;; esac
    done
    # plain and plaintok are the references of every ratio: always measured.
    kept=(plain)
    for r in "${rows[@]}"; do
        [ "$r" = plain ] && continue
        case " $only_rows plaintok " in *" $r "*) kept+=("$r") ;; esac
    done
    case " ${kept[*]} " in *" approovnew "*) kept+=(plainnew) ;; esac
    case " ${kept[*]} " in *" signed "*) kept+=(plainsig) ;; esac
    for r in "${kept[@]}"; do
        t=$(twin_of "$r")
        case " ${kept[*]} " in *" $t "*) ;; *) kept+=("$t") ;; esac
    done
    rows=("${kept[@]}")
fi

row_url() {
    case $1 in
        plainloc) echo "http://127.0.0.1:$port_a/plainloc/hello.txt" ;;
        plain*) echo "http://127.0.0.1:$port_a/plain/hello.txt" ;;
        signed|p1|p64) echo "http://127.0.0.1:$port_a/signed/hello.txt" ;;
        acct) echo "http://127.0.0.1:$port_a/account/hello.txt" ;;
        rs256*|es256*|eddsa*) echo "http://127.0.0.1:$port_a/${1%new}/hello.txt" ;;
        h2) echo "http://127.0.0.1:$port_a/approov/hello.txt" ;;
        h2es) echo "http://127.0.0.1:$port_a/es256/hello.txt" ;;
        approov|approovnew|reject) echo "http://127.0.0.1:$port_a/approov/hello.txt" ;;
        openidc) echo "http://127.0.0.1:$port_b/oidc/hello.txt" ;;
    esac
}
row_header() {
    case $1 in
        plain) echo "X-Bench: plain" ;;
        plaintok|plainloc) echo "Approov-Token: $token" ;;
        plainnew|approovnew) echo "Approov-Token: $(head -1 "$tmp/tokens")" ;;
        approov) echo "Approov-Token: $token" ;;
        reject) echo "Approov-Token: $bad_token" ;;
        openidc) echo "Authorization: Bearer $token" ;;
        plainsig|signed) echo "Approov-Token: $sig_token" ;;
        plainh2|h2) echo "approov-token: $token" ;;
        plainh2es|h2es) echo "approov-token: $(cat "$tmp/alg/es256.one")" ;;
        *new) echo "Approov-Token: $(head -1 "$tmp/alg/$(echo "$1" | sed 's/^plain//; s/new$//').set")" ;;
        *) sed -n 's/^Approov-Token: /&/p' "$tmp/req/$1" ;;
    esac
}
row_server_pid() {
    case $1 in openidc) echo "$pid_b" ;; *) echo "$pid_a" ;; esac
}

status_of() {   # url [header]
    curl -s -o /dev/null -w '%{http_code}' --max-time 5 ${2:+-H "$2"} "$1"
}

# Each row must really do what it claims before it is timed.
check() {   # what expected got
    if [ "$2" != "$3" ]; then
        die "check failed: $1: expected $2, got $3 (logs in $tmp; rerun with --keep)"
    fi
    say "  ok  $1: $3"
}
say "checks:"
check "plain, no token" 200 "$(status_of "$(row_url plain)")"
check "plain, with the token (not checked there)" 200 "$(status_of "$(row_url plaintok)" "$(row_header plaintok)")"
check "plain in a <Location> with Approov Off, with the token" 200 "$(status_of "$(row_url plainloc)" "$(row_header plainloc)")"
check "approov, valid token" 200 "$(status_of "$(row_url approov)" "$(row_header approov)")"
while read -r t; do
    [ "$(status_of "$(row_url approovnew)" "Approov-Token: $t")" = 200 ] \
        || die "check failed: a token of the set (rows a3, b2) is not valid"
done <"$tmp/tokens"
say "  ok  approov, each of the 64 tokens of rows a3 and b2: 200"
check "approov, bad signature" 401 "$(status_of "$(row_url reject)" "$(row_header reject)")"
check "signed, valid install signature" 200 "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 \
    -H "$(row_header signed)" -H "Signature-Input: $sig_input" -H "Signature: $sig_value" \
    "$(row_url signed)")"
check "signed, no signature" 401 "$(status_of "$(row_url signed)" "$(row_header signed)")"
check "approov, no token" 401 "$(status_of "$(row_url approov)")"
# A row's request as wrk's Lua script sends it (its first token), by curl.
lua_status() {   # row [token [body file]]
    local args method body hdrs tokfile
    read -r method body hdrs tokfile <<<"$(row_lua_args "$1")"
    [ -z "${3:-}" ] || body=$3
    args=(-X "$method")
    [ "$body" = - ] || args+=(--data-binary "@$body" -H 'Content-Type:')
    while IFS= read -r h; do args+=(-H "$h"); done <"$hdrs"
    [ -z "${2:-}" ] || args+=(-H "Approov-Token: $2")
    curl -s -o /dev/null -w '%{http_code}' --max-time 5 "${args[@]}" "$(row_url "$1")"
}
for r in p1 p64 acct plainp1 plainp64 plainacct rs256 es256 eddsa plainrs256 plaines256 plaineddsa; do
    check "$r" 200 "$(lua_status "$r")"
done
for a in rs256 es256 eddsa; do
    while read -r t; do
        [ "$(lua_status "${a}new" "$t")" = 200 ] \
            || die "check failed: a token of the set of rows ${a}new is not valid"
    done <"$tmp/alg/$a.set"
    say "  ok  ${a}new, each of its 64 tokens: 200"
    check "$a, another key's token" 401 "$(status_of "$(row_url "$a")" "Approov-Token: $token")"
done
{ printf y; tail -c +2 "$tmp/body1k"; } >"$tmp/body1k.changed"
check "p1, one byte of the body changed" 401 "$(lua_status p1 "" "$tmp/body1k.changed")"
check "acct, no signature" 401 "$(status_of "$(row_url acct)" "Approov-Token: $acct_token")"
if [ "$h2" = 1 ] && command -v h2load >/dev/null; then
    for r in h2 plainh2 h2es plainh2es; do
        got=$(curl -s -o /dev/null -w '%{http_code} %{http_version}' --http2-prior-knowledge \
              --max-time 5 -H "$(row_header "$r")" "$(row_url "$r")")
        check "$r over h2c" "200 2" "$got"
    done
else
    [ "$h2" = 0 ] || say "  h2load is missing (apt-get install nghttp2-client): rows h2, h2es skipped"
    kept=()
    for r in "${rows[@]}"; do case $r in h2|plainh2|h2es|plainh2es) ;; *) kept+=("$r") ;; esac; done
    rows=("${kept[@]}")
fi
if [ "$openidc" = 1 ]; then
    check "openidc, valid Bearer token" 200 "$(status_of "$(row_url openidc)" "$(row_header openidc)")"
    check "openidc, bad signature" 401 "$(status_of "$(row_url openidc)" "Authorization: Bearer $bad_token")"
    check "openidc, no token" 401 "$(status_of "$(row_url openidc)")"
fi

# Error-log lines so far (start-up, checks): not shown at the end.
log_lines_a=$(wc -l <"$tmp/a-error.log")
log_lines_b=0
[ "$openidc" = 0 ] || log_lines_b=$(wc -l <"$tmp/b-error.log")

# ------------------------------------------------------------ measuring

# Busy and total jiffies of the whole machine.
machine_cpu() {
    awk '/^cpu / { print $2+$3+$4+$7+$8+$9, $2+$3+$4+$5+$6+$7+$8+$9 }' /proc/stat
}
# CPU time in ns of an httpd parent and its children, every thread: the
# scheduler's own count (/proc/PID/task/TID/schedstat), not 10 ms ticks.
# Threads are all started up front and never reaped, so none is missed.
httpd_ns() {   # parent pid
    local p
    for p in "$1" $(ps -o pid= --ppid "$1"); do
        cat /proc/"$p"/task/*/schedstat 2>/dev/null || true
    done | awk '{ t += $1 } END { printf "%.0f\n", t }'
}
hz=$(getconf CLK_TCK)

# wrk's arguments for a row's requests, in the array req (the caller's).
set_req() {   # row
    req=(-H "$(row_header "$1")" "$(row_url "$1")")
    case $1 in
        plainnew|approovnew) req=(-s "$tmp/rotate.lua" "$(row_url "$1")" -- "$tmp/tokens") ;;
        plainsig|signed) req=(-H "$(row_header "$1")" -H "Signature-Input: $sig_input"
                              -H "Signature: $sig_value" "$(row_url "$1")") ;;
        *p1|*p64|*acct|*rs256*|*es256|*es256new|*eddsa*)
            # shellcheck disable=SC2046
            req=(-s "$tmp/request.lua" "$(row_url "$1")" -- $(row_lua_args "$1")) ;;
    esac
}

# One wrk run; prints: requests rps p99_ms non2xx socket_errors machine_us_per_req httpd_us_per_req
run_wrk() {   # row conns seconds
    local out m0 m1 h0 h1 spid
    spid=$(row_server_pid "$1")
    m0=$(machine_cpu); h0=$(httpd_ns "$spid")
    # times: the CPU time of wrk, the only child of this subshell.
    # The row's header, or a Lua script that sends the next token each time.
    local req
    set_req "$1"
    case $1 in
        h2|plainh2|h2es|plainh2es)
            # One connection, 64 streams at a time; h2load's output is made
            # to read like wrk's for the parser below (its mean latency in
            # place of a p99, which it does not print).
            out=$(timeout $(($3 + 30)) h2load -c 1 -m 64 -D "$3" -H "$(row_header "$1")" \
                  "$(row_url "$1")" 2>&1 && times) \
                || { say "$out"; die "h2load failed ($1)"; }
            out=$(printf '%s\n' "$out" | awk '
                /^finished in/ { sub(",", "", $4); printf "Requests/sec: %s\n", $4 }
                /^requests:/ { printf "  %d requests in h2load\n", $6; fail = $10 + $12 + $14 }
                /^status codes:/ { printf "  Non-2xx or 3xx responses: %d\n", $7 + $9 }
                /^time for request:/ { printf "     99%%  %s\n", $6 }
                /^[0-9]+m[0-9.]+s [0-9]+m[0-9.]+s$/ { print }
                END { printf "  Socket errors: connect 0, read %d, write 0, timeout 0\n", fail }')
            ;;
        *)
            out=$(timeout $(($3 + 30)) wrk -t "$threads" -c "$2" -d "${3}s" --timeout 10s --latency \
                  "${req[@]}" 2>&1 && times) \
                || { say "$out"; die "wrk failed ($1, $2 connections)"; }
            ;;
    esac
    m1=$(machine_cpu); h1=$(httpd_ns "$spid")
    printf '%s\n' "$out" >>"$tmp/wrk.log"
    printf '%s\n' "$out" | perl -e '
        my ($m0b, $m0t, $m1b, $m1t, $h0, $h1, $hz) = @ARGV;
        my ($req, $rps, $p99, $non2xx, $err, $wrk_us) = (0, 0, 0, 0, 0, 0);
        while (<STDIN>) {
            # the last line of times: user and system time of the children
            $wrk_us = (60 * ($1 + $3) + $2 + $4) * 1e6
                if /^(\d+)m([\d.]+)s (\d+)m([\d.]+)s$/;
            $req = $1 if /^\s*(\d+) requests in/;
            $rps = $1 if /^Requests\/sec:\s*([\d.]+)/;
            if (/^\s*99%\s+([\d.]+)(us|ms|s)\b/) {
                $p99 = $1 * { us => 0.001, ms => 1, s => 1000 }->{$2};
            }
            $non2xx = $1 if /Non-2xx or 3xx responses:\s*(\d+)/;
            $err = $1 + $2 + $3 + $4
                if /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/;
        }
        my $us = 1e6 / $hz;
        # CPU time of everything but this httpd and wrk, as a share of all
        # the CPU time there was: other load on the machine.
        my $httpd_us = ($h1 - $h0) / 1000;
        my $other = (($m1b - $m0b) * $us - $httpd_us - $wrk_us)
                    / (($m1t - $m0t) * $us || 1);
        printf "%d %.1f %.3f %d %d %.2f %.2f %.1f\n", $req, $rps, $p99, $non2xx, $err,
            $req ? ($m1b - $m0b) * $us / $req : 0,
            $req ? $httpd_us / $req : 0, $other < 0 ? 0 : 100 * $other;
    ' $m0 $m1 "$h0" "$h1" "$hz"
}

ncpu=$(nproc)
say ""
say "machine: $ncpu CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
say "httpd $("$httpd" -v | sed -n 's/^Server version: //p'), wrk -t $threads, ${duration}s per cell, $rounds rounds, connections: $conns"
say "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"

say "warm-up ..."
for row in "${rows[@]}"; do run_wrk "$row" 256 1 >/dev/null; done

results=$tmp/results.tsv
: >"$results"
started=$(date +%s)
for ((r = 1; r <= rounds; r++)); do
    order=("${rows[@]}")
    if ((r % 2 == 0)); then
        order=()
        for ((i = ${#rows[@]} - 1; i >= 0; i--)); do order+=("${rows[$i]}"); done
    fi
    # The floors of this round, measured between its rows.
    "$here/bench_floor" 3 100 | sed "s/^/$r /" >>"$tmp/floors"
    first_c=${conns%% *}
    for c in $conns; do
        for row in "${order[@]}"; do
            # h2 rows use one connection whatever the concurrency.
            case $row in h2|plainh2|h2es|plainh2es) [ "$c" = "$first_c" ] || continue ;; esac
            line=$(run_wrk "$row" "$c" "$duration")
            printf '%d\t%d\t%s\t%s\n' "$r" "$c" "$row" "${line// /$'\t'}" >>"$results"
            say "round $r/$rounds  c=$c  $row: $(echo "$line" \
                | awk '{ printf "%s req/s, p99 %s ms, other load %s%% of the CPUs", $2, $3, $8 }')"
        done
    done
done
say "load average at end: $(cut -d' ' -f1-3 /proc/loadavg); $(( $(date +%s) - started )) s of measuring"

# ------------------------------------------------------------ the table

echo
echo "## httpd: $rounds rounds x ${duration}s per cell, wrk -t $threads, loopback, $ncpu CPUs shared by wrk and httpd"
echo
perl -e '
    my @rows = split / /, $ARGV[1];
    my %twin = map { split /=/ } split / /, $ARGV[2];
    my (%v, %conns, @other);
    open my $fh, "<", $ARGV[0] or die;
    while (<$fh>) {
        chomp;
        my ($r, $c, $row, $req, $rps, $p99, $non2xx, $err, $mcpu, $hcpu, $other) = split /\t/;
        push @other, $other;
        $v{$row}{$c}{$r} = { req => $req, rps => $rps, p99 => $p99, non2xx => $non2xx,
                             err => $err, mcpu => $mcpu, hcpu => $hcpu };
        $conns{$c} = 1;
    }
    sub median { my @s = sort { $a <=> $b } @_; my $n = @s;
                 $n % 2 ? $s[$n / 2] : ($s[$n / 2 - 1] + $s[$n / 2]) / 2 }
    my %label = (plain => "a plain", plaintok => "a2 plain+token", approov => "b approov",
                 plainnew => "a3 plain+new tok", approovnew => "b2 approov new tok",
                 plainloc => "a4 plain+tok <Loc>", plainsig => "a5 plain+sig hdrs",
                 signed => "e signed",
                 reject => "c approov reject", openidc => "d openidc");
    my @head = ("row", "conns", "req/s", "p99 ms", "ratio vs a", "vs twin",
                "machine us/req", "httpd us/req", "checks");
    my @w = (18, 5, 8, 8, 10, 11, 14, 12, 6);
    print "| ", join(" | ", map { sprintf "%-*s", $w[$_], $head[$_] } 0 .. $#w), " |\n";
    print "|", join("|", map { "-" x ($_ + 2) } @w), "|\n";
    my (@notes, %med, %med_a);
    for my $c (sort { $a <=> $b } keys %conns) {
        for my $row (@rows) {
            my $cell = $v{$row}{$c} or next;
            my @r = sort { $a <=> $b } keys %$cell;
            my @ratio = map { $v{plain}{$c}{$_} ? $cell->{$_}{rps} / $v{plain}{$c}{$_}{rps} : 0 } @r;
            # b2 sends the requests of a3: its ratio is to a3.
            my $same = $twin{$row};
            my @ratio2 = map { $v{$same}{$c}{$_} ? $cell->{$_}{rps} / $v{$same}{$c}{$_}{rps} : 0 } @r;
            $med{$row}{$c} = median(@ratio2);
            $med_a{$row}{$c} = median(@ratio);
            my ($bad, $errs) = (0, 0);
            for (@r) {
                my $x = $cell->{$_};
                # reject must be all 401; every other row all 200
                $bad += $row eq "reject" ? $x->{req} - $x->{non2xx} : $x->{non2xx};
                $errs += $x->{err};
            }
            my $chk = $bad ? "WRONG STATUS x$bad" : "ok";
            $chk .= ", $errs socket errors" if $errs;
            push @notes, "$row c=$c: $chk" if $chk ne "ok";
            printf "| %-18s | %5d | %8.0f | %8.2f | %10.3f | %11.3f | %14.1f | %12.1f | %-6s |\n",
                $label{$row} // $row, $c,
                median(map { $cell->{$_}{rps} } @r),
                median(map { $cell->{$_}{p99} } @r),
                median(@ratio), median(@ratio2),
                median(map { $cell->{$_}{mcpu} } @r),
                median(map { $cell->{$_}{hcpu} } @r), $chk;
        }
    }
    print "\n";
    print "req/s, p99 and CPU: medians over the rounds; ratio: median of the per-round\n",
          "ratios row/a (or row/twin) at the same concurrency; a row\x27s twin sends the same\n",
          "request, token included, to a path where Approov is off (b: a2, b2: a3, e: a5,\n",
          "p1: plainp1, ...), so row/twin is the module alone; h2 rows: h2load\x27s mean\n",
          "latency in the p99 column; machine us/req: /proc/stat busy time\n",
          "of all CPUs over the wrk run (wrk included) per request; httpd us/req: user+sys\n",
          "CPU time of that httpd and its children per request (the kernel scheduler\n",
          "ns counts of every thread).\n";
    my @o = sort { $a <=> $b } @other;
    printf "Other load (CPU time of all but this httpd and wrk, share of both CPUs) during\n" .
           "the cells: median %.1f%%, max %.1f%%.\n", median(@o), $o[-1];
    print "problems: $_\n" for @notes;
    print "\ntargets (median per-round ratios, every concurrency):\n";
    my @cs = sort { $a <=> $b } keys %conns;
    my $ok;
    if ($med{approov}) {
        $ok = !grep { $med{approov}{$_} < 0.98 } @cs;
        printf "  %s  b >= 0.98 x a2 (the same request, Approov off): %s\n", $ok ? "PASS" : "FAIL",
            join(", ", map { sprintf "%.3f", $med{approov}{$_} } @cs);
        $ok = !grep { $med_a{approov}{$_} < 0.98 } @cs;
        printf "  %s  b >= 0.98 x a (token header included): %s\n", $ok ? "PASS" : "FAIL",
            join(", ", map { sprintf "%.3f", $med_a{approov}{$_} } @cs);
    }
    if ($med{approov} && $v{plainloc}) {
        # b against a4, which pays the same <Location> merge
        my @r4 = map { my $c = $_; median(map { $v{approov}{$c}{$_}{rps} / $v{plainloc}{$c}{$_}{rps} }
                                         grep { $v{plainloc}{$c}{$_} } keys %{ $v{approov}{$c} }) } @cs;
        printf "  info  b / a4 (the hook alone, both in a <Location>): %s\n",
            join(", ", map { sprintf "%.3f", $_ } @r4);
    }
    if ($med{approovnew}) {
        $ok = !grep { $med{approovnew}{$_} < 0.98 } @cs;
        printf "  %s  b2 >= 0.98 x a3 (no token repeated: each verified in full): %s\n",
            $ok ? "PASS" : "FAIL",
            join(", ", map { sprintf "%.3f", $med{approovnew}{$_} } @cs);
    }
    if ($med{reject} && $med{approov}) {
        $ok = !grep { $med{reject}{$_} < $med{approov}{$_} } @cs;
        printf "  %s  c no slower than b: %s\n", $ok ? "PASS" : "FAIL",
            join(", ", map { sprintf "%.3f vs %.3f", $med{reject}{$_}, $med{approov}{$_} } @cs);
    }
    if ($med{openidc} && $med{approov}) {
        $ok = !grep { $med{openidc}{$_} >= $med{approov}{$_} } @cs;
        printf "  %s  b faster than d: %s\n", $ok ? "PASS" : "FAIL",
            join(", ", map { sprintf "%.3f vs %.3f", $med{approov}{$_}, $med{openidc}{$_} } @cs);
    }
    # What the module costs httpd in CPU time: the same pairs, in us per
    # request, median of the per-round differences.
    print "\nhttpd CPU per request, row minus its reference (median of per-round differences):\n";
    for my $pair (["approov", "plaintok", "b - a2"], ["approov", "plainloc", "b - a4"],
                  ["plainloc", "plaintok", "a4 - a2"], ["approovnew", "plainnew", "b2 - a3"],
                  ["signed", "plainsig", "e - a5"], ["plaintok", "plain", "a2 - a"]) {
        my ($row, $ref, $name) = @$pair;
        next unless $v{$row} && $v{$ref};
        printf "  %-8s %s\n", $name, join(", ", map {
            my $c = $_;
            my @d = map { $v{$row}{$c}{$_}{hcpu} - $v{$ref}{$c}{$_}{hcpu} }
                    grep { $v{$ref}{$c}{$_} } keys %{ $v{$row}{$c} };
            sprintf "%+.2f us at %d", median(@d), $c } @cs);
    }
' "$results" "${rows[*]}" "$(for r in "${rows[@]}"; do printf '%s=%s ' "$r" "$(twin_of "$r")"; done)"

# ------------------------------------------------------------ the summary

# One Markdown table, to paste: each module row against its twin (the
# same request bytes, Approov off), and for the crypto rows the floor
# measured in this run (bench_floor, median over the rounds): the module's
# extra httpd CPU per request = floor x k + c.
echo
echo "## Summary: each row against its twin, and its cryptographic floor (paste as is)"
echo
perl -e '
    my @rows = split / /, $ARGV[1];
    my %twin = map { split /=/ } split / /, $ARGV[2];
    my (%v, %conns, %floor);
    open my $fh, "<", $ARGV[0] or die;
    while (<$fh>) {
        chomp;
        my ($r, $c, $row, $req, $rps, $p99, $non2xx, $err, $mcpu, $hcpu) = split /\t/;
        $v{$row}{$c}{$r} = { rps => $rps, hcpu => $hcpu };
        $conns{$c} = 1;
    }
    if (open my $ff, "<", $ARGV[3]) {
        while (<$ff>) { my ($r, undef, $name, $us) = split; push @{ $floor{$name} }, $us }
    }
    sub median { my @s = sort { $a <=> $b } @_; my $n = @s;
                 !$n ? 0 : $n % 2 ? $s[$n / 2] : ($s[$n / 2 - 1] + $s[$n / 2]) / 2 }
    my %f = map { $_ => median(@{ $floor{$_} }) } keys %floor;
    # What each row verifies per request, beyond its twin.
    my %needs = (
        signed => ["p256-sig"], p1 => ["p256-sig", "sha256-1k"],
        p64 => ["p256-sig", "sha256-64k"], rs256new => ["rs256"],
        es256new => ["es256"], eddsanew => ["eddsa"], acct => ["hmac-sig"],
    );
    my %what = (
        approov => "HS256, repeated (cache)", approovnew => "HS256, new each request",
        reject => "HS256, bad signature (401)", signed => "install signature, GET",
        p1 => "install signature, POST 1 KB + Content-Digest",
        p64 => "install signature, POST 64 KB + Content-Digest",
        acct => "account signature (hmac-sha256), GET",
        rs256 => "RS256, repeated (cache)", rs256new => "RS256, new each request",
        es256 => "ES256, repeated (cache)", es256new => "ES256, new each request",
        eddsa => "EdDSA, repeated (cache)", eddsanew => "EdDSA, new each request",
        h2 => "h2c, 64 streams on 1 connection, HS256 repeated",
        h2es => "h2c, 64 streams on 1 connection, ES256 repeated",
        openidc => "mod_auth_openidc, HS256");
    print "| row | what | conns | req/s ÷ twin | httpd µs/req | twin µs/req | Δ µs/req | floor µs | k = Δ/floor | c = Δ − floor | Δ ≤ 1.15 floor + 3 |\n";
    print "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|\n";
    my $floor_names = join ", ", map { "$_ $f{$_}" } sort keys %f;
    for my $c (sort { $a <=> $b } keys %conns) {
        for my $row (@rows) {
            next if $row =~ /^plain/ || !$v{$row}{$c};
            my $t = $twin{$row};
            next unless $v{$t} && $v{$t}{$c};
            my @r = grep { $v{$t}{$c}{$_} } sort keys %{ $v{$row}{$c} };
            next unless @r;
            my $ratio = median(map { $v{$row}{$c}{$_}{rps} / ($v{$t}{$c}{$_}{rps} || 1) } @r);
            my $h = median(map { $v{$row}{$c}{$_}{hcpu} } @r);
            my $ht = median(map { $v{$t}{$c}{$_}{hcpu} } @r);
            my $d = median(map { $v{$row}{$c}{$_}{hcpu} - $v{$t}{$c}{$_}{hcpu} } @r);
            my ($fl, $k, $cc, $ok) = ("", "", "", "");
            if ($needs{$row} && !grep { !defined $f{$_} } @{ $needs{$row} }) {
                my $floor = 0;
                $floor += $f{$_} for @{ $needs{$row} };
                $fl = sprintf "%.1f", $floor;
                $k = sprintf "%.2f", $d / $floor;
                $cc = sprintf "%+.1f", $d - $floor;
                $ok = $d <= 1.15 * $floor + 3 ? "PASS" : "FAIL";
            }
            printf "| %s | %s | %d | %.3f | %.1f | %.1f | %+.1f | %s | %s | %s | %s |\n",
                $row, $what{$row} // "", $c, $ratio, $h, $ht, $d, $fl, $k, $cc, $ok;
        }
    }
    print "\nTwins: the same request bytes to /plain/ (Approov off); h2 rows: 1 connection\n",
          "whatever the concurrency.  Δ: median of the per-round differences of httpd CPU\n",
          "per request (row − twin).  Floors (bench_floor, in-process, median of the rounds,\n",
          "µs per call): $floor_names.\n";
' "$results" "${rows[*]}" "$(for r in "${rows[@]}"; do printf '%s=%s ' "$r" "$(twin_of "$r")"; done)" "$tmp/floors"

# ------------------------------------------------------------ perf profile

# Share of the httpd children's CPU samples per library while wrk drives a
# row: what the module and the libraries only it uses cost, measured inside
# the server, which the req/s of a noisy machine cannot resolve.
profile_row() {   # row
    local spid kids
    spid=$(row_server_pid "$1")
    kids=$(ps -o pid= --ppid "$spid" | tr -s ' \n' ',' | sed 's/^,//; s/,$//')
    perf record -q -e cpu-clock -p "$kids" -o "$tmp/perf.$1" -- sleep "$duration" \
        >/dev/null 2>&1 &
    local perf_pid=$!
    timeout $((duration + 30)) wrk -t "$threads" -c 256 -d "${duration}s" --timeout 10s \
        -H "$(row_header "$1")" "$(row_url "$1")" >/dev/null 2>&1 || true
    wait "$perf_pid" || true
    echo
    echo "row $1, 256 connections: share of httpd's CPU samples by library (>= 0.1%)"
    perf report -i "$tmp/perf.$1" --stdio --no-children --sort dso 2>/dev/null \
        | awk '/^ +[0-9.]+%/ { v = $1; sub("%", "", v); if (v >= 0.1) printf "  %7s  %s\n", $1, $2 }'
    echo "top functions outside the kernel:"
    perf report -i "$tmp/perf.$1" --stdio --no-children --sort dso,sym 2>/dev/null \
        | awk '/^ +[0-9.]+%/ && !/kernel/ && n++ < 14 { printf "  %7s  %-22s %s\n", $1, $2, $NF }' || true
}
if [ "$profile" = 1 ]; then
    echo
    echo "## Where httpd's CPU goes (perf record -e cpu-clock on the children)"
    if command -v perf >/dev/null \
       && perf record -q -e cpu-clock -o "$tmp/perf.test" true >/dev/null 2>&1; then
        profile_row plaintok
        profile_row approov
        [ "$openidc" = 0 ] || profile_row openidc
        echo
        echo "(server A loads no other module that uses libcjson or libcrypto)"
    else
        echo "perf record -e cpu-clock does not work here: skipped"
    fi
fi

# ------------------------------------------------------------ long run: RSS

rss_children() {   # parent pid: "pid:kB ..." and the sum
    local p kb sum=0 list=
    for p in $(ps -o pid= --ppid "$1"); do
        kb=$(awk '/^VmRSS:/ { print $2 }' "/proc/$p/status" 2>/dev/null || echo 0)
        list="$list $p:${kb}kB"
        sum=$((sum + kb))
    done
    echo "sum ${sum} kB ($list )"
}

if [ "$long" = 1 ]; then
    # wrk has no request count: run it in chunks of at most --long-chunk seconds until
    # long_requests are done or long_seconds have passed.
    echo
    echo "## RSS of server A's children over a long run of row $long_row, $long_conns connections, wrk runs of ${long_chunk} s${long_conf:+, with $long_conf}"
    echo
    echo "- before:  $(rss_children "$pid_a")"
    children_before=$(ps -o pid= --ppid "$pid_a" | sort | tr -d ' \n')
    total=0
    t0=$(date +%s)
    while [ "$total" -lt "$long_requests" ]; do
        left=$((long_seconds - ($(date +%s) - t0)))
        [ "$left" -gt 0 ] || { echo "- stopped by the time limit (${long_seconds}s)"; break; }
        [ "$left" -lt "$long_chunk" ] || left=$long_chunk
        set_req "$long_row"
        out=$(timeout $((left + 30)) wrk -t "$threads" -c "$long_conns" -d "${left}s" \
              --timeout 10s "${req[@]}" 2>&1) \
            || { say "$out"; die "wrk failed in the long run"; }
        n=$(printf '%s\n' "$out" | sed -n 's/^ *\([0-9]*\) requests in .*/\1/p')
        non=$(printf '%s\n' "$out" | sed -n 's/.*Non-2xx or 3xx responses: *\([0-9]*\).*/\1/p')
        total=$((total + n))
        echo "- after $total requests${non:+ ($non not 200)}: $(rss_children "$pid_a")"
    done
    if [ "$(ps -o pid= --ppid "$pid_a" | sort | tr -d ' \n')" = "$children_before" ]; then
        same="the same children throughout"
    else
        same="CHILDREN CHANGED during the run: RSS figures are not comparable"
    fi
    echo "- $total requests in $(($(date +%s) - t0)) s; $same"
fi

# What the servers logged after the checks (LogLevel warn).
: >"$tmp/errors"
for s in a b; do
    [ -f "$tmp/$s-error.log" ] || continue
    tail -n +"$(( $(eval echo "\$log_lines_$s") + 1 ))" "$tmp/$s-error.log" \
        | sed "s/^/server $s: /" >>"$tmp/errors"
done
if [ -s "$tmp/errors" ]; then
    echo
    echo "error log lines during the measurements (first 10 of $(wc -l <"$tmp/errors")):"
    head -10 "$tmp/errors"
fi
