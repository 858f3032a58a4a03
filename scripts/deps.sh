#!/bin/bash
# Install what building and testing mod_approov needs on Debian 12, through
# apt-get.  Nothing happens when everything is installed already, and
# "apt-get update" runs only when something is missing.  Elsewhere (no
# dpkg) it does nothing: ./configure says what is missing.
#
#   scripts/deps.sh          as root, unless everything is installed

set -euo pipefail

packages=(
    apache2 apache2-dev            # httpd, apxs and httpd's headers
    libapache2-mod-perl2           # Apache::Test
    libwww-perl                    # LWP, for Apache::TestRequest
    python3-prometheus-client      # t/metrics.t: Prometheus's own parser
    libcjson-dev libssl-dev        # the verifier's libraries
    libcurl4-openssl-dev           # ApproovJWKSURI's fetch
    python3                        # t/jwks_uri.t: its HTTPS key server
    autoconf automake libtool pkg-config build-essential
    curl                           # the demo, soak.sh, check-deb.sh
    # the later stages of scripts/test.sh
    clang libclang-rt-14-dev       # libFuzzer, clang's ASan and UBSan
    wrk procps openssl             # soak.sh: load, ps, secrets
    dpkg-dev debhelper fakeroot    # check-deb.sh, check-dist.sh: the .deb,
    lintian man-db                 # lintian, man approov-token
    git iproute2                   # check-deb.sh, check-dist.sh: tracked files, ss
    valgrind                       # check-valgrind.sh
    redis-server memcached         # t/replay_*.t: the shared replay caches
    nghttp2-client                 # bench/bench_server.sh: h2load (row h2)
)

if ! command -v dpkg-query >/dev/null 2>&1; then
    echo "deps: not a Debian system; install the equivalents of:" \
         "${packages[*]}" >&2
    exit 0
fi

missing=()
for package in "${packages[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
    [ "$status" = "install ok installed" ] || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" != 0 ]; then
    echo "deps: missing ${missing[*]}: run as root, or install them" >&2
    exit 1
fi
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
