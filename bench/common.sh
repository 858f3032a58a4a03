# shellcheck shell=bash disable=SC2154,SC2034
# bench/common.sh: what the benchmark scripts share, sourced by them (not
# run).  Each script sets, before it calls these:
#   me    its name, for messages
#   tmp   its temp directory (free_port notes the ports it hands out there)

bench_die() { echo "$me: $*" >&2; exit 1; }

# Every tool named, or a message naming the first one missing.
bench_need() {   # tool...
    local tool
    for tool in "$@"; do
        command -v "$tool" >/dev/null || bench_die "$tool is missing"
    done
}

# A TCP port free on 127.0.0.1 now and not handed out before by this run.
free_port() {
    local p
    for _ in $(seq 1 200); do
        p=$((20000 + RANDOM % 20000))
        if [ -z "$(ss -Htln "sport = :$p" 2>/dev/null)" ] \
           && ! grep -qx "$p" "$tmp/ports" 2>/dev/null; then
            echo "$p" >>"$tmp/ports"
            echo "$p"
            return
        fi
    done
    bench_die "no free port"
}

# Stop a process this script started: TERM, up to `seconds` for it to go
# (valgrind writes its report on the way out), then KILL.
bench_stop() {   # pid [seconds]
    local pid=$1 tenths=$(( ${2:-10} * 10 ))
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 "$tenths"); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
}

# The protected scopes the server benchmarks share: an HS256 token
# (/approov/), an installation signature (/signed/) and, given an account
# secret, an account signature (/account/), signatures accepted for a day.
bench_locations() {   # [account-secret-base64 mskid]
    cat <<EOF
<Location /approov/>
    Approov On
</Location>
<Location /signed/>
    Approov On
    ApproovMessageSigning Required
    ApproovMessageSigningMaxAge 86400
</Location>
EOF
    [ -n "${1:-}" ] || return 0
    cat <<EOF
<Location /account/>
    Approov On
    ApproovMessageSigning Required
    ApproovMessageSigningMaxAge 86400
    ApproovAccountSigningSecret $1 $2
</Location>
EOF
}

# The module built as `make` builds it (apxs, -O2, the core sources that
# sources.mk lists), from a copy of the sources under $tmp/build; prints
# the path of the .so.  The benchmarks measure this build, not whatever
# .libs/ holds.
bench_build_module() {   # top-of-the-tree
    local top=$1 core glue f
    core=$(sed -n 's/^CORE_SRCS *= *//p' "$top/sources.mk")
    glue=$(cd "$top" && echo mod_approov*.c)
    mkdir -p "$tmp/build/lib"
    for f in $glue $core; do cp "$top/$f" "$tmp/build/$f"; done
    cp "$top"/*.h "$tmp/build/"
    cp "$top"/lib/*.h "$tmp/build/lib/"
    # shellcheck disable=SC2086
    (cd "$tmp/build" && apxs -c -Wc,-std=c99 -Wc,-O2 -I/usr/include/cjson -Ilib \
        -o mod_approov.la $glue $core -lcjson -lcrypto -lcurl) \
        >"$tmp/build/build.log" 2>&1 \
        || { cat "$tmp/build/build.log" >&2; bench_die "module build failed"; }
    echo "$tmp/build/.libs/mod_approov.so"
}

# An httpd for valgrind (-X, one process) under $tmp: a hello.txt in each
# named folder of the document root, $tmp/run for what it writes, and the
# head of its config (port, module, keep-alive without limit, no mmap or
# sendfile) on stdout.  As root, httpd would switch to another user and could
# no longer write valgrind's output nor open vgdb's FIFOs: such a script runs
# it as nobody from the start, with "${as_user[@]}" set here.
as_user=()
bench_one_process_server() {   # port module folder...
    local port=$1 module=$2 d
    shift 2
    for d in "$@"; do
        mkdir -p "$tmp/htdocs/$d"
        printf 'Hello, world!\n' >"$tmp/htdocs/$d/hello.txt"
    done
    mkdir -p "$tmp/run"
    chmod -R a+rX "$tmp"
    chmod 1777 "$tmp/run"
    as_user=()
    [ "$(id -u)" != 0 ] || as_user=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
    cat <<EOF
ServerRoot "$tmp"
ServerName 127.0.0.1
Listen 127.0.0.1:$port
PidFile "$tmp/run/httpd.pid"
DefaultRuntimeDir "$tmp/run"
ErrorLog "$tmp/run/error.log"
LoadModule mpm_event_module "$moddir/mod_mpm_event.so"
LoadModule authz_core_module "$moddir/mod_authz_core.so"
LoadModule approov_module "$module"
KeepAlive On
MaxKeepAliveRequests 0
EnableMMAP Off
EnableSendfile Off
DocumentRoot "$tmp/htdocs"
<Directory />
    AllowOverride None
    Require all granted
</Directory>
EOF
}
