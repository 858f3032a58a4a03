# ApproovJWKSURI: key sets fetched in the background from an HTTPS server
# (t/lib/jwks_server.py, on loopback, with a CA made here by openssl),
# against an httpd of this test's own (started, restarted and stopped
# here, as the cached copy must outlive a restart).
#
#   first fetch; rotation without a restart (new kid accepted after the
#   kid-miss refresh, removed kid refused); the kid-miss refresh's rate
#   limit (one a minute); an invalid set, an over-size answer and an HTTP
#   error (last good kept); the key server down (last good kept, across a
#   restart through the cached copy); an untrusted certificate (refused,
#   logged, last good kept); down from the start with no cached copy
#   (503 keys_unavailable, then 200 once it is up); start-up errors.
use strict;
use warnings FATAL => 'all';

use FindBin;
use lib "$FindBin::Bin/lib";

use Apache::Test;
use Apache::TestUtil;
use File::Temp qw(tempdir);
use JSON::PP ();
use LWP::UserAgent ();
use IO::Socket::INET ();
use POSIX ();
use Time::HiRes qw(sleep time);
use ApproovMint qw(%SECRET mint b64url secret_bytes);
use ApproovTest qw(free_port httpd_conf run_httpd start_httpd stop_httpd
                   read_file);

plan tests => 54;

my $modules_dir = $ENV{APPROOV_TEST_MODULES_DIR};
my $module = $ENV{APPROOV_TEST_MODULE};
my $python = '/usr/bin/python3';
my $dir = tempdir('approov-jwks-XXXXXX', TMPDIR => 1, CLEANUP => 1);

sub write_file {
    my ($path, $text) = @_;
    open my $out, '>', $path or die "$path: $!";
    print $out $text;
    close $out or die "$path: $!";
}

sub openssl {
    my ($args) = @_;
    my $out = `openssl $args 2>&1`;
    die "openssl $args: $out" if $?;
}

# Two CAs, each with a certificate for 127.0.0.1: the first one is the
# one httpd trusts (ApproovJWKSCAFile).
write_file("$dir/ext.cnf", "subjectAltName=IP:127.0.0.1,DNS:localhost\n"
                           . "basicConstraints=CA:FALSE\n");
for my $name (qw(ca rogue)) {
    openssl("req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes"
            . " -keyout $dir/$name.key -out $dir/$name.pem -days 2"
            . " -subj /CN=approov-test-$name"
            . " -addext basicConstraints=critical,CA:TRUE"
            . " -addext keyUsage=critical,keyCertSign,cRLSign");
    openssl("req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes"
            . " -keyout $dir/$name-server.key -out $dir/$name-server.csr"
            . " -subj /CN=127.0.0.1");
    openssl("x509 -req -in $dir/$name-server.csr -CA $dir/$name.pem"
            . " -CAkey $dir/$name.key -CAcreateserial -days 2"
            . " -extfile $dir/ext.cnf -out $dir/$name-server.pem");
}

# ------------------------------------------------------------ key server
my $served = "$dir/served";
mkdir $served or die "$served: $!";
my $key_port = free_port();
my $key_pid;

# The set served: oct keys (HS256) by kid, each the secret of that name.
my %kid_secret = (k1 => 'main', k2 => 'directive', k3 => 'nested',
                  k4 => 'envfile');
