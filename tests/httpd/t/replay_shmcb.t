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
use ApproovMint qw(%SECRET);
use ApproovTest qw(httpd_conf run_httpd run_tool install_token);
use ApproovReplay qw(node node_start node_stop node_graceful signed send_to
                     high_s_twin counters);

my $tool = $ENV{APPROOV_TEST_TOOL};
plan tests => 19 + 15, need { 'tools/approov-token (APPROOV_TEST_TOOL)'
                         => $tool && -x $tool };

my $dir = tempdir('approov-replay-shmcb-XXXXXX', TMPDIR => 1, CLEANUP => 1);
# A 404 in /replay/ is answered with a document of /replay-open/, another
# protected scope: httpd's internal redirect is judged again there, with
# the client's signature.
# Every scope has the account key k1 (account signatures: label account,
# recorded under the token's mskid).  /replay-ed/ answers its 401 and 404
# with a document of /replay-open/.
my $ACCOUNT_K1 = 'HmYlNyo+5EW3GbWWkxDfFa8TDB5aVLF/WIiQ6XsnTYM=';
mkdir "$dir/htdocs";
mkdir "$dir/htdocs/replay-ed";
{
    open my $fh, '>', "$dir/htdocs/replay-ed/ok.txt" or die "$!";
    print $fh "ok\n";
}
my $node = node($dir, 'shmcb', "shmcb:$dir/replay(512000)",
                "<Location /replay/>\n    ErrorDocument 404 /replay-open/ok.txt\n</Location>",
                "<Location />\n    ApproovAccountSigningSecret $ACCOUNT_K1 k1\n</Location>",
                qq{CustomLog "$dir/shmcb_access.log" "%>s %{APPROOV_RESULT}e %U"},
                <<"ED");
<Location /replay-ed/>
    Approov On
    ApproovBase64Secret "$SECRET{main}"
    ApproovMessageSigning Required
    ErrorDocument 401 /replay-open/ok.txt
    ErrorDocument 404 /replay-open/ok.txt
</Location>
ED
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

# Account signatures (a token with mskid and no ipk): recorded under the
# mskid, label account.  HMAC is deterministic: a signature made in
# another second (created) is another signature by the same key.
sub account_token { my $t = run_tool('mint', '--secret', $SECRET{main},
                                     map { ('--claim', $_) } @_); chomp $t; $t }
sub account_signed {
    my ($path, $token, %opt) = @_;
    my @args = ('sign-request', '--method', 'GET',
                '--url', "http://$ApproovReplay::HOST$path",
                '--header', "Approov-Token: $token",
                '--account-key', $ACCOUNT_K1,
                '--created', $opt{created} // time);
    push @args, '--install-key',
        Apache::Test::vars('t_conf') . '/keys/ec.key.pem' if $opt{install};
    return ('Approov-Token' => $token,
            map { /^([\w-]+):\s*(.*)$/ ? ($1, $2) : () }
            split /\n/, run_tool(@args));
}
my $k1 = account_token('mskid=k1');
my $now = time;
my %acct = account_signed('/replay/ok.txt', $k1, created => $now);
ok t_cmp(send_to($node, '/replay/ok.txt', %acct), '200 valid',
         'account: a signed request is accepted');
ok t_cmp(send_to($node, '/replay/ok.txt', %acct), '401 sig_replayed',
         'account: the same request is refused');
ok t_cmp(send_to($node, '/replay/ok.txt',
                 account_signed('/replay/ok.txt', $k1, created => $now - 1)),
         '200 valid', 'account: another signature by the same key passes');
ok t_cmp(send_to($node, '/replay-off/ok.txt',
                 account_signed('/replay-off/ok.txt', $k1, created => $now))
         . ', ' . send_to($node, '/replay-off/ok.txt',
                          account_signed('/replay-off/ok.txt', $k1, created => $now)),
         '200 valid, 200 valid', 'account: replay Off, the same signature twice passes');
# Another token (another mskid claim) signed by the same key in the same
# second: another signature (the token header is covered).
ok t_cmp(send_to($node, '/replay/ok.txt',
                 account_signed('/replay/ok.txt', account_token('mskid=k1', 'x=2'),
                                created => $now)),
         '200 valid', 'account: another token, the same key and second: not a replay');

# A token with ipk and mskid, both members in one pair of headers: the
# install signature is the one judged and recorded; a fresh install
# signature beside the same account member is not a replay.
my $both = install_token(undef, 'mskid=k1');
my %pair = account_signed('/replay/ok.txt', $both, created => $now, install => 1);
ok t_cmp(send_to($node, '/replay/ok.txt', %pair), '200 valid',
         'install + account members, ipk token: accepted');
ok t_cmp(send_to($node, '/replay/ok.txt', %pair), '401 sig_replayed',
         'install + account members, ipk token: the same pair is refused');
my %fresh = account_signed('/replay/ok.txt', $both, created => $now, install => 1);
ok t_cmp($fresh{Signature} =~ /account=(:[^:]+:)/ && index($pair{Signature}, $1) >= 0
         ? send_to($node, '/replay/ok.txt', %fresh) : 'account member differs',
         '200 valid', 'the same account member, a fresh install one: accepted');

# Through internal redirects: not its own replay, and a replay is counted
# once.
my %am = account_signed('/replay/missing.txt', $k1);
$got = send_to($node, '/replay/missing.txt', %am);
ok t_cmp("$got $ApproovReplay::BODY", qr/^404 \S+ ok$/,
         'account, an ErrorDocument 404 in another protected scope: not its own replay');
ok t_cmp(send_to($node, '/replay/missing.txt', %am), '401 sig_replayed',
         'account: and sent again, it is a replay');
my %ed = account_signed('/replay-ed/missing.txt', $k1);
$got = send_to($node, '/replay-ed/missing.txt', %ed);
ok t_cmp("$got $ApproovReplay::BODY", qr/^404 \S+ ok$/,
         'account, ErrorDocument 404 of /replay-ed/: not its own replay');
my $before = counters($node)->{ApproovSigReplayed} // 0;
$got = send_to($node, '/replay-ed/missing.txt', %ed);
ok t_cmp($got, '401 sig_replayed', 'account, sent again to /replay-ed/: 401');
ok t_cmp((grep { m{ /replay-ed/missing\.txt$} }
          split /\n/, ApproovTest::read_file("$dir/shmcb_access.log"))[-1] // '',
         '401 sig_replayed /replay-ed/missing.txt',
         'and CustomLog has its APPROOV_RESULT (the ErrorDocument is the final request)');
ok t_cmp((counters($node)->{ApproovSigReplayed} // 0) - $before, 1,
         'a replay answered by an ErrorDocument 401 in another protected scope is counted once');
ok t_cmp(scalar(() = ApproovTest::read_file($node->{log})
                    =~ /reason=sig_replayed .*uri=\/replay-ed\/missing\.txt/g)
         . ' ' . scalar(() = ApproovTest::read_file($node->{log})
                          =~ /reason=sig_replayed .*uri=\/replay-open\/ok\.txt/g),
         '1 0', 'and logged once, for the request the client sent');

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
