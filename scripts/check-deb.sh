#!/bin/bash
# Build the Debian package, install it into the system's apache2, prove that
# it protects a path, then undo everything.
#
#   scripts/check-deb.sh     on Debian 12, as root, from a clone or a tarball
#
# 1. copies the tree to a temporary directory (the checkout stays clean) and
#    runs "dpkg-buildpackage -us -uc -b" there; lintian on the result:
#    errors fail, warnings are reported;
# 2. "apt-get install ./libapache2-mod-approov_*.deb", "a2enmod approov",
#    and a conf-available file (enabled with a2enconf) that listens on
#    127.0.0.1:8091 (or the next free port up to 8099) and protects /api/
#    with Approov's published dummy secret; Debian's ports.conf (Listen 80 on
#    every interface) is set aside for the run: loopback only;
# 3. "apache2ctl configtest", "apache2ctl start", a token minted by the
#    installed approov-token: 200 with it, an empty 401 with a bad one;
# 4. stops that apache2 by its PID file, a2disconf, a2dismod approov,
#    "apt-get purge libapache2-mod-approov": the machine is left as found.
#
# It refuses to run (one failure) when the system's apache2 is already
# running or libapache2-mod-approov is installed by someone else.  What an
# interrupted run left behind (its marker file says so) is removed first.
# Every step is bounded in time.  The last line is "deb: N passed, N failed";
# the exit status is non-zero when anything failed.
#
# Environment: CHECK_DEB_PORT (first port tried, default 8091),
# CHECK_DEB_TIMEOUT (bound on the whole run, default 3000 s), KEEP=1 (keep
# the temporary directory: build log, .deb, lintian output).

set -u
export LC_ALL=C DEBIAN_FRONTEND=noninteractive

# A bound on the whole run, besides each step's own (CHECK_DEB_TIMEOUT s).
if [ -z "${CHECK_DEB_TIMED:-}" ]; then
    CHECK_DEB_TIMED=1 exec timeout -k 60 "${CHECK_DEB_TIMEOUT:-3000}" "$0" "$@"
fi

top=$(cd "$(dirname "$0")/.." && pwd)
secret='h+CX0tOzdAAR9l15bWAqvq7w9olk66daIH+Xk+IAHhVVHszjDzeGobzNnqyRze3lw/WVyWrc2gZfh3XXfBOmww=='
# Configured nowhere: a token signed with it must be refused.
other_secret='Pcfjoo3goz5KKSVeFZb7Rp6wg4eUl5qdGYATPtTqN0I='
package=libapache2-mod-approov
conf_name=approov-check-deb
conf_file=/etc/apache2/conf-available/$conf_name.conf
# Present while this script has changed the machine: what it names is ours.
marker=/var/lib/$conf_name.state
# The stock ports.conf while the run replaces it (Listen 80 on every
# interface: this check listens on loopback only).
ports_backup=/var/lib/$conf_name.ports.conf
apt_opts=(-y -q -o DPkg::Lock::Timeout=300)

passed=0 failed=0
pass() { passed=$((passed + 1)); echo "ok: $*"; }
fail() { failed=$((failed + 1)); echo "FAIL: $*"; }
check() {                       # check "what" command...
    local what=$1; shift
    if "$@"; then pass "$what"; else fail "$what"; fi
}
finish() {
    echo "deb: $passed passed, $failed failed"
    [ "$failed" = 0 ]
    exit
}

if [ "$(id -u)" != 0 ]; then
    fail "must run as root (it installs a package and starts apache2)"
    finish
fi
if ! command -v dpkg-query >/dev/null 2>&1; then
    fail "not a Debian system"
    finish
fi

# --------------------------------------------------------------- helpers
pid_file=$(set +u; . /etc/apache2/envvars >/dev/null 2>&1; echo "${APACHE_PID_FILE:-}")
pid_file=${pid_file:-/var/run/apache2/apache2.pid}

not() { ! "$@" >/dev/null 2>&1; }

installed() {
    [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]
}

# The pid in the system apache2's PID file, when that process is alive and
# is apache2.
system_apache_pid() {
    local pid
    [ -s "$pid_file" ] || return 1
    pid=$(cat "$pid_file" 2>/dev/null)
    case "$pid" in ''|*[!0-9]*) return 1 ;; esac
    # (its comm is "/usr/sbin/apach" when apache2ctl started it)
    case "$(readlink "/proc/$pid/exe" 2>/dev/null)" in
        */apache2|*/apache2' (deleted)') ;;
        *) return 1 ;;
    esac
    echo "$pid"
}

