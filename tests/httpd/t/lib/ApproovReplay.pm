package ApproovReplay;

# What the replay tests (t/replay*.t) share: the shared caches they start
# themselves (redis-server, memcached: real servers on 127.0.0.1, on free
# ports, stopped by pid), httpd nodes of their own that share one cache,
# signed requests sent to any node with one Host (as behind a load
# balancer), and the high-s twin of an ECDSA signature.
#
# Apache::Test runs one httpd, configured before a test can know the port
# of a cache it starts; so every node here is an httpd of the test's own,
# on the test server's httpd binary, MPM and module (ApproovTest's
# httpd_conf/start_httpd), which is what a fleet is: the same build on
# several servers, one cache.

use strict;
use warnings;

use Apache::Test ();
use Apache::TestUtil ();
use Exporter qw(import);
use Digest::SHA ();
use File::Temp ();
use IO::Socket::INET ();
use JSON::PP ();
use Math::BigInt ();
use MIME::Base64 ();
use POSIX ();

use ApproovMint qw(%SECRET);
use ApproovTest qw(free_port httpd_conf start_httpd stop_httpd run_httpd
                   run_tool install_token read_file);

our @EXPORT_OK = qw(start_cache stop_cache cache_up redis_dbsize redis_command
                    replay_key node fleet once_across_the_fleet
                    node_start node_stop node_graceful signed send_to
                    high_s_twin cache_lines counters $HOST);

# The API's name, the same on every node.
our $HOST = 'api.example';

# ------------------------------------------------------------- caches

# The command line of a cache server on $port, with its files in $dir.
sub cache_command {
    my ($kind, $port, $dir) = @_;
    if ($kind eq 'redis') {
        return ('redis-server', '--port', $port, '--bind', '127.0.0.1',
                '--save', '', '--appendonly', 'no', '--dir', $dir,
                '--daemonize', 'no', '--loglevel', 'warning',
                '--logfile', "$dir/redis.log");
    }
    if ($kind eq 'memcache') {
        return ('memcached', '-l', '127.0.0.1', '-p', $port, '-U', '0',
                '-m', '16');
    }
    die "unknown cache $kind";
}

# Whether something accepts connections on 127.0.0.1:$port.
sub cache_up {
    my ($port) = @_;
    my $sock = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                     PeerPort => $port, Timeout => 2);
    return $sock ? 1 : 0;
}

# Start a cache server ('redis' or 'memcache') on $port (a free one when
# undef): { kind, port, pid, dir }.  Dies (the test fails, never skips)
# when the program is missing: scripts/deps.sh installs it.
sub start_cache {
    my ($kind, $dir, $port) = @_;
    $port //= free_port();
    my @cmd = cache_command($kind, $port, $dir);
    my $program = $cmd[0];
    my ($path) = grep { -x "$_/$program" }
                 split(/:/, $ENV{PATH} // ''), '/usr/bin', '/usr/sbin';
    die "$program is not installed (scripts/deps.sh installs it)\n"
        unless $path;
    $cmd[0] = "$path/$program";
    my $pid = fork;
    die "fork: $!" unless defined $pid;
    if (!$pid) {
        open STDIN, '<', '/dev/null';
        open STDOUT, '>>', "$dir/$kind.out";
        open STDERR, '>&', \*STDOUT;
        exec @cmd or POSIX::_exit(127);
    }
    for (1 .. 100) {
        return { kind => $kind, port => $port, pid => $pid, dir => $dir }
            if cache_up($port);
        last if waitpid($pid, POSIX::WNOHANG()) == $pid;
        select undef, undef, undef, 0.05;
    }
    kill 'TERM', $pid;
    die "$program did not start on 127.0.0.1:$port: "
        . read_file("$dir/$kind.out") . read_file("$dir/redis.log");
}

# Stop a cache by its pid and wait until it is gone.
sub stop_cache {
    my ($cache) = @_;
    return unless $cache && $cache->{pid};
    kill 'TERM', $cache->{pid};
    for (1 .. 100) {
        last if waitpid($cache->{pid}, POSIX::WNOHANG()) == $cache->{pid};
        select undef, undef, undef, 0.05;
    }
    $cache->{pid} = undef;
    for (1 .. 100) {
        return 1 unless cache_up($cache->{port});
        select undef, undef, undef, 0.05;
    }
    return 0;
}

# The number of keys in a redis, asked in its own protocol.
sub redis_dbsize {
    my ($cache) = @_;
    my $sock = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                     PeerPort => $cache->{port}, Timeout => 5)
        or return -1;
    print $sock "*1\r\n\$6\r\nDBSIZE\r\n";
    my $line = <$sock> // '';
    return $line =~ /^:(\d+)/ ? $1 : -1;
}