sub jwk {
    my ($kid, $bytes) = @_;
    return { kty => 'oct', kid => $kid, alg => 'HS256',
             k => b64url($bytes // secret_bytes($kid_secret{$kid})) };
}
sub serve {
    my (@keys) = @_;
    write_file("$served/jwks.json.tmp",
               JSON::PP->new->canonical->encode({ keys => \@keys }));
    rename "$served/jwks.json.tmp", "$served/jwks.json" or die "rename: $!";
}
sub serve_text { write_file("$served/jwks.json", $_[0]) }
sub fetches {
    my $log = read_file("$served/requests.log");
    return scalar(() = $log =~ /\n/g);
}

sub key_server_up {
    my ($cert) = @_;
    unlink "$served/ready";
    my $pid = fork // die "fork: $!";
    if (!$pid) {
        { exec $python, "$FindBin::Bin/lib/jwks_server.py", $key_port,
               "$dir/$cert-server.pem", "$dir/$cert-server.key", $served };
        POSIX::_exit(127);
    }
    for (1 .. 300) { last if -s "$served/ready"; sleep 0.05 }
    die "the key server did not start" unless -s "$served/ready";
    $key_pid = $pid;
}
sub key_server_down {
    return unless $key_pid;
    kill 'TERM', $key_pid;
    waitpid $key_pid, 0;
    undef $key_pid;
}

# ---------------------------------------------------------------- httpd
my $port = free_port();
mkdir "$dir/docs" or die;
mkdir "$dir/docs/api" or die;
write_file("$dir/docs/api/x", "ok\n");
my $url = "https://127.0.0.1:$key_port/jwks";

my @common = (
    qq{LoadModule authz_core_module "$modules_dir/mod_authz_core.so"},
    qq{<IfModule !mod_status.c>},
    qq{    LoadModule status_module "$modules_dir/mod_status.so"},
    qq{</IfModule>},
    qq{LoadModule approov_module "$module"},
    qq{DocumentRoot "$dir/docs"},
    'LogLevel warn approov:info',
    '<Location /server-status>',
    '    SetHandler server-status',
    '</Location>',
    '<Location /approov-metrics>',
    '    SetHandler approov-metrics',
    '</Location>',
);
my $conf = httpd_conf($dir, 'jwks', $port, @common,
    '<Location /api/>',
    '    Approov On',
    "    ApproovJWKSURI $url",
    "    ApproovJWKSCAFile ca.pem",
    '</Location>');
my $log = "$dir/jwks.error_log";
my $httpd_up = 0;
END {
    local $?;               # waitpid and httpd -k stop would set the exit code
    key_server_down();
    stop_httpd($conf) if $httpd_up;
}

my $ua = LWP::UserAgent->new(timeout => 20, keep_alive => 0);
sub code {
    my ($kid, %opt) = @_;
    my @token = defined $kid
        ? ('Approov-Token' => mint(secret => $kid_secret{$kid} // 'unknown',
                                   kid => $kid))
        : ();
    return $ua->get("http://127.0.0.1:$port/api/x", @token)->code;
}
# A test of a condition, with a name (Apache::Test's ok() with two
# arguments compares them).
sub check {
    my ($cond, $name) = @_;
    ok t_cmp($cond ? 'yes' : 'no', 'yes', $name);
}
# Wait until $check returns true, for at most $seconds: how long it took,
# or undef.
sub within {
    my ($seconds, $check) = @_;
    my $start = time;
    while (time - $start < $seconds) {
        return time - $start if $check->();
        sleep 0.25;
    }
    return undef;
}
# A child sees a new set within a second (its watchdog's tick): wait
# that out after a change before asking every child.
sub settle { sleep 1.5 }
sub status_line {
    my ($name) = @_;
    my $text = $ua->get("http://127.0.0.1:$port/server-status?auto")->content;
    return $text =~ /^\Q$name\E: (\S+)$/m ? $1 : undef;
}
# The value of one series of /approov-metrics (labels as written there).
sub metric {
    my ($series) = @_;
    my $text = $ua->get("http://127.0.0.1:$port/approov-metrics")->content;
    return $text =~ /^\Q$series\E (\S+)$/m ? $1 : undef;
}
sub log_since {
    my ($mark) = @_;
    return substr read_file($log), $mark;
}
sub restart {
    stop_httpd($conf);
    $httpd_up = start_httpd($conf);
}
sub httpd_pid { my $p = read_file("$dir/jwks.pid"); chomp $p; return $p }

# The default cache file: under the runtime directory.
my $cache_glob = "$dir/approov-jwks/approov-jwks-*.json";

# -------------------------------------------------------- 1. first fetch
serve(jwk('k1'));
key_server_up('ca');
my $started = time;
$httpd_up = start_httpd($conf);
check $httpd_up, 'httpd starts with ApproovJWKSURI';
ok t_cmp(time - $started < 5 ? 'quick' : 'slow', 'quick',
         'the start did not wait for the fetch');
check defined within(10, sub { code('k1') == 200 }),
   'first fetch: a k1 token passes';
settle();
ok t_cmp(join(' ', code('k2'), code(undef)), '401 401',
         'first fetch: a kid not in the set and no token are refused');
my ($cache) = glob $cache_glob;
ok t_cmp($cache ? read_file($cache) : '(no cache file)',
         read_file("$served/jwks.json"),
         'the set is kept under the runtime directory');
ok t_cmp(read_file($log), qr/JWKS \Q$url\E: refresh \(start-up\): new key set of 1 keys \(kids k1\)/,
         'the log says what was fetched');
ok t_cmp(fetches(), 1, 'one fetch');
ok t_cmp(join(' ', map { metric("approov_jwks_${_}{url=\"$url\"}") // 'none' }
                   qw(refreshes_total refresh_failures_total keys)),
         '1 0 1', 'metrics: one refresh, no failure, a set of 1 key');
ok t_cmp(metric("approov_jwks_age_seconds{url=\"$url\"}") // 'none',
         qr/^\d$|^[1-2]\d$/, 'metrics: the set is seconds old');

# ---------------------------------------------------------- 2. rotation
my $pid = httpd_pid();
serve(jwk('k2'));
ok t_cmp(code('k1'), 200, 'rotation: before any refresh, k1 still passes');
ok t_cmp(code('k2'), 401, 'rotation: k2 is unknown until the refresh');
my $kid_refresh = time;
check defined within(10, sub { code('k2') == 200 }),
   'rotation: the kid miss refreshed the set: k2 passes';
settle();
ok t_cmp(code('k1'), 401, 'rotation: the removed k1 is refused');
# Each request a new connection, spread over the children: all agree.
ok t_cmp(join(' ', map { code('k2') . '/' . code('k1') } 1 .. 8),
         join(' ', ('200/401') x 8), 'rotation: every child has the new set');
ok t_cmp(httpd_pid(), $pid, 'rotation: without a restart');
ok t_cmp(fetches(), 2, 'rotation: one more fetch');
ok t_cmp(read_file($cache), read_file("$served/jwks.json"),
         'rotation: the cached copy follows');

# ------------------------------------------------------ 3. rate limit
serve(jwk('k3'));
ok t_cmp(join(' ', map { sleep 0.5; code('k3') } 1 .. 8), '401 ' x 7 . '401',
         'rate limit: within the minute, unknown kids trigger no refresh');
ok t_cmp(fetches(), 2, 'rate limit: no fetch');
# A minute after the last kid-miss refresh, the next one happens.
sleep 60 - (time - $kid_refresh) if time - $kid_refresh < 60;
check defined within(10, sub { code('k3') == 200 }),
   'rate limit: a minute later, an unknown kid refreshes the set again';
settle();
ok t_cmp(fetches(), 3, 'rate limit: one fetch');

# ---------------------------------------- 4. an invalid set: last good kept
# k4 and a 16-byte key, too short for HS256: the whole set is refused.
serve(jwk('k4'), jwk('k5', 'x' x 16));
my $mark = length read_file($log);
restart();
check $httpd_up, 'invalid set: httpd restarts';
check defined within(10, sub { log_since($mark) =~ /refresh \(start-up\) failed: invalid key set/ }),
   'invalid set: the refresh fails, logged';
ok t_cmp(join(' ', code('k3'), code('k4')), '200 401',
         'invalid set: the cached set (k3) is kept, k4 refused');
ok t_cmp(log_since($mark), qr/keeping the last good set/,
         'invalid set: the warning says the last good set is kept');
ok t_cmp(status_line('ApproovJWKS0RefreshFailures') // 0, qr/^[1-9]/,
         'invalid set: the failure is counted in mod_status');
ok t_cmp(metric("approov_jwks_refresh_failures_total{url=\"$url\"}") // 0,
         qr/^[1-9]/, 'invalid set: and in approov_jwks_refresh_failures_total');

# ------------------------------------------------- 5. over the size bound
serve_text('{"keys":[' . (' ' x (70 * 1024)) . ']}');
$mark = length read_file($log);
ok t_cmp(code('k4'), 401, 'over-size: k4 refused (and a kid-miss refresh asked)');
check defined within(10, sub { log_since($mark) =~ /refresh \(unknown kid\) failed: the answer is over 65536 bytes/ }),
   'over-size: refused, logged';
ok t_cmp(code('k3'), 200, 'over-size: the last good set is kept');

# ------------------------------------------------------- 6. HTTP error
serve(jwk('k4'));
write_file("$served/status", "500\n");
$mark = length read_file($log);
restart();
check defined within(10, sub { log_since($mark) =~ /refresh \(start-up\) failed: HTTP status 500/ }),
   'HTTP error: the refresh fails, logged';
ok t_cmp(join(' ', code('k3'), code('k4')), '200 401',
         'HTTP error: the last good set is kept');
unlink "$served/status";

# -------------------------------------------------- 7. key server down
key_server_down();
$mark = length read_file($log);
restart();
check $httpd_up, 'server down: httpd restarts all the same';
check defined within(10, sub { log_since($mark) =~ /JWKS \Q$url\E: refresh \(start-up\) failed: .*keeping the last good set/ }),
   'server down: the refresh fails, logged';
ok t_cmp(code('k3'), 200,
         'server down: the cached copy keeps working across the restart');
$mark = length read_file($log);
ok t_cmp(code('k4'), 401, 'server down: an unknown kid asks for a refresh');
check defined within(10, sub { log_since($mark) =~ /refresh \(unknown kid\) failed/ }),
   'server down: that refresh fails too';
ok t_cmp(code('k3'), 200, 'server down: the last good set keeps working');
my ($graceful) = run_httpd('-f', $conf, '-k', 'graceful');
my %seen;
my $graceful_start = time;
$seen{ code('k3') }++ while time - $graceful_start < 3;
ok t_cmp(join(' ', $graceful, sort keys %seen), '0 200',
         'server down: through a graceful restart, the set never goes missing');

# ------------------------------------------- 8. an untrusted certificate
key_server_up('rogue');
$mark = length read_file($log);
restart();
check defined within(10, sub { log_since($mark) =~ /refresh \(start-up\) failed: .*(certificate|SSL)/i }),
   'untrusted certificate: the fetch is refused, logged';
ok t_cmp(join(' ', code('k3'), code('k4')), '200 401',
         'untrusted certificate: the last good set is kept, k4 refused');
key_server_down();

# ------------------------- 9. down from the start, and no cached copy
stop_httpd($conf);
$httpd_up = 0;
unlink glob $cache_glob;
# A key server that takes connections and never answers: the fetch hangs
# (until its 15 s bound), and neither the start nor a request waits for it.
my $tarpit = IO::Socket::INET->new(LocalAddr => '127.0.0.1',
                                   LocalPort => $key_port, Listen => 8,
                                   ReuseAddr => 1)
    or die "tarpit: $!";
$mark = length read_file($log);
$started = time;
$httpd_up = start_httpd($conf);
check $httpd_up, 'no cached copy, server hanging: httpd starts';
ok t_cmp(time - $started < 5 ? 'quick' : 'slow', 'quick',
         'no cached copy, server hanging: the start did not wait');
sleep 1;                # the fetch is under way, and hangs
my $asked = time;
ok t_cmp(join(' ', code('k4'), code(undef),
              time - $asked < 3 ? 'at once' : 'late'), '503 503 at once',
         'no cached copy: 503 at once, never a pass');
close $tarpit;
ok t_cmp(log_since($mark), qr/reason=keys_unavailable/,
         'no cached copy: the log says keys_unavailable');
ok t_cmp(status_line('ApproovKeysUnavailable') // 0, qr/^[1-9]/,
         'no cached copy: keys_unavailable is counted');
ok t_cmp($ua->get("http://127.0.0.1:$port/x")->code, 404,
         'no cached copy: other paths are served');
key_server_up('ca');
check defined within(30, sub { code('k4') == 200 }),
   'no cached copy: 200 once the key server is up';
settle();
ok t_cmp(code('k3'), 401, 'no cached copy: only the fetched set counts');

# --------------------------------------------------- start-up errors
stop_httpd($conf);
$httpd_up = 0;
my @errors = (
    [ 'http', "ApproovJWKSURI http://127.0.0.1:$key_port/jwks", qr/https/ ],
    [ 'not-a-url', 'ApproovJWKSURI "jwks.example/keys"', qr/https/ ],
    [ 'no-ca-file', "ApproovJWKSURI $url\nApproovJWKSCAFile missing.pem",
      qr/missing\.pem/ ],
    [ 'refresh-59', "ApproovJWKSURI $url\nApproovJWKSRefresh 59",
      qr/ApproovJWKSRefresh/ ],
    [ 'uri-and-secret', "ApproovJWKSURI $url\nApproovBase64Secret $SECRET{main}",
      qr/one source of keys/ ],
);
for my $case (@errors) {
    my ($name, $lines, $want) = @$case;
    my $bad = httpd_conf($dir, "bad-$name", free_port(), @common,
                         '<Location /api/>', '    Approov On', $lines,
                         '</Location>');
    my ($status, $out) = run_httpd('-t', '-f', $bad);
    t_debug("$name: $status $out");
    ok t_cmp($status != 0 && $out =~ $want && $out =~ /bad-\Q$name\E\.conf/
             ? 'refused with file and reason' : "exit $status: $out",
             'refused with file and reason', "start-up error: $name");
}
