# Replay protection on one node: ApproovMessageSigningReplayCache shmcb
# (mod_socache_shmcb, shared memory under a global mutex, so the look-up
# and the store are one step), across a graceful restart; and the
# start-up checks of the directives.
use strict;
use warnings FATAL => 'all';

use FindBin;
use lib "$FindBin::Bin/lib";

use Apache::Test;
use Apache::TestUtil;
use File::Temp qw(tempdir);
use POSIX ();
use ApproovTest qw(httpd_conf run_httpd);
use ApproovReplay qw(node node_start node_stop node_graceful signed send_to
                     high_s_twin counters);

my $tool = $ENV{APPROOV_TEST_TOOL};
plan tests => 19, need { 'tools/approov-token (APPROOV_TEST_TOOL)'
                         => $tool && -x $tool };

my $dir = tempdir('approov-replay-shmcb-XXXXXX', TMPDIR => 1, CLEANUP => 1);
# A 404 in /replay/ is answered with a document of /replay-open/, another
# protected scope: httpd's internal redirect is judged again there, with
# the client's signature.
my $node = node($dir, 'shmcb', "shmcb:$dir/replay(512000)",
                "<Location /replay/>\n    ErrorDocument 404 /replay-open/ok.txt\n</Location>");
END { node_stop($node) if $node }
ok t_cmp(node_start($node) ? 'runs' : 'not started', 'runs',
         'a node with a shmcb replay cache starts');

my %sig = signed('/replay/ok.txt');
ok t_cmp(send_to($node, '/replay/ok.txt', %sig), '200 valid',
         'shmcb: a signed request is accepted');
ok t_cmp(send_to($node, '/replay/ok.txt', %sig), '401 sig_replayed',
         'shmcb: the same request is refused');
ok t_cmp(send_to($node, '/replay/ok.txt', high_s_twin(%sig)),
         '401 sig_replayed', 'shmcb: its high-s twin is refused');
ok t_cmp(send_to($node, '/replay/ok.txt', signed('/replay/ok.txt')),
         '200 valid', 'shmcb: another signature passes');

# Many at once, on many connections: exactly one is accepted, in each of
# several rounds (the look-up and the store are one step under the
# cache's mutex).
my @rounds;
for my $round (1 .. 6) {
    my %race = signed('/replay/ok.txt');
    my @pids;
    pipe my $read, my $write or die "pipe: $!";
    for (1 .. 16) {
        my $pid = fork // die "fork: $!";
        if (!$pid) {
            close $read;
            print $write send_to($node, '/replay/ok.txt', %race), "\n";
            close $write;
            # Not exit: the END block would stop the node.
            POSIX::_exit(0);
        }
        push @pids, $pid;
    }
    close $write;
    my @got = <$read>;
    waitpid $_, 0 for @pids;
    chomp @got;
    my %count;
    $count{$_}++ for @got;
    push @rounds, join(', ', map { "$count{$_} x $_" } sort keys %count);
}
ok t_cmp(join('; ', @rounds),
         join('; ', ('1 x 200 valid, 15 x 401 sig_replayed') x 6),
         'shmcb: a signature sent 16 times at once is accepted once (6 rounds)');

# The request's own signature, checked again after an internal redirect
# into another protected scope, is not a replay of itself.
my %missing = signed('/replay/missing.txt');
my $got = send_to($node, '/replay/missing.txt', %missing);
ok t_cmp("$got $ApproovReplay::BODY", qr/^404 \S+ ok$/,
         'an ErrorDocument in another protected scope: the request is not its own replay');
ok t_cmp(send_to($node, '/replay/missing.txt', %missing), '401 sig_replayed',
         'and sent again, it is a replay');

ok t_cmp(node_graceful($node), 1, 'graceful restart');
my %after = signed('/replay/ok.txt');
ok t_cmp(send_to($node, '/replay/ok.txt', %after), '200 valid',
         'after a graceful restart: a new signature is accepted');
ok t_cmp(send_to($node, '/replay/ok.txt', %after), '401 sig_replayed',
         'after a graceful restart: and refused the second time');
ok t_cmp(node_graceful($node) && send_to($node, '/replay/ok.txt',
                                         signed('/replay/ok.txt')),
         '200 valid', 'a second graceful restart: still working');
my $counters = counters($node);
ok t_cmp($counters->{ApproovSigReplayed}, qr/^\d+$/,
         'sig_replayed is counted (and survives the restarts)');

# A node without a cache: where ApproovMessageSigningReplay is not set,
# nothing is looked up, and a replay passes as it did before.
my $plain = node($dir, 'nocache-node', undef);
my %twice = signed('/replay-default/ok.txt');
ok t_cmp(node_start($plain) && join(', ', map {
             send_to($plain, '/replay-default/ok.txt', %twice) } 1 .. 2),
         '200 valid, 200 valid', 'no cache, not set: off');
node_stop($plain);

# Start-up checks, with httpd -t.
my $modules = $ENV{APPROOV_TEST_MODULES_DIR};
my @base = (qq{LoadModule authz_core_module "$modules/mod_authz_core.so"},
            qq{LoadModule approov_module "$ENV{APPROOV_TEST_MODULE}"});
my $scope = <<"SCOPE";
<Location /api/>
    Approov On
    ApproovBase64Secret "$ApproovMint::SECRET{main}"
    ApproovMessageSigning Required
    ApproovMessageSigningReplay On
</Location>
SCOPE
my $conf = httpd_conf($dir, 'nocache', 1, @base, $scope);
my ($status, $out) = run_httpd('-t', '-f', $conf);
ok t_cmp("$status $out",
         qr/^[1-9]\d* .*ApproovMessageSigningReplay On at \Q$conf\E:\d+, but no ApproovMessageSigningReplayCache/s,
         'Replay On without a cache: start-up error with file and line');
$conf = httpd_conf($dir, 'noprovider', 1, @base,
                   'ApproovMessageSigningReplayCache redis:127.0.0.1:1', $scope);
($status, $out) = run_httpd('-t', '-f', $conf);
ok t_cmp("$status $out", qr/^[1-9]\d* .*unknown socache provider 'redis'.*socache_redis/s,
         'a provider whose module is not loaded: start-up error');
$conf = httpd_conf($dir, 'badfailure', 1, @base,
                   "<Location /x/>\nApproovMessageSigningReplayCacheFailure maybe\n</Location>");
($status, $out) = run_httpd('-t', '-f', $conf);
ok t_cmp("$status $out", qr/^[1-9]\d* .*closed .*or open/s,
         'ReplayCacheFailure takes closed or open');
$conf = httpd_conf($dir, 'invhost', 1, @base,
                   qq{LoadModule socache_shmcb_module "$modules/mod_socache_shmcb.so"},
                   "<VirtualHost 127.0.0.1:1>\nApproovMessageSigningReplayCache shmcb\n</VirtualHost>");
($status, $out) = run_httpd('-t', '-f', $conf);
ok t_cmp("$status $out", qr/^[1-9]\d* .*cannot occur within <VirtualHost> section/s,
         'the cache is set in the main server only');
$conf = httpd_conf($dir, 'ok', 1, @base,
                   qq{LoadModule socache_shmcb_module "$modules/mod_socache_shmcb.so"},
                   'ApproovMessageSigningReplayCache shmcb', $scope);
($status, $out) = run_httpd('-t', '-f', $conf);
ok t_cmp("$status $out", qr/^0 .*Syntax OK/s, 'with shmcb: Syntax OK');