# Stop the system apache2 by its PID file and wait for it to be gone.
stop_apache() {
    local pid i
    pid=$(system_apache_pid) || return 0
    kill -TERM "$pid" 2>/dev/null
    for i in $(seq 1 100); do
        [ -d "/proc/$pid" ] || { rm -f "$pid_file"; return 0; }
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null
    sleep 0.5
    [ ! -d "/proc/$pid" ] && rm -f "$pid_file"
}

# Undo whatever a run of this script did (this one or an interrupted one);
# only when the marker says it was us.
undo() {
    [ -f "$marker" ] || return 0
    if grep -q '^apache_started$' "$marker"; then
        stop_apache
    fi
    if [ -e /etc/apache2/conf-enabled/$conf_name.conf ]; then
        timeout 60 a2disconf -q "$conf_name" >/dev/null 2>&1
    fi
    rm -f "$conf_file"
    if [ -e /etc/apache2/mods-enabled/approov.load ] && grep -q '^enmod$' "$marker"; then
        timeout 60 a2dismod -q approov >/dev/null 2>&1
    fi
    if grep -q '^installed$' "$marker" && dpkg-query -W "$package" >/dev/null 2>&1; then
        timeout 300 apt-get purge "${apt_opts[@]}" "$package" >/dev/null 2>&1
    fi
    if grep -q '^ports$' "$marker" && [ -f "$ports_backup" ]; then
        cp -p "$ports_backup" /etc/apache2/ports.conf && rm -f "$ports_backup"
    fi
    local htdocs
    htdocs=$(sed -n 's/^htdocs //p' "$marker")
    case "$htdocs" in /tmp/$conf_name.*) rm -rf "$htdocs" ;; esac
    rm -f "$marker"
}
note() { echo "$1" >> "$marker"; }

work=
cleanup() {
    undo
    if [ -n "$work" ]; then
        if [ "${KEEP:-0}" = 1 ]; then
            echo "check-deb: kept $work" >&2
        else
            rm -rf "$work"
        fi
    fi
}
trap cleanup EXIT
trap 'fail "interrupted"; finish' INT TERM

# A run that was cut short: put the machine back first.
if [ -f "$marker" ]; then
    echo "check-deb: undoing what an interrupted run left ($marker)"
    undo
fi

# ----------------------------------------------------------- preconditions
if pid=$(system_apache_pid); then
    fail "the system's apache2 is running (pid $pid): stop it first, check-deb will not touch it"
    finish
fi
if installed "$package"; then
    fail "$package is installed already: purge it first, check-deb will not replace it"
    finish
fi
port=
for p in $(seq "${CHECK_DEB_PORT:-8091}" 8099); do
    if ! ss -Hltn 2>/dev/null | awk '{print $4}' | grep -qE "[:.]$p\$"; then
        port=$p
        break
    fi
done
if [ -z "$port" ]; then
    fail "no free port from ${CHECK_DEB_PORT:-8091} to 8099"
    finish
fi

# What is enabled before we start, to prove it is the same at the end.
snapshot() {
    ls -l /etc/apache2/mods-enabled /etc/apache2/conf-enabled \
        /etc/apache2/sites-enabled /etc/apache2/mods-available \
        /etc/apache2/conf-available 2>&1 | sed -E 's/^[^ ]+ +[0-9]+ +//; s/ [A-Z][a-z]{2} +[0-9]+ +[0-9:]+ / /'
}
before=$(snapshot)

# ---------------------------------------------------------- what we need
need=(dpkg-dev debhelper fakeroot apache2 apache2-dev libcjson-dev libssl-dev
      libcurl4-openssl-dev pkg-config autoconf automake libtool lintian curl)
missing=()
for p in "${need[@]}"; do installed "$p" || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
    echo "check-deb: installing ${missing[*]}"
    timeout 300 apt-get update -q >/dev/null
    timeout 900 apt-get install "${apt_opts[@]}" --no-install-recommends "${missing[@]}" >/dev/null
fi
for p in "${need[@]}"; do
    installed "$p" || { fail "$p could not be installed"; finish; }
done