# One redis command, its reply's first line ("1", "-2", "OK"), or undef.
sub redis_command {
    my ($cache, @args) = @_;
    my $sock = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                     PeerPort => $cache->{port}, Timeout => 5)
        or return undef;
    print $sock join '', '*' . @args . "\r\n",
                         map { '$' . length($_) . "\r\n$_\r\n" } @args;
    my $line = <$sock> // return undef;
    $line =~ s/\r?\n\z//;
    return $line =~ /^[:+\-](.*)/ ? $1 : $line;
}

# The key mod_socache_redis stores the install signature of these headers
# under: the cache's namespace, then the identity in hex, computed here
# apart from the module (lib/approov_replay.h): SHA-256 over
# length-prefixed parts, the version tag, the label, the token's ipk
# claim, the alg (1, ECDSA P-256) and r || s with s in the low half.
sub replay_key {
    my (%headers) = @_;
    my (undef, $payload) = split /\./, $headers{'Approov-Token'};
    $payload =~ tr{-_}{+/};
    my $ipk = JSON::PP::decode_json(MIME::Base64::decode_base64($payload))->{ipk};
    my ($b64) = $headers{Signature} =~ /^install=:([^:]+):$/ or die 'Signature';
    my $sig = MIME::Base64::decode_base64($b64);
    my $n = Math::BigInt->from_hex(
        'ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551');
    my $s = Math::BigInt->from_hex(unpack 'H*', substr $sig, 32);
    if ($s->bcmp($n->copy->bdiv(2)) > 0) {
        my $hex = $n->copy->bsub($s)->as_hex;
        $hex =~ s/^0x//;
        substr($sig, 32) = pack 'H*', ('0' x (64 - length $hex)) . $hex;
    }
    my $input = join '', map { pack('N', length $_) . $_ }
                         'approov-replay-1', 'install', $ipk, "\x01", $sig;
    return 'approov-replay:' . Digest::SHA::sha256_hex($input);
}

# -------------------------------------------------------------- nodes

