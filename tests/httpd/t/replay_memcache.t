# Replay protection across a fleet through memcached
# (ApproovMessageSigningReplayCache memcache:host:port, mod_socache_memcache):
# two httpd nodes share one memcached that this test starts on 127.0.0.1
# (see t/lib/ApproovReplay.pm); memcached down fails closed.
use strict;
use warnings FATAL => 'all';

use FindBin;
use lib "$FindBin::Bin/lib";

use Apache::Test;
use Apache::TestUtil;
use File::Temp qw(tempdir);
use ApproovReplay qw(start_cache stop_cache node node_start node_stop
                     signed send_to high_s_twin cache_lines);

my $tool = $ENV{APPROOV_TEST_TOOL};
plan tests => 9, need { 'tools/approov-token (APPROOV_TEST_TOOL)'
                        => $tool && -x $tool };

my $dir = tempdir('approov-replay-memcache-XXXXXX', TMPDIR => 1, CLEANUP => 1);
my $memcached = start_cache('memcache', $dir);
my $spec = "memcache:127.0.0.1:$memcached->{port}";
my $a = node($dir, 'node-a', $spec);
my $b = node($dir, 'node-b', $spec);
END {
    node_stop($_) for grep { defined } $a, $b;
    stop_cache($memcached);
}
ok t_cmp(node_start($a) && node_start($b) ? 'both run' : 'not started',
         'both run', 'two nodes start with one memcached as their replay cache');

my %sig = signed('/replay/ok.txt');
ok t_cmp(send_to($a, '/replay/ok.txt', %sig), '200 valid',
         'a signed request is accepted on node A');
ok t_cmp(send_to($b, '/replay/ok.txt', %sig), '401 sig_replayed',
         'the same request is refused on node B');
ok t_cmp(send_to($a, '/replay/ok.txt', %sig), '401 sig_replayed',
         'and on node A again');
ok t_cmp(send_to($b, '/replay/ok.txt', high_s_twin(%sig)), '401 sig_replayed',
         'its high-s twin is refused too');
ok t_cmp(send_to($b, '/replay/ok.txt',
                 signed('/replay/ok.txt', token => $sig{'Approov-Token'})),
         '200 valid', 'another signature by the same key passes');

ok t_cmp(stop_cache($memcached), 1, 'memcached stopped');
my @closed = map { send_to($a, '/replay/ok.txt', signed('/replay/ok.txt')) }
             1 .. 3;
ok t_cmp("@closed", join(' ', ('503 replay_cache_unavailable') x 3),
         'memcached down, closed: 503');
ok t_cmp(scalar(cache_lines($a)), 1, 'one log line, not one per request');
