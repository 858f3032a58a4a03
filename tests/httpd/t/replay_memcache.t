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
use ApproovReplay qw(fleet once_across_the_fleet stop_cache signed send_to
                     cache_lines);

my $tool = $ENV{APPROOV_TEST_TOOL};
plan tests => 9, need { 'tools/approov-token (APPROOV_TEST_TOOL)'
                        => $tool && -x $tool };

# Stopped by ApproovReplay at exit, whatever happens here.
my $fleet = fleet('memcache');
my ($a, $b, $memcached) = @$fleet{qw(a b cache)};
ok t_cmp($fleet->{up} ? 'both run' : 'not started',
         'both run', 'two nodes start with one memcached as their replay cache');

my %sig = once_across_the_fleet($fleet, '/replay/ok.txt');
ok t_cmp(send_to($b, '/replay/ok.txt',
                 signed('/replay/ok.txt', token => $sig{'Approov-Token'})),
         '200 valid', 'another signature by the same key passes');

ok t_cmp(stop_cache($memcached), 1, 'memcached stopped');
my @closed = map { send_to($a, '/replay/ok.txt', signed('/replay/ok.txt')) }
             1 .. 3;
ok t_cmp("@closed", join(' ', ('503 replay_cache_unavailable') x 3),
         'memcached down, closed: 503');
ok t_cmp(scalar(cache_lines($a)), 1, 'one log line, not one per request');