# An httpd node in $dir named $name, with the replay cache $cache_spec
# (an ApproovMessageSigningReplayCache argument, or undef for none) and
# these scopes, each with Approov On, a signed install token required and
# replay protection on:
#   /replay/         ...ReplayCacheFailure closed (the default)
#   /replay-open/    ...ReplayCacheFailure open
#   /replay-short/   MaxAge 1, ClockSkew 0: entries that expire at once
#   /replay-off/     replay protection off
#   /replay-default/ no ApproovMessageSigningReplay: on when the node has a
#                    cache, off when it has none
#   /report/         report-only
# (A node without a cache has /replay-default/ only.)
# Every response carries the request's APPROOV_RESULT in X-Approov-Result;
# /server-status shows the counters.  Returns { name, conf, port, log }.
sub node {
    my ($dir, $name, $cache_spec, @extra) = @_;
    my $modules = $ENV{APPROOV_TEST_MODULES_DIR};
    my $module = $ENV{APPROOV_TEST_MODULE};
    my $port = free_port();
    mkdir "$dir/htdocs";
    for my $scope (qw(replay replay-open replay-short replay-off replay-default
                    report)) {
        mkdir "$dir/htdocs/$scope";
        open my $fh, '>', "$dir/htdocs/$scope/ok.txt" or die "$!";
        print $fh "ok\n";
        close $fh;
    }
    my $scopes = '';
    my %scope = (
        'replay'       => '',
        'replay-open'  => 'ApproovMessageSigningReplayCacheFailure open',
        'replay-short' => "ApproovMessageSigningMaxAge 1\n"
                          . 'ApproovMessageSigningClockSkew 0',
        'replay-off'   => 'ApproovMessageSigningReplay Off',
        'replay-default' => '',
        'report'       => 'ApproovReportOnly On',
    );
    for my $scope (sort keys %scope) {
        my $replay = $scope eq 'replay-default'
                     ? '' : 'ApproovMessageSigningReplay On';
        # On without a cache would stop httpd at start-up.
        next if $replay && !defined $cache_spec;
        $scopes .= <<"SCOPE";
<Location /$scope/>
    Approov On
    ApproovBase64Secret "$SECRET{main}"
    ApproovMessageSigning Required
    $replay
    $scope{$scope}
</Location>
SCOPE
    }
    my @loads = map { qq{LoadModule ${_}_module "$modules/mod_$_.so"} }
                qw(authz_core headers status mime socache_shmcb
                   socache_redis socache_memcache);
    my $conf = httpd_conf($dir, $name, $port, @loads,
        qq{LoadModule approov_module "$module"},
        qq{DocumentRoot "$dir/htdocs"},
        'TypesConfig /dev/null', 'AddType text/plain .txt',
        'LogLevel warn approov:info',
        qq{Header always set X-Approov-Result "%{APPROOV_RESULT}e"},
        '<Location /server-status>', 'SetHandler server-status', '</Location>',
        defined $cache_spec
            ? ("ApproovMessageSigningReplayCache $cache_spec") : (),
        $scopes, @extra);
    return { name => $name, conf => $conf, port => $port,
             log => "$dir/$name.error_log" };
}

sub node_start { return start_httpd($_[0]{conf}) }
sub node_stop { return stop_httpd($_[0]{conf}) }

# Two nodes of one fleet sharing a cache server of $kind ('redis',
# 'memcache') started here, in a temp dir of their own: { dir, cache, a, b,
# up } (up: both nodes started).  Whatever happens in the test, this module
# stops them at exit: the nodes, and the cache the hash then holds (a test
# that starts the cache again stores the new one there).
my @fleets;
sub fleet {
    my ($kind) = @_;
    my $dir = File::Temp::tempdir("approov-replay-$kind-XXXXXX",
                                  TMPDIR => 1, CLEANUP => 1);
    my $fleet = { dir => $dir, cache => start_cache($kind, $dir) };
    push @fleets, $fleet;
    my $spec = "$kind:127.0.0.1:$fleet->{cache}{port}";
    $fleet->{a} = node($dir, 'node-a', $spec);
    $fleet->{b} = node($dir, 'node-b', $spec);
    $fleet->{up} = node_start($fleet->{a}) && node_start($fleet->{b}) ? 1 : 0;
    return $fleet;
}
END {
    local $?;       # the test's exit status, whatever waitpid leaves
    for my $fleet (@fleets) {
        node_stop($_) for grep { defined } @$fleet{qw(a b)};
        stop_cache($fleet->{cache});
    }
}

# What any shared cache must do, as 4 tests: a signed request to $path is
# accepted on the node it reaches first (A), refused on the other and on
# A again, and its high-s twin (r, n - s) is refused too.  Returns the
# request's signed headers.
sub once_across_the_fleet {
    my ($fleet, $path) = @_;
    my ($a, $b) = @$fleet{qw(a b)};
    my %sig = signed($path);
    Apache::Test::ok(Apache::TestUtil::t_cmp(send_to($a, $path, %sig),
        '200 valid', 'a signed request is accepted on node A'));
    Apache::Test::ok(Apache::TestUtil::t_cmp(send_to($b, $path, %sig),
        '401 sig_replayed', 'the same request is refused on node B'));
    Apache::Test::ok(Apache::TestUtil::t_cmp(send_to($a, $path, %sig),
        '401 sig_replayed', 'and on node A again'));
    Apache::Test::ok(Apache::TestUtil::t_cmp(
        send_to($b, $path, high_s_twin(%sig)), '401 sig_replayed',
        'its high-s twin (r, n - s) is refused too'));
    return %sig;
}

