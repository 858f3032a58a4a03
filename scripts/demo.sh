#!/bin/bash
# A demo httpd on 127.0.0.1:8080 that protects /hello with mod_approov and
# Approov's published dummy secret.
#
#   scripts/demo.sh          install deps, build, (re)start the demo, try it
#   scripts/demo.sh stop     stop it and remove its directory
#
# Run it as root on Debian 12 (children run as nobody), or as any user once
# the dependencies are installed.  Re-running restarts it cleanly.
# DEMO_DIR (default /tmp/mod_approov-demo) and DEMO_PORT (default 8080)
# change where it lives and listens.

set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
dir=${DEMO_DIR:-/tmp/mod_approov-demo}
port=${DEMO_PORT:-8080}
url="http://127.0.0.1:$port/hello"
# Approov's published dummy secret: never use it in production.
secret='h+CX0tOzdAAR9l15bWAqvq7w9olk66daIH+Xk+IAHhVVHszjDzeGobzNnqyRze3lw/WVyWrc2gZfh3XXfBOmww=='

say() { printf '%s\n' "$*"; }
die() { printf 'demo: %s\n' "$*" >&2; exit 1; }

httpd_binary() {
    local apxs
    apxs=$(command -v apxs || command -v apxs2 || true)
    if [ -n "$apxs" ]; then
        echo "$("$apxs" -q SBINDIR)/$("$apxs" -q TARGET)"
    else
        echo /usr/sbin/apache2
    fi
}

# Stop the demo server named by our own pid file, if it runs.
stop_demo() {
    local pid_file="$dir/httpd.pid" pid
    [ -s "$pid_file" ] || return 0
    pid=$(cat "$pid_file")
    case "$pid" in ''|*[!0-9]*) return 0 ;; esac
    if kill -0 "$pid" 2>/dev/null; then
        "$(httpd_binary)" -f "$dir/httpd.conf" -k stop 2>/dev/null \
            || kill "$pid" 2>/dev/null || true
        for _ in $(seq 50); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -0 "$pid" 2>/dev/null && die "httpd $pid does not stop"
        say "demo: stopped httpd $pid"
    fi
    rm -f "$pid_file"
}

if [ "${1:-start}" = stop ]; then
    stop_demo
    rm -rf "$dir"
    exit 0
fi
[ "${1:-start}" = start ] || die "usage: scripts/demo.sh [start|stop]"

# ------------------------------------------------------------- build
"$top/scripts/deps.sh"
cd "$top"
if [ ! -f Makefile ]; then
    ./autogen.sh
    ./configure
fi
make
httpd=$(httpd_binary)
modules_dir=$(apxs -q LIBEXECDIR 2>/dev/null || apxs2 -q LIBEXECDIR)

# ------------------------------------------------------------- config
stop_demo
rm -rf "$dir"
mkdir -p "$dir/htdocs"
chmod 755 "$dir" "$dir/htdocs"
cp .libs/mod_approov.so "$dir/"
echo hello > "$dir/htdocs/hello"

mpm=
for m in event worker prefork; do
    if [ -f "$modules_dir/mod_mpm_$m.so" ]; then
        mpm="LoadModule mpm_${m}_module \"$modules_dir/mod_mpm_$m.so\""
        break
    fi
done
user=
if [ "$(id -u)" = 0 ]; then
    user="User nobody
Group $(id -gn nobody 2>/dev/null || echo nogroup)"
fi

cat > "$dir/httpd.conf" <<EOF
# mod_approov demo, written by scripts/demo.sh: throwaway.
ServerRoot "$dir"
DefaultRuntimeDir "$dir"
PidFile "$dir/httpd.pid"
ErrorLog "$dir/error.log"
LogLevel warn approov:info
ServerName 127.0.0.1
Listen 127.0.0.1:$port
$user
$mpm
LoadModule authz_core_module "$modules_dir/mod_authz_core.so"
LoadModule mime_module "$modules_dir/mod_mime.so"
LoadModule approov_module "$dir/mod_approov.so"

TypesConfig /dev/null
CustomLog "$dir/access.log" "%h \"%r\" %>s"
DocumentRoot "$dir/htdocs"
<Directory "$dir/htdocs">
    Require all granted
</Directory>

<Location /hello>
    ForceType text/plain
    Approov On
    ApproovBase64Secret "$secret"
</Location>
EOF

"$httpd" -t -f "$dir/httpd.conf" 2>/dev/null \
    || "$httpd" -t -f "$dir/httpd.conf"
if ! "$httpd" -f "$dir/httpd.conf" -k start; then
    tail -n 5 "$dir/error.log" >&2 2>/dev/null || true
    die "httpd did not start; see $dir/error.log"
fi
for _ in $(seq 50); do
    [ -s "$dir/httpd.pid" ] \
        && curl -s -o /dev/null "http://127.0.0.1:$port/" && break
    sleep 0.1
done

# ------------------------------------------------------------- try it
# The same minting code as the tests (core Perl only).
mint() {
    perl -I"$top/tests/httpd/t/lib" -MApproovMint=mint \
         -e 'print mint(secret => $ARGV[0], exp_in => 3600)' "$1"
}
token=$(mint "$secret")
# Signed with some other secret.
other=$(mint "$(head -c 32 /dev/urandom | base64)")
good=$(curl -s -o /dev/null -w '%{http_code}' -H "Approov-Token: $token" "$url")
bad=$(curl -s -o /dev/null -w '%{http_code}' -H "Approov-Token: $other" "$url")

say ""
say "mod_approov demo: httpd $(cat "$dir/httpd.pid") on $url"
printf '  %-42s %s\n' "with a fresh token:" "$good" \
    "with a token signed with another secret:" "$bad"
say ""
say "Try it yourself (the token is valid for an hour):"
say ""
say "  TOKEN=$token"
say "  curl -i -H \"Approov-Token: \$TOKEN\" $url"
say "  curl -i $url"
say "  curl -i -H 'Approov-Token: not-a-token' $url"
say ""
say "A new token:  tools/approov-token mint --secret '$secret'"
say "Rejections and their reasons:  tail -f $dir/error.log"
say "Stop it:  scripts/demo.sh stop"

[ "$good" = 200 ] && [ "$bad" = 401 ] || die "expected 200 and 401"
