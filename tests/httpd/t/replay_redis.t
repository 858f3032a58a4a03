# Replay protection across a fleet (ApproovMessageSigningReplay): two httpd
# nodes share one redis-server (mod_socache_redis), both started by this
# test on 127.0.0.1 (see t/lib/ApproovReplay.pm).  A signed request is
# accepted once, on whichever node it reaches first; its ECDSA twin
# (r, n - s) counts as the same signature; an entry that has expired frees
# only a signature that is too old anyway; redis down fails closed (503)
# or open (200), logged once a minute; a graceful restart keeps the cache.
use strict;
use warnings FATAL => 'all';

use FindBin;
use lib "$FindBin::Bin/lib";

use Apache::Test;
use Apache::TestUtil;
use ApproovReplay qw(fleet once_across_the_fleet start_cache stop_cache
                     redis_dbsize redis_command replay_key node_graceful
                     signed send_to high_s_twin cache_lines counters);

my $tool = $ENV{APPROOV_TEST_TOOL};
plan tests => 33, need { 'tools/approov-token (APPROOV_TEST_TOOL)'
                         => $tool && -x $tool };

# Stopped by ApproovReplay at exit, whatever happens here.
my $fleet = fleet('redis');
my ($a, $b, $dir, $redis) = @$fleet{qw(a b dir cache)};
ok t_cmp($fleet->{up} ? 'both run' : 'not started',
         'both run', 'two nodes start with one redis as their replay cache');

my %sig = once_across_the_fleet($fleet, '/replay/ok.txt');
my %other = signed('/replay/ok.txt', token => $sig{'Approov-Token'});
ok t_cmp(send_to($b, '/replay/ok.txt', %other), '200 valid',
         'another signature by the same key, of the same request, passes');
# The twin of a fresh signature verifies: it is accepted first, and the
# signature it came from is then the replay.
my %fresh = signed('/replay/ok.txt');
ok t_cmp(send_to($a, '/replay/ok.txt', high_s_twin(%fresh)), '200 valid',
         'the twin of an unused signature verifies (the malleability is real)');
ok t_cmp(send_to($b, '/replay/ok.txt', %fresh), '401 sig_replayed',
         'and then the signature it was made from is the replay');

# Replay protection off in a scope: nothing is looked up or stored.
my $keys = redis_dbsize($redis);
my %off = signed('/replay-off/ok.txt');
ok t_cmp(send_to($a, '/replay-off/ok.txt', %off), '200 valid',
         'Replay Off: a signed request passes');
ok t_cmp(send_to($b, '/replay-off/ok.txt', %off), '200 valid',
         'Replay Off: and passes again');
ok t_cmp(redis_dbsize($redis), $keys, 'Replay Off: nothing stored');
# Not set in a scope, replay protection is on: the node has a cache.
my %default = signed('/replay-default/ok.txt');
ok t_cmp(send_to($a, '/replay-default/ok.txt', %default) . ', then '
         . send_to($b, '/replay-default/ok.txt', %default),
         '200 valid, then 401 sig_replayed',
         'not set, with a cache configured: on');
# Only a signature that verified is recorded.
$keys = redis_dbsize($redis);
my %bad = %{{ signed('/replay/ok.txt') }};
$bad{Signature} =~ s/:(.)/':' . ($1 eq 'A' ? 'B' : 'A')/e;
ok t_cmp(send_to($a, '/replay/ok.txt', %bad), '401 sig_bad_signature',
         'a signature that does not verify is refused as such');
ok t_cmp(redis_dbsize($redis), $keys, 'and is not recorded');

# Report-only: recorded, a replay is reported and let through.
my %report = signed('/report/ok.txt');
ok t_cmp(send_to($a, '/report/ok.txt', %report), '200 valid',
         'report-only: the first use passes as valid');
ok t_cmp(send_to($b, '/report/ok.txt', %report), '200 sig_replayed',
         'report-only: the replay is reported, and let through');

# What is stored, where: the key of a used signature (computed by the
# test, apart from the module) is in redis, and its twin has the same.
ok t_cmp(redis_command($redis, 'EXISTS', replay_key(%sig)) . ' '
         . redis_command($redis, 'EXISTS', replay_key(high_s_twin(%sig))),
         '1 1', 'the identity stored is the one the README describes');