# A graceful restart, waited for: true when the node answers from a new
# generation.
sub node_graceful {
    my ($node) = @_;
    my $before = () = read_file($node->{log}) =~ /resuming normal operations/g;
    my ($status) = run_httpd('-f', $node->{conf}, '-k', 'graceful');
    for (1 .. 200) {
        my $now = () = read_file($node->{log}) =~ /resuming normal operations/g;
        return $status == 0 if $now > $before;
        select undef, undef, undef, 0.05;
    }
    return 0;
}

# ------------------------------------------------------------ requests

# Headers of a request to $path on the API (any node), signed with the
# install key of t/conf/keys/ec.key.pem and its token: a fresh signature
# each time (ECDSA is randomized).
sub signed {
    my ($path, %opt) = @_;
    my $token = $opt{token} // install_token();
    my $key = Apache::Test::vars('t_conf') . '/keys/ec.key.pem';
    my @args = ('sign-request', '--install-key', $key, '--method', 'GET',
                '--url', "http://$HOST$path",
                '--header', "Approov-Token: $token");
    push @args, '--created', $opt{created} if defined $opt{created};
    my @sig = map { /^([\w-]+):\s*(.*)$/ ? ($1, $2) : () }
              split /\n/, run_tool(@args);
    return ('Approov-Token' => $token, @sig);
}

# The body of the last response send_to read.
our $BODY = '';

# GET $path from $node with these headers and Host: $HOST: "<status>
# <APPROOV_RESULT>".
sub send_to {
    my ($node, $path, @headers) = @_;
    my $sock = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                     PeerPort => $node->{port}, Timeout => 10)
        or return "no connection to $node->{name}: $!";
    my $text = "GET $path HTTP/1.0\r\nHost: $HOST\r\n";
    while (my ($name, $value) = splice @headers, 0, 2) {
        $text .= "$name: $value\r\n";
    }
    print $sock "$text\r\n";
    my $response = '';
    eval {
        local $SIG{ALRM} = sub { die "timeout\n" };
        alarm 20;
        1 while sysread $sock, $response, 65536, length $response;
        alarm 0;
    };
    alarm 0;
    (undef, $BODY) = split /\r\n\r\n/, $response, 2;
    $BODY //= '';
    my ($code) = $response =~ m{\AHTTP/1\.\d (\d{3})} or return 'no response';
    my ($result) = $response =~ /^X-Approov-Result: (\S+)/mi;
    return "$code " . ($result // '-');
}

# The twin (r, n - s) of the install signature in these headers, which
# verifies as well as the original: the same headers, Signature changed.
sub high_s_twin {
    my (%headers) = @_;
    my ($b64) = $headers{Signature} =~ /^install=:([^:]+):$/
        or die "unexpected Signature: $headers{Signature}";
    my $sig = MIME::Base64::decode_base64($b64);
    die 'not 64 bytes r||s' unless length $sig == 64;
    my $n = Math::BigInt->from_hex(
        'ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551');
    my $s = Math::BigInt->from_hex(unpack 'H*', substr $sig, 32);
    my $hex = $n->copy->bsub($s)->as_hex;
    $hex =~ s/^0x//;
    my $twin = substr($sig, 0, 32) . pack 'H*', ('0' x (64 - length $hex)) . $hex;
    $headers{Signature} = 'install=:' . MIME::Base64::encode_base64($twin, '')
                          . ':';
    return %headers;
}

# The node's lines about its replay cache being unreachable.
sub cache_lines {
    my ($node) = @_;
    return grep { /approov: replay cache .* unreachable/ }
           split /\n/, read_file($node->{log});
}

# The node's counters (mod_status ?auto), as a hash.
sub counters {
    my ($node) = @_;
    my $sock = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                     PeerPort => $node->{port}, Timeout => 10)
        or return {};
    print $sock "GET /server-status?auto HTTP/1.0\r\nHost: $HOST\r\n\r\n";
    local $/;
    my $text = <$sock> // '';
    my %line = $text =~ /^(\w+): (\S+)\r?$/mg;
    return \%line;
}

1;