# ------------------------------------------------------------------ build
work=$(mktemp -d /tmp/mod_approov-check-deb.XXXXXX)
mkdir "$work/src"
# The files git tracks, as they are in the checkout: no build
# output of the checkout reaches the package.  From a tarball: all of it.
if git -C "$top" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    (cd "$top" && git ls-files -z --cached \
        | xargs -0 sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' sh \
        | tar --null -T - -cf -) | tar -xf - -C "$work/src"
else
    cp -a "$top/." "$work/src/"
fi

start=$(date +%s)
(cd "$work/src" && timeout 1200 dpkg-buildpackage -us -uc -b) > "$work/build.log" 2>&1
build_status=$?
echo "check-deb: dpkg-buildpackage took $(( $(date +%s) - start )) s (log: $work/build.log)"
deb=$(ls "$work"/${package}_*.deb 2>/dev/null | head -n 1)
if [ "$build_status" != 0 ] || [ -z "$deb" ]; then
    tail -n 30 "$work/build.log"
    fail "dpkg-buildpackage -us -uc -b (status $build_status)"
    finish
fi
pass "dpkg-buildpackage -us -uc -b built $(basename "$deb")"
check "the unit tests ran in the build (dh_auto_test)" \
    grep -qE '^# PASS: +[1-9]' "$work/build.log"

contents=$(dpkg-deb -c "$deb" | awk '{print $6}' | sed 's|^\./|/|')
lacks=
for f in /usr/lib/apache2/modules/mod_approov.so \
         /etc/apache2/mods-available/approov.load \
         /etc/apache2/mods-available/approov.conf \
         /usr/bin/approov-token /usr/share/man/man1/approov-token.1.gz \
         /usr/share/doc/$package/README.md.gz /usr/share/doc/$package/copyright; do
    grep -qxF "$f" <<< "$contents" || lacks="$lacks $f"
done
check "the package holds the module, approov.load/.conf, approov-token, its man page, the docs${lacks:+ (lacks$lacks)}" \
    [ -z "$lacks" ]
depends=$(dpkg-deb -f "$deb" Depends)
check "Depends has the apache2 API ($depends)" \
    grep -qE 'apache2-api-[0-9]+' <<< "$depends"

# ---------------------------------------------------------------- lintian
changes=$(ls "$work"/*.changes | head -n 1)
timeout 600 lintian --tag-display-limit 0 --display-info "$changes" \
    > "$work/lintian.log" 2>&1
errors=$(grep -c '^E: ' "$work/lintian.log")
warnings=$(grep -c '^W: ' "$work/lintian.log")
infos=$(grep -c '^I: ' "$work/lintian.log")
grep -E '^[EWI]: ' "$work/lintian.log" | sed 's/^/  lintian: /'
echo "lintian: $errors errors, $warnings warnings, $infos info"
check "lintian: no error" [ "$errors" = 0 ]

# ---------------------------------------------------------------- install
: > "$marker"
note installed
timeout 600 apt-get install "${apt_opts[@]}" "$deb" > "$work/install.log" 2>&1
check "apt-get install ./$(basename "$deb")" installed "$package"
if ! installed "$package"; then
    tail -n 20 "$work/install.log"
    finish
fi
check "the module, approov.load, approov.conf and approov-token are installed" \
    test -f /usr/lib/apache2/modules/mod_approov.so \
      -a -f /etc/apache2/mods-available/approov.load \
      -a -f /etc/apache2/mods-available/approov.conf -a -x /usr/bin/approov-token
check "installing loads nothing until a2enmod" \
    test ! -e /etc/apache2/mods-enabled/approov.load
check "man approov-token" sh -c 'man -w approov-token >/dev/null 2>&1'

note enmod
check "a2enmod approov" timeout 60 a2enmod -q approov
check "a2query -m approov" sh -c 'a2query -m approov >/dev/null 2>&1'

# A site on a loopback port: /api/ protected, /open/ not.
htdocs=$(mktemp -d "/tmp/$conf_name.XXXXXX")
note "htdocs $htdocs"
mkdir "$htdocs/api" "$htdocs/open"
echo "hello from the protected API" > "$htdocs/api/hello.txt"
echo "open" > "$htdocs/open/ok.txt"
chmod -R a+rX "$htdocs"
cat > "$conf_file" <<EOF
# Written by mod_approov's scripts/check-deb.sh, removed when it ends.
Listen 127.0.0.1:$port
<VirtualHost 127.0.0.1:$port>
    DocumentRoot "$htdocs"
    <Directory "$htdocs">
        Require all granted
    </Directory>
    <Location /api/>
        Approov On
        ApproovBase64Secret "$secret"
    </Location>
</VirtualHost>
EOF
check "a2enconf $conf_name" timeout 60 a2enconf -q "$conf_name"
# Debian's ports.conf listens on port 80 of every interface: set aside for
# the run, so that this apache2 listens on the loopback port alone.
note ports
cp -p /etc/apache2/ports.conf "$ports_backup"
echo "# Set aside by mod_approov's scripts/check-deb.sh; restored when it ends." \
    > /etc/apache2/ports.conf

timeout 60 apache2ctl configtest > "$work/configtest.log" 2>&1
configtest_status=$?
check "apache2ctl configtest" [ "$configtest_status" = 0 ]
[ "$configtest_status" = 0 ] || { cat "$work/configtest.log"; finish; }

# ------------------------------------------------------------- the server
note apache_started
timeout 60 apache2ctl start > "$work/start.log" 2>&1
up=0
for i in $(seq 1 100); do
    if system_apache_pid >/dev/null &&
       curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$port/open/ok.txt"; then
        up=1
        break
    fi
    sleep 0.1
done
check "apache2ctl start (pid $(system_apache_pid), 127.0.0.1:$port)" [ "$up" = 1 ]
if [ "$up" != 1 ]; then
    cat "$work/start.log"
    tail -n 20 /var/log/apache2/error.log 2>/dev/null
    finish
fi
check "mod_approov is loaded" \
    sh -c 'apache2ctl -M 2>/dev/null | grep -q approov_module'

# status, Content-Length and body of GET $1 with the extra curl args
request() {
    local path=$1; shift
    curl -s --max-time 10 -D "$work/headers" -o "$work/body" \
        -w '%{http_code}' "$@" "http://127.0.0.1:$port$path"
}
content_length() {
    tr -d '\r' < "$work/headers" | sed -n 's/^[Cc]ontent-[Ll]ength: *//p' | tail -n 1
}

token=$(timeout 10 approov-token mint --secret "$secret")
check "approov-token mint --secret" [ -n "$token" ]
check "approov-token verify says valid" \
    sh -c 'timeout 10 approov-token verify --secret "$1" "$2" | head -n 1 | grep -qw valid' \
    sh "$secret" "$token"

status=$(request /api/hello.txt -H "Approov-Token: $token")
check "a valid token: 200 and the file (got $status)" \
    sh -c '[ "$1" = 200 ] && grep -qx "hello from the protected API" "$2"' \
    sh "$status" "$work/body"

bad=$(timeout 10 approov-token mint --secret "$other_secret")
status=$(request /api/hello.txt -H "Approov-Token: $bad")
check "a token of another secret: an empty 401 (got $status, Content-Length $(content_length), $(wc -c < "$work/body") bytes)" \
    sh -c '[ "$1" = 401 ] && [ "$2" = 0 ] && [ ! -s "$3" ]' \
    sh "$status" "$(content_length)" "$work/body"

status=$(request /api/hello.txt -H "Approov-Token: ${token%?}x")
check "a tampered token: an empty 401 (got $status)" \
    sh -c '[ "$1" = 401 ] && [ ! -s "$2" ]' sh "$status" "$work/body"

status=$(request /api/hello.txt)
check "no token: an empty 401 (got $status)" \
    sh -c '[ "$1" = 401 ] && [ ! -s "$2" ]' sh "$status" "$work/body"

status=$(request /open/ok.txt)
check "an unprotected path needs no token (got $status)" [ "$status" = 200 ]

# ------------------------------------------------------------------- undo
pid=$(system_apache_pid)
stop_apache
check "apache2 (pid $pid) stopped by its PID file" \
    sh -c '! [ -d "/proc/$1" ] && [ ! -e "$2" ]' sh "$pid" "$pid_file"
sed -i '/^apache_started$/d' "$marker"

check "a2disconf $conf_name" timeout 60 a2disconf -q "$conf_name"
rm -f "$conf_file"
check "a2dismod approov" timeout 60 a2dismod -q approov
sed -i '/^enmod$/d' "$marker"
timeout 300 apt-get purge "${apt_opts[@]}" "$package" > "$work/purge.log" 2>&1
check "apt-get purge $package" \
    sh -c '! dpkg-query -W "$1" >/dev/null 2>&1' sh "$package"
undo
after=$(snapshot)
if [ "$before" = "$after" ]; then
    pass "/etc/apache2 is as it was found"
else
    fail "/etc/apache2 differs from what was found:"
    diff <(echo "$before") <(echo "$after") | sed 's/^/  /'
fi
check "no system apache2 left running" not system_apache_pid
check "$package is not installed" not installed "$package"

finish