my $ttl = redis_command($redis, 'TTL', replay_key(%other));
ok t_cmp($ttl >= 355 && $ttl <= 362 ? 'in range' : "TTL $ttl", 'in range',
         'kept MaxAge + ClockSkew (300 + 60) and a second');

# Entries expire with the signature: MaxAge 1, ClockSkew 0.
my %short = signed('/replay-short/ok.txt');
ok t_cmp(send_to($a, '/replay-short/ok.txt', %short), '200 valid',
         'MaxAge 1: accepted');
ok t_cmp(send_to($b, '/replay-short/ok.txt', %short), '401 sig_replayed',
         'MaxAge 1: refused at once as a replay');
my $gone = 0;
for (1 .. 80) {
    last if ($gone = redis_command($redis, 'EXISTS', replay_key(%short)) eq '0');
    select undef, undef, undef, 0.1;
}
ok t_cmp($gone, 1, 'MaxAge 1: the entry expires within seconds');
ok t_cmp(send_to($b, '/replay-short/ok.txt', %short), '401 sig_too_old',
         'an expired entry frees nothing: the signature is too old by then');

# A graceful restart of node A: the cache lives on in redis, and the node
# works with it.
ok t_cmp(node_graceful($a), 1, 'node A restarts gracefully');
ok t_cmp(send_to($a, '/replay/ok.txt', %sig), '401 sig_replayed',
         'after the restart a signature used before is still refused');
my %after = signed('/replay/ok.txt');
ok t_cmp(send_to($a, '/replay/ok.txt', %after), '200 valid',
         'after the restart a new signature is accepted');
ok t_cmp(send_to($b, '/replay/ok.txt', %after), '401 sig_replayed',
         'and refused on the other node');

# Redis goes down.  Node A's requests fail closed, node B's open; each
# node logs one line, however many requests fail.
ok t_cmp(stop_cache($redis), 1, 'redis stopped');
my @closed = map { send_to($a, '/replay/ok.txt', signed('/replay/ok.txt')) }
             1 .. 3;
ok t_cmp("@closed", join(' ', ('503 replay_cache_unavailable') x 3),
         'cache down, closed: 503');
my @open = map { send_to($b, '/replay-open/ok.txt',
                         signed('/replay-open/ok.txt')) } 1 .. 3;
ok t_cmp("@open", join(' ', ('200 replay_cache_unavailable') x 3),
         'cache down, open: 200');
ok t_cmp(scalar(cache_lines($a)) . ' ' . scalar(cache_lines($b)), '1 1',
         'one log line per node, not one per request');
my ($ca, $cb) = (counters($a), counters($b));
ok t_cmp(($ca->{ApproovReplayCacheUnavailable} // 'none') . ' '
         . ($cb->{ApproovReplayCacheUnavailable} // 'none'), '3 3',
         'every failure is counted, closed and open');
ok t_cmp(send_to($a, '/report/ok.txt', signed('/report/ok.txt')),
         '200 replay_cache_unavailable',
         'cache down, report-only: reported and let through');
for my $node ($a, $b) {
    t_debug("$node->{name}: $_") for grep { /approov|socache/ }
        split /\n/, ApproovTest::read_file($node->{log});
}

# Redis back (on the same port, empty): each node uses it again once its
# connections are retried (apr_redis tries a dead server again after a few
# seconds, and a child's pooled connection fails once first).
$redis = $fleet->{cache} = start_cache('redis', $dir, $redis->{port});
my ($first, $second) = ('', '');
for (1 .. 80) {
    my %back = signed('/replay/ok.txt');
    $first = send_to($b, '/replay/ok.txt', %back);
    $second = send_to($a, '/replay/ok.txt', %back) if $first eq '200 valid';
    last if $second eq '401 sig_replayed';
    select undef, undef, undef, 0.25;
}
ok t_cmp("$first, then $second", '200 valid, then 401 sig_replayed',
         'redis back: accepted on one node, refused on the other');
